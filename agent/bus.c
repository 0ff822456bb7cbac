/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bus.h"
#include "agent/engine.h"
#include "agent/txn-disk.h"
#include "common/log.h"

struct agent_bus {
        agent_status_get_fn get_status;
        void *userdata;
        sd_bus *bus;
        sd_bus_slot *slot;
        engine *engine;
};

static int get_connected(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        agent_bus *b = userdata;
        agent_status s;

        b->get_status(b->userdata, &s);
        return sd_bus_message_append(reply, "b", s.state == CHANNEL_CONNECTED);
}

static int get_last_report(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        agent_bus *b = userdata;
        agent_status s;

        b->get_status(b->userdata, &s);
        return sd_bus_message_append(reply, "u", s.last_report);
}

static int get_management_link(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        agent_bus *b = userdata;
        agent_status s;

        b->get_status(b->userdata, &s);
        return sd_bus_message_append(reply, "s", s.management_link);
}

static int get_host_hint(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        agent_bus *b = userdata;
        agent_status s;

        b->get_status(b->userdata, &s);
        return sd_bus_message_append(reply, "s", s.host_hint);
}

static int append_entry(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', type);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = sd_bus_message_appendv(m, type, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int method_status(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        agent_bus *b = userdata;
        agent_status s;
        const channel_stats *c;
        int r;

        b->get_status(b->userdata, &s);
        c = s.channel;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        if ((r = append_entry(reply, "Connected", "b", s.state == CHANNEL_CONNECTED)) < 0 ||
            (r = append_entry(reply, "State", "s", channel_state_to_string(s.state))) < 0 ||
            (r = append_entry(reply, "Port", "s", s.port)) < 0 ||
            (r = append_entry(reply, "LastReportSeq", "u", s.last_report)) < 0 ||
            (r = append_entry(reply, "ManagementLink", "s", s.management_link)) < 0 ||
            (r = append_entry(reply, "HostHint", "s", s.host_hint)) < 0 ||
            (r = append_entry(reply, "Wakeups", "t", s.wakeups)) < 0 ||
            (r = append_entry(reply, "NetlinkWakeups", "t", s.netlink_wakeups)) < 0 ||
            (r = append_entry(reply, "LoopIterations", "t", s.loop_iterations)) < 0 ||
            (r = append_entry(reply, "NetlinkBatches", "t", s.netlink_batches)) < 0 ||
            (r = append_entry(reply, "ReportLatencyP50Usec", "u", s.latency_p50_usec)) < 0 ||
            (r = append_entry(reply, "ReportLatencyP99Usec", "u", s.latency_p99_usec)) < 0 ||
            (r = append_entry(reply, "ReportLatencySamples", "t", (uint64_t) s.latency_samples)) < 0 ||
            (r = append_entry(reply, "SnapshotsBuilt", "t", s.snapshots_built)) < 0 ||
            (r = append_entry(reply, "SnapshotsUnchanged", "t", s.snapshots_unchanged)) < 0 ||
            (r = append_entry(reply, "SnapshotsWritten", "t", c->snapshots_written)) < 0 ||
            (r = append_entry(reply, "SnapshotsReplaced", "t", c->snapshots_replaced)) < 0 ||
            (r = append_entry(reply, "BytesWritten", "t", c->bytes_written)) < 0 ||
            (r = append_entry(reply, "BytesRead", "t", c->bytes_read)) < 0 ||
            (r = append_entry(reply, "BytesSkipped", "t", c->bytes_skipped)) < 0 ||
            (r = append_entry(reply, "BadMessages", "t", c->bad_messages)) < 0 ||
            (r = append_entry(reply, "Opens", "t", c->opens)) < 0 ||
            (r = append_entry(reply, "Hangups", "t", c->hangups)) < 0 ||
            (r = append_entry(reply, "HostHellos", "t", c->host_hellos)) < 0)
                return r;
        if (b->engine) {
                engine_info t;

                engine_get_info(b->engine, &t);
                if ((r = append_entry(reply, "Transaction", "t", t.id)) < 0 ||
                    (r = append_entry(reply, "TransactionState", "s", t.active ? txn_state_to_string(t.state) : "")) < 0 ||
                    (r = append_entry(reply, "TransactionDeadlineUsec", "t", t.deadline_realtime_usec)) < 0 ||
                    (r = append_entry(reply, "TransactionReason", "s", t.reason)) < 0 ||
                    (r = append_entry(reply, "TransactionConfirm", "s", t.confirm)) < 0 ||
                    (r = append_entry(reply, "TransactionRejected", "s", t.rejected_path)) < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* An engine error as a D-Bus error with a name the CLI tells apart. */
static int engine_error(sd_bus_error *error, int r, const char *text) {
        const char *name;

        switch (r) {
        case -EBUSY:
                name = AGENT_BUS_ERROR_BUSY;
                break;
        case -ESRCH:
                name = AGENT_BUS_ERROR_NO_TRANSACTION;
                break;
        case -EINVAL:
        case -EFBIG:
        case -E2BIG:
                name = AGENT_BUS_ERROR_INVALID_CANDIDATE;
                break;
        case -ENODATA:
                name = AGENT_BUS_ERROR_NO_EDITS;
                break;
        default:
                name = AGENT_BUS_ERROR_FAILED;
                break;
        }
        return sd_bus_error_setf(error, name, "%s", text ? text : strerror(-r));
}

static int method_try(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ engine_file *files = NULL;
        _cleanup_free_ char *text = NULL, *origin = NULL;
        agent_bus *b = userdata;
        size_t n = 0;
        uint32_t timeout;
        uint64_t id;
        int force, r;
        uid_t uid = (uid_t) -1;
        sd_bus_creds *creds = NULL;

        if (!b->engine)
                return sd_bus_error_set(error, AGENT_BUS_ERROR_FAILED, "transactions are not available");
        r = sd_bus_message_enter_container(msg, 'a', "(say)");
        if (r < 0)
                return r;
        for (;;) {
                const char *name;
                const void *data;
                size_t size;

                r = sd_bus_message_enter_container(msg, 'r', "say");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (n >= ENGINE_MAX_FILES)
                        return sd_bus_error_setf(error, AGENT_BUS_ERROR_INVALID_CANDIDATE,
                                                 "more than %u files", ENGINE_MAX_FILES);
                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_array(msg, 'y', &data, &size);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
                engine_file *f = realloc(files, (n + 1) * sizeof(*files));
                if (!f)
                        return -ENOMEM;
                files = f;
                files[n++] = (engine_file) { .name = name, .data = data, .size = size };
        }
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "ub", &timeout, &force);
        if (r < 0)
                return r;
        /* Who asked, for the journal. */
        if (sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds) >= 0) {
                (void) sd_bus_creds_get_euid(creds, &uid);
                sd_bus_creds_unref(creds);
        }
        if (asprintf(&origin, "D-Bus Try from %s (uid %d)%s", sd_bus_message_get_sender(msg) ?: "?", (int) uid,
                     force ? ", check overridden (--force)" : "") < 0)
                return -ENOMEM;
        r = engine_try(b->engine, files, n, timeout, force, origin, &id, &text);
        if (r < 0)
                return engine_error(error, r, text);
        return sd_bus_reply_method_return(msg, "t", id);
}

static int method_confirm(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        agent_bus *b = userdata;
        uint64_t id;
        engine_info t;
        int r;

        if (!b->engine)
                return sd_bus_error_set(error, AGENT_BUS_ERROR_FAILED, "transactions are not available");
        r = sd_bus_message_read(msg, "t", &id);
        if (r < 0)
                return r;
        r = engine_confirm(b->engine, id, "netguard confirm", &text);
        if (r < 0)
                return engine_error(error, r, text);
        /* The commit runs within the call: the state says how it ended. */
        engine_get_info(b->engine, &t);
        return sd_bus_reply_method_return(msg, "ts", t.id, txn_state_to_string(t.state));
}

static int method_rollback(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        agent_bus *b = userdata;
        uint64_t id;
        engine_info t;
        int force, r;

        if (!b->engine)
                return sd_bus_error_set(error, AGENT_BUS_ERROR_FAILED, "transactions are not available");
        r = sd_bus_message_read(msg, "tb", &id, &force);
        if (r < 0)
                return r;
        r = engine_rollback(b->engine, id, force, &text);
        if (r < 0)
                return engine_error(error, r, text);
        engine_get_info(b->engine, &t);
        return sd_bus_reply_method_return(msg, "ts", t.id, txn_state_to_string(t.state));
}

static int method_history(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(txn_history_freep) txn_history *h = NULL;
        agent_bus *b = userdata;
        int r;

        if (!b->engine)
                return sd_bus_error_set(error, AGENT_BUS_ERROR_FAILED, "transactions are not available");
        r = engine_history(b->engine, &h);
        if (r < 0)
                return engine_error(error, r, "cannot read the transactions' journals");
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(tsstss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < h->n_entries; i++) {
                const txn_history_entry *x = &h->entries[i];

                r = sd_bus_message_append(reply, "(tsstss)", x->id, x->state ?: "unknown", x->origin ?: "",
                                          x->start_usec, x->reason ?: "", x->journal ?: "");
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Connected", "b", get_connected, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastReportSeq", "u", get_last_report, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("ManagementLink", "s", get_management_link, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("HostHint", "s", get_host_hint, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Status", "", "a{sv}", method_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("Reported", "u", 0),
        /* No SD_BUS_VTABLE_UNPRIVILEGED: sd-bus lets only root (or CAP_SYS_ADMIN) call them,
         * on top of the bus policy. */
        SD_BUS_METHOD_WITH_ARGS("Try", SD_BUS_ARGS("a(say)", files, "u", timeout_sec, "b", force),
                                SD_BUS_RESULT("t", id), method_try, 0),
        SD_BUS_METHOD_WITH_ARGS("Confirm", SD_BUS_ARGS("t", id), SD_BUS_RESULT("t", id, "s", state),
                                method_confirm, 0),
        SD_BUS_METHOD_WITH_ARGS("Rollback", SD_BUS_ARGS("t", id, "b", force), SD_BUS_RESULT("t", id, "s", state),
                                method_rollback, 0),
        SD_BUS_METHOD_WITH_ARGS("History", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(tsstss)", transactions), method_history, 0),
        SD_BUS_SIGNAL_WITH_ARGS("TransactionChanged", SD_BUS_ARGS("t", id, "s", state, "s", reason), 0),
        SD_BUS_VTABLE_END,
};

static int on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e)
                log_warning("cannot own %s on the system bus: %s (is the bus policy %s.conf installed?)",
                            AGENT_BUS_NAME, e->message ? e->message : e->name, AGENT_BUS_NAME);
        else
                log_info("%s on the system bus", AGENT_BUS_NAME);
        return 0;
}

agent_bus *agent_bus_free(agent_bus *b) {
        if (!b)
                return NULL;
        sd_bus_slot_unref(b->slot);
        sd_bus_flush_close_unref(b->bus);
        free(b);
        return NULL;
}

int agent_bus_new(sd_event *event, agent_status_get_fn get_status, void *userdata, agent_bus **ret) {
        _cleanup_(agent_bus_freep) agent_bus *b = NULL;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->get_status = get_status;
        b->userdata = userdata;
        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(b->bus, &b->slot, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, agent_vtable, b);
        if (r < 0)
                return r;
        r = sd_bus_request_name_async(b->bus, NULL, AGENT_BUS_NAME, 0, on_name_reply, b);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

void agent_bus_emit_reported(agent_bus *b, uint32_t snapshot) {
        if (!b)
                return;
        int r = sd_bus_emit_signal(b->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Reported", "u", snapshot);

        if (r < 0)
                log_debug_errno(r, "cannot emit Reported: %m");
        (void) sd_bus_emit_properties_changed(b->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "LastReportSeq", NULL);
}

void agent_bus_set_engine(agent_bus *b, engine *e) {
        if (b)
                b->engine = e;
}

void agent_bus_emit_transaction(agent_bus *b, uint64_t id, const char *state, const char *reason) {
        if (!b)
                return;
        int r = sd_bus_emit_signal(b->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "TransactionChanged", "tss", id,
                                   state, reason ? reason : "");

        if (r < 0)
                log_debug_errno(r, "cannot emit TransactionChanged: %m");
}

void agent_bus_emit_changed(agent_bus *b) {
        if (!b)
                return;
        (void) sd_bus_emit_properties_changed(b->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Connected",
                                              "ManagementLink", "HostHint", NULL);
}
