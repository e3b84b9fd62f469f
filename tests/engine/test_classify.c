/* test_classify.c: cmocka tests for engine/classify.c. Expected breaks are
 * derived by hand in the comments; Fisher-Jenks is also checked against a
 * brute-force enumeration of every contiguous partition (small n) and a
 * plain O(k n^2) dynamic programme (medium n), on fixed seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/classify.h"

#define NV(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------- */

/* splitmix64: a fixed, platform-independent generator so seeds replay the
 * same inputs everywhere (rand() differs between libcs). */
static uint64_t rng_next(uint64_t *st) {
    uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rng_unit(uint64_t *st) { return (double)(rng_next(st) >> 11) * 0x1p-53; }

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Invariants every successful result must satisfy (checkConsistency). */
static void check_invariants(const double *v, size_t n, const gv_breaks *b) {
    assert_true(b->k >= 1 && b->k <= GV_CLASSES_MAX);
    assert_true(b->edges[0] <= b->edges[1]);
    for (size_t i = 1; i < b->k; i++) assert_true(b->edges[i] < b->edges[i + 1]);
    size_t sum = 0, miss = 0, outside = 0;
    for (size_t i = 0; i < b->k; i++) sum += b->counts[i];
    for (size_t i = b->k; i < GV_CLASSES_MAX; i++) assert_int_equal(b->counts[i], 0);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) miss++;
        else if (gv_breaks_class(b, v[i]) < 0) outside++;
    }
    assert_int_equal(b->n_missing, miss);
    assert_int_equal(b->n_outside, outside);
    assert_int_equal(sum + b->n_missing + b->n_outside, n);
    assert_int_equal(b->reduced, b->note[0] != '\0');
}

static gv_breaks run(const double *v, size_t n, gv_classify_method m, size_t k) {
    gv_classify_spec spec = {.method = m, .k = k};
    gv_breaks b;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_classify(v, n, &spec, &b, &err);
    if (rc != GV_OK) fail_msg("gv_classify: %s", err.msg);
    check_invariants(v, n, &b);
    return b;
}

static void assert_edges(const gv_breaks *b, const double *want, size_t k) {
    assert_int_equal(b->k, k);
    for (size_t i = 0; i <= k; i++)
        if (fabs(b->edges[i] - want[i]) > 1e-12 * (1 + fabs(want[i])))
            fail_msg("edge %zu: got %.17g want %.17g", i, b->edges[i], want[i]);
}

static void assert_counts(const gv_breaks *b, const size_t *want) {
    for (size_t i = 0; i < b->k; i++) assert_int_equal(b->counts[i], want[i]);
}

/* SSD of the sorted values s[lo..hi-1] around their mean (two passes, the
 * textbook formula, independent of classify.c's prefix sums). */
static double ssd(const double *s, size_t lo, size_t hi) {
    double mean = 0;
    for (size_t i = lo; i < hi; i++) mean += s[i];
    mean /= (double)(hi - lo);
    double r = 0;
    for (size_t i = lo; i < hi; i++) r += (s[i] - mean) * (s[i] - mean);
    return r;
}

/* Total within-class SSD of the classes that b assigns to the sorted
 * values s[0..n-1]. */
static double breaks_ssd(const gv_breaks *b, const double *s, size_t n) {
    double tot = 0;
    size_t lo = 0;
    while (lo < n) {
        int c = gv_breaks_class(b, s[lo]);
        assert_true(c >= 0);
        size_t hi = lo + 1;
        while (hi < n && gv_breaks_class(b, s[hi]) == c) hi++;
        tot += ssd(s, lo, hi);
        lo = hi;
    }
    return tot;
}

/* Minimum total SSD over all partitions of s[0..n-1] into k contiguous
 * non-empty groups, by enumerating every choice of k-1 cut positions. */
static double brute_min(const double *s, size_t n, size_t k, size_t start, size_t groups) {
    if (groups == 1) return ssd(s, start, n);
    double best = INFINITY;
    for (size_t end = start + 1; end + groups - 1 <= n; end++) {
        double c = ssd(s, start, end) + brute_min(s, n, k, end, groups - 1);
        if (c < best) best = c;
    }
    return best;
}

/* Plain O(k n^2) Fisher DP over all sorted values (ties may be split),
 * as a reference for sizes brute force cannot reach. */
static double plain_dp(const double *s, size_t n, size_t k) {
    double *prev = malloc(n * sizeof *prev), *cur = malloc(n * sizeof *cur);
    assert_non_null(prev);
    assert_non_null(cur);
    /* Running sums from the right end so each row costs O(n^2) total. */
    for (size_t j = 0; j < n; j++) prev[j] = ssd(s, 0, j + 1);
    for (size_t r = 1; r < k; r++) {
        for (size_t j = r; j < n; j++) {
            double best = INFINITY, sum = 0, sq = 0;
            double shift = s[j];
            for (size_t i = j + 1; i-- > r;) { /* last group s[i..j] */
                double x = s[i] - shift;
                sum += x;
                sq += x * x;
                double w = (double)(j - i + 1);
                double c = sq - sum * sum / w;
                if (c < 0) c = 0;
                if (prev[i - 1] + c < best) best = prev[i - 1] + c;
            }
            cur[j] = best;
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double r = prev[n - 1];
    free(prev);
    free(cur);
    return r;
}

/* ---- parse ------------------------------------------------------------ */

static void test_parse_ok(void **state) {
    (void)state;
    gv_classify_spec s;
    assert_int_equal(gv_classify_parse("quantile", &s, NULL), GV_OK);
    assert_int_equal(s.method, GV_CLASSIFY_QUANTILE);
    assert_int_equal(s.k, 5);
    assert_int_equal(gv_classify_parse("quantile:7", &s, NULL), GV_OK);
    assert_int_equal(s.k, 7);
    assert_int_equal(gv_classify_parse("equal:4", &s, NULL), GV_OK);
    assert_int_equal(s.method, GV_CLASSIFY_EQUAL);
    assert_int_equal(s.k, 4);
    assert_int_equal(gv_classify_parse("Jenks:16", &s, NULL), GV_OK);
    assert_int_equal(s.method, GV_CLASSIFY_JENKS);
    assert_int_equal(s.k, 16);
    assert_int_equal(gv_classify_parse("jenks:1", &s, NULL), GV_OK);
    assert_int_equal(s.k, 1);
    assert_int_equal(gv_classify_parse("manual:0,50,100,500", &s, NULL), GV_OK);
    assert_int_equal(s.method, GV_CLASSIFY_MANUAL);
    assert_int_equal(s.nmanual, 4);
    assert_int_equal(s.k, 3);
    assert_true(s.manual[0] == 0 && s.manual[1] == 50 && s.manual[2] == 100 &&
                s.manual[3] == 500);
    assert_int_equal(gv_classify_parse("manual:-1.5, 2e3", &s, NULL), GV_OK);
    assert_int_equal(s.nmanual, 2);
    assert_true(s.manual[0] == -1.5 && s.manual[1] == 2000);
    /* 17 edges = 16 classes is the maximum. */
    assert_int_equal(gv_classify_parse("manual:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", &s, NULL),
                     GV_OK);
    assert_int_equal(s.k, 16);

    assert_string_equal(gv_classify_method_str(GV_CLASSIFY_QUANTILE), "quantile");
    assert_string_equal(gv_classify_method_str(GV_CLASSIFY_EQUAL), "equal");
    assert_string_equal(gv_classify_method_str(GV_CLASSIFY_JENKS), "jenks");
    assert_string_equal(gv_classify_method_str(GV_CLASSIFY_MANUAL), "manual");
    assert_string_equal(gv_classify_method_str((gv_classify_method)42), "unknown");
}

static void test_parse_errors(void **state) {
    (void)state;
    static const struct {
        const char *text, *msg_part;
    } bad[] = {
        {"", "unknown method"},
        {"kmeans:5", "unknown method 'kmeans'"},
        {"quantiles", "unknown method"},
        {"quantile:", "missing number"},
        {"quantile:0", "1 to 16"},
        {"quantile:17", "1 to 16"},
        {"quantile:99999999999999999999999", "1 to 16"},
        {"quantile:-3", "whole number"},
        {"quantile: 5", "whole number"},
        {"equal:5x", "whole number"},
        {"jenks:2.5", "whole number"},
        {"manual", "at least 2 edges"},
        {"manual:", "at least 2 edges"},
        {"manual:10", "at least 2 edges"},
        {"manual:1,1", "strictly increasing"},
        {"manual:2,1", "strictly increasing"},
        {"manual:1,x", "edge 2 is not a number"},
        {"manual:1,,2", "edge 2 is not a number"},
        {"manual:1,2,", "edge 3 is not a number"},
        {"manual:1,inf", "not a finite number"},
        {"manual:nan,1", "not a finite number"},
        {"manual:1,1e999", "not a finite number"},
        {"manual:1e-320,0", "strictly increasing"}, /* underflow is a number */
        {"manual:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "at most 17 edges"},
    };
    for (size_t i = 0; i < NV(bad); i++) {
        gv_classify_spec s;
        gv_error err;
        gv_error_clear(&err);
        int rc = gv_classify_parse(bad[i].text, &s, &err);
        if (rc != GV_EUSAGE) fail_msg("'%s' accepted (rc %d)", bad[i].text, rc);
        assert_int_equal(err.code, GV_EUSAGE);
        if (!strstr(err.msg, bad[i].msg_part))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err.msg, bad[i].msg_part);
        /* NULL err is allowed. */
        assert_int_equal(gv_classify_parse(bad[i].text, &s, NULL), GV_EUSAGE);
    }
    gv_classify_spec s;
    assert_int_equal(gv_classify_parse(NULL, &s, NULL), GV_EUSAGE);
    assert_int_equal(gv_classify_parse("quantile", NULL, NULL), GV_EUSAGE);
}

/* ---- class lookup ----------------------------------------------------- */

static void test_breaks_class(void **state) {
    (void)state;
    gv_breaks b = {.k = 2, .edges = {0, 2, 4}};
    assert_int_equal(gv_breaks_class(&b, 0), 0);  /* == edges[0]: class 0 */
    assert_int_equal(gv_breaks_class(&b, 1), 0);
    assert_int_equal(gv_breaks_class(&b, 2), 0);  /* upper bound inclusive */
    assert_int_equal(gv_breaks_class(&b, nextafter(2, 3)), 1);
    assert_int_equal(gv_breaks_class(&b, 4), 1);
    assert_int_equal(gv_breaks_class(&b, nextafter(4, 5)), -1);
    assert_int_equal(gv_breaks_class(&b, nextafter(0, -1)), -1);
    assert_int_equal(gv_breaks_class(&b, NAN), -1);
    assert_int_equal(gv_breaks_class(&b, INFINITY), -1);
    assert_int_equal(gv_breaks_class(&b, -INFINITY), -1);
    assert_int_equal(gv_breaks_class(NULL, 1), -1);
    gv_breaks empty = {0};
    assert_int_equal(gv_breaks_class(&empty, 0), -1);
    /* Degenerate class 0 (edges[0] == edges[1]): only the minimum. */
    gv_breaks d = {.k = 2, .edges = {0, 0, 5}};
    assert_int_equal(gv_breaks_class(&d, 0), 0);
    assert_int_equal(gv_breaks_class(&d, 1e-300), 1);
    assert_int_equal(gv_breaks_class(&d, 5), 1);
    /* Many classes: exercise the binary search at every boundary. */
    gv_breaks m = {.k = 16};
    for (int i = 0; i <= 16; i++) m.edges[i] = i * 10;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(gv_breaks_class(&m, i * 10 + 5), i);
        assert_int_equal(gv_breaks_class(&m, (i + 1) * 10), i);
    }
}

/* ---- equal ------------------------------------------------------------ */

static void test_equal(void **state) {
    (void)state;
    /* 0..10, k=5: width (10-0)/5 = 2, edges 0,2,4,6,8,10.
     * Class 0 [0,2] = {0,1,2}; then (2,4]={3,4}, (4,6]={5,6}, (6,8]={7,8},
     * (8,10]={9,10}. */
    double v[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    gv_breaks b = run(v, NV(v), GV_CLASSIFY_EQUAL, 5);
    assert_edges(&b, (double[]){0, 2, 4, 6, 8, 10}, 5);
    assert_counts(&b, (size_t[]){3, 2, 2, 2, 2});
    assert_int_equal(b.reduced, 0);
    assert_string_equal(b.note, "");

    /* {1, 2, 100}, k=3: width 99/3 = 33, edges 1,34,67,100; the middle
     * class is empty: counts {2,0,1}. Empty classes are normal for equal. */
    double w[] = {1, 2, 100};
    b = run(w, NV(w), GV_CLASSIFY_EQUAL, 3);
    assert_edges(&b, (double[]){1, 34, 67, 100}, 3);
    assert_counts(&b, (size_t[]){2, 0, 1});

    /* A range wider than DBL_MAX: max - min overflows, the interpolated
     * middle edge of k=2 is exactly 0. */
    double big[] = {-1e308, 1e308, 5};
    b = run(big, NV(big), GV_CLASSIFY_EQUAL, 2);
    assert_edges(&b, (double[]){-1e308, 0, 1e308}, 2);
    assert_counts(&b, (size_t[]){1, 2});

    /* Three adjacent doubles, k=3: width 2 ulp / 3 cannot be represented,
     * 1 + w rounds to 1 and 1 + 2w to 1 + 1ulp (ties to even), so the first
     * edge collapses onto min and is dropped. Edges {1, 1+ulp, 1+2ulp}: 2
     * classes, [1, 1+ulp] and (1+ulp, 1+2ulp], reduced with a note. */
    double ulp = 0x1p-52;
    double nar[] = {1, 1 + ulp, 1 + 2 * ulp};
    b = run(nar, NV(nar), GV_CLASSIFY_EQUAL, 3);
    assert_edges(&b, (double[]){1, 1 + ulp, 1 + 2 * ulp}, 2);
    assert_counts(&b, (size_t[]){2, 1});
    assert_int_equal(b.reduced, 1);
    assert_non_null(strstr(b.note, "too narrow for 3 equal intervals: 2 classes"));
}

/* ---- quantile --------------------------------------------------------- */

static void test_quantile(void **state) {
    (void)state;
    /* 1..10, k=4, m=10: edge i = s[ceil(i*10/4)-1]:
     * i=1 ceil(2.5)=3 -> s[2]=3; i=2 ceil(5)=5 -> s[4]=5;
     * i=3 ceil(7.5)=8 -> s[7]=8; i=4 -> s[9]=10. Edges 1,3,5,8,10,
     * counts [1,3]=3, (3,5]=2, (5,8]=3, (8,10]=2. */
    double v[] = {5, 3, 8, 1, 10, 2, 4, 6, 7, 9};
    gv_breaks b = run(v, NV(v), GV_CLASSIFY_QUANTILE, 4);
    assert_edges(&b, (double[]){1, 3, 5, 8, 10}, 4);
    assert_counts(&b, (size_t[]){3, 2, 3, 2});
    assert_int_equal(b.reduced, 0);

    /* 1..9, k=3: s[2]=3, s[5]=6, s[8]=9 -> three classes of 3. */
    double t[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    b = run(t, NV(t), GV_CLASSIFY_QUANTILE, 3);
    assert_edges(&b, (double[]){1, 3, 6, 9}, 3);
    assert_counts(&b, (size_t[]){3, 3, 3});
}

static void test_quantile_ties(void **state) {
    (void)state;
    /* Ties at the minimum: s = {0,0,0,0,1,2,3,4,5,6}, k=5, m=10:
     * edge i = s[2i-1]: s[1]=0, s[3]=0, s[5]=2, s[7]=4, s[9]=6.
     * The two 0 bounds collapse into one; class 0 is the value 0 alone
     * (edges[0]==edges[1]==0). Edges 0,0,2,4,6: 4 classes, counts
     * {0}x4=4, (0,2]={1,2}=2, (2,4]={3,4}=2, (4,6]={5,6}=2. */
    double v[] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6};
    gv_breaks b = run(v, NV(v), GV_CLASSIFY_QUANTILE, 5);
    assert_edges(&b, (double[]){0, 0, 2, 4, 6}, 4);
    assert_counts(&b, (size_t[]){4, 2, 2, 2});
    assert_int_equal(b.reduced, 1);
    assert_non_null(strstr(b.note, "4 classes instead of 5"));

    /* Ties in the middle: s = {1,2,3,3,3,3,3,3,4,5}, k=5: s[1]=2, s[3]=3,
     * s[5]=3, s[7]=3, s[9]=5 -> bounds 2,3,5. Edges 1,2,3,5, counts
     * [1,2]=2, (2,3]=6, (3,5]=2. */
    double w[] = {3, 1, 3, 2, 3, 3, 5, 3, 4, 3};
    b = run(w, NV(w), GV_CLASSIFY_QUANTILE, 5);
    assert_edges(&b, (double[]){1, 2, 3, 5}, 3);
    assert_counts(&b, (size_t[]){2, 6, 2});
    assert_int_equal(b.reduced, 1);
    assert_non_null(strstr(b.note, "3 classes instead of 5"));
}

/* ---- jenks ------------------------------------------------------------ */

static void test_jenks_known(void **state) {
    (void)state;
    /* Three clusters, k=3: {1,2,3},{10,11,12},{20,21,22}, each with mean
     * at its middle and SSD 1+0+1 = 2, total 6. Moving any boundary
     * value makes a group straddle a gap of >= 7, e.g. {1,2,3,10} has
     * mean 4 and SSD 9+4+1+36 = 50. Upper bounds 3, 12, 22. */
    double v[] = {22, 1, 11, 2, 20, 3, 10, 21, 12};
    gv_breaks b = run(v, NV(v), GV_CLASSIFY_JENKS, 3);
    assert_edges(&b, (double[]){1, 3, 12, 22}, 3);
    assert_counts(&b, (size_t[]){3, 3, 3});
    double s[NV(v)];
    memcpy(s, v, sizeof s);
    qsort(s, NV(s), sizeof s[0], cmp_d);
    assert_true(fabs(breaks_ssd(&b, s, NV(s)) - 6.0) < 1e-12);

    /* Outlier minimum, k=2: {0} | {100,101,102} costs 0 + (1+0+1) = 2;
     * {0,100} | {101,102} costs 5000 + 0.5. Class 0 is the minimum alone,
     * written edges {0, 0, 102}. */
    double o[] = {100, 0, 102, 101};
    b = run(o, NV(o), GV_CLASSIFY_JENKS, 2);
    assert_edges(&b, (double[]){0, 0, 102}, 2);
    assert_counts(&b, (size_t[]){1, 3});

    /* Ties (weights), k=2 on {1,1,1,1,5,6,9}:
     *   {1,1,1,1} | {5,6,9}: 0 + (mean 20/3: 25/9+4/9+49/9 = 78/9) = 8.667
     *   {1,1,1,1,5} | {6,9}: (mean 1.8: 4*0.64+10.24 = 12.8) + 4.5 = 17.3
     *   {1,..,6} | {9}: (mean 2.5: 4*2.25+6.25+12.25 = 27.5) + 0
     * Best: upper bounds 1 and 9, edges {1, 1, 9}. */
    double t[] = {5, 1, 9, 1, 6, 1, 1};
    b = run(t, NV(t), GV_CLASSIFY_JENKS, 2);
    assert_edges(&b, (double[]){1, 1, 9}, 2);
    assert_counts(&b, (size_t[]){4, 3});

    /* k=1: one class over [min, max]. */
    b = run(t, NV(t), GV_CLASSIFY_JENKS, 1);
    assert_edges(&b, (double[]){1, 9}, 1);

    /* Huge magnitudes: squares would overflow without scaling.
     * {-1e308, -9e307} | {9e307, 1e308}: the gap 1.8e308 dominates. */
    double h[] = {1e308, -1e308, 9e307, -9e307};
    b = run(h, NV(h), GV_CLASSIFY_JENKS, 2);
    assert_edges(&b, (double[]){-1e308, -9e307, 1e308}, 2);

    /* Large offset, small spread: {1e9+1,1e9+2,1e9+3} | {1e9+10,..,+12}. */
    double f[] = {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 10, 1e9 + 11, 1e9 + 12};
    b = run(f, NV(f), GV_CLASSIFY_JENKS, 2);
    assert_edges(&b, (double[]){1e9 + 1, 1e9 + 3, 1e9 + 12}, 2);
}

/* Every seed that ever failed stays in this list. */
static const uint64_t brute_seeds[] = {1, 2, 3, 42, 1234, 98765, 0xdeadbeef, 20240601};

static void test_jenks_brute_force(void **state) {
    (void)state;
    size_t cases = 0;
    for (size_t si = 0; si < NV(brute_seeds); si++) {
        uint64_t st = brute_seeds[si];
        for (int rep = 0; rep < 200; rep++) {
            size_t k = 1 + rng_next(&st) % 4;
            size_t n = k + rng_next(&st) % (11 - k); /* k..10 */
            double v[10], s[10];
            /* Half the cases draw small integers so ties are common. */
            int ints = rng_next(&st) & 1;
            for (size_t i = 0; i < n; i++)
                v[i] = ints ? (double)(rng_next(&st) % 8) : rng_unit(&st) * 100 - 50;
            gv_breaks b = run(v, n, GV_CLASSIFY_JENKS, k);
            memcpy(s, v, n * sizeof *v);
            qsort(s, n, sizeof *s, cmp_d);
            size_t d = 1;
            for (size_t i = 1; i < n; i++) d += s[i] != s[i - 1];
            if (d >= k) {
                assert_int_equal(b.k, k);
                assert_int_equal(b.reduced, 0);
            } else {
                assert_int_equal(b.k, d);
                assert_int_equal(b.reduced, 1);
            }
            double got = breaks_ssd(&b, s, n), want = brute_min(s, n, k, 0, k);
            if (fabs(got - want) > 1e-9 * (1 + want))
                fail_msg("seed %llu rep %d n=%zu k=%zu: jenks SSD %.17g, brute force %.17g",
                         (unsigned long long)brute_seeds[si], rep, n, k, got, want);
            /* Class upper bounds are data values. */
            for (size_t i = 1; i <= b.k; i++) {
                int found = 0;
                for (size_t j = 0; j < n; j++) found |= s[j] == b.edges[i];
                assert_true(found);
            }
            cases++;
        }
    }
    assert_int_equal(cases, 200 * NV(brute_seeds));
}

static const uint64_t dp_seeds[] = {7, 99, 31337, 0xc0ffee};

/* Divide-and-conquer DP against the plain O(k n^2) DP on a few hundred
 * values, with and without ties, all k. */
static void test_jenks_vs_plain_dp(void **state) {
    (void)state;
    for (size_t si = 0; si < NV(dp_seeds); si++) {
        uint64_t st = dp_seeds[si];
        for (int rep = 0; rep < 6; rep++) {
            size_t n = 50 + rng_next(&st) % 400;
            double *v = malloc(n * sizeof *v);
            assert_non_null(v);
            for (size_t i = 0; i < n; i++) {
                switch (rep % 3) {
                case 0: v[i] = rng_unit(&st) * 1000; break;
                case 1: v[i] = (double)(rng_next(&st) % 40); break; /* heavy ties */
                default: v[i] = exp(rng_unit(&st) * 10); break;    /* skewed */
                }
            }
            qsort(v, n, sizeof *v, cmp_d);
            for (size_t k = 1; k <= GV_CLASSES_MAX; k++) {
                gv_breaks b = run(v, n, GV_CLASSIFY_JENKS, k);
                double got = breaks_ssd(&b, v, n), want = plain_dp(v, n, k);
                if (fabs(got - want) > 1e-9 * (1 + want))
                    fail_msg("seed %llu rep %d n=%zu k=%zu: jenks SSD %.17g, plain DP %.17g",
                             (unsigned long long)dp_seeds[si], rep, n, k, got, want);
            }
            free(v);
        }
    }
}

/* 20,000 distinct values, k=16: must finish quickly (a plain O(k n^2)
 * DP would need ~3e9 steps) and be deterministic. */
static void test_jenks_large(void **state) {
    (void)state;
    size_t n = 20000;
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    uint64_t st = 555;
    for (size_t i = 0; i < n; i++) v[i] = rng_unit(&st) * rng_unit(&st) * 1e6;
    gv_breaks a = run(v, n, GV_CLASSIFY_JENKS, 16);
    gv_breaks b = run(v, n, GV_CLASSIFY_JENKS, 16);
    assert_int_equal(a.k, 16);
    assert_memory_equal(&a, &b, sizeof a);
    free(v);
}

/* ---- shared edge cases ------------------------------------------------- */

static void test_missing_values(void **state) {
    (void)state;
    /* NaN and +-inf are no data; the rest is 1..4, equal k=2: edges
     * 1, 2.5, 4, counts {1,2} and {3,4}. */
    double v[] = {NAN, 1, INFINITY, 2, -INFINITY, 3, 4, NAN};
    gv_breaks b = run(v, NV(v), GV_CLASSIFY_EQUAL, 2);
    assert_edges(&b, (double[]){1, 2.5, 4}, 2);
    assert_counts(&b, (size_t[]){2, 2});
    assert_int_equal(b.n_missing, 4);
    assert_int_equal(b.n_outside, 0);

    /* -0.0 and 0.0 are one value: {-0,0,1} has 2 distinct values. */
    double z[] = {-0.0, 0.0, 1};
    b = run(z, NV(z), GV_CLASSIFY_JENKS, 3);
    assert_int_equal(b.k, 2);
    assert_false(signbit(b.edges[0]));
    assert_counts(&b, (size_t[]){2, 1});
}

static void test_few_distinct(void **state) {
    (void)state;
    gv_classify_method methods[] = {GV_CLASSIFY_QUANTILE, GV_CLASSIFY_EQUAL,
                                    GV_CLASSIFY_JENKS};
    for (size_t mi = 0; mi < NV(methods); mi++) {
        /* 3 distinct values {1,2,3} (2 twice), k=5: each value its own
         * class: edges {1,1,2,3}, counts {1,2,1}. */
        double v[] = {3, 2, NAN, 1, 2};
        gv_breaks b = run(v, NV(v), methods[mi], 5);
        assert_edges(&b, (double[]){1, 1, 2, 3}, 3);
        assert_counts(&b, (size_t[]){1, 2, 1});
        assert_int_equal(b.n_missing, 1);
        assert_int_equal(b.reduced, 1);
        assert_string_equal(b.note, "3 distinct values: 3 classes instead of 5");
        assert_int_equal(b.single, 1); /* legends say 1, 2, 3 */
        double w[] = {1, 2, 3, 4, 5, 6};
        assert_int_equal(run(w, NV(w), methods[mi], 2).single, 0);

        /* All equal: one degenerate class {7,7}. */
        double e[] = {7, 7, 7};
        b = run(e, NV(e), methods[mi], 4);
        assert_edges(&b, (double[]){7, 7}, 1);
        assert_counts(&b, (size_t[]){3});
        assert_int_equal(b.reduced, 1);
        assert_non_null(strstr(b.note, "1 class instead of 4"));
        assert_int_equal(gv_breaks_class(&b, 7), 0);
        assert_int_equal(gv_breaks_class(&b, 6.9), -1);
        assert_int_equal(gv_breaks_class(&b, 7.1), -1);

        /* All equal and k=1 asked: nothing was reduced. */
        b = run(e, NV(e), methods[mi], 1);
        assert_edges(&b, (double[]){7, 7}, 1);
        assert_int_equal(b.reduced, 0);

        /* A single value. */
        double one[] = {-2.5};
        b = run(one, 1, methods[mi], 3);
        assert_edges(&b, (double[]){-2.5, -2.5}, 1);
    }
}

static void test_manual(void **state) {
    (void)state;
    gv_classify_spec spec;
    assert_int_equal(gv_classify_parse("manual:0,50,100", &spec, NULL), GV_OK);
    /* [0,50] = {0,25,50}, (50,100] = {75,100}; -5 and 150 are outside,
     * NaN is missing. */
    double v[] = {-5, 0, 25, 50, 75, 100, 150, NAN};
    gv_breaks b;
    assert_int_equal(gv_classify(v, NV(v), &spec, &b, NULL), GV_OK);
    check_invariants(v, NV(v), &b);
    assert_edges(&b, (double[]){0, 50, 100}, 2);
    assert_counts(&b, (size_t[]){3, 2});
    assert_int_equal(b.n_outside, 2);
    assert_int_equal(b.n_missing, 1);
    assert_int_equal(b.reduced, 0);

    /* Every value outside is still a success: the user chose the edges. */
    double out[] = {-1, 200};
    assert_int_equal(gv_classify(out, NV(out), &spec, &b, NULL), GV_OK);
    assert_int_equal(b.n_outside, 2);
    assert_counts(&b, (size_t[]){0, 0});

    /* A hand-built bad spec is refused. */
    gv_classify_spec bad = {.method = GV_CLASSIFY_MANUAL, .nmanual = 3, .manual = {0, 5, 5}};
    gv_error err;
    assert_int_equal(gv_classify(v, NV(v), &bad, &b, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "strictly increasing"));
    bad.nmanual = 1;
    assert_int_equal(gv_classify(v, NV(v), &bad, &b, &err), GV_EUSAGE);
}

static void test_errors(void **state) {
    (void)state;
    gv_classify_spec spec = {.method = GV_CLASSIFY_QUANTILE, .k = 5};
    gv_breaks b;
    gv_error err;
    /* No values at all, or only missing ones. */
    assert_int_equal(gv_classify(NULL, 0, &spec, &b, &err), GV_EDATA);
    assert_string_equal(err.msg, "no values to classify");
    assert_int_equal(b.k, 0);
    double nan[] = {NAN, INFINITY};
    assert_int_equal(gv_classify(nan, NV(nan), &spec, &b, &err), GV_EDATA);
    assert_string_equal(err.msg, "no values to classify");
    gv_classify_spec man = {.method = GV_CLASSIFY_MANUAL, .nmanual = 2, .manual = {0, 1}};
    assert_int_equal(gv_classify(nan, NV(nan), &man, &b, &err), GV_EDATA);
    /* Bad arguments. */
    double v[] = {1, 2};
    assert_int_equal(gv_classify(NULL, 2, &spec, &b, &err), GV_EUSAGE);
    assert_int_equal(gv_classify(v, 2, NULL, &b, &err), GV_EUSAGE);
    assert_int_equal(gv_classify(v, 2, &spec, NULL, &err), GV_EUSAGE);
    spec.k = 0;
    assert_int_equal(gv_classify(v, 2, &spec, &b, &err), GV_EUSAGE);
    spec.k = GV_CLASSES_MAX + 1;
    assert_int_equal(gv_classify(v, 2, &spec, &b, NULL), GV_EUSAGE);
    spec.k = 2;
    spec.method = (gv_classify_method)9;
    assert_int_equal(gv_classify(v, 2, &spec, &b, &err), GV_EUSAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_breaks_class),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_quantile_ties),
        cmocka_unit_test(test_jenks_known),
        cmocka_unit_test(test_jenks_brute_force),
        cmocka_unit_test(test_jenks_vs_plain_dp),
        cmocka_unit_test(test_jenks_large),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_few_distinct),
        cmocka_unit_test(test_manual),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
