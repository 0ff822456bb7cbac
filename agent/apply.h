/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The apply backends of agent.yaml's `apply:`, on the daemon's sd-event loop, never
 * blocking it:
 *   netplan   `netplan apply` (needs systemd as PID 1)
 *   networkd  `netplan generate` (netplan's generator, /usr/lib/netplan/generate, directly
 *             when it is there: the Python wrapper only execs it), then over
 *             the system bus org.freedesktop.network1 Reload and ReconfigureLink for the
 *             affected links only (by ifindex; the caller computes them)
 *   [argv]    that command line
 * Each child runs with stdin on /dev/null and its stdout and stderr captured (the first
 * APPLY_OUTPUT_MAX bytes kept, the rest counted), bounded by a timeout after which it is
 * killed (SIGKILL: a hung apply must not hold the rollback). The bus calls have the same
 * deadline. Completion is a callback, once. */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "agent/agent-config.h"
#include "common/macro.h"

/* Enough for netplan's or networkctl's error messages; a chatty command cannot make the
 * agent allocate more. */
#define APPLY_OUTPUT_MAX (16u * 1024u)
/* netplan apply on a busy guest takes seconds; a minute is a hang. */
#define APPLY_TIMEOUT_DEFAULT_USEC (60ULL * 1000000ULL)
/* At most this many links are reconfigured one by one. */
#define APPLY_MAX_LINKS 256u

typedef struct apply apply;

/* r: 0 done, -ETIME timed out (killed), -ECHILD exited non-zero or by a signal, -ENOENT
 * the program is missing, or a bus error. detail: one line for people (the exit status
 * and the start of the output), never NULL. */
typedef void (*apply_done_fn)(apply *a, int r, const char *detail, void *userdata);

typedef struct apply_request {
        agent_apply_mode mode;
        char *const *argv;              /* AGENT_APPLY_COMMAND: NULL-terminated */
        const char *root;               /* NULL or "/": the machine's */
        const int *ifindexes;           /* networkd: the links to reconfigure */
        size_t n_ifindexes;
        uint64_t timeout_usec;          /* 0: APPLY_TIMEOUT_DEFAULT_USEC, for the whole apply */
        /* networkd: the bus to call (tests); NULL: the system bus. */
        const char *bus_address;
} apply_request;

int apply_start(sd_event *event, const apply_request *req, apply_done_fn done, void *userdata, apply **ret);
/* Kills a running child (SIGKILL, reaped) and drops bus calls; the callback is not called. */
apply *apply_free(apply *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(apply *, apply_free);

/* A link renamed for `set-name:` (networkd backend). */
typedef struct apply_rename {
        int ifindex;
        char from[16], to[16];
} apply_rename;
#define APPLY_MAX_RENAMES 32u

/* The renames the networkd backend did before its Reload: netplan writes set-name into
 * .link files that only udev reads when a link appears, so, as `netplan apply` does, a
 * link matched by a generated .link file (OriginalName= glob, PermanentMACAddress=
 * against the permanent MAC, else the current one) is set down, renamed to its Name= and
 * set up. */
const apply_rename *apply_renames(const apply *a, size_t *ret_n);

/* Parses the journal's "links-renamed" detail, "FROM>TO FROM>TO ..." (as the engine writes
 * it), into ret (ifindex 0: the caller looks TO up). -EINVAL a malformed pair or a name
 * that is not a link name (empty, longer than 15, '/', ':' or space); -E2BIG more than max. */
int apply_renames_parse(const char *list, apply_rename *ret, size_t max, size_t *ret_n);

/* Sets link ifindex down, renames it and sets it up (the rollback of a rename). 0 or a
 * negative errno (-ENODEV when it is gone). */
int apply_rename_link(int ifindex, const char *name);

/* The captured output so far (NUL-terminated) and how many bytes were past the cap. */
const char *apply_output(const apply *a, size_t *ret_dropped);
