/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/netguard/hostwatch.yaml: the daemon's defaults and machines (architecture.md,
 * "Host side"). A grammar table over libyaml; every error is "FILE:LINE:COLUMN: what, and
 * what to do". Only the daemon links libyaml, never the library. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"

/* 10,000 machines at ~300 bytes each fit three times over. */
#define HW_CONFIG_MAX_SIZE (16u * 1024 * 1024)
/* One process, one loop: past this a host wants a second daemon, not a bigger one. */
#define HW_CONFIG_MAX_MACHINES 65536
#define HW_CONFIG_MAX_NETWORKS 16
#define HW_CONFIG_MAX_LEASES 8
#define HW_CONFIG_DEFAULT_PATH "/etc/netguard/hostwatch.yaml"

typedef struct HwSsh {
        char *user;             /* NULL: inherit (defaults: "root") */
        char *identity;         /* NULL: inherit (defaults: none, key check only) */
        uint16_t port;          /* 0: inherit (defaults: 22) */
} HwSsh;

struct HwMachineDef {
        char *name;
        char *channel;
        char *macaddress;
        char **networks;
        char *host_key;         /* "ssh-ed25519 AAAA..." */
        char *known_hosts;
        bool tofu;              /* host-key: tofu: learn the first key, then pin it */
        char **leases;
        HwSsh ssh;              /* merged with defaults.ssh after parsing */
        bool probe_networks;
        unsigned line, column;  /* of the machine's mapping, for messages */
};
typedef struct HwMachineDef HwMachineDef;

typedef struct HwConfig {
        char *path;
        HwSsh ssh;
        uint64_t backoff_initial_usec, backoff_max_usec, min_connect_timeout_usec;
        double backoff_multiplier;      /* 0: the library's default */
        double backoff_jitter;          /* negative: the library's default; 0: none */
        uint32_t max_in_flight;
        uint32_t heartbeat_sec;         /* asked of the guests in HOST_HELLO; 0: auto */
        char *metrics_file;
        char *metrics_socket;           /* a unix socket that answers each connection with the metrics */
        uint32_t metrics_interval_sec;
        HwMachineDef *machines;
        size_t n_machines;
} HwConfig;

HwConfig *hw_config_free(HwConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HwConfig *, hw_config_free);

/* name is used in messages. -EINVAL with *ret_error "NAME:LINE:COL: ..." for a bad config,
 * -EFBIG past HW_CONFIG_MAX_SIZE, -ENOMEM. */
int hw_config_parse(const char *name, const char *data, size_t size, HwConfig **ret, char **ret_error);
/* As above from a file; a missing file is -ENOENT (no error text). */
int hw_config_load(const char *path, HwConfig **ret, char **ret_error);

const HwMachineDef *hw_config_find(const HwConfig *c, const char *name);
/* A deep copy (to must be empty); done frees the fields of one that is not in a config. */
int hw_machine_def_copy(const HwMachineDef *from, HwMachineDef *to);
void hw_machine_def_done(HwMachineDef *m);
/* Would the library see the same machine (every field, defaults merged)? */
bool hw_machine_def_equal(const HwMachineDef *a, const HwMachineDef *b);
