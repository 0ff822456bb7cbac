/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "agent/bus-client.h"
#include "agent/bus.h"
#include "agent/status.h"
#include "common/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

typedef struct status_reader {
        json_object *o;
        bool json;
        bool connected;
} status_reader;

/* One a{sv} entry into the JSON object (and as "Key: value" on stdout unless json). */
static int read_entry(sd_bus_message *m, const char *key, const char *contents, void *userdata) {
        status_reader *s = userdata;
        json_object *v;
        char text[32];
        const char *shown = text;
        int r;

        if (strcmp(contents, "b") == 0) {
                int b;
                r = B.read(m, "b", &b);
                if (r < 0)
                        return r;
                if (strcmp(key, "Connected") == 0)
                        s->connected = b;
                v = json_object_new_boolean(b);
                shown = b ? "yes" : "no";
        } else if (strcmp(contents, "u") == 0) {
                uint32_t u;
                r = B.read(m, "u", &u);
                if (r < 0)
                        return r;
                v = json_object_new_int64(u);
                snprintf(text, sizeof(text), "%" PRIu32, u);
        } else if (strcmp(contents, "t") == 0) {
                uint64_t t;
                r = B.read(m, "t", &t);
                if (r < 0)
                        return r;
                v = json_object_new_uint64(t);
                snprintf(text, sizeof(text), "%" PRIu64, t);
        } else if (strcmp(contents, "s") == 0) {
                r = B.read(m, "s", &shown);
                if (r < 0)
                        return r;
                v = json_object_new_string(shown);
        } else
                return 0;       /* a later agent's field */
        json_object_object_add(s->o, key, v);
        if (!s->json)
                printf("%s: %s\n", key, shown);
        return 1;
}

int status_run(bool json) {
        _cleanup_(bus_client_done) bus_client c = {};
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        status_reader reader = { .o = o, .json = json };
        int r;

        if (!o)
                return log_error("out of memory"), STATUS_EXIT_NO_AGENT;
        if (bus_client_open(&c) < 0)
                return STATUS_EXIT_NO_AGENT;
        r = B.call_method(c.bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Status", &c.error, &c.reply, "");
        if (r < 0) {
                log_error("cannot reach netguard-agent (%s): %s", AGENT_BUS_NAME,
                          c.error.message ? c.error.message : strerror(-r));
                return STATUS_EXIT_NO_AGENT;
        }
        r = bus_client_read_dict(c.reply, read_entry, &reader);
        if (r < 0) {
                log_error_errno(r, "cannot parse the agent's answer: %m");
                return STATUS_EXIT_NO_AGENT;
        }
        if (json)
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return reader.connected ? STATUS_EXIT_CONNECTED : STATUS_EXIT_NO_HOST;
}
