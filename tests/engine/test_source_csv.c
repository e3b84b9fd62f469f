/* test_source_csv.c: cmocka tests of the CSV table reader
 * (engine/source_csv.c): separators, BOM, line ends, quoting and line
 * numbers, per-column number formats and their error messages, codes, and
 * the real 2019 province census table from the shared data folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "geovoice/table.h"

#ifndef GV_TEST_DATADIR
#define GV_TEST_DATADIR "/work/shared/data/vn"
#endif

/* Reads a NUL-terminated buffer; fails the test on error. */
static gv_table *must_read(const char *csv, const char *name,
                           const gv_csv_options *opt) {
    gv_table *t = NULL;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_table_read_csv_buffer(csv, strlen(csv), name, opt, &t, &err);
    if (rc != GV_OK) fail_msg("read failed: %s", err.msg);
    assert_non_null(t);
    return t;
}

/* Reads a buffer that must fail; returns the code, message in err. */
static int must_fail(const char *csv, size_t len, const char *name,
                     const gv_csv_options *opt, gv_error *err) {
    gv_table *t = (gv_table *)1;
    gv_error_clear(err);
    int rc = gv_table_read_csv_buffer(csv, len, name, opt, &t, err);
    assert_int_not_equal(rc, GV_OK);
    assert_null(t);
    assert_int_equal(err->code, rc);
    return rc;
}

static double num(const gv_table *t, size_t row, size_t col) {
    double v = 0;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_table_number(t, row, col, &v, &err);
    if (rc != GV_OK) fail_msg("number failed: %s", err.msg);
    return v;
}

static void test_separators(void **state) {
    (void)state;
    const char *csvs[] = {
        "code,name,pop\n01,Hà Nội,8053663\n02,Hà Giang,854679\n",
        "code;name;pop\n01;Hà Nội;8053663\n02;Hà Giang;854679\n",
        "code\tname\tpop\n01\tHà Nội\t8053663\n02\tHà Giang\t854679\n",
    };
    for (int i = 0; i < 3; i++) {
        gv_table *t = must_read(csvs[i], "sep.csv", NULL);
        assert_int_equal(gv_table_ncols(t), 3);
        assert_int_equal(gv_table_nrows(t), 2);
        assert_string_equal(gv_table_colname(t, 2), "pop");
        assert_string_equal(gv_table_cell(t, 0, 1), "Hà Nội");
        assert_string_equal(gv_table_cell(t, 1, 0), "02");
        assert_true(num(t, 1, 2) == 854679.0);
        gv_table_free(t);
    }
    /* ';' with decimal commas: ',' gives the header one field, so ';'. */
    gv_table *t = must_read("name;rate\nA;49,6\nB;12,5\n", "s.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 2);
    assert_true(fabs(num(t, 0, 1) - 49.6) < 1e-12);
    gv_table_free(t);
    /* A ';' inside quotes does not vote for ';'. */
    t = must_read("name,note\n\"a;b\",x\n\"c;d\",y\n", "q.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 2);
    assert_string_equal(gv_table_cell(t, 1, 0), "c;d");
    gv_table_free(t);
    /* Forced separator. */
    gv_csv_options o = {.decimal = 0, .sep = ';'};
    t = must_read("a,b;c\n1,2;3\n", "f.csv", &o);
    assert_int_equal(gv_table_ncols(t), 2);
    assert_string_equal(gv_table_colname(t, 0), "a,b");
    gv_table_free(t);
    /* One column: every candidate gives one field. */
    t = must_read("code\n01\n02\n", "one.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 1);
    assert_int_equal(gv_table_nrows(t), 2);
    gv_table_free(t);
    /* Bad option. */
    gv_error err;
    o.sep = '|';
    assert_int_equal(must_fail("a|b\n1|2\n", 8, "o.csv", &o, &err), GV_EUSAGE);
}

static void test_bom_crlf_blank_lines(void **state) {
    (void)state;
    const char *csv = "\xEF\xBB\xBF" "code,name\r\n01,A\r\n\r\n  \r\n02,B\r\n";
    gv_table *t = must_read(csv, "bom.csv", NULL);
    assert_string_equal(gv_table_colname(t, 0), "code");
    assert_int_equal(gv_table_col_index(t, "code"), 0);
    assert_int_equal(gv_table_nrows(t), 2);
    assert_string_equal(gv_table_cell(t, 0, 1), "A"); /* no stray '\r' */
    assert_string_equal(gv_table_cell(t, 1, 1), "B");
    assert_int_equal(gv_table_row_line(t, 0), 2);
    assert_int_equal(gv_table_row_line(t, 1), 5);
    assert_int_equal(gv_table_row_line(t, 2), 0);
    gv_table_free(t);
    /* Spreadsheet leftovers: ",," rows and trailing separators. */
    t = must_read("a,b,,\n1,2,,\n,,,\n3,4\n", "x.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 2);
    assert_int_equal(gv_table_nrows(t), 2);
    assert_int_equal(gv_table_row_line(t, 1), 4);
    gv_table_free(t);
    /* No final newline, lone CR line ends. */
    t = must_read("a,b\r1,2\r3,4", "cr.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 2);
    assert_int_equal(gv_table_row_line(t, 1), 3);
    assert_string_equal(gv_table_cell(t, 1, 1), "4");
    gv_table_free(t);
}

static void test_quoting(void **state) {
    (void)state;
    const char *csv =
        "id,text,n\n"
        "1,\"line one\r\nline two\",10\n"       /* row 0, lines 2-3 */
        "2,\"say \"\"hi\"\", then, go\",20\n"   /* row 1, line 4 */
        "3, \"  padded \" ,30\n"                /* row 2, line 5 */
        "4,\"a\n\nb\n\",40\n"                   /* row 3, lines 6-9 */
        "5,plain\"quote,50\n";                  /* row 4, line 10 */
    gv_table *t = must_read(csv, "q.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 5);
    assert_string_equal(gv_table_cell(t, 0, 1), "line one\nline two");
    assert_string_equal(gv_table_cell(t, 1, 1), "say \"hi\", then, go");
    assert_string_equal(gv_table_cell(t, 2, 1), "padded");
    assert_string_equal(gv_table_cell(t, 3, 1), "a\n\nb");
    assert_string_equal(gv_table_cell(t, 4, 1), "plain\"quote");
    assert_int_equal(gv_table_row_line(t, 0), 2);
    assert_int_equal(gv_table_row_line(t, 1), 4);
    assert_int_equal(gv_table_row_line(t, 2), 5);
    assert_int_equal(gv_table_row_line(t, 3), 6);
    assert_int_equal(gv_table_row_line(t, 4), 10);
    assert_true(num(t, 4, 2) == 50.0);
    gv_table_free(t);

    gv_error err;
    const char *open = "a,b\n1,2\n3,\"never\nclosed\n";
    assert_int_equal(must_fail(open, strlen(open), "o.csv", NULL, &err), GV_EDATA);
    assert_string_equal(err.msg, "o.csv: line 3: quoted field never closed");
    const char *junk = "a,b\n1,\"x\"y\n";
    must_fail(junk, strlen(junk), "j.csv", NULL, &err);
    assert_non_null(strstr(err.msg, "j.csv: line 2: unexpected text after a closing quote"));
    /* The error after a quoted newline names the right line. */
    const char *late = "a,b\n\"x\ny\",1\n2,3,4\n";
    must_fail(late, strlen(late), "l.csv", NULL, &err);
    assert_string_equal(err.msg, "l.csv: row 2 (line 4): 3 fields, the header has 2");
}

static void test_field_counts(void **state) {
    (void)state;
    gv_error err;
    const char *more = "a,b,c\n1,2,3\n4,5,6,7\n";
    assert_int_equal(must_fail(more, strlen(more), "m.csv", NULL, &err), GV_EDATA);
    assert_string_equal(err.msg, "m.csv: row 2 (line 3): 4 fields, the header has 3");
    const char *fewer = "a,b,c\n1,2,3\n\n4,5\n";
    must_fail(fewer, strlen(fewer), "f.csv", NULL, &err);
    assert_string_equal(err.msg, "f.csv: row 2 (line 4): 2 fields, the header has 3");
    /* Extra fields that are empty are trailing separators: dropped. */
    gv_table *t = must_read("a,b,c\n1,2,3,,\n4,5,6,\n", "e.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 3);
    assert_string_equal(gv_table_cell(t, 1, 2), "6");
    gv_table_free(t);
    const char *dup = "code,name,code\n1,a,2\n";
    must_fail(dup, strlen(dup), "d.csv", NULL, &err);
    assert_string_equal(err.msg,
                        "d.csv: line 1: duplicate column name 'code' (columns 1 and 3)");
}

static void test_empty_tables(void **state) {
    (void)state;
    gv_error err;
    assert_int_equal(must_fail("", 0, "e.csv", NULL, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "e.csv: no data rows"));
    assert_int_equal(must_fail(NULL, 0, "n.csv", NULL, &err), GV_EDATA);
    must_fail("\n\n  \n", 5, "b.csv", NULL, &err);
    assert_non_null(strstr(err.msg, "b.csv: no data rows"));
    must_fail("code,name\n", 10, "h.csv", NULL, &err);
    assert_string_equal(err.msg, "h.csv: no data rows");
    must_fail("code,name\r\n\r\n,\r\n", 16, "h2.csv", NULL, &err);
    assert_string_equal(err.msg, "h2.csv: no data rows");
    must_fail("\xEF\xBB\xBF", 3, "bom.csv", NULL, &err);
    assert_non_null(strstr(err.msg, "no data rows"));
}

static void test_utf8_and_nfc(void **state) {
    (void)state;
    gv_error err;
    /* Windows-1258 "Hà" (0xE0) is not UTF-8. */
    const char *bad = "code,name\n01,Ha\n02,H\xE0 N\n";
    assert_int_equal(must_fail(bad, strlen(bad), "cp.csv", NULL, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "cp.csv: line 3: invalid UTF-8"));
    assert_non_null(strstr(err.msg, "(it looks like CP1258: iconv -f CP1258 -t UTF-8 converts it)"));
    /* A table in TCVN3 bytes ("Thành phố Hà Nội", "Đà Nẵng"): the message
     * says so. */
    const char *tc = "code,name\n01,Th\xB5nh ph\xE8 H\xB5 N\xE9i\n48,\xA7\xB5 N\xBDng\n";
    must_fail(tc, strlen(tc), "tc.csv", NULL, &err);
    assert_string_equal(err.msg, "tc.csv: line 2: invalid UTF-8 (byte 0xB5); save the file as UTF-8 (it looks like "
                                 "TCVN3/ABC: iconv -f TCVN5712-1 -t UTF-8 converts it)");
    const char nul[] = "a,b\n1,\0\n";
    must_fail(nul, sizeof nul - 1, "z.csv", NULL, &err);
    assert_non_null(strstr(err.msg, "z.csv: line 2: NUL byte"));
    const char u16[] = "\xFF\xFE" "a\0,\0b\0";
    must_fail(u16, sizeof u16 - 1, "u.csv", NULL, &err);
    assert_non_null(strstr(err.msg, "UTF-16"));
    /* Decomposed "Hà Nội", marks of ộ in non-canonical order, and in a
     * column name: both come out NFC. */
    const char *nfd = "Te\xCC\x82n,pop\n"
                      "Ha\xCC\x80 No\xCC\x82\xCC\xA3i,1\n";
    gv_table *t = must_read(nfd, "nfd.csv", NULL);
    assert_string_equal(gv_table_cell(t, 0, 0), "Hà Nội");
    assert_string_equal(gv_table_colname(t, 0), "Tên");
    assert_int_equal(gv_table_col_index(t, "Tên"), 0);
    assert_int_equal(gv_table_col_index(t, "Te\xCC\x82n"), 0);
    gv_table_free(t);
}

static void test_col_index(void **state) {
    (void)state;
    gv_table *t = must_read(" Code ,Địa bàn,Pop,POP,,x\n1,a,2,3,4,5\n", "c.csv", NULL);
    assert_int_equal(gv_table_ncols(t), 6);
    assert_string_equal(gv_table_colname(t, 0), "Code");
    assert_string_equal(gv_table_colname(t, 4), "");
    assert_null(gv_table_colname(t, 6));
    assert_int_equal(gv_table_col_index(t, "Code"), 0);
    assert_int_equal(gv_table_col_index(t, "  Code\t"), 0);
    assert_int_equal(gv_table_col_index(t, "code"), 0);
    assert_int_equal(gv_table_col_index(t, "ĐỊA BÀN"), 1);
    assert_int_equal(gv_table_col_index(t, "Pop"), 2);
    assert_int_equal(gv_table_col_index(t, "POP"), 3);
    assert_int_equal(gv_table_col_index(t, "pop"), -1); /* two fit, none exactly */
    assert_int_equal(gv_table_col_index(t, ""), -1);
    assert_int_equal(gv_table_col_index(t, "missing"), -1);
    assert_string_equal(gv_table_cell(t, 5, 0), ""); /* out of range: "" */
    assert_string_equal(gv_table_cell(t, 0, 9), "");
    gv_table_free(t);
    gv_table_free(NULL);
}

/* One column per SPEC example; the decided format and the values. */
static void test_number_formats(void **state) {
    (void)state;
    const char *csv =
        "thou_comma;dec_comma;thou_dot;dec_point;thou_space;amb_comma;amb_dot;frac\n"
        "313,905;49,6;1.234.567;1.5;1 234 567;313,905;1.234;0.125\n"
        "1,234,567;12,5;2.000;2;1\xC2\xA0" "234;1,000;2.500;0.5\n"
        "854679;-3,25;999;-1.5e3;1\xE2\x80\xAF" "500;;;1e-3\n";
    gv_table *t = must_read(csv, "n.csv", NULL);
    char d, th;
    struct { char d, th; double v[3]; } want[] = {
        {'.', ',', {313905, 1234567, 854679}},
        {',', 0, {49.6, 12.5, -3.25}},
        {',', '.', {1234567, 2000, 999}},
        {'.', 0, {1.5, 2, -1500}},
        {'.', ' ', {1234567, 1234, 1500}},
        /* only one separator + 3 digits, and the file shows both
         * conventions (columns 1-4): ambiguous, an error (checked below) */
        {0, 0, {NAN, NAN, NAN}},
        {0, 0, {NAN, NAN, NAN}},
        /* "0.125" cannot be grouped (first group 0): decimal */
        {'.', 0, {0.125, 0.5, 0.001}},
    };
    for (size_t c = 0; c < sizeof want / sizeof want[0]; c++) {
        if (c == 5 || c == 6) {
            gv_error e;
            assert_int_equal(gv_table_col_ambiguous(t, c), 1);
            assert_int_equal(gv_table_col_format(t, c, &d, &th, &e), GV_EDATA);
            assert_non_null(strstr(e.msg, c == 5 ? "n.csv: column 'amb_comma': row 1 (line 2) '313,905' reads with ',' as "
                                                   "thousands separator or as decimal point"
                                                 : "n.csv: column 'amb_dot': row 1 (line 2) '1.234' reads with '.'"));
            double v;
            assert_int_equal(gv_table_number(t, 0, c, &v, NULL), GV_EDATA);
            continue;
        }
        assert_int_equal(gv_table_col_format(t, c, &d, &th, NULL), GV_OK);
        assert_int_equal(d, want[c].d);
        assert_int_equal(th, want[c].th);
        for (size_t r = 0; r < 3; r++) {
            double v = num(t, r, c);
            if (isnan(want[c].v[r])) assert_true(isnan(v));
            else assert_true(fabs(v - want[c].v[r]) <= 1e-9 * fabs(want[c].v[r]));
        }
    }
    gv_table_free(t);

    /* The file's convention settles an ambiguous column: a decimal comma
     * elsewhere makes "21.958" 21958; a decimal point elsewhere makes it
     * 21.958; nothing elsewhere leaves it ambiguous. */
    t = must_read("a;b\n21.958;1,5\n573.119;2,5\n", "vi.csv", NULL);
    assert_true(num(t, 0, 0) == 21958 && num(t, 1, 0) == 573119);
    gv_table_free(t);
    t = must_read("a,b\n21.958,1.5\n573.119,2.5\n", "en.csv", NULL);
    assert_true(fabs(num(t, 0, 0) - 21.958) < 1e-12 && fabs(num(t, 1, 0) - 573.119) < 1e-12);
    gv_table_free(t);
    t = must_read("code,a\n01,21.958\n02,573.119\n", "amb.csv", NULL);
    assert_int_equal(gv_table_col_ambiguous(t, 1), 1);
    gv_table_free(t);

    /* --decimal , overrides the ambiguous rule. */
    gv_csv_options o = {.decimal = ',', .sep = 0};
    t = must_read("x;y\n313,905;1.5\n", "o.csv", &o);
    assert_true(fabs(num(t, 0, 0) - 313.905) < 1e-12);
    assert_int_equal(gv_table_col_format(t, 0, &d, &th, NULL), GV_OK);
    assert_int_equal(d, ',');
    gv_error err;
    double v = 0;
    assert_int_equal(gv_table_number(t, 0, 1, &v, &err), GV_EDATA);
    assert_string_equal(err.msg,
                        "o.csv: row 1 (line 2), column 'y': '1.5' is not a number with decimal ','");
    assert_true(isnan(v));
    gv_table_free(t);

    /* A text column still has a format; digits like 0.1 are exact. */
    t = must_read("name,v\nHà Nội,0.1\nHuế,+7\n", "t.csv", NULL);
    assert_int_equal(gv_table_col_format(t, 0, &d, &th, NULL), GV_OK);
    assert_int_equal(d, '.');
    assert_int_equal(th, 0);
    assert_true(num(t, 0, 1) == 0.1);
    assert_true(num(t, 1, 1) == 7.0);
    gv_table_free(t);
}

static void test_contradiction(void **state) {
    (void)state;
    const char *csv = "x,y\n1,a\n2,a\n\"49,6\",a\n4,a\n5,a\n6,a\n\"1,234,567\",a\n";
    gv_table *t = must_read(csv, "t.csv", NULL); /* reading still works */
    gv_error err;
    char d = 0, th = 0;
    assert_int_equal(gv_table_col_format(t, 0, &d, &th, &err), GV_EDATA);
    assert_string_equal(err.msg,
                        "t.csv: column 'x': row 3 '49,6' uses ',' as decimal but "
                        "row 7 '1,234,567' uses ',' for thousands");
    /* Numbers from that column fail the same way; empty cells do not. */
    double v = 0;
    gv_error_clear(&err);
    assert_int_equal(gv_table_number(t, 0, 0, &v, &err), GV_EDATA);
    assert_true(isnan(v));
    assert_non_null(strstr(err.msg, "row 3 '49,6' uses ',' as decimal"));
    gv_table_free(t);

    t = must_read("x\n1.5\n1.234.567\n", "p.csv", NULL);
    assert_int_equal(gv_table_col_format(t, 0, &d, &th, &err), GV_EDATA);
    assert_string_equal(err.msg,
                        "p.csv: column 'x': row 1 '1.5' uses '.' as decimal but "
                        "row 2 '1.234.567' uses '.' for thousands");
    gv_table_free(t);

    /* Three-way: each pair fits, all three do not. */
    t = must_read("x\n\"313,905\"\n1 234\n1.5\n", "3.csv", NULL);
    assert_int_equal(gv_table_col_format(t, 0, &d, &th, &err), GV_EDATA);
    assert_string_equal(err.msg,
                        "3.csv: column 'x': row 2 '1 234' uses spaces for thousands "
                        "but row 3 '1.5' uses '.' as decimal");
    gv_table_free(t);
}

static void test_missing_and_not_numbers(void **state) {
    (void)state;
    char csv[1024] = "code,population_total\n";
    for (int i = 1; i <= 12; i++) {
        char line[64];
        snprintf(line, sizeof line, "%02d,%s\n", i,
                 i == 12 ? "abc" : i == 5 ? "" : "1000");
        strcat(csv, line);
    }
    gv_table *t = must_read(csv, "pop.csv", NULL);
    double v = 0;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_table_number(t, 4, 1, &v, &err), GV_OK);
    assert_true(isnan(v));
    assert_int_equal(err.code, GV_OK);
    assert_int_equal(gv_table_number(t, 11, 1, &v, &err), GV_EDATA);
    assert_true(isnan(v));
    assert_string_equal(err.msg,
                        "pop.csv: row 12 (line 13), column 'population_total': "
                        "'abc' is not a number");
    /* The text cell does not decide the column's format. */
    char d, th;
    assert_int_equal(gv_table_col_format(t, 1, &d, &th, NULL), GV_OK);
    assert_int_equal(gv_table_number(t, 99, 1, &v, NULL), GV_EUSAGE);
    assert_int_equal(gv_table_number(t, 0, 1, NULL, NULL), GV_EUSAGE);
    gv_table_free(t);

    const char *texts[] = {"12%", "NaN", "inf", "1.2.3", "1,23,456", "--1", "1e", "e5",
                           "0,123,456", "1 23", "12 345.6.7", ".", "+", "1e999"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char b[128];
        snprintf(b, sizeof b, "v\n\"%s\"\n", texts[i]);
        t = must_read(b, "x.csv", NULL);
        if (gv_table_number(t, 0, 0, &v, &err) != GV_EDATA)
            fail_msg("'%s' read as %g", texts[i], v);
        gv_table_free(t);
    }
}

static void test_codes(void **state) {
    (void)state;
    char out[16];
    gv_error err;
    struct { const char *in; int w; const char *want; } ok[] = {
        {"1", 2, "01"},    {"01", 2, "01"},    {"1.0", 2, "01"},
        {"1,0", 2, "01"},  {"01.00", 2, "01"}, {" 1 ", 2, "01"},
        {"79", 2, "79"},   {"00001", 5, "00001"}, {"1", 5, "00001"},
        {"001", 2, "01"},  {"1", 0, "1"},      {"001.0", 0, "001"},
        {"26734", 5, "26734"}, {"\xC2\xA0" "7\xC2\xA0", 3, "007"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        gv_error_clear(&err);
        if (gv_code_normalize(ok[i].in, ok[i].w, out, sizeof out, &err) != GV_OK)
            fail_msg("'%s': %s", ok[i].in, err.msg);
        assert_string_equal(out, ok[i].want);
    }
    const char *bad[] = {"1.5", "", "  ", "abc", "-1", "+1", "1e2", "1.", "01a", ".0", "1.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (gv_code_normalize(bad[i], 2, out, sizeof out, &err) != GV_EDATA)
            fail_msg("'%s' accepted as %s", bad[i], out);
    gv_code_normalize("1.5", 2, out, sizeof out, &err);
    assert_string_equal(err.msg, "'1.5' is not an administrative code (expected digits, like 01 or 1.0)");
    assert_int_equal(gv_code_normalize("123", 2, out, sizeof out, &err), GV_EDATA);
    assert_string_equal(err.msg, "code '123' has more than 2 digits");
    assert_int_equal(gv_code_normalize("1", 5, out, 5, &err), GV_EUSAGE);
    assert_int_equal(gv_code_normalize("1", -1, out, sizeof out, NULL), GV_EUSAGE);
    assert_int_equal(gv_code_normalize(NULL, 2, out, sizeof out, NULL), GV_EUSAGE);
}

static void test_file_io(void **state) {
    (void)state;
    char path[] = "/tmp/gv_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *csv = "code;name\n01;A\n";
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    gv_table *t = NULL;
    gv_error err;
    assert_int_equal(gv_table_read_csv(path, NULL, &t, &err), GV_OK);
    assert_string_equal(gv_table_path(t), path);
    assert_string_equal(gv_table_cell(t, 0, 1), "A");
    gv_table_free(t);
    unlink(path);
    assert_int_equal(gv_table_read_csv(path, NULL, &t, &err), GV_EDATA);
    assert_null(t);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(gv_table_read_csv("/tmp", NULL, &t, &err), GV_EDATA);
    assert_int_equal(strncmp(err.msg, "/tmp: cannot", 12), 0);
}

static void test_real_census(void **state) {
    (void)state;
    const char *path = GV_TEST_DATADIR "/census/provinces_2019.csv";
    if (access(path, R_OK) != 0) skip();
    gv_table *t = NULL;
    gv_error err;
    if (gv_table_read_csv(path, NULL, &t, &err) != GV_OK) fail_msg("%s", err.msg);
    assert_int_equal(gv_table_nrows(t), 63);
    int code = gv_table_col_index(t, "gso_code");
    int name = gv_table_col_index(t, "name");
    int pop = gv_table_col_index(t, "population_total");
    int area = gv_table_col_index(t, "area_km2");
    assert_true(code >= 0 && name >= 0 && pop >= 0 && area >= 0);
    assert_string_equal(gv_table_cell(t, 0, (size_t)code), "01");
    assert_string_equal(gv_table_cell(t, 0, (size_t)name), "Hà Nội");
    assert_true(num(t, 0, (size_t)pop) == 8053663.0);
    double sum = 0;
    for (size_t r = 0; r < 63; r++) {
        sum += num(t, r, (size_t)pop);
        assert_true(isnan(num(t, r, (size_t)area)));
        char c[8];
        assert_int_equal(gv_code_normalize(gv_table_cell(t, r, (size_t)code), 2, c, sizeof c, NULL), GV_OK);
        assert_string_equal(c, gv_table_cell(t, r, (size_t)code));
    }
    assert_true(sum == 96208984.0);
    assert_int_equal(gv_table_row_line(t, 62), 64);
    /* A clean real table: nothing to report; codes are 2 digits. */
    assert_int_equal(gv_table_nproblems(t), 0);
    assert_int_equal(gv_table_col_code_width(t, (size_t)code), 2);
    gv_table_free(t);
}

static void test_large_file(void **state) {
    (void)state;
    size_t cap = 10000 * 64 + 64, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    n += (size_t)snprintf(buf, cap, "code;name;population;rate\n");
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%05d;\"Xã Số %d\";%d.%03d;%d,%d\n",
                              i, i, 1 + i % 900, i % 1000, i % 100, i % 10);
    clock_t c0 = clock();
    gv_table *t = NULL;
    gv_error err;
    assert_int_equal(gv_table_read_csv_buffer(buf, n, "big.csv", NULL, &t, &err), GV_OK);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    assert_int_equal(gv_table_nrows(t), 10000);
    assert_true(num(t, 9999, 2) == (1 + 9999 % 900) * 1000.0 + 999);
    assert_true(fabs(num(t, 9999, 3) - 99.9) < 1e-12);
    assert_string_equal(gv_table_cell(t, 9999, 1), "Xã Số 9999");
    /* Generous bound (sanitizers, loaded machines); normally ~10 ms. */
    assert_true(secs < 2.0);
    gv_table_free(t);
    free(buf);
}

/* Random bytes and mutated CSV must give a table or a clean error, never a
 * crash; every cell of a table must be a readable string. Seeds are fixed
 * so a failure replays. */
static void test_random_inputs(void **state) {
    (void)state;
    const char alphabet[] = "ab1,;\t\"\r\n .5\xC3\xA0";
    const char base[] = "code;name;pop\r\n01;\"H\xC3\xA0 N\xE1\xBB\x99i\";8.053.663\r\n"
                        "02;\"a;\"\"b\"\"\";49,6\n\n04;x;1 234\n";
    size_t accepted = 0;
    for (unsigned seed = 1; seed <= 3000; seed++) {
        srand(seed);
        char buf[128];
        size_t n;
        if (seed % 2) { /* a valid table with 1-4 random edits */
            n = sizeof base - 1;
            memcpy(buf, base, n);
            for (int e = rand() % 4; e >= 0; e--) {
                size_t at = (size_t)rand() % n;
                char c = alphabet[rand() % (int)(sizeof alphabet - 1)];
                switch (rand() % 3) {
                case 0: buf[at] = c; break;
                case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;
                default:
                    if (n < sizeof buf) {
                        memmove(buf + at + 1, buf + at, n - at);
                        buf[at] = c;
                        n++;
                    }
                }
            }
        } else { /* noise */
            n = (size_t)(rand() % 96);
            for (size_t i = 0; i < n; i++)
                buf[i] = seed % 5 == 0 ? (char)(rand() & 0xFF)
                                       : alphabet[rand() % (int)(sizeof alphabet - 1)];
        }
        gv_table *t = NULL;
        gv_error err;
        int rc = gv_table_read_csv_buffer(buf, n, "r.csv", NULL, &t, &err);
        if (rc != GV_OK) {
            assert_null(t);
            assert_int_equal(err.code, rc);
            assert_int_equal(strncmp(err.msg, "r.csv", 5), 0);
            continue;
        }
        accepted++;
        assert_true(gv_table_nrows(t) > 0 && gv_table_ncols(t) > 0);
        for (size_t r = 0; r < gv_table_nrows(t); r++) {
            assert_true(gv_table_row_line(t, r) >= 2);
            for (size_t c = 0; c < gv_table_ncols(t); c++) {
                double v;
                const char *cell = gv_table_cell(t, r, c);
                assert_non_null(cell);
                assert_null(strchr(cell, '\r')); /* line ends become LF */
                size_t len = strlen(cell);
                if (len) assert_true(cell[0] != ' ' && cell[len - 1] != ' ');
                rc = gv_table_number(t, r, c, &v, &err);
                assert_true(rc == GV_OK || rc == GV_EDATA);
            }
        }
        gv_table_free(t);
    }
    assert_true(accepted > 300); /* the mutations must also reach success */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_bom_crlf_blank_lines),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_field_counts),
        cmocka_unit_test(test_empty_tables),
        cmocka_unit_test(test_utf8_and_nfc),
        cmocka_unit_test(test_col_index),
        cmocka_unit_test(test_number_formats),
        cmocka_unit_test(test_contradiction),
        cmocka_unit_test(test_missing_and_not_numbers),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_file_io),
        cmocka_unit_test(test_real_census),
        cmocka_unit_test(test_large_file),
        cmocka_unit_test(test_random_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
