/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strv.h"
#include "hostwatch/bus.h"
#include "hostwatch/daemon-config.h"

struct Bus {
        const BusOps *ops;
        void *userdata;
        sd_bus *bus;
        sd_bus_slot *slot;
};

/* A machine as D-Bus gives it: (name, state, address, verified, evidence, age_usec,
 * agent_connected). */
#define MACHINE_SIGNATURE "(sssbstb)"

static int append_machine(sd_bus_message *reply, const HostWatchWhere *w) {
        return sd_bus_message_append(reply, MACHINE_SIGNATURE, w->name, hostwatch_state_to_string(w->state), w->address,
                                     w->verified, hostwatch_evidence_to_string(w->evidence), w->age_usec,
                                     w->agent_connected);
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Bus *b = userdata;
        HostWatch *hw = b->ops->hostwatch(b->userdata);
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', MACHINE_SIGNATURE);
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->ops->count(b->userdata); i++) {
                HostWatchWhere w;
                if (hostwatch_where(hw, b->ops->name(b->userdata, i), &w) < 0)
                        continue;       /* named in the config, not watched (its error is logged) */
                r = append_machine(reply, &w);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Bus *b = userdata;
        HostWatchWhere w;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = hostwatch_where(b->ops->hostwatch(b->userdata), name, &w);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, "io.netguard.HostWatch1.NoSuchMachine", "no machine '%s'", name);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = append_machine(reply, &w);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ListHostKeys() -> a(ssb): (name, "TYPE BASE64" or "" when a known-hosts file holds the
 * keys or tofu has not learned one yet, learned on first use). Public keys: open to all. */
static int method_list_host_keys(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Bus *b = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssb)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->ops->count(b->userdata); i++) {
                const char *name = b->ops->name(b->userdata, i), *key = NULL;
                bool learned = false;
                if (b->ops->host_key(b->userdata, name, &key, &learned) < 0)
                        continue;
                r = sd_bus_message_append(reply, "(ssb)", name, key ? key : "", learned);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Root only, by the caller's uid as the bus daemon vouches for it: the policy file is one
 * line of defence, this is the other. */
static int check_root(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "cannot tell who is calling: refused");
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "cannot tell who is calling: refused");
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "only root may add or remove machines (caller uid %u)", (unsigned) uid);
        return 0;
}

static int read_strv(sd_bus_message *msg, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;
        const char *s;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(msg, "s", &s)) > 0)
                if (strv_push(&v, s) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

/* AddMachine(name, channel, macaddress, networks, host_key): channel "" for none; host_key
 * "TYPE BASE64", or an absolute path to a known_hosts file. */
static int method_add(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *err = NULL;
        Bus *b = userdata;
        const char *name, *channel, *mac, *key;
        HwMachineDef d = {};
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "sss", &name, &channel, &mac);
        if (r < 0)
                return r;
        r = read_strv(msg, &d.networks);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &key);
        if (r < 0) {
                strv_free(d.networks);
                return r;
        }
        d.name = (char *) name;
        d.channel = *channel ? (char *) channel : NULL;
        d.macaddress = (char *) mac;
        if (key[0] == '/')
                d.known_hosts = (char *) key;
        else
                d.host_key = (char *) key;
        d.ssh.user = (char *) "root";
        d.ssh.port = 22;
        r = b->ops->add(b->userdata, &d, &err);
        strv_free(d.networks);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, "io.netguard.HostWatch1.MachineExists", "machine '%s' exists already",
                                         name);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "bad machine: name [A-Za-z0-9._-]{1,64}, MAC aa:bb:cc:dd:ee:ff, "
                                         "networks as prefixes, channel an absolute path");
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s", err ? err : strerror(-r));
        log_info("machine %s added over D-Bus", name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_remove(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Bus *b = userdata;
        const char *name;
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = b->ops->remove(b->userdata, name);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, "io.netguard.HostWatch1.NoSuchMachine", "no machine '%s'", name);
        if (r < 0)
                return r;
        log_info("machine %s removed over D-Bus", name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int get_count(sd_bus *bus, const char *path, const char *interface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Bus *b = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) b->ops->count(b->userdata));
}

static int get_config(sd_bus *bus, const char *path, const char *interface, const char *property,
                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Bus *b = userdata;
        return sd_bus_message_append(reply, "s", b->ops->config_path(b->userdata));
}

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", NETGUARD_VERSION);
}

static int get_in_flight(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Bus *b = userdata;
        unsigned now, peak;

        b->ops->in_flight(b->userdata, &now, &peak);
        return sd_bus_message_append(reply, "u", strcmp(property, "InFlight") == 0 ? now : peak);
}

static const sd_bus_vtable hostwatch_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigFile", "s", get_config, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MachineCount", "u", get_count, 0, 0),
        SD_BUS_PROPERTY("InFlight", "u", get_in_flight, 0, 0),
        SD_BUS_PROPERTY("InFlightPeak", "u", get_in_flight, 0, 0),
        SD_BUS_METHOD("ListMachines", "", "a" MACHINE_SIGNATURE, method_list, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetMachine", "s", MACHINE_SIGNATURE, method_get, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("ListHostKeys", "", "a(ssb)", method_list_host_keys, SD_BUS_VTABLE_UNPRIVILEGED),
        /* UNPRIVILEGED so that check_root, not sd-bus's capability guess, decides and says why. */
        SD_BUS_METHOD("AddMachine", "sssass", "", method_add, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RemoveMachine", "s", "", method_remove, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("StateChanged", "sss", 0),
        SD_BUS_SIGNAL("AddressChanged", "sssb", 0),
        SD_BUS_VTABLE_END,
};

Bus *bus_free(Bus *b) {
        if (!b)
                return NULL;
        sd_bus_slot_unref(b->slot);
        sd_bus_flush_close_unref(b->bus);
        return mfree(b);
}

int bus_new(sd_event *event, const BusOps *ops, void *userdata, Bus **ret) {
        _cleanup_(bus_freep) Bus *b = NULL;
        int r;

        b = calloc(1, sizeof *b);
        if (!b)
                return -ENOMEM;
        b->ops = ops;
        b->userdata = userdata;
        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(b->bus, &b->slot, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, hostwatch_vtable, b);
        if (r < 0)
                return r;
        /* Synchronous: READY=1 must mean that clients can reach us. */
        r = sd_bus_request_name(b->bus, HOSTWATCH_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "cannot own %s on the system bus (is %s.conf installed in the bus policy?): %m",
                                       HOSTWATCH_BUS_NAME, HOSTWATCH_BUS_NAME);
        r = sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

void bus_emit_state_changed(Bus *b, const char *name, HostWatchState old_state, HostWatchState new_state) {
        if (!b)
                return;
        (void) sd_bus_emit_signal(b->bus, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "StateChanged", "sss", name,
                                  hostwatch_state_to_string(old_state), hostwatch_state_to_string(new_state));
}

void bus_emit_address_changed(Bus *b, const HostWatchWhere *w) {
        if (!b)
                return;
        (void) sd_bus_emit_signal(b->bus, HOSTWATCH_BUS_PATH, HOSTWATCH_BUS_INTERFACE, "AddressChanged", "sssb", w->name,
                                  w->address, hostwatch_evidence_to_string(w->evidence), w->verified);
}
