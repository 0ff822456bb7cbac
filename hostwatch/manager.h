/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The netguard-hostwatch daemon: owns the sd-event loop, the library's HostWatch, the
 * config and its reloads, the D-Bus object (bus.c), persistence (store.c) and metrics
 * (metrics.c). Machines come from the config or from AddMachine at run time; a reload
 * touches only the machines whose definition changed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "hostwatch/daemon-config.h"
#include "hostwatch/metrics.h"
#include "netguard/hostwatch.h"

#define MANAGER_STATE_DIR_DEFAULT "/var/lib/netguard-hostwatch"

typedef struct Manager Manager;
typedef struct Bus Bus;

typedef struct ManagerOptions {
        const char *config_path;        /* NULL: HW_CONFIG_DEFAULT_PATH */
        const char *state_dir;          /* NULL: MANAGER_STATE_DIR_DEFAULT */
        bool no_bus;                    /* benchmarks without a bus */
} ManagerOptions;

/* Loads the config (an error there is fatal at start), opens the state directory, builds
 * the HostWatch, adds every machine, attaches everything to a new sd-event loop. */
int manager_new(Manager **ret, const ManagerOptions *o);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);
/* READY=1, then the loop until SIGTERM/SIGINT. */
int manager_run(Manager *m);
/* SIGHUP: 0, or -EINVAL when the new config is bad (the old one stays). */
int manager_reload(Manager *m);

HostWatch *manager_get_hostwatch(Manager *m);
const char *manager_get_config_path(Manager *m);
size_t manager_count(Manager *m);
/* The i-th machine's name (any stable order between calls that change nothing). */
const char *manager_name(Manager *m, size_t i);
/* A machine from D-Bus: kept across reloads unless the config names it. -EEXIST, -EINVAL
 * (with *ret_error), or the library's error. */
int manager_add_runtime(Manager *m, const HwMachineDef *def, char **ret_error);
int manager_remove(Manager *m, const char *name);
/* The key the machine is pinned to (NULL: known-hosts, or tofu still learning) and whether
 * it was learned on first use. -ENOENT. */
int manager_get_host_key(Manager *m, const char *name, const char **ret_key, bool *ret_learned);
/* SSH probes in flight now, and the most since the start. */
void manager_get_in_flight(Manager *m, unsigned *ret_now, unsigned *ret_peak);
