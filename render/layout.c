/* layout.c: computes where everything goes on the page, in millimetres:
 * title and subtitle at the top, source line at the bottom, the main map
 * frame fitted to the data, archipelago insets in the sea to the right of
 * the mainland (so the mainland keeps its scale), and the legend and scale
 * bar placed where the map leaves empty paper.
 *
 * Empty paper is found on a coarse occupancy mask (2 px per mm) of the
 * main map's polygons, queried through an integral image, so "nothing
 * overlaps" is checked rather than hoped for. Text is measured with Pango
 * at the same resolution it is drawn with (hint metrics off), so measured
 * and drawn sizes agree on PNG, PDF and SVG. */
#include "layout.h"
#include "map_modes.h"

#include "geovoice/format.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK_PX_PER_MM 2.0

const double GV_HS_BOX[4] = {111.0, 15.5, 113.0, 17.5};
const double GV_TS_BOX[4] = {109.5, 6.5, 118.0, 12.0};

/* A polygon belongs to an inset when the centre of its bounding box lies
 * in the inset's box: the SPEC boxes are "roughly" drawn, and real data
 * reach a little past them (Truong Sa's westernmost reef is at 109.47°E). */
static int in_box(const double b[4], const double box[4]) {
    double cx = 0.5 * (b[0] + b[2]), cy = 0.5 * (b[1] + b[3]);
    return cx >= box[0] && cx <= box[2] && cy >= box[1] && cy <= box[3];
}

int gv__inset_of(const double b[4]) {
    if (in_box(b, GV_HS_BOX)) return 1;
    if (in_box(b, GV_TS_BOX)) return 2;
    return 0;
}

size_t gv__part_bbox(const double *xy, const size_t *off, const int *part, size_t nr, size_t r, double b[4]) {
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    size_t r1 = r;
    for (; r1 < nr && part[r1] == part[r]; r1++)
        for (size_t q = off[r1]; q < off[r1 + 1]; q++) {
            double x = xy[2 * q], y = xy[2 * q + 1];
            if (!isfinite(x) || !isfinite(y)) continue;
            if (x < b[0]) b[0] = x;
            if (y < b[1]) b[1] = y;
            if (x > b[2]) b[2] = x;
            if (y > b[3]) b[3] = y;
        }
    return r1;
}

size_t gv__decimate(const double *xy, size_t a, size_t b, double tol2, double *dst) {
    size_t k = 0, n = b - a;
    if (!n) return 0;
    double lx = xy[2 * a], ly = xy[2 * a + 1];
    dst[0] = lx;
    dst[1] = ly;
    k = 1;
    for (size_t q = a + 1; q < b; q++) {
        double x = xy[2 * q], y = xy[2 * q + 1];
        double dx = x - lx, dy = y - ly;
        if (q + 1 < b && dx * dx + dy * dy < tol2) continue;
        dst[2 * k] = x;
        dst[2 * k + 1] = y;
        k++;
        lx = x;
        ly = y;
    }
    if (k < 4 && n >= 4) {
        /* Tiny ring: keep every vertex so the unit still shows (the
         * smallest communes are about a pixel wide). */
        memcpy(dst, xy + 2 * a, 2 * n * sizeof(double));
        k = n;
    }
    return k;
}

const char *gv__font_family(void) { return "Noto Sans"; }

/* A Pango layout in millimetre units: resolution 25.4 "dpi" makes one
 * point = 25.4/72 mm of user space. */
PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm) {
    PangoLayout *pl = pango_layout_new(ctx);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, gv__font_family());
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(fd, (gint)lround(pt * PANGO_SCALE));
    pango_layout_set_font_description(pl, fd);
    pango_font_description_free(fd);
    if (width_mm > 0) {
        pango_layout_set_width(pl, (int)(width_mm * PANGO_SCALE));
        pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(pl, text ? text : "", -1);
    return pl;
}

void gv__setup_context(PangoContext *ctx) {
    pango_cairo_context_set_resolution(ctx, 25.4);
    /* Pango rounds glyph positions to whole user units by default; our
     * user unit is a millimetre, so rounding would tear words apart. */
    pango_context_set_round_glyph_positions(ctx, FALSE);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
}

static void text_size(PangoContext *ctx, const char *text, double pt, int bold, double width, double *w, double *h) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, bold, width);
    int iw, ih;
    pango_layout_get_size(pl, &iw, &ih);
    *w = (double)iw / PANGO_SCALE;
    *h = (double)ih / PANGO_SCALE;
    g_object_unref(pl);
}

/* Projected extent of a lon/lat box, sampled along its edges (a
 * transverse Mercator bends meridians, so corners alone are not enough). */
void gv__proj_extent(PJ *P, const double box[4], double ext[4]) {
    ext[0] = ext[1] = INFINITY;
    ext[2] = ext[3] = -INFINITY;
    for (int i = 0; i <= 16; i++)
        for (int j = 0; j <= 16; j++) {
            if (i != 0 && i != 16 && j != 0 && j != 16) continue;
            PJ_COORD c = proj_coord(proj_torad(box[0] + (box[2] - box[0]) * i / 16.0),
                                    proj_torad(box[1] + (box[3] - box[1]) * j / 16.0), 0, 0);
            PJ_COORD o = proj_trans(P, PJ_FWD, c);
            if (!isfinite(o.xy.x)) continue;
            if (o.xy.x < ext[0]) ext[0] = o.xy.x;
            if (o.xy.y < ext[1]) ext[1] = o.xy.y;
            if (o.xy.x > ext[2]) ext[2] = o.xy.x;
            if (o.xy.y > ext[3]) ext[3] = o.xy.y;
        }
}

static void fit_frame(gv_frame *f, const double ext[4], double x, double y, double w, double h, int center_x) {
    double ew = ext[2] - ext[0], eh = ext[3] - ext[1];
    if (ew <= 0) ew = 1;
    if (eh <= 0) eh = 1;
    double s = fmin(w / ew, h / eh);
    double dw = ew * s, dh = eh * s;
    double fx = center_x ? x + (w - dw) / 2 : x;
    double fy = y + (h - dh) / 2;
    f->scale = s;
    f->x0 = fx - s * ext[0];
    f->y0 = fy + s * ext[3];
    f->rect[0] = fx;
    f->rect[1] = fy;
    f->rect[2] = dw;
    f->rect[3] = dh;
}

/* Occupancy mask with an integral image for O(1) rectangle queries. */
typedef struct mask {
    int w, h;
    unsigned *sum; /* (w+1)*(h+1) */
} mask;

static int mask_build(mask *m, const gv_layout_input *in, const gv_layout *l) {
    m->w = (int)ceil(in->page_w * MASK_PX_PER_MM);
    m->h = (int)ceil(in->page_h * MASK_PX_PER_MM);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, m->w, m->h);
    cairo_t *cr = cairo_create(s);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    /* Coarse geometry: a vertex every ~0.25 mm at the main frame's
     * scale is plenty for a 0.5 mm mask. */
    const gv_frame *f0 = &l->frames[0];
    double tol = 0.25 / f0->scale, tol2 = tol * tol;
    for (size_t r = 0; r < in->nrings; r++) {
        const gv_proj_ring *rg = &in->rings[r];
        if (rg->frame != 0 || rg->n == 0) continue;
        const double *p = in->pts + 2 * rg->off;
        double lx = p[0], ly = p[1];
        cairo_move_to(cr, (f0->x0 + f0->scale * lx) * MASK_PX_PER_MM, (f0->y0 - f0->scale * ly) * MASK_PX_PER_MM);
        for (size_t k = 1; k < rg->n; k++) {
            double x = p[2 * k], y = p[2 * k + 1];
            if (k + 1 < rg->n && (x - lx) * (x - lx) + (y - ly) * (y - ly) < tol2) continue;
            cairo_line_to(cr, (f0->x0 + f0->scale * x) * MASK_PX_PER_MM, (f0->y0 - f0->scale * y) * MASK_PX_PER_MM);
            lx = x; ly = y;
        }
        cairo_close_path(cr);
    }
    /* Antialiased fill: any partial coverage marks a mask pixel, so even
     * islands far smaller than a mask pixel count as occupied (a stroke
     * would too, but costs ~30 MB of edges on the commune map). */
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_fill(cr);
    /* Proportional circles on the main map reach past their units. */
    for (size_t i = 0; i < in->ndiscs; i++) {
        if (in->disc_frame[i] != 0) continue;
        double cx = f0->x0 + f0->scale * in->disc_xy[2 * i], cy = f0->y0 - f0->scale * in->disc_xy[2 * i + 1];
        cairo_new_path(cr);
        cairo_arc(cr, cx * MASK_PX_PER_MM, cy * MASK_PX_PER_MM, in->disc_r[i] * MASK_PX_PER_MM, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    /* Inset frames are occupied too. */
    for (int k = 1; k < l->nframes; k++) {
        if (!l->frames[k].active) continue;
        const double *r = l->frames[k].rect;
        cairo_rectangle(cr, r[0] * MASK_PX_PER_MM, (r[1] - 6) * MASK_PX_PER_MM, r[2] * MASK_PX_PER_MM,
                        (r[3] + 6) * MASK_PX_PER_MM);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    m->sum = calloc((size_t)(m->w + 1) * (m->h + 1), sizeof(unsigned));
    if (!m->sum) { cairo_surface_destroy(s); return -1; }
    for (int y = 0; y < m->h; y++) {
        unsigned row = 0;
        for (int x = 0; x < m->w; x++) {
            row += d[(size_t)y * stride + x] ? 1 : 0;
            m->sum[(size_t)(y + 1) * (m->w + 1) + x + 1] = m->sum[(size_t)y * (m->w + 1) + x + 1] + row;
        }
    }
    cairo_surface_destroy(s);
    return 0;
}

static unsigned mask_count(const mask *m, double x, double y, double w, double h) {
    int x0 = (int)floor(x * MASK_PX_PER_MM), y0 = (int)floor(y * MASK_PX_PER_MM);
    int x1 = (int)ceil((x + w) * MASK_PX_PER_MM), y1 = (int)ceil((y + h) * MASK_PX_PER_MM);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > m->w) x1 = m->w;
    if (y1 > m->h) y1 = m->h;
    if (x1 <= x0 || y1 <= y0) return 0;
    size_t W = (size_t)m->w + 1;
    return m->sum[(size_t)y1 * W + x1] - m->sum[(size_t)y0 * W + x1] - m->sum[(size_t)y1 * W + x0] +
           m->sum[(size_t)y0 * W + x0];
}

static int rect_overlap(const double a[4], const double b[4]) {
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/* Finds a free spot of size w×h inside area, nearest to the corner
 * (cx, cy) ∈ {0,1}² of the area; avoid[] rectangles are occupied too. */
static int place(const mask *m, const double area[4], double w, double h, int cx, int cy, const double (*avoid)[4],
                 int navoid, double pad, double out[4]) {
    double best = INFINITY;
    int found = 0;
    for (double y = area[1]; y + h <= area[1] + area[3] + 1e-9; y += 1.0) {
        for (double x = area[0]; x + w <= area[0] + area[2] + 1e-9; x += 1.0) {
            double r[4] = {x - pad, y - pad, w + 2 * pad, h + 2 * pad};
            double px = cx ? (area[0] + area[2]) - (x + w) : x - area[0];
            double py = cy ? (area[1] + area[3]) - (y + h) : y - area[1];
            double d = px * px + py * py;
            if (d >= best) continue;
            if (mask_count(m, r[0], r[1], r[2], r[3])) continue;
            int bad = 0;
            for (int k = 0; k < navoid && !bad; k++) bad = rect_overlap(r, avoid[k]);
            if (bad) continue;
            best = d;
            out[0] = x; out[1] = y; out[2] = w; out[3] = h;
            found = 1;
        }
    }
    return found;
}

/* Inset caption: the archipelago, then the unit it belongs to in this
 * boundary set (a special zone in 2025, a province's district before). */
static void caption(char *buf, size_t n, const char *what, const char *owner) {
    if (owner && *owner) snprintf(buf, n, "%s\n(%s)", what, owner);
    else snprintf(buf, n, "%s", what);
}

/* The bar is drawn in two halves labelled 0, L/2 and L, so L is chosen
 * among 1, 2, 4 and 5 times a power of ten: every label is then round
 * (0–100–200 km, 0–25–50 km), which 2.5 (0–125–250) would not give. */
static double nice_length_km(double max_km) {
    double p = pow(10, floor(log10(max_km)));
    double best = p;
    const double steps[] = {1, 2, 4, 5, 10};
    for (int i = 0; i < 5; i++)
        if (steps[i] * p <= max_km) best = steps[i] * p;
    return best;
}

/* Clockwise angle from page up to true north at page point (x, y) mm of
 * frame f: a transverse Mercator's meridians lean away from its central
 * one (about 1.5° at 102°E, 22°N on the 106°E map). */
static double north_rotation(PJ *P, const gv_frame *f, double x, double y) {
    double X = (x - f->x0) / f->scale, Y = (f->y0 - y) / f->scale;
    PJ_COORD c = proj_trans(P, PJ_INV, proj_coord(X, Y, 0, 0));
    if (!isfinite(c.lp.lam) || !isfinite(c.lp.phi)) return 0;
    PJ_COORD n = proj_trans(P, PJ_FWD, proj_coord(c.lp.lam, c.lp.phi + 1e-4, 0, 0));
    if (!isfinite(n.xy.x) || !isfinite(n.xy.y)) return 0;
    return atan2(n.xy.x - X, n.xy.y - Y);
}

/* Locator inset and north arrow, in that order, on empty paper of the
 * main frame (or anywhere in the map area), clear of the legend and the
 * scale bar; either is left out (has_* = 0) when there is no room. */
static void place_extras(const gv_layout_input *in, gv_layout *l, const mask *mk, const double area[4],
                         const double group[4]) {
    const gv_frame *f0 = &l->frames[0];
    double search[4] = {group[0], area[1], group[2], area[3]};
    if (in->ctx_behind) memcpy(search, f0->rect, sizeof search);
    double avoid[4][4];
    int navoid = 0;
    const double *lr = l->legend_rect, *sr = l->scalebar_rect;
    double a0[4] = {lr[0] - 1, lr[1] - 1, lr[2] + 2, lr[3] + 2}, a1[4] = {sr[0] - 1, sr[1] - 1, sr[2] + 2, sr[3] + 2};
    memcpy(avoid[navoid++], a0, sizeof a0);
    memcpy(avoid[navoid++], a1, sizeof a1);
    double base = fmin(in->page_w, in->page_h);
    if (in->locator) {
        const double *e = in->locator_ext;
        double ew = e[2] - e[0], eh = e[3] - e[1];
        if (ew > 0 && eh > 0) {
            double w = fmin(fmax(area[2] * 0.18, 16), 38), h = w * eh / ew;
            if (h > area[3] * 0.4) { h = area[3] * 0.4; w = h * ew / eh; }
            double pad = 1.0, r[4];
            if (place(mk, search, w, h, 1, 0, (const double (*)[4])avoid, navoid, 1.5, r) ||
                place(mk, area, w, h, 1, 0, (const double (*)[4])avoid, navoid, 1.5, r)) {
                gv_frame *lf = &l->locator;
                snprintf(lf->name, sizeof lf->name, "locator");
                fit_frame(lf, e, r[0] + pad, r[1] + pad, r[2] - 2 * pad, r[3] - 2 * pad, 1);
                memcpy(lf->rect, r, sizeof r);
                lf->active = 1;
                l->has_locator = 1;
                double a2[4] = {r[0] - 1, r[1] - 1, r[2] + 2, r[3] + 2};
                memcpy(avoid[navoid++], a2, sizeof a2);
            }
        }
    }
    if (in->north_arrow) {
        double h = fmin(fmax(base * 0.055, 7), 14), w = h * 0.6, r[4];
        if (place(mk, search, w, h, 1, 0, (const double (*)[4])avoid, navoid, 1.0, r) ||
            place(mk, area, w, h, 1, 0, (const double (*)[4])avoid, navoid, 1.0, r)) {
            memcpy(l->north_rect, r, sizeof r);
            l->has_north = 1;
            l->north_rot = north_rotation(in->P, f0, f0->rect[0] + f0->rect[2] / 2, f0->rect[1] + f0->rect[3] / 2);
        }
    }
}

/* Main frame and archipelago insets fitted into the map area a: the
 * mainland at the largest scale that leaves a column for the insets on
 * its right (capped at colw_cap mm wide), the insets beside the coast they
 * belong to, gap mm above each for its caption. group gets the horizontal
 * extent of what is drawn. Used for the page and for each small-multiple
 * panel. */
static void arrange_frames(const gv_layout_input *in, gv_layout *l, const double a[4], const double ext[4],
                           const double hs_ext[4], const double ts_ext[4], double gap, double colw_cap,
                           double group[4]) {
    int insets = in->has_hs || in->has_ts;
    int en = in->spec->locale == GV_LOCALE_EN;
    l->nframes = 1;
    gv_frame *f0 = &l->frames[0];
    memset(l->frames, 0, sizeof l->frames);
    snprintf(f0->name, sizeof f0->name, "main");
    f0->active = 1;
    memcpy(f0->box, in->main_box, sizeof f0->box);
    if (!insets) {
        fit_frame(f0, ext, a[0], a[1], a[2], a[3], 1);
    } else {
        double ew = ext[2] - ext[0], eh = ext[3] - ext[1];
        double col_min = fmin(a[2] * 0.3, 70);
        double s = fmin(a[3] / eh, a[2] / ew);
        if (a[2] - s * ew < col_min) s = fmin(a[3] / eh, (a[2] - col_min) / ew);
        fit_frame(f0, ext, a[0], a[1], s * ew, a[3], 0);
        double colx = f0->rect[0] + f0->rect[2] + 3;
        double colw = a[0] + a[2] - colx;
        /* Insets are reference frames, not the subject: cap their width
         * at about a fifth of the page so they do not dominate. */
        double colw_max = fmin(fmax(30, colw_cap), fmax(30, f0->rect[2] * 0.55));
        if (colw > colw_max) {
            /* Room to spare (landscape, wide pages): keep the insets
             * beside the coast and centre the mainland + insets group
             * on the page instead of leaving a gap in the middle. */
            double shift = (colw - colw_max) / 2;
            f0->x0 += shift;
            f0->rect[0] += shift;
            colx = f0->rect[0] + f0->rect[2] + 3;
            colw = colw_max;
        }
        group[0] = f0->rect[0];
        group[2] = colx + colw - f0->rect[0];
        double hs_h = in->has_hs ? colw * (hs_ext[3] - hs_ext[1]) / (hs_ext[2] - hs_ext[0]) : 0;
        double ts_h = in->has_ts ? colw * (ts_ext[3] - ts_ext[1]) / (ts_ext[2] - ts_ext[0]) : 0;
        /* Fit both insets (with their caption gaps) into the area
         * height, shrinking them if needed. */
        double top = a[1] + gap, bottom = a[1] + a[3];
        double need = hs_h + ts_h + (in->has_hs && in->has_ts ? gap : 0);
        double k = need > bottom - top ? (bottom - top - (in->has_hs && in->has_ts ? gap : 0)) / (hs_h + ts_h) : 1;
        double iw = colw * k;
        hs_h *= k;
        ts_h *= k;
        /* Tops follow the islands' own latitudes on the main map, so
         * the insets sit beside the coast they belong to, then are
         * clamped: Truong Sa inside the area, Hoang Sa above it. */
        double y_hs, y_ts;
        {
            PJ_COORD c = proj_trans(in->P, PJ_FWD, proj_coord(proj_torad(in->hs_box[0]), proj_torad(in->hs_box[3]), 0, 0));
            y_hs = f0->y0 - f0->scale * c.xy.y;
            c = proj_trans(in->P, PJ_FWD, proj_coord(proj_torad(in->ts_box[0]), proj_torad(in->ts_box[3]), 0, 0));
            y_ts = f0->y0 - f0->scale * c.xy.y;
        }
        if (!isfinite(y_hs)) y_hs = top;
        if (!isfinite(y_ts)) y_ts = top;
        double ts_min = in->has_hs ? top + hs_h + gap : top;
        if (y_ts < ts_min) y_ts = ts_min;
        if (y_ts + ts_h > bottom) y_ts = bottom - ts_h;
        double hs_max = in->has_ts ? y_ts - gap - hs_h : bottom - hs_h;
        if (y_hs > hs_max) y_hs = hs_max;
        if (y_hs < top) y_hs = top;
        if (in->has_hs) {
            gv_frame *f = &l->frames[1];
            snprintf(f->name, sizeof f->name, in->remote_slot == 1 ? "remote" : "hoang_sa");
            f->active = 1;
            memcpy(f->box, in->hs_box, sizeof f->box);
            fit_frame(f, hs_ext, colx + (colw - iw), y_hs, iw, hs_h, 1);
            if (in->remote_slot == 1)
                caption(f->caption, sizeof f->caption, in->hs_owner ? in->hs_owner : (en ? "Islands" : "Hải đảo"), NULL);
            else
                caption(f->caption, sizeof f->caption, en ? "Hoang Sa (Paracel) archipelago" : "Quần đảo Hoàng Sa", in->hs_owner);
        }
        if (in->has_ts) {
            gv_frame *f = &l->frames[2];
            snprintf(f->name, sizeof f->name, in->remote_slot == 2 ? "remote" : "truong_sa");
            f->active = 1;
            memcpy(f->box, in->ts_box, sizeof f->box);
            fit_frame(f, ts_ext, colx + (colw - iw), y_ts, iw, ts_h, 1);
            if (in->remote_slot == 2)
                caption(f->caption, sizeof f->caption, in->ts_owner ? in->ts_owner : (en ? "Islands" : "Hải đảo"), NULL);
            else
                caption(f->caption, sizeof f->caption, en ? "Truong Sa (Spratly) archipelago" : "Quần đảo Trường Sa", in->ts_owner);
        }
        l->nframes = 3;
        /* The frame of the main map spans the whole area so that the
         * polygons are never clipped by a tight frame. */
        if (in->ctx_behind) {
            /* Context maps: the main frame is the map area left of the
             * inset column, filled with the context and clipped. */
            f0->rect[0] = a[0];
            f0->rect[1] = a[1];
            f0->rect[2] = colx - 3 - a[0];
            f0->rect[3] = a[3];
        }
    }
    if (in->ctx_behind && !insets) memcpy(f0->rect, a, sizeof(double) * 4);
    l->neatline = in->ctx_behind;
}

/* Scale bar: a round length near a quarter of the main frame's width
 * (at most 40 mm); tmerc with k=1 is true to scale near its central
 * meridian. Sets the length and gives the bar's box size. */
static void scalebar_size(gv_layout *l, double *w, double *h) {
    const gv_frame *f0 = &l->frames[0];
    double max_km = fmin(40.0, f0->rect[2] * 0.35) / f0->scale / 1000.0;
    if (max_km <= 0 || !isfinite(max_km)) max_km = 1;
    l->scalebar_km = nice_length_km(max_km);
    l->scalebar_segments = 2;
    /* Labels must not meet: each segment at least as long as the labels
     * at its ends need (a digit is about 0.55 em wide); else one segment
     * (0 and the length only); else a longer round length, even if the
     * bar then reaches past a quarter of a small map. */
    double em = l->small_pt * 0.3528, mmpkm = 1000 * f0->scale;
    for (int guard = 0; guard < 40 && isfinite(mmpkm) && mmpkm > 0; guard++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%g", l->scalebar_km / 2);
        snprintf(b, sizeof b, "%g km", l->scalebar_km);
        double wa = strlen(a) * 0.55 * em, wb = strlen(b) * 0.55 * em, w0 = 0.55 * em, len = l->scalebar_km * mmpkm;
        if (len / 2 >= (w0 + wa) / 2 + 1 && len / 2 >= (wa + wb) / 2 + 1) break;
        if (len >= (w0 + wb) / 2 + 1.5) { l->scalebar_segments = 1; break; }
        const double steps[] = {1, 2, 4, 5, 10};
        double p = pow(10, floor(log10(l->scalebar_km) + 1e-9)), next = 10 * p;
        for (int i = 0; i < 5; i++)
            if (steps[i] * p > l->scalebar_km * (1 + 1e-9)) { next = steps[i] * p; break; }
        l->scalebar_km = next;
    }
    *w = l->scalebar_km * 1000 * f0->scale + 12;
    *h = l->body_pt * 0.353 * 2.6;
}

/* Small multiples: the panels in a grid of equal cells (row-major), the
 * grid and the legend's place (a spare cell, a strip under the grid or
 * one beside it) chosen for the largest map scale; each cell holds its
 * title and the frames of panel 0 moved by the cell's offset. The scale
 * bar goes under the legend (beside it in the bottom strip). */
static int layout_panels(const gv_layout_input *in, gv_layout *l, const double area[4], double lw, double lh,
                         double ptitle_h, gv_error *err) {
    const gv_map_spec *sp = in->spec;
    size_t n = sp->npanels;
    double ext[4], hs_ext[4], ts_ext[4], group[4];
    gv__proj_extent(in->P, in->main_box, ext);
    gv__proj_extent(in->P, in->hs_box, hs_ext);
    gv__proj_extent(in->P, in->ts_box, ts_ext);
    const double gx = 4, gy = 2.5;
    double gap = 2 * l->small_pt * 0.3528 * 1.4 + 1; /* an inset's two-line caption */
    double sbw = 52, sbh = l->body_pt * 0.353 * 2.6;  /* the longest bar scalebar_size gives */
    double best = -1, bA[4] = {0};
    size_t bcols = 0, brows = 0;
    int bopt = 0;
    for (size_t cols = 1; cols <= n; cols++) {
        size_t rows = (n + cols - 1) / cols, spare = cols * rows - n;
        for (int opt = 0; opt < 3; opt++) {
            if (opt == 0 && !spare) continue;
            double A[4] = {area[0], area[1], area[2], area[3]};
            if (opt == 1) A[3] -= fmax(lh, sbh) + 3;
            if (opt == 2) A[2] -= fmax(lw, sbw) + 4;
            double cw = (A[2] - (double)(cols - 1) * gx) / (double)cols;
            double ch = (A[3] - (double)(rows - 1) * gy) / (double)rows;
            if (cw < 15 || ch < 15 + ptitle_h) continue;
            if (opt == 0 && (lw > cw || lh + sbh + 2 > ch - ptitle_h)) continue;
            double m[4] = {A[0], A[1] + ptitle_h, cw, ch - ptitle_h};
            arrange_frames(in, l, m, ext, hs_ext, ts_ext, gap, cw * 0.3, group);
            if (l->frames[0].scale > best * (1 + 1e-9)) {
                best = l->frames[0].scale;
                memcpy(bA, A, sizeof A);
                bcols = cols;
                brows = rows;
                bopt = opt;
            }
        }
    }
    if (best <= 0)
        return gv_error_set(err, GV_EUSAGE, "page %.0fx%.0f mm is too small for %zu panels and their legend",
                            in->page_w, in->page_h, n);
    double cw = (bA[2] - (double)(bcols - 1) * gx) / (double)bcols;
    double ch = (bA[3] - (double)(brows - 1) * gy) / (double)brows;
    double m[4] = {bA[0], bA[1] + ptitle_h, cw, ch - ptitle_h};
    arrange_frames(in, l, m, ext, hs_ext, ts_ext, gap, cw * 0.3, group);
    /* Maps hang from their titles rather than float in their cells. */
    double top = INFINITY;
    for (int k = 0; k < l->nframes; k++)
        if (l->frames[k].active) top = fmin(top, l->frames[k].rect[1] - (k ? gap : 0));
    if (isfinite(top) && top > m[1])
        for (int k = 0; k < l->nframes; k++) {
            l->frames[k].rect[1] -= top - m[1];
            l->frames[k].y0 -= top - m[1];
        }
    l->npanels = (int)n;
    for (size_t p = 0; p < n; p++) {
        double dx = (double)(p % bcols) * (cw + gx), dy = (double)(p / bcols) * (ch + gy);
        l->panel_off[p][0] = dx;
        l->panel_off[p][1] = dy;
        double cell[4] = {bA[0] + dx, bA[1] + dy, cw, ch};
        memcpy(l->panel_cell[p], cell, sizeof cell);
    }
    double sw, sh;
    scalebar_size(l, &sw, &sh);
    double lx, ly, sx, sy;
    if (bopt == 0) { /* the first spare cell, after the last panel */
        lx = bA[0] + (double)(n % bcols) * (cw + gx);
        ly = bA[1] + (double)(n / bcols) * (ch + gy) + ptitle_h;
        sx = lx;
        sy = ly + lh + 2;
    } else if (bopt == 1) { /* under the grid (under its maps), the bar beside the legend */
        double bottom = -INFINITY;
        for (int k = 0; k < l->nframes; k++)
            if (l->frames[k].active) bottom = fmax(bottom, l->frames[k].rect[1] + l->frames[k].rect[3]);
        bottom += l->panel_off[n - 1][1];
        lx = bA[0];
        ly = fmin(bA[1] + bA[3] + 3, bottom + 4);
        sx = lx + lw + 6;
        sy = ly + lh - sh;
    } else { /* right of the grid */
        lx = bA[0] + bA[2] + 4;
        ly = bA[1] + ptitle_h;
        sx = lx;
        sy = ly + lh + 2;
    }
    double lr[4] = {lx, ly, lw, lh}, sr[4] = {sx, sy, sw, sh};
    memcpy(l->legend_rect, lr, sizeof lr);
    memcpy(l->scalebar_rect, sr, sizeof sr);
    return GV_OK;
}

int gv_layout_compute(const gv_layout_input *in, gv_layout *l, gv_error *err) {
    memset(l, 0, sizeof *l);
    const gv_map_spec *sp = in->spec;
    l->spec = sp;
    l->page_w = in->page_w;
    l->page_h = in->page_h;
    double base = fmin(in->page_w, in->page_h);
    l->margin = fmin(12, fmax(4, base * 0.045));
    l->title_pt = fmin(22, fmax(8, base / 210.0 * 15));
    l->subtitle_pt = l->title_pt * 0.72;
    l->body_pt = fmax(5.5, l->title_pt * 0.55);
    l->small_pt = fmax(5, l->title_pt * 0.45);
    snprintf(l->title, sizeof l->title, "%s", sp->title ? sp->title : "");
    snprintf(l->subtitle, sizeof l->subtitle, "%s", sp->subtitle ? sp->subtitle : "");
    int en = sp->locale == GV_LOCALE_EN;
    if (sp->source && *sp->source) {
        /* "Nguồn: ..." given by the user already has its word. */
        const char *word = en ? "Source" : "Nguồn";
        int has = !strncasecmp(sp->source, "Nguồn", strlen("Nguồn")) || !strncasecmp(sp->source, "Nguon", 5) ||
                  !strncasecmp(sp->source, "Source", 6);
        char lead[32];
        snprintf(lead, sizeof lead, "%s%s", has ? "" : word, has ? "" : ": ");
        if (sp->date && *sp->date)
            snprintf(l->source, sizeof l->source, "%s%s · %s", lead, sp->source, sp->date);
        else
            snprintf(l->source, sizeof l->source, "%s%s", lead, sp->source);
    } else if (sp->date && *sp->date) {
        snprintf(l->source, sizeof l->source, "%s", sp->date);
    }

    PangoFontMap *fm = pango_cairo_font_map_get_default();
    PangoContext *ctx = pango_font_map_create_context(fm);
    gv__setup_context(ctx);
    double m = l->margin;
    l->text_w = in->page_w - 2 * m;
    double y = m, tw, th;
    l->title_xy[0] = m;
    l->title_xy[1] = y;
    text_size(ctx, l->title, l->title_pt, 1, l->text_w, &tw, &th);
    y += th;
    if (*l->subtitle) {
        l->subtitle_xy[0] = m;
        l->subtitle_xy[1] = y + 0.5;
        text_size(ctx, l->subtitle, l->subtitle_pt, 0, l->text_w, &tw, &th);
        y += th + 0.5;
    }
    y += m * 0.5;
    double bottom = in->page_h - m;
    if (*l->source) {
        text_size(ctx, l->source, l->small_pt, 0, l->text_w, &tw, &th);
        bottom -= th;
        l->source_xy[0] = m;
        l->source_xy[1] = bottom;
        bottom -= m * 0.3;
    }
    double area[4] = {m, y, in->page_w - 2 * m, bottom - y};
    if (area[2] < 20 || area[3] < 20) {
        g_object_unref(ctx);
        return gv_error_set(err, GV_EUSAGE, "page %.0fx%.0f mm is too small for the title and the map",
                            in->page_w, in->page_h);
    }

    /* Legend rows: classes with their ranges and unit counts, then
     * "no data" and "outside classes" when any unit is such. */
    /* Categorical and dot maps have their own rows (map_modes.c). */
    if (gv__legend_mode_rows(sp, l)) goto rows_done;
    const gv_breaks *b = sp->breaks;
    size_t nf = gv_layer_count(sp->layer);
    size_t counts[GV_CLASSES_MAX] = {0}, nodata = 0, outside = 0, suppressed = 0;
    /* Small multiples: the classes serve every panel, so the legend
     * gives ranges without counts (each panel has its own). */
    int nocount = sp->panels != NULL;
    for (size_t p = 0; p < (sp->panels ? sp->npanels : 1); p++) {
        const double *vals = sp->panels ? sp->panels[p].values : sp->values;
        for (size_t f = 0; f < nf; f++) {
            double v = vals[f];
            if (!sp->panels && sp->suppressed && sp->suppressed[f]) { suppressed++; continue; }
            if (!isfinite(v)) { nodata++; continue; }
            int c = gv_breaks_class(b, v);
            if (c < 0) outside++;
            else counts[c]++;
        }
    }
    int dec = sp->decimals >= 0 ? sp->decimals : gv_format_decimals_for(b->edges, b->k + 1);
    for (size_t c = 0; c < b->k && l->nrows < GV_LEGEND_MAX; c++) {
        char lo[64], hi[64], nb[32];
        gv_format_number(b->edges[c], dec, sp->locale, lo, sizeof lo);
        gv_format_number(b->edges[c + 1], dec, sp->locale, hi, sizeof hi);
        gv_legend_row *r = &l->rows[l->nrows++];
        r->color = sp->colors[c];
        gv_format_number((double)counts[c], 0, sp->locale, nb, sizeof nb);
        if (b->single || b->edges[c] == b->edges[c + 1]) snprintf(r->text, sizeof r->text, "%s  (%s)", hi, nb);
        else snprintf(r->text, sizeof r->text, "%s – %s  (%s)", lo, hi, nb);
        if (nocount) *strstr(r->text, "  (") = 0;
    }
    if (outside) {
        gv_legend_row *r = &l->rows[l->nrows++];
        r->color = 0xbdbdbd;
        char nb[32];
        gv_format_number((double)outside, 0, sp->locale, nb, sizeof nb);
        snprintf(r->text, sizeof r->text, "%s  (%s)", en ? "Outside the classes" : "Ngoài các lớp", nb);
        if (nocount) *strstr(r->text, "  (") = 0;
    }
    if (nodata) {
        gv_legend_row *r = &l->rows[l->nrows++];
        r->color = sp->nodata_color;
        r->hatched = 1;
        char nb[32];
        gv_format_number((double)nodata, 0, sp->locale, nb, sizeof nb);
        snprintf(r->text, sizeof r->text, "%s  (%s)", en ? "No data" : "Không có dữ liệu", nb);
        if (nocount) *strstr(r->text, "  (") = 0;
    }
    if (suppressed && l->nrows < GV_LEGEND_MAX) {
        gv_legend_row *r = &l->rows[l->nrows++];
        r->color = sp->suppressed_color;
        char nb[32];
        gv_format_number((double)suppressed, 0, sp->locale, nb, sizeof nb);
        snprintf(r->text, sizeof r->text, "%s  (%s)", en ? "Suppressed (small counts)" : "Ẩn (số lượng nhỏ)", nb);
    }
rows_done:
    snprintf(l->legend_title, sizeof l->legend_title, "%s", sp->legend_title ? sp->legend_title : "");
    double maxw = 0;
    for (int i = 0; i < l->nrows; i++) {
        text_size(ctx, l->rows[i].text, l->body_pt, 0, -1, &tw, &th);
        if (tw > maxw) maxw = tw;
        l->legend_row_h = fmax(l->legend_row_h, th * 1.25);
    }
    l->legend_pad = l->body_pt * 0.25;
    l->legend_sw_w = l->legend_row_h * 1.6;
    double lw = l->legend_sw_w + l->legend_pad + maxw;
    l->legend_title_h = 0;
    if (*l->legend_title) {
        double ltw_max = fmax(lw, fmin(area[2] * 0.45, 60));
        text_size(ctx, l->legend_title, l->body_pt, 1, ltw_max, &tw, &th);
        if (tw > lw) lw = tw;
        l->legend_title_h = th + l->legend_pad;
    }
    double lh = l->legend_title_h + l->nrows * l->legend_row_h;
    if (in->sym_ref_r && in->sym_ref_r[0] > 0) {
        /* Three nested circles, bottom-aligned, each value beside the top
         * of its circle (pushed down when tops are closer than a line). */
        l->has_sym = 1;
        memcpy(l->sym_r, in->sym_ref_r, sizeof l->sym_r);
        double tmax = 0;
        for (int k = 0; k < 3; k++) {
            double v = in->sym_ref_v[k];
            gv_format_number(v, v >= 1 && v == floor(v) ? 0 : 2, sp->locale, l->sym_text[k], sizeof l->sym_text[k]);
            text_size(ctx, l->sym_text[k], l->body_pt, 0, -1, &tw, &th);
            tmax = fmax(tmax, tw);
            l->sym_text_h = th;
        }
        snprintf(l->sym_title, sizeof l->sym_title, "%s", sp->symbols->title ? sp->symbols->title : "");
        l->sym_title_h = 0;
        double R = l->sym_r[0];
        l->sym_w = 2 * R + 2 + tmax;
        if (*l->sym_title) {
            text_size(ctx, l->sym_title, l->body_pt, 1, fmax(l->sym_w, 40), &tw, &th);
            l->sym_title_h = th + l->legend_pad;
            l->sym_w = fmax(l->sym_w, tw);
        }
        l->sym_h = l->sym_title_h + fmax(2 * R, 3 * l->sym_text_h) + l->sym_text_h / 2;
        if (l->nrows || *l->legend_title) lh += l->legend_pad * 2;
        lh += l->sym_h;
        lw = fmax(lw, l->sym_w);
    }
    if (sp->bivariate) {
        gv__biv_legend_measure(ctx, sp, l);
        if (l->nrows || *l->legend_title) lh += l->legend_pad * 2;
        lh += l->biv_h;
        lw = fmax(lw, l->biv_w);
    }
    lw += 2 * l->legend_pad;
    lh += 2 * l->legend_pad;
    double ptitle_h = 0;
    for (size_t p = 0; sp->panels && p < sp->npanels && p < GV_PANELS_MAX; p++) {
        snprintf(l->panel_title[p], sizeof l->panel_title[p], "%s", sp->panels[p].title ? sp->panels[p].title : "");
        text_size(ctx, *l->panel_title[p] ? l->panel_title[p] : "Ág", l->body_pt, 1, -1, &tw, &th);
        ptitle_h = fmax(ptitle_h, th + 0.8);
    }
    g_object_unref(ctx);
    if (sp->panels) return layout_panels(in, l, area, lw, lh, ptitle_h, err);

    /* Frames. */
    double ext[4], hs_ext[4], ts_ext[4];
    gv__proj_extent(in->P, in->main_box, ext);
    gv__proj_extent(in->P, in->hs_box, hs_ext);
    gv__proj_extent(in->P, in->ts_box, ts_ext);
    int insets = in->has_hs || in->has_ts;
    double reserve = 0;
    /* Horizontal extent of what is drawn (main frame + inset column):
     * the legend and scale bar are searched for inside it, so they stay
     * next to the map rather than at the far edge of a wide page. */
    double group[4] = {area[0], area[1], area[2], area[3]};
    mask mk = {0};
    for (int attempt = 0; attempt < 3; attempt++) {
        free(mk.sum);
        mk.sum = NULL;
        double a[4] = {area[0], area[1], area[2], area[3] - reserve};
        /* 11 mm above each inset: room for its two-line caption */
        arrange_frames(in, l, a, ext, hs_ext, ts_ext, 11, in->page_w * 0.22, group);
        gv_frame *f0 = &l->frames[0];
        if (mask_build(&mk, in, l)) {
            free(mk.sum);
            return gv_error_set(err, GV_ENOMEM, "out of memory (layout)");
        }
        if (!insets) {
            group[0] = fmin(f0->rect[0], area[0] + area[2] * 0.5);
            group[2] = fmax(f0->rect[2], 10);
            /* a narrow map on a wide page: allow the legend beside it */
            double extra = fmin(lw + 4, area[0] + area[2] - (group[0] + group[2]));
            double left = fmin(lw + 4, group[0] - area[0]);
            group[0] -= left;
            group[2] += left + (extra > 0 ? extra : 0);
        }
        double search[4] = {group[0], area[1], group[2], area[3]};
        if (place(&mk, search, lw, lh, 0, 1, NULL, 0, 1.5, l->legend_rect)) break;
        if (place(&mk, area, lw, lh, 0, 1, NULL, 0, 1.5, l->legend_rect)) break;
        reserve = lh + 2;
        if (attempt == 2) {
            l->legend_rect[0] = area[0];
            l->legend_rect[1] = area[1] + area[3] - lh;
            l->legend_rect[2] = lw;
            l->legend_rect[3] = lh;
        }
    }
    /* Scale bar: a round length near a quarter of the main frame's
     * width; tmerc with k=1 is true to scale near its central meridian. */
    {
        double sbw, sh;
        scalebar_size(l, &sbw, &sh);
        double avoid[1][4] = {{l->legend_rect[0] - 1, l->legend_rect[1] - 1, l->legend_rect[2] + 2, l->legend_rect[3] + 2}};
        double search[4] = {group[0], area[1], group[2], area[3]};
        if (!place(&mk, search, sbw, sh, 1, 1, avoid, 1, 1.0, l->scalebar_rect) &&
            !place(&mk, area, sbw, sh, 1, 1, avoid, 1, 1.0, l->scalebar_rect)) {
            /* no room inside: under the legend or at the bottom-right */
            l->scalebar_rect[0] = area[0] + area[2] - sbw;
            l->scalebar_rect[1] = area[1] + area[3] - sh;
            l->scalebar_rect[2] = sbw;
            l->scalebar_rect[3] = sh;
        }
    }
    if (in->locator || in->north_arrow) place_extras(in, l, &mk, area, group);
    free(mk.sum);
    return GV_OK;
}

void gv_layout_clear(gv_layout *l) { (void)l; }
