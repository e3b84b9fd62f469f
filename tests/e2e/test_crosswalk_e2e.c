/* test_crosswalk_e2e.c: `geovoice crosswalk`, end to end through the CLI.
 *
 * Small cases on squares written here, where every share is worked out by
 * hand in the comments (areas in an equal-area projection of squares of
 * 0.1 degree near the equator differ from each other by < 0.01 %, so the
 * tolerances below are 1e-3 relative), and the real cases of the issue on
 * ../shared/data/vn: the expected figures are computed here from the
 * census and crosswalk CSVs directly (sums over rows, set membership), not
 * taken from the program. */
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

#define NEED_DATA()                                                                                             \
    do {                                                                                                        \
        if (!tu_have_data()) skip();                                                                            \
    } while (0)

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
    int rc = tu_run_cli(tu_path("crosswalk %s", args), &err);
    snprintf(errbuf, sizeof errbuf, "%s", err ? err : "");
    free(err);
    return rc;
}
#define RUN_OK(args)                                                                                            \
    do {                                                                                                        \
        int rc_ = run(args);                                                                                    \
        if (rc_ != 0) fail_msg("geovoice crosswalk %s\nexit %d:\n%s", args, rc_, errbuf);                       \
    } while (0)

/* CSV helpers over tu_csv (testutil.h), failing the test on a missing
 * file or column. */
typedef tu_csv csv;
static void csv_load(csv *c, const char *path) { assert_int_equal(tu_csv_load(c, path), 0); }
#define csv_free tu_csv_free
static int col(const csv *c, const char *name) {
    int k = tu_csv_col(c, name);
    if (k < 0) fail_msg("no column '%s'", name);
    return k;
}
static const char *at(const csv *c, size_t r, const char *name) { return c->rows[r][col(c, name)] ? tu_csv_at(c, r, name) : ""; }
static double num(const csv *c, size_t r, const char *name) {
    col(c, name);
    return tu_csv_num(c, r, name);
}
#define find tu_csv_find
#define sum_col tu_csv_sum

/* ---- small cases on squares ---- */

static const char *dir(void) {
    static char d[4096];
    if (!d[0]) snprintf(d, sizeof d, "%s", tu_tmpdir("crosswalk"));
    return d;
}

/* A square [x, x+w] x [y, y+w] as a GeoJSON feature with properties. */
static void square(char *buf, size_t n, const char *props, double x, double y, double w) {
    snprintf(buf, n,
             "{\"type\":\"Feature\",\"properties\":{%s},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
             "[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f]]]}}",
             props, x, y, x + w, y, x + w, y + w, x, y + w, x, y);
}

/* New units near 106 E, 10 N: X = [106.0,106.1]², Y = [106.1,106.4] x
 * [10.0,10.1] (three times X's area), Z = [106.0,106.1] x [10.3,10.4].
 * Z touches no old unit of the areal case: a parallel is curved in the
 * equal-area projection, so two edges along it with different end points
 * would overlap in a sliver of ~3e-5 of a unit (real boundaries have
 * vertices every few metres, where this vanishes). */
static const char *new_units(void) {
    char x[512], y[512], z[512], all[2048];
    square(x, sizeof x, "\"code\":\"00001\",\"name\":\"Xã X\",\"pc\":\"01\"", 106.0, 10.0, 0.1);
    snprintf(y, sizeof y,
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"00002\",\"name\":\"Xã Y\",\"pc\":\"01\"},\"geometry\":"
             "{\"type\":\"Polygon\",\"coordinates\":[[[106.1,10.0],[106.4,10.0],[106.4,10.1],[106.1,10.1],[106.1,10.0]]]}}");
    square(z, sizeof z, "\"code\":\"00003\",\"name\":\"Xã Z\",\"pc\":\"02\"", 106.0, 10.3, 0.1);
    snprintf(all, sizeof all, "{\"type\":\"FeatureCollection\",\"features\":[%s,%s,%s]}\n", x, y, z);
    const char *p = keep_path("%s/new.geojson", dir());
    assert_int_equal(tu_write_file(p, all), 0);
    return p;
}

static void test_pairs_split_by_area(void **state) {
    (void)state;
    const char *nu = new_units();
    /* Old commune A (code 10) went to X and Y: split 1:3 by their areas,
     * so 1000 -> 250 + 750 (estimated). Old B (11) went whole to Z: 40
     * (exact). Old C (12) has no pair: reported, not carried. */
    const char *pairs = keep_path("%s/pairs.csv", dir());
    assert_int_equal(tu_write_file(pairs, "old_commune_code,new_commune_code\n00010,00001\n00010,00002\n00011,00003\n"), 0);
    const char *tab = keep_path("%s/t.csv", dir());
    assert_int_equal(tu_write_file(tab, "code,population\n00010,1000\n11,40\n00012,7\n"), 0);
    const char *out = keep_path("%s/out.csv", dir()), *unc = keep_path("%s/unc.csv", dir());
    RUN_OK(tu_path("--method table --level commune --pairs '%s' --to-shapes '%s' --to-parent pc '%s' -o '%s' "
                   "--uncarried '%s'", pairs, nu, tab, out, unc));
    csv c;
    csv_load(&c, out);
    assert_int_equal(c.nrows, 3);
    long x = find(&c, "code", "00001"), y = find(&c, "code", "00002"), z = find(&c, "code", "00003");
    assert_true(x >= 0 && y >= 0 && z >= 0);
    assert_true(fabs(num(&c, x, "population") - 250) < 0.25);
    assert_true(fabs(num(&c, y, "population") - 750) < 0.75);
    assert_true(fabs(num(&c, x, "population") + num(&c, y, "population") - 1000) < 0.011);
    assert_int_equal((long)num(&c, z, "population"), 40);
    assert_string_equal(at(&c, x, "estimated"), "yes");
    assert_string_equal(at(&c, z, "estimated"), "no");
    assert_string_equal(at(&c, z, "method"), "pair");
    assert_string_equal(at(&c, x, "method"), "pair-split");
    assert_string_equal(at(&c, x, "name"), "Xã X");
    csv_free(&c);
    /* Totals printed: 1047 before, 1040 after, 7 not carried. */
    assert_non_null(strstr(errbuf, "before 1047, after 1040.00, not carried 7"));
    csv_load(&c, unc);
    assert_int_equal(c.nrows, 1);
    assert_string_equal(c.rows[0][col(&c, "code")], "00012");
    assert_non_null(strstr(at(&c, 0, "reason"), "no pair"));
    csv_free(&c);
}

static void test_areal_renormalised(void **state) {
    (void)state;
    const char *nu = new_units();
    /* Old unit D = [105.95,106.05] x [10.0,10.1]: half of it overlaps X
     * (the west half lies over no new unit: offshore). Renormalised over
     * the covered part, X gets all 600. Old unit E = [106.05,106.25] x
     * [10.05,10.1]: overlaps X on 0.05 x 0.05 and Y on 0.15 x 0.05, so 1:3
     * -> 100 + 300 of 400. Old F lies far away (overlaps nothing):
     * reported with its 9. Old G has no polygon. */
    char d[512], e[512], f[512], all[2048];
    square(d, sizeof d, "\"code\":\"101\"", 105.95, 10.0, 0.1);
    snprintf(e, sizeof e,
             "{\"type\":\"Feature\",\"properties\":{\"code\":\"102\"},\"geometry\":{\"type\":\"Polygon\","
             "\"coordinates\":[[[106.05,10.05],[106.25,10.05],[106.25,10.1],[106.05,10.1],[106.05,10.05]]]}}");
    square(f, sizeof f, "\"code\":\"103\"", 108.0, 12.0, 0.1);
    snprintf(all, sizeof all, "{\"type\":\"FeatureCollection\",\"features\":[%s,%s,%s]}\n", d, e, f);
    const char *old = keep_path("%s/old.geojson", dir());
    assert_int_equal(tu_write_file(old, all), 0);
    const char *tab = keep_path("%s/d.csv", dir());
    assert_int_equal(tu_write_file(tab, "code,population\n101,600\n102,400\n103,9\n104,5\n"), 0);
    const char *out = keep_path("%s/areal.csv", dir()), *rows = keep_path("%s/rows.csv", dir());
    RUN_OK(tu_path("--method areal --level district --from-shapes '%s' --to-shapes '%s' '%s' -o '%s' --rows '%s'", old,
                   nu, tab, out, rows));
    csv c;
    csv_load(&c, out);
    long x = find(&c, "code", "00001"), y = find(&c, "code", "00002"), z = find(&c, "code", "00003");
    assert_true(fabs(num(&c, x, "population") - 700) < 0.7);
    assert_true(fabs(num(&c, y, "population") - 300) < 0.3);
    assert_true(fabs(num(&c, x, "population") + num(&c, y, "population") - 1000) < 0.011); /* 2 decimals each */
    assert_true(isnan(num(&c, z, "population"))); /* nothing reached Z: empty, not 0 */
    assert_string_equal(at(&c, x, "method"), "areal");
    csv_free(&c);
    assert_non_null(strstr(errbuf, "before 1014, after 1000.00, not carried 14"));
    csv_load(&c, rows);
    assert_int_equal(c.nrows, 4);
    assert_string_equal(at(&c, 1, "method"), "areal");
    assert_int_equal((long)num(&c, 1, "targets"), 2);
    assert_non_null(strstr(at(&c, 2, "reason"), "overlaps no new unit"));
    assert_non_null(strstr(at(&c, 3, "reason"), "no polygon"));
    csv_free(&c);
}

static void test_errors(void **state) {
    (void)state;
    const char *nu = new_units();
    const char *out = keep_path("%s/never.csv", dir());
    assert_int_equal(run(tu_path("--from vn-2019 --to vn-2025 '%s/nosuch.csv' -o '%s'", dir(), out)), 2);
    assert_non_null(strstr(errbuf, "nosuch.csv"));
    assert_int_equal(run(tu_path("--from vn-2019 '%s' -o '%s'", nu, out)), 1); /* no --to */
    const char *tab = keep_path("%s/bad.csv", dir());
    assert_int_equal(tu_write_file(tab, "code,population\n00010,12x\n"), 0);
    const char *pairs = keep_path("%s/pairs.csv", dir());
    assert_int_equal(tu_write_file(pairs, "old_commune_code,new_commune_code\n00010,00001\n"), 0);
    assert_int_equal(run(tu_path("--method table --level commune --pairs '%s' --to-shapes '%s' '%s' -o '%s'", pairs, nu,
                                 tab, out)),
                     2);
    assert_non_null(strstr(errbuf, "bad.csv"));
    assert_non_null(strstr(errbuf, "population"));
    assert_int_equal(run(tu_path("--method table --level commune --pairs '%s' --to-shapes '%s' --value nosuch '%s' -o '%s'",
                                 pairs, nu, tab, out)),
                     1);
    assert_non_null(strstr(errbuf, "nosuch"));
    const char *dup = keep_path("%s/dup.csv", dir());
    assert_int_equal(tu_write_file(dup, "code,population\n00010,5\n10,6\n"), 0);
    assert_int_equal(run(tu_path("--method table --level commune --pairs '%s' --to-shapes '%s' '%s' -o '%s'", pairs, nu,
                                 dup, out)),
                     2);
    assert_non_null(strstr(errbuf, "dup.csv: rows 1 and 2 (lines 2 and 3), column 'code': code '10' given twice"));
    assert_int_equal(run(tu_path("--method sideways --pairs '%s' --to-shapes '%s' '%s' -o '%s'", pairs, nu, tab, out)), 1);
    assert_int_equal(run(tu_path("--method table --level commune --pairs '%s' --to-shapes '%s' '%s' -o '%s/no/dir/x.csv'",
                                 pairs, nu, keep_path("%s/t.csv", dir()), dir())),
                     3);
    assert_false(tu_exists(out));
}

/* ---- the real cases ---- */

static const char *real(const char *name) { return keep_path("%s/%s", tu_tmpdir("crosswalk-real"), name); }

/* 2019 province figures to the 34 provinces of 2025: exact. */
static void test_provinces_exact(void **state) {
    (void)state;
    NEED_DATA();
    const char *out = real("prov.csv");
    RUN_OK(tu_path("--from vn-2019 --to vn-2025 '%s/census/provinces_2019.csv' -o '%s'", DATA, out));
    csv p19, p25, o;
    csv_load(&p19, DATA "/census/provinces_2019.csv");
    csv_load(&p25, DATA "/census/provinces_2025.csv");
    csv_load(&o, out);
    assert_int_equal(o.nrows, 34);
    /* National total: 96,208,984 (GSO, 1 April 2019), before and after. */
    assert_true(sum_col(&p19, "population_total") == 96208984);
    assert_true(sum_col(&o, "population_total") == 96208984);
    assert_non_null(strstr(errbuf, "before 96208984, after 96208984.00, not carried 0"));
    /* Tuyên Quang (08) = Tuyên Quang + Hà Giang (02) of 2019; Thành phố Hồ
     * Chí Minh (79) = Hồ Chí Minh + Bình Dương (74) + Bà Rịa - Vũng Tàu
     * (77): sums of the 2019 rows, to the person. */
    double tq = num(&p19, find(&p19, "gso_code", "08"), "population_total") +
                num(&p19, find(&p19, "gso_code", "02"), "population_total");
    double hcm = num(&p19, find(&p19, "gso_code", "79"), "population_total") +
                 num(&p19, find(&p19, "gso_code", "74"), "population_total") +
                 num(&p19, find(&p19, "gso_code", "77"), "population_total");
    assert_true(num(&o, find(&o, "code", "08"), "population_total") == tq);
    assert_true(num(&o, find(&o, "code", "79"), "population_total") == hcm);
    assert_int_equal((long)num(&o, find(&o, "code", "79"), "sources"), 3);
    /* Every new province equals the 2019 sum of its constituents that the
     * source table states, and nothing is estimated. */
    for (size_t r = 0; r < p25.nrows; r++) {
        long k = find(&o, "code", at(&p25, r, "code"));
        assert_true(k >= 0);
        assert_true(num(&o, k, "population_total") == num(&p25, r, "population_2019_census_of_constituents"));
        assert_string_equal(at(&o, k, "estimated"), "no");
    }
    csv_free(&p19);
    csv_free(&p25);
    csv_free(&o);
    /* A 2025 table given as 2019: the 7 reused codes whose 2019 unit has
     * another name are listed (15 was Yên Bái). */
    RUN_OK(tu_path("--from vn-2019 --to vn-2025 --value population '%s/census/provinces_2025.csv' -o '%s'", DATA, out));
    assert_non_null(strstr(errbuf, "code '15': 'Lào Cai' in the table but 'Tỉnh Yên Bái' in vn-2019"));
    assert_non_null(strstr(errbuf, "7 of 34 rows name another unit than their code's in 'vn-2019'"));
}

/* Communes: the crosswalk alone, then combined with district polygons, and
 * the district -> commune areal interpolation as a second estimate. */
static void test_communes(void **state) {
    (void)state;
    NEED_DATA();
    csv cm, xw, p25;
    csv_load(&cm, DATA "/census/communes_2019.csv");
    csv_load(&xw, DATA "/crosswalk_2019_2025.csv");
    csv_load(&p25, DATA "/census/provinces_2025.csv");
    /* Independently: the population of the commune rows whose code is an
     * old_commune_code of the crosswalk. */
    int kx = col(&xw, "old_commune_code");
    char *seen = calloc(100000, 1);
    for (size_t r = 0; r < xw.nrows; r++) seen[atoi(xw.rows[r][kx])] = 1;
    double paired = 0, all = 0;
    size_t npaired = 0;
    for (size_t r = 0; r < cm.nrows; r++) {
        double v = num(&cm, r, "population_total");
        all += v;
        const char *code = at(&cm, r, "gso_code");
        if (*code && seen[atoi(code)]) paired += v, npaired++;
    }
    free(seen);
    assert_true(all == 96208984);
    assert_true(paired == 88973534); /* the figure */

    const char *t_out = real("table.csv"), *t_unc = real("table_unc.csv");
    RUN_OK(tu_path("--from vn-2019 --to vn-2025 --method table --value population_total '%s/census/communes_2019.csv' "
                   "-o '%s' --uncarried '%s'", DATA, t_out, t_unc));
    assert_non_null(strstr(errbuf, "before 96208984, after 88973534.00, not carried 7235450"));
    csv o, u;
    csv_load(&o, t_out);
    csv_load(&u, t_unc);
    assert_int_equal(o.nrows, 3321);
    /* Values are written with 2 decimals: 3321 roundings of <= 0.005. */
    assert_true(fabs(sum_col(&o, "population_total") - 88973534) < 3321 * 0.005);
    assert_int_equal(u.nrows, cm.nrows - npaired);
    assert_true(sum_col(&u, "population_total") == 96208984 - 88973534);
    csv_free(&o);
    csv_free(&u);

    /* Combined, with the district areal interpolation beside it. */
    const char *c_out = real("combined.csv"), *c_rows = real("combined_rows.csv"), *cmp = real("compare.csv");
    RUN_OK(tu_path("--from vn-2019 --to vn-2025 --value population_total '%s/census/communes_2019.csv' -o '%s' "
                   "--rows '%s' --compare '%s/census/districts_2019.csv' --compare-out '%s'",
                   DATA, c_out, c_rows, DATA, cmp));
    /* Every person carried once: all rows carried (no district without a
     * polygon or an absorber in the history), total to rounding. */
    assert_non_null(strstr(errbuf, "not carried         0 rows"));
    csv_load(&o, c_out);
    assert_int_equal(o.nrows, 3321);
    assert_true(fabs(sum_col(&o, "population_total") - 96208984) < 3321 * 0.005);
    size_t empty = 0;
    for (size_t r = 0; r < o.nrows; r++) empty += !isfinite(num(&o, r, "population_total"));
    print_message("combined: %zu of 3321 communes of 2025 received no population\n", empty);
    csv_free(&o);
    csv_load(&o, c_rows);
    assert_int_equal(o.nrows, cm.nrows);
    size_t by_pair = 0, by_district = 0;
    double pop_district = 0;
    for (size_t r = 0; r < o.nrows; r++) {
        const char *m = at(&o, r, "method");
        if (!strcmp(m, "pair") || !strcmp(m, "pair-split")) by_pair++;
        else if (!strncmp(m, "areal-", 6)) by_district++, pop_district += num(&o, r, "population_total");
        else fail_msg("row %zu carried by '%s'", r, m);
    }
    assert_int_equal(by_pair, npaired);
    assert_int_equal(by_district, cm.nrows - npaired);
    assert_true(fabs(pop_district - 7235450) < 1e-6);
    csv_free(&o);

    /* The second estimate: districts by area overlap. National total
     * exact (renormalised); each 2025 province within 0.5 % of the 2019
     * total of its constituent provinces. */
    assert_non_null(strstr(errbuf, "second estimate"));
    csv_load(&o, cmp);
    double worst = 0;
    const char *worst_code = "";
    size_t nprov = 0;
    double nat_b = 0;
    for (size_t r = 0; r < o.nrows; r++) {
        if (strcmp(at(&o, r, "level"), "parent")) {
            nat_b += num(&o, r, "areal");
            continue;
        }
        long k = find(&p25, "code", at(&o, r, "code"));
        assert_true(k >= 0);
        double want = num(&p25, k, "population_2019_census_of_constituents");
        double dev = fabs(num(&o, r, "areal") - want) / want;
        if (dev > worst) worst = dev, worst_code = keep(at(&o, r, "code"));
        nprov++;
    }
    print_message("district -> commune areal: largest province deviation %.3f %% (%s)\n", 100 * worst, worst_code);
    assert_int_equal(nprov, 34);
    assert_true(worst < 0.005);
    assert_true(fabs(nat_b - 96208984) < 3321 * 0.005); /* 2 decimals each */
    csv_free(&o);
    csv_free(&cm);
    csv_free(&xw);
    csv_free(&p25);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_split_by_area), cmocka_unit_test(test_areal_renormalised),
        cmocka_unit_test(test_errors),              cmocka_unit_test(test_provinces_exact),
        cmocka_unit_test(test_communes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmtree(dir());
    return rc;
}
