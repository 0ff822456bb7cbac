/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libnetguard-hostwatch: where is each VM now, and can we reach it?
 *
 * A HostWatch keeps, per machine, a verified view: the address it was last seen at (from
 * its agent over virtio-serial, else DHCP leases, else the neighbour table), whether SSH
 * with the machine's pinned host key works there, and a state machine in which every state
 * has a deadline (hostwatch/STATES.md). Nothing here blocks: drive it from sd-event
 * (hostwatch_attach_event) or from any loop through hostwatch_get_fd(),
 * hostwatch_get_timeout() and hostwatch_process(). No global state; one HostWatch must be
 * used from one thread at a time. Functions return 0 (or a count) or a negative errno. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct HostWatch HostWatch;
typedef struct sd_event sd_event;

typedef enum HostWatchState {
        HOSTWATCH_STATE_DISCOVERING,    /* collecting candidate addresses */
        HOSTWATCH_STATE_QUEUED,         /* waiting for a free SSH slot (global cap) */
        HOSTWATCH_STATE_CONNECTING,     /* SSH handshake and host-key check in progress */
        HOSTWATCH_STATE_AUTHENTICATING, /* optional login with the configured identity */
        HOSTWATCH_STATE_VERIFIED,       /* SSH worked at the address with the pinned key */
        HOSTWATCH_STATE_BACKOFF,        /* the last round failed: waiting before the next */
        HOSTWATCH_STATE_KEY_MISMATCH,   /* a server answered with another key: never used */
        HOSTWATCH_STATE_REMOVED,        /* final: reported once when a machine is removed */
        _HOSTWATCH_STATE_MAX,
        _HOSTWATCH_STATE_INVALID = -EINVAL,
} HostWatchState;

typedef enum HostWatchEvidence {
        HOSTWATCH_EVIDENCE_NONE,        /* no address learned yet */
        HOSTWATCH_EVIDENCE_AGENT,       /* the guest agent's ADDRESSES snapshot */
        HOSTWATCH_EVIDENCE_LEASE,       /* a DHCP lease file */
        HOSTWATCH_EVIDENCE_NEIGHBOUR,   /* the host's neighbour table, by MAC */
        HOSTWATCH_EVIDENCE_STORED,      /* the address last verified, as the caller kept it (a restart) */
        _HOSTWATCH_EVIDENCE_MAX,
        _HOSTWATCH_EVIDENCE_INVALID = -EINVAL,
} HostWatchEvidence;

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" and its NUL */
#define HOSTWATCH_ADDRESS_STRLEN 46
#define HOSTWATCH_NAME_MAX 64

typedef struct HostWatchWhere {
        char name[HOSTWATCH_NAME_MAX + 1];
        char address[HOSTWATCH_ADDRESS_STRLEN]; /* "" when none is known */
        int family;                     /* AF_INET, AF_INET6, or AF_UNSPEC */
        uint8_t bytes[16];
        HostWatchState state;
        bool verified;                  /* SSH with the pinned key worked at address */
        HostWatchEvidence evidence;     /* where address came from */
        uint64_t age_usec;              /* since that evidence (or the SSH proof) was last fresh */
        uint64_t state_deadline_usec;   /* on the HostWatch clock; when the state times out */
        bool agent_connected;           /* the channel is open and the agent said HELLO */
        /* The guest's pending transaction (its TXN pending; 0: none): the library verifies
         * at once when one begins and sends HOST_REACHED / HOST_LOST naming it. */
        uint64_t txn;
        uint64_t txn_deadline_usec;     /* guest CLOCK_REALTIME when it rolls back; 0: none */
        bool txn_proven;                /* SSH verified for txn (after it began) and still holds */
} HostWatchWhere;

typedef struct HostWatchStats {
        uint64_t frames;                /* valid frames read from the guest */
        uint64_t bytes;                 /* bytes read from the guest */
        uint64_t bytes_skipped;         /* garbage and dropped candidate frames */
        uint64_t bad_checksum;          /* frames with a valid header and a bad frame check */
        uint64_t bad_messages;          /* valid frames whose message was refused */
        uint64_t bad_utf8;              /* messages refused for a string that is not UTF-8 */
        uint64_t throttled;             /* times reading was paused by a budget */
        uint64_t ignored_addresses;     /* addresses outside the machine's networks */
        uint64_t channel_connects;      /* successful connects to the channel socket */
        uint64_t ssh_attempts;          /* SSH probes started */
        uint64_t key_mismatches;
        size_t memory;                  /* bytes held for this machine now */
        size_t memory_peak;             /* the most ever held, transient decoding included */
        uint64_t txns;                  /* guest transactions begun (TXN pending received) */
        uint64_t txn_reached;           /* HOST_REACHED sent naming a transaction */
        uint64_t txn_lost;              /* HOST_LOST sent naming a transaction */
} HostWatchStats;

/* Monotonic microseconds; random 32-bit numbers. Tests inject both. */
typedef uint64_t (*hostwatch_clock_fn)(void *userdata);
typedef uint32_t (*hostwatch_random_fn)(void *userdata);

typedef void (*hostwatch_state_fn)(HostWatch *hw, const char *name, HostWatchState old_state,
                                   HostWatchState new_state, void *userdata);
typedef void (*hostwatch_address_fn)(HostWatch *hw, const HostWatchWhere *where, void *userdata);

typedef struct HostWatchConfig {
        /* Backoff between rounds (gRPC connection backoff); 0 takes the default. */
        uint64_t backoff_initial_usec;          /* 1 s */
        double backoff_multiplier;              /* 1.6 */
        double backoff_jitter;                  /* 0.2 (±20 %); negative: none */
        uint64_t backoff_max_usec;              /* 120 s */
        uint64_t min_connect_timeout_usec;      /* 20 s */
        unsigned max_in_flight;                 /* SSH probes at once, all machines: 64 */
        hostwatch_clock_fn clock;               /* NULL: CLOCK_MONOTONIC */
        hostwatch_random_fn random;             /* NULL: getrandom() seeded xorshift */
        void *clock_userdata;
        /* Host hints sent in HOST_HELLO: the host address the guest must keep reaching
         * (text, NULL = none) and the heartbeat interval wanted (0 = by the number of
         * machines: 5 s, longer beyond 2,000 so that all send 400 a second at most, up to
         * 60 s; a guest in session is asked again when that moves by a fifth). */
        const char *host_address;
        uint32_t heartbeat_interval_ms;
} HostWatchConfig;

typedef struct HostWatchMachineConfig {
        const char *name;               /* [A-Za-z0-9._-]{1,64} */
        const char *channel;            /* host end of the virtio-serial port (unix socket), or NULL */
        const char *macaddress;         /* management NIC, "52:54:00:12:34:56" */
        const char *const *networks;    /* NULL-terminated prefixes: "192.0.2.0/24" */
        const char *host_key;           /* "ssh-ed25519 AAAA..." */
        const char *known_hosts;        /* or a file of keys (every key in it is this machine's) */
        const char *const *leases;      /* NULL-terminated dnsmasq lease files or libvirt .status */
        const char *ssh_user;           /* NULL: "root" */
        const char *ssh_identity;       /* private key to prove login; NULL: host key check only */
        uint16_t ssh_port;              /* 0: 22 */
        /* When a round finds no address at all, or the last round failed at every address
         * known: make the kernel resolve every address of the machine's IPv4 networks up to
         * /22 (one empty UDP datagram each), so a guest that moved without a word shows up
         * in the neighbour table by the next round. */
        bool probe_networks;
        /* The address SSH was last verified at, kept by the caller across a restart (text,
         * NULL = none): shown by where() at once (evidence "stored", not verified) and tried
         * first until an address is verified. Ignored when outside the networks. */
        const char *last_address;
} HostWatchMachineConfig;

/* config may be NULL (all defaults). -EINVAL for a value out of range. */
int hostwatch_new(HostWatch **ret, const HostWatchConfig *config);
/* Removes every machine (each reported REMOVED) and frees; accepts NULL; returns NULL. */
HostWatch *hostwatch_free(HostWatch *hw);

void hostwatch_set_callbacks(HostWatch *hw, hostwatch_state_fn on_state, hostwatch_address_fn on_address,
                             void *userdata);

/* key: "TYPE BASE64" as in ssh_host_*_key.pub; fingerprint: "SHA256:..." as ssh-keygen -l
 * prints it. Called once per machine added with hostwatch_add_machine_tofu(). Since 0.2. */
typedef void (*hostwatch_key_learned_fn)(HostWatch *hw, const char *name, const char *key, const char *fingerprint,
                                         void *userdata);
void hostwatch_set_key_learned_callback(HostWatch *hw, hostwatch_key_learned_fn on_key_learned, void *userdata);

/* Runs on an sd-event loop (real clock only). detach undoes it; free detaches. */
int hostwatch_attach_event(HostWatch *hw, sd_event *event, int64_t priority);
int hostwatch_detach_event(HostWatch *hw);

/* Any other loop: wait until get_fd() is readable or the clock reaches get_timeout()
 * (absolute µs on the HostWatch clock, UINT64_MAX = no timer), then call process(). */
int hostwatch_get_fd(HostWatch *hw);
int hostwatch_get_timeout(HostWatch *hw, uint64_t *ret_usec);
int hostwatch_process(HostWatch *hw);
uint64_t hostwatch_now(HostWatch *hw);

/* -EEXIST for a name in use, -EINVAL for a bad field, -ENOKEY when no pinned key could be
 * read, -EBUSY when another watcher holds the channel (its lock in the channel directory's
 * netguard-hostwatch.lock). The machine starts discovering at once; its channel connects
 * at the next hostwatch_process() (machines added together are all counted in the
 * heartbeat interval their guests are asked for). */
int hostwatch_add_machine(HostWatch *hw, const HostWatchMachineConfig *config);
/* Trust on first use (since 0.2): as hostwatch_add_machine(), with host_key and
 * known_hosts both NULL and ssh_identity required (else -EINVAL: a key exchange alone
 * proves nothing about who answered). The first probe whose key exchange AND login both
 * succeed pins the key it saw and reports it (hostwatch_set_key_learned_callback), before
 * the machine is reported VERIFIED; from then on that key is the machine's pin like a
 * configured one: another key later is a KEY_MISMATCH, never a new pin. The caller keeps
 * the learned key and passes it as host_key when it adds the machine again. */
int hostwatch_add_machine_tofu(HostWatch *hw, const HostWatchMachineConfig *config);
/* Completes at once in every state (an SSH handshake in progress is dropped). -ENOENT. */
int hostwatch_remove_machine(HostWatch *hw, const char *name);

/* From memory, never blocks: -ENOENT for no such machine. */
int hostwatch_where(HostWatch *hw, const char *name, HostWatchWhere *ret);
int hostwatch_get_stats(HostWatch *hw, const char *name, HostWatchStats *ret);

const char *hostwatch_state_to_string(HostWatchState s);
const char *hostwatch_evidence_to_string(HostWatchEvidence e);

#ifdef __cplusplus
}
#endif
