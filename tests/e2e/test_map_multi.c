/* test_map_multi.c: `geovoice map --mode bivariate` and `--mode
 * multiples` on the 63 provinces of 2019 (skipped without the shared data
 * folder). Expected classes are worked out here from the census table:
 * - bivariate, urban share x population: with 63 distinct values per
 *   indicator, tertiles put 21 provinces in each class, so a province's
 *   class is its rank / 21 (checked against the report's counts first);
 *   its fill is Stevens' DkBlue colour [3 * y + x], written out here from
 *   biscale's table; the PNG pixel at central Hà Nội and at Hà Giang
 *   town has that colour;
 * - multiples, urban and rural share: the classes are computed over both
 *   panels' 126 values, so the outer edges are the smallest and largest
 *   of them; each panel's pixel at central Hà Nội has the colour of its
 *   own value's class, in its own panel (frame + the panel's offset);
 *   the legend lists ranges only.
 * Usage errors: --value2 without bivariate, one panel, labels on panels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define B2019 GV_TEST_DATADIR "/boundaries_2019.gpkg"
#define CENSUS GV_TEST_DATADIR "/census/provinces_2019.csv"

/* Stevens "DkBlue" (biscale): [3 * y + x]. */
static const unsigned DKBLUE[9] = {0xe8e8e8, 0xace4e4, 0x5ac8c8, 0xdfb0d6, 0xa5add3,
                                   0x5698b9, 0xbe64ac, 0x8c62aa, 0x3b4994};
/* ColorBrewer YlOrRd, 5 classes. */
static const unsigned YLORRD5[5] = {0xffffb2, 0xfecc5c, 0xfd8d3c, 0xf03b20, 0xbd0026};

typedef struct row {
    int code;
    double total, urban, rural;
} row;

static int read_census(row *rows) {
    FILE *f = fopen(CENSUS, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) && n < 100) {
        char *fl[16];
        if (tu_csv_split(line, fl, 16) < 6) continue;
        rows[n++] = (row){atoi(fl[0]), atof(fl[3]), atof(fl[4]), atof(fl[5])};
    }
    fclose(f);
    return n;
}

/* Rank of v among the n values of a (0 = smallest). */
static int rank_of(const double *a, int n, double v) {
    int r = 0;
    for (int i = 0; i < n; i++) r += a[i] < v;
    return r;
}

static void run_ok(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(args, &err);
    if (rc) fail_msg("geovoice %s\nexit %d: %s", args, rc, err ? err : "");
    free(err);
}

static void test_bivariate_classes_and_pixels(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    row rows[100];
    int n = read_census(rows);
    assert_int_equal(n, 63);
    double ux[63], py[63];
    for (int i = 0; i < n; i++) {
        ux[i] = 100 * rows[i].urban / rows[i].total;
        py[i] = rows[i].total;
    }
    const char *dir = tu_tmpdir("bivariate");
    char png[4096], rep[4096];
    snprintf(png, sizeof png, "%s/b.png", dir);
    snprintf(rep, sizeof rep, "%s/b.json", dir);
    run_ok(tu_path("map --shapes '%s' --layer provinces --data '%s' --join code=gso_code --mode bivariate"
                   " --value '100*population_urban/population_total' --value2 population_total"
                   " --legend-title 'Thành thị (%%)' --legend-title2 'Dân số' --dpi 100 --size a5 -q --report '%s' -o '%s'",
                   B2019, CENSUS, rep, png));
    json_object *r = tu_json_load(rep);
    assert_non_null(r);
    for (int a = 0; a < 2; a++) {
        json_object *cnt = tu_json_get(json_object_array_get_idx(tu_json_get(r, "indicators"), a), "classification.counts");
        for (int k = 0; k < 3; k++) assert_int_equal(json_object_get_int(json_object_array_get_idx(cnt, k)), 21);
    }
    /* Every unit's classes and colour. */
    json_object *units = tu_json_get(r, "units");
    assert_int_equal(json_object_array_length(units), 63);
    for (size_t u = 0; u < 63; u++) {
        json_object *x = json_object_array_get_idx(units, u);
        int code = atoi(tu_json_str(x, "key")), i;
        for (i = 0; i < n && rows[i].code != code; i++) {}
        assert_true(i < n);
        int cx = rank_of(ux, n, ux[i]) / 21, cy = rank_of(py, n, py[i]) / 21;
        json_object *cl = tu_json_get(x, "classes");
        assert_int_equal(json_object_get_int(json_object_array_get_idx(cl, 0)), cx);
        assert_int_equal(json_object_get_int(json_object_array_get_idx(cl, 1)), cy);
        char hx[8];
        snprintf(hx, sizeof hx, "#%06x", DKBLUE[3 * cy + cx]);
        assert_string_equal(tu_json_str(x, "color"), hx);
    }
    json_object_put(r);
    /* Pixels: central Hà Nội (01) and Hà Giang town (02). */
    const struct { int code; double lon, lat; } pts[] = {{1, 105.85, 21.03}, {2, 104.98, 22.82}};
    for (int k = 0; k < 2; k++) {
        int i;
        for (i = 0; i < n && rows[i].code != pts[k].code; i++) {}
        int cx = rank_of(ux, n, ux[i]) / 21, cy = rank_of(py, n, py[i]) / 21;
        unsigned c;
        assert_int_equal(tu_pixel_lonlat(png, rep, pts[k].lon, pts[k].lat, 0, 0, 100 / 25.4, &c), 0);
        if (c != DKBLUE[3 * cy + cx]) fail_msg("code %02d: pixel #%06x, want #%06x (x %d, y %d)", pts[k].code, c, DKBLUE[3 * cy + cx], cx, cy);
    }
    /* Hà Nội is in the top class of both: the darkest corner. */
    tu_rmtree(dir);
}

static void test_multiples_shared_classes(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    row rows[100];
    int n = read_census(rows);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        double a = 100 * rows[i].urban / rows[i].total, b = 100 * rows[i].rural / rows[i].total;
        lo = fmin(lo, fmin(a, b));
        hi = fmax(hi, fmax(a, b));
    }
    const char *dir = tu_tmpdir("multiples");
    char png[4096], rep[4096];
    snprintf(png, sizeof png, "%s/m.png", dir);
    snprintf(rep, sizeof rep, "%s/m.json", dir);
    run_ok(tu_path("map --shapes '%s' --layer provinces --data '%s' --join code=gso_code --mode multiples"
                   " --panel '100*population_urban/population_total=Thành thị'"
                   " --panel '100*population_rural/population_total=Nông thôn' --title 'Tỷ lệ (%%)' --landscape"
                   " --dpi 100 --size a5 -q --report '%s' -o '%s'", B2019, CENSUS, rep, png));
    json_object *r = tu_json_load(rep);
    assert_non_null(r);
    json_object *br = tu_json_get(r, "classification.breaks");
    size_t ne = json_object_array_length(br);
    assert_int_equal(ne, 6);
    assert_true(fabs(json_object_get_double(json_object_array_get_idx(br, 0)) - lo) < 1e-9);
    assert_true(fabs(json_object_get_double(json_object_array_get_idx(br, 5)) - hi) < 1e-9);
    json_object *panels = tu_json_get(r, "panels");
    assert_int_equal(json_object_array_length(panels), 2);
    int i;
    for (i = 0; i < n && rows[i].code != 1; i++) {}
    for (int p = 0; p < 2; p++) {
        json_object *pp = json_object_array_get_idx(panels, p);
        long long sum = 0;
        json_object *cnt = tu_json_get(pp, "units_per_class");
        for (size_t k = 0; k < json_object_array_length(cnt); k++) sum += json_object_get_int(json_object_array_get_idx(cnt, k));
        assert_int_equal(sum, 63);
        /* Hà Nội's value of this panel, its class in the shared breaks. */
        double v = 100 * (p ? rows[i].rural : rows[i].urban) / rows[i].total;
        int c = 0;
        while (c < 4 && v > json_object_get_double(json_object_array_get_idx(br, (size_t)c + 1))) c++;
        json_object *off = tu_json_get(pp, "offset_mm");
        double dx = json_object_get_double(json_object_array_get_idx(off, 0)),
               dy = json_object_get_double(json_object_array_get_idx(off, 1));
        if (p) assert_true(dx > 0 || dy > 0);
        unsigned px;
        assert_int_equal(tu_pixel_lonlat(png, rep, 105.85, 21.03, dx, dy, 100 / 25.4, &px), 0);
        if (px != YLORRD5[c]) fail_msg("panel %d: pixel #%06x, want #%06x (class %d of %.2f)", p, px, YLORRD5[c], c, v);
    }
    json_object_put(r);
    tu_rmtree(dir);
}

static void test_usage_errors(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    struct {
        const char *args, *needle;
    } cases[] = {
        {"--value population_total --value2 population_urban", "--value2 is for --mode bivariate"},
        {"--mode bivariate --value population_total", "needs --value2"},
        {"--mode multiples --panel population_total", "2 to 12"},
        {"--mode multiples --value x --panel a --panel b", "not --value"},
        {"--mode multiples --panel population_total --panel population_urban --labels name", "no labels"},
        {"--mode bivariate --value population_total --value2 population_urban --palette YlOrRd", "bivariate palette"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *err = NULL;
        const char *out = tu_path("%s/x.png", tu_tmpdir("multi_err"));
        int rc = tu_run_cli(tu_path("map --shapes '%s' --layer provinces --data '%s' --join code=gso_code %s -q -o '%s'",
                                    B2019, CENSUS, cases[k].args, out), &err);
        if (rc != 1 || !err || !strstr(err, cases[k].needle))
            fail_msg("%s: exit %d, stderr '%s'", cases[k].args, rc, err ? err : "");
        free(err);
        assert_false(tu_exists(out));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bivariate_classes_and_pixels),
        cmocka_unit_test(test_multiples_shared_classes),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
