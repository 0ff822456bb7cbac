/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The grammar of physical devices: ethernets, wifis and modems, their match: and
 * offload keys, wifi access points and 802.1x auth. */
#include <string.h>
#include <strings.h>

#include "netplan/grammar-link.h"
#include "netplan/grammar-member.h"
#include "netplan/grammar-physical.h"
#include "common/strv.h"
#include "netplan/value.h"

static int h_match_driver(np_parser *c, const np_node *n, const void *data) {
        if (n->type == NP_NODE_SCALAR) {
                if (strchr(S(n), ' '))
                        return np_err(c, n, "A 'driver' glob cannot contain whitespace");
                return 0;
        }
        if (n->type == NP_NODE_SEQUENCE) {
                for (size_t i = 0; i < n->n; i++) {
                        if (n->values[i]->type != NP_NODE_SCALAR)
                                return np_err(c, n->values[i], "expected scalar");
                        if (strchr(S(n->values[i]), ' '))
                                return np_err(c, n, "A 'driver' glob cannot contain whitespace");
                }
                if (n->n == 0)
                        return np_err(c, n, "invalid sequence for 'driver'");
                return 0;
        }
        return np_err(c, n, "invalid type for 'driver': must be a scalar or a sequence of scalars");
}

static const np_kdef match_keys[] = {
        { "driver", NP_ANY_NODE, h_match_driver },
        { "macaddress", NP_NODE_SCALAR, np_h_mac },
        { "name", NP_NODE_SCALAR, np_h_id },
        {}
};

static int h_match(np_parser *c, const np_node *n, const void *data) {
        c->cur->has_match = true;
        return np_process_mapping(c, n, match_keys);
}

static int h_key_mgmt(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "none", "psk", "eap", "802.1x", NULL };
        static const struct { const char *v; unsigned since; } newer[] = {
                { "sae", NP_V(0, 107) }, { "eap-sha256", NP_V(1, 0) }, { "eap-suite-b-192", NP_V(1, 0) }, { "psk-sha256", NP_V(1, 2) },
        };
        for (size_t i = 0; i < ELEMENTSOF(newer); i++)
                if (strcmp(S(n), newer[i].v) == 0 && c->s->target < newer[i].since)
                        return np_err_newer(c, n, newer[i].since, "unknown key management type '%s'", S(n));
                else if (strcmp(S(n), newer[i].v) == 0)
                        return 0;
        if (!np_in_list(S(n), ok, false))
                return np_err(c, n, "unknown key management type '%s'", S(n));
        return 0;
}

static int h_eap_method(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "tls", "peap", "ttls", NULL };
        if ((strcmp(S(n), "leap") == 0 || strcmp(S(n), "pwd") == 0)) {
                if (c->s->target < NP_V(1, 0))
                        return np_err_newer(c, n, NP_V(1, 0), "unknown EAP method '%s'", S(n));
                return 0;
        }
        if (!np_in_list(S(n), ok, false))
                return np_err(c, n, "unknown EAP method '%s'", S(n));
        return 0;
}

static const np_kdef auth_keys[] = {
        { "key-management", NP_NODE_SCALAR, h_key_mgmt },
        { "method", NP_NODE_SCALAR, h_eap_method },
        { "identity", NP_NODE_SCALAR, np_h_str },
        { "anonymous-identity", NP_NODE_SCALAR, np_h_str },
        { "password", NP_NODE_SCALAR, np_h_str },
        { "ca-certificate", NP_NODE_SCALAR, np_h_str },
        { "client-certificate", NP_NODE_SCALAR, np_h_str },
        { "client-key", NP_NODE_SCALAR, np_h_str },
        { "client-key-password", NP_NODE_SCALAR, np_h_str },
        { "phase2-auth", NP_NODE_SCALAR, np_h_str },
        { "pmf-mode", NP_NODE_SCALAR, np_h_str, NULL, NULL, NP_V(1, 1) },
        {}
};

/* ---- wifi ---- */

static int h_wifi_mode(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "infrastructure", "adhoc", "ap", NULL };
        if (!np_in_list(S(n), ok, false))
                return np_err(c, n, "unknown wifi mode '%s'", S(n));
        return 0;
}

static int h_wifi_band(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "5GHz", "5G", "2.4GHz", "2.4G", NULL };
        if (!np_in_list(S(n), ok, false))
                return np_err(c, n, "unknown wifi band '%s'", S(n));
        return 0;
}

static const np_kdef ap_keys[] = {
        { "band", NP_NODE_SCALAR, h_wifi_band },
        { "bssid", NP_NODE_SCALAR, np_h_mac },
        { "hidden", NP_NODE_SCALAR, np_h_bool },
        { "channel", NP_NODE_SCALAR, np_h_uint },
        { "mode", NP_NODE_SCALAR, h_wifi_mode },
        { "password", NP_NODE_SCALAR, np_h_str },
        { "auth", NP_NODE_MAPPING, np_h_map, NULL, auth_keys },
        { "networkmanager", NP_NODE_MAPPING, np_h_map, NULL, np_nm_keys },
        {}
};

static int h_access_points(np_parser *c, const np_node *n, const void *data) {
        for (size_t i = 0; i < n->n; i++) {
                const np_node *k = n->keys[i], *v = n->values[i];
                if (k->type != NP_NODE_SCALAR)
                        return np_err(c, k, "expected scalar");
                if (v->type != NP_NODE_MAPPING)
                        return np_type_error(c, v, NP_NODE_MAPPING);
                if (strv_contains(c->cur->ssids, S(k)))
                        return np_err(c, k, "%s: Duplicate access point SSID '%s'", c->cur->id, S(k));
                int r = np_process_mapping(c, v, ap_keys);
                if (r < 0)
                        return r;
                if (strv_push(&c->cur->ssids, S(k)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int h_wowlan(np_parser *c, const np_node *n, const void *data) {
        static const char *const ok[] = { "default", "any", "disconnect", "magic_pkt", "gtk_rekey_failure",
                                          "eap_identity_req", "four_way_handshake", "rfkill_release", "tcp", NULL };
        bool has_default = false;
        size_t count = 0;
        for (size_t i = 0; i < n->n; i++) {
                const np_node *e = n->values[i];
                bool found = false;
                if (e->type != NP_NODE_SCALAR)
                        return np_err(c, e, "expected scalar");
                for (size_t j = 0; ok[j]; j++)
                        if (strcasecmp(S(e), ok[j]) == 0) {
                                found = true;
                                if (j == 0)
                                        has_default = true;
                                else
                                        count++;
                        }
                if (!found)
                        return np_err(c, n, "invalid value for wakeonwlan: '%s'", S(e));
        }
        if (has_default && count > 0)
                return np_err(c, n, "'default' is an exclusive flag for wakeonwlan");
        return 0;
}

static int h_embedded_switch(np_parser *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "switchdev") != 0 && strcmp(S(n), "legacy") != 0)
                return np_err(c, n, "Value of 'embedded-switch-mode' needs to be 'switchdev' or 'legacy'");
        return 0;
}

static int h_infiniband_mode(np_parser *c, const np_node *n, const void *data) {
        if (strcmp(S(n), "datagram") != 0 && strcmp(S(n), "connected") != 0)
                return np_err(c, n, "Value of 'infiniband-mode' needs to be 'datagram' or 'connected'");
        return 0;
}

/* what ethernets, wifis and modems have beyond np_link_keys */
static const np_kdef physical_keys[] = {
        { NULL, 0, NULL, np_link_keys },
        { "match", NP_NODE_MAPPING, h_match },
        { "set-name", NP_NODE_SCALAR, np_h_str },
        { "wakeonlan", NP_NODE_SCALAR, np_h_bool },
        { "wakeonwlan", NP_NODE_SEQUENCE, h_wowlan },
        { "emit-lldp", NP_NODE_SCALAR, np_h_bool },
        { "receive-checksum-offload", NP_NODE_SCALAR, np_h_bool },
        { "transmit-checksum-offload", NP_NODE_SCALAR, np_h_bool },
        { "tcp-segmentation-offload", NP_NODE_SCALAR, np_h_bool },
        { "tcp6-segmentation-offload", NP_NODE_SCALAR, np_h_bool },
        { "generic-segmentation-offload", NP_NODE_SCALAR, np_h_bool },
        { "generic-receive-offload", NP_NODE_SCALAR, np_h_bool },
        { "large-receive-offload", NP_NODE_SCALAR, np_h_bool },
        {}
};

const np_kdef np_ethernet_keys[] = {
        { NULL, 0, NULL, physical_keys },
        { "auth", NP_NODE_MAPPING, np_h_map, NULL, auth_keys },
        { "link", NP_NODE_SCALAR, np_h_link_ref },
        { "virtual-function-count", NP_NODE_SCALAR, np_h_uint },
        { "embedded-switch-mode", NP_NODE_SCALAR, h_embedded_switch },
        { "delay-virtual-functions-rebind", NP_NODE_SCALAR, np_h_bool },
        { "infiniband-mode", NP_NODE_SCALAR, h_infiniband_mode },
        {}
};

const np_kdef np_wifi_keys[] = {
        { NULL, 0, NULL, physical_keys },
        { "access-points", NP_NODE_MAPPING, h_access_points },
        { "auth", NP_NODE_MAPPING, np_h_map, NULL, auth_keys },
        { "regulatory-domain", NP_NODE_SCALAR, np_h_str },
        {}
};

const np_kdef np_modem_keys[] = {
        { NULL, 0, NULL, physical_keys },
        { "apn", NP_NODE_SCALAR, np_h_str },
        { "auto-config", NP_NODE_SCALAR, np_h_bool },
        { "device-id", NP_NODE_SCALAR, np_h_str },
        { "network-id", NP_NODE_SCALAR, np_h_str },
        { "number", NP_NODE_SCALAR, np_h_str },
        { "password", NP_NODE_SCALAR, np_h_str },
        { "pin", NP_NODE_SCALAR, np_h_str },
        { "sim-id", NP_NODE_SCALAR, np_h_str },
        { "sim-operator-id", NP_NODE_SCALAR, np_h_str },
        { "username", NP_NODE_SCALAR, np_h_str },
        {}
};
