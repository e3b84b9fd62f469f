/* test_stats.c: indicator arithmetic (engine/stats.c) against values worked
 * out by hand, and against a brute-force reference on random tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "geovoice/stats.h"

static void test_diversity_by_hand(void **state) {
    (void)state;
    double s, h;
    /* Counts 50, 30, 20 (total 100): p = 0.5, 0.3, 0.2.
     * Simpson = 1 - (0.25 + 0.09 + 0.04) = 1 - 0.38 = 0.62.
     * Shannon = -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2)
     *         = 0.5*0.693147 + 0.3*1.203973 + 0.2*1.609438
     *         = 0.346574 + 0.361192 + 0.321888 = 1.029653. */
    const double a[] = {50, 30, 20};
    assert_int_equal(gv_stats_diversity(a, 3, &s, &h), GV_OK);
    assert_true(fabs(s - 0.62) < 1e-12);
    assert_true(fabs(h - 1.029653) < 1e-6);
    /* Four equal groups: Simpson = 1 - 4 * (1/4)^2 = 0.75; Shannon = ln 4
     * = 1.386294. A NaN ("not listed") entry is skipped, a 0 adds nothing. */
    const double b[] = {7, NAN, 7, 0, 7, 7};
    assert_int_equal(gv_stats_diversity(b, 6, &s, &h), GV_OK);
    assert_true(fabs(s - 0.75) < 1e-12);
    assert_true(fabs(h - 1.386294) < 1e-6);
    /* One group: no diversity. */
    const double c[] = {100};
    assert_int_equal(gv_stats_diversity(c, 1, &s, &h), GV_OK);
    assert_true(s == 0 && h == 0);
    /* Empty, all zero, negative: errors with NaN outputs. */
    const double z[] = {0, 0}, neg[] = {5, -1};
    assert_int_equal(gv_stats_diversity(z, 2, &s, &h), GV_EDATA);
    assert_true(isnan(s) && isnan(h));
    assert_int_equal(gv_stats_diversity(neg, 2, &s, NULL), GV_EDATA);
    assert_int_equal(gv_stats_diversity(NULL, 0, &s, &h), GV_EDATA);
}

/* Random tables (seeded; keep any seed that ever fails here): the indices
 * against a direct computation with shares computed first, and their
 * bounds: 0 <= Simpson <= 1 - 1/k, 0 <= Shannon <= ln k. */
static void test_diversity_random(void **state) {
    (void)state;
    srand(20191401);
    for (int it = 0; it < 500; it++) {
        size_t k = 1 + (size_t)(rand() % 12);
        double v[12], tot = 0;
        for (size_t i = 0; i < k; i++) tot += v[i] = 1 + rand() % 100000;
        double s2 = 0, h = 0;
        for (size_t i = 0; i < k; i++) {
            double p = v[i] / tot;
            s2 += p * p;
            h += -p * log(p);
        }
        double s, sh;
        assert_int_equal(gv_stats_diversity(v, k, &s, &sh), GV_OK);
        assert_true(fabs(s - (1 - s2)) < 1e-12);
        assert_true(fabs(sh - h) < 1e-12);
        assert_true(s >= -1e-15 && s <= 1 - 1.0 / (double)k + 1e-12);
        assert_true(sh >= -1e-15 && sh <= log((double)k) + 1e-12);
    }
}

static void test_ratio_argmax(void **state) {
    (void)state;
    assert_true(gv_stats_ratio(1, 4) == 0.25);
    assert_true(isnan(gv_stats_ratio(1, 0)));
    assert_true(isnan(gv_stats_ratio(NAN, 3)));
    assert_true(isnan(gv_stats_ratio(3, NAN)));
    const double v[] = {NAN, 3, 9, 9, 1};
    assert_int_equal(gv_stats_argmax(v, 5), 2); /* ties: the first */
    const double w[] = {NAN, NAN};
    assert_int_equal(gv_stats_argmax(w, 2), (size_t)-1);
    assert_int_equal(gv_stats_argmax(v, 0), (size_t)-1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diversity_by_hand),
        cmocka_unit_test(test_diversity_random),
        cmocka_unit_test(test_ratio_argmax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
