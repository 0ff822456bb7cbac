/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `netguard status [--json]`: asks netguard-agent over D-Bus (io.netguard.Agent1.Status)
 * and prints what it says. */

#include <stdbool.h>

/* Exit codes of `netguard status`. */
enum {
        STATUS_EXIT_CONNECTED = 0,      /* the agent runs and a host is connected */
        STATUS_EXIT_NO_HOST = 1,        /* the agent runs, no host on the port */
        STATUS_EXIT_NO_AGENT = 3,       /* the agent cannot be reached */
};

int status_run(bool json);
