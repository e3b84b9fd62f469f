/* test_aggregate_e2e.c: `geovoice opinions aggregate` on a table small
 * enough to work out by hand: counts, rates, shares, net stance, smoothed
 * rates and suppression (primary, secondary, and the one relation that
 * cannot be protected). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Three square communes: 00001 in province 02, 00002 and 00003 in 01. */
static const char *SQUARES =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00003\",\"name\":\"Xã Ba\",\"province_code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,21],[106,21],[106,22],[105,22],[105,21]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00002\",\"name\":\"Xã Hai\",\"province_code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00001\",\"name\":\"Xã Một\",\"province_code\":\"02\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[106,20],[107,20],[107,21],[106,21],[106,20]]]}}]}";

static const char *dir;

static void add(char **p, const char *unit, const char *topic, const char *stance, int n, int *seq) {
    for (int i = 0; i < n; i++) *p += sprintf(*p, "r%04d,2025-08-01,%s,,,%s,%s,meeting,,,\n", ++*seq, unit, topic, stance);
}

/* Finds the row of (code, topic) in the CSV and returns its fields. */
static int row_of(char *csv, const char *code, const char *topic, char **f, int max) {
    static char line[4096];
    for (char *l = csv; l && *l;) {
        char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        memcpy(line, l, n);
        line[n] = 0;
        int nf = tu_csv_split(line, f, max);
        if (nf > 3 && !strcmp(f[0], code) && !strcmp(f[3], topic)) return nf;
        l = e ? e + 1 : NULL;
    }
    return 0;
}

static void test_by_hand(void **state) {
    (void)state;
    dir = tu_tmpdir("aggregate");
    const char *shapes = tu_path("%s/sq.geojson", dir);
    tu_write_file(shapes, SQUARES);
    /* 00001: land 12 (6 support, 4 oppose, 2 neutral), health 3 (neutral): 15
     * 00002: land 20 (support), health 25 (oppose): 45
     * 00003: land 4 (neutral): 4
     * Meeting rows have no voter: nothing is deduplicated. */
    char *b = malloc(65536), *p = b;
    int seq = 0;
    p += sprintf(p, "id,submitted_at,unit_code,lon,lat,topic,stance,channel,org,voter,text\n");
    add(&p, "00001", "land", "support", 6, &seq);
    add(&p, "00001", "land", "oppose", 4, &seq);
    add(&p, "00001", "land", "neutral", 2, &seq);
    add(&p, "00001", "health", "neutral", 3, &seq);
    add(&p, "00002", "land", "support", 20, &seq);
    add(&p, "00002", "health", "oppose", 25, &seq);
    add(&p, "00003", "land", "neutral", 4, &seq);
    tu_write_file(tu_path("%s/r.csv", dir), b);
    free(b);
    tu_write_file(tu_path("%s/pop.csv", dir), "code,population\n00001,1000\n00002,2000\n00003,500\n");
    char args[8192], *err = NULL;
    snprintf(args, sizeof args, "opinions ingest '%s/r.csv' --workspace '%s/ws.sqlite' --shapes '%s'", dir, dir, shapes);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    /* A population table with a code twice, or a negative figure: an
     * error naming the rows, nothing written. */
    static const char *const badpop[][2] = {
        {"code,population\n00001,1000\n00001,1000\n", "rows 1 and 2 (lines 2 and 3), column 'code': code '00001' given twice"},
        {"code,population\n00001,-5\n", "row 1 (line 2), column 'population': -5 is not a population (negative)"},
    };
    for (int i = 0; i < 2; i++) {
        tu_write_file(tu_path("%s/badpop.csv", dir), badpop[i][0]);
        snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --population '%s/badpop.csv' -o '%s/bp.csv'",
                 dir, dir, dir);
        assert_int_equal(tu_run_cli(args, &err), 2);
        if (!strstr(err, badpop[i][1])) fail_msg("%s", err);
        free(err);
        assert_false(tu_exists(tu_path("%s/bp.csv", dir)));
    }
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --by topic --population '%s/pop.csv' -o '%s/a.csv'",
             dir, dir, dir);
    int rc = tu_run_cli(args, &err);
    if (rc) fail_msg("aggregate: %s", err);
    /* Primary: health 3, 00003's total 4 and land 4. Secondary, in the
     * order the rule finds them: 00001's land 12 (else health = 15 - 12);
     * 00002's total 45 (else 00003's 4 = province 01's 49 - 45); then
     * 00002's land 20 (else its total = 20 + 25). Province 02 has one
     * commune, so its published land figure (12) equals 00001's: that
     * relation cannot be protected and is reported. */
    assert_non_null(strstr(err, "3 cells primary, 3 secondary; 1 relations could not be protected"));
    free(err);
    char *csv = tu_slurp(tu_path("%s/a.csv", dir), NULL);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "code,name,level,topic,count,population,rate_per_10k,smoothed_rate_per_10k,share,net_stance,suppressed,note\n"));
    char *f[16];
    /* 00001 total: 15 / 1000 x 10^4 = 150. Net stance (6 - 4) / 15 is
     * not shown: its stance counts 6, 4 and 5 are small, and net stance
     * with the count and one stance cell gives the other two.
     * Smoothed (totals slice: counts 15, 45, 4 over 1000, 2000, 500):
     * m = 64/3500 = 0.0182857; s² = (1000·0.0032857² + 2000·0.0042143²
     * + 500·0.0102857²)/3500 = 2.83469e-5; m / mean pop = 1.56735e-5;
     * A = 1.26735e-5; C = A / (A + m/1000) = 0.409357;
     * 0.0182857 - 0.409357 · 0.0032857 = 0.0169407 -> 169.4067. */
    assert_int_equal(row_of(csv, "00001", "(all)", f, 16), 12);
    assert_string_equal(f[4], "15");
    assert_string_equal(f[5], "1000");
    assert_string_equal(f[6], "150.0000");
    assert_string_equal(f[7], "169.4067");
    assert_string_equal(f[8], "");
    assert_string_equal(f[9], "suppressed");
    assert_string_equal(f[10], "");
    assert_int_equal(row_of(csv, "00001", "land", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    assert_string_equal(f[6], "suppressed");
    assert_string_equal(f[7], "suppressed");
    assert_string_equal(f[8], "suppressed");
    assert_string_equal(f[9], "suppressed");
    assert_string_equal(f[10], "secondary");
    assert_true(strstr(f[11], "not protected") != NULL);
    assert_int_equal(row_of(csv, "00001", "health", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    assert_string_equal(f[10], "primary");
    assert_int_equal(row_of(csv, "00002", "(all)", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    assert_string_equal(f[10], "secondary");
    assert_int_equal(row_of(csv, "00002", "land", f, 16), 12);
    assert_string_equal(f[10], "secondary");
    /* 00002 health: 25 shown; rate 25/2000 x 10^4 = 125; share hidden
     * (its total is); net stance (0 - 25)/25 = -1. Smoothed (health slice:
     * 3, 25, 0): m = 0.008, s² = (1000·0.005² + 2000·0.0045² +
     * 500·0.008²)/3500 = 2.785714e-5, A = 2.785714e-5 - 6.857143e-6 =
     * 2.1e-5, C = 2.1e-5 / (2.1e-5 + 4e-6) = 0.84: 0.008 + 0.84·0.0045 =
     * 0.01178 -> 117.8000. */
    assert_int_equal(row_of(csv, "00002", "health", f, 16), 12);
    assert_string_equal(f[4], "25");
    assert_string_equal(f[6], "125.0000");
    assert_string_equal(f[7], "117.8000");
    assert_string_equal(f[8], "suppressed");
    assert_string_equal(f[9], "-1.000000");
    assert_string_equal(f[10], "");
    assert_int_equal(row_of(csv, "00003", "(all)", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    assert_string_equal(f[10], "primary");
    /* Never a count below k in the file. */
    for (int v = 1; v < 10; v++) {
        char needle[32];
        snprintf(needle, sizeof needle, ",commune,land,%d,", v);
        assert_null(strstr(csv, needle));
    }
    free(csv);
    /* Province level: 01 = land 24 + health 25 = 49, 02 = land 12 + health
     * 3 = 15. Primary: 02's health 3. Secondary: 02's land 12 (else 15 -
     * 12); the national land figure 36 would give 02's land as 36 - 24, so
     * 01's land 24 goes too; then 01's health 25 (else 49 - 25). The
     * totals stay. */
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --level province --by topic -o '%s/p.csv'", dir, dir);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    csv = tu_slurp(tu_path("%s/p.csv", dir), NULL);
    assert_int_equal(row_of(csv, "01", "(all)", f, 16), 12);
    assert_string_equal(f[4], "49");
    assert_string_equal(f[10], "");
    assert_int_equal(row_of(csv, "01", "land", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    assert_string_equal(f[10], "secondary");
    assert_int_equal(row_of(csv, "01", "health", f, 16), 12);
    assert_string_equal(f[10], "secondary");
    assert_int_equal(row_of(csv, "02", "(all)", f, 16), 12);
    assert_string_equal(f[4], "15");
    assert_int_equal(row_of(csv, "02", "health", f, 16), 12);
    assert_string_equal(f[4], "suppressed");
    free(csv);
    /* Regions from a grouping of the provinces, and the nation. */
    tu_write_file(tu_path("%s/groups.csv", dir), "code,group\n01,Bắc\n02,Nam\n");
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --level region --groups '%s/groups.csv' -o '%s/r.csv'",
             dir, dir, dir);
    rc = tu_run_cli(args, &err);
    if (rc) fail_msg("region: %s", err);
    free(err);
    csv = tu_slurp(tu_path("%s/r.csv", dir), NULL);
    assert_non_null(strstr(csv, "R1,Bắc,region,49,"));
    assert_non_null(strstr(csv, "R2,Nam,region,15,"));
    free(csv);
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --level nation -o '%s/n.csv'", dir, dir);
    assert_int_equal(tu_run_cli(args, NULL), 0);
    csv = tu_slurp(tu_path("%s/n.csv", dir), NULL);
    assert_non_null(strstr(csv, "VN,Việt Nam,nation,64,"));
    free(csv);
    /* A map of the commune totals: 00003 (4, primary) and 00002 (45,
     * secondary: province 01 publishes 49) are drawn as "suppressed", apart
     * from "no data". */
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --population '%s/pop.csv' -o '%s/t.csv'", dir, dir, dir);
    assert_int_equal(tu_run_cli(args, NULL), 0);
    snprintf(args, sizeof args,
             "map --shapes '%s/ws.sqlite' --layer units --data '%s/t.csv' --join code --value rate_per_10k --classify equal:2 "
             "--size 100x100mm --dpi 50 -o '%s/m.png'",
             dir, dir, dir);
    rc = tu_run_cli(args, &err);
    if (rc) fail_msg("map: %s", err);
    assert_non_null(strstr(err, "suppressed (small counts): 2 units"));
    assert_null(strstr(err, "no data"));
    free(err);
    tu_rmtree(dir);
}

/* The line of CSV text starting with prefix (static copy), or NULL. */
static const char *line_of(const char *csv, const char *prefix) {
    static char line[4096];
    for (const char *l = csv; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (!strncmp(l, prefix, strlen(prefix)) && n < sizeof line) {
            memcpy(line, l, n);
            line[n] = 0;
            return line;
        }
        l = e ? e + 1 : NULL;
    }
    return NULL;
}

/* A cross-tab's margins are published by the one-way runs: 00002 has
 * land: support 20, oppose 5; health: support 5, oppose 25. The land
 * margin (25) and the support margin (25) would give the hidden 5s by
 * subtraction, so 20 and 25 are hidden too (secondary). And net stance,
 * with the count and the one-way stance cells, would give the small ones:
 * it is hidden wherever a stance count is small. */
static void test_crosstab_margins(void **state) {
    (void)state;
    const char *d = tu_tmpdir("aggregate-x");
    char dd[4096];
    snprintf(dd, sizeof dd, "%s", d);
    char shapes[4200];
    snprintf(shapes, sizeof shapes, "%s/sq.geojson", dd);
    tu_write_file(shapes, SQUARES);
    char *b = malloc(65536), *p = b;
    int seq = 0;
    p += sprintf(p, "id,submitted_at,unit_code,lon,lat,topic,stance,channel,org,voter,text\n");
    add(&p, "00002", "land", "support", 20, &seq);
    add(&p, "00002", "land", "oppose", 5, &seq);
    add(&p, "00002", "health", "support", 5, &seq);
    add(&p, "00002", "health", "oppose", 25, &seq);
    add(&p, "00001", "land", "support", 30, &seq);
    add(&p, "00001", "land", "oppose", 30, &seq);
    add(&p, "00001", "land", "neutral", 30, &seq);
    tu_write_file(tu_path("%s/r.csv", dd), b);
    free(b);
    char args[16384], *err = NULL;
    snprintf(args, sizeof args, "opinions ingest '%s/r.csv' --workspace '%s/ws.sqlite' --shapes '%s'", dd, dd, shapes);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --by topic,stance -o '%s/x.csv'", dd, dd);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    char *csv = tu_slurp(tu_path("%s/x.csv", dd), NULL);
    assert_non_null(csv);
    static const char *const hidden[] = {"00002,Xã Hai,commune,land,support,suppressed", "00002,Xã Hai,commune,land,oppose,suppressed",
                                         "00002,Xã Hai,commune,health,support,suppressed",
                                         "00002,Xã Hai,commune,health,oppose,suppressed"};
    for (size_t i = 0; i < 4; i++)
        if (!line_of(csv, hidden[i])) fail_msg("not hidden: %s\n%s", hidden[i], csv);
    assert_non_null(line_of(csv, "00001,Xã Một,commune,land,support,30,"));
    free(csv);
    /* Net stance per topic row: hidden where a stance count is small. */
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --by topic -o '%s/t.csv'", dd, dd);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    csv = tu_slurp(tu_path("%s/t.csv", dd), NULL);
    /* 00002 land: support 20, oppose 5 (small): net stance hidden; 00001
     * land: 30/30/30: (30 - 30) / 90 = 0 shown. */
    const char *l = line_of(csv, "00002,Xã Hai,commune,land,");
    assert_non_null(l);
    assert_non_null(strstr(l, ",suppressed,"));
    l = line_of(csv, "00001,Xã Một,commune,land,90,");
    assert_non_null(l);
    assert_non_null(strstr(l, ",0.000000,"));
    free(csv);
    /* Topics that differ only in case are counted apart, and said. */
    tu_write_file(tu_path("%s/case.csv", dd), "id,submitted_at,unit_code,topic,stance,channel\n"
                                              "k1,2025-08-01,00001,Land,support,meeting\nk2,2025-08-01,00001,land,support,meeting\n");
    snprintf(args, sizeof args, "opinions ingest '%s/case.csv' --workspace '%s/case.sqlite' --shapes '%s'", dd, dd, shapes);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/case.sqlite' --by topic -o '%s/case-out.csv'", dd, dd);
    assert_int_equal(tu_run_cli(args, &err), 0);
    assert_non_null(strstr(err, "warning: topics 'Land' and 'land' differ only in case: counted as two topics"));
    free(err);
    tu_rmtree(dd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_crosstab_margins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
