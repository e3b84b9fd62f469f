/* test_expr.c: value expressions (engine/expr.c): hand-computed values,
 * precedence and associativity, Vietnamese and quoted names, error
 * messages with columns, missing-value reasons, a random well-formed
 * expression check against a fully parenthesised twin, and random byte
 * strings that must never crash (fixed seeds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/expr.h"

static gv_expr *parse_ok(const char *src) {
    gv_expr *e = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_expr_parse(src, &e, &err);
    if (rc != GV_OK) fail_msg("parse '%s' failed: %s", src, err.msg);
    assert_non_null(e);
    return e;
}

static double eval1(const char *src, const double *vals, gv_expr_status *st) {
    gv_expr *e = parse_ok(src);
    double out = 12345;
    gv_expr_eval(e, vals, &out, st);
    gv_expr_free(e);
    return out;
}

static void check_value(const char *src, const double *vals, double want) {
    gv_expr_status st = GV_EXPR_NOT_FINITE;
    double got = eval1(src, vals, &st);
    if (st != GV_EXPR_VALUE || fabs(got - want) > 1e-12 * fmax(1, fabs(want)))
        fail_msg("'%s': got %.17g (%s), want %.17g", src, got,
                 gv_expr_status_str(st), want);
}

static void test_values(void **state) {
    (void)state;
    check_value("population_total/@area_km2", (double[]){1000, 4}, 250);
    check_value("population_urban/population_total*100", (double[]){30, 120},
                25);
    check_value("(a - b) / b", (double[]){150, 100}, 0.5);
    check_value("-x", (double[]){3}, -3);
    check_value("1e3*x", (double[]){2.5}, 2500);
    check_value("12", NULL, 12);
    check_value("1.5+.5", NULL, 2);
    check_value("1e-3*1000", NULL, 1);
    check_value("2.5E+2", NULL, 250);
    check_value("1.", NULL, 1);
    check_value("\t x \n", (double[]){7}, 7);
}

static void test_precedence(void **state) {
    (void)state;
    const double v3[] = {1, 2, 3};
    check_value("a+b*c", v3, 7);
    check_value("(a+b)*c", v3, 9);
    check_value("a*b+c", v3, 5);
    check_value("a-b-c", (double[]){10, 3, 2}, 5);   /* (10-3)-2 */
    check_value("a-(b-c)", (double[]){10, 3, 2}, 9);
    check_value("a/b/c", (double[]){24, 4, 3}, 2);   /* (24/4)/3 */
    check_value("a/b*c", (double[]){24, 4, 3}, 18);  /* (24/4)*3 */
    check_value("a-b+c", (double[]){10, 3, 2}, 9);
    check_value("-a*b", (double[]){2, 3}, -6);
    check_value("a*-b", (double[]){2, 3}, -6);
    check_value("--a", (double[]){2}, 2);
    check_value("a - -b", (double[]){2, 3}, 5);
    check_value("-(a-b)", (double[]){2, 3}, 1);
    check_value("2*3+4*5", NULL, 26);
    check_value("2+3*4-6/2", NULL, 11);
    check_value("((((2))))", NULL, 2);
}

static void test_vars(void **state) {
    (void)state;
    gv_expr *e = parse_ok("b*a+b/c+a");
    assert_int_equal(gv_expr_nvars(e), 3);
    assert_string_equal(gv_expr_var(e, 0), "b");
    assert_string_equal(gv_expr_var(e, 1), "a");
    assert_string_equal(gv_expr_var(e, 2), "c");
    assert_null(gv_expr_var(e, 3));
    assert_int_equal(gv_expr_is_single_var(e), 0);
    double out;
    gv_expr_status st;
    gv_expr_eval(e, (double[]){2, 3, 4}, &out, &st); /* 6 + 0.5 + 3 */
    assert_int_equal(st, GV_EXPR_VALUE);
    assert_true(out == 9.5);
    gv_expr_free(e);

    e = parse_ok("population_total/@area_km2");
    assert_int_equal(gv_expr_nvars(e), 2);
    assert_string_equal(gv_expr_var(e, 0), "population_total");
    assert_string_equal(gv_expr_var(e, 1), "@area_km2");
    gv_expr_free(e);

    /* Quoted and bare spellings name the same variable. */
    e = parse_ok("\"x\" + x");
    assert_int_equal(gv_expr_nvars(e), 1);
    gv_expr_free(e);

    const char *single[] = {"x", "(x)", " x ", "@area_km2", "\"a b\"",
                            "((dân_số))"};
    for (size_t i = 0; i < sizeof single / sizeof *single; i++) {
        e = parse_ok(single[i]);
        assert_int_equal(gv_expr_is_single_var(e), 1);
        gv_expr_free(e);
    }
    const char *not_single[] = {"-x", "x*1", "2", "x+x", "(x)/(x)"};
    for (size_t i = 0; i < sizeof not_single / sizeof *not_single; i++) {
        e = parse_ok(not_single[i]);
        assert_int_equal(gv_expr_is_single_var(e), 0);
        gv_expr_free(e);
    }
    gv_expr_free(NULL);
    assert_int_equal(gv_expr_nvars(NULL), 0);
    assert_null(gv_expr_var(NULL, 0));
}

static void test_vietnamese(void **state) {
    (void)state;
    gv_expr *e = parse_ok("dân_số/diện_tích_km2");
    assert_int_equal(gv_expr_nvars(e), 2);
    assert_string_equal(gv_expr_var(e, 0), "dân_số");
    assert_string_equal(gv_expr_var(e, 1), "diện_tích_km2");
    gv_expr_free(e);

    e = parse_ok("Dân_số_thành_thị*100/@diện_tích");
    assert_string_equal(gv_expr_var(e, 1), "@diện_tích");
    gv_expr_free(e);

    /* NFD: 'a' + U+0302 COMBINING CIRCUMFLEX stays inside one name. */
    e = parse_ok("da\xcc\x82n+1");
    assert_int_equal(gv_expr_nvars(e), 1);
    assert_string_equal(gv_expr_var(e, 0), "da\xcc\x82n");
    gv_expr_free(e);

    /* Quoted names: spaces, punctuation, "" for a quote. */
    e = parse_ok("\"dân số 2019\"/\"diện tích (km²)\" + \"a\"\"b\"");
    assert_int_equal(gv_expr_nvars(e), 3);
    assert_string_equal(gv_expr_var(e, 0), "dân số 2019");
    assert_string_equal(gv_expr_var(e, 1), "diện tích (km²)");
    assert_string_equal(gv_expr_var(e, 2), "a\"b");
    gv_expr_free(e);

    /* A no-break space pasted from a document is a blank. */
    check_value("a\xc2\xa0/ b", (double[]){6, 3}, 2);
    /* Greek and CJK letters are name characters too. */
    check_value("µ*π", (double[]){2, 3}, 6);
    check_value("人口/2", (double[]){8}, 4);
}

/* Parses src, which must fail with GV_EUSAGE and exactly msg. */
static void check_error(const char *src, const char *msg) {
    gv_expr *e = (gv_expr *)&e; /* must be reset to NULL */
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_expr_parse(src, &e, &err);
    if (rc != GV_EUSAGE) fail_msg("'%s': rc %d, want GV_EUSAGE", src, rc);
    assert_null(e);
    assert_int_equal(err.code, GV_EUSAGE);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("'%s':\n got  %s\n want %s", src, err.msg, msg);
    /* NULL err is allowed and gives the same code. */
    assert_int_equal(gv_expr_parse(src, &e, NULL), GV_EUSAGE);
    assert_null(e);
}

static void test_errors(void **state) {
    (void)state;
    check_error("a+*b", "expression 'a+*b': unexpected '*' at column 3");
    check_error("", "expression '': empty expression");
    check_error("   ", "expression '   ': empty expression");
    check_error("a+",
                "expression 'a+': unexpected end of expression at column 3");
    check_error("(a+b",
                "expression '(a+b': missing ')' to close '(' at column 1");
    check_error("a+b)", "expression 'a+b)': unexpected ')' at column 4");
    check_error("a b", "expression 'a b': unexpected 'b' at column 3");
    check_error("a population", "expression 'a population': unexpected "
                                "'population' at column 3");
    check_error("2x", "expression '2x': unexpected 'x' at column 2");
    check_error("+a", "expression '+a': unexpected '+' at column 1");
    check_error("()", "expression '()': unexpected ')' at column 2");
    check_error("a*()", "expression 'a*()': unexpected ')' at column 4");
    check_error("1e+", "expression '1e+': malformed number '1e+' at column 1");
    check_error("1e999*x",
                "expression '1e999*x': number '1e999' is out of range at "
                "column 1");
    check_error("@", "expression '@': expected an attribute name after '@' "
                     "at column 1");
    check_error("x/@ area", "expression 'x/@ area': expected an attribute "
                            "name after '@' at column 3");
    check_error("\"abc", "expression '\"abc': quoted name opened at column 1 "
                         "is not closed");
    check_error("x + \"\"",
                "expression 'x + \"\"': empty quoted name at column 5");
    check_error("\"@area_km2\"",
                "expression '\"@area_km2\"': quoted name at column 1 starts "
                "with '@', which is reserved for built-in attributes (write "
                "@name without quotes)");
    check_error("a # b", "expression 'a # b': unexpected '#' at column 3");
    check_error("a×b", "expression 'a×b': unexpected '×' at column 2");
    /* Columns count characters: '*' is the 8th character, 10th byte. */
    check_error("dân_số+*2",
                "expression 'dân_số+*2': unexpected '*' at column 8");
    /* Invalid UTF-8 is named by byte and echoed as '?'. */
    check_error("a\xff",
                "expression 'a?': invalid UTF-8 byte 0xFF at column 2");
    check_error("\"a\xc3\"", "expression '\"a?\"': invalid UTF-8 byte 0xC3 at "
                             "column 3");
    /* Control characters never reach the one-line message. */
    check_error("a\n\x01", "expression 'a?" "?': unexpected '?' at column 3");

    /* NULL arguments. */
    gv_expr *e;
    gv_error err;
    assert_int_equal(gv_expr_parse(NULL, &e, &err), GV_EUSAGE);
    assert_null(e);
    assert_int_equal(gv_expr_parse("x", NULL, &err), GV_EUSAGE);
}

static void test_nesting_limit(void **state) {
    (void)state;
    char buf[20100];
    int d = GV_EXPR_MAX_DEPTH;
    /* Exactly at the limit: fine. */
    memset(buf, '(', (size_t)d);
    buf[d] = 'x';
    memset(buf + d + 1, ')', (size_t)d);
    buf[2 * d + 1] = '\0';
    check_value(buf, (double[]){5}, 5);
    /* One more level is an error naming the column of the extra '('. */
    memset(buf, '(', (size_t)d + 1);
    strcpy(buf + d + 1, "x");
    gv_error err;
    gv_expr *e;
    assert_int_equal(gv_expr_parse(buf, &e, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "nested too deeply at column 65"));
    /* Unary minus counts as nesting; a long chain cannot blow the stack. */
    memset(buf, '-', 20000);
    strcpy(buf + 20000, "x");
    assert_int_equal(gv_expr_parse(buf, &e, &err), GV_EUSAGE);
    memset(buf, '(', 20000);
    assert_int_equal(gv_expr_parse(buf, &e, &err), GV_EUSAGE);
    /* The echo of a long expression is cut. */
    assert_true(strlen(err.msg) < 400);
    assert_non_null(strstr(err.msg, "...'"));
    /* Long flat expressions are not limited. */
    size_t n = 0;
    for (int i = 0; i < 3000; i++) n += (size_t)sprintf(buf + n, "x+");
    strcpy(buf + n, "x");
    check_value(buf, (double[]){1}, 3001);
    /* The deepest legal mix, x+x*(x+x*(...)): two pending operands per
     * level, the most the evaluation stack has to hold. */
    n = 0;
    for (int i = 0; i < d; i++) n += (size_t)sprintf(buf + n, "x+x*(");
    buf[n++] = 'x';
    for (int i = 0; i < d; i++) buf[n++] = ')';
    buf[n] = '\0';
    check_value(buf, (double[]){1}, (double)(d + 1));
}

static void check_status(const char *src, const double *vals,
                         gv_expr_status want) {
    gv_expr_status st = GV_EXPR_VALUE;
    double out = eval1(src, vals, &st);
    if (st != want)
        fail_msg("'%s': status '%s', want '%s'", src, gv_expr_status_str(st),
                 gv_expr_status_str(want));
    if (want != GV_EXPR_VALUE) assert_true(isnan(out));
}

static void test_missing(void **state) {
    (void)state;
    check_status("a/b", (double[]){1, 0}, GV_EXPR_ZERO_DENOMINATOR);
    check_status("a/b", (double[]){0, 0}, GV_EXPR_ZERO_DENOMINATOR);
    check_status("a/b", (double[]){1, -0.0}, GV_EXPR_ZERO_DENOMINATOR);
    check_status("a/(b-b)", (double[]){1, 7}, GV_EXPR_ZERO_DENOMINATOR);
    check_status("a/b", (double[]){NAN, 2}, GV_EXPR_MISSING_INPUT);
    check_status("a/b", (double[]){1, NAN}, GV_EXPR_MISSING_INPUT);
    check_status("-a", (double[]){NAN}, GV_EXPR_MISSING_INPUT);
    /* Missing data wins over a zero denominator, wherever it sits. */
    check_status("a/b", (double[]){NAN, 0}, GV_EXPR_MISSING_INPUT);
    check_status("a/b + c", (double[]){1, 0, NAN}, GV_EXPR_MISSING_INPUT);
    /* Overflow. */
    check_status("a*b", (double[]){1e200, 1e200}, GV_EXPR_NOT_FINITE);
    check_status("a/b", (double[]){1e300, 1e-300}, GV_EXPR_NOT_FINITE);
    check_status("a+a", (double[]){1.7e308}, GV_EXPR_NOT_FINITE);
    check_status("x", (double[]){INFINITY}, GV_EXPR_NOT_FINITE);
    check_status("x-x", (double[]){-INFINITY}, GV_EXPR_NOT_FINITE);
    /* A zero denominator wins over an overflow in the numerator. */
    check_status("(a*a)/b", (double[]){1e200, 0}, GV_EXPR_ZERO_DENOMINATOR);
    /* Underflow to 0 is a value, not an error. */
    check_status("a*a", (double[]){1e-200}, GV_EXPR_VALUE);
    check_status("0/a", (double[]){5}, GV_EXPR_VALUE);

    gv_expr *e = parse_ok("a/b");
    double out;
    gv_expr_eval(e, (double[]){1, 2}, &out, NULL); /* status may be NULL */
    assert_true(out == 0.5);
    gv_expr_free(e);

    assert_string_equal(gv_expr_status_str(GV_EXPR_VALUE), "ok");
    assert_string_equal(gv_expr_status_str(GV_EXPR_MISSING_INPUT),
                        "missing value");
    assert_string_equal(gv_expr_status_str(GV_EXPR_ZERO_DENOMINATOR),
                        "zero denominator");
    assert_string_equal(gv_expr_status_str(GV_EXPR_NOT_FINITE), "not finite");
}

/* ---- random expressions --------------------------------------------- */

/* xorshift64*: a fixed sequence on every platform, unlike rand(). */
static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static unsigned rng_below(uint64_t *s, unsigned n) {
    return (unsigned)(rng_next(s) >> 33) % n;
}

/* Appends a random expression twice: `full` with every subexpression in
 * parentheses, `min` with only the parentheses precedence needs. Both
 * must evaluate bit for bit alike. Returns the precedence of `min`'s top
 * (1 additive, 2 multiplicative, 3 unary, 4 atom). */
typedef struct sbuf {
    char s[4096];
    size_t n;
} sbuf;

static void put(sbuf *b, const char *t) {
    size_t l = strlen(t);
    if (b->n + l < sizeof b->s) {
        memcpy(b->s + b->n, t, l);
        b->n += l;
        b->s[b->n] = '\0';
    }
}

static int gen(uint64_t *rs, int depth, sbuf *full, sbuf *min) {
    static const char *atoms[] = {"a", "b", "c", "dân_số", "@area_km2",
                                  "\"x y\"", "2", "0.5", "3e2", "0"};
    unsigned k = depth <= 0 ? 0 : rng_below(rs, 6);
    if (k <= 1) {
        const char *a = atoms[rng_below(rs, sizeof atoms / sizeof *atoms)];
        put(full, a);
        put(min, a);
        return 4;
    }
    if (k == 2) { /* unary minus */
        sbuf f2 = {.n = 0}, m2 = {.n = 0};
        f2.s[0] = m2.s[0] = '\0';
        int p = gen(rs, depth - 1, &f2, &m2);
        put(full, "(-");
        put(full, f2.s);
        put(full, ")");
        put(min, "-");
        if (p < 3) put(min, "(");
        put(min, m2.s);
        if (p < 3) put(min, ")");
        return 3;
    }
    static const char ops[] = "+-*/";
    char op = ops[rng_below(rs, 4)];
    int prec = (op == '+' || op == '-') ? 1 : 2;
    sbuf fl = {.n = 0}, ml = {.n = 0}, fr = {.n = 0}, mr = {.n = 0};
    fl.s[0] = ml.s[0] = fr.s[0] = mr.s[0] = '\0';
    int pl = gen(rs, depth - 1, &fl, &ml);
    int pr = gen(rs, depth - 1, &fr, &mr);
    char o[4] = {' ', op, ' ', '\0'};
    put(full, "(");
    put(full, fl.s);
    put(full, o);
    put(full, fr.s);
    put(full, ")");
    /* Left operand of equal precedence needs no parentheses (left
     * associativity); a right one always does, even for + and *, because
     * a+(b+c) and a+b+c round differently. */
    if (pl < prec) put(min, "(");
    put(min, ml.s);
    if (pl < prec) put(min, ")");
    put(min, o);
    if (pr <= prec) put(min, "(");
    put(min, mr.s);
    if (pr <= prec) put(min, ")");
    return prec;
}

static void test_random_wellformed(void **state) {
    (void)state;
    uint64_t rs = 0x9E3779B97F4A7C15ULL;
    for (int it = 0; it < 3000; it++) {
        sbuf full = {.n = 0}, min = {.n = 0};
        full.s[0] = min.s[0] = '\0';
        gen(&rs, 1 + (int)rng_below(&rs, 6), &full, &min);
        gv_expr *ef = parse_ok(full.s), *em = parse_ok(min.s);
        assert_int_equal(gv_expr_nvars(ef), gv_expr_nvars(em));
        size_t nv = gv_expr_nvars(ef);
        double vals[8];
        for (size_t i = 0; i < nv; i++) {
            assert_string_equal(gv_expr_var(ef, i), gv_expr_var(em, i));
            unsigned r = rng_below(&rs, 10);
            vals[i] = r == 0   ? NAN
                      : r == 1 ? 0.0
                               : (double)rng_below(&rs, 2001) / 8 - 125;
        }
        double of, om;
        gv_expr_status sf, sm;
        gv_expr_eval(ef, vals, &of, &sf);
        gv_expr_eval(em, vals, &om, &sm);
        if (sf != sm || (sf == GV_EXPR_VALUE && memcmp(&of, &om, sizeof of)))
            fail_msg("seed iteration %d:\n full %s = %.17g (%s)\n min  %s = "
                     "%.17g (%s)", it, full.s, of, gv_expr_status_str(sf),
                     min.s, om, gv_expr_status_str(sm));
        gv_expr_free(ef);
        gv_expr_free(em);
    }
}

static void test_fuzz_bytes(void **state) {
    (void)state;
    /* Mostly grammar characters so that many strings get deep into the
     * parser, plus UTF-8 pieces (valid and broken) and arbitrary bytes. */
    static const char *pieces[] = {
        "a", "b", "_", "@", "\"", "(", ")", ".", "+", "-", "*", "/", "e",
        "E", "0", "1", "9", " ", "1e", "1e-", ".5", "â", "ố", "\xcc\x82",
        "\xc3", "\xe1\xbb", "\xff", "\x80", "\t", "×", "\xc2\xa0", "((", "))",
        "x1", "\"\"",
    };
    uint64_t rs = 20240601;
    char buf[256];
    for (int it = 0; it < 100000; it++) {
        size_t n = 0, len = rng_below(&rs, 40);
        for (size_t i = 0; i < len && n < sizeof buf - 8; i++) {
            if (rng_below(&rs, 8) == 0) {
                unsigned char c = (unsigned char)(1 + rng_below(&rs, 255));
                buf[n++] = (char)c;
            } else {
                const char *p =
                    pieces[rng_below(&rs, sizeof pieces / sizeof *pieces)];
                size_t l = strlen(p);
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        buf[n] = '\0';
        gv_expr *e = NULL;
        gv_error err;
        gv_error_clear(&err);
        int rc = gv_expr_parse(buf, &e, &err);
        if (rc != GV_OK) {
            /* Invariants of a failure: code recorded, no object, message
             * about this expression on one line. */
            assert_int_equal(rc, GV_EUSAGE);
            assert_null(e);
            assert_int_equal(err.code, rc);
            assert_memory_equal(err.msg, "expression '", 12);
            assert_null(strchr(err.msg, '\n'));
            continue;
        }
        size_t nv = gv_expr_nvars(e);
        double vals[64];
        assert_true(nv <= 64);
        for (size_t i = 0; i < nv; i++) {
            assert_non_null(gv_expr_var(e, i));
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(gv_expr_var(e, i), gv_expr_var(e, j));
            unsigned r = rng_below(&rs, 6);
            vals[i] = r == 0 ? NAN : r == 1 ? 0.0 : r == 2 ? 1e300 : (double)r;
        }
        double out;
        gv_expr_status st;
        gv_expr_eval(e, vals, &out, &st);
        /* Invariant: a value is finite exactly when the status says so. */
        assert_int_equal(st == GV_EXPR_VALUE, isfinite(out) != 0);
        if (st != GV_EXPR_VALUE) assert_true(isnan(out));
        gv_expr_free(e);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_vars),
        cmocka_unit_test(test_vietnamese),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_random_wellformed),
        cmocka_unit_test(test_fuzz_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
