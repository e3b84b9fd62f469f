/* test_dots.c: dot-density placement (engine/dots.c, include/geovoice/dots.h).
 *
 * Expected values are worked out here, not by the library:
 * - dots per unit: round half up of persons / N, computed with integer
 *   arithmetic (2p + N) / (2N) (floor division) for whole persons p;
 * - "inside": GEOS prepared-geometry containment (a different algorithm
 *   from the library's own even-odd crossing test), on polygons written
 *   out by hand as WKT for the synthetic layer, and built from the layer's
 *   rings (shell + holes per polygon) for the real provinces;
 * - determinism and stability by comparing two placements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/dots.h"
#include "geovoice/layer.h"
#include "geovoice/table.h"
#include "testutil.h"

/* A: square 105..106 x 20..21 with a hole 105.25..105.75 x 20.25..20.75.
 * B: a U (concave) plus a small island. C: no geometry. */
#define WKT_A "POLYGON((105 20,106 20,106 21,105 21,105 20),(105.25 20.25,105.75 20.25,105.75 20.75,105.25 20.75,105.25 20.25))"
#define WKT_B "MULTIPOLYGON(((106 20,107 20,107 21,106.7 21,106.7 20.3,106.3 20.3,106.3 21,106 21,106 20)),((107.5 20,107.6 20,107.6 20.1,107.5 20.1,107.5 20)))"

static const char *FEAT_A =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"A\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[105,20],[106,20],[106,21],[105,21],[105,20]],[[105.25,20.25],[105.75,20.25],[105.75,20.75],[105.25,20.75],[105.25,20.25]]]}}";
static const char *FEAT_B =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"B\"},\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":"
    "[[[[106,20],[107,20],[107,21],[106.7,21],[106.7,20.3],[106.3,20.3],[106.3,21],[106,21],[106,20]]],"
    "[[[107.5,20],[107.6,20],[107.6,20.1],[107.5,20.1],[107.5,20]]]]}}";
static const char *FEAT_C = "{\"type\":\"Feature\",\"properties\":{\"code\":\"C\"},\"geometry\":null}";
static const char *FEAT_D =
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"D\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[104,20],[104.5,20],[104.5,20.5],[104,20.5],[104,20]]]}}";

static gv_layer *open_geojson(const char *dir, const char *name, const char *const *feats, size_t n) {
    char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", i ? "," : "", feats[i]);
    snprintf(text + len, sizeof text - len, "]}");
    const char *path = tu_path("%s/%s.geojson", dir, name);
    assert_int_equal(tu_write_file(path, text), 0);
    gv_layer *L = NULL;
    gv_error err;
    int rc = gv_layer_open(path, NULL, NULL, &L, &err);
    if (rc) fail_msg("%s", err.msg);
    return L;
}

/* Field by field (the struct has padding). */
static int same_dots(const gv_dot_set *a, const gv_dot_set *b) {
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++) {
        const gv_dot *x = &a->dots[i], *y = &b->dots[i];
        if (x->lon != y->lon || x->lat != y->lat || x->feature != y->feature || x->group != y->group || x->ring != y->ring)
            return 0;
    }
    return 1;
}

static size_t half_up(long long p, long long n) { return (size_t)((2 * p + n) / (2 * n)); }

static void test_rounding(void **state) {
    (void)state;
    /* floor(p/N + 0.5): 14,999 / 10,000 = 1.4999 -> 1; 15,000 -> 1.5 -> 2
     * (half up; half-to-even would give 2 too); 25,000 -> 2.5 -> 3 (half
     * to even would give 2). */
    assert_int_equal(gv_dots_for(14999, 10000), 1);
    assert_int_equal(gv_dots_for(15000, 10000), 2);
    assert_int_equal(gv_dots_for(25000, 10000), 3);
    assert_int_equal(gv_dots_for(4999, 10000), 0);
    assert_int_equal(gv_dots_for(0, 10000), 0);
    assert_int_equal(gv_dots_for(NAN, 10000), 0);
    assert_int_equal(gv_dots_for(-5, 10000), 0);
    assert_int_equal(gv_dots_for(100, 0), 0);
}

static void test_synthetic(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("dots");
    const char *f3[] = {FEAT_A, FEAT_B, FEAT_C};
    gv_layer *L = open_geojson(dir, "abc", f3, 3);
    assert_int_equal(gv_layer_count(L), 3);
    const char *keys[] = {"A", "B", "C"};
    const char *groups[] = {"g0", "g1"};
    /* persons per (unit, group); N = 100 persons per dot */
    double pop[] = {14999, 15050, 2549, 2550, 1000, NAN};
    size_t want[] = {half_up(14999, 100), half_up(15050, 100), half_up(2549, 100), half_up(2550, 100), 0, 0};
    /* = 150, 151 (150.5 rounds up), 25, 26 (25.5 up); C has no polygon */
    assert_int_equal(want[1], 151);
    assert_int_equal(want[3], 26);
    gv_dot_set s, s2;
    gv_error err;
    assert_int_equal(gv_dots_place(L, pop, 2, 100, keys, groups, 7, &s, &err), GV_OK);
    for (size_t i = 0; i < 6; i++) assert_int_equal(s.count[i], want[i]);
    assert_int_equal(s.n, 150 + 151 + 25 + 26);
    assert_int_equal(s.n_units_unplaced, 1);
    assert_true(s.persons_unplaced == 1000);

    GEOSContextHandle_t g = GEOS_init_r();
    GEOSWKTReader *rd = GEOSWKTReader_create_r(g);
    GEOSGeometry *ga = GEOSWKTReader_read_r(g, rd, WKT_A), *gb = GEOSWKTReader_read_r(g, rd, WKT_B);
    assert_non_null(ga);
    assert_non_null(gb);
    const GEOSPreparedGeometry *pa = GEOSPrepare_r(g, ga), *pb = GEOSPrepare_r(g, gb);
    size_t cnt[3][2] = {{0}};
    size_t switches = 0;
    for (size_t i = 0; i < s.n; i++) {
        const gv_dot *d = &s.dots[i];
        assert_true(d->feature < 2);
        cnt[d->feature][d->group]++;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g, d->lon, d->lat);
        char ok = GEOSPreparedContains_r(g, d->feature == 0 ? pa : pb, pt);
        if (ok != 1) fail_msg("dot %zu (%.6f, %.6f) of unit %u is outside its polygon", i, d->lon, d->lat, d->feature);
        GEOSGeom_destroy_r(g, pt);
        if (i && s.dots[i - 1].group != d->group) switches++;
    }
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < 2; k++) assert_int_equal(cnt[f][k], want[f * 2 + k]);
    /* Interleaved draw order: sorted by group there would be 3 switches
     * at most; a shuffle of 176 + 177 dots gives about half of 352. */
    assert_true(switches > 100);

    /* Same inputs, same dots (byte for byte). */
    assert_int_equal(gv_dots_place(L, pop, 2, 100, keys, groups, 7, &s2, &err), GV_OK);
    assert_int_equal(s2.n, s.n);
    assert_true(same_dots(&s2, &s));
    gv_dot_set_clear(&s2);
    /* Another seed moves them. */
    assert_int_equal(gv_dots_place(L, pop, 2, 100, keys, groups, 8, &s2, &err), GV_OK);
    assert_false(same_dots(&s2, &s));
    gv_dot_set_clear(&s2);

    /* A unit added in front (D) moves nobody else's dots: A's and B's dots
     * keep their positions and their relative order. */
    const char *f4[] = {FEAT_D, FEAT_A, FEAT_B, FEAT_C};
    gv_layer *L4 = open_geojson(dir, "dabc", f4, 4);
    const char *keys4[] = {"D", "A", "B", "C"};
    double pop4[] = {3000, 3000, 14999, 15050, 2549, 2550, 1000, NAN};
    assert_int_equal(gv_dots_place(L4, pop4, 2, 100, keys4, groups, 7, &s2, &err), GV_OK);
    size_t j = 0;
    for (size_t i = 0; i < s2.n; i++) {
        if (s2.dots[i].feature == 0) continue; /* D */
        assert_true(j < s.n);
        assert_true(s2.dots[i].lon == s.dots[j].lon && s2.dots[i].lat == s.dots[j].lat);
        assert_int_equal(s2.dots[i].feature, s.dots[j].feature + 1);
        assert_int_equal(s2.dots[i].group, s.dots[j].group);
        j++;
    }
    assert_int_equal(j, s.n);
    gv_dot_set_clear(&s2);
    gv_layer_free(L4);

    GEOSPreparedGeom_destroy_r(g, pa);
    GEOSPreparedGeom_destroy_r(g, pb);
    GEOSGeom_destroy_r(g, ga);
    GEOSGeom_destroy_r(g, gb);
    GEOSWKTReader_destroy_r(g, rd);
    GEOS_finish_r(g);
    gv_dot_set_clear(&s);
    gv_layer_free(L);
    tu_rmtree(dir);
}

static void test_bad_args(void **state) {
    (void)state;
    gv_dot_set s;
    gv_error err;
    const char *groups[] = {"g"};
    double pop[] = {1};
    assert_int_equal(gv_dots_place(NULL, pop, 1, 10, NULL, groups, 0, &s, &err), GV_EUSAGE);
    const char *dir = tu_tmpdir("dots_bad");
    const char *f1[] = {FEAT_A};
    gv_layer *L = open_geojson(dir, "a", f1, 1);
    assert_int_equal(gv_dots_place(L, pop, 1, 0, NULL, groups, 0, &s, &err), GV_EUSAGE);
    assert_int_equal(gv_dots_place(L, pop, 1, -3, NULL, groups, 0, &s, &err), GV_EUSAGE);
    assert_null(s.dots);
    gv_layer_free(L);
    tu_rmtree(dir);
}

/* GEOS multipolygon from feature f's rings (one polygon per part: first
 * ring the shell, the others its holes). */
static GEOSGeometry *feature_geos(GEOSContextHandle_t g, const gv_layer *L, size_t f) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(L, f, &xy, &off, &part, &nr);
    GEOSGeometry **polys = malloc((nr ? nr : 1) * sizeof *polys);
    size_t np = 0;
    for (size_t r = 0; r < nr;) {
        size_t r1 = r + 1;
        while (r1 < nr && part[r1] == part[r]) r1++;
        GEOSGeometry *rings[512];
        size_t k = 0;
        for (size_t q = r; q < r1 && k < 512; q++, k++) {
            size_t n = off[q + 1] - off[q];
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g, (unsigned)n, 2);
            for (size_t i = 0; i < n; i++) GEOSCoordSeq_setXY_r(g, cs, (unsigned)i, xy[2 * (off[q] + i)], xy[2 * (off[q] + i) + 1]);
            rings[k] = GEOSGeom_createLinearRing_r(g, cs);
        }
        polys[np++] = GEOSGeom_createPolygon_r(g, rings[0], rings + 1, (unsigned)(k - 1));
        r = r1;
    }
    GEOSGeometry *m = GEOSGeom_createCollection_r(g, GEOS_MULTIPOLYGON, polys, (unsigned)np);
    free(polys);
    return m;
}

/* Real provinces: urban and rural persons of the 2019 census at 10,000 per
 * dot; every count is the half-up rounding and every dot inside its
 * province (GEOS). */
static void test_real_provinces(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    gv_layer *L = NULL;
    gv_table *T = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(GV_TEST_DATADIR "/boundaries_2019.gpkg", "provinces", NULL, &L, &err), GV_OK);
    assert_int_equal(gv_table_read_csv(GV_TEST_DATADIR "/census/provinces_2019.csv", NULL, &T, &err), GV_OK);
    size_t nf = gv_layer_count(L), nr = gv_table_nrows(T);
    assert_int_equal(nf, 63);
    int kc = gv_layer_field_index(L, "code"), tc = gv_table_col_index(T, "gso_code");
    int cu = gv_table_col_index(T, "population_urban"), cr = gv_table_col_index(T, "population_rural");
    double *pop = malloc(nf * 2 * sizeof(double));
    const char **keys = malloc(nf * sizeof *keys);
    long long *pp = malloc(nf * 2 * sizeof(long long));
    for (size_t f = 0; f < nf; f++) {
        keys[f] = gv_layer_value(L, f, (size_t)kc);
        pop[2 * f] = pop[2 * f + 1] = NAN;
        for (size_t r = 0; r < nr; r++)
            if (atoi(gv_table_cell(T, r, (size_t)tc)) == atoi(keys[f])) {
                pp[2 * f] = atoll(gv_table_cell(T, r, (size_t)cu));
                pp[2 * f + 1] = atoll(gv_table_cell(T, r, (size_t)cr));
                pop[2 * f] = (double)pp[2 * f];
                pop[2 * f + 1] = (double)pp[2 * f + 1];
            }
        assert_false(isnan(pop[2 * f]));
    }
    const char *groups[] = {"population_urban", "population_rural"};
    gv_dot_set s;
    assert_int_equal(gv_dots_place(L, pop, 2, 10000, keys, groups, 0, &s, &err), GV_OK);
    size_t total = 0;
    for (size_t i = 0; i < nf * 2; i++) {
        assert_int_equal(s.count[i], half_up(pp[i], 10000));
        total += s.count[i];
    }
    assert_int_equal(s.n, total);
    GEOSContextHandle_t g = GEOS_init_r();
    const GEOSPreparedGeometry **prep = calloc(nf, sizeof *prep);
    GEOSGeometry **geo = calloc(nf, sizeof *geo);
    size_t *seen = calloc(nf * 2, sizeof(size_t));
    for (size_t i = 0; i < s.n; i++) {
        const gv_dot *d = &s.dots[i];
        if (!prep[d->feature]) {
            geo[d->feature] = feature_geos(g, L, d->feature);
            prep[d->feature] = GEOSPrepare_r(g, geo[d->feature]);
        }
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g, d->lon, d->lat);
        if (GEOSPreparedContains_r(g, prep[d->feature], pt) != 1)
            fail_msg("dot (%.6f, %.6f) outside province %s", d->lon, d->lat, keys[d->feature]);
        GEOSGeom_destroy_r(g, pt);
        seen[d->feature * 2 + d->group]++;
    }
    for (size_t i = 0; i < nf * 2; i++) assert_int_equal(seen[i], s.count[i]);
    for (size_t f = 0; f < nf; f++) {
        if (prep[f]) GEOSPreparedGeom_destroy_r(g, prep[f]);
        if (geo[f]) GEOSGeom_destroy_r(g, geo[f]);
    }
    GEOS_finish_r(g);
    free(prep);
    free(geo);
    free(seen);
    free(pop);
    free(pp);
    free(keys);
    gv_dot_set_clear(&s);
    gv_table_free(T);
    gv_layer_free(L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_real_provinces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
