/* test_table_problems.c: cmocka tests of the problems the CSV reader
 * reports (engine/source_csv.c, include/geovoice/table.h): trailing summary
 * rows, repeated header rows, codes that lost their leading zeros, the
 * notes on handled formats (BOM, CRLF, blank lines, quoted line breaks,
 * thousands separators, decimal commas), number-format contradictions, the
 * one-line format and strict mode. Every input is written by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geovoice/table.h"

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

/* Problem i formatted as one line (static buffer: one call per assert). */
static const char *line_of(const gv_table *t, size_t i) {
    static char buf[512];
    const gv_table_problem *p = gv_table_problem_at(t, i);
    assert_non_null(p);
    int k = gv_table_problem_format(t, p, buf, sizeof buf);
    assert_true(k > 0 && (size_t)k < sizeof buf);
    assert_int_equal((size_t)k, strlen(buf));
    assert_null(strchr(buf, '\n'));
    return buf;
}

static void expect_problem(const gv_table *t, size_t i, gv_fix_action action,
                           size_t line, size_t row, int col, const char *text) {
    const gv_table_problem *p = gv_table_problem_at(t, i);
    assert_non_null(p);
    assert_int_equal(p->action, action);
    assert_int_equal(p->line, line);
    assert_true(p->row == row);
    assert_int_equal(p->col, col);
    assert_string_equal(line_of(t, i), text);
}

/* Reads with strict on; must fail with GV_EDATA and exactly `msg`. */
static void expect_strict(const char *csv, const char *name, const char *msg) {
    gv_csv_options o = {0};
    o.strict = 1;
    gv_table *t = (gv_table *)1;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_table_read_csv_buffer(csv, strlen(csv), name, &o, &t, &err),
                     GV_EDATA);
    assert_null(t);
    assert_int_equal(err.code, GV_EDATA);
    assert_string_equal(err.msg, msg);
}

static void test_summary_row(void **state) {
    (void)state;
    const char *csv = "ma_tinh,ten,dan_so\n"
                      "01,Hà Nội,8053663\n"
                      "02,Hà Giang,854679\n"
                      ",Tổng cộng,8908342\n";
    gv_table *t = must_read(csv, "pop.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 2);
    assert_string_equal(gv_table_cell(t, 1, 1), "Hà Giang");
    assert_string_equal(gv_table_cell(t, 2, 1), ""); /* gone */
    assert_int_equal(gv_table_row_line(t, 2), 0);
    assert_int_equal(gv_table_nproblems(t), 1);
    expect_problem(t, 0, GV_FIX_SKIPPED, 4, (size_t)-1, 1,
                   "pop.csv: line 4, column 'ten': summary row 'Tổng cộng' skipped");
    gv_table_free(t);
    expect_strict(csv, "pop.csv",
                  "pop.csv: line 4, column 'ten': summary row 'Tổng cộng' "
                  "skipped (strict: skipped rows are errors)");
}

/* Every spelling the brief names, in any cell of the last row. */
static void test_summary_spellings(void **state) {
    (void)state;
    const char *labels[] = {
        "Tổng cộng", "TỔNG CỘNG", "TỔNG CỘNG:", "tổng cộng", "Tổng",
        "Tổng số", "Cả nước", "CẢ NƯỚC", "Toàn quốc", "Total", "TOTAL",
        "Grand total", "Cộng", "Cộng:", "Tong cong", "TONG CONG:", "Ca nuoc",
        "toan quoc", "Tổng cộng (2 tỉnh)", "Tổng cộng - toàn quốc",
        "Tổng cộng toàn quốc", "* Total", "Total:", "Tổng cộng – 2 tỉnh",
    };
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        char csv[256], want[256];
        /* label in the code column this time, name cell empty */
        snprintf(csv, sizeof csv, "code;name;pop\n01;Hà Nội;1\n02;Hà Giang;2\n%s;;3\n",
                 labels[i]);
        gv_table *t = must_read(csv, "s.csv", NULL);
        if (gv_table_nrows(t) != 2) fail_msg("'%s' not taken as a summary row", labels[i]);
        assert_int_equal(gv_table_nproblems(t), 1);
        snprintf(want, sizeof want,
                 "s.csv: line 4, column 'code': summary row '%s' skipped", labels[i]);
        assert_string_equal(line_of(t, 0), want);
        gv_table_free(t);
    }
}

/* Names that start like a keyword are units, not summaries. */
static void test_summary_lookalikes(void **state) {
    (void)state;
    const char *names[] = {
        "Cộng Hòa",  "Xã Cộng Hòa", "Cống",   "Phường Cống Vị", "Tống",
        "Totals",    "Tổng Hòa",    "Cong Hoa", "Tổng cong", "Tòng Bạt",
        "Tong Bat",  "Total population of the commune",  "Cả",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char csv[256];
        snprintf(csv, sizeof csv, "code,name\n00001,A\n00002,%s\n", names[i]);
        gv_table *t = must_read(csv, "l.csv", NULL);
        if (gv_table_nrows(t) != 2) fail_msg("'%s' taken as a summary row", names[i]);
        assert_int_equal(gv_table_nproblems(t), 0);
        gv_table_free(t);
    }
}

static void test_summary_rows_several_and_inside(void **state) {
    (void)state;
    /* Two trailing rows, a blank line between them; a national row on top
     * that is followed by units: kept, with a note. */
    const char *csv = "code,name,pop\n"
                      ",Cả nước,10\n"
                      "01,Hà Nội,4\n"
                      "02,Hà Giang,6\n"
                      ",Cộng,10\n"
                      "\n"
                      ",TOÀN QUỐC,10\n";
    gv_table *t = must_read(csv, "m.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 3);
    assert_string_equal(gv_table_cell(t, 0, 1), "Cả nước");
    assert_string_equal(gv_table_cell(t, 2, 1), "Hà Giang");
    assert_int_equal(gv_table_nproblems(t), 4);
    expect_problem(t, 0, GV_FIX_NOTE, 2, 0, 1,
                   "m.csv: row 1 (line 2), column 'name': 'Cả nước' looks like "
                   "a summary row, but data rows follow it: kept as a data row");
    expect_problem(t, 1, GV_FIX_SKIPPED, 5, (size_t)-1, 1,
                   "m.csv: line 5, column 'name': summary row 'Cộng' skipped");
    expect_problem(t, 2, GV_FIX_NOTE, 6, (size_t)-1, -1,
                   "m.csv: line 6: blank line skipped");
    expect_problem(t, 3, GV_FIX_SKIPPED, 7, (size_t)-1, 1,
                   "m.csv: line 7, column 'name': summary row 'TOÀN QUỐC' skipped");
    gv_table_free(t);
    /* Strict names the first skip in file order, not the note before it. */
    expect_strict(csv, "m.csv",
                  "m.csv: line 5, column 'name': summary row 'Cộng' skipped "
                  "(strict: skipped rows are errors)");
    /* Only a summary row: no data rows. */
    gv_table *u = (gv_table *)1;
    gv_error err;
    const char *only = "code,name\n,Tổng cộng\n";
    assert_int_equal(gv_table_read_csv_buffer(only, strlen(only), "o.csv", NULL, &u, &err),
                     GV_EDATA);
    assert_null(u);
    assert_string_equal(err.msg, "o.csv: no data rows");
}

static void test_repeated_header(void **state) {
    (void)state;
    const char *csv = "code,name,pop\n"
                      "01,Hà Nội,8053663\n"
                      "code,name,pop\n"
                      "02,Hà Giang,854679\n"
                      "code , name,pop,,\n" /* trimmed, trailing separators */
                      "04,Cao Bằng,530341\n";
    gv_table *t = must_read(csv, "cat.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 3);
    assert_string_equal(gv_table_cell(t, 1, 0), "02");
    assert_string_equal(gv_table_cell(t, 2, 0), "04");
    assert_int_equal(gv_table_row_line(t, 1), 4);
    assert_int_equal(gv_table_row_line(t, 2), 6);
    assert_int_equal(gv_table_nproblems(t), 2);
    expect_problem(t, 0, GV_FIX_SKIPPED, 3, (size_t)-1, -1,
                   "cat.csv: line 3: repeated header row skipped");
    expect_problem(t, 1, GV_FIX_SKIPPED, 5, (size_t)-1, -1,
                   "cat.csv: line 5: repeated header row skipped");
    /* The column decides its format without the header text in the way. */
    char dec, th;
    assert_int_equal(gv_table_col_format(t, 2, &dec, &th, NULL), GV_OK);
    gv_table_free(t);
    expect_strict(csv, "cat.csv",
                  "cat.csv: line 3: repeated header row skipped (strict: "
                  "skipped rows are errors)");
    /* A row that only partly repeats the header is data. */
    t = must_read("code,name\ncode,Hà Nội\n", "p.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 1);
    assert_int_equal(gv_table_nproblems(t), 0);
    gv_table_free(t);
    /* Header twice and nothing else. */
    gv_table *u = (gv_table *)1;
    gv_error err;
    const char *hh = "code,name\ncode,name\n";
    assert_int_equal(gv_table_read_csv_buffer(hh, strlen(hh), "h.csv", NULL, &u, &err),
                     GV_EDATA);
    assert_string_equal(err.msg, "h.csv: no data rows");
}

static void test_lost_leading_zeros(void **state) {
    (void)state;
    /* Provinces 1..12 as a spreadsheet saves them: 9 lost their zero. */
    char csv[512];
    size_t n = (size_t)snprintf(csv, sizeof csv, "ma_tinh,dan_so\n");
    for (int i = 1; i <= 12; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%d\n", i, 1000 + i);
    gv_table *t = must_read(csv, "codes.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 12);
    assert_string_equal(gv_table_cell(t, 0, 0), "1"); /* cells keep their text */
    assert_int_equal(gv_table_col_code_width(t, 0), 2);
    assert_int_equal(gv_table_col_code_width(t, 1), 0); /* not named a code */
    assert_int_equal(gv_table_nproblems(t), 1);
    expect_problem(t, 0, GV_FIX_FIXED, 0, (size_t)-1, 0,
                   "codes.csv: column 'ma_tinh': 9 codes lost their leading "
                   "zeros, padded to 2 digits (e.g. line 2 '1' → '01')");
    gv_table_free(t);
    expect_strict(csv, "codes.csv",
                  "codes.csv: column 'ma_tinh': 9 codes lost their leading "
                  "zeros, padded to 2 digits (e.g. line 2 '1' → '01') "
                  "(strict: fixes are errors)");

    /* One code, written as a number with ".0"; an empty cell ignored. */
    t = must_read("gso_code,x\n12.0,a\n,b\n1.0,c\n", "one.csv", NULL);
    assert_int_equal(gv_table_col_code_width(t, 0), 2);
    assert_int_equal(gv_table_nproblems(t), 1);
    assert_string_equal(line_of(t, 0),
                        "one.csv: column 'gso_code': 1 code lost its leading "
                        "zeros, padded to 2 digits (e.g. line 4 '1.0' → '01')");
    gv_table_free(t);

    /* Communes of one province, all below 10000: 4 digits is no code width. */
    t = must_read("Mã xã\n688\n1234\n", "xa.csv", NULL);
    assert_int_equal(gv_table_col_code_width(t, 0), 5);
    assert_string_equal(line_of(t, 0),
                        "xa.csv: column 'Mã xã': 2 codes lost their leading "
                        "zeros, padded to 5 digits (e.g. line 2 '688' → '00688')");
    gv_table_free(t);

    /* Clean code columns: a width, no problem. */
    const struct { const char *csv; int width; } clean[] = {
        {"code\n01\n02\n63\n", 2},
        {"province_code\n001\n002\n", 3},
        {"unitcode\n00001\n32248\n", 5},
        {"MA\n10\n96\n", 2},
        {"code\n01\n001\n", 0},     /* mixed levels, zeros kept */
        {"code\n01\nabc\n", 0},     /* not all codes */
        {"code\n1.5\n2\n", 0},      /* a fraction is no code */
        {"match\n1\n22\n", 0},      /* not a code name */
        {"macro\n1\n22\n", 0},
        {"code\n\n", 0},
    };
    for (size_t i = 0; i < sizeof clean / sizeof *clean; i++) {
        gv_table *u = NULL;
        gv_error err;
        int rc = gv_table_read_csv_buffer(clean[i].csv, strlen(clean[i].csv), "c.csv",
                                          NULL, &u, &err);
        if (rc != GV_OK) {
            assert_int_equal(clean[i].width, 0); /* "code\n\n": no data rows */
            continue;
        }
        if (gv_table_col_code_width(u, 0) != clean[i].width)
            fail_msg("%s: width %d", clean[i].csv, gv_table_col_code_width(u, 0));
        assert_int_equal(gv_table_nproblems(u), 0);
        gv_table_free(u);
    }
    assert_int_equal(gv_table_col_code_width(NULL, 0), 0);
}

static void test_handled_notes(void **state) {
    (void)state;
    const char *csv = "\xEF\xBB\xBF"
                      "ma;ten;dan_so;ty_le\r\n"
                      "01;\"Hà\r\nNội\";8.053.663;49,6\r\n"
                      "\r\n"
                      "02;Hà Giang;854.679;12,5\r\n"
                      "04;\"Cao\nBằng\";530 341;7\r\n";
    gv_table *t = must_read(csv, "n.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 3);
    assert_string_equal(gv_table_cell(t, 0, 1), "Hà\nNội");
    /* dan_so: '.' thousands in rows 1-2 and a space in row 3 contradict */
    assert_int_equal(gv_table_nproblems(t), 6);
    expect_problem(t, 0, GV_FIX_NOTE, 1, (size_t)-1, -1,
                   "n.csv: line 1: UTF-8 byte order mark dropped");
    expect_problem(t, 1, GV_FIX_NOTE, 1, (size_t)-1, -1,
                   "n.csv: line 1: Windows line ends (CRLF) read");
    expect_problem(t, 2, GV_FIX_NOTE, 2, (size_t)-1, 1,
                   "n.csv: line 2, column 'ten': quoted value holds a line "
                   "break (kept); 2 such values in this column");
    expect_problem(t, 3, GV_FIX_NOTE, 4, (size_t)-1, -1,
                   "n.csv: line 4: blank line skipped");
    expect_problem(t, 4, GV_FIX_ERROR, 0, (size_t)-1, 2,
                   "n.csv: column 'dan_so': cannot be read as numbers: line 2 "
                   "'8.053.663' and line 6 '530 341' need different number "
                   "formats");
    expect_problem(t, 5, GV_FIX_NOTE, 0, (size_t)-1, 3,
                   "n.csv: column 'ty_le': decimal comma read (e.g. line 2 '49,6')");
    gv_table_free(t);
    /* Notes and errors are not fixes: strict reads the table. */
    gv_csv_options o = {0};
    o.strict = 1;
    t = must_read(csv, "n.csv", &o);
    assert_int_equal(gv_table_nproblems(t), 6);
    gv_table_free(t);

    /* Thousands separators of each kind, a lone CR, several blank lines. */
    t = must_read("a,b\r\"1,234\",1\r\r \r,,\r\"5,678\",2\r", "k.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 2);
    /* "1,234" and "5,678" alone could be thousands or decimal commas: the
     * column is ambiguous (no note; reading it asks for --decimal). */
    assert_int_equal(gv_table_nproblems(t), 2);
    assert_string_equal(line_of(t, 0), "k.csv: line 1: old Mac line ends (CR) read");
    assert_string_equal(line_of(t, 1),
                        "k.csv: line 3: 3 blank or empty lines skipped, the first here");
    assert_int_equal(gv_table_col_ambiguous(t, 0), 1);
    gv_table_free(t);
    t = must_read("a,b\r\"1,234\",1\r\"5,678\",2\r\"1,234,567\",3\r", "k2.csv", NULL);
    assert_int_equal(gv_table_nproblems(t), 2);
    assert_string_equal(line_of(t, 1),
                        "k2.csv: column 'a': thousands separator ',' read (e.g. "
                        "line 2 '1,234')");
    gv_table_free(t);
    t = must_read("a;b\n1\xC2\xA0" "234;x\n", "sp.csv", NULL);
    assert_int_equal(gv_table_nproblems(t), 1);
    assert_string_equal(line_of(t, 0),
                        "sp.csv: column 'a': spaces as thousands separators read "
                        "(e.g. line 2 '1\xC2\xA0" "234')");
    gv_table_free(t);

    /* A clean file has no problems at all. */
    t = must_read("code,name,pop\n01,Hà Nội,8053663\n02,Hà Giang,854679\n", "c.csv", NULL);
    assert_int_equal(gv_table_nproblems(t), 0);
    assert_null(gv_table_problem_at(t, 0));
    gv_table_free(t);
}

/* Several problems: file order, and strict names the first fix or skip. */
static void test_order_and_strict(void **state) {
    (void)state;
    const char *csv = "code;ten;ty_le\n"
                      "1;Hà Nội;1,5\n"
                      "code;ten;ty_le\n"
                      "2;Hà Giang;2,5\n"
                      "10;Lai Châu;3\n"
                      ";TỔNG CỘNG:;7\n";
    gv_table *t = must_read(csv, "all.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 3);
    assert_int_equal(gv_table_nproblems(t), 4);
    expect_problem(t, 0, GV_FIX_SKIPPED, 3, (size_t)-1, -1,
                   "all.csv: line 3: repeated header row skipped");
    expect_problem(t, 1, GV_FIX_SKIPPED, 6, (size_t)-1, 1,
                   "all.csv: line 6, column 'ten': summary row 'TỔNG CỘNG:' skipped");
    expect_problem(t, 2, GV_FIX_FIXED, 0, (size_t)-1, 0,
                   "all.csv: column 'code': 2 codes lost their leading zeros, "
                   "padded to 2 digits (e.g. line 2 '1' → '01')");
    expect_problem(t, 3, GV_FIX_NOTE, 0, (size_t)-1, 2,
                   "all.csv: column 'ty_le': decimal comma read (e.g. line 2 '1,5')");
    gv_table_free(t);
    expect_strict(csv, "all.csv",
                  "all.csv: line 3: repeated header row skipped (strict: "
                  "skipped rows are errors)");
    /* strict = 0 in a zero-initialised struct: unchanged behaviour. */
    gv_csv_options o = {0};
    t = must_read(csv, "all.csv", &o);
    assert_int_equal(gv_table_nrows(t), 3);
    gv_table_free(t);
    /* Strict with no fix or skip: reads. */
    o.strict = 1;
    t = must_read("code,name\n01,A\n", "ok.csv", &o);
    gv_table_free(t);
}

static void test_format_api(void **state) {
    (void)state;
    /* Unnamed column, a long label clipped in the message. */
    char csv[600], label[300] = "Tổng cộng:";
    for (int i = 0; i < 30; i++) strcat(label, " ă");
    snprintf(csv, sizeof csv, ",pop\nHà Nội,1\n%s,2\n", label);
    gv_table *t = must_read(csv, "f.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 2); /* > 100 bytes: free text, kept */
    gv_table_free(t);
    t = must_read(",pop\nHà Nội,1\nTổng,2\n", "f.csv", NULL);
    assert_int_equal(gv_table_nrows(t), 1);
    assert_string_equal(line_of(t, 0), "f.csv: line 3, column 1: summary row 'Tổng' skipped");
    const gv_table_problem *p = gv_table_problem_at(t, 0);
    char buf[64];
    const char *full = "f.csv: line 3, column 1: summary row 'Tổng' skipped";
    /* snprintf-like: the full length whatever the buffer */
    assert_int_equal(gv_table_problem_format(t, p, NULL, 0), (int)strlen(full));
    /* Cut inside "ổ" (3 bytes at offset 38..40): never half a character. */
    size_t at = (size_t)(strstr(full, "ổ") - full);
    for (size_t n = at + 1; n <= at + 3; n++) {
        memset(buf, 'x', sizeof buf);
        assert_int_equal(gv_table_problem_format(t, p, buf, n), (int)strlen(full));
        assert_int_equal(strlen(buf), at);
        assert_memory_equal(buf, full, at);
    }
    assert_int_equal(gv_table_problem_format(t, p, buf, at + 4), (int)strlen(full));
    assert_int_equal(strlen(buf), at + 3);
    assert_int_equal(gv_table_problem_format(NULL, p, buf, sizeof buf), GV_EUSAGE);
    assert_int_equal(gv_table_problem_format(t, NULL, buf, sizeof buf), GV_EUSAGE);
    assert_null(gv_table_problem_at(t, 1));
    assert_null(gv_table_problem_at(NULL, 0));
    assert_int_equal(gv_table_nproblems(NULL), 0);
    gv_table_free(t);
}

/* The same through a real file: path in the messages and the error. */
static void test_file(void **state) {
    (void)state;
    char path[] = "/tmp/gv_tp_XXXXXX.csv";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    const char *csv = "ma,ten\n1,A\n22,B\n,Cả nước\n";
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    gv_table *t = NULL;
    gv_error err;
    assert_int_equal(gv_table_read_csv(path, NULL, &t, &err), GV_OK);
    assert_int_equal(gv_table_nrows(t), 2);
    char want[256];
    snprintf(want, sizeof want, "%s: line 4, column 'ten': summary row 'Cả nước' skipped", path);
    assert_string_equal(line_of(t, 0), want);
    gv_table_free(t);
    gv_csv_options o = {0};
    o.strict = 1;
    assert_int_equal(gv_table_read_csv(path, &o, &t, &err), GV_EDATA);
    assert_null(t);
    snprintf(want, sizeof want,
             "%s: line 4, column 'ten': summary row 'Cả nước' skipped (strict: "
             "skipped rows are errors)",
             path);
    assert_string_equal(err.msg, want);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_row),
        cmocka_unit_test(test_summary_spellings),
        cmocka_unit_test(test_summary_lookalikes),
        cmocka_unit_test(test_summary_rows_several_and_inside),
        cmocka_unit_test(test_repeated_header),
        cmocka_unit_test(test_lost_leading_zeros),
        cmocka_unit_test(test_handled_notes),
        cmocka_unit_test(test_order_and_strict),
        cmocka_unit_test(test_format_api),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
