/* test_pip.c: point in polygon (engine/pip.c). Hand-made units with the
 * expected unit of each point written down independently (inside, shared
 * edge, shared vertex, hole, hole edge, sea), then the 3,321 communes of
 * 2025 against a brute-force even-odd test on seeded random points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/dots.h"
#include "geovoice/layer.h"
#include "geovoice/pip.h"
#include "testutil.h"

/* Three unit squares of 1° (all coordinates exact in binary):
 *   00002: [105,106] x [20,21] with a hole [105.25,105.75] x [20.25,20.75]
 *   00001: [106,107] x [20,21]   (shares the edge x = 106 with 00002)
 *   00003: [105,106] x [21,22]   (shares the edge y = 21 with 00002)
 * The corner (106, 21) is a vertex of all three. Features are listed
 * out of code order so that the rule cannot lean on file order. */
static const char *SQUARES =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00003\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[105,21],[106,21],[106,22],[105,22],[105,21]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00002\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[105,20],[106,20],[106,21],[105,21],[105,20]],"
    "[[105.25,20.25],[105.25,20.75],[105.75,20.75],[105.75,20.25],[105.25,20.25]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00001\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[106,20],[107,20],[107,21],[106,21],[106,20]]]}}]}";

static const char *code_at(const gv_layer *L, long f) {
    if (f < 0) return "none";
    return gv_layer_value(L, (size_t)f, (size_t)gv_layer_field_index(L, "code"));
}

static void test_hand_cases(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("pip");
    char path[4096];
    snprintf(path, sizeof path, "%s/squares.geojson", dir);
    assert_int_equal(tu_write_file(path, SQUARES), 0);
    gv_layer *L = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(path, NULL, NULL, &L, &err), GV_OK);
    size_t n = gv_layer_count(L);
    const char **keys = calloc(n, sizeof *keys);
    for (size_t i = 0; i < n; i++) keys[i] = code_at(L, (long)i);
    gv_pip *P = NULL;
    assert_int_equal(gv_pip_new(L, keys, &P, &err), GV_OK);
    struct {
        double x, y;
        const char *want;
        const char *why;
    } cases[] = {
        {105.125, 20.125, "00002", "inside 00002"},
        {106.5, 20.5, "00001", "inside 00001"},
        {105.5, 21.5, "00003", "inside 00003"},
        {106, 20.5, "00001", "shared edge 00001|00002: smaller code"},
        {105.5, 21, "00002", "shared edge 00002|00003: smaller code"},
        {106, 21, "00001", "vertex of all three: smallest code"},
        {105, 20, "00002", "outer vertex of 00002 only"},
        {107, 20.5, "00001", "outer edge of 00001 only"},
        {105.5, 20.5, "none", "in the hole of 00002 (no unit there)"},
        {105.25, 20.5, "00002", "on the edge of the hole: covered by 00002 only"},
        {108.5, 15.5, "none", "sea"},
        {NAN, 20.5, "none", "no coordinate"},
    };
    size_t nc = sizeof cases / sizeof cases[0];
    double *x = malloc(nc * sizeof *x), *y = malloc(nc * sizeof *y);
    long *out = malloc(nc * sizeof *out);
    for (size_t i = 0; i < nc; i++) x[i] = cases[i].x, y[i] = cases[i].y;
    assert_int_equal(gv_pip_locate(P, x, y, nc, out, 2, &err), GV_OK);
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(code_at(L, out[i]), cases[i].want))
            fail_msg("%s (%.3f, %.3f): got %s, want %s", cases[i].why, x[i], y[i], code_at(L, out[i]), cases[i].want);
    }
    free(x), free(y), free(out), free(keys);
    gv_pip_free(P);
    gv_layer_free(L);
    tu_rmtree(dir);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static double urand(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_communes_brute_force(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    gv_layer *L = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(GV_TEST_DATADIR "/boundaries_2025.gpkg", "communes", NULL, &L, &err), GV_OK);
    size_t nf = gv_layer_count(L);
    int fc = gv_layer_field_index(L, "code");
    const char **keys = calloc(nf, sizeof *keys);
    for (size_t i = 0; i < nf; i++) keys[i] = gv_layer_value(L, i, (size_t)fc);
    gv_pip *P = NULL;
    assert_int_equal(gv_pip_new(L, keys, &P, &err), GV_OK);
    /* 4000 seeded points over the mainland box, plus each commune's label
     * point (which lies inside it, far from its edges). */
    size_t nr = 4000, n = nr + nf;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    long *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < nr; i++) x[i] = 102.1 + urand() * 7.5, y[i] = 8.5 + urand() * 15;
    for (size_t f = 0; f < nf; f++) assert_int_equal(gv_layer_label_point(L, f, &x[nr + f], &y[nr + f]), GV_OK);
    assert_int_equal(gv_pip_locate(P, x, y, n, out, 2, &err), GV_OK);
    size_t inside = 0;
    for (size_t i = 0; i < nr; i++) {
        long want = -1;
        for (size_t f = 0; f < nf && want < 0; f++) {
            double b[4];
            gv_layer_feature_bbox(L, f, b);
            if (x[i] < b[0] || x[i] > b[2] || y[i] < b[1] || y[i] > b[3]) continue;
            const double *xy;
            const size_t *off;
            const int *part;
            size_t nrings;
            gv_layer_rings(L, f, &xy, &off, &part, &nrings);
            if (nrings && gv_dots_inside(L, f, 0, nrings, x[i], y[i])) want = (long)f;
        }
        if (out[i] != want) fail_msg("point %zu (%.6f, %.6f): got %ld want %ld", i, x[i], y[i], out[i], want);
        inside += want >= 0;
    }
    assert_true(inside > 500); /* about a quarter of the box is Vietnam */
    for (size_t f = 0; f < nf; f++)
        if (out[nr + f] != (long)f) fail_msg("label point of %s went to %ld", keys[f], out[nr + f]);
    free(x), free(y), free(out), free(keys);
    gv_pip_free(P);
    gv_layer_free(L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_communes_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
