/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/bus-client.h"
#include "agent/bus.h"
#include "agent/txn-client.h"
#include "common/file-read.h"
#include "common/log.h"
#include "common/parse-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* A candidate file as `netguard check` bounds it. */
#define TXN_CLIENT_FILE_MAX (1024u * 1024u)
#define TXN_CLIENT_MAX_FILES 256u
/* Status is asked this often while following a transaction. */
#define TXN_CLIENT_POLL_USEC (200u * 1000u)

/* The exit code a failed call means: the agent said no (1), or could not be asked (3). */
static int call_failed(bus_client *c, const char *what, int r) {
        const sd_bus_error *e = &c->error;

        if (B.has_name(e, AGENT_BUS_ERROR_NO_TRANSACTION) || B.has_name(e, AGENT_BUS_ERROR_BUSY) ||
            B.has_name(e, AGENT_BUS_ERROR_NO_EDITS)) {
                log_error("%s: %s", what, e->message ? e->message : e->name);
                return TXN_EXIT_NO;
        }
        if (B.has_name(e, AGENT_BUS_ERROR_INVALID_CANDIDATE)) {
                log_error("%s: %s", what, e->message ? e->message : e->name);
                return TXN_EXIT_INVALID;
        }
        log_error("%s: cannot reach netguard-agent (%s): %s", what, AGENT_BUS_NAME,
                  e->message ? e->message : strerror(-r));
        return TXN_EXIT_COULD_NOT;
}

/* What Status says of the transaction. */
typedef struct txn_view {
        uint64_t id;
        char state[32];
        uint64_t deadline_usec;         /* CLOCK_REALTIME */
        char reason[512];
        char confirm[16];
        char rejected[512];
} txn_view;

static int read_status_entry(sd_bus_message *m, const char *key, const char *contents, void *userdata) {
        txn_view *v = userdata;
        const char *s;
        int r;

        if (strcmp(contents, "t") == 0 && strcmp(key, "Transaction") == 0)
                return B.read(m, "t", &v->id);
        if (strcmp(contents, "t") == 0 && strcmp(key, "TransactionDeadlineUsec") == 0)
                return B.read(m, "t", &v->deadline_usec);
        if (strcmp(contents, "s") != 0 || strncmp(key, "Transaction", 11) != 0)
                return 0;
        r = B.read(m, "s", &s);
        if (r < 0)
                return r;
        if (strcmp(key, "TransactionState") == 0)
                snprintf(v->state, sizeof(v->state), "%s", s);
        else if (strcmp(key, "TransactionReason") == 0)
                snprintf(v->reason, sizeof(v->reason), "%s", s);
        else if (strcmp(key, "TransactionConfirm") == 0)
                snprintf(v->confirm, sizeof(v->confirm), "%s", s);
        else if (strcmp(key, "TransactionRejected") == 0)
                snprintf(v->rejected, sizeof(v->rejected), "%s", s);
        return 1;
}

static int get_view(bus_client *c, txn_view *v) {
        int r;

        bus_client_reset_call(c);
        *v = (txn_view) {};
        r = B.call_method(c->bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Status", &c->error,
                          &c->reply, "");
        if (r < 0)
                return r;
        return bus_client_read_dict(c->reply, read_status_entry, v);
}

static bool state_is_final(const char *s) {
        return strcmp(s, "confirmed") == 0 || strcmp(s, "rolled-back") == 0 || strcmp(s, "failed") == 0;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Asks Status until transaction id reaches a state done() accepts or the wait ends. The
 * last view is in *v. 0, or negative errno of the bus, or -ETIMEDOUT. */
static int follow(bus_client *c, uint64_t id, bool (*done)(const char *state), txn_view *v) {
        uint64_t end = now_usec(CLOCK_MONOTONIC) + TXN_CLIENT_WAIT_USEC;
        int r;

        for (;;) {
                r = get_view(c, v);
                if (r < 0)
                        return r;
                if (v->id != id && id != 0)
                        return -ESRCH;
                if (done(v->state))
                        return 0;
                if (now_usec(CLOCK_MONOTONIC) >= end)
                        return -ETIMEDOUT;
                (void) nanosleep(&(struct timespec) { .tv_nsec = TXN_CLIENT_POLL_USEC * 1000 }, NULL);
        }
}

static bool resting_after_try(const char *s) {
        return state_is_final(s) || strcmp(s, "awaiting-confirm") == 0;
}

static void format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000u);
        struct tm tm;

        if (usec == 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "-");
}

static json_object *view_json(const txn_view *v) {
        json_object *o = json_object_new_object();
        char when[64];

        if (!o)
                return NULL;
        format_time(v->deadline_usec, when, sizeof(when));
        json_object_object_add(o, "id", json_object_new_uint64(v->id));
        json_object_object_add(o, "state", json_object_new_string(v->state));
        json_object_object_add(o, "deadline_usec", json_object_new_uint64(v->deadline_usec));
        json_object_object_add(o, "deadline", v->deadline_usec ? json_object_new_string(when) : NULL);
        json_object_object_add(o, "reason", v->reason[0] ? json_object_new_string(v->reason) : NULL);
        json_object_object_add(o, "confirm", json_object_new_string(v->confirm));
        json_object_object_add(o, "rejected", v->rejected[0] ? json_object_new_string(v->rejected) : NULL);
        return o;
}

static void print_json(json_object *o) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int print_view(const txn_view *v, bool json, int status) {
        if (json) {
                _cleanup_(json_object_putp) json_object *o = view_json(v);
                if (!o)
                        return log_error("out of memory"), TXN_EXIT_COULD_NOT;
                json_object_object_add(o, "exit", json_object_new_int(status));
                print_json(o);
                return status;
        }
        printf("transaction %" PRIu64 ": %s\n", v->id, v->state);
        if (v->reason[0])
                printf("reason: %s\n", v->reason);
        if (v->rejected[0])
                printf("rejected candidate kept in %s\n", v->rejected);
        return status;
}

int txn_client_parse_id(const char *s, uint64_t *ret) {
        return parse_u64(s, ret);
}

static int append_file(bus_client *c, sd_bus_message *m, const char *path) {
        _cleanup_free_ char *data = NULL, *copy = NULL;
        size_t size = 0;
        int r;

        r = read_file_bounded(path, TXN_CLIENT_FILE_MAX, READ_FILE_FOLLOW, &data, &size, NULL);
        if (r < 0) {
                log_error_errno(r, "%s: cannot read the candidate: %m", path);
                return r;
        }
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        r = B.open_container(m, 'r', "say");
        if (r >= 0)
                r = B.append(m, "s", basename(copy));
        if (r >= 0)
                r = B.append_array(m, 'y', data, size);
        if (r >= 0)
                r = B.close_container(m);
        (void) c;
        return r;
}

int txn_client_try(char *const *files, size_t n_files, uint32_t timeout_sec, bool force, bool json,
                   int check_status) {
        static const char *const check_names[] = { "safe", "refused", "invalid", "error" };
        _cleanup_(bus_client_done) bus_client c = {};
        sd_bus_message *m = NULL;
        uint64_t id = 0;
        txn_view v;
        int r, status;

        if (n_files > TXN_CLIENT_MAX_FILES)
                return log_error("at most %u files", TXN_CLIENT_MAX_FILES), TXN_EXIT_INVALID;
        if (bus_client_open(&c) < 0)
                return TXN_EXIT_COULD_NOT;
        r = B.new_method_call(c.bus, &m, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Try");
        if (r < 0)
                return log_error_errno(r, "cannot build the Try call: %m"), TXN_EXIT_COULD_NOT;
        r = B.open_container(m, 'a', "(say)");
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = append_file(&c, m, files[i]);
        if (r >= 0)
                r = B.close_container(m);
        if (r >= 0)
                r = B.append(m, "ub", timeout_sec, (int) force);
        if (r < 0) {
                B.message_unref(m);
                return r == -ENOMEM ? (log_error("out of memory"), TXN_EXIT_COULD_NOT) : TXN_EXIT_COULD_NOT;
        }
        r = B.call(c.bus, m, 0, &c.error, &c.reply);
        B.message_unref(m);
        if (r < 0)
                return call_failed(&c, "try", r);
        r = B.read(c.reply, "t", &id);
        if (r < 0)
                return log_error_errno(r, "cannot parse the agent's answer: %m"), TXN_EXIT_COULD_NOT;
        if (!json)
                fprintf(stderr, "netguard: transaction %" PRIu64 " started; the agent applies it\n", id);

        r = follow(&c, id, resting_after_try, &v);
        if (r == -ETIMEDOUT || r == -ESRCH) {
                log_error("transaction %" PRIu64 " is %s; `netguard status` follows it", id,
                          r == -ESRCH ? "no longer the agent's current one" : "still not applied");
                return TXN_EXIT_COULD_NOT;
        }
        if (r < 0)
                return call_failed(&c, "status", r);
        status = strcmp(v.state, "awaiting-confirm") == 0 || strcmp(v.state, "confirmed") == 0 ? TXN_EXIT_OK
                                                                                             : TXN_EXIT_NO;
        if (json) {
                _cleanup_(json_object_putp) json_object *o = view_json(&v);
                if (!o)
                        return log_error("out of memory"), TXN_EXIT_COULD_NOT;
                json_object_object_add(o, "check", json_object_new_string(
                        check_status >= 0 && check_status <= 3 ? check_names[check_status] : "error"));
                json_object_object_add(o, "forced", json_object_new_boolean(force));
                json_object_object_add(o, "exit", json_object_new_int(status));
                print_json(o);
                return status;
        }
        if (strcmp(v.state, "awaiting-confirm") == 0) {
                char when[64];
                uint64_t now = now_usec(CLOCK_REALTIME);

                format_time(v.deadline_usec, when, sizeof(when));
                printf("transaction %" PRIu64 ": applied, awaiting confirmation (%s)\n", id, v.confirm);
                printf("deadline: %s (in %" PRIu64 " s)\n", when,
                       v.deadline_usec > now ? (v.deadline_usec - now) / 1000000u : 0);
                if (strcmp(v.confirm, "manual") == 0)
                        printf("keep it: netguard confirm %" PRIu64 "    undo now: netguard rollback %" PRIu64 "\n",
                               id, id);
                else
                        printf("it is kept when %s; netguard confirm %" PRIu64 " keeps it now, netguard rollback %" PRIu64
                               " undoes it\n",
                               strcmp(v.confirm, "host") == 0 ? "the host reaches the guest at its new address"
                                                              : "the host stays reachable on the management link",
                               id, id);
                return status;
        }
        return print_view(&v, false, status);
}

int txn_client_confirm(uint64_t id, bool json) {
        _cleanup_(bus_client_done) bus_client c = {};
        const char *state = NULL;
        uint64_t got = 0;
        txn_view v;
        int r, status;

        if (bus_client_open(&c) < 0)
                return TXN_EXIT_COULD_NOT;
        r = B.call_method(c.bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Confirm", &c.error,
                          &c.reply, "t", id);
        if (r < 0)
                return call_failed(&c, "confirm", r);
        r = B.read(c.reply, "ts", &got, &state);
        if (r < 0)
                return log_error_errno(r, "cannot parse the agent's answer: %m"), TXN_EXIT_COULD_NOT;
        status = strcmp(state, "confirmed") == 0 ? TXN_EXIT_OK : TXN_EXIT_NO;
        r = get_view(&c, &v);
        if (r < 0 || v.id != got) {
                v = (txn_view) { .id = got };
                snprintf(v.state, sizeof(v.state), "%s", state);
        }
        return print_view(&v, json, status);
}

static bool final_state(const char *s) {
        return state_is_final(s);
}

int txn_client_rollback(uint64_t id, bool force, bool json) {
        _cleanup_(bus_client_done) bus_client c = {};
        const char *state = NULL;
        uint64_t got = 0;
        txn_view v;
        int r;

        if (bus_client_open(&c) < 0)
                return TXN_EXIT_COULD_NOT;
        r = B.call_method(c.bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Rollback", &c.error,
                          &c.reply, "tb", id, (int) force);
        if (r < 0)
                return call_failed(&c, "rollback", r);
        r = B.read(c.reply, "ts", &got, &state);
        if (r < 0)
                return log_error_errno(r, "cannot parse the agent's answer: %m"), TXN_EXIT_COULD_NOT;
        if (!json)
                fprintf(stderr, "netguard: transaction %" PRIu64 " rolling back\n", got);
        r = follow(&c, got, final_state, &v);
        if (r == -ETIMEDOUT || r == -ESRCH) {
                log_error("transaction %" PRIu64 " has not ended yet; `netguard status` follows it", got);
                return TXN_EXIT_COULD_NOT;
        }
        if (r < 0)
                return call_failed(&c, "status", r);
        return print_view(&v, json, strcmp(v.state, "rolled-back") == 0 ? TXN_EXIT_OK : TXN_EXIT_NO);
}

int txn_client_history(bool json) {
        _cleanup_(bus_client_done) bus_client c = {};
        _cleanup_(json_object_putp) json_object *a = NULL;
        int r;

        if (bus_client_open(&c) < 0)
                return TXN_EXIT_COULD_NOT;
        r = B.call_method(c.bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "History", &c.error,
                          &c.reply, "");
        if (r < 0)
                return call_failed(&c, "history", r);
        a = json_object_new_array();
        if (!a)
                return log_error("out of memory"), TXN_EXIT_COULD_NOT;
        r = B.enter_container(c.reply, 'a', "(tsstss)");
        if (!json && r >= 0)
                printf("%-6s %-12s %-20s %-40s %s\n", "ID", "STATE", "STARTED", "ORIGIN", "REASON");
        while (r >= 0) {
                const char *state, *origin, *reason, *journal;
                uint64_t id, start;
                char when[64];

                r = B.read(c.reply, "(tsstss)", &id, &state, &origin, &start, &reason, &journal);
                if (r <= 0)
                        break;
                format_time(start, when, sizeof(when));
                if (json) {
                        json_object *o = json_object_new_object();
                        if (!o)
                                return log_error("out of memory"), TXN_EXIT_COULD_NOT;
                        json_object_object_add(o, "id", json_object_new_uint64(id));
                        json_object_object_add(o, "state", json_object_new_string(state));
                        json_object_object_add(o, "origin", json_object_new_string(origin));
                        json_object_object_add(o, "start_usec", json_object_new_uint64(start));
                        json_object_object_add(o, "started", start ? json_object_new_string(when) : NULL);
                        json_object_object_add(o, "reason", reason[0] ? json_object_new_string(reason) : NULL);
                        json_object_object_add(o, "journal", json_object_new_string(journal));
                        json_object_array_add(a, o);
                } else
                        printf("%-6" PRIu64 " %-12s %-20s %-40s %s\n", id, state, when, origin, reason);
        }
        if (r < 0)
                return log_error_errno(r, "cannot parse the agent's answer: %m"), TXN_EXIT_COULD_NOT;
        if (json)
                print_json(a);
        return TXN_EXIT_OK;
}
