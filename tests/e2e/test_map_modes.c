/* test_map_modes.c: end-to-end tests of the categorical, dot-density and
 * diverging modes of `geovoice map` on the real 2019 data.
 *
 * Expected values are worked out here, not taken from the program:
 * - the dominant group of each province and the ranking of categories from
 *   census/ethnic_2019_by_province.csv read with tu_csv_split (largest
 *   group other than the folded "Other" row; ranking = most provinces
 *   first, ties by byte order of the name);
 * - ColorBrewer Set3 and RdBu colours written out from colorbrewer2.org;
 * - the national urban share as 100 * sum(urban) / sum(total) over the 63
 *   rows of census/provinces_2019.csv;
 * - pixel positions by projecting lon/lat with PROJ (tu_project) and the
 *   frame transform the run report gives.
 * Golden images: tests/golden/map_{categorical,dots}_a5.png, A5 at 72 dpi,
 * compared with a tolerance (share of pixels whose largest channel
 * difference exceeds 40 must stay under 0.5 %); GV_UPDATE_GOLDEN=1 rewrites
 * them. The ethnic wide table comes from scripts/ethnic_wide.sh (stop-gap
 * until `geovoice stats ethnic` writes it). Skips without the data. */
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
#define B2019 DATA "/boundaries_2019.gpkg"
#define CENSUS DATA "/census/provinces_2019.csv"
#define ETHNIC DATA "/census/ethnic_2019_by_province.csv"

/* ColorBrewer Set3 (12 classes) and RdBu (6 classes), colorbrewer2.org. */
static const unsigned SET3[12] = {0x8dd3c7, 0xffffb3, 0xbebada, 0xfb8072, 0x80b1d3, 0xfdb462,
                                  0xb3de69, 0xfccde5, 0xd9d9d9, 0xbc80bd, 0xccebc5, 0xffed6f};
static const unsigned RDBU6[6] = {0xb2182b, 0xef8a62, 0xfddbc7, 0xd1e5f0, 0x67a9cf, 0x2166ac};

static void run_ok(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(args, &err);
    if (rc != 0) fail_msg("geovoice %s\nexit %d, stderr:\n%s", args, rc, err ? err : "");
    free(err);
}

static const char *wide_table(const char *dir) {
    const char *out = tu_path("%s/ethnic_wide.csv", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sh '%s/scripts/ethnic_wide.sh' '%s' '%s'", GV_TEST_SRCDIR, ETHNIC, out);
    assert_int_equal(system(cmd), 0);
    return out;
}

/* Colour of the PNG pixel at lon/lat, using the report's main frame. */
static unsigned pixel_at(const char *png, const char *report, double lon, double lat) {
    unsigned c = 0;
    assert_int_equal(tu_pixel_lonlat(png, report, lon, lat, 0, 0, 0, &c), 0);
    return c;
}

/* Dominant group per province code from the long table (not via the
 * script): codes[i], dom[i]. Returns the number of provinces. */
static int dominant_groups(char codes[][8], char dom[][64]) {
    FILE *f = fopen(ETHNIC, "r");
    assert_non_null(f);
    char line[1024];
    long best[100] = {0};
    int n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *fl[8];
        if (tu_csv_split(line, fl, 8) < 4) continue;
        if (!strncmp(fl[2], "Other", 5)) continue;
        int i;
        for (i = 0; i < n && strcmp(codes[i], fl[0]); i++) {}
        if (i == n) { snprintf(codes[n], 8, "%s", fl[0]); best[n] = -1; n++; }
        long p = atol(fl[3]);
        if (p > best[i] || (p == best[i] && strcmp(fl[2], dom[i]) < 0)) { best[i] = p; snprintf(dom[i], 64, "%s", fl[2]); }
    }
    fclose(f);
    return n;
}

static void test_categorical_ranking_and_units(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("modes_cat");
    const char *wide = wide_table(dir);
    const char *png = tu_path("%s/cat.png", dir), *rep = tu_path("%s/cat.json", dir);
    char args[4096];
    snprintf(args, sizeof args,
             "map --shapes '%s' --layer provinces --data '%s' --join code=code --mode categorical --value dominant_group"
             " --dpi 72 --size a5 --report '%s' -o '%s'", B2019, wide, rep, png);
    run_ok(args);
    /* Expected ranking: distinct dominant groups, most provinces first,
     * ties by name (byte order). */
    static char codes[100][8], dom[100][64];
    int n = dominant_groups(codes, dom);
    assert_int_equal(n, 63);
    char names[20][64];
    int cnt[20] = {0}, nn = 0;
    for (int i = 0; i < n; i++) {
        int k;
        for (k = 0; k < nn && strcmp(names[k], dom[i]); k++) {}
        if (k == nn) snprintf(names[nn++], 64, "%.63s", dom[i]);
        cnt[k]++;
    }
    for (int a = 0; a < nn; a++)
        for (int b = a + 1; b < nn; b++)
            if (cnt[b] > cnt[a] || (cnt[b] == cnt[a] && strcmp(names[b], names[a]) < 0)) {
                char t[64];
                int tc = cnt[a];
                memcpy(t, names[a], 64); memcpy(names[a], names[b], 64); memcpy(names[b], t, 64);
                cnt[a] = cnt[b]; cnt[b] = tc;
            }
    json_object *r = tu_json_load(rep);
    json_object *cats = tu_json_get(r, "categories");
    assert_int_equal(json_object_array_length(cats), nn);
    for (int k = 0; k < nn; k++) {
        json_object *c = json_object_array_get_idx(cats, k);
        assert_string_equal(tu_json_str(c, "category"), names[k]);
        assert_int_equal(tu_json_int(c, "units"), cnt[k]);
        char hx[8];
        snprintf(hx, sizeof hx, "#%06x", SET3[k]);
        assert_string_equal(tu_json_str(c, "color"), hx);
    }
    /* Every unit's category is its province's dominant group. */
    json_object *units = tu_json_get(r, "units");
    assert_int_equal(json_object_array_length(units), 63);
    for (size_t u = 0; u < 63; u++) {
        json_object *x = json_object_array_get_idx(units, u);
        const char *key = tu_json_str(x, "key");
        int i;
        for (i = 0; i < n && atoi(codes[i]) != atoi(key); i++) {}
        assert_true(i < n);
        assert_string_equal(tu_json_str(x, "category"), dom[i]);
    }
    json_object_put(r);
    tu_rmtree(dir);
}

/* Copies the wide table without the rows whose dominant group is `drop`. */
static void drop_category(const char *in, const char *out, const char *drop) {
    FILE *f = fopen(in, "r"), *g = fopen(out, "w");
    assert_non_null(f);
    assert_non_null(g);
    char line[8192], copy[8192];
    int first = 1, dropped = 0;
    while (fgets(line, sizeof line, f)) {
        snprintf(copy, sizeof copy, "%s", line);
        char *fl[80];
        int nfl = tu_csv_split(copy, fl, 80);
        if (!first && nfl > 2 && !strcmp(fl[2], drop)) { dropped++; continue; }
        first = 0;
        fputs(line, g);
    }
    fclose(f);
    fclose(g);
    assert_true(dropped > 0);
}

static void test_categorical_stable_colour(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    const char *dir = tu_tmpdir("modes_stable");
    const char *wide = wide_table(dir);
    const char *wide2 = tu_path("%s/no_tay.csv", dir);
    drop_category(wide, wide2, "Tày");
    /* Tày first in the list: a scheme that coloured only the categories
     * present would shift Kinh from colour 2 to colour 1 once Tày is gone. */
    const char *list = "Tày,Kinh,Mông,Thái,Mường,Nùng";
    for (int pass = 0; pass < 2; pass++) {
        const char *png = tu_path("%s/c%d.png", dir, pass), *rep = tu_path("%s/c%d.json", dir, pass);
        char args[4096];
        snprintf(args, sizeof args,
                 "map --shapes '%s' --layer provinces --data '%s' --join code=code --mode categorical --value dominant_group"
                 " --categories '%s' --dpi 72 --size a5 --no-insets --report '%s' -o '%s'",
                 B2019, pass ? wide2 : wide, list, rep, png);
        run_ok(args);
        /* Central Hà Nội (Kinh) and Hà Giang town (Mông). */
        assert_int_equal(pixel_at(png, rep, 105.85, 21.03), SET3[1]);
        assert_int_equal(pixel_at(png, rep, 104.98, 22.82), SET3[2]);
        json_object *r = tu_json_load(rep);
        json_object *c0 = json_object_array_get_idx(tu_json_get(r, "categories"), 0);
        assert_string_equal(tu_json_str(c0, "category"), "Tày");
        assert_int_equal(tu_json_int(c0, "units"), pass ? 0 : 2);
        assert_int_equal(tu_json_int(r, "no_data_units"), pass ? 2 : 0);
        json_object_put(r);
    }
    tu_rmtree(dir);
}

static void test_diverging_centre_is_edge(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    /* National urban share from the table itself. */
    FILE *f = fopen(CENSUS, "r");
    assert_non_null(f);
    char line[1024];
    double su = 0, st = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        char *fl[16];
        if (tu_csv_split(line, fl, 16) < 6) continue;
        st += atof(fl[3]);
        su += atof(fl[4]);
    }
    fclose(f);
    assert_true(st == 96208984); /* published national total */
    double centre = 100 * su / st; /* 33,122,548 / 96,208,984 = 34.43 % */
    const char *dir = tu_tmpdir("modes_div");
    const char *png = tu_path("%s/d.png", dir), *rep = tu_path("%s/d.json", dir);
    char args[4096];
    snprintf(args, sizeof args,
             "map --shapes '%s' --layer provinces --data '%s' --join code=gso_code --value '100*population_urban/population_total'"
             " --classify quantile:6 --center national --dpi 72 --size a5 --report '%s' -o '%s'", B2019, CENSUS, rep, png);
    run_ok(args);
    json_object *r = tu_json_load(rep);
    json_object *edges = tu_json_get(r, "classification.breaks");
    size_t ne = json_object_array_length(edges);
    assert_int_equal(ne, 7);
    int at = -1;
    for (size_t i = 0; i < ne; i++)
        if (fabs(json_object_get_double(json_object_array_get_idx(edges, i)) - centre) < 1e-9) at = (int)i;
    assert_int_equal(at, 3); /* 3 classes below, 3 above */
    /* Units below the centre are in classes 0-2, those above in 3-5; the
     * colours are RdBu's 6 classes in order. */
    json_object *units = tu_json_get(r, "units");
    for (size_t u = 0; u < json_object_array_length(units); u++) {
        json_object *x = json_object_array_get_idx(units, u);
        double v = tu_json_double(x, "value");
        int c = (int)tu_json_int(x, "class");
        assert_true(v <= centre ? c < 3 : c >= 3);
    }
    json_object *cl = tu_json_get(r, "classification.classes");
    for (int c = 0; c < 6; c++) {
        char hx[8];
        snprintf(hx, sizeof hx, "#%06x", RDBU6[c]);
        assert_string_equal(tu_json_str(json_object_array_get_idx(cl, c), "color"), hx);
    }
    json_object_put(r);
    /* A sequential palette cannot be centred. */
    snprintf(args, sizeof args,
             "map --shapes '%s' --layer provinces --data '%s' --join code=gso_code --value population_urban"
             " --center 5 --palette YlOrRd -o '%s/x.png'", B2019, CENSUS, dir);
    char *err = NULL;
    assert_int_equal(tu_run_cli(args, &err), 1);
    assert_non_null(strstr(err, "diverging palette"));
    free(err);
    assert_false(tu_exists(tu_path("%s/x.png", dir)));
    tu_rmtree(dir);
}

static void golden(const char *name, const char *args_fmt, const char *table) {
    const char *dir = tu_tmpdir(name);
    const char *a = tu_path("%s/a.png", dir), *b = tu_path("%s/b.png", dir);
    char args[4096];
    snprintf(args, sizeof args, args_fmt, B2019, table, a);
    run_ok(args);
    snprintf(args, sizeof args, args_fmt, B2019, table, b);
    run_ok(args);
    /* Same inputs, same bytes; A5 at 72 dpi: round(148 * 72 / 25.4) x
     * round(210 * 72 / 25.4) = 420 x 595. */
    const char *bad = tu_golden_check(name, a, b, 420, 595);
    if (bad) fail_msg("%s", bad);
    tu_rmtree(dir);
}

static void test_golden_categorical(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    char dir[1024], wide[1200];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("modes_gold_in")); /* tu_tmpdir's buffer is reused by golden() */
    snprintf(wide, sizeof wide, "%s", wide_table(dir));
    golden("map_categorical_a5",
           "map --shapes '%s' --layer provinces --data '%s' --join code=code --mode categorical --value dominant_group"
           " --title 'Dân tộc đông nhất, 2019' --legend-title 'Dân tộc' --size a5 --dpi 72 -o '%s'", wide);
    tu_rmtree(dir);
}

static void test_golden_dots(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    golden("map_dots_a5",
           "map --shapes '%s' --layer provinces --data '%s' --join code=gso_code --mode dots"
           " --dots 'population_urban=Thành thị,population_rural=Nông thôn' --dot-value 20000 --dot-size 0.6"
           " --title 'Thành thị và nông thôn, 2019' --locale en --size a5 --dpi 72 -o '%s'", CENSUS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categorical_ranking_and_units),
        cmocka_unit_test(test_categorical_stable_colour),
        cmocka_unit_test(test_diverging_centre_is_edge),
        cmocka_unit_test(test_golden_categorical),
        cmocka_unit_test(test_golden_dots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
