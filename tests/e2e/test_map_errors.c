/* test_map_errors.c: `geovoice map` failures, end to end.
 *
 * For each failure: the exit code of SPEC (1 usage, 2 bad input data,
 * 3 output not written), one line on stderr (--quiet silences progress, so
 * the error is the only line) that names the file and the row/column or
 * feature at fault, and nothing written: no output, no report, no join
 * report, no temporary file left in the output folder. Each case runs in a
 * fresh folder holding only the inputs the test wrote, so "nothing written"
 * is checked by listing that folder. */
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

#define DATA GV_TEST_DATADIR
#define B2019 DATA "/boundaries_2019.gpkg"
#define CENSUS DATA "/census/provinces_2019.csv"

#define NEED_DATA()                                                                                             \
    do {                                                                                                        \
        if (!tu_have_data()) skip();                                                                            \
    } while (0)

static char dir[4096];

/* Fresh folder for one case. */
static const char *fresh(const char *tag) {
    snprintf(dir, sizeof dir, "%s", tu_tmpdir(tag));
    return dir;
}

/* Runs `geovoice map ARGS -q -o DIR/out.png --report DIR/r.json`, plus
 * `--join-report DIR/j.csv` when join_report is set (out may be overridden
 * by passing out != NULL) and checks: exit code, a single stderr line starting "geovoice map: "
 * containing every string of `needles` (NULL-terminated), and that the
 * folder holds exactly `ninputs` entries (the inputs the case wrote). */
static void expect_fail_ex(const char *args, const char *out, int want_rc, int ninputs, const char **needles,
                           int join_report) {
    char *err = NULL;
    const char *o = out ? out : tu_path("%s/out.png", dir);
    const char *cmd = join_report ? tu_path("map %s -q -o '%s' --report '%s/r.json' --join-report '%s/j.csv'", args, o, dir, dir)
                                  : tu_path("map %s -q -o '%s' --report '%s/r.json'", args, o, dir);
    int rc = tu_run_cli(cmd, &err);
    /* keep stderr in a static copy so failing asserts (longjmp) leak nothing */
    static char errbuf[16384];
    snprintf(errbuf, sizeof errbuf, "%s", err ? err : "");
    int got_err = err != NULL;
    free(err);
    err = errbuf;
    if (rc != want_rc) print_error("geovoice %s\nexit %d (want %d), stderr:\n%s\n", cmd, rc, want_rc, err);
    assert_int_equal(rc, want_rc);
    assert_true(got_err);
    size_t len = strlen(err);
    /* one line, ending in a newline */
    if (len == 0 || err[len - 1] != '\n' || memchr(err, '\n', len - 1))
        print_error("stderr is not one line:\n%s\n", err);
    assert_true(len > 0 && err[len - 1] == '\n');
    assert_null(memchr(err, '\n', len - 1));
    assert_memory_equal(err, "geovoice map: ", 14);
    for (const char **n = needles; n && *n; n++) {
        if (!strstr(err, *n)) print_error("stderr lacks '%s':\n%s\n", *n, err);
        assert_non_null(strstr(err, *n));
    }
    char names[2048];
    int cnt = tu_dir_count(dir, names, sizeof names);
    if (cnt != ninputs) print_error("folder holds %d entries (want %d): %s\n", cnt, ninputs, names);
    assert_int_equal(cnt, ninputs);
    assert_false(tu_exists(o));
}

static void expect_fail(const char *args, const char *out, int want_rc, int ninputs, const char **needles) {
    expect_fail_ex(args, out, want_rc, ninputs, needles, 0);
}

/* Copies the census table to dir/name, passing every data line through
 * edit (line number from 1 for the first data row; may return NULL to drop
 * it), then appends `extra` (may be NULL). */
typedef const char *(*line_edit)(int row, const char *line);
static const char *write_census(const char *name, line_edit edit, const char *extra) {
    FILE *in = fopen(CENSUS, "r");
    assert_non_null(in);
    const char *path = tu_path("%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    char line[4096];
    int row = 0;
    while (fgets(line, sizeof line, in)) {
        const char *l = line;
        if (row > 0 && edit) l = edit(row, line);
        if (l) fputs(l, out);
        row++;
    }
    if (extra) fputs(extra, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return path;
}

/* --- each case --------------------------------------------------- */

static void test_missing_shapes(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-noshapes");
    const char *shp = tu_path("%s/no-such-boundaries.gpkg", dir);
    const char *needles[] = {"no-such-boundaries.gpkg", NULL};
    expect_fail(tu_path("--shapes '%s' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total",
                        shp),
                NULL, 2, 0, needles);
    tu_rmtree(dir);
}

/* A Shapefile cut short (a copy that stopped half way): GDAL hands out
 * the attributes of the later features without their geometry; that is a
 * damaged file, not a map of the features that survived. */
static void test_truncated_shapefile(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-truncated");
    char cmd[8600];
    snprintf(cmd, sizeof cmd,
             "ogr2ogr -f 'ESRI Shapefile' '%s/cut.shp' '" B2019 "' provinces 2>/dev/null && truncate -s 100000 '%s/cut.shp'",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    const char *needles[] = {"cut.shp", "feature", "cannot be read", NULL};
    /* the folder holds cut.shp, .shx, .dbf, .prj: 4 inputs */
    expect_fail(tu_path("--shapes '%s/cut.shp' --value @area_km2", dir), NULL, 2, 4, needles);
    tu_rmtree(dir);
}

static void test_unknown_layer(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-layer");
    const char *needles[] = {"boundaries_2019.gpkg", "communes", NULL};
    expect_fail("--shapes '" B2019 "' --layer communes --data '" CENSUS "' --join code=gso_code --value population_total",
                NULL, 2, 0, needles);
    tu_rmtree(dir);
}

static void test_unknown_value_column(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-column");
    const char *needles[] = {"provinces_2019.csv", "'population_totl'", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code"
                " --value population_totl/@area_km2",
                NULL, 1, 0, needles);
    tu_rmtree(dir);
}

/* Row 5 of the copy (Tuyên Quang, file line 6) gets population_total "abc". */
static const char *edit_abc(int row, const char *line) {
    static char buf[4096];
    if (row != 5) return line;
    /* gso_code,name,region,population_total,... : replace field 4 */
    const char *p = line;
    for (int c = 0; c < 3; c++) p = strchr(p, ',') + 1;
    const char *q = strchr(p, ',');
    snprintf(buf, sizeof buf, "%.*sabc%s", (int)(p - line), line, q);
    return buf;
}

static void test_non_numeric_cell(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-abc");
    const char *csv = write_census("bad.csv", edit_abc, NULL);
    char *text = tu_slurp(csv, NULL);
    assert_non_null(strstr(text, "\n08,Tuyên Quang,Trung du và miền núi phía Bắc,abc,")); /* the edit took */
    free(text);
    const char *needles[] = {"bad.csv", "row 5", "line 6", "population_total", "abc", NULL};
    expect_fail(tu_path("--shapes '" B2019 "' --layer provinces --data '%s' --join code=gso_code"
                        " --value population_total/@area_km2",
                        csv),
                NULL, 2, 1, needles);
    tu_rmtree(dir);
}

/* Same bad cell with --join-report: the bad cell is found after the join,
 * and the join report must not survive the failed run either. */
static void test_non_numeric_cell_no_reports(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-abc-rep");
    const char *csv = write_census("bad.csv", edit_abc, NULL);
    const char *needles[] = {"bad.csv", "row 5", "line 6", "population_total", NULL};
    expect_fail_ex(tu_path("--shapes '" B2019 "' --layer provinces --data '%s' --join code=gso_code"
                           " --value population_total/@area_km2",
                           csv),
                   NULL, 2, 1, needles, 1);
    tu_rmtree(dir);
}

static void test_empty_table(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-empty");
    FILE *in = fopen(CENSUS, "r");
    char header[4096];
    assert_non_null(fgets(header, sizeof header, in));
    fclose(in);
    assert_int_equal(tu_write_file(tu_path("%s/empty.csv", dir), header), 0);
    const char *needles[] = {"empty.csv", NULL};
    expect_fail(tu_path("--shapes '" B2019 "' --layer provinces --data '%s/empty.csv' --join code=gso_code"
                        " --value population_total",
                        dir),
                NULL, 2, 1, needles);
    tu_rmtree(dir);
}

/* The census plus a second row for code 01 (line 65). */
static void test_duplicate_key(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-dup");
    const char *csv = write_census("dup.csv", NULL, "01,Hà Nội,Đồng bằng sông Hồng,100,50,50,,,,,\n");
    const char *needles[] = {"dup.csv", "line 2", "line 65", NULL};
    const char *args = tu_path("--shapes '" B2019 "' --layer provinces --data '%s' --join code=gso_code"
                               " --value population_total",
                               csv);
    char saved[8192];
    snprintf(saved, sizeof saved, "%s", args);
    expect_fail(saved, NULL, 2, 1, needles);

    /* With --allow-duplicates sum the run succeeds and Hà Nội's value is
     * 8,053,663 (census row 01) + 100 (the extra row). */
    char *err = NULL;
    int rc = tu_run_cli(tu_path("map %s --allow-duplicates sum -q -o '%s/out.png' --report '%s/r.json'", saved, dir, dir),
                        &err);
    if (rc) print_error("stderr: %s\n", err ? err : "");
    free(err);
    assert_int_equal(rc, 0);
    assert_true(tu_exists(tu_path("%s/out.png", dir)));
    struct json_object *r = tu_json_load(tu_path("%s/r.json", dir));
    assert_non_null(r);
    assert_int_equal(tu_json_int(r, "join.units_matched"), 63);
    /* find unit 01 */
    struct json_object *units = tu_json_get(r, "units");
    double v = -1;
    for (size_t i = 0; i < 63; i++) {
        struct json_object *u = json_object_array_get_idx(units, i);
        if (!strcmp(tu_json_str(u, "key"), "01")) v = tu_json_double(u, "value");
    }
    assert_float_equal(v, 8053763.0, 1e-6);
    json_object_put(r);
    tu_rmtree(dir);
}

static void test_output_folder_missing(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-outdir");
    char o[4200];
    snprintf(o, sizeof o, "%s/no-such-folder/out.png", dir);
    const char *needles[] = {"no-such-folder/out.png", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total",
                o, 3, 0, needles);
    assert_false(tu_exists(tu_path("%s/no-such-folder", dir)));
    tu_rmtree(dir);
}

/* mapjob.h: "Nothing is written on failure (outputs go through temporary
 * files)". A run that fails after the join must not leave its
 * --join-report behind. These three cases pass --join-report DIR/j.csv. */
static void test_output_folder_missing_no_reports(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-outdir-rep");
    char o[4200];
    snprintf(o, sizeof o, "%s/no-such-folder/out.png", dir);
    const char *needles[] = {"no-such-folder", NULL};
    expect_fail_ex("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total",
                   o, 3, 0, needles, 1);
    tu_rmtree(dir);
}

/* Same contract when the failure is --strict refusing the code-46 name
 * mismatch (a data error found after the join). */
static void test_strict_no_reports(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-strict");
    const char *needles[] = {"provinces_2019.csv", "line 32", NULL};
    expect_fail_ex("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code"
                   " --value population_total --strict",
                   NULL, 2, 0, needles, 1);
    tu_rmtree(dir);
}

static void test_bad_classify(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-classify");
    const char *n1[] = {"quantil:5", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total"
                " --classify quantil:5",
                NULL, 1, 0, n1);
    const char *n2[] = {"quantile:0", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total"
                " --classify quantile:0",
                NULL, 1, 0, n2);
    const char *n3[] = {"manual:5,1", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total"
                " --classify manual:5,1",
                NULL, 1, 0, n3);
    tu_rmtree(dir);
}

static void test_unknown_palette(void **state) {
    (void)state;
    NEED_DATA();
    fresh("err-palette");
    const char *needles[] = {"NoSuchPalette", NULL};
    expect_fail("--shapes '" B2019 "' --layer provinces --data '" CENSUS "' --join code=gso_code --value population_total"
                " --palette NoSuchPalette",
                NULL, 1, 0, needles);
    tu_rmtree(dir);
}

/* A PNG bigger than Cairo can draw is refused up front (exit 1), naming
 * the pixels: 5000 mm at 2400 dpi is round(5000 * 2400 / 25.4) = 472441. */
static void test_too_many_pixels(void **state) {
    (void)state;
    NEED_DATA();
    fresh("map-err-pixels");
    const char *n[] = {"472441 x 472441 pixels (5000 x 5000 mm at 2400 dpi)", "lower --dpi or --size", NULL};
    expect_fail(tu_path("--shapes '%s' --layer provinces --value @area_km2 --size 5000x5000mm --dpi 2400", B2019), NULL,
                1, 0, n);
}

/* Killed while writing (a scheduler's timeout): the temporary file
 * OUT.tmp.PID goes with the process, nothing is left in the folder. The
 * kill comes when the temporary file exists (a 1000 x 1000 mm page at
 * 200 dpi takes seconds to encode). */
static void test_killed_leaves_nothing(void **state) {
    (void)state;
    NEED_DATA();
    fresh("map-err-kill");
    const char *cmd = tu_path("'%s' map --shapes '%s' --layer provinces --value @area_km2 --size 1000x1000mm --dpi 200 -q "
                              "-o '%s/big.png' 2>/dev/null & p=$!; "
                              "for i in $(seq 1 1200); do ls '%s'/big.png.tmp.* >/dev/null 2>&1 && break; sleep 0.1; done; "
                              "ls '%s'/big.png.tmp.* >/dev/null 2>&1 || exit 7; kill -TERM $p; wait $p; echo $?",
                              GV_TEST_CLI, B2019, dir, dir, dir);
    int st = 0;
    char *out = tu_capture(cmd, &st);
    assert_non_null(out);
    if (st != 0 || atoi(out) != 143) print_error("status %d, output '%s'\n", st, out);
    assert_int_equal(st, 0);
    assert_int_equal(atoi(out), 143); /* 128 + SIGTERM: the default action, after the clean-up */
    free(out);
    char names[2048];
    int cnt = tu_dir_count(dir, names, sizeof names);
    if (cnt) print_error("left behind: %s\n", names);
    assert_int_equal(cnt, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_shapes),
        cmocka_unit_test(test_unknown_layer),
        cmocka_unit_test(test_truncated_shapefile),
        cmocka_unit_test(test_unknown_value_column),
        cmocka_unit_test(test_non_numeric_cell),
        cmocka_unit_test(test_non_numeric_cell_no_reports),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_output_folder_missing),
        cmocka_unit_test(test_output_folder_missing_no_reports),
        cmocka_unit_test(test_strict_no_reports),
        cmocka_unit_test(test_bad_classify),
        cmocka_unit_test(test_unknown_palette),
        cmocka_unit_test(test_too_many_pixels),
        cmocka_unit_test(test_killed_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
