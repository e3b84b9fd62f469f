/* test_palette.c: cmocka tests for render/palette.c. Expected colours are
 * copied from the cited source (npm "colorbrewer" 1.7.0, index.js; the
 * same values appear as rgb() in github.com/axismaps/colorbrewer
 * colorbrewer_schemes.js), not from palette.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "geovoice/palette.h"

#define NV(a) (sizeof(a) / sizeof((a)[0]))

static void expect_colors(const char *name, size_t k, int reverse, const unsigned int *want) {
    unsigned int got[16];
    gv_error err;
    gv_error_clear(&err);
    if (gv_palette_colors(name, k, reverse, got, &err) != GV_OK)
        fail_msg("%s %zu: %s", name, k, err.msg);
    for (size_t i = 0; i < k; i++)
        if (got[i] != want[i])
            fail_msg("%s %zu%s colour %zu: got #%06x want #%06x", name, k, reverse ? " reversed" : "",
                     i, got[i], want[i]);
}

static void test_known_values(void **state) {
    (void)state;
    /* colorbrewer YlOrRd[5]: #ffffb2 #fecc5c #fd8d3c #f03b20 #bd0026 */
    expect_colors("YlOrRd", 5, 0, (unsigned[]){0xffffb2, 0xfecc5c, 0xfd8d3c, 0xf03b20, 0xbd0026});
    /* Blues[3]: #deebf7 #9ecae1 #3182bd */
    expect_colors("Blues", 3, 0, (unsigned[]){0xdeebf7, 0x9ecae1, 0x3182bd});
    /* Blues[9] */
    expect_colors("Blues", 9, 0,
                  (unsigned[]){0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6,
                               0x2171b5, 0x08519c, 0x08306b});
    /* RdBu[11]; axismaps: rgb(103,0,31) ... rgb(247,247,247) ... rgb(5,48,97) */
    expect_colors("RdBu", 11, 0,
                  (unsigned[]){0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7,
                               0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061});
    /* Spectral[3]; axismaps: rgb(252,141,89) rgb(255,255,191) rgb(153,213,148) */
    expect_colors("Spectral", 3, 0, (unsigned[]){0xfc8d59, 0xffffbf, 0x99d594});
    /* PuOr[4]; axismaps: rgb(230,97,1) rgb(253,184,99) rgb(178,171,210) rgb(94,60,153) */
    expect_colors("PuOr", 4, 0, (unsigned[]){0xe66101, 0xfdb863, 0xb2abd2, 0x5e3c99});
    /* Greys[9] runs from white to black. */
    expect_colors("Greys", 9, 0,
                  (unsigned[]){0xffffff, 0xf0f0f0, 0xd9d9d9, 0xbdbdbd, 0x969696, 0x737373,
                               0x525252, 0x252525, 0x000000});
    /* Paired[12], the largest scheme. */
    expect_colors("Paired", 12, 0,
                  (unsigned[]){0xa6cee3, 0x1f78b4, 0xb2df8a, 0x33a02c, 0xfb9a99, 0xe31a1c,
                               0xfdbf6f, 0xff7f00, 0xcab2d6, 0x6a3d9a, 0xffff99, 0xb15928});
}

static void test_case_and_reverse(void **state) {
    (void)state;
    expect_colors("ylorrd", 5, 0, (unsigned[]){0xffffb2, 0xfecc5c, 0xfd8d3c, 0xf03b20, 0xbd0026});
    expect_colors("YLORRD", 5, 1, (unsigned[]){0xbd0026, 0xf03b20, 0xfd8d3c, 0xfecc5c, 0xffffb2});
    expect_colors("Blues", 3, 1, (unsigned[]){0x3182bd, 0x9ecae1, 0xdeebf7});
    /* Even length reversal. */
    expect_colors("PuOr", 4, 1, (unsigned[]){0x5e3c99, 0xb2abd2, 0xfdb863, 0xe66101});
}

static void test_small_k(void **state) {
    (void)state;
    /* From the 3-class scheme: k=1 the middle, k=2 the ends (documented). */
    expect_colors("Blues", 1, 0, (unsigned[]){0x9ecae1});
    expect_colors("Blues", 2, 0, (unsigned[]){0xdeebf7, 0x3182bd});
    expect_colors("Blues", 2, 1, (unsigned[]){0x3182bd, 0xdeebf7});
    expect_colors("Spectral", 2, 0, (unsigned[]){0xfc8d59, 0x99d594});
    expect_colors("Spectral", 1, 0, (unsigned[]){0xffffbf});
    /* Qualitative: the first colours. Set2[3] = #66c2a5 #fc8d62 #8da0cb. */
    expect_colors("Set2", 2, 0, (unsigned[]){0x66c2a5, 0xfc8d62});
    expect_colors("Set2", 1, 0, (unsigned[]){0x66c2a5});
}

static void test_catalogue(void **state) {
    (void)state;
    size_t nseq = 0, ndiv = 0, nqual = 0;
    assert_int_equal(gv_palette_count(), 35);
    assert_null(gv_palette_name(gv_palette_count()));
    for (size_t i = 0; i < gv_palette_count(); i++) {
        const char *name = gv_palette_name(i);
        assert_non_null(name);
        int kind = gv_palette_kind(name);
        size_t max = gv_palette_max_classes(name);
        switch (kind) {
        case GV_PALETTE_SEQUENTIAL: nseq++; assert_int_equal(max, 9); break;
        case GV_PALETTE_DIVERGING: ndiv++; assert_int_equal(max, 11); break;
        case GV_PALETTE_QUALITATIVE: nqual++; assert_true(max >= 8 && max <= 12); break;
        default: fail_msg("%s: kind %d", name, kind);
        }
        /* Every k from 1 to max works and max+1 does not. */
        for (size_t k = 1; k <= max; k++) {
            unsigned int c[16], r[16];
            assert_int_equal(gv_palette_colors(name, k, 0, c, NULL), GV_OK);
            assert_int_equal(gv_palette_colors(name, k, 1, r, NULL), GV_OK);
            for (size_t j = 0; j < k; j++) {
                assert_true(c[j] <= 0xffffff);
                assert_int_equal(c[j], r[k - 1 - j]);
                /* A scheme never repeats a colour within one k. */
                for (size_t l = 0; l < j; l++) assert_true(c[l] != c[j]);
            }
            /* Sequential schemes go from light to dark: a scrambled table
             * would break this. Luma with Rec. 601 weights. */
            if (kind == GV_PALETTE_SEQUENTIAL)
                for (size_t j = 1; j < k; j++) {
                    unsigned a = c[j - 1], b = c[j];
                    unsigned la = 299 * (a >> 16) + 587 * ((a >> 8) & 255) + 114 * (a & 255);
                    unsigned lb = 299 * (b >> 16) + 587 * ((b >> 8) & 255) + 114 * (b & 255);
                    if (!(la > lb)) fail_msg("%s %zu: colour %zu not darker", name, k, j);
                }
        }
        unsigned int c[16];
        gv_error err;
        assert_int_equal(gv_palette_colors(name, max + 1, 0, c, &err), GV_EUSAGE);
    }
    assert_int_equal(nseq, 18);
    assert_int_equal(ndiv, 9);
    assert_int_equal(nqual, 8);
    static const char *seq[] = {"Blues", "BuGn", "BuPu", "GnBu", "Greens", "Greys",
                                "OrRd", "Oranges", "PuBu", "PuBuGn", "PuRd", "Purples",
                                "RdPu", "Reds", "YlGn", "YlGnBu", "YlOrBr", "YlOrRd"};
    static const char *div[] = {"BrBG", "PiYG", "PRGn", "PuOr", "RdBu",
                                "RdGy", "RdYlBu", "RdYlGn", "Spectral"};
    for (size_t i = 0; i < NV(seq); i++) assert_int_equal(gv_palette_kind(seq[i]), 1);
    for (size_t i = 0; i < NV(div); i++) assert_int_equal(gv_palette_kind(div[i]), 2);
    assert_int_equal(gv_palette_kind("Set1"), GV_PALETTE_QUALITATIVE);
    assert_int_equal(gv_palette_kind("nope"), GV_PALETTE_UNKNOWN);
    assert_int_equal(gv_palette_kind(NULL), GV_PALETTE_UNKNOWN);
    assert_int_equal(gv_palette_max_classes("nope"), 0);
}

static void test_errors(void **state) {
    (void)state;
    unsigned int c[16];
    gv_error err;
    assert_int_equal(gv_palette_colors("Viridis", 5, 0, c, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown palette 'Viridis' (known: Blues, BuGn,"));
    assert_non_null(strstr(err.msg, "YlOrRd"));
    assert_non_null(strstr(err.msg, "Set3)"));
    assert_int_equal(gv_palette_colors("YlOrRd", 10, 0, c, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "palette YlOrRd has at most 9 classes"));
    assert_int_equal(gv_palette_colors("rdbu", 12, 0, c, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "palette RdBu has at most 11 classes"));
    assert_int_equal(gv_palette_colors("Blues", 0, 0, c, &err), GV_EUSAGE);
    assert_int_equal(gv_palette_colors(NULL, 3, 0, c, &err), GV_EUSAGE);
    assert_int_equal(gv_palette_colors("Blues", 3, 0, NULL, &err), GV_EUSAGE);
    assert_int_equal(gv_palette_colors("Blue", 3, 0, c, NULL), GV_EUSAGE);
    assert_int_equal(gv_palette_colors("", 3, 0, c, NULL), GV_EUSAGE);
    /* Prefix of a longer name must not match. */
    assert_int_equal(gv_palette_colors("PuBuG", 3, 0, c, NULL), GV_EUSAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_case_and_reverse),
        cmocka_unit_test(test_small_k),
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
