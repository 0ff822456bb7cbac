/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which link is the management link, and who the host is: resolved from the sources the
 * architecture page orders, each answer typed and saying where it came from. Pure over
 * live_state and the agent configs, so it is unit-tested on hand-built states. */

#include <errno.h>
#include <stddef.h>

#include "agent/agent-config.h"
#include "agent/live.h"
#include "common/ip-addr.h"

typedef enum mgmt_source {
        MGMT_SOURCE_OPTION,             /* --mgmt */
        MGMT_SOURCE_AGENT_CONFIG,       /* management: in agent.yaml */
        MGMT_SOURCE_HOST_HINT,          /* the hint last received from the host */
        MGMT_SOURCE_DEFAULT_ROUTE4,     /* holds the IPv4 default route */
        MGMT_SOURCE_DEFAULT_ROUTE6,     /* holds the IPv6 default route */
        MGMT_SOURCE_GLOBAL_ADDRESS,     /* lowest-ifindex Ethernet link with a global address */
        _MGMT_SOURCE_MAX,
        _MGMT_SOURCE_INVALID = -EINVAL,
} mgmt_source;

typedef enum host_source {
        HOST_SOURCE_AGENT_CONFIG,       /* management.host */
        HOST_SOURCE_HOST_HINT,
        HOST_SOURCE_GATEWAY,            /* default gateway on the management link */
        HOST_SOURCE_SUBNET,             /* on-link in the management address's current subnet */
        _HOST_SOURCE_MAX,
        _HOST_SOURCE_INVALID = -EINVAL,
} host_source;

const char *mgmt_source_to_string(mgmt_source s);
const char *host_source_to_string(host_source s);

typedef struct host_peer {
        host_source source;
        /* The host's address (full prefix), or for HOST_SOURCE_SUBNET the subnet itself
         * (host bits cleared, the subnet's prefix). */
        ip_addr addr;
} host_peer;

/* Is the host a known address rather than "somewhere in the current subnet"? */
bool host_peer_is_specific(const host_peer *h);

/* option: the --mgmt argument (a name or a MAC) or NULL; cfg/hint may be NULL.
 * Returns 0, -ENODEV when the option or the agent config names a link that does not
 * exist (*ret_error says which), -ENXIO when no source answers, -ENOMEM. */
int management_resolve_link(const live_state *live, const char *option, const agent_config *cfg,
                            const agent_config *hint, const live_link **ret, mgmt_source *ret_source,
                            char **ret_error);

/* Returns 0 or -ENXIO when nothing tells who the host is (no config, no hint, no
 * gateway, no address on the management link). */
int management_resolve_host(const live_state *live, const live_link *mgmt, const agent_config *cfg,
                            const agent_config *hint, host_peer *ret);

/* For people: "management.macaddress in /etc/netguard/agent.yaml", "the link holding the
 * IPv4 default route"... cfg/hint as given to the resolver. */
int mgmt_source_describe(mgmt_source s, const agent_config *cfg, const agent_config *hint, char *buf, size_t size);
int host_source_describe(const host_peer *h, const live_link *mgmt, const agent_config *cfg,
                         const agent_config *hint, char *buf, size_t size);
