/* test_map_e2e.c: end-to-end tests of `geovoice map` on the real data in
 * ../shared/data/vn (and Natural Earth admin-1 from Debian's qgis-common).
 *
 * Every expected value is derived here independently of the program:
 * - pixel sizes from SPEC's rule round(mm * dpi / 25.4);
 * - quantile breaks from the definition in include/geovoice/classify.h
 *   (edges[0] = s[0], edges[i] = s[ceil(i*m/k) - 1]) applied to the sorted
 *   unit values of the report;
 * - areas with PROJ's geodesic routines on polygons read with GDAL's OGR C
 *   API directly (not through geovoice's layer code);
 * - point-in-polygon with our own even-odd test on those OGR rings;
 * - ColorBrewer YlOrRd 5-class colours written out from colorbrewer2.org;
 * - the 63 Natural Earth gn_name <-> census name pairs written out by hand.
 * The tests skip when the shared data folder is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <geodesic.h>
#include <json-c/json.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DATA GV_TEST_DATADIR
#define B2019 DATA "/boundaries_2019.gpkg"
#define B2025 DATA "/boundaries_2025.gpkg"
#define CENSUS DATA "/census/provinces_2019.csv"

/* Common part of the coded 63-province map (brief, test 1). */
#define CODED_ARGS                                                                                             \
    "map --shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code"                       \
    " --value population_total/@area_km2 --classify quantile:5 --palette YlOrRd --title T"

/* ColorBrewer YlOrRd, 5 classes (colorbrewer2.org), lightest first. */
static const unsigned YLORRD5[5] = {0xffffb2, 0xfecc5c, 0xfd8d3c, 0xf03b20, 0xbd0026};

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static char *xstrdup(const char *s) {
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* Runs the CLI with args; fails the test with stderr when the exit code is
 * not `want`. */
static void run_ok(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(args, &err);
    if (rc != 0) print_error("geovoice %s\nexit %d, stderr:\n%s\n", args, rc, err ? err : "");
    free(err);
    assert_int_equal(rc, 0);
}

static struct json_object *arr_find(struct json_object *arr, const char *key, const char *val) {
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *x = json_object_array_get_idx(arr, i);
        const char *s = tu_json_str(x, key);
        if (s && !strcmp(s, val)) return x;
    }
    return NULL;
}

static struct json_object *unit_by_key(struct json_object *rep, const char *key) {
    return arr_find(tu_json_get(rep, "units"), "key", key);
}

static struct json_object *frame(struct json_object *rep, const char *name) {
    return arr_find(tu_json_get(rep, "output.frames"), "name", name);
}

/* Class index of x under classify.h's rule: class i holds
 * edges[i] < x <= edges[i+1]; class 0 also holds x == edges[0]. */
static int class_of(const double *edges, int k, double x) {
    if (x == edges[0]) return 0;
    for (int i = 0; i < k; i++)
        if (edges[i] < x && x <= edges[i + 1]) return i;
    return -1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Even-odd point-in-polygon over all rings of an OGR (multi)polygon. */
static int ring_crossings(OGRGeometryH ring, double x, double y) {
    int n = OGR_G_GetPointCount(ring), c = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi = OGR_G_GetX(ring, i), yi = OGR_G_GetY(ring, i);
        double xj = OGR_G_GetX(ring, j), yj = OGR_G_GetY(ring, j);
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) c ^= 1;
    }
    return c;
}

static int geom_contains(OGRGeometryH g, double x, double y) {
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int inside = 0;
    if (t == wkbPolygon) {
        for (int r = 0; r < OGR_G_GetGeometryCount(g); r++) inside ^= ring_crossings(OGR_G_GetGeometryRef(g, r), x, y);
    } else if (t == wkbMultiPolygon) {
        for (int p = 0; p < OGR_G_GetGeometryCount(g); p++) inside |= geom_contains(OGR_G_GetGeometryRef(g, p), x, y);
    }
    return inside;
}

/* Geodesic area (m²) of an OGR (multi)polygon on WGS 84: each ring's
 * |area| with geod_polygonarea (Karney), outer ring minus holes. */
static double geom_area_m2(const struct geod_geodesic *gd, OGRGeometryH g) {
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    double total = 0;
    if (t == wkbMultiPolygon) {
        for (int p = 0; p < OGR_G_GetGeometryCount(g); p++) total += geom_area_m2(gd, OGR_G_GetGeometryRef(g, p));
        return total;
    }
    if (t != wkbPolygon) return 0;
    for (int r = 0; r < OGR_G_GetGeometryCount(g); r++) {
        OGRGeometryH ring = OGR_G_GetGeometryRef(g, r);
        int n = OGR_G_GetPointCount(ring);
        double *lat = malloc(sizeof(double) * (size_t)n), *lon = malloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) {
            lon[i] = OGR_G_GetX(ring, i); /* GPKG stores lon, lat (x, y) */
            lat[i] = OGR_G_GetY(ring, i);
        }
        double A = 0, P = 0;
        geod_polygonarea(gd, lat, lon, n, &A, &P);
        free(lat);
        free(lon);
        total += (r == 0 ? 1 : -1) * fabs(A);
    }
    return total;
}

/* Opens gpkg/layer with OGR and returns the codes (field `code`) of every
 * feature containing (lon, lat), space separated, into out. */
static void features_at(const char *gpkg, const char *layer, double lon, double lat, char *out, size_t outsz) {
    GDALAllRegister();
    out[0] = 0;
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, layer);
    assert_non_null(L);
    OGR_L_ResetReading(L);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(L))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g && geom_contains(g, lon, lat)) {
            const char *code = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "code"));
            if (strlen(out) + strlen(code) + 2 < outsz) {
                if (out[0]) strcat(out, " ");
                strcat(out, code);
            }
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

/* Pixel (column, row) of lon/lat in frame fr of the report's PNG:
 * (x0 + scale*X, y0 - scale*Y) with (X, Y) = PROJ forward of output.proj. */
static void pixel_of(struct json_object *rep, struct json_object *fr, double lon, double lat, int *px, int *py) {
    double X, Y;
    assert_int_equal(tu_project(tu_json_str(rep, "output.proj"), lon, lat, &X, &Y), 0);
    double x0 = tu_json_double(fr, "x0"), y0 = tu_json_double(fr, "y0"), s = tu_json_double(fr, "scale");
    *px = (int)floor(x0 + s * X);
    *py = (int)floor(y0 - s * Y);
}

static unsigned rgb_at(const unsigned char *img, int w, int h, int x, int y) {
    assert_true(x >= 0 && x < w && y >= 0 && y < h);
    const unsigned char *p = img + 3 * ((size_t)y * (size_t)w + (size_t)x);
    return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

/* 1 when pixel (x, y) lies inside a rectangle given in mm on the page. */
static int pixel_in_rect_mm(struct json_object *rect, double dpi, int x, int y) {
    double r[4];
    for (int q = 0; q < 4; q++) r[q] = json_object_get_double(json_object_array_get_idx(rect, (size_t)q)) * dpi / 25.4;
    return x >= r[0] - 2 && x <= r[0] + r[2] + 2 && y >= r[1] - 2 && y <= r[1] + r[3] + 2;
}

static unsigned parse_hex(const char *s) {
    assert_non_null(s);
    assert_int_equal(s[0], '#');
    return (unsigned)strtoul(s + 1, NULL, 16);
}

/* ------------------------------------------------------------------ */
/* the coded 63-province map, run once and shared by the tests below   */

static char coded_dir[4096];
static struct json_object *coded_rep;

static struct json_object *coded(void) {
    if (coded_rep) return coded_rep;
    snprintf(coded_dir, sizeof coded_dir, "%s", tu_tmpdir("e2e-coded"));
    run_ok(tu_path(CODED_ARGS " -q -o '%s/out.png' --report '%s/r.json' --join-report '%s/j.csv'", coded_dir, coded_dir,
                   coded_dir));
    coded_rep = tu_json_load(tu_path("%s/r.json", coded_dir));
    assert_non_null(coded_rep);
    return coded_rep;
}

#define NEED_DATA()                                                                                             \
    do {                                                                                                        \
        if (!tu_have_data()) skip();                                                                            \
    } while (0)

/* Join counts; the code-46 name mismatch (boundaries: "Thành phố Huế",
 * census: "Thừa Thiên Huế" — both files read by eye) is reported. */
static void test_coded_join(void **state) {
    (void)state;
    NEED_DATA();
    struct json_object *r = coded();
    assert_int_equal(tu_json_int(r, "inputs.features"), 63); /* README: 63 provinces */
    assert_int_equal(tu_json_int(r, "inputs.rows"), 63);     /* census file: 63 data lines */
    assert_int_equal(tu_json_int(r, "join.units_matched"), 63);
    assert_int_equal(tu_json_int(r, "join.units_without_data"), 0);
    assert_int_equal(tu_json_int(r, "join.rows_without_unit"), 0);
    assert_true(tu_json_int(r, "join.name_mismatches") >= 1);
    struct json_object *is = arr_find(tu_json_get(r, "join.issues"), "key", "46");
    assert_non_null(is);
    assert_string_equal(tu_json_str(is, "kind"), "name_mismatch");
    /* 46 is the 31st data row of provinces_2019.csv, i.e. line 32. */
    assert_int_equal(tu_json_int(is, "row"), 31);
    assert_int_equal(tu_json_int(is, "line"), 32);
    /* The join report lists it too. */
    char *csv = tu_slurp(tu_path("%s/j.csv", coded_dir), NULL);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "kind,row,line,unit_fid,key,name,rule,reason\n"));
    assert_non_null(strstr(csv, "name_mismatch,31,32,"));
    free(csv);
}

/* A4 at 300 dpi: round(210/25.4*300) = round(2480.3) = 2480,
 * round(297/25.4*300) = round(3507.9) = 3508; at 150 dpi 1240.2 -> 1240,
 * 1753.9 -> 1754. Read from the PNG header, not only from the report. */
static void test_coded_png_size(void **state) {
    (void)state;
    NEED_DATA();
    struct json_object *r = coded();
    int w, h;
    assert_int_equal(tu_png_size(tu_path("%s/out.png", coded_dir), &w, &h), 0);
    assert_int_equal(w, 2480);
    assert_int_equal(h, 3508);
    assert_int_equal(tu_json_int(r, "output.width_px"), 2480);
    assert_int_equal(tu_json_int(r, "output.height_px"), 3508);
    assert_int_equal(tu_json_int(r, "output.features_drawn"), 63);

    const char *dir = tu_tmpdir("e2e-dpi150");
    run_ok(tu_path(CODED_ARGS " -q --dpi 150 -o '%s/o150.png'", dir));
    assert_int_equal(tu_png_size(tu_path("%s/o150.png", dir), &w, &h), 0);
    assert_int_equal(w, 1240);
    assert_int_equal(h, 1754);
    tu_rmtree(dir);
}

/* Quantile breaks recomputed from the report's 63 unit values with the
 * definition of classify.h. 63 values, k = 5: upper bounds at sorted
 * positions ceil(i*63/5)-1 = 12, 25, 37, 50, 62, so (no ties) the class
 * sizes are 13, 13, 12, 13, 12. */
static void test_coded_quantile(void **state) {
    (void)state;
    NEED_DATA();
    struct json_object *r = coded();
    struct json_object *units = tu_json_get(r, "units");
    size_t n = json_object_array_length(units);
    assert_int_equal(n, 63);
    double v[63];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = tu_json_double(json_object_array_get_idx(units, i), "value");
        assert_true(isfinite(x)); /* every province has population and area */
        v[m++] = x;
    }
    qsort(v, m, sizeof v[0], cmp_double);
    const int k = 5;
    double edges[6];
    edges[0] = v[0];
    for (int i = 1; i <= k; i++) edges[i] = v[(i * (int)m + k - 1) / k - 1];

    assert_string_equal(tu_json_str(r, "classification.method"), "quantile");
    assert_int_equal(tu_json_int(r, "classification.k"), 5);
    struct json_object *br = tu_json_get(r, "classification.breaks");
    assert_int_equal(json_object_array_length(br), 6);
    for (int i = 0; i <= k; i++)
        assert_float_equal(json_object_get_double(json_object_array_get_idx(br, (size_t)i)), edges[i], fabs(edges[i]) * 1e-12);

    /* Counts: our own count of values per class, which must be 13/13/12/13/12. */
    static const long want[5] = {13, 13, 12, 13, 12};
    long mine[5] = {0};
    for (size_t i = 0; i < m; i++) {
        int c = class_of(edges, k, v[i]);
        assert_true(c >= 0);
        mine[c]++;
    }
    struct json_object *classes = tu_json_get(r, "classification.classes");
    assert_int_equal(json_object_array_length(classes), 5);
    long sum = 0;
    for (int i = 0; i < k; i++) {
        struct json_object *c = json_object_array_get_idx(classes, (size_t)i);
        assert_int_equal(mine[i], want[i]);
        assert_int_equal(tu_json_int(c, "count"), want[i]);
        assert_int_equal(parse_hex(tu_json_str(c, "color")), YLORRD5[i]);
        sum += tu_json_int(c, "count");
    }
    sum += tu_json_int(r, "classification.no_data_count");
    assert_int_equal(sum, 63);
    assert_int_equal(tu_json_int(r, "classification.no_data_count"), 0);

    /* Each unit's class in the report is the one the rule gives its value. */
    for (size_t i = 0; i < n; i++) {
        struct json_object *u = json_object_array_get_idx(units, i);
        assert_int_equal(tu_json_int(u, "class"), class_of(edges, k, tu_json_double(u, "value")));
    }
}

/* Hà Nội's density checked with an independent area: the polygon of code
 * 01 read with OGR, its geodesic area with geod_polygonarea on WGS 84;
 * population_total 8,053,663 is row 01 of census/provinces_2019.csv. */
static void test_coded_hanoi_density(void **state) {
    (void)state;
    NEED_DATA();
    struct json_object *r = coded();
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(B2019, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "provinces");
    assert_non_null(L);
    assert_int_equal(OGR_L_SetAttributeFilter(L, "code = '01'"), OGRERR_NONE);
    OGR_L_ResetReading(L);
    OGRFeatureH f = OGR_L_GetNextFeature(L);
    assert_non_null(f);
    struct geod_geodesic gd;
    geod_init(&gd, 6378137.0, 1 / 298.257223563); /* WGS 84 */
    double area_km2 = geom_area_m2(&gd, OGR_F_GetGeometryRef(f)) / 1e6;
    OGR_F_Destroy(f);
    GDALClose(ds);
    /* Hà Nội is about 3,359 km² (GSO); the polygon must be near that. */
    assert_true(area_km2 > 3200 && area_km2 < 3500);
    double want = 8053663.0 / area_km2;
    struct json_object *u = unit_by_key(r, "01");
    assert_non_null(u);
    double got = tu_json_double(u, "value");
    print_message("Hà Nội: geodesic area %.6f km², density report %.9g vs independent %.9g (rel. diff %.2e)\n",
                  area_km2, got, want, fabs(got - want) / want);
    if (fabs(got - want) > 1e-4 * want) print_error("Hà Nội density: report %.9g, independent %.9g\n", got, want);
    assert_true(fabs(got - want) <= 1e-4 * want);
}

/* Pixels: central Hà Nội and central Hồ Chí Minh City have exactly their
 * class colour; a point of the Gulf of Tonkin is white. */
static void test_coded_pixels(void **state) {
    (void)state;
    NEED_DATA();
    struct json_object *r = coded();
    char codes[256];
    /* The points lie in the expected units (own even-odd test on the OGR
     * polygons of all 63 provinces) and the sea point in none. */
    features_at(B2019, "provinces", 105.85, 21.03, codes, sizeof codes);
    assert_string_equal(codes, "01");
    features_at(B2019, "provinces", 106.70, 10.78, codes, sizeof codes);
    assert_string_equal(codes, "79");
    features_at(B2019, "provinces", 103.3, 22.3, codes, sizeof codes);
    assert_string_equal(codes, "12"); /* Lai Châu, a low-density province */
    features_at(B2019, "provinces", 108.5, 19.0, codes, sizeof codes);
    assert_string_equal(codes, "");

    /* Breaks from the report (checked against our own computation in
     * test_coded_quantile); classes of the two values by the rule. */
    double edges[6];
    struct json_object *br = tu_json_get(r, "classification.breaks");
    assert_int_equal(json_object_array_length(br), 6);
    for (int i = 0; i < 6; i++) edges[i] = json_object_get_double(json_object_array_get_idx(br, (size_t)i));
    int c01 = class_of(edges, 5, tu_json_double(unit_by_key(r, "01"), "value"));
    int c79 = class_of(edges, 5, tu_json_double(unit_by_key(r, "79"), "value"));
    int c12 = class_of(edges, 5, tu_json_double(unit_by_key(r, "12"), "value"));
    assert_true(c01 >= 0 && c79 >= 0 && c12 >= 0);
    assert_true(c12 != c01); /* so the pixel checks tell classes apart */

    int w, h;
    unsigned char *img = tu_png_read_rgb(tu_path("%s/out.png", coded_dir), &w, &h);
    assert_non_null(img);
    struct json_object *fr = frame(r, "main");
    assert_non_null(fr);
    int x, y;
    pixel_of(r, fr, 105.85, 21.03, &x, &y);
    unsigned got = rgb_at(img, w, h, x, y);
    if (got != YLORRD5[c01]) print_error("Hà Nội pixel (%d,%d) = #%06x, class %d colour #%06x\n", x, y, got, c01, YLORRD5[c01]);
    assert_int_equal(got, YLORRD5[c01]);

    pixel_of(r, fr, 106.70, 10.78, &x, &y);
    got = rgb_at(img, w, h, x, y);
    if (got != YLORRD5[c79]) print_error("HCMC pixel (%d,%d) = #%06x, class %d colour #%06x\n", x, y, got, c79, YLORRD5[c79]);
    assert_int_equal(got, YLORRD5[c79]);

    pixel_of(r, fr, 103.3, 22.3, &x, &y);
    got = rgb_at(img, w, h, x, y);
    if (got != YLORRD5[c12]) print_error("Lai Châu pixel (%d,%d) = #%06x, class %d colour #%06x\n", x, y, got, c12, YLORRD5[c12]);
    assert_int_equal(got, YLORRD5[c12]);

    pixel_of(r, fr, 108.5, 19.0, &x, &y);
    double dpi = 300;
    assert_false(pixel_in_rect_mm(tu_json_get(r, "output.legend_rect_mm"), dpi, x, y));
    struct json_object *frames = tu_json_get(r, "output.frames");
    for (size_t i = 0; i < json_object_array_length(frames); i++) {
        struct json_object *f = json_object_array_get_idx(frames, i);
        if (strcmp(tu_json_str(f, "name"), "main"))
            assert_false(pixel_in_rect_mm(tu_json_get(f, "rect_mm"), dpi, x, y));
    }
    got = rgb_at(img, w, h, x, y);
    if (got != 0xffffff) print_error("sea pixel (%d,%d) = #%06x\n", x, y, got);
    assert_int_equal(got, 0xffffff);
    free(img);
}

/* ------------------------------------------------------------------ */
/* Natural Earth admin-1, joined by name                               */

/* census name (provinces_2019.csv) -> Natural Earth gn_name, by hand. */
static const char *NE_PAIRS[63][2] = {
    {"Hà Nội", "Thanh Pho Ha Noi"}, {"Hà Giang", "Tinh Ha Giang"}, {"Cao Bằng", "Tinh Cao Bang"},
    {"Bắc Kạn", "Tinh Bac Kan"}, {"Tuyên Quang", "Tinh Tuyen Quang"}, {"Lào Cai", "Tinh Lao Cai"},
    {"Điện Biên", "Huyen Dien Bien"}, {"Lai Châu", "Tinh Lai Chau"}, {"Sơn La", "Tinh Son La"},
    {"Yên Bái", "Tinh Yen Bai"}, {"Hòa Bình", "Tinh Hoa Binh"}, {"Thái Nguyên", "Tinh Thai Nguyen"},
    {"Lạng Sơn", "Tinh Lang Son"}, {"Quảng Ninh", "Tinh Quang Ninh"}, {"Bắc Giang", "Tinh Bac Giang"},
    {"Phú Thọ", "Tinh Phu Tho"}, {"Vĩnh Phúc", "Tinh Vinh Phuc"}, {"Bắc Ninh", "Tinh Bac Ninh"},
    {"Hải Dương", "Tinh Hai Duong"}, {"Hải Phòng", "Thanh Pho Hai Phong"}, {"Hưng Yên", "Tinh Hung Yen"},
    {"Thái Bình", "Tinh Thai Binh"}, {"Hà Nam", "Tinh Ha Nam"}, {"Nam Định", "Tinh Nam Dinh"},
    {"Ninh Bình", "Tinh Ninh Binh"}, {"Thanh Hóa", "Tinh Thanh Hoa"}, {"Nghệ An", "Tinh Nghe An"},
    {"Hà Tĩnh", "Tinh Ha Tinh"}, {"Quảng Bình", "Tinh Quang Binh"}, {"Quảng Trị", "Tinh Quang Tri"},
    {"Thừa Thiên Huế", "Tinh Thua Thien-Hue"}, {"Đà Nẵng", "Thanh Pho Da Nang"}, {"Quảng Nam", "Tinh Quang Nam"},
    {"Quảng Ngãi", "Tinh Quang Ngai"}, {"Bình Định", "Tinh Binh Dinh"}, {"Phú Yên", "Tinh Phu Yen"},
    {"Khánh Hòa", "Tinh Khanh Hoa"}, {"Ninh Thuận", "Tinh Ninh Thuan"}, {"Bình Thuận", "Tinh Binh Thuan"},
    {"Kon Tum", "Tinh Kon Tum"}, {"Gia Lai", "Tinh Gia Lai"}, {"Đắk Lắk", "Tinh Dak Lak"},
    {"Đắk Nông", "Dak Nong"}, {"Lâm Đồng", "Tinh Lam Dong"}, {"Bình Phước", "Tinh Binh Phuoc"},
    {"Tây Ninh", "Tinh Tay Ninh"}, {"Bình Dương", "Tinh Binh Duong"}, {"Đồng Nai", "Tinh Dong Nai"},
    {"Bà Rịa - Vũng Tàu", "Tinh Ba Ria-Vung Tau"}, {"TP Hồ Chí Minh", "Thanh pho Ho Chi Minh"},
    {"Long An", "Tinh Long An"}, {"Tiền Giang", "Tinh Tien Giang"}, {"Bến Tre", "Tinh Ben Tre"},
    {"Trà Vinh", "Tinh Tra Vinh"}, {"Vĩnh Long", "Tinh Vinh Long"}, {"Đồng Tháp", "Tinh Dong Thap"},
    {"An Giang", "Tinh An Giang"}, {"Kiên Giang", "Tinh Kien Giang"}, {"Cần Thơ", "Thanh Pho Can Tho"},
    {"Hậu Giang", "Hau Giang"}, {"Sóc Trăng", "Tinh Soc Trang"}, {"Bạc Liêu", "Tinh Bac Lieu"},
    {"Cà Mau", "Tinh Ca Mau"},
};

static const char *ne_expected_gn(const char *census_name) {
    for (int i = 0; i < 63; i++)
        if (!strcmp(NE_PAIRS[i][0], census_name)) return NE_PAIRS[i][1];
    return NULL;
}

static const char *ne_or_skip(void) {
    if (!tu_have_data()) skip();
    const char *ne = tu_natural_earth();
    if (!ne) {
        print_message("Natural Earth (qgis-common) not available: skipped\n");
        skip();
    }
    return ne;
}

static const char *ne_run(const char *ne, const char *join, const char *tag) {
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir(tag));
    run_ok(tu_path("map --shapes '%s' --layer states_provinces --where \"adm0_a3='VNM'\" --data '" CENSUS
                   "' --join %s --match name --value population_urban/population_total*100 -q"
                   " -o '%s/ne.png' --report '%s/r.json' --join-report '%s/j.csv'",
                   ne, join, dir, dir, dir));
    return dir;
}

/* gn_name=name: all 63 census rows match, each to its own province. */
static void test_ne_gn_name(void **state) {
    (void)state;
    const char *ne = ne_or_skip();
    const char *dir = ne_run(ne, "gn_name=name", "e2e-ne-gn");
    struct json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    assert_non_null(r);
    assert_int_equal(tu_json_int(r, "inputs.features"), 63);
    assert_int_equal(tu_json_int(r, "join.units_matched"), 63);
    assert_int_equal(tu_json_int(r, "join.units_without_data"), 0);
    assert_int_equal(tu_json_int(r, "join.rows_without_unit"), 0);
    assert_int_equal(tu_json_int(r, "join.rows_ambiguous"), 0);

    /* Every matched row of the join report: the census name (key) went to
     * the feature whose gn_name is the hand-written partner. The feature is
     * looked up by its fid in the report's units[] (key = gn_name there). */
    FILE *f = fopen(tu_path("%s/j.csv", dir), "r");
    assert_non_null(f);
    char line[4096], *fl[16];
    int matched = 0, seen[63] = {0};
    assert_non_null(fgets(line, sizeof line, f));
    struct json_object *units = tu_json_get(r, "units");
    while (fgets(line, sizeof line, f)) {
        int nf = tu_csv_split(line, fl, 16);
        assert_int_equal(nf, 8);
        if (strcmp(fl[0], "matched")) continue;
        matched++;
        const char *want = ne_expected_gn(fl[4]);
        if (!want) print_error("unexpected census name '%s'\n", fl[4]);
        assert_non_null(want);
        for (int i = 0; i < 63; i++)
            if (!strcmp(NE_PAIRS[i][0], fl[4])) seen[i]++;
        if (strcmp(fl[5], want)) print_error("row '%s' matched '%s', expected '%s'\n", fl[4], fl[5], want);
        assert_string_equal(fl[5], want);
        long long fid = atoll(fl[3]);
        const char *gn = NULL;
        for (size_t i = 0; i < json_object_array_length(units); i++) {
            struct json_object *u = json_object_array_get_idx(units, i);
            if (tu_json_int(u, "fid") == fid) gn = tu_json_str(u, "key");
        }
        assert_non_null(gn);
        assert_string_equal(gn, want);
        assert_true(!strcmp(fl[6], "exact") || !strcmp(fl[6], "tone") || !strcmp(fl[6], "prefix") ||
                    !strcmp(fl[6], "fold"));
    }
    fclose(f);
    assert_int_equal(matched, 63);
    for (int i = 0; i < 63; i++) assert_int_equal(seen[i], 1);
    json_object_put(r);
    tu_rmtree(dir);
}

/* name=name: the NE layer names three features after regions ("Đông Nam
 * Bộ" is Đồng Nai's polygon, "Đông Bắc" Bắc Kạn's, "Đồng Bằng Sông Hồng"
 * Hưng Yên's — see their gn_name), so exactly those units lack data and
 * exactly those three census rows find no unit; 63 - 3 = 60 match. */
static void test_ne_name(void **state) {
    (void)state;
    const char *ne = ne_or_skip();
    const char *dir = ne_run(ne, "name=name", "e2e-ne-name");
    struct json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    assert_non_null(r);
    assert_int_equal(tu_json_int(r, "join.units_matched"), 60);
    assert_int_equal(tu_json_int(r, "join.units_without_data"), 3);
    assert_int_equal(tu_json_int(r, "join.rows_without_unit"), 3);
    assert_int_equal(tu_json_int(r, "join.rows_ambiguous"), 0);
    char units[512] = "", rows[512] = "";
    struct json_object *iss = tu_json_get(r, "join.issues");
    for (size_t i = 0; i < json_object_array_length(iss); i++) {
        struct json_object *x = json_object_array_get_idx(iss, i);
        const char *kind = tu_json_str(x, "kind");
        char *dst = !strcmp(kind, "unit_without_data") ? units : !strcmp(kind, "row_without_unit") ? rows : NULL;
        if (!dst) continue;
        strcat(dst, tu_json_str(x, "key"));
        strcat(dst, "|");
    }
    /* Issues list units in layer order and rows in file order. */
    assert_string_equal(units, "Đông Nam Bộ|Đông Bắc|Đồng Bằng Sông Hồng|");
    assert_string_equal(rows, "Bắc Kạn|Hưng Yên|Đồng Nai|");
    json_object_put(r);
    tu_rmtree(dir);
}

/* ------------------------------------------------------------------ */
/* 2025 communes                                                        */

/* Communes of province `prov` in units_2025.csv (level, code, name, type,
 * parent_code, name_en), counted here; first such code into first. */
static int count_communes(const char *prov, char *first, size_t firstsz) {
    FILE *f = fopen(DATA "/units_2025.csv", "r");
    assert_non_null(f);
    char line[4096], *fl[16];
    int n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        if (tu_csv_split(line, fl, 16) < 6) continue;
        if (!strcmp(fl[0], "commune") && !strcmp(fl[4], prov)) {
            if (!n && first) snprintf(first, firstsz, "%s", fl[1]);
            n++;
        }
    }
    fclose(f);
    return n;
}

static void test_communes_national(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = xstrdup(tu_tmpdir("e2e-communes"));
    char first01[16];
    assert_true(count_communes("01", first01, sizeof first01) > 0);
    /* A table of two real commune codes (the first commune of Hà Nội, and
     * 20333 Đặc khu Hoàng Sa, from units_2025.csv). */
    assert_int_equal(tu_write_file(tu_path("%s/c.csv", dir), tu_path("code,pop\n%s,100\n20333,5\n", first01)), 0);
    run_ok(tu_path("map --shapes '" B2025 "' --layer communes --data '%s/c.csv' --join code --value @area_km2 -q"
                   " -o '%s/c.png' --report '%s/r.json'",
                   dir, dir, dir));
    struct json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    assert_non_null(r);
    assert_int_equal(tu_json_int(r, "inputs.features"), 3321); /* README: 3,321 communes */
    assert_int_equal(tu_json_int(r, "join.units_matched"), 2);
    assert_int_equal(tu_json_int(r, "output.features_drawn"), 3321);
    struct json_object *units = tu_json_get(r, "units");
    assert_int_equal(json_object_array_length(units), 3321);
    for (size_t i = 0; i < 3321; i++) {
        struct json_object *u = json_object_array_get_idx(units, i);
        if (tu_json_int(u, "parts_drawn") < 1) print_error("unit %s not drawn\n", tu_json_str(u, "key"));
        assert_true(tu_json_int(u, "parts_drawn") >= 1);
    }
    struct json_object *hs = unit_by_key(r, "20333");
    assert_non_null(hs);
    assert_string_equal(tu_json_str(hs, "name"), "Đặc khu Hoàng Sa");
    assert_true(tu_json_int(hs, "parts_drawn") >= 1);
    assert_non_null(frame(r, "hoang_sa"));
    assert_non_null(frame(r, "truong_sa"));
    /* The mainland frame is not stretched to the archipelagos (Hoàng Sa
     * starts at 111°E, Trường Sa reaches 117.8°E). */
    struct json_object *box = tu_json_get(frame(r, "main"), "lonlat_box");
    assert_non_null(box);
    double east = json_object_get_double(json_object_array_get_idx(box, 2));
    assert_true(east < 110);
    json_object_put(r);
    tu_rmtree(dir);
    free((void *)dir);
}

static void test_communes_one_province(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = xstrdup(tu_tmpdir("e2e-communes01"));
    char first01[16];
    int n01 = count_communes("01", first01, sizeof first01);
    assert_true(n01 > 0);
    assert_int_equal(tu_write_file(tu_path("%s/c.csv", dir), tu_path("code,pop\n%s,100\n", first01)), 0);
    run_ok(tu_path("map --shapes '" B2025 "' --layer communes --where \"province_code='01'\" --data '%s/c.csv'"
                   " --join code --value @area_km2 -q -o '%s/c.png' --report '%s/r.json'",
                   dir, dir, dir));
    struct json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    assert_non_null(r);
    assert_int_equal(tu_json_int(r, "inputs.features"), n01);
    assert_int_equal(tu_json_int(r, "output.features_drawn"), n01);
    struct json_object *frames = tu_json_get(r, "output.frames");
    assert_int_equal(json_object_array_length(frames), 1);
    assert_string_equal(tu_json_str(json_object_array_get_idx(frames, 0), "name"), "main");
    json_object_put(r);
    tu_rmtree(dir);
    free((void *)dir);
}

/* ------------------------------------------------------------------ */
/* PDF / SVG / page sizes                                               */

static int files_equal(const char *a, const char *b) {
    size_t na, nb;
    char *x = tu_slurp(a, &na), *y = tu_slurp(b, &nb);
    int eq = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return eq;
}

/* A4 in PostScript points: 210/25.4*72 = 595.2756, 297/25.4*72 = 841.8898. */
static void test_pdf_svg_deterministic(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = xstrdup(tu_tmpdir("e2e-vector"));
    static const char *ext[2] = {"pdf", "svg"};
    for (int e = 0; e < 2; e++)
        for (int run = 1; run <= 2; run++)
            run_ok(tu_path(CODED_ARGS " -q --title 'Mật độ dân số 2019' -o '%s/m%d.%s'", dir, run, ext[e]));
    assert_true(files_equal(tu_path("%s/m1.pdf", dir), tu_path("%s/m2.pdf", dir)));
    assert_true(files_equal(tu_path("%s/m1.svg", dir), tu_path("%s/m2.svg", dir)));

    size_t n;
    char *pdf = tu_slurp(tu_path("%s/m1.pdf", dir), &n);
    assert_non_null(pdf);
    assert_memory_equal(pdf, "%PDF-", 5);
    const char *mb = NULL;
    for (size_t i = 0; i + 9 < n; i++)
        if (!memcmp(pdf + i, "/MediaBox", 9)) { mb = pdf + i + 9; break; }
    assert_non_null(mb);
    while (*mb == ' ' || *mb == '[') mb++;
    double b[4];
    char *end;
    for (int q = 0; q < 4; q++) {
        b[q] = strtod(mb, &end);
        assert_true(end != mb);
        mb = end;
    }
    assert_float_equal(b[0], 0, 1e-6);
    assert_float_equal(b[1], 0, 1e-6);
    assert_float_equal(b[2], 210 / 25.4 * 72, 1e-3);
    assert_float_equal(b[3], 297 / 25.4 * 72, 1e-3);
    free(pdf);

    /* pdfinfo, when installed, agrees. */
    FILE *p = popen(tu_path("pdfinfo '%s/m1.pdf' 2>/dev/null", dir), "r");
    if (p) {
        char line[512];
        int saw = 0;
        while (fgets(line, sizeof line, p))
            if (!strncmp(line, "Page size:", 10)) {
                saw = 1;
                assert_non_null(strstr(line, "595.276 x 841.89"));
            }
        int st = pclose(p);
        if (st == 0) assert_true(saw);
    }

    char *svg = tu_slurp(tu_path("%s/m1.svg", dir), NULL);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "viewBox=\"0 0 595.275591 841.889764\""));
    free(svg);
    tu_rmtree(dir);
    free((void *)dir);
}

/* 160x120mm at 300 dpi: 160/25.4*300 = 1889.76 -> 1890,
 * 120/25.4*300 = 1417.32 -> 1417. --landscape on A4 swaps 2480x3508 to
 * 3508x2480; on 120x160mm it gives width > height, 1890x1417. */
static void test_png_sizes(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = xstrdup(tu_tmpdir("e2e-sizes"));
    static const struct {
        const char *args;
        int w, h;
    } cases[] = {
        {"--size 160x120mm --dpi 300", 1890, 1417},
        {"--landscape", 3508, 2480},
        {"--size 120x160mm --landscape", 1890, 1417},
        {"--size 160x120mm --dpi 300 --landscape", 1890, 1417},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_ok(tu_path(CODED_ARGS " -q %s -o '%s/s%zu.png' --report '%s/s%zu.json'", cases[i].args, dir, i, dir, i));
        int w, h;
        assert_int_equal(tu_png_size(tu_path("%s/s%zu.png", dir, i), &w, &h), 0);
        if (w != cases[i].w || h != cases[i].h)
            print_error("%s: got %dx%d, expected %dx%d\n", cases[i].args, w, h, cases[i].w, cases[i].h);
        assert_int_equal(w, cases[i].w);
        assert_int_equal(h, cases[i].h);
        struct json_object *r = tu_json_load(tu_path("%s/s%zu.json", dir, i));
        assert_non_null(r);
        assert_int_equal(tu_json_int(r, "output.width_px"), cases[i].w);
        assert_int_equal(tu_json_int(r, "output.height_px"), cases[i].h);
        json_object_put(r);
    }
    tu_rmtree(dir);
    free((void *)dir);
}

static int teardown_all(void **state) {
    (void)state;
    if (coded_rep) json_object_put(coded_rep);
    coded_rep = NULL;
    if (coded_dir[0]) tu_rmtree(coded_dir);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coded_join),
        cmocka_unit_test(test_coded_png_size),
        cmocka_unit_test(test_coded_quantile),
        cmocka_unit_test(test_coded_hanoi_density),
        cmocka_unit_test(test_coded_pixels),
        cmocka_unit_test(test_ne_gn_name),
        cmocka_unit_test(test_ne_name),
        cmocka_unit_test(test_communes_national),
        cmocka_unit_test(test_communes_one_province),
        cmocka_unit_test(test_pdf_svg_deterministic),
        cmocka_unit_test(test_png_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
