/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* np-verdict [--dump] [--netplan-version V] ROOT [CANDIDATE...]: loads ROOT as netplan
 * would and prints "valid" or "invalid" (or "cannot-judge") and then the first error line
 * as netplan prints it (with ROOT/ stripped); with --dump, the merged model after a "---"
 * line. Exit 0 valid, 1 invalid, 2 cannot judge, 3 usage or out of memory.
 *
 * np-verdict --batch [--dump] [--netplan-version V]: reads one ROOT per line on stdin and
 * answers each with "EXIT LENGTH\n" and LENGTH bytes of the output above, so that the
 * differential test pays for process start-up and the sanitizers' exit checks once, not
 * per case. Leaks of every case are still reported at exit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "netplan/netplan.h"

/* a root directory path; tests use short temporary names */
#define NP_VERDICT_MAX_ROOT 4096

static int verdict(FILE *out, const char *root, const char *const *candidates, size_t n_candidates, bool dump,
                   const char *version) {
        np_load_options o = {
                .root_dir = root,
                .candidates = candidates,
                .n_candidates = n_candidates,
                .netplan_version = version,
        };
        _cleanup_(np_config_freep) np_config *cfg = NULL;
        np_diag_list diags = {};
        int r = np_config_load(&o, &cfg, &diags);
        int ret = r == 0 ? 0 : r == -EINVAL ? 1 : 2;
        fprintf(out, "%s\n", ret == 0 ? "valid" : ret == 1 ? "invalid" : "cannot-judge");
        for (size_t i = 0; i < diags.n; i++) {
                if (diags.items[i].severity != NP_SEVERITY_ERROR)
                        continue;
                _cleanup_free_ char *s = np_diag_format(&diags.items[i]);
                if (!s) {
                        ret = 3;
                        break;
                }
                char *nl = strchr(s, '\n');
                if (nl)
                        *nl = '\0';
                const char *line = s;
                size_t rl = strlen(root);
                if (strncmp(line, root, rl) == 0 && line[rl] == '/')
                        line += rl + 1;
                fprintf(out, "%s\n", line);
                break;
        }
        np_diag_list_clear(&diags);
        if (ret != 3 && dump && cfg) {
                _cleanup_free_ char *d = np_config_dump(cfg);
                if (!d)
                        return 3;
                fprintf(out, "---\n%s", d);
        }
        return ret;
}

static int batch(bool dump, const char *version) {
        char root[NP_VERDICT_MAX_ROOT + 2];

        while (fgets(root, sizeof root, stdin)) {
                size_t n = strlen(root);
                if (n == 0 || root[n - 1] != '\n') {
                        fprintf(stderr, "np-verdict: a root longer than %d bytes or without newline\n",
                                NP_VERDICT_MAX_ROOT);
                        return 3;
                }
                root[n - 1] = '\0';
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                FILE *out = open_memstream(&buf, &len);
                if (!out)
                        return 3;
                int ret = verdict(out, root, NULL, 0, dump, version);
                if (fclose(out) != 0)
                        return 3;
                printf("%d %zu\n", ret, len);
                if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
                        return 3;
        }
        return 0;
}

int main(int argc, char **argv) {
        bool dump = false, batched = false;
        const char *version = NULL;
        static const struct option opts[] = {
                { "dump", no_argument, NULL, 'd' },
                { "batch", no_argument, NULL, 'b' },
                { "netplan-version", required_argument, NULL, 'v' },
                {}
        };
        int c;
        while ((c = getopt_long(argc, argv, "dbv:", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dump = true;
                        break;
                case 'b':
                        batched = true;
                        break;
                case 'v':
                        version = optarg;
                        break;
                default:
                        return 3;
                }
        if (batched)
                return optind == argc ? batch(dump, version) : 3;
        if (optind >= argc) {
                fprintf(stderr, "usage: np-verdict [--dump] [--netplan-version V] ROOT [CANDIDATE...]\n"
                                "       np-verdict --batch [--dump] [--netplan-version V] < ROOTS\n");
                return 3;
        }
        return verdict(stdout, argv[optind], (const char *const *) argv + optind + 1, (size_t) (argc - optind - 1),
                       dump, version);
}
