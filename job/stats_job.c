/* stats_job.c: `geovoice stats urban-rural|ethnic` as a library call.
 *
 * Flow: open the boundary set → decide the output units (layer features,
 * units-table units, grouping groups, or the nation) → place every data row
 * in one output unit through the hierarchy (the row's own unit, its
 * ancestor in the units table, or a parent column of the table; for the
 * nation every row) → sum counts → indicators from the sums (engine/stats.c)
 * → write CSV or GeoPackage through a temporary file.
 *
 * Why counts are summed and shares recomputed: averaging shares weights a
 * province of 300,000 like one of 9 million (SPEC "roll-up"). */
#include "csvout.h"
#include "jobutil.h"

#include "geovoice/layer.h"
#include "geovoice/names.h"
#include "geovoice/sets.h"
#include "geovoice/stats.h"
#include "geovoice/statsjob.h"
#include "geovoice/table.h"

#include <cpl_conv.h>
#include <errno.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <gdal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NOT_LISTED "under 0.05% / not listed"
#define MAX_LISTED 10 /* problem rows printed one per line before "... and N more" */

void gv_stats_options_init(gv_stats_options *o) {
    memset(o, 0, sizeof *o);
    o->kind = GV_STATS_URBAN_RURAL;
    o->level = "province";
    o->set = "vn-2019";
}

typedef struct ounit {
    char *code, *name;
    double pop, urban, rural, area;
    size_t nrows;
    int urban_missing, rural_missing;
    double *g;          /* ethnic: count per group (NaN = not listed) */
    size_t *feat;       /* polygon features (of `poly`) making this unit */
    size_t nfeat, capfeat;
} ounit;

typedef struct job {
    const gv_stats_options *o;
    gv_log_fn log;
    void *logctx;
    gv_error *err;
    gv_set *set;
    const gv_units *units;
    gv_level level, data_level;
    gv_layer *poly; /* polygons of the output level, or provinces for region/nation */
    ounit *u;
    size_t nu;
    gv_grouping *own_groups; /* --groups */
    const gv_grouping *groups;
    /* sorted (key, unit) index of output units by code; for region/nation
     * the index is of provinces -> unit */
    struct kidx { char key[16]; size_t unit; } *idx;
    size_t nidx;
    /* ethnic */
    char **gname;   /* group names (NFC) */
    char **gfield;  /* ASCII field stems */
    size_t ng;
    long other;     /* index of the "Other" group, -1 when none */
    long kinh;
    int *keep;      /* per group: kept as a column */
    gv_stats_summary sum;
    /* Rows of finer data placed by the table's own parent column
     * (district_code / province_code), and of those how many the units
     * list puts elsewhere (a commune moved after the count). */
    int cdist;
    size_t by_table, by_table_moved;
    size_t nmissing; /* rows with an empty count (their unit is left empty) */
} job;

static void logf_(job *j, const char *fmt, ...) GV_PRINTF(2, 3);
static void logf_(job *j, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gv__job_vlogf(j->log, j->logctx, fmt, ap);
    va_end(ap);
}

static int kcmp(const void *a, const void *b) {
    const struct kidx *x = a, *y = b;
    size_t lx = strlen(x->key), ly = strlen(y->key);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x->key, y->key);
}

static long idx_find(const job *j, const char *code) {
    struct kidx probe;
    if (gv_code_key(code, probe.key, sizeof probe.key, NULL) != GV_OK) return -1;
    const struct kidx *h = bsearch(&probe, j->idx, j->nidx, sizeof *j->idx, kcmp);
    return h ? (long)h->unit : -1;
}

static int add_feat(ounit *u, size_t f) {
    if (u->nfeat == u->capfeat) {
        size_t nc = u->capfeat ? 2 * u->capfeat : 4;
        size_t *p = realloc(u->feat, nc * sizeof *p);
        if (!p) return GV_ENOMEM;
        u->feat = p;
        u->capfeat = nc;
    }
    u->feat[u->nfeat++] = f;
    return GV_OK;
}

static ounit *new_unit(job *j, size_t *cap, const char *code, const char *name) {
    if (j->nu == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        ounit *p = realloc(j->u, nc * sizeof *p);
        if (!p) return NULL;
        j->u = p;
        *cap = nc;
    }
    ounit *u = &j->u[j->nu];
    memset(u, 0, sizeof *u);
    u->code = strdup(code);
    u->name = strdup(name ? name : "");
    if (!u->code || !u->name) {
        free(u->code);
        free(u->name);
        return NULL;
    }
    j->nu++;
    return u;
}

static int oom(job *j) { return gv_error_set(j->err, GV_ENOMEM, "out of memory"); }

/* ---- output units ---- */

static int open_layer(job *j, gv_level lv) {
    const gv_set_layer *L = gv_set_level(j->set, lv);
    if (!L || !L->source) return GV_OK;
    int rc = gv_layer_open(L->source, L->layer, NULL, &j->poly, j->err);
    if (rc != GV_OK) return gv_error_prefix(j->err, "boundary set '%s', %s layer: ", gv_set_name(j->set), gv_level_name(lv));
    return GV_OK;
}

static int field_or_fail(job *j, const char *field, int *out) {
    *out = gv_layer_field_index(j->poly, field);
    if (*out < 0)
        return gv_error_set(j->err, GV_EDATA, "%s, layer '%s': no field '%s' (named in %s)", gv_layer_source(j->poly),
                            gv_layer_name(j->poly), field, gv_set_manifest(j->set));
    return GV_OK;
}

static int build_units(job *j) {
    size_t cap = 0;
    int rc;
    if (j->level >= GV_LEVEL_PROVINCE) {
        const gv_set_layer *L = gv_set_level(j->set, j->level);
        if (!L)
            return gv_error_set(j->err, GV_EUSAGE, "boundary set '%s' has no %s level", gv_set_name(j->set),
                                gv_level_name(j->level));
        if ((rc = open_layer(j, j->level))) return rc;
        if (j->poly) {
            int fc, fn = -1;
            if ((rc = field_or_fail(j, L->code_field, &fc))) return rc;
            if (L->name_field && (rc = field_or_fail(j, L->name_field, &fn))) return rc;
            for (size_t i = 0; i < gv_layer_count(j->poly); i++) {
                char code[32];
                const char *raw = gv_layer_value(j->poly, i, (size_t)fc);
                if (gv_code_normalize(raw, L->code_width, code, sizeof code, NULL) != GV_OK)
                    return gv_error_set(j->err, GV_EDATA, "%s, layer '%s', feature %lld, field '%s': '%s' is not a code",
                                        gv_layer_source(j->poly), gv_layer_name(j->poly), gv_layer_fid(j->poly, i),
                                        L->code_field, raw);
                ounit *u = new_unit(j, &cap, code, fn >= 0 ? gv_layer_value(j->poly, i, (size_t)fn) : "");
                if (!u || add_feat(u, i)) return oom(j);
            }
        } else {
            for (size_t i = 0; i < gv_units_count(j->units); i++) {
                const gv_unit *x = gv_units_at(j->units, i);
                if (x->level != j->level) continue;
                if (!new_unit(j, &cap, x->code, x->name)) return oom(j);
            }
            logf_(j, "boundary set '%s' has no %s polygons: output without geometry", gv_set_name(j->set),
                  gv_level_name(j->level));
        }
        j->idx = calloc(j->nu ? j->nu : 1, sizeof *j->idx);
        if (!j->idx) return oom(j);
        for (size_t i = 0; i < j->nu; i++) {
            gv_code_key(j->u[i].code, j->idx[i].key, sizeof j->idx[i].key, NULL);
            j->idx[i].unit = i;
        }
        j->nidx = j->nu;
        qsort(j->idx, j->nidx, sizeof *j->idx, kcmp);
        for (size_t i = 1; i < j->nidx; i++)
            if (!kcmp(&j->idx[i - 1], &j->idx[i]))
                return gv_error_set(j->err, GV_EDATA, "boundary set '%s': %s code '%s' appears twice in its layer",
                                    gv_set_name(j->set), gv_level_name(j->level), j->u[j->idx[i].unit].code);
        return GV_OK;
    }
    /* region / nation: provinces as members. */
    const gv_set_layer *P = gv_set_level(j->set, GV_LEVEL_PROVINCE);
    if (!P) return gv_error_set(j->err, GV_EUSAGE, "boundary set '%s' has no province level", gv_set_name(j->set));
    if (j->level == GV_LEVEL_REGION) {
        if (j->o->groups) {
            if ((rc = gv_grouping_read(j->o->groups, NULL, NULL, &j->own_groups, j->err))) return rc;
            j->groups = j->own_groups;
        } else if ((rc = gv_set_grouping(j->set, "region", &j->groups, j->err))) {
            return rc;
        }
        for (size_t g = 0; g < gv_grouping_ngroups(j->groups); g++) {
            char code[32];
            snprintf(code, sizeof code, "R%zu", g + 1);
            if (!new_unit(j, &cap, code, gv_grouping_group_at(j->groups, g))) return oom(j);
        }
    } else if (!new_unit(j, &cap, "VN", "Việt Nam")) {
        return oom(j);
    }
    /* Province index: every province of the units table, then the layer's. */
    size_t np = gv_units_count_level(j->units, GV_LEVEL_PROVINCE);
    if ((rc = open_layer(j, GV_LEVEL_PROVINCE))) return rc;
    size_t nl = j->poly ? gv_layer_count(j->poly) : 0;
    j->idx = calloc(np + nl + 1, sizeof *j->idx);
    if (!j->idx) return oom(j);
    for (size_t i = 0; i < gv_units_count(j->units); i++) {
        const gv_unit *x = gv_units_at(j->units, i);
        if (x->level != GV_LEVEL_PROVINCE) continue;
        long target = 0;
        if (j->level == GV_LEVEL_REGION) {
            const char *grp = gv_grouping_group(j->groups, x->code);
            if (!grp) continue; /* rows of it are reported as unplaced */
            target = -1;
            for (size_t g = 0; g < j->nu; g++)
                if (!strcmp(j->u[g].name, grp)) target = (long)g;
        }
        gv_code_key(x->code, j->idx[j->nidx].key, sizeof j->idx[0].key, NULL);
        j->idx[j->nidx++].unit = (size_t)target;
    }
    qsort(j->idx, j->nidx, sizeof *j->idx, kcmp);
    if (j->level == GV_LEVEL_REGION) {
        size_t nog = 0;
        char list[512] = "";
        for (size_t i = 0; i < gv_units_count(j->units); i++) {
            const gv_unit *x = gv_units_at(j->units, i);
            if (x->level != GV_LEVEL_PROVINCE || gv_grouping_group(j->groups, x->code)) continue;
            if (nog++ < MAX_LISTED) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s %s", l ? ", " : "", x->code, x->name);
            }
        }
        if (nog) logf_(j, "grouping %s: %zu of %zu provinces of '%s' are in no group: %s%s", gv_grouping_path(j->groups),
                       nog, np, gv_set_name(j->set), list, nog > MAX_LISTED ? ", ..." : "");
    }
    if (j->poly) {
        int fc;
        if ((rc = field_or_fail(j, P->code_field, &fc))) return rc;
        for (size_t i = 0; i < nl; i++) {
            long t = idx_find(j, gv_layer_value(j->poly, i, (size_t)fc));
            if (j->level == GV_LEVEL_NATION) t = 0;
            if (t >= 0 && add_feat(&j->u[t], i)) return oom(j);
        }
    }
    return GV_OK;
}

/* ---- data rows ---- */

static int find_col(const gv_table *t, const char *const *names) {
    for (size_t i = 0; names[i]; i++) {
        int c = gv_table_col_index(t, names[i]);
        if (c >= 0) return c;
    }
    return -1;
}

static gv_level level_of_width(int w) {
    return w == 2 ? GV_LEVEL_PROVINCE : w == 3 ? GV_LEVEL_DISTRICT : w == 5 ? GV_LEVEL_COMMUNE : GV_LEVEL_NONE;
}

/* Output unit of one data row: -1 when it cannot be placed. `how` says why
 * not (for the report). */
static long place_row(job *j, const gv_table *t, size_t r, int ccode, int cparent, const char **how,
                      const char **unit_name) {
    const char *code = gv_table_cell(t, r, (size_t)ccode);
    *unit_name = NULL;
    *how = "code not in the set's units";
    if (j->data_level == j->level) {
        long u = idx_find(j, code);
        if (u < 0) *how = "code not among the output units";
        else *unit_name = j->u[u].name;
        return u;
    }
    const gv_unit *x = gv_units_find(j->units, j->data_level, code);
    if (x) *unit_name = x->name;
    if (j->level == GV_LEVEL_NATION) {
        /* A row counts for the nation when it is a unit of the set, or
         * names a province (or district) of it in its own parent column;
         * an empty code, a "Toàn quốc" row or a code from elsewhere does
         * not, and is listed with the others. */
        if (x) return 0;
        const char *pc = cparent >= 0 ? gv_table_cell(t, r, (size_t)cparent) : "";
        const char *dc = j->cdist >= 0 ? gv_table_cell(t, r, (size_t)j->cdist) : "";
        if ((*pc && gv_units_find(j->units, GV_LEVEL_PROVINCE, pc)) || (*dc && gv_units_find(j->units, GV_LEVEL_DISTRICT, dc)))
            return 0;
        *how = *code ? "code not in the set's units, and no known province_code" : "empty code";
        return -1;
    }
    /* Finer data: to a province (region) or to the output level. The
     * table's own parent column comes first (district_code, province_code:
     * where the row was counted, e.g. a commune of the 2019 census moved
     * to another district before the set's units list), then the units
     * hierarchy. */
    gv_level want = j->level == GV_LEVEL_REGION ? GV_LEVEL_PROVINCE : j->level;
    const gv_unit *a = x ? gv_units_ancestor(j->units, x, want) : NULL;
    const char *pcode = NULL;
    int tcol = want == GV_LEVEL_PROVINCE ? cparent : want == GV_LEVEL_DISTRICT ? j->cdist : -1;
    const char *tc = tcol >= 0 ? gv_table_cell(t, r, (size_t)tcol) : "";
    if (*tc && idx_find(j, tc) >= 0) {
        pcode = tc;
        j->by_table++;
        char k1[16], k2[16];
        if (a && gv_code_key(a->code, k1, sizeof k1, NULL) == GV_OK && gv_code_key(tc, k2, sizeof k2, NULL) == GV_OK &&
            strcmp(k1, k2))
            j->by_table_moved++;
    } else if (a) {
        pcode = a->code;
    } else if (*tc) {
        pcode = tc; /* not an output unit: said below */
    }
    if (!pcode) return -1;
    long u = idx_find(j, pcode);
    if (u < 0) *how = j->level == GV_LEVEL_REGION ? "province in no group" : "parent not among the output units";
    return u;
}

/* SPEC "Words": a code belongs to a boundary set, so when the table names
 * its units, the name must fit the set's unit of that code (SPEC name
 * rules: tone placement, type prefixes, diacritics as a last resort). A
 * 2019 table run against vn-2025 shows up here: `15` is Yên Bái in 2019
 * but Lào Cai in 2025. */
typedef struct namecheck {
    int col; /* table column holding names, -1 = none */
    size_t n;
    char lines[MAX_LISTED][256];
} namecheck;

#define names_fit gv__names_fit

static void check_name(job *j, namecheck *nc, const gv_table *t, size_t r, const char *code, const char *unit_name) {
    if (nc->col < 0 || !unit_name || !unit_name[0]) return;
    const char *tn = gv_table_cell(t, r, (size_t)nc->col);
    if (!tn[0] || names_fit(tn, unit_name)) return;
    if (nc->n < MAX_LISTED)
        snprintf(nc->lines[nc->n], sizeof nc->lines[0], "row %zu (line %zu) code '%s': '%s' in the table but '%s' in %s",
                 r + 1, gv_table_row_line(t, r), code, tn, unit_name, gv_set_name(j->set));
    nc->n++;
}

static int report_names(job *j, const gv_table *t, const namecheck *nc) {
    if (!nc->n) return GV_OK;
    logf_(j, "%s: %zu rows whose name is not the name of their code's unit in '%s' (a table of another boundary set?):",
          gv_table_path(t), nc->n, gv_set_name(j->set));
    for (size_t i = 0; i < nc->n && i < MAX_LISTED; i++) logf_(j, "  %s", nc->lines[i]);
    if (nc->n > MAX_LISTED) logf_(j, "  ... and %zu more", nc->n - MAX_LISTED);
    if (j->o->strict) return gv_error_set(j->err, GV_EDATA, "%s: %s (--strict)", gv_table_path(t), nc->lines[0]);
    return GV_OK;
}

static const char *const NAME_COLS[] = {"name", "ten", "tên", "unit_name", NULL};

static double cellnum(const gv_table *t, size_t r, int c, int *rc, gv_error *err) {
    double v = NAN;
    if (c < 0) return NAN;
    *rc = gv_table_number(t, r, (size_t)c, &v, err);
    return v;
}

static const char *const CODE_COLS[] = {"code", "gso_code", "unit_code", "ma", "mã", NULL};
static const char *const PARENT_COLS[] = {"province_code", "province_gso_code", "parent_code", NULL};
static const char *const DIST_COLS[] = {"district_code", "district_gso_code", NULL};

typedef struct unplaced {
    size_t n;
    double pop;
    char lines[MAX_LISTED][200];
} unplaced;

static void note_unplaced(unplaced *p, const gv_table *t, size_t r, const char *code, double pop, const char *how) {
    if (p->n < MAX_LISTED)
        snprintf(p->lines[p->n], sizeof p->lines[0], "row %zu (line %zu) code '%s' (population %.0f): %s", r + 1,
                 gv_table_row_line(t, r), code, pop, how);
    p->n++;
    if (!isnan(pop)) p->pop += pop;
}

static int report_unplaced(job *j, const gv_table *t, const unplaced *p) {
    j->sum.rows_unplaced = p->n;
    j->sum.pop_unplaced = p->pop;
    if (j->by_table)
        logf_(j, "%s: %zu rows placed by the table's own %s column (%zu of them where the units list of '%s' now has "
                 "another %s)",
              gv_table_path(t), j->by_table, j->level == GV_LEVEL_DISTRICT ? "district_code" : "province_code",
              j->by_table_moved, gv_set_name(j->set), j->level == GV_LEVEL_DISTRICT ? "district" : "province");
    if (!p->n) return GV_OK;
    logf_(j, "%s: %zu rows carried to no %s (population %.0f):", gv_table_path(t), p->n, gv_level_name(j->level), p->pop);
    for (size_t i = 0; i < p->n && i < MAX_LISTED; i++) logf_(j, "  %s", p->lines[i]);
    if (p->n > MAX_LISTED) logf_(j, "  ... and %zu more", p->n - MAX_LISTED);
    if (j->o->strict)
        return gv_error_set(j->err, GV_EDATA, "%s: %s (--strict: %zu rows carried to no unit)", gv_table_path(t),
                            p->lines[0], p->n);
    return GV_OK;
}

static int check_duplicates(job *j, const gv_table *t, int ccode, int cgrp) {
    int w = j->data_level == GV_LEVEL_PROVINCE ? 2 : j->data_level == GV_LEVEL_DISTRICT ? 3 : 5;
    size_t a, b;
    int found = gv_table_find_duplicate(t, (size_t)ccode, w, cgrp, &a, &b);
    if (found < 0) return oom(j);
    if (!found) return GV_OK;
    return gv_error_set(j->err, GV_EDATA, "%s: rows %zu and %zu (lines %zu and %zu), column '%s': code '%s'%s%s%s given twice",
                        gv_table_path(t), a + 1, b + 1, gv_table_row_line(t, a), gv_table_row_line(t, b),
                        gv_table_colname(t, (size_t)ccode), gv_table_cell(t, b, (size_t)ccode),
                        cgrp >= 0 ? " with group '" : "", cgrp >= 0 ? gv_table_cell(t, b, (size_t)cgrp) : "",
                        cgrp >= 0 ? "'" : "");
}

static int decide_data_level(job *j, const gv_table *t, int ccode) {
    int w = gv_table_col_code_width(t, (size_t)ccode);
    j->data_level = level_of_width(w);
    if (j->data_level == GV_LEVEL_NONE) {
        /* Not one code width: every code's own width must name the same
         * level, else the table mixes provinces, districts and communes
         * (01 beside 002), which would be summed into the wrong units. */
        char d[32];
        long first = -1;
        for (size_t r = 0; r < gv_table_nrows(t); r++) {
            if (gv_code_normalize(gv_table_cell(t, r, (size_t)ccode), 0, d, sizeof d, NULL) != GV_OK) continue;
            gv_level lv = level_of_width((int)strlen(d));
            if (first < 0) {
                first = (long)r;
                j->data_level = lv;
            } else if (lv != j->data_level) {
                return gv_error_set(j->err, GV_EDATA,
                                    "%s: column '%s' mixes levels: row %ld (line %zu) '%s' is a %s code, row %zu (line %zu) "
                                    "'%s' a %s code; give one level per table",
                                    gv_table_path(t), gv_table_colname(t, (size_t)ccode), first + 1,
                                    gv_table_row_line(t, (size_t)first), gv_table_cell(t, (size_t)first, (size_t)ccode),
                                    j->data_level == GV_LEVEL_NONE ? "non-standard" : gv_level_name(j->data_level), r + 1,
                                    gv_table_row_line(t, r), gv_table_cell(t, r, (size_t)ccode),
                                    lv == GV_LEVEL_NONE ? "non-standard" : gv_level_name(lv));
            }
        }
    }
    if (j->data_level == GV_LEVEL_NONE)
        return gv_error_set(j->err, GV_EDATA, "%s: column '%s': codes are not 2 (province), 3 (district) or 5 (commune) digits",
                            gv_table_path(t), gv_table_colname(t, (size_t)ccode));
    if (j->level >= GV_LEVEL_PROVINCE && j->data_level < j->level)
        return gv_error_set(j->err, GV_EUSAGE, "%s: rows are %ss; they cannot be split into %ss (use --level %s or above)",
                            gv_table_path(t), gv_level_name(j->data_level), gv_level_name(j->level),
                            gv_level_name(j->data_level));
    return GV_OK;
}

static int read_urban_rural(job *j, const gv_table *t) {
    static const char *const POP[] = {"population", "population_total", "dan_so", "dân số", NULL};
    static const char *const URB[] = {"urban", "population_urban", "thanh_thi", "thành thị", NULL};
    static const char *const RUR[] = {"rural", "population_rural", "nong_thon", "nông thôn", NULL};
    int ccode = find_col(t, CODE_COLS), cpop = find_col(t, POP), curb = find_col(t, URB), crur = find_col(t, RUR);
    int cpar = find_col(t, PARENT_COLS);
    j->cdist = find_col(t, DIST_COLS);
    if (ccode < 0 || cpop < 0)
        return gv_error_set(j->err, GV_EDATA, "%s: no %s column (looked for %s)", gv_table_path(t),
                            ccode < 0 ? "code" : "population",
                            ccode < 0 ? "code, gso_code, unit_code, ma" : "population, population_total, dan_so");
    int rc = decide_data_level(j, t, ccode);
    if (!rc) rc = check_duplicates(j, t, ccode, -1);
    if (rc) return rc;
    unplaced up = {0};
    namecheck nc = {find_col(t, NAME_COLS), 0, {{0}}};
    size_t bad = 0;
    for (size_t r = 0; r < gv_table_nrows(t); r++) {
        int e1 = 0, e2 = 0, e3 = 0;
        double pop = cellnum(t, r, cpop, &e1, j->err);
        if (e1) return e1;
        double urb = cellnum(t, r, curb, &e2, j->err);
        if (e2) return e2;
        double rur = cellnum(t, r, crur, &e3, j->err);
        if (e3) return e3;
        const char *code = gv_table_cell(t, r, (size_t)ccode);
        j->sum.rows++;
        if (!isnan(pop)) j->sum.total += pop;
        /* urban + rural = population, per row. Counts are integers; a
         * difference under 0.5 is rounding of a decimal export. */
        if (!isnan(pop) && !isnan(urb) && !isnan(rur) && fabs(urb + rur - pop) >= 0.5) {
            if (bad++ < MAX_LISTED)
                logf_(j, "%s: row %zu (line %zu) code '%s': urban %.0f + rural %.0f = %.0f, not population %.0f", gv_table_path(t),
                      r + 1, gv_table_row_line(t, r), code, urb, rur, urb + rur, pop);
            if (j->o->strict)
                return gv_error_set(j->err, GV_EDATA,
                                    "%s: row %zu (line %zu) code '%s': urban %.0f + rural %.0f = %.0f, not population %.0f",
                                    gv_table_path(t), r + 1, gv_table_row_line(t, r), code, urb, rur, urb + rur, pop);
        }
        const char *how = "", *uname = NULL;
        long u = place_row(j, t, r, ccode, cpar, &how, &uname);
        check_name(j, &nc, t, r, code, uname);
        if (u < 0) {
            note_unplaced(&up, t, r, code, pop, how);
            continue;
        }
        ounit *o = &j->u[u];
        if (isnan(pop) || (curb >= 0 && isnan(urb)) || (crur >= 0 && isnan(rur))) {
            /* Said here, row and column: the unit's sum is left empty. */
            const char *col = isnan(pop) ? gv_table_colname(t, (size_t)cpop)
                              : isnan(urb) ? gv_table_colname(t, (size_t)curb)
                                           : gv_table_colname(t, (size_t)crur);
            if (j->nmissing++ < MAX_LISTED)
                logf_(j, "%s: row %zu (line %zu) code '%s', column '%s': empty count: %s %s is left empty", gv_table_path(t),
                      r + 1, gv_table_row_line(t, r), code, col, gv_level_name(j->level), o->code);
        }
        o->pop = o->nrows ? o->pop + pop : pop; /* NaN propagates: a missing count makes the sum missing */
        o->urban = o->nrows ? o->urban + urb : urb;
        o->rural = o->nrows ? o->rural + rur : rur;
        o->nrows++;
    }
    if (j->nmissing > MAX_LISTED) logf_(j, "  ... and %zu more rows with an empty count", j->nmissing - MAX_LISTED);
    if (bad > MAX_LISTED) logf_(j, "  ... and %zu more rows where urban + rural != population", bad - MAX_LISTED);
    if (bad) logf_(j, "%s: %zu rows where urban + rural != population", gv_table_path(t), bad);
    j->sum.rows_inconsistent = bad;
    rc = report_names(j, t, &nc);
    return rc ? rc : report_unplaced(j, t, &up);
}

/* ---- ethnic ---- */

static int is_other(const char *g) {
    return !strncasecmp(g, "other", 5) || !strncasecmp(g, "khác", strlen("khác")) || !strncasecmp(g, "khac", 4);
}

static long group_index(job *j, const char *g) {
    for (size_t i = 0; i < j->ng; i++)
        if (!strcmp(j->gname[i], g)) return (long)i;
    return -1;
}

/* ASCII field stem of a group name: diacritics removed, đ -> d, lower
 * case, anything else -> '_' ("Ê Đê" -> "e_de"); unique among groups. */
static int make_stems(job *j) {
    j->gfield = calloc(j->ng ? j->ng : 1, sizeof *j->gfield);
    if (!j->gfield) return oom(j);
    for (size_t i = 0; i < j->ng; i++) {
        char key[256], stem[64];
        if (i == (size_t)j->other) {
            snprintf(stem, sizeof stem, "other_row");
        } else {
            if (gv_name_fold_key(j->gname[i], key, sizeof key, NULL) != GV_OK) snprintf(key, sizeof key, "group");
            size_t k = 0;
            for (const char *p = key; *p && k < 40; p++) {
                unsigned char c = (unsigned char)*p;
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) stem[k++] = (char)c;
                else if (c >= 'A' && c <= 'Z') stem[k++] = (char)(c - 'A' + 'a');
                else if (k && stem[k - 1] != '_') stem[k++] = '_';
            }
            while (k && stem[k - 1] == '_') k--;
            stem[k] = '\0';
            if (!k) snprintf(stem, sizeof stem, "group%zu", i + 1);
        }
        for (size_t q = 0; q < i; q++)
            if (!strcmp(j->gfield[q], stem)) {
                size_t l = strlen(stem);
                snprintf(stem + l, sizeof stem - l, "_%zu", i + 1);
                break;
            }
        if (!(j->gfield[i] = strdup(stem))) return oom(j);
    }
    return GV_OK;
}

static int read_ethnic(job *j, const gv_table *t) {
    static const char *const GRP[] = {"group", "ethnic_group", "dan_toc", "dân tộc", NULL};
    static const char *const POP[] = {"population", "count", "dan_so", "dân số", NULL};
    int ccode = find_col(t, CODE_COLS), cgrp = find_col(t, GRP), cpop = find_col(t, POP), cpar = find_col(t, PARENT_COLS);
    j->cdist = find_col(t, DIST_COLS);
    if (ccode < 0 || cgrp < 0 || cpop < 0)
        return gv_error_set(j->err, GV_EDATA, "%s: the ethnic table needs columns code, group, population (missing: %s)",
                            gv_table_path(t), ccode < 0 ? "code" : cgrp < 0 ? "group" : "population");
    int rc = decide_data_level(j, t, ccode);
    if (!rc) rc = check_duplicates(j, t, ccode, cgrp);
    if (rc) return rc;
    size_t nr = gv_table_nrows(t);
    /* Groups in order of their national sum (largest first; ties by first
     * appearance), so columns come out in a stable, meaningful order. */
    j->gname = calloc(nr + 1, sizeof *j->gname);
    double *gsum = calloc(nr + 1, sizeof *gsum);
    long *rowg = calloc(nr + 1, sizeof *rowg);
    if (!j->gname || !gsum || !rowg) {
        free(gsum);
        free(rowg);
        return oom(j);
    }
    for (size_t r = 0; r < nr; r++) {
        const char *g = gv_table_cell(t, r, (size_t)cgrp);
        if (!g[0]) {
            free(gsum);
            free(rowg);
            return gv_error_set(j->err, GV_EDATA, "%s: row %zu (line %zu), column '%s': empty group", gv_table_path(t), r + 1,
                                gv_table_row_line(t, r), gv_table_colname(t, (size_t)cgrp));
        }
        long gi = group_index(j, g);
        if (gi < 0) {
            if (!(j->gname[j->ng] = strdup(g))) {
                free(gsum);
                free(rowg);
                return oom(j);
            }
            gi = (long)j->ng++;
        }
        double v = NAN;
        if ((rc = gv_table_number(t, r, (size_t)cpop, &v, j->err))) {
            free(gsum);
            free(rowg);
            return rc;
        }
        if (!isnan(v) && v < 0) {
            free(gsum);
            free(rowg);
            return gv_error_set(j->err, GV_EDATA, "%s: row %zu (line %zu), column '%s': negative count %.0f", gv_table_path(t),
                                r + 1, gv_table_row_line(t, r), gv_table_colname(t, (size_t)cpop), v);
        }
        if (!isnan(v)) gsum[gi] += v;
        rowg[r] = gi;
    }
    /* Sort group order: indices by gsum desc, Other last. */
    size_t *ord = malloc((j->ng + 1) * sizeof *ord);
    long *newpos = malloc((j->ng + 1) * sizeof *newpos);
    char **names = malloc((j->ng + 1) * sizeof *names);
    if (!ord || !newpos || !names) {
        free(ord), free(newpos), free(names), free(gsum), free(rowg);
        return oom(j);
    }
    for (size_t i = 0; i < j->ng; i++) ord[i] = i;
    for (size_t a = 1; a < j->ng; a++) { /* insertion sort: stable, n ~ 60 */
        size_t x = ord[a], b = a;
        while (b > 0) {
            size_t y = ord[b - 1];
            int xo = is_other(j->gname[x]), yo = is_other(j->gname[y]);
            if (xo > yo || (xo == yo && gsum[x] <= gsum[y])) break;
            ord[b] = y;
            b--;
        }
        ord[b] = x;
    }
    for (size_t i = 0; i < j->ng; i++) {
        names[i] = j->gname[ord[i]];
        newpos[ord[i]] = (long)i;
    }
    memcpy(j->gname, names, j->ng * sizeof *names);
    free(names);
    free(ord);
    free(gsum);
    j->other = j->kinh = -1;
    for (size_t i = 0; i < j->ng; i++) {
        if (is_other(j->gname[i]) && j->other < 0) j->other = (long)i;
        if (!strcmp(j->gname[i], "Kinh")) j->kinh = (long)i;
    }
    for (size_t u = 0; u < j->nu; u++) {
        j->u[u].g = malloc((j->ng + 1) * sizeof(double));
        if (!j->u[u].g) {
            free(newpos), free(rowg);
            return oom(j);
        }
        for (size_t g = 0; g < j->ng; g++) j->u[u].g[g] = NAN;
    }
    static const char *const ENAME_COLS[] = {"name", "ten", "tên", "unit_name", "province", NULL};
    unplaced up = {0};
    namecheck nc = {find_col(t, ENAME_COLS), 0, {{0}}};
    for (size_t r = 0; r < nr; r++) {
        double v = NAN;
        gv_table_number(t, r, (size_t)cpop, &v, NULL);
        const char *code = gv_table_cell(t, r, (size_t)ccode), *how = "", *uname = NULL;
        j->sum.rows++;
        if (!isnan(v)) j->sum.total += v;
        long u = place_row(j, t, r, ccode, cpar, &how, &uname);
        check_name(j, &nc, t, r, code, uname);
        if (u < 0) {
            note_unplaced(&up, t, r, code, v, how);
            continue;
        }
        ounit *o = &j->u[u];
        long g = newpos[rowg[r]];
        if (!isnan(v)) o->g[g] = isnan(o->g[g]) ? v : o->g[g] + v;
        /* An empty count is unknown, never 0 (SPEC): the unit's total, and
         * so every share of it, is missing. */
        o->pop = o->nrows ? o->pop + v : v;
        o->nrows++;
    }
    free(newpos);
    free(rowg);
    if ((rc = report_names(j, t, &nc))) return rc;
    if ((rc = make_stems(j))) return rc;
    j->keep = calloc(j->ng + 1, sizeof *j->keep);
    if (!j->keep) return oom(j);
    if (!j->o->keep) {
        for (size_t g = 0; g < j->ng; g++) j->keep[g] = (long)g != j->other;
    } else {
        const char *p = j->o->keep;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char want[128];
            snprintf(want, sizeof want, "%.*s", (int)(len < 127 ? len : 127), p);
            char *nfc = gv_name_nfc(want);
            long gi = nfc ? group_index(j, nfc) : -1;
            if (gi < 0) { /* also accept the ASCII stem ("tay") */
                for (size_t g = 0; g < j->ng; g++)
                    if (!strcasecmp(j->gfield[g], want)) gi = (long)g;
            }
            free(nfc);
            if (gi < 0)
                return gv_error_set(j->err, GV_EUSAGE, "--keep: group '%s' is not in %s", want, gv_table_path(t));
            j->keep[gi] = 1;
            if (!e) break;
            p = e + 1;
        }
    }
    return report_unplaced(j, t, &up);
}

/* ---- geometry ---- */

static GEOSGeometry *feature_geos(GEOSContextHandle_t h, const gv_layer *l, size_t f) {
    const double *xy;
    const size_t *off;
    const int *part;
    size_t nr;
    gv_layer_rings(l, f, &xy, &off, &part, &nr);
    GEOSGeometry **polys = calloc(nr + 1, sizeof *polys), **holes = calloc(nr + 1, sizeof *holes);
    size_t np = 0;
    if (!polys || !holes) {
        free(polys);
        free(holes);
        return NULL;
    }
    size_t r = 0;
    while (r < nr) {
        /* Rings of one polygon are consecutive; its first one is the shell
         * (gv_layer drops a polygon whose shell it cannot keep). */
        size_t e = r + 1;
        while (e < nr && part[e] == part[r]) e++;
        GEOSGeometry *shell = NULL;
        size_t nh = 0;
        for (size_t q = r; q < e; q++) {
            GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[q], (unsigned)(off[q + 1] - off[q]), 0, 0);
            GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
            if (!ring) continue;
            if (!shell) shell = ring;
            else holes[nh++] = ring;
        }
        if (shell) {
            GEOSGeometry *p = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
            if (p) polys[np++] = p;
        } else {
            for (size_t q = 0; q < nh; q++) GEOSGeom_destroy_r(h, holes[q]);
        }
        r = e;
    }
    free(holes);
    GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
    free(polys);
    return mp;
}

/* OGR multipolygon of one output unit: the feature itself, or the GEOS
 * union of its member features (region, nation). NULL when none. */
static OGRGeometryH unit_geometry(job *j, GEOSContextHandle_t h, const ounit *u, int *failed) {
    if (!j->poly || !u->nfeat) return NULL;
    GEOSGeometry *g;
    if (u->nfeat == 1) {
        g = feature_geos(h, j->poly, u->feat[0]);
    } else {
        GEOSGeometry **parts = calloc(u->nfeat, sizeof *parts);
        if (!parts) return NULL;
        size_t n = 0;
        for (size_t i = 0; i < u->nfeat; i++) {
            GEOSGeometry *p = feature_geos(h, j->poly, u->feat[i]);
            if (p) parts[n++] = p;
        }
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
        free(parts);
        g = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll) GEOSGeom_destroy_r(h, coll);
        if (!g) *failed = 1;
    }
    if (!g) return NULL;
    size_t len = 0;
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    unsigned char *wkb = w ? GEOSWKBWriter_write_r(h, w, g, &len) : NULL;
    OGRGeometryH og = NULL;
    if (wkb && OGR_G_CreateFromWkb(wkb, NULL, &og, (int)len) != OGRERR_NONE) og = NULL;
    if (wkb) GEOSFree_r(h, wkb);
    if (w) GEOSWKBWriter_destroy_r(h, w);
    GEOSGeom_destroy_r(h, g);
    return og ? OGR_G_ForceToMultiPolygon(og) : NULL;
}

/* ---- outputs ---- */

typedef struct col {
    char name[64];
    int is_text;
} col;

/* Value of column c for unit u: text in txt (may be "") or a number in *v
 * (NaN = empty). Returns 1 for text. */
typedef struct rowvals {
    size_t ncol;
    col *cols;
} rowvals;

static size_t build_cols(job *j, col *c) {
    size_t n = 0;
#define ADD(nm, txt) (snprintf(c[n].name, sizeof c[n].name, "%s", nm), c[n++].is_text = (txt))
    ADD("code", 1);
    ADD("name", 1);
    if (j->o->kind == GV_STATS_URBAN_RURAL) {
        ADD("population", 0);
        ADD("urban", 0);
        ADD("rural", 0);
        ADD("urban_share", 0);
        ADD("rural_share", 0);
        ADD("urban_rural_ratio", 0);
        ADD("area_km2", 0);
        ADD("density", 0);
    } else {
        ADD("population", 0);
        for (size_t g = 0; g < j->ng; g++)
            if (j->keep[g]) {
                snprintf(c[n].name, sizeof c[n].name, "share_%s", j->gfield[g]);
                c[n++].is_text = 0;
            }
        ADD("share_other", 0);
        ADD("dominant_group", 1);
        ADD("minority_share", 0);
        ADD("simpson", 0);
        ADD("shannon", 0);
        ADD("not_listed", 1);
    }
    ADD("rows", 0);
    ADD("notes", 1);
#undef ADD
    return n;
}

/* Per-unit derived values. txt buffers: caller's. */
static void unit_values(job *j, const ounit *u, const col *c, size_t nc, double *num, char **txt, size_t tl) {
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        num[i] = NAN;
        txt[i][0] = '\0';
    }
    snprintf(txt[k++], tl, "%s", u->code);
    snprintf(txt[k++], tl, "%s", u->name);
    int has = u->nrows > 0;
    if (j->o->kind == GV_STATS_URBAN_RURAL) {
        double pop = has ? u->pop : NAN, urb = has ? u->urban : NAN, rur = has ? u->rural : NAN;
        num[k++] = pop;
        num[k++] = urb;
        num[k++] = rur;
        num[k++] = gv_stats_ratio(urb, pop);
        num[k++] = gv_stats_ratio(rur, pop);
        num[k++] = gv_stats_ratio(urb, rur);
        num[k++] = u->area;
        num[k++] = gv_stats_ratio(pop, u->area);
        num[k++] = (double)u->nrows;
        if (!has) snprintf(txt[k], tl, "no data");
        else if (isnan(pop) || isnan(urb) || isnan(rur)) snprintf(txt[k], tl, "a count is missing in a row of this unit");
        k++;
        return;
    }
    if (has && isnan(u->pop)) {
        /* A row of this unit has an empty count: its total and every share
         * are unknown (never 0), so the unit is written as no data. */
        num[k] = NAN;
        k = nc - 2;
        num[k++] = (double)u->nrows;
        snprintf(txt[k], tl, "a count is missing in a row of this unit: no data");
        return;
    }
    double tot = 0;
    for (size_t g = 0; g < j->ng; g++)
        if (!isnan(u->g[g])) tot += u->g[g];
    num[k++] = has ? tot : NAN;
    double other = 0;
    size_t tl_used = 0;
    for (size_t g = 0; g < j->ng; g++) {
        if (!j->keep[g]) {
            if (!isnan(u->g[g])) other += u->g[g];
            continue;
        }
        if (has && isnan(u->g[g])) {
            /* Absent from this unit's rows: folded into Other or not
             * listed, never 0 (SPEC / issue). */
            snprintf(txt[k], tl, "%s", NOT_LISTED);
            size_t nl = strlen(txt[nc - 3]);
            if (tl_used < tl - 80)
                snprintf(txt[nc - 3] + nl, tl - nl, "%s%s", nl ? "," : "", j->gfield[g]);
            tl_used = strlen(txt[nc - 3]);
        } else {
            num[k] = has ? gv_stats_ratio(u->g[g], tot) : NAN;
        }
        k++;
    }
    num[k++] = has ? gv_stats_ratio(other, tot) : NAN;
    if (has) {
        /* Dominant group: the largest itemised group ("Other" is a lump of
         * many groups, not a group). */
        double best = -1;
        long bi = -1;
        for (size_t g = 0; g < j->ng; g++)
            if ((long)g != j->other && !isnan(u->g[g]) && u->g[g] > best) best = u->g[g], bi = (long)g;
        if (bi >= 0) snprintf(txt[k], tl, "%s", j->gname[bi]);
    }
    k++;
    if (has && j->kinh >= 0) {
        if (isnan(u->g[j->kinh])) /* Kinh folded into Other: under 0.05 %, so the minorities are above 99.95 % */
            snprintf(txt[k], tl, "over 99.95%% (Kinh %s)", NOT_LISTED);
        else
            num[k] = 1.0 - gv_stats_ratio(u->g[j->kinh], tot);
    }
    k++;
    if (has) gv_stats_diversity(u->g, j->ng, &num[k], &num[k + 1]);
    k += 2;
    k++; /* not_listed filled above */
    num[k++] = (double)u->nrows;
    if (!has) snprintf(txt[k], tl, "no data");
    else if (j->other >= 0)
        snprintf(txt[k], tl, "'%s' counted as one group: Simpson and Shannon are lower bounds", j->gname[j->other]);
    else
        snprintf(txt[k], tl, "groups absent from the table are shown as '%s'", NOT_LISTED);
}

static void fmt_num(char *b, size_t n, const char *colname, double v) {
    if (isnan(v)) {
        b[0] = '\0';
        return;
    }
    if (!strcmp(colname, "population") || !strcmp(colname, "urban") || !strcmp(colname, "rural") ||
        !strcmp(colname, "rows"))
        snprintf(b, n, "%.0f", v);
    else if (!strcmp(colname, "area_km2") || !strcmp(colname, "density"))
        snprintf(b, n, "%.3f", v);
    else
        snprintf(b, n, "%.6f", v);
}

static int tmp_path(char *buf, size_t n, const char *out, const char *ext) {
    const char *sl = strrchr(out, '/');
    int dl = sl ? (int)(sl - out + 1) : 0;
    return snprintf(buf, n, "%.*s.%s.tmp%ld%s", dl, out, sl ? sl + 1 : out, (long)getpid(), ext) >= (int)n;
}

#define TXTLEN 1024

static int write_csv(job *j, const col *c, size_t nc) {
    char tmp[4096];
    if (tmp_path(tmp, sizeof tmp, j->o->out, ""))
        return gv_error_set(j->err, GV_EOUTPUT, "%s: path too long", j->o->out);
    FILE *f = fopen(tmp, "wb");
    if (!f) return gv_error_set(j->err, GV_EOUTPUT, "%s: cannot write: %s", j->o->out, strerror(errno));
    double *num = calloc(nc, sizeof *num);
    char **txt = calloc(nc, sizeof *txt);
    int rc = num && txt ? GV_OK : GV_ENOMEM;
    for (size_t i = 0; txt && i < nc; i++)
        if (!(txt[i] = malloc(TXTLEN))) rc = GV_ENOMEM;
    if (rc == GV_OK) {
        for (size_t i = 0; i < nc; i++) fprintf(f, "%s%s", i ? "," : "", c[i].name);
        fputc('\n', f);
        for (size_t u = 0; u < j->nu; u++) {
            unit_values(j, &j->u[u], c, nc, num, txt, TXTLEN);
            for (size_t i = 0; i < nc; i++) {
                if (i) fputc(',', f);
                if (c[i].is_text || txt[i][0]) gv__csv_field(f, txt[i]);
                else {
                    char b[64];
                    fmt_num(b, sizeof b, c[i].name, num[i]);
                    fputs(b, f);
                }
            }
            fputc('\n', f);
        }
    }
    for (size_t i = 0; txt && i < nc; i++) free(txt[i]);
    free(txt);
    free(num);
    if (fclose(f) != 0 && rc == GV_OK) rc = gv_error_set(j->err, GV_EOUTPUT, "%s: write failed", j->o->out);
    if (rc == GV_ENOMEM) rc = oom(j);
    if (rc == GV_OK && rename(tmp, j->o->out) != 0)
        rc = gv_error_set(j->err, GV_EOUTPUT, "%s: cannot rename the temporary file: %s", j->o->out, strerror(errno));
    if (rc != GV_OK) unlink(tmp);
    return rc;
}

static int write_gpkg(job *j, const col *c, size_t nc) {
    char tmp[4096];
    if (tmp_path(tmp, sizeof tmp, j->o->out, ".gpkg"))
        return gv_error_set(j->err, GV_EOUTPUT, "%s: path too long", j->o->out);
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv) return gv_error_set(j->err, GV_EINTERNAL, "GDAL has no GPKG driver");
    /* Fixed timestamps in gpkg_contents: same inputs, same bytes. */
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    unlink(tmp);
    GDALDatasetH ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
    int rc = GV_OK;
    if (!ds) {
        rc = gv_error_set(j->err, GV_EOUTPUT, "%s: cannot create: %s", j->o->out, CPLGetLastErrorMsg());
        CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
        return rc;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    char lname[64];
    snprintf(lname, sizeof lname, "%s_%s", j->o->kind == GV_STATS_ETHNIC ? "ethnic" : "urban_rural", gv_level_name(j->level));
    char desc[512];
    snprintf(desc, sizeof desc, "DESCRIPTION=geovoice stats %s, level %s, boundary set %s, data %s%s",
             j->o->kind == GV_STATS_ETHNIC ? "ethnic" : "urban-rural", gv_level_name(j->level), gv_set_name(j->set),
             j->o->data,
             j->o->kind == GV_STATS_ETHNIC && j->other >= 0 ? ". 'Other' counted as one group: diversity is a lower bound" : "");
    char *lopts[] = {desc, NULL};
    OGRLayerH L = GDALDatasetCreateLayer(ds, lname, j->poly ? srs : NULL, j->poly ? wkbMultiPolygon : wkbNone, lopts);
    if (!L) rc = gv_error_set(j->err, GV_EOUTPUT, "%s: cannot create layer: %s", j->o->out, CPLGetLastErrorMsg());
    for (size_t i = 0; rc == GV_OK && i < nc; i++) {
        OGRFieldType ft = c[i].is_text ? OFTString : (!strcmp(c[i].name, "population") || !strcmp(c[i].name, "urban") ||
                                                      !strcmp(c[i].name, "rural") || !strcmp(c[i].name, "rows"))
                                                         ? OFTInteger64
                                                         : OFTReal;
        OGRFieldDefnH fd = OGR_Fld_Create(c[i].name, ft);
        if (OGR_L_CreateField(L, fd, 1) != OGRERR_NONE)
            rc = gv_error_set(j->err, GV_EOUTPUT, "%s: field %s: %s", j->o->out, c[i].name, CPLGetLastErrorMsg());
        OGR_Fld_Destroy(fd);
    }
    double *num = calloc(nc, sizeof *num);
    char **txt = calloc(nc, sizeof *txt);
    if (!num || !txt) rc = oom(j);
    for (size_t i = 0; rc == GV_OK && i < nc; i++)
        if (!(txt[i] = malloc(TXTLEN))) rc = oom(j);
    GEOSContextHandle_t h = GEOS_init_r();
    int union_failed = 0;
    if (rc == GV_OK) GDALDatasetStartTransaction(ds, 0);
    for (size_t u = 0; rc == GV_OK && u < j->nu; u++) {
        unit_values(j, &j->u[u], c, nc, num, txt, TXTLEN);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(L));
        for (size_t i = 0; i < nc; i++) {
            if (c[i].is_text) {
                if (txt[i][0]) OGR_F_SetFieldString(f, (int)i, txt[i]);
            } else if (!isnan(num[i])) {
                if (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, (int)i)) == OFTInteger64)
                    OGR_F_SetFieldInteger64(f, (int)i, (GIntBig)llround(num[i]));
                else
                    OGR_F_SetFieldDouble(f, (int)i, num[i]);
            } else {
                OGR_F_SetFieldNull(f, (int)i);
            }
        }
        OGRGeometryH g = unit_geometry(j, h, &j->u[u], &union_failed);
        if (g) OGR_F_SetGeometryDirectly(f, g);
        if (OGR_L_CreateFeature(L, f) != OGRERR_NONE)
            rc = gv_error_set(j->err, GV_EOUTPUT, "%s: feature %s: %s", j->o->out, j->u[u].code, CPLGetLastErrorMsg());
        OGR_F_Destroy(f);
    }
    if (rc == GV_OK) GDALDatasetCommitTransaction(ds);
    GEOS_finish_r(h);
    for (size_t i = 0; txt && i < nc; i++) free(txt[i]);
    free(txt);
    free(num);
    OSRDestroySpatialReference(srs);
    GDALClose(ds);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    if (union_failed) logf_(j, "warning: GEOS could not dissolve some polygons; those units have no geometry");
    if (rc == GV_OK && rename(tmp, j->o->out) != 0)
        rc = gv_error_set(j->err, GV_EOUTPUT, "%s: cannot rename the temporary file: %s", j->o->out, strerror(errno));
    if (rc != GV_OK) unlink(tmp);
    return rc;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcasecmp(s + a - b, suf);
}

static void job_free(job *j) {
    for (size_t i = 0; i < j->nu; i++) {
        free(j->u[i].code);
        free(j->u[i].name);
        free(j->u[i].g);
        free(j->u[i].feat);
    }
    free(j->u);
    free(j->idx);
    for (size_t g = 0; g < j->ng; g++) {
        free(j->gname[g]);
        if (j->gfield) free(j->gfield[g]);
    }
    free(j->gname);
    free(j->gfield);
    free(j->keep);
    gv_layer_free(j->poly);
    gv_grouping_free(j->own_groups);
    gv_set_free(j->set);
}

int gv_stats_run(const gv_stats_options *o, gv_log_fn log, void *logctx, gv_stats_summary *summary, gv_error *err) {
    if (summary) memset(summary, 0, sizeof *summary);
    if (!o || !o->data || !o->out) return gv_error_set(err, GV_EUSAGE, "stats: --data and -o are required");
    int csv = ends_with(o->out, ".csv"), gpkg = ends_with(o->out, ".gpkg");
    if (!csv && !gpkg) return gv_error_set(err, GV_EUSAGE, "stats: -o %s: the output must end in .csv or .gpkg", o->out);
    job j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.log = log;
    j.logctx = logctx;
    j.err = err;
    j.other = j.kinh = -1;
    j.level = gv_level_parse(o->level ? o->level : "province");
    if (j.level == GV_LEVEL_NONE)
        return gv_error_set(err, GV_EUSAGE, "stats: --level %s: expected province, region, nation, district or commune",
                            o->level);
    if (o->groups && j.level != GV_LEVEL_REGION)
        return gv_error_set(err, GV_EUSAGE, "stats: --groups is for --level region");
    int rc = gv_set_open(o->set ? o->set : "vn-2019", o->sets_dir, &j.set, err);
    if (rc == GV_OK) rc = gv_set_units(j.set, &j.units, err);
    if (rc == GV_OK) rc = build_units(&j);
    gv_table *t = NULL;
    gv_csv_options copt = {o->decimal, 0, o->strict};
    if (rc == GV_OK) rc = gv_table_read_csv(o->data, &copt, &t, err);
    if (rc == GV_OK) {
        for (size_t i = 0; i < gv_table_nproblems(t); i++) {
            char line[512];
            gv_table_problem_format(t, gv_table_problem_at(t, i), line, sizeof line);
            if (gv_table_problem_at(t, i)->action != GV_FIX_NOTE) logf_(&j, "%s", line);
        }
        rc = o->kind == GV_STATS_ETHNIC ? read_ethnic(&j, t) : read_urban_rural(&j, t);
    }
    if (rc == GV_OK) {
        /* Areas: geodesic, summed over member features. */
        for (size_t u = 0; u < j.nu; u++) {
            j.u[u].area = j.u[u].nfeat ? 0 : NAN;
            for (size_t i = 0; i < j.u[u].nfeat; i++) j.u[u].area += gv_layer_area_km2(j.poly, j.u[u].feat[i]);
            if (!j.u[u].nrows) j.sum.units_nodata++;
        }
        j.sum.units = j.nu;
        logf_(&j, "%s: %zu rows (%s codes), population %.0f; %zu %s units, %zu without data", o->data, j.sum.rows,
              gv_level_name(j.data_level), j.sum.total, j.nu, gv_level_name(j.level), j.sum.units_nodata);
        if (j.sum.units_nodata && j.sum.units_nodata <= MAX_LISTED)
            for (size_t u = 0; u < j.nu; u++)
                if (!j.u[u].nrows) logf_(&j, "  no data: %s %s", j.u[u].code, j.u[u].name);
        /* The published national figure: --expect-total, else the set's
         * manifest (published_population). */
        double expect = o->expect_total;
        const char *esrc = "--expect-total";
        if (!(expect > 0) && gv_set_meta(j.set, "published_population")) {
            expect = strtod(gv_set_meta(j.set, "published_population"), NULL);
            esrc = gv_set_meta(j.set, "published_population_source");
            if (!esrc) esrc = gv_set_manifest(j.set);
        }
        if (expect > 0) {
            double d = j.sum.total - expect;
            if (fabs(d) < 0.5)
                logf_(&j, "national total %.0f = published %.0f (%s)", j.sum.total, expect, esrc);
            else {
                logf_(&j, "national total %.0f differs from the published %.0f (%s) by %+.0f", j.sum.total, expect, esrc,
                      d);
                if (o->strict)
                    rc = gv_error_set(err, GV_EDATA, "%s: national total %.0f differs from the published %.0f by %+.0f",
                                      o->data, j.sum.total, expect, d);
            }
        }
        if (o->kind == GV_STATS_URBAN_RURAL) {
            /* SPEC: a zero denominator makes that indicator missing,
             * reported per unit. */
            size_t nz = 0, np0 = 0;
            char list[600] = "";
            for (size_t u = 0; u < j.nu; u++) {
                const ounit *x = &j.u[u];
                if (!x->nrows) continue;
                int zr = x->rural == 0, zp = x->pop == 0;
                if (!zr && !zp) continue;
                nz += zr;
                np0 += zp;
                size_t l = strlen(list);
                if (nz + np0 <= MAX_LISTED)
                    snprintf(list + l, sizeof list - l, "%s%s%s", l ? ", " : "", x->code, zp ? " (population 0)" : "");
            }
            if (nz || np0)
                logf_(&j, "%zu units with rural = 0 (urban_rural_ratio missing), %zu with population 0 (shares and "
                          "density missing): %s%s",
                      nz, np0, list, nz + np0 > MAX_LISTED ? ", ..." : "");
        }
        if (j.level == GV_LEVEL_REGION && o->kind == GV_STATS_URBAN_RURAL) {
            double s = 0;
            for (size_t u = 0; u < j.nu; u++)
                if (j.u[u].nrows && !isnan(j.u[u].pop)) s += j.u[u].pop;
            size_t nempty = 0;
            for (size_t u = 0; u < j.nu; u++) nempty += j.u[u].nrows && isnan(j.u[u].pop);
            char why[200];
            snprintf(why, sizeof why, "%s%s%s", j.sum.rows_unplaced ? "rows in no group are listed above" : "",
                     j.sum.rows_unplaced && nempty ? "; " : "", nempty ? "" : "");
            if (nempty) {
                size_t l = strlen(why);
                snprintf(why + l, sizeof why - l, "%zu regions left empty by an empty count, rows named above", nempty);
            }
            logf_(&j, "regions sum to %.0f of %.0f (%s)", s, j.sum.total, fabs(s - j.sum.total) < 0.5 ? "all rows carried" : why);
        }
        if (o->kind == GV_STATS_ETHNIC && j.other >= 0)
            logf_(&j, "note: '%s' is counted as one group, so Simpson and Shannon are lower bounds; groups absent from a "
                      "unit are '%s', never 0",
                  j.gname[j.other], NOT_LISTED);
    }
    if (rc == GV_OK) {
        col *c = calloc(j.ng + 24, sizeof *c);
        if (!c) rc = oom(&j);
        else {
            size_t nc = build_cols(&j, c);
            rc = csv ? write_csv(&j, c, nc) : write_gpkg(&j, c, nc);
            free(c);
        }
        if (rc == GV_OK) logf_(&j, "wrote %s (%zu units)", o->out, j.nu);
    }
    if (summary) *summary = j.sum;
    gv_table_free(t);
    job_free(&j);
    return rc;
}
