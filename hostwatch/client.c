/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "common/macro.h"
#include "hostwatch/bus.h"
#include "hostwatch/client.h"

typedef struct Row {
        const char *name, *state, *address, *evidence;
        int verified, agent;
        uint64_t age_usec;
} Row;

typedef struct KeyRow {
        const char *name, *key;
        int learned;
} KeyRow;

static int connect_bus(sd_bus **ret) {
        int r = sd_bus_open_system(ret);

        if (r < 0)
                fprintf(stderr, "netguard-hostwatch: cannot connect to the system bus: %s\n", strerror(-r));
        return r;
}

/* 3 when the daemon is not there; 2 for no such machine; -1 for anything else. */
static int call_failed(const char *what, const sd_bus_error *e, int r) {
        if (sd_bus_error_has_name(e, "io.netguard.HostWatch1.NoSuchMachine")) {
                fprintf(stderr, "netguard-hostwatch: %s\n", e->message);
                return CLIENT_EXIT_NONE;
        }
        fprintf(stderr, "netguard-hostwatch: %s: %s\n", what, e && e->message ? e->message : strerror(-r));
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) || sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) || sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_DISCONNECTED) || !sd_bus_error_is_set(e))
                fprintf(stderr, "hint: is netguard-hostwatch running? (systemctl status netguard-hostwatch)\n");
        return CLIENT_EXIT_UNREACHABLE;
}

static int read_row(sd_bus_message *m, Row *row) {
        return sd_bus_message_read(m, "(sssbstb)", &row->name, &row->state, &row->address, &row->verified,
                                   &row->evidence, &row->age_usec, &row->agent);
}

static json_object *row_json(const Row *row) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "name", json_object_new_string(row->name));
        json_object_object_add(o, "address", row->address[0] ? json_object_new_string(row->address) : NULL);
        json_object_object_add(o, "state", json_object_new_string(row->state));
        json_object_object_add(o, "verified", json_object_new_boolean(row->verified));
        json_object_object_add(o, "evidence", json_object_new_string(row->evidence));
        json_object_object_add(o, "age_ms", json_object_new_uint64(row->age_usec / 1000));
        return o;
}

static void age_text(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / 1000000;

        if (s < 120)
                snprintf(buf, size, "%llu.%01llus", (unsigned long long) s, (unsigned long long) (usec / 100000 % 10));
        else if (s < 7200)
                snprintf(buf, size, "%llumin", (unsigned long long) (s / 60));
        else
                snprintf(buf, size, "%lluh", (unsigned long long) (s / 3600));
}

int client_where(const char *name, bool json) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        char age[32];
        Row row;
        int r;

        if (connect_bus(&bus) < 0)
                return CLIENT_EXIT_UNREACHABLE;
        r = sd_bus_call_method(bus, HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "GetMachine", &e,
                               &reply, "s", name);
        if (r < 0)
                return call_failed("GetMachine", &e, r);
        r = read_row(reply, &row);
        if (r < 0) {
                fprintf(stderr, "netguard-hostwatch: unexpected answer from the daemon: %s\n", strerror(-r));
                return CLIENT_EXIT_UNREACHABLE;
        }
        if (json) {
                json_object *o = row_json(&row);
                if (!o)
                        return CLIENT_EXIT_UNREACHABLE;
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
                json_object_put(o);
        }
        if (!row.address[0]) {
                fprintf(stderr, "netguard-hostwatch: %s: no address learned yet (state %s)\n", name, row.state);
                return CLIENT_EXIT_NONE;
        }
        if (!json)
                puts(row.address);
        if (row.verified)
                return CLIENT_EXIT_VERIFIED;
        age_text(row.age_usec, age, sizeof age);
        fprintf(stderr, "netguard-hostwatch: %s: not verified now: state %s, evidence %s, %s old\n", name, row.state,
                row.evidence, age);
        return CLIENT_EXIT_UNVERIFIED;
}

static int cmp_rows(const void *a, const void *b) {
        return strcmp(((const Row *) a)->name, ((const Row *) b)->name);
}

static int cmp_key_rows(const void *a, const void *b) {
        return strcmp(((const KeyRow *) a)->name, ((const KeyRow *) b)->name);
}

/* ListHostKeys, sorted by name; an older daemon without it gives none (-EOPNOTSUPP). */
static int read_host_keys(sd_bus *bus, sd_bus_message **ret_reply, KeyRow **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ KeyRow *rows = NULL;
        size_t n = 0, allocated = 0;
        KeyRow k;
        int r;

        r = sd_bus_call_method(bus, HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "ListHostKeys", &e,
                               &reply, "");
        if (r < 0)
                return -EOPNOTSUPP;
        r = sd_bus_message_enter_container(reply, 'a', "(ssb)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ssb)", &k.name, &k.key, &k.learned)) > 0) {
                if (n == allocated) {
                        size_t na = allocated ? allocated * 2 : 64;
                        KeyRow *a = reallocarray(rows, na, sizeof *a);
                        if (!a)
                                return -ENOMEM;
                        rows = a;
                        allocated = na;
                }
                rows[n++] = k;
        }
        if (r < 0)
                return r;
        if (n > 1)
                qsort(rows, n, sizeof *rows, cmp_key_rows);
        *ret_reply = TAKE_PTR(reply);
        *ret = TAKE_PTR(rows);
        *ret_n = n;
        return 0;
}

int client_status(bool json) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ Row *rows = NULL;
        size_t n = 0, allocated = 0;
        Row row;
        int r;

        if (connect_bus(&bus) < 0)
                return CLIENT_EXIT_UNREACHABLE;
        r = sd_bus_call_method(bus, HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "ListMachines", &e,
                               &reply, "");
        if (r < 0)
                return call_failed("ListMachines", &e, r);
        r = sd_bus_message_enter_container(reply, 'a', "(sssbstb)");
        if (r < 0)
                return CLIENT_EXIT_UNREACHABLE;
        while ((r = read_row(reply, &row)) > 0) {
                if (n == allocated) {
                        size_t na = allocated ? allocated * 2 : 64;
                        Row *a = reallocarray(rows, na, sizeof *a);
                        if (!a)
                                return CLIENT_EXIT_UNREACHABLE;
                        rows = a;
                        allocated = na;
                }
                rows[n++] = row;
        }
        if (r < 0) {
                fprintf(stderr, "netguard-hostwatch: unexpected answer from the daemon: %s\n", strerror(-r));
                return CLIENT_EXIT_UNREACHABLE;
        }
        if (n > 1)
                qsort(rows, n, sizeof *rows, cmp_rows);
        if (json) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *keys_reply = NULL;
                _cleanup_free_ KeyRow *keys = NULL;
                size_t n_keys = 0;
                json_object *o = json_object_new_object(), *a = json_object_new_array();
                if (!o || !a)
                        return CLIENT_EXIT_UNREACHABLE;
                (void) read_host_keys(bus, &keys_reply, &keys, &n_keys);
                for (size_t i = 0; i < n; i++) {
                        json_object *m = row_json(&rows[i]);
                        KeyRow *k = n_keys ? bsearch(&(KeyRow) { .name = rows[i].name }, keys, n_keys, sizeof *keys,
                                                     cmp_key_rows)
                                           : NULL;
                        json_object_object_add(m, "agent_connected", json_object_new_boolean(rows[i].agent));
                        if (k) {
                                json_object_object_add(m, "host_key", k->key[0] ? json_object_new_string(k->key) : NULL);
                                json_object_object_add(m, "host_key_learned", json_object_new_boolean(k->learned));
                        }
                        json_object_array_add(a, m);
                }
                json_object_object_add(o, "machines", a);
                json_object_object_add(o, "count", json_object_new_uint64(n));
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                return 0;
        }
        printf("%-24s %-15s %-40s %-8s %-9s %s\n", "NAME", "STATE", "ADDRESS", "VERIFIED", "EVIDENCE", "AGE");
        for (size_t i = 0; i < n; i++) {
                char age[32];
                age_text(rows[i].age_usec, age, sizeof age);
                printf("%-24s %-15s %-40s %-8s %-9s %s\n", rows[i].name, rows[i].state,
                       rows[i].address[0] ? rows[i].address : "-", rows[i].verified ? "yes" : "no", rows[i].evidence,
                       rows[i].address[0] ? age : "-");
        }
        return 0;
}

static bool watch_json;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *name, *a, *b;
        json_object *o;
        int verified, r;

        if (strcmp(member, "StateChanged") == 0) {
                r = sd_bus_message_read(m, "sss", &name, &a, &b);
                if (r < 0)
                        return 0;
                if (!watch_json) {
                        printf("%s state %s -> %s\n", name, a, b);
                        fflush(stdout);
                        return 0;
                }
                o = json_object_new_object();
                json_object_object_add(o, "event", json_object_new_string("state"));
                json_object_object_add(o, "name", json_object_new_string(name));
                json_object_object_add(o, "old", json_object_new_string(a));
                json_object_object_add(o, "new", json_object_new_string(b));
        } else if (strcmp(member, "AddressChanged") == 0) {
                r = sd_bus_message_read(m, "sssb", &name, &a, &b, &verified);
                if (r < 0)
                        return 0;
                if (!watch_json) {
                        printf("%s address %s (%s%s)\n", name, *a ? a : "none", b, verified ? ", verified" : "");
                        fflush(stdout);
                        return 0;
                }
                o = json_object_new_object();
                json_object_object_add(o, "event", json_object_new_string("address"));
                json_object_object_add(o, "name", json_object_new_string(name));
                json_object_object_add(o, "address", *a ? json_object_new_string(a) : NULL);
                json_object_object_add(o, "evidence", json_object_new_string(b));
                json_object_object_add(o, "verified", json_object_new_boolean(verified));
        } else
                return 0;
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        fflush(stdout);
        json_object_put(o);
        return 0;
}

int client_watch(bool json) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        watch_json = json;
        if (connect_bus(&bus) < 0)
                return CLIENT_EXIT_UNREACHABLE;
        r = sd_bus_match_signal(bus, NULL, HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, NULL,
                                on_signal, NULL);
        if (r < 0) {
                fprintf(stderr, "netguard-hostwatch: cannot subscribe: %s\n", strerror(-r));
                return CLIENT_EXIT_UNREACHABLE;
        }
        /* The match is in place before this answers: no change between is lost. */
        r = sd_bus_get_property(bus, HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "MachineCount", &e,
                                &reply, "u");
        if (r < 0)
                return call_failed("MachineCount", &e, r);
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "netguard-hostwatch: the bus went away: %s\n", strerror(-r));
                        return CLIENT_EXIT_UNREACHABLE;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return CLIENT_EXIT_UNREACHABLE;
        }
}
