/* test_atlas_spec.c: the atlas spec reader (job/atlas_spec.c): a full
 * spec read back field by field, defaults, slugs, and every kind of error
 * naming its line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/atlas.h"
#include "testutil.h"

static char dir[4096];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("atlas-spec"));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    return 0;
}

/* Writes text as a spec and reads it; returns the code, message in err. */
static int read_spec(const char *text, gv_atlas_spec **out, gv_error *err) {
    const char *p = tu_path("%s/spec.yaml", dir);
    assert_int_equal(tu_write_file(p, text), 0);
    gv_error_clear(err);
    return gv_atlas_spec_read(p, out, err);
}

static void test_full_spec(void **state) {
    (void)state;
    gv_atlas_spec *s = NULL;
    gv_error e;
    int rc = read_spec("# comment\n"
                       "title: \"Atlas thử\"\n"
                       "set: vn-2025\n"
                       "output: out\n"
                       "formats: [pdf]\n"
                       "page: {size: a5, landscape: yes, dpi: 96}\n"
                       "locale: en\n"
                       "tables:\n"
                       "  t: {file: data/t.csv, join: ma}\n"
                       "indicators:\n"
                       "  - name: \"Tỷ lệ thành thị\"\n"
                       "    table: t\n"
                       "    value: urban / pop * 100\n"
                       "    classify: jenks:4\n"
                       "    palette: RdBu\n"
                       "    breaks: local\n"
                       "    center: 50\n"
                       "    suppress: {column: pop, below: 5}\n"
                       "    title: \"{code} {name}\"\n"
                       "  - name: Area\n"
                       "    value: \"@area_km2\"\n"
                       "pages:\n"
                       "  national: no\n"
                       "  provinces: [\"01\", 79]\n"
                       "  order: area\n",
                       &s, &e);
    if (rc) print_error("%s\n", e.msg);
    assert_int_equal(rc, GV_OK);
    assert_string_equal(s->title, "Atlas thử");
    assert_string_equal(s->set, "vn-2025");
    assert_string_equal(s->output, tu_path("%s/out", dir));
    assert_int_equal(s->want_pdf, 1);
    assert_int_equal(s->want_png, 0);
    assert_true(s->page.width_mm == 210 && s->page.height_mm == 148);
    assert_true(s->dpi == 96);
    assert_string_equal(s->locale, "en");
    assert_string_equal(s->national_name, "Viet Nam");
    assert_int_equal(s->ntables, 1);
    assert_string_equal(s->tables[0].file, tu_path("%s/data/t.csv", dir));
    assert_string_equal(s->tables[0].join, "ma");
    assert_int_equal(s->nindicators, 2);
    const gv_atlas_indicator *a = &s->indicators[0], *b = &s->indicators[1];
    assert_string_equal(a->slug, "ty-le-thanh-thi");
    assert_int_equal(a->local_breaks, 1);
    assert_int_equal(a->has_center, 1);
    assert_true(a->center == 50);
    assert_string_equal(a->suppress_column, "pop");
    assert_true(a->suppress_below == 5);
    assert_int_equal(a->line, 11);
    assert_string_equal(b->slug, "area");
    assert_string_equal(b->classify, "quantile:5");
    assert_string_equal(b->palette, "YlOrRd");
    assert_string_equal(b->title, "Area — {name}");
    assert_int_equal(s->national, 0);
    assert_int_equal(s->provinces_all, 0);
    assert_int_equal(s->nprovinces, 2);
    assert_string_equal(s->provinces[0], "01");
    assert_string_equal(s->provinces[1], "79");
    assert_int_equal(s->order_by_area, 1);
    assert_string_equal(s->pdf_name, "atlas.pdf");
    gv_atlas_spec_free(s);
}

static void test_defaults(void **state) {
    (void)state;
    gv_atlas_spec *s = NULL;
    gv_error e;
    assert_int_equal(read_spec("set: vn-2025\nindicators:\n  - {name: A, value: \"@area_km2\"}\n", &s, &e), GV_OK);
    assert_int_equal(s->want_pdf && s->want_png, 1);
    assert_true(s->dpi == 150);
    assert_int_equal(s->contents && s->national && s->provinces_all, 1);
    assert_int_equal(s->level, GV_LEVEL_COMMUNE);
    assert_string_equal(s->national_name, "Toàn quốc");
    assert_null(s->output);
    gv_atlas_spec_free(s);
}

/* Text typed with decomposed marks (NFD) is read as NFC: titles draw,
 * and names slug, the same as composed text. */
static void test_nfc(void **state) {
    (void)state;
    gv_atlas_spec *s = NULL;
    gv_error e;
    /* "Tỷ lệ" with y + hook above + ... decomposed: U+0079 U+0309, U+0065 U+0323 U+0302 */
    assert_int_equal(read_spec("set: vn-2025\ntitle: \"T\x79\xCC\x89 l\x65\xCC\xA3\xCC\x82\"\n"
                               "indicators:\n  - {name: \"T\x79\xCC\x89 l\x65\xCC\xA3\xCC\x82\", value: \"@area_km2\"}\n",
                               &s, &e),
                     GV_OK);
    assert_string_equal(s->title, "Tỷ lệ");
    assert_string_equal(s->indicators[0].name, "Tỷ lệ");
    assert_string_equal(s->indicators[0].slug, "ty-le");
    gv_atlas_spec_free(s);
}

static void test_slug(void **state) {
    (void)state;
    char b[64];
    gv_atlas_slug("Tỷ lệ thành thị", b, sizeof b);
    assert_string_equal(b, "ty-le-thanh-thi");
    gv_atlas_slug("  Đắk Lắk — Ðồng (2025) ", b, sizeof b);
    assert_string_equal(b, "dak-lak-dong-2025");
    gv_atlas_slug("Ữu nghị/ỗ ệ", b, sizeof b);
    assert_string_equal(b, "uu-nghi-o-e");
    gv_atlas_slug("—", b, sizeof b);
    assert_string_equal(b, "");
    gv_atlas_slug("abcdefghij", b, 5);
    assert_string_equal(b, "abcd");
}

/* Every error names the file, its line and the key. */
static void expect_error(const char *text, const char *where) {
    gv_atlas_spec *s = NULL;
    gv_error e;
    int rc = read_spec(text, &s, &e);
    if (rc != GV_EUSAGE || !strstr(e.msg, where)) print_error("spec:\n%s\nmessage: %s\nwanted: %s\n", text, e.msg, where);
    assert_int_equal(rc, GV_EUSAGE);
    assert_non_null(strstr(e.msg, where));
    assert_non_null(strstr(e.msg, "spec.yaml"));
    assert_null(s);
}

static void test_errors(void **state) {
    (void)state;
    const char *ok_ind = "indicators:\n  - {name: A, value: \"@area_km2\"}\n";
    char buf[2048];
    expect_error("set: vn-2025\ntitel: x\nindicators:\n  - {name: A, value: \"@area_km2\"}\n", "line 2, key 'titel': unknown key");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    palette: Blu\n",
                 "line 5, key 'indicators[1].palette': unknown palette 'Blu'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    classify: median:3\n",
                 "line 5, key 'indicators[1].classify'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: pop / @area_km2\n",
                 "line 4, key 'indicators[1].value': uses column 'pop' but the indicator names no table");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area\"\n",
                 "line 4, key 'indicators[1].value': unknown built-in attribute '@area'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"a +* b\"\n    table: t\ntables: {t: t.csv}\n",
                 "line 4, key 'indicators[1].value'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    table: nope\n    value: x\n",
                 "line 4, key 'indicators[1].table': no table 'nope'");
    expect_error("set: vn-2025\nindicators:\n  - {name: A, value: \"@area_km2\"}\n  - {name: \"a\", value: \"@area_km2\"}\n",
                 "line 4, key 'indicators[2]': slug 'a' is also the slug of indicators[1] (line 3)");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    title: \"A — {ten}\"\n",
                 "line 5, key 'indicators[1].title': unknown placeholder '{ten}'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    slug: \"Bad Slug\"\n",
                 "line 5, key 'indicators[1].slug'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    breaks: regional\n",
                 "line 5, key 'indicators[1].breaks'");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    colour: red\n",
                 "line 5, key 'indicators[1].colour': unknown key");
    expect_error("set: vn-2025\nindicators:\n  - value: \"@area_km2\"\n", "key 'indicators[1].name': missing");
    expect_error("set: vn-2025\n", "key 'indicators': missing");
    snprintf(buf, sizeof buf, "%s", ok_ind);
    expect_error(buf, "key 'set': missing");
    snprintf(buf, sizeof buf, "set: vn-2025\npage: {size: b7}\n%s", ok_ind);
    expect_error(buf, "line 2, key 'page.size'");
    snprintf(buf, sizeof buf, "set: vn-2025\npage: {dpi: 0}\n%s", ok_ind);
    expect_error(buf, "line 2, key 'page.dpi'");
    snprintf(buf, sizeof buf, "set: vn-2025\nformats: [pdf, svg]\n%s", ok_ind);
    expect_error(buf, "line 2, key 'formats': 'svg' is not pdf or png");
    snprintf(buf, sizeof buf, "set: vn-2025\nformats: [pdf, png, pdf]\n%s", ok_ind);
    expect_error(buf, "line 2, key 'formats': 'pdf' given twice");
    snprintf(buf, sizeof buf, "set: vn-2025\n%spages:\n  national: maybe\n", ok_ind);
    expect_error(buf, "line 5, key 'pages.national': 'maybe' is not yes or no");
    snprintf(buf, sizeof buf, "set: vn-2025\n%spages:\n  provinces: some\n", ok_ind);
    expect_error(buf, "line 5, key 'pages.provinces'");
    snprintf(buf, sizeof buf, "set: vn-2025\nlocale: fr\n%s", ok_ind);
    expect_error(buf, "line 2, key 'locale'");
    snprintf(buf, sizeof buf, "set: vn-2025\ntables:\n  t: {file: a.csv, joni: code}\n%s", ok_ind);
    expect_error(buf, "line 3, key 'tables.t.joni': unknown key");
    /* A key given twice: which one wins would be an accident. */
    expect_error("set: vn-2025\nset: vn-2019\nindicators:\n  - {name: A, value: \"@area_km2\"}\n",
                 "line 2, key 'set': given twice in the same mapping (first on line 1)");
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    palette: Blues\n    palette: Reds\n",
                 "line 6, key 'palette': given twice in the same mapping (first on line 5)");
    /* A centre needs a diverging palette: said before anything is drawn. */
    expect_error("set: vn-2025\nindicators:\n  - name: A\n    value: \"@area_km2\"\n    center: 0\n    palette: Blues\n",
                 "line 6, key 'indicators[1].palette': 'Blues' is not diverging, and the indicator has a 'center'");
    /* YAML syntax: libyaml's own message, with line and column. */
    expect_error("set: vn-2025\nindicators:\n  - name: [unclosed\n", "line ");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_spec),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_slug),
        cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
