/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* YAML bytes -> np_node tree, with netplan 0.106's wording for syntax errors. */
#include <string.h>
#include <yaml.h>

#include "netplan/diag.h"
#include "netplan/file.h"
#include "netplan/netplan-internal.h"

np_file *np_file_free(np_file *f) {
        if (!f)
                return NULL;
        free(f->path);
        free(f->data);
        np_node_free(f->root);
        free(f);
        return NULL;
}

char *np_file_line(const np_file *f, unsigned line) {
        const char *p = f->data, *end = f->data + f->size;
        if (line == 0)
                return NULL;
        for (unsigned l = 1; l < line; l++) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                if (!nl)
                        return NULL;
                p = nl + 1;
        }
        if (p >= end && line > 1)
                return NULL;
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
        /* netplan's line reader stops at a NUL too (it prints a C string) */
        const char *nul = memchr(p, '\0', len);
        if (nul)
                len = (size_t) (nul - p);
        if (len > 0 && p[len - 1] == '\r')
                len--;
        return strndup(p, len);
}

static np_pos mark_pos(const np_file *f, yaml_mark_t m) {
        return (np_pos) { .file = f->path, .line = (unsigned) m.line + 1, .column = (unsigned) m.column + 1 };
}

/* The line netplan prints under a parser error: the parser's decoded buffer around its
 * read pointer (error.c get_parser_error_context). */
static char *parser_context(const yaml_parser_t *p) {
        const unsigned char *start = p->buffer.start, *last = p->buffer.last;
        const unsigned char *line = p->buffer.pointer, *cur = line;

        if (!start || !line)
                return strdup("");
        while (cur > start) {
                cur--;
                if (*cur == '\n') {
                        line = cur + 1;
                        break;
                }
        }
        if (cur <= start)
                line = start;
        cur = line + 1;
        const unsigned char *stop = NULL;
        while (cur < last) {
                if (*cur == '\n') {
                        stop = cur;
                        break;
                }
                cur++;
        }
        size_t len = stop ? (size_t) (stop - line) : (size_t) (last - line);
        const unsigned char *nul = memchr(line, '\0', len);
        if (nul)
                len = (size_t) (nul - line);
        return strndup((const char *) line, len);
}

static int parser_error(const yaml_parser_t *p, const np_file *f, np_diag_list *diags) {
        _cleanup_free_ char *ctx = parser_context(p);
        np_pos pos = mark_pos(f, p->problem_mark);
        const unsigned char *bp = p->buffer.pointer;
        /* bytes at or after buffer.last were never decoded (netplan reads what malloc
         * left there, in practice zeroes) */
        char c = bp && bp < p->buffer.last ? (char) *bp : '\0';
        const char *msg;

        if (c == '\t')
                msg = "tabs are not allowed for indent";
        else if ((c == ' ' || c == '\n' || c == '\0') && !p->token_available)
                msg = "aliases are not supported";
        else if (p->state == YAML_PARSE_BLOCK_MAPPING_KEY_STATE)
                msg = "inconsistent indentation";
        else
                msg = p->problem ?: "unknown error";
        int r = np_diag_add(diags, NP_SEVERITY_ERROR, NP_DIAG_YAML, pos, ctx, NULL, "%s", msg);
        return r < 0 ? r : -EINVAL;
}

typedef struct anchor {
        char *name;
        np_node *node;          /* borrowed from the tree */
} anchor;

typedef struct loader {
        yaml_parser_t parser;
        np_file *file;
        np_diag_list *diags;
        anchor *anchors;
        size_t n_anchors;
        size_t budget;
} loader;

static void loader_done(loader *l) {
        for (size_t i = 0; i < l->n_anchors; i++)
                free(l->anchors[i].name);
        free(l->anchors);
        yaml_parser_delete(&l->parser);
}

static int loader_limit(loader *l, yaml_mark_t m, const char *what) {
        _cleanup_free_ char *src = np_file_line(l->file, (unsigned) m.line + 1);
        int r = np_diag_add(l->diags, NP_SEVERITY_ERROR, NP_DIAG_YAML, mark_pos(l->file, m), src, NULL,
                            "%s", what);
        return r < 0 ? r : -EINVAL;
}

static int add_anchor(loader *l, const char *name, np_node *n, yaml_mark_t m) {
        for (size_t i = 0; i < l->n_anchors; i++)
                if (strcmp(l->anchors[i].name, name) == 0) {
                        /* libyaml's composer: "found duplicate anchor" */
                        /* libyaml: context "found duplicate anchor; first occurrence",
                         * problem "second occurrence" (netplan prints the problem) */
                        l->parser.error = YAML_COMPOSER_ERROR;
                        l->parser.problem = "second occurrence";
                        l->parser.problem_mark = m;
                        return parser_error(&l->parser, l->file, l->diags);
                }
        anchor *a = reallocarray(l->anchors, l->n_anchors + 1, sizeof(anchor));
        if (!a)
                return -ENOMEM;
        l->anchors = a;
        a[l->n_anchors].name = strdup(name);
        if (!a[l->n_anchors].name)
                return -ENOMEM;
        a[l->n_anchors++].node = n;
        return 0;
}

static int next_event(loader *l, yaml_event_t *ev) {
        if (!yaml_parser_parse(&l->parser, ev)) {
                if (l->parser.error == YAML_MEMORY_ERROR)
                        return -ENOMEM;
                return parser_error(&l->parser, l->file, l->diags);
        }
        return 0;
}

/* Consumes the events of a collection whose start event was just read. */
static int skip_subtree(loader *l) {
        size_t open = 1;
        yaml_event_t ev;
        while (open > 0) {
                int r = next_event(l, &ev);
                if (r < 0)
                        return r;
                if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
                        /* libyaml rescans every open level for each token: stop before
                         * hostile nesting turns that quadratic cost into a hang */
                        if (++open + NP_MAX_DEPTH > NP_MAX_PARSE_DEPTH) {
                                r = loader_limit(l, ev.start_mark, "nesting too deep (more than 256 levels)");
                                yaml_event_delete(&ev);
                                return r;
                        }
                }
                else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
                        open--;
                yaml_event_delete(&ev);
        }
        return 0;
}

/* Parses one node whose first event is *ev (consumed). Iterative over depth via the
 * explicit stack so hostile nesting cannot exhaust the C stack. */
static int load_node(loader *l, yaml_event_t *first, np_node **ret) {
        np_node *stack[NP_MAX_DEPTH + 1];
        np_node *pending_key[NP_MAX_DEPTH + 1];
        size_t depth = 0;
        yaml_event_t ev = *first;
        bool own_ev = false;
        int r = 0;

        for (;;) {
                np_node *n = NULL;
                bool opened = false, closed = false;
                const char *anchor_name = NULL;

                if (own_ev) {
                        r = next_event(l, &ev);
                        if (r < 0)
                                goto fail_noev;
                }
                own_ev = true;

                if (l->budget == 0) {
                        r = loader_limit(l, ev.start_mark, "too many nodes (more than 200000)");
                        goto fail;
                }

                switch (ev.type) {
                case YAML_SCALAR_EVENT:
                        l->budget--;
                        n = np_node_new_scalar((const char *) ev.data.scalar.value, mark_pos(l->file, ev.start_mark),
                                               ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE);
                        anchor_name = (const char *) ev.data.scalar.anchor;
                        break;
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT:
                        l->budget--;
                        if (depth >= NP_MAX_DEPTH) {
                                /* netplan (libyaml's loader) has no limit and goes on to report
                                 * a grammar error higher up; keep parsing, drop the subtree and
                                 * report the depth only if nothing else is wrong */
                                np_node_type t = ev.type == YAML_SEQUENCE_START_EVENT ? NP_NODE_SEQUENCE : NP_NODE_MAPPING;
                                np_pos at = mark_pos(l->file, ev.start_mark);
                                yaml_event_delete(&ev);
                                r = skip_subtree(l);
                                if (r < 0)
                                        goto fail_noev;
                                if (l->file->too_deep.line == 0)
                                        l->file->too_deep = at;
                                n = np_node_new(t, at);
                                if (!n) {
                                        r = -ENOMEM;
                                        goto fail_noev;
                                }
                                goto complete;
                        }
                        n = np_node_new(ev.type == YAML_SEQUENCE_START_EVENT ? NP_NODE_SEQUENCE : NP_NODE_MAPPING,
                                        mark_pos(l->file, ev.start_mark));
                        anchor_name = ev.type == YAML_SEQUENCE_START_EVENT ? (const char *) ev.data.sequence_start.anchor
                                                                            : (const char *) ev.data.mapping_start.anchor;
                        opened = true;
                        break;
                case YAML_ALIAS_EVENT: {
                        const np_node *target = NULL;
                        for (size_t i = 0; i < l->n_anchors; i++)
                                if (strcmp(l->anchors[i].name, (const char *) ev.data.alias.anchor) == 0)
                                        target = l->anchors[i].node;
                        if (!target) {
                                l->parser.error = YAML_COMPOSER_ERROR;
                                l->parser.problem = "found undefined alias";
                                l->parser.problem_mark = ev.start_mark;
                                r = parser_error(&l->parser, l->file, l->diags);
                                goto fail;
                        }
                        /* an alias to a node that is still open is a cycle: libyaml builds
                         * it and netplan recurses until it crashes; keep parsing (a syntax
                         * error later wins) and report it if nothing else is wrong */
                        bool cycle = false;
                        for (size_t i = 0; i < depth; i++)
                                cycle = cycle || stack[i] == target;
                        if (cycle) {
                                if (l->file->recursive_alias.line == 0)
                                        l->file->recursive_alias = mark_pos(l->file, ev.start_mark);
                                /* what the ancestor holds so far stands in for it */
                                n = np_node_copy(target, &l->budget);
                                if (!n && l->budget == 0) {
                                        r = loader_limit(l, ev.start_mark, "too many nodes (more than 200000)");
                                        goto fail;
                                }
                                break;
                        }
                        n = np_node_copy(target, &l->budget);
                        if (!n && l->budget == 0) {
                                r = loader_limit(l, ev.start_mark, "too many nodes (more than 200000)");
                                goto fail;
                        }
                        break;
                }
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        closed = true;
                        break;
                default:
                        r = -EINVAL; /* cannot happen inside a document */
                        goto fail;
                }

                if (closed) {
                        yaml_event_delete(&ev);
                        n = stack[--depth];
                } else {
                        if (!n) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        if (anchor_name) {
                                r = add_anchor(l, anchor_name, n, ev.start_mark);
                                if (r < 0) {
                                        np_node_free(n);
                                        goto fail;
                                }
                        }
                        yaml_event_delete(&ev);
                        if (opened) {
                                pending_key[depth] = NULL;
                                stack[depth++] = n;
                                continue;
                        }
                }

complete:
                /* n is complete: attach it to its parent */
                if (depth == 0) {
                        *ret = n;
                        return 0;
                }
                np_node *parent = stack[depth - 1];
                if (parent->type == NP_NODE_MAPPING && !pending_key[depth - 1]) {
                        pending_key[depth - 1] = n;
                        continue;
                }
                r = np_node_append(parent, pending_key[depth - 1], n);
                if (r < 0) {
                        np_node_free(n);
                        goto fail_noev;
                }
                pending_key[depth - 1] = NULL;
                continue;
fail:
                yaml_event_delete(&ev);
                goto fail_noev;
        }
fail_noev:
        /* children are attached when their parent closes: every open level owns itself */
        for (size_t i = depth; i > 0; i--) {
                np_node_free(pending_key[i - 1]);
                np_node_free(stack[i - 1]);
        }
        return r;
}

int np_yaml_parse(np_file *f, np_diag_list *diags) {
        loader l = { .file = f, .diags = diags, .budget = NP_MAX_NODES };
        yaml_event_t ev;
        int r;

        if (!yaml_parser_initialize(&l.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&l.parser, (const unsigned char *) f->data, f->size);

        /* netplan loads the first document of the stream only (yaml_parser_load) */
        for (;;) {
                r = next_event(&l, &ev);
                if (r < 0)
                        goto out;
                yaml_event_type_t t = ev.type;
                if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
                        yaml_event_delete(&ev);
                        continue;
                }
                if (t == YAML_STREAM_END_EVENT) {
                        yaml_event_delete(&ev);
                        r = 0;
                        goto out;
                }
                break;
        }
        r = load_node(&l, &ev, &f->root);
        if (r < 0)
                goto out;
        /* the document end event; errors after it are not seen by yaml_parser_load */
        r = next_event(&l, &ev);
        if (r < 0) {
                f->root = np_node_free(f->root);
                goto out;
        }
        yaml_event_delete(&ev);
        r = 0;
out:
        loader_done(&l);
        return r;
}
