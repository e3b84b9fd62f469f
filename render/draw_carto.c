/* draw_carto.c: paints the cartographic finish over the map: the neat
 * line of context maps, unit labels (with their halo), the locator inset
 * and the north arrow. Positions come from layout.c, labels.c and
 * context.c; here only Cairo and Pango calls. Labels are Pango text, so
 * PDF keeps them as selectable text; a halo is the text's outline
 * stroked in white under it. */
#include "carto.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void gv__setup_context(PangoContext *ctx);
PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm);

#define HALO_MM 0.35
#define LOCATOR_RED 0xd7301f

static void rgb(cairo_t *cr, unsigned c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

/* Does the box {x, y, w, h} (mm, grown by pad) meet rows [y0, y1) mm? */
static int on_rows(const double *b, double pad, double y0, double y1) {
    return b[1] + b[3] + pad >= y0 && b[1] - pad < y1;
}

static void draw_labels(cairo_t *cr, PangoContext *ctx, const gv_carto *c, double y0, double y1) {
    for (size_t f = 0; f < c->nf; f++) {
        if (!c->drawn || !c->drawn[f]) continue;
        const double *b = c->drawn_box + 4 * f;
        if (!on_rows(b, 2 * HALO_MM + 0.5, y0, y1)) continue;
        PangoLayout *pl = gv__label_layout(ctx, c->drawn[f], c->label_pt);
        if (c->halo) {
            cairo_move_to(cr, b[0], b[1]);
            pango_cairo_layout_path(cr, pl);
            cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
            cairo_set_line_width(cr, 2 * HALO_MM);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            cairo_stroke(cr);
        }
        cairo_move_to(cr, b[0], b[1]);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        pango_cairo_show_layout(cr, pl);
        g_object_unref(pl);
    }
}

static void ring_paths(cairo_t *cr, const gv_ringset *r, double dpm) {
    for (size_t i = 0; i < r->nrings; i++) {
        const gv_proj_ring *rg = &r->rings[i];
        const double *p = r->pts + 2 * rg->off;
        if (!rg->n) continue;
        cairo_move_to(cr, p[0] / dpm, p[1] / dpm);
        for (size_t k = 1; k < rg->n; k++) cairo_line_to(cr, p[2 * k] / dpm, p[2 * k + 1] / dpm);
        cairo_close_path(cr);
    }
}

static void draw_locator(cairo_t *cr, const gv_carto *c, const gv_layout *l, double dpm) {
    const double *r = l->locator.rect;
    cairo_rectangle(cr, r[0], r[1], r[2], r[3]);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 0.25);
    cairo_stroke(cr);
    cairo_save(cr);
    cairo_rectangle(cr, r[0], r[1], r[2], r[3]);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    ring_paths(cr, &c->loc_ctx, dpm);
    rgb(cr, 0xd0d0d0);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 0.1);
    cairo_stroke(cr);
    /* The mapped units as one red patch: non-zero fill and a stroke in
     * the same red close the seams between neighbours. */
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    ring_paths(cr, &c->loc_subject, dpm);
    rgb(cr, LOCATOR_RED);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 0.12);
    cairo_stroke(cr);
    /* A footprint smaller than ~2 mm is ringed, so it can be found. */
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t k = 0; k < c->loc_subject.npts; k++) {
        const double *p = c->loc_subject.pts + 2 * k;
        b[0] = fmin(b[0], p[0] / dpm);
        b[1] = fmin(b[1], p[1] / dpm);
        b[2] = fmax(b[2], p[0] / dpm);
        b[3] = fmax(b[3], p[1] / dpm);
    }
    if (b[0] <= b[2] && fmax(b[2] - b[0], b[3] - b[1]) < 2.0) {
        cairo_new_path(cr);
        cairo_arc(cr, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 1.8, 0, 2 * M_PI);
        rgb(cr, LOCATOR_RED);
        cairo_set_line_width(cr, 0.3);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

/* A north arrow: a split needle (dark and white halves) pointing to true
 * north, the letter above it. */
static void draw_north(cairo_t *cr, PangoContext *ctx, const gv_layout *l, const gv_map_spec *sp) {
    const double *r = l->north_rect;
    const char *letter = sp->locale == GV_LOCALE_EN ? "N" : "B"; /* Bắc */
    PangoLayout *pl = gv__text_layout(ctx, letter, l->body_pt, 1, -1);
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    double tw = (double)iw / PANGO_SCALE, th = (double)ih / PANGO_SCALE;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, r[0] + (r[2] - tw) / 2, r[1]);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
    double cx = r[0] + r[2] / 2, top = r[1] + th, len = r[3] - th, cy = top + len / 2;
    double hw = fmin(r[2] * 0.32, len * 0.22), hl = len * 0.48;
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, l->north_rot);
    cairo_set_line_width(cr, 0.2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    for (int side = 0; side < 2; side++) {
        double sx = side ? hw : -hw;
        cairo_move_to(cr, 0, -hl);
        cairo_line_to(cr, sx, hl);
        cairo_line_to(cr, 0, hl * 0.55);
        cairo_close_path(cr);
        if (side) cairo_set_source_rgb(cr, 1, 1, 1);
        else cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

void gv__carto_draw_over(cairo_t *cr, const gv_carto *c, const gv_layout *l, const gv_map_spec *sp, double dpm,
                         double y0, double y1) {
    if (!l->neatline && !c->drawn && !l->has_locator && !l->has_north) return;
    y0 /= dpm; /* rows in mm from here */
    y1 /= dpm;
    cairo_save(cr);
    cairo_scale(cr, dpm, dpm);
    PangoContext *ctx = pango_cairo_create_context(cr);
    gv__setup_context(ctx);
    if (l->neatline) {
        const double *r = l->frames[0].rect;
        cairo_rectangle(cr, r[0], r[1], r[2], r[3]);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 0.3);
        cairo_stroke(cr);
    }
    draw_labels(cr, ctx, c, y0, y1);
    if (l->has_locator && on_rows(l->locator.rect, 1, y0, y1)) draw_locator(cr, c, l, dpm);
    if (l->has_north && on_rows(l->north_rect, 1, y0, y1)) draw_north(cr, ctx, l, sp);
    g_object_unref(ctx);
    cairo_restore(cr);
}
