/* map_modes.c: renderer parts of the categorical and dot-density modes
 * (see map_modes.h). The classed choropleth never reaches this file
 * beyond a NULL check, so its speed is unchanged. */
#include "map_modes.h"

#include "geovoice/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYMBOL_BASE_COLOR 0xebebe6 /* units under proportional circles alone */
#define OUTSIDE_COLOR 0xbdbdbd     /* a value outside the classes (as map_render.c) */

static void nodata_row(const gv_map_spec *sp, gv_layout *l, size_t nodata) {
    if (!nodata || l->nrows >= GV_LEGEND_MAX) return;
    gv_legend_row *r = &l->rows[l->nrows++];
    char nb[32];
    r->color = sp->nodata_color;
    r->hatched = 1;
    gv_format_number((double)nodata, 0, sp->locale, nb, sizeof nb);
    snprintf(r->text, sizeof r->text, "%s  (%s)", sp->locale == GV_LOCALE_EN ? "No data" : "Không có dữ liệu", nb);
}

int gv__legend_mode_rows(const gv_map_spec *sp, gv_layout *l) {
    size_t nf = gv_layer_count(sp->layer);
    if (sp->categories) {
        const gv_map_categories *c = sp->categories;
        size_t nodata = 0;
        size_t *cnt = calloc(c->n ? c->n : 1, sizeof(size_t));
        if (!cnt) return 1;
        for (size_t f = 0; f < nf; f++) {
            int k = c->feature_class[f];
            if (k < 0 || (size_t)k >= c->n) nodata++;
            else cnt[k]++;
        }
        for (size_t k = 0; k < c->n && l->nrows < GV_LEGEND_MAX - 1; k++) {
            if (!cnt[k]) continue; /* absent here: not listed, its colour stays reserved */
            gv_legend_row *r = &l->rows[l->nrows++];
            char nb[32];
            r->color = c->colors[k];
            gv_format_number((double)cnt[k], 0, sp->locale, nb, sizeof nb);
            snprintf(r->text, sizeof r->text, "%s  (%s)", c->labels[k], nb);
        }
        free(cnt);
        nodata_row(sp, l, nodata);
        return 1;
    }
    if (sp->dots) {
        const gv_map_dots *d = sp->dots;
        const gv_dot_set *s = d->set;
        for (size_t g = 0; g < s->ngroups && l->nrows < GV_LEGEND_MAX - 2; g++) {
            gv_legend_row *r = &l->rows[l->nrows++];
            r->color = d->colors[g];
            r->shape = 1;
            snprintf(r->text, sizeof r->text, "%s", d->labels[g]);
        }
        gv_legend_row *r = &l->rows[l->nrows++];
        char nb[64];
        int dec = s->per_dot == floor(s->per_dot) ? 0 : 2;
        gv_format_number(s->per_dot, dec, sp->locale, nb, sizeof nb);
        r->shape = 2;
        snprintf(r->text, sizeof r->text, sp->locale == GV_LOCALE_EN ? "1 dot = %s persons" : "1 chấm = %s người", nb);
        size_t nodata = 0;
        for (size_t f = 0; sp->values && f < nf; f++)
            if (!isfinite(sp->values[f])) nodata++;
        nodata_row(sp, l, nodata);
        return 1;
    }
    if (sp->bivariate) {
        size_t nodata = 0;
        for (size_t f = 0; f < nf; f++)
            if (!isfinite(sp->bivariate->x[f]) || !isfinite(sp->bivariate->y[f])) nodata++;
        nodata_row(sp, l, nodata);
        return 1;
    }
    if (sp->symbols && !sp->breaks) {
        /* Circles alone: the units are a grey base; the legend has the
         * circles (layout.c) and "no data". */
        size_t nodata = 0;
        for (size_t f = 0; sp->values && f < nf; f++)
            if (!isfinite(sp->values[f])) nodata++;
        nodata_row(sp, l, nodata);
        return 1;
    }
    return 0;
}

int gv__mode_fill(const gv_map_spec *sp, unsigned *fill, unsigned nodata_flag) {
    size_t nf = gv_layer_count(sp->layer);
    if (sp->categories) {
        const gv_map_categories *c = sp->categories;
        for (size_t f = 0; f < nf; f++) {
            int k = c->feature_class[f];
            fill[f] = k < 0 || (size_t)k >= c->n ? nodata_flag | sp->nodata_color : c->colors[k];
        }
        return 1;
    }
    if (sp->dots) {
        for (size_t f = 0; f < nf; f++)
            fill[f] = sp->values && !isfinite(sp->values[f]) ? nodata_flag | sp->nodata_color : sp->dots->base_color;
        return 1;
    }
    if (sp->bivariate) {
        const gv_map_bivariate *b = sp->bivariate;
        for (size_t f = 0; f < nf; f++) {
            if (!isfinite(b->x[f]) || !isfinite(b->y[f])) { fill[f] = nodata_flag | sp->nodata_color; continue; }
            int cx = gv_breaks_class(b->bx, b->x[f]), cy = gv_breaks_class(b->by, b->y[f]);
            fill[f] = cx < 0 || cy < 0 || cx > 2 || cy > 2 ? OUTSIDE_COLOR : b->colors[3 * cy + cx];
        }
        return 1;
    }
    if (sp->symbols && !sp->breaks) {
        for (size_t f = 0; f < nf; f++)
            fill[f] = sp->values && !isfinite(sp->values[f]) ? nodata_flag | sp->nodata_color : SYMBOL_BASE_COLOR;
        return 1;
    }
    return 0;
}

int gv__dots_prepare(const gv_map_spec *sp, const int *ring_frame, gv_dev_dots *d, gv_error *err) {
    memset(d, 0, sizeof *d);
    if (!sp->dots || !sp->dots->set || !sp->dots->set->n) return GV_OK;
    const gv_dot_set *s = sp->dots->set;
    size_t nf = gv_layer_count(sp->layer);
    size_t *base = malloc((nf ? nf : 1) * sizeof(size_t));
    d->xy = malloc(2 * s->n * sizeof(double));
    d->frame = malloc(s->n * sizeof(int));
    d->rgb = malloc(s->n * sizeof(unsigned));
    if (!base || !d->xy || !d->frame || !d->rgb) {
        free(base);
        gv__dots_free(d);
        return gv_error_set(err, GV_ENOMEM, "out of memory (dots)");
    }
    size_t acc = 0;
    for (size_t f = 0; f < nf; f++) {
        const double *xy; const size_t *off; const int *part; size_t nr;
        gv_layer_rings(sp->layer, f, &xy, &off, &part, &nr);
        base[f] = acc;
        acc += nr;
    }
    for (size_t i = 0; i < s->n; i++) {
        const gv_dot *t = &s->dots[i];
        d->xy[2 * i] = t->lon;
        d->xy[2 * i + 1] = t->lat;
        d->frame[i] = t->feature < nf && base[t->feature] + t->ring < acc ? ring_frame[base[t->feature] + t->ring] : 0;
        d->rgb[i] = sp->dots->colors[t->group];
    }
    d->n = s->n;
    d->r_dev = (sp->dots->diameter_mm > 0 ? sp->dots->diameter_mm : 0.5) / 2; /* mm until gv__dots_to_device */
    free(base);
    return GV_OK;
}

void gv__dots_to_device(gv_dev_dots *d, PJ *P, const gv_layout *lay, double dev_per_mm) {
    if (!d->n) return;
    d->r_dev *= dev_per_mm;
    for (size_t i = 0; i < d->n; i++) {
        d->xy[2 * i] = proj_torad(d->xy[2 * i]);
        d->xy[2 * i + 1] = proj_torad(d->xy[2 * i + 1]);
    }
    proj_trans_generic(P, PJ_FWD, d->xy, 2 * sizeof(double), d->n, d->xy + 1, 2 * sizeof(double), d->n, NULL, 0, 0,
                       NULL, 0, 0);
    for (size_t i = 0; i < d->n; i++) {
        const gv_frame *fr = &lay->frames[d->frame[i] >= 0 && d->frame[i] < lay->nframes ? d->frame[i] : 0];
        double s = fr->scale * dev_per_mm;
        d->xy[2 * i] = fr->x0 * dev_per_mm + s * d->xy[2 * i];
        d->xy[2 * i + 1] = fr->y0 * dev_per_mm - s * d->xy[2 * i + 1];
    }
}

void gv__dots_draw(cairo_t *cr, const gv_dev_dots *d, double y0, double clip_y0, double clip_y1) {
    if (!d || !d->n) return;
    cairo_save(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    for (size_t i = 0; i < d->n; i++) {
        double x = d->xy[2 * i], y = d->xy[2 * i + 1] - y0;
        if (!isfinite(x) || !isfinite(y) || y + d->r_dev < clip_y0 - 1 || y - d->r_dev > clip_y1 + 1) continue;
        unsigned c = d->rgb[i];
        cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
        cairo_new_path(cr);
        cairo_arc(cr, x, y, d->r_dev, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

void gv__dots_free(gv_dev_dots *d) {
    if (!d) return;
    free(d->xy);
    free(d->frame);
    free(d->rgb);
    memset(d, 0, sizeof *d);
}
