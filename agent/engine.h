/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The transaction engine of netguard-agent: runs transaction.c's state machine on the
 * daemon's sd-event loop, does what each action names (txn-disk.h for the files, apply.h
 * for the backend, netlink for the management address and the neighbour, the links the
 * candidate created) and answers with events. One transaction at a time. The bus object
 * (Try, Confirm, Rollback, Status, History) and the channel (HOST_REACHED, HOST_LOST, TXN
 * out) talk to it; it tells its owner of every change through a callback. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "agent/agent-config.h"
#include "agent/transaction.h"
#include "common/macro.h"

/* A candidate sent over the bus: at most this many files (netplan_set's bound). */
#define ENGINE_MAX_FILES 256u

typedef struct engine engine;

typedef struct engine_file {
        const char *name;               /* basename, *.yaml */
        const void *data;
        size_t size;
} engine_file;

/* What Status and `netguard status` show of the transaction (the current one, or the
 * last that ended in this instance). */
typedef struct engine_info {
        uint64_t id;                    /* 0: none since start */
        txn_state state;
        uint64_t deadline_realtime_usec; /* 0: none (final) */
        const char *reason;
        const char *confirm;            /* host | local | manual */
        const char *rejected_path;      /* "" if none */
        bool active;                    /* a transaction ran since start (id may be 0: forced) */
} engine_info;

typedef struct engine_callbacks {
        /* The transaction changed state (after the actions of the edge ran). state is
         * the proto's PROTO_TXN_* when the host must hear of it, 0 otherwise. */
        void (*changed)(engine *e, const txn *t, int proto_state, uint64_t deadline_realtime_usec, void *userdata);
} engine_callbacks;

typedef struct engine_params {
        const char *root;               /* "/" in production; --root-dir */
        const agent_config *cfg;        /* apply:, try:, guard:, management: (borrowed) */
        const agent_config *hint;       /* the host's hint (borrowed, may be NULL) */
} engine_params;

int engine_new(sd_event *event, const engine_params *p, const engine_callbacks *cb, void *userdata,
               engine **ret);
engine *engine_free(engine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(engine *, engine_free);

/* After a reload of agent.yaml or the hint: the pointers change (the current transaction
 * keeps the timeouts it started with). */
void engine_set_config(engine *e, const agent_config *cfg, const agent_config *hint);

/* At start: a pending transaction (txn_disk_recover) is rolled back. */
int engine_start(engine *e);

/* Starts a try. files empty: the user's edits in /etc/netplan. timeout_sec 0: try.timeout.
 * -EBUSY one is running, -EINVAL a bad file (ret_error says which), -ENODATA no edits;
 * ret_error (may be NULL) gets a sentence on failure. */
int engine_try(engine *e, const engine_file *files, size_t n_files, uint32_t timeout_sec, bool force,
               const char *origin, uint64_t *ret_id, char **ret_error);
/* id 0: the pending one. -ESRCH none pending or not that id, -EBUSY not awaiting
 * confirmation yet (applying), or already ending. */
int engine_confirm(engine *e, uint64_t id, const char *how, char **ret_error);
/* force: txn_disk_force_rollback whatever the journal says (works with none pending). */
int engine_rollback(engine *e, uint64_t id, bool force, char **ret_error);

/* From the channel. */
void engine_host_reached(engine *e, uint64_t txn_id, const char *proof);
void engine_host_lost(engine *e, uint64_t txn_id, const char *reason);
/* The network changed (netlink): the management address and the old one are checked. */
void engine_network_changed(engine *e);

void engine_get_info(engine *e, engine_info *ret);
/* txn-disk's history (newest first): the caller frees with txn_history_free(). */
struct txn_history;
int engine_history(engine *e, struct txn_history **ret);

/* Every fault point of the engine, NULL-terminated (txn-disk's are in fault_point_names). */
extern const char *const engine_fault_points[];
