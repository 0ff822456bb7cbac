/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's clients over D-Bus: status, where, watch. Each returns the process's exit
 * status (architecture.md: where's 0 verified, 1 known not verified, 2 none, 3 no daemon). */

#include <stdbool.h>

enum {
        CLIENT_EXIT_VERIFIED = 0,
        CLIENT_EXIT_UNVERIFIED = 1,
        CLIENT_EXIT_NONE = 2,
        CLIENT_EXIT_UNREACHABLE = 3,
};

int client_status(bool json);
int client_where(const char *name, bool json);
int client_watch(bool json);
