/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The `netguard` CLI's side of D-Bus. libsystemd is loaded only when a command that talks
 * to the agent runs: linked into `netguard`, it and the libraries it pulls in would cost
 * every `netguard check` milliseconds of process start. So the sd-bus calls the CLI makes
 * go through a table filled by dlsym(). */

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct bus_api {
        int (*open_system)(sd_bus **ret);
        int (*call_method)(sd_bus *bus, const char *destination, const char *path, const char *interface,
                           const char *member, sd_bus_error *ret_error, sd_bus_message **reply,
                           const char *types, ...);
        int (*new_method_call)(sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
                               const char *interface, const char *member);
        int (*call)(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
                    sd_bus_message **reply);
        int (*append)(sd_bus_message *m, const char *types, ...);
        int (*append_array)(sd_bus_message *m, char type, const void *ptr, size_t size);
        int (*open_container)(sd_bus_message *m, char type, const char *contents);
        int (*close_container)(sd_bus_message *m);
        sd_bus *(*flush_close_unref)(sd_bus *bus);
        sd_bus_message *(*message_unref)(sd_bus_message *m);
        void (*error_free)(sd_bus_error *e);
        int (*enter_container)(sd_bus_message *m, char type, const char *contents);
        int (*exit_container)(sd_bus_message *m);
        int (*read)(sd_bus_message *m, const char *types, ...);
        int (*peek_type)(sd_bus_message *m, char *type, const char **contents);
        int (*skip)(sd_bus_message *m, const char *types);
        int (*has_name)(const sd_bus_error *e, const char *name);
} bus_api;

/* Valid once bus_client_open() succeeded. */
extern bus_api B;

/* One connection to the system bus and what the last call left behind. */
typedef struct bus_client {
        sd_bus *bus;
        sd_bus_message *reply;
        sd_bus_error error;
} bus_client;

/* Loads libsystemd (once) and connects; logs why not. */
int bus_client_open(bus_client *c);
/* Forgets the last call's reply and error, for the next call. */
void bus_client_reset_call(bus_client *c);
void bus_client_done(bus_client *c);

/* For each entry of the a{sv} at m's read position: f(m, key, contents, userdata) with m
 * inside the variant of signature contents. f reads the value and returns 1, returns 0 to
 * leave it (it is skipped: a later agent's field), or a negative errno to stop. */
typedef int (*bus_client_entry_fn)(sd_bus_message *m, const char *key, const char *contents, void *userdata);
int bus_client_read_dict(sd_bus_message *m, bus_client_entry_fn f, void *userdata);
