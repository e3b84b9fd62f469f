/* test_join.c: cmocka tests of the table-to-boundary join (engine/join.c):
 * code joins with codes written differently ("1", "2.0", "079"), summary
 * counts and the issue list, empty and summary ("Tổng cộng") keys,
 * duplicate rows and duplicate unit codes under each policy, name
 * mismatches between the two sides, name joins restricted by parent code,
 * error messages that list the available fields and columns, and the CSV
 * report parsed back. Layers are tiny GeoJSON files in a temp dir; tables
 * are read from buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/join.h"
#include "geovoice/layer.h"
#include "geovoice/table.h"
#include "testutil.h"

#define NONE ((size_t)-1)

/* ---------------------------------------------------------------- helpers */

static const char *dir(void) {
    static char d[4096];
    if (!*d) {
        const char *t = tu_tmpdir("join");
        assert_non_null(t);
        snprintf(d, sizeof d, "%s", t);
    }
    return d;
}

/* Writes a GeoJSON of features without geometry (a join needs none) with
 * the given property objects ("\"code\":\"01\",\"name\":\"...\"") and opens
 * it. A small square is given to the first feature so the layer has an
 * extent. */
static gv_layer *make_layer(const char *file, const char *const *props, size_t n) {
    size_t cap = 4096;
    for (size_t i = 0; i < n; i++) cap += strlen(props[i]) + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t off = (size_t)snprintf(s, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s{\"type\":\"Feature\",\"properties\":{%s},\"geometry\":%s}",
                                i ? "," : "", props[i],
                                i ? "null"
                                  : "{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}");
    snprintf(s + off, cap - off, "]}\n");
    const char *p = tu_path("%s/%s", dir(), file);
    assert_int_equal(tu_write_file(p, s), 0);
    free(s);
    gv_layer *l = NULL;
    gv_error err;
    gv_error_clear(&err);
    if (gv_layer_open(p, NULL, NULL, &l, &err) != GV_OK) fail_msg("layer: %s", err.msg);
    assert_int_equal(gv_layer_count(l), n);
    return l;
}

static gv_table *make_table(const char *csv, const char *name) {
    gv_table *t = NULL;
    gv_error err;
    gv_error_clear(&err);
    if (gv_table_read_csv_buffer(csv, strlen(csv), name, NULL, &t, &err) != GV_OK) fail_msg("table: %s", err.msg);
    return t;
}

static gv_join_options code_opts(void) {
    gv_join_options o;
    memset(&o, 0, sizeof o);
    o.unit_field = "code";
    o.table_col = "code";
    return o;
}

static gv_join *must_join(const gv_layer *l, const gv_table *t, const gv_join_options *o) {
    gv_join *j = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_join_run(l, t, o, &j, &err);
    if (rc != GV_OK) fail_msg("join failed: %d %s", rc, err.msg);
    assert_non_null(j);
    return j;
}

/* Index of the n-th issue of kind k (NONE if absent) and the count. */
static size_t issue_find(const gv_join *j, gv_issue_kind k, size_t nth) {
    for (size_t i = 0, seen = 0; i < gv_join_nissues(j); i++)
        if (gv_join_issue_at(j, i)->kind == k && seen++ == nth) return i;
    return NONE;
}
static size_t issue_count(const gv_join *j, gv_issue_kind k) {
    size_t n = 0;
    for (size_t i = 0; i < gv_join_nissues(j); i++) n += gv_join_issue_at(j, i)->kind == k;
    return n;
}

/* Provinces: 0 "01" Hà Nội, 1 "02" Hà Giang, 2 "79" HCM, 3 "46" Huế,
 * 4 "38" Thanh Hóa, 5 "48" Đà Nẵng. */
static gv_layer *provinces(void) {
    static const char *const props[] = {
        "\"code\":\"01\",\"name\":\"Thành phố Hà Nội\"",
        "\"code\":\"02\",\"name\":\"Tỉnh Hà Giang\"",
        "\"code\":\"79\",\"name\":\"Thành phố Hồ Chí Minh\"",
        "\"code\":\"46\",\"name\":\"Thành phố Huế\"",
        "\"code\":\"38\",\"name\":\"Thanh Hóa\"",
        "\"code\":\"48\",\"name\":\"Thành phố Đà Nẵng\"",
    };
    return make_layer("provinces.geojson", props, sizeof props / sizeof *props);
}

/* Rows (1-based in the file: header line 1):
 *  r0 line 2  "1"          Hà Nội            -> unit 0
 *  r1 line 3  "2.0"        Hà Giang          -> unit 1
 *  r2 line 4  "79.00"      TP Hồ Chí Minh    -> unit 2 (no mismatch)
 *     line 5  (blank)
 *  r3 line 6  "46"         Thừa Thiên Huế    -> unit 3, name mismatch
 *  r4 line 7  "38"         Thanh Hoá         -> unit 4 (old tone placement: same)
 *  r5 line 8  "99"         Nowhere           -> row without unit
 *  r6 line 9  ""           Empty             -> bad key
 *  r7 line 10 "Tổng cộng"  ""                -> bad key (summary row)
 *  r8 line 11 "1.5"        Half              -> bad key
 * unit 5 (48) gets no row. */
static const char *CODE_CSV = "code,name,value\n"
                              "1,Hà Nội,10\n"
                              "2.0,Hà Giang,20\n"
                              "79.00,TP Hồ Chí Minh,30\n"
                              "\n"
                              "46,Thừa Thiên Huế,40\n"
                              "38,Thanh Hoá,50\n"
                              "99,Nowhere,60\n"
                              ",Empty,70\n"
                              "Tổng cộng,,280\n"
                              "1.5,Half,1\n";

/* ------------------------------------------------------------------ tests */

static void test_code_join_counts_and_issues(void **state) {
    (void)state;
    gv_layer *l = provinces();
    gv_table *t = make_table(CODE_CSV, "values.csv");
    assert_int_equal(gv_table_nrows(t), 9);
    gv_join_options o = code_opts();
    gv_join *j = must_join(l, t, &o);

    const long want_unit[9] = {0, 1, 2, 3, 4, -1, -1, -1, -1};
    for (size_t r = 0; r < 9; r++) {
        if (gv_join_row_unit(j, r) != want_unit[r])
            fail_msg("row %zu ('%s'): unit %ld, want %ld", r, gv_table_cell(t, r, 0), gv_join_row_unit(j, r),
                     want_unit[r]);
        assert_string_equal(gv_join_row_rule(j, r), want_unit[r] >= 0 ? "code" : "");
    }
    assert_int_equal(gv_join_row_unit(j, 99), -1);
    assert_string_equal(gv_join_row_rule(j, 99), "");
    for (size_t u = 0; u < 5; u++) {
        assert_int_equal(gv_join_unit_nrows(j, u), 1);
        assert_int_equal(gv_join_unit_rows(j, u)[0], u);
    }
    assert_int_equal(gv_join_unit_nrows(j, 5), 0);

    assert_int_equal(gv_join_units_matched(j), 5);
    assert_int_equal(gv_join_units_nodata(j), 1);
    assert_int_equal(gv_join_rows_unmatched(j), 4); /* 99, empty, Tổng cộng, 1.5 */
    assert_int_equal(gv_join_rows_ambiguous(j), 0);
    assert_int_equal(gv_join_name_mismatches(j), 1);

    assert_int_equal(issue_count(j, GV_ISSUE_BAD_KEY), 3);
    assert_int_equal(issue_count(j, GV_ISSUE_ROW_NO_UNIT), 1);
    assert_int_equal(issue_count(j, GV_ISSUE_UNIT_NO_DATA), 1);
    assert_int_equal(issue_count(j, GV_ISSUE_NAME_MISMATCH), 1);
    assert_int_equal(issue_count(j, GV_ISSUE_AMBIGUOUS), 0);
    assert_int_equal(issue_count(j, GV_ISSUE_DUPLICATE), 0);
    assert_int_equal(gv_join_nissues(j), 6);
    assert_null(gv_join_issue_at(j, 6));

    /* bad keys: rows 6, 7, 8 with their lines; the summary row is not a unit */
    const size_t bad_rows[3] = {6, 7, 8}, bad_lines[3] = {9, 10, 11};
    for (size_t k = 0; k < 3; k++) {
        const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_BAD_KEY, k));
        assert_int_equal(is->row, bad_rows[k]);
        assert_int_equal(is->line, bad_lines[k]);
        assert_int_equal(is->unit, NONE);
        assert_string_equal(is->key, gv_table_cell(t, bad_rows[k], 0));
        assert_true(*is->reason);
    }
    const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_ROW_NO_UNIT, 0));
    assert_int_equal(is->row, 5);
    assert_int_equal(is->line, 8);
    assert_int_equal(is->unit, NONE);
    assert_string_equal(is->key, "99");
    is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_UNIT_NO_DATA, 0));
    assert_int_equal(is->unit, 5);
    assert_int_equal(is->row, NONE);
    assert_int_equal(is->line, 0);
    assert_string_equal(is->key, "48");
    assert_string_equal(is->name, "Thành phố Đà Nẵng");
    is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_NAME_MISMATCH, 0));
    assert_int_equal(is->row, 3);
    assert_int_equal(is->line, 6);
    assert_int_equal(is->unit, 3);
    assert_string_equal(is->name, "Thừa Thiên Huế");
    if (!strstr(is->reason, "Thành phố Huế") || !strstr(is->reason, "Thừa Thiên Huế"))
        fail_msg("mismatch reason should quote both names: %s", is->reason);
    for (size_t i = 0; i < gv_join_nissues(j); i++)
        assert_string_not_equal(gv_issue_kind_str(gv_join_issue_at(j, i)->kind), "?");

    gv_join_free(j);
    gv_join_free(NULL);
    gv_table_free(t);
    gv_layer_free(l);
}

/* Names compared under a code join: only Huế differs. With the name
 * comparison turned off ("") no mismatch is reported. */
static void test_name_mismatch_rules(void **state) {
    (void)state;
    gv_layer *l = provinces();
    gv_table *t = make_table("ma,ten,value\n"
                             "46,Thừa Thiên Huế,1\n"
                             "38,Thanh Hoá,2\n"
                             "79,TP Hồ Chí Minh,3\n"
                             "01,Hà Nội,4\n"
                             "02,Hà Giang,5\n"
                             "48,TP. Đà Nẵng,6\n",
                             "names.csv");
    gv_join_options o = code_opts();
    o.table_col = "ma"; /* name column found automatically: "ten" */
    gv_join *j = must_join(l, t, &o);
    assert_int_equal(gv_join_units_matched(j), 6);
    if (gv_join_name_mismatches(j) != 1) {
        for (size_t i = 0; i < gv_join_nissues(j); i++)
            print_message("issue: %s %s\n", gv_issue_kind_str(gv_join_issue_at(j, i)->kind),
                          gv_join_issue_at(j, i)->reason);
        fail_msg("%zu name mismatches, want 1 (Huế)", gv_join_name_mismatches(j));
    }
    const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_NAME_MISMATCH, 0));
    assert_int_equal(is->row, 0);
    assert_int_equal(is->unit, 3);
    gv_join_free(j);

    o.table_name_col = "";
    j = must_join(l, t, &o);
    assert_int_equal(gv_join_name_mismatches(j), 0);
    assert_int_equal(gv_join_nissues(j), 0);
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
}

static void test_duplicate_rows(void **state) {
    (void)state;
    gv_layer *l = provinces();
    /* two rows for unit 01, a blank line between them */
    gv_table *t = make_table("code,value\n02,5\n1,10\n\n01,20\n", "dup.csv");
    gv_join_options o = code_opts();
    gv_join *j = (gv_join *)1;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EDATA);
    assert_null(j);
    if (!strstr(err.msg, "dup.csv") || !strstr(err.msg, "2 (line 3)") || !strstr(err.msg, "3 (line 5)") ||
        !strstr(err.msg, "01"))
        fail_msg("duplicate message should name both rows and lines: %s", err.msg);

    o.dup = GV_DUP_SUM;
    j = must_join(l, t, &o);
    assert_int_equal(gv_join_unit_nrows(j, 0), 2);
    assert_int_equal(gv_join_unit_rows(j, 0)[0], 1);
    assert_int_equal(gv_join_unit_rows(j, 0)[1], 2);
    assert_int_equal(gv_join_row_unit(j, 1), 0);
    assert_int_equal(gv_join_row_unit(j, 2), 0);
    assert_int_equal(gv_join_units_matched(j), 2);
    assert_int_equal(gv_join_units_nodata(j), 4);
    assert_int_equal(gv_join_rows_unmatched(j), 0);
    assert_int_equal(issue_count(j, GV_ISSUE_DUPLICATE), 1);
    const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_DUPLICATE, 0));
    assert_int_equal(is->unit, 0);
    assert_int_equal(is->row, 1);
    assert_int_equal(is->line, 3);
    gv_join_free(j);

    o.dup = GV_DUP_FIRST;
    j = must_join(l, t, &o);
    assert_int_equal(gv_join_unit_nrows(j, 0), 2);
    gv_join_free(j);

    gv_dup_policy p;
    assert_int_equal(gv_dup_policy_parse("sum", &p, NULL), GV_OK);
    assert_int_equal(p, GV_DUP_SUM);
    assert_int_equal(gv_dup_policy_parse("mean", &p, NULL), GV_OK);
    assert_int_equal(p, GV_DUP_MEAN);
    assert_int_equal(gv_dup_policy_parse("first", &p, NULL), GV_OK);
    assert_int_equal(p, GV_DUP_FIRST);
    gv_error_clear(&err);
    assert_int_equal(gv_dup_policy_parse("max", &p, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "max"));
    gv_table_free(t);
    gv_layer_free(l);
}

/* Two features with one code: a row with that code is an error naming
 * both features, unless a duplicate policy applies it to both. */
static void test_duplicate_unit_codes(void **state) {
    (void)state;
    static const char *const props[] = {
        "\"code\":\"01\",\"name\":\"Hà Nội\"",
        "\"code\":\"01\",\"name\":\"Hà Nội (2)\"",
        "\"code\":\"02\",\"name\":\"Hà Giang\"",
    };
    gv_layer *l = make_layer("dupunits.geojson", props, 3);
    gv_table *t = make_table("code,value\n1,10\n2,20\n", "t.csv");
    gv_join_options o = code_opts();
    o.unit_name_field = "";
    gv_join *j = (gv_join *)1;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EDATA);
    assert_null(j);
    if (!strstr(err.msg, "t.csv") || !strstr(err.msg, "row 1 (line 2)") || !strstr(err.msg, "FIDs 0 and 1"))
        fail_msg("message should name the row and both features: %s", err.msg);

    o.dup = GV_DUP_FIRST;
    j = must_join(l, t, &o);
    assert_int_equal(gv_join_unit_nrows(j, 0), 1);
    assert_int_equal(gv_join_unit_nrows(j, 1), 1);
    assert_int_equal(gv_join_unit_rows(j, 1)[0], 0);
    assert_int_equal(gv_join_units_matched(j), 3);
    assert_int_equal(gv_join_units_nodata(j), 0);
    assert_int_equal(gv_join_rows_unmatched(j), 0);
    gv_join_free(j);

    /* a duplicated code that no row uses is no error */
    gv_table *t2 = make_table("code,value\n2,20\n", "t2.csv");
    o.dup = GV_DUP_ERROR;
    j = must_join(l, t2, &o);
    assert_int_equal(gv_join_units_matched(j), 1);
    assert_int_equal(gv_join_units_nodata(j), 2);
    gv_join_free(j);
    gv_table_free(t2);
    gv_table_free(t);
    gv_layer_free(l);
}

/* Communes: two "Xã An Bình" under provinces 01 and 02. */
static gv_layer *communes(void) {
    static const char *const props[] = {
        "\"code\":\"00001\",\"name\":\"Xã An Bình\",\"province\":\"01\"",
        "\"code\":\"00002\",\"name\":\"Xã An Bình\",\"province\":\"02\"",
        "\"code\":\"26734\",\"name\":\"Phường Bến Nghé\",\"province\":\"79\"",
    };
    return make_layer("communes.geojson", props, 3);
}

static void test_name_join_with_parents(void **state) {
    (void)state;
    gv_layer *l = communes();
    gv_table *t = make_table("ten,tinh,value\n"
                             "An Bình,02,1\n"
                             "Xã An Bình,01,2\n"
                             "Bến Nghé,79,3\n"
                             "An Bình,,4\n",
                             "communes.csv");
    gv_join_options o;
    memset(&o, 0, sizeof o);
    o.by_name = 1;
    o.unit_field = "name";
    o.table_col = "ten";
    o.unit_parent_field = "province";
    o.table_parent_col = "tinh";
    gv_join *j = must_join(l, t, &o);
    assert_int_equal(gv_join_row_unit(j, 0), 1);
    assert_int_equal(gv_join_row_unit(j, 1), 0);
    assert_int_equal(gv_join_row_unit(j, 2), 2);
    assert_string_equal(gv_join_row_rule(j, 0), "prefix");
    assert_string_equal(gv_join_row_rule(j, 1), "exact");
    assert_string_equal(gv_join_row_rule(j, 2), "prefix");
    /* an empty parent cell: all candidates, so ambiguous */
    assert_int_equal(gv_join_row_unit(j, 3), -1);
    assert_int_equal(gv_join_rows_ambiguous(j), 1);
    assert_int_equal(gv_join_units_matched(j), 3);
    const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_AMBIGUOUS, 0));
    assert_non_null(is);
    assert_int_equal(is->row, 3);
    assert_int_equal(is->line, 5);
    /* ambiguous rows are counted as unmatched but reported once */
    assert_int_equal(gv_join_rows_unmatched(j), 1);
    assert_int_equal(issue_count(j, GV_ISSUE_ROW_NO_UNIT), 0);
    gv_join_free(j);

    /* no parent column in the table: both An Bình rows are ambiguous */
    gv_table *t2 = make_table("ten,value\nAn Bình,1\nXã An Bình,2\nBến Nghé,3\n", "noparent.csv");
    o.table_parent_col = NULL;
    j = must_join(l, t2, &o);
    assert_int_equal(gv_join_row_unit(j, 0), -1);
    assert_int_equal(gv_join_row_unit(j, 1), -1);
    assert_int_equal(gv_join_row_unit(j, 2), 2);
    assert_int_equal(gv_join_rows_ambiguous(j), 2);
    assert_int_equal(issue_count(j, GV_ISSUE_AMBIGUOUS), 2);
    is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_AMBIGUOUS, 0));
    assert_int_equal(is->row, 0);
    assert_int_equal(is->unit, NONE);
    if (!strstr(is->reason, "2 units")) fail_msg("ambiguous reason: %s", is->reason);
    assert_int_equal(gv_join_units_nodata(j), 2);
    gv_join_free(j);
    gv_table_free(t2);
    gv_table_free(t);
    gv_layer_free(l);
}

/* A name that fits many units says how many, not a capped count: 12
 * communes called "Xã Tân Lập" in 12 provinces, a table row without a
 * parent. */
static void test_ambiguous_count(void **state) {
    (void)state;
    char *props[12];
    for (int i = 0; i < 12; i++) {
        props[i] = malloc(96);
        snprintf(props[i], 96, "\"code\":\"%05d\",\"name\":\"Xã Tân Lập\",\"province\":\"%02d\"", i + 1, i + 1);
    }
    gv_layer *l = make_layer("tanlap.geojson", (const char *const *)props, 12);
    gv_table *t = make_table("ten,value\nTân Lập,1\n", "tanlap.csv");
    gv_join_options o;
    memset(&o, 0, sizeof o);
    o.by_name = 1;
    o.unit_field = "name";
    o.table_col = "ten";
    o.unit_parent_field = "province";
    gv_join *j = must_join(l, t, &o);
    assert_int_equal(gv_join_rows_ambiguous(j), 1);
    const gv_join_issue *is = gv_join_issue_at(j, issue_find(j, GV_ISSUE_AMBIGUOUS, 0));
    if (!strstr(is->reason, "name fits 12 units (the first 8):")) fail_msg("ambiguous reason: %s", is->reason);
    assert_non_null(strstr(is->reason, "(parent 08)"));
    assert_null(strstr(is->reason, "(parent 09)"));
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
    for (int i = 0; i < 12; i++) free(props[i]);
}

/* Parent codes are codes (SPEC "Words"): "1" and "01" are the same
 * province, as they are for code joins. */
static void test_name_join_parent_code_forms(void **state) {
    (void)state;
    gv_layer *l = communes();
    gv_table *t = make_table("ten,tinh,value\nAn Bình,1,1\nAn Bình,2.0,2\n", "parents.csv");
    gv_join_options o;
    memset(&o, 0, sizeof o);
    o.by_name = 1;
    o.unit_field = "name";
    o.table_col = "ten";
    o.unit_parent_field = "province";
    o.table_parent_col = "tinh";
    gv_join *j = must_join(l, t, &o);
    long u0 = gv_join_row_unit(j, 0), u1 = gv_join_row_unit(j, 1);
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
    if (u0 != 0 || u1 != 1)
        fail_msg("parent '1' -> unit %ld (want 0, province '01'); parent '2.0' -> unit %ld (want 1, province '02')", u0,
                 u1);
}

static void test_unknown_names_listed(void **state) {
    (void)state;
    gv_layer *l = provinces();
    gv_table *t = make_table("ma_tinh,ten,value\n01,Hà Nội,1\n", "cols.csv");
    gv_join_options o = code_opts();
    gv_join *j = (gv_join *)1;
    gv_error err;

    /* unknown table column: names the table and lists its columns */
    o.table_col = "code";
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_null(j);
    if (!strstr(err.msg, "cols.csv") || !strstr(err.msg, "'code'") || !strstr(err.msg, "ma_tinh, ten, value"))
        fail_msg("unknown column message: %s", err.msg);

    /* unknown boundary field: names the source and lists its fields */
    o.table_col = "ma_tinh";
    o.unit_field = "ma";
    j = (gv_join *)1;
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_null(j);
    if (!strstr(err.msg, "provinces.geojson") || !strstr(err.msg, "'ma'") || !strstr(err.msg, "code, name"))
        fail_msg("unknown field message: %s", err.msg);

    /* unknown parent / name options too */
    o.unit_field = "code";
    o.table_name_col = "nope";
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "nope"));
    o.table_name_col = NULL;
    o.unit_name_field = "nope2";
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "nope2"));
    o.unit_name_field = NULL;
    o.by_name = 1;
    o.unit_field = "name";
    o.table_col = "ten";
    o.unit_parent_field = "parent";
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "'parent'"));
    o.unit_parent_field = NULL;
    o.table_parent_col = "tinh";
    gv_error_clear(&err);
    assert_int_equal(gv_join_run(l, t, &o, &j, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "'tinh'"));
    /* case-insensitive lookups still work */
    o.table_parent_col = NULL;
    o.table_col = "TEN";
    j = must_join(l, t, &o);
    assert_int_equal(gv_join_row_unit(j, 0), 0);
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
}

/* The report, parsed back: header, every issue, then every matched row. */
static void test_report_csv(void **state) {
    (void)state;
    gv_layer *l = provinces();
    gv_table *t = make_table(CODE_CSV, "values.csv");
    gv_join_options o = code_opts();
    gv_join *j = must_join(l, t, &o);
    const char *path = tu_path("%s/report.csv", dir());
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_join_write_report(j, l, t, path, &err), GV_OK);
    char *text = tu_slurp(path, NULL);
    assert_non_null(text);

    size_t nlines = 0, nmatched = 0, nissue = 0;
    int saw_header = 0, saw_summary = 0, saw_nodata = 0, saw_mismatch = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), nlines++) {
        char *f[16];
        int nf = tu_csv_split(line, f, 16);
        if (nlines == 0) {
            assert_int_equal(nf, 8);
            const char *hdr[8] = {"kind", "row", "line", "unit_fid", "key", "name", "rule", "reason"};
            for (int k = 0; k < 8; k++) assert_string_equal(f[k], hdr[k]);
            saw_header = 1;
            continue;
        }
        if (nf != 8) fail_msg("report line %zu has %d fields", nlines + 1, nf);
        if (!strcmp(f[0], "matched")) {
            nmatched++;
            /* row is 1-based; line and unit FID agree with the table/layer */
            size_t r = (size_t)atol(f[1]) - 1;
            long u = gv_join_row_unit(j, r);
            assert_true(u >= 0);
            assert_int_equal((size_t)atol(f[2]), gv_table_row_line(t, r));
            assert_int_equal(atoll(f[3]), gv_layer_fid(l, (size_t)u));
            assert_string_equal(f[4], gv_table_cell(t, r, 0));
            assert_string_equal(f[6], "code");
            continue;
        }
        nissue++;
        if (!strcmp(f[0], "bad_key") && !strcmp(f[4], "Tổng cộng")) {
            saw_summary = 1;
            assert_string_equal(f[1], "8");
            assert_string_equal(f[2], "10");
            assert_string_equal(f[3], "");
            assert_true(*f[7]);
        } else if (!strcmp(f[0], "unit_without_data")) {
            saw_nodata = 1;
            assert_string_equal(f[1], "");
            assert_string_equal(f[2], "");
            assert_string_equal(f[3], "5");
            assert_string_equal(f[4], "48");
            assert_string_equal(f[6], "");
        } else if (!strcmp(f[0], "name_mismatch")) {
            saw_mismatch = 1;
            assert_string_equal(f[1], "4");
            assert_string_equal(f[2], "6");
            assert_string_equal(f[3], "3");
            assert_string_equal(f[5], "Thừa Thiên Huế");
            assert_string_equal(f[6], "code");
        } else {
            assert_true(!strcmp(f[0], "bad_key") || !strcmp(f[0], "row_without_unit"));
        }
    }
    free(text);
    assert_true(saw_header && saw_summary && saw_nodata && saw_mismatch);
    assert_int_equal(nissue, gv_join_nissues(j));
    assert_int_equal(nmatched, 5);

    /* a report into a missing folder: GV_EOUTPUT, nothing written */
    const char *bad = tu_path("%s/missing/report.csv", dir());
    gv_error_clear(&err);
    assert_int_equal(gv_join_write_report(j, l, t, bad, &err), GV_EOUTPUT);
    assert_non_null(strstr(err.msg, bad));
    assert_false(tu_exists(bad));
    /* no temporary left beside the report */
    assert_int_equal(tu_dir_count(dir(), NULL, 0) >= 0, 1);
    char names[8192] = "";
    tu_dir_count(dir(), names, sizeof names);
    if (strstr(names, ".tmp.")) fail_msg("temporary left behind: %s", names);
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);
}

/* Boundary codes read from an integer field ("1" for Hà Nội, as GDAL
 * gives an Integer field) are codes like any other: padded to 2 digits on
 * both sides, so the table's "01" and "1.0" find them. A table code with
 * more digits than the boundaries' width ("001": a district of Hà Nội) is
 * not taken for the province. "1" and "01" both in the boundaries are one
 * code given twice: a row finding both is ambiguous. */
static void test_boundary_codes_normalised(void **state) {
    (void)state;
    static const char *const props[] = {"\"code\":1,\"name\":\"Hà Nội\"", "\"code\":79,\"name\":\"Hồ Chí Minh\""};
    gv_layer *l = make_layer("intcodes.geojson", props, 2);
    gv_table *t = make_table("code,value\n01,1\n79.0,2\n001,3\n", "int.csv");
    gv_join_options o = code_opts();
    gv_join *j = must_join(l, t, &o);
    assert_int_equal(gv_join_row_unit(j, 0), 0);
    assert_int_equal(gv_join_row_unit(j, 1), 1);
    assert_int_equal(gv_join_row_unit(j, 2), -1);
    size_t bk = issue_find(j, GV_ISSUE_BAD_KEY, 0);
    assert_true(bk != NONE);
    assert_non_null(strstr(gv_join_issue_at(j, bk)->reason, "'001' is not a 2-digit code (written with more digits"));
    gv_join_free(j);
    gv_table_free(t);
    gv_layer_free(l);

    static const char *const twice[] = {"\"code\":\"01\",\"name\":\"Hà Nội\"", "\"code\":\"1\",\"name\":\"Hà Nội\""};
    l = make_layer("twice.geojson", twice, 2);
    t = make_table("code,value\n1,5\n", "t.csv");
    gv_join *jj = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_join_run(l, t, &o, &jj, &err);
    if (rc == GV_OK) {
        assert_true(gv_join_row_unit(jj, 0) < 0); /* never one of the two at random */
        gv_join_free(jj);
    } else {
        assert_non_null(strstr(err.msg, "key '1' matches 2 features"));
    }
    gv_table_free(t);
    gv_layer_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_codes_normalised),
        cmocka_unit_test(test_code_join_counts_and_issues),
        cmocka_unit_test(test_name_mismatch_rules),
        cmocka_unit_test(test_duplicate_rows),
        cmocka_unit_test(test_duplicate_unit_codes),
        cmocka_unit_test(test_name_join_with_parents),
        cmocka_unit_test(test_ambiguous_count),
        cmocka_unit_test(test_name_join_parent_code_forms),
        cmocka_unit_test(test_unknown_names_listed),
        cmocka_unit_test(test_report_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
