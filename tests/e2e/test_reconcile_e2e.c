/* test_reconcile_e2e.c: `geovoice reconcile`, end to end through the CLI.
 * A small table with planted discrepancies whose z-scores are worked out
 * by hand below, the bad-input paths, parent/child sums, and the real
 * cases of ../shared/data/vn/census (expected figures computed here from
 * the CSVs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DATA GV_TEST_DATADIR

static char errbuf[65536];

static char *keep(const char *s) {
    static char slots[16][4096];
    static int next;
    char *d = slots[next++ % 16];
    snprintf(d, 4096, "%s", s);
    return d;
}
#define keep_path(...) keep(tu_path(__VA_ARGS__))

static int run(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(tu_path("reconcile %s", args), &err);
    snprintf(errbuf, sizeof errbuf, "%s", err ? err : "");
    free(err);
    return rc;
}
#define RUN_OK(args)                                                                                            \
    do {                                                                                                        \
        int rc_ = run(args);                                                                                    \
        if (rc_ != 0) fail_msg("geovoice reconcile %s\nexit %d:\n%s", args, rc_, errbuf);                       \
    } while (0)

static const char *dir(void) {
    static char d[4096];
    if (!d[0]) snprintf(d, sizeof d, "%s", tu_tmpdir("reconcile"));
    return d;
}

static void load(tu_csv *c, const char *path) { assert_int_equal(tu_csv_load(c, path), 0); }
#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

/* Ten units, A_i = 1000 i, B_i = A_i (1 + r_i) with
 *   r = .10 .12 .08 .11 .09 .10 .60 .10 -.30 .13   (units 01..10).
 * Sorted r: -.30 .08 .09 .10 .10 .10 .11 .12 .13 .60 -> median .10.
 * |r - .10| = 0 .02 .02 .01 .01 0 .50 0 .40 .03 -> sorted 0 0 0 .01 .01
 * .02 .02 .03 .40 .50 -> MAD (.01 + .02)/2 = .015.
 * z = 0.6745 (r - .10) / .015: unit 07 +22.483, unit 09 -17.987, unit 10
 * +1.349, unit 02 +0.899: only 07 and 09 are flagged (|z| > 3.5).
 * Sums: A 55000; B = 55000 + 1000 sum(i r_i) = 55000 + 5670 = 60670.
 * Unit 11 is only in B; B carries a 'figure_source' column. */
static const char *planted(void) {
    static const double r[10] = {.10, .12, .08, .11, .09, .10, .60, .10, -.30, .13};
    char a[2048] = "code,name,pop\n", b[2048] = "ma,figure_source,pop2\n";
    for (int i = 1; i <= 10; i++) {
        size_t la = strlen(a), lb = strlen(b);
        snprintf(a + la, sizeof a - la, "%d,Tỉnh %02d,%d\n", i, i, 1000 * i);
        snprintf(b + lb, sizeof b - lb, "%02d,%s,%.0f\n", i, i % 2 ? "register" : "survey", 1000 * i * (1 + r[i - 1]));
    }
    strcat(b, "11,register,5\n");
    assert_int_equal(tu_write_file(keep_path("%s/a.csv", dir()), a), 0);
    assert_int_equal(tu_write_file(keep_path("%s/b.csv", dir()), b), 0);
    return dir();
}

/* --code names the code column of both tables: B has none called 'code'. */
static void test_code_column(void **state) {
    (void)state;
    const char *d = planted(), *out = keep_path("%s/out.csv", dir());
    assert_int_equal(run(tu_path("--a '%s/a.csv:pop' --b '%s/b.csv:pop2' --code code -o '%s'", d, d, out)), 1);
    assert_non_null(strstr(errbuf, "b.csv: no code column (code)"));
    assert_false(tu_exists(out));
}

static void test_planted_values(void **state) {
    (void)state;
    const char *d = planted(), *out = keep_path("%s/out2.csv", dir());
    RUN_OK(tu_path("--a '%s/a.csv:pop' --b '%s/b.csv:pop2' -o '%s'", d, d, out));
    assert_non_null(strstr(errbuf, "totals over those units: A 55000, B 60670"));
    assert_non_null(strstr(errbuf, "1 units only in b.csv:pop2 (not compared): 11"));
    tu_csv c;
    load(&c, out);
    assert_int_equal(c.nrows, 11);
    static const double r[10] = {.10, .12, .08, .11, .09, .10, .60, .10, -.30, .13};
    for (int i = 1; i <= 10; i++) {
        char code[8];
        snprintf(code, sizeof code, "%02d", i);
        long k = tu_csv_find(&c, "code", code);
        assert_true(k >= 0);
        NEAR(tu_csv_num(&c, k, "a"), 1000 * i, 1e-9);
        NEAR(tu_csv_num(&c, k, "diff"), 1000 * i * r[i - 1], 1e-6);
        NEAR(tu_csv_num(&c, k, "rel_diff"), r[i - 1], 1e-6);
        NEAR(tu_csv_num(&c, k, "share_a"), 1000.0 * i / 55000, 1e-8);
        NEAR(tu_csv_num(&c, k, "share_b"), 1000 * i * (1 + r[i - 1]) / 60670, 1e-8);
        NEAR(tu_csv_num(&c, k, "rel_share"), (1 + r[i - 1]) / (60670.0 / 55000) - 1, 1e-6);
        assert_string_equal(tu_csv_at(&c, k, "b_figure_source"), i % 2 ? "register" : "survey"); /* B only: prefixed */
        assert_string_equal(tu_csv_at(&c, k, "name"), tu_path("Tỉnh %02d", i));
        const char *want = (i == 7 || i == 9) ? "yes" : "no";
        assert_string_equal(tu_csv_at(&c, k, "flag_rel"), want);
    }
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "07"), "z_rel"), 22.483, 1e-3);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "09"), "z_rel"), -17.987, 1e-3);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "10"), "z_rel"), 1.349, 1e-3);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "02"), "z_rel"), 0.899, 1e-3);
    long k11 = tu_csv_find(&c, "code", "11");
    assert_string_equal(tu_csv_at(&c, k11, "note"), "only in B");
    assert_string_equal(tu_csv_at(&c, k11, "flagged"), "");
    tu_csv_free(&c);
    /* The log lists the flagged units with their values. */
    assert_non_null(strstr(errbuf, "07 Tỉnh 07: A 7000, B 11200, +60.00 %"));
    assert_non_null(strstr(errbuf, "09 Tỉnh 09: A 9000, B 6300, -30.00 %"));
    /* --strict: the unit only in B is an error, nothing written. */
    const char *never = keep_path("%s/never.csv", dir());
    assert_int_equal(run(tu_path("--a '%s/a.csv:pop' --b '%s/b.csv:pop2' --strict -o '%s'", d, d, never)), 2);
    assert_non_null(strstr(errbuf, "(--strict): 0 units only in a.csv:pop, 1 only in b.csv:pop2"));
    assert_false(tu_exists(never));
}

static void test_bad_input(void **state) {
    (void)state;
    const char *d = planted(), *out = keep_path("%s/bad_out.csv", dir());
    assert_int_equal(run(tu_path("--a '%s/a.csv' --b '%s/b.csv:pop2' -o '%s'", d, d, out)), 1); /* no :COL */
    assert_int_equal(run(tu_path("--a '%s/a.csv:nosuch' --b '%s/b.csv:pop2' -o '%s'", d, d, out)), 1);
    assert_non_null(strstr(errbuf, "a.csv: no column 'nosuch'"));
    assert_int_equal(run(tu_path("--a '%s/missing.csv:pop' --b '%s/b.csv:pop2' -o '%s'", d, d, out)), 2);
    assert_non_null(strstr(errbuf, "missing.csv"));
    const char *dup = keep_path("%s/dup.csv", dir());
    assert_int_equal(tu_write_file(dup, "code,pop\n01,5\n02,6\n1,7\n"), 0);
    assert_int_equal(run(tu_path("--a '%s:pop' --b '%s/b.csv:pop2' -o '%s'", dup, d, out)), 2);
    assert_non_null(strstr(errbuf, "dup.csv: rows 1 and 3 (lines 2 and 4), column 'code': code '01' given twice"));
    const char *txt = keep_path("%s/txt.csv", dir());
    assert_int_equal(tu_write_file(txt, "code,pop\n01,5\n02,many\n"), 0);
    assert_int_equal(run(tu_path("--a '%s:pop' --b '%s/b.csv:pop2' -o '%s'", txt, d, out)), 2);
    assert_non_null(strstr(errbuf, "txt.csv: row 2 (line 3), column 'pop': 'many' is not a number"));
    assert_int_equal(run(tu_path("--a '%s/a.csv:pop' --b '%s/b.csv:pop2' -o '%s/no/such/dir/x.csv'", d, d, dir())), 3);
    const char *neg = keep_path("%s/neg.csv", dir());
    assert_int_equal(tu_write_file(neg, "code,pop\n01,5\n02,-10\n"), 0);
    assert_int_equal(run(tu_path("--a '%s:pop' --b '%s/b.csv:pop2' -o '%s'", neg, d, out)), 2);
    assert_non_null(strstr(errbuf, "neg.csv: row 2 (line 3), column 'pop': -10 is not a count (negative)"));
    /* A second output whose folder is missing: nothing written at all. */
    assert_int_equal(run(tu_path("--a '%s/a.csv:pop' --b '%s/b.csv:pop2' -o '%s' --map '%s/no/such/m.png'", d, d, out, dir())), 3);
    assert_false(tu_exists(out));
}

/* A province row and its communes: 01 has 100 in A and 120 in B, its
 * communes 00001 and 00002 (parent_code 01) 40 + 50 = 90 in A and 70 + 50
 * = 120 in B: A's sum differs by -10, B's agrees. */
static void test_parent_child(void **state) {
    (void)state;
    const char *t = keep_path("%s/levels.csv", dir()), *out = keep_path("%s/lv.csv", dir()),
               *par = keep_path("%s/parents.csv", dir());
    assert_int_equal(tu_write_file(t, "code,parent_code,a,b\n01,,100,120\n00001,01,40,70\n00002,1,50,50\n"), 0);
    RUN_OK(tu_path("--a '%s:a' --b '%s:b' -o '%s' --parents '%s'", t, t, out, par));
    assert_non_null(strstr(errbuf, "parent 01  in levels.csv:a: 100, its 2 commune rows sum to 90 (-10)"));
    assert_non_null(strstr(errbuf, "1 parents with children in the tables, 1 sums that differ"));
    tu_csv c;
    load(&c, par);
    assert_int_equal(c.nrows, 1);
    assert_string_equal(tu_csv_at(&c, 0, "code"), "01");
    assert_int_equal((long)tu_csv_num(&c, 0, "children"), 2);
    NEAR(tu_csv_num(&c, 0, "a_diff"), -10, 1e-9);
    NEAR(tu_csv_num(&c, 0, "b_diff"), 0, 1e-9);
    tu_csv_free(&c);
    /* Shares within each level: the province is 100 % of the provinces,
     * commune 00001 is 40 / 90 of the communes in A (not 40 / 190). */
    load(&c, out);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "01"), "share_a"), 1, 1e-9);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "00001"), "share_a"), 40.0 / 90, 1e-8);
    NEAR(tu_csv_num(&c, tu_csv_find(&c, "code", "00001"), "share_b"), 70.0 / 120, 1e-8);
    tu_csv_free(&c);
    assert_non_null(strstr(errbuf, "totals over those units (provinces): A 100, B 120"));
}

/* The real case: the 34 provinces of 2025, Resolution 202 (and other
 * 2025) figures against the 2019 census of their constituents. */
static void test_provinces_2025(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *src = DATA "/census/provinces_2025.csv", *out = keep_path("%s/p25.csv", dir()),
               *map = keep_path("%s/p25.png", dir());
    RUN_OK(tu_path("--a '%s:population_2019_census_of_constituents' --b '%s:population' --set vn-2025 -o '%s' --map '%s'",
                   src, src, out, map));
    tu_csv in, c;
    load(&in, src);
    load(&c, out);
    assert_int_equal(c.nrows, 34);
    double sa = tu_csv_sum(&in, "population_2019_census_of_constituents"), sb = tu_csv_sum(&in, "population");
    assert_true(sa == 96208984);
    assert_true(sb == 113571926);
    assert_non_null(strstr(errbuf, "totals over those units: A 96208984, B 113571926"));
    /* Per province, from the source rows; the provenance column carried. */
    double best = 0;
    const char *best_code = "";
    for (size_t r = 0; r < in.nrows; r++) {
        const char *code = tu_csv_at(&in, r, "code");
        long k = tu_csv_find(&c, "code", code);
        assert_true(k >= 0);
        double a = tu_csv_num(&in, r, "population_2019_census_of_constituents"), b = tu_csv_num(&in, r, "population");
        NEAR(tu_csv_num(&c, k, "diff"), b - a, 1e-6);
        NEAR(tu_csv_num(&c, k, "share_diff_pp"), 100 * (b / sb - a / sa), 1e-6);
        assert_string_equal(tu_csv_at(&c, k, "figure_source"), tu_csv_at(&in, r, "figure_source"));
        double rs = (b / sb) / (a / sa) - 1;
        if (fabs(rs) > fabs(best)) best = rs, best_code = keep(code);
    }
    /* An Giang (91) grows most beyond the national 18 %, and stands out
     * on shares. */
    assert_string_equal(best_code, "91");
    long ag = tu_csv_find(&c, "code", "91");
    assert_string_equal(tu_csv_at(&c, ag, "flag_share"), "yes");
    assert_string_equal(tu_csv_at(&c, ag, "name"), "An Giang");
    int w, h;
    assert_int_equal(tu_png_size(map, &w, &h), 0);
    assert_int_equal(w, 2480);
    assert_int_equal(h, 3508);
    tu_csv_free(&in);
    tu_csv_free(&c);
}

/* Two urban figures for 22 provinces: the differences are those the
 * source file states (diff_other_minus_dw), and other_source is carried. */
static void test_urban_sources(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *src = DATA "/census/urban_rural_source_comparison.csv", *out = keep_path("%s/ur.csv", dir());
    RUN_OK(tu_path("--a '%s:urban_datawarehouse' --b '%s:urban_other_source' -o '%s'", src, src, out));
    tu_csv in, c;
    load(&in, src);
    load(&c, out);
    assert_int_equal(c.nrows, in.nrows);
    for (size_t r = 0; r < in.nrows; r++) {
        long k = tu_csv_find(&c, "code", tu_csv_at(&in, r, "gso_code"));
        assert_true(k >= 0);
        double want = tu_csv_num(&in, r, "diff_other_minus_dw");
        if (isnan(want)) assert_true(isnan(tu_csv_num(&c, k, "diff")));
        else NEAR(tu_csv_num(&c, k, "diff"), want, 1e-9);
        assert_string_equal(tu_csv_at(&c, k, "other_source"), tu_csv_at(&in, r, "other_source"));
    }
    tu_csv_free(&in);
    tu_csv_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_column),      cmocka_unit_test(test_planted_values), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_parent_child), cmocka_unit_test(test_provinces_2025), cmocka_unit_test(test_urban_sources),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmtree(dir());
    return rc;
}
