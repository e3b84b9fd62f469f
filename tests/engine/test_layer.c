/* test_layer.c: cmocka tests of the boundary layer reader (engine/layer.c).
 * Small GeoJSON and GeoPackage files are written into a temp dir: a square
 * with a hole near Hà Nội (rings, closure, bbox, area against PROJ's
 * geodesic routines computed here independently), a MultiPolygon (part
 * numbering), the same square in UTM 48N / VN-2000 (reprojection back to
 * lon/lat), axis order of EPSG:4326 sources, a feature without geometry and
 * NFD attributes, the error contract, then the real 2019 provinces when the
 * shared data folder is present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <geodesic.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <gdal.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/layer.h"
#include "testutil.h"

/* Internal: the exact Karney area of feature i (engine/layer.c). */
extern double gv__layer_area_geodesic_km2(const gv_layer *l, size_t i);

/* ---------------------------------------------------------------- helpers */

static const char *dir(void) {
    static char d[4096];
    if (!*d) {
        const char *t = tu_tmpdir("layer");
        assert_non_null(t);
        snprintf(d, sizeof d, "%s", t);
    }
    return d;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* Appends printf text to a growing heap buffer. */
typedef struct sbuf { char *s; size_t n, cap; } sbuf;
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + (size_t)need + 1) nc *= 2;
        b->s = realloc(b->s, nc);
        assert_non_null(b->s);
        b->cap = nc;
    }
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)need;
}

/* A box ring (x0,y0)-(x1,y1) with `per_edge` segments per side, closed,
 * counter-clockwise (ccw=1) or clockwise, as lon/lat arrays (n+1 points). */
static size_t box_ring(double x0, double y0, double x1, double y1, int per_edge, int ccw, double *lon, double *lat) {
    size_t n = 0;
    const double cx[4] = {x0, x1, x1, x0}, cy[4] = {y0, y0, y1, y1};
    for (int e = 0; e < 4; e++) {
        int a = ccw ? e : (4 - e) % 4, b = ccw ? (e + 1) % 4 : (4 - e + 3) % 4;
        for (int k = 0; k < per_edge; k++) {
            double t = (double)k / per_edge;
            lon[n] = cx[a] + (cx[b] - cx[a]) * t;
            lat[n] = cy[a] + (cy[b] - cy[a]) * t;
            n++;
        }
    }
    lon[n] = lon[0];
    lat[n] = lat[0];
    return n + 1;
}

static void sb_ring(sbuf *b, const double *x, const double *y, size_t n) {
    sb_printf(b, "[");
    for (size_t i = 0; i < n; i++) sb_printf(b, "%s[%.10f,%.10f]", i ? "," : "", x[i], y[i]);
    sb_printf(b, "]");
}

/* Writes a one-feature GeoJSON: a square 105..106 x 20..21 with a hole
 * 105.4..105.6 x 20.4..20.6, per_edge segments per side. */
static const char *write_square(const char *name, int per_edge) {
    size_t cap = 4 * (size_t)per_edge + 1;
    double *ox = malloc(cap * sizeof(double)), *oy = malloc(cap * sizeof(double));
    double *hx = malloc(cap * sizeof(double)), *hy = malloc(cap * sizeof(double));
    size_t no = box_ring(105, 20, 106, 21, per_edge, 1, ox, oy);
    size_t nh = box_ring(105.4, 20.4, 105.6, 20.6, per_edge, 0, hx, hy);
    sbuf b = {0};
    sb_printf(&b, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                  "\"properties\":{\"code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[");
    sb_ring(&b, ox, oy, no);
    sb_printf(&b, ",");
    sb_ring(&b, hx, hy, nh);
    sb_printf(&b, "]}}]}\n");
    const char *p = tu_path("%s/%s", dir(), name);
    write_text(p, b.s);
    free(b.s);
    free(ox); free(oy); free(hx); free(hy);
    return p;
}

static gv_layer *must_open(const char *src, const char *layer, const char *where) {
    gv_layer *l = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_layer_open(src, layer, where, &l, &err);
    if (rc != GV_OK) fail_msg("gv_layer_open(%s): %d %s", src, rc, err.msg);
    assert_non_null(l);
    return l;
}

/* Karney area (km²) of one lon/lat ring given as the layer stores it
 * (closed, repeat left out), computed here independently of layer.c. */
static double geod_ring_km2(const double *xy, size_t a, size_t b) {
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    size_t n = b - a - 1; /* drop the closing repeat */
    double *lat = malloc(n * sizeof(double)), *lon = malloc(n * sizeof(double));
    for (size_t k = 0; k < n; k++) { lon[k] = xy[2 * (a + k)]; lat[k] = xy[2 * (a + k) + 1]; }
    double A = 0, P = 0;
    geod_polygonarea(&g, lat, lon, (int)n, &A, &P);
    free(lat);
    free(lon);
    return fabs(A) / 1e6;
}

/* Even-odd point in polygon over all rings of feature i. */
static int point_in_feature(const gv_layer *l, size_t i, double x, double y) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, i, &xy, &off, &part, &nr);
    int in = 0;
    for (size_t r = 0; r < nr; r++)
        for (size_t a = off[r], b = off[r + 1] - 1; a < off[r + 1]; b = a++) {
            double xa = xy[2 * a], ya = xy[2 * a + 1], xb = xy[2 * b], yb = xy[2 * b + 1];
            if ((ya > y) != (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) in = !in;
        }
    return in;
}

static void check_rings_closed(const gv_layer *l, size_t i) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, i, &xy, &off, &part, &nr);
    for (size_t r = 0; r < nr; r++) {
        size_t a = off[r], b = off[r + 1] - 1;
        assert_true(b > a + 2);
        assert_true(xy[2 * a] == xy[2 * b]);
        assert_true(xy[2 * a + 1] == xy[2 * b + 1]);
    }
}

/* ------------------------------------------------------------------ tests */

static void test_square_with_hole(void **state) {
    (void)state;
    gv_layer *l = must_open(write_square("square.geojson", 1), NULL, NULL);
    assert_int_equal(gv_layer_count(l), 1);
    assert_int_equal(gv_layer_n_empty(l), 0);
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, 0, &xy, &off, &part, &nr);
    assert_int_equal(nr, 2);
    assert_int_equal(part[0], 0);
    assert_int_equal(part[1], 0);
    /* 4 corners + the closing repeat per ring */
    assert_int_equal(off[1] - off[0], 5);
    assert_int_equal(off[2] - off[1], 5);
    assert_int_equal(gv_layer_nvertices(l), 10);
    check_rings_closed(l, 0);
    double bb[4];
    gv_layer_feature_bbox(l, 0, bb);
    assert_true(bb[0] == 105 && bb[1] == 20 && bb[2] == 106 && bb[3] == 21);
    gv_layer_bbox(l, bb);
    assert_true(bb[0] == 105 && bb[1] == 20 && bb[2] == 106 && bb[3] == 21);
    /* x is longitude */
    assert_true(xy[0] == 105 && xy[1] == 20);

    double want = geod_ring_km2(xy, off[0], off[1]) - geod_ring_km2(xy, off[1], off[2]);
    double exact = gv__layer_area_geodesic_km2(l, 0);
    double got = gv_layer_area_km2(l, 0);
    /* ~ 11 400 km² minus a 0.2° x 0.2° hole */
    assert_true(want > 11000 && want < 12000);
    if (fabs(exact - want) > 1e-9 * want) fail_msg("geodesic helper %.9f, PROJ here %.9f", exact, want);
    /* layer.h promises the geodesic (Karney) area. With only the four
     * corners, each edge is a geodesic of ~100 km. */
    double lon, lat;
    assert_int_equal(gv_layer_label_point(l, 0, &lon, &lat), GV_OK);
    assert_true(point_in_feature(l, 0, lon, lat));
    assert_true(lon > 105 && lon < 106 && lat > 20 && lat < 21);
    /* out of range */
    assert_true(isnan(gv_layer_area_km2(l, 1)));
    gv_layer_free(l);
    if (fabs(got - want) > 1e-6 * want)
        fail_msg("gv_layer_area_km2 = %.6f km², geodesic area = %.6f km² (rel. diff %.3g > 1e-6)", got, want,
                 fabs(got - want) / want);
}

/* The same square densified to ~1 km segments: the layer's fast area
 * (equal-area projection) must agree with the geodesic one to 1e-6. */
static void test_square_dense_area(void **state) {
    (void)state;
    gv_layer *l = must_open(write_square("square_dense.geojson", 100), NULL, NULL);
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, 0, &xy, &off, &part, &nr);
    assert_int_equal(nr, 2);
    assert_int_equal(off[1] - off[0], 401);
    check_rings_closed(l, 0);
    double want = geod_ring_km2(xy, off[0], off[1]) - geod_ring_km2(xy, off[1], off[2]);
    double exact = gv__layer_area_geodesic_km2(l, 0);
    double got = gv_layer_area_km2(l, 0);
    if (fabs(exact - want) > 1e-9 * want) fail_msg("geodesic helper %.9f, PROJ here %.9f", exact, want);
    if (fabs(got - want) > 1e-6 * want)
        fail_msg("gv_layer_area_km2 = %.6f, geodesic = %.6f (rel %.3g)", got, want, fabs(got - want) / want);
    gv_layer_free(l);
}

static void test_multipolygon_parts(void **state) {
    (void)state;
    const char *p = tu_path("%s/multi.geojson", dir());
    write_text(p,
               "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"77\"},"
               "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
               "[[[107,10],[107.5,10],[107.5,10.5],[107,10.5],[107,10]]],"
               "[[[108,11],[109,11],[109,12],[108,12],[108,11]],"
               " [[108.2,11.2],[108.2,11.4],[108.4,11.4],[108.4,11.2],[108.2,11.2]]]"
               "]}}]}\n");
    gv_layer *l = must_open(p, NULL, NULL);
    assert_int_equal(gv_layer_count(l), 1);
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, 0, &xy, &off, &part, &nr);
    assert_int_equal(nr, 3);
    assert_non_null(part);
    assert_int_equal(part[0], 0);
    assert_int_equal(part[1], 1);
    assert_int_equal(part[2], 1);
    check_rings_closed(l, 0);
    double bb[4];
    gv_layer_feature_bbox(l, 0, bb);
    assert_true(bb[0] == 107 && bb[1] == 10 && bb[2] == 109 && bb[3] == 12);
    double want = geod_ring_km2(xy, off[0], off[1]) + geod_ring_km2(xy, off[1], off[2]) -
                  geod_ring_km2(xy, off[2], off[3]);
    double exact = gv__layer_area_geodesic_km2(l, 0);
    if (fabs(exact - want) > 1e-9 * want) fail_msg("geodesic helper %.9f, PROJ here %.9f", exact, want);
    /* label point: in the larger part, outside its hole */
    double lon, lat;
    assert_int_equal(gv_layer_label_point(l, 0, &lon, &lat), GV_OK);
    assert_true(lon > 108 && lon < 109 && lat > 11 && lat < 12);
    assert_true(point_in_feature(l, 0, lon, lat));
    gv_layer_free(l);
}

/* lon/lat -> projected CRS `crs` with PROJ, traditional GIS order. */
static void to_crs(const char *crs, size_t n, const double *lon, const double *lat, double *x, double *y) {
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *P0 = proj_create_crs_to_crs(ctx, "EPSG:4326", crs, NULL);
    assert_non_null(P0);
    PJ *P = proj_normalize_for_visualization(ctx, P0);
    assert_non_null(P);
    for (size_t k = 0; k < n; k++) {
        PJ_COORD c = proj_trans(P, PJ_FWD, proj_coord(lon[k], lat[k], 0, 0));
        x[k] = c.xy.x;
        y[k] = c.xy.y;
        assert_true(isfinite(x[k]) && isfinite(y[k]));
    }
    proj_destroy(P);
    proj_destroy(P0);
    proj_context_destroy(ctx);
}

static void check_square_lonlat(const gv_layer *l, const double *lon, const double *lat, size_t n, double tol) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(l, 0, &xy, &off, &part, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(off[1] - off[0], n);
    for (size_t k = 0; k < n; k++) {
        double gx = xy[2 * (off[0] + k)], gy = xy[2 * (off[0] + k) + 1];
        if (fabs(gx - lon[k]) > tol || fabs(gy - lat[k]) > tol)
            fail_msg("vertex %zu: got (%.9f, %.9f), want lon/lat (%.9f, %.9f)", k, gx, gy, lon[k], lat[k]);
    }
}

static void test_utm_geojson(void **state) {
    (void)state;
    double lon[5], lat[5], x[5], y[5];
    size_t n = box_ring(105, 20, 106, 21, 1, 1, lon, lat);
    to_crs("EPSG:32648", n, lon, lat, x, y);
    /* UTM 48N: easting ~ 500-600 km, northing ~ 2200-2330 km */
    assert_true(x[0] > 100000 && x[0] < 900000 && y[0] > 2000000 && y[0] < 2500000);
    sbuf b = {0};
    sb_printf(&b, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                  "{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":[{\"type\":\"Feature\","
                  "\"properties\":{\"code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
    for (size_t k = 0; k < n; k++) sb_printf(&b, "%s[%.6f,%.6f]", k ? "," : "", x[k], y[k]);
    sb_printf(&b, "]]}}]}\n");
    const char *p = tu_path("%s/utm.geojson", dir());
    write_text(p, b.s);
    free(b.s);
    gv_layer *l = must_open(p, NULL, NULL);
    check_square_lonlat(l, lon, lat, n, 1e-7);
    gv_layer_free(l);
}

/* Writes a GeoPackage with one polygon feature per call of `polys` (WKT)
 * in layer `name` with SRS `epsg`, through the OGR C API. */
static void write_gpkg(const char *path, const char *const *layers, int nlayers, int epsg, const char *wkt) {
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    assert_non_null(drv);
    GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    assert_int_equal(OSRImportFromEPSG(srs, epsg), OGRERR_NONE);
    for (int k = 0; k < nlayers; k++) {
        OGRLayerH lyr = GDALDatasetCreateLayer(ds, layers[k], srs, wkbPolygon, NULL);
        assert_non_null(lyr);
        OGRFieldDefnH fd = OGR_Fld_Create("code", OFTString);
        assert_int_equal(OGR_L_CreateField(lyr, fd, 1), OGRERR_NONE);
        OGR_Fld_Destroy(fd);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        OGR_F_SetFieldString(f, 0, "01");
        OGRGeometryH g = NULL;
        char *w = (char *)wkt;
        assert_int_equal(OGR_G_CreateFromWkt(&w, NULL, &g), OGRERR_NONE);
        OGR_F_SetGeometryDirectly(f, g);
        assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    OSRDestroySpatialReference(srs);
    GDALClose(ds);
}

static void test_projected_gpkg(void **state) {
    (void)state;
    /* UTM 48N on WGS 84, and VN-2000 / UTM 48N (a datum shift of some
     * hundred metres: forgetting it would show far above 1e-7 deg). */
    const char *crs[] = {"EPSG:32648", "EPSG:3405"};
    const int epsg[] = {32648, 3405};
    for (int c = 0; c < 2; c++) {
        double lon[5], lat[5], x[5], y[5];
        size_t n = box_ring(105, 20, 106, 21, 1, 1, lon, lat);
        to_crs(crs[c], n, lon, lat, x, y);
        sbuf b = {0};
        sb_printf(&b, "POLYGON((");
        for (size_t k = 0; k < n; k++) sb_printf(&b, "%s%.6f %.6f", k ? "," : "", x[k], y[k]);
        sb_printf(&b, "))");
        const char *p = tu_path("%s/proj%d.gpkg", dir(), epsg[c]);
        const char *names[] = {"units"};
        write_gpkg(p, names, 1, epsg[c], b.s);
        free(b.s);
        gv_layer *l = must_open(p, "units", NULL);
        check_square_lonlat(l, lon, lat, n, 1e-7);
        gv_layer_free(l);
    }
}

/* GeoJSON is lon/lat whatever its CRS member says for EPSG:4326 (GDAL
 * ignores the URN's lat/lon axis order for GeoJSON); so is a GPKG in
 * EPSG:4326 (authority order lat/lon, stored lon/lat). */
static void test_axis_order_4326(void **state) {
    (void)state;
    const char *crs_members[] = {
        "",
        "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},",
        "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4326\"}},",
        "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4326\"}},",
    };
    double lon[5], lat[5];
    size_t n = box_ring(105, 20, 106, 21, 1, 1, lon, lat);
    for (size_t c = 0; c < sizeof crs_members / sizeof *crs_members; c++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"type\":\"FeatureCollection\",%s\"features\":[{\"type\":\"Feature\",\"properties\":{\"code\":\"01\"},"
                 "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}}]}\n",
                 crs_members[c]);
        const char *p = tu_path("%s/axis%zu.geojson", dir(), c);
        write_text(p, text);
        gv_layer *l = must_open(p, NULL, NULL);
        check_square_lonlat(l, lon, lat, n, 0);
        double bb[4];
        gv_layer_bbox(l, bb);
        assert_true(bb[0] == 105 && bb[1] == 20 && bb[2] == 106 && bb[3] == 21);
        gv_layer_free(l);
    }
    const char *p = tu_path("%s/axis4326.gpkg", dir());
    const char *names[] = {"units"};
    write_gpkg(p, names, 1, 4326, "POLYGON((105 20,106 20,106 21,105 21,105 20))");
    gv_layer *l = must_open(p, NULL, NULL);
    check_square_lonlat(l, lon, lat, n, 0);
    gv_layer_free(l);
}

static void test_null_geometry_and_attributes(void **state) {
    (void)state;
    const char *p = tu_path("%s/attrs.geojson", dir());
    /* "Hà Nội" decomposed (NFD): a + U+0300, o + U+0323 + U+0302 */
    write_text(p,
               "{\"type\":\"FeatureCollection\",\"features\":["
               "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\",\"name\":\"Ha\xcc\x80 No\xcc\xa3\xcc\x82i\","
               "\"pop\":8053663,\"big\":3000000000},"
               "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}},"
               "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\",\"name\":\"H\xc3\xa0 Giang\",\"pop\":854679,"
               "\"big\":null},\"geometry\":null}"
               "]}\n");
    gv_layer *l = must_open(p, NULL, NULL);
    assert_int_equal(gv_layer_count(l), 2);
    assert_int_equal(gv_layer_n_empty(l), 1);
    int fc = gv_layer_field_index(l, "code"), fn = gv_layer_field_index(l, "name");
    int fp = gv_layer_field_index(l, "pop"), fb = gv_layer_field_index(l, "big");
    assert_true(fc >= 0 && fn >= 0 && fp >= 0 && fb >= 0);
    assert_int_equal(gv_layer_field_index(l, "NAME"), fn);
    assert_int_equal(gv_layer_field_index(l, "nope"), -1);
    assert_string_equal(gv_layer_value(l, 0, (size_t)fn), "H\xc3\xa0 N\xe1\xbb\x99i");
    assert_string_equal(gv_layer_value(l, 0, (size_t)fp), "8053663");
    assert_string_equal(gv_layer_value(l, 0, (size_t)fb), "3000000000");
    assert_string_equal(gv_layer_value(l, 1, (size_t)fc), "02");
    assert_string_equal(gv_layer_value(l, 1, (size_t)fp), "854679");
    assert_string_equal(gv_layer_value(l, 1, (size_t)fb), ""); /* NULL -> "" */
    /* out of range: "" */
    assert_string_equal(gv_layer_value(l, 5, 0), "");
    assert_string_equal(gv_layer_value(l, 0, 99), "");

    const double *xy; const size_t *off; const int *part; size_t nr = 99;
    gv_layer_rings(l, 1, &xy, &off, &part, &nr);
    assert_int_equal(nr, 0);
    double bb[4];
    gv_layer_feature_bbox(l, 1, bb);
    assert_true(isnan(bb[0]) && isnan(bb[1]) && isnan(bb[2]) && isnan(bb[3]));
    gv_layer_bbox(l, bb);
    assert_true(bb[0] == 105 && bb[3] == 21);
    assert_true(isnan(gv_layer_area_km2(l, 1)));
    assert_true(isnan(gv__layer_area_geodesic_km2(l, 1)));
    assert_true(gv_layer_area_km2(l, 0) > 11000);
    double lon, lat;
    assert_int_equal(gv_layer_label_point(l, 1, &lon, &lat), GV_EDATA);
    gv_layer_rings(l, 0, &xy, &off, &part, &nr);
    assert_int_equal(nr, 1);
    gv_layer_free(l);
}

/* A layer whose only feature has no geometry: valid, empty arrays. */
static void test_only_null_geometry(void **state) {
    (void)state;
    const char *p = tu_path("%s/nullonly.geojson", dir());
    write_text(p, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
                  "{\"code\":\"01\"},\"geometry\":null}]}\n");
    gv_layer *l = must_open(p, NULL, NULL);
    assert_int_equal(gv_layer_count(l), 1);
    assert_int_equal(gv_layer_n_empty(l), 1);
    assert_int_equal(gv_layer_nvertices(l), 0);
    double bb[4];
    gv_layer_bbox(l, bb);
    assert_true(isnan(bb[0]));
    assert_true(isnan(gv_layer_area_km2(l, 0)));
    gv_layer_free(l);
}

static void test_where_filter(void **state) {
    (void)state;
    const char *p = tu_path("%s/where.geojson", dir());
    write_text(p, "{\"type\":\"FeatureCollection\",\"features\":["
                  "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\"},\"geometry\":null},"
                  "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\"},\"geometry\":null},"
                  "{\"type\":\"Feature\",\"properties\":{\"code\":\"79\"},\"geometry\":null}]}\n");
    gv_layer *l = must_open(p, NULL, "code <> '02'");
    assert_int_equal(gv_layer_count(l), 2);
    assert_string_equal(gv_layer_value(l, 1, 0), "79");
    gv_layer_free(l);
    /* A filter typed with decomposed marks (NFD) matches the NFC names:
     * "Hà Nội" as H a U+0300 ' ' N o U+0323 U+0302 i. */
    p = tu_path("%s/where-nfc.geojson", dir());
    write_text(p, "{\"type\":\"FeatureCollection\",\"features\":["
                  "{\"type\":\"Feature\",\"properties\":{\"ten\":\"Hà Nội\"},\"geometry\":null},"
                  "{\"type\":\"Feature\",\"properties\":{\"ten\":\"Huế\"},\"geometry\":null}]}\n");
    l = must_open(p, NULL, "ten = 'Ha\xCC\x80 No\xCC\xA3\xCC\x82i'");
    assert_int_equal(gv_layer_count(l), 1);
    assert_string_equal(gv_layer_value(l, 0, 0), "Hà Nội");
    gv_layer_free(l);
}

static void test_errors(void **state) {
    (void)state;
    gv_error err;
    gv_layer *l = (gv_layer *)1;

    /* missing file: GV_EDATA naming the path */
    const char *missing = tu_path("%s/no_such_file.geojson", dir());
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(missing, NULL, NULL, &l, &err), GV_EDATA);
    assert_null(l);
    assert_int_equal(err.code, GV_EDATA);
    if (!strstr(err.msg, missing)) fail_msg("message does not name the path: %s", err.msg);
    /* NULL err is allowed */
    l = (gv_layer *)1;
    assert_int_equal(gv_layer_open(missing, NULL, NULL, &l, NULL), GV_EDATA);
    assert_null(l);

    /* a file GDAL cannot read */
    const char *junk = tu_path("%s/junk.geojson", dir());
    write_text(junk, "this is not json\n");
    l = (gv_layer *)1;
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(junk, NULL, NULL, &l, &err), GV_EDATA);
    assert_null(l);
    if (!strstr(err.msg, junk)) fail_msg("message does not name the path: %s", err.msg);

    /* unknown layer: GV_EDATA listing the layers */
    const char *gp = tu_path("%s/two_layers.gpkg", dir());
    const char *names[] = {"alpha", "beta"};
    write_gpkg(gp, names, 2, 4326, "POLYGON((105 20,106 20,106 21,105 21,105 20))");
    l = (gv_layer *)1;
    gv_error_clear(&err);
    assert_int_equal(gv_layer_open(gp, "gamma", NULL, &l, &err), GV_EDATA);
    assert_null(l);
    if (!strstr(err.msg, "gamma") || !strstr(err.msg, "alpha") || !strstr(err.msg, "beta") || !strstr(err.msg, gp))
        fail_msg("unknown layer message: %s", err.msg);
    /* the named layer is found; NULL takes the first */
    l = must_open(gp, "beta", NULL);
    assert_string_equal(gv_layer_name(l), "beta");
    assert_int_equal(gv_layer_count(l), 1);
    gv_layer_free(l);
    l = must_open(gp, NULL, NULL);
    assert_string_equal(gv_layer_name(l), "alpha");
    assert_string_equal(gv_layer_source(l), gp);
    gv_layer_free(l);


    /* empty source */
    l = (gv_layer *)1;
    assert_int_equal(gv_layer_open("", NULL, NULL, &l, &err), GV_EUSAGE);
    assert_null(l);
    gv_layer_free(NULL);
}

/* A bad --where is the caller's mistake: GV_EUSAGE naming the filter,
 * whatever the driver (OGR SQL for GeoJSON, SQLite for GeoPackage). */
static void check_bad_where(const char *src, const char *layer, const char *where) {
    gv_error err;
    gv_error_clear(&err);
    gv_layer *l = (gv_layer *)1;
    int rc = gv_layer_open(src, layer, where, &l, &err);
    if (rc != GV_EUSAGE) fail_msg("where \"%s\" on %s: rc %d (want GV_EUSAGE %d): %s", where, src, rc, GV_EUSAGE, err.msg);
    assert_null(l);
    if (!strstr(err.msg, where)) fail_msg("bad where message does not quote the filter: %s", err.msg);
}

static void test_bad_where_geojson(void **state) {
    (void)state;
    const char *p = write_square("where_bad.geojson", 1);
    check_bad_where(p, NULL, "code = = '01'");
    check_bad_where(p, NULL, "no_such_field = 1");
}

static void test_bad_where_gpkg(void **state) {
    (void)state;
    const char *gp = tu_path("%s/where_bad.gpkg", dir());
    const char *names[] = {"alpha"};
    write_gpkg(gp, names, 1, 4326, "POLYGON((105 20,106 20,106 21,105 21,105 20))");
    check_bad_where(gp, "alpha", "code = = '01'");
    check_bad_where(gp, "alpha", "no_such_field = 1");
}

static void test_real_provinces_2019(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    gv_layer *l = must_open(GV_TEST_DATADIR "/boundaries_2019.gpkg", "provinces", NULL);
    assert_int_equal(gv_layer_count(l), 63);
    assert_int_equal(gv_layer_n_empty(l), 0);
    int fc = gv_layer_field_index(l, "code");
    assert_true(fc >= 0);
    size_t hn = (size_t)-1;
    for (size_t i = 0; i < gv_layer_count(l); i++)
        if (!strcmp(gv_layer_value(l, i, (size_t)fc), "01")) hn = i;
    assert_true(hn != (size_t)-1);
    int fn = gv_layer_field_index(l, "name");
    assert_string_equal(gv_layer_value(l, hn, (size_t)fn), "Thành phố Hà Nội");

    /* Published area 3,358.6–3,359.8 km²; simplified at 10 m: allow 1 %. */
    double a = gv_layer_area_km2(l, hn);
    if (!(fabs(a - 3359.8) <= 0.01 * 3359.8)) fail_msg("Hà Nội area %.3f km², expected ~3359.8", a);
    /* national bbox in lon/lat order */
    double bb[4];
    gv_layer_bbox(l, bb);
    assert_true(bb[0] > 102 && bb[0] < 103 && bb[2] > 109 && bb[2] < 118);
    assert_true(bb[1] > 7 && bb[1] < 9 && bb[3] > 23 && bb[3] < 24);

    double lon, lat;
    assert_int_equal(gv_layer_label_point(l, hn, &lon, &lat), GV_OK);
    gv_layer_feature_bbox(l, hn, bb);
    assert_true(lon > bb[0] && lon < bb[2] && lat > bb[1] && lat < bb[3]);
    assert_true(point_in_feature(l, hn, lon, lat));

    /* a --where filter on the real data */
    gv_layer_free(l);
    l = must_open(GV_TEST_DATADIR "/boundaries_2019.gpkg", "provinces", "code IN ('01','79')");
    assert_int_equal(gv_layer_count(l), 2);
    gv_layer_free(l);
}

/* layer.c measures areas in an equal-area projection and says the result
 * is within 1e-6 of the geodesic area for real (dense) boundaries. */
static void test_real_area_fast_vs_geodesic(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    gv_layer *l = must_open(GV_TEST_DATADIR "/boundaries_2019.gpkg", "provinces", NULL);
    int fc = gv_layer_field_index(l, "code");
    /* the fast area agrees with the exact geodesic one on every province */
    size_t nbad = 0;
    double worst = 0;
    char first[256] = "";
    for (size_t i = 0; i < gv_layer_count(l); i++) {
        double fast = gv_layer_area_km2(l, i), exact = gv__layer_area_geodesic_km2(l, i);
        double rel = fabs(fast - exact) / exact;
        if (!(rel <= 1e-6)) {
            if (!nbad++)
                snprintf(first, sizeof first, "feature %zu (code %s): area %.6f vs geodesic %.6f", i,
                         gv_layer_value(l, i, (size_t)fc), fast, exact);
            if (rel > worst) worst = rel;
        }
    }
    if (nbad) fail_msg("%zu of 63 provinces differ from the geodesic area by more than 1e-6 (worst %.3g); first: %s",
                       nbad, worst, first);
    gv_layer_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square_with_hole),
        cmocka_unit_test(test_square_dense_area),
        cmocka_unit_test(test_multipolygon_parts),
        cmocka_unit_test(test_utm_geojson),
        cmocka_unit_test(test_projected_gpkg),
        cmocka_unit_test(test_axis_order_4326),
        cmocka_unit_test(test_null_geometry_and_attributes),
        cmocka_unit_test(test_only_null_geometry),
        cmocka_unit_test(test_where_filter),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_where_geojson),
        cmocka_unit_test(test_bad_where_gpkg),
        cmocka_unit_test(test_real_provinces_2019),
        cmocka_unit_test(test_real_area_fast_vs_geodesic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
