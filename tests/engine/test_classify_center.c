/* test_classify_center.c: classes split at a centre (gv_classify_centered,
 * engine/classify_center.c). Every expected edge is worked out by hand in
 * the comment above it from the rules in include/geovoice/classify.h:
 * quantile edges[0] = s[0], edges[i] = s[ceil(i*m/k) - 1] per side, the
 * centre replacing the side's inner edge; equal: one width
 * w = max((c-min)/(k/2), (max-c)/(k-k/2)) on both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "geovoice/classify.h"

static void edges_are(const gv_breaks *b, const double *want, size_t k) {
    assert_int_equal(b->k, k);
    for (size_t i = 0; i <= k; i++)
        if (fabs(b->edges[i] - want[i]) > 1e-12) fail_msg("edge %zu: %g, want %g", i, b->edges[i], want[i]);
}

static void test_quantile_split(void **state) {
    (void)state;
    /* 1..10, centre 4.5, k = 4: below {1,2,3,4} in 2 classes: edges
     * {1, s[1]=2, s[3]=4}, 4 -> 4.5; above {5..10} (m=6) in 2: {5, s[2]=7,
     * s[5]=10}, 5 -> 4.5. So {1, 2, 4.5, 7, 10}; counts 2, 2, 3, 3. */
    double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    gv_classify_spec sp;
    gv_error err;
    assert_int_equal(gv_classify_parse("quantile:4", &sp, &err), GV_OK);
    gv_breaks b;
    size_t kb = 99;
    assert_int_equal(gv_classify_centered(v, 10, &sp, 4.5, &b, &kb, &err), GV_OK);
    const double want[] = {1, 2, 4.5, 7, 10};
    edges_are(&b, want, 4);
    assert_int_equal(kb, 2);
    assert_int_equal(b.edges[kb], 4.5); /* the centre is a class edge */
    assert_int_equal(b.counts[0], 2);
    assert_int_equal(b.counts[1], 2);
    assert_int_equal(b.counts[2], 3);
    assert_int_equal(b.counts[3], 3);
}

static void test_value_at_centre_goes_below(void **state) {
    (void)state;
    /* {1,2,3,4,5, NaN}, centre 3, k = 2: below {1,2,3}: {1, 3}; above
     * {4,5}: {4, 5} -> {3, 5}. Edges {1, 3, 5}: 3 is in class 0. */
    double v[] = {1, 2, 3, 4, 5, NAN};
    gv_classify_spec sp;
    gv_error err;
    assert_int_equal(gv_classify_parse("quantile:2", &sp, &err), GV_OK);
    gv_breaks b;
    size_t kb;
    assert_int_equal(gv_classify_centered(v, 6, &sp, 3, &b, &kb, &err), GV_OK);
    const double want[] = {1, 3, 5};
    edges_are(&b, want, 2);
    assert_int_equal(kb, 1);
    assert_int_equal(gv_breaks_class(&b, 3), 0);
    assert_int_equal(b.counts[0], 3);
    assert_int_equal(b.counts[1], 2);
    assert_int_equal(b.n_missing, 1);
}

static void test_equal_symmetric(void **state) {
    (void)state;
    /* {15, 40}, centre 20, k = 4: w = max((20-15)/2, (40-20)/2) = 10, so
     * {0, 10, 20, 30, 40}: 15 in class 1, 40 in class 3; classes 0 and 2
     * empty (the scale stays symmetric). */
    double v[] = {15, 40};
    gv_classify_spec sp;
    gv_error err;
    assert_int_equal(gv_classify_parse("equal:4", &sp, &err), GV_OK);
    gv_breaks b;
    size_t kb;
    assert_int_equal(gv_classify_centered(v, 2, &sp, 20, &b, &kb, &err), GV_OK);
    const double want[] = {0, 10, 20, 30, 40};
    edges_are(&b, want, 4);
    assert_int_equal(kb, 2);
    assert_int_equal(b.counts[0], 0);
    assert_int_equal(b.counts[1], 1);
    assert_int_equal(b.counts[2], 0);
    assert_int_equal(b.counts[3], 1);
}

static void test_one_side_empty(void **state) {
    (void)state;
    /* {5,6,7,8}, centre 0, k = 4: nothing below, so no class there; above
     * in 2: {5, s[1]=6, s[3]=8} -> {0, 6, 8}. */
    double v[] = {5, 6, 7, 8};
    gv_classify_spec sp;
    gv_error err;
    assert_int_equal(gv_classify_parse("quantile:4", &sp, &err), GV_OK);
    gv_breaks b;
    size_t kb;
    assert_int_equal(gv_classify_centered(v, 4, &sp, 0, &b, &kb, &err), GV_OK);
    const double want[] = {0, 6, 8};
    edges_are(&b, want, 2);
    assert_int_equal(kb, 0);
}

static void test_manual_and_errors(void **state) {
    (void)state;
    double v[] = {5, 25, 45};
    gv_classify_spec sp;
    gv_error err;
    gv_breaks b;
    size_t kb;
    assert_int_equal(gv_classify_parse("manual:0,20,50", &sp, &err), GV_OK);
    assert_int_equal(gv_classify_centered(v, 3, &sp, 20, &b, &kb, &err), GV_OK);
    assert_int_equal(kb, 1);
    assert_int_equal(gv_classify_centered(v, 3, &sp, 30, &b, &kb, &err), GV_EUSAGE);
    assert_int_equal(gv_classify_parse("quantile:1", &sp, &err), GV_OK);
    assert_int_equal(gv_classify_centered(v, 3, &sp, 20, &b, &kb, &err), GV_EUSAGE);
    assert_int_equal(gv_classify_parse("quantile:4", &sp, &err), GV_OK);
    assert_int_equal(gv_classify_centered(v, 3, &sp, NAN, &b, &kb, &err), GV_EUSAGE);
    double none[] = {NAN};
    assert_int_equal(gv_classify_centered(none, 1, &sp, 0, &b, &kb, &err), GV_EDATA);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_split),
        cmocka_unit_test(test_value_at_centre_goes_below),
        cmocka_unit_test(test_equal_symmetric),
        cmocka_unit_test(test_one_side_empty),
        cmocka_unit_test(test_manual_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
