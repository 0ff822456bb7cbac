/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: what a loaded configuration holds (np_config_load() builds it). */

#include <stddef.h>

#include "netplan/file.h"

struct np_config {
        np_file **files;
        size_t n_files;
        np_node *root;          /* merged "network" mapping */
        char *renderer;         /* global renderer, NULL if never set */
        np_netdef *netdefs;
        size_t n_netdefs;
        unsigned target_version;
};
