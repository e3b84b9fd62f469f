/* crosswalk_job.c: `geovoice crosswalk` as one library call (xwjob.h).
 * Resolves sets and levels, reads the tables and layers, computes the
 * overlaps when a way needs them, carries (shapes/crosswalk.c), logs the
 * account of every row and writes the outputs. */
#include "geovoice/xwjob.h"

#include "jobutil.h"

#include "geovoice/crosswalk.h"
#include "geovoice/layer.h"
#include "geovoice/sets.h"
#include "geovoice/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gv_xwalk_job_init(gv_xwalk_job *j) { memset(j, 0, sizeof *j); }

#define logf_ gv__job_logf
static double now_s(void) { return gv__job_now_ms() / 1e3; }

/* First of the candidate column names present in t, NULL when none. */
static const char *first_col(const gv_table *t, const char *const *names) {
    for (; *names; names++)
        if (gv_table_col_index(t, *names) >= 0) return *names;
    return NULL;
}

/* Where the polygons of one side come from. */
typedef struct side {
    const char *source, *layer, *code, *name, *parent;
} side;

static int side_of_set(const gv_set *s, gv_level lv, side *out) {
    const gv_set_layer *L = s ? gv_set_level(s, lv) : NULL;
    if (!L || !L->source) return 0;
    out->source = L->source;
    out->layer = L->layer;
    out->code = L->code_field;
    out->name = L->name_field;
    out->parent = L->parent_field;
    return 1;
}

typedef struct names_ctx {
    const gv_units *units;
} names_ctx;

static const char *province_name(void *ctx, const char *code) {
    names_ctx *n = ctx;
    const gv_unit *u = n->units ? gv_units_find(n->units, GV_LEVEL_PROVINCE, code) : NULL;
    return u ? u->name : NULL;
}

static void log_way_sums(const gv_xw_result *r, gv_log_fn log, void *ctx) {
    for (int w = 1; w < GV_XW_NWAYS; w++)
        if (gv_xw_rows_by_way(r, (gv_xw_way)w))
            logf_(log, ctx, "  %-14s %6zu rows, %s %.0f%s", gv_xw_way_name((gv_xw_way)w),
                  gv_xw_rows_by_way(r, (gv_xw_way)w), gv_xw_value_name(r, 0),
                  gv_xw_value_by_way(r, (gv_xw_way)w, 0),
                  w == GV_XW_PAIR ? " (exact)" : " (estimated)");
    logf_(log, ctx, "  %-14s %6zu rows, %s %.0f", "not carried", gv_xw_rows_by_way(r, GV_XW_NONE),
          gv_xw_value_name(r, 0), gv_xw_value_by_way(r, GV_XW_NONE, 0));
}

int gv_xwalk_job_run(const gv_xwalk_job *j, gv_log_fn log, void *lc, gv_error *err) {
    if (!j || !j->data || !j->output) return gv_error_set(err, GV_EUSAGE, "crosswalk: TABLE.csv and -o OUT.csv are required");
    if (!j->from_set && !j->from_shapes && !j->pairs)
        return gv_error_set(err, GV_EUSAGE, "crosswalk: --from SET (or --from-shapes SRC, or --pairs FILE) is required");
    if (!j->to_set && !j->to_shapes) return gv_error_set(err, GV_EUSAGE, "crosswalk: --to SET or --to-shapes SRC is required");
    int rc = GV_OK;
    double t0 = now_s();
    gv_set *sf = NULL, *st = NULL;
    gv_table *data = NULL, *pairs = NULL, *hist = NULL, *cmp = NULL;
    gv_layer *lfrom = NULL, *lto = NULL;
    gv_overlaps *ov = NULL;
    gv_xw_result *res = NULL, *res2 = NULL;
    gv_xw_diff *diffs = NULL;
    size_t ndiffs = 0;
    char *vals_buf = NULL;
    const char **vcols = NULL;
    gv_csv_options copt = {0};
    copt.decimal = j->decimal;

    if (j->from_set && (rc = gv_set_open(j->from_set, j->sets_dir, &sf, err)) != GV_OK) goto done;
    if (j->to_set && (rc = gv_set_open(j->to_set, j->sets_dir, &st, err)) != GV_OK) goto done;
    if ((rc = gv_table_read_csv(j->data, &copt, &data, err)) != GV_OK) goto done;
    for (size_t p = 0; p < gv_table_nproblems(data); p++) {
        char line[512];
        gv_table_problem_format(data, gv_table_problem_at(data, p), line, sizeof line);
        logf_(log, lc, "%s", line);
    }

    /* Columns of the table. */
    static const char *const CODE_COLS[] = {"code", "gso_code", "ma", NULL};
    static const char *const PARENT_COLS[] = {"district_code", "parent_code", NULL};
    static const char *const VALUE_COLS[] = {"population_total", "population_urban", "population_rural", "population",
                                             "urban", "rural", "male", "female", "households", NULL};
    const char *code_col = j->code_col ? j->code_col : first_col(data, CODE_COLS);
    if (!code_col) {
        rc = gv_error_set(err, GV_EUSAGE, "%s: no code column (code, gso_code, ma); name it with --code", j->data);
        goto done;
    }
    if (gv_table_col_index(data, code_col) < 0) {
        rc = gv_error_set(err, GV_EUSAGE, "%s: no column '%s'", j->data, code_col);
        goto done;
    }
    size_t nv = 0;
    if (j->values) {
        vals_buf = strdup(j->values);
        vcols = calloc(strlen(j->values) + 1, sizeof *vcols);
        if (!vals_buf || !vcols) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        char *save = NULL;
        for (char *tok = strtok_r(vals_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) vcols[nv++] = tok;
    } else {
        vcols = calloc(sizeof VALUE_COLS / sizeof VALUE_COLS[0], sizeof *vcols);
        if (!vcols) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        for (size_t k = 0; VALUE_COLS[k]; k++)
            if (gv_table_col_index(data, VALUE_COLS[k]) >= 0) vcols[nv++] = VALUE_COLS[k];
    }
    if (!nv) {
        rc = gv_error_set(err, GV_EUSAGE, "%s: no count column to carry (population_total, population, urban, ...); "
                          "name them with --value", j->data);
        goto done;
    }

    /* Level of the table's units. */
    gv_level lv = GV_LEVEL_NONE;
    if (j->level) {
        lv = gv_level_parse(j->level);
        if (lv != GV_LEVEL_PROVINCE && lv != GV_LEVEL_DISTRICT && lv != GV_LEVEL_COMMUNE) {
            rc = gv_error_set(err, GV_EUSAGE, "--level '%s': expected province, district or commune", j->level);
            goto done;
        }
    } else {
        int w = gv_table_col_code_width(data, (size_t)gv_table_col_index(data, code_col));
        lv = w == 2 ? GV_LEVEL_PROVINCE : w == 3 ? GV_LEVEL_DISTRICT : w == 5 ? GV_LEVEL_COMMUNE : GV_LEVEL_NONE;
        if (lv == GV_LEVEL_NONE) {
            rc = gv_error_set(err, GV_EUSAGE, "%s: cannot tell the level of column '%s' from its codes; give --level",
                              j->data, code_col);
            goto done;
        }
    }
    /* The same unit twice would be carried twice. */
    {
        size_t ra, rb;
        int w = lv == GV_LEVEL_PROVINCE ? 2 : lv == GV_LEVEL_DISTRICT ? 3 : 5;
        int dup = gv_table_find_duplicate(data, (size_t)gv_table_col_index(data, code_col), w, -1, &ra, &rb);
        if (dup < 0) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        if (dup) {
            rc = gv_error_set(err, GV_EDATA, "%s: rows %zu and %zu (lines %zu and %zu), column '%s': code '%s' given twice",
                              j->data, ra + 1, rb + 1, gv_table_row_line(data, ra), gv_table_row_line(data, rb), code_col,
                              gv_table_cell(data, rb, (size_t)gv_table_col_index(data, code_col)));
            goto done;
        }
    }
    /* SPEC "Words": a code belongs to a boundary set. When the table names
     * its units, each name must fit the --from set's unit of that code: a
     * 2025 table given as 2019 shows here (code 15 is Yên Bái in 2019). */
    if (sf) {
        static const char *const NAME_COLS[] = {"name", "ten", "tên", "unit_name", NULL};
        const char *ncol = first_col(data, NAME_COLS);
        const gv_units *fu = NULL;
        if (ncol && gv_set_units(sf, &fu, NULL) == GV_OK && fu) {
            size_t cn = (size_t)gv_table_col_index(data, ncol), cc = (size_t)gv_table_col_index(data, code_col);
            size_t nbad = 0, nknown = 0;
            for (size_t r = 0; r < gv_table_nrows(data); r++) {
                const gv_unit *x = gv_units_find(fu, lv, gv_table_cell(data, r, cc));
                const char *tn = gv_table_cell(data, r, cn);
                if (!x || !*tn) continue;
                nknown++;
                if (gv__names_fit(tn, x->name)) continue;
                if (nbad < 10)
                    logf_(log, lc, "  name: %s row %zu (line %zu) code '%s': '%s' in the table but '%s' in %s", j->data, r + 1,
                          gv_table_row_line(data, r), gv_table_cell(data, r, cc), tn, x->name, gv_set_name(sf));
                nbad++;
            }
            if (nbad)
                logf_(log, lc, "%s: %zu of %zu rows name another unit than their code's in '%s' (a table of another "
                      "boundary set? renamed units?)%s", j->data, nbad, nknown, gv_set_name(sf), nbad > 10 ? "; first 10 above" : "");
        }
    }
    gv_xw_method method;
    if (j->method) {
        if ((rc = gv_xw_method_parse(j->method, &method, err)) != GV_OK) goto done;
    } else {
        method = lv == GV_LEVEL_COMMUNE ? GV_XW_COMBINED
                 : lv == GV_LEVEL_PROVINCE && j->pairs ? GV_XW_TABLE : GV_XW_AREAL;
    }
    /* Pairs and history declared by the target set's manifest for this
     * source set, unless given. */
    const char *pairs_file = j->pairs, *pairs_old = j->pairs_old, *pairs_new = j->pairs_new, *pairs_sep = j->pairs_sep;
    const char *history_file = j->history;
    if (st && sf) {
        const gv_set_crosswalk *x = gv_set_crosswalk_for(st, gv_set_name(sf), lv);
        if (x && !pairs_file) {
            pairs_file = x->file;
            if (!pairs_old) pairs_old = x->old_col;
            if (!pairs_new) pairs_new = x->new_col;
            if (!pairs_sep) pairs_sep = x->separator;
        }
        if (!history_file) history_file = gv_set_history_for(st, gv_set_name(sf));
    }
    if (!j->method && pairs_file && lv == GV_LEVEL_PROVINCE) method = GV_XW_TABLE;
    if (method != GV_XW_AREAL && !pairs_file) {
        rc = gv_error_set(err, GV_EUSAGE, "crosswalk: method %s needs --pairs FILE (the crosswalk table)",
                          method == GV_XW_TABLE ? "table" : "combined");
        goto done;
    }

    /* Targets: the new set's level of the same name when it has polygons
     * (provinces), else its communes. */
    side to = {0};
    gv_level tlv = lv == GV_LEVEL_PROVINCE ? GV_LEVEL_PROVINCE : GV_LEVEL_COMMUNE;
    if (st && !side_of_set(st, tlv, &to)) {
        rc = gv_error_set(err, GV_EUSAGE, "set %s has no %s polygons", gv_set_name(st), gv_level_name(tlv));
        goto done;
    }
    if (j->to_shapes) {
        to.source = j->to_shapes;
        to.layer = j->to_layer;
    }
    if (j->to_code) to.code = j->to_code;
    if (j->to_name) to.name = j->to_name;
    if (j->to_parent) to.parent = j->to_parent;
    if (!to.code) to.code = "code";
    if ((rc = gv_layer_open(to.source, to.layer, NULL, &lto, err)) != GV_OK) goto done;
    if (!to.name && gv_layer_field_index(lto, "name") >= 0) to.name = "name";
    logf_(log, lc, "to: %s, layer '%s': %zu units", to.source, gv_layer_name(lto), gv_layer_count(lto));

    /* Old polygons: the table's own level for areal, the parent level
     * (district) for combined. */
    int need_areal = method != GV_XW_TABLE || j->compare;
    side from = {0};
    gv_level flv = lv == GV_LEVEL_COMMUNE ? GV_LEVEL_DISTRICT : lv;
    if (need_areal) {
        if (sf && !side_of_set(sf, flv, &from)) {
            rc = gv_error_set(err, GV_EUSAGE, "set %s has no %s polygons", gv_set_name(sf), gv_level_name(flv));
            goto done;
        }
        if (j->from_shapes) {
            from.source = j->from_shapes;
            from.layer = j->from_layer;
        }
        if (j->from_code) from.code = j->from_code;
        if (!from.code) from.code = "code";
        if (!from.source) {
            rc = gv_error_set(err, GV_EUSAGE, "crosswalk: areal interpolation needs the old polygons (--from SET or --from-shapes)");
            goto done;
        }
        if ((rc = gv_layer_open(from.source, from.layer, NULL, &lfrom, err)) != GV_OK) goto done;
        logf_(log, lc, "from: %s, layer '%s': %zu units", from.source, gv_layer_name(lfrom), gv_layer_count(lfrom));
        double ta = now_s();
        if ((rc = gv_overlaps_compute(lfrom, lto, j->threads, &ov, err)) != GV_OK) goto done;
        logf_(log, lc, "overlaps (GEOS, equal-area %s): %zu candidate pairs from the STRtree, %zu overlapping, %.2f s",
              GV_XW_CRS, gv_overlaps_ncandidates(ov), gv_overlaps_npairs(ov), now_s() - ta);
    }

    gv_xw_options o;
    gv_xw_options_init(&o);
    o.method = method;
    o.data = data;
    o.code_col = code_col;
    o.value_cols = vcols;
    o.nvalues = nv;
    o.to = lto;
    o.to_code_field = to.code;
    o.to_name_field = to.name;
    o.to_parent_field = to.parent;
    o.from = lfrom;
    o.from_code_field = from.code;
    o.overlaps = ov;
    if (method == GV_XW_COMBINED) {
        o.parent_col = j->parent_col ? j->parent_col : first_col(data, PARENT_COLS);
        if (!o.parent_col)
            logf_(log, lc, "%s: no parent code column (district_code, parent_code): rows without pair are not carried",
                  j->data);
    }
    if (pairs_file) {
        if ((rc = gv_table_read_csv(pairs_file, NULL, &pairs, err)) != GV_OK) goto done;
        o.pairs = pairs;
        o.pairs_old_col = pairs_old;
        o.pairs_new_col = pairs_new;
        o.pairs_list_sep = pairs_sep;
        /* Known layouts: pair rows (old_commune_code,new_commune_code), or
         * one row per new unit listing its constituents. */
        for (size_t c = 0; c < gv_table_ncols(pairs) && (!o.pairs_old_col || !o.pairs_new_col); c++) {
            const char *n = gv_table_colname(pairs, c);
            size_t ln = strlen(n);
            int coded = ln > 5 && !strcmp(n + ln - 5, "_code");
            if (!o.pairs_old_col && !strncmp(n, "old_", 4) && coded) o.pairs_old_col = n;
            if (!o.pairs_new_col && !strncmp(n, "new_", 4) && coded) o.pairs_new_col = n;
            if (!o.pairs_old_col && !strncmp(n, "constituent_codes", 17)) {
                o.pairs_old_col = n;
                if (!o.pairs_list_sep) o.pairs_list_sep = ";";
                if (!o.pairs_new_col && gv_table_col_index(pairs, "code") >= 0) o.pairs_new_col = "code";
            }
        }
        if (!o.pairs_old_col || !o.pairs_new_col) {
            rc = gv_error_set(err, GV_EUSAGE, "%s: cannot tell the old and new code columns; give --pairs-old and --pairs-new",
                              pairs_file);
            goto done;
        }
        logf_(log, lc, "pairs: %s (%s -> %s%s%s): %zu rows", pairs_file, o.pairs_old_col, o.pairs_new_col,
              o.pairs_list_sep ? ", lists split at " : "", o.pairs_list_sep ? o.pairs_list_sep : "",
              gv_table_nrows(pairs));
    }
    if (history_file && need_areal) {
        if ((rc = gv_table_read_csv(history_file, NULL, &hist, err)) != GV_OK) goto done;
        o.history = hist;
        o.from_level = gv_level_name(flv);
        o.child_level = gv_level_name((gv_level)(flv + 1));
    }

    logf_(log, lc, "crosswalk %s -> %s, %s level, method %s: %s, %zu rows, values %s%s", j->from_set ? j->from_set : "old",
          j->to_set ? j->to_set : "new", gv_level_name(lv), j->method ? j->method : (method == GV_XW_COMBINED ? "combined" : method == GV_XW_TABLE ? "table" : "areal"),
          j->data, gv_table_nrows(data), vcols[0], nv > 1 ? ", ..." : "");
    if ((rc = gv_xw_run(&o, &res, err)) != GV_OK) goto done;
    log_way_sums(res, log, lc);
    for (size_t v = 0; v < nv; v++) {
        double in = gv_xw_total_in(res, v), out = gv_xw_total_out(res, v), un = gv_xw_total_uncarried(res, v);
        double inc = gv_xw_total_incomplete(res, v);
        size_t ninc = gv_xw_targets_incomplete(res, v);
        if (ninc)
            logf_(log, lc, "total %s: before %.0f, after %.2f, not carried %.0f, in %zu units left empty because a row "
                  "reaching them has no %s: %.0f (difference %.2g)", vcols[v], in, out, un, ninc, vcols[v], inc,
                  in - out - un - inc);
        else
            logf_(log, lc, "total %s: before %.0f, after %.2f, not carried %.0f (before - after - not carried = %.2g)",
                  vcols[v], in, out, un, in - out - un);
    }
    /* Units that received nothing: no data, never 0 (e.g. Hoàng Sa). */
    size_t nempty = 0;
    char elist[512] = "";
    for (size_t t = 0; t < gv_xw_ntargets(res); t++) {
        if (gv_xw_target_ways(res, t)) continue;
        if (nempty < 5) {
            size_t used = strlen(elist);
            snprintf(elist + used, sizeof elist - used, "%s%s %s", nempty ? ", " : "", gv_xw_target_code(res, t),
                     gv_xw_target_name(res, t));
        }
        nempty++;
    }
    if (nempty)
        logf_(log, lc, "%zu of %zu units received nothing (written empty: no data): %s%s", nempty, gv_xw_ntargets(res),
              elist, nempty > 5 ? ", ..." : "");
    size_t nun = gv_xw_rows_by_way(res, GV_XW_NONE), shown = 0;
    for (size_t row = 0; row < gv_table_nrows(data) && shown < 10; row++) {
        if (gv_xw_row_way(res, row) != GV_XW_NONE) continue;
        double v0;
        gv_table_number(data, row, (size_t)gv_table_col_index(data, vcols[0]), &v0, NULL);
        logf_(log, lc, "  not carried: %s row %zu (line %zu) code '%s': %s %.0f: %s", j->data, row + 1,
              gv_table_row_line(data, row), gv_table_cell(data, row, (size_t)gv_table_col_index(data, code_col)),
              vcols[0], v0, gv_xw_row_reason(res, row));
        shown++;
    }
    if (nun > shown)
        logf_(log, lc, "  ... %zu more rows not carried%s", nun - shown,
              j->uncarried_report || j->rows_report ? " (all in the row report)" : " (--uncarried FILE lists them all)");

    if (j->compare) {
        if ((rc = gv_table_read_csv(j->compare, &copt, &cmp, err)) != GV_OK) goto done;
        gv_xw_options o2 = o;
        o2.method = GV_XW_AREAL;
        o2.data = cmp;
        o2.code_col = j->compare_code ? j->compare_code : first_col(cmp, CODE_COLS);
        const char *cv = j->compare_value ? j->compare_value : vcols[0];
        o2.value_cols = &cv;
        o2.nvalues = 1;
        o2.pairs = NULL;
        o2.parent_col = NULL;
        if (!o2.code_col) {
            rc = gv_error_set(err, GV_EUSAGE, "%s: no code column; give --compare-code", j->compare);
            goto done;
        }
        logf_(log, lc, "second estimate: %s (%s) by areal interpolation of its units", j->compare, o2.code_col);
        if ((rc = gv_xw_run(&o2, &res2, err)) != GV_OK) goto done;
        log_way_sums(res2, log, lc);
        logf_(log, lc, "total %s: before %.0f, after %.2f, not carried %.0f", cv, gv_xw_total_in(res2, 0),
              gv_xw_total_out(res2, 0), gv_xw_total_uncarried(res2, 0));
        const gv_units *tu = NULL;
        if (st) gv_set_units(st, &tu, NULL);
        names_ctx nc = {tu};
        if ((rc = gv_xw_compare(res, res2, province_name, &nc, &diffs, &ndiffs, err)) != GV_OK) goto done;
        for (int lvl = 1; lvl >= 0; lvl--) {
            int k = 0;
            logf_(log, lc, "largest differences per %s (this table - areal of %s):", lvl ? "parent" : "unit", j->compare);
            for (size_t i = 0; i < ndiffs && k < 5; i++) {
                if (diffs[i].level != lvl) continue;
                logf_(log, lc, "  %s %s: %.0f vs %.0f (%+.0f, %+.1f%%)", diffs[i].code, diffs[i].name, diffs[i].a,
                      diffs[i].b, -diffs[i].diff, isfinite(diffs[i].rel) ? -100 * diffs[i].diff / diffs[i].b : NAN);
                k++;
            }
        }
        if (j->compare_out &&
            (rc = gv_xw_diffs_write(diffs, ndiffs, "crosswalk", "areal", j->compare_out, err)) != GV_OK)
            goto done;
    }

    if ((rc = gv_xw_write_csv(res, j->output, err)) != GV_OK) goto done;
    if (j->rows_report && (rc = gv_xw_write_rows(res, 0, j->rows_report, err)) != GV_OK) goto done;
    if (j->uncarried_report && (rc = gv_xw_write_rows(res, 1, j->uncarried_report, err)) != GV_OK) goto done;
    logf_(log, lc, "wrote %s (%zu units), %.2f s", j->output, gv_xw_ntargets(res), now_s() - t0);

done:
    free(diffs);
    gv_xw_free(res);
    gv_xw_free(res2);
    gv_overlaps_free(ov);
    gv_layer_free(lfrom);
    gv_layer_free(lto);
    gv_table_free(data);
    gv_table_free(pairs);
    gv_table_free(hist);
    gv_table_free(cmp);
    gv_set_free(sf);
    gv_set_free(st);
    free(vals_buf);
    free(vcols);
    return rc;
}
