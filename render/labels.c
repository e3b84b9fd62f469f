/* labels.c: unit labels placed inside their units (render.h
 * gv_map_labels).
 *
 * Each unit's anchor is its pole of inaccessibility (polylabel.c), found
 * on the projected, simplified rings before the layout. Once the page is
 * laid out, units are taken from the roomiest (largest distance from the
 * pole to the unit's edge, on the page) to the tightest, and each label is
 * tried centred on the pole, on one line then broken in two at the space
 * nearest its middle, then at other interior points (a grid over the unit,
 * roomiest first). A spot is taken only when the whole text box lies
 * inside the unit (so a label can never cover a neighbour or the sea) and
 * its padded box meets no label placed before, nor the legend, scale bar,
 * north arrow, locator or inset frames. A unit whose largest inscribed
 * circle is narrower than one line of text cannot hold the box anywhere
 * and is dropped without measuring. Everything is in device units here;
 * the report gets millimetres and lon/lat. */
#include "carto.h"
#include "polylabel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm);
void gv__setup_context(PangoContext *ctx);

#define LABEL_PAD_MM 0.4   /* clear space kept between two labels */
#define LABEL_MARGIN_MM 0.15 /* between a label's box and its unit's outline */
#define MAX_CANDIDATES 150 /* interior spots tried per unit after the pole */

const char *gv_label_status_str(gv_label_status s) {
    switch (s) {
    case GV_LABEL_PLACED: return "placed";
    case GV_LABEL_MOVED: return "moved";
    case GV_LABEL_NO_TEXT: return "no text";
    case GV_LABEL_NO_GEOMETRY: return "no geometry";
    case GV_LABEL_TOO_SMALL: return "too small";
    case GV_LABEL_OVERLAP: return "overlap";
    }
    return "?";
}

void gv__ringset_free(gv_ringset *r) {
    free(r->pts);
    free(r->rings);
    memset(r, 0, sizeof *r);
}

void gv__carto_free(gv_carto *c) {
    free(c->poles);
    free(c->sym_f);
    free(c->sym_r);
    free(c->sym_xy);
    free(c->drawn_box);
    for (size_t f = 0; c->drawn && f < c->nf; f++) free(c->drawn[f]);
    free(c->drawn);
    gv__ringset_free(&c->behind);
    gv__ringset_free(&c->loc_ctx);
    gv__ringset_free(&c->loc_subject);
}

/* Shape of feature rings [a, b) lying in frame fr. */
typedef struct shape_buf {
    const double **ring;
    size_t *n;
    size_t cap;
    gv_shape s;
} shape_buf;

static int shape_of(shape_buf *sb, const double *pts, const gv_proj_ring *rings, size_t a, size_t b, int fr) {
    if (b - a > sb->cap) {
        size_t nc = b - a;
        const double **r = realloc(sb->ring, nc * sizeof *r);
        if (!r) return -1;
        sb->ring = r;
        size_t *n = realloc(sb->n, nc * sizeof *n);
        if (!n) return -1;
        sb->n = n;
        sb->cap = nc;
    }
    size_t k = 0;
    for (size_t q = a; q < b; q++) {
        if (rings[q].frame != fr) continue;
        sb->ring[k] = pts + 2 * rings[q].off;
        sb->n[k] = rings[q].n;
        k++;
    }
    sb->s.ring = sb->ring;
    sb->s.n = sb->n;
    sb->s.nrings = k;
    return 0;
}

int gv__poles_compute(const double *pts, const gv_proj_ring *rings, size_t nrings, size_t nf,
                      const unsigned char *want, double precision, gv_pole *out, gv_error *err) {
    for (size_t f = 0; f < nf; f++) out[f] = (gv_pole){NAN, NAN, -INFINITY, -1};
    shape_buf sb = {0};
    size_t i = 0;
    while (i < nrings) {
        size_t f = rings[i].feature, j = i;
        int fr = 99;
        for (; j < nrings && rings[j].feature == f; j++)
            if (rings[j].frame < fr) fr = rings[j].frame; /* 0 = mainland first */
        if (f < nf && want[f]) {
            if (shape_of(&sb, pts, rings, i, j, fr)) {
                free(sb.ring);
                free(sb.n);
                return gv_error_set(err, GV_ENOMEM, "out of memory (labels)");
            }
            double p[2];
            double d = gv__shape_pole(&sb.s, precision, p);
            out[f] = (gv_pole){p[0], p[1], d, fr};
        }
        i = j;
    }
    free(sb.ring);
    free(sb.n);
    return GV_OK;
}

PangoLayout *gv__label_layout(PangoContext *ctx, const char *text, double pt) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, 0, -1);
    pango_layout_set_alignment(pl, PANGO_ALIGN_CENTER);
    return pl;
}

static void measure(PangoContext *ctx, const char *text, double pt, double *w, double *h) {
    PangoLayout *pl = gv__label_layout(ctx, text, pt);
    PangoRectangle lg;
    pango_layout_get_extents(pl, NULL, &lg);
    *w = (double)lg.width / PANGO_SCALE;
    *h = (double)lg.height / PANGO_SCALE;
    g_object_unref(pl);
}

/* Characters (not bytes) of UTF-8 text [a, b). */
static size_t nchars(const char *a, const char *b) {
    size_t n = 0;
    for (; a < b; a++) n += ((unsigned char)*a & 0xc0) != 0x80;
    return n;
}

/* Two-word unit types stay on one line ("Thành phố / Huế", not
 * "Thành / phố Huế"). */
static int inside_type(const char *t, size_t i) {
    static const char *types[] = {"Thành phố ", "Thị xã ", "Thị trấn ", "Đặc khu ", "Thanh pho ", "Thi xa ",
                                  "Thi tran ", "Dac khu "};
    for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
        size_t n = strlen(types[k]);
        if (!strncmp(t, types[k], n) && i < n - 1) return 1;
    }
    return 0;
}

/* The text broken in two lines at the space that makes the longer line
 * shortest (malloc'd), or NULL when it has no space to break at. */
static char *break_text(const char *t) {
    size_t n = strlen(t), best = 0, bl = (size_t)-1;
    size_t total = nchars(t, t + n);
    for (size_t i = 1; i + 1 < n; i++) {
        if (t[i] != ' ' || inside_type(t, i)) continue;
        size_t left = nchars(t, t + i), longer = left > total - left - 1 ? left : total - left - 1;
        if (longer < bl) { bl = longer; best = i; }
    }
    if (!best) return NULL;
    char *s = strdup(t);
    if (s) s[best] = '\n';
    return s;
}

static int boxes_meet(const double a[4], const double b[4]) {
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

typedef struct cand {
    double x, y, d;
} cand;

static int cmp_cand(const void *a, const void *b) {
    const cand *p = a, *q = b;
    if (p->d != q->d) return p->d > q->d ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    return (p->x > q->x) - (p->x < q->x);
}

/* Interior spots of a shape where a box of half-height hh could be
 * centred (distance to the edges >= hh), roomiest first. */
static size_t candidates(const gv_shape *s, double hh, cand *out) {
    double b[4];
    gv__shape_bbox(s, b);
    double bw = b[2] - b[0], bh = b[3] - b[1];
    if (!(bw > 0 && bh > 0)) return 0;
    double step = fmax(hh, sqrt(bw * bh / MAX_CANDIDATES));
    size_t n = 0;
    for (double y = b[1] + step / 2; y < b[3] && n < 4 * MAX_CANDIDATES; y += step)
        for (double x = b[0] + step / 2; x < b[2] && n < 4 * MAX_CANDIDATES; x += step) {
            double d = gv__shape_signed_distance(s, x, y);
            if (d >= hh) out[n++] = (cand){x, y, d};
        }
    qsort(out, n, sizeof *out, cmp_cand);
    return n < MAX_CANDIDATES ? n : MAX_CANDIDATES;
}

typedef struct order {
    size_t f;
    double d_mm;
} order;

static int cmp_order(const void *a, const void *b) {
    const order *p = a, *q = b;
    if (p->d_mm != q->d_mm) return p->d_mm > q->d_mm ? -1 : 1;
    return (p->f > q->f) - (p->f < q->f);
}

/* Device point of frame fr back to lon/lat degrees. */
static void dev_to_lonlat(PJ *P, const gv_frame *fr, double dpm, double x, double y, double out[2]) {
    double s = fr->scale * dpm;
    double X = (x - fr->x0 * dpm) / s, Y = (fr->y0 * dpm - y) / s;
    PJ_COORD c = proj_trans(P, PJ_INV, proj_coord(X, Y, 0, 0));
    out[0] = proj_todeg(c.lp.lam);
    out[1] = proj_todeg(c.lp.phi);
}

int gv__labels_place(const gv_map_spec *sp, const double *pts, const gv_proj_ring *rings, size_t nrings,
                     const gv_layout *lay, double dpm, PJ *P, const int *frame_index, gv_carto *c,
                     gv_label_placement **out, size_t *ndrawn, gv_error *err) {
    const gv_map_labels *lb = sp->labels;
    const gv_layer *L = sp->layer;
    size_t nf = gv_layer_count(L);
    int field = -1;
    if (!lb->texts) {
        const char *name = lb->field ? lb->field : "name";
        field = gv_layer_field_index(L, name);
        if (field < 0) return gv_error_set(err, GV_EUSAGE, "labels: the layer has no field '%s'", name);
    }
    *ndrawn = 0;
    gv_label_placement *pl = calloc(nf ? nf : 1, sizeof *pl);
    size_t *first = malloc((nf + 1) * sizeof(size_t));
    order *ord = malloc((nf ? nf : 1) * sizeof *ord);
    cand *cd = malloc(4 * MAX_CANDIDATES * sizeof *cd);
    double *placed = malloc((nf ? nf : 1) * 4 * sizeof(double)); /* device boxes, padded */
    c->drawn = calloc(nf ? nf : 1, sizeof(char *));
    c->nf = nf;
    c->drawn_box = calloc(nf ? nf : 1, 4 * sizeof(double));
    shape_buf sb = {0};
    int rc = GV_OK;
    if (!pl || !first || !ord || !cd || !placed || !c->drawn || !c->drawn_box) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory (labels)");
        goto done;
    }
    /* Rings of feature f are rows [first[f], first[f+1]). */
    {
        size_t q = 0;
        for (size_t f = 0; f <= nf; f++) {
            while (q < nrings && rings[q].feature < f) q++;
            first[f] = q;
        }
    }
    /* Obstacles, device units: everything drawn on the page that is not
     * a unit. Insets keep room for their two-line captions above. */
    double obst[8][4];
    int nobst = 0;
    {
        const double *r[4] = {lay->legend_rect, lay->scalebar_rect, lay->has_north ? lay->north_rect : NULL,
                              lay->has_locator ? lay->locator.rect : NULL};
        for (int k = 0; k < 4; k++) {
            if (!r[k] || !(r[k][2] > 0)) continue;
            for (int q = 0; q < 4; q++) obst[nobst][q] = r[k][q] * dpm;
            nobst++;
        }
        for (int k = 1; k < lay->nframes; k++) {
            if (!lay->frames[k].active) continue;
            const double *fr = lay->frames[k].rect;
            double o[4] = {fr[0] * dpm, (fr[1] - 6) * dpm, fr[2] * dpm, (fr[3] + 6) * dpm};
            memcpy(obst[nobst++], o, sizeof o);
        }
    }
    double pt = c->label_pt;
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    PangoContext *ctx = pango_font_map_create_context(fm);
    gv__setup_context(ctx);
    double w1, h1;
    measure(ctx, "Ág", pt, &w1, &h1); /* one line's height */
    (void)w1;
    double pad = LABEL_PAD_MM * dpm, margin = LABEL_MARGIN_MM * dpm;
    size_t nord = 0, nplaced = 0;
    for (size_t f = 0; f < nf; f++) {
        gv_label_placement *p = &pl[f];
        const gv_pole *po = &c->poles[f];
        const char *t = lb->texts ? lb->texts[f] : gv_layer_value(L, f, (size_t)field);
        p->feature = f;
        p->text = strdup(t ? t : "");
        p->frame = -1;
        p->pole_lonlat[0] = p->pole_lonlat[1] = p->anchor_lonlat[0] = p->anchor_lonlat[1] = NAN;
        p->anchor_mm[0] = p->anchor_mm[1] = NAN;
        if (!p->text) { rc = gv_error_set(err, GV_ENOMEM, "out of memory (labels)"); g_object_unref(ctx); goto done; }
        if (po->frame >= 0) {
            PJ_COORD ll = proj_trans(P, PJ_INV, proj_coord(po->x, po->y, 0, 0));
            p->pole_lonlat[0] = proj_todeg(ll.lp.lam);
            p->pole_lonlat[1] = proj_todeg(ll.lp.phi);
            const gv_frame *fr = &lay->frames[po->frame];
            p->frame = frame_index[po->frame];
            p->pole_dist_mm = po->d * fr->scale;
            p->anchor_mm[0] = fr->x0 + fr->scale * po->x;
            p->anchor_mm[1] = fr->y0 - fr->scale * po->y;
            memcpy(p->anchor_lonlat, p->pole_lonlat, sizeof p->anchor_lonlat);
        }
        if (!*p->text) { p->status = GV_LABEL_NO_TEXT; continue; }
        if (po->frame < 0 || !(po->d > 0)) { p->status = GV_LABEL_NO_GEOMETRY; continue; }
        ord[nord++] = (order){f, p->pole_dist_mm};
    }
    qsort(ord, nord, sizeof *ord, cmp_order);
    for (size_t o = 0; o < nord; o++) {
        size_t f = ord[o].f;
        gv_label_placement *p = &pl[f];
        const gv_pole *po = &c->poles[f];
        const gv_frame *fr = &lay->frames[po->frame];
        p->status = GV_LABEL_TOO_SMALL;
        double px = p->anchor_mm[0] * dpm, py = p->anchor_mm[1] * dpm;
        double vw[2], vh[2];
        measure(ctx, p->text, pt, &vw[0], &vh[0]);
        vw[0] *= dpm;
        vh[0] *= dpm;
        p->box_mm[0] = (px - vw[0] / 2) / dpm;
        p->box_mm[1] = (py - vh[0] / 2) / dpm;
        p->box_mm[2] = vw[0] / dpm;
        p->box_mm[3] = vh[0] / dpm;
        if (p->pole_dist_mm < h1 / 2 + LABEL_MARGIN_MM) {
            /* A box one line high holds a disc of that diameter, which
             * would have to fit inside the unit: it cannot. */
            continue;
        }
        char *two = lb->single_line ? NULL : break_text(p->text);
        const char *var[2] = {p->text, two};
        int nvar = two ? 2 : 1;
        if (two) {
            measure(ctx, two, pt, &vw[1], &vh[1]);
            vw[1] *= dpm;
            vh[1] *= dpm;
        }
        if (shape_of(&sb, pts, rings, first[f], first[f + 1], po->frame)) {
            free(two);
            rc = gv_error_set(err, GV_ENOMEM, "out of memory (labels)");
            g_object_unref(ctx);
            goto done;
        }
        double frect[4] = {fr->rect[0] * dpm, fr->rect[1] * dpm, fr->rect[2] * dpm, fr->rect[3] * dpm};
        int any_fit = 0, done_f = 0;
        size_t ncand = 0, ci = 0;
        int tried_grid = 0;
        for (;;) {
            double cx, cy;
            if (ci == 0) { cx = px; cy = py; }
            else {
                if (!tried_grid) { ncand = candidates(&sb.s, h1 * dpm / 2, cd); tried_grid = 1; }
                if (ci - 1 >= ncand) break;
                cx = cd[ci - 1].x;
                cy = cd[ci - 1].y;
            }
            for (int v = 0; v < nvar && !done_f; v++) {
                double box[4] = {cx - vw[v] / 2, cy - vh[v] / 2, vw[v], vh[v]};
                if (box[0] < frect[0] || box[1] < frect[1] || box[0] + box[2] > frect[0] + frect[2] ||
                    box[1] + box[3] > frect[1] + frect[3])
                    continue;
                /* A hair of margin, so letters do not touch the unit's
                 * outline (the halo may). */
                double inner[4] = {box[0] - margin, box[1] - margin, box[2] + 2 * margin, box[3] + 2 * margin};
                if (!gv__shape_contains_box(&sb.s, inner)) continue;
                any_fit = 1;
                double padded[4] = {box[0] - pad, box[1] - pad, box[2] + 2 * pad, box[3] + 2 * pad};
                int hit = 0;
                for (int k = 0; k < nobst && !hit; k++) hit = boxes_meet(padded, obst[k]);
                for (size_t k = 0; k < nplaced && !hit; k++) hit = boxes_meet(padded, placed + 4 * k);
                if (hit) continue;
                memcpy(placed + 4 * nplaced++, box, sizeof box);
                p->status = ci == 0 ? GV_LABEL_PLACED : GV_LABEL_MOVED;
                p->lines = v + 1;
                for (int q = 0; q < 4; q++) p->box_mm[q] = box[q] / dpm;
                p->anchor_mm[0] = cx / dpm;
                p->anchor_mm[1] = cy / dpm;
                dev_to_lonlat(P, fr, dpm, cx, cy, p->anchor_lonlat);
                c->drawn[f] = strdup(var[v]);
                memcpy(c->drawn_box + 4 * f, p->box_mm, sizeof p->box_mm);
                if (!c->drawn[f]) rc = gv_error_set(err, GV_ENOMEM, "out of memory (labels)");
                done_f = 1;
            }
            if (done_f) break;
            ci++;
        }
        free(two);
        if (rc) { g_object_unref(ctx); goto done; }
        if (!done_f && any_fit) p->status = GV_LABEL_OVERLAP;
        if (done_f) (*ndrawn)++;
    }
    g_object_unref(ctx);
done:
    free(first);
    free(ord);
    free(cd);
    free(placed);
    free(sb.ring);
    free(sb.n);
    if (rc) {
        for (size_t f = 0; pl && f < nf; f++) free(pl[f].text);
        free(pl);
        pl = NULL;
    }
    *out = pl;
    return rc;
}
