/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>

#include "agent/bus.h"
#include "common/log.h"

struct agent_bus {
        agent_status_get_fn get_status;
        void *userdata;
        sd_bus *bus;
        sd_bus_slot *slot;
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

void agent_bus_emit_changed(agent_bus *b) {
        if (!b)
                return;
        (void) sd_bus_emit_properties_changed(b->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Connected",
                                              "ManagementLink", "HostHint", NULL);
}
