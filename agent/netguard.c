/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netguard: the guest CLI. This issue brings `check`; try/confirm/rollback/status/history
 * come with the agent daemon. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent-config.h"
#include "agent/check.h"
#include "agent/live.h"
#include "agent/rule.h"
#include "common/log.h"
#include "netplan/netplan.h"

enum {
        EXIT_SAFE = 0,
        EXIT_REFUSED = 1,
        EXIT_INVALID = 2,
        EXIT_CANNOT_JUDGE = 3,
};

typedef struct check_args {
        const char *root_dir;
        const char *mgmt;
        const char *netplan_version;
        bool json;
        char **files;
        size_t n_files;
} check_args;

static void usage(FILE *f) {
        fputs("usage: netguard check [--root-dir DIR] [--mgmt IFACE|MAC] [--json]\n"
              "                      [--netplan-version VER] [FILE...]\n"
              "       netguard check --explain NGnnn\n"
              "       netguard --help | --version\n"
              "\n"
              "check  judge netplan FILEs (each standing as etc/netplan/<basename>), or the\n"
              "       configuration on disk, against the live network state: exit 0 safe,\n"
              "       1 refused (the host would lose the guest), 2 invalid (netplan would reject\n"
              "       it), 3 could not judge.\n"
              "\n"
              "  --root-dir DIR         take every path under DIR (netplan files, agent.yaml)\n"
              "  --mgmt IFACE|MAC       the management link (default: agent config, host hint,\n"
              "                         default route, first Ethernet link with a global address)\n"
              "  --json                 print the verdict and findings as JSON on stdout\n"
              "  --netplan-version VER  validate for this netplan version (default: installed)\n"
              "  --explain NGnnn        describe a rule\n",
              f);
}

static char *path_under(const char *root, const char *path) {
        char *s;

        if (!root || !*root || strcmp(root, "/") == 0)
                return strdup(path);
        size_t n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
                n--;
        if (asprintf(&s, "%.*s%s", (int) n, root, path) < 0)
                return NULL;
        return s;
}

/* The findings and notes of one run, printed as text on stderr and, with --json, as one
 * document on stdout. */
typedef struct report {
        bool json;
        json_object *doc;
        json_object *findings;
} report;

static void report_done(report *rep) {
        json_object_put(rep->doc);
}

static int report_init(report *rep, bool json) {
        *rep = (report) { .json = json };
        if (!json)
                return 0;
        rep->doc = json_object_new_object();
        rep->findings = json_object_new_array();
        if (!rep->doc || !rep->findings) {
                json_object_put(rep->findings);
                return -ENOMEM;
        }
        json_object_object_add(rep->doc, "findings", rep->findings);
        return 0;
}

static void jset_str(json_object *o, const char *key, const char *value) {
        json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void jset_int(json_object *o, const char *key, int64_t value) {
        json_object_object_add(o, key, json_object_new_int64(value));
}

static int report_finish(report *rep, int status, const char *error) {
        static const char *const names[] = { "safe", "refused", "invalid", "error" };

        if (error)
                log_error("%s", error);
        if (!rep->json)
                return status;
        jset_str(rep->doc, "status", names[status]);
        jset_int(rep->doc, "exit", status);
        if (error)
                jset_str(rep->doc, "error", error);
        puts(json_object_to_json_string_ext(rep->doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        return status;
}

static void report_netplan_diag(report *rep, const np_diag *d) {
        _cleanup_free_ char *text = np_diag_format(d);
        static const char *const kinds[_NP_DIAG_KIND_MAX] = {
                [NP_DIAG_YAML] = "yaml",
                [NP_DIAG_DEFINITION] = "definition",
                [NP_DIAG_IO] = "io",
                [NP_DIAG_NEWER_NETPLAN] = "newer-netplan",
                [NP_DIAG_NOTE] = "note",
        };

        if (text) {
                fputs(text, stderr);
                if (text[0] && text[strlen(text) - 1] != '\n')
                        fputc('\n', stderr);
        } else
                fprintf(stderr, "%s:%u:%u: %s\n", d->pos.file ? d->pos.file : "-", d->pos.line, d->pos.column,
                        d->message ? d->message : "?");
        if (d->kind == NP_DIAG_NEWER_NETPLAN && d->newer_version)
                fprintf(stderr, "    hint: this needs netplan %s or newer; the netplan targeted here rejects it%s\n",
                        d->newer_version, " (--netplan-version overrides the installed version)");
        if (!rep->json)
                return;
        json_object *o = json_object_new_object();
        if (!o)
                return;
        json_object_object_add(o, "rule", NULL);
        jset_str(o, "severity", d->severity == NP_SEVERITY_ERROR ? "error" : "warning");
        jset_str(o, "kind", d->kind >= 0 && d->kind < _NP_DIAG_KIND_MAX ? kinds[d->kind] : NULL);
        jset_str(o, "file", d->pos.file);
        jset_int(o, "line", d->pos.line);
        jset_int(o, "column", d->pos.column);
        jset_str(o, "message", d->message);
        if (d->source_line)
                jset_str(o, "source_line", d->source_line);
        if (d->newer_version)
                jset_str(o, "newer_version", d->newer_version);
        json_object_array_add(rep->findings, o);
}

static void report_finding(report *rep, const check_finding *f) {
        const rule_info *info = rule_get(f->rule);
        const char *sev = rule_severity_to_string(f->severity);

        fprintf(stderr, "%s:%u:%u: %s: [%s] %s\n    hint: %s\n", f->file, f->line, f->column, sev, info->code,
                f->message, f->hint);
        if (!rep->json)
                return;
        json_object *o = json_object_new_object();
        if (!o)
                return;
        jset_str(o, "rule", info->code);
        jset_str(o, "name", info->name);
        jset_str(o, "severity", sev);
        jset_str(o, "file", f->file);
        jset_int(o, "line", f->line);
        jset_int(o, "column", f->column);
        jset_str(o, "message", f->message);
        jset_str(o, "hint", f->hint);
        json_object_array_add(rep->findings, o);
}

static const np_netdef **netdefs_of(const np_config *c, size_t *ret_n) {
        size_t n = np_config_n_netdefs(c);
        const np_netdef **v;

        *ret_n = n;
        if (n == 0)
                return NULL;
        v = calloc(n, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++)
                v[i] = np_config_netdef_at(c, i);
        return v;
}

static int explain(const char *id) {
        rule_id r = rule_from_string(id);
        const rule_info *info = rule_get(r);

        if (!info) {
                log_error("--explain: unknown rule '%s' (NG001-NG%03d)", id, (int) _RULE_ID_MAX);
                return EXIT_CANNOT_JUDGE;
        }
        printf("%s %s (%s): %s\n\n%s", info->code, info->name, rule_severity_to_string(info->severity),
               info->summary, info->explanation);
        return EXIT_SAFE;
}

static void describe_mgmt(char *buf, size_t size, mgmt_source s, const agent_config *cfg, const agent_config *hint) {
        switch (s) {
        case MGMT_SOURCE_OPTION:
                snprintf(buf, size, "--mgmt");
                return;
        case MGMT_SOURCE_AGENT_CONFIG:
                snprintf(buf, size, "management.%s in %s", cfg->has_mgmt_mac ? "macaddress" : "name", cfg->path);
                return;
        case MGMT_SOURCE_HOST_HINT:
                snprintf(buf, size, "the host's hint %s", hint->path);
                return;
        case MGMT_SOURCE_DEFAULT_ROUTE4:
                snprintf(buf, size, "the link holding the IPv4 default route");
                return;
        case MGMT_SOURCE_DEFAULT_ROUTE6:
                snprintf(buf, size, "the link holding the IPv6 default route");
                return;
        case MGMT_SOURCE_GLOBAL_ADDRESS:
                snprintf(buf, size, "the lowest-ifindex Ethernet link with a global address");
                return;
        case _MGMT_SOURCE_MAX:
        case _MGMT_SOURCE_INVALID:
                break;
        }
        snprintf(buf, size, "?");
}

static void describe_host(char *buf, size_t size, const host_peer *h, const live_link *mgmt, const agent_config *cfg,
                          const agent_config *hint) {
        switch (h->source) {
        case HOST_SOURCE_AGENT_CONFIG:
                snprintf(buf, size, "management.host in %s", cfg->path);
                return;
        case HOST_SOURCE_HOST_HINT:
                snprintf(buf, size, "the host's hint %s", hint->path);
                return;
        case HOST_SOURCE_GATEWAY:
                snprintf(buf, size, "the default gateway on %s", mgmt->name);
                return;
        case HOST_SOURCE_SUBNET:
                snprintf(buf, size, "no host address known, taken to be on-link in %s's current subnet", mgmt->name);
                return;
        case _HOST_SOURCE_MAX:
        case _HOST_SOURCE_INVALID:
                break;
        }
        snprintf(buf, size, "?");
}

static int load_agent_file(report *rep, const char *root, const char *path, bool required_valid,
                           agent_config **ret, int *ret_status) {
        _cleanup_free_ char *p = path_under(root, path), *error = NULL;
        int r;

        *ret = NULL;
        if (!p)
                return -ENOMEM;
        r = agent_config_load(p, ret, &error);
        if (r == -ENOENT)
                return 0;
        if (r >= 0)
                return 0;
        if (!required_valid) {
                /* The hint is the daemon's volatile cache: a broken one is ignored. */
                log_warning("ignoring the host's hint %s: %s", p, error ? error : strerror(-r));
                return 0;
        }
        _cleanup_free_ char *msg = NULL;
        if (error)
                msg = strdup(error);
        else if (asprintf(&msg, "cannot read %s: %s", p, strerror(-r)) < 0)
                msg = NULL;
        *ret_status = report_finish(rep, EXIT_CANNOT_JUDGE, msg ? msg : "out of memory");
        return -EINVAL;
}

static int cmd_check(const check_args *args) {
        _cleanup_(np_config_freep) np_config *config = NULL, *old_config = NULL;
        _cleanup_(agent_config_freep) agent_config *cfg = NULL, *hint = NULL;
        _cleanup_(live_state_freep) live_state *live = NULL;
        _cleanup_free_ char *error = NULL, *netplan_dir = NULL;
        _cleanup_free_ const np_netdef **defs = NULL, **old_defs = NULL;
        size_t n_defs = 0, n_old_defs = 0;
        np_diag_list diags = {};
        check_result result = {};
        const live_link *mgmt;
        mgmt_source msource;
        host_peer host = {};
        report rep;
        int r, status = EXIT_CANNOT_JUDGE;

        if (report_init(&rep, args->json) < 0)
                return log_error("out of memory"), EXIT_CANNOT_JUDGE;

        np_load_options opts = {
                .root_dir = args->root_dir,
                .candidates = (const char *const *) args->files,
                .n_candidates = args->n_files,
                .netplan_version = args->netplan_version,
        };
        r = np_config_load(&opts, &config, &diags);
        for (size_t i = 0; i < diags.n; i++)
                report_netplan_diag(&rep, &diags.items[i]);
        if (r == -EINVAL) {
                status = report_finish(&rep, EXIT_INVALID, NULL);
                fprintf(stderr, "netguard: invalid: netplan would reject this configuration\n");
                goto out;
        }
        if (r == -ENOMEM) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, "out of memory");
                goto out;
        }
        if (r < 0) {
                if (asprintf(&error, "cannot load the netplan configuration: %s", strerror(-r)) < 0)
                        error = NULL;
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, error ? error : "cannot load the configuration");
                goto out;
        }
        np_diag_list_clear(&diags);

        if (args->n_files > 0) {
                /* What is on disk now, for the rules that compare (old dhcp-identifier...). */
                np_load_options old_opts = opts;
                old_opts.candidates = NULL;
                old_opts.n_candidates = 0;
                if (np_config_load(&old_opts, &old_config, &diags) < 0)
                        old_config = NULL;
                np_diag_list_clear(&diags);
        }

        if (load_agent_file(&rep, args->root_dir, AGENT_CONFIG_PATH, true, &cfg, &status) < 0)
                goto out;
        if (load_agent_file(&rep, args->root_dir, AGENT_HOST_HINT_PATH, false, &hint, &status) < 0)
                goto out;

        r = live_state_read(&live);
        if (r < 0) {
                if (asprintf(&error, "cannot read the live network state through netlink: %s", strerror(-r)) < 0)
                        error = NULL;
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, error ? error : "cannot read the live state");
                goto out;
        }

        r = check_resolve_mgmt(live, args->mgmt, cfg, hint, &mgmt, &msource, &error);
        if (r < 0) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, error ? error : "cannot find the management link");
                goto out;
        }
        bool have_host = check_resolve_host(live, mgmt, cfg, hint, &host) >= 0;

        char msrc[512], hsrc[512], htext[INET6_ADDRSTRLEN + 32], mac[18] = "";
        describe_mgmt(msrc, sizeof(msrc), msource, cfg, hint);
        snprintf(hsrc, sizeof(hsrc), "nowhere");
        snprintf(htext, sizeof(htext), "unknown");
        if (have_host) {
                describe_host(hsrc, sizeof(hsrc), &host, mgmt, cfg, hint);
                if (host_peer_to_string(&host, htext, sizeof(htext)) < 0)
                        snprintf(htext, sizeof(htext), "?");
        }
        if (mgmt->has_mac)
                snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", mgmt->mac[0], mgmt->mac[1], mgmt->mac[2],
                         mgmt->mac[3], mgmt->mac[4], mgmt->mac[5]);
        fprintf(stderr, "netguard: management interface %s%s%s%s, from %s\n", mgmt->name, mac[0] ? " (" : "", mac,
                mac[0] ? ")" : "", msrc);
        if (have_host)
                fprintf(stderr, "netguard: host peer %s, from %s\n", htext, hsrc);

        netplan_dir = path_under(args->root_dir, "/etc/netplan");
        if (!netplan_dir) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, "out of memory");
                goto out;
        }
        defs = netdefs_of(config, &n_defs);
        if (old_config)
                old_defs = netdefs_of(old_config, &n_old_defs);
        if ((!defs && np_config_n_netdefs(config) > 0) || (old_config && !old_defs && np_config_n_netdefs(old_config) > 0)) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, "out of memory");
                goto out;
        }
        /* Without candidates the config on disk is the one judged; an invalid config on
         * disk leaves the old definitions unknown (NULL). */
        static const np_netdef *const empty[1] = { NULL };
        const np_netdef *const *old_in = NULL;
        size_t n_old_in = 0;
        if (args->n_files == 0) {
                old_in = defs ? (const np_netdef *const *) defs : empty;
                n_old_in = n_defs;
        } else if (old_config) {
                old_in = old_defs ? (const np_netdef *const *) old_defs : empty;
                n_old_in = n_old_defs;
        }
        check_input in = {
                .defs = (const np_netdef *const *) defs,
                .n_defs = n_defs,
                .old_defs = old_in,
                .n_old_defs = n_old_in,
                .live = live,
                .mgmt = mgmt,
                .host = have_host ? &host : NULL,
                .fallback_file = args->n_files > 0 ? args->files[0] : netplan_dir,
        };
        r = check_run(&in, &result);
        if (r < 0) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < result.n; i++)
                report_finding(&rep, &result.findings[i]);

        if (rep.json) {
                json_object *m = json_object_new_object(), *h = json_object_new_object();
                if (m) {
                        jset_str(m, "interface", mgmt->name);
                        jset_int(m, "ifindex", mgmt->ifindex);
                        jset_str(m, "macaddress", mac[0] ? mac : NULL);
                        jset_str(m, "source", mgmt_source_to_string(msource));
                        jset_str(m, "source_description", msrc);
                        jset_str(m, "definition", result.mgmt_definition);
                        json_object_object_add(rep.doc, "management", m);
                }
                if (h && !have_host) {
                        json_object_put(h);
                        json_object_object_add(rep.doc, "host", NULL);
                }
                else if (h) {
                        char a[INET6_ADDRSTRLEN] = "";
                        (void) live_addr_to_string(host.family, &host.addr, a, sizeof(a));
                        if (host.source == HOST_SOURCE_SUBNET) {
                                char *sp = strchr(htext, ' ');
                                if (sp)
                                        *sp = 0;
                                jset_str(h, "subnet", htext);
                        } else
                                jset_str(h, "address", a);
                        jset_str(h, "source", host_source_to_string(host.source));
                        jset_str(h, "source_description", hsrc);
                        json_object_object_add(rep.doc, "host", h);
                }
        }

        size_t n_warnings = result.n - result.n_errors;
        if (result.n_errors == 0 && result.incomplete) {
                if (asprintf(&error, "cannot tell where the host is: %s has no default gateway and no address; set "
                                     "management.host in %s", mgmt->name, AGENT_CONFIG_PATH) < 0)
                        error = NULL;
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, error ? error : "cannot find the host");
        } else if (result.n_errors > 0) {
                fprintf(stderr, "netguard: refused: %zu error%s, %zu warning%s\n", result.n_errors,
                        result.n_errors == 1 ? "" : "s", n_warnings, n_warnings == 1 ? "" : "s");
                status = report_finish(&rep, EXIT_REFUSED, NULL);
        } else {
                fprintf(stderr, "netguard: safe%s", n_warnings ? "" : "\n");
                if (n_warnings)
                        fprintf(stderr, ": %zu warning%s\n", n_warnings, n_warnings == 1 ? "" : "s");
                status = report_finish(&rep, EXIT_SAFE, NULL);
        }
out:
        np_diag_list_clear(&diags);
        check_result_clear(&result);
        report_done(&rep);
        return status;
}

int main(int argc, char *argv[]) {
        enum { ARG_ROOT_DIR = 0x100, ARG_MGMT, ARG_JSON, ARG_EXPLAIN, ARG_NETPLAN_VERSION, ARG_VERSION };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "root-dir", required_argument, NULL, ARG_ROOT_DIR },
                { "mgmt", required_argument, NULL, ARG_MGMT },
                { "json", no_argument, NULL, ARG_JSON },
                { "explain", required_argument, NULL, ARG_EXPLAIN },
                { "netplan-version", required_argument, NULL, ARG_NETPLAN_VERSION },
                {},
        };
        check_args args = {};
        const char *explain_id = NULL;
        int c;

        log_set_program("netguard");

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage(stdout);
                return 0;
        }
        if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
                printf("netguard %s\n", NETGUARD_VERSION);
                return 0;
        }
        if (argc < 2 || strcmp(argv[1], "check") != 0) {
                if (argc >= 2)
                        log_error("unknown command '%s'", argv[1]);
                usage(stderr);
                return EXIT_CANNOT_JUDGE;
        }

        /* Parse the options after "check"; "+" stops at the first file. */
        argc--;
        argv++;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case ARG_VERSION:
                        printf("netguard %s\n", NETGUARD_VERSION);
                        return 0;
                case ARG_ROOT_DIR:
                        args.root_dir = optarg;
                        break;
                case ARG_MGMT:
                        args.mgmt = optarg;
                        break;
                case ARG_JSON:
                        args.json = true;
                        break;
                case ARG_EXPLAIN:
                        explain_id = optarg;
                        break;
                case ARG_NETPLAN_VERSION:
                        args.netplan_version = optarg;
                        break;
                default:
                        usage(stderr);
                        return EXIT_CANNOT_JUDGE;
                }

        if (explain_id)
                return explain(explain_id);
        if (args.root_dir && !*args.root_dir) {
                log_error("--root-dir needs a directory");
                return EXIT_CANNOT_JUDGE;
        }
        if (args.mgmt && !*args.mgmt) {
                log_error("--mgmt needs a link name or MAC address");
                return EXIT_CANNOT_JUDGE;
        }
        args.files = argv + optind;
        args.n_files = (size_t) (argc - optind);
        return cmd_check(&args);
}
