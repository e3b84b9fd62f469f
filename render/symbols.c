/* symbols.c: proportional circles (render.h gv_map_symbols).
 *
 * A circle's area is proportional to its unit's value, so its radius is
 * R * sqrt(value / scale) with R half the diameter given for the scale
 * value (Flannery's apparent-value correction is deliberately not used:
 * the legend's reference circles are drawn by the same rule, so readers
 * compare like with like). Circles sit on the units' poles of
 * inaccessibility, are drawn largest first, semi-opaque with an outline,
 * and are kept off the legend by the layout's occupancy mask. */
#include "carto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SYM_DEFAULT_COLOR 0xde2d26
#define SYM_ALPHA 0.78

typedef struct sym_key {
    double v;
    size_t f;
} sym_key;

/* Largest value first, then layer order: the same page every time. */
static int cmp_desc(const void *a, const void *b) {
    const sym_key *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return (x->f > y->f) - (x->f < y->f);
}

/* Largest of 1, 2, 5 times a power of ten not above v (v > 0). */
static double nice_floor(double v) {
    double p = pow(10, floor(log10(v)));
    const double st[] = {5, 2, 1};
    for (int i = 0; i < 3; i++)
        if (st[i] * p <= v * (1 + 1e-12)) return st[i] * p;
    return p;
}

int gv__symbols_prepare(const gv_map_spec *sp, double page_short_mm, gv_carto *c, unsigned char *want,
                        gv_error *err) {
    const gv_map_symbols *sy = sp->symbols;
    size_t nf = gv_layer_count(sp->layer);
    c->sym_f = malloc((nf ? nf : 1) * sizeof(size_t));
    c->sym_r = malloc((nf ? nf : 1) * sizeof(double));
    c->sym_xy = malloc((nf ? nf : 1) * 2 * sizeof(double));
    if (!c->sym_f || !c->sym_r || !c->sym_xy) return gv_error_set(err, GV_ENOMEM, "out of memory (symbols)");
    sym_key *keys = malloc((nf ? nf : 1) * sizeof *keys);
    if (!keys) return gv_error_set(err, GV_ENOMEM, "out of memory (symbols)");
    double vmax = 0;
    size_t n = 0;
    for (size_t f = 0; f < nf; f++) {
        double v = sy->values[f];
        if (!(v > 0) || !isfinite(v)) continue;
        keys[n++] = (sym_key){v, f};
        if (v > vmax) vmax = v;
    }
    qsort(keys, n, sizeof *keys, cmp_desc);
    for (size_t i = 0; i < n; i++) c->sym_f[i] = keys[i].f;
    free(keys);
    c->nsym = n;
    c->sym_color = sy->color ? sy->color : SYM_DEFAULT_COLOR;
    c->sym_max_d = sy->max_diameter_mm > 0 ? sy->max_diameter_mm : 0.06 * page_short_mm;
    c->sym_scale = sy->scale_value > 0 ? sy->scale_value : vmax;
    double R = c->sym_max_d / 2;
    for (size_t i = 0; i < n; i++) {
        size_t f = c->sym_f[i];
        c->sym_r[i] = c->sym_scale > 0 ? R * sqrt(sy->values[f] / c->sym_scale) : 0;
        want[f] = 1;
    }
    /* Legend: the largest round value not above the scale, then about a
     * quarter and a sixteenth of it (areas 4 and 16 times smaller). */
    if (c->sym_scale > 0) {
        c->sym_ref_v[0] = nice_floor(c->sym_scale);
        c->sym_ref_v[1] = nice_floor(c->sym_ref_v[0] / 4);
        c->sym_ref_v[2] = nice_floor(c->sym_ref_v[0] / 16);
        for (int k = 0; k < 3; k++) c->sym_ref_r[k] = R * sqrt(c->sym_ref_v[k] / c->sym_scale);
    }
    return GV_OK;
}

int gv__symbols_to_device(gv_carto *c, const gv_layout *lay, double dpm, PJ *P, const int *frame_index,
                          gv_symbol_placement **out, gv_error *err) {
    *out = calloc(c->nsym ? c->nsym : 1, sizeof **out);
    if (!*out) return gv_error_set(err, GV_ENOMEM, "out of memory (symbols)");
    size_t k = 0;
    for (size_t i = 0; i < c->nsym; i++) {
        size_t f = c->sym_f[i];
        const gv_pole *po = &c->poles[f];
        if (po->frame < 0 || !(po->d > 0)) continue; /* no polygon drawn: no circle */
        const gv_frame *fr = &lay->frames[po->frame];
        gv_symbol_placement *p = &(*out)[k];
        p->feature = f;
        p->radius_mm = c->sym_r[i];
        p->center_mm[0] = fr->x0 + fr->scale * po->x;
        p->center_mm[1] = fr->y0 - fr->scale * po->y;
        PJ_COORD ll = proj_trans(P, PJ_INV, proj_coord(po->x, po->y, 0, 0));
        p->center_lonlat[0] = proj_todeg(ll.lp.lam);
        p->center_lonlat[1] = proj_todeg(ll.lp.phi);
        p->frame = frame_index[po->frame];
        /* compact the drawing arrays alongside */
        c->sym_f[k] = f;
        c->sym_r[k] = c->sym_r[i] * dpm;
        c->sym_xy[2 * k] = p->center_mm[0] * dpm;
        c->sym_xy[2 * k + 1] = p->center_mm[1] * dpm;
        k++;
    }
    c->nsym = k;
    c->sym_lw = fmax(0.5, 0.15 * dpm);
    return GV_OK;
}

void gv__symbols_draw(cairo_t *cr, const gv_carto *c, double y0, double clip_y0, double clip_y1) {
    if (!c || !c->nsym) return;
    unsigned col = c->sym_color;
    double r = ((col >> 16) & 255) / 255.0, g = ((col >> 8) & 255) / 255.0, b = (col & 255) / 255.0;
    cairo_save(cr);
    cairo_set_line_width(cr, c->sym_lw);
    for (size_t i = 0; i < c->nsym; i++) {
        double x = c->sym_xy[2 * i], y = c->sym_xy[2 * i + 1] - y0, rad = c->sym_r[i];
        if (y + rad < clip_y0 - 2 || y - rad > clip_y1 + 2) continue;
        cairo_new_path(cr);
        cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, r, g, b, SYM_ALPHA);
        cairo_fill_preserve(cr);
        /* outline: the fill colour darkened, opaque */
        cairo_set_source_rgb(cr, r * 0.55, g * 0.55, b * 0.55);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}
