/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The rules of `netguard check`: pure functions from (netplan config, live state,
 * management link, host peer) to findings. No I/O, so each rule is unit-tested on
 * hand-built inputs. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/agent-config.h"
#include "agent/live.h"
#include "agent/rule.h"
#include "netplan/netplan.h"

/* ---- Which link is the management link ------------------------------------------------ */

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

const char *mgmt_source_to_string(mgmt_source s);

/* option: the --mgmt argument (a name or a MAC) or NULL; cfg/hint may be NULL.
 * Returns 0, -ENODEV when the option or the agent config names a link that does not
 * exist (*ret_error says which), -ENXIO when no source answers, -ENOMEM. */
int check_resolve_mgmt(const live_state *live, const char *option, const agent_config *cfg,
                       const agent_config *hint, const live_link **ret, mgmt_source *ret_source,
                       char **ret_error);

/* ---- Who the host is ----------------------------------------------------------------- */

typedef enum host_source {
        HOST_SOURCE_AGENT_CONFIG,       /* management.host */
        HOST_SOURCE_HOST_HINT,
        HOST_SOURCE_GATEWAY,            /* default gateway on the management link */
        HOST_SOURCE_SUBNET,             /* on-link in the management address's current subnet */
        _HOST_SOURCE_MAX,
        _HOST_SOURCE_INVALID = -EINVAL,
} host_source;

const char *host_source_to_string(host_source s);

typedef struct host_peer {
        host_source source;
        int family;
        live_in_addr addr;      /* the host, or for HOST_SOURCE_SUBNET the current address */
        unsigned prefixlen;     /* full length for a host; the subnet's for HOST_SOURCE_SUBNET */
} host_peer;

/* Returns 0 or -ENXIO when nothing tells who the host is (no config, no hint, no
 * gateway, no address on the management link). */
int check_resolve_host(const live_state *live, const live_link *mgmt, const agent_config *cfg,
                       const agent_config *hint, host_peer *ret);

/* "192.0.2.1" or "192.0.2.0/24 (on-link)" */
int host_peer_to_string(const host_peer *h, char *buf, size_t size);

/* ---- Findings ------------------------------------------------------------------------- */

typedef struct check_finding {
        rule_id rule;
        rule_severity severity;
        char *file;
        unsigned line, column;
        char *message;
        char *hint;
} check_finding;

typedef struct check_result {
        check_finding *findings;
        size_t n;
        size_t n_errors;
        char *mgmt_definition;  /* id of the definition applied to the management link */
        bool incomplete;        /* no host peer: only the rules that need none ran */
} check_result;

void check_result_clear(check_result *r);

typedef struct check_input {
        /* The definitions of the configuration to judge (np_config_netdef_at() of a loaded
         * config, or hand-built in tests). */
        const np_netdef *const *defs;
        size_t n_defs;
        /* The definitions on disk now; old_defs NULL if unknown (invalid on disk). */
        const np_netdef *const *old_defs;
        size_t n_old_defs;
        const live_state *live;
        const live_link *mgmt;
        const host_peer *host;          /* NULL if unknown: only NG001, NG004, NG007 run */
        /* Where findings without a position point (the first candidate file, else the
         * netplan directory). */
        const char *fallback_file;
} check_input;

/* Runs every rule. Returns 0 (findings in *ret, maybe none) or -ENOMEM. */
int check_run(const check_input *in, check_result *ret);
