/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/netguard/agent.yaml: every key optional, unknown keys are errors with
 * file:line:column.
 *
 *   management: { macaddress: "52:54:00:12:34:56", host: 192.0.2.1 }   # or name:
 *   port: /dev/virtio-ports/io.netguard.agent.0
 *   apply: netplan          # netplan | networkd | [argv...]
 *   try: { timeout: 120, grace: 10, confirm: host }   # host | local | manual
 *   heartbeat: 30           # seconds between HEARTBEATs while a host is connected
 *   guard: { restore-after: 300 }   # opt-in: HOST_LOST this long outside a try
 *                           # restores the known-good configuration
 *   reopen: 60              # longest wait, in seconds, before opening the port again
 *                           # while it is missing or no host is connected
 *
 * The host's hint (the management link and host address the host last told the agent,
 * written by the daemon to /run/netguard/host-hint.yaml) uses the same grammar, of which
 * only `management:` is meaningful. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/ip-addr.h"
#include "common/macro.h"

#define AGENT_CONFIG_PATH "/etc/netguard/agent.yaml"
#define AGENT_HOST_HINT_PATH "/run/netguard/host-hint.yaml"

/* A config of a few lines; anything bigger is not an agent config. */
#define AGENT_CONFIG_MAX_SIZE (64U * 1024U)
/* One HEARTBEAT per 30 s: a dead agent shows within a minute, and an idle agent wakes
 * about once per heartbeat. */
#define AGENT_HEARTBEAT_DEFAULT 30U
/* With no host the agent opens the port again after a backoff that ends here: at most one
 * wakeup a minute (a hung-up port on QEMU also wakes it at once when the host comes, a
 * lab pty does not). */
#define AGENT_REOPEN_DEFAULT 60U

/* argv of `apply:`; a command line, not a script. */
#define AGENT_CONFIG_MAX_ARGV 64U

typedef enum agent_apply_mode {
        AGENT_APPLY_NETPLAN,
        AGENT_APPLY_NETWORKD,
        AGENT_APPLY_COMMAND,
        _AGENT_APPLY_MODE_MAX,
        _AGENT_APPLY_MODE_INVALID = -EINVAL,
} agent_apply_mode;

typedef enum agent_confirm_mode {
        AGENT_CONFIRM_HOST,
        AGENT_CONFIRM_LOCAL,
        AGENT_CONFIRM_MANUAL,
        _AGENT_CONFIRM_MODE_MAX,
        _AGENT_CONFIRM_MODE_INVALID = -EINVAL,
} agent_confirm_mode;

typedef struct agent_config_pos {
        unsigned line, column; /* 1-based; 0 when the key is absent */
} agent_config_pos;

typedef struct agent_config {
        char *path;

        bool has_mgmt_mac;
        uint8_t mgmt_mac[6];
        char *mgmt_mac_text;
        agent_config_pos mgmt_mac_pos;
        char *mgmt_name;
        agent_config_pos mgmt_name_pos;
        ip_addr mgmt_host;              /* AF_UNSPEC when not given */
        char *mgmt_host_text;
        agent_config_pos mgmt_host_pos;

        char *port;
        agent_apply_mode apply;
        char **apply_argv;              /* AGENT_APPLY_COMMAND: NULL-terminated */
        uint32_t try_timeout;           /* seconds */
        uint32_t try_grace;
        agent_confirm_mode try_confirm;
        uint32_t heartbeat;             /* seconds */
        uint32_t reopen;                /* seconds */
        uint32_t guard_restore_after;   /* guard.restore-after, seconds; 0: guard mode off */
} agent_config;

/* A config with every default. */
agent_config *agent_config_new(void);
agent_config *agent_config_free(agent_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(agent_config *, agent_config_free);

/* Parses a document from memory; name is used in messages. On -EINVAL, *ret_error (if not
 * NULL) gets "NAME:LINE:COLUMN: message". Returns 0, -EINVAL, -EFBIG or -ENOMEM. */
int agent_config_parse(const char *name, const char *data, size_t size, agent_config **ret, char **ret_error);

/* Reads and parses a file. -ENOENT when it does not exist (the caller decides whether
 * that means "all defaults"); other negative errno when unreadable; -EINVAL as above. */
int agent_config_load(const char *path, agent_config **ret, char **ret_error);

const char *agent_apply_mode_to_string(agent_apply_mode m);
const char *agent_confirm_mode_to_string(agent_confirm_mode m);
