/* units.c: the unit hierarchy of a boundary set, read from a units table
 * (code, name, type, parent_code, level), with lookups by (level, code)
 * through a sorted index and parent links resolved once at load.
 *
 * Why a sorted index and not a hash map: the table is read once and looked
 * up many times; qsort + bsearch is short, deterministic and needs no tuning.
 * Why (level, key): codes are only unique per level (province 01 and commune
 * 00001 both have key "1"). */
#include "geovoice/sets.h"
#include "geovoice/table.h"
#include "shapes_private.h"

#include <stdlib.h>
#include <string.h>

typedef struct uidx {
    int level;
    const char *key; /* points into keys */
    size_t unit;
} uidx;

struct gv_units {
    gv_unit *a;
    size_t n;
    char **owned; /* every string we allocated (code, name, type, parent, keys) */
    size_t nowned, capowned;
    uidx *idx;
    size_t counts[GV_NLEVELS];
    size_t orphans;
};

static char *own(gv_units *u, const char *s) {
    if (u->nowned == u->capowned) {
        size_t nc = u->capowned ? u->capowned * 2 : 1024;
        char **p = realloc(u->owned, nc * sizeof *p);
        if (!p) return NULL;
        u->owned = p;
        u->capowned = nc;
    }
    char *d = strdup(s ? s : "");
    if (d) u->owned[u->nowned++] = d;
    return d;
}

void gv_units_free(gv_units *u) {
    if (!u) return;
    for (size_t i = 0; i < u->nowned; i++) free(u->owned[i]);
    free(u->owned);
    free(u->a);
    free(u->idx);
    free(u);
}

static int idx_cmp(const void *a, const void *b) {
    const uidx *x = a, *y = b;
    if (x->level != y->level) return x->level < y->level ? -1 : 1;
    size_t lx = strlen(x->key), ly = strlen(y->key);
    if (lx != ly) return lx < ly ? -1 : 1; /* numeric order for digit keys */
    return strcmp(x->key, y->key);
}

static const uidx *idx_find(const gv_units *u, int level, const char *key) {
    uidx probe = {level, key, 0};
    return bsearch(&probe, u->idx, u->n, sizeof *u->idx, idx_cmp);
}

/* Width of a level's codes when the table does not say: SPEC "Words". */
int gv_shapes_level_width(gv_level level) {
    switch (level) {
    case GV_LEVEL_PROVINCE: return 2;
    case GV_LEVEL_DISTRICT: return 3;
    case GV_LEVEL_COMMUNE: return 5;
    default: return 0;
    }
}

static gv_level level_of_width(size_t w) {
    return w == 2 ? GV_LEVEL_PROVINCE : w == 3 ? GV_LEVEL_DISTRICT : w == 5 ? GV_LEVEL_COMMUNE : GV_LEVEL_NONE;
}

static int col_or(const gv_table *t, const char *name, const char *dflt, int required, int *out, gv_error *err) {
    const char *want = name ? name : dflt;
    *out = gv_table_col_index(t, want);
    if (*out < 0 && (required || name))
        return gv_error_set(err, GV_EDATA, "%s: no column '%s'", gv_table_path(t), want);
    return GV_OK;
}

int gv_units_read(const char *csv, const char *level_col, const char *code_col, const char *name_col,
                  const char *type_col, const char *parent_col, gv_units **out, gv_error *err) {
    return gv_units_read_widths(csv, level_col, code_col, name_col, type_col, parent_col, NULL, out, err);
}

int gv_units_read_widths(const char *csv, const char *level_col, const char *code_col, const char *name_col,
                         const char *type_col, const char *parent_col, const int *widths, gv_units **out,
                         gv_error *err) {
#define WIDTH(lv) ((widths && widths[lv] > 0) ? widths[lv] : gv_shapes_level_width(lv))
    if (!csv || !out) return gv_error_set(err, GV_EUSAGE, "gv_units_read: NULL argument");
    *out = NULL;
    gv_table *t = NULL;
    int rc = gv_table_read_csv(csv, NULL, &t, err);
    if (rc != GV_OK) return rc;
    int cl, cc, cn, ct, cp;
    if ((rc = col_or(t, level_col, "level", 0, &cl, err)) || (rc = col_or(t, code_col, "code", 1, &cc, err)) ||
        (rc = col_or(t, name_col, "name", 1, &cn, err)) || (rc = col_or(t, type_col, "type", 0, &ct, err)) ||
        (rc = col_or(t, parent_col, "parent_code", 0, &cp, err))) {
        gv_table_free(t);
        return rc;
    }
    gv_units *u = calloc(1, sizeof *u);
    size_t n = gv_table_nrows(t);
    if (!u || !(u->a = calloc(n ? n : 1, sizeof *u->a)) || !(u->idx = calloc(n ? n : 1, sizeof *u->idx))) {
        gv_units_free(u);
        gv_table_free(t);
        return gv_error_set(err, GV_ENOMEM, "%s: out of memory", csv);
    }
    for (size_t r = 0; r < n; r++) {
        const char *code = gv_table_cell(t, r, (size_t)cc);
        char key[64], padded[64];
        if (gv_code_key(code, key, sizeof key, err) != GV_OK) {
            rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': '%s' is not a code", csv, r + 1,
                              gv_table_row_line(t, r), gv_table_colname(t, (size_t)cc), code);
            goto fail;
        }
        gv_level lv;
        if (cl >= 0) {
            lv = gv_level_parse(gv_table_cell(t, r, (size_t)cl));
            if (lv < GV_LEVEL_PROVINCE) {
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: row %zu (line %zu), column '%s': level '%s' is not province, district or commune",
                                  csv, r + 1, gv_table_row_line(t, r), gv_table_colname(t, (size_t)cl),
                                  gv_table_cell(t, r, (size_t)cl));
                goto fail;
            }
        } else {
            gv_code_normalize(code, 0, padded, sizeof padded, NULL);
            lv = level_of_width(strlen(padded));
            if (lv == GV_LEVEL_NONE) {
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: row %zu (line %zu): code '%s' has %zu digits and the table has no level "
                                  "column (2 = province, 3 = district, 5 = commune)",
                                  csv, r + 1, gv_table_row_line(t, r), code, strlen(padded));
                goto fail;
            }
        }
        if (gv_code_normalize(code, WIDTH(lv), padded, sizeof padded, NULL) != GV_OK) {
            rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu): code '%s' is too long for a %s (%d digits)",
                              csv, r + 1, gv_table_row_line(t, r), code, gv_level_name(lv), WIDTH(lv));
            goto fail;
        }
        gv_unit *x = &u->a[r];
        x->level = lv;
        x->parent = -1;
        if (!(x->code = own(u, padded)) || !(x->name = own(u, gv_table_cell(t, r, (size_t)cn))) ||
            !(x->type = own(u, ct >= 0 ? gv_table_cell(t, r, (size_t)ct) : "")) ||
            !(x->parent_code = own(u, cp >= 0 ? gv_table_cell(t, r, (size_t)cp) : "")) ||
            !(u->idx[r].key = own(u, key))) {
            rc = gv_error_set(err, GV_ENOMEM, "%s: out of memory", csv);
            goto fail;
        }
        u->idx[r].level = lv;
        u->idx[r].unit = r;
        u->counts[lv]++;
    }
    u->n = n;
    qsort(u->idx, n, sizeof *u->idx, idx_cmp);
    for (size_t i = 1; i < n; i++)
        if (idx_cmp(&u->idx[i - 1], &u->idx[i]) == 0) {
            size_t a = u->idx[i - 1].unit, b = u->idx[i].unit;
            if (a > b) { size_t s = a; a = b; b = s; }
            rc = gv_error_set(err, GV_EDATA, "%s: %s code '%s' appears twice, rows %zu (line %zu) and %zu (line %zu)",
                              csv, gv_level_name(u->a[a].level), u->a[a].code, a + 1, gv_table_row_line(t, a), b + 1,
                              gv_table_row_line(t, b));
            goto fail;
        }
    /* Parents: the nearest level above the child that has this code. */
    for (size_t r = 0; r < n; r++) {
        gv_unit *x = &u->a[r];
        if (!x->parent_code[0]) continue;
        char key[64];
        const uidx *hit = NULL;
        if (gv_code_key(x->parent_code, key, sizeof key, NULL) == GV_OK)
            for (int l = (int)x->level - 1; l >= GV_LEVEL_PROVINCE && !hit; l--) hit = idx_find(u, l, key);
        if (hit) x->parent = (long)hit->unit;
        else u->orphans++;
    }
    gv_table_free(t);
    *out = u;
    return GV_OK;
fail:
    u->n = 0;
    gv_units_free(u);
    gv_table_free(t);
    return rc;
}

#undef WIDTH

size_t gv_units_count(const gv_units *u) { return u ? u->n : 0; }

size_t gv_units_count_level(const gv_units *u, gv_level level) {
    return (u && level >= 0 && level < GV_NLEVELS) ? u->counts[level] : 0;
}

const gv_unit *gv_units_at(const gv_units *u, size_t i) { return (u && i < u->n) ? &u->a[i] : NULL; }

const gv_unit *gv_units_find(const gv_units *u, gv_level level, const char *code) {
    char key[64];
    if (!u || !code || gv_code_key(code, key, sizeof key, NULL) != GV_OK) return NULL;
    if (level == GV_LEVEL_NONE) {
        for (int l = GV_LEVEL_COMMUNE; l >= GV_LEVEL_PROVINCE; l--) {
            const uidx *h = idx_find(u, l, key);
            if (h) return &u->a[h->unit];
        }
        return NULL;
    }
    const uidx *h = idx_find(u, level, key);
    return h ? &u->a[h->unit] : NULL;
}

const gv_unit *gv_units_parent(const gv_units *u, const gv_unit *unit) {
    return (u && unit && unit->parent >= 0) ? &u->a[unit->parent] : NULL;
}

const gv_unit *gv_units_ancestor(const gv_units *u, const gv_unit *unit, gv_level level) {
    while (unit && unit->level > level) unit = gv_units_parent(u, unit);
    return (unit && unit->level == level) ? unit : NULL;
}

size_t gv_units_orphans(const gv_units *u) { return u ? u->orphans : 0; }
