/* legend_bivariate.c: the square legend of a bivariate choropleth
 * (render.h gv_map_bivariate): 3 x 3 class squares, the first indicator
 * growing to the right and the second upwards, the two inner class edges
 * of each written along the bottom and the left side, and each axis's
 * title with an arrow (the vertical one turned a quarter). */
#include "layout.h"

#include "geovoice/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm);

static void size_of(PangoContext *ctx, const char *t, double pt, int bold, double width, double *w, double *h) {
    PangoLayout *pl = gv__text_layout(ctx, t, pt, bold, width);
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    *w = (double)iw / PANGO_SCALE;
    *h = (double)ih / PANGO_SCALE;
    g_object_unref(pl);
}

void gv__biv_legend_measure(PangoContext *ctx, const gv_map_spec *sp, gv_layout *l) {
    const gv_map_bivariate *bv = sp->bivariate;
    l->has_biv = 1;
    double pt = l->small_pt, w, h, tw = 0, th = 0, xw = 0;
    const gv_breaks *b[2] = {bv->bx, bv->by};
    char (*ticks[2])[64] = {l->biv_xtick, l->biv_ytick};
    for (int a = 0; a < 2; a++) {
        int dec = sp->decimals >= 0 ? sp->decimals : gv_format_decimals_for(b[a]->edges, b[a]->k + 1);
        for (int k = 0; k < 2; k++) {
            gv_format_number(b[a]->k > (size_t)k + 1 ? b[a]->edges[k + 1] : NAN, dec, sp->locale, ticks[a][k], 64);
            size_of(ctx, ticks[a][k], pt, 0, -1, &w, &h);
            if (a == 0) th = fmax(th, h), xw = fmax(xw, w);
            else tw = fmax(tw, w);
        }
    }
    /* A class square at least as wide as the edge values under it, so
     * neighbouring values do not run together. */
    l->biv_cell = fmax(fmax(4.0, l->body_pt * 0.353 * 2.1), xw + 1.2);
    double S = 3 * l->biv_cell;
    snprintf(l->biv_xtitle, sizeof l->biv_xtitle, "%s →", bv->x_title ? bv->x_title : "");
    snprintf(l->biv_ytitle, sizeof l->biv_ytitle, "%s →", bv->y_title ? bv->y_title : "");
    l->biv_xtick_h = th;
    l->biv_ytick_w = tw;
    /* The vertical title runs along the square (wrapped to its height),
     * so its extent across is its layout's height. */
    size_of(ctx, l->biv_ytitle, l->body_pt, 1, S + l->biv_xtick_h, &w, &h);
    l->biv_ytitle_w = h;
    double full = l->biv_ytitle_w + 1 + l->biv_ytick_w + 1 + S;
    size_of(ctx, l->biv_xtitle, l->body_pt, 1, fmax(full, 40), &w, &h);
    l->biv_xtitle_h = h;
    l->biv_w = fmax(full, w);
    l->biv_h = S + 0.6 + l->biv_xtick_h + 0.6 + l->biv_xtitle_h;
}

static void rgb(cairo_t *cr, unsigned c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

static void text(cairo_t *cr, PangoContext *ctx, const char *t, double pt, int bold, double width, double x, double y,
                 double ax, double ay) {
    PangoLayout *pl = gv__text_layout(ctx, t, pt, bold, width);
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    cairo_move_to(cr, x - ax * iw / PANGO_SCALE, y - ay * ih / PANGO_SCALE);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
}

void gv__biv_legend_draw(cairo_t *cr, PangoContext *ctx, const gv_layout *l, const gv_map_spec *sp, double x,
                         double y) {
    const gv_map_bivariate *bv = sp->bivariate;
    double c = l->biv_cell, S = 3 * c;
    double x0 = x + l->biv_ytitle_w + 1 + l->biv_ytick_w + 1, y0 = y;
    for (int cy = 0; cy < 3; cy++)
        for (int cx = 0; cx < 3; cx++) {
            cairo_rectangle(cr, x0 + cx * c, y0 + (2 - cy) * c, c, c);
            rgb(cr, bv->colors[3 * cy + cx]);
            cairo_fill(cr);
        }
    cairo_rectangle(cr, x0, y0, S, S);
    cairo_set_source_rgb(cr, 0.42, 0.42, 0.42);
    cairo_set_line_width(cr, 0.15);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    for (int k = 0; k < 2; k++) {
        /* inner edges: between classes k and k+1 */
        text(cr, ctx, l->biv_xtick[k], l->small_pt, 0, -1, x0 + (k + 1) * c, y0 + S + 0.6, 0.5, 0);
        text(cr, ctx, l->biv_ytick[k], l->small_pt, 0, -1, x0 - 1, y0 + (2 - k) * c, 1, 0.5);
    }
    text(cr, ctx, l->biv_xtitle, l->body_pt, 1, fmax(l->biv_w, 40), x, y0 + S + 0.6 + l->biv_xtick_h + 0.6, 0, 0);
    /* vertical title, read bottom to top, centred on the square */
    cairo_save(cr);
    cairo_translate(cr, x, y0 + S);
    cairo_rotate(cr, -M_PI / 2);
    PangoLayout *pl = gv__text_layout(ctx, l->biv_ytitle, l->body_pt, 1, S + l->biv_xtick_h);
    pango_layout_set_alignment(pl, PANGO_ALIGN_CENTER);
    cairo_move_to(cr, 0, 0);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
    cairo_restore(cr);
}
