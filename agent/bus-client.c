/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>

#include "agent/bus-client.h"
#include "common/log.h"

bus_api B;

static int load(void) {
        static int loaded;      /* 0 not yet, 1 done, negative errno failed */
        void *h;

        if (loaded)
                return loaded < 0 ? loaded : 0;
        h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                log_error("cannot load libsystemd.so.0: %s", dlerror());
                return loaded = -ENOENT;
        }
        *(void **) &B.open_system = dlsym(h, "sd_bus_open_system");
        *(void **) &B.call_method = dlsym(h, "sd_bus_call_method");
        *(void **) &B.new_method_call = dlsym(h, "sd_bus_message_new_method_call");
        *(void **) &B.call = dlsym(h, "sd_bus_call");
        *(void **) &B.append = dlsym(h, "sd_bus_message_append");
        *(void **) &B.append_array = dlsym(h, "sd_bus_message_append_array");
        *(void **) &B.open_container = dlsym(h, "sd_bus_message_open_container");
        *(void **) &B.close_container = dlsym(h, "sd_bus_message_close_container");
        *(void **) &B.flush_close_unref = dlsym(h, "sd_bus_flush_close_unref");
        *(void **) &B.message_unref = dlsym(h, "sd_bus_message_unref");
        *(void **) &B.error_free = dlsym(h, "sd_bus_error_free");
        *(void **) &B.enter_container = dlsym(h, "sd_bus_message_enter_container");
        *(void **) &B.exit_container = dlsym(h, "sd_bus_message_exit_container");
        *(void **) &B.read = dlsym(h, "sd_bus_message_read");
        *(void **) &B.peek_type = dlsym(h, "sd_bus_message_peek_type");
        *(void **) &B.skip = dlsym(h, "sd_bus_message_skip");
        *(void **) &B.has_name = dlsym(h, "sd_bus_error_has_name");
        for (size_t i = 0; i < sizeof(B) / sizeof(void *); i++)
                if (!((void **) &B)[i]) {
                        log_error("libsystemd.so.0 lacks an sd-bus function netguard needs");
                        return loaded = -ENOSYS;
                }
        loaded = 1;
        return 0;
}

int bus_client_open(bus_client *c) {
        int r;

        *c = (bus_client) { .error = SD_BUS_ERROR_NULL };
        r = load();
        if (r < 0)
                return r;
        r = B.open_system(&c->bus);
        if (r < 0)
                return log_error_errno(r, "cannot reach the system bus: %m");
        return 0;
}

void bus_client_reset_call(bus_client *c) {
        if (c->reply)
                B.message_unref(c->reply);
        c->reply = NULL;
        if (B.error_free)
                B.error_free(&c->error);
}

void bus_client_done(bus_client *c) {
        bus_client_reset_call(c);
        if (c->bus)
                B.flush_close_unref(c->bus);
        c->bus = NULL;
}

int bus_client_read_dict(sd_bus_message *m, bus_client_entry_fn f, void *userdata) {
        int r;

        r = B.enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *contents;
                char type;

                r = B.enter_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = B.read(m, "s", &key);
                if (r < 0)
                        return r;
                r = B.peek_type(m, &type, &contents);
                if (r < 0)
                        return r;
                r = B.enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = f(m, key, contents, userdata);
                if (r == 0)
                        r = B.skip(m, contents);
                if (r < 0)
                        return r;
                r = B.exit_container(m);
                if (r < 0)
                        return r;
                r = B.exit_container(m);
                if (r < 0)
                        return r;
        }
        return B.exit_container(m);
}
