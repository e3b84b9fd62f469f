/* context.c: context units behind the map, and the locator inset
 * (render.h gv_map_context).
 *
 * The context layer (e.g. the 34 provinces of 2025 behind the communes of
 * one of them) is read once per page: its mainland polygons (those not in
 * the archipelago boxes) are simplified twice from lon/lat, at the main
 * frame's tolerance for the grey units behind the map and at ~450 m for
 * the locator, projected with the map's own PROJ object, and placed in
 * device units once the layout is known. Rings that fall wholly outside
 * the main frame are dropped there, so a province page does not carry the
 * whole country through the fill. The locator also shows the mapped units
 * themselves (in red), decimated to its scale from the map's projected
 * rings. */
#include "carto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOCATOR_TOL_DEG 0.02   /* ~2 km: under 0.1 mm on a locator of Vietnam at most 38 mm wide */
#define LOCATOR_SUBJECT_TOL_MM 0.08

static int rs_reserve(gv_ringset *r, size_t npts) {
    if (r->npts + npts <= r->cap) return 0;
    size_t nc = r->cap ? 2 * r->cap : 4096;
    while (nc < r->npts + npts) nc *= 2;
    double *p = realloc(r->pts, nc * 2 * sizeof(double));
    if (!p) return -1;
    r->pts = p;
    r->cap = nc;
    return 0;
}

static int rs_ring(gv_ringset *r, size_t feature, size_t off, size_t n) {
    if (r->nrings == r->caprings) {
        size_t nc = r->caprings ? 2 * r->caprings : 256;
        gv_proj_ring *p = realloc(r->rings, nc * sizeof *p);
        if (!p) return -1;
        r->rings = p;
        r->caprings = nc;
    }
    r->rings[r->nrings++] = (gv_proj_ring){feature, 0, off, n, 0, 0};
    return 0;
}

static int rs_push(gv_ringset *r, size_t feature, const double *xy, size_t a, size_t b, double tol2) {
    if (rs_reserve(r, b - a)) return -1;
    size_t k = gv__decimate(xy, a, b, tol2, r->pts + 2 * r->npts);
    if (rs_ring(r, feature, r->npts, k)) return -1;
    r->npts += k;
    return 0;
}

static void project(PJ *P, gv_ringset *r) {
    if (!r->npts) return;
    for (size_t k = 0; k < 2 * r->npts; k++) r->pts[k] = proj_torad(r->pts[k]);
    proj_trans_generic(P, PJ_FWD, r->pts, 2 * sizeof(double), r->npts, r->pts + 1, 2 * sizeof(double), r->npts,
                       NULL, 0, 0, NULL, 0, 0);
}

int gv__context_prepare(const gv_map_spec *sp, PJ *P, const double main_box[4], double tol_deg, gv_carto *c,
                        double ext[4], gv_error *err) {
    const gv_map_context *cx = sp->context;
    const gv_layer *L = cx->layer;
    c->ctx_fill = cx->fill ? cx->fill : 0xe4e4e4;
    c->ctx_line = cx->line ? cx->line : 0xbdbdbd;
    double *bb = c->loc_lonlat;
    bb[0] = bb[1] = INFINITY;
    bb[2] = bb[3] = -INFINITY;
    double t2 = tol_deg * tol_deg, l2 = LOCATOR_TOL_DEG * LOCATOR_TOL_DEG;
    /* Behind the map, only parts near it: the main frame spans the map
     * area, which reaches at most the box's larger side past the data on
     * a page of usual proportions (3 times the box each way). */
    double g = fmax(main_box[2] - main_box[0], main_box[3] - main_box[1]);
    double near[4] = {main_box[0] - g, main_box[1] - g, main_box[2] + g, main_box[3] + g};
    size_t nf = gv_layer_count(L);
    for (size_t f = 0; f < nf; f++) {
        const double *xy; const size_t *off; const int *part; size_t nr;
        gv_layer_rings(L, f, &xy, &off, &part, &nr);
        size_t r = 0;
        while (r < nr) {
            double b[4];
            size_t r1 = gv__part_bbox(xy, off, part, nr, r, b);
            /* Archipelago parts are not behind a mainland frame, and the
             * locator shows the mainland. */
            if (b[0] <= b[2] && !gv__inset_of(b)) {
                for (int k = 0; k < 2; k++) bb[k] = fmin(bb[k], b[k]), bb[k + 2] = fmax(bb[k + 2], b[k + 2]);
                int is_near = b[2] >= near[0] && b[0] <= near[2] && b[3] >= near[1] && b[1] <= near[3];
                for (size_t q = r; q < r1; q++) {
                    if (cx->behind && is_near && rs_push(&c->behind, f, xy, off[q], off[q + 1], t2)) goto oom;
                    if (cx->locator && rs_push(&c->loc_ctx, f, xy, off[q], off[q + 1], l2)) goto oom;
                }
            }
            r = r1;
        }
    }
    if (!(bb[0] <= bb[2]))
        return gv_error_set(err, GV_EUSAGE, "context layer '%s' has no polygon on the mainland", gv_layer_name(L));
    project(P, &c->behind);
    project(P, &c->loc_ctx);
    gv__proj_extent(P, bb, ext);
    return GV_OK;
oom:
    return gv_error_set(err, GV_ENOMEM, "out of memory (context layer)");
}

/* One Sutherland–Hodgman pass: the part of ring in[0..n) on the kept
 * side of the line axis = v (keep_above: coordinate >= v), into out
 * (room for 2n points). Returns the points written. */
static size_t clip_pass(const double *in, size_t n, double *out, int axis, double v, int keep_above) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const double *a = in + 2 * ((i + n - 1) % n), *b = in + 2 * i;
        int ia = keep_above ? a[axis] >= v : a[axis] <= v, ib = keep_above ? b[axis] >= v : b[axis] <= v;
        if (ia != ib) {
            double t = (v - a[axis]) / (b[axis] - a[axis]);
            out[2 * k] = a[0] + t * (b[0] - a[0]);
            out[2 * k + 1] = a[1] + t * (b[1] - a[1]);
            out[2 * k + axis] = v;
            k++;
        }
        if (ib) {
            out[2 * k] = b[0];
            out[2 * k + 1] = b[1];
            k++;
        }
    }
    return k;
}

/* Context rings cut to the rectangle r (device units): a province page
 * then fills and strokes only the context inside its frame, not whole
 * provinces on every band. Cuts run along the rectangle's sides, which
 * lie outside the drawn clip (r is the clip grown by a few pixels). */
static int clip_rings(gv_ringset *rs, const double r[4]) {
    gv_ringset out = {0};
    double *a = NULL, *b = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < rs->nrings && !rc; i++) {
        const gv_proj_ring *rg = &rs->rings[i];
        size_t n = rg->n;
        if (16 * n + 64 > cap) {
            cap = 16 * n + 64;
            double *na = realloc(a, cap * 2 * sizeof(double)), *nb = na ? realloc(b, cap * 2 * sizeof(double)) : NULL;
            if (na) a = na;
            if (nb) b = nb;
            if (!na || !nb) { rc = -1; break; }
        }
        memcpy(a, rs->pts + 2 * rg->off, 2 * n * sizeof(double));
        n = clip_pass(a, n, b, 0, r[0], 1);
        n = clip_pass(b, n, a, 0, r[0] + r[2], 0);
        n = clip_pass(a, n, b, 1, r[1], 1);
        n = clip_pass(b, n, a, 1, r[1] + r[3], 0);
        if (n < 3) continue;
        if (rs_reserve(&out, n) || rs_ring(&out, rg->feature, out.npts, n)) { rc = -1; break; }
        memcpy(out.pts + 2 * out.npts, a, 2 * n * sizeof(double));
        double ymin = INFINITY, ymax = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            ymin = fmin(ymin, a[2 * k + 1]);
            ymax = fmax(ymax, a[2 * k + 1]);
        }
        out.rings[out.nrings - 1].ymin = (float)ymin;
        out.rings[out.nrings - 1].ymax = (float)ymax;
        out.npts += n;
    }
    free(a);
    free(b);
    if (rc) {
        gv__ringset_free(&out);
        return -1;
    }
    gv__ringset_free(rs);
    *rs = out;
    return 0;
}

/* Points of r in place from metres to device units of frame f; ring
 * y ranges set; rings wholly outside clip (device rect, or NULL) are
 * dropped. */
static void to_device(gv_ringset *r, const gv_frame *f, double dpm, const double *clip) {
    double s = f->scale * dpm, x0 = f->x0 * dpm, y0 = f->y0 * dpm;
    size_t keep = 0;
    for (size_t i = 0; i < r->nrings; i++) {
        gv_proj_ring *rg = &r->rings[i];
        double *p = r->pts + 2 * rg->off;
        double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (size_t k = 0; k < rg->n; k++) {
            p[2 * k] = x0 + s * p[2 * k];
            p[2 * k + 1] = y0 - s * p[2 * k + 1];
            b[0] = fmin(b[0], p[2 * k]);
            b[1] = fmin(b[1], p[2 * k + 1]);
            b[2] = fmax(b[2], p[2 * k]);
            b[3] = fmax(b[3], p[2 * k + 1]);
        }
        rg->ymin = (float)b[1];
        rg->ymax = (float)b[3];
        if (clip && (b[2] < clip[0] || b[0] > clip[0] + clip[2] || b[3] < clip[1] || b[1] > clip[1] + clip[3]))
            continue;
        r->rings[keep++] = *rg;
    }
    r->nrings = keep;
}

int gv__context_to_device(gv_carto *c, const gv_layout *lay, double dpm, const double *pts,
                          const gv_proj_ring *rings, size_t nrings, gv_error *err) {
    const gv_frame *f0 = &lay->frames[0];
    if (c->behind.nrings) {
        /* Pixel-aligned, so Cairo clips PNG bands with a region, not a
         * page-sized mask. */
        double x0 = floor(f0->rect[0] * dpm), y0 = floor(f0->rect[1] * dpm);
        double x1 = ceil((f0->rect[0] + f0->rect[2]) * dpm), y1 = ceil((f0->rect[1] + f0->rect[3]) * dpm);
        double clip[4] = {x0, y0, x1 - x0, y1 - y0};
        memcpy(c->behind_clip, clip, sizeof clip);
        to_device(&c->behind, f0, dpm, clip);
        double grown[4] = {clip[0] - 4, clip[1] - 4, clip[2] + 8, clip[3] + 8};
        if (clip_rings(&c->behind, grown)) return gv_error_set(err, GV_ENOMEM, "out of memory (context layer)");
    }
    if (!lay->has_locator) {
        gv__ringset_free(&c->loc_ctx);
        return GV_OK;
    }
    const gv_frame *lf = &lay->locator;
    to_device(&c->loc_ctx, lf, dpm, NULL);
    /* The mapped units' mainland rings, still in metres here, at the
     * locator's scale. */
    double s = lf->scale * dpm, tol = LOCATOR_SUBJECT_TOL_MM / lf->scale, tol2 = tol * tol;
    for (size_t i = 0; i < nrings; i++) {
        if (rings[i].frame != 0) continue;
        const double *p = pts + 2 * rings[i].off;
        if (rs_push(&c->loc_subject, rings[i].feature, p, 0, rings[i].n, tol2))
            return gv_error_set(err, GV_ENOMEM, "out of memory (locator)");
    }
    for (size_t k = 0; k < c->loc_subject.npts; k++) {
        double *q = c->loc_subject.pts + 2 * k;
        q[0] = lf->x0 * dpm + s * q[0];
        q[1] = lf->y0 * dpm - s * q[1];
    }
    return GV_OK;
}

static void rgb(cairo_t *cr, unsigned c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

void gv__context_draw(cairo_t *cr, const gv_carto *c, double line_w, double y0, double clip_y0, double clip_y1) {
    const gv_ringset *r = &c->behind;
    if (!r->nrings) return;
    cairo_save(cr);
    const double *cl = c->behind_clip;
    cairo_rectangle(cr, cl[0], cl[1] - y0, cl[2], cl[3]);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_width(cr, line_w);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* One path per unit (its holes stay open), filled then outlined. */
    size_t i = 0;
    while (i < r->nrings) {
        size_t j = i;
        int any = 0;
        for (; j < r->nrings && r->rings[j].feature == r->rings[i].feature; j++) {
            const gv_proj_ring *rg = &r->rings[j];
            if (rg->ymax - y0 < clip_y0 - 2 || rg->ymin - y0 > clip_y1 + 2) continue;
            const double *p = r->pts + 2 * rg->off;
            cairo_move_to(cr, p[0], p[1] - y0);
            for (size_t k = 1; k < rg->n; k++) cairo_line_to(cr, p[2 * k], p[2 * k + 1] - y0);
            cairo_close_path(cr);
            any = 1;
        }
        if (any) {
            rgb(cr, c->ctx_fill);
            cairo_fill_preserve(cr);
            rgb(cr, c->ctx_line);
            cairo_stroke(cr);
        }
        i = j;
    }
    cairo_restore(cr);
}
