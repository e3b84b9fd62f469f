/* grouping.c: grouping tables (SPEC "Words": a table that assigns units to
 * named groups, e.g. the 6 socio-economic regions of the 63 pre-2025
 * provinces, or a user's own cultural regions). One row per unit: a code and
 * a group name. Codes are compared by their key (gv_code_key), so a table
 * that lost its leading zeros still matches. */
#include "geovoice/sets.h"
#include "geovoice/table.h"
#include "shapes_private.h"

#include <stdlib.h>
#include <string.h>

typedef struct gentry {
    char *key;
    size_t group; /* index into groups */
    size_t row;
} gentry;

struct gv_grouping {
    char *path;
    gentry *e;
    size_t n;
    char **groups;
    size_t ngroups;
    gv_level level;
};

void gv_grouping_free(gv_grouping *g) {
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) free(g->e[i].key);
    for (size_t i = 0; i < g->ngroups; i++) free(g->groups[i]);
    free(g->e);
    free(g->groups);
    free(g->path);
    free(g);
}

static int ecmp(const void *a, const void *b) {
    const gentry *x = a, *y = b;
    size_t lx = strlen(x->key), ly = strlen(y->key);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int find_col(const gv_table *t, const char *given, const char *const *auto_names) {
    if (given) return gv_table_col_index(t, given);
    for (size_t i = 0; auto_names[i]; i++) {
        int c = gv_table_col_index(t, auto_names[i]);
        if (c >= 0) return c;
    }
    return -1;
}

int gv_grouping_read(const char *csv, const char *code_col, const char *group_col, gv_grouping **out,
                     gv_error *err) {
    static const char *const CODE_NAMES[] = {"code", "gso_code", "ma", "mã", NULL};
    static const char *const GROUP_NAMES[] = {"group", "region", "nhom", "nhóm", "vung", "vùng", NULL};
    if (!csv || !out) return gv_error_set(err, GV_EUSAGE, "gv_grouping_read: NULL argument");
    *out = NULL;
    gv_table *t = NULL;
    int rc = gv_table_read_csv(csv, NULL, &t, err);
    if (rc != GV_OK) return rc;
    int cc = find_col(t, code_col, CODE_NAMES), cg = find_col(t, group_col, GROUP_NAMES);
    if (cc < 0 || cg < 0) {
        rc = gv_error_set(err, GV_EDATA, "%s: no %s column (%s)", csv, cc < 0 ? "code" : "group",
                          cc < 0 ? (code_col ? code_col : "looked for code, gso_code, ma")
                                 : (group_col ? group_col : "looked for group, region, nhom, vung"));
        gv_table_free(t);
        return rc;
    }
    size_t n = gv_table_nrows(t);
    gv_grouping *g = calloc(1, sizeof *g);
    if (!g || !(g->e = calloc(n, sizeof *g->e)) || !(g->groups = calloc(n, sizeof *g->groups)) ||
        !(g->path = strdup(csv))) {
        gv_grouping_free(g);
        gv_table_free(t);
        return gv_error_set(err, GV_ENOMEM, "%s: out of memory", csv);
    }
    g->level = GV_LEVEL_NONE;
    for (size_t r = 0; r < n; r++) {
        const char *code = gv_table_cell(t, r, (size_t)cc), *grp = gv_table_cell(t, r, (size_t)cg);
        char key[64];
        if (gv_code_key(code, key, sizeof key, NULL) != GV_OK) {
            rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': '%s' is not a code", csv, r + 1,
                              gv_table_row_line(t, r), gv_table_colname(t, (size_t)cc), code);
            goto fail;
        }
        if (!grp[0]) {
            rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': empty group for code '%s'", csv,
                              r + 1, gv_table_row_line(t, r), gv_table_colname(t, (size_t)cg), code);
            goto fail;
        }
        size_t gi = 0;
        while (gi < g->ngroups && strcmp(g->groups[gi], grp)) gi++;
        if (gi == g->ngroups) {
            if (!(g->groups[gi] = strdup(grp))) goto nomem;
            g->ngroups++;
        }
        if (!(g->e[r].key = strdup(key))) goto nomem;
        g->e[r].group = gi;
        g->e[r].row = r;
        g->n = r + 1;
    }
    qsort(g->e, g->n, sizeof *g->e, ecmp);
    /* Same code twice: harmless with the same group, a contradiction with
     * another. Rows of one key are adjacent after the sort. */
    size_t w = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (w > 0 && ecmp(&g->e[w - 1], &g->e[i]) == 0) {
            if (g->e[w - 1].group != g->e[i].group) {
                size_t a = g->e[w - 1].row, b = g->e[i].row;
                if (a > b) { size_t s = a; a = b; b = s; }
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: code '%s' is in group '%s' on row %zu (line %zu) and '%s' on row %zu (line %zu)",
                                  csv, gv_table_cell(t, a, (size_t)cc), gv_table_cell(t, a, (size_t)cg), a + 1,
                                  gv_table_row_line(t, a), gv_table_cell(t, b, (size_t)cg), b + 1,
                                  gv_table_row_line(t, b));
                goto fail;
            }
            free(g->e[i].key);
            g->e[i].key = NULL;
            continue;
        }
        g->e[w++] = g->e[i];
    }
    g->n = w;
    gv_table_free(t);
    *out = g;
    return GV_OK;
nomem:
    rc = gv_error_set(err, GV_ENOMEM, "%s: out of memory", csv);
fail:
    gv_grouping_free(g);
    gv_table_free(t);
    return rc;
}

const char *gv_grouping_group(const gv_grouping *g, const char *code) {
    char key[64];
    if (!g || !code || gv_code_key(code, key, sizeof key, NULL) != GV_OK) return NULL;
    gentry probe = {key, 0, 0};
    const gentry *h = bsearch(&probe, g->e, g->n, sizeof *g->e, ecmp);
    return h ? g->groups[h->group] : NULL;
}

size_t gv_grouping_ngroups(const gv_grouping *g) { return g ? g->ngroups : 0; }
const char *gv_grouping_group_at(const gv_grouping *g, size_t i) {
    return (g && i < g->ngroups) ? g->groups[i] : NULL;
}
size_t gv_grouping_count(const gv_grouping *g) { return g ? g->n : 0; }
const char *gv_grouping_path(const gv_grouping *g) { return g ? g->path : NULL; }
gv_level gv_grouping_level(const gv_grouping *g) { return g ? g->level : GV_LEVEL_NONE; }
void gv_grouping_set_level(gv_grouping *g, gv_level level) {
    if (g) g->level = level;
}
