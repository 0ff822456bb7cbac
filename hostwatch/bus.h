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

typedef struct Manager Manager;
typedef struct Bus Bus;

int bus_new(sd_event *event, Manager *manager, Bus **ret);
Bus *bus_free(Bus *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Bus *, bus_free);

void bus_emit_state_changed(Bus *b, const char *name, HostWatchState old_state, HostWatchState new_state);
void bus_emit_address_changed(Bus *b, const HostWatchWhere *w);
