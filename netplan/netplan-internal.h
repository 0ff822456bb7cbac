/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internals shared by the modules of libnetguard-netplan: the limits on hostile input.
 * Each module's own internal header (node.h, yaml.h, parse-state.h, ...) says the rest. */

#include "netplan/netplan.h"

/* netplan configs are a few KiB; 1 MiB leaves room for generated configs with thousands
 * of definitions while keeping a hostile file from pinning memory. */
#define NP_MAX_FILE_SIZE (1024U * 1024U)
/* netplan's deepest legal nesting is about 8 levels (network.wifis.X.access-points.Y.
 * auth.key-management); 64 keeps pathological "[[[[..." input from costing stack. */
#define NP_MAX_DEPTH 64U
/* Beyond NP_MAX_DEPTH levels are parsed but dropped (netplan reports some grammar error
 * above them); beyond this the parse stops: libyaml's cost per token grows with depth. */
#define NP_MAX_PARSE_DEPTH 256U
/* Bounds the tree built from one file, including alias expansion ("billion laughs"). */
#define NP_MAX_NODES 200000U
/* Files read from {lib,etc,run}/netplan together; netplan has no limit, but a directory
 * with more files than this is not a configuration anyone wrote by hand. */
#define NP_MAX_FILES 1024U
