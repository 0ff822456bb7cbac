/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal: the running state of definitions while files are parsed in order (netplan's
 * parser state: what each definition holds so far, across files and parser passes). */

#include <stdbool.h>
#include <stddef.h>

#include "netplan/node.h"

enum {
        NP_BACKEND_NONE,
        NP_BACKEND_NETWORKD,
        NP_BACKEND_NM,
        NP_BACKEND_OVS,
};

typedef struct np_sdef {
        char *id;
        np_def_type type;
        int backend;            /* NP_BACKEND_* as set by per-type/per-def renderer or OVS */
        unsigned file;          /* index of the first file that defined it */
        np_pos key_pos;
        np_node *merged;        /* the definition merged over all files so far */
        char *bond, *bridge, *vrf, *peer, *primary, *gateway4, *gateway6;
        bool has_match, has_addrgen, has_addrtok, link_ok;
        bool implicit_name;     /* matched by id before a match: was added */
        long long vlan_id;
        size_t n_peers, n_arp_targets;  /* list lengths netplan holds so far */
        char **ssids;
        char **path_cost, **port_prio;
        char **ovs_external_ids, **ovs_other_config, **ovs_external_ids_v, **ovs_other_config_v;
} np_sdef;

typedef struct np_state {
        unsigned target;
        unsigned cur_file;
        int global_backend;
        np_sdef **defs;
        size_t n_defs;
        unsigned last_passes;   /* parser passes the last file needed */
        bool warn_gateway;
        bool ovs_has_ssl, ovs_needs_ssl;
        char **ovs_external_ids, **ovs_other_config; /* global keys seen so far */
        char **ovs_external_ids_v, **ovs_other_config_v;
} np_state;

np_state *np_state_new(unsigned target_version);
np_state *np_state_free(np_state *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_state *, np_state_free);
np_sdef *np_state_find(const np_state *s, const char *id);
/* Adds a definition first seen in file; NULL on OOM. */
np_sdef *np_state_add(np_state *s, const char *id, np_def_type type, int backend, unsigned file);
