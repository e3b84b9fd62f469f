/* test_layer_geom.c: geometry checks and repair while reading a layer
 * (engine/layer.c + engine/ringcheck.c) and the extent sanity at open.
 * Every file is written by the test (GeoJSON as text, Shapefiles and
 * GeoPackages through OGR). Expected flags follow geomcheck.h; expected
 * areas are worked out by hand in degrees² (shoelace of the rings the
 * layer hands back) and, for km², compared with a hand-written valid
 * geometry of the same shape read from the same file (no repair involved).
 * Then the cheap validity test is checked against GEOS on 3000 random
 * small polygons: it may send a valid polygon to GEOS, but must never call
 * an invalid one valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gdal.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/geomcheck.h"
#include "geovoice/join.h"
#include "geovoice/layer.h"
#include "geovoice/table.h"
#include "ringcheck.h"
#include "testutil.h"

#define assert_near(a, b, tol)                                                                    \
    do {                                                                                         \
        double a_ = (a), b_ = (b);                                                               \
        if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, want %.17g (+-%g)", #a, a_, b_, (double)(tol)); \
    } while (0)

static const char *dir(void) {
    static char d[4096];
    if (!d[0]) snprintf(d, sizeof d, "%s", tu_tmpdir("layer_geom"));
    return d;
}

/* Features 0-11, in this order (FIDs 0-11). SQ is the unit square
 * 105..106 E x 20..21 N written cleanly (feature 11 is that reference). */
static const char *DIRTY =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    /* 0 bow-tie: edges (105,20)-(106,21) and (106,20)-(105,21) cross at
     * (105.5, 20.5). MakeValid gives two triangles (105,20) (105.5,20.5)
     * (105,21) and (106,20) (106,21) (105.5,20.5): each 1 x 0.5 / 2 =
     * 0.25 deg², together 0.5 deg². */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\",\"name\":\"Bow\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,21],[106,20],[105,21],[105,20]]]}},\n"
    /* 1 unclosed: SQ without its closing point -> closed, 5 points. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\",\"name\":\"Open\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,21],[105,21]]]}},\n"
    /* 2 duplicate point (106,20) twice -> removed, 5 points. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"03\",\"name\":\"Dup\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,20],[106,21],[105,21],[105,20]]]}},\n"
    /* 3 NULL geometry. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"04\",\"name\":\"Null\"},\"geometry\":null},\n"
    /* 4 collection of a point and SQ: polygon kept, point ignored. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"05\",\"name\":\"Coll\"},\"geometry\":{\"type\":"
    "\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[105,20]},{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}]}},\n"
    /* 5 SQ with Z = 5 -> Z dropped. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"06\",\"name\":\"Z\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20,5],[106,20,5],[106,21,5],[105,21,5],[105,20,5]]]}},\n"
    /* 6 sliver 1 deg x 1e-5 deg: mean width 2A/P = 2e-5 / (2 + 2e-5)
     * = 9.9999e-6 < 5e-5. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"07\",\"name\":\"Sliver\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,20.00001],[105,20.00001],[105,20]]]}},\n"
    /* 7 two overlapping 0.2 deg squares: union 0.04 + 0.04 - 0.01 (the
     * 0.1 x 0.1 overlap) = 0.07 deg². */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"08\",\"name\":\"Overlap\"},\"geometry\":{\"type\":"
    "\"MultiPolygon\",\"coordinates\":[[[[105,20],[105.2,20],[105.2,20.2],[105,20.2],[105,20]]],"
    "[[[105.1,20.1],[105.3,20.1],[105.3,20.3],[105.1,20.3],[105.1,20.1]]]]}},\n"
    /* 8 SQ with a hole touching the shell at (105,20): valid (OGC allows
     * one touching point), so the cheap test defers to GEOS, which keeps
     * it: no flag. Area 1 - hole; hole (105,20) (105.5,20.8) (105.8,20.5):
     * |0.5*0.5 - 0.8*0.8| / 2 = 0.195 deg². */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"09\",\"name\":\"Touch\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]],[[105,20],[105.5,20.8],[105.8,20.5],"
    "[105,20]]]}},\n"
    /* 9 reference for 0: the two triangles as a valid MultiPolygon. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"10\",\"name\":\"BowRef\"},\"geometry\":{\"type\":"
    "\"MultiPolygon\",\"coordinates\":[[[[105,20],[105.5,20.5],[105,21],[105,20]]],"
    "[[[106,20],[106,21],[105.5,20.5],[106,20]]]]}},\n"
    /* 10 reference for 7: the union outline (an L-shaped octagon). */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"11\",\"name\":\"OverlapRef\"},\"geometry\":{\"type\":"
    "\"Polygon\",\"coordinates\":[[[105,20],[105.2,20],[105.2,20.1],[105.3,20.1],[105.3,20.3],[105.1,20.3],"
    "[105.1,20.2],[105,20.2],[105,20]]]}},\n"
    /* 11 SQ, clean. */
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"12\",\"name\":\"Square\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}}\n"
    "]}\n";

static gv_layer *open_ok(const char *p) {
    gv_layer *l = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_layer_open(p, NULL, NULL, &l, &err);
    if (rc != GV_OK) fail_msg("gv_layer_open(%s): %d %s", p, rc, err.msg);
    return l;
}

/* Planar area (deg²) of feature i from the rings the layer hands back:
 * outer rings minus holes (a ring is a hole when it is not the first of
 * its part), and its vertex count. */
static double planar(const gv_layer *l, size_t i, size_t *npts) {
    const double *xy;
    const size_t *off;
    const int *part;
    size_t nr;
    gv_layer_rings(l, i, &xy, &off, &part, &nr);
    double sum = 0;
    *npts = 0;
    for (size_t r = 0; r < nr; r++) {
        double a = 0;
        for (size_t q = off[r]; q + 1 < off[r + 1]; q++) a += xy[2 * q] * xy[2 * q + 3] - xy[2 * q + 2] * xy[2 * q + 1];
        int hole = r > 0 && part[r] == part[r - 1];
        sum += hole ? -fabs(a) / 2 : fabs(a) / 2;
        *npts += off[r + 1] - off[r];
    }
    return sum;
}

static void expect_flags(const gv_layer *l, size_t i, unsigned want) {
    gv_geom_report r;
    assert_int_equal(gv_layer_geom_report(l, i, &r), GV_OK);
    if (r.flags != want) {
        char a[256], b[256];
        gv_geom_flags_describe(r.flags, a, sizeof a);
        gv_geom_flags_describe(want, b, sizeof b);
        fail_msg("feature %zu: flags 0x%x [%s], want 0x%x [%s]; detail %s", i, r.flags, a, want, b, r.detail);
    }
}

static void test_dirty_features(void **state) {
    (void)state;
    const char *p = tu_path("%s/dirty.geojson", dir());
    assert_int_equal(tu_write_file(p, DIRTY), 0);
    gv_layer *l = open_ok(p);
    assert_int_equal(gv_layer_count(l), 12);
    expect_flags(l, 0, GV_GEOM_INVALID);
    expect_flags(l, 1, GV_GEOM_UNCLOSED);
    expect_flags(l, 2, GV_GEOM_DUP_POINTS);
    expect_flags(l, 3, GV_GEOM_NULL);
    expect_flags(l, 4, GV_GEOM_COLLECTION | GV_GEOM_NOT_POLYGON);
    expect_flags(l, 5, GV_GEOM_ZM);
    expect_flags(l, 6, GV_GEOM_SLIVER);
    expect_flags(l, 7, GV_GEOM_INVALID);
    expect_flags(l, 8, 0);
    expect_flags(l, 9, 0);
    expect_flags(l, 10, 0);
    expect_flags(l, 11, 0);
    gv_geom_report r;
    gv_layer_geom_report(l, 0, &r);
    /* GEOS names the crossing point. */
    assert_non_null(strstr(r.detail, "Self-intersection[105.5 20.5]"));
    assert_int_equal(gv_layer_geom_report(l, 12, &r), GV_EUSAGE);

    size_t n;
    /* Repaired bow-tie: two triangles, 2 x 4 points, 0.5 deg². */
    assert_near(planar(l, 0, &n), 0.5, 1e-12);
    assert_int_equal(n, 8);
    /* Square fixed three ways: 1 deg², 5 points each. */
    for (size_t i = 1; i <= 5; i++) {
        if (i == 3) continue;
        assert_near(planar(l, i, &n), 1.0, 1e-12);
        assert_int_equal(n, 5);
        /* Same vertices as the clean square: the same km², bit for bit. */
        assert_true(gv_layer_area_km2(l, i) == gv_layer_area_km2(l, 11));
    }
    assert_near(planar(l, 7, &n), 0.07, 1e-12);
    assert_near(planar(l, 8, &n), 1 - 0.195, 1e-12);
    /* km² of the repaired shapes = km² of the hand-written valid ones. */
    assert_near(gv_layer_area_km2(l, 0) / gv_layer_area_km2(l, 9), 1.0, 1e-9);
    assert_near(gv_layer_area_km2(l, 7) / gv_layer_area_km2(l, 10), 1.0, 1e-9);
    /* NULL: no area, no crash, still a feature with its attributes. */
    assert_true(isnan(gv_layer_area_km2(l, 3)));
    assert_string_equal(gv_layer_value(l, 3, (size_t)gv_layer_field_index(l, "code")), "04");
    assert_int_equal(gv_layer_n_empty(l), 1);

    char sum[400];
    /* 8 features with a problem; counts per flag from the list above. */
    assert_int_equal(gv_layer_geom_summary(l, sum, sizeof sum), 8);
    assert_string_equal(sum, "8 of 12 features: 1 null (no geometry), 2 invalid (made valid), 1 not polygon "
                             "(ignored), 1 collection (polygons extracted), 1 unclosed (closed), 1 duplicate "
                             "points (removed), 1 zm (dropped), 1 sliver (reported)");
    gv_layer_free(l);
}

/* Units without geometry still join and are counted as matched. */
static void test_null_geometry_joins(void **state) {
    (void)state;
    const char *p = tu_path("%s/dirty.geojson", dir());
    assert_int_equal(tu_write_file(p, DIRTY), 0);
    const char *csv = tu_path("%s/pop.csv", dir());
    assert_int_equal(tu_write_file(csv, "code,pop\n04,100\n12,200\n99,5\n"), 0);
    gv_layer *l = open_ok(p);
    gv_table *t = NULL;
    assert_int_equal(gv_table_read_csv(csv, NULL, &t, NULL), GV_OK);
    gv_join_options o;
    memset(&o, 0, sizeof o);
    o.unit_field = "code";
    o.table_col = "code";
    o.table_name_col = "";
    o.unit_name_field = "";
    gv_join *j = NULL;
    assert_int_equal(gv_join_run(l, t, &o, &j, NULL), GV_OK);
    /* rows 04 (the NULL feature) and 12 match; 99 has no unit. */
    assert_int_equal(gv_join_units_matched(j), 2);
    assert_int_equal(gv_join_row_unit(j, 0), 3);
    assert_int_equal(gv_join_rows_unmatched(j), 1);
    assert_int_equal(gv_join_units_nodata(j), 10);
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
}

/* Writes a layer through OGR: driver, one square polygon per ring given as
 * x0 y0 x1 y1, no SRS (epsg 0) or the EPSG code. An empty polygon when the
 * box is all zeros. */
static void write_ogr(const char *drvname, const char *path, int epsg, const double (*boxes)[4], int n) {
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName(drvname);
    assert_non_null(drv);
    GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    OGRSpatialReferenceH srs = NULL;
    if (epsg) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, epsg);
    }
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "units", srs, wkbPolygon, NULL);
    assert_non_null(lyr);
    OGRFieldDefnH fd = OGR_Fld_Create("code", OFTString);
    OGR_L_CreateField(lyr, fd, 1);
    OGR_Fld_Destroy(fd);
    for (int k = 0; k < n; k++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        char code[8];
        snprintf(code, sizeof code, "%02d", k + 1);
        OGR_F_SetFieldString(f, 0, code);
        OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
        const double *b = boxes[k];
        if (b[0] || b[1] || b[2] || b[3]) {
            OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
            OGR_G_AddPoint_2D(ring, b[0], b[1]);
            OGR_G_AddPoint_2D(ring, b[2], b[1]);
            OGR_G_AddPoint_2D(ring, b[2], b[3]);
            OGR_G_AddPoint_2D(ring, b[0], b[3]);
            OGR_G_AddPoint_2D(ring, b[0], b[1]);
            OGR_G_AddGeometryDirectly(poly, ring);
        }
        OGR_F_SetGeometryDirectly(f, poly);
        assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    if (srs) OSRDestroySpatialReference(srs);
    GDALClose(ds);
}

static void test_extent_errors(void **state) {
    (void)state;
    gv_layer *l = NULL;
    gv_error err;
    /* Swapped: GeoJSON (always WGS 84) holding lat as x, lon as y. */
    const char *sw = tu_path("%s/swapped.geojson", dir());
    assert_int_equal(tu_write_file(sw, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                                       "\"properties\":{\"code\":\"01\"},\"geometry\":{\"type\":\"Polygon\","
                                       "\"coordinates\":[[[20,105],[20,106],[21,106],[21,105],[20,105]]]}}]}\n"),
                     0);
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(sw, NULL, NULL, &l, &err), GV_EDATA);
    assert_null(l);
    assert_non_null(strstr(err.msg, sw));
    assert_non_null(strstr(err.msg, "swap the axes"));
    assert_int_equal(gv_layer_open_lenient(sw, NULL, NULL, &l, &err), GV_OK);
    const char *adv;
    assert_int_equal(gv_layer_extent(l, &adv), GV_EXTENT_SWAPPED);
    gv_layer_free(l);

    /* VN-2000 / UTM 48N metres in a Shapefile without .prj: x 500-600 km,
     * y 2200-2300 km (about 105-106 E, 20 N). */
    const double m[1][4] = {{500000, 2200000, 600000, 2300000}};
    const char *shp = tu_path("%s/vn2000.shp", dir());
    write_ogr("ESRI Shapefile", shp, 0, m, 1);
    assert_false(tu_exists(tu_path("%s/vn2000.prj", dir())));
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(shp, NULL, NULL, &l, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, shp));
    assert_non_null(strstr(err.msg, "EPSG:3405"));
    assert_int_equal(gv_layer_open_lenient(shp, NULL, NULL, &l, &err), GV_OK);
    assert_int_equal(gv_layer_extent(l, NULL), GV_EXTENT_METRES_AS_DEGREES);
    assert_string_equal(gv_layer_crs(l), "");
    assert_string_equal(gv_layer_driver(l), "ESRI Shapefile");
    gv_layer_free(l);

    /* Degrees without .prj: opens, EPSG:4326 assumed and said. */
    const double d[2][4] = {{105, 20, 106, 21}, {0, 0, 0, 0}};
    const char *shp2 = tu_path("%s/noprj.shp", dir());
    write_ogr("ESRI Shapefile", shp2, 0, d, 1);
    l = open_ok(shp2);
    assert_int_equal(gv_layer_extent(l, &adv), GV_EXTENT_NO_CRS_DEGREES);
    assert_non_null(strstr(adv, "assuming EPSG:4326"));
    /* Shapefiles store outer rings clockwise: OGR gives them back so; it
     * is noted (orientation), not a problem. */
    gv_layer_free(l);

    /* Degrees under a projected CRS (a wrong .prj): an error. */
    const char *gp = tu_path("%s/wrongprj.gpkg", dir());
    write_ogr("GPKG", gp, 32648, d, 1);
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(gp, NULL, NULL, &l, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "assign EPSG:4326"));

    /* An EMPTY polygon (GeoPackage keeps it as empty, not NULL). */
    const char *ge = tu_path("%s/empty.gpkg", dir());
    write_ogr("GPKG", ge, 4326, d, 2);
    l = open_ok(ge);
    assert_int_equal(gv_layer_count(l), 2);
    assert_int_equal(gv_layer_extent(l, NULL), GV_EXTENT_OK);
    assert_string_equal(gv_layer_crs(l), "EPSG:4326 WGS 84");
    expect_flags(l, 1, GV_GEOM_EMPTY);
    gv_layer_free(l);
}

/* ------------------------------------------------ cheap test vs GEOS */

static unsigned long long rng = 88172645463325252ULL;
static double rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Random features of 1-3 polygons, each a shell of 3-7 vertices on a
 * coarse grid (so touching and collinear cases are frequent) and maybe a
 * hole. Whenever the cheap test says "certainly valid", GEOS must agree. */
static void test_cheap_vs_geos(void **state) {
    (void)state;
    GEOSContextHandle_t h = GEOS_init_r();
    gv_ringcheck_scratch scr;
    memset(&scr, 0, sizeof scr);
    int certain = 0, deferred = 0;
    for (int it = 0; it < 3000; it++) {
        double xy[2 * 64];
        size_t off[12], np = 0, nr = 0;
        unsigned char hole[11];
        int part[11];
        int nparts = 1 + (int)(rnd() * 3);
        for (int p = 0; p < nparts; p++) {
            int nrings = rnd() < 0.3 ? 2 : 1;
            for (int r = 0; r < nrings; r++) {
                int nv = 3 + (int)(rnd() * 5);
                off[nr] = np;
                double cx = (int)(rnd() * 6), cy = (int)(rnd() * 6), rad = r ? 1 : 2 + (int)(rnd() * 3);
                for (int v = 0; v < nv; v++) {
                    /* star-ish around the centre, snapped to a 0.5 grid */
                    double ang = 2 * M_PI * v / nv + rnd() * 0.5, rr = rad * (0.3 + rnd());
                    xy[2 * np] = round(2 * (cx + rr * cos(ang))) / 2;
                    xy[2 * np + 1] = round(2 * (cy + rr * sin(ang))) / 2;
                    np++;
                }
                unsigned fl = 0;
                size_t m = gv__ring_compact(xy + 2 * off[nr], np - off[nr], &fl, NULL);
                if (m < 4) { np = off[nr]; if (r == 0) break; continue; }
                np = off[nr] + m;
                hole[nr] = (unsigned char)(r > 0);
                part[nr] = p;
                nr++;
                off[nr] = np;
            }
        }
        if (!nr) continue;
        int v = gv__rings_certainly_valid(xy, off, hole, part, nr, &scr);
        assert_true(v == 0 || v == 1);
        if (!v) { deferred++; continue; }
        certain++;
        /* Build the same MultiPolygon in GEOS. */
        GEOSGeometry *polys[11];
        size_t npoly = 0;
        for (size_t r = 0; r < nr;) {
            size_t r1 = r + 1;
            while (r1 < nr && part[r1] == part[r]) r1++;
            GEOSGeometry *shell = GEOSGeom_createLinearRing_r(
                h, GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[r], (unsigned)(off[r + 1] - off[r]), 0, 0));
            GEOSGeometry *holes[10];
            for (size_t k = r + 1; k < r1; k++)
                holes[k - r - 1] = GEOSGeom_createLinearRing_r(
                    h, GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[k], (unsigned)(off[k + 1] - off[k]), 0, 0));
            polys[npoly++] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)(r1 - r - 1));
            r = r1;
        }
        GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)npoly);
        char *reason = GEOSisValidReason_r(h, mp);
        if (GEOSisValid_r(h, mp) != 1) fail_msg("iteration %d: cheap test said valid, GEOS: %s", it, reason);
        GEOSFree_r(h, reason);
        GEOSGeom_destroy_r(h, mp);
    }
    /* Both answers must actually occur, or the test proves nothing. */
    assert_true(certain > 300);
    assert_true(deferred > 300);
    gv__ringcheck_scratch_free(&scr);
    GEOS_finish_r(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dirty_features),
        cmocka_unit_test(test_null_geometry_joins),
        cmocka_unit_test(test_extent_errors),
        cmocka_unit_test(test_cheap_vs_geos),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmtree(dir());
    return rc;
}
