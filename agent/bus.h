/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* io.netguard.Agent1 on the system bus, object /io/netguard/Agent1: properties Connected,
 * LastReportSeq, ManagementLink, HostHint; method Status() -> a{sv}; signal Reported(u).
 * Transactions (agent/engine.h): Try(a(say) files, u timeout_sec, b force) -> t id;
 * Confirm(t id) -> (t id, s state); Rollback(t id, b force) -> (t id, s state);
 * History() -> a(tsstss) (id, state, origin, start CLOCK_REALTIME usec, reason, journal);
 * signal TransactionChanged(t id, s state, s reason); errors AGENT_BUS_ERROR_*.
 * Who may call what is the bus policy's business (packaging/dbus/io.netguard.Agent1.conf:
 * methods for root only). */

#include <systemd/sd-bus.h>

#include "agent/agent-status.h"
#include "common/macro.h"

#define AGENT_BUS_NAME "io.netguard.Agent1"
#define AGENT_BUS_PATH "/io/netguard/Agent1"
#define AGENT_BUS_INTERFACE "io.netguard.Agent1"

#define AGENT_BUS_ERROR_BUSY "io.netguard.Agent1.Error.Busy"
#define AGENT_BUS_ERROR_NO_TRANSACTION "io.netguard.Agent1.Error.NoTransaction"
#define AGENT_BUS_ERROR_INVALID_CANDIDATE "io.netguard.Agent1.Error.InvalidCandidate"
#define AGENT_BUS_ERROR_NO_EDITS "io.netguard.Agent1.Error.NoEdits"
#define AGENT_BUS_ERROR_FAILED "io.netguard.Agent1.Error.Failed"

typedef struct agent_bus agent_bus;
typedef struct engine engine;

/* Connects to the system bus on the loop and requests the name; properties and Status come
 * from get_status(userdata). -errno if there is no bus (the agent then runs without it). */
int agent_bus_new(sd_event *event, agent_status_get_fn get_status, void *userdata, agent_bus **ret);
agent_bus *agent_bus_free(agent_bus *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(agent_bus *, agent_bus_free);

void agent_bus_emit_reported(agent_bus *b, uint32_t snapshot);
/* Try, Confirm, Rollback and History go to e (NULL: "not available"). */
void agent_bus_set_engine(agent_bus *b, engine *e);
void agent_bus_emit_transaction(agent_bus *b, uint64_t id, const char *state, const char *reason);
/* Connected, ManagementLink or HostHint may have changed. */
void agent_bus_emit_changed(agent_bus *b);
