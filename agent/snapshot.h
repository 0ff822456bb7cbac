/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The ADDRESSES message the agent sends, built from a live_state: pure, so it is tested on
 * hand-built states, and comparable, so an unchanged state sends nothing. */

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent-config.h"
#include "agent/live.h"
#include "proto/message.h"

/* Every link of live, lowest ifindex first, with its addresses, within the protocol's caps
 * (PROTO_LINKS_MAX links, PROTO_LINK_ADDRESSES_MAX per link, PROTO_ADDRESSES_MAX in all);
 * the management link (as management_resolve_link() finds it from cfg and hint, either
 * may be NULL) carries PROTO_LINK_MANAGEMENT. ret->snapshot is left 0. *ret_dropped (may
 * be NULL) counts the links and addresses past the caps. Returns 0 or -ENOMEM. */
int snapshot_build(const live_state *live, const agent_config *cfg, const agent_config *hint, ProtoAddresses *ret,
                   size_t *ret_dropped);

/* Frees what snapshot_build() allocated; safe on a zeroed or already freed snapshot. */
void snapshot_done(ProtoAddresses *a);

/* Same links and addresses (the snapshot number is not compared). Finite lifetimes count
 * down by themselves, so only whether a lifetime is 0, finite or forever is compared:
 * a snapshot is not resent because a second went by. */
bool snapshot_equal(const ProtoAddresses *a, const ProtoAddresses *b);
