/* map_job_carto.c: the cartographic finish of `geovoice map` (see
 * map_job_carto.h): options checked and turned into the render spec,
 * the context layer opened, and the label outcome logged and reported. */
#include "map_job_carto.h"

#include "jobutil.h"

#include "geovoice/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int gv__carto_setup(const gv_map_options *o, const gv_layer *L, gv__carto_job *cj, gv_map_spec *ms, gv_log_fn log,
                    void *logctx, gv_error *err) {
    if (o->labels) {
        if (gv_layer_field_index(L, o->labels) < 0) {
            char list[600] = "";
            for (size_t q = 0; q < gv_layer_nfields(L); q++) {
                if (strlen(list) + strlen(gv_layer_field_name(L, q)) + 4 >= sizeof list) break;
                if (q) strcat(list, ", ");
                strcat(list, gv_layer_field_name(L, q));
            }
            return gv_error_set(err, GV_EUSAGE, "--labels '%s': layer '%s' has no such field (fields: %s)", o->labels,
                                gv_layer_name(L), list);
        }
        cj->labels.field = o->labels;
        cj->labels.halo = o->label_halo;
        cj->labels.size_pt = o->label_size;
        ms->labels = &cj->labels;
    } else if (o->label_halo || o->label_size > 0) {
        return gv_error_set(err, GV_EUSAGE, "--label-halo and --label-size need --labels FIELD");
    }
    if ((o->context_layer || o->context_where) && !o->context)
        return gv_error_set(err, GV_EUSAGE, "--context-layer and --context-where need --context SRC");
    if (o->context || o->locator) {
        /* Without --context the locator shows the map's own source,
         * unfiltered: the whole country the units belong to. */
        const char *src = o->context ? o->context : o->shapes;
        const char *lyr = o->context ? o->context_layer : o->layer;
        const char *where = o->context ? o->context_where : NULL;
        int rc = gv_layer_open(src, lyr, where, &cj->context, err);
        if (rc) {
            gv_error_prefix(err, "%s: ", o->context ? "--context" : "--locator");
            return rc;
        }
        if (!o->context) {
            if (!o->where)
                gv__job_logf(log, logctx, "locator: the map shows all of '%s' already; the locator repeats it",
                             gv_layer_name(cj->context));
            else
                gv__job_logf(log, logctx, "locator: '%s' layer '%s' without --where (give --context with a provinces "
                             "layer to read less)", src, gv_layer_name(cj->context));
        }
        gv__job_logf(log, logctx, "context: %s, layer '%s': %zu features%s%s", src, gv_layer_name(cj->context),
                     gv_layer_count(cj->context), o->context ? " drawn behind the map" : "",
                     o->locator ? ", in the locator" : "");
        cj->ctx.layer = cj->context;
        cj->ctx.behind = o->context != NULL;
        cj->ctx.locator = o->locator;
        ms->context = &cj->ctx;
    }
    ms->north_arrow = o->north_arrow;
    ms->author = o->author;
    ms->subject = o->subject;
    ms->keywords = o->keywords;
    return GV_OK;
}

void gv__carto_job_free(gv__carto_job *cj) {
    gv_layer_free(cj->context);
    memset(cj, 0, sizeof *cj);
}

static json_object *rect_json(const double r[4]) {
    if (!(r[2] > 0)) return NULL;
    json_object *a = json_object_new_array();
    for (int q = 0; q < 4; q++) json_object_array_add(a, json_object_new_double(r[q]));
    return a;
}

static json_object *pair_json(const double p[2]) {
    if (!isfinite(p[0]) || !isfinite(p[1])) return NULL;
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_double(p[0]));
    json_object_array_add(a, json_object_new_double(p[1]));
    return a;
}

static void count_status(const gv_render_info *info, size_t cnt[GV_LABEL_OVERLAP + 1]) {
    memset(cnt, 0, (GV_LABEL_OVERLAP + 1) * sizeof *cnt);
    for (size_t i = 0; i < info->nlabels; i++) cnt[info->labels[i].status]++;
}

void gv__carto_log(const gv_map_options *o, const gv_render_info *info, gv_log_fn log, void *logctx) {
    size_t cnt[GV_LABEL_OVERLAP + 1];
    count_status(info, cnt);
    if (info->labels)
        gv__job_logf(log, logctx,
                     "labels (%s): %zu of %zu units labelled (%zu at the pole, %zu moved), dropped: %zu too small, "
                     "%zu overlap, %zu without text, %zu without geometry; %.0f ms",
                     o->labels, info->labels_drawn, info->nlabels, cnt[GV_LABEL_PLACED], cnt[GV_LABEL_MOVED],
                     cnt[GV_LABEL_TOO_SMALL], cnt[GV_LABEL_OVERLAP], cnt[GV_LABEL_NO_TEXT], cnt[GV_LABEL_NO_GEOMETRY],
                     info->ms_labels);
    if (o->locator && !(info->locator_rect_mm[2] > 0))
        gv__job_logf(log, logctx, "locator: no empty room on the page that does not cover a unit; not drawn");
    if (o->north_arrow && !(info->north_arrow_rect_mm[2] > 0))
        gv__job_logf(log, logctx, "north arrow: no empty room on the page; not drawn");
}

void gv__carto_json(const gv_map_options *o, const gv_layer *L, const gv_render_info *info, json_object *rep) {
    size_t cnt[GV_LABEL_OVERLAP + 1];
    count_status(info, cnt);
    json_object *out = json_object_object_get(rep, "output");
    if (out) {
        json_object_object_add(out, "scalebar_km", json_object_new_double(info->scalebar_km));
        json_object_object_add(out, "scalebar_rect_mm", rect_json(info->scalebar_rect_mm));
        json_object_object_add(out, "north_arrow_rect_mm", rect_json(info->north_arrow_rect_mm));
        json_object_object_add(out, "locator_rect_mm", rect_json(info->locator_rect_mm));
    }
    if (!info->labels) return;
    json_object *jl = json_object_new_object();
    json_object_object_add(jl, "field", json_object_new_string(o->labels));
    json_object_object_add(jl, "drawn", json_object_new_int64((int64_t)info->labels_drawn));
    json_object *by = json_object_new_object();
    for (int s = 0; s <= GV_LABEL_OVERLAP; s++)
        json_object_object_add(by, gv_label_status_str((gv_label_status)s), json_object_new_int64((int64_t)cnt[s]));
    json_object_object_add(jl, "by_status", by);
    json_object *units = json_object_new_array();
    for (size_t i = 0; i < info->nlabels; i++) {
        const gv_label_placement *p = &info->labels[i];
        json_object *u = json_object_new_object();
        json_object_object_add(u, "fid", json_object_new_int64(gv_layer_fid(L, p->feature)));
        json_object_object_add(u, "text", json_object_new_string(p->text ? p->text : ""));
        json_object_object_add(u, "status", json_object_new_string(gv_label_status_str(p->status)));
        json_object_object_add(u, "lines", json_object_new_int(p->lines));
        json_object_object_add(u, "frame", json_object_new_int(p->frame));
        json_object_object_add(u, "pole_lonlat", pair_json(p->pole_lonlat));
        json_object_object_add(u, "pole_dist_mm", isfinite(p->pole_dist_mm) ? json_object_new_double(p->pole_dist_mm) : NULL);
        json_object_object_add(u, "anchor_lonlat", pair_json(p->anchor_lonlat));
        json_object_object_add(u, "anchor_mm", pair_json(p->anchor_mm));
        json_object_object_add(u, "box_mm", rect_json(p->box_mm));
        json_object_array_add(units, u);
    }
    json_object_object_add(jl, "units", units);
    json_object_object_add(rep, "labels", jl);
}

void gv__symbols_log(const gv_render_info *info, gv_locale loc, gv_log_fn log, void *logctx) {
    char sv[64], lv[3][64];
    gv_format_number(info->symbol_scale_value, info->symbol_scale_value == floor(info->symbol_scale_value) ? 0 : 2, loc,
                     sv, sizeof sv);
    for (int k = 0; k < 3; k++) {
        double v = info->symbol_legend_values[k];
        gv_format_number(v, v >= 1 && v == floor(v) ? 0 : 2, loc, lv[k], sizeof lv[k]);
    }
    gv__job_logf(log, logctx,
                 "symbols: %zu circles, area proportional to the value (%s drawn %.1f mm across), largest first; "
                 "legend %s / %s / %s", info->nsymbols, sv, info->symbol_max_diameter_mm, lv[0], lv[1], lv[2]);
}

json_object *gv__symbols_json(const gv_render_info *info, const gv_layer *L) {
    json_object *js = json_object_new_object();
    json_object_object_add(js, "rule", json_object_new_string("radius_mm = max_diameter_mm / 2 * sqrt(value / scale_value)"));
    json_object_object_add(js, "scale_value", json_object_new_double(info->symbol_scale_value));
    json_object_object_add(js, "max_diameter_mm", json_object_new_double(info->symbol_max_diameter_mm));
    json_object *lg = json_object_new_array();
    for (int k = 0; k < 3; k++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "value", json_object_new_double(info->symbol_legend_values[k]));
        json_object_object_add(x, "radius_mm", json_object_new_double(info->symbol_legend_radius_mm[k]));
        json_object_array_add(lg, x);
    }
    json_object_object_add(js, "legend", lg);
    json_object *circles = json_object_new_array();
    for (size_t i = 0; i < info->nsymbols; i++) {
        const gv_symbol_placement *p = &info->symbols[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "fid", json_object_new_int64(gv_layer_fid(L, p->feature)));
        json_object_object_add(x, "value", json_object_new_double(p->value));
        json_object_object_add(x, "radius_mm", json_object_new_double(p->radius_mm));
        json_object_object_add(x, "center_mm", pair_json(p->center_mm));
        json_object_object_add(x, "center_lonlat", pair_json(p->center_lonlat));
        json_object_object_add(x, "frame", json_object_new_int(p->frame));
        json_object_array_add(circles, x);
    }
    json_object_object_add(js, "circles", circles);
    return js;
}
