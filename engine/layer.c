/* layer.c: reads a boundary layer through GDAL/OGR into flat lon/lat arrays
 * (see include/geovoice/layer.h).
 *
 * Why flat arrays: the renderer walks 1.2 M vertices per national commune
 * map several times (extent, projection, fill, stroke). One contiguous xy
 * array with ring offsets keeps that cache-friendly and lets projection run
 * as one batched PROJ call instead of a call per point. */
#include "geovoice/layer.h"

#include "geovoice/geomcheck.h"
#include "layer_text.h"
#include "ringcheck.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <geodesic.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <proj.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <utf8proc.h>

typedef struct feature {
    long long fid;
    size_t ring0, nrings; /* range in l->ring_off */
    double bbox[4];
    size_t attr0;         /* index of first attribute in l->attrs */
    unsigned gflags;      /* GV_GEOM_* found while reading */
    char *gdetail;        /* notes about them (malloc'd), NULL when none */
} feature;

struct gv_layer {
    char *source, *name;
    size_t nfields;
    char **field_names;
    feature *feat;
    size_t nfeat, capfeat;
    char **attrs; /* nfeat * nfields strings (malloc'd), NULL for "" */
    size_t nattrs, capattrs;
    double *xy;
    size_t npts, cappts;
    size_t *ring_off; /* nrings_total + 1 */
    int *ring_part;
    unsigned char *ring_hole;
    size_t nrings_total, caprings;
    double bbox[4];
    size_t n_empty, n_nonpoly;
    double *area_km2; /* lazily computed */
    int rings_released; /* gv_layer_release_rings was called: xy freed */
    /* Geometry checks (geomcheck.h): source-unit bbox before any
     * transformation, the extent verdict and its advice, the CRS. */
    double raw_bbox[4];
    gv_extent_verdict extent;
    int extent_fatal; /* the verdict is an error for gv_layer_open */
    char *extent_advice, *crs, *driver;
    gv__layer_text text; /* how the attribute text was decoded (layer_text.c) */
};

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static char *dupstr(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* GDAL prints errors to stderr by default; a library must not, so every
 * GDAL call runs under the quiet handler and its last message is copied
 * into ours. */
static int gdal_fail(gv_error *err, int code, const char *fmt, ...) GV_PRINTF(3, 4);
static int gdal_fail(gv_error *err, int code, const char *fmt, ...) {
    char head[GV_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    const char *g = CPLGetLastErrorMsg();
    if (g && *g)
        return gv_error_set(err, code, "%s (GDAL: %s)", head, g);
    return gv_error_set(err, code, "%s", head);
}

static void bbox_empty(double b[4]) { b[0] = b[1] = INFINITY; b[2] = b[3] = -INFINITY; }
static void bbox_nan(double b[4]) { b[0] = b[1] = b[2] = b[3] = NAN; }

/* Appends one ring, transformed to lon/lat and cleaned (non-finite
 * vertices and consecutive duplicates dropped, closed: ringcheck.c). *kept
 * is 0 when the ring had too few points left and was dropped. */
static int add_ring(gv_layer *l, OGRGeometryH ring, int part, int hole,
                    OGRCoordinateTransformationH ct, double fb[4], gv_geom_report *rep, int *kept) {
    *kept = 0;
    int n = OGR_G_GetPointCount(ring);
    if (n < 3) { /* cannot hold 3 distinct vertices: nothing to draw or measure */
        rep->flags |= GV_GEOM_TOO_FEW;
        gv__geom_note(rep, "polygon %d ring %d: %d points (dropped)", part, hole, n);
        return 0;
    }
    if (grow((void **)&l->xy, &l->cappts, (l->npts + (size_t)n + 1) * 2, sizeof(double)) ||
        grow((void **)&l->ring_off, &l->caprings, l->nrings_total + 2, sizeof(size_t)))
        return -1;
    /* ring_part/ring_hole grow in step with ring_off (same capacity). */
    size_t capr = l->caprings;
    int *rp = realloc(l->ring_part, capr * sizeof(int));
    if (!rp) return -1;
    l->ring_part = rp;
    unsigned char *rh = realloc(l->ring_hole, capr);
    if (!rh) return -1;
    l->ring_hole = rh;

    double *x = l->xy + 2 * l->npts;
    OGR_G_GetPoints(ring, x, 2 * sizeof(double), x + 1, 2 * sizeof(double), NULL, 0);
    if (ct) {
        /* The source-unit extent, for the extent diagnosis. */
        for (int k = 0; k < n; k++) {
            double px = x[2 * k], py = x[2 * k + 1];
            if (!isfinite(px) || !isfinite(py)) continue;
            if (px < l->raw_bbox[0]) l->raw_bbox[0] = px;
            if (py < l->raw_bbox[1]) l->raw_bbox[1] = py;
            if (px > l->raw_bbox[2]) l->raw_bbox[2] = px;
            if (py > l->raw_bbox[3]) l->raw_bbox[3] = py;
        }
        /* OCTTransform wants separate arrays; transform in place via a
         * scratch copy of y. */
        double *xs = malloc((size_t)n * sizeof(double)), *ys = malloc((size_t)n * sizeof(double));
        int *ok = malloc((size_t)n * sizeof(int));
        if (!xs || !ys || !ok) { free(xs); free(ys); free(ok); return -1; }
        for (int k = 0; k < n; k++) { xs[k] = x[2 * k]; ys[k] = x[2 * k + 1]; }
        int good = OCTTransformEx(ct, n, xs, ys, NULL, ok);
        for (int k = 0; k < n; k++) {
            if (!good || !ok[k]) { xs[k] = ys[k] = NAN; }
            x[2 * k] = xs[k];
            x[2 * k + 1] = ys[k];
        }
        free(xs); free(ys); free(ok);
    }
    size_t nonfinite = 0;
    size_t m = gv__ring_compact(x, (size_t)n, &rep->flags, &nonfinite);
    if (nonfinite)
        gv__geom_note(rep, "polygon %d ring %d: %zu vertices with NaN, infinite, absurd or untransformable "
                      "coordinates dropped", part, hole, nonfinite);
    if (m < 4) {
        rep->flags |= GV_GEOM_TOO_FEW;
        gv__geom_note(rep, "polygon %d ring %d: %zu points (dropped)", part, hole, m);
        return 0;
    }
    for (size_t k = 0; k < m; k++) {
        double px = x[2 * k], py = x[2 * k + 1];
        if (px < fb[0]) fb[0] = px;
        if (py < fb[1]) fb[1] = py;
        if (px > fb[2]) fb[2] = px;
        if (py > fb[3]) fb[3] = py;
    }
    if (l->nrings_total == 0) l->ring_off[0] = 0;
    l->ring_part[l->nrings_total] = part;
    l->ring_hole[l->nrings_total] = (unsigned char)(hole > 0);
    l->npts += m;
    l->nrings_total++;
    l->ring_off[l->nrings_total] = l->npts;
    *kept = 1;
    return 0;
}

static int add_polygon(gv_layer *l, OGRGeometryH poly, int part,
                       OGRCoordinateTransformationH ct, double fb[4], gv_geom_report *rep) {
    int nr = OGR_G_GetGeometryCount(poly);
    for (int r = 0; r < nr; r++) {
        int kept;
        if (add_ring(l, OGR_G_GetGeometryRef(poly, r), part, r, ct, fb, rep, &kept)) return -1;
        if (r == 0 && !kept) return 0; /* no shell: its holes mean nothing */
    }
    return 0;
}

/* Walks any geometry, keeping polygons (from Polygon, MultiPolygon,
 * CurvePolygon linearised, and polygons inside a GeometryCollection), and
 * flags what it meets on the way (Z/M, collections, points and lines). */
static int add_geometry(gv_layer *l, OGRGeometryH g, int *part,
                        OGRCoordinateTransformationH ct, double fb[4], int *nonpoly, gv_geom_report *rep) {
    if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) rep->flags |= GV_GEOM_ZM;
    if (OGR_G_IsEmpty(g)) return 0;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbTriangle) {
        return add_polygon(l, g, (*part)++, ct, fb, rep);
    } else if (t == wkbMultiPolygon || t == wkbGeometryCollection || t == wkbMultiSurface ||
               t == wkbPolyhedralSurface || t == wkbTIN) {
        if (t == wkbGeometryCollection) rep->flags |= GV_GEOM_COLLECTION;
        int n = OGR_G_GetGeometryCount(g);
        for (int i = 0; i < n; i++)
            if (add_geometry(l, OGR_G_GetGeometryRef(g, i), part, ct, fb, nonpoly, rep)) return -1;
        return 0;
    } else if (t == wkbCurvePolygon) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        int rc = lin ? add_polygon(l, lin, (*part)++, ct, fb, rep) : 0;
        OGR_G_DestroyGeometry(lin);
        return rc;
    }
    rep->flags |= GV_GEOM_NOT_POLYGON;
    (*nonpoly)++;
    return 0;
}

/* Reads feature ft's geometry g into the ring arrays and records what the
 * cheap per-ring pass found (ringcheck.c). Validity is decided after the
 * whole layer is read (check_geometries). */
static int read_geometry(gv_layer *l, feature *ft, OGRGeometryH g, OGRCoordinateTransformationH ct,
                         double fb[4], int *nonpoly) {
    gv_geom_report rep;
    rep.flags = 0;
    rep.detail[0] = 0;
    int part = 0;
    if (!g) {
        rep.flags = GV_GEOM_NULL;
    } else if (OGR_G_IsEmpty(g)) {
        rep.flags = GV_GEOM_EMPTY;
        if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) rep.flags |= GV_GEOM_ZM;
    } else if (add_geometry(l, g, &part, ct, fb, nonpoly, &rep)) {
        return -1;
    }
    ft->gflags = rep.flags;
    if (rep.detail[0] && !(ft->gdetail = dupstr(rep.detail))) return -1;
    return 0;
}

static int append_note(feature *ft, const char *more) {
    if (!more || !*more) return 0;
    size_t a = ft->gdetail ? strlen(ft->gdetail) : 0, b = strlen(more);
    char *d = realloc(ft->gdetail, a + b + 3);
    if (!d) return -1;
    if (a) memcpy(d + a, "; ", 2), a += 2;
    memcpy(d + a, more, b + 1);
    ft->gdetail = d;
    return 0;
}

typedef struct check_job {
    gv_layer *l;
    size_t f0, f1;
    unsigned char *suspect; /* per feature: 1 = GEOS must decide */
    int nomem;
} check_job;

/* Features [f0, f1): the sweep test, then orientation and slivers for the
 * ones proven valid. */
static void *check_main(void *arg) {
    check_job *j = arg;
    gv_layer *l = j->l;
    gv_ringcheck_scratch scr;
    memset(&scr, 0, sizeof scr);
    for (size_t k = j->f0; k < j->f1 && !j->nomem; k++) {
        feature *ft = &l->feat[k];
        if (!ft->nrings) continue;
        const size_t *ro = l->ring_off + ft->ring0;
        const unsigned char *h = l->ring_hole + ft->ring0;
        const int *pr = l->ring_part + ft->ring0;
        int v = gv__rings_certainly_valid(l->xy, ro, h, pr, ft->nrings, &scr);
        if (v < 0) { j->nomem = 1; break; }
        if (!v) { j->suspect[k] = 1; continue; }
        gv_geom_report rep;
        rep.flags = 0;
        rep.detail[0] = 0;
        gv__rings_describe(l->xy, ro, h, pr, ft->nrings, &rep);
        ft->gflags |= rep.flags;
        if (append_note(ft, rep.detail)) j->nomem = 1;
    }
    gv__ringcheck_scratch_free(&scr);
    return NULL;
}

/* Feature ft's rings as a new OGR MultiPolygon (lon/lat). */
static OGRGeometryH rings_to_ogr(const gv_layer *l, const feature *ft) {
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon), poly = NULL;
    for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) {
        if (!l->ring_hole[r]) {
            if (poly) OGR_G_AddGeometryDirectly(mp, poly);
            poly = OGR_G_CreateGeometry(wkbPolygon);
        }
        size_t a = l->ring_off[r], n = l->ring_off[r + 1] - a;
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        OGR_G_SetPoints(ring, (int)n, l->xy + 2 * a, 2 * sizeof(double), l->xy + 2 * a + 1, 2 * sizeof(double),
                        NULL, 0);
        if (poly) OGR_G_AddGeometryDirectly(poly, ring);
        else OGR_G_DestroyGeometry(ring);
    }
    if (poly) OGR_G_AddGeometryDirectly(mp, poly);
    return mp;
}

/* Validity of every feature: the cheap sweep on two threads, then GEOS
 * (gv_geom_clean: isValid, MakeValid) for the few it cannot clear, whose
 * rings are replaced by the repaired ones. Returns -1 on out-of-memory. */
static int check_geometries(gv_layer *l) {
    if (!l->nfeat || !l->nrings_total) return 0;
    unsigned char *suspect = calloc(l->nfeat, 1);
    if (!suspect) return -1;
    size_t half = l->npts / 2, split = l->nfeat;
    for (size_t k = 0; k < l->nfeat; k++)
        if (l->feat[k].nrings && l->ring_off[l->feat[k].ring0] >= half) { split = k; break; }
    check_job j1 = {l, 0, split, suspect, 0}, j2 = {l, split, l->nfeat, suspect, 0};
    pthread_t th;
    int started = l->npts > 20000 && pthread_create(&th, NULL, check_main, &j2) == 0;
    check_main(&j1);
    if (started) pthread_join(th, NULL);
    else check_main(&j2);
    int rc = j1.nomem || j2.nomem ? -1 : 0;
    size_t nrep = 0;
    for (size_t k = 0; k < l->nfeat && !rc; k++) {
        if (!suspect[k]) continue;
        feature *ft = &l->feat[k];
        OGRGeometryH g = rings_to_ogr(l, ft), fixed = NULL;
        gv_geom_report rep;
        if (!g || gv_geom_clean(g, (void **)&fixed, &rep, NULL) != GV_OK) rc = -1;
        OGR_G_DestroyGeometry(g);
        if (rc) break;
        ft->gflags |= rep.flags;
        if (append_note(ft, rep.detail)) { OGR_G_DestroyGeometry(fixed); rc = -1; break; }
        if (!(rep.flags & (GV_GEOM_INVALID | GV_GEOM_REPAIR_FAILED))) {
            OGR_G_DestroyGeometry(fixed); /* valid after all: keep ours */
            continue;
        }
        /* The repaired rings go to the end of the arrays; repack() puts
         * them back in feature order. */
        double fb[4];
        bbox_empty(fb);
        ft->ring0 = l->nrings_total;
        int part = 0, nonpoly = 0;
        gv_geom_report again;
        again.flags = 0;
        again.detail[0] = 0;
        if (fixed && add_geometry(l, fixed, &part, NULL, fb, &nonpoly, &again)) rc = -1;
        OGR_G_DestroyGeometry(fixed);
        ft->nrings = l->nrings_total - ft->ring0;
        if (ft->nrings == 0) {
            bbox_nan(fb);
            l->n_empty++;
        }
        memcpy(ft->bbox, fb, sizeof fb);
        nrep++;
    }
    free(suspect);
    if (rc || !nrep) return rc;
    /* Repack rings and points in feature order, dropping the replaced
     * ones: everything else (areas, rendering, nvertices) assumes it. */
    size_t np = 0, nr = 0;
    for (size_t k = 0; k < l->nfeat; k++) {
        feature *ft = &l->feat[k];
        nr += ft->nrings;
        for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) np += l->ring_off[r + 1] - l->ring_off[r];
    }
    double *xy = malloc((np ? np : 1) * 2 * sizeof(double));
    size_t *off = malloc((nr + 1) * sizeof(size_t));
    int *rp = malloc((nr ? nr : 1) * sizeof(int));
    unsigned char *rh = malloc(nr ? nr : 1);
    if (!xy || !off || !rp || !rh) { free(xy); free(off); free(rp); free(rh); return -1; }
    size_t w = 0, wr = 0;
    off[0] = 0;
    bbox_empty(l->bbox);
    for (size_t k = 0; k < l->nfeat; k++) {
        feature *ft = &l->feat[k];
        size_t r0 = wr;
        for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) {
            size_t a = l->ring_off[r], n = l->ring_off[r + 1] - a;
            memcpy(xy + 2 * w, l->xy + 2 * a, n * 2 * sizeof(double));
            w += n;
            rp[wr] = l->ring_part[r];
            rh[wr] = l->ring_hole[r];
            off[++wr] = w;
        }
        ft->ring0 = r0;
        if (ft->nrings) {
            if (ft->bbox[0] < l->bbox[0]) l->bbox[0] = ft->bbox[0];
            if (ft->bbox[1] < l->bbox[1]) l->bbox[1] = ft->bbox[1];
            if (ft->bbox[2] > l->bbox[2]) l->bbox[2] = ft->bbox[2];
            if (ft->bbox[3] > l->bbox[3]) l->bbox[3] = ft->bbox[3];
        }
    }
    free(l->xy); free(l->ring_off); free(l->ring_part); free(l->ring_hole);
    l->xy = xy; l->ring_off = off; l->ring_part = rp; l->ring_hole = rh;
    l->npts = l->cappts = w;
    l->cappts = 2 * w;
    l->nrings_total = l->caprings = wr;
    if (!wr) bbox_nan(l->bbox);
    return 0;
}

static char *raw_dup(const char *s) {
    /* Attribute bytes as the driver gave them; layer_text.c decodes them
     * once the whole layer is read (the encoding is a layer's, not a
     * value's). */
    return *s ? dupstr(s) : NULL;
}

static int has_nonascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 1;
    return 0;
}

/* The Shapefile's path without extension (for its .cpg and DBF header),
 * or NULL when src is not a Shapefile GDAL opens directly. */
static char *shapefile_base(const char *src, const char *layer_name, int is_dir) {
    size_t n = strlen(src);
    if (is_dir) {
        size_t m = n + strlen(layer_name) + 2;
        char *b = malloc(m);
        if (b) snprintf(b, m, "%s%s%s", src, n && src[n - 1] == '/' ? "" : "/", layer_name);
        return b;
    }
    if (n > 4 && (!strcasecmp(src + n - 4, ".shp") || !strcasecmp(src + n - 4, ".dbf") ||
                  !strcasecmp(src + n - 4, ".shx"))) {
        char *b = dupstr(src);
        if (b) b[n - 4] = 0;
        return b;
    }
    return NULL;
}

/* Encoding of a Shapefile's text before reading it for real: a `where`
 * filter holding non-ASCII text must be written in the DBF's encoding for
 * OGR to compare it with the raw bytes. */
static gv_encoding prepass_encoding(OGRLayerH lyr, size_t nfields) {
    gv_enc_detector *d = gv_enc_detector_new();
    if (!d) return GV_ENC_UNKNOWN;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    for (size_t f = 0; f < nfields; f++) {
        const char *nm = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, (int)f));
        gv_enc_detector_feed(d, nm, strlen(nm));
    }
    /* Attributes only: the geometries are not needed for this pass. */
    const char *ignored[] = {"OGR_GEOMETRY", NULL};
    OGR_L_SetIgnoredFields(lyr, ignored);
    OGR_L_ResetReading(lyr);
    OGRFeatureH fh;
    while ((fh = OGR_L_GetNextFeature(lyr)) != NULL) {
        for (size_t f = 0; f < nfields; f++)
            if (OGR_F_IsFieldSetAndNotNull(fh, (int)f)) {
                const char *v = OGR_F_GetFieldAsString(fh, (int)f);
                gv_enc_detector_feed(d, v, strlen(v));
            }
        OGR_F_Destroy(fh);
    }
    OGR_L_SetIgnoredFields(lyr, NULL);
    OGR_L_ResetReading(lyr);
    gv_encoding e = gv_enc_detector_result(d, NULL);
    gv_enc_detector_free(d);
    return e;
}

/* Extent sanity (gv_extent_diagnose): axes swapped, metres read as
 * degrees, degrees under a projected CRS are errors (unless lenient), with
 * the likely fix; no CRS over Vietnam and an extent elsewhere are kept as
 * a warning (gv_layer_extent). */
static int diagnose_extent(gv_layer *l, OGRSpatialReferenceH srs, int transformed, int lenient, gv_error *err) {
    char adv[512];
    gv_extent_verdict v;
    int fatal = 0;
    if (transformed && srs && !OSRIsGeographic(srs)) {
        /* Projected: first the raw values (degrees under a projected .prj),
         * then where they land in lon/lat. */
        v = gv_extent_diagnose(l->raw_bbox, 1, 0, adv, sizeof adv);
        if (v != GV_EXTENT_OK && v != GV_EXTENT_EMPTY) fatal = 1;
        else v = gv_extent_diagnose(l->bbox, 1, 1, adv, sizeof adv);
    } else {
        v = gv_extent_diagnose(l->bbox, srs != NULL, 1, adv, sizeof adv);
    }
    if (v == GV_EXTENT_SWAPPED || v == GV_EXTENT_METRES_AS_DEGREES) fatal = 1;
    l->extent = v;
    l->extent_fatal = fatal;
    if (!(l->extent_advice = dupstr(adv))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (fatal && !lenient)
        return gv_error_set(err, GV_EDATA, "%s: layer '%s': %s (geovoice check %s shows more)", l->source, l->name,
                            adv, l->source);
    return GV_OK;
}

static int layer_open(const char *src, const char *layer, const char *where, const gv_layer_options *opt,
                      gv_layer **out, gv_error *err) {
    *out = NULL;
    if (!src || !*src) return gv_error_set(err, GV_EUSAGE, "no boundary source given");
    gv_layer_options defaults;
    gv_layer_options_init(&defaults);
    if (!opt) opt = &defaults;
    int lenient = opt->lenient;
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    int rc = GV_OK;
    gv_layer *l = NULL;
    OGRSpatialReferenceH wgs = NULL;
    OGRCoordinateTransformationH ct = NULL;
    char *where_enc = NULL, *dbf_base = NULL;
    long long *fids = NULL;
    /* The filter's text as NFC, the form every name is read in: a --where
     * typed with decomposed marks (NFD) matches the same units. */
    char *where_nfc = where && has_nonascii(where) ? (char *)utf8proc_NFC((const utf8proc_uint8_t *)where) : NULL;
    if (where_nfc) where = where_nfc;
    /* Shapefiles: GDAL must hand over the DBF bytes as stored (ENCODING=""
     * and SHAPE_ENCODING=""), never recoded by its reading of the .cpg or
     * LDID: geovoice decodes them itself (layer_text.c). */
    GDALDriverH idrv = GDALIdentifyDriverEx(src, GDAL_OF_VECTOR, NULL, NULL);
    int is_shp = idrv && !strcmp(GDALGetDriverShortName(idrv), "ESRI Shapefile");
    const char *const shp_opts[] = {"ENCODING=", NULL};
    char *old_cfg = NULL;
    if (is_shp) {
        const char *oc = CPLGetThreadLocalConfigOption("SHAPE_ENCODING", NULL);
        old_cfg = oc ? dupstr(oc) : NULL;
        CPLSetThreadLocalConfigOption("SHAPE_ENCODING", "");
    }
    GDALDatasetH ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, is_shp ? shp_opts : NULL, NULL);
    if (is_shp) {
        CPLSetThreadLocalConfigOption("SHAPE_ENCODING", old_cfg);
        free(old_cfg);
    }
    if (!ds) {
        FILE *f = fopen(src, "rb");
        if (!f) rc = gv_error_set(err, GV_EDATA, "%s: cannot open boundary source (no such file or not readable)", src);
        else { fclose(f); rc = gdal_fail(err, GV_EDATA, "%s: not a vector source GDAL can read", src); }
        goto done;
    }
    OGRLayerH lyr = NULL;
    if (layer && *layer) {
        lyr = GDALDatasetGetLayerByName(ds, layer);
        if (!lyr) {
            char names[512] = "";
            int nl = GDALDatasetGetLayerCount(ds);
            for (int i = 0; i < nl; i++) {
                const char *ln = OGR_L_GetName(GDALDatasetGetLayer(ds, i));
                if (strlen(names) + strlen(ln) + 3 < sizeof names) {
                    if (i) strcat(names, ", ");
                    strcat(names, ln);
                }
            }
            rc = gv_error_set(err, GV_EDATA, "%s: no layer '%s' (layers: %s)", src, layer, names);
            goto done;
        }
    } else {
        if (GDALDatasetGetLayerCount(ds) < 1) {
            rc = gv_error_set(err, GV_EDATA, "%s: source has no layer", src);
            goto done;
        }
        lyr = GDALDatasetGetLayer(ds, 0);
    }
    if (is_shp) {
        struct stat st;
        int is_dir = stat(src, &st) == 0 && S_ISDIR(st.st_mode);
        dbf_base = shapefile_base(src, OGR_L_GetName(lyr), is_dir);
    }
    if (where && *where && is_shp && has_nonascii(where)) {
        gv_encoding we = opt->encoding != GV_ENC_UNKNOWN
                             ? opt->encoding
                             : prepass_encoding(lyr, (size_t)OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(lyr)));
        if (we == GV_ENC_CP1258 || we == GV_ENC_TCVN3 || we == GV_ENC_VNI)
            where_enc = gv__layer_text_encode_filter(where, we, opt->encoding_flags);
    }
    if (where && *where) {
        CPLErrorReset();
        if (OGR_L_SetAttributeFilter(lyr, where_enc ? where_enc : where) != OGRERR_NONE) {
            rc = gdal_fail(err, GV_EUSAGE, "%s: layer '%s': bad --where filter '%s'", src, OGR_L_GetName(lyr), where);
            goto done;
        }
    }

    l = calloc(1, sizeof *l);
    if (!l) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    l->source = dupstr(src);
    l->name = dupstr(OGR_L_GetName(lyr));
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    l->nfields = (size_t)OGR_FD_GetFieldCount(defn);
    l->field_names = calloc(l->nfields ? l->nfields : 1, sizeof(char *));
    for (size_t f = 0; f < l->nfields; f++)
        l->field_names[f] = raw_dup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, (int)f)));

    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
    wgs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    if (srs) {
        /* Compare against WGS 84 with the traditional (lon, lat) mapping:
         * GDAL already hands lon/lat for EPSG:4326 layers under that
         * mapping, so only other CRSs need a transformation. */
        OGRSpatialReferenceH s2 = OSRClone(srs);
        OSRSetAxisMappingStrategy(s2, OAMS_TRADITIONAL_GIS_ORDER);
        const char *an = OSRGetAuthorityName(srs, NULL), *ac = OSRGetAuthorityCode(srs, NULL);
        char crs[300];
        snprintf(crs, sizeof crs, "%s%s%s%s%s", an && ac ? an : "", an && ac ? ":" : "", an && ac ? ac : "",
                 an && ac ? " " : "", OSRGetName(srs) ? OSRGetName(srs) : "(unnamed)");
        l->crs = dupstr(crs);
        const char *opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", "CRITERION=EQUIVALENT", NULL};
        if (!OSRIsSameEx(s2, wgs, opts)) {
            ct = OCTNewCoordinateTransformation(s2, wgs);
            if (!ct) {
                OSRDestroySpatialReference(s2);
                rc = gdal_fail(err, GV_EDATA, "%s: layer '%s': cannot transform its CRS to WGS 84", src, l->name);
                goto done;
            }
        }
        OSRDestroySpatialReference(s2);
    }
    bbox_empty(l->bbox);
    bbox_empty(l->raw_bbox);
    {
        GDALDriverH drv = GDALGetDatasetDriver(ds);
        l->driver = dupstr(drv ? GDALGetDriverShortName(drv) : "");
    }
    OGR_L_ResetReading(lyr);
    OGRFeatureH fh;
    CPLErrorReset();
    while ((fh = OGR_L_GetNextFeature(lyr)) != NULL) {
        if (CPLGetLastErrorType() >= CE_Failure) {
            /* A feature GDAL could not read whole (a truncated .shp gives
             * its attributes without a geometry): not a map to draw. */
            long long fid = (long long)OGR_F_GetFID(fh);
            OGR_F_Destroy(fh);
            rc = gdal_fail(err, GV_EDATA, "%s: layer '%s': feature %lld cannot be read (damaged file?)", src,
                           OGR_L_GetName(lyr), fid);
            goto done;
        }
        if (grow((void **)&l->feat, &l->capfeat, l->nfeat + 1, sizeof(feature)) ||
            grow((void **)&l->attrs, &l->capattrs, l->nattrs + l->nfields + 1, sizeof(char *))) {
            OGR_F_Destroy(fh);
            rc = gv_error_set(err, GV_ENOMEM, "out of memory reading %s", src);
            goto done;
        }
        feature *ft = &l->feat[l->nfeat];
        memset(ft, 0, sizeof *ft);
        ft->fid = (long long)OGR_F_GetFID(fh);
        ft->attr0 = l->nattrs;
        for (size_t f = 0; f < l->nfields; f++) {
            const char *v = OGR_F_IsFieldSetAndNotNull(fh, (int)f) ? OGR_F_GetFieldAsString(fh, (int)f) : "";
            l->attrs[l->nattrs++] = raw_dup(v);
        }
        ft->ring0 = l->nrings_total;
        double fb[4];
        bbox_empty(fb);
        OGRGeometryH g = OGR_F_GetGeometryRef(fh);
        int nonpoly = 0;
        if (read_geometry(l, ft, g, ct, fb, &nonpoly)) {
            OGR_F_Destroy(fh);
            l->nfeat++; /* ft->gdetail is the layer's to free */
            rc = gv_error_set(err, GV_ENOMEM, "out of memory reading %s", src);
            goto done;
        }
        ft->nrings = l->nrings_total - ft->ring0;
        if (ft->nrings == 0) {
            bbox_nan(fb);
            l->n_empty++;
        } else {
            if (fb[0] < l->bbox[0]) l->bbox[0] = fb[0];
            if (fb[1] < l->bbox[1]) l->bbox[1] = fb[1];
            if (fb[2] > l->bbox[2]) l->bbox[2] = fb[2];
            if (fb[3] > l->bbox[3]) l->bbox[3] = fb[3];
        }
        if (nonpoly) l->n_nonpoly++;
        memcpy(ft->bbox, fb, sizeof fb);
        l->nfeat++;
        OGR_F_Destroy(fh);
        if (CPLGetLastErrorType() < CE_Failure) CPLErrorReset();
    }
    if (CPLGetLastErrorType() >= CE_Failure && l->nfeat == 0) {
        /* Some drivers (GeoPackage) only compile the attribute filter
         * when reading starts: a failure then is the filter's. */
        if (where && *where)
            rc = gdal_fail(err, GV_EUSAGE, "%s: layer '%s': bad --where filter '%s'", src, l->name, where);
        else
            rc = gdal_fail(err, GV_EDATA, "%s: layer '%s': reading failed", src, l->name);
        goto done;
    }
    {
        fids = malloc((l->nfeat ? l->nfeat : 1) * sizeof *fids);
        if (!fids) { rc = gv_error_set(err, GV_ENOMEM, "out of memory reading %s", src); goto done; }
        for (size_t i = 0; i < l->nfeat; i++) fids[i] = l->feat[i].fid;
        gv__text_job tj = {src, l->name, dbf_base, opt, l->field_names, l->nfields, l->attrs, l->nfeat, fids};
        if ((rc = gv__layer_text_decode(&tj, &l->text, err)) != GV_OK) goto done;
    }
    if (check_geometries(l)) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory checking the geometries of %s", src);
        goto done;
    }
    if (l->npts) {
        /* Arrays grew by doubling; hand back the slack (up to 13 MB on
         * the commune layer). */
        double *xy = realloc(l->xy, l->npts * 2 * sizeof(double));
        if (xy) { l->xy = xy; l->cappts = l->npts * 2; }
    }
    if (l->nrings_total == 0) {
        /* keep ring_off valid for empty layers */
        if (grow((void **)&l->ring_off, &l->caprings, 1, sizeof(size_t))) { rc = GV_ENOMEM; goto done; }
        l->ring_off[0] = 0;
        bbox_nan(l->bbox);
    }
    if ((rc = diagnose_extent(l, srs, ct != NULL, lenient, err))) goto done;
done:
    free(where_enc);
    free(where_nfc);
    free(dbf_base);
    free(fids);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    if (wgs) OSRDestroySpatialReference(wgs);
    if (ds) GDALClose(ds);
    CPLPopErrorHandler();
    if (rc != GV_OK) {
        gv_layer_free(l);
        return rc;
    }
    *out = l;
    return GV_OK;
}

void gv_layer_options_init(gv_layer_options *o) {
    if (o) memset(o, 0, sizeof *o);
}

int gv_layer_open(const char *src, const char *layer, const char *where, gv_layer **out, gv_error *err) {
    return layer_open(src, layer, where, NULL, out, err);
}

int gv_layer_open_lenient(const char *src, const char *layer, const char *where, gv_layer **out,
                          gv_error *err) {
    gv_layer_options o;
    gv_layer_options_init(&o);
    o.lenient = 1;
    return layer_open(src, layer, where, &o, out, err);
}

int gv_layer_open_ex(const char *src, const char *layer, const char *where, const gv_layer_options *o,
                     gv_layer **out, gv_error *err) {
    if (!out) return gv_error_set(err, GV_EUSAGE, "gv_layer_open_ex: NULL out");
    return layer_open(src, layer, where, o, out, err);
}

void gv_layer_encoding(const gv_layer *l, gv_layer_encoding_info *out) {
    if (!out) return;
    if (!l) {
        memset(out, 0, sizeof *out);
        out->ldid = out->declared_agrees = -1;
        out->summary = "";
        return;
    }
    *out = l->text.info;
}

void gv_layer_free(gv_layer *l) {
    if (!l) return;
    for (size_t i = 0; i < l->nfeat; i++) free(l->feat[i].gdetail);
    gv__layer_text_free(&l->text);
    free(l->extent_advice);
    free(l->crs);
    free(l->driver);
    free(l->source);
    free(l->name);
    for (size_t f = 0; f < l->nfields; f++) free(l->field_names[f]);
    free(l->field_names);
    for (size_t i = 0; i < l->nattrs; i++) free(l->attrs[i]);
    free(l->attrs);
    free(l->feat);
    free(l->xy);
    free(l->ring_off);
    free(l->ring_part);
    free(l->ring_hole);
    free(l->area_km2);
    free(l);
}

const char *gv_layer_source(const gv_layer *l) { return l->source; }
const char *gv_layer_name(const gv_layer *l) { return l->name; }
size_t gv_layer_count(const gv_layer *l) { return l->nfeat; }
size_t gv_layer_nfields(const gv_layer *l) { return l->nfields; }
const char *gv_layer_field_name(const gv_layer *l, size_t f) {
    return f < l->nfields && l->field_names[f] ? l->field_names[f] : "";
}
int gv_layer_field_index(const gv_layer *l, const char *name) {
    for (size_t f = 0; f < l->nfields; f++)
        if (l->field_names[f] && strcmp(l->field_names[f], name) == 0) return (int)f;
    for (size_t f = 0; f < l->nfields; f++)
        if (l->field_names[f] && strcasecmp(l->field_names[f], name) == 0) return (int)f;
    /* Vietnamese field names ("TÊN" for "tên"): Unicode case folding. */
    int found = -1;
    utf8proc_uint8_t *want = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)name);
    for (size_t f = 0; want && found < 0 && f < l->nfields; f++) {
        if (!l->field_names[f]) continue;
        utf8proc_uint8_t *have = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)l->field_names[f]);
        if (have && !strcmp((const char *)have, (const char *)want)) found = (int)f;
        free(have);
    }
    free(want);
    return found;
}
const char *gv_layer_value(const gv_layer *l, size_t i, size_t f) {
    if (i >= l->nfeat || f >= l->nfields) return "";
    const char *v = l->attrs[l->feat[i].attr0 + f];
    return v ? v : "";
}
long long gv_layer_fid(const gv_layer *l, size_t i) { return l->feat[i].fid; }

void gv_layer_rings(const gv_layer *l, size_t i, const double **xy, const size_t **ring_off,
                    const int **part_of_ring, size_t *nrings) {
    const feature *ft = &l->feat[i];
    *xy = l->xy;
    *ring_off = l->ring_off + ft->ring0;
    if (part_of_ring) *part_of_ring = l->ring_part ? l->ring_part + ft->ring0 : NULL;
    *nrings = l->rings_released ? 0 : ft->nrings;
}
void gv_layer_feature_bbox(const gv_layer *l, size_t i, double bbox[4]) {
    memcpy(bbox, l->feat[i].bbox, 4 * sizeof(double));
}
void gv_layer_bbox(const gv_layer *l, double bbox[4]) { memcpy(bbox, l->bbox, 4 * sizeof(double)); }
size_t gv_layer_nvertices(const gv_layer *l) { return l->npts; }

void gv_layer_release_rings(gv_layer *l) {
    if (!l || l->rings_released) return;
    free(l->xy);
    l->xy = NULL;
    l->cappts = 0;
    l->rings_released = 1;
}
size_t gv_layer_n_empty(const gv_layer *l) { return l->n_empty; }

int gv_layer_geom_report(const gv_layer *l, size_t i, gv_geom_report *out) {
    if (!l || !out || i >= l->nfeat) return GV_EUSAGE;
    out->flags = l->feat[i].gflags;
    snprintf(out->detail, sizeof out->detail, "%s", l->feat[i].gdetail ? l->feat[i].gdetail : "");
    return GV_OK;
}
unsigned gv_layer_geom_flags(const gv_layer *l, size_t i) { return l && i < l->nfeat ? l->feat[i].gflags : 0; }
gv_extent_verdict gv_layer_extent(const gv_layer *l, const char **advice) {
    if (advice) *advice = l->extent_advice ? l->extent_advice : "";
    return l->extent;
}
const char *gv_layer_crs(const gv_layer *l) { return l->crs ? l->crs : ""; }
const char *gv_layer_driver(const gv_layer *l) { return l->driver ? l->driver : ""; }

/* Exact geodesic area of one ring (Karney, PROJ's geodesic.h), m². */
static double ring_area_geod(const struct geod_geodesic *g, const double *xy, size_t a, size_t b) {
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    /* The closing point repeats the first; geod_polygon closes the ring
     * itself, so leave the repeat out. */
    for (size_t q = a; q + 1 < b; q++) geod_polygon_addpoint(g, &p, xy[2 * q + 1], xy[2 * q]);
    double A = 0, P = 0;
    geod_polygon_compute(g, &p, 0, 1, &A, &P);
    return fabs(A);
}

#define DENSIFY_DEG 0.01 /* ~1 km */

typedef struct area_job {
    const gv_layer *l;
    size_t f0, f1;
    double lon0, lat0;
    double *out;
} area_job;

/* Area on the ellipsoid for features [f0, f1). Karney's geodesic polygon
 * area costs ~1 µs per vertex (1.2 s for the 1.24 M-vertex commune layer),
 * so rings are measured with the shoelace formula in a Lambert azimuthal
 * equal-area projection centred on the layer, which preserves area on the
 * WGS 84 ellipsoid; with vertices metres apart the difference from the
 * geodesic area is far below 1e-6 relative (tested). Rings far from the
 * centre, or that PROJ cannot project, use the geodesic routine. */
static void *area_main(void *arg) {
    area_job *j = arg;
    const gv_layer *l = j->l;
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    PJ_CONTEXT *ctx = proj_context_create();
    char def[200];
    snprintf(def, sizeof def, "+proj=laea +lat_0=%.6f +lon_0=%.6f +ellps=WGS84 +units=m +no_defs", j->lat0, j->lon0);
    PJ *P = proj_create(ctx, def);
    double *buf = NULL;
    size_t cap = 0;
    for (size_t k = j->f0; k < j->f1; k++) {
        const feature *ft = &l->feat[k];
        if (!ft->nrings) { j->out[k] = NAN; continue; }
        double sum = 0;
        for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) {
            size_t s0 = l->ring_off[r], s1 = l->ring_off[r + 1];
            double ar = NAN;
            /* Rings far from the projection centre use the geodesic
             * routine. Edges longer than ~1 km are densified along the
             * geodesic first: a straight edge in the projection strays
             * measurably from the geodesic edge that "geodesic area"
             * means (1e-5 relative on a 1° square). */
            int far = 0;
            for (size_t q = s0; q < s1 && !far; q += 64)
                far = fabs(l->xy[2 * q] - j->lon0) > 20 || fabs(l->xy[2 * q + 1] - j->lat0) > 20;
            if (P && !far) {
                size_t m = 0; /* points after densification */
                for (size_t q = s0; q + 1 < s1; q++) {
                    double d = fmax(fabs(l->xy[2 * q + 2] - l->xy[2 * q]), fabs(l->xy[2 * q + 3] - l->xy[2 * q + 1]));
                    m += d > DENSIFY_DEG ? (size_t)ceil(d / DENSIFY_DEG) : 1;
                }
                m += 1;
                if (cap < 2 * m) {
                    double *nb = realloc(buf, 2 * m * sizeof(double));
                    if (nb) { buf = nb; cap = 2 * m; }
                }
                if (cap >= 2 * m) {
                    size_t w = 0;
                    for (size_t q = s0; q + 1 < s1; q++) {
                        double lon1 = l->xy[2 * q], lat1 = l->xy[2 * q + 1];
                        double lon2 = l->xy[2 * q + 2], lat2 = l->xy[2 * q + 3];
                        double d = fmax(fabs(lon2 - lon1), fabs(lat2 - lat1));
                        buf[2 * w] = proj_torad(lon1);
                        buf[2 * w + 1] = proj_torad(lat1);
                        w++;
                        if (d > DENSIFY_DEG) {
                            size_t pieces = (size_t)ceil(d / DENSIFY_DEG);
                            struct geod_geodesicline gl;
                            geod_inverseline(&gl, &g, lat1, lon1, lat2, lon2, 0);
                            for (size_t k = 1; k < pieces; k++) {
                                double la, lo;
                                geod_position(&gl, gl.s13 * (double)k / (double)pieces, &la, &lo, NULL);
                                buf[2 * w] = proj_torad(lo);
                                buf[2 * w + 1] = proj_torad(la);
                                w++;
                            }
                        }
                    }
                    buf[2 * w] = proj_torad(l->xy[2 * (s1 - 1)]);
                    buf[2 * w + 1] = proj_torad(l->xy[2 * (s1 - 1) + 1]);
                    w++;
                    proj_trans_generic(P, PJ_FWD, buf, 2 * sizeof(double), w, buf + 1, 2 * sizeof(double), w, NULL, 0,
                                       0, NULL, 0, 0);
                    double acc = 0;
                    int ok = 1;
                    for (size_t q = 0; q + 1 < w; q++) {
                        double x1 = buf[2 * q], y1 = buf[2 * q + 1], x2 = buf[2 * q + 2], y2 = buf[2 * q + 3];
                        if (!isfinite(x1) || !isfinite(y1) || !isfinite(x2) || !isfinite(y2)) { ok = 0; break; }
                        acc += x1 * y2 - x2 * y1;
                    }
                    if (ok) ar = fabs(acc) / 2;
                }
            }
            if (!isfinite(ar)) ar = ring_area_geod(&g, l->xy, s0, s1);
            sum += l->ring_hole[r] ? -ar : ar;
        }
        j->out[k] = sum / 1e6;
    }
    free(buf);
    proj_destroy(P);
    proj_context_destroy(ctx);
    return NULL;
}

double gv_layer_area_km2(gv_layer *l, size_t i) {
    if (i >= l->nfeat) return NAN;
    if (!l->area_km2 && l->rings_released) return NAN;
    if (!l->area_km2) {
        double *a = malloc((l->nfeat ? l->nfeat : 1) * sizeof(double));
        if (!a) return NAN;
        double lat0 = isfinite(l->bbox[1]) ? 0.5 * (l->bbox[1] + l->bbox[3]) : 0;
        double lon0 = isfinite(l->bbox[0]) ? 0.5 * (l->bbox[0] + l->bbox[2]) : 0;
        /* Two threads split the features by vertex count. */
        size_t half = l->npts / 2, split = l->nfeat;
        for (size_t k = 0; k < l->nfeat; k++)
            if (l->feat[k].nrings && l->ring_off[l->feat[k].ring0] >= half) { split = k; break; }
        area_job j1 = {l, 0, split, lon0, lat0, a}, j2 = {l, split, l->nfeat, lon0, lat0, a};
        pthread_t th;
        int started = l->npts > 20000 && pthread_create(&th, NULL, area_main, &j2) == 0;
        area_main(&j1);
        if (started) pthread_join(th, NULL);
        else area_main(&j2);
        l->area_km2 = a;
    }
    return l->area_km2[i];
}

/* The exact geodesic area (Karney), for checks: km². */
double gv__layer_area_geodesic_km2(const gv_layer *l, size_t i) {
    if (i >= l->nfeat || !l->feat[i].nrings) return NAN;
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    const feature *ft = &l->feat[i];
    double sum = 0;
    for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) {
        double ar = ring_area_geod(&g, l->xy, l->ring_off[r], l->ring_off[r + 1]);
        sum += l->ring_hole[r] ? -ar : ar;
    }
    return sum / 1e6;
}

int gv_layer_label_point(const gv_layer *l, size_t i, double *lon, double *lat) {
    if (i >= l->nfeat || !l->feat[i].nrings || l->rings_released) return GV_EDATA;
    const feature *ft = &l->feat[i];
    /* Pick the polygon with the largest outer-ring bbox area, then ask GEOS
     * for the centre of its maximum inscribed circle (a pole of
     * inaccessibility): unlike a centroid it always lies inside. */
    size_t best = ft->ring0;
    double besta = -1;
    for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++) {
        if (l->ring_hole[r]) continue;
        double b[4];
        bbox_empty(b);
        for (size_t q = l->ring_off[r]; q < l->ring_off[r + 1]; q++) {
            double x = l->xy[2 * q], y = l->xy[2 * q + 1];
            if (x < b[0]) b[0] = x;
            if (y < b[1]) b[1] = y;
            if (x > b[2]) b[2] = x;
            if (y > b[3]) b[3] = y;
        }
        double a = (b[2] - b[0]) * (b[3] - b[1]);
        if (a > besta) { besta = a; best = r; }
    }
    GEOSContextHandle_t h = GEOS_init_r();
    int rc = GV_EDATA;
    int part = l->ring_part[best];
    size_t nh = 0;
    GEOSGeometry *shell = NULL, **holes = NULL;
    size_t nr_in_part = 0;
    for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings; r++)
        if (l->ring_part[r] == part) nr_in_part++;
    holes = calloc(nr_in_part, sizeof *holes);
    for (size_t r = ft->ring0; r < ft->ring0 + ft->nrings && holes; r++) {
        if (l->ring_part[r] != part) continue;
        size_t n = l->ring_off[r + 1] - l->ring_off[r];
        GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, l->xy + 2 * l->ring_off[r], (unsigned)n, 0, 0);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
        if (!ring) continue;
        if (!l->ring_hole[r] && !shell) shell = ring;
        else holes[nh++] = ring;
    }
    if (shell) {
        GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
        if (poly) {
            double w = sqrt(besta > 0 ? besta : 1e-12);
            GEOSGeometry *mic = GEOSMaximumInscribedCircle_r(h, poly, w / 200);
            if (mic) {
                GEOSGeometry *c = GEOSGeomGetStartPoint_r(h, mic);
                if (c && GEOSGeomGetX_r(h, c, lon) == 1 && GEOSGeomGetY_r(h, c, lat) == 1) rc = GV_OK;
                GEOSGeom_destroy_r(h, c);
                GEOSGeom_destroy_r(h, mic);
            }
            if (rc != GV_OK) {
                GEOSGeometry *pt = GEOSPointOnSurface_r(h, poly);
                if (pt && GEOSGeomGetX_r(h, pt, lon) == 1 && GEOSGeomGetY_r(h, pt, lat) == 1) rc = GV_OK;
                GEOSGeom_destroy_r(h, pt);
            }
            GEOSGeom_destroy_r(h, poly);
        } else {
            GEOSGeom_destroy_r(h, shell);
            for (size_t k = 0; k < nh; k++) GEOSGeom_destroy_r(h, holes[k]);
        }
    } else {
        for (size_t k = 0; k < nh; k++) GEOSGeom_destroy_r(h, holes[k]);
    }
    free(holes);
    GEOS_finish_r(h);
    return rc;
}

int gv_layer_list(const char *src, char ***names, size_t *n, gv_error *err) {
    *names = NULL;
    *n = 0;
    if (!src || !*src) return gv_error_set(err, GV_EUSAGE, "no boundary source given");
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(src, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    int rc = GV_OK;
    if (!ds) {
        rc = gdal_fail(err, GV_EDATA, "%s: cannot open as a vector source", src);
    } else {
        int nl = GDALDatasetGetLayerCount(ds);
        char **a = calloc(nl > 0 ? (size_t)nl : 1, sizeof *a);
        if (!a) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        for (int i = 0; a && i < nl; i++) {
            if (!(a[i] = dupstr(OGR_L_GetName(GDALDatasetGetLayer(ds, i))))) {
                gv_layer_names_free(a, (size_t)i);
                a = NULL;
                rc = gv_error_set(err, GV_ENOMEM, "out of memory");
            }
        }
        if (a) { *names = a; *n = (size_t)nl; }
        GDALClose(ds);
    }
    CPLPopErrorHandler();
    return rc;
}

void gv_layer_names_free(char **names, size_t n) {
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* ---- subsets ---- */

static int subset_fail(gv_layer *s, gv_error *err) {
    gv_layer_free(s);
    return gv_error_set(err, GV_ENOMEM, "out of memory copying layer features");
}

int gv_layer_subset(const gv_layer *l, const size_t *idx, size_t n, gv_layer **out, gv_error *err) {
    if (!l || !out || (n && !idx)) return gv_error_set(err, GV_EUSAGE, "gv_layer_subset: NULL argument");
    *out = NULL;
    if (l->rings_released) return gv_error_set(err, GV_EUSAGE, "gv_layer_subset: the layer's rings were released");
    for (size_t k = 0; k < n; k++)
        if (idx[k] >= l->nfeat)
            return gv_error_set(err, GV_EUSAGE, "gv_layer_subset: feature %zu of %zu", idx[k], l->nfeat);
    gv_layer *s = calloc(1, sizeof *s);
    if (!s) return gv_error_set(err, GV_ENOMEM, "out of memory copying layer features");
    size_t npts = 0, nrings = 0;
    for (size_t k = 0; k < n; k++) {
        const feature *ft = &l->feat[idx[k]];
        nrings += ft->nrings;
        if (ft->nrings) npts += l->ring_off[ft->ring0 + ft->nrings] - l->ring_off[ft->ring0];
    }
    s->source = dupstr(l->source ? l->source : "");
    s->name = dupstr(l->name ? l->name : "");
    s->nfields = l->nfields;
    s->field_names = calloc(l->nfields ? l->nfields : 1, sizeof(char *));
    s->feat = calloc(n ? n : 1, sizeof(feature));
    s->capfeat = n;
    s->attrs = calloc(n * l->nfields > 0 ? n * l->nfields : 1, sizeof(char *));
    s->capattrs = n * l->nfields;
    s->xy = malloc((npts ? npts : 1) * 2 * sizeof(double));
    s->cappts = npts * 2;
    s->ring_off = malloc((nrings + 1) * sizeof(size_t));
    s->ring_part = malloc((nrings ? nrings : 1) * sizeof(int));
    s->ring_hole = malloc(nrings ? nrings : 1);
    s->caprings = nrings + 1;
    s->crs = l->crs ? dupstr(l->crs) : NULL;
    s->driver = l->driver ? dupstr(l->driver) : NULL;
    s->extent_advice = l->extent_advice ? dupstr(l->extent_advice) : NULL;
    if (!s->source || !s->name || !s->field_names || !s->feat || !s->attrs || !s->xy || !s->ring_off ||
        !s->ring_part || !s->ring_hole || (l->crs && !s->crs) || (l->driver && !s->driver) ||
        (l->extent_advice && !s->extent_advice))
        return subset_fail(s, err);
    for (size_t f = 0; f < l->nfields; f++)
        if (l->field_names[f] && !(s->field_names[f] = dupstr(l->field_names[f]))) return subset_fail(s, err);
    if (l->area_km2 && !(s->area_km2 = malloc((n ? n : 1) * sizeof(double)))) return subset_fail(s, err);
    memcpy(s->raw_bbox, l->raw_bbox, sizeof s->raw_bbox);
    s->extent = l->extent;
    bbox_empty(s->bbox);
    s->ring_off[0] = 0;
    for (size_t k = 0; k < n; k++) {
        const feature *src = &l->feat[idx[k]];
        feature *ft = &s->feat[s->nfeat];
        *ft = *src;
        ft->gdetail = NULL;
        ft->ring0 = s->nrings_total;
        ft->attr0 = s->nattrs;
        s->nfeat++;
        if (src->gdetail && !(ft->gdetail = dupstr(src->gdetail))) return subset_fail(s, err);
        for (size_t f = 0; f < l->nfields; f++) {
            const char *v = l->attrs[src->attr0 + f];
            if (v && !(s->attrs[s->nattrs] = dupstr(v))) return subset_fail(s, err);
            s->nattrs++;
        }
        for (size_t r = src->ring0; r < src->ring0 + src->nrings; r++) {
            size_t a = l->ring_off[r], b = l->ring_off[r + 1];
            memcpy(s->xy + 2 * s->npts, l->xy + 2 * a, (b - a) * 2 * sizeof(double));
            s->npts += b - a;
            s->ring_part[s->nrings_total] = l->ring_part[r];
            s->ring_hole[s->nrings_total] = l->ring_hole[r];
            s->ring_off[++s->nrings_total] = s->npts;
        }
        if (s->area_km2) s->area_km2[k] = l->area_km2[idx[k]];
        if (!ft->nrings) s->n_empty++;
        else {
            if (ft->bbox[0] < s->bbox[0]) s->bbox[0] = ft->bbox[0];
            if (ft->bbox[1] < s->bbox[1]) s->bbox[1] = ft->bbox[1];
            if (ft->bbox[2] > s->bbox[2]) s->bbox[2] = ft->bbox[2];
            if (ft->bbox[3] > s->bbox[3]) s->bbox[3] = ft->bbox[3];
        }
    }
    if (!s->nrings_total) bbox_nan(s->bbox);
    *out = s;
    return GV_OK;
}
