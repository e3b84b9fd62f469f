/* test_opstats.c: empirical-Bayes rates, suppression (primary and
 * secondary), JSD, chi-square and Benjamini–Hochberg (engine/opstats.c)
 * against values worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "geovoice/opstats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_jsd_known(void **state) {
    (void)state;
    /* Disjoint supports: JSD = 1. Equal distributions (any scale): 0. */
    const double a[] = {1, 0}, b[] = {0, 1};
    NEAR(gv_jsd(a, b, 2), 1.0, 1e-12);
    const double c[] = {2, 6, 2}, d[] = {10, 30, 10};
    NEAR(gv_jsd(c, d, 3), 0.0, 1e-12);
    /* p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4);
     * JSD = H(m) - (H(p) + H(q)) / 2 = H(3/4, 1/4) - 1/2
     *     = (3/4 log2(4/3) + 1/4 log2 4) - 1/2 = 0.811278124459133 - 0.5. */
    const double p[] = {5, 5}, q[] = {7, 0};
    NEAR(gv_jsd(p, q, 2), 0.311278124459133, 1e-9);
    /* p = (0.2, 0.3, 0.5), q = (0.5, 0.3, 0.2): m = (0.35, 0.3, 0.35);
     * JSD = H(m) - (H(p) + H(q))/2, H(p) = H(q) = 1.485475297227334,
     * H(m) = -2*0.35 log2 0.35 - 0.3 log2 0.3 = 1.581290899...: 0.0958156020 */
    const double p3[] = {0.2, 0.3, 0.5}, q3[] = {0.5, 0.3, 0.2};
    double hm = -2 * 0.35 * log2(0.35) - 0.3 * log2(0.3);
    double hp = -(0.2 * log2(0.2) + 0.3 * log2(0.3) + 0.5 * log2(0.5));
    NEAR(gv_jsd(p3, q3, 3), hm - hp, 1e-9);
    NEAR(hm - hp, 0.095815602003358, 1e-12);
    const double z[] = {0, 0};
    assert_true(isnan(gv_jsd(z, a, 2)));
}

static void test_eb_by_hand(void **state) {
    (void)state;
    /* counts 2, 10, 30 over populations 1000, 1000, 2000:
     * m = 42/4000 = 0.0105; r = 0.002, 0.01, 0.015;
     * s² = (1000·0.0085² + 1000·0.0005² + 2000·0.0045²)/4000 = 2.825e-5;
     * mean pop 4000/3, m / 1333.33 = 7.875e-6; A = 2.0375e-5;
     * C1 = A / (A + 1.05e-5) = 0.659919028340081, s1 = 0.0105 - 0.0085 C1;
     * C3 = A / (A + 5.25e-6) = 0.795121951219512, s3 = 0.0105 + 0.0045 C3.
     * A fourth unit with no population takes no part and gets NaN. */
    const double y[] = {2, 10, 30, 4}, n[] = {1000, 1000, 2000, 0};
    double s[4], m, A;
    assert_int_equal(gv_eb_smooth(y, n, 4, s, &m, &A), GV_OK);
    NEAR(m, 0.0105, 1e-15);
    NEAR(A, 2.0375e-5, 1e-15);
    NEAR(s[0], 0.0105 - 0.0085 * 0.659919028340081, 1e-12);
    NEAR(s[0], 0.00489068825910931, 1e-12);
    NEAR(s[2], 0.0105 + 0.0045 * 0.795121951219512, 1e-12);
    assert_true(isnan(s[3]));
    /* Homogeneous rates: s² <= m / mean pop, so A = 0 and every unit gets m. */
    const double y2[] = {10, 10}, n2[] = {1000, 1000};
    assert_int_equal(gv_eb_smooth(y2, n2, 2, s, &m, &A), GV_OK);
    NEAR(A, 0, 0);
    NEAR(s[0], 0.01, 1e-15);
    NEAR(s[1], 0.01, 1e-15);
}

static void test_suppression_by_hand(void **state) {
    (void)state;
    /* Cells 0..2: unit A's topics a=5, b=20, c=30; cell 3: A's total 55.
     * Cells 4..5: unit B's topics 25, 15; cell 6: B's total 40.
     * Cell 7: unit C's total 7 (one topic, cell 8 = 7).
     * Relations: A's topics sum to A's total; B's likewise; C's; and the
     * three unit totals sum to a parent total published elsewhere.
     * k = 10: primary = a (5), C's total (7) and C's topic (7).
     * A's relation has a lone hidden cell (a): the smallest shown partner,
     * b (20), goes. C: topic and total are both hidden: protected. The
     * parent relation {55, 40, 7}: C's total alone hidden: smallest
     * partner is B's total (40) -> secondary. Then B's relation {25, 15,
     * total} has a lone hidden cell (its total): 15 goes. */
    const double cnt[] = {5, 20, 30, 55, 25, 15, 40, 7, 7};
    const size_t ga[] = {0, 1, 2}, gb[] = {4, 5}, gc[] = {8}, gp[] = {3, 6, 7};
    const gv_supp_group g[] = {{ga, 3, 3}, {gb, 2, 6}, {gc, 1, 7}, {gp, 3, -1}};
    unsigned char st[9], gu[4];
    size_t unprot = 99;
    assert_int_equal(gv_suppress(cnt, 9, 10, g, 4, st, gu, &unprot), GV_OK);
    const unsigned char want[] = {GV_SUPP_PRIMARY, GV_SUPP_SECONDARY, 0, 0, 0, GV_SUPP_SECONDARY,
                                  GV_SUPP_SECONDARY, GV_SUPP_PRIMARY, GV_SUPP_PRIMARY};
    assert_memory_equal(st, want, 9);
    assert_int_equal(unprot, 0);
    /* One unit whose only non-zero cell is small, its total published
     * elsewhere: nothing to hide beside it (the other cell is 0): reported
     * as not protected. */
    const double c2[] = {4, 0};
    const size_t m2[] = {0, 1};
    const gv_supp_group g2[] = {{m2, 2, -1}};
    assert_int_equal(gv_suppress(c2, 2, 10, g2, 1, st, gu, &unprot), GV_OK);
    assert_int_equal(st[0], GV_SUPP_PRIMARY);
    assert_int_equal(st[1], GV_SUPP_SHOWN);
    assert_int_equal(unprot, 1);
    assert_int_equal(gu[0], 1);
    /* Bad index. */
    const size_t bad[] = {5};
    const gv_supp_group g3[] = {{bad, 1, -1}};
    assert_int_equal(gv_suppress(c2, 2, 10, g3, 1, st, NULL, NULL), GV_EUSAGE);
}

static void test_chisq_bh(void **state) {
    (void)state;
    NEAR(gv_chisq_sf(3.841458820694124, 1), 0.05, 1e-9);
    NEAR(gv_chisq_sf(5.991464547107979, 2), 0.05, 1e-12); /* exp(-x/2) */
    NEAR(gv_chisq_sf(18.307038053275146, 10), 0.05, 1e-9);
    NEAR(gv_chisq_sf(0, 3), 1, 0);
    /* 2x2: a = (30, 10), b = (10, 30): N = 80, every expected count 20,
     * X² = 4 · 10²/20 = 20, df 1. */
    const double a[] = {30, 10, 0}, b[] = {10, 30, 0};
    double x2;
    int df;
    double p = gv_chisq_homogeneity(a, b, 3, &x2, &df);
    NEAR(x2, 20, 1e-12);
    assert_int_equal(df, 1);
    NEAR(p, gv_chisq_sf(20, 1), 0);
    NEAR(p, 7.744216431044e-06, 1e-15);
    /* BH: p = 0.01, 0.04, 0.03, 0.5, NaN (m = 4):
     * ranks 0.01:1, 0.03:2, 0.04:3, 0.5:4 -> 0.04, 0.06, 0.0533.., 0.5;
     * running minimum from the top: 0.04, 0.0533.., 0.0533.., 0.5. */
    const double pv[] = {0.01, 0.04, 0.03, 0.5, NAN};
    double q[5];
    assert_int_equal(gv_bh_adjust(pv, 5, q), GV_OK);
    NEAR(q[0], 0.04, 1e-15);
    NEAR(q[1], 0.04 * 4 / 3, 1e-15);
    NEAR(q[2], 0.04 * 4 / 3, 1e-15);
    NEAR(q[3], 0.5, 1e-15);
    assert_true(isnan(q[4]));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsd_known),
        cmocka_unit_test(test_eb_by_hand),
        cmocka_unit_test(test_suppression_by_hand),
        cmocka_unit_test(test_chisq_bh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
