/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the grammar of ethernets, wifis and modems. */

#include "netplan/grammar.h"

extern const np_kdef np_ethernet_keys[];
extern const np_kdef np_wifi_keys[];
extern const np_kdef np_modem_keys[];
