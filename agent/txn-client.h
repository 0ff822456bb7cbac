/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The CLI's side of transactions: `netguard try` (after check), `confirm`, `rollback`,
 * `history`, each a call to netguard-agent over D-Bus (io.netguard.Agent1), so that the
 * daemon, not the shell, owns the transaction. libsystemd is loaded only here (as
 * status.c does), so `netguard check` starts fast. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of try/confirm/rollback/history (those of check where they overlap). */
enum {
        TXN_EXIT_OK = 0,
        TXN_EXIT_NO = 1,                /* refused, or ended rolled back / failed, or no such transaction */
        TXN_EXIT_INVALID = 2,           /* invalid input (usage, candidate netplan rejects) */
        TXN_EXIT_COULD_NOT = 3,         /* no daemon, bus error, unreadable file */
};

/* How long the CLI follows a transaction to its next resting state (awaiting-confirm
 * after try, final after rollback): the engine's apply, disk and verify deadlines. */
#define TXN_CLIENT_WAIT_USEC (150ULL * 1000000ULL)

/* `netguard try`, after check passed (or --force): sends the files' contents (each as its
 * basename; none: the user's edits in /etc/netplan), then follows the transaction until it
 * awaits confirmation (or ended). check_status: check's verdict, for --json. */
int txn_client_try(char *const *files, size_t n_files, uint32_t timeout_sec, bool force, bool json,
                   int check_status);
int txn_client_confirm(uint64_t id, bool json);
int txn_client_rollback(uint64_t id, bool force, bool json);
int txn_client_history(bool json);

/* "12" → 12; "" or garbage → -EINVAL. */
int txn_client_parse_id(const char *s, uint64_t *ret);
