/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The rules of `netguard check`: pure functions from (netplan config, live state,
 * management link, host peer) to findings. No I/O, so each rule is unit-tested on
 * hand-built inputs. Which link and which host: management.h. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/live.h"
#include "agent/management.h"
#include "agent/rule.h"
#include "netplan/netplan.h"

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
        /* The definitions on disk now, when known (the configuration on disk may be
         * invalid, and then nothing can be compared with it). */
        bool old_known;
        const np_netdef *const *old_defs;
        size_t n_old_defs;
        const live_state *live;
        const live_link *mgmt;
        const host_peer *host;          /* NULL if unknown: only NG001, NG004, NG007, NG009 run */
        bool network_manager_present;   /* a definition handed to NetworkManager is configured */
        /* Where findings without a position point (the first candidate file, else the
         * netplan directory). */
        const char *fallback_file;
} check_input;

/* Runs every rule. Returns 0 (findings in *ret, maybe none) or -ENOMEM. */
int check_run(const check_input *in, check_result *ret);
