/* test_check_e2e.c: `geovoice check` end to end through the CLI: exit codes
 * (0 clean, 2 problems, 1 usage), the text report's key lines and the JSON
 * fields, on small files written here, then on the real boundary sets and
 * the 2019 census table when ../shared/data/vn is present. Also the map
 * job's extent warning and error. Expected values are worked out in the
 * comments from the files' contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *dir(void) {
    static char d[4096];
    if (!d[0]) snprintf(d, sizeof d, "%s", tu_tmpdir("check_e2e"));
    return d;
}

/* Writes a file; returns its path (kept for the whole run: tu_path's
 * buffers rotate). */
static const char *write(const char *name, const char *text) {
    static char paths[16][4200];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof paths[0], "%s/%s", dir(), name);
    assert_int_equal(tu_write_file(p, text), 0);
    return p;
}

/* Runs `geovoice check ARGS --json`, returns the exit code and the parsed
 * report in *js (caller frees). */
static int check_json(const char *args, json_object **js) {
    const char *out = tu_path("%s/report.json", dir());
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "check --json %s > '%s'", args, out);
    int rc = tu_run_cli(cmd, NULL);
    *js = tu_json_load(out);
    assert_non_null(*js);
    return rc;
}

static json_object *at(json_object *a, size_t i) {
    assert_true(json_object_is_type(a, json_type_array));
    assert_true(i < json_object_array_length(a));
    return json_object_array_get_idx(a, i);
}

#define SQ "[[105,20],[106,20],[106,21],[105,21],[105,20]]"

static void test_clean(void **state) {
    (void)state;
    /* A valid square with a valid hole; codes and names distinct. */
    const char *p = write("clean.geojson",
                          "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
                          "{\"ma\":\"01\",\"ten\":\"Hà Nội\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQ
                          ",[[105.2,20.2],[105.2,20.4],[105.4,20.4],[105.4,20.2],[105.2,20.2]]]}}]}\n");
    char *err = NULL;
    char cmd[4200];
    const char *txt = tu_path("%s/clean.txt", dir());
    snprintf(cmd, sizeof cmd, "check '%s' > '%s'", p, txt);
    assert_int_equal(tu_run_cli(cmd, &err), 0);
    free(err);
    char *t = tu_slurp(txt, NULL);
    assert_non_null(strstr(t, "layer 'clean': 1 features, 10 vertices"));
    assert_non_null(strstr(t, "fields: code ma (guessed), name ten (guessed), parent -"));
    assert_non_null(strstr(t, "geometry: every feature valid"));
    assert_non_null(strstr(t, "no problems found"));
    free(t);
    json_object *js;
    assert_int_equal(check_json(tu_path("'%s'", p), &js), 0);
    assert_int_equal(tu_json_int(js, "problems"), 0);
    json_object *l = at(tu_json_get(js, "sources"), 0);
    assert_string_equal(tu_json_str(l, "kind"), "boundaries");
    json_object *ly = at(tu_json_get(l, "layers"), 0);
    assert_string_equal(tu_json_str(ly, "crs"), "EPSG:4326 WGS 84");
    assert_string_equal(tu_json_str(ly, "extent_verdict"), "ok");
    assert_int_equal(json_object_array_length(tu_json_get(ly, "geometry_problems")), 0);
    json_object_put(js);
}

static void test_geometries_and_duplicates(void **state) {
    (void)state;
    /* FID 0 bow-tie (invalid), 1 NULL, 2 unclosed, 3 Z, 4 clean with code
     * "1" = FID 0's "01" (a duplicate code once zeros are ignored), FID 2
     * and 3 both "Xã An" under parent 01 (duplicate name within a parent);
     * FID 4 "Xã An" under parent 02 is not. */
    const char *p = write(
        "geo.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\",\"name\":\"Xã Bơ\",\"province_code\":\"01\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,21],[106,20],[105,21],[105,20]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\",\"name\":\"Xã Rỗng\",\"province_code\":\"01\"},"
        "\"geometry\":null},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"03\",\"name\":\"Xã An\",\"province_code\":\"01\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"04\",\"name\":\"xã an\",\"province_code\":\"1\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[107,20,1],[108,20,1],[108,21,1],[107,21,1],[107,20,1]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"1\",\"name\":\"Xã An\",\"province_code\":\"02\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[109,20],[110,20],[110,21],[109,21],[109,20]]]}}]}\n");
    json_object *js;
    assert_int_equal(check_json(tu_path("'%s'", p), &js), 2);
    json_object *ly = at(tu_json_get(at(tu_json_get(js, "sources"), 0), "layers"), 0);
    assert_string_equal(tu_json_str(ly, "fields.parent"), "province_code");
    json_object *g = tu_json_get(ly, "geometry_problems");
    assert_int_equal(json_object_array_length(g), 4);
    const char *want[4][2] = {{"0", "invalid"}, {"1", "null"}, {"2", "unclosed"}, {"3", "zm"}};
    for (size_t i = 0; i < 4; i++) {
        json_object *e = at(g, i);
        assert_int_equal(tu_json_int(e, "fid"), atoi(want[i][0]));
        json_object *fl = tu_json_get(e, "flags");
        assert_int_equal(json_object_array_length(fl), 1);
        assert_string_equal(json_object_get_string(at(fl, 0)), want[i][1]);
    }
    assert_string_equal(tu_json_str(at(g, 0), "code"), "01");
    assert_string_equal(tu_json_str(at(g, 0), "name"), "Xã Bơ");
    json_object *dc = tu_json_get(ly, "duplicate_codes");
    assert_int_equal(json_object_array_length(dc), 1);
    json_object *df = tu_json_get(at(dc, 0), "features");
    assert_int_equal(json_object_array_length(df), 2);
    assert_int_equal(tu_json_int(at(df, 0), "fid"), 0);
    assert_int_equal(tu_json_int(at(df, 1), "fid"), 4);
    json_object *dn = tu_json_get(ly, "duplicate_names");
    assert_int_equal(json_object_array_length(dn), 1);
    df = tu_json_get(at(dn, 0), "features");
    assert_int_equal(json_object_array_length(df), 2);
    assert_int_equal(tu_json_int(at(df, 0), "fid"), 2);
    assert_int_equal(tu_json_int(at(df, 1), "fid"), 3);
    /* 4 geometry problems + 1 duplicate code group + 1 duplicate name
     * group. */
    assert_int_equal(tu_json_int(ly, "problems"), 6);
    assert_int_equal(tu_json_int(js, "problems"), 6);
    json_object_put(js);
}

static void test_table_and_join(void **state) {
    (void)state;
    const char *shp = write("units.geojson",
                            "{\"type\":\"FeatureCollection\",\"features\":["
                            "{\"type\":\"Feature\",\"properties\":{\"code\":\"01\",\"name\":\"An\"},\"geometry\":"
                            "{\"type\":\"Polygon\",\"coordinates\":[" SQ "]}},"
                            "{\"type\":\"Feature\",\"properties\":{\"code\":\"02\",\"name\":\"Bình\"},\"geometry\":null},"
                            "{\"type\":\"Feature\",\"properties\":{\"code\":\"03\",\"name\":\"Cư\"},\"geometry\":"
                            "{\"type\":\"Polygon\",\"coordinates\":[[[107,20],[108,20],[108,21],[107,21],[107,20]]]}}]}\n");
    /* BOM, CRLF, ';' separator, decimal commas, a repeated header (line
     * 4), lost leading zeros (1, 2, 9 for 01, 02, 09), a summary row
     * (line 7). Data rows: 1 An, 2 Bình, 9 Xa -> 01 and 02 match (02 is
     * the unit without geometry: it still joins), 09 has no unit, unit 03
     * has no row. */
    const char *csv = write("t.csv", "\xef\xbb\xbf"
                                     "code;name;rate\r\n1;An;1,5\r\n2;Bình;2,5\r\ncode;name;rate\r\n9;Xa;3,5\r\n\r\n"
                                     "Tổng cộng;;7,5\r\n");
    json_object *js;
    assert_int_equal(check_json(tu_path("--shapes '%s' --join code=code '%s'", shp, csv), &js), 2);
    json_object *t = at(tu_json_get(js, "sources"), 0);
    assert_string_equal(tu_json_str(t, "kind"), "table");
    assert_int_equal(tu_json_int(t, "rows"), 3);
    json_object *pb = tu_json_get(t, "table_problems");
    /* In file order: BOM (note), CRLF (note), repeated header line 4
     * (skipped), blank line 6 (note), summary line 7 (skipped), then the
     * column problems: codes padded (fixed), decimal comma (note). */
    const char *acts[] = {"note", "note", "skipped", "note", "skipped", "fixed", "note"};
    const long long lines[] = {1, 1, 4, 6, 7, 0, 0};
    assert_int_equal(json_object_array_length(pb), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(tu_json_str(at(pb, i), "action"), acts[i]);
        assert_int_equal(tu_json_int(at(pb, i), "line"), lines[i]);
    }
    assert_string_equal(tu_json_str(at(pb, 5), "column"), "code");
    assert_non_null(strstr(tu_json_str(at(pb, 4), "text"), "t.csv: line 7, column 'code': summary row 'Tổng cộng' skipped"));
    assert_int_equal(tu_json_int(t, "join.units_matched"), 2);
    assert_int_equal(tu_json_int(t, "join.units_without_data"), 1);
    assert_int_equal(tu_json_int(t, "join.rows_without_unit"), 1);
    assert_int_equal(tu_json_int(t, "join.ambiguous"), 0);
    assert_int_equal(tu_json_int(t, "join.name_mismatches"), 0);
    assert_int_equal(tu_json_int(t, "join.rows_rejected"), 1);
    /* 2 skipped rows + 1 rejected row. */
    assert_int_equal(tu_json_int(t, "rows_not_used"), 3);
    /* Problems: skipped x2 + fixed x1 + join issues x2 (unit 03, row 09). */
    assert_int_equal(tu_json_int(js, "problems"), 5);
    json_object *iss = tu_json_get(t, "join.issues");
    int saw_row = 0, saw_unit = 0;
    for (size_t i = 0; i < json_object_array_length(iss); i++) {
        json_object *e = at(iss, i);
        if (!strcmp(tu_json_str(e, "kind"), "row_without_unit")) {
            saw_row = 1;
            assert_int_equal(tu_json_int(e, "line"), 5);
            assert_string_equal(tu_json_str(e, "key"), "9");
        }
        if (!strcmp(tu_json_str(e, "kind"), "unit_without_data")) {
            saw_unit = 1;
            assert_int_equal(tu_json_int(e, "fid"), 2);
        }
    }
    assert_true(saw_row && saw_unit);
    json_object_put(js);

    /* A cell that is not a number in a column of numbers: what `map`
     * would stop at, found beforehand (row 2 'n/a'; 'name' is text). */
    const char *nn = write("nn.csv", "code,pop,name\n01,5,A\n02,n/a,B\n04,7,C\n");
    assert_int_equal(check_json(tu_path("'%s'", nn), &js), 2);
    json_object *cell0 = at(tu_json_get(at(tu_json_get(js, "sources"), 0), "non_numeric_cells"), 0);
    assert_non_null(cell0);
    assert_string_equal(tu_json_str(cell0, "column"), "pop");
    assert_int_equal(tu_json_int(cell0, "row"), 2);
    assert_string_equal(tu_json_str(cell0, "value"), "n/a");
    assert_int_equal(json_object_array_length(tu_json_get(at(tu_json_get(js, "sources"), 0), "non_numeric_cells")), 1);
    json_object_put(js);

    /* Empty cells in a code column: rows that cannot be joined (row 2
     * and row 4 of 4; the first named). */
    const char *ec = write("ec.csv", "gso_code,pop\n01,5\n,6\n03,7\n,8\n");
    assert_int_equal(check_json(tu_path("'%s'", ec), &js), 2);
    json_object *e0 = at(tu_json_get(at(tu_json_get(js, "sources"), 0), "empty_code_cells"), 0);
    assert_non_null(e0);
    assert_string_equal(tu_json_str(e0, "column"), "gso_code");
    assert_int_equal(tu_json_int(e0, "row"), 2);
    assert_int_equal(tu_json_int(e0, "cells"), 2);
    json_object_put(js);

    /* A table that cannot be read is a finding (exit 2), named. */
    const char *bad = write("bad.csv", "a,b\n1,\"open\n");
    assert_int_equal(check_json(tu_path("'%s'", bad), &js), 2);
    assert_non_null(strstr(tu_json_str(at(tu_json_get(js, "sources"), 0), "error"), "bad.csv"));
    json_object_put(js);
}

static void test_extent_and_usage(void **state) {
    (void)state;
    const char *sw = write("swapped.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                                              "\"properties\":{\"code\":\"01\"},\"geometry\":{\"type\":\"Polygon\","
                                              "\"coordinates\":[[[20,105],[20,106],[21,106],[21,105],[20,105]]]}}]}\n");
    json_object *js;
    assert_int_equal(check_json(tu_path("'%s'", sw), &js), 2);
    json_object *ly = at(tu_json_get(at(tu_json_get(js, "sources"), 0), "layers"), 0);
    assert_string_equal(tu_json_str(ly, "extent_verdict"), "swapped");
    json_object_put(js);
    /* The map job refuses it: one line naming the file and the fix. */
    char *err = NULL;
    assert_int_equal(tu_run_cli(tu_path("map --shapes '%s' --value @area_km2 -o '%s/x.png'", sw, dir()), &err), 2);
    assert_non_null(strstr(err, sw));
    assert_non_null(strstr(err, "swap the axes"));
    assert_false(tu_exists(tu_path("%s/x.png", dir())));
    free(err);

    /* Only a NULL geometry: no extent (JSON null, not NaN), verdict
     * "empty"; problems = 1 extent + 1 NULL geometry. */
    const char *nul = write("allnull.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
                                               "\"Feature\",\"properties\":{\"code\":\"01\"},\"geometry\":null}]}\n");
    assert_int_equal(check_json(tu_path("'%s'", nul), &js), 2);
    ly = at(tu_json_get(at(tu_json_get(js, "sources"), 0), "layers"), 0);
    assert_string_equal(tu_json_str(ly, "extent_verdict"), "empty");
    assert_true(json_object_is_type(at(tu_json_get(ly, "extent_lonlat"), 0), json_type_null));
    assert_int_equal(tu_json_int(js, "problems"), 2);
    json_object_put(js);

    assert_int_equal(tu_run_cli("check", NULL), 1);
    assert_int_equal(tu_run_cli(tu_path("check --join code=code '%s'", sw), NULL), 1);
    assert_int_equal(tu_run_cli(tu_path("check --code nosuch '%s'", sw), &err), 1);
    assert_non_null(strstr(err, "no field 'nosuch'"));
    free(err);
    assert_int_equal(tu_run_cli("check --help >/dev/null", NULL), 0);
}

/* No CRS but degrees over Vietnam: the map is drawn, with a warning. */
static void test_map_warns_no_crs(void **state) {
    (void)state;
    /* OGR reads a CSV with a WKT column as a layer without CRS. */
    const char *p = write("noprj_units.csv",
                          "WKT,code\n\"POLYGON ((105 20,106 20,106 21,105 21,105 20))\",01\n");
    char *err = NULL;
    int rc = tu_run_cli(tu_path("map --shapes '%s' --value @area_km2 -o '%s/noprj.png'", p, dir()), &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "warning: "));
    assert_non_null(strstr(err, "assuming EPSG:4326"));
    assert_true(tu_exists(tu_path("%s/noprj.png", dir())));
    free(err);
}

static void test_real_data(void **state) {
    (void)state;
    if (!tu_have_data()) {
        skip();
        return;
    }
    json_object *js;
    /* 2025: valid everywhere (the data's README: all pass ST_IsValid);
     * two communes carry a sliver part (mean width < 5e-5°, ~5 m), found
     * when this check was first run: FID 1378 (14863 Xã Pù Nhi) and FID
     * 1495 (16177 Xã Xuân Bình). Codes distinct, names distinct within a
     * province. */
    assert_int_equal(check_json(GV_TEST_DATADIR "/boundaries_2025.gpkg", &js), 2);
    json_object *ls = tu_json_get(at(tu_json_get(js, "sources"), 0), "layers");
    assert_int_equal(json_object_array_length(ls), 2);
    json_object *pv = at(ls, 0), *cm = at(ls, 1);
    assert_string_equal(tu_json_str(pv, "name"), "provinces");
    assert_int_equal(tu_json_int(pv, "features"), 34);
    assert_int_equal(tu_json_int(pv, "problems"), 0);
    assert_int_equal(tu_json_int(cm, "features"), 3321);
    assert_string_equal(tu_json_str(cm, "fields.parent"), "province_code");
    json_object *g = tu_json_get(cm, "geometry_problems");
    assert_int_equal(json_object_array_length(g), 2);
    assert_int_equal(tu_json_int(at(g, 0), "fid"), 1378);
    assert_string_equal(tu_json_str(at(g, 0), "code"), "14863");
    assert_int_equal(tu_json_int(at(g, 1), "fid"), 1495);
    assert_string_equal(json_object_get_string(at(tu_json_get(at(g, 1), "flags"), 0)), "sliver");
    assert_int_equal(json_object_array_length(tu_json_get(cm, "duplicate_codes")), 0);
    assert_int_equal(json_object_array_length(tu_json_get(cm, "duplicate_names")), 0);
    assert_int_equal(tu_json_int(js, "problems"), 2);
    json_object_put(js);

    /* The 2019 census provinces against the 2019 provinces: 63 of 63, one
     * name mismatch (46: Thừa Thiên Huế renamed Thành phố Huế), nothing
     * rejected. */
    assert_int_equal(check_json("--shapes " GV_TEST_DATADIR "/boundaries_2019.gpkg --shapes-layer provinces "
                                "--join code=gso_code " GV_TEST_DATADIR "/census/provinces_2019.csv",
                                &js),
                     2);
    json_object *t = at(tu_json_get(js, "sources"), 0);
    assert_int_equal(tu_json_int(t, "join.units_matched"), 63);
    assert_int_equal(tu_json_int(t, "join.units_without_data"), 0);
    assert_int_equal(tu_json_int(t, "join.rows_without_unit"), 0);
    assert_int_equal(tu_json_int(t, "join.name_mismatches"), 1);
    assert_int_equal(tu_json_int(t, "rows_not_used"), 0);
    assert_int_equal(tu_json_int(js, "problems"), 1);
    json_object_put(js);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_geometries_and_duplicates),
        cmocka_unit_test(test_table_and_join),
        cmocka_unit_test(test_extent_and_usage),
        cmocka_unit_test(test_map_warns_no_crs),
        cmocka_unit_test(test_real_data),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmtree(dir());
    return rc;
}
