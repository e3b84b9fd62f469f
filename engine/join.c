/* join.c: table rows to boundary units by code or by Vietnamese name
 * (see include/geovoice/join.h). */
#include "geovoice/join.h"

#include "csvout.h"

#include "geovoice/names.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NONE ((size_t)-1)

struct gv_join {
    size_t nunits, nrows;
    size_t *unit_row_off; /* nunits+1 offsets into unit_rows */
    size_t *unit_rows;
    long *row_unit;
    const char **row_rule;
    gv_join_issue *issues;
    size_t nissues, capissues;
    char **owned; /* strings the issues point to */
    size_t nowned, capowned;
    size_t units_matched, units_nodata, rows_unmatched, rows_ambiguous, name_mismatch;
    const char **row_key;    /* the row's key cell (borrowed from the table) */
    const char **unit_label; /* the unit's key value (borrowed from the layer) */
};

int gv_dup_policy_parse(const char *s, gv_dup_policy *out, gv_error *err) {
    if (!strcmp(s, "sum")) *out = GV_DUP_SUM;
    else if (!strcmp(s, "first")) *out = GV_DUP_FIRST;
    else if (!strcmp(s, "mean")) *out = GV_DUP_MEAN;
    else return gv_error_set(err, GV_EUSAGE, "--allow-duplicates: '%s' is not one of sum, first, mean", s);
    return GV_OK;
}

const char *gv_issue_kind_str(gv_issue_kind k) {
    switch (k) {
    case GV_ISSUE_UNIT_NO_DATA: return "unit_without_data";
    case GV_ISSUE_ROW_NO_UNIT: return "row_without_unit";
    case GV_ISSUE_AMBIGUOUS: return "ambiguous";
    case GV_ISSUE_NAME_MISMATCH: return "name_mismatch";
    case GV_ISSUE_DUPLICATE: return "duplicate_combined";
    case GV_ISSUE_BAD_KEY: return "bad_key";
    }
    return "?";
}

static const char *own(gv_join *j, const char *s) {
    if (j->nowned == j->capowned) {
        size_t nc = j->capowned ? 2 * j->capowned : 64;
        char **p = realloc(j->owned, nc * sizeof *p);
        if (!p) return "";
        j->owned = p;
        j->capowned = nc;
    }
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d) return "";
    memcpy(d, s, n + 1);
    j->owned[j->nowned++] = d;
    return d;
}

static int add_issue(gv_join *j, gv_issue_kind kind, size_t row, size_t line, size_t unit,
                     const char *key, const char *name, const char *reason) {
    if (j->nissues == j->capissues) {
        size_t nc = j->capissues ? 2 * j->capissues : 64;
        gv_join_issue *p = realloc(j->issues, nc * sizeof *p);
        if (!p) return GV_ENOMEM;
        j->issues = p;
        j->capissues = nc;
    }
    gv_join_issue *is = &j->issues[j->nissues++];
    is->kind = kind;
    is->row = row;
    is->line = line;
    is->unit = unit;
    is->key = own(j, key ? key : "");
    is->name = own(j, name ? name : "");
    is->reason = own(j, reason ? reason : "");
    return GV_OK;
}

/* --- a small string → index multimap (open addressing) for code keys --- */
typedef struct strmap {
    char **keys;
    size_t *vals;
    size_t cap;
} strmap;

static uint64_t fnv(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}
static int strmap_init(strmap *m, size_t n) {
    m->cap = 16;
    while (m->cap < 2 * n + 16) m->cap *= 2;
    m->keys = calloc(m->cap, sizeof(char *));
    m->vals = calloc(m->cap, sizeof(size_t));
    return m->keys && m->vals ? 0 : -1;
}
static void strmap_free(strmap *m) {
    free(m->keys);
    free(m->vals);
}
/* Keys are borrowed; duplicates are kept as separate slots. */
static void strmap_put(strmap *m, char *k, size_t v) {
    size_t i = fnv(k) & (m->cap - 1);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = v;
}
/* Collects up to nmax values of key k; returns how many exist. */
static size_t strmap_get(const strmap *m, const char *k, size_t *out, size_t nmax) {
    size_t i = fnv(k) & (m->cap - 1), n = 0;
    while (m->keys[i]) {
        if (!strcmp(m->keys[i], k)) {
            if (n < nmax) out[n] = m->vals[i];
            n++;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return n;
}

/* Parent codes compare as numbers written as text: "1", "01" and "1.0"
 * are the same province. Writes the digits without leading zeros; text
 * that is not a code is kept as it is. */
static const char *canon_parent(const char *in, char *out, size_t n) {
    if (gv_code_normalize(in, 0, out, n, NULL) != GV_OK) return in;
    size_t z = 0;
    while (out[z] == '0' && out[z + 1]) z++;
    memmove(out, out + z, strlen(out + z) + 1);
    return out;
}

static int find_table_col(const gv_table *t, const char *const *cands) {
    for (; *cands; cands++) {
        int c = gv_table_col_index(t, *cands);
        if (c >= 0) return c;
    }
    return -1;
}

static int unknown_column(const gv_table *t, const char *col, gv_error *err) {
    char list[600] = "";
    for (size_t c = 0; c < gv_table_ncols(t); c++) {
        const char *n = gv_table_colname(t, c);
        if (strlen(list) + strlen(n) + 4 >= sizeof list) { strcat(list, ", ..."); break; }
        if (c) strcat(list, ", ");
        strcat(list, n);
    }
    return gv_error_set(err, GV_EUSAGE, "%s: no column '%s' (columns: %s)", gv_table_path(t), col, list);
}

static int unknown_field(const gv_layer *l, const char *f, gv_error *err) {
    char list[600] = "";
    for (size_t c = 0; c < gv_layer_nfields(l); c++) {
        const char *n = gv_layer_field_name(l, c);
        if (strlen(list) + strlen(n) + 4 >= sizeof list) { strcat(list, ", ..."); break; }
        if (c) strcat(list, ", ");
        strcat(list, n);
    }
    return gv_error_set(err, GV_EUSAGE, "%s: layer '%s' has no field '%s' (fields: %s)", gv_layer_source(l),
                        gv_layer_name(l), f, list);
}

/* 1 when two names denote the same unit under the SPEC rules. */
static int names_agree(const char *a, const char *b) {
    gv_name_matcher *m = gv_name_matcher_new();
    if (!m) return 1;
    size_t id, nc;
    gv_name_rule rule = GV_RULE_NONE;
    if (gv_name_matcher_add(m, a, NULL, 0, NULL) == GV_OK)
        gv_name_matcher_find(m, b, NULL, &id, &rule, NULL, 0, &nc, NULL);
    gv_name_matcher_free(m);
    return rule != GV_RULE_NONE && rule != GV_RULE_AMBIGUOUS;
}

int gv_join_run(const gv_layer *l, const gv_table *t, const gv_join_options *o, gv_join **out,
                gv_error *err) {
    *out = NULL;
    int uf = gv_layer_field_index(l, o->unit_field);
    if (uf < 0) return unknown_field(l, o->unit_field, err);
    int tc = gv_table_col_index(t, o->table_col);
    if (tc < 0) return unknown_column(t, o->table_col, err);
    int upf = -1, tpc = -1;
    if (o->unit_parent_field && *o->unit_parent_field) {
        upf = gv_layer_field_index(l, o->unit_parent_field);
        if (upf < 0) return unknown_field(l, o->unit_parent_field, err);
    }
    if (o->table_parent_col && *o->table_parent_col) {
        tpc = gv_table_col_index(t, o->table_parent_col);
        if (tpc < 0) return unknown_column(t, o->table_parent_col, err);
    }
    int unf = -1, tnc = -1;
    if (!o->by_name) {
        if (!o->unit_name_field) unf = gv_layer_field_index(l, "name");
        else if (*o->unit_name_field) {
            unf = gv_layer_field_index(l, o->unit_name_field);
            if (unf < 0) return unknown_field(l, o->unit_name_field, err);
        }
        if (!o->table_name_col) {
            static const char *const cands[] = {"name", "ten", "tên", NULL};
            tnc = find_table_col(t, cands);
        } else if (*o->table_name_col) {
            tnc = gv_table_col_index(t, o->table_name_col);
            if (tnc < 0) return unknown_column(t, o->table_name_col, err);
        }
        if (tnc == tc) tnc = -1;
        if (unf == uf) unf = -1;
    }

    size_t nu = gv_layer_count(l), nr = gv_table_nrows(t);
    gv_join *j = calloc(1, sizeof *j);
    if (!j) return gv_error_set(err, GV_ENOMEM, "out of memory");
    j->nunits = nu;
    j->nrows = nr;
    j->row_unit = malloc((nr ? nr : 1) * sizeof(long));
    j->row_rule = calloc(nr ? nr : 1, sizeof(char *));
    /* per row: up to 2 units recorded (a row matching 2+ units is either an
     * error or, under a duplicate policy, applied to all of them) */
    size_t *row_units = NULL, *row_nunits = calloc(nr ? nr : 1, sizeof(size_t));
    size_t maxper = 8;
    row_units = malloc((nr ? nr : 1) * maxper * sizeof(size_t));
    int rc = GV_OK;
    char **ukeys = calloc(nu ? nu : 1, sizeof(char *));
    strmap map = {0};
    gv_name_matcher *m = NULL;
    if (!j->row_unit || !j->row_rule || !row_units || !row_nunits || !ukeys) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t r = 0; r < nr; r++) j->row_unit[r] = -1;
    j->row_key = malloc((nr ? nr : 1) * sizeof(char *));
    j->unit_label = malloc((nu ? nu : 1) * sizeof(char *));
    if (!j->row_key || !j->unit_label) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
    for (size_t r = 0; r < nr; r++) j->row_key[r] = gv_table_cell(t, r, (size_t)tc);
    /* The report's name column shows the unit's name where the layer has
     * one (name joins: the key is the name). */
    {
        int lab = o->by_name ? uf : gv_layer_field_index(l, "name");
        if (lab < 0) lab = uf;
        for (size_t i = 0; i < nu; i++) j->unit_label[i] = gv_layer_value(l, i, (size_t)lab);
    }
    char reason[512], keybuf[256];

    if (!o->by_name) {
        /* Codes are text (SPEC): "1", "01" and "1.0" name the same unit,
         * on both sides. When every boundary code is a code (digits, maybe
         * "1.0" from an integer or real field), all of them and the table's
         * are zero-padded to one width: the longest, rounded up to an
         * official width (2 provinces, 3 districts, 5 communes). Codes
         * written shorter with a leading zero beside longer ones ("01" and
         * "001") mean mixed levels: then codes are compared as written. */
        int width = 0, maxw = 0, lead0_short = 0;
        for (size_t i = 0; i < nu && width >= 0; i++) {
            const char *v = gv_layer_value(l, i, (size_t)uf);
            char nb[256];
            if (!*v) continue;
            if (gv_code_normalize(v, 0, nb, sizeof nb, NULL) != GV_OK) { width = -1; break; }
            int w = (int)strlen(nb);
            if (w > maxw) maxw = w;
        }
        if (width == 0 && maxw > 0) {
            width = maxw <= 2 ? 2 : maxw == 3 ? 3 : maxw <= 5 ? 5 : maxw;
            for (size_t i = 0; i < nu; i++) {
                const char *v = gv_layer_value(l, i, (size_t)uf);
                char nb[256];
                if (*v && gv_code_normalize(v, 0, nb, sizeof nb, NULL) == GV_OK && nb[0] == '0' &&
                    (int)strlen(nb) < maxw)
                    lead0_short = 1;
            }
            if (lead0_short) width = -1;
        }
        if (strmap_init(&map, nu)) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
        for (size_t i = 0; i < nu; i++) {
            const char *v = gv_layer_value(l, i, (size_t)uf);
            char nb[256];
            if (width > 0 && gv_code_normalize(v, width, nb, sizeof nb, NULL) == GV_OK) ukeys[i] = strdup(nb);
            else ukeys[i] = strdup(v);
            if (!ukeys[i]) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
            if (*ukeys[i]) strmap_put(&map, ukeys[i], i);
        }
        for (size_t r = 0; r < nr; r++) {
            const char *raw = gv_table_cell(t, r, (size_t)tc);
            size_t line = gv_table_row_line(t, r);
            if (!*raw) {
                add_issue(j, GV_ISSUE_BAD_KEY, r, line, NONE, raw, tnc >= 0 ? gv_table_cell(t, r, (size_t)tnc) : "",
                          "empty key cell");
                continue;
            }
            const char *key = raw;
            if (width > 0) {
                /* "001" is a district's code even though it is 1: a code
                 * written with more digits than the boundaries' width is
                 * of another level, not the same number. */
                char asis[256];
                int wide = gv_code_normalize(raw, 0, asis, sizeof asis, NULL) == GV_OK && (int)strlen(asis) > width;
                if (wide || gv_code_normalize(raw, width, keybuf, sizeof keybuf, NULL) != GV_OK) {
                    snprintf(reason, sizeof reason, "'%s' is not a %d-digit code%s", raw, width,
                             wide ? " (written with more digits: a unit of another level?)" : "");
                    add_issue(j, GV_ISSUE_BAD_KEY, r, line, NONE, raw,
                              tnc >= 0 ? gv_table_cell(t, r, (size_t)tnc) : "", reason);
                    continue;
                }
                key = keybuf;
            }
            size_t hits[8];
            size_t nh = strmap_get(&map, key, hits, 8);
            if (nh > 8) nh = 8;
            for (size_t k = 0; k < nh; k++) row_units[r * maxper + k] = hits[k];
            row_nunits[r] = nh;
            if (nh) j->row_rule[r] = "code";
        }
    } else {
        m = gv_name_matcher_new();
        if (!m) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
        for (size_t i = 0; i < nu; i++) {
            const char *v = gv_layer_value(l, i, (size_t)uf);
            if (!*v) continue;
            const char *par = upf >= 0 ? gv_layer_value(l, i, (size_t)upf) : NULL;
            char pb[64];
            if (par) par = canon_parent(par, pb, sizeof pb);
            if ((rc = gv_name_matcher_add(m, v, par, i, err)) != GV_OK) {
                gv_error_prefix(err, "%s: feature %zu, field '%s': ", gv_layer_source(l), i, o->unit_field);
                goto fail;
            }
        }
        for (size_t r = 0; r < nr; r++) {
            const char *raw = gv_table_cell(t, r, (size_t)tc);
            size_t line = gv_table_row_line(t, r);
            if (!*raw) {
                add_issue(j, GV_ISSUE_BAD_KEY, r, line, NONE, raw, "", "empty name cell");
                continue;
            }
            const char *par = tpc >= 0 ? gv_table_cell(t, r, (size_t)tpc) : NULL;
            char pb[64];
            if (par) par = canon_parent(par, pb, sizeof pb);
            enum { NCAND = 256 };
            size_t id = 0, cand[NCAND], nc = 0;
            gv_name_rule rule = GV_RULE_NONE;
            if ((rc = gv_name_matcher_find(m, raw, par, &id, &rule, cand, NCAND, &nc, err)) != GV_OK) {
                gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", gv_table_path(t), r + 1, line,
                                o->table_col);
                goto fail;
            }
            if (rule == GV_RULE_AMBIGUOUS) {
                size_t off = 0;
                /* The count is the true one (up to NCAND); the first 8 are named. */
                off += (size_t)snprintf(reason + off, sizeof reason - off, "name fits %s%zu units%s:", nc == NCAND ? "at least " : "",
                                        nc, nc > 8 ? " (the first 8)" : "");
                for (size_t k = 0; k < nc && k < 8 && off < sizeof reason - 80; k++) {
                    /* name plus parent (or FID) so the candidates can be told apart */
                    if (upf >= 0)
                        off += (size_t)snprintf(reason + off, sizeof reason - off, "%s %s (parent %s)", k ? ";" : "",
                                                gv_layer_value(l, cand[k], (size_t)uf),
                                                gv_layer_value(l, cand[k], (size_t)upf));
                    else
                        off += (size_t)snprintf(reason + off, sizeof reason - off, "%s %s (FID %lld)", k ? ";" : "",
                                                gv_layer_value(l, cand[k], (size_t)uf), gv_layer_fid(l, cand[k]));
                }
                add_issue(j, GV_ISSUE_AMBIGUOUS, r, line, NONE, raw, "", reason);
                j->rows_ambiguous++;
                continue;
            }
            if (rule == GV_RULE_NONE) continue;
            row_units[r * maxper] = id;
            row_nunits[r] = 1;
            j->row_rule[r] = gv_name_rule_str(rule);
        }
    }

    /* Rows matching several units. */
    for (size_t r = 0; r < nr; r++) {
        if (row_nunits[r] > 1 && o->dup == GV_DUP_ERROR) {
            size_t a = row_units[r * maxper], b = row_units[r * maxper + 1];
            rc = gv_error_set(err, GV_EDATA,
                              "%s: row %zu (line %zu), column '%s': key '%s' matches %zu features of %s "
                              "(FIDs %lld and %lld); use %s to apply it to each",
                              gv_table_path(t), r + 1, gv_table_row_line(t, r), o->table_col,
                              gv_table_cell(t, r, (size_t)tc), row_nunits[r], gv_layer_source(l),
                              gv_layer_fid(l, a), gv_layer_fid(l, b),
                              o->dup_hint ? o->dup_hint : "--allow-duplicates sum|first|mean");
            goto fail;
        }
    }
    /* Build unit → rows. */
    j->unit_row_off = calloc(nu + 1, sizeof(size_t));
    size_t total = 0;
    for (size_t r = 0; r < nr; r++) total += row_nunits[r];
    j->unit_rows = malloc((total ? total : 1) * sizeof(size_t));
    if (!j->unit_row_off || !j->unit_rows) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
    for (size_t r = 0; r < nr; r++)
        for (size_t k = 0; k < row_nunits[r]; k++) j->unit_row_off[row_units[r * maxper + k] + 1]++;
    for (size_t i = 0; i < nu; i++) j->unit_row_off[i + 1] += j->unit_row_off[i];
    {
        size_t *fill = calloc(nu ? nu : 1, sizeof(size_t));
        if (!fill) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
        for (size_t r = 0; r < nr; r++)
            for (size_t k = 0; k < row_nunits[r]; k++) {
                size_t u = row_units[r * maxper + k];
                j->unit_rows[j->unit_row_off[u] + fill[u]++] = r;
            }
        free(fill);
    }
    for (size_t r = 0; r < nr; r++) {
        if (row_nunits[r]) j->row_unit[r] = (long)row_units[r * maxper];
    }
    for (size_t i = 0; i < nu; i++) {
        size_t n = j->unit_row_off[i + 1] - j->unit_row_off[i];
        const char *ukey = gv_layer_value(l, i, (size_t)uf);
        if (n == 0) {
            j->units_nodata++;
            add_issue(j, GV_ISSUE_UNIT_NO_DATA, NONE, 0, i, ukey, unf >= 0 ? gv_layer_value(l, i, (size_t)unf) : "",
                      "no table row for this unit");
            continue;
        }
        j->units_matched++;
        if (n > 1) {
            size_t ra = j->unit_rows[j->unit_row_off[i]], rb = j->unit_rows[j->unit_row_off[i] + 1];
            if (o->dup == GV_DUP_ERROR) {
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: rows %zu (line %zu) and %zu (line %zu), column '%s': both match unit '%s' "
                                  "of %s; use %s to combine them",
                                  gv_table_path(t), ra + 1, gv_table_row_line(t, ra), rb + 1,
                                  gv_table_row_line(t, rb), o->table_col, ukey, gv_layer_source(l),
                                  o->dup_hint ? o->dup_hint : "--allow-duplicates sum|first|mean");
                goto fail;
            }
            snprintf(reason, sizeof reason, "%zu rows combined", n);
            add_issue(j, GV_ISSUE_DUPLICATE, ra, gv_table_row_line(t, ra), i, ukey, "", reason);
        }
        if (unf >= 0 && tnc >= 0) {
            const char *un = gv_layer_value(l, i, (size_t)unf);
            for (size_t k = j->unit_row_off[i]; k < j->unit_row_off[i + 1]; k++) {
                size_t r = j->unit_rows[k];
                const char *tn = gv_table_cell(t, r, (size_t)tnc);
                if (*un && *tn && !names_agree(un, tn)) {
                    snprintf(reason, sizeof reason, "code %s is '%s' in the boundaries but '%s' in the table", ukey,
                             un, tn);
                    add_issue(j, GV_ISSUE_NAME_MISMATCH, r, gv_table_row_line(t, r), i, ukey, tn, reason);
                    j->name_mismatch++;
                }
            }
        }
    }
    for (size_t r = 0; r < nr; r++) {
        if (row_nunits[r] == 0) {
            j->rows_unmatched++;
            int already = 0; /* bad key / ambiguous rows already have their issue */
            for (size_t k = 0; k < j->nissues; k++)
                if (j->issues[k].row == r &&
                    (j->issues[k].kind == GV_ISSUE_BAD_KEY || j->issues[k].kind == GV_ISSUE_AMBIGUOUS)) {
                    already = 1;
                    break;
                }
            if (!already)
                add_issue(j, GV_ISSUE_ROW_NO_UNIT, r, gv_table_row_line(t, r), NONE, gv_table_cell(t, r, (size_t)tc),
                          "", o->by_name ? "no unit of this name" : "no unit with this code");
        }
    }
    free(row_units);
    free(row_nunits);
    for (size_t i = 0; i < nu; i++) free(ukeys[i]);
    free(ukeys);
    strmap_free(&map);
    gv_name_matcher_free(m);
    *out = j;
    return GV_OK;
fail:
    free(row_units);
    free(row_nunits);
    if (ukeys)
        for (size_t i = 0; i < nu; i++) free(ukeys[i]);
    free(ukeys);
    strmap_free(&map);
    gv_name_matcher_free(m);
    gv_join_free(j);
    return rc;
}

void gv_join_free(gv_join *j) {
    if (!j) return;
    free(j->unit_row_off);
    free(j->unit_rows);
    free(j->row_unit);
    free(j->row_rule);
    free(j->row_key);
    free(j->unit_label);
    free(j->issues);
    for (size_t i = 0; i < j->nowned; i++) free(j->owned[i]);
    free(j->owned);
    free(j);
}

size_t gv_join_unit_nrows(const gv_join *j, size_t u) {
    return u < j->nunits && j->unit_row_off ? j->unit_row_off[u + 1] - j->unit_row_off[u] : 0;
}
const size_t *gv_join_unit_rows(const gv_join *j, size_t u) { return j->unit_rows + j->unit_row_off[u]; }
long gv_join_row_unit(const gv_join *j, size_t r) { return r < j->nrows ? j->row_unit[r] : -1; }
const char *gv_join_row_rule(const gv_join *j, size_t r) {
    return r < j->nrows && j->row_rule[r] ? j->row_rule[r] : "";
}
size_t gv_join_units_matched(const gv_join *j) { return j->units_matched; }
size_t gv_join_units_nodata(const gv_join *j) { return j->units_nodata; }
size_t gv_join_rows_unmatched(const gv_join *j) { return j->rows_unmatched; }
size_t gv_join_rows_ambiguous(const gv_join *j) { return j->rows_ambiguous; }
size_t gv_join_name_mismatches(const gv_join *j) { return j->name_mismatch; }
size_t gv_join_nissues(const gv_join *j) { return j->nissues; }
const gv_join_issue *gv_join_issue_at(const gv_join *j, size_t i) {
    return i < j->nissues ? &j->issues[i] : NULL;
}

int gv_join_write_report(const gv_join *j, const gv_layer *l, const gv_table *t, const char *path, gv_error *err) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write join report", path);
    /* Every issue first, then every matched row with the rule that
     * matched it, so the report accounts for every row and unit. */
    fputs("kind,row,line,unit_fid,key,name,rule,reason\n", f);
    for (size_t i = 0; i < j->nissues; i++) {
        const gv_join_issue *is = &j->issues[i];
        fprintf(f, "%s,", gv_issue_kind_str(is->kind));
        if (is->row != NONE) fprintf(f, "%zu,%zu,", is->row + 1, is->line);
        else fputs(",,", f);
        if (is->unit != NONE) fprintf(f, "%lld,", gv_layer_fid(l, is->unit));
        else fputs(",", f);
        gv__csv_field(f, is->key);
        fputc(',', f);
        gv__csv_field(f, is->name);
        fputc(',', f);
        gv__csv_field(f, is->row != NONE ? gv_join_row_rule(j, is->row) : "");
        fputc(',', f);
        gv__csv_field(f, is->reason);
        fputc('\n', f);
    }
    for (size_t r = 0; r < j->nrows; r++) {
        if (j->row_unit[r] < 0) continue;
        size_t u = (size_t)j->row_unit[r];
        fprintf(f, "matched,%zu,%zu,%lld,", r + 1, t ? gv_table_row_line(t, r) : 0, gv_layer_fid(l, u));
        gv__csv_field(f, j->row_key ? j->row_key[r] : "");
        fputc(',', f);
        gv__csv_field(f, j->unit_label ? j->unit_label[u] : "");
        fputc(',', f);
        gv__csv_field(f, gv_join_row_rule(j, r));
        fputs(",\n", f);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write join report", path);
    }
    return GV_OK;
}
