/* test_divergence_e2e.c: `geovoice synth` + `opinions ingest` +
 * `opinions divergence` on a grid of 200 square communes, seeded: at
 * α = 0.05 after Benjamini–Hochberg, at least 30 records per side, at
 * least 90 % of the units whose intermediaries over-report a topic are
 * flagged and at most 5 % of the others; every synthetic file says so;
 * same seed, same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *dir;

/* 20 x 10 squares of 0.2° from 104°E 18°N, codes 00001..00200, two
 * provinces. */
static void write_grid(const char *path) {
    char *b = malloc(1 << 20), *p = b;
    p += sprintf(p, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":[");
    int k = 0;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 20; x++) {
            double x0 = 104 + 0.2 * x, y0 = 18 + 0.2 * y;
            k++;
            p += sprintf(p,
                         "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"%05d\",\"name\":\"Xã %d\",\"province_code\":\"%s\"},"
                         "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
                         k > 1 ? "," : "", k, k, y < 5 ? "38" : "40", x0, y0, x0 + 0.2, y0, x0 + 0.2, y0 + 0.2, x0, y0 + 0.2, x0, y0);
        }
    sprintf(p, "]}");
    tu_write_file(path, b);
    free(b);
}

static int in_list(const char *list, const char *code) {
    char needle[16];
    snprintf(needle, sizeof needle, "\n%s,", code);
    return strstr(list, needle) != NULL;
}

static void test_planted_found(void **state) {
    (void)state;
    dir = tu_tmpdir("divergence");
    const char *grid = tu_path("%s/grid.geojson", dir);
    write_grid(grid);
    setenv("GEOVOICE_HMAC_KEY", "divergence-test-key-0123456789", 1);
    char args[8192], *err = NULL;
    snprintf(args, sizeof args,
             "synth --shapes '%s' --records 120000 --seed 7 --overreport-units 20 --reports '%s/rep.csv' --planted '%s/planted.csv' -o '%s/rec.csv'",
             grid, dir, dir, dir);
    if (tu_run_cli(args, &err)) fail_msg("synth: %s", err);
    free(err);
    /* Same seed, same bytes. */
    snprintf(args, sizeof args, "synth --shapes '%s' --records 120000 --seed 7 --overreport-units 20 -o '%s/rec2.csv' -q", grid, dir);
    assert_int_equal(tu_run_cli(args, NULL), 0);
    size_t n1, n2;
    char *a = tu_slurp(tu_path("%s/rec.csv", dir), &n1), *b = tu_slurp(tu_path("%s/rec2.csv", dir), &n2);
    assert_true(n1 == n2 && !memcmp(a, b, n1));
    assert_memory_equal(a, "# SYNTHETIC DATA", 16);
    assert_non_null(strstr(a, ",synthetic\n"));
    free(a), free(b);
    char *rep = tu_slurp(tu_path("%s/rep.csv", dir), NULL);
    assert_memory_equal(rep, "# SYNTHETIC DATA", 16);
    free(rep);

    snprintf(args, sizeof args, "opinions ingest '%s/rec.csv' --workspace '%s/ws.sqlite' --shapes '%s'", dir, dir, grid);
    if (tu_run_cli(args, &err)) fail_msg("ingest: %s", err);
    free(err);
    snprintf(args, sizeof args,
             "opinions divergence --workspace '%s/ws.sqlite' --reports '%s/rep.csv' -o '%s/div.csv' --orgs '%s/orgs.csv'", dir, dir, dir, dir);
    if (tu_run_cli(args, &err)) fail_msg("divergence: %s", err);
    free(err);
    char *planted = tu_slurp(tu_path("%s/planted.csv", dir), NULL);
    char *csv = tu_slurp(tu_path("%s/div.csv", dir), NULL);
    assert_non_null(planted);
    assert_non_null(csv);
    size_t np = 0, np_flag = 0, no = 0, no_flag = 0, untested_planted = 0;
    char line[4096], *f[20];
    for (char *l = strchr(csv, '\n') + 1; l && *l;) {
        char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        memcpy(line, l, n);
        line[n] = 0;
        l = e ? e + 1 : NULL;
        int nf = tu_csv_split(line, f, 20);
        assert_int_equal(nf, 15);
        int tested = !strcmp(f[11], "yes"), flagged = !strcmp(f[10], "yes");
        if (in_list(planted, f[0])) {
            np++;
            np_flag += flagged;
            untested_planted += !tested;
        } else if (tested) {
            no++;
            no_flag += flagged;
        }
    }
    print_message("planted: %zu, flagged %zu (untested %zu); others tested %zu, flagged %zu\n", np, np_flag, untested_planted, no, no_flag);
    assert_int_equal(np, 20);
    assert_true(np_flag * 10 >= np * 9);  /* >= 90 % */
    assert_true(no > 100);
    assert_true(no_flag * 20 <= no);      /* <= 5 % */
    char *orgs = tu_slurp(tu_path("%s/orgs.csv", dir), NULL);
    assert_non_null(strstr(orgs, "Hội"));
    free(orgs);
    /* No published share times its n is a count below 10 (10 = the
     * default --min-count): such shares are "suppressed". */
    size_t hidden = 0;
    for (char *l = strchr(csv, '\n') + 1; l && *l;) {
        char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        memcpy(line, l, n);
        line[n] = 0;
        l = e ? e + 1 : NULL;
        tu_csv_split(line, f, 20);
        for (int side = 0; side < 2; side++) {
            const char *sh = f[13 + side], *nn = f[3 + side];
            if (!strcmp(sh, "suppressed")) { hidden++; continue; }
            if (!*sh || !strcmp(nn, "suppressed")) continue;
            double c = atof(sh) * atof(nn);
            if (c > 0.5 && c < 9.5) fail_msg("unit %s: share %s x n %s = %.1f, a small count", f[0], sh, nn, c);
        }
    }
    print_message("shares hidden: %zu\n", hidden);
    free(planted);
    free(csv);
    /* Bad report rows: one line naming the file, row and column (exit 2);
     * an organisation's name with an id is blanked in --orgs. */
    static const char *const bad[][2] = {
        {"unit_code,org,topic,count\n00001,Hội,land,2.5\n", "row 1 (line 2), column 'count': 2.5 is not a count"},
        {"unit_code,org,topic,count\n00001,Hội,,3\n", "row 1 (line 2), column 'topic': empty"},
    };
    for (size_t i = 0; i < 2; i++) {
        tu_write_file(tu_path("%s/bad.csv", dir), bad[i][0]);
        snprintf(args, sizeof args, "opinions divergence --workspace '%s/ws.sqlite' --reports '%s/bad.csv' -o '%s/bad-out.csv'",
                 dir, dir, dir);
        assert_int_equal(tu_run_cli(args, &err), 2);
        if (!strstr(err, bad[i][1])) fail_msg("%s", err);
        free(err);
        assert_false(tu_exists(tu_path("%s/bad-out.csv", dir)));
    }
    tu_write_file(tu_path("%s/idorg.csv", dir), "unit_code,org,topic,count\n00001,Hội 001234567890,land,50\n");
    snprintf(args, sizeof args,
             "opinions divergence --workspace '%s/ws.sqlite' --reports '%s/idorg.csv' -o '%s/i.csv' --orgs '%s/io.csv'", dir, dir, dir, dir);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    orgs = tu_slurp(tu_path("%s/io.csv", dir), NULL);
    assert_non_null(orgs);
    assert_null(strstr(orgs, "001234567890"));
    assert_non_null(strstr(orgs, "Hội ############"));
    free(orgs);
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
