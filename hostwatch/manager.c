/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "common/log.h"
#include "hostwatch/bus.h"
#include "hostwatch/manager.h"
#include "hostwatch/store.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* STATUS= for systemctl status: often enough to be current, rare enough to cost nothing. */
#define STATUS_INTERVAL_USEC (5 * USEC_PER_SEC)

typedef struct Managed {
        HwMachineDef def;
        bool runtime;                   /* from AddMachine, not the config */
        HostWatchState state;
        uint64_t backoff_waits;
        uint64_t learned_usec;          /* when the current address was learned, until verified */
        /* What the state directory holds: the address for every machine; the whole record,
         * with its learned host key (STORE_HOST_KEY_MAX bytes), only for a machine that
         * learned one (host-key: tofu), not 2 KiB for each of thousands of machines. */
        char saved_address[46], saved_evidence[16];
        uint64_t saved_verified_usec;
        StoreRecord *saved_pin;
} Managed;

struct Manager {
        sd_event *event;
        HostWatch *hw;
        HwConfig *config;
        char *config_path;
        Store *store;
        Bus *bus;
        bool journal;
        sd_event_source *sig_term, *sig_int, *sig_hup, *status_timer, *metrics_timer;
        MetricsServer *metrics_server;
        Managed **machines;             /* dense, any order */
        size_t n_machines, n_allocated;
        Managed **index;                /* open addressing by name, capacity a power of two */
        size_t index_size;
        MetricsHistogram latency;
        unsigned in_flight, in_flight_peak;     /* SSH probes, from the state changes */
};

/* ---- logging: journald's fields when journald holds our stderr, plain text otherwise ---- */

static void mlog(Manager *m, int level, const char *machine, const char *state, const char *address, const char *fmt,
                 ...) _printf_(6, 7);
static void mlog(Manager *m, int level, const char *machine, const char *state, const char *address, const char *fmt,
                 ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (level > log_get_max_level())
                return;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        if (m->journal) {
                (void) sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%i", level,
                                       "SYSLOG_IDENTIFIER=netguard-hostwatch", "MACHINE=%s", machine ? machine : "",
                                       "STATE=%s", state ? state : "", "ADDRESS=%s", address ? address : "", NULL);
                return;
        }
        fprintf(stderr, "netguard-hostwatch: %s", msg);
        if (machine)
                fprintf(stderr, " MACHINE=%s", machine);
        if (state)
                fprintf(stderr, " STATE=%s", state);
        if (address && *address)
                fprintf(stderr, " ADDRESS=%s", address);
        fputc('\n', stderr);
}

/* ---- the machine index ---- */

static uint64_t hash_name(const char *s) {
        uint64_t h = 0xcbf29ce484222325u;     /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * 0x100000001b3u;
        return h;
}

static size_t index_slot(Manager *m, const char *name) {
        size_t mask = m->index_size - 1, i = (size_t) hash_name(name) & mask;

        while (m->index[i] && strcmp(m->index[i]->def.name, name) != 0)
                i = (i + 1) & mask;
        return i;
}

static Managed *find(Manager *m, const char *name) {
        if (m->index_size == 0)
                return NULL;
        return m->index[index_slot(m, name)];
}

static int index_grow(Manager *m, size_t want) {
        size_t size = m->index_size ? m->index_size : 64;
        Managed **old = m->index;
        size_t old_size = m->index_size;

        while (size < want * 2)
                size *= 2;
        if (size == m->index_size)
                return 0;
        m->index = calloc(size, sizeof *m->index);
        if (!m->index) {
                m->index = old;
                return -ENOMEM;
        }
        m->index_size = size;
        for (size_t i = 0; i < old_size; i++)
                if (old[i])
                        m->index[index_slot(m, old[i]->def.name)] = old[i];
        free(old);
        return 0;
}

static int registry_add(Manager *m, Managed *x) {
        int r = index_grow(m, m->n_machines + 1);

        if (r < 0)
                return r;
        if (m->n_machines == m->n_allocated) {
                size_t n = m->n_allocated ? m->n_allocated * 2 : 64;
                Managed **a = reallocarray(m->machines, n, sizeof *a);
                if (!a)
                        return -ENOMEM;
                m->machines = a;
                m->n_allocated = n;
        }
        m->machines[m->n_machines++] = x;
        m->index[index_slot(m, x->def.name)] = x;
        return 0;
}

static void registry_remove(Manager *m, Managed *x) {
        size_t mask = m->index_size - 1, i = index_slot(m, x->def.name), j = i;

        /* Linear probing: pull later entries of the run back over the hole. */
        m->index[i] = NULL;
        for (;;) {
                size_t home;
                j = (j + 1) & mask;
                if (!m->index[j])
                        break;
                home = (size_t) hash_name(m->index[j]->def.name) & mask;
                if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
                        m->index[i] = m->index[j];
                        m->index[j] = NULL;
                        i = j;
                }
        }
        for (size_t k = 0; k < m->n_machines; k++)
                if (m->machines[k] == x) {
                        m->machines[k] = m->machines[--m->n_machines];
                        break;
                }
}

static Managed *managed_free(Managed *x) {
        if (!x)
                return NULL;
        hw_machine_def_done(&x->def);
        free(x->saved_pin);
        return mfree(x);
}

/* ---- the library's callbacks ---- */

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;

        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000;
}

/* The record the state directory holds for x, as kept in memory. */
static void saved_record(const Managed *x, StoreRecord *ret) {
        if (x->saved_pin)
                *ret = *x->saved_pin;
        else
                *ret = (StoreRecord) {};
        snprintf(ret->address, sizeof ret->address, "%s", x->saved_address);
        snprintf(ret->evidence, sizeof ret->evidence, "%s", x->saved_evidence);
        ret->verified_realtime_usec = x->saved_verified_usec;
}

/* Keeps rec as what the state directory holds for x; -ENOMEM leaves the pin out. */
static int keep_saved(Managed *x, const StoreRecord *rec) {
        snprintf(x->saved_address, sizeof x->saved_address, "%s", rec->address);
        snprintf(x->saved_evidence, sizeof x->saved_evidence, "%s", rec->evidence);
        x->saved_verified_usec = rec->verified_realtime_usec;
        if (!rec->host_key[0]) {
                x->saved_pin = mfree(x->saved_pin);
                return 0;
        }
        if (!x->saved_pin) {
                x->saved_pin = malloc(sizeof *x->saved_pin);
                if (!x->saved_pin)
                        return -ENOMEM;
        }
        *x->saved_pin = *rec;
        return 0;
}

static const char *saved_host_key(const Managed *x) {
        return x->saved_pin && x->saved_pin->host_key[0] ? x->saved_pin->host_key : NULL;
}

static void save(Manager *m, Managed *x, const HostWatchWhere *w) {
        StoreRecord rec;
        int r;

        if (!m->store)
                return;
        /* the learned pin rides along with every record */
        saved_record(x, &rec);
        snprintf(rec.address, sizeof rec.address, "%s", w->address);
        snprintf(rec.evidence, sizeof rec.evidence, "%s", hostwatch_evidence_to_string(w->evidence));
        rec.verified_realtime_usec = now_usec(CLOCK_REALTIME);
        /* A re-proof of the same address changes nothing worth an fsync. */
        if (strcmp(rec.address, x->saved_address) == 0 && strcmp(rec.evidence, x->saved_evidence) == 0)
                return;
        r = store_save(m->store, x->def.name, &rec);
        if (r < 0) {
                mlog(m, LOG_LEVEL_WARNING, x->def.name, NULL, w->address, "cannot save the verified address: %s",
                     strerror(-r));
                return;
        }
        (void) keep_saved(x, &rec);
}

static bool holds_slot(HostWatchState s) {
        return s == HOSTWATCH_STATE_CONNECTING || s == HOSTWATCH_STATE_AUTHENTICATING;
}

void manager_get_in_flight(Manager *m, unsigned *ret_now, unsigned *ret_peak) {
        *ret_now = m->in_flight;
        *ret_peak = m->in_flight_peak;
}

static void on_state(HostWatch *hw, const char *name, HostWatchState old, HostWatchState new, void *userdata) {
        Manager *m = userdata;
        Managed *x = find(m, name);
        HostWatchWhere w = {};
        bool notable;

        if (x)
                x->state = new;
        if (holds_slot(old) && !holds_slot(new) && m->in_flight > 0)
                m->in_flight--;
        else if (!holds_slot(old) && holds_slot(new) && ++m->in_flight > m->in_flight_peak)
                m->in_flight_peak = m->in_flight;
        if (x && (new == HOSTWATCH_STATE_BACKOFF || new == HOSTWATCH_STATE_KEY_MISMATCH))
                x->backoff_waits++;
        if (new != HOSTWATCH_STATE_REMOVED)
                (void) hostwatch_where(hw, name, &w);
        if (x && new == HOSTWATCH_STATE_VERIFIED) {
                if (x->learned_usec) {
                        metrics_histogram_observe(&m->latency, now_usec(CLOCK_MONOTONIC) - x->learned_usec);
                        x->learned_usec = 0;
                }
                save(m, x, &w);
        }
        /* Every change is in the journal at debug; what an operator acts on at info and up. */
        notable = new == HOSTWATCH_STATE_KEY_MISMATCH || new == HOSTWATCH_STATE_REMOVED ||
                  (new == HOSTWATCH_STATE_VERIFIED) != (old == HOSTWATCH_STATE_VERIFIED);
        mlog(m, new == HOSTWATCH_STATE_KEY_MISMATCH ? LOG_LEVEL_WARNING : notable ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG,
             name, hostwatch_state_to_string(new), w.address, "%s: %s -> %s", name, hostwatch_state_to_string(old),
             hostwatch_state_to_string(new));
        bus_emit_state_changed(m->bus, name, old, new);
}

static void on_address(HostWatch *hw, const HostWatchWhere *w, void *userdata) {
        Manager *m = userdata;
        Managed *x = find(m, w->name);

        if (x)
                x->learned_usec = w->address[0] ? now_usec(CLOCK_MONOTONIC) : 0;
        mlog(m, LOG_LEVEL_INFO, w->name, hostwatch_state_to_string(w->state), w->address, "%s: address %s (%s)",
             w->name, w->address[0] ? w->address : "none", hostwatch_evidence_to_string(w->evidence));
        bus_emit_address_changed(m->bus, w);
}

static void on_key_learned(HostWatch *hw, const char *name, const char *key, const char *fingerprint,
                           void *userdata) {
        Manager *m = userdata;
        Managed *x = find(m, name);
        StoreRecord rec;
        int r;

        if (!x)
                return;
        saved_record(x, &rec);
        if (snprintf(rec.host_key, sizeof rec.host_key, "%s", key) >= (int) sizeof rec.host_key ||
            !store_host_key_valid(rec.host_key)) {
                mlog(m, LOG_LEVEL_WARNING, name, NULL, NULL, "%s: the key learned on first use cannot be kept (%zu bytes)",
                     name, strlen(key));
                return;
        }
        snprintf(rec.host_key_fingerprint, sizeof rec.host_key_fingerprint, "%s", fingerprint);
        rec.host_key_learned_realtime_usec = now_usec(CLOCK_REALTIME);
        /* Kept before the machine is reported verified: a kill -9 after that keeps the pin. */
        r = m->store ? store_save(m->store, name, &rec) : 0;
        if (r < 0)
                mlog(m, LOG_LEVEL_ERR, name, NULL, NULL,
                     "%s: host key %s pinned on first use, but it cannot be saved (a restart learns again): %s", name,
                     fingerprint, strerror(-r));
        else
                mlog(m, LOG_LEVEL_NOTICE, name, NULL, NULL, "%s: host key pinned on first use: %s %s", name,
                     fingerprint, key);
        if (keep_saved(x, &rec) < 0)
                mlog(m, LOG_LEVEL_ERR, name, NULL, NULL, "%s: out of memory keeping the learned host key", name);
}

/* The key a machine is pinned to now, and whether it was learned (host-key: tofu); NULL
 * when a known-hosts file holds the keys, or tofu has not learned one yet. */
int manager_get_host_key(Manager *m, const char *name, const char **ret_key, bool *ret_learned) {
        Managed *x = find(m, name);

        if (!x)
                return -ENOENT;
        *ret_learned = x->def.tofu && saved_host_key(x);
        *ret_key = x->def.tofu ? saved_host_key(x) : x->def.host_key;
        return 0;
}

/* ---- machines in and out ---- */

static int add_to_library(Manager *m, Managed *x, char **ret_error) {
        const HwMachineDef *d = &x->def;
        StoreRecord rec = {};
        HostWatchMachineConfig c = {
                .name = d->name,
                .channel = d->channel,
                .macaddress = d->macaddress,
                .networks = (const char *const *) d->networks,
                .host_key = d->host_key,
                .known_hosts = d->known_hosts,
                .leases = (const char *const *) d->leases,
                .ssh_user = d->ssh.user,
                .ssh_identity = d->ssh.identity,
                .ssh_port = d->ssh.port,
                .probe_networks = d->probe_networks,
        };
        const char *what;
        int r;

        if (m->store) {
                r = store_load(m->store, d->name, &rec);
                if (r == -EBADMSG && d->tofu) {
                        /* It may hold the pin: learning another key instead would be TOFU's worst case. */
                        what = "its record in the state directory is damaged and may hold the learned host key: "
                               "check machines/NAME.json there, or remove it to learn the key again";
                        goto fail;
                }
                if (r < 0)
                        rec = (StoreRecord) {};
        }
        if (rec.address[0])
                c.last_address = rec.address;
        if (!d->tofu && rec.host_key[0]) {
                /* The config names the key now: it wins, and the learned one is forgotten. */
                mlog(m, LOG_LEVEL_NOTICE, d->name, NULL, NULL,
                     "%s: the config gives the host key now; forgetting the one learned on first use (%s)", d->name,
                     rec.host_key_fingerprint);
                rec.host_key[0] = 0;
                rec.host_key_fingerprint[0] = 0;
                rec.host_key_learned_realtime_usec = 0;
                (void) store_save(m->store, d->name, &rec);
        }
        r = keep_saved(x, &rec);
        if (r < 0) {
                what = "out of memory";
                goto fail;
        }
        if (d->tofu && rec.host_key[0])
                c.host_key = rec.host_key;      /* learned before: pinned like a configured key */
        if (d->tofu && !c.host_key)
                r = hostwatch_add_machine_tofu(m->hw, &c);
        else
                r = hostwatch_add_machine(m->hw, &c);
        if (r >= 0)
                return 0;
        switch (r) {
        case -EINVAL:
                what = d->tofu ? "host-key: tofu needs ssh.identity (only a login proves the server is the guest)"
                               : strerror(-r);
                break;
        case -ENOKEY:
                what = d->tofu ? "the host key learned on first use is not readable: check machines/NAME.json in the "
                                 "state directory, or remove it to learn the key again"
                       : d->known_hosts ? "no usable key in known-hosts (is the file there, with \"HOST TYPE BASE64\" lines?)"
                                        : "host-key is not a key libssh can read: copy the guest's ssh_host_*_key.pub line";
                break;
        case -EBUSY:
                what = "another watcher holds this channel (a lock in netguard-hostwatch.lock beside it): stop it, or remove the machine there";
                break;
        case -EEXIST:
                what = "a machine of this name is watched already";
                break;
        case -ENOENT:
        case -EACCES:
                what = "cannot read the ssh identity file";
                break;
        default:
                what = strerror(-r);
        }
fail:
        if (ret_error) {
                if (asprintf(ret_error, "%s:%u:%u: machine '%s': %s", m->config_path, d->line, d->column, d->name,
                             what) < 0)
                        *ret_error = NULL;
        } else
                mlog(m, LOG_LEVEL_ERR, d->name, NULL, NULL, "%s:%u:%u: machine '%s' is not watched: %s",
                     m->config_path, d->line, d->column, d->name, what);
        return r;
}

static int manager_add(Manager *m, const HwMachineDef *def, bool runtime, char **ret_error) {
        Managed *x;
        int r;

        if (find(m, def->name))
                return -EEXIST;
        x = calloc(1, sizeof *x);
        if (!x)
                return -ENOMEM;
        r = hw_machine_def_copy(def, &x->def);
        if (r < 0) {
                free(x);
                return r;
        }
        x->runtime = runtime;
        x->state = HOSTWATCH_STATE_DISCOVERING;
        /* In the index before the library calls back about it. */
        r = registry_add(m, x);
        if (r < 0) {
                managed_free(x);
                return r;
        }
        r = add_to_library(m, x, ret_error);
        if (r < 0) {
                registry_remove(m, x);
                managed_free(x);
                return r;
        }
        return 0;
}

static int drop(Manager *m, Managed *x, bool forget) {
        (void) hostwatch_remove_machine(m->hw, x->def.name);
        if (forget && m->store)
                (void) store_remove(m->store, x->def.name);
        registry_remove(m, x);
        managed_free(x);
        return 0;
}

int manager_add_runtime(Manager *m, const HwMachineDef *def, char **ret_error) {
        return manager_add(m, def, true, ret_error);
}

int manager_remove(Manager *m, const char *name) {
        Managed *x = find(m, name);

        if (!x)
                return -ENOENT;
        return drop(m, x, true);
}

HostWatch *manager_get_hostwatch(Manager *m) {
        return m->hw;
}

const char *manager_get_config_path(Manager *m) {
        return m->config_path;
}

size_t manager_count(Manager *m) {
        return m->n_machines;
}

const char *manager_name(Manager *m, size_t i) {
        return i < m->n_machines ? m->machines[i]->def.name : NULL;
}

/* ---- what the bus serves ---- */

static HostWatch *ops_hostwatch(void *userdata) {
        return manager_get_hostwatch(userdata);
}

static const char *ops_config_path(void *userdata) {
        return manager_get_config_path(userdata);
}

static size_t ops_count(void *userdata) {
        return manager_count(userdata);
}

static const char *ops_name(void *userdata, size_t i) {
        return manager_name(userdata, i);
}

static int ops_add(void *userdata, const HwMachineDef *def, char **ret_error) {
        return manager_add_runtime(userdata, def, ret_error);
}

static int ops_remove(void *userdata, const char *name) {
        return manager_remove(userdata, name);
}

static void ops_in_flight(void *userdata, unsigned *ret_now, unsigned *ret_peak) {
        manager_get_in_flight(userdata, ret_now, ret_peak);
}

static int ops_host_key(void *userdata, const char *name, const char **ret_key, bool *ret_learned) {
        return manager_get_host_key(userdata, name, ret_key, ret_learned);
}

static const BusOps bus_ops = {
        .hostwatch = ops_hostwatch,
        .config_path = ops_config_path,
        .count = ops_count,
        .name = ops_name,
        .add = ops_add,
        .remove = ops_remove,
        .in_flight = ops_in_flight,
        .host_key = ops_host_key,
};

/* ---- config and reload ---- */

static int load_config(Manager *m, HwConfig **ret) {
        _cleanup_free_ char *error = NULL;
        int r = hw_config_load(m->config_path, ret, &error);

        if (r == -ENOENT) {
                /* No file: no machines yet, AddMachine can bring them. */
                mlog(m, LOG_LEVEL_NOTICE, NULL, NULL, NULL, "%s: not there; starting with no machines", m->config_path);
                return hw_config_parse(m->config_path, "", 0, ret, NULL);
        }
        if (r < 0 && error)
                mlog(m, LOG_LEVEL_ERR, NULL, NULL, NULL, "%s", error);
        else if (r < 0)
                mlog(m, LOG_LEVEL_ERR, NULL, NULL, NULL, "%s: cannot read: %s", m->config_path, strerror(-r));
        return r;
}

static bool globals_equal(const HwConfig *a, const HwConfig *b) {
        return a->backoff_initial_usec == b->backoff_initial_usec && a->backoff_max_usec == b->backoff_max_usec &&
               a->min_connect_timeout_usec == b->min_connect_timeout_usec &&
               a->backoff_multiplier == b->backoff_multiplier && a->backoff_jitter == b->backoff_jitter &&
               a->max_in_flight == b->max_in_flight && a->heartbeat_sec == b->heartbeat_sec;
}

static int metrics_setup(Manager *m);
static void notify_status(Manager *m);

int manager_reload(Manager *m) {
        _cleanup_(hw_config_freep) HwConfig *c = NULL;
        size_t added = 0, removed = 0, changed = 0, failed = 0;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long) now_usec(CLOCK_MONOTONIC));
        r = load_config(m, &c);
        if (r < 0) {
                mlog(m, LOG_LEVEL_ERR, NULL, NULL, NULL, "reload refused: still running on the config loaded before");
                (void) sd_notify(false, "READY=1\nSTATUS=reload refused: bad config (see the journal)");
                return r;
        }
        if (!globals_equal(m->config, c))
                mlog(m, LOG_LEVEL_WARNING, NULL, NULL, NULL,
                     "%s: defaults.backoff, max-in-flight and heartbeat take effect at the next start", m->config_path);
        /* Gone from the config, or changed: out (runtime machines stay unless the config names them). */
        for (size_t i = m->n_machines; i > 0; i--) {
                Managed *x = m->machines[i - 1];
                const HwMachineDef *d = hw_config_find(c, x->def.name);

                if (!d && x->runtime)
                        continue;
                if (d && hw_machine_def_equal(d, &x->def)) {
                        /* same machine; the config's line numbers for later messages */
                        x->def.line = d->line;
                        x->def.column = d->column;
                        x->runtime = false;
                        continue;
                }
                if (d)
                        changed++;
                else
                        removed++;
                drop(m, x, !d);
        }
        for (size_t i = 0; i < c->n_machines; i++) {
                if (find(m, c->machines[i].name))
                        continue;
                r = manager_add(m, &c->machines[i], false, NULL);
                if (r < 0)
                        failed++;
                else
                        added++;
        }
        /* changed ones were counted as added too */
        added -= changed < added ? changed : added;
        hw_config_free(m->config);
        m->config = TAKE_PTR(c);
        (void) metrics_setup(m);
        mlog(m, LOG_LEVEL_INFO, NULL, NULL, NULL, "%s reloaded: %zu added, %zu removed, %zu changed, %zu not watched, %zu in all",
             m->config_path, added, removed, changed, failed, m->n_machines);
        (void) sd_notify(false, "READY=1");
        notify_status(m);
        return 0;
}

/* ---- timers and signals ---- */

static void notify_status(Manager *m) {
        size_t verified = 0, failing = 0;

        for (size_t i = 0; i < m->n_machines; i++) {
                HostWatchState s = m->machines[i]->state;
                if (s == HOSTWATCH_STATE_VERIFIED)
                        verified++;
                else if (s == HOSTWATCH_STATE_BACKOFF || s == HOSTWATCH_STATE_KEY_MISMATCH)
                        failing++;
        }
        (void) sd_notifyf(false, "STATUS=%zu machines: %zu verified, %zu failing, %zu in progress", m->n_machines,
                          verified, failing, m->n_machines - verified - failing);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        notify_status(m);
        /* a time source fires once: set it again and re-arm it */
        (void) sd_event_source_set_time(s, usec + STATUS_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static MetricsMachine *metrics_snapshot(Manager *m) {
        MetricsMachine *mm = calloc(m->n_machines ? m->n_machines : 1, sizeof *mm);

        if (!mm)
                return NULL;
        for (size_t i = 0; i < m->n_machines; i++) {
                Managed *x = m->machines[i];
                mm[i].name = x->def.name;
                mm[i].state = x->state;
                mm[i].backoff_waits = x->backoff_waits;
                (void) hostwatch_get_stats(m->hw, x->def.name, &mm[i].stats);
        }
        return mm;
}

/* For the metrics socket: one rendering into memory. */
static int render_metrics(void *userdata, char **ret, size_t *ret_size) {
        Manager *m = userdata;
        _cleanup_free_ MetricsMachine *mm = metrics_snapshot(m);
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!mm)
                return -ENOMEM;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = metrics_format(f, mm, m->n_machines, &m->latency, m->in_flight, m->in_flight_peak);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

static int write_metrics(Manager *m) {
        _cleanup_free_ MetricsMachine *mm = metrics_snapshot(m);
        int r;

        if (!mm)
                return -ENOMEM;
        r = metrics_write_file(m->config->metrics_file, mm, m->n_machines, &m->latency, m->in_flight,
                               m->in_flight_peak);
        if (r < 0)
                mlog(m, LOG_LEVEL_WARNING, NULL, NULL, NULL, "cannot write metrics to %s: %s", m->config->metrics_file,
                     strerror(-r));
        return r;
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) write_metrics(m);
        (void) sd_event_source_set_time(s, usec + (uint64_t) m->config->metrics_interval_sec * USEC_PER_SEC);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void metrics_socket_setup(Manager *m) {
        const char *want = m->config->metrics_socket;
        int r;

        if (m->metrics_server && want && strcmp(metrics_server_get_path(m->metrics_server), want) == 0)
                return;         /* a reload that keeps it keeps its clients */
        m->metrics_server = metrics_server_free(m->metrics_server);
        if (!want)
                return;
        r = metrics_server_new(m->event, want, render_metrics, m, &m->metrics_server);
        if (r < 0)
                mlog(m, LOG_LEVEL_ERR, NULL, NULL, NULL, "%s: metrics.socket %s: cannot listen: %s%s", m->config_path,
                     want, strerror(-r),
                     r == -EADDRINUSE ? " (another daemon answers there)"
                     : r == -EEXIST  ? " (something that is not a socket is there: remove it)"
                                     : "");
        else
                mlog(m, LOG_LEVEL_INFO, NULL, NULL, NULL, "metrics on %s", want);
}

static int metrics_setup(Manager *m) {
        metrics_socket_setup(m);
        m->metrics_timer = sd_event_source_disable_unref(m->metrics_timer);
        if (!m->config->metrics_file)
                return 0;
        if (m->config->metrics_interval_sec == 0)
                m->config->metrics_interval_sec = 15;
        (void) write_metrics(m);
        return sd_event_add_time_relative(m->event, &m->metrics_timer, CLOCK_MONOTONIC,
                                          (uint64_t) m->config->metrics_interval_sec * USEC_PER_SEC, 0,
                                          on_metrics_timer, m);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                (void) manager_reload(m);
                return 0;
        }
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

/* ---- the object ---- */

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        bus_free(m->bus);
        m->bus = NULL;
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        sd_event_source_disable_unref(m->status_timer);
        sd_event_source_disable_unref(m->metrics_timer);
        metrics_server_free(m->metrics_server);
        /* The library reports each machine REMOVED as it goes: keep the index until then. */
        hostwatch_set_callbacks(m->hw, NULL, NULL, NULL);
        hostwatch_set_key_learned_callback(m->hw, NULL, NULL);
        hostwatch_free(m->hw);
        for (size_t i = 0; i < m->n_machines; i++)
                managed_free(m->machines[i]);
        free(m->machines);
        free(m->index);
        store_free(m->store);
        hw_config_free(m->config);
        free(m->config_path);
        sd_event_unref(m->event);
        return mfree(m);
}

int manager_new(Manager **ret, const ManagerOptions *o) {
        _cleanup_(manager_freep) Manager *m = NULL;
        const char *state_dir = o->state_dir ? o->state_dir : MANAGER_STATE_DIR_DEFAULT;
        HostWatchConfig hc = {};
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        /* systemd points stderr at journald and says so: structured fields then. */
        m->journal = getenv("JOURNAL_STREAM") != NULL;
        m->config_path = strdup(o->config_path ? o->config_path : HW_CONFIG_DEFAULT_PATH);
        if (!m->config_path)
                return -ENOMEM;
        r = load_config(m, &m->config);
        if (r < 0)
                return r;
        r = store_open(state_dir, &m->store);
        if (r < 0)
                return log_error_errno(r, "cannot open the state directory %s: %m", state_dir);

        hc.backoff_initial_usec = m->config->backoff_initial_usec;
        hc.backoff_multiplier = m->config->backoff_multiplier;
        hc.backoff_jitter = m->config->backoff_jitter < 0 ? 0 : m->config->backoff_jitter == 0 ? -1 : m->config->backoff_jitter;
        hc.backoff_max_usec = m->config->backoff_max_usec;
        hc.min_connect_timeout_usec = m->config->min_connect_timeout_usec;
        hc.max_in_flight = m->config->max_in_flight;
        hc.heartbeat_interval_ms = m->config->heartbeat_sec * 1000;
        r = hostwatch_new(&m->hw, &hc);
        if (r < 0)
                return log_error_errno(r, "%s: the defaults are out of range for the library: %m", m->config_path);
        hostwatch_set_callbacks(m->hw, on_state, on_address, m);
        hostwatch_set_key_learned_callback(m->hw, on_key_learned, m);

        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        (void) sd_event_set_watchdog(m->event, true);
        r = hostwatch_attach_event(m->hw, m->event, 0);
        if (r < 0)
                return log_error_errno(r, "cannot attach to the event loop: %m");
        if ((r = sd_event_add_signal(m->event, &m->sig_term, SIGTERM, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sig_int, SIGINT, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sig_hup, SIGHUP, on_signal, m)) < 0)
                return log_error_errno(r, "cannot watch signals (blocked?): %m");
        r = sd_event_add_time_relative(m->event, &m->status_timer, CLOCK_MONOTONIC, STATUS_INTERVAL_USEC, 0,
                                       on_status_timer, m);
        if (r < 0)
                return r;
        if (!o->no_bus) {
                r = bus_new(m->event, &bus_ops, m, &m->bus);
                if (r < 0)
                        return log_error_errno(r, "cannot connect to the system bus: %m");
        }
        for (size_t i = 0; i < m->config->n_machines; i++)
                (void) manager_add(m, &m->config->machines[i], false, NULL);
        r = metrics_setup(m);
        if (r < 0)
                return r;
        mlog(m, LOG_LEVEL_INFO, NULL, NULL, NULL, "%s: watching %zu machines", m->config_path, m->n_machines);
        *ret = TAKE_PTR(m);
        return 0;
}

int manager_run(Manager *m) {
        notify_status(m);
        (void) sd_notify(false, "READY=1");
        return sd_event_loop(m->event);
}
