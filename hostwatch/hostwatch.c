/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public object: the machine table, the event loop glue, discovery, and the actions
 * the state machine (machine.c) asks for. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "common/ether-addr.h"
#include "common/file-read.h"
#include "common/strv.h"
#include "hostwatch/channel.h"
#include "hostwatch/leases.h"
#include "hostwatch/machine.h"
#include "hostwatch/neighbour.h"
#include "hostwatch/network.h"
#include "hostwatch/ssh-probe.h"
#include "hostwatch/utf8.h"
#include "netguard/hostwatch.h"

/* Addresses tried in one round: the agent's few, a lease or two, a neighbour or two. */
#define CANDIDATES_MAX 8
/* Addresses where a server showed another key: remembered so that they are never taken
 * for the machine again (re-adding the machine with its new key forgets them). */
#define REJECTED_MAX 8
/* Addresses kept from one agent snapshot (in the machine's networks). */
#define AGENT_ADDRESSES_MAX 8
#define LEASE_FILES_MAX 8
#define MAX_IN_FLIGHT_DEFAULT 64
#define REKEY_INTERVAL_USEC (60 * USEC_PER_SEC)
/* heartbeat_interval_ms 0: every guest is asked for 5 s, or longer as the machines grow,
 * so that all of them together send at most HEARTBEATS_PER_SEC_AUTO (a heartbeat costs
 * the loop a wakeup: 10,000 machines at 5 s were 4 % of a core on their own). A guest
 * in session hears a new wish only when it moved by a fifth (channel.c). */
#define HEARTBEAT_AUTO_MIN_MS CHANNEL_HEARTBEAT_DEFAULT_MS
#define HEARTBEAT_AUTO_MAX_MS 60000u
#define HEARTBEATS_PER_SEC_AUTO 400u
#define EPOLL_BATCH 64
#define EVENT_TIMER_ACCURACY_USEC (20 * USEC_PER_MSEC)

typedef enum WatchKind {
        WATCH_CHANNEL,
        WATCH_PROBE,
} WatchKind;

typedef struct HwMachine HwMachine;

typedef struct Watch {
        WatchKind kind;
        HwMachine *machine;
        int fd;                 /* as registered; -1: not registered */
        uint32_t events;
        uint64_t generation;
} Watch;

typedef struct Candidate {
        ip_addr address;
        HostWatchEvidence evidence;
} Candidate;

struct HwMachine {
        HostWatch *hw;
        char name[HOSTWATCH_NAME_MAX + 1];
        uint8_t mac[6];
        Networks networks;
        SshPin *pin;
        SshIdentity *identity;
        char *user;
        uint16_t port;
        bool probe_networks;
        bool tofu;                      /* pin the first key that passes the login (pin NULL until then) */
        char **leases;
        Channel *channel;
        Watch channel_watch;
        SshProbe *probe;
        Watch probe_watch;
        uint64_t probe_generation;
        bool has_slot;
        bool removed;
        Machine sm;
        Candidate candidates[CANDIDATES_MAX];
        size_t n_candidates, current;
        ip_addr agent[AGENT_ADDRESSES_MAX];
        size_t n_agent;
        uint32_t agent_snapshot;        /* the number of the snapshot agent[] came from */
        ip_addr known;
        HostWatchEvidence evidence;
        uint64_t known_at;
        ip_addr verified;
        ip_addr rejected[REJECTED_MAX];
        size_t n_rejected;
        uint64_t ignored_addresses, ssh_attempts, key_mismatches;
        uint64_t agent_instance;        /* of the last HELLO: a new one drops its transaction */
        uint64_t txn_deadline;          /* guest CLOCK_REALTIME µs, as the TXN said */
        uint64_t txns, txn_reached, txn_lost;
        ip_addr stored;                 /* the caller's last verified address, until one is verified */
        size_t heap_index;              /* in HostWatch.heap; SIZE_MAX: not in it */
        uint64_t heap_key;              /* the earliest of its deadlines when last placed */
};

struct HostWatch {
        BackoffParams backoff;
        unsigned max_in_flight, in_flight;
        hostwatch_clock_fn clock;
        hostwatch_random_fn random;
        void *clock_userdata;
        uint64_t rng;
        ChannelHints hints;
        bool heartbeat_auto;
        int epoll_fd;
        HwMachine **machines;
        size_t n_machines;
        HwMachine **graveyard;
        size_t n_graveyard;
        unsigned dispatching;
        NeighbourTable *neighbours;
        ChannelLocks *locks;            /* one lock file per channel directory */
        hostwatch_state_fn on_state;
        hostwatch_address_fn on_address;
        void *userdata;
        hostwatch_key_learned_fn on_key_learned;
        void *key_learned_userdata;
        sd_event *event;
        sd_event_source *io_source, *time_source;
        /* Scale (10,000 machines): timers from a min-heap of each machine's earliest
         * deadline, names from a hash index, slots granted only when some machine waits,
         * so a wakeup costs what it touches, not a walk over every machine. */
        HwMachine **heap, **due;        /* due: the machines whose timers run now */
        size_t n_heap, heap_allocated;
        uint64_t rekey_at;
        HwMachine **index;              /* open addressing by name; size a power of two */
        size_t index_size;
        size_t n_queued;
};

static uint64_t clock_monotonic(void *userdata) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* xorshift64*: jitter needs spread, not secrecy. */
static uint32_t random_xorshift(void *userdata) {
        HostWatch *hw = userdata;

        hw->rng ^= hw->rng >> 12;
        hw->rng ^= hw->rng << 25;
        hw->rng ^= hw->rng >> 27;
        return (uint32_t) ((hw->rng * UINT64_C(2685821657736338717)) >> 32);
}

static uint32_t random_of(void *userdata) {
        HostWatch *hw = userdata;
        return hw->random ? hw->random(hw->clock_userdata) : random_xorshift(hw);
}

uint64_t hostwatch_now(HostWatch *hw) {
        return hw->clock(hw->clock_userdata);
}

const char *hostwatch_state_to_string(HostWatchState s) {
        static const char *const table[_HOSTWATCH_STATE_MAX] = {
                [HOSTWATCH_STATE_DISCOVERING] = "discovering",
                [HOSTWATCH_STATE_QUEUED] = "queued",
                [HOSTWATCH_STATE_CONNECTING] = "connecting",
                [HOSTWATCH_STATE_AUTHENTICATING] = "authenticating",
                [HOSTWATCH_STATE_VERIFIED] = "verified",
                [HOSTWATCH_STATE_BACKOFF] = "backoff",
                [HOSTWATCH_STATE_KEY_MISMATCH] = "key-mismatch",
                [HOSTWATCH_STATE_REMOVED] = "removed",
        };
        return s >= 0 && s < _HOSTWATCH_STATE_MAX ? table[s] : NULL;
}

const char *hostwatch_evidence_to_string(HostWatchEvidence e) {
        static const char *const table[_HOSTWATCH_EVIDENCE_MAX] = {
                [HOSTWATCH_EVIDENCE_NONE] = "none",
                [HOSTWATCH_EVIDENCE_AGENT] = "agent",
                [HOSTWATCH_EVIDENCE_LEASE] = "lease",
                [HOSTWATCH_EVIDENCE_NEIGHBOUR] = "neighbour",
                [HOSTWATCH_EVIDENCE_STORED] = "stored",
        };
        return e >= 0 && e < _HOSTWATCH_EVIDENCE_MAX ? table[e] : NULL;
}

/* ---- epoll registrations ---- */

static void watch_set(HostWatch *hw, Watch *w, int fd, uint32_t events, uint64_t generation) {
        struct epoll_event ev = { .events = events, .data.ptr = w };

        if (fd < 0 || events == 0) {
                if (w->fd >= 0)
                        (void) epoll_ctl(hw->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
                w->fd = -1;
                return;
        }
        if (w->fd >= 0 && (w->fd != fd || w->generation != generation)) {
                /* Closed and maybe reused: the old registration went with the close. */
                (void) epoll_ctl(hw->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
                w->fd = -1;
        }
        if (w->fd == fd && w->events == events)
                return;
        if (w->fd == fd) {
                if (epoll_ctl(hw->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
                        (void) epoll_ctl(hw->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
        } else if (epoll_ctl(hw->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
                (void) epoll_ctl(hw->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
        w->fd = fd;
        w->events = events;
        w->generation = generation;
}

static void update_channel_watch(HwMachine *m) {
        if (!m->channel || m->removed) {
                watch_set(m->hw, &m->channel_watch, -1, 0, 0);
                return;
        }
        watch_set(m->hw, &m->channel_watch, channel_get_fd(m->channel), channel_get_events(m->channel),
                  channel_get_generation(m->channel));
}

static void update_probe_watch(HwMachine *m) {
        if (!m->probe || m->removed) {
                watch_set(m->hw, &m->probe_watch, -1, 0, 0);
                return;
        }
        watch_set(m->hw, &m->probe_watch, ssh_probe_get_fd(m->probe), ssh_probe_get_events(m->probe),
                  m->probe_generation);
}

/* ---- the answer of where() ---- */

static void fill_where(HwMachine *m, uint64_t now, HostWatchWhere *w) {
        *w = (HostWatchWhere) {
                .family = AF_UNSPEC,
                .state = m->sm.state,
                .evidence = m->evidence,
                .state_deadline_usec = m->sm.deadline_usec,
                .agent_connected = m->channel && channel_agent_alive(m->channel, now),
        };
        snprintf(w->name, sizeof w->name, "%s", m->name);
        if (ip_addr_is_set(&m->known)) {
                (void) ip_addr_to_string(&m->known, w->address, sizeof w->address);
                w->family = m->known.family;
                memcpy(w->bytes, m->known.bytes, ip_family_size(m->known.family));
                w->verified = m->sm.verified && ip_addr_equal(&m->verified, &m->known);
                w->age_usec = now > m->known_at ? now - m->known_at : 0;
        }
        w->txn = m->sm.txn;
        w->txn_deadline_usec = m->sm.txn ? m->txn_deadline : 0;
        w->txn_proven = m->sm.txn_proven && w->verified;
}

static void set_known(HwMachine *m, const ip_addr *a, HostWatchEvidence e, uint64_t now) {
        bool changed = !ip_addr_equal(&m->known, a) && (ip_addr_is_set(a) || ip_addr_is_set(&m->known));

        m->known = *a;
        m->known.prefixlen = ip_family_bits(a->family);
        m->evidence = e;
        m->known_at = now;
        if (changed && m->hw->on_address) {
                HostWatchWhere w;
                fill_where(m, now, &w);
                m->hw->on_address(m->hw, &w, m->hw->userdata);
        }
}

/* ---- discovery ---- */

static bool is_rejected(const HwMachine *m, const ip_addr *a) {
        for (size_t i = 0; i < m->n_rejected; i++)
                if (ip_addr_equal(&m->rejected[i], a))
                        return true;
        return false;
}

/* A server with another key answered at a: that address is not the machine's. */
static void reject(HwMachine *m, const ip_addr *a, uint64_t now) {
        if (is_rejected(m, a))
                return;
        if (m->n_rejected == REJECTED_MAX)
                memmove(m->rejected, m->rejected + 1, (REJECTED_MAX - 1) * sizeof *m->rejected);
        else
                m->n_rejected++;
        m->rejected[m->n_rejected - 1] = *a;
        if (ip_addr_equal(&m->known, a))
                set_known(m, &(ip_addr) {}, HOSTWATCH_EVIDENCE_NONE, now);
}

static bool candidate_add(HwMachine *m, const ip_addr *a, HostWatchEvidence e) {
        if (!networks_contain(&m->networks, a)) {
                m->ignored_addresses++;
                return false;
        }
        if (is_rejected(m, a))
                return false;
        for (size_t i = 0; i < m->n_candidates; i++)
                if (ip_addr_equal(&m->candidates[i].address, a))
                        return true;
        if (m->n_candidates >= CANDIDATES_MAX)
                return false;
        m->candidates[m->n_candidates++] = (Candidate) { .address = *a, .evidence = e };
        return true;
}

static void discover(HwMachine *m) {
        HostWatch *hw = m->hw;
        ip_addr neigh[4];
        int n;

        m->n_candidates = m->current = 0;
        /* 1. the agent's own report; 2. the address last proven; 3. leases; 4. neighbours */
        for (size_t i = 0; i < m->n_agent; i++)
                candidate_add(m, &m->agent[i], HOSTWATCH_EVIDENCE_AGENT);
        if (m->sm.verified && ip_addr_is_set(&m->verified))
                candidate_add(m, &m->verified, m->evidence);
        if (ip_addr_is_set(&m->stored))
                candidate_add(m, &m->stored, HOSTWATCH_EVIDENCE_STORED);
        for (size_t f = 0; m->leases && m->leases[f]; f++) {
                _cleanup_free_ char *data = NULL;
                Lease l[4];
                size_t size;

                if (read_file_bounded(m->leases[f], LEASES_FILE_MAX, READ_FILE_FOLLOW, &data, &size, NULL) < 0)
                        continue;       /* not there yet (dnsmasq writes it on the first lease) */
                n = leases_find(data, size, m->mac, l, ELEMENTSOF(l), NULL);
                for (int i = 0; i < n && i < (int) ELEMENTSOF(l); i++)
                        candidate_add(m, &l[i].address, HOSTWATCH_EVIDENCE_LEASE);
        }
        if (!hw->neighbours)
                (void) neighbour_table_new(&hw->neighbours);
        if (hw->neighbours) {
                n = neighbour_table_find(hw->neighbours, m->mac, hostwatch_now(hw), neigh, ELEMENTSOF(neigh));
                for (int i = 0; i < n && i < (int) ELEMENTSOF(neigh); i++)
                        candidate_add(m, &neigh[i], HOSTWATCH_EVIDENCE_NEIGHBOUR);
                /* Nothing anywhere, or every address known failed the last round (a guest
                 * that moved without a word): stir the networks; the answers are in the
                 * table by the next round (the backoff paces the probes). */
                if (m->probe_networks && (m->n_candidates == 0 || !m->sm.verified))
                        for (size_t i = 0; i < m->networks.n; i++)
                                (void) neighbour_table_probe(hw->neighbours, &m->networks.net[i]);
        }
}

/* ---- the state machine's actions ---- */

static void handle(HwMachine *m, MachineEvent e);
static void reschedule(HwMachine *m);

static void release_slot(HwMachine *m) {
        if (m->probe) {
                watch_set(m->hw, &m->probe_watch, -1, 0, 0);
                m->probe = ssh_probe_free(m->probe);
        }
        if (m->has_slot) {
                m->has_slot = false;
                m->hw->in_flight--;
        }
}

static void start_probe(HwMachine *m) {
        const Candidate *c = &m->candidates[m->current];
        int r;

        m->ssh_attempts++;
        r = ssh_probe_new(&c->address, m->port, m->user, m->pin, m->identity, &m->probe);
        if (r < 0) {
                /* Refused at once (libssh's first step can see it): on to the next
                 * candidate, as probe_dispatch does; the same one again would never end. */
                if (m->current + 1 < m->n_candidates) {
                        m->current++;
                        handle(m, MACHINE_EVENT_PROBE_FAILED_MORE);
                } else
                        handle(m, MACHINE_EVENT_PROBE_FAILED);
                return;
        }
        m->probe_generation++;
        update_probe_watch(m);
}

/* What the new state stands on, done before anyone hears of the state: a callback that
 * asks where() on VERIFIED sees the proof. */
static void apply_before(HwMachine *m, unsigned actions, MachineEvent cause, uint64_t now) {
        uint64_t txn = machine_round_txn(&m->sm);

        if (actions & MACHINE_ACTION_ABORT_PROBE)
                release_slot(m);
        if ((actions & MACHINE_ACTION_LOST) && m->channel) {
                /* For a transaction: the round's best candidate, the agent's own report
                 * when there is one (none: nothing in the machine's networks to try),
                 * else the address proven before. */
                const ip_addr *a = &m->verified;
                if (txn != 0)
                        a = m->n_candidates > 0 ? &m->candidates[0].address : &(ip_addr) {};
                (void) channel_send_host_lost_txn(m->channel, now, a,
                                                  cause == MACHINE_EVENT_KEY_MISMATCH ? "ssh: host key mismatch"
                                                  : m->n_candidates == 0 ? "no address in the machine's networks"
                                                                         : "ssh: not answering",
                                                  txn);
                m->txn_lost += txn != 0;
        }
        if (actions & MACHINE_ACTION_REACHED) {
                const Candidate *c = &m->candidates[m->current];
                m->verified = c->address;
                m->stored = (ip_addr) {};       /* a fresh proof replaces what was kept */
                set_known(m, &c->address, c->evidence, now);
                if (m->channel) {
                        (void) channel_send_host_reached_txn(m->channel, now, &c->address, PROTO_PROOF_SSH, txn);
                        m->txn_reached += txn != 0;
                }
        }
}

/* What moves the machine on, after the state was reported. */
static void apply_after(HwMachine *m, unsigned actions, uint64_t now) {
        HostWatch *hw = m->hw;

        if (m->removed)
                return;
        if (actions & MACHINE_ACTION_DISCOVER) {
                discover(m);
                if (m->n_candidates > 0 && m->n_agent == 0 && !m->sm.verified)
                        set_known(m, &m->candidates[0].address, m->candidates[0].evidence, now);
                if (m->removed)
                        return;
                handle(m, m->n_candidates > 0 ? MACHINE_EVENT_CANDIDATES : MACHINE_EVENT_NO_CANDIDATE);
                return;
        }
        if (actions & MACHINE_ACTION_REQUEST_SLOT) {
                if (hw->in_flight < hw->max_in_flight) {
                        hw->in_flight++;
                        m->has_slot = true;
                        handle(m, MACHINE_EVENT_SLOT);
                }
                return;         /* else granted when one frees (grant_slots) */
        }
        if (actions & MACHINE_ACTION_START_PROBE)
                start_probe(m);
}

/* The actions of a transition out of old, in the order STATES.md gives. */
static void transition(HwMachine *m, HostWatchState old, unsigned actions, MachineEvent e, uint64_t now) {
        HostWatch *hw = m->hw;

        if (m->sm.state != old)
                hw->n_queued += (m->sm.state == HOSTWATCH_STATE_QUEUED) - (old == HOSTWATCH_STATE_QUEUED);
        apply_before(m, actions, e, now);
        if (m->removed)
                return;
        if (m->sm.state != old && hw->on_state) {
                hw->on_state(hw, m->name, old, m->sm.state, hw->userdata);
                if (m->removed)
                        return;
        }
        apply_after(m, actions, now);
        reschedule(m);
}

/* Verified, and the agent is alive (heartbeats for its snapshot) and reports the address
 * proven: nothing moved, so no SSH round is needed yet (STATES.md). */
static bool agent_vouches(HwMachine *m, uint64_t now) {
        if (m->sm.state != HOSTWATCH_STATE_VERIFIED || !m->channel || !channel_agent_alive(m->channel, now))
                return false;
        for (size_t i = 0; i < m->n_agent; i++)
                if (ip_addr_equal(&m->agent[i], &m->verified))
                        return true;
        return false;
}

static void handle(HwMachine *m, MachineEvent e) {
        HostWatchState old = m->sm.state;
        uint64_t now = hostwatch_now(m->hw);

        if (m->removed)
                return;
        transition(m, old, machine_handle(&m->sm, e, now), e, now);
}

/* The longest-queued machines get the free slots. */
static void grant_slots(HostWatch *hw) {
        while (hw->in_flight < hw->max_in_flight && hw->n_queued > 0) {
                HwMachine *best = NULL;
                for (size_t i = 0; i < hw->n_machines; i++) {
                        HwMachine *m = hw->machines[i];
                        if (m->sm.state == HOSTWATCH_STATE_QUEUED && !m->has_slot &&
                            (!best || m->sm.entered_usec < best->sm.entered_usec))
                                best = m;
                }
                if (!best)
                        return;
                hw->in_flight++;
                best->has_slot = true;
                handle(best, MACHINE_EVENT_SLOT);
        }
}

/* Trust on first use: the key of a probe that got through the login becomes the pin. */
static int learn_key(HwMachine *m) {
        _cleanup_free_ char *key = NULL, *fingerprint = NULL;
        int r = ssh_probe_get_server_key(m->probe, &key, &fingerprint);

        if (r < 0)
                return r;
        r = ssh_pin_new_from_string(key, &m->pin);
        if (r < 0)
                return r;
        if (m->hw->on_key_learned)
                m->hw->on_key_learned(m->hw, m->name, key, fingerprint, m->hw->key_learned_userdata);
        return 0;
}

static void probe_dispatch(HwMachine *m) {
        SshProbe *p = m->probe;

        while (p && m->probe == p && !m->removed) {
                int r = ssh_probe_step(p);

                if (r == SSH_PROBE_AGAIN) {
                        update_probe_watch(m);
                        return;
                }
                if (r == SSH_PROBE_CONNECTED) {
                        handle(m, MACHINE_EVENT_CONNECTED);
                        continue;       /* go on with the login at once */
                }
                if (r == SSH_PROBE_DONE && !m->pin && learn_key(m) < 0)
                        handle(m, MACHINE_EVENT_PROBE_FAILED);
                else if (r == SSH_PROBE_DONE)
                        handle(m, m->sm.state == HOSTWATCH_STATE_CONNECTING ? MACHINE_EVENT_CONNECTED
                                                                            : MACHINE_EVENT_AUTHENTICATED);
                else if (r == SSH_PROBE_KEY_MISMATCH) {
                        m->key_mismatches++;
                        reject(m, &m->candidates[m->current].address, hostwatch_now(m->hw));
                        handle(m, MACHINE_EVENT_KEY_MISMATCH);
                } else if (m->current + 1 < m->n_candidates) {
                        m->current++;
                        handle(m, MACHINE_EVENT_PROBE_FAILED_MORE);
                } else
                        handle(m, MACHINE_EVENT_PROBE_FAILED);
                return;
        }
}

/* ---- the agent's reports ---- */

static void on_hello(void *userdata, const ProtoGuestHello *hello) {
        HwMachine *m = userdata;

        /* A restarted agent recovers (rolls back) what its predecessor left pending; it
         * reports its own transactions anew. */
        if (m->agent_instance != 0 && hello->instance != m->agent_instance)
                machine_txn_end(&m->sm, 0);
        m->agent_instance = hello->instance;
}

/* The guest applied a candidate and waits for the host's word: prove it now. */
static void on_txn(void *userdata, const ProtoTxn *t) {
        HwMachine *m = userdata;
        HostWatchState old = m->sm.state;
        uint64_t now = hostwatch_now(m->hw);

        if (m->removed || t->id == 0)
                return;
        if (t->state != PROTO_TXN_PENDING) {
                machine_txn_end(&m->sm, t->id);
                return;
        }
        if (t->id == m->sm.txn)
                return;
        m->txns++;
        m->txn_deadline = t->deadline_usec;
        transition(m, old, machine_txn_begin(&m->sm, t->id, now), _MACHINE_EVENT_INVALID, now);
}

static void on_addresses(void *userdata, const ProtoAddresses *a) {
        HwMachine *m = userdata;
        uint64_t now = hostwatch_now(m->hw);
        size_t n = 0;

        if (m->removed)
                return;
        /* The management link's addresses first (flagged by the agent, or with our MAC). */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < a->n_links; i++) {
                        const ProtoLink *l = &a->links[i];
                        bool mgmt = (l->flags & PROTO_LINK_MANAGEMENT) ||
                                    (l->hwaddr_len == 6 && memcmp(l->hwaddr, m->mac, 6) == 0);
                        if (mgmt != (pass == 0))
                                continue;
                        for (size_t k = 0; k < l->n_addresses; k++) {
                                const ip_addr *ad = &l->addresses[k].address;
                                if (!networks_contain(&m->networks, ad)) {
                                        m->ignored_addresses++;
                                        continue;
                                }
                                if (is_rejected(m, ad))
                                        continue;
                                if (n < AGENT_ADDRESSES_MAX) {
                                        m->agent[n] = *ad;
                                        m->agent[n++].prefixlen = ip_family_bits(ad->family);
                                }
                        }
                }
        m->n_agent = n;
        m->agent_snapshot = a->snapshot;
        if (n == 0) {
                /* The agent no longer holds the address proven (moved out of our networks,
                 * or lost it): check now, not at the re-check; a failure is a loss. */
                if (m->sm.state == HOSTWATCH_STATE_VERIFIED)
                        handle(m, MACHINE_EVENT_RECHECK);
                return;
        }
        if (ip_addr_equal(&m->known, &m->agent[0])) {
                /* the agent's word is the strongest evidence: it takes over */
                m->known_at = now;
                m->evidence = HOSTWATCH_EVIDENCE_AGENT;
                return;
        }
        set_known(m, &m->agent[0], HOSTWATCH_EVIDENCE_AGENT, now);
        if (!m->removed && !(m->sm.verified && ip_addr_equal(&m->verified, &m->agent[0])))
                handle(m, MACHINE_EVENT_NEW_ADDRESS);
}

/* The agent still stands by its last snapshot: the evidence is fresh again. */
static void on_heartbeat(void *userdata, const ProtoHeartbeat *hb) {
        HwMachine *m = userdata;

        if (m->removed || m->n_agent == 0 || hb->snapshot != m->agent_snapshot)
                return;
        if (m->evidence == HOSTWATCH_EVIDENCE_AGENT && ip_addr_equal(&m->known, &m->agent[0]))
                m->known_at = hostwatch_now(m->hw);
}

static const ChannelHandler channel_handler = {
        .hello = on_hello,
        .addresses = on_addresses,
        .heartbeat = on_heartbeat,
        .txn = on_txn,
};

/* ---- machines ---- */

static void machine_free(HwMachine *m) {
        if (!m)
                return;
        ssh_probe_free(m->probe);
        channel_free(m->channel);
        ssh_pin_free(m->pin);
        ssh_identity_free(m->identity);
        free(m->user);
        strv_free(m->leases);
        free(m);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(HwMachine *, machine_free);

static size_t index_slot(HostWatch *hw, const char *name);

static HwMachine *find(HostWatch *hw, const char *name, size_t *ret_index) {
        HwMachine *m;

        if (!ret_index) {
                if (hw->index_size == 0)
                        return NULL;
                m = hw->index[index_slot(hw, name)];
                return m;
        }
        for (size_t i = 0; i < hw->n_machines; i++)
                if (strcmp(hw->machines[i]->name, name) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return hw->machines[i];
                }
        return NULL;
}

/* ---- the deadline heap ---- */

static uint64_t machine_deadline(HwMachine *m) {
        uint64_t d = m->sm.deadline_usec;

        if (m->channel && channel_get_deadline(m->channel) < d)
                d = channel_get_deadline(m->channel);
        return d;
}

static void heap_swap(HostWatch *hw, size_t a, size_t b) {
        HwMachine *t = hw->heap[a];

        hw->heap[a] = hw->heap[b];
        hw->heap[b] = t;
        hw->heap[a]->heap_index = a;
        hw->heap[b]->heap_index = b;
}

static void heap_down(HostWatch *hw, size_t i) {
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, min = i;
                if (l < hw->n_heap && hw->heap[l]->heap_key < hw->heap[min]->heap_key)
                        min = l;
                if (r < hw->n_heap && hw->heap[r]->heap_key < hw->heap[min]->heap_key)
                        min = r;
                if (min == i)
                        return;
                heap_swap(hw, i, min);
                i = min;
        }
}

/* One element's key changed in an otherwise valid heap. */
static void heap_fix(HostWatch *hw, size_t i) {
        while (i > 0 && hw->heap[(i - 1) / 2]->heap_key > hw->heap[i]->heap_key) {
                heap_swap(hw, i, (i - 1) / 2);
                i = (i - 1) / 2;
        }
        heap_down(hw, i);
}

static void heap_remove(HostWatch *hw, HwMachine *m) {
        size_t i = m->heap_index;

        if (i == SIZE_MAX)
                return;
        m->heap_index = SIZE_MAX;
        if (i != --hw->n_heap) {
                hw->heap[i] = hw->heap[hw->n_heap];
                hw->heap[i]->heap_index = i;
                heap_fix(hw, i);
        }
}

/* After anything that may have moved m's deadlines. */
static void reschedule(HwMachine *m) {
        HostWatch *hw = m->hw;
        uint64_t key;

        if (m->removed || m->heap_index == SIZE_MAX)
                return;
        key = machine_deadline(m);
        /* A heartbeat moves no deadline: no walk through the heap (cache misses at 10,000) */
        if (key == m->heap_key)
                return;
        m->heap_key = key;
        heap_fix(hw, m->heap_index);
}

static int heap_add(HostWatch *hw, HwMachine *m) {
        if (hw->n_heap == hw->heap_allocated) {
                size_t n = hw->heap_allocated ? hw->heap_allocated * 2 : 64;
                HwMachine **a = reallocarray(hw->heap, n, sizeof *a);
                if (!a)
                        return -ENOMEM;
                hw->heap = a;
                a = reallocarray(hw->due, n, sizeof *a);
                if (!a)
                        return -ENOMEM;
                hw->due = a;
                hw->heap_allocated = n;
        }
        m->heap_index = hw->n_heap;
        m->heap_key = machine_deadline(m);
        hw->heap[hw->n_heap++] = m;
        heap_fix(hw, m->heap_index);
        return 0;
}

/* ---- the name index ---- */

static size_t index_slot(HostWatch *hw, const char *name) {
        uint64_t h = 0xcbf29ce484222325u;       /* FNV-1a */
        size_t mask = hw->index_size - 1, i;

        for (const char *p = name; *p; p++)
                h = (h ^ (uint8_t) *p) * 0x100000001b3u;
        for (i = (size_t) h & mask; hw->index[i] && strcmp(hw->index[i]->name, name) != 0; i = (i + 1) & mask)
                ;
        return i;
}

static void index_rebuild(HostWatch *hw) {
        memset(hw->index, 0, hw->index_size * sizeof *hw->index);
        for (size_t i = 0; i < hw->n_machines; i++)
                hw->index[index_slot(hw, hw->machines[i]->name)] = hw->machines[i];
}

/* Room for one more at a load of at most a half. */
static int index_reserve(HostWatch *hw, size_t n) {
        size_t size = hw->index_size ? hw->index_size : 64;
        HwMachine **a;

        while (size < 2 * n)
                size *= 2;
        if (size == hw->index_size)
                return 0;
        a = calloc(size, sizeof *a);
        if (!a)
                return -ENOMEM;
        free(hw->index);
        hw->index = a;
        hw->index_size = size;
        index_rebuild(hw);
        return 0;
}

static bool name_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > HOSTWATCH_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
                        return false;
        return true;
}

static void update_event_timer(HostWatch *hw);

static uint32_t heartbeat_auto_ms(size_t n_machines) {
        uint64_t ms = ((uint64_t) n_machines * 1000u + HEARTBEATS_PER_SEC_AUTO - 1) / HEARTBEATS_PER_SEC_AUTO;

        ms = (ms + 999u) / 1000u * 1000u;       /* whole seconds */
        return (uint32_t) (ms < HEARTBEAT_AUTO_MIN_MS ? HEARTBEAT_AUTO_MIN_MS
                           : ms > HEARTBEAT_AUTO_MAX_MS ? HEARTBEAT_AUTO_MAX_MS : ms);
}

static void update_heartbeat_wish(HostWatch *hw) {
        uint32_t want;
        uint64_t now;

        if (!hw->heartbeat_auto)
                return;
        want = heartbeat_auto_ms(hw->n_machines);
        if (want == hw->hints.heartbeat_interval_ms)
                return;
        hw->hints.heartbeat_interval_ms = want;
        now = hostwatch_now(hw);
        for (size_t i = 0; i < hw->n_machines; i++)
                if (hw->machines[i]->channel)
                        channel_set_heartbeat_interval(hw->machines[i]->channel, now, want);
}

/* The end of every public entry: hand out freed slots, free what was removed meanwhile. */
static void flush(HostWatch *hw) {
        if (hw->dispatching)
                return;
        update_heartbeat_wish(hw);
        hw->dispatching++;
        grant_slots(hw);
        hw->dispatching--;
        for (size_t i = 0; i < hw->n_graveyard; i++)
                machine_free(hw->graveyard[i]);
        hw->n_graveyard = 0;
        update_event_timer(hw);
}

static int add_machine(HostWatch *hw, const HostWatchMachineConfig *c, bool tofu) {
        _cleanup_(machine_freep) HwMachine *m = NULL;
        HwMachine **a;
        int r;

        if (!hw || !c || !name_valid(c->name) || !c->macaddress)
                return -EINVAL;
        if (find(hw, c->name, NULL))
                return -EEXIST;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->hw = hw;
        m->channel_watch = (Watch) { .kind = WATCH_CHANNEL, .machine = m, .fd = -1 };
        m->probe_watch = (Watch) { .kind = WATCH_PROBE, .machine = m, .fd = -1 };
        snprintf(m->name, sizeof m->name, "%s", c->name);
        if (ether_addr_from_string(c->macaddress, m->mac) < 0)
                return -EINVAL;
        r = networks_parse(c->networks, &m->networks);
        if (r < 0)
                return -EINVAL;
        m->tofu = tofu;
        if (tofu && (c->host_key || c->known_hosts || !c->ssh_identity))
                return -EINVAL; /* only a login proves more than "some server answered" */
        if (tofu)
                r = 0;
        else if (c->host_key)
                r = ssh_pin_new_from_string(c->host_key, &m->pin);
        else if (c->known_hosts)
                r = ssh_pin_new_from_known_hosts(c->known_hosts, &m->pin);
        else
                r = -ENOKEY;
        if (r < 0)
                return r == -ENOMEM ? r : -ENOKEY;
        if (c->ssh_identity) {
                r = ssh_identity_new(c->ssh_identity, &m->identity);
                if (r < 0)
                        return r;
        }
        m->user = strdup(c->ssh_user ? c->ssh_user : "root");
        if (!m->user || !utf8_is_valid(m->user, strlen(m->user)))
                return -ENOMEM;
        m->port = c->ssh_port ? c->ssh_port : 22;
        m->probe_networks = c->probe_networks;
        if (c->last_address) {
                ip_addr last;
                if (ip_addr_from_string(c->last_address, AF_UNSPEC, &last) < 0)
                        return -EINVAL;
                if (networks_contain(&m->networks, &last)) {
                        m->stored = last;
                        m->known = last;
                        m->known.prefixlen = ip_family_bits(last.family);
                        m->evidence = HOSTWATCH_EVIDENCE_STORED;
                        m->known_at = hostwatch_now(hw);
                }
        }
        for (size_t i = 0; c->leases && c->leases[i]; i++) {
                if (i >= LEASE_FILES_MAX)
                        return -E2BIG;
                r = strv_push(&m->leases, c->leases[i]);
                if (r < 0)
                        return r;
        }
        if (c->channel) {
                ChannelHints h = hw->hints;
                memcpy(h.mgmt_mac, m->mac, 6);
                r = channel_new(c->channel, hw->locks, &h, random_of, hw, &m->channel);
                if (r < 0)
                        return r;
        }
        machine_init(&m->sm, &hw->backoff, random_of, hw, m->identity != NULL);

        r = index_reserve(hw, hw->n_machines + 1);
        if (r < 0)
                return r;
        a = reallocarray(hw->machines, hw->n_machines + 1, sizeof *a);
        if (!a)
                return -ENOMEM;
        hw->machines = a;
        m->heap_index = SIZE_MAX;
        r = heap_add(hw, m);
        if (r < 0)
                return r;
        hw->machines[hw->n_machines++] = m;
        hw->index[index_slot(hw, m->name)] = m;
        m = NULL;
        {
                HwMachine *added = hw->machines[hw->n_machines - 1];
                uint64_t now = hostwatch_now(hw);
                unsigned actions;

                /* Its channel connects at the next dispatch (its deadline is now): the
                 * machines added together are all counted in the heartbeat it asks for. */
                hw->dispatching++;
                actions = machine_start(&added->sm, now);
                apply_after(added, actions, now);
                reschedule(added);
                hw->dispatching--;
        }
        flush(hw);
        return 0;
}

int hostwatch_add_machine(HostWatch *hw, const HostWatchMachineConfig *c) {
        return add_machine(hw, c, false);
}

int hostwatch_add_machine_tofu(HostWatch *hw, const HostWatchMachineConfig *c) {
        return add_machine(hw, c, true);
}

static void teardown(HostWatch *hw, size_t index) {
        HwMachine *m = hw->machines[index];
        HostWatchState old = m->sm.state;
        uint64_t now = hostwatch_now(hw);

        if (old == HOSTWATCH_STATE_QUEUED)
                hw->n_queued--;
        (void) machine_remove(&m->sm, now);
        m->removed = true;
        release_slot(m);
        watch_set(hw, &m->channel_watch, -1, 0, 0);
        heap_remove(hw, m);
        memmove(hw->machines + index, hw->machines + index + 1, (hw->n_machines - index - 1) * sizeof *hw->machines);
        hw->n_machines--;
        index_rebuild(hw);      /* linear probing: rebuilt rather than patched (removals are rare) */
        if (hw->on_state)
                hw->on_state(hw, m->name, old, HOSTWATCH_STATE_REMOVED, hw->userdata);
        /* Inside a dispatch the caller's stack may still point at it: free at the end. */
        if (hw->dispatching) {
                HwMachine **g = reallocarray(hw->graveyard, hw->n_graveyard + 1, sizeof *g);
                if (g) {
                        hw->graveyard = g;
                        hw->graveyard[hw->n_graveyard++] = m;
                        return;
                }
                /* no memory to defer: its channel is closed; leak rather than crash */
                return;
        }
        machine_free(m);
}

int hostwatch_remove_machine(HostWatch *hw, const char *name) {
        size_t i;

        if (!hw || !name)
                return -EINVAL;
        if (!find(hw, name, &i))
                return -ENOENT;
        teardown(hw, i);
        flush(hw);
        return 0;
}

int hostwatch_where(HostWatch *hw, const char *name, HostWatchWhere *ret) {
        HwMachine *m;

        if (!hw || !name || !ret)
                return -EINVAL;
        m = find(hw, name, NULL);
        if (!m)
                return -ENOENT;
        fill_where(m, hostwatch_now(hw), ret);
        return 0;
}

int hostwatch_get_stats(HostWatch *hw, const char *name, HostWatchStats *ret) {
        HostWatchStats s = {};
        HwMachine *m;

        if (!hw || !name || !ret)
                return -EINVAL;
        m = find(hw, name, NULL);
        if (!m)
                return -ENOENT;
        if (m->channel)
                channel_get_stats(m->channel, &s);
        s.ignored_addresses = m->ignored_addresses;
        s.ssh_attempts = m->ssh_attempts;
        s.key_mismatches = m->key_mismatches;
        s.txns = m->txns;
        s.txn_reached = m->txn_reached;
        s.txn_lost = m->txn_lost;
        s.memory += sizeof *m;
        s.memory_peak += sizeof *m;
        *ret = s;
        return 0;
}

/* ---- the loop ---- */

int hostwatch_get_fd(HostWatch *hw) {
        return hw ? hw->epoll_fd : -EINVAL;
}

int hostwatch_get_timeout(HostWatch *hw, uint64_t *ret_usec) {
        uint64_t t = UINT64_MAX;

        if (!hw || !ret_usec)
                return -EINVAL;
        if (hw->n_heap > 0)
                t = hw->heap[0]->heap_key;
        if (hw->n_heap > 0 && hw->rekey_at < t)
                t = hw->rekey_at;
        *ret_usec = t;
        return 0;
}

static void channel_dispatch_machine(HwMachine *m, uint64_t now) {
        channel_dispatch(m->channel, now, &channel_handler, m);
        if (!m->removed) {
                update_channel_watch(m);
                reschedule(m);
        }
}

int hostwatch_process(HostWatch *hw) {
        struct epoll_event ev[EPOLL_BATCH];
        uint64_t now;
        int n;

        if (!hw)
                return -EINVAL;
        n = epoll_wait(hw->epoll_fd, ev, EPOLL_BATCH, 0);
        if (n < 0 && errno != EINTR)
                return -errno;
        hw->dispatching++;
        now = hostwatch_now(hw);
        for (int i = 0; i < n; i++) {
                Watch *w = ev[i].data.ptr;
                HwMachine *m = w->machine;

                if (m->removed || w->fd < 0)
                        continue;
                if (w->kind == WATCH_CHANNEL)
                        channel_dispatch_machine(m, now);
                else
                        probe_dispatch(m);
        }
        now = hostwatch_now(hw);
        /* A deadline that moved without a reschedule() would wait for this: a safety net
         * (every change goes through transition(), a dispatch or the heap), so a rare walk:
         * once a second it was a third of the idle CPU at 10,000 machines. */
        if (now >= hw->rekey_at) {
                for (size_t i = 0; i < hw->n_heap; i++)
                        hw->heap[i]->heap_key = machine_deadline(hw->heap[i]);
                /* every key may have moved: heapify (sift-down from the last parent) */
                for (size_t i = hw->n_heap / 2; i > 0; i--)
                        heap_down(hw, i - 1);
                hw->rekey_at = now + REKEY_INTERVAL_USEC;
        }
        /* Timers: every machine due now, each once; a machine removed by a callback
         * meanwhile stays allocated (the graveyard) and is skipped. */
        size_t n_due = 0;
        while (hw->n_heap > 0 && hw->heap[0]->heap_key <= now) {
                HwMachine *m = hw->heap[0];
                heap_remove(hw, m);
                hw->due[n_due++] = m;
        }
        for (size_t i = 0; i < n_due; i++) {
                HwMachine *m = hw->due[i];

                if (m->removed)
                        continue;
                if (m->channel && channel_get_deadline(m->channel) <= now) {
                        channel_tick(m->channel, now);
                        update_channel_watch(m);
                }
                if (!m->removed && m->sm.deadline_usec <= now)
                        handle(m, agent_vouches(m, now) ? MACHINE_EVENT_VOUCHED : MACHINE_EVENT_DEADLINE);
                if (!m->removed)
                        (void) heap_add(hw, m);         /* its slot was kept: cannot fail */
        }
        hw->dispatching--;
        flush(hw);
        return n > 0 ? n : 0;
}

/* ---- sd-event ---- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) hostwatch_process(userdata);
        return 0;
}

static int on_time(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) hostwatch_process(userdata);
        return 0;
}

static void update_event_timer(HostWatch *hw) {
        uint64_t t;

        if (!hw->time_source)
                return;
        (void) hostwatch_get_timeout(hw, &t);
        if (t == UINT64_MAX) {
                (void) sd_event_source_set_enabled(hw->time_source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(hw->time_source, t);
        (void) sd_event_source_set_enabled(hw->time_source, SD_EVENT_ONESHOT);
}

int hostwatch_detach_event(HostWatch *hw) {
        if (!hw)
                return -EINVAL;
        hw->io_source = sd_event_source_disable_unref(hw->io_source);
        hw->time_source = sd_event_source_disable_unref(hw->time_source);
        hw->event = sd_event_unref(hw->event);
        return 0;
}

int hostwatch_attach_event(HostWatch *hw, sd_event *event, int64_t priority) {
        int r;

        if (!hw || hw->event)
                return -EINVAL;
        if (hw->clock != clock_monotonic)
                return -EOPNOTSUPP;     /* sd-event's timers run on the real clock */
        if (event)
                hw->event = sd_event_ref(event);
        else {
                r = sd_event_default(&hw->event);
                if (r < 0)
                        return r;
        }
        /* No sd-event rate limit on this source: it parks a source by taking its fd out of
         * sd-event's epoll and putting it back, and putting an epoll (ours, holding every
         * machine's fds) into an epoll makes the kernel walk all it holds (ep_loop_check):
         * 0.3 ms a time at 10,000 machines, dozens of times a second. Timers are seconds
         * long, so their wakeups may be coalesced by EVENT_TIMER_ACCURACY. */
        r = sd_event_add_io(hw->event, &hw->io_source, hw->epoll_fd, EPOLLIN, on_io, hw);
        if (r >= 0)
                r = sd_event_add_time(hw->event, &hw->time_source, CLOCK_MONOTONIC, UINT64_MAX,
                                      EVENT_TIMER_ACCURACY_USEC, on_time, hw);
        if (r >= 0)
                r = sd_event_source_set_priority(hw->io_source, priority);
        if (r >= 0)
                r = sd_event_source_set_priority(hw->time_source, priority);
        if (r < 0) {
                (void) hostwatch_detach_event(hw);
                return r;
        }
        update_event_timer(hw);
        return 0;
}

/* ---- the object ---- */

DEFINE_TRIVIAL_CLEANUP_FUNC(HostWatch *, hostwatch_free);

int hostwatch_new(HostWatch **ret, const HostWatchConfig *config) {
        _cleanup_(hostwatch_freep) HostWatch *hw = NULL;
        HostWatchConfig c = config ? *config : (HostWatchConfig) {};
        BackoffParams p = BACKOFF_PARAMS_DEFAULT;
        uint64_t seed = 0;

        if (!ret)
                return -EINVAL;
        if (c.backoff_initial_usec)
                p.initial_usec = c.backoff_initial_usec;
        if (c.backoff_multiplier != 0)
                p.multiplier = c.backoff_multiplier;
        if (c.backoff_jitter > 0)
                p.jitter = c.backoff_jitter;
        else if (c.backoff_jitter < 0)
                p.jitter = 0;
        if (c.backoff_max_usec)
                p.max_usec = c.backoff_max_usec;
        if (c.min_connect_timeout_usec)
                p.min_connect_timeout_usec = c.min_connect_timeout_usec;
        if (backoff_params_validate(&p) < 0)
                return -EINVAL;

        hw = calloc(1, sizeof *hw);
        if (!hw)
                return -ENOMEM;
        hw->epoll_fd = -EBADF;
        hw->backoff = p;
        hw->max_in_flight = c.max_in_flight ? c.max_in_flight : MAX_IN_FLIGHT_DEFAULT;
        hw->clock = c.clock ? c.clock : clock_monotonic;
        hw->random = c.random;
        hw->clock_userdata = c.clock_userdata;
        if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != sizeof seed)
                seed = clock_monotonic(NULL) ^ ((uint64_t) getpid() << 32);
        hw->rng = seed ? seed : 0x9e3779b97f4a7c15u;
        hw->hints.instance = (seed >> 1) | 1;   /* never 0 */
        hw->heartbeat_auto = c.heartbeat_interval_ms == 0;
        hw->hints.heartbeat_interval_ms = hw->heartbeat_auto ? HEARTBEAT_AUTO_MIN_MS : c.heartbeat_interval_ms;
        if (c.host_address && ip_addr_from_string(c.host_address, AF_UNSPEC, &hw->hints.host_address) < 0)
                return -EINVAL;
        hw->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (hw->epoll_fd < 0)
                return -errno;
        if (channel_locks_new(&hw->locks) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(hw);
        return 0;
}

void hostwatch_set_callbacks(HostWatch *hw, hostwatch_state_fn on_state, hostwatch_address_fn on_address,
                             void *userdata) {
        if (!hw)
                return;
        hw->on_state = on_state;
        hw->on_address = on_address;
        hw->userdata = userdata;
}

void hostwatch_set_key_learned_callback(HostWatch *hw, hostwatch_key_learned_fn on_key_learned, void *userdata) {
        if (!hw)
                return;
        hw->on_key_learned = on_key_learned;
        hw->key_learned_userdata = userdata;
}

HostWatch *hostwatch_free(HostWatch *hw) {
        if (!hw)
                return NULL;
        hw->dispatching++;
        while (hw->n_machines > 0)
                teardown(hw, hw->n_machines - 1);
        hw->dispatching--;
        for (size_t i = 0; i < hw->n_graveyard; i++)
                machine_free(hw->graveyard[i]);
        free(hw->graveyard);
        free(hw->machines);
        free(hw->heap);
        free(hw->due);
        free(hw->index);
        (void) hostwatch_detach_event(hw);
        neighbour_table_free(hw->neighbours);
        channel_locks_free(hw->locks);
        if (hw->epoll_fd >= 0)
                close(hw->epoll_fd);
        return mfree(hw);
}
