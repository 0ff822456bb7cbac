/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netplan/diag.h"

int np_diag_addv(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                 const char *source_line, const char *newer_version, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL, *src = NULL, *ver = NULL, *file = NULL;

        if (!l)
                return 0;
        if (vasprintf(&msg, fmt, ap) < 0) {
                msg = NULL;
                return -ENOMEM;
        }
        if (source_line && !(src = strdup(source_line)))
                return -ENOMEM;
        if (newer_version && !(ver = strdup(newer_version)))
                return -ENOMEM;
        if (pos.file && !(file = strdup(pos.file)))
                return -ENOMEM;
        pos.file = file;
        np_diag *items = reallocarray(l->items, l->n + 1, sizeof(np_diag));
        if (!items)
                return -ENOMEM;
        l->items = items;
        l->items[l->n++] = (np_diag) {
                .severity = sev,
                .kind = kind,
                .pos = pos,
                .message = TAKE_PTR(msg),
                .source_line = TAKE_PTR(src),
                .newer_version = TAKE_PTR(ver),
                .file = TAKE_PTR(file),
        };
        if (sev == NP_SEVERITY_ERROR)
                l->n_errors++;
        return 0;
}

int np_diag_add(np_diag_list *l, np_severity sev, np_diag_kind kind, np_pos pos,
                const char *source_line, const char *newer_version, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = np_diag_addv(l, sev, kind, pos, source_line, newer_version, fmt, ap);
        va_end(ap);
        return r;
}

void np_diag_list_clear(np_diag_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].message);
                free(l->items[i].source_line);
                free(l->items[i].newer_version);
                free(l->items[i].file);
        }
        free(l->items);
        *l = (np_diag_list) {};
}

char *np_diag_format(const np_diag *d) {
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);
        if (!f)
                return NULL;

        if (d->raw)
                fprintf(f, "%s\n", d->message);
        else if (d->pos.line > 0) {
                fprintf(f, "%s:%u:%u: ", d->pos.file ?: "", d->pos.line, d->pos.column);
                switch (d->kind) {
                case NP_DIAG_YAML:
                        fprintf(f, "Invalid YAML: %s:\n", d->message);
                        break;
                case NP_DIAG_DEFINITION:
                case NP_DIAG_NEWER_NETPLAN:
                        fprintf(f, "Error in network definition: %s\n", d->message);
                        break;
                case NP_DIAG_IO:
                case NP_DIAG_NOTE:
                        fprintf(f, "%s\n", d->message);
                        break;
                case _NP_DIAG_KIND_MAX:
                case _NP_DIAG_KIND_INVALID:
                        break;
                }
                fprintf(f, "%s\n", d->source_line ?: "(null)");
                for (unsigned i = 1; i < d->pos.column; i++)
                        fputc(' ', f);
                fputs("^\n", f);
        } else if (d->pos.file && d->kind == NP_DIAG_DEFINITION)
                fprintf(f, "%s: Error in network definition: %s\n", d->pos.file, d->message);
        else if (d->pos.file)
                fprintf(f, "%s: %s\n", d->pos.file, d->message);
        else if (d->kind == NP_DIAG_DEFINITION)
                fprintf(f, "Error in network definition: %s\n", d->message);
        else
                fprintf(f, "%s\n", d->message);

        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}
