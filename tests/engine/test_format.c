/* test_format.c: locale number formatting (engine/format.c): grouping and
 * separators in vi and en, rounding half away from zero on exact ties,
 * negative zero, buffer limits, independence from setlocale, and the
 * legend decimals rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/format.h"

static void check(double x, int decimals, gv_locale loc, const char *want) {
    char buf[128];
    int rc = gv_format_number(x, decimals, loc, buf, sizeof buf);
    if (rc != GV_OK || strcmp(buf, want) != 0)
        fail_msg("%.17g, %d decimals, %s: got '%s' (rc %d), want '%s'", x,
                 decimals, loc == GV_LOCALE_VI ? "vi" : "en", buf, rc, want);
}

static void test_examples(void **state) {
    (void)state;
    check(1234.5, 1, GV_LOCALE_VI, "1.234,5");
    check(1234.5, 1, GV_LOCALE_EN, "1,234.5");
    check(96208984, 0, GV_LOCALE_VI, "96.208.984");
    check(96208984, 0, GV_LOCALE_EN, "96,208,984");
    check(-0.04, 1, GV_LOCALE_VI, "0,0");
    check(999.95, 1, GV_LOCALE_VI, "1.000,0");
    check(0.5, 2, GV_LOCALE_VI, "0,50");
}

static void test_grouping(void **state) {
    (void)state;
    check(0, 0, GV_LOCALE_VI, "0");
    check(0, 3, GV_LOCALE_EN, "0.000");
    check(7, 0, GV_LOCALE_VI, "7");
    check(999, 0, GV_LOCALE_VI, "999");
    check(1000, 0, GV_LOCALE_VI, "1.000");
    check(12345, 0, GV_LOCALE_VI, "12.345");
    check(123456, 2, GV_LOCALE_EN, "123,456.00");
    check(1234567.891, 2, GV_LOCALE_VI, "1.234.567,89");
    check(-1234567.891, 2, GV_LOCALE_EN, "-1,234,567.89");
    check(-5, 0, GV_LOCALE_VI, "-5");
    check(1e21, 0, GV_LOCALE_EN, "1,000,000,000,000,000,000,000");
    check(0.000123, 6, GV_LOCALE_VI, "0,000123");
    /* Digits beyond the double's precision are its exact value. */
    check(0.1, 20, GV_LOCALE_EN, "0.10000000000000000555");
}

static void test_rounding(void **state) {
    (void)state;
    /* Exact binary ties round away from zero (snprintf alone gives even). */
    check(2.5, 0, GV_LOCALE_EN, "3");
    check(3.5, 0, GV_LOCALE_EN, "4");
    check(-2.5, 0, GV_LOCALE_EN, "-3");
    check(0.125, 2, GV_LOCALE_EN, "0.13");
    check(0.375, 2, GV_LOCALE_VI, "0,38");
    check(-0.125, 2, GV_LOCALE_EN, "-0.13");
    check(0.5, 0, GV_LOCALE_EN, "1");
    check(-0.5, 0, GV_LOCALE_EN, "-1");
    check(1234.5, 0, GV_LOCALE_VI, "1.235");
    /* Not ties: the decimal literal is a little below or above in binary. */
    check(2.675, 2, GV_LOCALE_EN, "2.67");  /* 2.67499999... */
    check(1.005, 2, GV_LOCALE_EN, "1.00");  /* 1.00499999... */
    check(0.15, 1, GV_LOCALE_EN, "0.1");    /* 0.1499999... */
    check(0.35, 1, GV_LOCALE_EN, "0.3");    /* 0.3499999... */
    check(0.45, 1, GV_LOCALE_EN, "0.5");    /* 0.4500000...1 */
    /* One ulp either side of a tie is not a tie. */
    check(nextafter(2.5, 0), 0, GV_LOCALE_EN, "2");
    check(nextafter(2.5, 3), 0, GV_LOCALE_EN, "3");
    check(nextafter(0.125, 0), 2, GV_LOCALE_EN, "0.12");
    check(nextafter(-0.125, 0), 2, GV_LOCALE_EN, "-0.12");
    check(nextafter(0.5, 0), 0, GV_LOCALE_EN, "0");
    /* 4503599627370495.5 = 2^52 - 0.5: the last double with a half. */
    check(4503599627370495.5, 0, GV_LOCALE_EN, "4,503,599,627,370,496");
    /* Carries through every digit and into a new group. */
    check(999.95, 1, GV_LOCALE_EN, "1,000.0");
    check(99999.5, 0, GV_LOCALE_VI, "100.000");
    check(-999999.9, 0, GV_LOCALE_EN, "-1,000,000");
    check(9.9999999, 3, GV_LOCALE_EN, "10.000");
    /* Rounds to zero: no minus sign. */
    check(-0.0, 0, GV_LOCALE_VI, "0");
    check(-0.0, 2, GV_LOCALE_VI, "0,00");
    check(-0.4, 0, GV_LOCALE_EN, "0");
    check(-0.004999, 2, GV_LOCALE_EN, "0.00");
    check(-0.005, 2, GV_LOCALE_EN, "-0.01"); /* -0.005000000000000000104 */
    check(4.9e-324, 6, GV_LOCALE_EN, "0.000000");
    check(-4.9e-324, 0, GV_LOCALE_EN, "0");
}

static void test_compare_brute(void **state) {
    (void)state;
    /* Against an independent rounding: integers k/8 (exact in binary),
     * formatted at 2 decimals, where k/8 has at most 3 decimals and the
     * third digit decides (5 = a tie, away from zero). */
    char buf[64], want[64];
    for (int k = -4000; k <= 4000; k++) {
        double x = k / 8.0;
        long thousandths = labs((long)k) * 125; /* |x| * 1000 exactly */
        long hundredths = thousandths / 10 + (thousandths % 10 >= 5);
        const char *sign = (k < 0 && hundredths != 0) ? "-" : "";
        snprintf(want, sizeof want, "%s%ld.%02ld", sign, hundredths / 100,
                 hundredths % 100);
        assert_int_equal(gv_format_number(x, 2, GV_LOCALE_EN, buf, sizeof buf),
                         GV_OK);
        if (strcmp(buf, want) != 0)
            fail_msg("%g: got %s want %s", x, buf, want);
        if (thousandths % 10 == 5) {
            /* The neighbours of a tie round toward themselves: the one
             * nearer zero down, the one farther up (in magnitude). */
            long down = thousandths / 10, up = down + 1;
            double in = nextafter(x, 0);
            double out = nextafter(x, x < 0 ? -INFINITY : INFINITY);
            snprintf(want, sizeof want, "%s%ld.%02ld",
                     k < 0 && down ? "-" : "", down / 100, down % 100);
            gv_format_number(in, 2, GV_LOCALE_EN, buf, sizeof buf);
            assert_string_equal(buf, want);
            snprintf(want, sizeof want, "%s%ld.%02ld", k < 0 ? "-" : "",
                     up / 100, up % 100);
            gv_format_number(out, 2, GV_LOCALE_EN, buf, sizeof buf);
            assert_string_equal(buf, want);
        }
    }
}

static void test_nonfinite_and_limits(void **state) {
    (void)state;
    char buf[16];
    strcpy(buf, "junk");
    assert_int_equal(gv_format_number(NAN, 2, GV_LOCALE_VI, buf, sizeof buf),
                     GV_OK);
    assert_string_equal(buf, "");
    strcpy(buf, "junk");
    assert_int_equal(
        gv_format_number(INFINITY, 0, GV_LOCALE_VI, buf, sizeof buf), GV_OK);
    assert_string_equal(buf, "");
    assert_int_equal(
        gv_format_number(-INFINITY, 0, GV_LOCALE_EN, buf, sizeof buf), GV_OK);
    assert_string_equal(buf, "");

    /* Exactly fitting, one byte short. */
    assert_int_equal(gv_format_number(-1234.5, 1, GV_LOCALE_VI, buf, 9), GV_OK);
    assert_string_equal(buf, "-1.234,5");
    strcpy(buf, "junk");
    assert_int_equal(gv_format_number(-1234.5, 1, GV_LOCALE_VI, buf, 8),
                     GV_EUSAGE);
    assert_string_equal(buf, "");

    assert_int_equal(gv_format_number(1, -1, GV_LOCALE_VI, buf, sizeof buf),
                     GV_EUSAGE);
    assert_int_equal(gv_format_number(1, GV_FORMAT_MAX_DECIMALS + 1,
                                      GV_LOCALE_VI, buf, sizeof buf),
                     GV_EUSAGE);
    assert_int_equal(gv_format_number(1, 0, (gv_locale)7, buf, sizeof buf),
                     GV_EUSAGE);
    assert_int_equal(gv_format_number(1, 0, GV_LOCALE_VI, NULL, 10), GV_EUSAGE);
    assert_int_equal(gv_format_number(1, 0, GV_LOCALE_VI, buf, 0), GV_EUSAGE);

    /* The largest double fits the documented worst case. */
    char big[512];
    assert_int_equal(gv_format_number(-1.7976931348623157e308,
                                      GV_FORMAT_MAX_DECIMALS, GV_LOCALE_VI,
                                      big, sizeof big),
                     GV_OK);
    assert_memory_equal(big, "-179.769.313.486.231.570", 24);
    /* 64 bytes hold |x| < 1e30 at 20 decimals, as the header says. */
    char b64[64];
    assert_int_equal(
        gv_format_number(-9.99e29, 20, GV_LOCALE_EN, b64, sizeof b64), GV_OK);
}

static void test_process_locale(void **state) {
    (void)state;
    /* A process in a locale with ',' as decimal point (if installed) must
     * not change the output. */
    const char *names[] = {"vi_VN.UTF-8", "de_DE.UTF-8", "fr_FR.UTF-8",
                           "ru_RU.UTF-8"};
    char *old = setlocale(LC_NUMERIC, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!setlocale(LC_NUMERIC, names[i])) continue;
        check(1234.5, 1, GV_LOCALE_VI, "1.234,5");
        check(1234.5, 1, GV_LOCALE_EN, "1,234.5");
        check(0.125, 2, GV_LOCALE_EN, "0.13");
        check(2.5 - 0x1p-51, 0, GV_LOCALE_EN, "2");
    }
    setlocale(LC_NUMERIC, saved);
}

static void test_locale_parse(void **state) {
    (void)state;
    gv_locale l = GV_LOCALE_EN;
    gv_error err;
    assert_int_equal(gv_locale_parse("vi", &l, &err), GV_OK);
    assert_int_equal(l, GV_LOCALE_VI);
    assert_int_equal(gv_locale_parse("en", &l, &err), GV_OK);
    assert_int_equal(l, GV_LOCALE_EN);
    assert_int_equal(gv_locale_parse("VI", &l, NULL), GV_OK);
    assert_int_equal(l, GV_LOCALE_VI);
    assert_int_equal(gv_locale_parse("fr", &l, &err), GV_EUSAGE);
    assert_string_equal(err.msg, "unknown locale 'fr' (expected vi or en)");
    assert_int_equal(l, GV_LOCALE_VI);
    assert_int_equal(gv_locale_parse("", &l, &err), GV_EUSAGE);
    assert_int_equal(gv_locale_parse("v", &l, &err), GV_EUSAGE);
    assert_int_equal(gv_locale_parse("vie", &l, &err), GV_EUSAGE);
    assert_int_equal(gv_locale_parse("vi_VN", &l, &err), GV_EUSAGE);
    assert_int_equal(gv_locale_parse(NULL, &l, &err), GV_EUSAGE);
    assert_int_equal(gv_locale_parse("vi", NULL, &err), GV_EUSAGE);
}

#define DEC(...)                                                              \
    gv_format_decimals_for(                                                   \
        (const double[]){__VA_ARGS__},                                        \
        sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

static void test_decimals_for(void **state) {
    (void)state;
    /* Integers, whatever their spacing: 0. */
    assert_int_equal(DEC(0, 1000, 5000, 20000), 0);
    assert_int_equal(DEC(1, 2, 3, 4), 0);
    assert_int_equal(DEC(12, 13), 0);
    /* Non-integers 100 or more apart: 0 (density in people/km²). */
    assert_int_equal(DEC(45.7, 210.3, 987.25, 4103.9), 0);
    /* Gaps of 10..99: 1 decimal. */
    assert_int_equal(DEC(12.34, 45.67, 78.9), 1);
    /* Gaps of 1..9.99: 2 decimals (rates per 10,000). */
    assert_int_equal(DEC(0.8, 2.35, 5.125, 9.5), 2);
    /* Shares as fractions: gaps around 0.1 → 3 decimals... */
    assert_int_equal(DEC(0.1234, 0.2567, 0.4011), 3);
    /* ...unless the trailing ones are zero everywhere. */
    assert_int_equal(DEC(0, 0.25, 0.5, 0.75, 1), 2);
    assert_int_equal(DEC(0.1, 0.2, 0.3), 1); /* 0.1+0.2 style noise ignored */
    assert_int_equal(DEC(0.1, 0.2, 0.1 + 0.2), 1);
    /* Percentages with one decimal. */
    assert_int_equal(DEC(10.5, 20.5, 31.5), 1);
    /* Tiny gaps: capped at 6. */
    assert_int_equal(DEC(0.000001234, 0.000001235), 6);
    assert_int_equal(DEC(1, 1 + 1e-12), 0); /* indistinguishable: 1.000000 */
    /* One distinct value: three significant digits of it. */
    assert_int_equal(DEC(3.14159), 2);
    assert_int_equal(DEC(2.5, 2.5), 1);
    assert_int_equal(DEC(1234.5), 0);
    /* Non-finite edges are ignored; nothing left → 0. */
    assert_int_equal(DEC(NAN, 1.5, INFINITY, 2.75), 2);
    assert_int_equal(DEC(NAN, INFINITY), 0);
    assert_int_equal(DEC(0, 0), 0);
    assert_int_equal(gv_format_decimals_for(NULL, 3), 0);
    assert_int_equal(gv_format_decimals_for((const double[]){1.5}, 0), 0);
    /* Extreme values. */
    assert_int_equal(DEC(-1.7e308, 1.7e308), 0);
    assert_int_equal(DEC(1e-300, 2e-300), 0); /* both print as 0.000000 */

    /* Whenever the smallest gap is at least 1e-4 (so the cap is not
     * reached), distinct edges print distinct: random edge sets over nine
     * scales (fixed seed). */
    uint64_t s = 42;
    for (int it = 0; it < 2000; it++) {
        double e[8];
        double scale = pow(10, (double)(it % 9) - 3);
        for (int i = 0; i < 8; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            e[i] = (double)(s >> 11) / 9007199254740992.0 * scale * 100;
        }
        int d = gv_format_decimals_for(e, 8);
        assert_in_range(d, 0, 6);
        double gap = INFINITY;
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < i; j++)
                if (e[i] != e[j]) gap = fmin(gap, fabs(e[i] - e[j]));
        if (gap < 1e-4) continue;
        char a[128], b[128];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < i; j++) {
                if (e[i] == e[j]) continue;
                gv_format_number(e[i], d, GV_LOCALE_VI, a, sizeof a);
                gv_format_number(e[j], d, GV_LOCALE_VI, b, sizeof b);
                assert_string_not_equal(a, b);
            }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_compare_brute),
        cmocka_unit_test(test_nonfinite_and_limits),
        cmocka_unit_test(test_process_locale),
        cmocka_unit_test(test_locale_parse),
        cmocka_unit_test(test_decimals_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
