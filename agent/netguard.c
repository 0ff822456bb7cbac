/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netguard: the guest CLI: `check` here; `status` (status.c) and try/confirm/rollback/
 * history (txn-client.c) ask netguard-agent over D-Bus. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "agent/check-context.h"
#include "agent/rule.h"
#include "agent/status.h"
#include "agent/txn-client.h"
#include "common/ether-addr.h"
#include "common/log.h"
#include "common/parse-util.h"

enum {
        EXIT_SAFE = 0,
        EXIT_REFUSED = 1,
        EXIT_INVALID = 2,
        EXIT_CANNOT_JUDGE = 3,
};

static void usage(FILE *f) {
        fputs("usage: netguard check [--root-dir DIR] [--mgmt IFACE|MAC] [--json]\n"
              "                      [--netplan-version VER] [FILE...]\n"
              "       netguard check --explain NGnnn\n"
              "       netguard status [--json]\n"
              "       netguard try [--root-dir DIR] [--timeout SEC] [--force] [--json] [FILE...]\n"
              "       netguard confirm [--json] [TXN]\n"
              "       netguard rollback [--force] [--json] [TXN]\n"
              "       netguard history [--json]\n"
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
              "  --explain NGnnn        describe a rule\n"
              "\n"
              "status  ask netguard-agent over D-Bus: exit 0 a host is connected, 1 no host,\n"
              "        3 the agent cannot be reached.\n"
              "\n"
              "try     run check on FILEs (or the edits in /etc/netplan) and refuse what it\n"
              "        refuses (exit 1 refused, 2 invalid) unless --force; then netguard-agent\n"
              "        applies them as a transaction that rolls back unless confirmed within\n"
              "        --timeout SEC (default: try.timeout of agent.yaml). Exit 0 applied and\n"
              "        awaiting confirmation, 1 refused or rolled back, 2 invalid, 3 no agent.\n"
              "confirm keep the pending transaction (or TXN): exit 0 confirmed, 1 not.\n"
              "rollback undo it now and wait for the outcome: exit 0 rolled back, 1 failed;\n"
              "        --force restores the known-good configuration whatever the journal says.\n"
              "history the transactions the agent keeps journals of.\n",
              f);
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

/* "52:54:00:12:34:56" or "" */
static void link_mac(const live_link *l, char buf[static ETHER_ADDR_STRLEN]) {
        buf[0] = 0;
        if (l->has_mac && !ether_addr_is_zero(l->mac))
                ether_addr_to_string(l->mac, buf);
}

/* The host as an address, or its subnet. */
static void host_text(const host_peer *h, char *buf, size_t size) {
        if ((host_peer_is_specific(h) ? ip_addr_to_string : ip_prefix_to_string)(&h->addr, buf, size) < 0)
                snprintf(buf, size, "?");
}

static void report_context(report *rep, const check_context *c, const check_result *result) {
        char msrc[512] = "?", hsrc[512] = "nowhere", htext[IP_PREFIX_STRLEN] = "unknown", mac[ETHER_ADDR_STRLEN];

        link_mac(c->mgmt, mac);
        (void) mgmt_source_describe(c->mgmt_source, c->cfg, c->hint, msrc, sizeof(msrc));
        if (c->have_host) {
                (void) host_source_describe(&c->host, c->mgmt, c->cfg, c->hint, hsrc, sizeof(hsrc));
                host_text(&c->host, htext, sizeof(htext));
        }
        fprintf(stderr, "netguard: management interface %s%s%s%s, from %s\n", c->mgmt->name, mac[0] ? " (" : "",
                mac, mac[0] ? ")" : "", msrc);
        if (c->have_host)
                fprintf(stderr, "netguard: host peer %s%s, from %s\n", htext,
                        host_peer_is_specific(&c->host) ? "" : " (on-link)", hsrc);
        if (!rep->json)
                return;

        json_object *m = json_object_new_object();
        if (m) {
                jset_str(m, "interface", c->mgmt->name);
                jset_int(m, "ifindex", c->mgmt->ifindex);
                jset_str(m, "macaddress", mac[0] ? mac : NULL);
                jset_str(m, "source", mgmt_source_to_string(c->mgmt_source));
                jset_str(m, "source_description", msrc);
                jset_str(m, "definition", result ? result->mgmt_definition : NULL);
                json_object_object_add(rep->doc, "management", m);
        }
        if (!c->have_host) {
                json_object_object_add(rep->doc, "host", NULL);
                return;
        }
        json_object *h = json_object_new_object();
        if (h) {
                jset_str(h, host_peer_is_specific(&c->host) ? "address" : "subnet", htext);
                jset_str(h, "source", host_source_to_string(c->host.source));
                jset_str(h, "source_description", hsrc);
                json_object_object_add(rep->doc, "host", h);
        }
}

static int report_verdict(report *rep, const check_context *c, const check_result *result) {
        size_t n_warnings = result->n - result->n_errors;
        _cleanup_free_ char *error = NULL;

        if (result->n_errors == 0 && result->incomplete) {
                if (asprintf(&error, "cannot tell where the host is: %s has no default gateway and no address; set "
                                     "management.host in %s", c->mgmt->name, AGENT_CONFIG_PATH) < 0)
                        error = NULL;
                return report_finish(rep, EXIT_CANNOT_JUDGE, error ? error : "cannot find the host");
        }
        if (result->n_errors > 0) {
                fprintf(stderr, "netguard: refused: %zu error%s, %zu warning%s\n", result->n_errors,
                        result->n_errors == 1 ? "" : "s", n_warnings, n_warnings == 1 ? "" : "s");
                return report_finish(rep, EXIT_REFUSED, NULL);
        }
        if (n_warnings)
                fprintf(stderr, "netguard: safe: %zu warning%s\n", n_warnings, n_warnings == 1 ? "" : "s");
        else
                fprintf(stderr, "netguard: safe\n");
        return report_finish(rep, EXIT_SAFE, NULL);
}

static int cmd_check(const check_options *o, bool json) {
        _cleanup_(check_context_freep) check_context *c = NULL;
        _cleanup_free_ char *error = NULL;
        np_diag_list diags = {};
        check_result result = {};
        check_input in;
        report rep;
        int r, status;

        if (report_init(&rep, json) < 0)
                return log_error("out of memory"), EXIT_CANNOT_JUDGE;

        r = check_context_load(o, &c, &diags, &error);
        for (size_t i = 0; i < diags.n; i++)
                report_netplan_diag(&rep, &diags.items[i]);
        np_diag_list_clear(&diags);
        if (r == -EINVAL && !error) {
                status = report_finish(&rep, EXIT_INVALID, NULL);
                fprintf(stderr, "netguard: invalid: netplan would reject this configuration\n");
                goto out;
        }
        if (r < 0) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE,
                                       error ? error : r == -ENOMEM ? "out of memory" : "cannot judge");
                goto out;
        }

        in = check_context_input(c);
        r = check_run(&in, &result);
        if (r < 0) {
                status = report_finish(&rep, EXIT_CANNOT_JUDGE, "out of memory");
                goto out;
        }
        report_context(&rep, c, &result);
        for (size_t i = 0; i < result.n; i++)
                report_finding(&rep, &result.findings[i]);
        status = report_verdict(&rep, c, &result);
out:
        check_result_clear(&result);
        report_done(&rep);
        return status;
}

/* try, confirm, rollback, history: argv[0] is the command. */
static int cmd_txn(int argc, char *argv[]) {
        enum { ARG_ROOT_DIR = 0x100, ARG_MGMT, ARG_JSON, ARG_TIMEOUT, ARG_FORCE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "root-dir", required_argument, NULL, ARG_ROOT_DIR },
                { "mgmt", required_argument, NULL, ARG_MGMT },
                { "json", no_argument, NULL, ARG_JSON },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "force", no_argument, NULL, ARG_FORCE },
                {},
        };
        const char *cmd = argv[0];
        bool is_try = strcmp(cmd, "try") == 0, json = false, force = false;
        check_options args = {};
        uint32_t timeout = 0;
        uint64_t id = 0;
        int c, status;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case ARG_ROOT_DIR:
                case ARG_MGMT:
                case ARG_TIMEOUT:
                        if (!is_try) {
                                log_error("%s: --%s is an option of try", cmd, c == ARG_ROOT_DIR ? "root-dir"
                                                                               : c == ARG_MGMT ? "mgmt" : "timeout");
                                return TXN_EXIT_INVALID;
                        }
                        if (c == ARG_ROOT_DIR)
                                args.root_dir = optarg;
                        else if (c == ARG_MGMT)
                                args.mgmt = optarg;
                        /* A day at most: a try is a window, not a state. */
                        else if (parse_range_u32(optarg, 1, 86400, &timeout) < 0) {
                                log_error("--timeout: '%s' is not a number of seconds from 1 to 86400", optarg);
                                return TXN_EXIT_INVALID;
                        }
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_FORCE:
                        if (strcmp(cmd, "try") != 0 && strcmp(cmd, "rollback") != 0) {
                                log_error("%s: --force is an option of try and rollback", cmd);
                                return TXN_EXIT_INVALID;
                        }
                        force = true;
                        break;
                default:
                        usage(stderr);
                        return TXN_EXIT_INVALID;
                }

        if (is_try) {
                if (args.root_dir && !*args.root_dir) {
                        log_error("--root-dir needs a directory");
                        return TXN_EXIT_INVALID;
                }
                args.files = argv + optind;
                args.n_files = (size_t) (argc - optind);
                /* The same judgement as `netguard check`, in this process, before the agent
                 * is asked anything. */
                status = cmd_check(&args, false);
                if (status != EXIT_SAFE && !force) {
                        if (status != EXIT_CANNOT_JUDGE)
                                fprintf(stderr, "netguard: not tried (--force tries it anyway)\n");
                        return status;
                }
                if (status != EXIT_SAFE)
                        fprintf(stderr, "netguard: --force: trying it anyway; it rolls back unless confirmed\n");
                return txn_client_try(args.files, args.n_files, timeout, force, json, status);
        }

        if (strcmp(cmd, "history") == 0) {
                if (optind < argc) {
                        log_error("history takes no argument");
                        return TXN_EXIT_INVALID;
                }
                return txn_client_history(json);
        }
        if (argc - optind > 1) {
                log_error("%s: one transaction id at most", cmd);
                return TXN_EXIT_INVALID;
        }
        if (optind < argc && txn_client_parse_id(argv[optind], &id) < 0) {
                log_error("%s: '%s' is not a transaction id", cmd, argv[optind]);
                return TXN_EXIT_INVALID;
        }
        if (strcmp(cmd, "confirm") == 0)
                return txn_client_confirm(id, json);
        return txn_client_rollback(id, force, json);
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
        check_options args = {};
        const char *explain_id = NULL;
        bool json = false;
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
        if (argc >= 2 && strcmp(argv[1], "status") == 0) {
                if (argc == 2 || (argc == 3 && strcmp(argv[2], "--json") == 0))
                        return status_run(argc == 3);
                log_error("usage: netguard status [--json]");
                return STATUS_EXIT_NO_AGENT;
        }
        if (argc >= 2 && (strcmp(argv[1], "try") == 0 || strcmp(argv[1], "confirm") == 0 ||
                          strcmp(argv[1], "rollback") == 0 || strcmp(argv[1], "history") == 0))
                return cmd_txn(argc - 1, argv + 1);
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
                        json = true;
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
        return cmd_check(&args, json);
}
