/* test_determinism.c: the same map drawn twice by one process gives the
 * same bytes in every format (SPEC "Outputs": Cairo's SVG ids count per
 * process and its PDF writes the clock unless told otherwise), with and
 * without the cartographic finish (labels, context, locator, north arrow),
 * for proportional symbols, bivariate maps and small multiples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/classify.h"
#include "geovoice/layer.h"
#include "geovoice/palette.h"
#include "geovoice/render.h"
#include "testutil.h"

static const char *GJ =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\",\"name\":\"Hà Nội\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]],[[105.4,20.4],[105.4,20.6],[105.6,20.6],[105.6,20.4],[105.4,20.4]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\",\"name\":\"Hải Phòng\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[106,20],[107,20],[107,21],[106,21],[106,20]]]}}]}";

/* 1: labels with halo, context behind, locator, north arrow; 2: symbols;
 * 3: bivariate; 4: small multiples */
static int finish;

static void draw(const gv_layer *l, const char *path) {
    double v[2] = {1.0, 2.0};
    gv_classify_spec cs;
    gv_breaks br;
    unsigned col[GV_CLASSES_MAX];
    assert_int_equal(gv_classify_parse("equal:2", &cs, NULL), GV_OK);
    assert_int_equal(gv_classify(v, 2, &cs, &br, NULL), GV_OK);
    assert_int_equal(gv_palette_colors("Blues", br.k, 0, col, NULL), GV_OK);
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = l;
    ms.values = v;
    ms.breaks = &br;
    ms.colors = col;
    ms.nodata_color = 0xf0f0f0;
    ms.title = "Thử nghiệm: Hà Nội, Hải Phòng";
    ms.legend_title = "đơn vị";
    ms.page.width_mm = 100;
    ms.page.height_mm = 80;
    ms.dpi = 72;
    ms.insets = 1;
    ms.decimals = -1;
    gv_map_labels lb = {.field = "name", .halo = 1, .size_pt = 7};
    gv_map_context cx = {.layer = l, .behind = 1, .locator = 1};
    if (finish == 1) {
        ms.labels = &lb;
        ms.context = &cx;
        ms.north_arrow = 1;
    }
    gv_map_symbols sy = {.values = v, .title = "số"};
    if (finish == 2) ms.symbols = &sy;
    double w[2] = {2.0, 1.0}, x3[4] = {0, 1, 2, 3};
    gv_breaks b3;
    assert_int_equal(gv_classify_parse("equal:3", &cs, NULL), GV_OK);
    assert_int_equal(gv_classify(x3, 4, &cs, &b3, NULL), GV_OK);
    unsigned bc[9];
    assert_int_equal(gv_bivariate_palette("stevens-grpink", bc, NULL), GV_OK);
    double bx[2] = {0, 3}, by[2] = {3, 1.5};
    gv_map_bivariate bv = {bx, by, &b3, &b3, bc, "x", "y"};
    if (finish == 3) ms.bivariate = &bv;
    gv_map_panel pn[3] = {{v, "Một"}, {w, "Hai"}, {v, "Ba"}};
    if (finish == 4) {
        ms.panels = pn;
        ms.npanels = 3;
    }
    gv_error err;
    int rc = gv_map_render(&ms, path, NULL, &err);
    if (rc) print_error("%s\n", err.msg);
    assert_int_equal(rc, GV_OK);
}

static void same_twice(const char *ext) {
    const char *dir = tu_tmpdir(ext);
    const char *src = tu_path("%s/t.geojson", dir);
    FILE *f = fopen(src, "w");
    fputs(GJ, f);
    fclose(f);
    gv_layer *l = NULL;
    assert_int_equal(gv_layer_open(src, NULL, NULL, &l, NULL), GV_OK);
    /* something else first, so process-wide counters move */
    draw(l, tu_path("%s/warmup.%s", dir, ext));
    draw(l, tu_path("%s/a.%s", dir, ext));
    draw(l, tu_path("%s/b.%s", dir, ext));
    size_t na, nb;
    char *a = tu_slurp(tu_path("%s/a.%s", dir, ext), &na), *b = tu_slurp(tu_path("%s/b.%s", dir, ext), &nb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    if (!strcmp(ext, "pdf")) assert_null(strstr(a, "/CreationDate (D:20")); /* no clock time in the file */
    free(a);
    free(b);
    gv_layer_free(l);
}

static void test_png(void **s) { (void)s; same_twice("png"); }
static void test_pdf(void **s) { (void)s; same_twice("pdf"); }
static void test_svg(void **s) { (void)s; same_twice("svg"); }
static void all_formats(int mode) {
    finish = mode;
    same_twice("png");
    same_twice("pdf");
    same_twice("svg");
    finish = 0;
}
static void test_finish(void **s) { (void)s; all_formats(1); }
static void test_symbols(void **s) { (void)s; all_formats(2); }
static void test_bivariate(void **s) { (void)s; all_formats(3); }
static void test_multiples(void **s) { (void)s; all_formats(4); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_bivariate),
        cmocka_unit_test(test_multiples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
