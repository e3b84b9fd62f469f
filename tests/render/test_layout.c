/* test_layout.c: page layout of a rendered map (render/layout.c through
 * gv_map_render). The real 2019 provinces (skipped without the shared data
 * folder) are classified into 5 quantile classes and drawn on pages of
 * several sizes and shapes; for each PNG the pixel size, the frames and the
 * legend returned in gv_render_info are checked against the page, the
 * archipelago insets and the title, and the legend's pixels must show the
 * first class colour. Then the error paths: a page too small, an output
 * folder that does not exist, an unknown extension; none may leave a file. */
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

typedef struct fixture {
    gv_layer *layer;
    double *values;
    gv_breaks breaks;
    unsigned colors[GV_CLASSES_MAX];
    char dir[4096];
} fixture;

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) return -1;
    const char *d = tu_tmpdir("layout");
    if (!d) return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s", d);
    *state = fx;
    if (!tu_have_data()) return 0;
    gv_error err;
    gv_error_clear(&err);
    if (gv_layer_open(GV_TEST_DATADIR "/boundaries_2019.gpkg", "provinces", NULL, &fx->layer, &err) != GV_OK) {
        fprintf(stderr, "layer: %s\n", err.msg);
        return -1;
    }
    size_t n = gv_layer_count(fx->layer);
    fx->values = malloc(n * sizeof(double));
    if (!fx->values) return -1;
    for (size_t i = 0; i < n; i++) fx->values[i] = (double)i; /* synthetic: the feature index */
    gv_classify_spec cs;
    if (gv_classify_parse("quantile:5", &cs, &err) != GV_OK) return -1;
    if (gv_classify(fx->values, n, &cs, &fx->breaks, &err) != GV_OK) return -1;
    if (fx->breaks.k != 5) return -1;
    if (gv_palette_colors("YlOrRd", fx->breaks.k, 0, fx->colors, &err) != GV_OK) return -1;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    if (fx) {
        gv_layer_free(fx->layer);
        free(fx->values);
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
        if (system(cmd) != 0) { /* best effort */ }
        free(fx);
    }
    return 0;
}

static gv_map_spec base_spec(const fixture *fx, gv_page page) {
    gv_map_spec s;
    memset(&s, 0, sizeof s);
    s.layer = fx->layer;
    s.values = fx->values;
    s.breaks = &fx->breaks;
    s.colors = fx->colors;
    s.nodata_color = 0xdddddd;
    s.title = "Bản đồ thử nghiệm: chỉ số tỉnh";
    s.subtitle = "Dữ liệu tổng hợp";
    s.legend_title = "chỉ số";
    s.source = "kiểm thử";
    s.date = "2019";
    s.label_field = "name";
    s.locale = GV_LOCALE_VI;
    s.decimals = -1;
    s.page = page;
    s.dpi = 100;
    s.insets = 1;
    s.threads = 2;
    return s;
}

static int rects_overlap(const double a[4], const double b[4]) {
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

static void check_inside_page(const char *what, const double r[4], const gv_page *pg) {
    const double eps = 1e-6;
    if (!(r[2] > 0 && r[3] > 0 && r[0] >= -eps && r[1] >= -eps && r[0] + r[2] <= pg->width_mm + eps &&
          r[1] + r[3] <= pg->height_mm + eps))
        fail_msg("%s rect (%.2f, %.2f, %.2f, %.2f) mm is not inside the %.0fx%.0f mm page", what, r[0], r[1], r[2],
                 r[3], pg->width_mm, pg->height_mm);
}

/* Bottom of the title block in pixels: the first non-white row from the
 * top starts the title; the block ends at the first run of >= 3 white
 * rows (title and subtitle are one block, 0.5 mm apart). */
static int title_bottom_px(const unsigned char *rgb, int w, int h) {
    int y = 0, white_run = 0;
    for (; y < h; y++) {
        int white = 1;
        for (int x = 0; x < w && white; x++) {
            const unsigned char *p = rgb + 3 * ((size_t)y * w + x);
            white = p[0] > 250 && p[1] > 250 && p[2] > 250;
        }
        if (!white) break;
    }
    int top = y;
    for (; y < h; y++) {
        int white = 1;
        for (int x = 0; x < w && white; x++) {
            const unsigned char *p = rgb + 3 * ((size_t)y * w + x);
            white = p[0] > 250 && p[1] > 250 && p[2] > 250;
        }
        white_run = white ? white_run + 1 : 0;
        if (white_run >= 3) return y - 2;
    }
    (void)top;
    return h;
}

static void render_page(void **state, const char *page_text, int landscape, const char *file) {
    fixture *fx = *state;
    if (!fx->layer) skip();
    gv_page pg;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_page_parse(page_text, landscape, &pg, &err), GV_OK);
    gv_map_spec s = base_spec(fx, pg);
    const char *path = tu_path("%s/%s", fx->dir, file);
    gv_render_info info;
    int rc = gv_map_render(&s, path, &info, &err);
    if (rc != GV_OK) fail_msg("%s%s: render failed: %d %s", page_text, landscape ? " landscape" : "", rc, err.msg);
    assert_true(tu_exists(path));

    /* PNG size = round(mm * dpi / 25.4) */
    int want_w = (int)lround(pg.width_mm * 100 / 25.4), want_h = (int)lround(pg.height_mm * 100 / 25.4);
    int w = 0, h = 0;
    assert_int_equal(tu_png_size(path, &w, &h), 0);
    assert_int_equal(w, want_w);
    assert_int_equal(h, want_h);
    assert_int_equal(info.width_px, want_w);
    assert_int_equal(info.height_px, want_h);
    assert_true(info.bytes > 0);
    assert_int_equal(info.nfeatures, gv_layer_count(fx->layer));
    assert_int_equal(info.features_drawn, gv_layer_count(fx->layer));

    /* frames: main first, then both archipelago insets (the 2019 provinces
     * reach Hoàng Sa and Trường Sa); all inside the page, insets apart from
     * each other and from the main frame */
    assert_int_equal(info.nframes, 3);
    assert_string_equal(info.frames[0].name, "main");
    assert_string_equal(info.frames[1].name, "hoang_sa");
    assert_string_equal(info.frames[2].name, "truong_sa");
    for (size_t k = 0; k < info.nframes; k++) check_inside_page(info.frames[k].name, info.frames[k].rect_mm, &pg);
    /* checked last so that the other checks still run */
    char deferred[512] = "";
    if (rects_overlap(info.frames[1].rect_mm, info.frames[2].rect_mm))
        snprintf(deferred, sizeof deferred, "%s: inset frames overlap: hoang_sa (%.1f,%.1f,%.1f,%.1f) truong_sa (%.1f,%.1f,%.1f,%.1f)", page_text,
                 info.frames[1].rect_mm[0], info.frames[1].rect_mm[1], info.frames[1].rect_mm[2],
                 info.frames[1].rect_mm[3], info.frames[2].rect_mm[0], info.frames[2].rect_mm[1],
                 info.frames[2].rect_mm[2], info.frames[2].rect_mm[3]);
    for (size_t k = 1; k < info.nframes; k++)
        if (rects_overlap(info.frames[0].rect_mm, info.frames[k].rect_mm))
            fail_msg("%s: inset %s overlaps the main frame", page_text, info.frames[k].name);

    /* legend: inside the page, off every inset, below the title */
    const double *lg = info.legend_rect_mm;
    check_inside_page("legend", lg, &pg);
    for (size_t k = 1; k < info.nframes; k++)
        if (rects_overlap(lg, info.frames[k].rect_mm))
            fail_msg("%s%s: legend (%.1f,%.1f,%.1f,%.1f) overlaps inset %s (%.1f,%.1f,%.1f,%.1f)", page_text,
                     landscape ? " landscape" : "", lg[0], lg[1], lg[2], lg[3], info.frames[k].name,
                     info.frames[k].rect_mm[0], info.frames[k].rect_mm[1], info.frames[k].rect_mm[2],
                     info.frames[k].rect_mm[3]);

    int pw, ph;
    unsigned char *rgb = tu_png_read_rgb(path, &pw, &ph);
    assert_non_null(rgb);
    assert_int_equal(pw, want_w);
    int tb = title_bottom_px(rgb, pw, ph);
    double px_per_mm = 100 / 25.4;
    if (lg[1] * px_per_mm < tb)
        fail_msg("%s: legend top %.1f mm is above the end of the title block (%.1f mm)", page_text, lg[1],
                 tb / px_per_mm);

    /* the legend's pixels show the first class colour exactly (its swatch) */
    int x0 = (int)floor(lg[0] * px_per_mm), y0 = (int)floor(lg[1] * px_per_mm);
    int x1 = (int)ceil((lg[0] + lg[2]) * px_per_mm), y1 = (int)ceil((lg[1] + lg[3]) * px_per_mm);
    if (x1 > pw) x1 = pw;
    if (y1 > ph) y1 = ph;
    size_t hits = 0;
    unsigned c0 = fx->colors[0];
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = rgb + 3 * ((size_t)y * pw + x);
            hits += ((unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2]) == c0;
        }
    free(rgb);
    if (hits < 4) fail_msg("%s: no pixel of the first class colour #%06x inside the legend", page_text, c0);

    gv_render_info_clear(&info);
    assert_null(info.feature_parts_drawn);
    gv_render_info_clear(&info); /* twice is harmless */
    if (*deferred) fail_msg("%s", deferred);
}

static void test_a4_portrait(void **state) { render_page(state, "a4", 0, "a4.png"); }
static void test_a4_landscape(void **state) { render_page(state, "a4", 1, "a4l.png"); }
static void test_a3(void **state) { render_page(state, "a3", 0, "a3.png"); }
static void test_a5(void **state) { render_page(state, "a5", 0, "a5.png"); }
static void test_160x120(void **state) { render_page(state, "160x120mm", 0, "160x120.png"); }
static void test_100x250(void **state) { render_page(state, "100x250mm", 0, "100x250.png"); }

static void test_page_parse(void **state) {
    (void)state;
    gv_page pg;
    assert_int_equal(gv_page_parse("a4", 0, &pg, NULL), GV_OK);
    assert_true(pg.width_mm == 210 && pg.height_mm == 297);
    assert_int_equal(gv_page_parse("a4", 1, &pg, NULL), GV_OK);
    assert_true(pg.width_mm == 297 && pg.height_mm == 210);
    assert_int_equal(gv_page_parse("160x120mm", 0, &pg, NULL), GV_OK);
    assert_true(pg.width_mm == 160 && pg.height_mm == 120);
    assert_int_equal(gv_page_parse("100x250", 0, &pg, NULL), GV_OK);
    assert_true(pg.width_mm == 100 && pg.height_mm == 250);
}

static int dir_entries(const char *d, char *names, size_t n) {
    if (names && n) names[0] = 0;
    return tu_dir_count(d, names, n);
}

static void test_page_too_small(void **state) {
    fixture *fx = *state;
    if (!fx->layer) skip();
    const char *sub = tu_path("%s/small", fx->dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    assert_int_equal(system(cmd), 0);
    gv_page pg = {20, 20};
    gv_map_spec s = base_spec(fx, pg);
    const char *path = tu_path("%s/tiny.png", sub);
    gv_render_info info;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_map_render(&s, path, &info, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "small"));
    assert_false(tu_exists(path));
    char names[1024];
    if (dir_entries(sub, names, sizeof names) != 0) fail_msg("files left behind: %s", names);
    assert_null(info.feature_parts_drawn);
}

static void test_output_folder_missing(void **state) {
    fixture *fx = *state;
    if (!fx->layer) skip();
    gv_map_spec s = base_spec(fx, (gv_page){210, 297});
    const char *missing = tu_path("%s/no_such_folder", fx->dir);
    const char *path = tu_path("%s/map.png", missing);
    gv_render_info info;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_map_render(&s, path, &info, &err), GV_EOUTPUT);
    assert_non_null(strstr(err.msg, path));
    assert_false(tu_exists(missing));
    assert_false(tu_exists(path));
    assert_null(info.feature_parts_drawn);
}

static void test_bad_extension(void **state) {
    fixture *fx = *state;
    if (!fx->layer) skip();
    gv_map_spec s = base_spec(fx, (gv_page){210, 297});
    const char *path = tu_path("%s/map.txt", fx->dir);
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_map_render(&s, path, NULL, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, path));
    assert_false(tu_exists(path));
    gv_format f;
    assert_int_equal(gv_format_from_path("x.PNG", &f, NULL), GV_OK);
    assert_int_equal(f, GV_FORMAT_PNG);
    assert_int_equal(gv_format_from_path("x.pdf", &f, NULL), GV_OK);
    assert_int_equal(f, GV_FORMAT_PDF);
    assert_int_equal(gv_format_from_path("x.Svg", &f, NULL), GV_OK);
    assert_int_equal(f, GV_FORMAT_SVG);
    assert_int_equal(gv_format_from_path("x.txt", &f, NULL), GV_EUSAGE);
}

/* Vector output: same layout numbers, no pixel size. */
static void test_pdf_svg(void **state) {
    fixture *fx = *state;
    if (!fx->layer) skip();
    gv_map_spec s = base_spec(fx, (gv_page){210, 297});
    const char *files[] = {"map.pdf", "map.svg"};
    for (int k = 0; k < 2; k++) {
        const char *path = tu_path("%s/%s", fx->dir, files[k]);
        gv_render_info info;
        gv_error err;
        gv_error_clear(&err);
        if (gv_map_render(&s, path, &info, &err) != GV_OK) fail_msg("%s: %s", files[k], err.msg);
        assert_int_equal(info.width_px, 0);
        assert_int_equal(info.height_px, 0);
        check_inside_page("legend", info.legend_rect_mm, &s.page);
        size_t n = 0;
        char *text = tu_slurp(path, &n);
        assert_non_null(text);
        assert_true(k == 0 ? !memcmp(text, "%PDF", 4) : strstr(text, "<svg") != NULL);
        assert_int_equal((long long)n, info.bytes);
        free(text);
        gv_render_info_clear(&info);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_parse),
        cmocka_unit_test(test_a4_portrait),
        cmocka_unit_test(test_a4_landscape),
        cmocka_unit_test(test_a3),
        cmocka_unit_test(test_a5),
        cmocka_unit_test(test_160x120),
        cmocka_unit_test(test_100x250),
        cmocka_unit_test(test_page_too_small),
        cmocka_unit_test(test_output_folder_missing),
        cmocka_unit_test(test_bad_extension),
        cmocka_unit_test(test_pdf_svg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
