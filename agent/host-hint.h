/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The host's view of this guest, from its HELLO (management MAC, host address), kept as
 * /run/netguard/host-hint.yaml in agent.yaml's grammar, where `netguard check` reads it
 * after --mgmt and agent.yaml (architecture.md orders the sources). */

#include "proto/message.h"

/* "management: { macaddress: \"52:54:00:12:34:56\", host: 192.0.2.1 }\n", either part
 * left out when the host gave none; "" when it gave neither. 0 or -ENOMEM. */
int host_hint_format(const ProtoHostHello *h, char **ret);

/* Writes the hint to path atomically (a temporary file beside it, fsync, rename, fsync of
 * the directory, which is made if missing), or removes path when the HELLO holds no hint,
 * so a stale hint never outlives the host's word. 0 or a negative errno. */
int host_hint_write(const char *path, const ProtoHostHello *h);
