/* table.h: reading delimited text tables (CSV) into memory.
 *
 * A gv_table is a read-only grid of UTF-8 strings: one header row of column
 * names and data rows below it. Every cell is trimmed and normalised to NFC
 * when the file is read. Numbers stay text until asked for: the number
 * format (decimal comma or point, thousands separator) is decided per column
 * from all of the column's values (SPEC "Inputs"), and gv_table_number reads
 * one cell with that format.
 *
 * Reading rules (engine/source_csv.c has the details and the reasons):
 * - UTF-8 only; a UTF-8 BOM is dropped; invalid UTF-8 or a NUL byte is
 *   GV_EDATA naming the line.
 * - Separator: ',', ';' or tab. Unless forced, each candidate splits the
 *   header and the first 20 data records (quote-aware); a candidate is
 *   consistent when the header has >= 2 fields and every sampled record has
 *   the header's count. Among consistent candidates the one with the most
 *   columns wins, ties in the order ',' ';' tab. When none is consistent the
 *   one giving the header the most fields (>= 2) is used, so the row that
 *   does not fit is reported; when every candidate gives one field the table
 *   has a single column.
 * - RFC 4180 quoting: "..." fields may hold separators, newlines and doubled
 *   quotes. Line ends are LF, CRLF or CR. Spaces before an opening quote and
 *   after a closing quote are ignored; other text after a closing quote, or a
 *   quote never closed, is GV_EDATA.
 * - Blank lines, and rows whose every field is empty (",,,," left behind by
 *   spreadsheets), are skipped; line numbers still count them.
 * - A row with more fields than the header is GV_EDATA unless the extra
 *   fields are all empty (trailing separators), which are dropped. A row with
 *   fewer fields is GV_EDATA ("row 4 (line 5): 9 fields, the header has
 *   11"): a short row usually means a broken quote or a wrong separator, and
 *   guessing would shift values into the wrong columns.
 * - Trailing empty header fields (a header ending in separators) are dropped.
 *   Other empty column names are allowed (e.g. an exported index column) but
 *   cannot be looked up by name. Two columns with the same non-empty name
 *   are GV_EDATA.
 * - A file without data rows (empty or header only) is GV_EDATA
 *   "NAME: no data rows".
 *
 * - A data row equal to the header (files concatenated with their headers)
 *   is skipped and reported.
 * - Summary rows at the end of the table ("Tổng cộng", "Tổng", "Tổng số",
 *   "Cả nước", "Toàn quốc", "Cộng", "Total", "Grand total" in any case,
 *   written with the right diacritics or with none, alone or followed by
 *   punctuation, e.g. "TỔNG CỘNG:", "Tổng cộng (63 tỉnh)", in any cell of
 *   the row) are skipped and reported: they are not units. Such a row with
 *   data rows after it is kept, with a note. "Cộng Hòa" or "Cống" never
 *   match: a keyword followed by another word is a name, and a cell with
 *   diacritics must carry the keyword's own.
 *
 * Problems (gv_table_nproblems / gv_table_problem_at) list, in file order,
 * what reading did about the file, each one line (gv_table_problem_format):
 *   GV_FIX_SKIPPED  a row not taken as data: repeated header, summary row;
 *   GV_FIX_FIXED    a value that will be read other than as written: codes
 *                   that lost their leading zeros (column level; the cells
 *                   keep their text, gv_code_normalize pads them at join
 *                   time, gv_table_col_code_width gives the width);
 *   GV_FIX_ERROR    a column whose number formats contradict each other (the
 *                   table still loads; reading it as numbers fails);
 *   GV_FIX_NOTE     handled, nothing lost: BOM, CRLF or CR line ends, blank
 *                   or empty lines, quoted values holding line breaks,
 *                   thousands separators, decimal commas, a summary-looking
 *                   row that is not at the end.
 * With gv_csv_options.strict the first FIXED or SKIPPED problem in that
 * order makes the read fail with GV_EDATA and its formatted line.
 *
 * Messages start with the path (or buffer name) exactly as given. Data rows
 * are counted from 1 in messages ("row 12 (line 13)") but from 0 in the API.
 */
#ifndef GEOVOICE_TABLE_H
#define GEOVOICE_TABLE_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque; owns the copy of its path and all of its strings. */
typedef struct gv_table gv_table;

typedef struct gv_csv_options {
    char decimal; /* 0 = detect per column; '.' or ',' forces it for all columns */
    char sep;     /* 0 = detect; else ',' ';' or '\t' */
    int strict;   /* nonzero: every fix or skipped row is a GV_EDATA error
                   * (the first one, by file order, is named) */
} gv_csv_options;

/* What reading did about one problem of the file. */
typedef enum gv_fix_action {
    GV_FIX_FIXED = 0, /* read other than as written (see table.h top) */
    GV_FIX_SKIPPED,   /* a row not taken as data */
    GV_FIX_ERROR,     /* a column that cannot be used as numbers */
    GV_FIX_NOTE       /* handled, nothing lost or changed */
} gv_fix_action;

/* One problem. line: 1-based line of the file, 0 for a problem of a whole
 * column (the text then names an example line). row: 0-based data row the
 * problem is about, (size_t)-1 when none (a skipped row is no data row).
 * col: 0-based column, -1 when the problem is not about one column. what:
 * one line of UTF-8 without the location, e.g. "summary row 'Tổng cộng'
 * skipped". */
typedef struct gv_table_problem {
    size_t line;
    size_t row;
    int col;
    gv_fix_action action;
    char what[200];
} gv_table_problem;

/* Reads a whole CSV file. opt may be NULL (detect everything). On success
 * *out is a new table to release with gv_table_free; on error *out is NULL.
 * Returns GV_OK, GV_EDATA (unreadable or malformed file), GV_EUSAGE (bad
 * arguments or options) or GV_ENOMEM. */
GV_API int gv_table_read_csv(const char *path, const gv_csv_options *opt,
                             gv_table **out, gv_error *err);

/* Same from a memory buffer of len bytes (need not be NUL-terminated; the
 * table copies what it keeps). `name` is used in messages in place of a path
 * and returned by gv_table_path; NULL means "<buffer>". */
GV_API int gv_table_read_csv_buffer(const char *data, size_t len,
                                    const char *name,
                                    const gv_csv_options *opt, gv_table **out,
                                    gv_error *err);

/* Frees the table and every string it handed out. NULL ok. */
GV_API void gv_table_free(gv_table *t);

/* Path or buffer name the table was read from (borrowed). */
GV_API const char *gv_table_path(const gv_table *t);

/* Number of data rows (header excluded). */
GV_API size_t gv_table_nrows(const gv_table *t);

GV_API size_t gv_table_ncols(const gv_table *t);

/* Column name, trimmed and NFC (borrowed); "" for an unnamed column, NULL
 * when col is out of range. */
GV_API const char *gv_table_colname(const gv_table *t, size_t col);

/* Index of the column called `name` (trimmed, NFC): first an exact match,
 * then a case-insensitive one (Unicode simple lower case, so "ĐỊA BÀN"
 * finds "địa bàn"). Returns -1 when absent, when name is empty, or when
 * several columns match case-insensitively and none exactly. */
GV_API int gv_table_col_index(const gv_table *t, const char *name);

/* Cell text (borrowed): NFC UTF-8, trimmed, "" for an empty or
 * out-of-range cell; never NULL. row is 0-based among data rows. */
GV_API const char *gv_table_cell(const gv_table *t, size_t row, size_t col);

/* 1-based line of the file where data row `row` starts (the header is
 * usually line 1); 0 when row is out of range. */
GV_API size_t gv_table_row_line(const gv_table *t, size_t row);

/* Numeric value of a cell, read with the column's number format (see
 * gv_table_col_format). An empty cell is a missing value: *out = NAN and
 * GV_OK (never 0, never an error). Text that is not a number ("abc", "12%",
 * "NaN") is GV_EDATA with a message like
 *   "pop.csv: row 12 (line 13), column 'population_total': 'abc' is not a number".
 * A column whose format contradicts itself gives gv_table_col_format's
 * error. GV_EUSAGE for an out-of-range row/col or NULL out; *out is NAN on
 * any error. Accepted: optional '+'/'-', digits with the column's thousands
 * separator (groups of 3 after a first group of 1-3 digits), the column's
 * decimal separator, an exponent (1e5, 2.5E-3). */
GV_API int gv_table_number(const gv_table *t, size_t row, size_t col,
                           double *out, gv_error *err);

/* Number format the column was decided to use. GV_OK with *decimal ('.' or
 * ',') and *thousands (0 = none, '.', ',' or ' ' which also stands for
 * U+00A0, U+202F and U+2009) — or GV_EDATA when the column's values
 * contradict each other, naming the column and two rows, e.g.
 *   "t.csv: column 'x': row 3 '49,6' uses ',' as decimal but row 7
 *    '1,234,567' uses ',' for thousands".
 * Rule: each value that reads as a number under some format narrows the set
 * of formats the column may use; cells that are empty or not numbers under
 * any format do not vote. Among the formats left, the one whose thousands
 * separator actually appears in the column wins, then one without a
 * thousands separator, then '.' before ',' as decimal. So a column holding
 * only values like "313,905" or "1.234" (one separator followed by exactly
 * 3 digits, first group not starting with 0) could be thousands or
 * decimals: such a column is ambiguous, and reading it (here and in
 * gv_table_number) is GV_EDATA naming the column and a value and asking
 * for --decimal (opt->decimal), never a guess that may be 1000 times off.
 * A column with no numeric values reports '.' (or the forced decimal) and
 * 0. When opt->decimal was forced, only formats with that decimal are
 * considered. */
GV_API int gv_table_col_format(const gv_table *t, size_t col, char *decimal,
                               char *thousands, gv_error *err);

/* 1 when column col is ambiguous as described above (0 otherwise). */
GV_API int gv_table_col_ambiguous(const gv_table *t, size_t col);

/* Number of problems found while reading (0 for NULL). */
GV_API size_t gv_table_nproblems(const gv_table *t);

/* Problem i in file order (lines first, then whole-column problems), NULL
 * when out of range. Borrowed: lives as long as the table. */
GV_API const gv_table_problem *gv_table_problem_at(const gv_table *t,
                                                   size_t i);

/* Writes problem p of table t as one line into buf (n bytes, always
 * NUL-terminated when n > 0, cut at a UTF-8 character boundary):
 *   "pop.csv: line 65, column 'ten': summary row 'Tổng cộng' skipped"
 *   "pop.csv: row 4 (line 5), column 'ten': 'Cả nước' looks like a ..."
 *   "pop.csv: column 'ma': 41 codes lost their leading zeros, padded to 2
 *    digits (e.g. line 2 '1' → '01')"
 * Location parts: "row R (line L)" when p->row is set, else "line L" when
 * p->line is set; then "column 'name'" (or "column N" for an unnamed
 * column) when p->col >= 0. Returns the length of the full line (as
 * snprintf; >= n means it was cut) or GV_EUSAGE for a NULL t or p. */
GV_API int gv_table_problem_format(const gv_table *t,
                                   const gv_table_problem *p, char *buf,
                                   size_t n);

/* Digits the codes of column col take once zero-padded: for a column named
 * like a code (code, ma, mã, ma_tinh, mã tỉnh, gso_code, *_code, unitcode)
 * whose non-empty values all read as codes (gv_code_normalize with width
 * 0), either the one width they all share, or, when shorter values without
 * a leading zero sit beside longer ones (a spreadsheet dropped the zeros),
 * the longest width rounded up to an official code width (2 provinces, 3
 * districts, 5 communes; wider kept as is). A column of one width below 2
 * or of 4 is also taken as zeros lost (codes are 2, 3 or 5 digits). 0 when
 * the column is not such a code column, when short values start with 0
 * (mixed levels, e.g. "01" beside "001") or col is out of range. */
GV_API int gv_table_col_code_width(const gv_table *t, size_t col);

/* Normalises an administrative code read from a table (SPEC "Words": codes
 * are text, "1", "01" and "1.0" are the same code). Trims spaces, accepts
 * digits optionally followed by '.' or ',' and only zeros ("1.0", "01,00"),
 * then left-pads with zeros to `width` digits ("1" -> "01" for width 2).
 * Leading zeros beyond width are dropped ("001" -> "01"); a code that still
 * has more than `width` digits is GV_EDATA. width 0 keeps the digits as
 * written (minus the ".0" tail). Empty text, letters, signs, exponents and
 * fractions ("1.5") are GV_EDATA; a negative width or a NULL argument is
 * GV_EUSAGE; out too small (outsz must exceed the digit count) is
 * GV_EUSAGE. Messages do not name a file: the caller prefixes one. */
GV_API int gv_code_normalize(const char *in, int width, char *out,
                             size_t outsz, gv_error *err);

/* Looks for two data rows naming the same unit: the same code in column
 * code_col (normalised with gv_code_normalize to `width`; cells that are
 * not codes are skipped) and, when extra_col >= 0, the same text in that
 * column too (e.g. the ethnic group). Returns 1 and the first such pair
 * (*row_a < *row_b, 0-based data rows) or 0 when every row is unique;
 * -1 when out of memory. */
GV_API int gv_table_find_duplicate(const gv_table *t, size_t code_col, int width, int extra_col,
                                   size_t *row_a, size_t *row_b);

#ifdef __cplusplus
}
#endif
#endif
