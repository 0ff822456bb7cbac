/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Everything `netguard check` judges, loaded once: the configuration to judge and the one
 * on disk, agent.yaml and the host's hint, the live state, and from them the management
 * link and the host peer. */

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent-config.h"
#include "agent/check.h"
#include "agent/live.h"
#include "agent/management.h"
#include "common/macro.h"
#include "netplan/netplan.h"

typedef struct check_options {
        const char *root_dir;           /* NULL: "/" */
        const char *mgmt;               /* --mgmt, or NULL */
        const char *netplan_version;    /* NULL: the installed one */
        char *const *files;             /* candidates */
        size_t n_files;
} check_options;

typedef struct check_context {
        np_config *config;              /* what is judged */
        np_config *on_disk;             /* with candidates: the configuration on disk, NULL if
                                         * invalid; without: NULL (config is on disk) */
        const np_netdef **defs;
        size_t n_defs;
        const np_netdef **old_defs;     /* of on_disk, or of config without candidates */
        size_t n_old_defs;
        bool old_known;

        agent_config *cfg;              /* NULL: no agent.yaml */
        agent_config *hint;             /* NULL: no (valid) hint */
        live_state *live;

        const live_link *mgmt;
        mgmt_source mgmt_source;
        bool have_host;
        host_peer host;

        bool network_manager_present;   /* under the root dir */
        char *netplan_dir;              /* where findings without a position point */
        const char *fallback_file;
} check_context;

check_context *check_context_free(check_context *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(check_context *, check_context_free);

/* Returns 0, or:
 *   -EINVAL  netplan would reject the configuration (diags hold the errors);
 *   another negative errno: nothing can be judged, *ret_error says why.
 * diags gets the netplan diagnostics of the judged configuration either way (warnings
 * on success). */
int check_context_load(const check_options *o, check_context **ret, np_diag_list *diags, char **ret_error);

/* The rules' input, borrowing from c. */
check_input check_context_input(const check_context *c);
