/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The running state of definitions while the files are parsed in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netplan/parse-state.h"
#include "common/strv.h"

np_state *np_state_new(unsigned target_version) {
        np_state *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->target = target_version;
        s->global_backend = NP_BACKEND_NONE;
        return s;
}

static void sdef_free(np_sdef *d) {
        free(d->id);
        free(d->bond);
        free(d->bridge);
        free(d->vrf);
        free(d->peer);
        free(d->primary);
        free(d->gateway4);
        free(d->gateway6);
        np_node_free(d->merged);
        strv_free(d->ssids);
        strv_free(d->path_cost);
        strv_free(d->ovs_external_ids);
        strv_free(d->ovs_other_config);
        strv_free(d->ovs_external_ids_v);
        strv_free(d->ovs_other_config_v);
        strv_free(d->port_prio);
        free(d);
}

np_state *np_state_free(np_state *s) {
        if (!s)
                return NULL;
        strv_free(s->ovs_external_ids);
        strv_free(s->ovs_other_config);
        strv_free(s->ovs_external_ids_v);
        strv_free(s->ovs_other_config_v);
        for (size_t i = 0; i < s->n_defs; i++)
                sdef_free(s->defs[i]);
        free(s->defs);
        free(s);
        return NULL;
}

np_sdef *np_state_find(const np_state *s, const char *id) {
        for (size_t i = 0; i < s->n_defs; i++)
                if (strcmp(s->defs[i]->id, id) == 0)
                        return s->defs[i];
        return NULL;
}

np_sdef *np_state_add(np_state *s, const char *id, np_def_type type, int backend, unsigned file) {
        np_sdef **nd = reallocarray(s->defs, s->n_defs + 1, sizeof(np_sdef *));
        if (!nd)
                return NULL;
        s->defs = nd;
        np_sdef *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->id = strdup(id);
        if (!d->id) {
                free(d);
                return NULL;
        }
        d->type = type;
        d->backend = backend;
        d->file = file;
        d->vlan_id = -1;
        s->defs[s->n_defs++] = d;
        return d;
}
