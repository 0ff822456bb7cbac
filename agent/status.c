/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "agent/bus.h"
#include "agent/status.h"
#include "common/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* One a{sv} entry into the JSON object (and as "Key: value" on stdout unless json). */
static int read_entry(sd_bus_message *m, json_object *o, bool json, bool *connected) {
        const char *key, *contents;
        char type;
        int r;

        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
                return r;
        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        if (strcmp(contents, "b") == 0) {
                int b;
                r = sd_bus_message_read(m, "b", &b);
                if (r < 0)
                        return r;
                if (strcmp(key, "Connected") == 0)
                        *connected = b;
                json_object_object_add(o, key, json_object_new_boolean(b));
                if (!json)
                        printf("%s: %s\n", key, b ? "yes" : "no");
        } else if (strcmp(contents, "u") == 0) {
                uint32_t u;
                r = sd_bus_message_read(m, "u", &u);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_int64(u));
                if (!json)
                        printf("%s: %" PRIu32 "\n", key, u);
        } else if (strcmp(contents, "t") == 0) {
                uint64_t t;
                r = sd_bus_message_read(m, "t", &t);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_uint64(t));
                if (!json)
                        printf("%s: %" PRIu64 "\n", key, t);
        } else if (strcmp(contents, "s") == 0) {
                const char *s;
                r = sd_bus_message_read(m, "s", &s);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_string(s));
                if (!json)
                        printf("%s: %s\n", key, s);
        } else {
                r = sd_bus_message_skip(m, contents);      /* a later agent's field */
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

int status_run(bool json) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        bool connected = false;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_error_errno(r, "cannot reach the system bus: %m");
                return STATUS_EXIT_NO_AGENT;
        }
        r = sd_bus_call_method(bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Status", &error, &reply, "");
        if (r < 0) {
                log_error("cannot reach netguard-agent (%s): %s", AGENT_BUS_NAME,
                          error.message ? error.message : strerror(-r));
                return STATUS_EXIT_NO_AGENT;
        }
        o = json_object_new_object();
        if (!o)
                return log_error("out of memory"), STATUS_EXIT_NO_AGENT;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = read_entry(reply, o, json, &connected)) > 0)
                ;
        if (r < 0) {
                log_error_errno(r, "cannot parse the agent's answer: %m");
                return STATUS_EXIT_NO_AGENT;
        }
        if (json)
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return connected ? STATUS_EXIT_CONNECTED : STATUS_EXIT_NO_HOST;
}
