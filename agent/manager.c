/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "agent/agent-config.h"
#include "agent/bus.h"
#include "agent/engine.h"
#include "agent/host-hint.h"
#include "agent/live.h"
#include "agent/manager.h"
#include "agent/netlink-watch.h"
#include "agent/snapshot.h"
#include "common/ether-addr.h"
#include "common/file-read.h"
#include "common/log.h"

#define AGENT_PORT_DEFAULT "/dev/virtio-ports/io.netguard.agent.0"
/* The last this many change-to-written latencies are kept for the figures. */
#define LATENCY_SAMPLES 4096u

struct manager {
        sd_event *event;
        char *config_path, *hint_path, *port_override, *root_dir;
        bool no_bus;
        agent_config *cfg;
        agent_config *hint;
        channel *channel;
        netlink_watch *watch;
        agent_bus *bus;
        engine *engine;
        sd_event_source *sig_term, *sig_int, *sig_hup;

        ProtoAddresses current;         /* the last snapshot handed to the channel */
        bool have_current;
        size_t dropped_logged;
        uint64_t snapshots_built, snapshots_unchanged;
        ProtoGuestHello identity;
        char status_text[128];

        /* netlink message read -> its snapshot written whole to the port */
        uint64_t batch_first_usec;      /* 0: no change waiting to be written */
        uint32_t batch_snapshot;
        uint32_t latency_usec[LATENCY_SAMPLES];
        uint64_t n_latency;
};

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return (x > y) - (x < y);
}

static void latency_figures(const manager *m, uint32_t *p50, uint32_t *p99, uint32_t *max, size_t *n) {
        uint32_t sorted[LATENCY_SAMPLES];

        *n = m->n_latency < LATENCY_SAMPLES ? (size_t) m->n_latency : LATENCY_SAMPLES;
        *p50 = *p99 = *max = 0;
        if (*n == 0)
                return;
        memcpy(sorted, m->latency_usec, *n * sizeof(uint32_t));
        qsort(sorted, *n, sizeof(uint32_t), cmp_u32);
        *p50 = sorted[*n / 2];
        *p99 = sorted[*n * 99 / 100];
        *max = sorted[*n - 1];
}

static const char *port_of(const manager *m) {
        if (m->port_override)
                return m->port_override;
        return m->cfg && m->cfg->port ? m->cfg->port : AGENT_PORT_DEFAULT;
}

/* 32 hex digits (dashes skipped) into 16 bytes; all zero when unreadable. */
static void read_id128(const char *path, uint8_t out[static 16]) {
        _cleanup_free_ char *s = NULL;
        uint8_t id[16];
        size_t n = 0, k = 0;

        memset(out, 0, 16);
        if (read_file_bounded(path, 128, READ_FILE_FOLLOW, &s, &n, NULL) < 0)
                return;
        for (size_t i = 0; i < n && k < 32; i++) {
                char c = s[i];
                int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

                if (c == '-')
                        continue;
                if (v < 0)
                        break;
                if (k % 2 == 0)
                        id[k / 2] = (uint8_t) (v << 4);
                else
                        id[k / 2] |= (uint8_t) v;
                k++;
        }
        if (k == 32)
                memcpy(out, id, 16);
}

static void read_identity(ProtoGuestHello *h) {
        *h = (ProtoGuestHello) {};
        snprintf(h->agent_version, sizeof(h->agent_version), "%s", NETGUARD_VERSION);
        read_id128("/etc/machine-id", h->machine_id);
        read_id128("/proc/sys/kernel/random/boot_id", h->boot_id);
        if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
                h->hostname[0] = 0;
}

static void notify_status(manager *m) {
        const char *what = "";

        switch (channel_get_state(m->channel)) {
        case CHANNEL_CLOSED:
                what = "port missing";
                break;
        case CHANNEL_WAITING:
                what = "no host";
                break;
        case CHANNEL_CONNECTED:
                what = "host connected";
                break;
        case _CHANNEL_STATE_MAX:
        case _CHANNEL_STATE_INVALID:
                break;
        }
        snprintf(m->status_text, sizeof(m->status_text), "STATUS=%s on %s, last snapshot %u", what, port_of(m),
                 channel_last_snapshot_written(m->channel));
        (void) sd_notify(false, m->status_text);
}

/* Reads the live state and builds a snapshot: 1 if it differs from the last (and becomes
 * the current one), 0 if it is the same, negative errno if the state cannot be read. */
static int rebuild(manager *m) {
        _cleanup_(live_state_freep) live_state *live = NULL;
        ProtoAddresses s = {};
        size_t dropped = 0;
        int r;

        r = live_state_read(&live);
        if (r < 0)
                return log_warning_errno(r, "cannot read the network state: %m");
        r = snapshot_build(live, m->cfg, m->hint, &s, &dropped);
        if (r < 0)
                return log_error_errno(r, "cannot build a snapshot: %m");
        m->snapshots_built++;
        if (dropped > 0 && m->dropped_logged++ == 0)
                log_notice("%zu links or addresses are past the protocol's caps and not reported", dropped);
        if (m->have_current && snapshot_equal(&m->current, &s)) {
                snapshot_done(&s);
                m->snapshots_unchanged++;
                return 0;
        }
        snapshot_done(&m->current);
        m->current = s;
        m->have_current = true;
        return 1;
}

static int64_t send_current(manager *m) {
        int64_t r = channel_set_snapshot(m->channel, &m->current);

        if (r < 0)
                log_warning_errno((int) r, "cannot encode the snapshot (%zu links): %m", m->current.n_links);
        return r;
}

static void on_netlink(netlink_watch *w, uint64_t first_usec, void *userdata) {
        manager *m = userdata;

        if (rebuild(m) > 0) {
                /* Set before sending: the write may complete within the call. */
                if (channel_get_state(m->channel) == CHANNEL_CONNECTED) {
                        m->batch_first_usec = first_usec;
                        m->batch_snapshot = channel_next_snapshot(m->channel);
                }
                if (send_current(m) < 0)
                        m->batch_first_usec = 0;
                agent_bus_emit_changed(m->bus);
        }
        if (m->engine)
                engine_network_changed(m->engine);
}

static void on_want_snapshot(channel *c, void *userdata) {
        manager *m = userdata;

        /* A fresh one on every connect and peer HELLO, changed or not. */
        if (rebuild(m) < 0 && !m->have_current)
                return;
        send_current(m);
}

static void load_hint(manager *m) {
        _cleanup_free_ char *error = NULL;
        agent_config *h = NULL;
        int r;

        r = agent_config_load(m->hint_path, &h, &error);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "ignoring the host hint %s: %s", m->hint_path, error ? error : "unreadable");
        agent_config_free(m->hint);
        m->hint = r < 0 ? NULL : h;
        /* The engine borrows both. */
        if (m->engine)
                engine_set_config(m->engine, m->cfg, m->hint);
}

static void on_host_hello(channel *c, const ProtoHostHello *h, void *userdata) {
        manager *m = userdata;
        int r;

        r = host_hint_write(m->hint_path, h);
        if (r < 0)
                log_warning_errno(r, "cannot write the host hint %s: %m", m->hint_path);
        load_hint(m);
        agent_bus_emit_changed(m->bus);
}

static void on_reported(channel *c, uint32_t snapshot, void *userdata) {
        manager *m = userdata;

        /* Snapshot numbers only grow within an instance: a later one holds the change too. */
        if (m->batch_first_usec > 0 && snapshot >= m->batch_snapshot) {
                uint64_t d = monotonic_usec() - m->batch_first_usec;

                m->latency_usec[m->n_latency++ % LATENCY_SAMPLES] = d > UINT32_MAX ? UINT32_MAX : (uint32_t) d;
                m->batch_first_usec = 0;
        }
        log_debug("snapshot %u written", snapshot);
        agent_bus_emit_reported(m->bus, snapshot);
        notify_status(m);
}

static void on_state(channel *c, channel_state s, void *userdata) {
        manager *m = userdata;

        log_debug("channel %s: %s", port_of(m), channel_state_to_string(s));
        notify_status(m);
        agent_bus_emit_changed(m->bus);
}

static void on_message(channel *c, const ProtoMessage *msg, void *userdata) {
        char a[IP_PREFIX_STRLEN] = "?";

        manager *m = userdata;
        char proof[IP_PREFIX_STRLEN + 128];

        if (msg->type == PROTO_TYPE_HOST_REACHED) {
                (void) ip_addr_to_string(&msg->host_reached.address, a, sizeof(a));
                log_info("the host reached us at %s (%s), transaction %" PRIu64, a,
                         proto_proof_to_string(msg->host_reached.proof), msg->host_reached.txn);
                snprintf(proof, sizeof(proof), "%s at %s", proto_proof_to_string(msg->host_reached.proof) ?: "?", a);
                if (m->engine)
                        engine_host_reached(m->engine, msg->host_reached.txn, &msg->host_reached.address, proof);
        } else if (msg->type == PROTO_TYPE_HOST_LOST) {
                (void) ip_addr_to_string(&msg->host_lost.address, a, sizeof(a));
                log_notice("the host lost us at %s: %s", a, msg->host_lost.reason);
                snprintf(proof, sizeof(proof), "at %s: %.60s", a, msg->host_lost.reason);
                if (m->engine)
                        engine_host_lost(m->engine, msg->host_lost.txn, proof);
        }
}

/* The host hears of every transaction that it must (must-not-lose TXN), D-Bus of all. */
static void on_txn_changed(engine *e, const txn *t, int proto_state, uint64_t deadline_realtime_usec,
                           void *userdata) {
        manager *m = userdata;

        agent_bus_emit_transaction(m->bus, t->id, txn_state_to_string(t->state), t->reason);
        if (proto_state > 0 && m->channel) {
                ProtoMessage msg = { .type = PROTO_TYPE_TXN };
                int r;

                msg.txn.id = t->id;
                msg.txn.state = (uint8_t) proto_state;
                msg.txn.deadline_usec = proto_state == PROTO_TXN_PENDING ? deadline_realtime_usec : 0;
                snprintf(msg.txn.reason, sizeof(msg.txn.reason), "%s", t->reason);
                r = channel_send_reliable(m->channel, &msg);
                if (r < 0)
                        log_warning_errno(r, "cannot queue TXN %s of transaction %" PRIu64 " for the host: %m",
                                          proto_txn_state_to_string(proto_state), t->id);
        }
        notify_status(m);
}

static const engine_callbacks engine_cb = {
        .changed = on_txn_changed,
};

static const channel_callbacks channel_cb = {
        .want_snapshot = on_want_snapshot,
        .host_hello = on_host_hello,
        .reported = on_reported,
        .state_changed = on_state,
        .message = on_message,
};

static void fill_params(manager *m, channel_params *p) {
        *p = (channel_params) {
                .path = port_of(m),
                .heartbeat_usec = (uint64_t) (m->cfg ? m->cfg->heartbeat : AGENT_HEARTBEAT_DEFAULT) * 1000000u,
                .reopen_max_usec = (uint64_t) (m->cfg ? m->cfg->reopen : AGENT_REOPEN_DEFAULT) * 1000000u,
                .hello = m->identity,
        };
}

static int load_config(manager *m, agent_config **ret) {
        _cleanup_free_ char *error = NULL;
        agent_config *c = NULL;
        int r;

        r = agent_config_load(m->config_path, &c, &error);
        if (r == -ENOENT) {
                c = agent_config_new();
                if (!c)
                        return -ENOMEM;
                r = 0;
        }
        if (r < 0) {
                if (error)
                        log_error("%s", error);
                else
                        log_error_errno(r, "cannot read %s: %m", m->config_path);
                return r;
        }
        *ret = c;
        return 0;
}

int manager_reload(manager *m) {
        _cleanup_free_ char *old_port = NULL;
        agent_config *c = NULL;
        channel_params p;
        int r;

        r = load_config(m, &c);
        if (r < 0) {
                log_warning("keeping the configuration in force");
                return r;
        }
        old_port = strdup(port_of(m));
        if (!old_port) {
                agent_config_free(c);
                return -ENOMEM;
        }
        agent_config_free(m->cfg);
        m->cfg = c;
        load_hint(m);
        fill_params(m, &p);
        r = channel_set_params(m->channel, &p);
        if (r < 0)
                return r;
        if (strcmp(old_port, port_of(m)) != 0)
                channel_reopen(m->channel);
        /* The management link may be another now. */
        if (rebuild(m) > 0)
                send_current(m);
        log_info("reloaded %s", m->config_path);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                (void) sd_notify(false, "RELOADING=1");
                (void) manager_reload(m);
                (void) sd_notify(false, "READY=1");
                return 0;
        }
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

manager *manager_free(manager *m) {
        if (!m)
                return NULL;
        agent_bus_free(m->bus);
        engine_free(m->engine);
        netlink_watch_free(m->watch);
        channel_free(m->channel);
        sd_event_source_disable_unref(m->sig_term);
        sd_event_source_disable_unref(m->sig_int);
        sd_event_source_disable_unref(m->sig_hup);
        sd_event_unref(m->event);
        snapshot_done(&m->current);
        agent_config_free(m->cfg);
        agent_config_free(m->hint);
        free(m->config_path);
        free(m->hint_path);
        free(m->port_override);
        free(m->root_dir);
        free(m);
        return NULL;
}

int manager_new(const manager_options *o, manager **ret) {
        _cleanup_(manager_freep) manager *m = NULL;
        sigset_t ss;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->root_dir = strdup(o && o->root_dir && *o->root_dir ? o->root_dir : "/");
        if (!m->root_dir)
                return -ENOMEM;
        /* Under --root-dir every path is taken under it. */
        if (o && o->config_path)
                m->config_path = strdup(o->config_path);
        else if (asprintf(&m->config_path, "%s%s", strcmp(m->root_dir, "/") ? m->root_dir : "", AGENT_CONFIG_PATH) < 0)
                m->config_path = NULL;
        if (o && o->hint_path)
                m->hint_path = strdup(o->hint_path);
        else if (asprintf(&m->hint_path, "%s%s", strcmp(m->root_dir, "/") ? m->root_dir : "", AGENT_HOST_HINT_PATH) < 0)
                m->hint_path = NULL;
        if (!m->config_path || !m->hint_path)
                return -ENOMEM;
        if (o && o->port) {
                m->port_override = strdup(o->port);
                if (!m->port_override)
                        return -ENOMEM;
        }
        m->no_bus = o && o->no_bus;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return negative_errno();
        r = sd_event_add_signal(m->event, &m->sig_term, SIGTERM, on_signal, m);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, &m->sig_int, SIGINT, on_signal, m);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, &m->sig_hup, SIGHUP, on_signal, m);
        if (r < 0)
                return r;
        /* WATCHDOG=1 at half of WatchdogSec, when systemd asks for it. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static void status_of(void *userdata, agent_status *ret) {
        manager_get_status(userdata, ret);
}

int manager_start(manager *m) {
        channel_params p;
        int r;

        /* A bad agent.yaml must not silence the guest: report with the defaults. */
        if (load_config(m, &m->cfg) < 0) {
                log_warning("running with the defaults");
                m->cfg = agent_config_new();
                if (!m->cfg)
                        return -ENOMEM;
        }
        load_hint(m);
        read_identity(&m->identity);

        fill_params(m, &p);
        r = channel_new(m->event, &p, &channel_cb, m, &m->channel);
        if (r < 0)
                return log_error_errno(r, "cannot set up the channel: %m");
        r = netlink_watch_new(m->event, NETLINK_WATCH_DEBOUNCE_USEC, on_netlink, m, &m->watch);
        if (r < 0)
                return log_error_errno(r, "cannot subscribe to netlink: %m");
        /* Transactions: a broken state directory must not silence the guest's reports. */
        r = engine_new(m->event, &(engine_params) { .root = m->root_dir, .cfg = m->cfg, .hint = m->hint },
                       &engine_cb, m, &m->engine);
        if (r < 0)
                log_error_errno(r, "cannot open the transaction state under %s, running without transactions: %m",
                                m->root_dir);
        if (!m->no_bus) {
                r = agent_bus_new(m->event, status_of, m, &m->bus);
                if (r < 0)
                        log_warning_errno(r, "no system bus, running without D-Bus: %m");
                agent_bus_set_engine(m->bus, m->engine);
        }
        /* The state at start, then the port: its first HELLO carries a snapshot. */
        (void) rebuild(m);
        r = channel_start(m->channel);
        if (r < 0)
                return log_error_errno(r, "cannot start the channel: %m");
        /* A transaction pending from before is rolled back now (its TXN goes out once a
         * host connects: the outbox keeps it). */
        if (m->engine && engine_start(m->engine) < 0)
                log_error("transactions are recovered no further; `netguard rollback --force` restores the known-good");
        notify_status(m);
        return 0;
}

int manager_run(manager *m) {
        int r;
        uint32_t p50, p99, max;
        size_t n;

        (void) sd_notify(false, "READY=1");
        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "event loop failed: %m");
        latency_figures(m, &p50, &p99, &max, &n);
        if (n > 0)
                log_info("netlink change -> snapshot written: p50 %u us, p99 %u us, max %u us over the last %zu changes",
                         p50, p99, max, n);
        return r;
}

void manager_get_status(manager *m, agent_status *ret) {
        const netlink_watch_stats *ws = m->watch ? netlink_watch_get_stats(m->watch) : NULL;
        char mac[ETHER_ADDR_STRLEN] = "", host[IP_PREFIX_STRLEN] = "";

        *ret = (agent_status) {
                .state = channel_get_state(m->channel),
                .port = port_of(m),
                .last_report = channel_last_snapshot_written(m->channel),
                .snapshots_built = m->snapshots_built,
                .snapshots_unchanged = m->snapshots_unchanged,
                .channel = channel_get_stats(m->channel),
        };
        latency_figures(m, &ret->latency_p50_usec, &ret->latency_p99_usec, &ret->latency_max_usec,
                        &ret->latency_samples);
        ret->netlink_batches = ws ? ws->batches : 0;
        ret->netlink_wakeups = ws ? ws->wakeups : 0;
        (void) sd_event_get_iteration(m->event, &ret->loop_iterations);
        ret->wakeups = ret->channel->wakeups + ret->netlink_wakeups;
        for (size_t i = 0; m->have_current && i < m->current.n_links; i++)
                if (m->current.links[i].flags & PROTO_LINK_MANAGEMENT)
                        snprintf(ret->management_link, sizeof(ret->management_link), "%s", m->current.links[i].name);
        if (m->hint) {
                if (m->hint->has_mgmt_mac)
                        ether_addr_to_string(m->hint->mgmt_mac, mac);
                if (ip_addr_is_set(&m->hint->mgmt_host))
                        (void) ip_addr_to_string(&m->hint->mgmt_host, host, sizeof(host));
                snprintf(ret->host_hint, sizeof(ret->host_hint), "%s%s%s%s%s", mac[0] ? "macaddress " : "", mac,
                         mac[0] && host[0] ? ", " : "", host[0] ? "host " : "", host);
        }
}

sd_event *manager_get_event(manager *m) {
        return m->event;
}
