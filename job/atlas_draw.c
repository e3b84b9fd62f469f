/* atlas_draw.c: the data of an atlas and the drawing of one page
 * (atlas_private.h).
 *
 * The level's layer is read once; each province or region gets its own
 * copy of its units (gv_layer_subset), so a page is an ordinary
 * gv_map_render call and pages can be drawn on several threads at once
 * (nothing is shared but read-only layers and values). Indicator values
 * and national classes are computed once per indicator, over every unit of
 * the set: a province page shows where the province stands in the
 * country, and says so in its legend. Everything that is lazy or mutable
 * (areas of the layer) is computed here, before any thread starts. */
#include "atlas_private.h"

#include "jobutil.h"
#include "map_job_modes.h"

#include "geovoice/expr.h"
#include "geovoice/format.h"
#include "geovoice/join.h"
#include "geovoice/palette.h"
#include "geovoice/render.h"
#include "geovoice/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ind_data {
    int used;                 /* a page to draw needs it */
    int rc;                   /* GV_OK, or why it could not be prepared */
    char error[GV_ERR_LEN];
    double *values;           /* per feature of the layer; NaN = no data */
    unsigned char *suppressed;/* per feature: 1 when hidden by `suppress` */
    gv_classify_spec cspec;
    gv_breaks breaks;         /* national */
    size_t k_below;
    unsigned colors[GV_CLASSES_MAX];
} ind_data;

typedef struct area_data {
    int used;
    size_t *idx;              /* features of the layer in the area */
    size_t n;
    gv_layer *layer;          /* copy of those features; NULL for the nation (the layer itself) */
    size_t nvert;
} area_data;

typedef struct table_data {
    gv_table *T;
    gv_join *J;
    int rc;
    char error[GV_ERR_LEN];
} table_data;

struct gv_atlas_data {
    gv_plan *p;
    gv_layer *L;
    gv_layer *P;              /* the set's provinces: grey context and locator of part-of-country pages */
    gv_locale loc;
    ind_data *ind;
    area_data *area;
    table_data *tab;
};

void gv__atlas_data_free(gv_atlas_data *d) {
    if (!d) return;
    for (size_t i = 0; d->ind && i < d->p->spec->nindicators; i++) {
        free(d->ind[i].values);
        free(d->ind[i].suppressed);
    }
    for (size_t a = 0; d->area && a < d->p->nareas; a++) {
        free(d->area[a].idx);
        gv_layer_free(d->area[a].layer);
    }
    for (size_t t = 0; d->tab && t < d->p->spec->ntables; t++) {
        gv_join_free(d->tab[t].J);
        gv_table_free(d->tab[t].T);
    }
    free(d->ind);
    free(d->area);
    free(d->tab);
    gv_layer_free(d->L);
    gv_layer_free(d->P);
    free(d);
}

static int needs_drawing(const gv_page_plan *pg) {
    return !pg->failed && ((pg->pdf.want && !pg->pdf.keep) || (pg->png.want && !pg->png.keep));
}

/* Features of each area: by the parent code of each unit (the layer's
 * parent field, else the set's units table). */
static int area_members(gv_atlas_data *d, gv_error *err) {
    gv_plan *p = d->p;
    const gv_set_layer *lv = p->lv;
    size_t nf = gv_layer_count(d->L);
    int pf = lv->parent_field ? gv_layer_field_index(d->L, lv->parent_field) : -1;
    int cf = gv_layer_field_index(d->L, lv->code_field);
    const gv_units *u = NULL;
    if (pf < 0) {
        int rc = gv_set_units(p->set, &u, err);
        if (rc) return rc;
        if (cf < 0)
            return gv_error_set(err, GV_EDATA, "%s: layer '%s' has no field '%s' (the set's code field)",
                                gv_layer_source(d->L), gv_layer_name(d->L), lv->code_field);
    }
    /* Province key of every feature. */
    char (*pkey)[32] = calloc(nf ? nf : 1, sizeof *pkey);
    if (!pkey) return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t f = 0; f < nf; f++) {
        const char *pc = NULL;
        if (pf >= 0) pc = gv_layer_value(d->L, f, (size_t)pf);
        else {
            const gv_unit *x = gv_units_find(u, p->spec->level, gv_layer_value(d->L, f, (size_t)cf));
            const gv_unit *anc = x ? gv_units_ancestor(u, x, GV_LEVEL_PROVINCE) : NULL;
            pc = anc ? anc->code : NULL;
        }
        if (!pc || gv_code_key(pc, pkey[f], sizeof pkey[f], NULL) != GV_OK) pkey[f][0] = 0;
    }
    int rc = GV_OK;
    for (size_t a = 0; a < p->nareas && !rc; a++) {
        area_data *ad = &d->area[a];
        if (!ad->used) continue;
        const gv_area *ar = &p->areas[a];
        if (!(ad->idx = malloc((nf ? nf : 1) * sizeof *ad->idx))) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); break; }
        char keys[256][32];
        size_t nk = 0;
        if (ar->kind == GV_AREA_PROVINCE) gv_code_key(ar->code, keys[nk++], sizeof keys[0], NULL);
        for (size_t m = 0; m < ar->nmembers && nk < 256; m++) gv_code_key(ar->members[m], keys[nk++], sizeof keys[0], NULL);
        for (size_t f = 0; f < nf; f++) {
            int in = ar->kind == GV_AREA_NATION;
            for (size_t q = 0; q < nk && !in; q++) in = !strcmp(pkey[f], keys[q]);
            if (in) ad->idx[ad->n++] = f;
        }
    }
    free(pkey);
    return rc;
}

/* Fails every page of indicator i (or of area a when i is -1) with msg. */
static void fail_pages(gv_plan *p, long i, long a, const char *msg) {
    for (size_t k = 0; k < p->npages; k++) {
        gv_page_plan *pg = &p->pages[k];
        if ((i >= 0 && pg->ind != (size_t)i) || (a >= 0 && pg->area != (size_t)a) || !needs_drawing(pg)) continue;
        pg->failed = GV_EDATA;
        snprintf(pg->error, sizeof pg->error, "%.*s", (int)sizeof pg->error - 1, msg);
    }
}

static table_data *table_for(gv_atlas_data *d, const char *id, gv_log_fn log, void *logctx) {
    const gv_atlas_spec *s = d->p->spec;
    for (size_t t = 0; t < s->ntables; t++) {
        if (strcmp(s->tables[t].id, id)) continue;
        table_data *td = &d->tab[t];
        if (td->T || td->rc) return td;
        gv_error e;
        gv_error_clear(&e);
        td->rc = gv_table_read_csv(s->tables[t].file, NULL, &td->T, &e);
        if (!td->rc) {
            for (size_t i = 0; i < gv_table_nproblems(td->T); i++) {
                const gv_table_problem *pb = gv_table_problem_at(td->T, i);
                if (pb->action == GV_FIX_NOTE) continue;
                char line[512];
                gv_table_problem_format(td->T, pb, line, sizeof line);
                gv__job_logf(log, logctx, "%s", line);
            }
            gv_join_options jo;
            memset(&jo, 0, sizeof jo);
            jo.unit_field = d->p->lv->code_field;
            jo.table_col = s->tables[t].join;
            jo.dup = s->tables[t].dup;
            char hint[400];
            snprintf(hint, sizeof hint, "key 'tables.%.60s.duplicates: sum|first|mean' in %.100s", id, s->path);
            jo.dup_hint = hint;
            td->rc = gv_join_run(d->L, td->T, &jo, &td->J, &e);
        }
        if (td->rc) {
            snprintf(td->error, sizeof td->error, "table '%.60s': %.900s", id, e.msg);
            return td;
        }
        gv__job_logf(log, logctx,
                     "table '%s' (%s) joined %s=%s: %zu of %zu units matched, %zu rows without unit, %zu name mismatches",
                     id, s->tables[t].file, d->p->lv->code_field, s->tables[t].join, gv_join_units_matched(td->J),
                     gv_layer_count(d->L), gv_join_rows_unmatched(td->J), gv_join_name_mismatches(td->J));
        /* The first few of what did not fit, as geovoice map lists them
         * (all of them: geovoice map --join-report). */
        size_t shown = 0, total = 0;
        for (size_t i = 0; i < gv_join_nissues(td->J); i++) {
            const gv_join_issue *is = gv_join_issue_at(td->J, i);
            if (is->kind == GV_ISSUE_UNIT_NO_DATA) continue; /* counted above; pages show them as no data */
            total++;
            if (shown >= 8) continue;
            shown++;
            if (is->row != (size_t)-1)
                gv__job_logf(log, logctx, "  %s: %s row %zu (line %zu) '%s': %s", gv_issue_kind_str(is->kind),
                             s->tables[t].file, is->row + 1, is->line, is->key, is->reason);
            else
                gv__job_logf(log, logctx, "  %s: unit '%s' %s: %s", gv_issue_kind_str(is->kind), is->key, is->name,
                             is->reason);
        }
        if (total > shown)
            gv__job_logf(log, logctx, "  ... %zu more (geovoice map --data %s --join-report FILE.csv lists every one)",
                         total - shown, s->tables[t].file);
        return td;
    }
    return NULL;
}

/* Values and national classes of indicator i. */
static int prepare_indicator(gv_atlas_data *d, size_t i, gv_log_fn log, void *logctx, gv_error *err) {
    const gv_atlas_indicator *ind = &d->p->spec->indicators[i];
    ind_data *id = &d->ind[i];
    size_t nf = gv_layer_count(d->L);
    const table_data *td = NULL;
    if (ind->table) {
        td = table_for(d, ind->table, log, logctx);
        if (!td) return gv_error_set(err, GV_EINTERNAL, "no table '%s'", ind->table);
        if (td->rc) return gv_error_set(err, td->rc, "%s", td->error);
    }
    gv_expr *E = NULL;
    int rc = gv_expr_parse(ind->value, &E, err);
    if (rc) return rc;
    size_t nv = gv_expr_nvars(E);
    int col[64];
    if (nv > 64) { gv_expr_free(E); return gv_error_set(err, GV_EUSAGE, "value '%s': more than 64 variables", ind->value); }
    int scol = -1;
    for (size_t k = 0; k <= nv && !rc; k++) {
        const char *name = k < nv ? gv_expr_var(E, k) : ind->suppress_column;
        if (!name) break;
        int c = -1;
        if (name[0] != '@') {
            c = gv_table_col_index(td->T, name);
            if (c < 0) {
                /* A spec that names a column its table lacks is a spec
                 * error (exit 1, before anything is drawn). */
                rc = gv_error_set(err, GV_EUSAGE, "%s: line %d, key 'indicators[%zu].%s': table '%s' (%s) has no column '%s'",
                                  d->p->spec->path, ind->line, i + 1, k == nv ? "suppress.column" : "value", ind->table,
                                  gv_table_path(td->T), name);
                break;
            }
            /* A bad cell is bad input wherever it is. */
            for (size_t r = 0; r < gv_table_nrows(td->T) && !rc; r++) {
                double x;
                rc = gv_table_number(td->T, r, (size_t)c, &x, err);
            }
        }
        if (k < nv) col[k] = c;
        else scol = c;
    }
    id->values = malloc((nf ? nf : 1) * sizeof(double));
    id->suppressed = calloc(nf ? nf : 1, 1);
    if (!rc && (!id->values || !id->suppressed)) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    size_t nsup = 0, nmiss = 0;
    for (size_t f = 0; f < nf && !rc; f++) {
        double vars[64];
        const size_t *rows = td ? gv_join_unit_rows(td->J, f) : NULL;
        size_t nrow = td ? gv_join_unit_nrows(td->J, f) : 0;
        gv_dup_policy dup = td ? d->p->spec->tables[td - d->tab].dup : GV_DUP_ERROR;
        for (size_t k = 0; k < nv; k++) {
            if (col[k] < 0) vars[k] = gv_layer_area_km2(d->L, f);
            else if (nrow) vars[k] = gv__rows_combine(td->T, rows, nrow, (size_t)col[k], dup);
            else vars[k] = NAN;
        }
        gv_expr_eval(E, vars, &id->values[f], NULL);
        if (scol >= 0 && nrow) {
            double c = gv__rows_combine(td->T, rows, nrow, (size_t)scol, dup);
            if (isfinite(c) && c < ind->suppress_below) {
                id->values[f] = NAN;
                id->suppressed[f] = 1;
                nsup++;
            }
        }
        if (!isfinite(id->values[f])) {
            id->values[f] = NAN;
            nmiss++;
        }
    }
    gv_expr_free(E);
    if (!rc) rc = gv_classify_parse(ind->classify, &id->cspec, err);
    if (!rc) {
        rc = ind->has_center ? gv_classify_centered(id->values, nf, &id->cspec, ind->center, &id->breaks, &id->k_below, err)
                             : gv_classify(id->values, nf, &id->cspec, &id->breaks, err);
        if (rc) gv_error_prefix(err, "value '%s': ", ind->value);
    }
    if (!rc)
        rc = ind->has_center ? gv__diverging_colors(ind->palette, &id->breaks, id->k_below, ind->reverse, id->colors, err)
                             : gv_palette_colors(ind->palette, id->breaks.k, ind->reverse, id->colors, err);
    if (!rc) {
        char sup[64] = "";
        if (ind->suppress_column) snprintf(sup, sizeof sup, " (%zu suppressed)", nsup);
        gv__job_logf(log, logctx, "indicator '%s': %zu units, %zu without data%s, %zu national classes (%s)%s", ind->slug,
                     nf, nmiss, sup, id->breaks.k, ind->classify,
                     ind->local_breaks ? "; province and region pages classify their own units (breaks: local)" : "");
    }
    return rc;
}

int gv__atlas_data_load(gv_plan *p, gv_log_fn log, void *logctx, gv_atlas_data **out, gv_error *err) {
    *out = NULL;
    gv_atlas_data *d = calloc(1, sizeof *d);
    if (!d) return gv_error_set(err, GV_ENOMEM, "out of memory");
    d->p = p;
    d->ind = calloc(p->spec->nindicators, sizeof *d->ind);
    d->area = calloc(p->nareas ? p->nareas : 1, sizeof *d->area);
    d->tab = calloc(p->spec->ntables ? p->spec->ntables : 1, sizeof *d->tab);
    if (!d->ind || !d->area || !d->tab) { gv__atlas_data_free(d); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    gv_locale_parse(p->spec->locale, &d->loc, NULL);
    for (size_t k = 0; k < p->npages; k++)
        if (needs_drawing(&p->pages[k])) {
            d->ind[p->pages[k].ind].used = 1;
            d->area[p->pages[k].area].used = 1;
        }
    double t = gv__job_now_ms();
    int rc = gv_layer_open(p->lv->source, p->lv->layer, NULL, &d->L, err);
    if (rc) { gv__atlas_data_free(d); return rc; }
    gv__job_logf(log, logctx, "boundaries: %s, layer '%s': %zu features, %zu vertices (%.0f ms)", p->lv->source,
                 gv_layer_name(d->L), gv_layer_count(d->L), gv_layer_nvertices(d->L), gv__job_now_ms() - t);
    char gs[600];
    if (gv_layer_geom_summary(d->L, gs, sizeof gs)) gv__job_logf(log, logctx, "geometry: %s", gs);
    const gv_atlas_spec *s = p->spec;
    if (s->labels && gv_layer_field_index(d->L, s->labels) < 0) {
        rc = gv_error_set(err, GV_EUSAGE, "%s: key 'map.labels': layer '%s' has no field '%s'", s->path,
                          gv_layer_name(d->L), s->labels);
        gv__atlas_data_free(d);
        return rc;
    }
    int part_pages = 0;
    for (size_t a = 0; a < p->nareas; a++) part_pages |= d->area[a].used && p->areas[a].kind != GV_AREA_NATION;
    if (part_pages && (s->context || s->locator)) {
        const gv_set_layer *pl = gv_set_level(p->set, GV_LEVEL_PROVINCE);
        t = gv__job_now_ms();
        if ((rc = gv_layer_open(pl->source, pl->layer, NULL, &d->P, err))) {
            gv__atlas_data_free(d);
            return gv_error_prefix(err, "context: ");
        }
        gv__job_logf(log, logctx, "context: %s, layer '%s': %zu provinces%s%s (%.0f ms)", pl->source,
                     gv_layer_name(d->P), gv_layer_count(d->P), s->context ? " in grey behind" : "",
                     s->locator ? ", in the locator" : "", gv__job_now_ms() - t);
    }
    /* Areas are computed lazily by the layer: once, here, before any
     * subset copies them and before threads read them. */
    gv_layer_area_km2(d->L, 0);
    if ((rc = area_members(d, err))) { gv__atlas_data_free(d); return rc; }
    for (size_t i = 0; i < p->spec->nindicators; i++) {
        if (!d->ind[i].used) continue;
        gv_error e;
        gv_error_clear(&e);
        d->ind[i].rc = prepare_indicator(d, i, log, logctx, &e);
        if (d->ind[i].rc == GV_EUSAGE) {
            /* The spec does not fit its tables (a column or the join
             * column missing): the whole run stops, nothing drawn. */
            const gv_atlas_indicator *ind = &p->spec->indicators[i];
            int tline = ind->line;
            for (size_t t = 0; ind->table && t < p->spec->ntables; t++)
                if (!strcmp(p->spec->tables[t].id, ind->table)) tline = p->spec->tables[t].line;
            if (strstr(e.msg, ": line ")) gv_error_set(err, GV_EUSAGE, "%s", e.msg);
            else
                gv_error_set(err, GV_EUSAGE, "%s: line %d, key 'tables.%s.join': %s", p->spec->path, tline,
                             ind->table ? ind->table : "?", e.msg);
            gv__atlas_data_free(d);
            return GV_EUSAGE;
        }
        if (d->ind[i].rc) {
            char msg[GV_ERR_LEN + 64];
            snprintf(msg, sizeof msg, "indicator '%.60s': %.900s", p->spec->indicators[i].slug, e.msg);
            gv__job_logf(log, logctx, "%s", msg);
            fail_pages(p, (long)i, -1, msg);
        }
    }
    for (size_t a = 0; a < p->nareas; a++) {
        area_data *ad = &d->area[a];
        if (!ad->used) continue;
        if (!ad->n) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: no %s of boundary set '%s' lies in it", p->areas[a].name,
                     gv_level_name(p->spec->level), gv_set_name(p->set));
            fail_pages(p, -1, (long)a, msg);
            continue;
        }
        if (p->areas[a].kind == GV_AREA_NATION) { ad->nvert = gv_layer_nvertices(d->L); continue; }
        if ((rc = gv_layer_subset(d->L, ad->idx, ad->n, &ad->layer, err))) { gv__atlas_data_free(d); return rc; }
        ad->nvert = gv_layer_nvertices(ad->layer);
    }
    *out = d;
    return GV_OK;
}

size_t gv__atlas_page_cost(const gv_atlas_data *d, const gv_plan *p, size_t k) {
    return d->area[p->pages[k].area].nvert;
}

static int draw_one(const gv_map_spec *ms, const char *dir, gv_out_file *f, int png, gv_error *err) {
    char path[5000];
    snprintf(path, sizeof path, "%s/%s", dir, f->file);
    gv_render_info info;
    memset(&info, 0, sizeof info);
    int rc = gv_map_render(ms, path, &info, err);
    if (!rc && png) {
        f->width_px = info.width_px;
        f->height_px = info.height_px;
    }
    f->frames[0] = 0;
    for (size_t k = 0; !rc && k < info.nframes; k++) {
        size_t n = strlen(f->frames);
        snprintf(f->frames + n, sizeof f->frames - n, "%s%s", n ? "," : "", info.frames[k].name);
    }
    gv_render_info_clear(&info);
    if (!rc) rc = gv__sha256_file(path, f->sha256, err);
    return rc;
}

int gv__atlas_draw_page(const gv_atlas_data *d, gv_plan *p, size_t k, const char *dir, int threads, gv_error *err) {
    gv_page_plan *pg = &p->pages[k];
    const gv_atlas_indicator *ind = &p->spec->indicators[pg->ind];
    const ind_data *id = &d->ind[pg->ind];
    const area_data *ad = &d->area[pg->area];
    const gv_area *ar = &p->areas[pg->area];
    const gv_layer *L = ad->layer ? ad->layer : d->L;
    int en = d->loc == GV_LOCALE_EN;
    double *v = malloc((ad->n ? ad->n : 1) * sizeof *v);
    unsigned char *sup = malloc(ad->n ? ad->n : 1);
    if (!v || !sup) { free(v); free(sup); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    size_t nsup = 0;
    for (size_t j = 0; j < ad->n; j++) {
        v[j] = id->values[ad->idx[j]];
        sup[j] = id->suppressed[ad->idx[j]];
        nsup += sup[j];
    }
    gv_breaks br = id->breaks;
    unsigned colors[GV_CLASSES_MAX];
    memcpy(colors, id->colors, sizeof colors);
    int rc = GV_OK;
    if (ind->local_breaks && ar->kind != GV_AREA_NATION) {
        size_t kb = 0;
        rc = ind->has_center ? gv_classify_centered(v, ad->n, &id->cspec, ind->center, &br, &kb, err)
                             : gv_classify(v, ad->n, &id->cspec, &br, err);
        if (!rc)
            rc = ind->has_center ? gv__diverging_colors(ind->palette, &br, kb, ind->reverse, colors, err)
                                 : gv_palette_colors(ind->palette, br.k, ind->reverse, colors, err);
        if (rc) {
            gv_error_prefix(err, "%s: local classes of '%s': ", ar->name, ind->value);
            free(v);
            free(sup);
            return rc;
        }
    }
    /* The legend says whose classes these are, and what is hidden. */
    char legend[1200];
    size_t ln = (size_t)snprintf(legend, sizeof legend, "%s", ind->legend_title);
    if (ar->kind != GV_AREA_NATION && ln < sizeof legend)
        ln += (size_t)snprintf(legend + ln, sizeof legend - ln, "\n%s",
                               ind->local_breaks ? (en ? "classes of this area" : "phân lớp riêng của vùng này")
                                                 : (en ? "national classes" : "phân lớp chung cả nước"));
    if (nsup && ln < sizeof legend) {
        char kbuf[64];
        gv_format_number(ind->suppress_below, ind->suppress_below == floor(ind->suppress_below) ? 0 : 2, d->loc, kbuf, sizeof kbuf);
        snprintf(legend + ln, sizeof legend - ln, en ? "\nsuppressed: %s < %s" : "\nẩn khi %s < %s", ind->suppress_column, kbuf);
    }
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = L;
    ms.values = v;
    ms.breaks = &br;
    ms.colors = colors;
    ms.nodata_color = 0xf0f0f0;
    /* Suppressed units: a grey and a legend row of their own, apart from
     * no data (as geovoice map draws them). */
    ms.suppressed = nsup ? sup : NULL;
    ms.suppressed_color = 0xa0a0a0;
    ms.title = pg->title;
    ms.subtitle = *pg->subtitle ? pg->subtitle : NULL;
    ms.legend_title = legend;
    ms.source = ind->source;
    ms.date = ind->date;
    ms.label_field = p->lv->name_field;
    ms.locale = d->loc;
    ms.decimals = ind->decimals;
    ms.page = p->spec->page;
    ms.dpi = p->spec->dpi;
    ms.insets = 1;
    ms.threads = threads;
    ms.author = p->spec->author;
    ms.subject = ind->name;
    ms.keywords = p->spec->keywords;
    ms.north_arrow = p->spec->north_arrow;
    gv_map_context cx;
    memset(&cx, 0, sizeof cx);
    if (d->P && ar->kind != GV_AREA_NATION) {
        cx.layer = d->P;
        cx.behind = p->spec->context;
        cx.locator = p->spec->locator;
        ms.context = &cx;
    }
    gv_map_labels lb;
    memset(&lb, 0, sizeof lb);
    if (p->spec->labels) {
        lb.field = p->spec->labels;
        lb.halo = p->spec->label_halo;
        ms.labels = &lb;
    }
    if (pg->pdf.want && !pg->pdf.keep) rc = draw_one(&ms, dir, &pg->pdf, 0, err);
    if (!rc && pg->png.want && !pg->png.keep) rc = draw_one(&ms, dir, &pg->png, 1, err);
    free(v);
    free(sup);
    return rc;
}
