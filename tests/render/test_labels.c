/* test_labels.c: unit labels (render.h gv_map_labels) checked from the
 * placements gv_map_render returns.
 *
 * On the real 2025 boundaries (skipped without the shared data folder):
 * the communes of Hà Nội (with the provinces as context, a locator and a
 * north arrow) and all 3,321 communes of the country. For every label
 * drawn: its box lies on the page, meets no other drawn label and none of
 * the legend, scale bar, north arrow and locator; its anchor is the
 * centre of its box and lies inside its unit, tested here by an even-odd
 * point-in-polygon on the layer's own (unsimplified) lon/lat rings; every
 * unit's pole of inaccessibility lies inside the unit as well.
 * On synthetic shapes: the pole of a C-shaped unit (whose centroid is
 * outside it) is inside and near the middle of its thickest arm; a long
 * name in a tall narrow unit is broken in two lines; in a wide flat unit
 * it stays on one; the second of two labels that can only fit at the same
 * spot is dropped as an overlap; a unit too small for its text is dropped
 * as too small; an empty text is "no text". */
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

static int meet(const double a[4], const double b[4]) {
    return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/* The invariants every map with labels must hold; returns labels drawn. */
static size_t check_placements(const gv_render_info *info, const gv_layer *L, gv_page page) {
    size_t nf = gv_layer_count(L), drawn = 0;
    assert_non_null(info->labels);
    assert_int_equal(info->nlabels, nf);
    const double *obst[4] = {info->legend_rect_mm, info->scalebar_rect_mm, info->north_arrow_rect_mm,
                             info->locator_rect_mm};
    for (size_t i = 0; i < nf; i++) {
        const gv_label_placement *p = &info->labels[i];
        assert_int_equal(p->feature, i);
        assert_non_null(p->text);
        if (p->status != GV_LABEL_NO_GEOMETRY && p->status != GV_LABEL_NO_TEXT) {
            if (!tu_inside_unit(L, i, p->pole_lonlat[0], p->pole_lonlat[1]))
                fail_msg("unit %zu '%s': pole %.6f %.6f outside the unit", i, p->text, p->pole_lonlat[0], p->pole_lonlat[1]);
            assert_true(p->pole_dist_mm > 0);
        }
        if (p->status != GV_LABEL_PLACED && p->status != GV_LABEL_MOVED) continue;
        drawn++;
        const double *b = p->box_mm;
        assert_true(b[2] > 0 && b[3] > 0);
        assert_true(b[0] >= 0 && b[1] >= 0 && b[0] + b[2] <= page.width_mm && b[1] + b[3] <= page.height_mm);
        assert_true(fabs(p->anchor_mm[0] - (b[0] + b[2] / 2)) < 1e-6);
        assert_true(fabs(p->anchor_mm[1] - (b[1] + b[3] / 2)) < 1e-6);
        assert_true(p->lines == 1 || p->lines == 2);
        assert_true(p->frame >= 0 && (size_t)p->frame < info->nframes);
        if (!tu_inside_unit(L, i, p->anchor_lonlat[0], p->anchor_lonlat[1]))
            fail_msg("unit %zu '%s': anchor %.6f %.6f outside the unit", i, p->text, p->anchor_lonlat[0], p->anchor_lonlat[1]);
        if (p->status == GV_LABEL_PLACED) {
            /* at the pole: the anchor is the pole */
            assert_true(fabs(p->anchor_lonlat[0] - p->pole_lonlat[0]) < 1e-7);
            assert_true(fabs(p->anchor_lonlat[1] - p->pole_lonlat[1]) < 1e-7);
        }
        for (int k = 0; k < 4; k++)
            if (obst[k][2] > 0 && meet(b, obst[k])) fail_msg("label '%s' covers page element %d", p->text, k);
        for (size_t j = 0; j < i; j++) {
            const gv_label_placement *q = &info->labels[j];
            if (q->status != GV_LABEL_PLACED && q->status != GV_LABEL_MOVED) continue;
            if (meet(b, q->box_mm)) fail_msg("labels '%s' and '%s' overlap", p->text, q->text);
        }
    }
    assert_int_equal(drawn, info->labels_drawn);
    return drawn;
}

typedef struct classed {
    double *v;
    gv_breaks br;
    unsigned col[GV_CLASSES_MAX];
} classed;

static void classify_index(const gv_layer *L, classed *c) {
    size_t n = gv_layer_count(L);
    c->v = malloc((n ? n : 1) * sizeof(double));
    assert_non_null(c->v);
    for (size_t i = 0; i < n; i++) c->v[i] = (double)(i % 7);
    gv_classify_spec cs;
    assert_int_equal(gv_classify_parse(n >= 5 ? "quantile:5" : "equal:2", &cs, NULL), GV_OK);
    assert_int_equal(gv_classify(c->v, n, &cs, &c->br, NULL), GV_OK);
    assert_int_equal(gv_palette_colors("YlGnBu", c->br.k, 0, c->col, NULL), GV_OK);
}

static gv_map_spec spec_for(const gv_layer *L, classed *c, gv_page page, double dpi) {
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = L;
    ms.values = c->v;
    ms.breaks = &c->br;
    ms.colors = c->col;
    ms.nodata_color = 0xf0f0f0;
    ms.title = "Nhãn đơn vị";
    ms.page = page;
    ms.dpi = dpi;
    ms.insets = 1;
    ms.decimals = -1;
    return ms;
}

static void render_ok(const gv_map_spec *ms, const char *path, gv_render_info *info) {
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_map_render(ms, path, info, &err);
    if (rc) fail_msg("render %s: %s", path, err.msg);
}

static void test_hanoi_communes(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("labels_hn");
    gv_layer *L = NULL, *P = NULL;
    assert_int_equal(gv_layer_open(GV_TEST_DATADIR "/boundaries_2025.gpkg", "communes", "province_code='01'", &L, NULL), GV_OK);
    assert_int_equal(gv_layer_open(GV_TEST_DATADIR "/boundaries_2025.gpkg", "provinces", NULL, &P, NULL), GV_OK);
    assert_int_equal(gv_layer_count(L), 126);
    classed c;
    classify_index(L, &c);
    gv_page a4 = {210, 297};
    gv_map_spec ms = spec_for(L, &c, a4, 150);
    gv_map_labels lb = {.field = "name_short", .halo = 1};
    gv_map_context cx = {.layer = P, .behind = 1, .locator = 1};
    ms.labels = &lb;
    ms.context = &cx;
    ms.north_arrow = 1;
    const char *fmts[] = {"png", "pdf"};
    for (int k = 0; k < 2; k++) {
        gv_render_info info;
        render_ok(&ms, tu_path("%s/hn.%s", dir, fmts[k]), &info);
        size_t drawn = check_placements(&info, L, a4);
        print_message("Hà Nội communes, A4 %s: %zu of 126 labelled\n", fmts[k], drawn);
        assert_true(drawn >= 60); /* 76 of 126 when written */
        assert_true(info.locator_rect_mm[2] > 0);
        assert_true(info.north_arrow_rect_mm[2] > 0);
        /* The main frame fills the map area with the context behind. */
        assert_true(info.frames[0].rect_mm[2] > 150);
        gv_render_info_clear(&info);
    }
    /* A tighter page keeps the invariants (more drops, none overlapping). */
    gv_page small = {160, 120};
    ms.page = small;
    gv_render_info info;
    render_ok(&ms, tu_path("%s/hn_small.png", dir), &info);
    check_placements(&info, L, small);
    gv_render_info_clear(&info);
    free(c.v);
    gv_layer_free(L);
    gv_layer_free(P);
    if (!getenv("GV_KEEP")) tu_rmtree(dir);
}

static void test_national_communes(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("labels_nat");
    gv_layer *L = NULL;
    assert_int_equal(gv_layer_open(GV_TEST_DATADIR "/boundaries_2025.gpkg", "communes", NULL, &L, NULL), GV_OK);
    assert_int_equal(gv_layer_count(L), 3321);
    classed c;
    classify_index(L, &c);
    gv_page a3 = {297, 420};
    gv_map_spec ms = spec_for(L, &c, a3, 100);
    gv_map_labels lb = {.field = "name_short", .size_pt = 4};
    ms.labels = &lb;
    gv_render_info info;
    render_ok(&ms, tu_path("%s/nat.png", dir), &info);
    size_t drawn = check_placements(&info, L, a3);
    print_message("national communes, A3, 4 pt: %zu of 3321 labelled, %.0f ms\n", drawn, info.ms_labels);
    assert_true(drawn >= 5); /* 9 when written: communes are 2-5 mm wide at this scale */
    /* Units of the Truong Sa special zone lie only in its inset: labelled
     * there or dropped, never on the mainland frame. */
    assert_true(info.nframes == 3);
    gv_render_info_clear(&info);
    free(c.v);
    gv_layer_free(L);
    if (!getenv("GV_KEEP")) tu_rmtree(dir);
}

/* ---- synthetic shapes ---- */

static gv_layer *open_geojson(const char *dir, const char *text) {
    const char *src = tu_path("%s/shapes.geojson", dir);
    assert_int_equal(tu_write_file(src, text), 0);
    gv_layer *L = NULL;
    gv_error err;
    if (gv_layer_open(src, NULL, NULL, &L, &err)) fail_msg("%s", err.msg);
    return L;
}

static void test_pole_of_c_shape(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("labels_c");
    /* A "C" opening east: thick west arm (105.0-105.6), thin top and bottom
     * arms; its centroid (about 105.5, 20.5) is in the gap, outside. A
     * small square elsewhere keeps the page's extent. */
    gv_layer *L = open_geojson(dir,
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"Chữ C\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
        "[[[105,20],[106.5,20],[106.5,20.2],[105.6,20.2],[105.6,20.8],[106.5,20.8],[106.5,21],[105,21],[105,20]]]}}"
        "]}");
    classed c;
    classify_index(L, &c);
    gv_page page = {120, 120};
    gv_map_spec ms = spec_for(L, &c, page, 100);
    gv_map_labels lb = {.field = "name"};
    ms.labels = &lb;
    gv_render_info info;
    render_ok(&ms, tu_path("%s/c.png", dir), &info);
    const gv_label_placement *p = &info.labels[0];
    assert_true(tu_inside_unit(L, 0, p->pole_lonlat[0], p->pole_lonlat[1]));
    /* The widest inscribed circle sits in the thick west arm (anywhere
     * along its straight middle: its radius is the same there). */
    assert_true(p->pole_lonlat[0] > 105.1 && p->pole_lonlat[0] < 105.5);
    assert_true(p->pole_lonlat[1] > 20.2 && p->pole_lonlat[1] < 20.8);
    assert_int_equal(p->status, GV_LABEL_PLACED);
    check_placements(&info, L, page);
    gv_render_info_clear(&info);
    free(c.v);
    gv_layer_free(L);
    if (!getenv("GV_KEEP")) tu_rmtree(dir);
}

static void test_lines_and_drops(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("labels_syn");
    /* 0: tall narrow unit, 1: wide flat unit (same long name), 2 and 3:
     * the same square twice (two labels, one spot), 4: a speck, 5: no
     * text. */
    gv_layer *L = open_geojson(dir,
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"Phường Đông Hưng Thuận\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[103,20],[104.3,20],[104.3,22],[103,22],[103,20]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"Phường Đông Hưng Thuận\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[104.6,21.6],[107.4,21.6],[107.4,22],[104.6,22],[104.6,21.6]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"AB\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[105,20],[105.3,20],[105.3,20.3],[105,20.3],[105,20]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"CD\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[105,20],[105.3,20],[105.3,20.3],[105,20.3],[105,20]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"Xã Tí Hon\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[106,20],[106.01,20],[106.01,20.01],[106,20.01],[106,20]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"name\":\"\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[106.5,20],[106.9,20],[106.9,20.4],[106.5,20.4],[106.5,20]]]}}"
        "]}");
    classed c;
    classify_index(L, &c);
    gv_page page = {150, 150};
    gv_map_spec ms = spec_for(L, &c, page, 100);
    ms.insets = 0;
    /* Pass 1 at 4 pt: learn the page scale and the height of one line. */
    gv_map_labels lb = {.field = "name", .size_pt = 4};
    ms.labels = &lb;
    gv_render_info info;
    render_ok(&ms, tu_path("%s/a.png", dir), &info);
    double mm_per_m = info.frames[0].scale * 25.4 / 100; /* device px per metre -> mm per metre */
    double side_mm = 0.3 * 111320.0 * mm_per_m * 0.99;    /* the squares' side on the page (about) */
    double h4 = info.labels[2].box_mm[3];
    assert_true(h4 > 0);
    gv_render_info_clear(&info);
    /* Pass 2: one line of "AB" about 0.72 of the square: two such boxes
     * cannot both fit in it, the first one drawn takes the middle. The
     * long name at that size: 2 lines in the narrow unit, 1 in the flat. */
    lb.size_pt = 4 * 0.72 * side_mm / h4;
    render_ok(&ms, tu_path("%s/b.png", dir), &info);
    const gv_label_placement *p = info.labels;
    if (p[0].status == GV_LABEL_PLACED || p[0].status == GV_LABEL_MOVED) assert_int_equal(p[0].lines, 2);
    else fail_msg("narrow unit: %s (box %.1f x %.1f mm)", gv_label_status_str(p[0].status), p[0].box_mm[2], p[0].box_mm[3]);
    assert_int_equal(p[1].status, GV_LABEL_PLACED);
    assert_int_equal(p[1].lines, 1);
    /* Same pole distance: feature order decides; the first is drawn at
     * the pole, the second fits there too but is taken: overlap. */
    assert_int_equal(p[2].status, GV_LABEL_PLACED);
    assert_int_equal(p[3].status, GV_LABEL_OVERLAP);
    assert_int_equal(p[4].status, GV_LABEL_TOO_SMALL);
    assert_int_equal(p[5].status, GV_LABEL_NO_TEXT);
    assert_string_equal(gv_label_status_str(p[3].status), "overlap");
    check_placements(&info, L, page);
    gv_render_info_clear(&info);
    /* single_line: the narrow unit has no room for one line. */
    lb.single_line = 1;
    render_ok(&ms, tu_path("%s/c.png", dir), &info);
    assert_true(info.labels[0].status == GV_LABEL_TOO_SMALL);
    assert_int_equal(info.labels[1].lines, 1);
    gv_render_info_clear(&info);
    /* A field the layer lacks is a usage error, and nothing is written. */
    lb.field = "ten";
    gv_error err;
    assert_int_equal(gv_map_render(&ms, tu_path("%s/d.png", dir), NULL, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "ten"));
    assert_false(tu_exists(tu_path("%s/d.png", dir)));
    free(c.v);
    gv_layer_free(L);
    if (!getenv("GV_KEEP")) tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pole_of_c_shape),
        cmocka_unit_test(test_lines_and_drops),
        cmocka_unit_test(test_hanoi_communes),
        cmocka_unit_test(test_national_communes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
