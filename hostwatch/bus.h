/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* io.netguard.HostWatch1 at /io/netguard/HostWatch1 on the system bus (or whatever
 * DBUS_SYSTEM_BUS_ADDRESS names). Reads are open to all; AddMachine/RemoveMachine check
 * the caller's uid themselves (root only), whatever the bus policy says. */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "netguard/hostwatch.h"

#define HOSTWATCH_BUS_NAME "io.netguard.HostWatch1"
#define HOSTWATCH_BUS_PATH "/io/netguard/HostWatch1"
#define HOSTWATCH_BUS_INTERFACE "io.netguard.HostWatch1"

typedef struct Bus Bus;
typedef struct HwMachineDef HwMachineDef;

/* What the object serves, from its owner (the Manager), without knowing it. */
typedef struct BusOps {
        HostWatch *(*hostwatch)(void *userdata);
        const char *(*config_path)(void *userdata);
        size_t (*count)(void *userdata);
        const char *(*name)(void *userdata, size_t i);
        int (*add)(void *userdata, const HwMachineDef *def, char **ret_error);
        int (*remove)(void *userdata, const char *name);
        void (*in_flight)(void *userdata, unsigned *ret_now, unsigned *ret_peak);
        /* The pinned key (NULL: none to show) and whether it was learned on first use. */
        int (*host_key)(void *userdata, const char *name, const char **ret_key, bool *ret_learned);
} BusOps;

int bus_new(sd_event *event, const BusOps *ops, void *userdata, Bus **ret);
Bus *bus_free(Bus *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Bus *, bus_free);

void bus_emit_state_changed(Bus *b, const char *name, HostWatchState old_state, HostWatchState new_state);
void bus_emit_address_changed(Bus *b, const HostWatchWhere *w);
