/* map_job.c: `geovoice map` as a library call (see include/geovoice/mapjob.h).
 * Stages: boundaries (OGR) → table (CSV) → join → value expression →
 * classification → palette → render → reports. Each stage is timed for
 * the run report. */
#include "geovoice/mapjob.h"

#include "jobutil.h"
#include "map_job_carto.h"
#include "map_job_modes.h"

#include "geovoice/classify.h"
#include "geovoice/encoding.h"
#include "geovoice/expr.h"
#include "geovoice/format.h"
#include "geovoice/join.h"
#include "geovoice/layer.h"
#include "geovoice/palette.h"
#include "geovoice/render.h"
#include "geovoice/table.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void gv_map_options_init(gv_map_options *o) {
    memset(o, 0, sizeof *o);
    o->decimals = -1;
}

#define now_ms gv__job_now_ms
#define logf_ gv__job_logf

/* Splits "a=b" into two strings (malloc'd); "a" gives a, a. */
static int split_pair(const char *s, char **a, char **b) {
    const char *eq = strchr(s, '=');
    if (!eq) {
        *a = strdup(s);
        *b = strdup(s);
    } else {
        *a = strndup(s, (size_t)(eq - s));
        *b = strdup(eq + 1);
    }
    return *a && *b && **a && **b ? 0 : -1;
}

static char *hex(unsigned c, char *buf) {
    snprintf(buf, 8, "#%06x", c & 0xffffff);
    return buf;
}

#define write_json gv__job_json_write

static void release_rings(void *layer) { gv_layer_release_rings(layer); }

/* A cell `geovoice opinions aggregate` wrote for a count below k: drawn as
 * "suppressed", never read as a number. */
static int is_suppressed(const gv_table *T, size_t r, size_t c) {
    return !strcasecmp(gv_table_cell(T, r, c), "suppressed");
}

/* Evaluates E (the text of option `opt`) for every unit: its variables
 * are table columns summed over the unit's joined rows (or the first /
 * the mean, per --allow-duplicates) or built-ins (@area_km2). A missing
 * cell or a zero denominator gives NaN (an error with --strict). Every
 * cell of a used column must be a number or empty, joined or not. */
int gv__map_eval(const gv__value_src *vs, const gv_expr *E, const char *opt, const char *text, double *values,
                 gv_expr_status *status, double **var_sum_out, size_t *n_missing, gv_error *err) {
    const gv_map_options *o = vs->o;
    gv_layer *L = vs->L;
    const gv_table *T = vs->T;
    const gv_join *J = vs->J;
    gv_dup_policy dup = vs->dup;
    size_t nf = gv_layer_count(L), nr = T ? gv_table_nrows(T) : 0;
    size_t nv = gv_expr_nvars(E);
    int rc = GV_OK;
    int *var_col = malloc((nv ? nv : 1) * sizeof(int));
    double *vars = malloc((nv ? nv : 1) * sizeof(double));
    double *var_sum = calloc(nv ? nv : 1, sizeof(double)); /* over units with a value: --center national */
    if (!var_col || !vars || !var_sum) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    for (size_t k = 0; k < nv; k++) {
        const char *name = gv_expr_var(E, k);
        if (name[0] == '@') {
            if (strcmp(name, "@area_km2") != 0) {
                rc = gv_error_set(err, GV_EUSAGE, "%s: unknown built-in attribute '%s' (known: @area_km2)", opt, name);
                goto done;
            }
            var_col[k] = -1;
            continue;
        }
        int c = T ? gv_table_col_index(T, name) : -1;
        if (c < 0) {
            char list[600] = "";
            for (size_t q = 0; T && q < gv_table_ncols(T); q++) {
                if (strlen(list) + strlen(gv_table_colname(T, q)) + 4 >= sizeof list) break;
                if (q) strcat(list, ", ");
                strcat(list, gv_table_colname(T, q));
            }
            rc = gv_error_set(err, GV_EUSAGE, "%s: %s uses column '%s', which the table does not have (columns: %s)",
                              o->data ? o->data : "(no table)", opt, name, list);
            goto done;
        }
        var_col[k] = c;
        for (size_t r = 0; r < nr; r++) {
            double d;
            if (is_suppressed(T, r, (size_t)c)) continue; /* opinions aggregate's small cells */
            if ((rc = gv_table_number(T, r, (size_t)c, &d, err))) goto done;
        }
    }
    *n_missing = 0;
    for (size_t i = 0; i < nf; i++) {
        size_t nrow = (J ? gv_join_unit_nrows(J, i) : 0);
        const size_t *rows = J ? gv_join_unit_rows(J, i) : NULL;
        for (size_t k = 0; k < nv; k++) {
            if (var_col[k] < 0) { vars[k] = gv_layer_area_km2(L, i); continue; }
            if (nrow == 0) { vars[k] = NAN; continue; }
            for (size_t q = 0; q < nrow && vs->supp; q++)
                if (is_suppressed(T, rows[q], (size_t)var_col[k])) vs->supp[i] = 1;
            vars[k] = gv__rows_combine(T, rows, nrow, (size_t)var_col[k], dup);
        }
        gv_expr_eval(E, vars, &values[i], &status[i]);
        if (vs->supp && vs->supp[i]) {
            values[i] = NAN;
            continue;
        }
        for (size_t k = 0; k < nv && isfinite(values[i]); k++) var_sum[k] += vars[k];
        if (!isfinite(values[i])) {
            values[i] = NAN;
            (*n_missing)++;
            if (o->strict && nrow > 0) {
                const char *empty = NULL;
                for (size_t k = 0; k < nv && !empty; k++)
                    if (var_col[k] >= 0 && isnan(vars[k])) empty = gv_table_colname(T, (size_t)var_col[k]);
                char col[300] = "";
                if (empty) snprintf(col, sizeof col, ", column '%s' is empty", empty);
                rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu)%s: value '%s' for unit '%s' is missing (%s) (--strict)",
                                  o->data, rows[0] + 1, gv_table_row_line(T, rows[0]), col, text,
                                  gv_layer_value(L, i, (size_t)gv_layer_field_index(L, vs->ufield)),
                                  gv_expr_status_str(status[i]));
                goto done;
            }
        }
    }
done:
    free(var_col);
    free(vars);
    if (rc == GV_OK && var_sum_out) *var_sum_out = var_sum;
    else free(var_sum);
    return rc;
}

int gv_map_run(const gv_map_options *o, gv_log_fn log, void *logctx, gv_error *err) {
    if (!o->shapes) return gv_error_set(err, GV_EUSAGE, "--shapes is required");
    if (o->data && !o->join) return gv_error_set(err, GV_EUSAGE, "--join is required with --data (e.g. --join code=gso_code)");
    int mode = gv__map_mode(o, err); /* categorical, dots, diverging: job/map_job_modes.c */
    if (mode < 0) return mode;
    if (!o->value && mode != GV__MODE_DOTS && mode != GV__MODE_MULTIPLES)
        return gv_error_set(err, GV_EUSAGE, "--value is required (a column or an expression)");
    if (o->value && mode == GV__MODE_MULTIPLES)
        return gv_error_set(err, GV_EUSAGE, "--mode multiples takes its values from --panel EXPR[=Title], not --value");
    if (!o->out) return gv_error_set(err, GV_EUSAGE, "-o OUT.png|OUT.pdf|OUT.svg is required");

    int rc = GV_OK;
    gv_layer *L = NULL;
    gv_table *T = NULL;
    gv_join *J = NULL;
    gv_expr *E = NULL;
    double *values = NULL, *var_sum = NULL;
    unsigned char *supp = NULL; /* per feature: a joined cell reads "suppressed" */
    gv_expr_status *status = NULL;
    char *ufield = NULL, *tcol = NULL, *upar = NULL, *tpar = NULL;
    json_object *rep = NULL;
    gv_render_info info;
    memset(&info, 0, sizeof info);
    gv__carto_job cj;
    memset(&cj, 0, sizeof cj);
    double t_start = now_ms(), t;

    /* Options that can be checked before any reading. */
    gv_format fmt;
    if ((rc = gv_format_from_path(o->out, &fmt, err))) return rc;
    gv_classify_spec cspec;
    if ((rc = gv_classify_parse(o->classify ? o->classify : "quantile:5", &cspec, err))) return rc;
    gv_locale loc = GV_LOCALE_VI;
    if (o->locale && (rc = gv_locale_parse(o->locale, &loc, err))) return rc;
    gv_page page;
    if ((rc = gv_page_parse(o->size ? o->size : "a4", o->landscape, &page, err))) return rc;
    const char *palette = o->palette ? o->palette : gv__map_mode_palette(mode);
    if (mode == GV__MODE_BIVARIATE) {
        unsigned tmpc[9];
        if ((rc = gv_bivariate_palette(palette, tmpc, err))) return rc;
    } else if (!gv_palette_kind(palette)) {
        unsigned tmpc[3];
        return gv_palette_colors(palette, 3, 0, tmpc, err);
    }
    gv_dup_policy dup = GV_DUP_ERROR;
    if (o->allow_duplicates && (rc = gv_dup_policy_parse(o->allow_duplicates, &dup, err))) return rc;
    if (o->join && split_pair(o->join, &ufield, &tcol)) {
        rc = gv_error_set(err, GV_EUSAGE, "--join '%s': expected FIELD=COLUMN (boundary field = table column)", o->join);
        goto done;
    }
    if (o->join_parent && split_pair(o->join_parent, &upar, &tpar)) {
        rc = gv_error_set(err, GV_EUSAGE, "--join-parent '%s': expected FIELD=COLUMN", o->join_parent);
        goto done;
    }
    if (mode < GV__MODE_CATEGORICAL && o->value && (rc = gv_expr_parse(o->value, &E, err))) goto done;
    if (!o->data && E) {
        /* Without a table the value may use only built-in attributes. */
        for (size_t k = 0; k < gv_expr_nvars(E); k++)
            if (gv_expr_var(E, k)[0] != '@') {
                rc = gv_error_set(err, GV_EUSAGE, "--value uses column '%s' but no --data table is given", gv_expr_var(E, k));
                goto done;
            }
    }
    if (o->dpi < 0 || o->dpi > 2400) {
        rc = gv_error_set(err, GV_EUSAGE, "--dpi %g: expected 1–2400", o->dpi);
        goto done;
    }

    rep = json_object_new_object();
    /* Owned by rep from the start, so every error path frees them. */
    json_object *timing = json_object_new_object();
    json_object *units = json_object_new_array();
    json_object_object_add(rep, "timing", timing);
    json_object_object_add(rep, "units", units);

    /* Boundaries. */
    t = now_ms();
    {
        gv_layer_options lo;
        gv_layer_options_init(&lo);
        if (o->encoding &&
            (rc = gv_encoding_parse_flags(o->encoding, &lo.encoding, &lo.encoding_flags, err)) != GV_OK) {
            gv_error_prefix(err, "--encoding: ");
            goto done;
        }
        if ((rc = gv_layer_open_ex(o->shapes, o->layer, o->where, &lo, &L, err))) goto done;
    }
    json_object_object_add(timing, "read_boundaries_ms", json_object_new_double(now_ms() - t));
    if (gv_layer_count(L) == 0) {
        rc = gv_error_set(err, GV_EDATA, "%s: layer '%s' has no features%s%s", o->shapes, gv_layer_name(L),
                          o->where ? " matching --where " : "", o->where ? o->where : "");
        goto done;
    }
    logf_(log, logctx, "boundaries: %s, layer '%s': %zu features, %zu vertices", o->shapes, gv_layer_name(L),
          gv_layer_count(L), gv_layer_nvertices(L));
    {
        /* Extent warnings (no CRS: EPSG:4326 assumed; outside Vietnam) and
         * geometry repairs, said, never silent (geovoice check lists all). */
        /* The text encoding, when it is not plain UTF-8 or ASCII or when
         * the .cpg contradicts the bytes (a wrong .cpg is caught, not
         * trusted). */
        gv_layer_encoding_info ei;
        gv_layer_encoding(L, &ei);
        if (ei.problem || ei.overridden || (ei.encoding != GV_ENC_UTF8 && ei.encoding != GV_ENC_ASCII) || ei.nfd)
            logf_(log, logctx, "%stext encoding: %s", ei.problem ? "warning: " : "", ei.summary);
        for (size_t i = 0; i < ei.nissues && i < 5; i++) logf_(log, logctx, "  %s", ei.issues[i]);
        const char *adv;
        gv_extent_verdict ev = gv_layer_extent(L, &adv);
        if (ev == GV_EXTENT_NO_CRS_DEGREES || ev == GV_EXTENT_OUTSIDE)
            logf_(log, logctx, "warning: %s: layer '%s': %s", o->shapes, gv_layer_name(L), adv);
        char gs[600];
        if (gv_layer_geom_summary(L, gs, sizeof gs)) {
            logf_(log, logctx, "geometry: %s", gs);
            for (size_t i = 0, shown = 0; i < gv_layer_count(L) && shown < 5; i++) {
                gv_geom_report gr;
                gv_layer_geom_report(L, i, &gr);
                if (!(gr.flags & ~(unsigned)GV_GEOM_ORIENTATION)) continue;
                char what[300];
                gv_geom_flags_describe(gr.flags & ~(unsigned)GV_GEOM_ORIENTATION, what, sizeof what);
                logf_(log, logctx, "  feature %lld: %s%s%s", gv_layer_fid(L, i), what, gr.detail[0] ? ": " : "", gr.detail);
                shown++;
            }
        }
    }

    /* Table. */
    t = now_ms();
    gv_csv_options copt = {0};
    copt.decimal = o->decimal;
    copt.strict = o->strict;
    if (o->data && (rc = gv_table_read_csv(o->data, &copt, &T, err))) goto done;
    if (T) {
        /* Every fix the reader made (skipped summary rows, repeated
         * headers, lost leading zeros, ...) is said, one line each. */
        for (size_t i = 0; i < gv_table_nproblems(T); i++) {
            const gv_table_problem *pb = gv_table_problem_at(T, i);
            if (pb->action == GV_FIX_NOTE) continue;
            char line[512];
            gv_table_problem_format(T, pb, line, sizeof line);
            logf_(log, logctx, "%s", line);
        }
    }

    json_object_object_add(timing, "read_table_ms", json_object_new_double(now_ms() - t));

    size_t nf = gv_layer_count(L), nr = T ? gv_table_nrows(T) : 0;
    if (T) {
    /* Join. */
    t = now_ms();
    gv_join_options jo;
    memset(&jo, 0, sizeof jo);
    jo.unit_field = ufield;
    jo.table_col = tcol;
    jo.by_name = o->match_name;
    jo.unit_parent_field = upar;
    jo.table_parent_col = tpar;
    jo.dup = dup;
    if ((rc = gv_join_run(L, T, &jo, &J, err))) goto done;
    json_object_object_add(timing, "join_ms", json_object_new_double(now_ms() - t));
    logf_(log, logctx,
          "join %s=%s (%s): %zu of %zu units matched, %zu units without data, %zu of %zu rows without unit, "
          "%zu ambiguous, %zu name mismatches",
          ufield, tcol, o->match_name ? "by name" : "by code", gv_join_units_matched(J), nf, gv_join_units_nodata(J),
          gv_join_rows_unmatched(J), nr, gv_join_rows_ambiguous(J), gv_join_name_mismatches(J));
    {
        size_t ndup = 0;
        for (size_t i = 0; i < gv_join_nissues(J); i++) ndup += gv_join_issue_at(J, i)->kind == GV_ISSUE_DUPLICATE;
        if (ndup)
            logf_(log, logctx, "  duplicates: %zu units have several rows, combined by %s (--allow-duplicates)", ndup,
                  dup == GV_DUP_SUM ? "sum" : dup == GV_DUP_MEAN ? "mean" : "the first row");
    }
    if (o->where && gv_join_rows_unmatched(J))
        logf_(log, logctx, "  (with --where, rows of units the filter leaves out are among the %zu rows without unit)",
              gv_join_rows_unmatched(J));
    {
        /* The issues most likely to be real problems first (a name that
         * disagrees, an ambiguous name, a key that is not a code), then
         * rows and units left over: with --where, a national table leaves
         * most of its rows without a unit, which must not hide the rest. */
        static const gv_issue_kind ORDER[] = {GV_ISSUE_NAME_MISMATCH, GV_ISSUE_AMBIGUOUS, GV_ISSUE_BAD_KEY,
                                              GV_ISSUE_UNIT_NO_DATA, GV_ISSUE_ROW_NO_UNIT};
        size_t shown = 0, total = 0;
        for (size_t i = 0; i < gv_join_nissues(J); i++) total += gv_join_issue_at(J, i)->kind != GV_ISSUE_DUPLICATE;
        for (size_t k = 0; k < sizeof ORDER / sizeof ORDER[0]; k++)
            for (size_t i = 0; i < gv_join_nissues(J) && shown < 12; i++) {
                const gv_join_issue *is = gv_join_issue_at(J, i);
                if (is->kind != ORDER[k]) continue;
                if (is->row != (size_t)-1)
                    logf_(log, logctx, "  %s: %s row %zu (line %zu) '%s': %s", gv_issue_kind_str(is->kind), o->data,
                          is->row + 1, is->line, is->key, is->reason);
                else
                    logf_(log, logctx, "  %s: feature %lld '%s' %s: %s", gv_issue_kind_str(is->kind),
                          gv_layer_fid(L, is->unit), is->key, is->name, is->reason);
                shown++;
            }
        if (total > shown)
            logf_(log, logctx, "  ... %zu more%s", total - shown,
                  o->join_report ? " (all in the join report)" : " (--join-report FILE.csv lists every one)");
    }
    if (o->strict && gv_join_name_mismatches(J)) {
        const gv_join_issue *is = NULL;
        for (size_t i = 0; i < gv_join_nissues(J); i++)
            if (gv_join_issue_at(J, i)->kind == GV_ISSUE_NAME_MISMATCH) { is = gv_join_issue_at(J, i); break; }
        rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': %s (--strict)", o->data, is->row + 1,
                          is->line, tcol, is->reason);
        goto done;
    }

    }
    if (mode >= GV__MODE_BIVARIATE) {
        gv__mode_ctx mc = {o, mode, L, T, J, ufield, palette, page, loc, fmt, log, logctx, t_start, dup};
        rc = mode >= GV__MODE_CATEGORICAL ? gv__map_run_mode(&mc, err) : gv__map_run_multi(&mc, err);
        goto done;
    }
    /* Values. */
    t = now_ms();
    values = malloc(nf * sizeof(double));
    status = malloc(nf * sizeof(gv_expr_status));
    if (!values || !status) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    supp = calloc(nf ? nf : 1, 1);
    if (!supp) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    gv__value_src vsrc = {o, L, T, J, dup, ufield, supp};
    size_t n_missing = 0, n_suppressed = 0;
    if ((rc = gv__map_eval(&vsrc, E, "--value", o->value, values, status, &var_sum, &n_missing, err))) goto done;
    for (size_t i = 0; i < nf; i++) n_suppressed += supp[i];
    json_object_object_add(timing, "values_ms", json_object_new_double(now_ms() - t));

    /* Classes and colours. */
    t = now_ms();
    gv_breaks br;
    memset(&br, 0, sizeof br);
    double center = NAN;
    size_t k_below = 0;
    int symbols = mode == GV__MODE_SYMBOLS; /* circles sized by the value: no classes */
    unsigned colors[GV_CLASSES_MAX];
    if (symbols) {
        /* The circles take the darkest colour of the 3-class palette
         * (Reds: #de2d26). */
        if ((rc = gv_palette_colors(palette, 3, o->reverse, colors, err))) goto done;
        /* A circle's area is its value: zero draws nothing, a negative
         * value cannot be drawn. Counted and named, not hidden. */
        size_t nzero = 0, nneg = 0, first = (size_t)-1;
        for (size_t i = 0; i < nf; i++) {
            if (!isfinite(values[i]) || values[i] > 0) continue;
            if (values[i] < 0) nneg++;
            else nzero++;
            if (first == (size_t)-1) first = i;
        }
        if (nneg && o->strict) {
            for (size_t i = 0; i < nf; i++)
                if (values[i] < 0) { first = i; break; }
            rc = gv_error_set(err, GV_EDATA, "%s: feature %lld: value '%s' is %g: a proportional circle needs a value of 0 or more (--strict)",
                              o->shapes, gv_layer_fid(L, first), o->value, values[first]);
            goto done;
        }
        if (nzero || nneg) {
            char fv[64];
            snprintf(fv, sizeof fv, "%g", values[first]);
            logf_(log, logctx, "symbols: %zu units have no circle: %zu with value 0, %zu negative (first: feature %lld, value %s)%s",
                  nzero + nneg, nzero, nneg, gv_layer_fid(L, first), fv,
                  nneg ? "; a proportional circle cannot show a negative value (map it with --mode diverging)" : "");
        }
    } else {
        if (mode == GV__MODE_DIVERGING && (rc = gv__center_value(o->center, E, var_sum, &center, err))) goto done;
        if ((rc = mode == GV__MODE_DIVERGING ? gv_classify_centered(values, nf, &cspec, center, &br, &k_below, err)
                                             : gv_classify(values, nf, &cspec, &br, err))) {
            gv_error_prefix(err, "%s: value '%s': ", o->data, o->value);
            goto done;
        }
        if (br.reduced) logf_(log, logctx, "classes: %s", br.note);
        if ((rc = mode == GV__MODE_DIVERGING ? gv__diverging_colors(palette, &br, k_below, o->reverse, colors, err)
                                             : gv_palette_colors(palette, br.k, o->reverse, colors, err)))
            goto done;
    }
    json_object_object_add(timing, "classify_ms", json_object_new_double(now_ms() - t));

    /* Render. */
    t = now_ms();
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = L;
    ms.values = values;
    ms.breaks = &br;
    ms.colors = colors;
    ms.nodata_color = 0xf0f0f0;
    ms.suppressed = n_suppressed ? supp : NULL;
    ms.suppressed_color = 0xa0a0a0;
    ms.title = o->title ? o->title : o->value;
    ms.subtitle = o->subtitle;
    ms.legend_title = o->legend_title ? o->legend_title : o->value;
    char center_title[600];
    if (mode == GV__MODE_DIVERGING) {
        /* The centre is a class edge; the legend says which one. */
        char cv[64];
        gv_format_number(center, o->decimals >= 0 ? o->decimals : gv_format_decimals_for(br.edges, br.k + 1), loc, cv, sizeof cv);
        snprintf(center_title, sizeof center_title, "%s\n%s %s%s", ms.legend_title, loc == GV_LOCALE_EN ? "centre:" : "giá trị tâm:", cv,
                 strcasecmp(o->center, "national") ? ""
                 : o->where ? (loc == GV_LOCALE_EN ? " (all units shown)" : " (các đơn vị trên bản đồ)")
                            : (loc == GV_LOCALE_EN ? " (national)" : " (cả nước)"));
        ms.legend_title = center_title;
        logf_(log, logctx, "centre: %.6g (%s), %zu classes below, %zu above", center, o->center, k_below, br.k - k_below);
    }
    ms.source = o->source;
    ms.date = o->date;
    ms.locale = loc;
    ms.decimals = o->decimals;
    ms.page = page;
    ms.dpi = o->dpi > 0 ? o->dpi : 300;
    ms.insets = !o->no_insets;
    ms.threads = o->threads;
    /* Nothing after the projection reads the lon/lat rings (values and
     * areas are computed above): free them before the page is drawn. */
    ms.rings_done = release_rings;
    ms.rings_done_ctx = L;
    gv_map_symbols sy;
    memset(&sy, 0, sizeof sy);
    if (symbols) {
        sy.values = values;
        sy.max_diameter_mm = o->symbol_size;
        sy.scale_value = o->symbol_scale;
        sy.color = colors[2];
        sy.title = ms.legend_title;
        ms.legend_title = NULL;
        ms.breaks = NULL;
        ms.colors = NULL;
        ms.symbols = &sy;
    }
    if ((rc = gv__carto_setup(o, L, &cj, &ms, log, logctx, err))) goto done;
    if ((rc = gv_map_render(&ms, o->out, &info, err))) goto done;
    gv__carto_log(o, &info, log, logctx);
    double render_ms = now_ms() - t;
    json_object_object_add(timing, "render_ms", json_object_new_double(render_ms));
    json_object_object_add(timing, "render_layout_ms", json_object_new_double(info.ms_layout));
    json_object_object_add(timing, "render_project_ms", json_object_new_double(info.ms_project));
    json_object_object_add(timing, "render_fill_stroke_ms", json_object_new_double(info.ms_fill));
    json_object_object_add(timing, "render_text_ms", json_object_new_double(info.ms_text));
    json_object_object_add(timing, "render_encode_ms", json_object_new_double(info.ms_encode));

    /* Reports are written only once the map is: a failed run leaves no
     * file at all. */
    if (J && o->join_report && (rc = gv_join_write_report(J, L, T, o->join_report, err))) {
        unlink(o->out);
        goto done;
    }
    if (symbols) gv__symbols_log(&info, loc, log, logctx);
    else logf_(log, logctx, "classes (%s, %zu): %s", gv_classify_method_str(cspec.method), br.k, palette);
    if (!symbols) {
        char lo[64], hi[64];
        int dec = o->decimals >= 0 ? o->decimals : gv_format_decimals_for(br.edges, br.k + 1);
        for (size_t c = 0; c < br.k; c++) {
            gv_format_number(br.edges[c], dec, loc, lo, sizeof lo);
            gv_format_number(br.edges[c + 1], dec, loc, hi, sizeof hi);
            if (br.single) logf_(log, logctx, "  %s: %zu units", hi, br.counts[c]);
            else logf_(log, logctx, "  %s – %s: %zu units", lo, hi, br.counts[c]);
        }
        if (br.n_outside)
            logf_(log, logctx, "  outside the classes: %zu units (the manual breaks do not cover them; drawn as "
                               "'outside' in the legend)", br.n_outside);
        if (n_missing) {
            /* Why, for the first few (all of them: --report). */
            char why[700] = "";
            size_t shown = 0, wl = 0;
            int uf = gv_layer_field_index(L, ufield);
            for (size_t i = 0; i < nf && shown < 5; i++) {
                if (isfinite(values[i]) || (supp && supp[i])) continue;
                wl += (size_t)snprintf(why + wl, sizeof why - wl, "%s%s %s", shown ? "; " : "",
                                       uf >= 0 ? gv_layer_value(L, i, (size_t)uf) : "?", gv_expr_status_str(status[i]));
                if (wl >= sizeof why) { wl = sizeof why - 1; break; }
                shown++;
            }
            logf_(log, logctx, "  no data: %zu units (%s%s)", n_missing, why, n_missing > shown ? "; ..." : "");
        }
        if (n_suppressed) logf_(log, logctx, "  suppressed (small counts): %zu units", n_suppressed);
    }
    char sz[64];
    logf_(log, logctx, "wrote %s (%lld bytes%s), %zu of %zu features drawn, %zu → %zu vertices, %.0f ms", o->out,
          info.bytes, gv__size_text(fmt, &info, sz, sizeof sz), info.features_drawn, nf, info.vertices_in,
          info.vertices_drawn, now_ms() - t_start);

    if (o->report) {
        json_object *in = json_object_new_object();
        json_object_object_add(in, "shapes", json_object_new_string(o->shapes));
        json_object_object_add(in, "layer", json_object_new_string(gv_layer_name(L)));
        json_object_object_add(in, "where", o->where ? json_object_new_string(o->where) : NULL);
        json_object_object_add(in, "features", json_object_new_int64((int64_t)nf));
        json_object_object_add(in, "vertices", json_object_new_int64((int64_t)gv_layer_nvertices(L)));
        json_object_object_add(in, "features_without_geometry", json_object_new_int64((int64_t)gv_layer_n_empty(L)));
        gv_layer_encoding_info ei;
        gv_layer_encoding(L, &ei);
        json_object_object_add(in, "encoding", json_object_new_string(gv_encoding_name(ei.encoding)));
        json_object_object_add(in, "encoding_summary", json_object_new_string(ei.summary));
        json_object_object_add(in, "data", o->data ? json_object_new_string(o->data) : NULL);
        json_object_object_add(in, "rows", json_object_new_int64((int64_t)nr));
        json_object_object_add(rep, "inputs", in);

        json_object *jj = J ? json_object_new_object() : NULL;
        if (J) {
        json_object_object_add(jj, "unit_field", json_object_new_string(ufield));
        json_object_object_add(jj, "table_column", json_object_new_string(tcol));
        json_object_object_add(jj, "by", json_object_new_string(o->match_name ? "name" : "code"));
        json_object_object_add(jj, "units_matched", json_object_new_int64((int64_t)gv_join_units_matched(J)));
        json_object_object_add(jj, "units_without_data", json_object_new_int64((int64_t)gv_join_units_nodata(J)));
        json_object_object_add(jj, "rows_without_unit", json_object_new_int64((int64_t)gv_join_rows_unmatched(J)));
        json_object_object_add(jj, "rows_ambiguous", json_object_new_int64((int64_t)gv_join_rows_ambiguous(J)));
        json_object_object_add(jj, "name_mismatches", json_object_new_int64((int64_t)gv_join_name_mismatches(J)));
        json_object *iss = json_object_new_array();
        for (size_t i = 0; i < gv_join_nissues(J); i++) {
            const gv_join_issue *is = gv_join_issue_at(J, i);
            json_object *x = json_object_new_object();
            json_object_object_add(x, "kind", json_object_new_string(gv_issue_kind_str(is->kind)));
            if (is->row != (size_t)-1) {
                json_object_object_add(x, "row", json_object_new_int64((int64_t)is->row + 1));
                json_object_object_add(x, "line", json_object_new_int64((int64_t)is->line));
            }
            if (is->unit != (size_t)-1) json_object_object_add(x, "unit_fid", json_object_new_int64(gv_layer_fid(L, is->unit)));
            json_object_object_add(x, "key", json_object_new_string(is->key));
            json_object_object_add(x, "name", json_object_new_string(is->name));
            json_object_object_add(x, "reason", json_object_new_string(is->reason));
            json_object_array_add(iss, x);
        }
        json_object_object_add(jj, "issues", iss);
        }
        json_object_object_add(rep, "join", jj);

        json_object_object_add(rep, "value", json_object_new_string(o->value));
        int kf = gv_layer_field_index(L, ufield ? ufield : "code");
        int nmf = gv_layer_field_index(L, "name");
        for (size_t i = 0; i < nf; i++) {
            json_object *u = json_object_new_object();
            json_object_object_add(u, "fid", json_object_new_int64(gv_layer_fid(L, i)));
            json_object_object_add(u, "key", json_object_new_string(kf >= 0 ? gv_layer_value(L, i, (size_t)kf) : ""));
            if ((J ? gv_join_unit_nrows(J, i) : 0)) {
                size_t r0 = gv_join_unit_rows(J, i)[0];
                json_object_object_add(u, "row", json_object_new_int64((int64_t)r0 + 1));
                json_object_object_add(u, "rule", json_object_new_string(gv_join_row_rule(J, r0)));
            }
            if (nmf >= 0) json_object_object_add(u, "name", json_object_new_string(gv_layer_value(L, i, (size_t)nmf)));
            json_object_object_add(u, "value", isfinite(values[i]) ? json_object_new_double(values[i]) : NULL);
            int c = isfinite(values[i]) ? gv_breaks_class(&br, values[i]) : -1;
            if (!symbols) json_object_object_add(u, "class", json_object_new_int(c));
            if (!isfinite(values[i]))
                json_object_object_add(u, "missing", json_object_new_string((J ? gv_join_unit_nrows(J, i) : 0) ? gv_expr_status_str(status[i]) : "no table row"));
            json_object_object_add(u, "parts_drawn", json_object_new_int64((int64_t)info.feature_parts_drawn[i]));
            json_object_array_add(units, u);
        }

        if (symbols) json_object_object_add(rep, "symbols", gv__symbols_json(&info, L));
        json_object *cl = symbols ? NULL : json_object_new_object();
        if (cl) {
        json_object_object_add(cl, "method", json_object_new_string(gv_classify_method_str(cspec.method)));
        json_object_object_add(cl, "k_requested", json_object_new_int64((int64_t)cspec.k));
        json_object_object_add(cl, "k", json_object_new_int64((int64_t)br.k));
        json_object_object_add(cl, "note", json_object_new_string(br.note));
        json_object_object_add(cl, "palette", json_object_new_string(palette));
        json_object_object_add(cl, "reversed", json_object_new_boolean(o->reverse));
        json_object *edges = json_object_new_array();
        for (size_t c = 0; c <= br.k; c++) json_object_array_add(edges, json_object_new_double(br.edges[c]));
        json_object_object_add(cl, "breaks", edges);
        json_object *classes = json_object_new_array();
        char hx[8];
        for (size_t c = 0; c < br.k; c++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "lower", json_object_new_double(br.edges[c]));
            json_object_object_add(x, "upper", json_object_new_double(br.edges[c + 1]));
            json_object_object_add(x, "color", json_object_new_string(hex(colors[c], hx)));
            json_object_object_add(x, "count", json_object_new_int64((int64_t)br.counts[c]));
            json_object_array_add(classes, x);
        }
        json_object_object_add(cl, "classes", classes);
        json_object_object_add(cl, "no_data_count", json_object_new_int64((int64_t)n_missing));
        json_object_object_add(cl, "no_data_color", json_object_new_string(hex(ms.nodata_color, hx)));
        json_object_object_add(cl, "outside_count", json_object_new_int64((int64_t)br.n_outside));
        json_object_object_add(rep, "classification", cl);
        }

        json_object *out = json_object_new_object();
        json_object_object_add(out, "file", json_object_new_string(o->out));
        json_object_object_add(out, "format", json_object_new_string(fmt == GV_FORMAT_PNG ? "png" : fmt == GV_FORMAT_PDF ? "pdf" : "svg"));
        json_object_object_add(out, "bytes", json_object_new_int64(info.bytes));
        json_object_object_add(out, "page_mm", json_object_new_array_ext(2));
        json_object_array_add(json_object_object_get(out, "page_mm"), json_object_new_double(page.width_mm));
        json_object_array_add(json_object_object_get(out, "page_mm"), json_object_new_double(page.height_mm));
        json_object_object_add(out, "dpi", json_object_new_double(ms.dpi));
        json_object_object_add(out, "width_px", json_object_new_int(info.width_px));
        json_object_object_add(out, "height_px", json_object_new_int(info.height_px));
        json_object_object_add(out, "features_drawn", json_object_new_int64((int64_t)info.features_drawn));
        json_object_object_add(out, "vertices_in", json_object_new_int64((int64_t)info.vertices_in));
        json_object_object_add(out, "vertices_drawn", json_object_new_int64((int64_t)info.vertices_drawn));
        json_object_object_add(out, "proj", json_object_new_string(info.proj));
        json_object *frames = json_object_new_array();
        for (size_t k = 0; k < info.nframes; k++) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "name", json_object_new_string(info.frames[k].name));
            json_object *r = json_object_new_array();
            for (int q = 0; q < 4; q++) json_object_array_add(r, json_object_new_double(info.frames[k].rect_mm[q]));
            json_object_object_add(x, "rect_mm", r);
            json_object *bx = json_object_new_array();
            for (int q = 0; q < 4; q++) json_object_array_add(bx, json_object_new_double(info.frames[k].lonlat_box[q]));
            json_object_object_add(x, "lonlat_box", bx);
            json_object_object_add(x, "scale", json_object_new_double(info.frames[k].scale));
            json_object_object_add(x, "x0", json_object_new_double(info.frames[k].x0));
            json_object_object_add(x, "y0", json_object_new_double(info.frames[k].y0));
            json_object_array_add(frames, x);
        }
        json_object_object_add(out, "frames", frames);
        json_object *lr = json_object_new_array();
        for (int q = 0; q < 4; q++) json_object_array_add(lr, json_object_new_double(info.legend_rect_mm[q]));
        json_object_object_add(out, "legend_rect_mm", lr);
        json_object_object_add(rep, "output", out);
        gv__carto_json(o, L, &info, rep);
        json_object_object_add(timing, "total_ms", json_object_new_double(now_ms() - t_start));

        if ((rc = write_json(rep, o->report, err))) {
            unlink(o->out); /* a run that fails writes nothing */
            if (o->join_report) unlink(o->join_report);
            goto done;
        }
    }
done:
    json_object_put(rep);
    gv_render_info_clear(&info);
    gv__carto_job_free(&cj);
    free(values);
    free(supp);
    free(var_sum);
    free(status);
    free(ufield);
    free(tcol);
    free(upar);
    free(tpar);
    gv_expr_free(E);
    gv_join_free(J);
    gv_table_free(T);
    gv_layer_free(L);
    return rc;
}
