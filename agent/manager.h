/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* netguard-agent's one object: it owns the sd-event loop, the signals (SIGTERM/SIGINT
 * stop, SIGHUP re-reads agent.yaml), the systemd watchdog and status, the netlink watch,
 * the channel to the host and the D-Bus object, and turns "something changed" into an
 * ADDRESSES snapshot when, and only when, the state differs from the last one. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "agent/agent-status.h"
#include "common/macro.h"

typedef struct manager manager;

typedef struct manager_options {
        const char *config_path;        /* NULL: AGENT_CONFIG_PATH */
        const char *hint_path;          /* NULL: AGENT_HOST_HINT_PATH */
        const char *port;               /* overrides agent.yaml's port: */
        bool no_bus;                    /* do not register on the system bus */
        const char *root_dir;           /* NULL: "/"; the netplan, state and config paths under it */
} manager_options;

int manager_new(const manager_options *o, manager **ret);
manager *manager_free(manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(manager *, manager_free);

/* Loads agent.yaml, the hint, opens the port, subscribes to netlink, registers on the bus. */
int manager_start(manager *m);
/* Runs until SIGTERM/SIGINT; returns the exit code. */
int manager_run(manager *m);
/* Re-reads agent.yaml and the hint (SIGHUP). A bad file keeps the config in force. */
int manager_reload(manager *m);

void manager_get_status(manager *m, agent_status *ret);
sd_event *manager_get_event(manager *m);
