/* test_robust.c: medians and modified z-scores (engine/robust.c) against
 * values worked out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "geovoice/robust.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_median(void **state) {
    (void)state;
    const double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2}, gaps[] = {NAN, 7, NAN, 1};
    NEAR(gv_median(odd, 3), 3);
    NEAR(gv_median(even, 4), 2.5);   /* (2 + 3) / 2 */
    NEAR(gv_median(gaps, 4), 4);     /* NaN left out: (1 + 7) / 2 */
    assert_true(isnan(gv_median(gaps, 1)));
    assert_true(isnan(gv_median(odd, 0)));
}

static void test_modified_z(void **state) {
    (void)state;
    /* x = 1 2 3 4 100: median 3, |x - 3| = 2 1 0 1 97 -> MAD 1,
     * z = 0.6745 (x - 3). */
    const double x[] = {1, 2, 3, 4, 100};
    double z[5], med, scale;
    int fb;
    assert_int_equal(gv_modified_z(x, 5, z, &med, &scale, &fb), 5);
    NEAR(med, 3);
    NEAR(scale, 1);
    assert_int_equal(fb, 0);
    NEAR(z[0], -1.349);
    NEAR(z[1], -0.6745);
    NEAR(z[2], 0);
    NEAR(z[3], 0.6745);
    NEAR(z[4], 0.6745 * 97);
    assert_true(fabs(z[4]) > GV_MODZ_THRESHOLD && fabs(z[3]) < GV_MODZ_THRESHOLD);

    /* MAD = 0: x = 5 5 5 5 9, median 5, deviations 0 0 0 0 4, mean
     * absolute deviation 4/5 = 0.8: z = 0.7979 (x - 5) / 0.8 -> 3.98950. */
    const double y[] = {5, 5, 5, 5, 9};
    assert_int_equal(gv_modified_z(y, 5, z, &med, &scale, &fb), 5);
    assert_int_equal(fb, 1);
    NEAR(scale, 0.8);
    NEAR(z[0], 0);
    NEAR(z[4], 0.7979 * 4 / 0.8);

    /* All equal: every z is 0, not NaN. */
    const double e[] = {2, 2, 2};
    gv_modified_z(e, 3, z, NULL, NULL, NULL);
    NEAR(z[0], 0);
    NEAR(z[2], 0);

    /* Missing values: NaN 1 3 -> median 2, MAD 1, z = NaN -0.6745 0.6745;
     * in place (z aliases x). */
    double w[] = {NAN, 1, 3};
    assert_int_equal(gv_modified_z(w, 3, w, &med, NULL, NULL), 2);
    assert_true(isnan(w[0]));
    NEAR(w[1], -0.6745);
    NEAR(w[2], 0.6745);
    NEAR(med, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_median), cmocka_unit_test(test_modified_z)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
