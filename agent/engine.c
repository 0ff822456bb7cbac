/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/apply.h"
#include "agent/engine.h"
#include "agent/live.h"
#include "agent/management.h"
#include "agent/rtnl.h"
#include "agent/txn-disk.h"
#include "common/fault.h"
#include "common/log.h"
#include "netplan/netplan.h"
#include "proto/message.h"

/* How often the management address (grace, local confirmation, the old address coming
 * back) is looked at while a transaction waits; netlink changes also trigger a look. */
#define ENGINE_TICK_USEC (500u * 1000u)
/* confirm: local: the management address must be held this long, unchanged. */
#define ENGINE_LOCAL_STABLE_USEC (3u * 1000000u)
/* The names of the virtual links a candidate created, as journalled: at most this many. */
#define ENGINE_MAX_CREATED 32u
/* Ids of forced restores outside a transaction: the top bit set, then the second (CLOCK_REALTIME). */
#define ENGINE_FORCED_ID_BASE (UINT64_C(1) << 63)
/* The discard port: a datagram there provokes neighbour resolution and nothing else. */
#define ENGINE_DISCARD_PORT 9

const char *const engine_fault_points[] = {
        "engine:staged",
        "engine:apply-started",
        "engine:applied",
        "engine:confirm-received",
        "engine:committed",
        "engine:rollback-started",
        "engine:aborted",
        "engine:links-deleted",
        "engine:reapply-started",
        "engine:reapplied",
        "engine:verified",
        NULL,
};

struct engine {
        sd_event *event;
        char *root;
        const agent_config *cfg, *hint;
        engine_callbacks cb;
        void *userdata;
        txn_disk *disk;
        char *marker_path;              /* run/netguard/reapply-pending */

        bool have_txn;
        txn t;
        char confirm[16];
        char rejected[PATH_MAX];
        sd_event_source *deadline_src, *tick_src, *guard_src;
        apply *apply, *apply_done;      /* the running one; the finished one, freed later */

        np_config *applied_cfg;         /* what was last applied (NULL: unknown) */
        np_config *new_cfg;             /* the one being applied */
        /* The management address the host reached before the try, and the host. */
        bool have_old;
        ip_addr old_addr;
        char old_link[IF_NAMESIZE];
        bool have_host;
        host_peer host;
        uint64_t missing_since, stable_since; /* CLOCK_MONOTONIC, 0: not */
        ip_addr stable_addr;
        char created[ENGINE_MAX_CREATED][IF_NAMESIZE];
        size_t n_created;
        /* Links the candidate's apply renamed (set-name): a rollback names them back. */
        apply_rename renames[APPLY_MAX_RENAMES];
        size_t n_renames;
        /* The host's proof that came while applying (txn.proof_held says it still counts). */
        ip_addr proof_addr;
        char proof[128];
};

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static uint64_t realtime_of(uint64_t mono) {
        struct timespec ts;
        uint64_t now = mono_usec(), rt;

        if (mono == 0)
                return 0;
        clock_gettime(CLOCK_REALTIME, &ts);
        rt = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        return mono >= now ? rt + (mono - now) : rt - (now - mono);
}

static void step(engine *e, const char *name, const char *detail) {
        int r;

        if (!e->have_txn || e->t.id == 0 || (e->t.id & ENGINE_FORCED_ID_BASE))
                return;
        r = txn_disk_step(e->disk, e->t.id, name, detail);
        if (r < 0)
                log_debug_errno(r, "transaction %" PRIu64 ": journal step %s not written: %m", e->t.id, name);
}

/* ---- the marker: a rollback whose re-apply has not finished (kill -9 between the two) - */

static void marker_set(engine *e, bool on) {
        if (!on) {
                (void) unlink(e->marker_path);
                return;
        }
        _cleanup_free_ char *dir = strdup(e->marker_path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        int fd;

        if (slash) {
                *slash = 0;
                (void) mkdir(dir, 0755);
        }
        fd = open(e->marker_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                log_warning_errno(negative_errno(), "cannot write %s: %m", e->marker_path);
                return;
        }
        dprintf(fd, "%" PRIu64 "\n", e->t.id);
        close(fd);
}

/* ---- the network as it is -------------------------------------------------------------- */

static int load_disk_config(engine *e, np_config **ret) {
        np_load_options o = { .root_dir = e->root };
        np_diag_list diags = {};
        int r;

        r = np_config_load(&o, ret, &diags);
        np_diag_list_clear(&diags);
        return r;
}

/* The management link and, if known, the global address on it (or on the bond/bridge it
 * is a member of) in which the host lies. */
static bool mgmt_reachable(engine *e, const live_state *live, ip_addr *ret_addr, int *ret_ifindex) {
        const live_link *l = NULL;
        mgmt_source src;

        if (management_resolve_link(live, NULL, e->cfg, e->hint, &l, &src, NULL) < 0 || !l)
                return false;
        if (!e->have_host) {
                if (management_resolve_host(live, l, e->cfg, e->hint, &e->host) < 0)
                        return false;
                e->have_host = true;
        }
        /* The address sits at the top of a bond/bridge chain. */
        for (int depth = 0; l && depth < 8; depth++) {
                for (size_t i = 0; i < live->n_addresses; i++) {
                        const live_address *a = &live->addresses[i];

                        if (a->ifindex != l->ifindex || a->addr.family != e->host.addr.family ||
                            !live_address_is_global(a) || (a->flags & IFA_F_TENTATIVE))
                                continue;
                        if (host_peer_is_specific(&e->host) ? ip_prefix_contains(&a->addr, &e->host.addr)
                                                            : ip_prefix_contains(&e->host.addr, &a->addr)) {
                                if (ret_addr)
                                        *ret_addr = a->addr;
                                if (ret_ifindex)
                                        *ret_ifindex = l->ifindex;
                                return true;
                        }
                }
                l = l->master > 0 ? live_state_link_by_index(live, l->master) : NULL;
        }
        return false;
}

/* Provokes neighbour resolution of the host (a datagram of 0 bytes to the discard port
 * from the management address) and says whether the neighbour table has its link-layer
 * address. */
static bool host_answers_neighbour(engine *e, const ip_addr *local, int ifindex) {
        _cleanup_close_ int fd = -EBADF;
        uint16_t state = 0;

        if (!host_peer_is_specific(&e->host))
                return true;    /* only a subnet is known: the address is all we can check */
        fd = socket(e->host.addr.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0) {
                union {
                        struct sockaddr_in in;
                        struct sockaddr_in6 in6;
                } sa = {};
                socklen_t len;

                if (e->host.addr.family == AF_INET) {
                        sa.in = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons(ENGINE_DISCARD_PORT),
                                                       .sin_addr = e->host.addr.in };
                        len = sizeof(sa.in);
                } else {
                        sa.in6 = (struct sockaddr_in6) { .sin6_family = AF_INET6,
                                                         .sin6_port = htons(ENGINE_DISCARD_PORT),
                                                         .sin6_addr = e->host.addr.in6,
                                                         .sin6_scope_id = (uint32_t) ifindex };
                        len = sizeof(sa.in6);
                }
                if (connect(fd, (struct sockaddr *) &sa, len) == 0)
                        (void) send(fd, "", 0, MSG_DONTWAIT);
                close(fd);
                fd = -EBADF;
        }
        (void) local;
        fd = rtnl_open();
        if (fd < 0 || rtnl_neigh_state(fd, e->host.addr.family, &e->host.addr.in6, ifindex, &state) < 0)
                return false;
        return (state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)) != 0;
}

/* ---- reporting ------------------------------------------------------------------------- */

static int proto_state_of(txn_state s) {
        switch (s) {
        case TXN_APPLYING:
        case TXN_AWAITING_CONFIRM:
                return PROTO_TXN_PENDING;
        case TXN_CONFIRMED:
                return PROTO_TXN_CONFIRMED;
        case TXN_ROLLED_BACK:
                return PROTO_TXN_ROLLED_BACK;
        case TXN_FAILED:
                return PROTO_TXN_FAILED;
        case TXN_STAGING:
        case TXN_COMMITTING:
        case TXN_ROLLING_BACK:
        case TXN_REAPPLYING_OLD:
        case TXN_VERIFYING_OLD:
        case _TXN_STATE_MAX:
        case _TXN_STATE_INVALID:
                break;
        }
        return 0;
}

static void arm(engine *e);

static void changed(engine *e, bool report) {
        const txn *t = &e->t;

        arm(e);
        if (txn_state_is_final(t->state)) {
                log_full_errno(t->state == TXN_CONFIRMED ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING, 0,
                               "transaction %" PRIu64 ": %s%s%s", t->id, txn_state_to_string(t->state),
                               t->reason[0] ? ": " : "", t->reason);
                marker_set(e, false);
                e->n_created = 0;
                e->n_renames = 0;
        } else
                log_info("transaction %" PRIu64 ": %s%s%s%s", t->id, txn_state_to_string(t->state),
                         t->reason[0] ? " (" : "", t->reason, t->reason[0] ? ")" : "");
        if (e->cb.changed)
                e->cb.changed(e, t, report ? proto_state_of(t->state) : 0, realtime_of(t->deadline_usec),
                              e->userdata);
}

/* ---- actions --------------------------------------------------------------------------- */

static void handle(engine *e, txn_event ev, const char *detail);

static void on_apply_done(apply *a, int r, const char *detail, void *userdata) {
        engine *e = userdata;

        if (e->t.state == TXN_APPLYING) {
                size_t n;
                const apply_rename *rn = apply_renames(a, &n);
                char list[APPLY_MAX_RENAMES * 48] = "";

                memcpy(e->renames, rn, n * sizeof(*rn));
                e->n_renames = n;
                for (size_t i = 0; i < n; i++)
                        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s>%s", i ? " " : "",
                                 rn[i].from, rn[i].to);
                if (n > 0)
                        step(e, "links-renamed", list);
        }
        /* Freed later: we may be inside the apply's own bus callback. */
        apply_free(e->apply_done);
        e->apply_done = e->apply;
        e->apply = NULL;
        if (r < 0)
                log_warning("apply (%s): %s", agent_apply_mode_to_string(e->cfg->apply), detail);
        else
                log_info("apply (%s): %s", agent_apply_mode_to_string(e->cfg->apply), detail);
        if (e->t.state == TXN_APPLYING)
                fault_point("engine:applied");
        else if (e->t.state == TXN_REAPPLYING_OLD)
                fault_point("engine:reapplied");
        step(e, r < 0 ? "apply-failed" : "applied", detail);
        handle(e, r < 0 ? TXN_EVENT_APPLY_FAILED : TXN_EVENT_APPLIED, detail);
}

static int add_index(int *list, size_t *n, int ifindex) {
        for (size_t i = 0; i < *n; i++)
                if (list[i] == ifindex)
                        return 0;
        if (*n >= APPLY_MAX_LINKS)
                return -E2BIG;
        list[(*n)++] = ifindex;
        return 0;
}

static void add_matching(const np_netdef *d, const live_state *live, int *list, size_t *n) {
        for (size_t i = 0; d && i < live->n_links; i++) {
                const live_link *l = &live->links[i];
                np_link_info info = {
                        .name = l->name,
                        .mac = l->has_mac ? l->mac : NULL,
                        .perm_mac = l->has_perm_mac ? l->perm_mac : NULL,
                        .driver = l->driver[0] ? l->driver : NULL,
                };

                if (np_netdef_matches(d, &info))
                        (void) add_index(list, n, l->ifindex);
        }
}

/* A changed definition changes what netplan renders for its relatives too: the parent of
 * a VLAN gets VLAN=, the members of a bond or bridge get Bond=/Bridge=. So the links of
 * the definition, of its parent and members, and of whoever names it as such. */
static void add_related(const np_config *c, const char *id, const live_state *live, int *list, size_t *n) {
        const np_netdef *d = c ? np_config_netdef_by_id(c, id) : NULL;

        if (!c)
                return;
        add_matching(d, live, list, n);
        if (d && d->link)
                add_matching(np_config_netdef_by_id(c, d->link), live, list, n);
        for (size_t i = 0; d && d->interfaces && d->interfaces[i]; i++)
                add_matching(np_config_netdef_by_id(c, d->interfaces[i]), live, list, n);
        for (size_t k = 0; k < np_config_n_netdefs(c); k++) {
                const np_netdef *o = np_config_netdef_at(c, k);
                bool names = o->link && strcmp(o->link, id) == 0;

                for (size_t i = 0; !names && o->interfaces && o->interfaces[i]; i++)
                        names = strcmp(o->interfaces[i], id) == 0;
                if (names)
                        add_matching(o, live, list, n);
        }
}

/* The links whose definition differs between from and to (by ifindex), as networkd
 * matches them, with their relatives; without both configurations, every link but
 * loopback. */
static size_t affected_links(const np_config *from, const np_config *to, const live_state *live, int *list) {
        np_diff diff = {};
        size_t n = 0;

        if (!from || !to || np_config_diff(from, to, &diff) < 0) {
                for (size_t i = 0; i < live->n_links; i++)
                        if (!(live->links[i].flags & IFF_LOOPBACK))
                                (void) add_index(list, &n, live->links[i].ifindex);
                return n;
        }
        for (size_t c = 0; c < diff.n; c++) {
                add_related(from, diff.changes[c].id, live, list, &n);
                add_related(to, diff.changes[c].id, live, list, &n);
        }
        np_diff_clear(&diff);
        return n;
}

static bool is_virtual(np_def_type t) {
        switch (t) {
        case NP_DEF_BOND:
        case NP_DEF_BRIDGE:
        case NP_DEF_VLAN:
        case NP_DEF_TUNNEL:
        case NP_DEF_VRF:
        case NP_DEF_DUMMY:
        case NP_DEF_VETH:
                return true;
        case NP_DEF_ETHERNET:
        case NP_DEF_WIFI:
        case NP_DEF_MODEM:
        case NP_DEF_NM_DEVICE:
        case NP_DEF_OVS_PORT:
        case _NP_DEF_TYPE_MAX:
        case _NP_DEF_TYPE_INVALID:
                break;
        }
        return false;
}

/* Virtual links in the candidate, absent from the known-good and from the live state
 * now: the candidate creates them, the rollback deletes them. */
static void record_created(engine *e, const np_config *kg, const np_config *cand, const live_state *live) {
        char list[ENGINE_MAX_CREATED * (IF_NAMESIZE + 1) + 1] = "";

        e->n_created = 0;
        for (size_t i = 0; cand && i < np_config_n_netdefs(cand); i++) {
                const np_netdef *d = np_config_netdef_at(cand, i);

                if (!is_virtual(d->type) || strlen(d->id) >= IF_NAMESIZE || e->n_created >= ENGINE_MAX_CREATED)
                        continue;
                if ((kg && np_config_netdef_by_id(kg, d->id)) || live_state_link_by_name(live, d->id))
                        continue;
                snprintf(e->created[e->n_created++], IF_NAMESIZE, "%s", d->id);
                strcat(list, list[0] ? " " : "");
                strcat(list, d->id);
        }
        if (e->n_created > 0)
                step(e, "links-created", list);
}

static void start_apply(engine *e, const np_config *from, const np_config *to) {
        _cleanup_(live_state_freep) live_state *live = NULL;
        int links[APPLY_MAX_LINKS];
        apply_request req = {
                .mode = e->cfg->apply,
                .argv = e->cfg->apply_argv,
                .root = e->root,
                .ifindexes = links,
        };
        int r;

        if (live_state_read(&live) >= 0)
                req.n_ifindexes = affected_links(from, to, live, links);
        apply_free(e->apply);
        e->apply = NULL;
        r = apply_start(e->event, &req, on_apply_done, e, &e->apply);
        if (r < 0) {
                char detail[128];

                snprintf(detail, sizeof(detail), "cannot start the apply backend: %s", strerror(-r));
                log_error("%s", detail);
                handle(e, TXN_EVENT_APPLY_FAILED, detail);
        }
}

static void delete_created_links(engine *e) {
        _cleanup_close_ int fd = rtnl_open();
        char done[ENGINE_MAX_CREATED * (IF_NAMESIZE + 1) + 1] = "";

        if (fd < 0) {
                log_warning_errno(fd, "cannot delete the links the candidate created: %m");
                return;
        }
        for (size_t i = 0; i < e->n_created; i++) {
                int r = rtnl_link_delete(fd, e->created[i]);

                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "cannot delete link %s the candidate created: %m", e->created[i]);
                else if (r >= 0) {
                        log_info("deleted link %s (the candidate created it)", e->created[i]);
                        strcat(done, done[0] ? " " : "");
                        strcat(done, e->created[i]);
                }
        }
        e->n_created = 0;
        fault_point("engine:links-deleted");
}

/* The journal's record is gone (restart, guard mode): the virtual links of the candidate
 * the known-good lacks, live now, are the candidate's. */
static void created_by(engine *e) {
        _cleanup_(np_config_freep) np_config *kg = NULL;
        _cleanup_(live_state_freep) live_state *live = NULL;

        if (!e->new_cfg || load_disk_config(e, &kg) < 0 || live_state_read(&live) < 0)
                return;
        for (size_t i = 0; i < np_config_n_netdefs(e->new_cfg) && e->n_created < ENGINE_MAX_CREATED; i++) {
                const np_netdef *d = np_config_netdef_at(e->new_cfg, i);

                if (is_virtual(d->type) && strlen(d->id) < IF_NAMESIZE && !np_config_netdef_by_id(kg, d->id) &&
                    live_state_link_by_name(live, d->id))
                        snprintf(e->created[e->n_created++], IF_NAMESIZE, "%s", d->id);
        }
}

static void do_abort(engine *e, bool force) {
        _cleanup_free_ char *rejected = NULL;
        char detail[512];
        int r;

        marker_set(e, true);
        fault_point("engine:rollback-started");
        /* What the candidate brought is what the next apply moves away from. */
        if (!e->new_cfg && load_disk_config(e, &e->new_cfg) < 0)
                e->new_cfg = NULL;
        if (force)
                r = txn_disk_force_rollback(e->disk, e->t.reason, &rejected);
        else
                r = txn_disk_abort(e->disk, e->t.id, e->t.reason, &rejected);
        if (rejected)
                snprintf(e->rejected, sizeof(e->rejected), "%s", rejected);
        if (r >= 0 && e->n_created == 0)
                created_by(e);
        if (r < 0) {
                snprintf(detail, sizeof(detail), "%s", txn_disk_last_error(e->disk));
                log_error("transaction %" PRIu64 ": %s failed: %s", e->t.id, force ? "forced rollback" : "abort",
                          detail);
                /* The forced path failing leaves nothing to re-apply. */
                handle(e, force ? TXN_EVENT_APPLY_FAILED : TXN_EVENT_ABORT_FAILED, detail);
                return;
        }
        fault_point("engine:aborted");
        if (!force)
                handle(e, TXN_EVENT_ABORTED, NULL);
}

static void do_apply_old(engine *e) {
        _cleanup_(np_config_freep) np_config *old = NULL;

        fault_point("engine:reapply-started");
        /* The known-good's definitions match the links by their old names. */
        for (size_t i = 0; i < e->n_renames; i++) {
                int r = apply_rename_link(e->renames[i].ifindex, e->renames[i].from);

                if (r < 0)
                        log_warning_errno(r, "cannot rename %s back to %s: %m", e->renames[i].to, e->renames[i].from);
                else
                        log_info("renamed %s back to %s", e->renames[i].to, e->renames[i].from);
        }
        e->n_renames = 0;
        if (load_disk_config(e, &old) < 0)
                old = NULL;
        start_apply(e, e->new_cfg ? e->new_cfg : e->applied_cfg, old);
        np_config_free(e->applied_cfg);
        e->applied_cfg = TAKE_PTR(old);
        e->new_cfg = np_config_free(e->new_cfg);
}

static bool holds_address(const ip_addr *address);

/* The host proved the candidate's address before the apply returned: the proof confirms
 * now, if the guest still holds the address it was for. */
static void use_held_proof(engine *e) {
        if (!holds_address(&e->proof_addr)) {
                log_notice("transaction %" PRIu64 ": the host's early proof (%s) is for an address the guest "
                           "does not hold after the apply: not a confirmation", e->t.id, e->proof);
                return;
        }
        log_info("transaction %" PRIu64 ": confirmed by the host's proof that came while applying (%s)", e->t.id,
                 e->proof);
        step(e, "confirm-received", e->proof);
        handle(e, TXN_EVENT_CONFIRM, e->proof);
}

static void run(engine *e, unsigned actions) {
        uint64_t id = e->t.id;
        txn_state s = e->t.state;

        /* A proof held while applying changes nothing the host or D-Bus sees. */
        if (actions == TXN_ACTION_HOLD_PROOF)
                return;

        /* Each action may move the machine on (synchronous disk steps): later actions of
         * this edge are only for the state the edge entered. */
#define STILL (e->t.id == id && e->t.state == s)
        if (actions & TXN_ACTION_REPORT)
                changed(e, true);
        else
                changed(e, false);
        if ((actions & TXN_ACTION_CANCEL_APPLY) && STILL) {
                e->apply = apply_free(e->apply);
        }
        if ((actions & TXN_ACTION_APPLY_NEW) && STILL) {
                _cleanup_(live_state_freep) live_state *live = NULL;

                if (load_disk_config(e, &e->new_cfg) < 0)
                        e->new_cfg = NULL;
                if (live_state_read(&live) >= 0)
                        record_created(e, e->applied_cfg, e->new_cfg, live);
                step(e, "apply-started", agent_apply_mode_to_string(e->cfg->apply));
                fault_point("engine:apply-started");
                start_apply(e, e->applied_cfg, e->new_cfg);
                if (STILL) {
                        np_config_free(e->applied_cfg);
                        e->applied_cfg = TAKE_PTR(e->new_cfg);
                        e->new_cfg = NULL;
                }
        }
        if ((actions & TXN_ACTION_WATCH_CONFIRM) && STILL) {
                e->missing_since = e->stable_since = 0;
                step(e, "confirm-wait", e->confirm);
        }
        if ((actions & TXN_ACTION_USE_PROOF) && STILL)
                use_held_proof(e);
        if ((actions & TXN_ACTION_COMMIT) && STILL) {
                int r;

                fault_point("engine:confirm-received");
                r = txn_disk_commit(e->disk, e->t.id);
                if (r < 0)
                        handle(e, TXN_EVENT_COMMIT_FAILED, txn_disk_last_error(e->disk));
                else {
                        fault_point("engine:committed");
                        handle(e, TXN_EVENT_COMMITTED, NULL);
                }
                return;
        }
        if ((actions & TXN_ACTION_ABORT) && STILL) {
                do_abort(e, false);
                return;
        }
        if ((actions & TXN_ACTION_FORCE_RESTORE) && STILL)
                do_abort(e, true);
        if ((actions & TXN_ACTION_DELETE_LINKS) && STILL)
                delete_created_links(e);
        if ((actions & TXN_ACTION_APPLY_OLD) && STILL)
                do_apply_old(e);
        if ((actions & TXN_ACTION_VERIFY_OLD) && STILL)
                e->stable_since = 0;
#undef STILL
}

static void handle(engine *e, txn_event ev, const char *detail) {
        unsigned actions;

        if (!e->have_txn)
                return;
        actions = txn_handle(&e->t, ev, detail, mono_usec());
        if (actions == 0 && txn_state_to_string(e->t.state) && ev != TXN_EVENT_DEADLINE)
                log_debug("transaction %" PRIu64 ": %s ignored in %s", e->t.id, txn_event_to_string(ev),
                          txn_state_to_string(e->t.state));
        if (actions != 0 || ev == TXN_EVENT_DEADLINE)
                run(e, actions);
}

/* ---- timers ---------------------------------------------------------------------------- */

static void check_network(engine *e) {
        _cleanup_(live_state_freep) live_state *live = NULL;
        uint64_t now = mono_usec();
        ip_addr addr = {};
        int ifindex = 0;
        bool ok;

        if (!e->have_txn || (e->t.state != TXN_AWAITING_CONFIRM && e->t.state != TXN_VERIFYING_OLD))
                return;
        if (live_state_read(&live) < 0)
                return;
        ok = mgmt_reachable(e, live, &addr, &ifindex);

        if (e->t.state == TXN_VERIFYING_OLD) {
                char have[IP_PREFIX_STRLEN] = "none", want[IP_PREFIX_STRLEN] = "any";

                if (ok)
                        (void) ip_prefix_to_string(&addr, have, sizeof(have));
                if (e->have_old)
                        (void) ip_prefix_to_string(&e->old_addr, want, sizeof(want));
                log_debug("transaction %" PRIu64 ": management address %s, waiting for %s", e->t.id, have, want);
                /* The address the host reached before, if we knew it; else any it reaches. */
                if (ok && (!e->have_old || ip_addr_equal(&addr, &e->old_addr))) {
                        fault_point("engine:verified");
                        handle(e, TXN_EVENT_OLD_ADDRESS_BACK, NULL);
                }
                return;
        }

        if (!ok) {
                char detail[96];
                uint64_t grace = (uint64_t) e->cfg->try_grace * 1000000u;

                e->stable_since = 0;
                if (e->missing_since == 0)
                        e->missing_since = now;
                if (now - e->missing_since >= grace) {
                        snprintf(detail, sizeof(detail), "missing for %" PRIu64 " s (try.grace %u s)",
                                 (now - e->missing_since) / 1000000u, e->cfg->try_grace);
                        handle(e, TXN_EVENT_MGMT_LOST, detail);
                }
                return;
        }
        e->missing_since = 0;
        if (strcmp(e->confirm, "local") != 0)
                return;
        if (e->stable_since == 0 || !ip_addr_equal(&addr, &e->stable_addr)) {
                e->stable_since = now;
                e->stable_addr = addr;
                return;
        }
        if (now - e->stable_since >= ENGINE_LOCAL_STABLE_USEC && host_answers_neighbour(e, &addr, ifindex)) {
                char a[IP_PREFIX_STRLEN] = "?";

                (void) ip_prefix_to_string(&addr, a, sizeof(a));
                step(e, "confirm-received", "local");
                log_info("transaction %" PRIu64 ": confirmed locally: %s held, the host answers", e->t.id, a);
                handle(e, TXN_EVENT_CONFIRM, "local");
        }
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        engine *e = userdata;

        e->deadline_src = sd_event_source_disable_unref(e->deadline_src);
        handle(e, TXN_EVENT_DEADLINE, NULL);
        return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        engine *e = userdata;

        check_network(e);
        /* A time source fires once: set it again while the network is watched. */
        if (e->tick_src && (e->t.state == TXN_AWAITING_CONFIRM || e->t.state == TXN_VERIFYING_OLD) &&
            (sd_event_source_set_time_relative(e->tick_src, ENGINE_TICK_USEC) < 0 ||
             sd_event_source_set_enabled(e->tick_src, SD_EVENT_ONESHOT) < 0))
                log_error("cannot arm the transaction's network watch again");
        return 0;
}

/* The deadline timer of the current state, and the tick while the network is watched. */
static void arm(engine *e) {
        bool watch = e->have_txn && (e->t.state == TXN_AWAITING_CONFIRM || e->t.state == TXN_VERIFYING_OLD);

        e->deadline_src = sd_event_source_disable_unref(e->deadline_src);
        if (e->have_txn && e->t.deadline_usec > 0 &&
            sd_event_add_time(e->event, &e->deadline_src, CLOCK_MONOTONIC, e->t.deadline_usec, 0, on_deadline, e) < 0)
                log_error("cannot arm the transaction's deadline");
        if (!watch) {
                e->tick_src = sd_event_source_disable_unref(e->tick_src);
                return;
        }
        if (!e->tick_src && sd_event_add_time_relative(e->event, &e->tick_src, CLOCK_MONOTONIC, ENGINE_TICK_USEC, 0,
                                                       on_tick, e) < 0)
                log_error("cannot arm the transaction's network watch");
}

/* ---- the public side ------------------------------------------------------------------- */

static txn_timeouts timeouts_of(const engine *e, uint32_t timeout_sec) {
        return (txn_timeouts) {
                .confirm_usec = (uint64_t) (timeout_sec ? timeout_sec : e->cfg->try_timeout) * 1000000u,
        };
}

static void set_error(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
}

static bool busy(const engine *e) {
        return e->have_txn && !txn_state_is_final(e->t.state);
}

/* Before a try: the address the host reaches now is what a rollback must bring back. */
static void remember_old(engine *e) {
        _cleanup_(live_state_freep) live_state *live = NULL;

        e->have_old = e->have_host = false;
        if (live_state_read(&live) < 0)
                return;
        e->have_old = mgmt_reachable(e, live, &e->old_addr, NULL);
        if (!e->applied_cfg && load_disk_config(e, &e->applied_cfg) < 0)
                e->applied_cfg = NULL;
}

int engine_try(engine *e, const engine_file *files, size_t n_files, uint32_t timeout_sec, bool force,
               const char *origin, uint64_t *ret_id, char **ret_error) {
        _cleanup_(netplan_set_freep) netplan_set *cand = NULL;
        _cleanup_free_ char *etc = NULL, *error = NULL;
        txn_timeouts to = timeouts_of(e, timeout_sec);
        uint64_t id = 0;
        int r;

        if (busy(e)) {
                set_error(ret_error, "transaction %" PRIu64 " is %s; confirm or roll it back first", e->t.id,
                          txn_state_to_string(e->t.state));
                return -EBUSY;
        }
        if (n_files > ENGINE_MAX_FILES) {
                set_error(ret_error, "more than %u files", ENGINE_MAX_FILES);
                return -E2BIG;
        }
        if (n_files > 0) {
                /* The whole configuration to try: what /etc/netplan holds, the files given
                 * replacing those of the same name. */
                if (asprintf(&etc, "%s/etc/netplan", strcmp(e->root, "/") == 0 ? "" : e->root) < 0)
                        return -ENOMEM;
                r = netplan_set_read_dir(etc, &cand, &error);
                if (r < 0) {
                        set_error(ret_error, "%s", error ? error : strerror(-r));
                        return r;
                }
                for (size_t i = 0; i < n_files; i++) {
                        r = netplan_set_put(cand, files[i].name, files[i].data, files[i].size);
                        if (r < 0) {
                                set_error(ret_error, "%s: %s", files[i].name,
                                          r == -EINVAL ? "not a netplan file name (NAME.yaml, no '/', no spaces)"
                                          : r == -EFBIG ? "larger than a netplan file may be here"
                                                        : strerror(-r));
                                return r == -EFBIG ? -EINVAL : r;
                        }
                }
        }
        remember_old(e);
        r = txn_disk_begin(e->disk, cand, origin, &id);
        if (r < 0) {
                set_error(ret_error, "%s", txn_disk_last_error(e->disk)[0] ? txn_disk_last_error(e->disk)
                                                                           : strerror(-r));
                return r;
        }
        fault_point("engine:staged");
        txn_init(&e->t, id, &to, mono_usec());
        e->have_txn = true;
        e->rejected[0] = 0;
        e->n_created = 0;
        e->n_renames = 0;
        snprintf(e->confirm, sizeof(e->confirm), "%s", agent_confirm_mode_to_string(e->cfg->try_confirm));
        log_info("transaction %" PRIu64 ": %s, confirm %s within %" PRIu64 " s%s", id, origin ? origin : "started",
                 e->confirm, to.confirm_usec / 1000000u, force ? " (check overridden)" : "");
        changed(e, false);
        handle(e, TXN_EVENT_STAGED, NULL);
        *ret_id = id;
        return 0;
}

static int match_pending(engine *e, uint64_t id, char **ret_error) {
        if (!e->have_txn || txn_state_is_final(e->t.state)) {
                set_error(ret_error, "no transaction is pending");
                return -ESRCH;
        }
        if (id != 0 && id != e->t.id) {
                set_error(ret_error, "transaction %" PRIu64 " is not pending (%" PRIu64 " is)", id, e->t.id);
                return -ESRCH;
        }
        return 0;
}

int engine_confirm(engine *e, uint64_t id, const char *how, char **ret_error) {
        int r = match_pending(e, id, ret_error);

        if (r < 0)
                return r;
        if (e->t.state != TXN_AWAITING_CONFIRM) {
                set_error(ret_error, "transaction %" PRIu64 " is %s, not awaiting confirmation", e->t.id,
                          txn_state_to_string(e->t.state));
                return -EBUSY;
        }
        step(e, "confirm-received", how);
        handle(e, TXN_EVENT_CONFIRM, how);
        return 0;
}

/* A rollback of what is on disk whatever the journal says: guard mode, rollback --force.
 * With no transaction of the journal's, it still needs an id the host and D-Bus can tell
 * apart (the protocol's TXN id is never 0), and one the journal never gives. */
static void forced(engine *e, uint64_t id, const char *reason) {
        txn_timeouts to = timeouts_of(e, 0);
        unsigned actions;

        if (id == 0)
                id = ENGINE_FORCED_ID_BASE | (realtime_of(mono_usec()) / 1000000u);

        e->apply = apply_free(e->apply);
        if (!e->new_cfg && load_disk_config(e, &e->new_cfg) < 0)
                e->new_cfg = NULL;
        remember_old(e);
        /* The address and host to come back are the known-good's, not what holds now. */
        e->have_old = e->have_host = false;
        e->have_txn = true;
        e->rejected[0] = 0;
        snprintf(e->confirm, sizeof(e->confirm), "%s", agent_confirm_mode_to_string(e->cfg->try_confirm));
        actions = txn_init_rollback(&e->t, id, &to, true, reason, mono_usec());
        run(e, actions | TXN_ACTION_REPORT);
}

int engine_rollback(engine *e, uint64_t id, bool force, char **ret_error) {
        int r;

        if (force) {
                uint64_t pending = 0;

                if (busy(e) && e->t.state != TXN_AWAITING_CONFIRM && e->t.state != TXN_APPLYING) {
                        set_error(ret_error, "transaction %" PRIu64 " is already %s", e->t.id,
                                  txn_state_to_string(e->t.state));
                        return -EBUSY;
                }
                e->apply = apply_free(e->apply);
                if (txn_disk_pending(e->disk, &pending) <= 0)
                        pending = 0;
                forced(e, busy(e) ? e->t.id : pending, "forced rollback requested (netguard rollback --force)");
                return 0;
        }
        r = match_pending(e, id, ret_error);
        if (r < 0)
                return r;
        if (e->t.state != TXN_AWAITING_CONFIRM && e->t.state != TXN_APPLYING) {
                set_error(ret_error, "transaction %" PRIu64 " is already %s", e->t.id, txn_state_to_string(e->t.state));
                return -EBUSY;
        }
        handle(e, TXN_EVENT_ROLLBACK, "netguard rollback");
        return 0;
}

static int on_guard(sd_event_source *s, uint64_t usec, void *userdata) {
        engine *e = userdata;
        char reason[160];

        e->guard_src = sd_event_source_disable_unref(e->guard_src);
        if (busy(e))
                return 0;
        snprintf(reason, sizeof(reason), "guard: the host lost the guest for %u s outside any transaction",
                 e->cfg->guard_restore_after);
        log_warning("%s: restoring the known-good configuration", reason);
        forced(e, 0, reason);
        return 0;
}

static bool holds_address(const ip_addr *address) {
        _cleanup_(live_state_freep) live_state *live = NULL;

        if (!address || !ip_addr_is_set(address) || live_state_read(&live) < 0)
                return false;
        for (size_t i = 0; i < live->n_addresses; i++)
                if (ip_addr_equal(&live->addresses[i].addr, address) &&
                    !(live->addresses[i].flags & IFA_F_TENTATIVE))
                        return true;
        return false;
}

void engine_host_reached(engine *e, uint64_t txn_id, const ip_addr *address, const char *proof) {
        char source[128];
        int r;

        e->guard_src = sd_event_source_disable_unref(e->guard_src);
        if (busy(e)) {
                if (txn_id != e->t.id || strcmp(e->confirm, "host") != 0)
                        return;
                if (e->t.state == TXN_APPLYING && address && ip_addr_is_set(address)) {
                        /* At the address of before the try, a proof while the apply runs
                         * cannot tell the candidate took effect: the host proves it again. */
                        if (e->have_old && ip_addr_equal(address, &e->old_addr)) {
                                log_info("transaction %" PRIu64 ": the host's proof (%s) came while applying, at "
                                         "the address of before the try: not held", e->t.id, proof ? proof : "?");
                                return;
                        }
                        /* Held for awaiting-confirm (transaction.c drops it on any other edge). */
                        e->proof_addr = *address;
                        snprintf(e->proof, sizeof(e->proof), "%s", proof ? proof : "?");
                        log_info("transaction %" PRIu64 ": the host's proof (%s) came while applying: held",
                                 e->t.id, e->proof);
                        handle(e, TXN_EVENT_HOST_REACHED, proof);
                        return;
                }
                if (e->t.state != TXN_AWAITING_CONFIRM)
                        return;
                if (!holds_address(address)) {
                        log_notice("transaction %" PRIu64 ": the host's proof (%s) is for an address the guest "
                                   "no longer holds: not a confirmation", e->t.id, proof ? proof : "?");
                        return;
                }
                step(e, "confirm-received", proof);
                handle(e, TXN_EVENT_CONFIRM, proof);
                return;
        }
        if (txn_id != 0)
                return;
        snprintf(source, sizeof(source), "HOST_REACHED (%s)", proof ? proof : "?");
        r = txn_disk_mark_known_good(e->disk, source);
        if (r < 0 && r != -EBUSY)
                log_warning("cannot mark the configuration known-good: %s", txn_disk_last_error(e->disk));
}

void engine_host_lost(engine *e, uint64_t txn_id, const char *reason) {
        if (busy(e)) {
                handle(e, TXN_EVENT_HOST_LOST, reason);
                return;
        }
        if (e->cfg->guard_restore_after == 0 || e->guard_src)
                return;
        if (sd_event_add_time_relative(e->event, &e->guard_src, CLOCK_MONOTONIC,
                                       (uint64_t) e->cfg->guard_restore_after * 1000000u, 0, on_guard, e) < 0)
                log_error("cannot arm the guard timer");
        else
                log_notice("guard: the host lost the guest (%s); the known-good comes back in %u s unless it "
                           "reaches the guest again",
                           reason ? reason : "no reason", e->cfg->guard_restore_after);
}

void engine_network_changed(engine *e) {
        check_network(e);
}

void engine_get_info(engine *e, engine_info *ret) {
        *ret = (engine_info) {
                .id = e->have_txn ? e->t.id : 0,
                .state = e->have_txn ? e->t.state : _TXN_STATE_INVALID,
                .deadline_realtime_usec = e->have_txn ? realtime_of(e->t.deadline_usec) : 0,
                .reason = e->have_txn ? e->t.reason : "",
                .confirm = e->confirm,
                .rejected_path = e->rejected,
                .active = e->have_txn,
        };
}

int engine_history(engine *e, struct txn_history **ret) {
        return txn_disk_history(e->disk, ret);
}

void engine_set_config(engine *e, const agent_config *cfg, const agent_config *hint) {
        e->cfg = cfg;
        e->hint = hint;
}

/* After a restart the renames are the journal's word ("links-renamed"): a link still
 * called TO, with no link called FROM, is named back by the re-apply (do_apply_old). After
 * a reboot neither holds (the names come from /etc again): nothing to do. */
static void renames_from_journal(engine *e, uint64_t id, const char *list) {
        apply_rename rn[APPLY_MAX_RENAMES];
        size_t n = 0;
        int r;

        e->n_renames = 0;
        if (!list)
                return;
        r = apply_renames_parse(list, rn, ELEMENTSOF(rn), &n);
        if (r < 0) {
                log_warning_errno(r, "transaction %" PRIu64 ": the journal's links-renamed '%s' is unreadable: %m; "
                                  "links keep their names", id, list);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned idx = if_nametoindex(rn[i].to);

                if (idx == 0 || if_nametoindex(rn[i].from) != 0) {
                        log_info("transaction %" PRIu64 ": %s>%s from the journal: %s", id, rn[i].from, rn[i].to,
                                 idx == 0 ? "no link is called that now" : "its old name is taken");
                        continue;
                }
                rn[i].ifindex = (int) idx;
                e->renames[e->n_renames++] = rn[i];
                log_info("transaction %" PRIu64 ": %s was %s before the candidate (journal): named back on rollback",
                         id, rn[i].to, rn[i].from);
        }
}

int engine_start(engine *e) {
        txn_recovery rec = {};
        txn_timeouts to = timeouts_of(e, 0);
        np_config *staged = NULL;
        bool reapply;
        int r;

        /* What the pending candidate staged is what is live (unless a reboot came). */
        if (load_disk_config(e, &staged) < 0)
                staged = NULL;
        reapply = access(e->marker_path, F_OK) == 0;
        r = txn_disk_recover(e->disk, &rec);
        if (r < 0) {
                log_error("recovery of the transactions failed: %s", txn_disk_last_error(e->disk));
                np_config_free(staged);
                return r;
        }
        if (rec.journal)
                log_info("recovery: %s", rec.journal);
        switch (rec.action) {
        case TXN_RECOVERY_ROLLED_BACK:
                log_warning("transaction %" PRIu64 " was pending at start: rolled back (%s)%s%s", rec.id,
                            rec.detail ? rec.detail : "", rec.rejected_path ? ", candidate kept in " : "",
                            rec.rejected_path ? rec.rejected_path : "");
                e->new_cfg = staged;
                staged = NULL;
                remember_old(e);
                e->have_old = false;
                e->have_txn = true;
                snprintf(e->rejected, sizeof(e->rejected), "%s", rec.rejected_path ? rec.rejected_path : "");
                snprintf(e->confirm, sizeof(e->confirm), "%s", agent_confirm_mode_to_string(e->cfg->try_confirm));
                (void) txn_init_rollback(&e->t, rec.id, &to, false, "the agent started with it pending", mono_usec());
                marker_set(e, true);
                /* The journal's record of the links is not read back: what the staged
                 * candidate has and the known-good lacks, live now, goes. */
                created_by(e);
                renames_from_journal(e, rec.id, rec.renamed);
                changed(e, true);
                /* txn_disk_recover did the abort. */
                handle(e, TXN_EVENT_ABORTED, NULL);
                break;
        case TXN_RECOVERY_ROLLED_FORWARD:
                log_notice("transaction %" PRIu64 " was committing at start: committed (%s)", rec.id,
                           rec.detail ? rec.detail : "");
                /* A reboot inside the commit booted a mix: apply what is on disk now. */
                forced(e, rec.id, "the agent started during its commit: committed, applied again");
                break;
        case TXN_RECOVERY_NOTHING:
        case _TXN_RECOVERY_MAX:
        case _TXN_RECOVERY_INVALID:
                if (reapply) {
                        log_warning("a rollback's re-apply did not finish before the agent stopped: applying the "
                                    "known-good again");
                        renames_from_journal(e, rec.id, rec.renamed);
                        forced(e, 0, "the agent stopped during a rollback; known-good applied again");
                }
                break;
        }
        np_config_free(staged);
        txn_recovery_done(&rec);
        return 0;
}

engine *engine_free(engine *e) {
        if (!e)
                return NULL;
        sd_event_source_disable_unref(e->deadline_src);
        sd_event_source_disable_unref(e->tick_src);
        sd_event_source_disable_unref(e->guard_src);
        apply_free(e->apply);
        apply_free(e->apply_done);
        np_config_free(e->applied_cfg);
        np_config_free(e->new_cfg);
        txn_disk_free(e->disk);
        sd_event_unref(e->event);
        free(e->marker_path);
        free(e->root);
        free(e);
        return NULL;
}

int engine_new(sd_event *event, const engine_params *p, const engine_callbacks *cb, void *userdata,
               engine **ret) {
        _cleanup_(engine_freep) engine *e = NULL;
        const char *root = p->root && *p->root ? p->root : "/";
        int r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->event = sd_event_ref(event);
        e->root = strdup(root);
        if (!e->root || asprintf(&e->marker_path, "%s/run/netguard/reapply-pending",
                                 strcmp(root, "/") == 0 ? "" : root) < 0)
                return -ENOMEM;
        e->cfg = p->cfg;
        e->hint = p->hint;
        if (cb)
                e->cb = *cb;
        e->userdata = userdata;
        r = txn_disk_open(root, &e->disk);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(e);
        return 0;
}
