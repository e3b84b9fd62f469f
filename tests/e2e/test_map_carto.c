/* test_map_carto.c: the cartographic finish of `geovoice map`, end to end
 * on the real 2025 boundaries (skipped without the shared data folder).
 *
 * - Golden images (tests/golden/, A5 at 100 dpi, the tolerance of
 *   test_map_modes.c: under 0.5 % of pixels may differ by more than 40 in
 *   a channel; GV_UPDATE_GOLDEN=1 rewrites them): a province page (the
 *   communes of Hà Nội with the provinces in grey behind, a locator, labels
 *   with halo, a north arrow) and the national page of the 34 provinces
 *   with the Hoàng Sa and Trường Sa insets and labels. Each is drawn twice:
 *   same bytes.
 * - The run report's "labels": one entry per unit, statuses counted, the
 *   drawn labels' boxes disjoint.
 * - PDF: title/author/subject/keywords read back with pdfinfo, the fixed
 *   creation date, every font embedded (pdffonts), label text with
 *   Vietnamese marks extracted as text (pdftotext), the page size in
 *   points exactly mm * 72 / 25.4 (160 x 120 mm); PNG pixels of that size
 *   at 300 dpi; SVG rasterised by rsvg-convert.
 * - The scale bar's length is 1, 2, 4 or 5 times a power of ten, so its
 *   three labels (0, L/2, L) are round.
 * - Usage errors of the new options. */
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

#define DATA GV_TEST_DATADIR
#define B2025 DATA "/boundaries_2025.gpkg"
#define CENSUS25 DATA "/census/provinces_2025.csv"

static void run_ok(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(args, &err);
    if (rc != 0) fail_msg("geovoice %s\nexit %d, stderr:\n%s", args, rc, err ? err : "");
    free(err);
}

/* The province page: args (with a trailing -o) for one output. */
static const char *province_args(const char *extra, const char *out) {
    return tu_path("map --shapes '%s' --layer communes --where \"province_code='01'\" --value @area_km2"
                   " --classify quantile:5 --palette YlGn --title 'Diện tích các xã, phường — Thành phố Hà Nội'"
                   " --legend-title 'km²' --source 'Bản đồ hành chính 2025' --labels name_short --label-halo"
                   " --context '%s' --context-layer provinces --locator --north-arrow %s -q -o '%s'",
                   B2025, B2025, extra ? extra : "", out);
}

static const char *national_args(const char *extra, const char *out) {
    return tu_path("map --shapes '%s' --layer provinces --data '%s' --join code=code --value 'population/@area_km2'"
                   " --title 'Mật độ dân số theo tỉnh, 2025' --legend-title 'người/km²' --labels name_short"
                   " --label-halo --north-arrow %s -q -o '%s'", B2025, CENSUS25, extra ? extra : "", out);
}

static void golden_twice(const char *name, const char *(*args)(const char *, const char *), const char *extra) {
    const char *dir = tu_tmpdir(name);
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/a.png", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    run_ok(args(extra, a));
    run_ok(args(extra, b));
    /* A5 at 100 dpi: round(148 * 100 / 25.4) x round(210 * 100 / 25.4). */
    const char *bad = tu_golden_check(name, a, b, 583, 827);
    if (bad) fail_msg("%s", bad);
    tu_rmtree(dir);
}

static void test_golden_province_page(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    golden_twice("map_province_carto_a5", province_args, "--size a5 --dpi 100");
}

static void test_golden_national_page(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    golden_twice("map_national_carto_a5", national_args, "--size a5 --dpi 100");
}

static int meet(json_object *a, json_object *b) {
    double r[2][4];
    for (int q = 0; q < 4; q++) {
        r[0][q] = json_object_get_double(json_object_array_get_idx(a, q));
        r[1][q] = json_object_get_double(json_object_array_get_idx(b, q));
    }
    return r[0][0] < r[1][0] + r[1][2] && r[1][0] < r[0][0] + r[0][2] && r[0][1] < r[1][1] + r[1][3] &&
           r[1][1] < r[0][1] + r[0][3];
}

static void test_report_labels(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("carto_report");
    char rep[4096], png[4096];
    snprintf(rep, sizeof rep, "%s/r.json", dir);
    snprintf(png, sizeof png, "%s/p.png", dir);
    char extra[4200];
    snprintf(extra, sizeof extra, "--dpi 100 --report '%s'", rep);
    run_ok(province_args(extra, png));
    json_object *r = tu_json_load(rep);
    assert_non_null(r);
    json_object *units = tu_json_get(r, "labels.units");
    assert_non_null(units);
    size_t n = json_object_array_length(units);
    assert_int_equal(n, 126);
    long long drawn = tu_json_int(r, "labels.drawn"), sum = 0;
    assert_true(drawn >= 60);
    const char *st[] = {"placed", "moved", "no text", "no geometry", "too small", "overlap"};
    for (int k = 0; k < 6; k++) sum += tu_json_int(tu_json_get(r, "labels.by_status"), st[k]);
    assert_int_equal(sum, 126);
    assert_int_equal(tu_json_int(tu_json_get(r, "labels.by_status"), "placed") +
                         tu_json_int(tu_json_get(r, "labels.by_status"), "moved"), drawn);
    for (size_t i = 0; i < n; i++) {
        json_object *u = json_object_array_get_idx(units, i);
        const char *s = tu_json_str(u, "status");
        if (strcmp(s, "placed") && strcmp(s, "moved")) continue;
        for (size_t j = 0; j < i; j++) {
            json_object *v = json_object_array_get_idx(units, j);
            const char *t = tu_json_str(v, "status");
            if (strcmp(t, "placed") && strcmp(t, "moved")) continue;
            if (meet(tu_json_get(u, "box_mm"), tu_json_get(v, "box_mm")))
                fail_msg("'%s' and '%s' overlap", tu_json_str(u, "text"), tu_json_str(v, "text"));
        }
    }
    assert_non_null(tu_json_get(r, "output.locator_rect_mm"));
    assert_non_null(tu_json_get(r, "output.north_arrow_rect_mm"));
    json_object_put(r);
    tu_rmtree(dir);
}

/* The value of "Key:" in pdfinfo's output, trimmed (static buffer). */
static const char *pdfinfo_field(const char *info, const char *key) {
    static char v[512];
    v[0] = 0;
    char k[64];
    snprintf(k, sizeof k, "\n%s:", key);
    const char *p = strstr(info, k);
    if (!p && !strncmp(info, k + 1, strlen(k + 1))) p = info - 1;
    if (!p) return v;
    p += strlen(k);
    while (*p == ' ') p++;
    size_t n = strcspn(p, "\n");
    snprintf(v, sizeof v, "%.*s", (int)n, p);
    return v;
}

static void test_pdf_metadata_fonts_text(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("carto_pdf");
    char pdf[4096];
    snprintf(pdf, sizeof pdf, "%s/p.pdf", dir);
    char extra[4300];
    snprintf(extra, sizeof extra, "--size 160x120mm --author 'Ban Dân nguyện' --subject 'Diện tích xã' --keywords 'Hà Nội, 2025'"
             " --report '%s/r.json'", dir);
    run_ok(province_args(extra, pdf));
    int st;
    char *info = tu_capture(tu_path("pdfinfo '%s'", pdf), &st);
    assert_non_null(info);
    assert_int_equal(st, 0);
    assert_string_equal(pdfinfo_field(info, "Title"), "Diện tích các xã, phường — Thành phố Hà Nội");
    assert_string_equal(pdfinfo_field(info, "Author"), "Ban Dân nguyện");
    assert_string_equal(pdfinfo_field(info, "Subject"), "Diện tích xã");
    assert_string_equal(pdfinfo_field(info, "Keywords"), "Hà Nội, 2025");
    assert_string_equal(pdfinfo_field(info, "Creator"), "geovoice");
    assert_non_null(strstr(pdfinfo_field(info, "CreationDate"), "2000"));
    assert_string_equal(pdfinfo_field(info, "Pages"), "1");
    /* 160 x 120 mm = 453.543 x 340.157 pt */
    assert_non_null(strstr(pdfinfo_field(info, "Page size"), "453.543 x 340.157 pts"));
    free(info);
    char *fonts = tu_capture(tu_path("pdffonts '%s'", pdf), &st);
    assert_non_null(fonts);
    assert_int_equal(st, 0);
    int nfonts = 0;
    for (char *line = strtok(fonts, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "name", 4) || !strncmp(line, "----", 4)) continue;
        nfonts++;
        /* columns: name type encoding emb sub uni object ID; the type
         * may be two words, so count from the end */
        assert_non_null(strstr(line, "NotoSans"));
        char *w[16];
        int nw = 0;
        for (char *q = line; *q && nw < 16;) {
            while (*q == ' ') *q++ = 0;
            if (!*q) break;
            w[nw++] = q;
            while (*q && *q != ' ') q++;
        }
        assert_true(nw >= 7);
        assert_string_equal(w[nw - 5], "yes"); /* emb */
    }
    assert_true(nfonts >= 1);
    free(fonts);
    char *text = tu_capture(tu_path("pdftotext '%s' -", pdf), &st);
    assert_non_null(text);
    assert_int_equal(st, 0);
    assert_non_null(strstr(text, "Diện tích các xã, phường"));
    /* Every drawn label's words come out as text (NFC), and some carry
     * two marks on one letter (U+1EA0-U+1EF9: ồ, ệ, ữ...). */
    json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    json_object *units = tu_json_get(r, "labels.units");
    int drawn = 0, stacked = 0;
    for (size_t i = 0; i < json_object_array_length(units); i++) {
        json_object *u = json_object_array_get_idx(units, i);
        if (strcmp(tu_json_str(u, "status"), "placed") && strcmp(tu_json_str(u, "status"), "moved")) continue;
        drawn++;
        char words[256];
        snprintf(words, sizeof words, "%s", tu_json_str(u, "text"));
        for (const unsigned char *q = (const unsigned char *)words; *q; q++)
            if (q[0] == 0xe1 && (q[1] == 0xba || q[1] == 0xbb)) stacked = 1;
        for (char *wd = strtok(words, " "); wd; wd = strtok(NULL, " "))
            if (!strstr(text, wd)) fail_msg("label word '%s' not in the PDF's text", wd);
    }
    assert_true(drawn >= 5);
    assert_true(stacked);
    json_object_put(r);
    free(text);
    /* The same page as PNG at 300 dpi: round(160*300/25.4) x round(120*300/25.4). */
    char png[4096];
    snprintf(png, sizeof png, "%s/p.png", dir);
    run_ok(province_args("--size 160x120mm --dpi 300", png));
    int w, h;
    assert_int_equal(tu_png_size(png, &w, &h), 0);
    assert_int_equal(w, 1890);
    assert_int_equal(h, 1417);
    /* SVG as Cairo writes it, readable by librsvg. */
    char svg[4096];
    snprintf(svg, sizeof svg, "%s/p.svg", dir);
    run_ok(province_args("--size 160x120mm", svg));
    char *sv = tu_slurp(svg, NULL);
    assert_non_null(sv);
    assert_non_null(strstr(sv, "width=\"453.543307pt\" height=\"340.15748pt\""));
    free(sv);
    assert_int_equal(system(tu_path("rsvg-convert -o '%s/svg.png' '%s'", dir, svg)), 0);
    assert_int_equal(tu_png_size(tu_path("%s/svg.png", dir), &w, &h), 0);
    assert_true(w == 605 && h == 454); /* librsvg at 96 px per inch: 160 mm = 604.7 px */
    tu_rmtree(dir);
}

static int round_length(double km) {
    double p = pow(10, floor(log10(km) + 1e-9));
    double m = km / p;
    return fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 4) < 1e-9 || fabs(m - 5) < 1e-9;
}

static void test_scalebar_round(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("carto_scale");
    const char *cases[] = {"--size a4", "--size a5", "--size a3 --landscape", "--size 160x120mm",
                           "--size a4 --where \"code='79'\"", "--size a4 --where \"code='01'\""};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char rep[4096];
        snprintf(rep, sizeof rep, "%s/r%zu.json", dir, k);
        run_ok(tu_path("map --shapes '%s' --layer provinces --value @area_km2 --dpi 50 %s -q --report '%s' -o '%s/m%zu.png'",
                       B2025, cases[k], rep, dir, k));
        json_object *r = tu_json_load(rep);
        double km = tu_json_double(r, "output.scalebar_km");
        if (!round_length(km)) fail_msg("%s: scale bar of %g km", cases[k], km);
        json_object_put(r);
    }
    tu_rmtree(dir);
}

static void test_usage_errors(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("carto_err");
    struct {
        const char *args, *needle;
    } cases[] = {
        {"--labels ten_xa", "no such field"},
        {"--label-halo", "need --labels"},
        {"--context-layer provinces", "need --context"},
        {"--context /nonexistent.gpkg", "--context"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *err = NULL;
        const char *out = tu_path("%s/x%zu.png", dir, k);
        int rc = tu_run_cli(tu_path("map --shapes '%s' --layer provinces --value @area_km2 %s -q -o '%s'", B2025,
                                    cases[k].args, out), &err);
        if (!err || !strstr(err, cases[k].needle)) fail_msg("%s: stderr '%s'", cases[k].args, err ? err : "");
        assert_true(rc == 1 || rc == 2);
        free(err);
        assert_false(tu_exists(out));
    }
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_province_page),
        cmocka_unit_test(test_golden_national_page),
        cmocka_unit_test(test_report_labels),
        cmocka_unit_test(test_pdf_metadata_fonts_text),
        cmocka_unit_test(test_scalebar_round),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
