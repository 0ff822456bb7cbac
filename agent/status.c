/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "agent/bus.h"
#include "agent/status.h"
#include "common/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* libsystemd is loaded only when `status` runs: linked into `netguard`, it and the
 * libraries it pulls in cost every `netguard check` milliseconds of process start. */
static struct {
        int (*open_system)(sd_bus **ret);
        int (*call_method)(sd_bus *bus, const char *destination, const char *path, const char *interface,
                           const char *member, sd_bus_error *ret_error, sd_bus_message **reply,
                           const char *types, ...);
        sd_bus *(*flush_close_unref)(sd_bus *bus);
        sd_bus_message *(*message_unref)(sd_bus_message *m);
        void (*error_free)(sd_bus_error *e);
        int (*enter_container)(sd_bus_message *m, char type, const char *contents);
        int (*exit_container)(sd_bus_message *m);
        int (*read)(sd_bus_message *m, const char *types, ...);
        int (*peek_type)(sd_bus_message *m, char *type, const char **contents);
        int (*skip)(sd_bus_message *m, const char *types);
} B;

static int load_sd_bus(void) {
        void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);

        if (!h)
                return log_error("cannot load libsystemd.so.0: %s", dlerror()), -ENOENT;
        *(void **) &B.open_system = dlsym(h, "sd_bus_open_system");
        *(void **) &B.call_method = dlsym(h, "sd_bus_call_method");
        *(void **) &B.flush_close_unref = dlsym(h, "sd_bus_flush_close_unref");
        *(void **) &B.message_unref = dlsym(h, "sd_bus_message_unref");
        *(void **) &B.error_free = dlsym(h, "sd_bus_error_free");
        *(void **) &B.enter_container = dlsym(h, "sd_bus_message_enter_container");
        *(void **) &B.exit_container = dlsym(h, "sd_bus_message_exit_container");
        *(void **) &B.read = dlsym(h, "sd_bus_message_read");
        *(void **) &B.peek_type = dlsym(h, "sd_bus_message_peek_type");
        *(void **) &B.skip = dlsym(h, "sd_bus_message_skip");
        if (!B.open_system || !B.call_method || !B.flush_close_unref || !B.message_unref || !B.error_free ||
            !B.enter_container || !B.exit_container || !B.read || !B.peek_type || !B.skip)
                return log_error("libsystemd.so.0 lacks an sd-bus function netguard status needs"), -ENOSYS;
        return 0;
}

/* One a{sv} entry into the JSON object (and as "Key: value" on stdout unless json). */
static int read_entry(sd_bus_message *m, json_object *o, bool json, bool *connected) {
        const char *key, *contents;
        char type;
        int r;

        r = B.enter_container(m, 'e', "sv");
        if (r <= 0)
                return r;
        r = B.read(m, "s", &key);
        if (r < 0)
                return r;
        r = B.peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        r = B.enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        if (strcmp(contents, "b") == 0) {
                int b;
                r = B.read(m, "b", &b);
                if (r < 0)
                        return r;
                if (strcmp(key, "Connected") == 0)
                        *connected = b;
                json_object_object_add(o, key, json_object_new_boolean(b));
                if (!json)
                        printf("%s: %s\n", key, b ? "yes" : "no");
        } else if (strcmp(contents, "u") == 0) {
                uint32_t u;
                r = B.read(m, "u", &u);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_int64(u));
                if (!json)
                        printf("%s: %" PRIu32 "\n", key, u);
        } else if (strcmp(contents, "t") == 0) {
                uint64_t t;
                r = B.read(m, "t", &t);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_uint64(t));
                if (!json)
                        printf("%s: %" PRIu64 "\n", key, t);
        } else if (strcmp(contents, "s") == 0) {
                const char *s;
                r = B.read(m, "s", &s);
                if (r < 0)
                        return r;
                json_object_object_add(o, key, json_object_new_string(s));
                if (!json)
                        printf("%s: %s\n", key, s);
        } else {
                r = B.skip(m, contents);      /* a later agent's field */
                if (r < 0)
                        return r;
        }
        r = B.exit_container(m);
        if (r < 0)
                return r;
        r = B.exit_container(m);
        return r < 0 ? r : 1;
}

static int status_call(bool json, sd_bus **bus, sd_bus_message **reply, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        bool connected = false;
        int r;

        r = B.open_system(bus);
        if (r < 0) {
                log_error_errno(r, "cannot reach the system bus: %m");
                return STATUS_EXIT_NO_AGENT;
        }
        r = B.call_method(*bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "Status", error, reply, "");
        if (r < 0) {
                log_error("cannot reach netguard-agent (%s): %s", AGENT_BUS_NAME,
                          error->message ? error->message : strerror(-r));
                return STATUS_EXIT_NO_AGENT;
        }
        o = json_object_new_object();
        if (!o)
                return log_error("out of memory"), STATUS_EXIT_NO_AGENT;
        r = B.enter_container(*reply, 'a', "{sv}");
        while (r >= 0 && (r = read_entry(*reply, o, json, &connected)) > 0)
                ;
        if (r < 0) {
                log_error_errno(r, "cannot parse the agent's answer: %m");
                return STATUS_EXIT_NO_AGENT;
        }
        if (json)
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return connected ? STATUS_EXIT_CONNECTED : STATUS_EXIT_NO_HOST;
}

int status_run(bool json) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int r;

        if (load_sd_bus() < 0)
                return STATUS_EXIT_NO_AGENT;
        r = status_call(json, &bus, &reply, &error);
        B.error_free(&error);
        if (reply)
                B.message_unref(reply);
        if (bus)
                B.flush_close_unref(bus);
        return r;
}
