/* map_job_multi.c: the modes of `geovoice map` that map several
 * indicators at once (README "Symbols, bivariate maps and small
 * multiples"):
 *
 * - bivariate: --value and --value2, each classified on its own by
 *   --classify (quantile:3 by default; 3 classes are required), coloured
 *   by the pair of classes with a Stevens 3 x 3 scheme;
 * - multiples: one panel per --panel EXPR[=Title], classified together:
 *   the classes are computed over the values of every panel pooled, so
 *   one legend serves all panels and a colour means the same in each.
 *
 * Values come from gv__map_eval (map_job.c), as for a choropleth. */
#include "jobutil.h"
#include "map_job_carto.h"
#include "map_job_modes.h"

#include "geovoice/format.h"
#include "geovoice/palette.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_IND GV_PANELS_MAX

static char *hex(unsigned c, char *buf) {
    snprintf(buf, 8, "#%06x", c & 0xffffff);
    return buf;
}

static void log_classes(const gv__mode_ctx *c, const char *what, const gv_breaks *b, const unsigned *colors) {
    const gv_map_options *o = c->o;
    int dec = o->decimals >= 0 ? o->decimals : gv_format_decimals_for(b->edges, b->k + 1);
    char lo[64], hi[64], hx[8];
    gv__job_logf(c->log, c->logctx, "classes of %s (%zu):", what, b->k);
    for (size_t k = 0; k < b->k; k++) {
        gv_format_number(b->edges[k], dec, c->loc, lo, sizeof lo);
        gv_format_number(b->edges[k + 1], dec, c->loc, hi, sizeof hi);
        if (colors) gv__job_logf(c->log, c->logctx, "  %s – %s: %zu values, %s", lo, hi, b->counts[k], hex(colors[k], hx));
        else gv__job_logf(c->log, c->logctx, "  %s – %s: %zu units", lo, hi, b->counts[k]);
    }
}

static json_object *breaks_json(const gv_breaks *b) {
    json_object *x = json_object_new_object();
    json_object *e = json_object_new_array();
    for (size_t k = 0; k <= b->k; k++) json_object_array_add(e, json_object_new_double(b->edges[k]));
    json_object_object_add(x, "breaks", e);
    json_object *n = json_object_new_array();
    for (size_t k = 0; k < b->k; k++) json_object_array_add(n, json_object_new_int64((int64_t)b->counts[k]));
    json_object_object_add(x, "counts", n);
    json_object_object_add(x, "note", json_object_new_string(b->note));
    return x;
}

int gv__map_run_multi(const gv__mode_ctx *c, gv_error *err) {
    const gv_map_options *o = c->o;
    gv_layer *L = c->L;
    size_t nf = gv_layer_count(L);
    int biv = c->mode == GV__MODE_BIVARIATE;
    size_t nind = biv ? 2 : o->npanels;
    int rc = GV_OK;
    char *expr_text[MAX_IND] = {0}, *title[MAX_IND] = {0};
    gv_expr *E[MAX_IND] = {0};
    double *values[MAX_IND] = {0}, *pooled = NULL;
    gv_expr_status *status = malloc((nf ? nf : 1) * sizeof *status);
    size_t missing[MAX_IND] = {0};
    gv_render_info info;
    memset(&info, 0, sizeof info);
    gv__carto_job cj;
    memset(&cj, 0, sizeof cj);
    json_object *rep = NULL;
    if (!status) return gv_error_set(err, GV_ENOMEM, "out of memory");

    /* Indicators: text, title, expression, values. */
    gv__value_src vs = {o, L, c->T, c->J, c->dup, c->ufield, NULL};
    for (size_t i = 0; i < nind; i++) {
        const char *src = biv ? (i ? o->value2 : o->value) : o->panels[i];
        const char *eq = biv ? NULL : strchr(src, '=');
        expr_text[i] = eq ? strndup(src, (size_t)(eq - src)) : strdup(src);
        title[i] = strdup(eq ? eq + 1 : src);
        values[i] = malloc((nf ? nf : 1) * sizeof(double));
        if (!expr_text[i] || !title[i] || !values[i]) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        char opt[32];
        snprintf(opt, sizeof opt, biv ? (i ? "--value2" : "--value") : "--panel %zu", i + 1);
        if ((rc = gv_expr_parse(expr_text[i], &E[i], err))) {
            gv_error_prefix(err, "%s: ", opt);
            goto done;
        }
        if ((rc = gv__map_eval(&vs, E[i], opt, expr_text[i], values[i], status, NULL, &missing[i], err))) goto done;
    }

    /* Classes and colours. */
    gv_classify_spec cs;
    if ((rc = gv_classify_parse(o->classify ? o->classify : biv ? "quantile:3" : "quantile:5", &cs, err))) goto done;
    gv_breaks br[2];
    memset(br, 0, sizeof br);
    unsigned colors[GV_CLASSES_MAX], bcol[9];
    if (biv) {
        if ((rc = gv_bivariate_palette(c->palette, bcol, err))) goto done;
        for (int a = 0; a < 2; a++) {
            if ((rc = gv_classify(values[a], nf, &cs, &br[a], err))) {
                gv_error_prefix(err, "%s: ", a ? "--value2" : "--value");
                goto done;
            }
            if (br[a].k != 3) {
                rc = gv_error_set(err, GV_EDATA, "%s '%s': a bivariate map needs 3 classes of each indicator, got %zu%s%s",
                                  a ? "--value2" : "--value", expr_text[a], br[a].k, *br[a].note ? ": " : "", br[a].note);
                goto done;
            }
            log_classes(c, expr_text[a], &br[a], NULL);
        }
    } else {
        pooled = malloc((nf ? nf : 1) * nind * sizeof(double));
        if (!pooled) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        for (size_t i = 0; i < nind; i++) memcpy(pooled + i * nf, values[i], nf * sizeof(double));
        if ((rc = gv_classify(pooled, nf * nind, &cs, &br[0], err))) {
            gv_error_prefix(err, "--panel values: ");
            goto done;
        }
        if ((rc = gv_palette_colors(c->palette, br[0].k, o->reverse, colors, err))) goto done;
        log_classes(c, "all panels together", &br[0], colors);
    }

    /* Render. */
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = L;
    gv__map_spec_page(&ms, c);
    char deftitle[600];
    snprintf(deftitle, sizeof deftitle, "%s × %s", expr_text[0], expr_text[1 % nind]);
    ms.title = o->title ? o->title : biv ? deftitle : title[0];
    gv_map_bivariate mb;
    gv_map_panel panels[MAX_IND];
    if (biv) {
        mb = (gv_map_bivariate){values[0], values[1], &br[0], &br[1], bcol,
                                o->legend_title ? o->legend_title : expr_text[0],
                                o->legend_title2 ? o->legend_title2 : expr_text[1]};
        ms.bivariate = &mb;
    } else {
        for (size_t i = 0; i < nind; i++) panels[i] = (gv_map_panel){values[i], title[i]};
        ms.panels = panels;
        ms.npanels = nind;
        ms.breaks = &br[0];
        ms.colors = colors;
        ms.legend_title = o->legend_title;
    }
    double t = gv__job_now_ms();
    if ((rc = gv__carto_setup(o, L, &cj, &ms, c->log, c->logctx, err))) goto done;
    if ((rc = gv_map_render(&ms, o->out, &info, err))) goto done;
    gv__carto_log(o, &info, c->log, c->logctx);
    if (c->J && o->join_report && (rc = gv_join_write_report(c->J, L, c->T, o->join_report, err))) {
        unlink(o->out);
        goto done;
    }
    for (size_t i = 0; i < nind; i++)
        if (missing[i]) gv__job_logf(c->log, c->logctx, "  %s: no data for %zu units", expr_text[i], missing[i]);
    char sz[64];
    gv__job_logf(c->log, c->logctx, "wrote %s (%lld bytes%s), %zu of %zu features drawn%s, %.0f ms", o->out,
                 info.bytes, gv__size_text(c->fmt, &info, sz, sizeof sz), info.features_drawn, nf,
                 biv ? "" : " on each panel", gv__job_now_ms() - c->t_start);
    if (!o->report) goto done;

    rep = json_object_new_object();
    json_object_object_add(rep, "mode", json_object_new_string(biv ? "bivariate" : "multiples"));
    json_object *in = json_object_new_object();
    json_object_object_add(in, "shapes", json_object_new_string(o->shapes));
    json_object_object_add(in, "layer", json_object_new_string(gv_layer_name(L)));
    json_object_object_add(in, "features", json_object_new_int64((int64_t)nf));
    json_object_object_add(in, "data", o->data ? json_object_new_string(o->data) : NULL);
    json_object_object_add(rep, "inputs", in);
    if (c->J) {
        json_object *jj = json_object_new_object();
        json_object_object_add(jj, "units_matched", json_object_new_int64((int64_t)gv_join_units_matched(c->J)));
        json_object_object_add(jj, "units_without_data", json_object_new_int64((int64_t)gv_join_units_nodata(c->J)));
        json_object_object_add(jj, "rows_without_unit", json_object_new_int64((int64_t)gv_join_rows_unmatched(c->J)));
        json_object_object_add(jj, "name_mismatches", json_object_new_int64((int64_t)gv_join_name_mismatches(c->J)));
        json_object_object_add(rep, "join", jj);
    }
    json_object *ind = json_object_new_array();
    for (size_t i = 0; i < nind; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "expression", json_object_new_string(expr_text[i]));
        json_object_object_add(x, "title", json_object_new_string(biv ? (i ? mb.y_title : mb.x_title) : title[i]));
        json_object_object_add(x, "no_data_count", json_object_new_int64((int64_t)missing[i]));
        if (biv) json_object_object_add(x, "classification", breaks_json(&br[i]));
        if (!biv) {
            json_object *cnt = json_object_new_array();
            for (size_t k = 0; k < br[0].k; k++) {
                size_t n = 0;
                for (size_t f = 0; f < nf; f++) n += gv_breaks_class(&br[0], values[i][f]) == (int)k;
                json_object_array_add(cnt, json_object_new_int64((int64_t)n));
            }
            json_object_object_add(x, "units_per_class", cnt);
            json_object *off = json_object_new_array();
            json_object_array_add(off, json_object_new_double(info.panel_offset_mm[i][0]));
            json_object_array_add(off, json_object_new_double(info.panel_offset_mm[i][1]));
            json_object_object_add(x, "offset_mm", off);
            json_object *cell = json_object_new_array();
            for (int q = 0; q < 4; q++) json_object_array_add(cell, json_object_new_double(info.panel_rect_mm[i][q]));
            json_object_object_add(x, "rect_mm", cell);
        }
        json_object_array_add(ind, x);
    }
    json_object_object_add(rep, biv ? "indicators" : "panels", ind);
    char hx[8];
    json_object *cl = json_object_new_object();
    json_object_object_add(cl, "method", json_object_new_string(gv_classify_method_str(cs.method)));
    json_object_object_add(cl, "palette", json_object_new_string(c->palette));
    json_object *cols = json_object_new_array();
    for (size_t k = 0; k < (biv ? 9 : br[0].k); k++)
        json_object_array_add(cols, json_object_new_string(hex(biv ? bcol[k] : colors[k], hx)));
    json_object_object_add(cl, biv ? "colors_y_major" : "colors", cols);
    if (!biv) {
        json_object *b = breaks_json(&br[0]);
        json_object_object_foreach(b, key, val) json_object_object_add(cl, key, json_object_get(val));
        json_object_put(b);
    }
    json_object_object_add(rep, "classification", cl);
    json_object *units = json_object_new_array();
    int kf = c->ufield ? gv_layer_field_index(L, c->ufield) : gv_layer_field_index(L, "code");
    int nmf = gv_layer_field_index(L, "name");
    for (size_t f = 0; f < nf; f++) {
        json_object *u = json_object_new_object();
        json_object_object_add(u, "fid", json_object_new_int64(gv_layer_fid(L, f)));
        json_object_object_add(u, "key", json_object_new_string(kf >= 0 ? gv_layer_value(L, f, (size_t)kf) : ""));
        if (nmf >= 0) json_object_object_add(u, "name", json_object_new_string(gv_layer_value(L, f, (size_t)nmf)));
        json_object *v = json_object_new_array(), *k = json_object_new_array();
        for (size_t i = 0; i < nind; i++) {
            double x = values[i][f];
            json_object_array_add(v, isfinite(x) ? json_object_new_double(x) : NULL);
            json_object_array_add(k, json_object_new_int(gv_breaks_class(&br[biv ? i : 0], x)));
        }
        json_object_object_add(u, "values", v);
        json_object_object_add(u, "classes", k);
        if (biv) {
            int cx = gv_breaks_class(&br[0], values[0][f]), cy = gv_breaks_class(&br[1], values[1][f]);
            json_object_object_add(u, "color", cx >= 0 && cy >= 0 ? json_object_new_string(hex(bcol[3 * cy + cx], hx)) : NULL);
        }
        json_object_array_add(units, u);
    }
    json_object_object_add(rep, "units", units);
    json_object *out = json_object_new_object();
    json_object_object_add(out, "file", json_object_new_string(o->out));
    json_object_object_add(out, "bytes", json_object_new_int64(info.bytes));
    json_object_object_add(out, "width_px", json_object_new_int(info.width_px));
    json_object_object_add(out, "height_px", json_object_new_int(info.height_px));
    json_object_object_add(out, "proj", json_object_new_string(info.proj));
    json_object_object_add(out, "frames", gv__frames_json(&info));
    json_object_object_add(rep, "output", out);
    gv__carto_json(o, L, &info, rep);
    json_object_object_add(rep, "render_ms", json_object_new_double(gv__job_now_ms() - t));
    if ((rc = gv__job_json_write(rep, o->report, err))) {
        unlink(o->out);
        if (o->join_report) unlink(o->join_report);
    }
done:
    json_object_put(rep);
    gv_render_info_clear(&info);
    gv__carto_job_free(&cj);
    for (size_t i = 0; i < nind && i < MAX_IND; i++) {
        free(expr_text[i]);
        free(title[i]);
        free(values[i]);
        gv_expr_free(E[i]);
    }
    free(pooled);
    free(status);
    return rc;
}
