/* map_render.c: the choropleth renderer (see include/geovoice/render.h).
 *
 * Pipeline, designed for the 1.24 M-vertex national commune map:
 *   1. split each feature's polygons between the main frame and the
 *      archipelago insets (fixed geographic boxes, SPEC);
 *   2. lay out the page in millimetres (layout.c: title, map frames,
 *      legend placed where the map leaves room, scale bar);
 *   3. drop vertices closer than half a device pixel to the last kept one
 *      (in lon/lat with a conservative tolerance, before projecting, so
 *      PROJ sees ~1/3 of the points), then project once with PROJ straight
 *      to device units;
 *   4. fill per feature (even-odd, so holes stay open), stroke outlines in
 *      one path, in horizontal bands on 2 threads for PNG;
 *   5. text with Pango; PNG written with libpng at zlib level 1.
 * Output goes to a temporary file renamed into place. */
#include "geovoice/render.h"

#include "layout.h"
#include "carto.h"
#include "hairline.h"
#include "map_modes.h"
#include "cairo_file.h"
#include "pdf_geometry.h"
#include "png_bands.h"
#include "svg_ids.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <proj.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int gv_page_parse(const char *text, int landscape, gv_page *out, gv_error *err) {
    double w = 0, h = 0;
    if (!text || !*text || !strcasecmp(text, "a4")) { w = 210; h = 297; }
    else if (!strcasecmp(text, "a3")) { w = 297; h = 420; }
    else if (!strcasecmp(text, "a5")) { w = 148; h = 210; }
    else if (!strcasecmp(text, "letter")) { w = 215.9; h = 279.4; }
    else {
        char unit[8] = "";
        int n = sscanf(text, "%lfx%lf%7s", &w, &h, unit);
        if (n < 2 || (n == 3 && strcasecmp(unit, "mm")) || !(w >= 20 && w <= 5000) || !(h >= 20 && h <= 5000))
            return gv_error_set(err, GV_EUSAGE,
                                "--size '%s': expected a4, a3, a5, letter or WxHmm (e.g. 160x120mm, 20–5000 mm)", text);
        out->width_mm = w;
        out->height_mm = h;
        if (landscape && h > w) { out->width_mm = h; out->height_mm = w; }
        return GV_OK;
    }
    if (landscape) { double t = w; w = h; h = t; }
    out->width_mm = w;
    out->height_mm = h;
    return GV_OK;
}

int gv_format_from_path(const char *path, gv_format *out, gv_error *err) {
    const char *dot = strrchr(path, '.');
    if (dot && !strcasecmp(dot, ".png")) *out = GV_FORMAT_PNG;
    else if (dot && !strcasecmp(dot, ".pdf")) *out = GV_FORMAT_PDF;
    else if (dot && !strcasecmp(dot, ".svg")) *out = GV_FORMAT_SVG;
    else return gv_error_set(err, GV_EUSAGE, "%s: output must end in .png, .pdf or .svg", path);
    return GV_OK;
}

void gv_render_info_clear(gv_render_info *info) {
    if (!info) return;
    free(info->feature_parts_drawn);
    for (size_t i = 0; info->labels && i < info->nlabels; i++) free(info->labels[i].text);
    free(info->labels);
    free(info->symbols);
    memset(info, 0, sizeof *info);
}

/* ------------------------------------------------------------------ */
/* Projected, simplified geometry in device units, per frame.          */

typedef gv_proj_ring dev_ring;

typedef struct devgeom {
    double *pts;
    size_t npts, cap;
    dev_ring *rings;
    size_t nrings, caprings;
    gv_dev_dots dots;   /* dot-density mode: drawn over the units */
    const gv_carto *carto; /* context units drawn under the map, or NULL */
} devgeom;

static int dg_push_ring(devgeom *g, size_t feature, int frame, size_t off, size_t n) {
    if (g->nrings == g->caprings) {
        size_t nc = g->caprings ? 2 * g->caprings : 1024;
        dev_ring *p = realloc(g->rings, nc * sizeof *p);
        if (!p) return -1;
        g->rings = p;
        g->caprings = nc;
    }
    g->rings[g->nrings++] = (dev_ring){feature, frame, off, n, 0, 0};
    return 0;
}

static void box_union(double a[4], const double b[4]) {
    if (b[0] < a[0]) a[0] = b[0];
    if (b[1] < a[1]) a[1] = b[1];
    if (b[2] > a[2]) a[2] = b[2];
    if (b[3] > a[3]) a[3] = b[3];
}

/* ------------------------------------------------------------------ */

typedef struct proj_job {
    const char *def;
    double *pts;
    size_t n;
} proj_job;

static void *proj_main(void *arg) {
    proj_job *j = arg;
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *P = proj_create(ctx, j->def);
    for (size_t k = 0; k < j->n; k++) {
        j->pts[2 * k] = proj_torad(j->pts[2 * k]);
        j->pts[2 * k + 1] = proj_torad(j->pts[2 * k + 1]);
    }
    if (P)
        proj_trans_generic(P, PJ_FWD, j->pts, 2 * sizeof(double), j->n, j->pts + 1, 2 * sizeof(double), j->n, NULL,
                           0, 0, NULL, 0, 0);
    else
        for (size_t k = 0; k < 2 * j->n; k++) j->pts[k] = NAN;
    proj_destroy(P);
    proj_context_destroy(ctx);
    return NULL;
}

static void project_parallel(const char *def, double *pts, size_t n, int nthreads) {
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 8) nthreads = 8;
    if (n < 20000) nthreads = 1; /* not worth a thread */
    proj_job jobs[8];
    pthread_t th[8];
    int started[8] = {0};
    for (int t = 0; t < nthreads; t++) {
        size_t a = n * (size_t)t / (size_t)nthreads, b = n * (size_t)(t + 1) / (size_t)nthreads;
        jobs[t] = (proj_job){def, pts + 2 * a, b - a};
        if (t > 0 && pthread_create(&th[t], NULL, proj_main, &jobs[t]) == 0) started[t] = 1;
    }
    proj_main(&jobs[0]);
    for (int t = 1; t < nthreads; t++) {
        if (started[t]) pthread_join(th[t], NULL);
        else proj_main(&jobs[t]);
    }
}


static void set_rgb(cairo_t *cr, unsigned c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

#define NODATA_FLAG 0x01000000u
#define OUTSIDE_FLAG 0x02000000u

static cairo_pattern_t *hatch_pattern(unsigned base, double dev_per_mm) {
    /* Diagonal hatch for "no data": readable in greyscale print, never
     * confused with the lightest class. */
    int sz = (int)ceil(2.0 * dev_per_mm);
    if (sz < 4) sz = 4;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, sz, sz);
    cairo_t *c = cairo_create(s);
    set_rgb(c, base);
    cairo_paint(c);
    cairo_set_source_rgb(c, 0.55, 0.55, 0.55);
    cairo_set_line_width(c, sz * 0.12);
    cairo_move_to(c, -1, sz + 1);
    cairo_line_to(c, sz + 1, -1);
    cairo_move_to(c, -1, 1);
    cairo_line_to(c, 1, -1);
    cairo_move_to(c, sz - 1, sz + 1);
    cairo_line_to(c, sz + 1, sz - 1);
    cairo_stroke(c);
    cairo_destroy(c);
    cairo_pattern_t *p = cairo_pattern_create_for_surface(s);
    cairo_pattern_set_extend(p, CAIRO_EXTEND_REPEAT);
    cairo_surface_destroy(s);
    return p;
}

/* One panel (the whole map, or one of small multiples moved by dx, dy
 * device units): fills from fill[], outlines. y0 is the band's top. */
static void draw_panel(cairo_t *cr, const devgeom *dg, const gv_map_spec *spec, const unsigned *fill,
                       const gv_layout *lay, const double line_w[3], cairo_pattern_t *hatch, double band_y0,
                       double clip_y0, double clip_y1, int hair, double dx, double dy) {
    /* A panel moved down by dy is the panel drawn into a band dy higher. */
    double y0 = band_y0 - dy;
    size_t nf = gv_layer_count(spec->layer);
    for (int fr = 0; fr < lay->nframes; fr++) {
        /* No clip: every frame's box contains the polygons assigned to it
         * (inset boxes grow to their polygons), and an unaligned clip
         * makes Cairo allocate a page-sized mask for every fill. */
        cairo_save(cr);
        cairo_translate(cr, dx, 0);
        /* Rings are stored feature by feature, so one pass fills each
         * feature with one path. */
        size_t i = 0;
        while (i < dg->nrings) {
            size_t f = dg->rings[i].feature;
            size_t j = i;
            int any = 0;
            double ymin = INFINITY, ymax = -INFINITY;
            for (; j < dg->nrings && dg->rings[j].feature == f; j++) {
                const dev_ring *rg = &dg->rings[j];
                if (rg->frame != fr) continue;
                if (rg->ymin < ymin) ymin = rg->ymin;
                if (rg->ymax > ymax) ymax = rg->ymax;
                any = 1;
            }
            if (any && ymax - y0 >= clip_y0 - 2 && ymin - y0 <= clip_y1 + 2) {
                for (size_t q = i; q < j; q++) {
                    const dev_ring *rg = &dg->rings[q];
                    if (rg->frame != fr) continue;
                    const double *p = dg->pts + 2 * rg->off;
                    cairo_move_to(cr, p[0], p[1] - y0);
                    for (size_t k = 1; k < rg->n; k++) cairo_line_to(cr, p[2 * k], p[2 * k + 1] - y0);
                    cairo_close_path(cr);
                }
                unsigned c = f < nf ? fill[f] : 0xffffff;
                if (c & NODATA_FLAG) cairo_set_source(cr, hatch);
                else set_rgb(cr, c & 0xffffff);
                cairo_fill(cr);
            }
            i = j;
        }
        if (hair && line_w[fr] <= 1.5) {
            /* PNG with sub-1.5 px outlines: our hairlines into the band. */
            cairo_restore(cr);
            cairo_surface_t *target = cairo_get_target(cr);
            cairo_surface_flush(target);
            gv_hairline_target ht;
            ht.px = (uint32_t *)cairo_image_surface_get_data(target);
            ht.stride_px = cairo_image_surface_get_stride(target) / 4;
            ht.width = cairo_image_surface_get_width(target);
            ht.y0 = (int)band_y0;
            ht.y1 = (int)band_y0 + cairo_image_surface_get_height(target);
            ht.rgb = 0x6b6b6b;
            ht.width_px = line_w[fr];
            ht.ox = dx;
            ht.oy = dy;
            for (size_t q = 0; q < dg->nrings; q++) {
                const dev_ring *rg = &dg->rings[q];
                if (rg->frame != fr) continue;
                if (rg->ymax + dy < ht.y0 - 2 || rg->ymin + dy > ht.y1 + 2) continue;
                gv_hairline_polyline(&ht, dg->pts + 2 * rg->off, rg->n);
            }
            cairo_surface_mark_dirty(target);
            continue;
        }
        /* Outlines: one path per frame, stroked once. */
        cairo_set_line_width(cr, line_w[fr]);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_source_rgb(cr, 0.42, 0.42, 0.42);
        int batch = 0;
        for (size_t q = 0; q < dg->nrings; q++) {
            const dev_ring *rg = &dg->rings[q];
            if (rg->frame != fr) continue;
            if (rg->ymax - y0 < clip_y0 - 2 || rg->ymin - y0 > clip_y1 + 2) continue;
            const double *p = dg->pts + 2 * rg->off;
            cairo_move_to(cr, p[0], p[1] - y0);
            for (size_t k = 1; k < rg->n; k++) cairo_line_to(cr, p[2 * k], p[2 * k + 1] - y0);
            cairo_close_path(cr);
            /* Stroke in batches: one huge path makes Cairo's stroker grow
             * edge arrays of hundreds of MB (page faults dominated). */
            if (++batch >= 64) { cairo_stroke(cr); batch = 0; }
        }
        cairo_stroke(cr);
        cairo_restore(cr);
    }
}

/* Draws fills and outlines of all frames (of every panel) onto cr, whose
 * CTM is device units with origin at (0, -y0) — for PNG bands y0 is the
 * band's top; fill holds nf colours per panel. */
static void draw_geometry(cairo_t *cr, const devgeom *dg, const gv_map_spec *spec, const unsigned *fill,
                          const gv_layout *lay, const double line_w[3], double dev_per_mm, double y0,
                          double clip_y0, double clip_y1, int hair) {
    cairo_pattern_t *hatch = hatch_pattern(spec->nodata_color, dev_per_mm);
    if (dg->carto) gv__context_draw(cr, dg->carto, line_w[0], y0, clip_y0, clip_y1);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    size_t nf = gv_layer_count(spec->layer);
    int np = lay->npanels > 0 ? lay->npanels : 1;
    for (int p = 0; p < np; p++)
        draw_panel(cr, dg, spec, fill + (size_t)p * nf, lay, line_w, hatch, y0, clip_y0, clip_y1, hair,
                   lay->panel_off[p][0] * dev_per_mm, lay->panel_off[p][1] * dev_per_mm);
    gv__dots_draw(cr, &dg->dots, y0, clip_y0, clip_y1);
    gv__symbols_draw(cr, dg->carto, y0, clip_y0, clip_y1);
    cairo_pattern_destroy(hatch);
}



/* ------------------------------------------------------------------ */
/* PNG in bands: workers draw horizontal bands of BAND_ROWS rows into a
 * few reusable buffers while this thread encodes finished bands in page
 * order, so no full-page buffer exists (35 MB at A4/300 dpi) and drawing
 * overlaps compression. */

#define BAND_ROWS 128
#define BAND_SLOTS 3

typedef struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nbands, next_band, next_write;
    int slot_band[BAND_SLOTS]; /* band finished in the slot, -1 if none */
    unsigned char *slot_buf[BAND_SLOTS];
    gv_png_band slot_z[BAND_SLOTS];  /* the band deflated by its worker */
    int slot_rc[BAND_SLOTS];
    gv_error slot_err[BAND_SLOTS];
    int W, H, stride;
    const devgeom *dg;
    const gv_map_spec *spec;
    const unsigned *fill;
    const gv_layout *lay;
    const double *line_w;
    double dev_per_mm;
    cairo_surface_t *rec;
    pthread_mutex_t replay_mu;
    int abort;
} pipeline;

static void draw_band(pipeline *p, int k, unsigned char *buf) {
    int y0 = k * BAND_ROWS, h = p->H - y0 < BAND_ROWS ? p->H - y0 : BAND_ROWS;
    cairo_surface_t *s = cairo_image_surface_create_for_data(buf, CAIRO_FORMAT_RGB24, p->W, h, p->stride);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_save(cr);
    cairo_translate(cr, 0, -y0);
    gv_layout_draw_frames_background(cr, p->lay, p->dev_per_mm);
    cairo_restore(cr);
    draw_geometry(cr, p->dg, p->spec, p->fill, p->lay, p->line_w, p->dev_per_mm, y0, 0, h, 1);
    /* Replaying one recording surface from two threads at once corrupts
     * it (Cairo builds its command index lazily, without a lock): seen as
     * titles missing from some bands. Replays are short; take turns. */
    pthread_mutex_lock(&p->replay_mu);
    if (p->dg->carto) {
        /* Labels, locator, north arrow: only those on this band (drawn
         * here rather than recorded: a recording is replayed whole on
         * every band). Pango under the lock, as the replay. */
        cairo_save(cr);
        cairo_translate(cr, 0, -y0);
        gv__carto_draw_over(cr, p->dg->carto, p->lay, p->spec, p->dev_per_mm, y0, y0 + h);
        cairo_restore(cr);
    }
    cairo_set_source_surface(cr, p->rec, 0, -y0);
    cairo_paint(cr);
    cairo_destroy(cr);
    pthread_mutex_unlock(&p->replay_mu);
    cairo_surface_flush(s);
    cairo_surface_destroy(s);
}

static void *pipeline_worker(void *arg) {
    pipeline *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->abort && p->next_band < p->nbands && p->next_band - p->next_write >= BAND_SLOTS)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->abort || p->next_band >= p->nbands) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        int k = p->next_band++;
        pthread_mutex_unlock(&p->mu);
        int sl = k % BAND_SLOTS;
        draw_band(p, k, p->slot_buf[sl]);
        int h = p->H - k * BAND_ROWS < BAND_ROWS ? p->H - k * BAND_ROWS : BAND_ROWS;
        p->slot_rc[sl] = gv_png_band_compress(&p->slot_z[sl], p->slot_buf[sl], p->W, h, p->stride, k == p->nbands - 1,
                                              &p->slot_err[sl]);
        pthread_mutex_lock(&p->mu);
        p->slot_band[sl] = k;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

static int render_png_banded(const char *tmp, int W, int H, double dpi, const devgeom *dg, const gv_map_spec *spec,
                             const unsigned *fill, const gv_layout *lay, const double line_w[3], double dev_per_mm,
                             cairo_surface_t *rec, int nthreads, gv_error *err) {
    pipeline p;
    memset(&p, 0, sizeof p);
    p.W = W;
    p.H = H;
    p.stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, W);
    p.nbands = (H + BAND_ROWS - 1) / BAND_ROWS;
    p.dg = dg;
    p.spec = spec;
    p.fill = fill;
    p.lay = lay;
    p.line_w = line_w;
    p.dev_per_mm = dev_per_mm;
    p.rec = rec;
    for (int i = 0; i < BAND_SLOTS; i++) {
        p.slot_band[i] = -1;
        p.slot_buf[i] = malloc((size_t)p.stride * BAND_ROWS);
        if (!p.slot_buf[i]) {
            for (int j = 0; j < i; j++) free(p.slot_buf[j]);
            return gv_error_set(err, GV_ENOMEM, "out of memory (PNG bands)");
        }
    }
    gv_png_writer pw;
    int rc = gv_png_writer_open(&pw, tmp, W, H, dpi, err);
    if (rc) {
        gv_png_writer_abort(&pw);
        for (int i = 0; i < BAND_SLOTS; i++) free(p.slot_buf[i]);
        return rc;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_mutex_init(&p.replay_mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 8) nthreads = 8;
    pthread_t th[8];
    int nstarted = 0;
    for (int t = 0; t < nthreads; t++)
        if (pthread_create(&th[nstarted], NULL, pipeline_worker, &p) == 0) nstarted++;
    for (int k = 0; k < p.nbands; k++) {
        int sl = k % BAND_SLOTS;
        if (nstarted == 0) {
            /* no thread could start: draw and compress here */
            int h = H - k * BAND_ROWS < BAND_ROWS ? H - k * BAND_ROWS : BAND_ROWS;
            p.next_band = k + 1;
            draw_band(&p, k, p.slot_buf[sl]);
            p.slot_rc[sl] = gv_png_band_compress(&p.slot_z[sl], p.slot_buf[sl], W, h, p.stride, k == p.nbands - 1,
                                                 &p.slot_err[sl]);
            p.slot_band[sl] = k;
        }
        pthread_mutex_lock(&p.mu);
        while (p.slot_band[sl] != k) pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        if (!rc && p.slot_rc[sl]) {
            rc = p.slot_rc[sl];
            if (err) *err = p.slot_err[sl];
        }
        if (!rc) rc = gv_png_writer_band(&pw, &p.slot_z[sl], tmp, err);
        pthread_mutex_lock(&p.mu);
        p.slot_band[sl] = -1;
        p.next_write = k + 1;
        if (rc) p.abort = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        if (rc) break;
    }
    for (int t = 0; t < nstarted; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_mutex_destroy(&p.replay_mu);
    pthread_cond_destroy(&p.cv);
    for (int i = 0; i < BAND_SLOTS; i++) {
        free(p.slot_buf[i]);
        gv_png_band_free(&p.slot_z[i]);
    }
    if (!rc) rc = gv_png_writer_close(&pw, tmp, err);
    else gv_png_writer_abort(&pw);
    return rc;
}

static int write_fail(gv_error *err, const char *path, const char *what) {
    return gv_error_set(err, GV_EOUTPUT, "%s: cannot write %s (%s)", path, what, strerror(errno ? errno : EIO));
}


int gv_map_render(const gv_map_spec *spec, const char *path, gv_render_info *info, gv_error *err) {
    gv_format fmt;
    int rc = gv_format_from_path(path, &fmt, err);
    if (rc) return rc;
    if (!spec->layer ||
        ((!spec->values || !spec->breaks || !spec->colors) && !spec->categories && !spec->dots && !spec->symbols &&
         !spec->bivariate && !(spec->panels && spec->breaks && spec->colors)) ||
        (spec->symbols && !spec->symbols->values) ||
        (spec->bivariate && (!spec->bivariate->x || !spec->bivariate->y || !spec->bivariate->bx ||
                             !spec->bivariate->by || !spec->bivariate->colors)) ||
        (spec->panels && (spec->npanels < 2 || spec->npanels > GV_PANELS_MAX)))
        return gv_error_set(err, GV_EUSAGE, "map spec incomplete");
    if (spec->panels && (spec->labels || spec->symbols || spec->context || spec->bivariate || spec->categories ||
                         spec->dots || spec->north_arrow))
        return gv_error_set(err, GV_EUSAGE, "small multiples take classes only: no labels, symbols, context, north "
                                            "arrow, bivariate, categorical or dot layers on panels");
    const gv_layer *L = spec->layer;
    size_t nf = gv_layer_count(L);
    double dpi = spec->dpi > 0 ? spec->dpi : 300;
    double dev_per_mm = fmt == GV_FORMAT_PNG ? dpi / 25.4 : 72.0 / 25.4;
    gv_render_info local;
    memset(&local, 0, sizeof local);
    gv_render_info *inf = info ? info : &local;
    memset(inf, 0, sizeof *inf);
    inf->nfeatures = nf;
    inf->feature_parts_drawn = calloc(nf ? nf : 1, sizeof(size_t));
    if (!inf->feature_parts_drawn) return gv_error_set(err, GV_ENOMEM, "out of memory");

    /* A PNG's pixels (SPEC rounding: round(mm * dpi / 25.4)) within what
     * Cairo can draw (32767 on a side) and a sane total (300 million
     * pixels: A0 at 400 dpi); refused before any work. */
    if (fmt == GV_FORMAT_PNG) {
        double pw = spec->page.width_mm > 0 ? spec->page.width_mm : 210, ph = spec->page.height_mm > 0 ? spec->page.height_mm : 297;
        double wpx = round(pw * dpi / 25.4), hpx = round(ph * dpi / 25.4);
        if (wpx > 32767 || hpx > 32767 || wpx * hpx > 3e8) {
            gv_render_info_clear(inf);
            return gv_error_set(err, GV_EUSAGE,
                                "%s: %.0f x %.0f pixels (%.0f x %.0f mm at %g dpi) is more than a PNG map can hold "
                                "(32767 pixels a side, 300 million in all): lower --dpi or --size, or write a PDF",
                                path, wpx, hpx, pw, ph, dpi);
        }
    }
    /* Check the output folder first: a missing folder fails before any
     * work, and the temporary file lives beside the output. */
    char tmp[4096];
    {
        snprintf(tmp, sizeof tmp, "%s", path);
        char *slash = strrchr(tmp, '/');
        const char *dir = ".";
        if (slash) { *slash = 0; dir = *tmp ? tmp : "/"; }
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = gv_error_set(err, GV_EOUTPUT, "%s: output folder '%s' does not exist", path, dir);
            gv_render_info_clear(inf);
            return rc;
        }
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    }

    /* --- 1. frames: which polygons go to which frame --------------- */
    size_t nr_total = 0;
    for (size_t f = 0; f < nf; f++) {
        const double *xy; const size_t *off; const int *part; size_t nr;
        gv_layer_rings(L, f, &xy, &off, &part, &nr);
        nr_total += nr;
    }
    int *ring_frame = malloc((nr_total ? nr_total : 1) * sizeof(int));
    if (!ring_frame) { gv_render_info_clear(inf); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    double main_box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    double hs_box[4], ts_box[4];
    memcpy(hs_box, GV_HS_BOX, sizeof hs_box);
    memcpy(ts_box, GV_TS_BOX, sizeof ts_box);
    int has_hs = 0, has_ts = 0;
    {
        size_t base = 0;
        for (size_t f = 0; f < nf; f++) {
            const double *xy; const size_t *off; const int *part; size_t nr;
            gv_layer_rings(L, f, &xy, &off, &part, &nr);
            /* bbox per part from its rings */
            size_t r = 0;
            while (r < nr) {
                double b[4];
                size_t r1 = gv__part_bbox(xy, off, part, nr, r, b);
                int fr = spec->insets ? gv__inset_of(b) : 0;
                if (fr == 1) { has_hs = 1; box_union(hs_box, b); }
                else if (fr == 2) { has_ts = 1; box_union(ts_box, b); }
                for (size_t q = r; q < r1; q++) ring_frame[base + q] = fr;
                if (fr == 0 && b[0] <= b[2]) {
                    if (b[0] < main_box[0]) main_box[0] = b[0];
                    if (b[1] < main_box[1]) main_box[1] = b[1];
                    if (b[2] > main_box[2]) main_box[2] = b[2];
                    if (b[3] > main_box[3]) main_box[3] = b[3];
                }
                r = r1;
            }
            base += nr;
        }
    }
    /* Remote islands: parts of the main frame far from the rest (Côn Đảo
     * off Hồ Chí Minh City, Bạch Long Vĩ off Hải Phòng, Thổ Chu off An
     * Giang) would make the frame mostly sea. The mainland is the cluster
     * grown from the largest part by adding every part closer to it than
     * a quarter of its size; what is left, when it is small and would grow
     * the frame by half, goes to a free inset slot (Trường Sa's, else
     * Hoàng Sa's) captioned with its unit's name. */
    int remote_slot = 0;
    if (spec->insets && (!has_ts || !has_hs) && main_box[0] <= main_box[2]) {
        size_t np = 0;
        for (size_t f = 0; f < nf; f++) {
            const double *xy; const size_t *off; const int *part; size_t nr;
            gv_layer_rings(L, f, &xy, &off, &part, &nr);
            for (size_t q = 0; q < nr; q++) np += q == 0 || part[q] != part[q - 1];
        }
        double (*pb)[4] = malloc((np ? np : 1) * sizeof *pb);
        size_t *pr0 = malloc((np ? np : 1) * sizeof *pr0), *pr1 = malloc((np ? np : 1) * sizeof *pr1);
        unsigned char *in_c = calloc(np ? np : 1, 1);
        if (pb && pr0 && pr1 && in_c) {
            size_t k = 0, base = 0, big = (size_t)-1;
            double bigA = -1;
            for (size_t f = 0; f < nf; f++) {
                const double *xy; const size_t *off; const int *part; size_t nr;
                gv_layer_rings(L, f, &xy, &off, &part, &nr);
                for (size_t r = 0, r1; r < nr; r = r1) {
                    r1 = gv__part_bbox(xy, off, part, nr, r, pb[k]);
                    pr0[k] = base + r;
                    pr1[k] = base + r1;
                    if (ring_frame[base + r] != 0 || !(pb[k][0] <= pb[k][2])) in_c[k] = 2; /* not a main-frame part */
                    else {
                        double A = (pb[k][2] - pb[k][0]) * (pb[k][3] - pb[k][1]);
                        if (A > bigA) bigA = A, big = k;
                    }
                    k++;
                }
                base += nr;
            }
            if (big != (size_t)-1) {
                double C[4];
                memcpy(C, pb[big], sizeof C);
                in_c[big] = 1;
                for (int grew = 1; grew;) {
                    grew = 0;
                    double g = 0.25 * fmax(C[2] - C[0], C[3] - C[1]);
                    for (size_t q = 0; q < k; q++) {
                        if (in_c[q]) continue;
                        double dx = fmax(0, fmax(C[0] - pb[q][2], pb[q][0] - C[2]));
                        double dy = fmax(0, fmax(C[1] - pb[q][3], pb[q][1] - C[3]));
                        if (dx <= g && dy <= g) {
                            in_c[q] = 1;
                            box_union(C, pb[q]);
                            grew = 1;
                        }
                    }
                }
                double R[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
                for (size_t q = 0; q < k; q++)
                    if (!in_c[q]) box_union(R, pb[q]);
                double Ac = (C[2] - C[0]) * (C[3] - C[1]);
                double Am = (main_box[2] - main_box[0]) * (main_box[3] - main_box[1]);
                double Ar = R[0] <= R[2] ? (R[2] - R[0]) * (R[3] - R[1]) : 0;
                if (R[0] <= R[2] && Ac > 0 && Am > 1.5 * Ac && Ar < 0.25 * Ac) {
                    remote_slot = !has_ts ? 2 : 1;
                    double pad = fmax(0.03, 0.25 * fmax(R[2] - R[0], R[3] - R[1]));
                    double *box = remote_slot == 2 ? ts_box : hs_box;
                    box[0] = R[0] - pad, box[1] = R[1] - pad, box[2] = R[2] + pad, box[3] = R[3] + pad;
                    if (remote_slot == 2) has_ts = 1;
                    else has_hs = 1;
                    for (size_t q = 0; q < k; q++)
                        if (!in_c[q])
                            for (size_t x = pr0[q]; x < pr1[q]; x++) ring_frame[x] = remote_slot;
                    memcpy(main_box, C, sizeof C);
                }
            }
        }
        free(pb);
        free(pr0);
        free(pr1);
        free(in_c);
    }
    if (!(main_box[0] <= main_box[2])) {
        /* Nothing on the mainland: the "insets" are the whole map. */
        size_t base = 0;
        has_hs = has_ts = 0;
        for (size_t f = 0; f < nf; f++) {
            const double *xy; const size_t *off; const int *part; size_t nr;
            gv_layer_rings(L, f, &xy, &off, &part, &nr);
            for (size_t q = 0; q < nr; q++) ring_frame[base + q] = 0;
            base += nr;
        }
        gv_layer_bbox(L, main_box);
    }
    if (!(main_box[0] <= main_box[2])) {
        /* no geometry at all: draw an empty frame around 0,0 */
        main_box[0] = 102; main_box[1] = 8; main_box[2] = 110; main_box[3] = 23.5;
    }
    gv_dev_dots dots;
    if ((rc = gv__dots_prepare(spec, ring_frame, &dots, err))) {
        free(ring_frame);
        gv_render_info_clear(inf);
        return rc;
    }

    /* --- 2. projection and layout --------------------------------- */
    double lon0 = 0.5 * (main_box[0] + main_box[2]);
    if (lon0 > 100 && lon0 < 112) lon0 = 106; /* Vietnam: 106°E, the usual TM central meridian */
    snprintf(inf->proj, sizeof inf->proj, "+proj=tmerc +lat_0=0 +lon_0=%.6g +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs", lon0);
    PJ_CONTEXT *pctx = proj_context_create();
    PJ *P = proj_create(pctx, inf->proj);
    if (!P) {
        free(ring_frame);
        gv__dots_free(&dots);
        proj_context_destroy(pctx);
        gv_render_info_clear(inf);
        return gv_error_set(err, GV_EINTERNAL, "PROJ cannot create '%s'", inf->proj);
    }
    gv_layout_input li;
    memset(&li, 0, sizeof li);
    li.page_w = spec->page.width_mm > 0 ? spec->page.width_mm : 210;
    li.page_h = spec->page.height_mm > 0 ? spec->page.height_mm : 297;
    li.P = P;
    memcpy(li.main_box, main_box, sizeof main_box);
    li.has_hs = has_hs;
    li.has_ts = has_ts;
    memcpy(li.hs_box, hs_box, sizeof hs_box);
    memcpy(li.ts_box, ts_box, sizeof ts_box);
    li.spec = spec;
    {
        /* Captions name the unit that owns the islands (the feature with
         * the most polygons in each inset). */
        int lf = gv_layer_field_index(L, spec->label_field ? spec->label_field : "name");
        size_t best[3] = {0, 0, 0}, bestn[3] = {0, 0, 0}, base = 0;
        for (size_t f = 0; f < nf; f++) {
            const double *xy; const size_t *off; const int *part; size_t nr;
            gv_layer_rings(L, f, &xy, &off, &part, &nr);
            size_t cnt[3] = {0, 0, 0};
            for (size_t q = 0; q < nr; q++) cnt[ring_frame[base + q]]++;
            for (int k = 1; k < 3; k++)
                if (cnt[k] > bestn[k]) { bestn[k] = cnt[k]; best[k] = f; }
            base += nr;
        }
        if (lf >= 0 && bestn[1]) li.hs_owner = gv_layer_value(L, best[1], (size_t)lf);
        if (lf >= 0 && bestn[2]) li.ts_owner = gv_layer_value(L, best[2], (size_t)lf);
        li.remote_slot = remote_slot;
    }
    gv_layout lay;
    memset(&lay, 0, sizeof lay);
    gv_carto carto;
    memset(&carto, 0, sizeof carto);
    double *discs = NULL; /* proportional circles for the layout's mask */
    double tol_deg = 0, s_est = 1;
    double t0 = now_ms();
    /* --- 3. simplify + project ------------------------------------ */
    devgeom dg = {0};
    dg.dots = dots;
    {
        size_t nin = gv_layer_nvertices(L);
        dg.cap = nin * 2 + 16;
        dg.pts = malloc(dg.cap * sizeof(double));
        if (!dg.pts) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto out; }
        /* Half a device pixel (PNG) or 0.5 px at 600 dpi (PDF/SVG), in
         * degrees of latitude on the main frame; a degree of longitude is
         * shorter, so the same number in longitude is stricter: safe. */
        double tol_dev = fmt == GV_FORMAT_PNG ? 0.5 : 0.5 * 72.0 / 600.0;
        /* The main frame's scale is not known before the layout, which
         * needs the projected geometry; the page fitted to the extent is
         * an upper bound, so the tolerance here can only be stricter. */
        double ext[4];
        gv__proj_extent(P, main_box, ext);
        s_est = fmin(li.page_w / fmax(ext[2] - ext[0], 1), li.page_h / fmax(ext[3] - ext[1], 1));
        double m_per_dev = 1.0 / (s_est * dev_per_mm);
        tol_deg = tol_dev * m_per_dev / 111320.0;
        double tol2 = tol_deg * tol_deg;
        size_t base = 0;
        for (size_t f = 0; f < nf; f++) {
            const double *xy; const size_t *off; const int *part; size_t nr;
            gv_layer_rings(L, f, &xy, &off, &part, &nr);
            for (size_t r = 0; r < nr; r++) {
                int fr = ring_frame[base + r];
                size_t start = dg.npts;
                dg.npts += gv__decimate(xy, off[r], off[r + 1], tol2, dg.pts + 2 * dg.npts);
                if (dg_push_ring(&dg, f, fr, start, dg.npts - start)) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto out; }
            }
            base += nr;
        }
        inf->vertices_in = nin;
        inf->vertices_drawn = dg.npts;
        /* Give back the room reserved for the worst case (no vertex
         * dropped): ~13 MB on the commune map. */
        double *shrunk = realloc(dg.pts, (dg.npts ? dg.npts : 1) * 2 * sizeof(double));
        if (shrunk) { dg.pts = shrunk; dg.cap = dg.npts * 2; }
        /* Project every kept vertex: one batched PROJ call per thread,
         * each thread with its own context (PJ objects are not shared). */
        project_parallel(inf->proj, dg.pts, dg.npts, spec->threads > 0 ? spec->threads : 2);
    }
    /* Context layer (its own rings, not the map's) and the label poles
     * (from the projected rings) before the map's rings may go. */
    if (spec->context && spec->context->layer && (spec->context->behind || spec->context->locator)) {
        if ((rc = gv__context_prepare(spec, P, main_box, tol_deg, &carto, li.locator_ext, err))) goto out;
        li.ctx_behind = spec->context->behind;
        li.locator = spec->context->locator;
        if (carto.behind.nrings) dg.carto = &carto;
    }
    li.north_arrow = spec->north_arrow;
    dg.carto = &carto;
    double t_lab = now_ms();
    if (spec->labels || spec->symbols) {
        unsigned char *want = calloc(nf ? nf : 1, 1);
        carto.poles = malloc((nf ? nf : 1) * sizeof *carto.poles);
        if (!want || !carto.poles) { free(want); rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto out; }
        int lf = !spec->labels || spec->labels->texts ? -1
                 : gv_layer_field_index(L, spec->labels->field ? spec->labels->field : "name");
        for (size_t f = 0; spec->labels && f < nf; f++) {
            const char *t = spec->labels->texts ? spec->labels->texts[f] : lf >= 0 ? gv_layer_value(L, f, (size_t)lf) : "";
            want[f] = t && *t;
        }
        if (spec->symbols && (rc = gv__symbols_prepare(spec, fmin(li.page_w, li.page_h), &carto, want, err))) {
            free(want);
            goto out;
        }
        /* 0.1 mm on the page at the estimated (largest) scale. */
        rc = gv__poles_compute(dg.pts, dg.rings, dg.nrings, nf, want, 0.1 / s_est, carto.poles, err);
        free(want);
        if (rc) goto out;
    }
    if (spec->symbols) {
        /* The circles, as occupied paper for the legend's search. */
        discs = malloc((carto.nsym ? carto.nsym : 1) * 3 * sizeof(double));
        int *dframe = malloc((carto.nsym ? carto.nsym : 1) * sizeof(int));
        if (!discs || !dframe) { free(dframe); rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto out; }
        for (size_t i = 0; i < carto.nsym; i++) {
            const gv_pole *po = &carto.poles[carto.sym_f[i]];
            discs[2 * i] = po->x;
            discs[2 * i + 1] = po->y;
            discs[2 * carto.nsym + i] = carto.sym_r[i];
            dframe[i] = po->frame;
        }
        li.ndiscs = carto.nsym;
        li.disc_xy = discs;
        li.disc_r = discs + 2 * carto.nsym;
        li.disc_frame = dframe;
        li.sym_ref_v = carto.sym_ref_v;
        li.sym_ref_r = carto.sym_ref_r;
    }
    inf->ms_labels = now_ms() - t_lab;
    if (spec->rings_done) spec->rings_done(spec->rings_done_ctx);
    inf->ms_project = now_ms() - t0 - inf->ms_labels;
    t0 = now_ms();
    li.pts = dg.pts;
    li.rings = dg.rings;
    li.nrings = dg.nrings;
    rc = gv_layout_compute(&li, &lay, err);
    free(discs);
    free((void *)li.disc_frame);
    discs = NULL;
    li.disc_frame = NULL;
    if (rc != GV_OK) goto out;
    inf->ms_layout = now_ms() - t0;
    t0 = now_ms();
    if ((spec->context && (rc = gv__context_to_device(&carto, &lay, dev_per_mm, dg.pts, dg.rings, dg.nrings, err))))
        goto out;
    {
        for (size_t r = 0; r < dg.nrings; r++) {
            const gv_frame *fr = &lay.frames[dg.rings[r].frame];
            double s = fr->scale * dev_per_mm; /* device units per metre */
            double x0 = fr->x0 * dev_per_mm, y0 = fr->y0 * dev_per_mm;
            double *p = dg.pts + 2 * dg.rings[r].off;
            double ymin = INFINITY, ymax = -INFINITY;
            for (size_t k = 0; k < dg.rings[r].n; k++) {
                p[2 * k] = x0 + s * p[2 * k];
                double yy = y0 - s * p[2 * k + 1];
                p[2 * k + 1] = yy;
                if (yy < ymin) ymin = yy;
                if (yy > ymax) ymax = yy;
            }
            dg.rings[r].ymin = (float)ymin;
            dg.rings[r].ymax = (float)ymax;
            inf->feature_parts_drawn[dg.rings[r].feature]++;
        }
    }
    gv__dots_to_device(&dg.dots, P, &lay, dev_per_mm);
    inf->ms_project += now_ms() - t0;
    int frame_index[3] = {-1, -1, -1};
    for (int k = 0, n = 0; k < lay.nframes && k < 3; k++)
        if (lay.frames[k].active) frame_index[k] = n++;
    if (spec->labels) {
        t_lab = now_ms();
        carto.label_pt = spec->labels->size_pt > 0 ? spec->labels->size_pt : fmax(4.5, lay.small_pt * 0.9);
        carto.halo = spec->labels->halo;
        if ((rc = gv__labels_place(spec, dg.pts, dg.rings, dg.nrings, &lay, dev_per_mm, P, frame_index, &carto,
                                   &inf->labels, &inf->labels_drawn, err)))
            goto out;
        inf->nlabels = nf;
        inf->ms_labels += now_ms() - t_lab;
    }
    if (spec->symbols) {
        if ((rc = gv__symbols_to_device(&carto, &lay, dev_per_mm, P, frame_index, &inf->symbols, err))) goto out;
        inf->nsymbols = carto.nsym;
        for (size_t i = 0; i < carto.nsym; i++) inf->symbols[i].value = spec->symbols->values[carto.sym_f[i]];
        inf->symbol_scale_value = carto.sym_scale;
        inf->symbol_max_diameter_mm = carto.sym_max_d;
        memcpy(inf->symbol_legend_values, carto.sym_ref_v, sizeof carto.sym_ref_v);
        memcpy(inf->symbol_legend_radius_mm, carto.sym_ref_r, sizeof carto.sym_ref_r);
    }

    /* Fill colour per feature (of each panel). */
    size_t np = spec->panels ? spec->npanels : 1;
    unsigned *fill = malloc((nf ? nf : 1) * np * sizeof(unsigned));
    if (!fill) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto out; }
    if (!gv__mode_fill(spec, fill, NODATA_FLAG))
    for (size_t f = 0; f < nf * np; f++) {
        double v = spec->panels ? spec->panels[f / nf].values[f % nf] : spec->values[f];
        int c = isfinite(v) ? gv_breaks_class(spec->breaks, v) : -1;
        if (spec->suppressed && spec->suppressed[f]) fill[f] = spec->suppressed_color;
        else if (!isfinite(v)) fill[f] = NODATA_FLAG | spec->nodata_color;
        else if (c < 0) fill[f] = OUTSIDE_FLAG | 0xbdbdbd;
        else fill[f] = spec->colors[c];
    }
    /* Outline widths: thin for many small units. */
    double lw_mm = nf > 400 ? 0.05 : (nf > 100 ? 0.1 : 0.15);
    double line_w[3] = {lw_mm * dev_per_mm, lw_mm * dev_per_mm, lw_mm * dev_per_mm};
    if (fmt == GV_FORMAT_PNG && line_w[0] < 0.6) line_w[0] = line_w[1] = line_w[2] = 0.6;

    /* --- 4. surfaces and drawing ---------------------------------- */
    int W = (int)lround(li.page_w * dpi / 25.4), H = (int)lround(li.page_h * dpi / 25.4);
    double wpt = li.page_w * 72.0 / 25.4, hpt = li.page_h * 72.0 / 25.4;
    double te = now_ms();
    if (fmt == GV_FORMAT_PNG) {
        inf->width_px = W;
        inf->height_px = H;
        double tt = now_ms();
        /* Title, legend, scale bar and inset frames are recorded once as
         * vector operations and replayed onto each band. */
        cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
        cairo_t *rcr = cairo_create(rec);
        gv_layout_draw_decorations(rcr, &lay, dev_per_mm, fill);
        cairo_destroy(rcr);
        inf->ms_text = now_ms() - tt;
        te = now_ms();
        rc = render_png_banded(tmp, W, H, dpi, &dg, spec, fill, &lay, line_w, dev_per_mm, rec,
                               spec->threads > 0 ? spec->threads : 2, err);
        cairo_surface_destroy(rec);
        inf->ms_fill = 0; /* fill, outlines and encoding overlap: all in ms_encode */
        if (rc) { unlink(tmp); free(fill); goto out; }
    } else {
        gv_cairo_file cf;
        cairo_surface_t *surf = gv_cairo_file_surface(&cf, tmp, fmt == GV_FORMAT_SVG, wpt, hpt, err);
        if (!surf) { rc = GV_EOUTPUT; free(fill); goto out; }
        if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
            gv_cairo_file_close(&cf, NULL, tmp, NULL, NULL);
            rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot create surface (%s)", path,
                              cairo_status_to_string(cairo_surface_status(surf)));
            cairo_surface_destroy(surf);
            free(fill);
            unlink(tmp);
            goto out;
        }
        if (fmt == GV_FORMAT_SVG) cairo_svg_surface_restrict_to_version(surf, CAIRO_SVG_VERSION_1_2);
        if (fmt == GV_FORMAT_PDF) {
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, spec->title ? spec->title : "");
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR,
                                           spec->author && *spec->author ? spec->author : "geovoice");
            const char *subject = spec->subject && *spec->subject ? spec->subject : spec->subtitle;
            if (subject && *subject) cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, subject);
            if (spec->keywords && *spec->keywords)
                cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_KEYWORDS, spec->keywords);
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "geovoice");
            /* Byte-identical output (SPEC): a fixed creation date instead
             * of the clock. */
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
        }
        cairo_t *cr = cairo_create(surf);
        double tf = now_ms();
        if (fmt == GV_FORMAT_SVG) {
            /* PDF pages are white already, and a white paint there would
             * cover the polygons we put under Cairo's content stream. */
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_paint(cr);
            gv_layout_draw_frames_background(cr, &lay, dev_per_mm);
            draw_geometry(cr, &dg, spec, fill, &lay, line_w, dev_per_mm, 0, -1e9, 1e9, 0);
        } /* PDF: the polygons are appended after Cairo finishes (pdf_geometry.c), under Cairo's content */
        else {
            gv__dots_draw(cr, &dg.dots, 0, -1e9, 1e9);
            gv__symbols_draw(cr, &carto, 0, -1e9, 1e9);
        }
        inf->ms_fill = now_ms() - tf;
        double tt = now_ms();
        gv__carto_draw_over(cr, &carto, &lay, spec, dev_per_mm, -INFINITY, INFINITY);
        gv_layout_draw_decorations(cr, &lay, dev_per_mm, fill);
        inf->ms_text = now_ms() - tt;
        cairo_destroy(cr);
        te = now_ms();
        if ((rc = gv_cairo_file_close(&cf, surf, tmp, NULL, err)) != GV_OK) {
            unlink(tmp);
            free(fill);
            goto out;
        }
        if (fmt == GV_FORMAT_SVG && (rc = gv_svg_renumber_ids(tmp, err))) {
            unlink(tmp);
            free(fill);
            goto out;
        }
        gv_pdf_under under = {carto.behind.pts, carto.behind.rings, carto.behind.nrings, carto.ctx_fill,
                              carto.ctx_line, line_w[0], {0, 0, 0, 0}};
        memcpy(under.clip, carto.behind_clip, sizeof under.clip);
        if (fmt == GV_FORMAT_PDF &&
            (rc = gv_pdf_append_geometry(tmp, dg.pts, dg.rings, dg.nrings, fill, nf, &lay, line_w[0], hpt,
                                         carto.behind.nrings ? &under : NULL, err))) {
            unlink(tmp);
            free(fill);
            goto out;
        }
    }
    free(fill);
    if (rename(tmp, path) != 0) {
        rc = write_fail(err, path, "output");
        unlink(tmp);
        goto out;
    }
    inf->ms_encode = now_ms() - te;
    {
        struct stat st;
        if (stat(path, &st) == 0) inf->bytes = (long long)st.st_size;
    }
    for (size_t f = 0; f < nf; f++)
        if (inf->feature_parts_drawn[f]) inf->features_drawn++;
    inf->nframes = 0;
    for (int k = 0; k < lay.nframes; k++) {
        if (!lay.frames[k].active) continue;
        gv_frame_info *fi = &inf->frames[inf->nframes++];
        snprintf(fi->name, sizeof fi->name, "%s", lay.frames[k].name);
        memcpy(fi->rect_mm, lay.frames[k].rect, sizeof fi->rect_mm);
        fi->scale = lay.frames[k].scale * dev_per_mm;
        fi->x0 = lay.frames[k].x0 * dev_per_mm;
        fi->y0 = lay.frames[k].y0 * dev_per_mm;
        memcpy(fi->lonlat_box, lay.frames[k].box, sizeof fi->lonlat_box);
    }
    memcpy(inf->legend_rect_mm, lay.legend_rect, sizeof lay.legend_rect);
    memcpy(inf->scalebar_rect_mm, lay.scalebar_rect, sizeof lay.scalebar_rect);
    inf->npanels = (size_t)lay.npanels;
    memcpy(inf->panel_offset_mm, lay.panel_off, sizeof lay.panel_off);
    memcpy(inf->panel_rect_mm, lay.panel_cell, sizeof lay.panel_cell);
    inf->scalebar_km = lay.scalebar_km;
    if (lay.has_north) memcpy(inf->north_arrow_rect_mm, lay.north_rect, sizeof lay.north_rect);
    if (lay.has_locator) memcpy(inf->locator_rect_mm, lay.locator.rect, sizeof lay.locator.rect);
    rc = GV_OK;
out:
    free(discs);
    free((void *)li.disc_frame);
    gv__carto_free(&carto);
    gv__dots_free(&dg.dots);
    free(dg.pts);
    free(dg.rings);
    free(ring_frame);
    gv_layout_clear(&lay);
    proj_destroy(P);
    proj_context_destroy(pctx);
    if (rc != GV_OK && info) gv_render_info_clear(info);
    gv_render_info_clear(&local); /* the caller did not want it */
    return rc;
}
