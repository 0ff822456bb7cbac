/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: what `netplan get` prints (np_config_dump() is in netplan.h). */

#include <stdbool.h>

/* Keys netplan holds as booleans (it prints them as true/false, whatever was written). */
bool np_key_is_bool(const char *key);
