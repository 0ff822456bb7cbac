/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* np-verdict ROOT [--dump] [--version V] [CANDIDATE...]: loads ROOT as netplan would and
 * prints "valid" or "invalid" (or "cannot-judge") and then the first error line as netplan
 * prints it (with ROOT/ stripped); with --dump, the merged model after a "---" line. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "netplan/netplan.h"

int main(int argc, char **argv) {
        bool dump = false;
        const char *version = NULL;
        static const struct option opts[] = {
                { "dump", no_argument, NULL, 'd' },
                { "netplan-version", required_argument, NULL, 'v' },
                {}
        };
        int c;
        while ((c = getopt_long(argc, argv, "dv:", opts, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dump = true;
                        break;
                case 'v':
                        version = optarg;
                        break;
                default:
                        return 3;
                }
        if (optind >= argc) {
                fprintf(stderr, "usage: np-verdict [--dump] [--netplan-version V] ROOT [CANDIDATE...]\n");
                return 3;
        }
        const char *root = argv[optind];
        np_load_options o = {
                .root_dir = root,
                .candidates = (const char *const *) argv + optind + 1,
                .n_candidates = (size_t) (argc - optind - 1),
                .netplan_version = version,
        };
        np_config *cfg = NULL;
        np_diag_list diags = {};
        int r = np_config_load(&o, &cfg, &diags);
        const char *verdict = r == 0 ? "valid" : r == -EINVAL ? "invalid" : "cannot-judge";
        printf("%s\n", verdict);
        for (size_t i = 0; i < diags.n; i++) {
                if (diags.items[i].severity != NP_SEVERITY_ERROR)
                        continue;
                char *s = np_diag_format(&diags.items[i]);
                if (!s)
                        return 3;
                char *nl = strchr(s, '\n');
                if (nl)
                        *nl = '\0';
                const char *line = s;
                size_t rl = strlen(root);
                if (strncmp(line, root, rl) == 0 && line[rl] == '/')
                        line += rl + 1;
                printf("%s\n", line);
                free(s);
                break;
        }
        if (dump && cfg) {
                char *d = np_config_dump(cfg);
                if (!d)
                        return 3;
                printf("---\n%s", d);
                free(d);
        }
        np_config_free(cfg);
        np_diag_list_clear(&diags);
        return r == 0 ? 0 : r == -EINVAL ? 1 : 2;
}
