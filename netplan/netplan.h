/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libnetguard-netplan: a netplan configuration loaded the way netplan 0.106+ loads it.
 *
 * This header is the contract between netplan/ and its users (agent/check). The loader
 * keeps the merged YAML as a tree of nodes that remember where each value came from, and
 * a typed view of each network definition with the fields the management checks need. */

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"

/* Where a value came from. file points into the config's own string table (valid as long
 * as the config lives). line/column are 1-based as netplan prints them; 0 means "unset". */
typedef struct np_pos {
        const char *file;
        unsigned line;
        unsigned column;
} np_pos;

/* ---- Diagnostics ---------------------------------------------------------------------- */

typedef enum np_severity {
        NP_SEVERITY_ERROR,
        NP_SEVERITY_WARNING,
        _NP_SEVERITY_MAX,
        _NP_SEVERITY_INVALID = -EINVAL,
} np_severity;

typedef enum np_diag_kind {
        NP_DIAG_YAML,          /* "Invalid YAML: ..." */
        NP_DIAG_DEFINITION,    /* "Error in network definition: ..." */
        NP_DIAG_IO,            /* unreadable file, symlink loop, too large: cannot judge */
        NP_DIAG_NEWER_NETPLAN, /* key exists only in a newer netplan than the one targeted */
        NP_DIAG_NOTE,          /* deprecations, permissions too open, ... (warnings) */
        _NP_DIAG_KIND_MAX,
        _NP_DIAG_KIND_INVALID = -EINVAL,
} np_diag_kind;

typedef struct np_diag {
        np_severity severity;
        np_diag_kind kind;
        np_pos pos;             /* pos.line == 0 for file-level or late validation errors */
        char *message;          /* netplan's wording where netplan has one, without the prefix */
        char *source_line;      /* the offending line of the file, or NULL */
        char *newer_version;    /* NP_DIAG_NEWER_NETPLAN: first netplan version that knows it */
        bool raw;               /* netplan prints message alone, with no file or prefix
                                 * (its late checks: "ERROR: eth0: ...", "vrf0: ...") */
        char *file;             /* owned copy of pos.file (pos.file points here), so a
                                 * diagnostic outlives a config that failed to load */
} np_diag;

typedef struct np_diag_list {
        np_diag *items;
        size_t n;
        size_t n_errors;
} np_diag_list;

void np_diag_list_clear(np_diag_list *l);

/* Formats one diagnostic exactly as netplan does:
 *   FILE:LINE:COL: Error in network definition: MSG\n<source line>\n<caret line>\n
 * Returns a malloc'd string or NULL on OOM. */
char *np_diag_format(const np_diag *d);

/* ---- Generic merged tree ----------------------------------------------------------------- */

typedef enum np_node_type {
        NP_NODE_SCALAR,
        NP_NODE_SEQUENCE,
        NP_NODE_MAPPING,
        _NP_NODE_TYPE_MAX,
        _NP_NODE_TYPE_INVALID = -EINVAL,
} np_node_type;

typedef struct np_node np_node;

np_node_type np_node_get_type(const np_node *n);
np_pos np_node_get_pos(const np_node *n);
/* Scalar text, or NULL if n is not a scalar. */
const char *np_node_scalar(const np_node *n);
/* Mapping lookup by key; NULL if absent or n is not a mapping. */
const np_node *np_node_get(const np_node *map, const char *key);
/* Position of the key itself (not the value) in a mapping; line 0 if absent. */
np_pos np_node_key_pos(const np_node *map, const char *key);
/* Children: for a mapping, key i and value i; for a sequence, value i. */
size_t np_node_count(const np_node *n);
const char *np_node_key_at(const np_node *map, size_t i);
const np_node *np_node_at(const np_node *n, size_t i);

/* ---- Typed view of network definitions ---------------------------------------------------- */

typedef enum np_def_type {
        NP_DEF_ETHERNET,
        NP_DEF_WIFI,
        NP_DEF_MODEM,
        NP_DEF_BOND,
        NP_DEF_BRIDGE,
        NP_DEF_VLAN,
        NP_DEF_TUNNEL,
        NP_DEF_VRF,
        NP_DEF_DUMMY,          /* dummy-devices (0.107+) */
        NP_DEF_VETH,           /* virtual-ethernets (0.107+) */
        NP_DEF_NM_DEVICE,
        NP_DEF_OVS_PORT,       /* openvswitch.ports entries */
        _NP_DEF_TYPE_MAX,
        _NP_DEF_TYPE_INVALID = -EINVAL,
} np_def_type;

/* The YAML section name: "ethernets", "bonds", ... */
const char *np_def_type_to_section(np_def_type t);
np_def_type np_def_type_from_section(const char *s);

typedef struct np_address {
        ip_addr addr;           /* with its prefix length */
        char *text;             /* as written, e.g. "192.0.2.77/24" */
        np_pos pos;
} np_address;

typedef struct np_route {
        int family;             /* AF_UNSPEC only if neither to nor via gave a family */
        bool to_default;        /* to: default / 0.0.0.0/0 / ::/0 */
        ip_addr to;             /* with its prefix length; unset for "default" */
        bool has_via;
        ip_addr via;
        bool on_link;
        uint32_t metric;        /* UINT32_MAX when unset */
        uint32_t table;         /* 0 when unset (main) */
        char *scope;            /* NULL when unset */
        char *type;             /* NULL when unset */
        np_pos pos;             /* the route's mapping */
} np_route;

/* A boolean that may be left unset (the backend's default applies then). */
typedef enum np_tristate {
        NP_TRISTATE_UNSET,
        NP_TRISTATE_FALSE,
        NP_TRISTATE_TRUE,
        _NP_TRISTATE_MAX,
        _NP_TRISTATE_INVALID = -EINVAL,
} np_tristate;

typedef struct np_netdef {
        char *id;
        np_def_type type;
        np_pos pos;             /* the id key in the first file that defined it */
        const np_node *node;    /* merged mapping of this definition */
        char *renderer;         /* resolved as netplan does: "networkd" or "NetworkManager" (or "sriov",
                                 * or "openvswitch" when netplan hands it to OVS) */
        bool renderer_explicit; /* set by the definition or its section, not inherited */

        bool has_match;
        np_pos match_pos;
        char *match_name;       /* glob, NULL if not given */
        bool match_name_implicit; /* match_name is the id: an earlier file defined the
                                   * device without match:, and netplan keeps that name */
        char *match_macaddress; /* lowercase aa:bb:.., NULL if not given */
        char **match_drivers;   /* NULL-terminated globs, NULL if not given */
        char *set_name;
        np_pos set_name_pos;

        bool dhcp4, dhcp6;
        np_pos dhcp4_pos, dhcp6_pos;           /* line 0 if not written */
        char *dhcp_identifier;                 /* "mac" / "duid", NULL if not given */
        np_pos dhcp_identifier_pos;
        char *macaddress;                      /* set MAC (macaddress:), NULL if not given */
        np_pos macaddress_pos;
        char *activation_mode;                 /* "manual" / "off", NULL if not given */
        np_pos activation_mode_pos;
        bool optional;
        bool critical;
        bool link_local_ipv4, link_local_ipv6; /* resolved default: ipv6 only */
        np_tristate accept_ra;                 /* accept-ra: as netplan reads it (any case of
                                                * true/on/yes/y, false/off/no/n); UNSET: the
                                                * kernel's/networkd's default */
        np_pos accept_ra_pos;                  /* line 0 if not written */

        np_address *addresses;                 /* merged, duplicates dropped, in order */
        size_t n_addresses;
        np_pos addresses_pos;
        np_route *routes;
        size_t n_routes;
        np_pos routes_pos;
        char *gateway4, *gateway6;             /* deprecated keys, NULL if not given */
        np_pos gateway4_pos, gateway6_pos;

        /* bonds, bridges, vrfs: their member ids (resolved references) */
        char **interfaces;                     /* NULL-terminated, NULL if none */
        np_pos interfaces_pos;
        /* parallel to interfaces: where each member is named, i.e. its entry in the merged
         * interfaces: list (netplan 0.106 has no member-side bond:/bridge: key), line 0
         * where there is none; NULL when interfaces is. np_netdef_member_pos() reads it. */
        np_pos *interfaces_pos_each;
        /* vlans, tunnels... : the parent link id */
        char *link;
        np_pos link_pos;
} np_netdef;

/* Where member i of d (d->interfaces[i]) is named: interfaces_pos_each[i], else (a view
 * not built by the loader) interfaces_pos, else the definition's pos. */
np_pos np_netdef_member_pos(const np_netdef *d, size_t i);

/* ---- The configuration ---------------------------------------------------------------- */

typedef struct np_config np_config;

/* The files one load read, kept so that a second load of the same tree (the
 * configuration on disk beside a candidate one) reads nothing twice. */
typedef struct np_file_cache np_file_cache;
np_file_cache *np_file_cache_new(void);
np_file_cache *np_file_cache_free(np_file_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_file_cache *, np_file_cache_free);

typedef struct np_load_options {
        const char *root_dir;           /* NULL or "" means "/" */
        /* Candidate files: each stands as etc/netplan/<basename>, replacing a file of that
         * name in lib/ and etc/; a file of that name in run/ still shadows it (with a
         * warning), as it will when the candidate is applied. */
        const char *const *candidates;
        size_t n_candidates;
        /* The netplan version to validate against, "0.106"; NULL: read from the system
         * (dpkg status under root_dir, else /usr/share/doc/netplan.io), default "0.106". */
        const char *netplan_version;
        /* NULL, or files already read by an earlier load (and filled by this one). */
        np_file_cache *cache;
} np_load_options;

/* Loads and validates. Returns:
 *   0        valid (diags may hold warnings);
 *  -EINVAL   netplan would reject it (diags hold at least one error);
 *  -ENOENT/-EACCES/-ELOOP/-EFBIG/... could not judge (an NP_DIAG_IO diag names the file);
 *  -ENOMEM.
 * *ret is set only on 0. diags is always filled as far as loading went. */
int np_config_load(const np_load_options *opts, np_config **ret, np_diag_list *diags);

np_config *np_config_free(np_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(np_config *, np_config_free);

/* Files that were read, in parse order (absolute paths as given to the loader). */
size_t np_config_n_files(const np_config *c);
const char *np_config_file_at(const np_config *c, size_t i);

/* The merged "network" mapping (NULL when nothing was defined). */
const np_node *np_config_root(const np_config *c);
/* Global renderer as resolved ("networkd" when never set). */
const char *np_config_renderer(const np_config *c);

size_t np_config_n_netdefs(const np_config *c);
const np_netdef *np_config_netdef_at(const np_config *c, size_t i);
const np_netdef *np_config_netdef_by_id(const np_config *c, const char *id);

/* The merged model as `netplan get --root-dir DIR all` prints it on 0.106 (YAML text).
 * Returns a malloc'd string, "" when nothing is defined, NULL on OOM. */
char *np_config_dump(const np_config *c);

/* ---- Diff ------------------------------------------------------------------------------ */

typedef enum np_change_kind {
        NP_CHANGE_ADDED,
        NP_CHANGE_REMOVED,
        NP_CHANGE_MODIFIED,
        _NP_CHANGE_KIND_MAX,
        _NP_CHANGE_KIND_INVALID = -EINVAL,
} np_change_kind;

typedef struct np_change {
        np_change_kind kind;
        char *id;               /* netdef id */
        np_def_type type;
        char *path;             /* dotted key path inside the definition ("dhcp4",
                                 * "addresses", "routes"); NULL for a whole definition */
        np_pos old_pos, new_pos;
} np_change;

typedef struct np_diff {
        np_change *changes;
        size_t n;
} np_diff;

/* Which definitions changed between two configurations, and which keys within them. */
int np_config_diff(const np_config *old_cfg, const np_config *new_cfg, np_diff *ret);
void np_diff_clear(np_diff *d);

/* ---- Matching (pure: the caller supplies the link) ---------------------------------------- */

typedef struct np_link_info {
        const char *name;
        const uint8_t *mac;             /* current MAC, 6 bytes, or NULL */
        const uint8_t *perm_mac;        /* IFLA_PERM_ADDRESS, NULL if the kernel gave none */
        const char *driver;             /* NULL if unknown */
} np_link_info;

/* Does this definition apply to the link, as networkd applies netplan's output?
 * match.name globs, match.macaddress against the permanent MAC only (networkd's
 * PermanentMACAddress=; no permanent MAC, no match), match.driver globs; without match,
 * by id. */
bool np_netdef_matches(const np_netdef *d, const np_link_info *link);
