/* test_geomcheck.c: cmocka tests of engine/geomcheck.c. Each broken
 * geometry is built here (WKT or OGR calls) with its expected flags, area
 * and vertex counts worked out by hand in the comments; then a fixed-seed
 * fuzz loop of 2000 random small polygons (NaN, infinities, huge values,
 * open rings, Z, collections) that must never crash and must always give
 * a valid 2D MultiPolygon or NULL; then the extent diagnosis on real
 * Vietnamese extents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cpl_error.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/geomcheck.h"

/* ---------------------------------------------------------------- helpers */

static OGRGeometryH wkt(const char *text) {
    OGRGeometryH g = NULL;
    char *p = (char *)text;
    assert_int_equal(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
    assert_non_null(g);
    return g;
}

/* Cleans g, checks rc and the exact flags, returns the output (may be
 * NULL); destroys g. */
static OGRGeometryH clean(OGRGeometryH g, unsigned want_flags, gv_geom_report *rep) {
    gv_geom_report local;
    if (!rep) rep = &local;
    gv_error err;
    gv_error_clear(&err);
    void *out = (void *)1;
    assert_int_equal(gv_geom_clean(g, &out, rep, &err), GV_OK);
    if (rep->flags != want_flags) {
        char a[256], b[256];
        gv_geom_flags_describe(rep->flags, a, sizeof a);
        gv_geom_flags_describe(want_flags, b, sizeof b);
        fail_msg("flags 0x%x [%s], want 0x%x [%s]; detail: %s", rep->flags, a, want_flags, b, rep->detail);
    }
    if (g) OGR_G_DestroyGeometry(g);
    OGRGeometryH o = out;
    if (o) {
        /* The contract, whatever the input. */
        assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(o)), wkbMultiPolygon);
        assert_false(OGR_G_Is3D(o));
        assert_false(OGR_G_IsMeasured(o));
        assert_true(OGR_G_IsValid(o));
        assert_false(OGR_G_IsEmpty(o));
    }
    return o;
}

static double area(OGRGeometryH g) { return OGR_G_Area(g); }

static int nparts(OGRGeometryH g) { return OGR_G_GetGeometryCount(g); }

/* Point count of ring r of part p. */
static int npoints(OGRGeometryH g, int p, int r) {
    return OGR_G_GetPointCount(OGR_G_GetGeometryRef(OGR_G_GetGeometryRef(g, p), r));
}

/* ------------------------------------------------------------ the cases */

/* Bow-tie (0 0)->(2 2)->(2 0)->(0 2): the edges cross at (1 1), leaving
 * two triangles {(0 0),(1 1),(0 2)} and {(1 1),(2 0),(2 2)}, each
 * base 2 × height 1 / 2 = 1, total 2. Signed area is 0, so no orientation
 * claim. */
static void test_bowtie(void **state) {
    (void)state;
    gv_geom_report rep;
    OGRGeometryH o = clean(wkt("POLYGON ((0 0,2 2,2 0,0 2,0 0))"), GV_GEOM_INVALID, &rep);
    assert_non_null(o);
    assert_int_equal(nparts(o), 2);
    assert_int_equal(npoints(o, 0, 0), 4);
    assert_int_equal(npoints(o, 1, 0), 4);
    assert_true(fabs(area(o) - 2.0) < 1e-12);
    assert_non_null(strstr(rep.detail, "Self-intersection[1 1]"));
    OGR_G_DestroyGeometry(o);

    /* The same near Hà Nội: 0.02° wide, 0.02° tall: two triangles of
     * 0.02 × 0.01 / 2 = 1e-4 deg² each. */
    o = clean(wkt("POLYGON ((105.80 21.00,105.82 21.02,105.82 21.00,105.80 21.02,105.80 21.00))"),
              GV_GEOM_INVALID, NULL);
    assert_non_null(o);
    assert_int_equal(nparts(o), 2);
    assert_true(fabs(area(o) - 2e-4) < 1e-12);
    OGR_G_DestroyGeometry(o);
}

/* A 10 × 10 square (counter-clockwise) whose ring goes from (5 10) round
 * the triangle (7 5)-(3 5) clockwise and back to (5 10): it touches itself
 * at (5 10), cutting a triangle of base 4, height 5 (area 10) out of 100:
 * 90 remains, as a polygon with a hole touching its shell (valid). */
static void test_self_touching(void **state) {
    (void)state;
    gv_geom_report rep;
    OGRGeometryH o = clean(wkt("POLYGON ((0 0,10 0,10 10,5 10,7 5,3 5,5 10,0 10,0 0))"), GV_GEOM_INVALID, &rep);
    assert_non_null(o);
    assert_int_equal(nparts(o), 1);
    assert_int_equal(OGR_G_GetGeometryCount(OGR_G_GetGeometryRef(o, 0)), 2); /* shell + hole touching it */
    assert_true(fabs(area(o) - 90.0) < 1e-9);
    assert_string_equal(rep.detail, "Ring Self-intersection[5 10]");
    OGR_G_DestroyGeometry(o);
    /* The same loop walked the other way ((3 5) before (7 5)) covers the
     * triangle twice instead of cutting it out: it stays inside the
     * square, so the repaired area is the square's, 100. */
    o = clean(wkt("POLYGON ((0 0,10 0,10 10,5 10,3 5,7 5,5 10,0 10,0 0))"), GV_GEOM_INVALID, NULL);
    assert_true(fabs(area(o) - 100.0) < 1e-9);
    OGR_G_DestroyGeometry(o);
}

/* Clockwise outer ring (as Shapefiles store them): reported only, area and
 * vertices unchanged (0.1° square = 0.01 deg²). */
static void test_orientation(void **state) {
    (void)state;
    OGRGeometryH o = clean(wkt("POLYGON ((105.8 21.0,105.8 21.1,105.9 21.1,105.9 21.0,105.8 21.0))"),
                           GV_GEOM_ORIENTATION, NULL);
    assert_non_null(o);
    assert_int_equal(nparts(o), 1);
    assert_int_equal(npoints(o, 0, 0), 5);
    assert_true(fabs(area(o) - 0.01) < 1e-12);
    OGR_G_DestroyGeometry(o);
    /* CCW outer ring with a counter-clockwise hole: also ORIENTATION. */
    o = clean(wkt("POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,4 2,4 4,2 4,2 2))"), GV_GEOM_ORIENTATION, NULL);
    assert_true(fabs(area(o) - 96.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
    /* OGC orientation: nothing to say. */
    o = clean(wkt("POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))"), 0, NULL);
    assert_true(fabs(area(o) - 96.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
}

/* Ring built point by point and never closed: 4 corners in, 5 points out,
 * last = first. */
static void test_unclosed(void **state) {
    (void)state;
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, 0, 0);
    OGR_G_AddPoint_2D(ring, 3, 0);
    OGR_G_AddPoint_2D(ring, 3, 2);
    OGR_G_AddPoint_2D(ring, 0, 2);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGRGeometryH o = clean(poly, GV_GEOM_UNCLOSED, NULL);
    assert_non_null(o);
    OGRGeometryH r = OGR_G_GetGeometryRef(OGR_G_GetGeometryRef(o, 0), 0);
    assert_int_equal(OGR_G_GetPointCount(r), 5);
    assert_true(OGR_G_GetX(r, 4) == 0 && OGR_G_GetY(r, 4) == 0);
    assert_true(fabs(area(o) - 6.0) < 1e-12);
    OGR_G_DestroyGeometry(o);

    /* An open triangle A B C is a triangle once closed: kept. */
    ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, 0, 0);
    OGR_G_AddPoint_2D(ring, 4, 0);
    OGR_G_AddPoint_2D(ring, 0, 3);
    poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    o = clean(poly, GV_GEOM_UNCLOSED, NULL);
    assert_non_null(o);
    assert_int_equal(npoints(o, 0, 0), 4);
    assert_true(fabs(area(o) - 6.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
}

/* 8 vertices, 3 of them repeats of their predecessor: 5 remain. */
static void test_duplicates(void **state) {
    (void)state;
    OGRGeometryH o = clean(wkt("POLYGON ((0 0,1 0,1 0,1 0,1 1,0 1,0 1,0 0))"), GV_GEOM_DUP_POINTS, NULL);
    assert_non_null(o);
    assert_int_equal(npoints(o, 0, 0), 5);
    assert_true(fabs(area(o) - 1.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
    /* The repeated closing point too: "A B C D A A". */
    o = clean(wkt("POLYGON ((0 0,1 0,1 1,0 1,0 0,0 0))"), GV_GEOM_DUP_POINTS, NULL);
    assert_int_equal(npoints(o, 0, 0), 5);
    OGR_G_DestroyGeometry(o);
}

static void test_zm(void **state) {
    (void)state;
    OGRGeometryH o = clean(wkt("POLYGON Z ((0 0 5,2 0 5,2 2 6,0 2 7,0 0 5))"), GV_GEOM_ZM, NULL);
    assert_non_null(o);
    assert_int_equal(OGR_G_CoordinateDimension(o), 2);
    assert_true(fabs(area(o) - 4.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
    o = clean(wkt("MULTIPOLYGON ZM (((0 0 1 9,2 0 1 9,2 2 1 9,0 2 1 9,0 0 1 9)))"), GV_GEOM_ZM, NULL);
    assert_non_null(o);
    OGR_G_DestroyGeometry(o);
    o = clean(wkt("POLYGON M ((0 0 1,2 0 1,2 2 1,0 2 1,0 0 1))"), GV_GEOM_ZM, NULL);
    assert_non_null(o);
    OGR_G_DestroyGeometry(o);
}

/* Polygon kept, line ignored (so NOT_POLYGON too: something was left
 * out). */
static void test_collection(void **state) {
    (void)state;
    OGRGeometryH o = clean(wkt("GEOMETRYCOLLECTION (POLYGON ((0 0,1 0,1 1,0 1,0 0)),LINESTRING (0 0,5 5))"),
                           GV_GEOM_COLLECTION | GV_GEOM_NOT_POLYGON, NULL);
    assert_non_null(o);
    assert_int_equal(nparts(o), 1);
    assert_true(fabs(area(o) - 1.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
    /* Nested collection, two disjoint squares: both kept. */
    o = clean(wkt("GEOMETRYCOLLECTION (GEOMETRYCOLLECTION (POLYGON ((0 0,1 0,1 1,0 1,0 0))),"
                  "MULTIPOLYGON (((5 5,6 5,6 6,5 6,5 5))))"),
              GV_GEOM_COLLECTION, NULL);
    assert_int_equal(nparts(o), 2);
    assert_true(fabs(area(o) - 2.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
}

static void test_not_polygon_empty_null(void **state) {
    (void)state;
    assert_null(clean(wkt("POINT (105 21)"), GV_GEOM_NOT_POLYGON, NULL));
    assert_null(clean(wkt("MULTILINESTRING ((0 0,1 1),(2 2,3 3))"), GV_GEOM_NOT_POLYGON, NULL));
    assert_null(clean(wkt("POLYGON EMPTY"), GV_GEOM_EMPTY, NULL));
    assert_null(clean(wkt("GEOMETRYCOLLECTION EMPTY"), GV_GEOM_EMPTY, NULL));
    assert_null(clean(NULL, GV_GEOM_NULL, NULL));
    /* Misuse. */
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_geom_clean(NULL, NULL, NULL, &err), GV_EUSAGE);
    assert_int_equal(err.code, GV_EUSAGE);
    /* rep may be NULL. */
    void *out = NULL;
    OGRGeometryH g = wkt("POLYGON ((0 0,1 0,1 1,0 1,0 0))");
    assert_int_equal(gv_geom_clean(g, &out, NULL, NULL), GV_OK);
    assert_non_null(out);
    OGR_G_DestroyGeometry(out);
    OGR_G_DestroyGeometry(g);
}

/* "A B A": 3 points, closed: nothing left after the ring is dropped. A
 * valid shell with a 3-point hole: the hole goes, the shell stays. */
static void test_too_few(void **state) {
    (void)state;
    assert_null(clean(wkt("POLYGON ((0 0,1 0,0 0))"), GV_GEOM_TOO_FEW, NULL));
    OGRGeometryH o = clean(wkt("POLYGON ((0 0,10 0,10 10,0 10,0 0),(2 2,3 3,2 2))"), GV_GEOM_TOO_FEW, NULL);
    assert_non_null(o);
    assert_int_equal(OGR_G_GetGeometryCount(OGR_G_GetGeometryRef(o, 0)), 1);
    assert_true(fabs(area(o) - 100.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
    /* All points equal: duplicates removed, then too few. */
    assert_null(clean(wkt("POLYGON ((1 1,1 1,1 1,1 1))"), GV_GEOM_TOO_FEW | GV_GEOM_DUP_POINTS, NULL));
}

/* 1 m × 10 km east-west strip at 21°N: 1 m of latitude is
 * 1/110 700° = 9.03e-6°; 10 km of longitude at 21°N is
 * 10 000 / (111 320 cos 21°) = 0.0962°. Mean width 2A/P ≈ 9e-6° < 5e-5°.
 * A 100 m × 10 km strip (9.03e-4° wide) is not a sliver. */
static void test_sliver(void **state) {
    (void)state;
    gv_geom_report rep;
    OGRGeometryH o = clean(wkt("POLYGON ((105.8 21.0,105.8962 21.0,105.8962 21.00000903,105.8 21.00000903,105.8 21.0))"),
                           GV_GEOM_SLIVER, &rep);
    assert_non_null(o); /* reported, kept */
    assert_non_null(strstr(rep.detail, "sliver"));
    OGR_G_DestroyGeometry(o);
    o = clean(wkt("POLYGON ((105.8 21.0,105.8962 21.0,105.8962 21.000903,105.8 21.000903,105.8 21.0))"), 0, NULL);
    OGR_G_DestroyGeometry(o);
    /* A commune with a sliver part beside it (part 1). */
    o = clean(wkt("MULTIPOLYGON (((105.0 21.0,105.1 21.0,105.1 21.1,105.0 21.1,105.0 21.0)),"
                  "((105.2 21.0,105.2962 21.0,105.2962 21.00000903,105.2 21.00000903,105.2 21.0)))"),
              GV_GEOM_SLIVER, &rep);
    assert_int_equal(nparts(o), 2);
    assert_non_null(strstr(rep.detail, "part 1"));
    OGR_G_DestroyGeometry(o);
    /* In metres (VN-2000 / UTM 48N near Hà Nội): 1 m × 10 km. */
    o = clean(wkt("POLYGON ((580000 2320000,590000 2320000,590000 2320001,580000 2320001,580000 2320000))"),
              GV_GEOM_SLIVER, NULL);
    OGR_G_DestroyGeometry(o);
    o = clean(wkt("POLYGON ((580000 2320000,590000 2320000,590000 2320100,580000 2320100,580000 2320000))"), 0,
              NULL);
    OGR_G_DestroyGeometry(o);
}

/* Hole (20..21)² outside its 10 × 10 shell: GEOS 3.11's STRUCTURE method
 * keeps such a ring as a polygon of its own (typically an island whose
 * ring got the hole orientation): 100 + 1 = 101 in 2 parts. Overlapping
 * parts (0..2)² and (1..3)²: union 4 + 4 - 1 = 7, one part. */
static void test_hole_outside_overlap(void **state) {
    (void)state;
    gv_geom_report rep;
    OGRGeometryH o = clean(wkt("POLYGON ((0 0,10 0,10 10,0 10,0 0),(20 20,20 21,21 21,21 20,20 20))"),
                           GV_GEOM_INVALID, &rep);
    assert_non_null(o);
    assert_int_equal(nparts(o), 2);
    assert_true(fabs(area(o) - 101.0) < 1e-9);
    assert_string_equal(rep.detail, "Hole lies outside shell[20 20]");
    OGR_G_DestroyGeometry(o);

    o = clean(wkt("MULTIPOLYGON (((0 0,2 0,2 2,0 2,0 0)),((1 1,3 1,3 3,1 3,1 1)))"), GV_GEOM_INVALID, NULL);
    assert_non_null(o);
    assert_int_equal(nparts(o), 1);
    assert_true(fabs(area(o) - 7.0) < 1e-9);
    OGR_G_DestroyGeometry(o);

    /* Hole crossing the shell edge: (8..12)×(4..6) over a 10×10 shell:
     * STRUCTURE removes the overlap 2×2 = 4: 96. */
    o = clean(wkt("POLYGON ((0 0,10 0,10 10,0 10,0 0),(8 4,8 6,12 6,12 4,8 4))"), GV_GEOM_INVALID, NULL);
    assert_non_null(o);
    assert_true(fabs(area(o) - 96.0) < 1e-9);
    OGR_G_DestroyGeometry(o);

    /* Collapsed (all collinear): invalid, nothing polygonal left. */
    assert_null(clean(wkt("POLYGON ((0 0,1 1,2 2,0 0))"), GV_GEOM_INVALID, NULL));
}

/* NaN vertex dropped (INVALID), the rest is a valid square. */
static void test_nonfinite(void **state) {
    (void)state;
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, 0, 0);
    OGR_G_AddPoint_2D(ring, 1, 0);
    OGR_G_AddPoint_2D(ring, NAN, 0.5);
    OGR_G_AddPoint_2D(ring, 1, 1);
    OGR_G_AddPoint_2D(ring, 0, 1);
    OGR_G_AddPoint_2D(ring, 0, 0);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGRGeometryH o = clean(poly, GV_GEOM_INVALID, NULL);
    assert_non_null(o);
    assert_int_equal(npoints(o, 0, 0), 5);
    assert_true(fabs(area(o) - 1.0) < 1e-12);
    OGR_G_DestroyGeometry(o);
}

/* Curve polygon: linearised, then clean. */
static void test_curve(void **state) {
    (void)state;
    OGRGeometryH o = clean(wkt("CURVEPOLYGON (CIRCULARSTRING (0 0,2 0,0 0))"), 0, NULL);
    assert_non_null(o);
    /* Circle of radius 1: area pi within linearisation error. */
    assert_true(fabs(area(o) - M_PI) < 0.01);
    OGR_G_DestroyGeometry(o);
}

/* ---------------------------------------------------------------- fuzz */

/* xorshift64*: fixed, platform-independent sequence. */
static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}
static unsigned rnd(uint64_t *s, unsigned n) { return (unsigned)(rng_next(s) >> 33) % n; }

static double coord(uint64_t *s) {
    switch (rnd(s, 40)) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 1e300;
    case 4: return -1e308;
    case 5: return 1e15 + rnd(s, 3);
    case 6: return 5e-324; /* denormal */
    case 7: return -9.9e11 + rnd(s, 3); /* just inside the 1e12 cut-off */
    default:
        /* A coarse grid makes repeats, collinear runs and crossings
         * common; sometimes fine values near Hà Nội. */
        if (rnd(s, 4) == 0) return 105.8 + (double)rnd(s, 1000) * 1e-7;
        return (double)rnd(s, 6);
    }
}

static OGRGeometryH random_polygon(uint64_t *s, int z) {
    OGRGeometryH p = OGR_G_CreateGeometry(z ? wkbPolygon25D : wkbPolygon);
    unsigned nr = 1 + rnd(s, 3);
    for (unsigned r = 0; r < nr; r++) {
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        unsigned np = rnd(s, 10);
        double x0 = 0, y0 = 0;
        for (unsigned k = 0; k < np; k++) {
            double x = coord(s), y = coord(s);
            if (k == 0) { x0 = x; y0 = y; }
            if (z) OGR_G_AddPoint(ring, x, y, coord(s));
            else OGR_G_AddPoint_2D(ring, x, y);
        }
        if (np && rnd(s, 3)) { /* usually closed */
            if (z) OGR_G_AddPoint(ring, x0, y0, 0);
            else OGR_G_AddPoint_2D(ring, x0, y0);
        }
        OGR_G_AddGeometryDirectly(p, ring);
    }
    return p;
}

static void test_fuzz(void **state) {
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ULL; /* fixed seed; keep any that fails */
    int nvalid = 0, nnull = 0, nrepaired = 0, nfailed = 0;
    for (int it = 0; it < 2000; it++) {
        int z = rnd(&s, 5) == 0;
        OGRGeometryH g;
        switch (rnd(&s, 4)) {
        case 0: {
            g = OGR_G_CreateGeometry(wkbMultiPolygon);
            unsigned n = 1 + rnd(&s, 3);
            for (unsigned i = 0; i < n; i++) OGR_G_AddGeometryDirectly(g, random_polygon(&s, z));
            break;
        }
        case 1: {
            g = OGR_G_CreateGeometry(wkbGeometryCollection);
            OGR_G_AddGeometryDirectly(g, random_polygon(&s, z));
            OGRGeometryH l = OGR_G_CreateGeometry(wkbLineString);
            OGR_G_AddPoint_2D(l, coord(&s), coord(&s));
            OGR_G_AddPoint_2D(l, coord(&s), coord(&s));
            OGR_G_AddGeometryDirectly(g, l);
            break;
        }
        default: g = random_polygon(&s, z);
        }
        gv_geom_report rep;
        void *out = (void *)1;
        assert_int_equal(gv_geom_clean(g, &out, &rep, NULL), GV_OK);
        OGRGeometryH o = out;
        if (o) {
            if (!OGR_G_IsValid(o) || wkbFlatten(OGR_G_GetGeometryType(o)) != wkbMultiPolygon || OGR_G_Is3D(o) ||
                OGR_G_IsEmpty(o) || (rep.flags & GV_GEOM_REPAIR_FAILED))
                fail_msg("iteration %d: bad output, flags 0x%x, %s", it, rep.flags, rep.detail);
            /* Closed rings, finite coordinates, no consecutive repeats. */
            for (int p = 0; p < OGR_G_GetGeometryCount(o); p++) {
                OGRGeometryH poly = OGR_G_GetGeometryRef(o, p);
                for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
                    OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
                    int n = OGR_G_GetPointCount(ring);
                    assert_true(n >= 4);
                    assert_true(OGR_G_GetX(ring, 0) == OGR_G_GetX(ring, n - 1) &&
                                OGR_G_GetY(ring, 0) == OGR_G_GetY(ring, n - 1));
                    for (int k = 0; k < n; k++) {
                        assert_true(isfinite(OGR_G_GetX(ring, k)) && isfinite(OGR_G_GetY(ring, k)));
                        if (k) assert_false(OGR_G_GetX(ring, k) == OGR_G_GetX(ring, k - 1) &&
                                            OGR_G_GetY(ring, k) == OGR_G_GetY(ring, k - 1));
                    }
                }
            }
            nvalid++;
            if (rep.flags & GV_GEOM_INVALID) nrepaired++;
            OGR_G_DestroyGeometry(o);
        } else {
            nnull++;
            if (rep.flags & GV_GEOM_REPAIR_FAILED) nfailed++;
        }
        /* OGR may homogenise dimensions when parts are added (a Z
         * polygon in a 2D collection), so ask the built geometry. */
        if ((OGR_G_Is3D(g) || OGR_G_IsMeasured(g)) && !(rep.flags & GV_GEOM_ZM))
            fail_msg("iteration %d: Z/M not reported, flags 0x%x", it, rep.flags);
        OGR_G_DestroyGeometry(g);
    }
    print_message("fuzz: %d polygonal, %d NULL (%d repair failed), %d repaired\n", nvalid, nnull, nfailed,
                  nrepaired);
    /* The generator must actually exercise both outcomes and repairs. */
    assert_true(nvalid > 100);
    assert_true(nnull > 100);
    assert_true(nrepaired > 50);
}

/* -------------------------------------------------------------- flags */

static void test_flag_strings(void **state) {
    (void)state;
    assert_string_equal(gv_geom_flag_str(GV_GEOM_NULL), "null");
    assert_string_equal(gv_geom_flag_str(GV_GEOM_EMPTY), "empty");
    assert_string_equal(gv_geom_flag_str(GV_GEOM_DUP_POINTS), "duplicate points");
    assert_string_equal(gv_geom_flag_str(GV_GEOM_REPAIR_FAILED), "repair failed");
    assert_string_equal(gv_geom_flag_str(0), "unknown");
    assert_string_equal(gv_geom_flag_str(GV_GEOM_NULL | GV_GEOM_EMPTY), "unknown");
    for (unsigned f = 1; f <= GV_GEOM_REPAIR_FAILED; f <<= 1) assert_string_not_equal(gv_geom_flag_str(f), "unknown");
    char buf[256];
    assert_int_equal(gv_geom_flags_describe(GV_GEOM_DUP_POINTS | GV_GEOM_INVALID, buf, sizeof buf), GV_OK);
    assert_string_equal(buf, "invalid (made valid), duplicate points (removed)");
    assert_int_equal(gv_geom_flags_describe(0, buf, sizeof buf), GV_OK);
    assert_string_equal(buf, "");
    char small[10];
    assert_int_equal(gv_geom_flags_describe(GV_GEOM_INVALID, small, sizeof small), GV_EUSAGE);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(gv_geom_flags_describe(GV_GEOM_INVALID, NULL, 0), GV_EUSAGE);
}

/* ------------------------------------------------------------- extent */

static void test_extent(void **state) {
    (void)state;
    char adv[512];
    const double vn[4] = {102.14, 7.18, 117.83, 23.39};
    assert_int_equal(gv_extent_diagnose(vn, 1, 1, adv, sizeof adv), GV_EXTENT_OK);
    assert_int_equal(gv_extent_diagnose(vn, 0, 0, adv, sizeof adv), GV_EXTENT_NO_CRS_DEGREES);
    assert_non_null(strstr(adv, "EPSG:4326"));

    const double swapped[4] = {7.18, 102.14, 23.39, 117.83};
    assert_int_equal(gv_extent_diagnose(swapped, 1, 1, adv, sizeof adv), GV_EXTENT_SWAPPED);
    assert_int_equal(gv_extent_diagnose(swapped, 0, 0, adv, sizeof adv), GV_EXTENT_SWAPPED);

    /* Mainland in UTM 48N metres (x 100 000..900 000, y 900 000..2 600 000)
     * with no CRS. */
    const double utm[4] = {180000, 950000, 880000, 2590000};
    assert_int_equal(gv_extent_diagnose(utm, 0, 0, adv, sizeof adv), GV_EXTENT_METRES_AS_DEGREES);
    assert_non_null(strstr(adv, "EPSG:3405"));
    assert_non_null(strstr(adv, "EPSG:32648"));

    /* Hà Nội in EPSG:3405 (VN-2000 / UTM 48N), a geographic CRS claimed. */
    const double hanoi[4] = {553000, 2287000, 637000, 2362000};
    assert_int_equal(gv_extent_diagnose(hanoi, 1, 1, adv, sizeof adv), GV_EXTENT_METRES_AS_DEGREES);
    assert_non_null(strstr(adv, "EPSG:3405"));
    /* ... and with its real projected CRS: plausible. */
    assert_int_equal(gv_extent_diagnose(hanoi, 1, 0, adv, sizeof adv), GV_EXTENT_OK);
    /* Degrees under a projected .prj. */
    assert_int_equal(gv_extent_diagnose(vn, 1, 0, adv, sizeof adv), GV_EXTENT_OUTSIDE);

    /* Web Mercator far beyond VN metres: still metres-as-degrees, generic
     * advice. */
    const double merc[4] = {11370000, 2300000, 11800000, 2700000};
    assert_int_equal(gv_extent_diagnose(merc, 0, 0, adv, sizeof adv), GV_EXTENT_METRES_AS_DEGREES);
    assert_null(strstr(adv, "EPSG:3405"));

    const double paris[4] = {2.22, 48.81, 2.47, 48.90};
    assert_int_equal(gv_extent_diagnose(paris, 1, 1, adv, sizeof adv), GV_EXTENT_OUTSIDE);
    assert_int_equal(gv_extent_diagnose(paris, 0, 0, adv, sizeof adv), GV_EXTENT_OUTSIDE);

    /* Vietnam plus a stray feature at (0, 0). */
    const double island[4] = {0, 0, 117.83, 23.39};
    assert_int_equal(gv_extent_diagnose(island, 1, 1, adv, sizeof adv), GV_EXTENT_OUTSIDE);
    assert_non_null(strstr(adv, "(0, 0)"));

    const double empty[4] = {NAN, NAN, NAN, NAN};
    assert_int_equal(gv_extent_diagnose(empty, 1, 1, adv, sizeof adv), GV_EXTENT_EMPTY);
    const double inverted[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    assert_int_equal(gv_extent_diagnose(inverted, 1, 1, NULL, 0), GV_EXTENT_EMPTY);
    /* A tiny advice buffer is truncated, not overrun. */
    char tiny[8];
    assert_int_equal(gv_extent_diagnose(vn, 1, 1, tiny, sizeof tiny), GV_EXTENT_OK);
    assert_true(strlen(tiny) < sizeof tiny);
}

int main(void) {
    OGRRegisterAll();
    /* OGR warns when the tests build open rings on purpose. */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bowtie),
        cmocka_unit_test(test_self_touching),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_unclosed),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_zm),
        cmocka_unit_test(test_collection),
        cmocka_unit_test(test_not_polygon_empty_null),
        cmocka_unit_test(test_too_few),
        cmocka_unit_test(test_sliver),
        cmocka_unit_test(test_hole_outside_overlap),
        cmocka_unit_test(test_nonfinite),
        cmocka_unit_test(test_curve),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_flag_strings),
        cmocka_unit_test(test_extent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
