/* atlas_spec.c: reads and checks an atlas spec (YAML, libyaml's document
 * API; the format is documented in include/geovoice/atlas.h).
 *
 * Every error names the file, the line and the key, with the key written
 * as its path in the document ("indicators[2].palette"), because a spec is
 * edited by hand and read by a scheduled job: the message must say where
 * to look without the user running anything else. Everything that can be
 * checked without opening a file is checked here (palettes, classifications,
 * expressions and the columns they may use, title placeholders, duplicate
 * slugs), so a nightly run fails at once rather than after drawing half
 * an atlas. */
#include "geovoice/atlas.h"

#include "geovoice/classify.h"
#include "geovoice/expr.h"
#include "geovoice/format.h"
#include "geovoice/palette.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include <yaml.h>

typedef struct ctx {
    const char *path;
    yaml_document_t *doc;
    gv_error *err;
} ctx;

static int fail(ctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...) GV_PRINTF(4, 5);
static int fail(ctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...) {
    char msg[GV_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gv_error_set(c->err, GV_EUSAGE, "%s: line %zu, key '%s': %s", c->path,
                        at ? (size_t)at->start_mark.line + 1 : (size_t)0, key, msg);
}

static yaml_node_t *node(ctx *c, int id) { return yaml_document_get_node(c->doc, id); }

static char *dup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* The text of a scalar node; fails (NULL) naming key for lists/mappings. */
static const char *scalar(ctx *c, yaml_node_t *v, const char *key, int *rc) {
    if (v->type != YAML_SCALAR_NODE) {
        *rc = fail(c, v, key, "expected a single value, not a %s", v->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
        return NULL;
    }
    return (const char *)v->data.scalar.value;
}

static int set_str(ctx *c, yaml_node_t *v, const char *key, char **out) {
    int rc = GV_OK;
    const char *s = scalar(c, v, key, &rc);
    if (!s) return rc;
    free(*out);
    if (!(*out = dup(s))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    return GV_OK;
}

static int set_bool(ctx *c, yaml_node_t *v, const char *key, int *out) {
    int rc = GV_OK;
    const char *s = scalar(c, v, key, &rc);
    if (!s) return rc;
    static const char *const YES[] = {"yes", "true", "on", "y", "1"}, *const NO[] = {"no", "false", "off", "n", "0"};
    for (size_t i = 0; i < 5; i++) {
        if (!strcasecmp(s, YES[i])) { *out = 1; return GV_OK; }
        if (!strcasecmp(s, NO[i])) { *out = 0; return GV_OK; }
    }
    return fail(c, v, key, "'%s' is not yes or no", s);
}

static int set_num(ctx *c, yaml_node_t *v, const char *key, double lo, double hi, double *out) {
    int rc = GV_OK;
    const char *s = scalar(c, v, key, &rc);
    if (!s) return rc;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(d) || d < lo || d > hi)
        return fail(c, v, key, "'%s' is not a number from %g to %g", s, lo, hi);
    *out = d;
    return GV_OK;
}

/* Resolves a path written in the spec against the spec's directory. */
static char *resolve(const char *dir, const char *p) {
    if (!p) return NULL;
    if (p[0] == '/' || !dir || !*dir || !strcmp(dir, ".")) return dup(p);
    size_t n = strlen(dir) + strlen(p) + 2;
    char *r = malloc(n);
    if (r) snprintf(r, n, "%s/%s", dir, p);
    return r;
}

/* Checks that key is one of the known ones. */
static int known_key(ctx *c, yaml_node_t *k, const char *where, const char *const *keys) {
    const char *s = (const char *)k->data.scalar.value;
    for (size_t i = 0; keys[i]; i++)
        if (!strcmp(s, keys[i])) return GV_OK;
    char list[600] = "";
    for (size_t i = 0; keys[i]; i++) {
        if (strlen(list) + strlen(keys[i]) + 3 >= sizeof list) break;
        if (i) strcat(list, ", ");
        strcat(list, keys[i]);
    }
    char full[300];
    snprintf(full, sizeof full, "%s%s%s", where, *where ? "." : "", s);
    return fail(c, k, full, "unknown key (known%s%s: %s)", *where ? " in " : "", where, list);
}

/* A title template may hold {name} and {code} only. */
static int check_template(ctx *c, yaml_node_t *v, const char *key, const char *t) {
    for (const char *p = t; (p = strchr(p, '{')); p++) {
        if (!strncmp(p, "{name}", 6) || !strncmp(p, "{code}", 6)) continue;
        const char *e = strchr(p, '}');
        return fail(c, v, key, "unknown placeholder '%.*s' (known: {name}, {code})", e ? (int)(e - p + 1) : (int)strlen(p), p);
    }
    return GV_OK;
}

void gv_atlas_slug(const char *text, char *out, size_t n) {
    if (!n) return;
    out[0] = 0;
    if (!text) return;
    utf8proc_uint8_t *d = NULL;
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)text, 0, &d,
                                        UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
    if (len < 0) return;
    size_t k = 0;
    int dash = 0;
    for (utf8proc_ssize_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(d + i, len - i, &cp);
        if (step <= 0) break;
        i += step;
        /* đ has no decomposition: it is its own letter, written d without
         * marks; Ð/ð (U+00D0, the look-alike some files use) reads as đ. */
        if (cp == 0x111 || cp == 0x110 || cp == 0xd0 || cp == 0xf0) cp = 'd';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            if (dash && k && k + 1 < n) out[k++] = '-';
            dash = 0;
            if (k + 1 < n) out[k++] = (char)cp;
        } else dash = 1;
    }
    out[k] = 0;
    free(d);
}

static const char *const TOP_KEYS[] = {"title", "subtitle", "author", "subject", "keywords", "set", "sets_dir",
                                       "level", "output", "pdf", "formats", "page", "map", "locale", "national_name",
                                       "tables", "indicators", "pages", NULL};
static const char *const PAGE_KEYS[] = {"size", "landscape", "dpi", NULL};
static const char *const MAP_KEYS[] = {"context", "locator", "labels", "label_halo", "north_arrow", NULL};
static const char *const PAGES_KEYS[] = {"contents", "national", "provinces", "regions", "order", NULL};
static const char *const TABLE_KEYS[] = {"file", "join", "duplicates", NULL};
static const char *const IND_KEYS[] = {"name", "slug", "table", "value", "classify", "palette", "reverse", "center",
                                       "breaks", "suppress", "decimals", "title", "subtitle", "legend_title",
                                       "source", "date", NULL};

static int parse_formats(ctx *c, gv_atlas_spec *s, yaml_node_t *v) {
    s->want_pdf = s->want_png = 0;
    char buf[256] = "";
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *x = node(c, *it);
            int rc = GV_OK;
            const char *f = scalar(c, x, "formats", &rc);
            if (!f) return rc;
            if (strlen(buf) + strlen(f) + 2 < sizeof buf) {
                if (*buf) strcat(buf, ",");
                strcat(buf, f);
            }
        }
    } else if (v->type == YAML_SCALAR_NODE) {
        snprintf(buf, sizeof buf, "%s", (const char *)v->data.scalar.value);
    } else return fail(c, v, "formats", "expected a list such as [pdf, png]");
    char *save = NULL;
    for (char *f = strtok_r(buf, ", ", &save); f; f = strtok_r(NULL, ", ", &save)) {
        int *w = !strcasecmp(f, "pdf") ? &s->want_pdf : !strcasecmp(f, "png") ? &s->want_png : NULL;
        if (!w) return fail(c, v, "formats", "'%s' is not pdf or png", f);
        if (*w) return fail(c, v, "formats", "'%s' given twice", f);
        *w = 1;
    }
    if (!s->want_pdf && !s->want_png) return fail(c, v, "formats", "no format (pdf, png or both)");
    return GV_OK;
}

static int parse_page(ctx *c, gv_atlas_spec *s, yaml_node_t *v, char **size, int *landscape) {
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, "page", "expected a mapping {size: a4, landscape: no, dpi: 150}");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        int rc = known_key(c, k, "page", PAGE_KEYS);
        const char *key = (const char *)k->data.scalar.value;
        if (!rc && !strcmp(key, "size")) rc = set_str(c, x, "page.size", size);
        else if (!rc && !strcmp(key, "landscape")) rc = set_bool(c, x, "page.landscape", landscape);
        else if (!rc && !strcmp(key, "dpi")) rc = set_num(c, x, "page.dpi", 10, 2400, &s->dpi);
        if (rc) return rc;
    }
    return GV_OK;
}

static int parse_map(ctx *c, gv_atlas_spec *s, yaml_node_t *v) {
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, "map", "expected a mapping {context: yes, labels: name_short}");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        int rc = known_key(c, k, "map", MAP_KEYS);
        const char *key = (const char *)k->data.scalar.value;
        char full[64];
        snprintf(full, sizeof full, "map.%s", key);
        if (!rc && !strcmp(key, "context")) rc = set_bool(c, x, full, &s->context);
        else if (!rc && !strcmp(key, "locator")) rc = set_bool(c, x, full, &s->locator);
        else if (!rc && !strcmp(key, "label_halo")) rc = set_bool(c, x, full, &s->label_halo);
        else if (!rc && !strcmp(key, "north_arrow")) rc = set_bool(c, x, full, &s->north_arrow);
        else if (!rc && !strcmp(key, "labels")) {
            int off = -1;
            if (x->type == YAML_SCALAR_NODE) {
                const char *w = (const char *)x->data.scalar.value;
                if (!strcasecmp(w, "no") || !strcasecmp(w, "none") || !strcasecmp(w, "false") || !*w) off = 1;
            }
            if (off == 1) {
                free(s->labels);
                s->labels = NULL;
            } else rc = set_str(c, x, full, &s->labels);
        }
        if (rc) return rc;
    }
    return GV_OK;
}

static int parse_tables(ctx *c, gv_atlas_spec *s, yaml_node_t *v) {
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, "tables", "expected a mapping of table ids to {file, join}");
    size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (!(s->tables = calloc(n ? n : 1, sizeof *s->tables))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        const char *id = (const char *)k->data.scalar.value;
        char where[300];
        snprintf(where, sizeof where, "tables.%s", id);
        for (size_t i = 0; i < s->ntables; i++)
            if (!strcmp(s->tables[i].id, id)) return fail(c, k, where, "table id given twice");
        gv_atlas_table *t = &s->tables[s->ntables++];
        t->line = (int)k->start_mark.line + 1;
        if (!(t->id = dup(id))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
        char *file = NULL;
        if (x->type == YAML_SCALAR_NODE) {
            if (!(file = dup((const char *)x->data.scalar.value))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
        } else if (x->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *q = x->data.mapping.pairs.start; q < x->data.mapping.pairs.top; q++) {
                yaml_node_t *kk = node(c, q->key), *xx = node(c, q->value);
                int rc = known_key(c, kk, where, TABLE_KEYS);
                const char *key = (const char *)kk->data.scalar.value;
                char full[340];
                snprintf(full, sizeof full, "%s.%s", where, key);
                if (!rc && !strcmp(key, "duplicates")) {
                    char *d = NULL;
                    if (!(rc = set_str(c, xx, full, &d))) {
                        gv_error e2;
                        if (gv_dup_policy_parse(d, &t->dup, &e2) != GV_OK || t->dup == GV_DUP_ERROR)
                            rc = fail(c, xx, full, "'%s' is not sum, first or mean", d);
                    }
                    free(d);
                } else if (!rc) rc = set_str(c, xx, full, !strcmp(key, "file") ? &file : &t->join);
                if (rc) { free(file); return rc; }
            }
        } else return fail(c, x, where, "expected {file: ..., join: ...}");
        if (!file || !*file) { free(file); return fail(c, x, where, "no 'file'"); }
        t->file = resolve(s->dir, file);
        free(file);
        if (!t->join && !(t->join = dup("code"))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
        if (!t->file) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    }
    return GV_OK;
}

static const gv_atlas_table *find_table(const gv_atlas_spec *s, const char *id) {
    for (size_t i = 0; i < s->ntables; i++)
        if (!strcmp(s->tables[i].id, id)) return &s->tables[i];
    return NULL;
}

static int parse_suppress(ctx *c, gv_atlas_indicator *ind, yaml_node_t *v, const char *where) {
    char key[340];
    snprintf(key, sizeof key, "%s.suppress", where);
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, key, "expected {column: COLUMN, below: K}");
    ind->suppress_below = 10;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        const char *kk = (const char *)k->data.scalar.value;
        char full[400];
        snprintf(full, sizeof full, "%s.%s", key, kk);
        int rc;
        if (!strcmp(kk, "column")) rc = set_str(c, x, full, &ind->suppress_column);
        else if (!strcmp(kk, "below")) rc = set_num(c, x, full, 0, 1e15, &ind->suppress_below);
        else rc = fail(c, k, full, "unknown key (known in %s: column, below)", key);
        if (rc) return rc;
    }
    if (!ind->suppress_column) return fail(c, v, key, "no 'column'");
    return GV_OK;
}

/* Checks the value expression: it parses, its built-ins are known, and it
 * names columns only when the indicator has a table. */
static int check_value(ctx *c, const gv_atlas_indicator *ind, yaml_node_t *at, const char *key) {
    gv_expr *E = NULL;
    gv_error e2;
    if (gv_expr_parse(ind->value, &E, &e2)) return fail(c, at, key, "%s", e2.msg);
    int rc = GV_OK;
    for (size_t k = 0; k < gv_expr_nvars(E) && !rc; k++) {
        const char *v = gv_expr_var(E, k);
        if (v[0] == '@' && strcmp(v, "@area_km2"))
            rc = fail(c, at, key, "unknown built-in attribute '%s' (known: @area_km2)", v);
        else if (v[0] != '@' && !ind->table)
            rc = fail(c, at, key, "uses column '%s' but the indicator names no table (key 'table')", v);
    }
    gv_expr_free(E);
    return rc;
}

static int parse_indicator(ctx *c, gv_atlas_spec *s, gv_atlas_indicator *ind, yaml_node_t *v, size_t idx) {
    char where[64];
    snprintf(where, sizeof where, "indicators[%zu]", idx + 1);
    ind->line = (int)v->start_mark.line + 1;
    ind->decimals = -1;
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, where, "expected a mapping with name, value, ...");
    yaml_node_t *at_value = v, *at_title = NULL, *at_sub = NULL, *at_table = NULL, *at_slug = NULL, *at_palette = NULL;
    char *breaks = NULL;
    int rc = GV_OK;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top && !rc; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        if ((rc = known_key(c, k, where, IND_KEYS))) break;
        const char *kk = (const char *)k->data.scalar.value;
        char full[128];
        snprintf(full, sizeof full, "%s.%s", where, kk);
        if (!strcmp(kk, "name")) rc = set_str(c, x, full, &ind->name);
        else if (!strcmp(kk, "slug")) { at_slug = x; rc = set_str(c, x, full, &ind->slug); }
        else if (!strcmp(kk, "table")) { at_table = x; rc = set_str(c, x, full, &ind->table); }
        else if (!strcmp(kk, "value")) { at_value = x; rc = set_str(c, x, full, &ind->value); }
        else if (!strcmp(kk, "classify")) {
            if (!(rc = set_str(c, x, full, &ind->classify))) {
                gv_classify_spec cs;
                gv_error e2;
                if (gv_classify_parse(ind->classify, &cs, &e2)) rc = fail(c, x, full, "%s", e2.msg);
            }
        } else if (!strcmp(kk, "palette")) {
            at_palette = x;
            if (!(rc = set_str(c, x, full, &ind->palette)) && !gv_palette_kind(ind->palette)) {
                unsigned tmp[3];
                gv_error e2;
                gv_palette_colors(ind->palette, 3, 0, tmp, &e2);
                rc = fail(c, x, full, "%s", e2.msg);
            }
        } else if (!strcmp(kk, "reverse")) rc = set_bool(c, x, full, &ind->reverse);
        else if (!strcmp(kk, "center")) {
            ind->has_center = 1;
            rc = set_num(c, x, full, -1e300, 1e300, &ind->center);
        } else if (!strcmp(kk, "breaks")) {
            if (!(rc = set_str(c, x, full, &breaks))) {
                if (!strcasecmp(breaks, "national")) ind->local_breaks = 0;
                else if (!strcasecmp(breaks, "local")) ind->local_breaks = 1;
                else rc = fail(c, x, full, "'%s' is not national or local", breaks);
            }
        } else if (!strcmp(kk, "suppress")) rc = parse_suppress(c, ind, x, where);
        else if (!strcmp(kk, "decimals")) {
            double d = -1;
            if (!(rc = set_num(c, x, full, 0, 10, &d))) ind->decimals = (int)d;
        } else if (!strcmp(kk, "title")) { at_title = x; rc = set_str(c, x, full, &ind->title); }
        else if (!strcmp(kk, "subtitle")) { at_sub = x; rc = set_str(c, x, full, &ind->subtitle); }
        else if (!strcmp(kk, "legend_title")) rc = set_str(c, x, full, &ind->legend_title);
        else if (!strcmp(kk, "source")) rc = set_str(c, x, full, &ind->source);
        else if (!strcmp(kk, "date")) rc = set_str(c, x, full, &ind->date);
    }
    free(breaks);
    if (rc) return rc;
    char key[128];
    if (!ind->name || !*ind->name) {
        snprintf(key, sizeof key, "%s.name", where);
        return fail(c, v, key, "missing (every indicator needs a name)");
    }
    snprintf(key, sizeof key, "%s.value", where);
    if (!ind->value || !*ind->value) return fail(c, v, key, "missing (a column or an expression such as @area_km2)");
    if (ind->table && !find_table(s, ind->table)) {
        snprintf(key, sizeof key, "%s.table", where);
        return fail(c, at_table, key, "no table '%s' in 'tables'", ind->table);
    }
    snprintf(key, sizeof key, "%s.value", where);
    if ((rc = check_value(c, ind, at_value, key))) return rc;
    if (ind->suppress_column && !ind->table) {
        snprintf(key, sizeof key, "%s.suppress", where);
        return fail(c, v, key, "needs the indicator's table (key 'table')");
    }
    char slug[128];
    if (ind->slug) {
        gv_atlas_slug(ind->slug, slug, sizeof slug);
        if (strcmp(slug, ind->slug)) {
            snprintf(key, sizeof key, "%s.slug", where);
            return fail(c, at_slug, key, "'%s' is not a slug (lower-case ASCII letters, digits and '-'; e.g. '%s')",
                        ind->slug, slug);
        }
    } else {
        gv_atlas_slug(ind->name, slug, sizeof slug);
        if (!*slug) {
            snprintf(key, sizeof key, "%s.name", where);
            return fail(c, v, key, "'%s' gives an empty slug; add key 'slug'", ind->name);
        }
        if (!(ind->slug = dup(slug))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    }
    if (ind->title) {
        snprintf(key, sizeof key, "%s.title", where);
        if ((rc = check_template(c, at_title, key, ind->title))) return rc;
    } else {
        size_t n = strlen(ind->name) + 16;
        if (!(ind->title = malloc(n))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
        snprintf(ind->title, n, "%s — {name}", ind->name);
    }
    if (ind->subtitle) {
        snprintf(key, sizeof key, "%s.subtitle", where);
        if ((rc = check_template(c, at_sub, key, ind->subtitle))) return rc;
    }
    if (!ind->classify && !(ind->classify = dup("quantile:5"))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    if (!ind->palette && !(ind->palette = dup(ind->has_center ? "RdBu" : "YlOrRd")))
        return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    if (ind->has_center && gv_palette_kind(ind->palette) != GV_PALETTE_DIVERGING) {
        snprintf(key, sizeof key, "%s.palette", where);
        return fail(c, at_palette ? at_palette : v, key,
                    "'%s' is not diverging, and the indicator has a 'center' (diverging: BrBG, PiYG, PRGn, PuOr, "
                    "RdBu, RdGy, RdYlBu, RdYlGn, Spectral)",
                    ind->palette);
    }
    if (!ind->legend_title && !(ind->legend_title = dup(ind->name))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    return GV_OK;
}

static int parse_indicators(ctx *c, gv_atlas_spec *s, yaml_node_t *v) {
    if (v->type != YAML_SEQUENCE_NODE) return fail(c, v, "indicators", "expected a list of indicators (- name: ...)");
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (!n) return fail(c, v, "indicators", "the list is empty");
    if (!(s->indicators = calloc(n, sizeof *s->indicators))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *x = node(c, *it);
        gv_atlas_indicator *ind = &s->indicators[s->nindicators++];
        int rc = parse_indicator(c, s, ind, x, s->nindicators - 1);
        if (rc) return rc;
        for (size_t j = 0; j + 1 < s->nindicators; j++)
            if (!strcmp(s->indicators[j].slug, ind->slug)) {
                char key[64];
                snprintf(key, sizeof key, "indicators[%zu]", s->nindicators);
                return fail(c, x, key, "slug '%s' is also the slug of indicators[%zu] (line %d): page names would collide; add key 'slug'",
                            ind->slug, j + 1, s->indicators[j].line);
            }
    }
    return GV_OK;
}

static int parse_pages(ctx *c, gv_atlas_spec *s, yaml_node_t *v) {
    if (v->type != YAML_MAPPING_NODE) return fail(c, v, "pages", "expected a mapping {national: yes, provinces: all}");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        int rc = known_key(c, k, "pages", PAGES_KEYS);
        if (rc) return rc;
        const char *kk = (const char *)k->data.scalar.value;
        char full[64];
        snprintf(full, sizeof full, "pages.%s", kk);
        if (!strcmp(kk, "contents")) rc = set_bool(c, x, full, &s->contents);
        else if (!strcmp(kk, "national")) rc = set_bool(c, x, full, &s->national);
        else if (!strcmp(kk, "regions")) {
            char *f = NULL;
            if (!(rc = set_str(c, x, full, &f))) {
                free(s->regions);
                s->regions = resolve(s->dir, f);
            }
            free(f);
        } else if (!strcmp(kk, "order")) {
            char *o = NULL;
            if (!(rc = set_str(c, x, full, &o))) {
                if (!strcasecmp(o, "indicator")) s->order_by_area = 0;
                else if (!strcasecmp(o, "area")) s->order_by_area = 1;
                else rc = fail(c, x, full, "'%s' is not indicator or area", o);
            }
            free(o);
        } else if (!strcmp(kk, "provinces")) {
            if (x->type == YAML_SCALAR_NODE) {
                const char *w = (const char *)x->data.scalar.value;
                if (!strcasecmp(w, "all")) s->provinces_all = 1;
                else if (!strcasecmp(w, "none") || !*w) s->provinces_all = 0;
                else rc = fail(c, x, full, "'%s': expected all, none or a list of province codes [01, 79]", w);
            } else if (x->type == YAML_SEQUENCE_NODE) {
                s->provinces_all = 0;
                size_t n = (size_t)(x->data.sequence.items.top - x->data.sequence.items.start);
                if (!(s->provinces = calloc(n ? n : 1, sizeof *s->provinces))) return gv_error_set(c->err, GV_ENOMEM, "out of memory");
                for (yaml_node_item_t *it = x->data.sequence.items.start; it < x->data.sequence.items.top && !rc; it++) {
                    yaml_node_t *y = node(c, *it);
                    const char *code = scalar(c, y, full, &rc);
                    if (code && !(s->provinces[s->nprovinces++] = dup(code))) rc = gv_error_set(c->err, GV_ENOMEM, "out of memory");
                }
            } else rc = fail(c, x, full, "expected all, none or a list of province codes");
        }
        if (rc) return rc;
    }
    return GV_OK;
}

/* Before reading: every scalar becomes NFC (a title typed with
 * decomposed marks draws and slugs as the same text as a composed one),
 * and a key given twice in one mapping is an error (libyaml keeps both,
 * and which one wins would be an accident of the reader). */
static int prepare_doc(ctx *c) {
    for (yaml_node_t *n = c->doc->nodes.start; n < c->doc->nodes.top; n++) {
        if (n->type != YAML_SCALAR_NODE || !n->data.scalar.value) continue;
        int ascii = 1;
        for (size_t i = 0; i < n->data.scalar.length && ascii; i++) ascii = n->data.scalar.value[i] < 0x80;
        if (ascii) continue;
        utf8proc_uint8_t *nfc = utf8proc_NFC(n->data.scalar.value);
        if (!nfc) return fail(c, n, "?", "not UTF-8 text (save the spec as UTF-8)");
        free(n->data.scalar.value); /* libyaml's yaml_free is free() */
        n->data.scalar.value = nfc;
        n->data.scalar.length = strlen((const char *)nfc);
    }
    for (yaml_node_t *n = c->doc->nodes.start; n < c->doc->nodes.top; n++) {
        if (n->type != YAML_MAPPING_NODE) continue;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node(c, p->key);
            if (k->type != YAML_SCALAR_NODE) continue;
            for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
                yaml_node_t *k0 = node(c, q->key);
                if (k0->type == YAML_SCALAR_NODE && !strcmp((const char *)k0->data.scalar.value,
                                                            (const char *)k->data.scalar.value))
                    return fail(c, k, (const char *)k->data.scalar.value, "given twice in the same mapping (first on line %zu)",
                                (size_t)k0->start_mark.line + 1);
            }
        }
    }
    return GV_OK;
}

static int parse_root(ctx *c, gv_atlas_spec *s) {
    yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return gv_error_set(c->err, GV_EUSAGE, "%s: line 1: not a YAML mapping (see examples/atlas_vn2025.yaml)", c->path);
    char *size = NULL, *level = NULL, *set = NULL, *sets_dir = NULL, *output = NULL;
    int landscape = 0, rc = GV_OK;
    yaml_node_t *at_set = NULL, *at_level = NULL, *at_locale = NULL, *at_size = NULL, *at_ind = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !rc; p++) {
        yaml_node_t *k = node(c, p->key), *x = node(c, p->value);
        if (k->type != YAML_SCALAR_NODE) { rc = fail(c, k, "?", "keys must be plain words"); break; }
        if ((rc = known_key(c, k, "", TOP_KEYS))) break;
        const char *kk = (const char *)k->data.scalar.value;
        if (!strcmp(kk, "title")) rc = set_str(c, x, kk, &s->title);
        else if (!strcmp(kk, "subtitle")) rc = set_str(c, x, kk, &s->subtitle);
        else if (!strcmp(kk, "author")) rc = set_str(c, x, kk, &s->author);
        else if (!strcmp(kk, "subject")) rc = set_str(c, x, kk, &s->subject);
        else if (!strcmp(kk, "keywords")) rc = set_str(c, x, kk, &s->keywords);
        else if (!strcmp(kk, "set")) { at_set = x; rc = set_str(c, x, kk, &set); }
        else if (!strcmp(kk, "sets_dir")) rc = set_str(c, x, kk, &sets_dir);
        else if (!strcmp(kk, "level")) { at_level = x; rc = set_str(c, x, kk, &level); }
        else if (!strcmp(kk, "output")) rc = set_str(c, x, kk, &output);
        else if (!strcmp(kk, "pdf")) rc = set_str(c, x, kk, &s->pdf_name);
        else if (!strcmp(kk, "formats")) rc = parse_formats(c, s, x);
        else if (!strcmp(kk, "page")) { at_size = x; rc = parse_page(c, s, x, &size, &landscape); }
        else if (!strcmp(kk, "map")) rc = parse_map(c, s, x);
        else if (!strcmp(kk, "locale")) { at_locale = x; rc = set_str(c, x, kk, &s->locale); }
        else if (!strcmp(kk, "national_name")) rc = set_str(c, x, kk, &s->national_name);
        else if (!strcmp(kk, "tables")) rc = parse_tables(c, s, x);
        else if (!strcmp(kk, "indicators")) at_ind = x;
        else if (!strcmp(kk, "pages")) rc = parse_pages(c, s, x);
    }
    /* Indicators last: they refer to tables, wherever those are written. */
    if (!rc && !at_ind) rc = fail(c, root, "indicators", "missing (a list of one or more indicators)");
    if (!rc) rc = parse_indicators(c, s, at_ind);
    if (!rc && !set) rc = fail(c, root, "set", "missing (a boundary set: vn-2025, or a manifest path)");
    if (!rc) {
        s->set = strchr(set, '/') || (strlen(set) > 5 && !strcmp(set + strlen(set) - 5, ".yaml")) ? resolve(s->dir, set)
                                                                                                   : dup(set);
        if (sets_dir) s->sets_dir = resolve(s->dir, sets_dir);
        if (output) s->output = resolve(s->dir, output);
        if (!s->set) rc = gv_error_set(c->err, GV_ENOMEM, "out of memory");
    }
    if (!rc && level) {
        s->level = gv_level_parse(level);
        if (s->level < GV_LEVEL_PROVINCE)
            rc = fail(c, at_level, "level", "'%s' is not province, district or commune", level);
    }
    if (!rc && s->locale) {
        gv_locale loc;
        gv_error e2;
        if (gv_locale_parse(s->locale, &loc, &e2)) rc = fail(c, at_locale, "locale", "%s", e2.msg);
    }
    if (!rc) {
        gv_error e2;
        if (gv_page_parse(size ? size : "a4", landscape, &s->page, &e2)) rc = fail(c, at_size, "page.size", "%s", e2.msg);
    }
    if (!rc && s->pdf_name && (strchr(s->pdf_name, '/') || strlen(s->pdf_name) < 5 ||
                               strcasecmp(s->pdf_name + strlen(s->pdf_name) - 4, ".pdf")))
        rc = fail(c, root, "pdf", "'%s' must be a file name ending in .pdf (no folder)", s->pdf_name);
    (void)at_set;
    free(size);
    free(level);
    free(set);
    free(sets_dir);
    free(output);
    return rc;
}

static int fill_defaults(gv_atlas_spec *s, gv_error *err) {
    if (!s->title && !(s->title = dup("Atlas"))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (!s->author && !(s->author = dup("geovoice"))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (!s->pdf_name && !(s->pdf_name = dup("atlas.pdf"))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (!s->locale && !(s->locale = dup("vi"))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (!s->national_name && !(s->national_name = dup(!strcasecmp(s->locale, "en") ? "Viet Nam" : "Toàn quốc")))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return GV_OK;
}

int gv_atlas_spec_read(const char *path, gv_atlas_spec **out, gv_error *err) {
    if (!path || !out) return gv_error_set(err, GV_EUSAGE, "gv_atlas_spec_read: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return gv_error_set(err, GV_EUSAGE, "%s: cannot open the atlas spec (%s)", path, strerror(errno));
    gv_atlas_spec *s = calloc(1, sizeof *s);
    if (!s) { fclose(f); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    s->level = GV_LEVEL_COMMUNE;
    s->want_pdf = s->want_png = 1;
    s->dpi = 150;
    s->contents = s->national = s->provinces_all = 1;
    s->context = s->locator = 1;
    s->path = dup(path);
    s->dir = dup(path);
    if (!s->path || !s->dir) { fclose(f); gv_atlas_spec_free(s); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    char *sl = strrchr(s->dir, '/');
    if (sl) *sl = 0;
    else strcpy(s->dir, ".");
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        gv_atlas_spec_free(s);
        return gv_error_set(err, GV_ENOMEM, "%s: libyaml could not start", path);
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = GV_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = gv_error_set(err, GV_EUSAGE, "%s: line %zu, column %zu: %s%s%s", path, (size_t)parser.problem_mark.line + 1,
                          (size_t)parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error",
                          parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        ctx c = {path, &doc, err};
        rc = prepare_doc(&c);
        if (!rc) rc = parse_root(&c, s);
        if (!rc) rc = fill_defaults(s, err);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc) {
        gv_atlas_spec_free(s);
        return rc;
    }
    *out = s;
    return GV_OK;
}

void gv_atlas_spec_free(gv_atlas_spec *s) {
    if (!s) return;
    free(s->path);
    free(s->dir);
    free(s->title);
    free(s->subtitle);
    free(s->author);
    free(s->subject);
    free(s->keywords);
    free(s->set);
    free(s->sets_dir);
    free(s->output);
    free(s->pdf_name);
    free(s->locale);
    free(s->national_name);
    free(s->labels);
    for (size_t i = 0; i < s->nprovinces; i++) free(s->provinces[i]);
    free(s->provinces);
    free(s->regions);
    for (size_t i = 0; i < s->ntables; i++) {
        free(s->tables[i].id);
        free(s->tables[i].file);
        free(s->tables[i].join);
    }
    free(s->tables);
    for (size_t i = 0; i < s->nindicators; i++) {
        gv_atlas_indicator *d = &s->indicators[i];
        free(d->name);
        free(d->slug);
        free(d->table);
        free(d->value);
        free(d->classify);
        free(d->palette);
        free(d->suppress_column);
        free(d->title);
        free(d->subtitle);
        free(d->legend_title);
        free(d->source);
        free(d->date);
    }
    free(s->indicators);
    free(s);
}
