/* crosswalk.c: carrying a table of counts from old units to new ones by a
 * crosswalk table, by areal interpolation, or both (crosswalk.h has the
 * rules; overlap.c computes the areas).
 *
 * Every carried row is split into shares that sum to 1 (one pair: 1; split
 * pairs: the receiving units' areas over their sum; areal: overlap over the
 * covered part of the polygon), so the carried total equals the total of
 * the carried rows up to floating-point rounding. Codes are compared as
 * numbers (SPEC: "1" = "01" = "1.0"), always within one level: the pairs'
 * old codes with the rows' codes, the pairs' new codes with the targets'. */
#include "geovoice/crosswalk.h"

#include "csvout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- code keys ---- */

/* Code text to a number; 0 with *key = -1 for an empty cell; GV_EDATA for
 * text that is not a code. */
static int code_num(const char *s, long *key, gv_error *err) {
    *key = -1;
    if (!s || !*s) return GV_OK;
    char k[64];
    if (strlen(s) >= sizeof k) return gv_error_set(err, GV_EDATA, "'%.40s...' is not a code", s);
    int rc = gv_code_normalize(s, 0, k, sizeof k, err);
    if (rc != GV_OK) return rc;
    if (strlen(k) > 15) return gv_error_set(err, GV_EDATA, "'%s' is not a code (too many digits)", s);
    *key = strtol(k, NULL, 10);
    return GV_OK;
}

typedef struct kv {
    long key;
    size_t idx;
} kv;

static int kv_cmp(const void *a, const void *b) {
    const kv *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* First entry with key, or NULL; *n = number of entries with that key. */
static const kv *kv_find(const kv *a, size_t na, long key, size_t *n) {
    size_t lo = 0, hi = na;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    size_t e = lo;
    while (e < na && a[e].key == key) e++;
    if (n) *n = e - lo;
    return e > lo ? &a[lo] : NULL;
}

/* ---- result ---- */

typedef struct target {
    long key;
    char *code, *name, *parent;
    size_t feat;
    double area_km2;
    unsigned ways;
    int estimated;
    size_t nsources;
} target;

struct gv_xw_result {
    size_t nvalues;
    char **value_names;
    char *parent_col_name; /* of the targets, NULL when none */
    char *code_col, *rparent_col;
    size_t ntargets;
    target *t;
    double *val; /* ntargets * nvalues, NaN = nothing reached */
    double *total_in, *total_uncarried, *total_out;
    /* Value v of a target is unknown (NaN) when any row reaching it lacks
     * v: a sum with a missing term is not a figure. What the other rows
     * brought there is counted in total_incomplete. */
    unsigned char *incomplete; /* ntargets * nvalues */
    double *total_incomplete;
    size_t *n_incomplete;
    size_t *missing;
    size_t rows_by_way[GV_XW_NWAYS];
    double *value_by_way; /* GV_XW_NWAYS * nvalues */
    /* per input row */
    const gv_table *data; /* borrowed: only for gv_xw_write_rows, which
                           * needs the caller to keep it alive */
    size_t nrows;
    unsigned char *row_way;
    size_t *row_nt;
    char **row_reason, **row_via;
    double *row_val; /* nrows * nvalues */
    char **row_code, **row_parent;
};

void gv_xw_free(gv_xw_result *r) {
    if (!r) return;
    for (size_t v = 0; r->value_names && v < r->nvalues; v++) free(r->value_names[v]);
    free(r->value_names);
    free(r->parent_col_name);
    free(r->code_col);
    free(r->rparent_col);
    for (size_t i = 0; r->t && i < r->ntargets; i++) {
        free(r->t[i].code);
        free(r->t[i].name);
        free(r->t[i].parent);
    }
    free(r->t);
    free(r->val);
    free(r->total_in);
    free(r->total_uncarried);
    free(r->total_out);
    free(r->incomplete);
    free(r->total_incomplete);
    free(r->n_incomplete);
    free(r->missing);
    free(r->value_by_way);
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->row_reason) free(r->row_reason[i]);
        if (r->row_via) free(r->row_via[i]);
        if (r->row_code) free(r->row_code[i]);
        if (r->row_parent) free(r->row_parent[i]);
    }
    free(r->row_way);
    free(r->row_nt);
    free(r->row_reason);
    free(r->row_via);
    free(r->row_val);
    free(r->row_code);
    free(r->row_parent);
    free(r);
}

static const char *WAY_NAMES[GV_XW_NWAYS] = {"none", "pair", "pair-split", "areal", "areal-parent", "areal-history"};

const char *gv_xw_way_name(gv_xw_way w) { return (unsigned)w < GV_XW_NWAYS ? WAY_NAMES[w] : "?"; }

int gv_xw_method_parse(const char *s, gv_xw_method *out, gv_error *err) {
    if (s && !strcmp(s, "table")) *out = GV_XW_TABLE;
    else if (s && !strcmp(s, "areal")) *out = GV_XW_AREAL;
    else if (s && !strcmp(s, "combined")) *out = GV_XW_COMBINED;
    else return gv_error_set(err, GV_EUSAGE, "method '%s': expected table, areal or combined", s ? s : "");
    return GV_OK;
}

void gv_xw_options_init(gv_xw_options *o) {
    memset(o, 0, sizeof *o);
    o->method = GV_XW_COMBINED;
}

const char *gv_xw_ways_str(unsigned ways, char *buf, size_t n) {
    if (!buf || !n) return "";
    buf[0] = 0;
    size_t len = 0;
    for (int w = 1; w < GV_XW_NWAYS; w++) {
        if (!(ways & (1u << w))) continue;
        int k = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", WAY_NAMES[w]);
        if (k < 0 || (size_t)k >= n - len) break;
        len += (size_t)k;
    }
    if (!len) snprintf(buf, n, "none");
    return buf;
}

size_t gv_xw_nvalues(const gv_xw_result *r) { return r ? r->nvalues : 0; }
const char *gv_xw_value_name(const gv_xw_result *r, size_t v) {
    return r && v < r->nvalues ? r->value_names[v] : NULL;
}
double gv_xw_total_in(const gv_xw_result *r, size_t v) { return r && v < r->nvalues ? r->total_in[v] : NAN; }
double gv_xw_total_out(const gv_xw_result *r, size_t v) { return r && v < r->nvalues ? r->total_out[v] : NAN; }
double gv_xw_total_uncarried(const gv_xw_result *r, size_t v) {
    return r && v < r->nvalues ? r->total_uncarried[v] : NAN;
}
double gv_xw_total_incomplete(const gv_xw_result *r, size_t v) {
    return r && v < r->nvalues ? r->total_incomplete[v] : NAN;
}
size_t gv_xw_targets_incomplete(const gv_xw_result *r, size_t v) {
    return r && v < r->nvalues ? r->n_incomplete[v] : 0;
}
size_t gv_xw_rows_by_way(const gv_xw_result *r, gv_xw_way w) {
    return r && (unsigned)w < GV_XW_NWAYS ? r->rows_by_way[w] : 0;
}
double gv_xw_value_by_way(const gv_xw_result *r, gv_xw_way w, size_t v) {
    return r && (unsigned)w < GV_XW_NWAYS && v < r->nvalues ? r->value_by_way[(size_t)w * r->nvalues + v] : NAN;
}
size_t gv_xw_ntargets(const gv_xw_result *r) { return r ? r->ntargets : 0; }
const char *gv_xw_target_code(const gv_xw_result *r, size_t t) { return r && t < r->ntargets ? r->t[t].code : NULL; }
const char *gv_xw_target_name(const gv_xw_result *r, size_t t) { return r && t < r->ntargets ? r->t[t].name : NULL; }
const char *gv_xw_target_parent(const gv_xw_result *r, size_t t) {
    return r && t < r->ntargets ? r->t[t].parent : NULL;
}
double gv_xw_target_value(const gv_xw_result *r, size_t t, size_t v) {
    return r && t < r->ntargets && v < r->nvalues ? r->val[t * r->nvalues + v] : NAN;
}
unsigned gv_xw_target_ways(const gv_xw_result *r, size_t t) { return r && t < r->ntargets ? r->t[t].ways : 0; }
int gv_xw_target_estimated(const gv_xw_result *r, size_t t) { return r && t < r->ntargets ? r->t[t].estimated : 0; }
size_t gv_xw_target_nsources(const gv_xw_result *r, size_t t) {
    return r && t < r->ntargets ? r->t[t].nsources : 0;
}
long gv_xw_target_find(const gv_xw_result *r, const char *code) {
    long key;
    if (!r || code_num(code, &key, NULL) != GV_OK || key < 0) return -1;
    size_t lo = 0, hi = r->ntargets;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->t[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < r->ntargets && r->t[lo].key == key ? (long)lo : -1;
}
gv_xw_way gv_xw_row_way(const gv_xw_result *r, size_t row) {
    return r && row < r->nrows ? (gv_xw_way)r->row_way[row] : GV_XW_NONE;
}
size_t gv_xw_row_ntargets(const gv_xw_result *r, size_t row) { return r && row < r->nrows ? r->row_nt[row] : 0; }
const char *gv_xw_row_reason(const gv_xw_result *r, size_t row) {
    return r && row < r->nrows && r->row_reason[row] ? r->row_reason[row] : "";
}
const char *gv_xw_row_via(const gv_xw_result *r, size_t row) {
    return r && row < r->nrows && r->row_via[row] ? r->row_via[row] : "";
}

/* ---- building ---- */

static char *dupstr(const char *s) { return strdup(s ? s : ""); }

static int col_of(const gv_table *t, const char *name, const char *what, int *out, gv_error *err) {
    *out = gv_table_col_index(t, name);
    if (*out < 0) return gv_error_set(err, GV_EUSAGE, "%s: no column '%s' (%s)", gv_table_path(t), name, what);
    return GV_OK;
}

/* Targets from the `to` layer, sorted by code. */
static int read_targets(const gv_xw_options *o, gv_xw_result *r, gv_error *err) {
    gv_layer *l = o->to;
    int fc = gv_layer_field_index(l, o->to_code_field);
    if (fc < 0) return gv_error_set(err, GV_EUSAGE, "%s: no field '%s'", gv_layer_source(l), o->to_code_field);
    int fn = -1, fp = -1;
    if (o->to_name_field && (fn = gv_layer_field_index(l, o->to_name_field)) < 0)
        return gv_error_set(err, GV_EUSAGE, "%s: no field '%s'", gv_layer_source(l), o->to_name_field);
    if (o->to_parent_field && (fp = gv_layer_field_index(l, o->to_parent_field)) < 0)
        return gv_error_set(err, GV_EUSAGE, "%s: no field '%s'", gv_layer_source(l), o->to_parent_field);
    if (fp >= 0 && !(r->parent_col_name = strdup(o->to_parent_field))) return GV_ENOMEM;
    size_t n = gv_layer_count(l);
    r->t = calloc(n ? n : 1, sizeof *r->t);
    if (!r->t) return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    for (size_t i = 0; i < n; i++) {
        target *t = &r->t[r->ntargets];
        const char *code = gv_layer_value(l, i, (size_t)fc);
        if (code_num(code, &t->key, err) != GV_OK || t->key < 0) {
            if (t->key < 0 && (!err || err->code == GV_OK)) gv_error_set(err, GV_EDATA, "empty code");
            return gv_error_prefix(err, "%s: feature fid %lld, field '%s': ", gv_layer_source(l), gv_layer_fid(l, i),
                                   o->to_code_field);
        }
        t->code = dupstr(code);
        t->name = dupstr(fn >= 0 ? gv_layer_value(l, i, (size_t)fn) : "");
        t->parent = dupstr(fp >= 0 ? gv_layer_value(l, i, (size_t)fp) : "");
        t->feat = i;
        r->ntargets++;
        if (!t->code || !t->name || !t->parent) return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    }
    /* Sort by key (insertion order breaks no ties: duplicates are errors). */
    kv *ord = malloc((r->ntargets ? r->ntargets : 1) * sizeof *ord);
    target *sorted = malloc((r->ntargets ? r->ntargets : 1) * sizeof *sorted);
    if (!ord || !sorted) {
        free(ord);
        free(sorted);
        return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    }
    for (size_t i = 0; i < r->ntargets; i++) ord[i] = (kv){r->t[i].key, i};
    qsort(ord, r->ntargets, sizeof *ord, kv_cmp);
    for (size_t i = 0; i < r->ntargets; i++) sorted[i] = r->t[ord[i].idx];
    free(ord);
    free(r->t);
    r->t = sorted;
    for (size_t i = 1; i < r->ntargets; i++)
        if (r->t[i].key == r->t[i - 1].key)
            return gv_error_set(err, GV_EDATA, "%s: code '%s' given twice (fid %lld and %lld)", gv_layer_source(l),
                                r->t[i].code, gv_layer_fid(l, r->t[i - 1].feat), gv_layer_fid(l, r->t[i].feat));
    return GV_OK;
}

/* Target index by key, -1 when absent. */
static long target_of(const gv_xw_result *r, long key) {
    size_t lo = 0, hi = r->ntargets;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->t[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < r->ntargets && r->t[lo].key == key ? (long)lo : -1;
}

/* Pairs: (old key, target index), sorted, duplicates dropped. */
static int read_pairs(const gv_xw_options *o, const gv_xw_result *r, kv **out, size_t *nout, gv_error *err) {
    const gv_table *p = o->pairs;
    int co, cn, rc;
    if ((rc = col_of(p, o->pairs_old_col, "old codes of the pairs", &co, err)) != GV_OK) return rc;
    if ((rc = col_of(p, o->pairs_new_col, "new codes of the pairs", &cn, err)) != GV_OK) return rc;
    size_t n = 0, cap = 0;
    kv *a = NULL;
    for (size_t row = 0; row < gv_table_nrows(p); row++) {
        long nk;
        const char *nc = gv_table_cell(p, row, (size_t)cn);
        if ((rc = code_num(nc, &nk, err)) != GV_OK || nk < 0) {
            if (rc == GV_OK) rc = gv_error_set(err, GV_EDATA, "empty code");
            free(a);
            return gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", gv_table_path(p), row + 1,
                                   gv_table_row_line(p, row), o->pairs_new_col);
        }
        long t = target_of(r, nk);
        if (t < 0) {
            free(a);
            return gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': '%s' is not a unit of %s",
                                gv_table_path(p), row + 1, gv_table_row_line(p, row), o->pairs_new_col, nc,
                                gv_layer_source(o->to));
        }
        const char *cell = gv_table_cell(p, row, (size_t)co);
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", cell);
        const char *sep = o->pairs_list_sep && *o->pairs_list_sep ? o->pairs_list_sep : NULL;
        char *save = NULL, *tok = sep ? strtok_r(buf, sep, &save) : buf;
        int any = 0;
        for (; tok; tok = sep ? strtok_r(NULL, sep, &save) : NULL) {
            while (*tok == ' ') tok++;
            long ok;
            if ((rc = code_num(tok, &ok, err)) != GV_OK || ok < 0) {
                if (rc == GV_OK && sep) continue; /* "08;" */
                if (rc == GV_OK) rc = gv_error_set(err, GV_EDATA, "empty code");
                free(a);
                return gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", gv_table_path(p), row + 1,
                                       gv_table_row_line(p, row), o->pairs_old_col);
            }
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                kv *na = realloc(a, cap * sizeof *a);
                if (!na) {
                    free(a);
                    return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
                }
                a = na;
            }
            a[n++] = (kv){ok, (size_t)t};
            any = 1;
        }
        if (!any) {
            free(a);
            return gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': no old code", gv_table_path(p),
                                row + 1, gv_table_row_line(p, row), o->pairs_old_col);
        }
    }
    qsort(a, n, sizeof *a, kv_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || a[i].key != a[w - 1].key || a[i].idx != a[w - 1].idx) a[w++] = a[i];
    *out = a;
    *nout = w;
    return GV_OK;
}

/* Polygon units of `from`: (key, feature). */
static int read_from(const gv_xw_options *o, kv **out, size_t *nout, gv_error *err) {
    const gv_layer *l = o->from;
    int fc = gv_layer_field_index(l, o->from_code_field);
    if (fc < 0) return gv_error_set(err, GV_EUSAGE, "%s: no field '%s'", gv_layer_source(l), o->from_code_field);
    size_t n = gv_layer_count(l), w = 0;
    kv *a = malloc((n ? n : 1) * sizeof *a);
    if (!a) return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    for (size_t i = 0; i < n; i++) {
        long k;
        if (code_num(gv_layer_value(l, i, (size_t)fc), &k, err) != GV_OK) {
            free(a);
            return gv_error_prefix(err, "%s: feature fid %lld, field '%s': ", gv_layer_source(l), gv_layer_fid(l, i),
                                   o->from_code_field);
        }
        if (k >= 0) a[w++] = (kv){k, i};
    }
    qsort(a, w, sizeof *a, kv_cmp);
    for (size_t i = 1; i < w; i++)
        if (a[i].key == a[i - 1].key) {
            gv_error_set(err, GV_EDATA, "%s: code '%s' given twice (fid %lld and %lld)", gv_layer_source(l),
                         gv_layer_value(l, a[i].idx, (size_t)fc), gv_layer_fid(l, a[i - 1].idx),
                         gv_layer_fid(l, a[i].idx));
            free(a);
            return GV_EDATA;
        }
    *out = a;
    *nout = w;
    return GV_OK;
}

/* The history: (child key, parent key) of every child-level row, sorted. */
typedef struct hist {
    kv *by_child; /* key = child, idx = parent key */
    size_t n;
} hist;

static int read_history(const gv_xw_options *o, hist *h, gv_error *err) {
    const gv_table *t = o->history;
    int cl, cc, cp, rc;
    if ((rc = col_of(t, "level", "unit history", &cl, err)) != GV_OK) return rc;
    if ((rc = col_of(t, "code", "unit history", &cc, err)) != GV_OK) return rc;
    if ((rc = col_of(t, "parent_code", "unit history", &cp, err)) != GV_OK) return rc;
    size_t n = gv_table_nrows(t);
    h->by_child = malloc((n ? n : 1) * sizeof *h->by_child);
    if (!h->by_child) return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    const char *child = o->child_level ? o->child_level : "commune";
    for (size_t row = 0; row < n; row++) {
        if (strcmp(gv_table_cell(t, row, (size_t)cl), child)) continue;
        long c, p;
        if (code_num(gv_table_cell(t, row, (size_t)cc), &c, err) != GV_OK ||
            code_num(gv_table_cell(t, row, (size_t)cp), &p, err) != GV_OK)
            return gv_error_prefix(err, "%s: row %zu (line %zu): ", gv_table_path(t), row + 1,
                                   gv_table_row_line(t, row));
        if (c >= 0 && p >= 0) h->by_child[h->n++] = (kv){c, (size_t)p};
    }
    qsort(h->by_child, h->n, sizeof *h->by_child, kv_cmp);
    return GV_OK;
}

/* The unit with polygon that absorbed `key`: the one most of key's children
 * were listed under at some other time (ties: lowest code), followed again
 * when that one has no polygon either. -1 when none. */
static long absorber(const hist *h, const kv *from, size_t nfrom, long key, int depth) {
    if (!h->n || depth > 4) return -1;
    long best = -1;
    size_t best_n = 0;
    /* Candidates: every other parent of a child of key. Counting over a
     * small local array: a district has at most a few dozen communes. */
    kv cnt[256];
    size_t ncnt = 0;
    for (size_t i = 0; i < h->n; i++) {
        if ((long)h->by_child[i].idx != key) continue;
        size_t m;
        const kv *e = kv_find(h->by_child, h->n, h->by_child[i].key, &m);
        for (size_t k = 0; e && k < m; k++) {
            long p = (long)e[k].idx;
            if (p == key) continue;
            size_t c = 0;
            while (c < ncnt && cnt[c].key != p) c++;
            if (c == ncnt) {
                if (ncnt == 256) continue;
                cnt[ncnt++] = (kv){p, 0};
            }
            cnt[c].idx++;
        }
    }
    for (size_t c = 0; c < ncnt; c++)
        if (cnt[c].idx > best_n || (cnt[c].idx == best_n && cnt[c].key < best)) {
            best = cnt[c].key;
            best_n = cnt[c].idx;
        }
    if (best < 0) return -1;
    size_t m;
    const kv *f = kv_find(from, nfrom, best, &m);
    if (f) return (long)f->idx;
    return absorber(h, from, nfrom, best, depth + 1);
}

static char *fmt_alloc(const char *fmt, const char *a, const char *b) {
    char buf[512];
    snprintf(buf, sizeof buf, fmt, a, b);
    return strdup(buf);
}

int gv_xw_run(const gv_xw_options *o, gv_xw_result **out, gv_error *err) {
    if (!out) return gv_error_set(err, GV_EUSAGE, "gv_xw_run: NULL out");
    *out = NULL;
    if (!o || !o->data || !o->to || !o->to_code_field || !o->nvalues || !o->value_cols)
        return gv_error_set(err, GV_EUSAGE, "crosswalk: data table, targets and value columns are required");
    int use_pairs = o->method == GV_XW_TABLE || o->method == GV_XW_COMBINED;
    int use_areal = o->method == GV_XW_AREAL || o->method == GV_XW_COMBINED;
    if (use_pairs && (!o->pairs || !o->pairs_old_col || !o->pairs_new_col))
        return gv_error_set(err, GV_EUSAGE, "crosswalk: method %s needs a crosswalk table of pairs",
                            o->method == GV_XW_TABLE ? "table" : "combined");
    if (use_areal && (!o->from || !o->from_code_field || !o->overlaps))
        return gv_error_set(err, GV_EUSAGE, "crosswalk: method %s needs the old units' polygons and their overlaps",
                            o->method == GV_XW_AREAL ? "areal" : "combined");
    if (use_areal && gv_overlaps_nfrom(o->overlaps) != gv_layer_count(o->from))
        return gv_error_set(err, GV_EUSAGE, "crosswalk: overlaps were computed for another layer");
    const gv_table *d = o->data;
    int ccode = -1, cpar = -1, rc = GV_OK;
    if (o->code_col && (rc = col_of(d, o->code_col, "unit codes", &ccode, err)) != GV_OK) return rc;
    if (o->method == GV_XW_COMBINED && o->parent_col &&
        (rc = col_of(d, o->parent_col, "parent unit codes", &cpar, err)) != GV_OK)
        return rc;
    if (ccode < 0 && cpar < 0) return gv_error_set(err, GV_EUSAGE, "crosswalk: no code column given");
    int *cval = calloc(o->nvalues, sizeof *cval);
    if (!cval) return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
    for (size_t v = 0; v < o->nvalues; v++)
        if ((rc = col_of(d, o->value_cols[v], "values to carry", &cval[v], err)) != GV_OK) {
            free(cval);
            return rc;
        }

    gv_xw_result *r = calloc(1, sizeof *r);
    kv *pairs = NULL, *from = NULL;
    size_t npairs = 0, nfrom = 0;
    hist h = {0};
    double *shares = NULL;
    size_t *tidx = NULL, *feat_target = NULL;
    if (!r) { free(cval); return gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory"); }
    size_t nv = r->nvalues = o->nvalues;
    size_t nrows = r->nrows = gv_table_nrows(d);
    r->data = d;
    r->value_names = calloc(nv, sizeof *r->value_names);
    r->total_in = calloc(nv, sizeof(double));
    r->total_out = calloc(nv, sizeof(double));
    r->total_uncarried = calloc(nv, sizeof(double));
    r->total_incomplete = calloc(nv, sizeof(double));
    r->n_incomplete = calloc(nv, sizeof(size_t));
    r->missing = calloc(nv, sizeof(size_t));
    r->value_by_way = calloc(GV_XW_NWAYS * nv, sizeof(double));
    r->row_way = calloc(nrows ? nrows : 1, 1);
    r->row_nt = calloc(nrows ? nrows : 1, sizeof(size_t));
    r->row_reason = calloc(nrows ? nrows : 1, sizeof(char *));
    r->row_via = calloc(nrows ? nrows : 1, sizeof(char *));
    r->row_code = calloc(nrows ? nrows : 1, sizeof(char *));
    r->row_parent = calloc(nrows ? nrows : 1, sizeof(char *));
    r->row_val = calloc((nrows ? nrows : 1) * nv, sizeof(double));
    r->code_col = o->code_col ? strdup(o->code_col) : NULL;
    r->rparent_col = cpar >= 0 ? strdup(o->parent_col) : NULL;
    if (!r->value_names || !r->total_in || !r->total_out || !r->total_uncarried || !r->missing ||
        !r->total_incomplete || !r->n_incomplete ||
        !r->value_by_way || !r->row_way || !r->row_nt || !r->row_reason || !r->row_via || !r->row_code ||
        !r->row_parent || !r->row_val) {
        rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
        goto fail;
    }
    for (size_t v = 0; v < nv; v++)
        if (!(r->value_names[v] = strdup(o->value_cols[v]))) {
            rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
            goto fail;
        }
    if ((rc = read_targets(o, r, err)) != GV_OK) goto fail;
    r->val = malloc((r->ntargets ? r->ntargets : 1) * nv * sizeof(double));
    shares = malloc((r->ntargets ? r->ntargets : 1) * sizeof *shares);
    tidx = malloc((r->ntargets ? r->ntargets : 1) * sizeof *tidx);
    if (!r->val || !shares || !tidx) {
        rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < r->ntargets * nv; i++) r->val[i] = NAN;
    if (!(r->incomplete = calloc((r->ntargets ? r->ntargets : 1) * nv, 1))) {
        rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
        goto fail;
    }
    feat_target = malloc((gv_layer_count(o->to) ? gv_layer_count(o->to) : 1) * sizeof *feat_target);
    if (!feat_target) {
        rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
        goto fail;
    }
    for (size_t t = 0; t < r->ntargets; t++) feat_target[r->t[t].feat] = t;
    if (use_pairs && (rc = read_pairs(o, r, &pairs, &npairs, err)) != GV_OK) goto fail;
    if (use_areal && (rc = read_from(o, &from, &nfrom, err)) != GV_OK) goto fail;
    if (use_areal && o->history && (rc = read_history(o, &h, err)) != GV_OK) goto fail;

    for (size_t row = 0; row < nrows; row++) {
        double *vals = r->row_val + row * nv;
        for (size_t v = 0; v < nv; v++) {
            if ((rc = gv_table_number(d, row, (size_t)cval[v], &vals[v], err)) != GV_OK) goto fail;
            if (isnan(vals[v])) r->missing[v]++;
            else r->total_in[v] += vals[v];
        }
        const char *code = ccode >= 0 ? gv_table_cell(d, row, (size_t)ccode) : "";
        const char *par = cpar >= 0 ? gv_table_cell(d, row, (size_t)cpar) : "";
        long key = -1, pkey = -1;
        if ((rc = code_num(code, &key, err)) != GV_OK) {
            gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", gv_table_path(d), row + 1,
                            gv_table_row_line(d, row), o->code_col);
            goto fail;
        }
        if (cpar >= 0 && (rc = code_num(par, &pkey, err)) != GV_OK) {
            gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", gv_table_path(d), row + 1,
                            gv_table_row_line(d, row), o->parent_col);
            goto fail;
        }
        if (!(r->row_code[row] = strdup(code)) || !(r->row_parent[row] = strdup(par))) {
            rc = gv_error_set(err, GV_ENOMEM, "crosswalk: out of memory");
            goto fail;
        }
        gv_xw_way way = GV_XW_NONE;
        size_t nt = 0;
        char *reason = NULL, *via = NULL;
        /* 1. The crosswalk table. */
        size_t m = 0;
        const kv *pp = use_pairs && key >= 0 ? kv_find(pairs, npairs, key, &m) : NULL;
        if (pp) {
            double sum = 0;
            for (size_t k = 0; k < m; k++) {
                tidx[k] = pp[k].idx;
                target *t = &r->t[pp[k].idx];
                if (m > 1 && t->area_km2 == 0) t->area_km2 = gv_layer_area_km2(o->to, t->feat);
                shares[k] = m > 1 ? t->area_km2 : 1;
                if (isfinite(shares[k])) sum += shares[k];
            }
            /* Without areas (targets without polygons), equal shares. */
            for (size_t k = 0; k < m; k++)
                shares[k] = sum > 0 && isfinite(shares[k]) ? shares[k] / sum : 1.0 / (double)m;
            nt = m;
            way = m > 1 ? GV_XW_PAIR_SPLIT : GV_XW_PAIR;
        }
        /* 2. Areal interpolation of the row's own or its parent's polygon. */
        long akey = o->method == GV_XW_AREAL ? key : pkey;
        const char *acode = o->method == GV_XW_AREAL ? code : par;
        if (!pp && use_areal && akey >= 0) {
            size_t mm;
            const kv *f = kv_find(from, nfrom, akey, &mm);
            long feat = f ? (long)f->idx : -1;
            gv_xw_way w = o->method == GV_XW_AREAL ? GV_XW_AREAL_UNIT : GV_XW_AREAL_PARENT;
            if (feat < 0 && h.n) {
                feat = absorber(&h, from, nfrom, akey, 0);
                w = GV_XW_AREAL_HISTORY;
            }
            if (feat < 0) {
                reason = fmt_alloc(h.n ? "no polygon for %s (%s), and no unit absorbing it in the history"
                                       : "no polygon for %s (%s)",
                                   acode, o->method == GV_XW_AREAL ? "the row's unit" : "its parent");
            } else {
                const size_t *to_i;
                const double *ar;
                size_t k = gv_overlaps_of(o->overlaps, (size_t)feat, &to_i, &ar);
                double cov = gv_overlaps_covered(o->overlaps, (size_t)feat);
                const char *fcode = gv_layer_value(o->from, (size_t)feat,
                                                   (size_t)gv_layer_field_index(o->from, o->from_code_field));
                if (!k || !(cov > 0)) {
                    reason = fmt_alloc("polygon of %s overlaps no new unit%s", fcode, "");
                } else {
                    /* Overlaps index features of `to`, targets are in code order. */
                    for (size_t q = 0; q < k; q++) {
                        tidx[q] = feat_target[to_i[q]];
                        shares[q] = ar[q] / cov;
                    }
                    nt = k;
                    way = w;
                    via = strdup(fcode);
                }
            }
        }
        if (way == GV_XW_NONE && !reason) {
            if (key < 0 && pkey < 0) reason = strdup("no code");
            else if (use_pairs && key >= 0 && !use_areal) reason = fmt_alloc("no pair for %s%s", code, "");
            else if (use_pairs && key < 0 && !use_areal) reason = strdup("no code (pairs need the unit's code)");
            else if (use_pairs && key >= 0) reason = fmt_alloc("no pair for %s and no parent code%s", code, "");
            else reason = strdup("no code");
        }
        r->row_way[row] = (unsigned char)way;
        r->row_nt[row] = nt;
        r->row_reason[row] = reason;
        r->row_via[row] = via;
        r->rows_by_way[way]++;
        for (size_t v = 0; v < nv; v++) {
            if (isnan(vals[v])) continue;
            r->value_by_way[(size_t)way * nv + v] += vals[v];
            if (way == GV_XW_NONE) r->total_uncarried[v] += vals[v];
        }
        for (size_t q = 0; q < nt; q++) {
            target *t = &r->t[tidx[q]];
            t->ways |= 1u << way;
            t->estimated |= way != GV_XW_PAIR;
            t->nsources++;
            for (size_t v = 0; v < nv; v++) {
                if (isnan(vals[v])) {
                    r->incomplete[tidx[q] * nv + v] = 1;
                    continue;
                }
                double *dst = &r->val[tidx[q] * nv + v];
                *dst = (isnan(*dst) ? 0 : *dst) + vals[v] * shares[q];
            }
        }
    }
    for (size_t t = 0; t < r->ntargets; t++)
        for (size_t v = 0; v < nv; v++) {
            double *x = &r->val[t * nv + v];
            if (r->incomplete[t * nv + v]) {
                if (!isnan(*x)) r->total_incomplete[v] += *x;
                r->n_incomplete[v]++;
                *x = NAN;
            } else if (!isnan(*x)) {
                r->total_out[v] += *x;
            }
        }
    free(cval);
    free(pairs);
    free(from);
    free(h.by_child);
    free(shares);
    free(tidx);
    free(feat_target);
    *out = r;
    return GV_OK;
fail:
    free(cval);
    free(pairs);
    free(from);
    free(h.by_child);
    free(shares);
    free(tidx);
    free(feat_target);
    gv_xw_free(r);
    return rc ? rc : GV_EINTERNAL;
}

/* ---- writing ---- */

/* Up to 2 decimals, trailing zeros dropped; "" for NaN. */
static void num_put(FILE *f, double x) {
    if (isnan(x)) return;
    char b[64];
    snprintf(b, sizeof b, "%.2f", x);
    char *dot = strchr(b, '.');
    if (dot) {
        char *e = b + strlen(b) - 1;
        while (e > dot && *e == '0') *e-- = 0;
        if (e == dot) *e = 0;
    }
    if (!strcmp(b, "-0")) strcpy(b, "0");
    fputs(b, f);
}

int gv_xw_write_csv(const gv_xw_result *r, const char *path, gv_error *err) {
    if (!r || !path) return gv_error_set(err, GV_EUSAGE, "gv_xw_write_csv: NULL argument");
    char tmp[4096];
    FILE *f = gv__out_open(path, tmp, sizeof tmp);
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write", path);
    fputs("code,name", f);
    if (r->parent_col_name) {
        fputc(',', f);
        gv__csv_field(f, r->parent_col_name);
    }
    for (size_t v = 0; v < r->nvalues; v++) {
        fputc(',', f);
        gv__csv_field(f, r->value_names[v]);
    }
    fputs(",method,estimated,sources\n", f);
    char ways[128];
    for (size_t t = 0; t < r->ntargets; t++) {
        gv__csv_field(f, r->t[t].code);
        fputc(',', f);
        gv__csv_field(f, r->t[t].name);
        if (r->parent_col_name) {
            fputc(',', f);
            gv__csv_field(f, r->t[t].parent);
        }
        for (size_t v = 0; v < r->nvalues; v++) {
            fputc(',', f);
            num_put(f, r->val[t * r->nvalues + v]);
        }
        fprintf(f, ",%s,%s,%zu\n", gv_xw_ways_str(r->t[t].ways, ways, sizeof ways),
                r->t[t].estimated ? "yes" : "no", r->t[t].nsources);
    }
    return gv__out_commit(f, tmp, path, err);
}

int gv_xw_write_rows(const gv_xw_result *r, int uncarried_only, const char *path, gv_error *err) {
    if (!r || !path) return gv_error_set(err, GV_EUSAGE, "gv_xw_write_rows: NULL argument");
    char tmp[4096];
    FILE *f = gv__out_open(path, tmp, sizeof tmp);
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write", path);
    fputs("row,line,", f);
    gv__csv_field(f, r->code_col ? r->code_col : "code");
    fputc(',', f);
    gv__csv_field(f, r->rparent_col ? r->rparent_col : "parent");
    for (size_t v = 0; v < r->nvalues; v++) {
        fputc(',', f);
        gv__csv_field(f, r->value_names[v]);
    }
    fputs(",method,targets,via,reason\n", f);
    for (size_t row = 0; row < r->nrows; row++) {
        if (uncarried_only && r->row_way[row] != GV_XW_NONE) continue;
        fprintf(f, "%zu,%zu,", row + 1, gv_table_row_line(r->data, row));
        gv__csv_field(f, r->row_code[row]);
        fputc(',', f);
        gv__csv_field(f, r->row_parent[row]);
        for (size_t v = 0; v < r->nvalues; v++) {
            fputc(',', f);
            num_put(f, r->row_val[row * r->nvalues + v]);
        }
        fprintf(f, ",%s,%zu,", WAY_NAMES[r->row_way[row]], r->row_nt[row]);
        gv__csv_field(f, gv_xw_row_via(r, row));
        fputc(',', f);
        gv__csv_field(f, gv_xw_row_reason(r, row));
        fputc('\n', f);
    }
    return gv__out_commit(f, tmp, path, err);
}

/* ---- comparing ---- */

static int diff_cmp(const void *a, const void *b) {
    const gv_xw_diff *x = a, *y = b;
    double ax = fabs(x->diff), ay = fabs(y->diff);
    if (ax != ay) return ax > ay ? -1 : 1;
    if (x->level != y->level) return x->level - y->level;
    return strcmp(x->code, y->code);
}

static int str_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int gv_xw_compare(const gv_xw_result *a, const gv_xw_result *b,
                  const char *(*parent_name)(void *ctx, const char *code), void *ctx, gv_xw_diff **out, size_t *n,
                  gv_error *err) {
    if (!a || !b || !out || !n) return gv_error_set(err, GV_EUSAGE, "gv_xw_compare: NULL argument");
    *out = NULL;
    *n = 0;
    if (a->ntargets != b->ntargets) return gv_error_set(err, GV_EUSAGE, "compare: the two results have other targets");
    for (size_t t = 0; t < a->ntargets; t++)
        if (a->t[t].key != b->t[t].key)
            return gv_error_set(err, GV_EUSAGE, "compare: the two results have other targets ('%s' vs '%s')",
                                a->t[t].code, b->t[t].code);
    /* Distinct parents, sorted. */
    const char **par = malloc((a->ntargets ? a->ntargets : 1) * sizeof *par);
    if (!par) return gv_error_set(err, GV_ENOMEM, "compare: out of memory");
    size_t np = 0;
    for (size_t t = 0; t < a->ntargets; t++)
        if (a->t[t].parent[0]) par[np++] = a->t[t].parent;
    qsort(par, np, sizeof *par, str_cmp);
    size_t w = 0;
    for (size_t i = 0; i < np; i++)
        if (!w || strcmp(par[i], par[w - 1])) par[w++] = par[i];
    np = w;
    gv_xw_diff *d = calloc(a->ntargets + np + 1, sizeof *d);
    if (!d) {
        free(par);
        return gv_error_set(err, GV_ENOMEM, "compare: out of memory");
    }
    for (size_t p = 0; p < np; p++) {
        d[a->ntargets + p].code = par[p];
        d[a->ntargets + p].level = 1;
        const char *nm = parent_name ? parent_name(ctx, par[p]) : NULL;
        d[a->ntargets + p].name = nm ? nm : par[p];
    }
    for (size_t t = 0; t < a->ntargets; t++) {
        double x = a->nvalues ? a->val[t * a->nvalues] : NAN, y = b->nvalues ? b->val[t * b->nvalues] : NAN;
        if (isnan(x)) x = 0;
        if (isnan(y)) y = 0;
        d[t] = (gv_xw_diff){a->t[t].code, a->t[t].name, 0, x, y, 0, 0};
        if (a->t[t].parent[0]) {
            const char **hit = bsearch(&a->t[t].parent, par, np, sizeof *par, str_cmp);
            gv_xw_diff *pd = &d[a->ntargets + (size_t)(hit - par)];
            pd->a += x;
            pd->b += y;
        }
    }
    size_t nd = a->ntargets + np;
    for (size_t i = 0; i < nd; i++) {
        d[i].diff = d[i].b - d[i].a;
        d[i].rel = d[i].a != 0 ? d[i].diff / d[i].a : NAN;
    }
    /* d[].code of parents points into par's strings (the targets'), par
     * itself is no longer needed. */
    free(par);
    qsort(d, nd, sizeof *d, diff_cmp);
    *out = d;
    *n = nd;
    return GV_OK;
}

int gv_xw_diffs_write(const gv_xw_diff *d, size_t n, const char *a_name, const char *b_name, const char *path,
                      gv_error *err) {
    if (!path || (!d && n)) return gv_error_set(err, GV_EUSAGE, "gv_xw_diffs_write: NULL argument");
    char tmp[4096];
    FILE *f = gv__out_open(path, tmp, sizeof tmp);
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write", path);
    fputs("level,code,name,", f);
    gv__csv_field(f, a_name ? a_name : "a");
    fputc(',', f);
    gv__csv_field(f, b_name ? b_name : "b");
    fputs(",diff,rel_diff\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs(d[i].level ? "parent," : "unit,", f);
        gv__csv_field(f, d[i].code);
        fputc(',', f);
        gv__csv_field(f, d[i].name ? d[i].name : "");
        fputc(',', f);
        num_put(f, d[i].a);
        fputc(',', f);
        num_put(f, d[i].b);
        fputc(',', f);
        num_put(f, d[i].diff);
        fputc(',', f);
        if (isfinite(d[i].rel)) fprintf(f, "%.6f", d[i].rel);
        fputc('\n', f);
    }
    return gv__out_commit(f, tmp, path, err);
}
