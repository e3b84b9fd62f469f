/* geomcheck.c: per-feature geometry checks and repair with GEOS, and extent
 * sanity for Vietnamese data (see include/geovoice/geomcheck.h).
 *
 * Why our own ring pass before GEOS: GEOS refuses to even build a ring that
 * is open, has fewer than 4 points or holds NaN, so those defects must be
 * fixed (and counted) on the raw OGR coordinates first. Everything GEOS can
 * judge (self-intersections, holes outside shells, overlapping parts) is
 * left to GEOSisValidDetail and GEOSMakeValid.
 *
 * Why a GEOS context per call: the library has no globals and callers may
 * clean features from several threads. GEOS errors go to a buffer in the
 * call's own state, never to stderr. */
#include "geovoice/geomcheck.h"
#include "ringcheck.h"

#include <cpl_error.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting deeper than this is not a boundary file; OGR's own WKB reader
 * stops at 32 levels too. */
#define MAX_DEPTH 32

/* Mean-width thresholds for slivers (2*area/perimeter): ~5 m either way. */
#define SLIVER_DEG 5e-5
#define SLIVER_M 5.0

/* Coordinates beyond this are garbage in every CRS on Earth (metres, feet
 * or centimetres stay below 1e10). Dropping them keeps GEOS's products of
 * coordinate differences far from overflow: with 1e300 values GEOS 3.11
 * throws inside buffer/overlay and leaks the graph it was building. */
#define MAX_COORD 1e12

typedef struct cleaner {
    GEOSContextHandle_t h;
    gv_geom_report *rep;
    GEOSGeometry **poly; /* polygons built from the input, owned */
    size_t npoly, cappoly;
    unsigned orient;     /* ORIENTATION seen, applied only if input valid */
    int nomem;
    int npart;           /* polygons met so far, for notes */
    char geos_msg[256];  /* last GEOS error message */
} cleaner;

/* Notes go to rep->detail through gv__geom_note (ringcheck.c), shared
 * with layer reading. */
#define note gv__geom_note

static void geos_error(const char *msg, void *userdata) {
    cleaner *c = userdata;
    snprintf(c->geos_msg, sizeof c->geos_msg, "%s", msg ? msg : "");
}
static void geos_notice(const char *msg, void *userdata) { (void)msg; (void)userdata; }

static int push_poly(cleaner *c, GEOSGeometry *g) {
    if (c->npoly == c->cappoly) {
        size_t nc = c->cappoly ? 2 * c->cappoly : 8;
        GEOSGeometry **np = realloc(c->poly, nc * sizeof *np);
        if (!np) {
            GEOSGeom_destroy_r(c->h, g);
            c->nomem = 1;
            return -1;
        }
        c->poly = np;
        c->cappoly = nc;
    }
    c->poly[c->npoly++] = g;
    return 0;
}

/* Twice the signed area (shoelace), relative to the first vertex so that
 * coordinates like 2 000 000 m do not cancel away the result. Positive for
 * counter-clockwise. */
static double ring_signed_area2(const double *xy, size_t m) {
    double acc = 0, x0 = xy[0], y0 = xy[1];
    for (size_t k = 1; k + 1 < m; k++)
        acc += (xy[2 * k] - x0) * (xy[2 * k + 3] - y0) - (xy[2 * k + 2] - x0) * (xy[2 * k + 1] - y0);
    return acc;
}

/* Reads one OGR ring, cleans it and builds a GEOS ring in *ring (NULL when
 * the ring is dropped). *sa2 gets twice its signed area. -1 only on
 * out-of-memory. */
static int ring_clean(cleaner *c, OGRGeometryH r, int part, int idx, GEOSGeometry **ring, double *sa2) {
    *ring = NULL;
    *sa2 = 0;
    int n = r ? OGR_G_GetPointCount(r) : 0;
    if (n <= 0) {
        c->rep->flags |= GV_GEOM_TOO_FEW;
        note(c->rep, "polygon %d ring %d: no points (dropped)", part, idx);
        return 0;
    }
    double *xy = malloc(((size_t)n + 1) * 2 * sizeof(double));
    if (!xy) { c->nomem = 1; return -1; }
    OGR_G_GetPoints(r, xy, 2 * sizeof(double), xy + 1, 2 * sizeof(double), NULL, 0);
    size_t m = 0, nonfinite = 0, dups = 0;
    for (int k = 0; k < n; k++) {
        double x = xy[2 * k], y = xy[2 * k + 1];
        if (!(fabs(x) <= MAX_COORD) || !(fabs(y) <= MAX_COORD)) { nonfinite++; continue; }
        if (m > 0 && x == xy[2 * (m - 1)] && y == xy[2 * (m - 1) + 1]) { dups++; continue; }
        xy[2 * m] = x;
        xy[2 * m + 1] = y;
        m++;
    }
    if (nonfinite) {
        c->rep->flags |= GV_GEOM_INVALID;
        note(c->rep, "polygon %d ring %d: %zu vertices with NaN, infinite or absurd (> 1e12) coordinates dropped",
             part, idx, nonfinite);
    }
    if (dups) c->rep->flags |= GV_GEOM_DUP_POINTS;
    if (m >= 2 && (xy[0] != xy[2 * (m - 1)] || xy[1] != xy[2 * (m - 1) + 1])) {
        c->rep->flags |= GV_GEOM_UNCLOSED;
        xy[2 * m] = xy[0];
        xy[2 * m + 1] = xy[1];
        m++;
    }
    if (m < 4) {
        c->rep->flags |= GV_GEOM_TOO_FEW;
        note(c->rep, "polygon %d ring %d: %zu points (dropped)", part, idx, m);
        free(xy);
        return 0;
    }
    *sa2 = ring_signed_area2(xy, m);
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(c->h, xy, (unsigned)m, 0, 0);
    free(xy);
    /* createLinearRing adopts cs even when it throws. */
    *ring = cs ? GEOSGeom_createLinearRing_r(c->h, cs) : NULL;
    if (!*ring) {
        c->rep->flags |= GV_GEOM_INVALID;
        note(c->rep, "polygon %d ring %d: GEOS refused it (%s), dropped", part, idx, c->geos_msg);
    }
    return 0;
}

static void destroy_all(GEOSContextHandle_t h, GEOSGeometry **g, size_t n) {
    for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, g[i]);
}

static int add_polygon(cleaner *c, OGRGeometryH p) {
    int part = c->npart++;
    int nr = OGR_G_GetGeometryCount(p);
    if (nr <= 0) return 0; /* empty part of a non-empty multi: nothing to say */
    GEOSGeometry *shell = NULL, **holes = calloc((size_t)nr, sizeof *holes);
    if (!holes) { c->nomem = 1; return -1; }
    unsigned nh = 0;
    int rc = 0;
    for (int i = 0; i < nr; i++) {
        GEOSGeometry *ring;
        double sa2;
        if (ring_clean(c, OGR_G_GetGeometryRef(p, i), part, i, &ring, &sa2)) { rc = -1; break; }
        if (i == 0) {
            if (!ring) break; /* no shell: its holes mean nothing */
            shell = ring;
            if (sa2 < 0) c->orient = 1;
        } else if (ring) {
            holes[nh++] = ring;
            if (sa2 > 0) c->orient = 1;
        }
    }
    if (rc || !shell) {
        if (shell) GEOSGeom_destroy_r(c->h, shell);
        destroy_all(c->h, holes, nh);
        free(holes);
        return rc;
    }
    GEOSGeometry *g = GEOSGeom_createPolygon_r(c->h, shell, holes, nh);
    free(holes);
    if (!g) {
        /* Cannot happen with rings GEOS itself built; say so if it does.
         * (Ownership of the rings on failure is GEOS's.) */
        c->rep->flags |= GV_GEOM_INVALID;
        note(c->rep, "polygon %d: GEOS refused it (%s), dropped", part, c->geos_msg);
        return 0;
    }
    return push_poly(c, g);
}

static int walk(cleaner *c, OGRGeometryH g, int depth) {
    if (!g) return 0;
    /* Per part: OGR does not promote a 2D collection that holds a Z
     * member, so the top-level Is3D can miss it. */
    if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) c->rep->flags |= GV_GEOM_ZM;
    if (OGR_G_IsEmpty(g)) return 0;
    if (depth > MAX_DEPTH) {
        c->rep->flags |= GV_GEOM_NOT_POLYGON;
        note(c->rep, "collection nested deeper than %d levels ignored", MAX_DEPTH);
        return 0;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    switch (t) {
    case wkbPolygon:
    case wkbTriangle:
        return add_polygon(c, g);
    case wkbGeometryCollection:
        c->rep->flags |= GV_GEOM_COLLECTION;
        /* fall through */
    case wkbMultiPolygon:
    case wkbPolyhedralSurface:
    case wkbTIN: {
        int n = OGR_G_GetGeometryCount(g);
        for (int i = 0; i < n; i++)
            if (walk(c, OGR_G_GetGeometryRef(g, i), depth + 1)) return -1;
        return 0;
    }
    case wkbCurvePolygon:
    case wkbMultiSurface: {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        if (!lin) {
            c->rep->flags |= GV_GEOM_INVALID;
            note(c->rep, "curve polygon could not be linearised: %s", CPLGetLastErrorMsg());
            return 0;
        }
        OGRwkbGeometryType lt = wkbFlatten(OGR_G_GetGeometryType(lin));
        /* Guard against a "linear" result that is still curved, which
         * would send us round in circles. */
        int rc = (lt == wkbCurvePolygon || lt == wkbMultiSurface) ? 0 : walk(c, lin, depth + 1);
        OGR_G_DestroyGeometry(lin);
        return rc;
    }
    default:
        c->rep->flags |= GV_GEOM_NOT_POLYGON;
        return 0;
    }
}

/* Clones the polygons of g (any depth) onto c->poly-like list dst. */
static int extract_polygons(cleaner *c, const GEOSGeometry *g, GEOSGeometry ***dst, size_t *n, size_t *cap,
                            int depth) {
    int t = GEOSGeomTypeId_r(c->h, g);
    if (t == GEOS_POLYGON) {
        if (GEOSisEmpty_r(c->h, g) != 0) return 0;
        GEOSGeometry *cl = GEOSGeom_clone_r(c->h, g);
        if (!cl) return 0;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 8;
            GEOSGeometry **np = realloc(*dst, nc * sizeof *np);
            if (!np) { GEOSGeom_destroy_r(c->h, cl); c->nomem = 1; return -1; }
            *dst = np;
            *cap = nc;
        }
        (*dst)[(*n)++] = cl;
        return 0;
    }
    if ((t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) && depth < MAX_DEPTH) {
        int k = GEOSGetNumGeometries_r(c->h, g);
        for (int i = 0; i < k; i++) {
            const GEOSGeometry *s = GEOSGetGeometryN_r(c->h, g, i);
            if (s && extract_polygons(c, s, dst, n, cap, depth + 1)) return -1;
        }
    }
    return 0;
}

/* The polygonal part of g as a new MultiPolygon; NULL when none or on
 * failure (c->nomem tells which). */
static GEOSGeometry *polygonal(cleaner *c, const GEOSGeometry *g) {
    GEOSGeometry **a = NULL;
    size_t n = 0, cap = 0;
    if (extract_polygons(c, g, &a, &n, &cap, 0) || n == 0) {
        destroy_all(c->h, a, n);
        free(a);
        return NULL;
    }
    GEOSGeometry *mp = GEOSGeom_createCollection_r(c->h, GEOS_MULTIPOLYGON, a, (unsigned)n);
    free(a); /* the collection adopted the parts */
    return mp;
}

/* 1 valid, 0 not (or GEOS gave up on the question). */
static int is_valid(cleaner *c, const GEOSGeometry *g) { return GEOSisValid_r(c->h, g) == 1; }

/* Repairs mp: MakeValid STRUCTURE, then LINEWORK, then buffer(0); returns
 * a new valid MultiPolygon, or NULL (empty result or failure; *failed
 * tells which). */
static GEOSGeometry *repair(cleaner *c, const GEOSGeometry *mp, int *failed) {
    *failed = 0;
    int collapsed = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        GEOSGeometry *r = NULL;
        c->geos_msg[0] = 0;
        if (attempt == 0) {
            /* STRUCTURE keeps the meaning of shells and holes (a bow-tie
             * becomes two triangles, a hole outside its shell is
             * ignored, overlapping parts are unioned) and drops
             * collapsed lines, which we would throw away anyway. */
            GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(c->h);
            if (!p) continue;
            if (GEOSMakeValidParams_setMethod_r(c->h, p, GEOS_MAKE_VALID_STRUCTURE) &&
                GEOSMakeValidParams_setKeepCollapsed_r(c->h, p, 0))
                r = GEOSMakeValidWithParams_r(c->h, mp, p);
            GEOSMakeValidParams_destroy_r(c->h, p);
        } else if (attempt == 1) {
            r = GEOSMakeValid_r(c->h, mp);
        } else {
            r = GEOSBuffer_r(c->h, mp, 0, 8);
        }
        if (!r) {
            if (c->geos_msg[0]) note(c->rep, "repair step %d: %s", attempt + 1, c->geos_msg);
            continue;
        }
        GEOSGeometry *p = polygonal(c, r);
        GEOSGeom_destroy_r(c->h, r);
        if (c->nomem) { GEOSGeom_destroy_r(c->h, p); return NULL; }
        if (!p) { collapsed = 1; break; } /* valid answer: nothing polygonal */
        if (is_valid(c, p)) return p;
        GEOSGeom_destroy_r(c->h, p);
    }
    if (!collapsed) *failed = 1;
    return NULL;
}

/* Flags parts whose mean width 2A/P is below the tolerance. */
static void check_slivers(cleaner *c, const GEOSGeometry *mp) {
    double xmin, ymin, xmax, ymax;
    if (GEOSGeom_getXMin_r(c->h, mp, &xmin) != 1 || GEOSGeom_getYMin_r(c->h, mp, &ymin) != 1 ||
        GEOSGeom_getXMax_r(c->h, mp, &xmax) != 1 || GEOSGeom_getYMax_r(c->h, mp, &ymax) != 1)
        return;
    int degrees = xmin >= -180 && xmax <= 180 && ymin >= -90 && ymax <= 90;
    double tol = degrees ? SLIVER_DEG : SLIVER_M;
    int n = GEOSGetNumGeometries_r(c->h, mp);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(c->h, mp, i);
        double a, per;
        if (!p || GEOSArea_r(c->h, p, &a) != 1 || GEOSLength_r(c->h, p, &per) != 1) continue;
        if (!(per > 0) || !isfinite(a) || !isfinite(per)) continue;
        double w = 2 * a / per;
        if (w < tol) {
            c->rep->flags |= GV_GEOM_SLIVER;
            note(c->rep, "part %d is a sliver: mean width %.2g %s", i, w, degrees ? "deg" : "units");
        }
    }
}

/* Copies one GEOS ring into a new OGR ring; NULL on failure or non-finite
 * coordinates (*bad set). */
static OGRGeometryH ring_to_ogr(cleaner *c, const GEOSGeometry *r, int *bad) {
    const GEOSCoordSequence *cs = r ? GEOSGeom_getCoordSeq_r(c->h, r) : NULL;
    unsigned m = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(c->h, cs, &m) || m < 4) { *bad = 1; return NULL; }
    double *xy = malloc((size_t)m * 2 * sizeof(double));
    if (!xy) { c->nomem = 1; return NULL; }
    if (!GEOSCoordSeq_copyToBuffer_r(c->h, cs, xy, 0, 0)) { free(xy); *bad = 1; return NULL; }
    for (unsigned k = 0; k < 2 * m; k++)
        if (!isfinite(xy[k])) { free(xy); *bad = 1; return NULL; }
    OGRGeometryH o = OGR_G_CreateGeometry(wkbLinearRing);
    if (!o) { free(xy); c->nomem = 1; return NULL; }
    OGR_G_SetPoints(o, (int)m, xy, 2 * sizeof(double), xy + 1, 2 * sizeof(double), NULL, 0);
    free(xy);
    if (OGR_G_GetPointCount(o) != (int)m) { OGR_G_DestroyGeometry(o); c->nomem = 1; return NULL; }
    return o;
}

/* The valid GEOS MultiPolygon mp as a new 2D OGR MultiPolygon. */
static OGRGeometryH to_ogr(cleaner *c, const GEOSGeometry *mp, int *bad) {
    OGRGeometryH out = OGR_G_CreateGeometry(wkbMultiPolygon);
    if (!out) { c->nomem = 1; return NULL; }
    int n = GEOSGetNumGeometries_r(c->h, mp);
    for (int i = 0; i < n && !*bad && !c->nomem; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(c->h, mp, i);
        OGRGeometryH op = OGR_G_CreateGeometry(wkbPolygon);
        if (!op) { c->nomem = 1; break; }
        OGRGeometryH shell = ring_to_ogr(c, p ? GEOSGetExteriorRing_r(c->h, p) : NULL, bad);
        if (shell) OGR_G_AddGeometryDirectly(op, shell);
        int nh = shell ? GEOSGetNumInteriorRings_r(c->h, p) : 0;
        for (int k = 0; k < nh && !*bad && !c->nomem; k++) {
            OGRGeometryH hole = ring_to_ogr(c, GEOSGetInteriorRingN_r(c->h, p, k), bad);
            if (hole) OGR_G_AddGeometryDirectly(op, hole);
        }
        if (!shell || *bad || c->nomem || OGR_G_AddGeometryDirectly(out, op) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(op);
            if (!shell && !c->nomem) *bad = 1;
        }
    }
    if (*bad || c->nomem) {
        OGR_G_DestroyGeometry(out);
        return NULL;
    }
    return out;
}

int gv_geom_clean(void *ogr_geometry, void **out, gv_geom_report *rep, gv_error *err) {
    gv_geom_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    if (!out) return gv_error_set(err, GV_EUSAGE, "gv_geom_clean: no place for the result (out is NULL)");
    *out = NULL;
    OGRGeometryH g = ogr_geometry;
    if (!g) {
        rep->flags = GV_GEOM_NULL;
        return GV_OK;
    }
    CPLPushErrorHandler(CPLQuietErrorHandler);
    if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) rep->flags |= GV_GEOM_ZM;
    if (OGR_G_IsEmpty(g)) {
        rep->flags |= GV_GEOM_EMPTY;
        CPLPopErrorHandler();
        return GV_OK;
    }
    cleaner c;
    memset(&c, 0, sizeof c);
    c.rep = rep;
    c.h = GEOS_init_r();
    if (!c.h) {
        CPLPopErrorHandler();
        return gv_error_set(err, GV_ENOMEM, "out of memory (GEOS context)");
    }
    GEOSContext_setErrorMessageHandler_r(c.h, geos_error, &c);
    GEOSContext_setNoticeMessageHandler_r(c.h, geos_notice, &c);

    GEOSGeometry *mp = NULL, *fixed = NULL;
    OGRGeometryH res = NULL;
    walk(&c, g, 0);
    if (c.nomem || c.npoly == 0) {
        destroy_all(c.h, c.poly, c.npoly);
        goto done;
    }
    mp = GEOSGeom_createCollection_r(c.h, GEOS_MULTIPOLYGON, c.poly, (unsigned)c.npoly);
    if (!mp) {
        /* The parts are GEOS's now either way; nothing sane to return. */
        rep->flags |= GV_GEOM_REPAIR_FAILED;
        note(rep, "GEOS: %s", c.geos_msg);
        goto done;
    }
    char *reason = NULL;
    GEOSGeometry *where = NULL;
    char v = GEOSisValidDetail_r(c.h, mp, 0, &reason, &where);
    if (v == 1) {
        if (c.orient) rep->flags |= GV_GEOM_ORIENTATION;
        fixed = mp;
        mp = NULL;
    } else {
        rep->flags |= GV_GEOM_INVALID;
        double x, y;
        if (v == 0 && reason && where && GEOSGeomGetX_r(c.h, where, &x) == 1 && GEOSGeomGetY_r(c.h, where, &y) == 1)
            note(rep, "%s[%.10g %.10g]", reason, x, y);
        else if (v == 0 && reason)
            note(rep, "%s", reason);
        else
            note(rep, "GEOS could not check validity: %s", c.geos_msg);
        int failed = 0;
        fixed = repair(&c, mp, &failed);
        if (failed) {
            rep->flags |= GV_GEOM_REPAIR_FAILED;
        } else if (!fixed && !c.nomem) {
            note(rep, "nothing polygonal left after repair");
        }
    }
    if (reason) GEOSFree_r(c.h, reason);
    if (where) GEOSGeom_destroy_r(c.h, where);
    if (fixed && !c.nomem) {
        check_slivers(&c, fixed);
        int bad = 0;
        res = to_ogr(&c, fixed, &bad);
        if (bad) {
            rep->flags |= GV_GEOM_REPAIR_FAILED;
            note(rep, "result has non-finite or degenerate rings");
        }
    }
done:
    if (mp) GEOSGeom_destroy_r(c.h, mp);
    if (fixed) GEOSGeom_destroy_r(c.h, fixed);
    free(c.poly);
    GEOS_finish_r(c.h);
    CPLPopErrorHandler();
    if (c.nomem) {
        if (res) OGR_G_DestroyGeometry(res);
        return gv_error_set(err, GV_ENOMEM, "out of memory cleaning a geometry");
    }
    *out = res;
    return GV_OK;
}

/* ------------------------------------------------------------- flags */

typedef struct flag_info { unsigned flag; const char *name, *done; } flag_info;

/* Most serious first: the order gv_geom_flags_describe writes them in. */
static const flag_info FLAGS[] = {
    {GV_GEOM_NULL, "null", "no geometry"},
    {GV_GEOM_EMPTY, "empty", "nothing to draw"},
    {GV_GEOM_REPAIR_FAILED, "repair failed", "dropped"},
    {GV_GEOM_INVALID, "invalid", "made valid"},
    {GV_GEOM_NOT_POLYGON, "not polygon", "ignored"},
    {GV_GEOM_COLLECTION, "collection", "polygons extracted"},
    {GV_GEOM_TOO_FEW, "too few points", "ring dropped"},
    {GV_GEOM_UNCLOSED, "unclosed", "closed"},
    {GV_GEOM_DUP_POINTS, "duplicate points", "removed"},
    {GV_GEOM_ZM, "zm", "dropped"},
    {GV_GEOM_SLIVER, "sliver", "reported"},
    {GV_GEOM_ORIENTATION, "orientation", "reported"},
};

const char *gv_geom_flag_str(unsigned single_flag) {
    for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++)
        if (FLAGS[i].flag == single_flag) return FLAGS[i].name;
    return "unknown";
}

int gv_geom_flags_describe(unsigned flags, char *buf, size_t n) {
    if (!buf || n == 0) return GV_EUSAGE;
    buf[0] = 0;
    size_t len = 0;
    for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++) {
        if (!(flags & FLAGS[i].flag)) continue;
        int w = snprintf(buf + len, n - len, "%s%s (%s)", len ? ", " : "", FLAGS[i].name, FLAGS[i].done);
        if (w < 0 || (size_t)w >= n - len) return GV_EUSAGE; /* snprintf left it terminated */
        len += (size_t)w;
    }
    return GV_OK;
}

/* ------------------------------------------------------------ extent */

/* Vietnam with Hoàng Sa and Trường Sa (102.14..117.83 E, 7.18..23.39 N)
 * plus ~2° for neighbouring context. */
#define VN_LON0 100.0
#define VN_LON1 120.0
#define VN_LAT0 5.0
#define VN_LAT1 25.0

static int within(double a0, double a1, double lo, double hi) { return a0 >= lo && a1 <= hi; }

static gv_extent_verdict say(char *advice, size_t n, gv_extent_verdict v, const char *fmt, ...)
    GV_PRINTF(4, 5);
static gv_extent_verdict say(char *advice, size_t n, gv_extent_verdict v, const char *fmt, ...) {
    if (advice && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(advice, n, fmt, ap);
        va_end(ap);
    }
    return v;
}

gv_extent_verdict gv_extent_diagnose(const double bbox[4], int has_crs, int crs_is_geographic, char *advice,
                                     size_t n) {
    if (advice && n) advice[0] = 0;
    if (!bbox || !isfinite(bbox[0]) || !isfinite(bbox[1]) || !isfinite(bbox[2]) || !isfinite(bbox[3]) ||
        bbox[0] > bbox[2] || bbox[1] > bbox[3])
        return say(advice, n, GV_EXTENT_EMPTY, "no extent: the layer has no usable geometry");
    double x0 = bbox[0], y0 = bbox[1], x1 = bbox[2], y1 = bbox[3];
    int vn_deg = within(x0, x1, VN_LON0, VN_LON1) && within(y0, y1, VN_LAT0, VN_LAT1);
    int vn_swapped = within(x0, x1, VN_LAT0, VN_LAT1) && within(y0, y1, VN_LON0, VN_LON1);
    char ext[160];
    snprintf(ext, sizeof ext, "extent %.6g %.6g, %.6g %.6g", x0, y0, x1, y1);

    if (has_crs && !crs_is_geographic) {
        /* Projected units: without the CRS we cannot place them, so only
         * catch degrees under a projected .prj and absurd values. */
        if (vn_deg || vn_swapped)
            return say(advice, n, GV_EXTENT_OUTSIDE,
                       "%s looks like degrees over Vietnam but the CRS is projected: the .prj is probably wrong; "
                       "assign EPSG:4326",
                       ext);
        if (fabs(x0) > 2e7 || fabs(x1) > 2e7 || fabs(y0) > 2e7 || fabs(y1) > 2e7)
            return say(advice, n, GV_EXTENT_OUTSIDE, "%s is beyond any projected coordinate on Earth", ext);
        return say(advice, n, GV_EXTENT_OK, "%s in a projected CRS: check the extent after reprojection", ext);
    }
    if (vn_deg) {
        if (has_crs) return say(advice, n, GV_EXTENT_OK, "%s: Vietnam in degrees", ext);
        return say(advice, n, GV_EXTENT_NO_CRS_DEGREES,
                   "no CRS; %s fits Vietnam in degrees: assuming EPSG:4326 (WGS 84)", ext);
    }
    if (vn_swapped)
        return say(advice, n, GV_EXTENT_SWAPPED,
                   "%s looks like latitude stored as x and longitude as y: swap the axes", ext);
    if (fabs(x0) > 180 || fabs(x1) > 180 || fabs(y0) > 90 || fabs(y1) > 90) {
        const char *crs = has_crs ? "the CRS says degrees" : "there is no CRS";
        /* VN-2000 / UTM 48N (and WGS 84 / UTM 48N, metres apart) over the
         * country: eastings stay within 0..2e6 even for Trường Sa, 12.8°
         * east of the 105°E meridian; northings 0.5e6..2.7e6 (5..24°N).
         * Provincial VN-2000 TM-3 zones share these ranges. */
        if (within(x0, x1, 0, 2.0e6) && within(y0, y1, 5.0e5, 2.7e6))
            return say(advice, n, GV_EXTENT_METRES_AS_DEGREES,
                       "%s is in metres but %s: looks like VN-2000 / UTM 48N; assign EPSG:3405 (VN-2000 / UTM "
                       "48N) or EPSG:32648 (WGS 84 / UTM 48N), or the province's VN-2000 TM-3 zone",
                       ext, crs);
        return say(advice, n, GV_EXTENT_METRES_AS_DEGREES,
                   "%s is beyond +-180/+-90 but %s: projected coordinates read as degrees; find the source's CRS "
                   "(missing .prj?)",
                   ext, crs);
    }
    if (x0 <= 0 && x1 >= 0 && y0 <= 0 && y1 >= 0 && x1 >= VN_LON0 && y1 >= VN_LAT0)
        return say(advice, n, GV_EXTENT_OUTSIDE,
                   "%s reaches (0, 0): some features probably have zero coordinates", ext);
    return say(advice, n, GV_EXTENT_OUTSIDE, "%s is not in Vietnam", ext);
}
