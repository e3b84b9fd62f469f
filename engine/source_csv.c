/* source_csv.c: reads CSV files into a gv_table (include/geovoice/table.h)
 * and reads numbers and administrative codes out of its cells.
 *
 * The whole file is read into memory, checked as UTF-8 in one pass, then
 * split into records. Cell text goes into one growing arena (cells are
 * offsets into it, so the arena may move while it grows): a 10,000-row file
 * costs a handful of allocations, not one per cell. Offset 0 is a shared ""
 * for every empty cell.
 *
 * Number formats are decided when the table is read, once per column, so
 * gv_table_number stays a pure read of an immutable table (safe to call from
 * several threads). A contradiction is stored, not raised: a text column
 * such as a name never stops a table from loading; only asking that column
 * for numbers fails. */
#include "geovoice/table.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "encoding_int.h"

/* How many data records after the header the separator sniffer looks at:
 * enough to see a quoted field or a decimal comma, cheap on any file. */
#define SNIFF_RECORDS 20

/* The six number formats a column may use: decimal separator and thousands
 * separator (0 = none). The order is the tie-break order of choose_format:
 * decimal point first (the SPEC's own examples), no thousands before some. */
enum { NFMT = 6 };
static const char fmt_dec[NFMT] = {'.', '.', '.', ',', ',', ','};
static const char fmt_th[NFMT] = {0, ',', ' ', 0, '.', ' '};

typedef struct colfmt {
    char dec, th;        /* decided format, valid when !bad */
    int bad;             /* values contradict each other */
    size_t row_a, row_b; /* the two rows (0-based) named in the message */
    int ambiguous;       /* every value reads both with th as thousands separator and as decimal point ("21.958") */
    size_t row_amb;      /* the first such value's row */
    unsigned cum;        /* formats every value allows */
    int seen_dot, seen_comma, seen_space;
} colfmt;

struct gv_table {
    char *path;          /* from malloc(): the path or buffer name as given */
    char *text;          /* from malloc(): arena of NUL-terminated cells */
    size_t text_len, text_cap;
    size_t *cell;        /* from malloc(): (nrows + 1) * ncols offsets into
                          * text; row 0 is the header */
    size_t ncell, cell_cap;
    size_t *line;        /* from malloc(): start line of each data row */
    size_t line_cap;
    size_t nrows, ncols;
    char forced_dec;     /* opt->decimal, 0 when detected */
    colfmt *fmt;         /* from malloc(): ncols entries */
    gv_table_problem *prob; /* from malloc(): what reading did, file order */
    size_t nprob, prob_cap;
    int *code_width;     /* from malloc(): ncols entries, see table.h */
};

/* ---------------------------------------------------------------- arena */

static int reserve_text(gv_table *t, size_t extra) {
    if (t->text_cap - t->text_len > extra) return GV_OK;
    size_t cap = t->text_cap ? t->text_cap : 256;
    while (cap - t->text_len <= extra) {
        if (cap > SIZE_MAX / 2) return GV_ENOMEM;
        cap *= 2;
    }
    char *p = realloc(t->text, cap);
    if (!p) return GV_ENOMEM;
    t->text = p;
    t->text_cap = cap;
    return GV_OK;
}

static int push_cell(gv_table *t, size_t off) {
    if (t->ncell == t->cell_cap) {
        size_t cap = t->cell_cap ? t->cell_cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof *t->cell) return GV_ENOMEM;
        size_t *p = realloc(t->cell, cap * sizeof *p);
        if (!p) return GV_ENOMEM;
        t->cell = p;
        t->cell_cap = cap;
    }
    t->cell[t->ncell++] = off;
    return GV_OK;
}

static int push_line(gv_table *t, size_t line) {
    if (t->nrows == t->line_cap) {
        size_t cap = t->line_cap ? t->line_cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof *t->line) return GV_ENOMEM;
        size_t *p = realloc(t->line, cap * sizeof *p);
        if (!p) return GV_ENOMEM;
        t->line = p;
        t->line_cap = cap;
    }
    t->line[t->nrows] = line;
    return GV_OK;
}

/* ---------------------------------------------------------------- UTF-8 */

static int check_utf8(const char *name, const char *data, size_t len,
                      gv_error *err) {
    const unsigned char *s = (const unsigned char *)data;
    size_t line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80) { i++; continue; }
        /* Lines end at LF, CRLF or a lone CR, as in the record parser, so
         * both report the same line numbers. */
        if (c == '\n' || (c == '\r' && (i + 1 == len || s[i + 1] != '\n'))) {
            line++;
            i++;
            continue;
        }
        /* gv__utf8_seq (encoding.c) also rejects NUL, which would
         * silently cut a cell short in C strings. */
        size_t k = gv__utf8_seq(s + i, len - i);
        if (k == 0) {
            if (c == 0)
                return gv_error_set(err, GV_EDATA,
                                    "%s: line %zu: NUL byte (is the file "
                                    "UTF-16? save it as UTF-8)",
                                    name, line);
            /* Say what the bytes look like: a table exported from an old
             * spreadsheet in a .VnTime or VNI font is common. */
            const char *hint = "";
            gv_encoding e = gv_text_detect(data, len < (1u << 20) ? len : (1u << 20), NULL);
            if (e == GV_ENC_TCVN3) hint = " (it looks like TCVN3/ABC: iconv -f TCVN5712-1 -t UTF-8 converts it)";
            else if (e == GV_ENC_CP1258) hint = " (it looks like CP1258: iconv -f CP1258 -t UTF-8 converts it)";
            else if (e == GV_ENC_VNI) hint = " (it looks like VNI-Windows text)";
            else if (e == GV_ENC_MIXED) hint = " (part of it is UTF-8, part is not)";
            return gv_error_set(err, GV_EDATA,
                                "%s: line %zu: invalid UTF-8 (byte 0x%02X); "
                                "save the file as UTF-8%s",
                                name, line, c, hint);
        }
        i += k;
    }
    return GV_OK;
}

static int is_space_at(const char *s, size_t n, size_t *k) {
    /* ASCII blanks, plus the no-break spaces spreadsheets put around
     * numbers (U+00A0, U+202F) and the thin space U+2009. */
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
        c == '\f') {
        *k = 1;
        return 1;
    }
    if (n >= 2 && c == 0xC2 && (unsigned char)s[1] == 0xA0) {
        *k = 2;
        return 1;
    }
    if (n >= 3 && c == 0xE2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0xAF || (unsigned char)s[2] == 0x89)) {
        *k = 3;
        return 1;
    }
    return 0;
}

/* Trims s[0..*n) in place of pointers: returns the new start, updates *n. */
static const char *trim(const char *s, size_t *n) {
    size_t len = *n, k;
    while (len && is_space_at(s, len, &k)) {
        s += k;
        len -= k;
    }
    for (;;) {
        if (len == 0) break;
        unsigned char last = (unsigned char)s[len - 1];
        if (last == ' ' || last == '\t' || last == '\r' || last == '\n' ||
            last == '\v' || last == '\f') {
            len--;
        } else if (len >= 2 && last == 0xA0 &&
                   (unsigned char)s[len - 2] == 0xC2) {
            len -= 2;
        } else if (len >= 3 && (last == 0xAF || last == 0x89) &&
                   (unsigned char)s[len - 2] == 0x80 &&
                   (unsigned char)s[len - 3] == 0xE2) {
            len -= 3;
        } else {
            break;
        }
    }
    *n = len;
    return s;
}

/* ---------------------------------------------------------------- parser */

/* Quoted values holding line breaks, per column (a note each). */
typedef struct qnl_count {
    size_t count, first_line;
} qnl_count;

typedef struct parser {
    const char *name;          /* for messages */
    const char *p, *end;       /* cursor in the input */
    size_t line;               /* 1-based line of *p */
    char sep;
    gv_table *t;
    utf8proc_int32_t *u32;     /* scratch for NFC, grows as needed */
    size_t u32_cap;
    gv_error *err;
    size_t nblank, blank_line; /* blank/empty lines skipped, first one */
    size_t qnl_line;           /* set by parse_field: the quoted value
                                * opened on this line held a line break */
    qnl_count *qnl;            /* from malloc(): per field index */
    size_t qnl_cap;
} parser;

static int is_blank_char(char c, char sep) {
    return c == ' ' || (c == '\t' && sep != '\t');
}

/* Consumes one line end at p (LF, CRLF or lone CR); returns the new p. */
static const char *skip_newline(const char *p, const char *end) {
    if (*p == '\r' && p + 1 < end && p[1] == '\n') return p + 2;
    return p + 1;
}

/* Skips lines holding only blanks. Returns the start of the next line with
 * content (or end) and counts the skipped lines. */
static const char *skip_blank_lines(const char *p, const char *end, char sep,
                                    size_t *line) {
    for (;;) {
        const char *q = p;
        while (q < end && is_blank_char(*q, sep)) q++;
        if (q == end) return q;
        if (*q != '\n' && *q != '\r') return p;
        p = skip_newline(q, end);
        (*line)++;
    }
}

/* Counts the fields of the record at p without copying (separator sniffing).
 * Quotes open only at the start of a field, as in parse_field. */
static const char *scan_record(const char *p, const char *end, char sep,
                               size_t *nfields) {
    size_t n = 1;
    int at_start = 1, inq = 0;
    while (p < end) {
        char c = *p;
        if (inq) {
            if (c == '"') {
                if (p + 1 < end && p[1] == '"') { p += 2; continue; }
                inq = 0;
            }
            p++;
            continue;
        }
        if (c == sep) { n++; at_start = 1; p++; continue; }
        if (c == '\n' || c == '\r') { p = skip_newline(p, end); break; }
        if (c == '"' && at_start) inq = 1;
        else if (!is_blank_char(c, sep)) at_start = 0;
        p++;
    }
    *nfields = n;
    return p;
}

/* Separator rule (also in table.h): each of ',' ';' tab splits the header
 * and up to SNIFF_RECORDS records. Consistent = header >= 2 fields and every
 * sampled record has as many. The consistent candidate with most columns
 * wins (ties: ',' ';' tab); otherwise the one giving the header most fields,
 * so the parser then names the row that breaks it; otherwise ','. */
static char detect_sep(const char *p, const char *end) {
    static const char cand[3] = {',', ';', '\t'};
    size_t hdr[3];
    int ok[3];
    for (int c = 0; c < 3; c++) {
        size_t line = 1, n;
        const char *q = skip_blank_lines(p, end, 0, &line);
        q = scan_record(q, end, cand[c], &hdr[c]);
        ok[c] = hdr[c] >= 2;
        for (int k = 0; k < SNIFF_RECORDS && ok[c]; k++) {
            q = skip_blank_lines(q, end, 0, &line);
            if (q >= end) break;
            q = scan_record(q, end, cand[c], &n);
            if (n != hdr[c]) ok[c] = 0;
        }
    }
    int best = -1;
    for (int c = 0; c < 3; c++)
        if (ok[c] && (best < 0 || hdr[c] > hdr[best])) best = c;
    if (best >= 0) return cand[best];
    for (int c = 0; c < 3; c++)
        if (hdr[c] >= 2 && (best < 0 || hdr[c] > hdr[best])) best = c;
    return best >= 0 ? cand[best] : ',';
}

/* 1 when s (valid UTF-8) is NFC without asking utf8proc: every code point
 * is below U+0300 or in Latin Extended Additional (U+1E00-U+1EFF, where the
 * precomposed Vietnamese letters live). None of those decomposes under NFC
 * or composes with a neighbour (checked exhaustively over all pairs with
 * utf8proc 2.8), so the common Vietnamese name skips normalisation, which
 * otherwise is most of the reading time. */
static int surely_nfc(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        if (c < 0x80) { i++; continue; }
        if (c < 0xE0) { /* 2 bytes: U+0080..U+07FF */
            if (((c & 0x1Fu) << 6 | (u[i + 1] & 0x3Fu)) >= 0x300) return 0;
            i += 2;
            continue;
        }
        if (c == 0xE1 && (u[i + 1] == 0xB8 || u[i + 1] == 0xB9 ||
                          u[i + 1] == 0xBA || u[i + 1] == 0xBB)) {
            i += 3; /* U+1E00..U+1EFF */
            continue;
        }
        return 0;
    }
    return 1;
}

/* Rewrites text[start..text_len) as NFC in place. Only called for cells
 * with non-ASCII bytes: ASCII is already NFC. The scratch buffer is reused
 * across cells so normalising costs no allocation per cell. */
static int nfc_in_place(parser *ps, size_t start) {
    gv_table *t = ps->t;
    utf8proc_ssize_t len = (utf8proc_ssize_t)(t->text_len - start);
    const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    for (;;) {
        utf8proc_ssize_t n = utf8proc_decompose(
            (const utf8proc_uint8_t *)t->text + start, len, ps->u32,
            (utf8proc_ssize_t)ps->u32_cap, opts);
        if (n < 0)
            return gv_error_set(ps->err, n == UTF8PROC_ERROR_NOMEM ? GV_ENOMEM : GV_EDATA,
                                "%s: line %zu: cannot normalise text: %s",
                                ps->name, ps->line, utf8proc_errmsg(n));
        if ((size_t)n <= ps->u32_cap) {
            utf8proc_ssize_t b = utf8proc_reencode(ps->u32, n, opts);
            if (b < 0)
                return gv_error_set(ps->err, GV_EDATA,
                                    "%s: line %zu: cannot normalise text: %s",
                                    ps->name, ps->line, utf8proc_errmsg(b));
            t->text_len = start;
            if (reserve_text(t, (size_t)b + 1) != GV_OK)
                return gv_error_set(ps->err, GV_ENOMEM, "%s: out of memory",
                                    ps->name);
            memcpy(t->text + start, ps->u32, (size_t)b);
            t->text_len = start + (size_t)b;
            return GV_OK;
        }
        size_t cap = ps->u32_cap ? ps->u32_cap : 64;
        while (cap < (size_t)n) cap *= 2;
        utf8proc_int32_t *u = realloc(ps->u32, cap * sizeof *u);
        if (!u) return gv_error_set(ps->err, GV_ENOMEM, "%s: out of memory", ps->name);
        ps->u32 = u;
        ps->u32_cap = cap;
    }
}

static int append(parser *ps, const char *s, size_t n) {
    if (reserve_text(ps->t, n + 1) != GV_OK)
        return gv_error_set(ps->err, GV_ENOMEM, "%s: out of memory", ps->name);
    memcpy(ps->t->text + ps->t->text_len, s, n);
    ps->t->text_len += n;
    return GV_OK;
}

/* Parses the field at ps->p into the arena; *off gets its offset (0 for an
 * empty field). Leaves ps->p on the separator, the line end, or end. */
static int parse_field(parser *ps, size_t *off) {
    gv_table *t = ps->t;
    const char *p = ps->p, *end = ps->end;
    size_t start = t->text_len;
    int rc;

    const char *q = p;
    while (q < end && is_blank_char(*q, ps->sep)) q++;
    if (q < end && *q == '"') {
        size_t open_line = ps->line;
        p = q + 1;
        for (;;) {
            const char *run = p;
            while (p < end && *p != '"' && *p != '\r' && *p != '\n') p++;
            if ((rc = append(ps, run, (size_t)(p - run))) != GV_OK) return rc;
            if (p >= end)
                return gv_error_set(ps->err, GV_EDATA,
                                    "%s: line %zu: quoted field never closed",
                                    ps->name, open_line);
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') {
                    if ((rc = append(ps, "\"", 1)) != GV_OK) return rc;
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            /* A line end inside quotes belongs to the cell; kept as one LF
             * whatever the file used, and counted so later rows still carry
             * their true line numbers. */
            p = skip_newline(p, end);
            ps->line++;
            ps->qnl_line = open_line;
            if ((rc = append(ps, "\n", 1)) != GV_OK) return rc;
        }
        while (p < end && is_blank_char(*p, ps->sep)) p++;
        if (p < end && *p != ps->sep && *p != '\r' && *p != '\n')
            return gv_error_set(ps->err, GV_EDATA,
                                "%s: line %zu: unexpected text after a closing "
                                "quote (a quote inside a quoted field must be "
                                "doubled)",
                                ps->name, ps->line);
    } else {
        const char *run = p;
        while (p < end && *p != ps->sep && *p != '\r' && *p != '\n') p++;
        if ((rc = append(ps, run, (size_t)(p - run))) != GV_OK) return rc;
    }
    ps->p = p;

    /* Trim, moving the text down when leading blanks went away. */
    size_t n = t->text_len - start;
    const char *s = trim(t->text + start, &n);
    if (n == 0) {
        t->text_len = start;
        *off = 0;
        return GV_OK;
    }
    if (s != t->text + start) memmove(t->text + start, s, n);
    t->text_len = start + n;
    if (!surely_nfc(t->text + start, n) && (rc = nfc_in_place(ps, start)) != GV_OK)
        return rc;
    if ((rc = reserve_text(t, 1)) != GV_OK)
        return gv_error_set(ps->err, rc, "%s: out of memory", ps->name);
    t->text[t->text_len++] = '\0';
    *off = start;
    return GV_OK;
}

/* Counts a quoted value with a line break in field `field`. */
static int count_qnl(parser *ps, size_t field) {
    if (field >= ps->qnl_cap) {
        size_t cap = ps->qnl_cap ? ps->qnl_cap : 8;
        while (cap <= field) cap *= 2;
        qnl_count *q = realloc(ps->qnl, cap * sizeof *q);
        if (!q) return gv_error_set(ps->err, GV_ENOMEM, "%s: out of memory", ps->name);
        memset(q + ps->qnl_cap, 0, (cap - ps->qnl_cap) * sizeof *q);
        ps->qnl = q;
        ps->qnl_cap = cap;
    }
    if (ps->qnl[field].count++ == 0) ps->qnl[field].first_line = ps->qnl_line;
    return GV_OK;
}

/* Parses one record, appending its field offsets to t->cell. *nfields gets
 * the count; ps->p ends after the record's line end. */
static int parse_record(parser *ps, size_t *nfields) {
    size_t n = 0, off = 0;
    int rc;
    for (;;) {
        ps->qnl_line = 0;
        if ((rc = parse_field(ps, &off)) != GV_OK) return rc;
        if (push_cell(ps->t, off) != GV_OK)
            return gv_error_set(ps->err, GV_ENOMEM, "%s: out of memory", ps->name);
        if (ps->qnl_line && (rc = count_qnl(ps, n)) != GV_OK) return rc;
        n++;
        if (ps->p >= ps->end) break;
        if (*ps->p == ps->sep) {
            ps->p++;
            continue;
        }
        ps->p = skip_newline(ps->p, ps->end); /* at '\r' or '\n' */
        ps->line++;
        break;
    }
    *nfields = n;
    return GV_OK;
}

/* ---------------------------------------------------------------- numbers */

/* Matches a thousands separator `th` at s; returns its byte length or 0.
 * ' ' stands for every space a spreadsheet may write between groups. */
static size_t match_th(const char *s, const char *end, char th) {
    if (th == 0 || s >= end) return 0;
    if (th != ' ') return *s == th ? 1 : 0;
    if (*s == ' ') return 1;
    size_t k;
    if (is_space_at(s, (size_t)(end - s), &k) && k > 1) return k;
    return 0;
}

/* Reads s (trimmed, NUL-terminated) as a number written with decimal `dec`
 * and thousands `th`. Returns 1 and sets *v when s fits the grammar:
 *   [+-] int [dec frac] [(e|E) [+-] digits]
 * where int is digits, or, with th, a first group of 1-3 digits (not
 * starting with 0) and further groups of exactly 3 digits each after th.
 * The digits are handed to strtod as "DIGITSe<exp>" so that no decimal
 * point is involved: strtod's radix character follows the host program's
 * locale, which a library must not depend on. */
static int parse_num(const char *s, char dec, char th, double *v) {
    /* v NULL: only check the grammar (format voting reads every cell six
     * times; converting each time would dominate the reading time). */
    const char *end = s + strlen(s);
    char buf[160];
    size_t nb = 0, ndig = 0;
    long exp10 = 0;
    int neg = 0;

    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (neg) buf[nb++] = '-';

    /* integer part */
    size_t group = 0, ngroups = 0, int_digits = 0;
    int first_zero = (*s == '0');
    for (;;) {
        if (*s >= '0' && *s <= '9') {
            if (ndig < 120) {
                if (ndig > 0 || *s != '0') buf[nb++] = *s, ndig++;
            } else {
                exp10++; /* digits past 120 only scale the value */
            }
            group++;
            int_digits++;
            s++;
            continue;
        }
        size_t k = match_th(s, end, th);
        if (k && s[k] >= '0' && s[k] <= '9') {
            /* a group separator: the group before it must be complete */
            if (ngroups == 0 ? (group < 1 || group > 3 || first_zero)
                             : group != 3)
                return 0;
            ngroups++;
            group = 0;
            s += k;
            continue;
        }
        break;
    }
    if (ngroups > 0 && group != 3) return 0;

    /* fraction */
    size_t frac_digits = 0;
    if (*s == dec) {
        s++;
        while (*s >= '0' && *s <= '9') {
            if (ndig < 120) {
                if (ndig > 0 || *s != '0') buf[nb++] = *s, ndig++;
                exp10--;
            }
            frac_digits++;
            s++;
        }
    }
    if (int_digits + frac_digits == 0) return 0;

    /* exponent */
    if (*s == 'e' || *s == 'E') {
        s++;
        int eneg = 0;
        if (*s == '+' || *s == '-') eneg = *s++ == '-';
        if (!(*s >= '0' && *s <= '9')) return 0;
        long e = 0;
        while (*s >= '0' && *s <= '9') {
            if (e < 100000) e = e * 10 + (*s - '0');
            s++;
        }
        exp10 += eneg ? -e : e;
    }
    if (*s != '\0') return 0;
    if (!v) return 1;

    if (ndig == 0) {
        *v = neg ? -0.0 : 0.0;
        return 1;
    }
    snprintf(buf + nb, sizeof buf - nb, "e%ld", exp10);
    double d = strtod(buf, NULL);
    if (isinf(d)) return 0; /* 1e999: not a value we can carry */
    *v = d;
    return 1;
}

/* Which of the NFMT formats can read s: bit f set when format f can. */
static unsigned value_mask(const char *s) {
    unsigned char c = (unsigned char)s[0];
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
          c == ','))
        return 0; /* quick exit for text such as names */
    /* Plain integers, the bulk of census tables, fit every format. */
    const char *p = s + (c == '+' || c == '-');
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '\0' && p > s + (c == '+' || c == '-')) return (1u << NFMT) - 1;
    unsigned m = 0;
    for (int f = 0; f < NFMT; f++)
        if (parse_num(s, fmt_dec[f], fmt_th[f], NULL)) m |= 1u << f;
    return m;
}

static unsigned forced_bits(char dec) {
    unsigned m = 0;
    for (int f = 0; f < NFMT; f++)
        if (!dec || fmt_dec[f] == dec) m |= 1u << f;
    return m;
}

static int contains_space_sep(const char *s) {
    size_t n = strlen(s), k;
    for (size_t i = 0; i < n; i++)
        if (is_space_at(s + i, n - i, &k)) return 1;
    return 0;
}

/* Picks the format from the set left after every value voted (rule in
 * table.h): a thousands separator the column actually shows beats none,
 * none beats one never seen; then fmt order. */
static int choose_format(unsigned m, int seen_dot, int seen_comma,
                         int seen_space) {
    int best = -1, best_score = -1;
    for (int f = 0; f < NFMT; f++) {
        if (!(m & (1u << f))) continue;
        int score;
        char th = fmt_th[f];
        if (th == 0) score = 1;
        else if ((th == '.' && seen_dot) || (th == ',' && seen_comma) ||
                 (th == ' ' && seen_space))
            score = 2;
        else score = 0;
        if (score > best_score) {
            best = f;
            best_score = score;
        }
    }
    return best;
}

static const char *tcell(const gv_table *t, size_t row, size_t col) {
    return t->text + t->cell[(row + 1) * t->ncols + col];
}

/* Decides the format of one column; masks is scratch of nrows bytes. */
static void decide_column(gv_table *t, size_t col, unsigned char *masks) {
    colfmt *cf = &t->fmt[col];
    unsigned allow = forced_bits(t->forced_dec);
    unsigned cum = allow;
    int seen_dot = 0, seen_comma = 0, seen_space = 0;
    cf->bad = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = tcell(t, r, col);
        unsigned m = *s ? value_mask(s) & allow : 0;
        masks[r] = (unsigned char)m;
        if (!m) continue;
        if (strchr(s, '.')) seen_dot = 1;
        if (strchr(s, ',')) seen_comma = 1;
        if (contains_space_sep(s)) seen_space = 1;
        if ((cum & m) == 0 && !cf->bad) {
            /* Name the clearest pair: an earlier value that alone excludes
             * this one; failing that (three-way conflicts), the row whose
             * vote, with all before it, excluded this one. */
            size_t other = r;
            for (size_t j = 0; j < r && other == r; j++)
                if (masks[j] && (masks[j] & m) == 0) other = j;
            if (other == r) {
                unsigned c2 = allow;
                for (size_t j = 0; j < r && other == r; j++) {
                    if (!masks[j]) continue;
                    c2 &= masks[j];
                    if ((c2 & m) == 0) other = j;
                }
            }
            cf->bad = 1;
            cf->row_a = other;
            cf->row_b = r;
        }
        cum &= m;
    }
    if (cf->bad) return;
    cf->cum = cum, cf->seen_dot = seen_dot, cf->seen_comma = seen_comma, cf->seen_space = seen_space;
    int f = choose_format(cum, seen_dot, seen_comma, seen_space);
    if (f < 0) f = 0; /* cannot happen: cum is never empty here */
    cf->dec = fmt_dec[f];
    cf->th = fmt_th[f];
    if (t->forced_dec) cf->dec = t->forced_dec;
    /* "21.958" alone is 21958 (Vietnamese thousands) or 21.958 (a decimal
     * point): when no value of the column tells, the column is ambiguous,
     * and reading a number from it is an error asking for --decimal
     * (never a value 1000 times too big, silently). */
    cf->ambiguous = 0;
    if (!t->forced_dec && (cf->th == '.' || cf->th == ',')) {
        for (int g = 0; g < NFMT && !cf->ambiguous; g++)
            if ((cum & (1u << g)) && fmt_dec[g] == cf->th) cf->ambiguous = 1;
        for (size_t r = 0; cf->ambiguous && r < t->nrows; r++)
            if (strchr(tcell(t, r, col), cf->th)) { cf->row_amb = r; break; }
    }
}

static int decide_formats(gv_table *t) {
    t->fmt = calloc(t->ncols ? t->ncols : 1, sizeof *t->fmt);
    unsigned char *masks = malloc(t->nrows ? t->nrows : 1);
    if (!t->fmt || !masks) {
        free(masks);
        return GV_ENOMEM;
    }
    for (size_t c = 0; c < t->ncols; c++) decide_column(t, c, masks);
    free(masks);
    /* The file's convention settles its ambiguous columns: a column that
     * shows ',' as decimal or '.' between thousands ("49,6", "1.234.567")
     * makes "21.958" elsewhere 21958; one that shows '.' as decimal or ','
     * between thousands ("1.5", "1,234,567") makes it 21.958. Evidence both
     * ways, or none, leaves the columns ambiguous (an error on reading). */
    int vi = 0, en = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        const colfmt *cf = &t->fmt[c];
        if (cf->bad || cf->ambiguous) continue;
        vi |= (cf->dec == ',' && cf->seen_comma) || cf->th == '.';
        en |= (cf->dec == '.' && cf->seen_dot) || cf->th == ',';
    }
    if (vi != en) {
        char want_dec = vi ? ',' : '.';
        for (size_t c = 0; c < t->ncols; c++) {
            colfmt *cf = &t->fmt[c];
            if (!cf->ambiguous) continue;
            unsigned m = 0;
            for (int g = 0; g < NFMT; g++)
                if ((cf->cum & (1u << g)) && fmt_dec[g] == want_dec) m |= 1u << g;
            int f = m ? choose_format(m, cf->seen_dot, cf->seen_comma, cf->seen_space) : -1;
            if (f < 0) continue;
            cf->dec = fmt_dec[f];
            cf->th = fmt_th[f];
            cf->ambiguous = 0;
        }
    }
    return GV_OK;
}

/* What a value's own text says about its format, for messages; NULL when
 * the value alone does not say. */
static const char *describe(const char *s, unsigned m, char *buf, size_t n) {
    int dec = -1, th = -1;
    for (int f = 0; f < NFMT; f++) {
        if (!(m & (1u << f))) continue;
        dec = dec == -1 ? fmt_dec[f] : (dec == fmt_dec[f] ? dec : 0);
        th = th == -1 ? fmt_th[f] : (th == fmt_th[f] ? th : -2);
    }
    if (dec > 0 && strchr(s, dec)) {
        snprintf(buf, n, "uses '%c' as decimal", dec);
        return buf;
    }
    if (th == ' ') {
        snprintf(buf, n, "uses spaces for thousands");
        return buf;
    }
    if (th > 0) {
        snprintf(buf, n, "uses '%c' for thousands", th);
        return buf;
    }
    return NULL;
}

/* ---------------------------------------------------------------- problems */

/* Cuts s (NUL-terminated) after at most n bytes without splitting a UTF-8
 * sequence: used after snprintf cut a message short. */
static void cut_utf8(char *s, size_t n) {
    size_t len = strlen(s);
    if (len > n) len = n;
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0) {
        unsigned char c = (unsigned char)s[i - 1];
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (len - (i - 1) < need) len = i - 1;
    }
    s[len] = '\0';
}

/* Copies a cell for quoting in a message: at most `max` bytes (cut at a
 * character, "…" added), line breaks shown as spaces. out holds max + 4. */
static const char *clip(const char *s, char *out, size_t max) {
    size_t n = strlen(s), k = n > max ? max : n;
    memcpy(out, s, k);
    out[k] = '\0';
    if (k < n) {
        cut_utf8(out, k);
        strcat(out, "\xE2\x80\xA6");
    }
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    return out;
}

static int add_problem(gv_table *t, size_t line, size_t row, int col,
                       gv_fix_action action, const char *fmt, ...)
    GV_PRINTF(6, 7);

static int add_problem(gv_table *t, size_t line, size_t row, int col,
                       gv_fix_action action, const char *fmt, ...) {
    if (t->nprob == t->prob_cap) {
        size_t cap = t->prob_cap ? t->prob_cap * 2 : 8;
        gv_table_problem *p = realloc(t->prob, cap * sizeof *p);
        if (!p) return GV_ENOMEM;
        t->prob = p;
        t->prob_cap = cap;
    }
    gv_table_problem *p = &t->prob[t->nprob++];
    p->line = line;
    p->row = row;
    p->col = col;
    p->action = action;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(p->what, sizeof p->what, fmt, ap);
    va_end(ap);
    if (k < 0) p->what[0] = '\0';
    else if ((size_t)k >= sizeof p->what) cut_utf8(p->what, sizeof p->what - 1);
    return GV_OK;
}

/* Lower-cases s (valid UTF-8) into out (Unicode simple lower case); 0 when
 * it does not fit in outsz. */
static int lower_into(const char *s, char *out, size_t outsz) {
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t n = 0;
    while (*p) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, -1, &c);
        if (k <= 0) return 0;
        p += k;
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(c), enc);
        if (n + (size_t)m + 1 > outsz) return 0;
        memcpy(out + n, enc, (size_t)m);
        n += (size_t)m;
    }
    out[n] = '\0';
    return 1;
}

/* Longest first within each list so "tổng cộng" is tried before "tổng". */
static const char *const summary_vi[] = {
    "tổng cộng", "tổng số", "toàn quốc", "cả nước", "grand total",
    "tổng", "cộng", "total", NULL};
static const char *const summary_ascii[] = {
    "tong cong", "tong so", "toan quoc", "ca nuoc", "grand total",
    "tong", "cong", "total", NULL};

/* 1 when the code point at s starts a letter or a digit. */
static int word_char_at(const char *s) {
    utf8proc_int32_t c;
    if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &c) <= 0) return 0;
    utf8proc_category_t cat = utf8proc_category(c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO);
}

static int letter_at(const char *s) {
    utf8proc_int32_t c;
    if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &c) <= 0) return 0;
    utf8proc_category_t cat = utf8proc_category(c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
}

/* s: lower-cased text. Matches keyword [keyword...] then end, or then
 * anything that does not start with a letter ("tổng cộng: 63 tỉnh",
 * "total (2019)"). A keyword directly followed by a letter or digit, or by
 * a space and a word that is no keyword ("cộng hòa"), does not match. */
static int summary_words_match(const char *s, const char *const *words) {
    for (int i = 0; words[i]; i++) {
        size_t k = strlen(words[i]);
        if (strncmp(s, words[i], k) != 0) continue;
        const char *r = s + k;
        if (*r && word_char_at(r)) continue;
        while (*r == ' ') r++;
        if (!*r || !letter_at(r)) return 1;
        if (summary_words_match(r, words)) return 1;
    }
    return 0;
}

/* 1 when the cell reads as a summary label (rule in table.h). Cheap for
 * the common cell: numbers and names not starting with c/g/t leave at the
 * first test. */
static int is_summary_cell(const char *cell) {
    const char *s = cell;
    while (*s == ' ' || *s == '*' || *s == '-' || *s == '(' || *s == '[' ||
           *s == '.' || *s == '#')
        s++;
    char c0 = *s;
    if (c0 != 't' && c0 != 'T' && c0 != 'c' && c0 != 'C' && c0 != 'g' &&
        c0 != 'G')
        return 0;
    if (strlen(s) > 100) return 0; /* free text, not a label */
    char low[512];
    if (!lower_into(s, low, sizeof low)) return 0;
    int ascii = 1;
    for (const char *p = low; *p; p++)
        if ((unsigned char)*p >= 0x80) ascii = 0;
    /* Diacritics present must be the keyword's own ("cống" is no "cộng");
     * text without any is compared with the bare keywords. A cell that
     * mixes ("tổng cong") is compared with the Vietnamese list and fails. */
    return summary_words_match(low, ascii ? summary_ascii : summary_vi);
}

/* First column (or -1) of data row r whose cell is a summary label. */
static int summary_col(const gv_table *t, size_t r) {
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = tcell(t, r, c);
        if (*s && is_summary_cell(s)) return (int)c;
    }
    return -1;
}

/* Skips trailing summary rows, notes summary-looking rows elsewhere. */
static int find_summary_rows(gv_table *t) {
    char q[128];
    while (t->nrows > 0) {
        size_t r = t->nrows - 1;
        int c = summary_col(t, r);
        if (c < 0) break;
        if (add_problem(t, t->line[r], (size_t)-1, c, GV_FIX_SKIPPED,
                        "summary row '%s' skipped",
                        clip(tcell(t, r, (size_t)c), q, 100)) != GV_OK)
            return GV_ENOMEM;
        t->nrows--;
        t->ncell -= t->ncols;
    }
    for (size_t r = 0; r + 1 < t->nrows; r++) {
        int c = summary_col(t, r);
        if (c < 0) continue;
        if (add_problem(t, t->line[r], r, c, GV_FIX_NOTE,
                        "'%s' looks like a summary row, but data rows follow "
                        "it: kept as a data row",
                        clip(tcell(t, r, (size_t)c), q, 100)) != GV_OK)
            return GV_ENOMEM;
    }
    return GV_OK;
}

/* 1 when a column name says "code" (table.h, gv_table_col_code_width):
 * a word "code", "ma"/"mã", "maso"/"mã số", or a word ending in "code"
 * (gso_code, unitcode). Words are split at anything not a letter/digit. */
static int code_like_name(const char *name) {
    char low[256];
    if (!*name || !lower_into(name, low, sizeof low)) return 0;
    const char *p = low;
    while (*p) {
        while (*p && !word_char_at(p)) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);
            p += k > 0 ? k : 1;
        }
        const char *w = p;
        while (*p && word_char_at(p)) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &c);
            p += k > 0 ? k : 1;
        }
        size_t n = (size_t)(p - w);
        if (n == 0) continue;
        if ((n == 2 && memcmp(w, "ma", 2) == 0) ||
            (n == 3 && memcmp(w, "m\xC3\xA3", 3) == 0) ||
            (n == 4 && memcmp(w, "maso", 4) == 0) ||
            (n >= 4 && memcmp(w + n - 4, "code", 4) == 0))
            return 1;
    }
    return 0;
}

/* Decides t->code_width[col] and reports codes that lost their zeros. */
static int check_code_column(gv_table *t, size_t col) {
    t->code_width[col] = 0;
    if (!code_like_name(gv_table_colname(t, col))) return GV_OK;
    size_t minw = SIZE_MAX, maxw = 0, nvals = 0;
    char d[64];
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = tcell(t, r, col);
        if (!*s) continue;
        if (strlen(s) >= sizeof d ||
            gv_code_normalize(s, 0, d, sizeof d, NULL) != GV_OK)
            return GV_OK; /* a value that is no code: not a code column */
        size_t w = strlen(d);
        if (w < minw) minw = w;
        if (w > maxw) maxw = w;
        nvals++;
    }
    if (nvals == 0) return GV_OK;
    size_t width = maxw;
    if (width < 2) width = 2;
    else if (width == 4) width = 5;
    size_t lost = 0, first = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = tcell(t, r, col);
        if (!*s) continue;
        gv_code_normalize(s, 0, d, sizeof d, NULL);
        if (strlen(d) >= width) continue;
        if (d[0] == '0') return GV_OK; /* "01" beside "001": mixed levels */
        if (lost++ == 0) first = r;
    }
    if (width > INT_MAX) return GV_OK;
    t->code_width[col] = (int)width;
    if (lost == 0) return GV_OK;
    char q[128], padded[64];
    gv_code_normalize(tcell(t, first, col), (int)width, padded, sizeof padded, NULL);
    return add_problem(t, 0, (size_t)-1, (int)col, GV_FIX_FIXED,
                       "%zu %s lost %s leading zeros, padded to %zu digits "
                       "(e.g. line %zu '%s' \xE2\x86\x92 '%s')",
                       lost, lost == 1 ? "code" : "codes",
                       lost == 1 ? "its" : "their", width, t->line[first],
                       clip(tcell(t, first, col), q, 60), padded);
}

/* Notes on a column's number format: thousands separators and decimal
 * commas actually present; an error entry for a contradiction. */
static int note_number_format(gv_table *t, size_t col) {
    const colfmt *cf = &t->fmt[col];
    char q[128];
    if (cf->bad) {
        const char *a = tcell(t, cf->row_a, col), *b = tcell(t, cf->row_b, col);
        char qa[128];
        return add_problem(t, 0, (size_t)-1, (int)col, GV_FIX_ERROR,
                           "cannot be read as numbers: line %zu '%s' and line "
                           "%zu '%s' need different number formats",
                           t->line[cf->row_a], clip(a, qa, 40),
                           t->line[cf->row_b], clip(b, q, 40));
    }
    if (cf->ambiguous) return GV_OK; /* no format was decided: said when the column is read */
    int want_th = cf->th != 0, want_dec = cf->dec == ',';
    for (size_t r = 0; r < t->nrows && (want_th || want_dec); r++) {
        const char *s = tcell(t, r, col);
        if (!*s || !value_mask(s)) continue;
        if (want_th) {
            int has = cf->th == ' ' ? contains_space_sep(s) : strchr(s, cf->th) != NULL;
            if (has) {
                want_th = 0;
                int rc = cf->th == ' '
                    ? add_problem(t, 0, (size_t)-1, (int)col, GV_FIX_NOTE,
                                  "spaces as thousands separators read "
                                  "(e.g. line %zu '%s')",
                                  t->line[r], clip(s, q, 40))
                    : add_problem(t, 0, (size_t)-1, (int)col, GV_FIX_NOTE,
                                  "thousands separator '%c' read (e.g. line "
                                  "%zu '%s')",
                                  cf->th, t->line[r], clip(s, q, 40));
                if (rc != GV_OK) return rc;
            }
        }
        if (want_dec && strchr(s, ',')) {
            want_dec = 0;
            if (add_problem(t, 0, (size_t)-1, (int)col, GV_FIX_NOTE,
                            "decimal comma read (e.g. line %zu '%s')",
                            t->line[r], clip(s, q, 40)) != GV_OK)
                return GV_ENOMEM;
        }
    }
    return GV_OK;
}

/* Line ends other than LF, from the raw text (quoted ones included: they
 * are turned into LF inside the cell). */
static int note_line_ends(gv_table *t, const char *data, size_t len) {
    size_t line = 1, crlf = 0, cr = 0;
    for (size_t i = 0; i < len && !(crlf && cr); i++) {
        if (data[i] == '\n') { line++; continue; }
        if (data[i] != '\r') continue;
        if (i + 1 < len && data[i + 1] == '\n') {
            if (!crlf) crlf = line;
            i++;
        } else if (!cr) {
            cr = line;
        }
        line++;
    }
    if (crlf && add_problem(t, crlf, (size_t)-1, -1, GV_FIX_NOTE,
                            "Windows line ends (CRLF) read") != GV_OK)
        return GV_ENOMEM;
    if (cr && add_problem(t, cr, (size_t)-1, -1, GV_FIX_NOTE,
                          "old Mac line ends (CR) read") != GV_OK)
        return GV_ENOMEM;
    return GV_OK;
}

/* File order: problems with a line by line, then whole-column ones by
 * column; equal keys keep the order they were found in. Insertion sort:
 * the list is short and mostly in order already. */
static int problem_before(const gv_table_problem *a, const gv_table_problem *b) {
    size_t la = a->line ? a->line : SIZE_MAX, lb = b->line ? b->line : SIZE_MAX;
    if (la != lb) return la < lb;
    return a->col < b->col;
}

static void sort_problems(gv_table *t) {
    for (size_t i = 1; i < t->nprob; i++) {
        gv_table_problem x = t->prob[i];
        size_t j = i;
        while (j > 0 && problem_before(&x, &t->prob[j - 1])) {
            t->prob[j] = t->prob[j - 1];
            j--;
        }
        t->prob[j] = x;
    }
}

size_t gv_table_nproblems(const gv_table *t) { return t ? t->nprob : 0; }

const gv_table_problem *gv_table_problem_at(const gv_table *t, size_t i) {
    if (!t || i >= t->nprob) return NULL;
    return &t->prob[i];
}

int gv_table_problem_format(const gv_table *t, const gv_table_problem *p,
                            char *buf, size_t n) {
    if (!t || !p || (!buf && n)) return GV_EUSAGE;
    char loc[160] = "", colpart[160] = "";
    if (p->row != (size_t)-1)
        snprintf(loc, sizeof loc, "row %zu (line %zu)", p->row + 1, p->line);
    else if (p->line)
        snprintf(loc, sizeof loc, "line %zu", p->line);
    if (p->col >= 0) {
        const char *name = gv_table_colname(t, (size_t)p->col);
        char q[128];
        if (name && *name)
            snprintf(colpart, sizeof colpart, "column '%s'", clip(name, q, 100));
        else
            snprintf(colpart, sizeof colpart, "column %d", p->col + 1);
    }
    int k = snprintf(buf, n, "%s: %s%s%s%s%s", t->path, loc,
                     *loc && *colpart ? ", " : "", colpart,
                     *loc || *colpart ? ": " : "", p->what);
    if (k >= 0 && n > 0 && (size_t)k >= n) cut_utf8(buf, n - 1);
    return k;
}

/* ---------------------------------------------------------------- reading */

static int fail_nomem(gv_error *err, const char *name) {
    return gv_error_set(err, GV_ENOMEM, "%s: out of memory", name);
}

static int valid_sep(char c) { return c == ',' || c == ';' || c == '\t'; }

/* skip_blank_lines at ps->p, counting the lines skipped for the note. */
static const char *skip_blanks_counted(parser *ps) {
    size_t before = ps->line;
    const char *p = skip_blank_lines(ps->p, ps->end, ps->sep, &ps->line);
    if (ps->line > before) {
        if (ps->nblank == 0) ps->blank_line = before;
        ps->nblank += ps->line - before;
    }
    return p;
}

/* 1 when the record whose cells start at t->cell[first] (ncols of them)
 * repeats the header cell by cell. */
static int same_as_header(const gv_table *t, size_t first) {
    for (size_t c = 0; c < t->ncols; c++) {
        size_t a = t->cell[c], b = t->cell[first + c];
        if (a == b) continue;
        if (!a || !b || strcmp(t->text + a, t->text + b) != 0) return 0;
    }
    return 1;
}

/* Notes on what the parser met: blank lines, quoted line breaks. */
static int note_parse(parser *ps) {
    gv_table *t = ps->t;
    if (ps->nblank == 1 &&
        add_problem(t, ps->blank_line, (size_t)-1, -1, GV_FIX_NOTE,
                    "blank line skipped") != GV_OK)
        return GV_ENOMEM;
    if (ps->nblank > 1 &&
        add_problem(t, ps->blank_line, (size_t)-1, -1, GV_FIX_NOTE,
                    "%zu blank or empty lines skipped, the first here",
                    ps->nblank) != GV_OK)
        return GV_ENOMEM;
    for (size_t c = 0; c < ps->qnl_cap && c < t->ncols; c++) {
        size_t k = ps->qnl[c].count;
        if (k == 0) continue;
        int rc = k == 1
            ? add_problem(t, ps->qnl[c].first_line, (size_t)-1, (int)c,
                          GV_FIX_NOTE, "quoted value holds a line break (kept)")
            : add_problem(t, ps->qnl[c].first_line, (size_t)-1, (int)c,
                          GV_FIX_NOTE,
                          "quoted value holds a line break (kept); %zu such "
                          "values in this column",
                          k);
        if (rc != GV_OK) return rc;
    }
    return GV_OK;
}

int gv_table_read_csv_buffer(const char *data, size_t len, const char *name,
                             const gv_csv_options *opt, gv_table **out,
                             gv_error *err) {
    if (out) *out = NULL;
    if (!name) name = "<buffer>";
    if (!out || (!data && len))
        return gv_error_set(err, GV_EUSAGE, "%s: no table to read into", name);
    if (!data) data = ""; /* len is 0: keeps pointer arithmetic defined */
    if (opt && opt->sep && !valid_sep(opt->sep))
        return gv_error_set(err, GV_EUSAGE,
                            "%s: separator must be ',', ';' or tab", name);
    if (opt && opt->decimal && opt->decimal != '.' && opt->decimal != ',')
        return gv_error_set(err, GV_EUSAGE,
                            "%s: decimal separator must be '.' or ','", name);

    if (len >= 2 && (((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE) ||
                     ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF)))
        return gv_error_set(err, GV_EDATA,
                            "%s: the file is UTF-16; save it as UTF-8", name);
    int bom = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3; /* the BOM Excel writes: not part of the first name */
        len -= 3;
        bom = 1;
    }
    int rc = check_utf8(name, data, len, err);
    if (rc != GV_OK) return rc;

    gv_table *t = calloc(1, sizeof *t);
    if (!t) return fail_nomem(err, name);
    size_t nlen = strlen(name);
    t->path = malloc(nlen + 1);
    /* The arena rarely outgrows the input: cells lose their separators and
     * quotes, which pays for their NULs. */
    if (!t->path || reserve_text(t, len + 64) != GV_OK) {
        gv_table_free(t);
        return fail_nomem(err, name);
    }
    memcpy(t->path, name, nlen + 1);
    t->text[0] = '\0'; /* offset 0: the shared empty cell */
    t->text_len = 1;
    t->forced_dec = opt ? opt->decimal : 0;

    parser ps = {.name = name, .p = data, .end = data + len, .line = 1,
                 .t = t, .err = err};
    ps.sep = (opt && opt->sep) ? opt->sep : detect_sep(data, data + len);
    if ((bom && add_problem(t, 1, (size_t)-1, -1, GV_FIX_NOTE,
                            "UTF-8 byte order mark dropped") != GV_OK) ||
        note_line_ends(t, data, len) != GV_OK) {
        rc = fail_nomem(err, name);
        goto fail;
    }

    ps.p = skip_blanks_counted(&ps);
    if (ps.p >= ps.end) {
        rc = gv_error_set(err, GV_EDATA, "%s: no data rows (the file is empty)", name);
        goto fail;
    }

    /* header */
    size_t header_line = ps.line, nf;
    if ((rc = parse_record(&ps, &nf)) != GV_OK) goto fail;
    while (nf > 0 && t->cell[nf - 1] == 0) nf--; /* "a,b,," */
    t->ncell = nf;
    if (nf == 0) {
        rc = gv_error_set(err, GV_EDATA, "%s: line %zu: the header has no column names",
                          name, header_line);
        goto fail;
    }
    if (nf > (size_t)INT_MAX) {
        rc = gv_error_set(err, GV_EDATA, "%s: too many columns (%zu)", name, nf);
        goto fail;
    }
    t->ncols = nf;
    for (size_t a = 0; a < nf; a++) {
        if (t->cell[a] == 0) continue;
        for (size_t b = a + 1; b < nf; b++) {
            if (t->cell[b] && strcmp(t->text + t->cell[a], t->text + t->cell[b]) == 0) {
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: line %zu: duplicate column name '%s' "
                                  "(columns %zu and %zu)",
                                  name, header_line, t->text + t->cell[a], a + 1, b + 1);
                goto fail;
            }
        }
    }

    /* data rows */
    for (;;) {
        ps.p = skip_blanks_counted(&ps);
        if (ps.p >= ps.end) break;
        size_t row_line = ps.line, first = t->ncell;
        if ((rc = parse_record(&ps, &nf)) != GV_OK) goto fail;
        int all_empty = 1;
        for (size_t i = 0; i < nf && all_empty; i++)
            if (t->cell[first + i]) all_empty = 0;
        if (all_empty) { /* ",,,," rows left by spreadsheets */
            t->ncell = first;
            if (ps.nblank++ == 0) ps.blank_line = row_line;
            continue;
        }
        if (nf > t->ncols) {
            size_t used = nf;
            while (used > t->ncols && t->cell[first + used - 1] == 0) used--;
            if (used > t->ncols) {
                rc = gv_error_set(err, GV_EDATA,
                                  "%s: row %zu (line %zu): %zu fields, the header has %zu",
                                  name, t->nrows + 1, row_line, used, t->ncols);
                goto fail;
            }
            t->ncell = first + t->ncols;
        } else if (nf < t->ncols) {
            rc = gv_error_set(err, GV_EDATA,
                              "%s: row %zu (line %zu): %zu fields, the header has %zu",
                              name, t->nrows + 1, row_line, nf, t->ncols);
            goto fail;
        }
        if (same_as_header(t, first)) {
            /* files concatenated with their headers */
            t->ncell = first;
            if (add_problem(t, row_line, (size_t)-1, -1, GV_FIX_SKIPPED,
                            "repeated header row skipped") != GV_OK) {
                rc = fail_nomem(err, name);
                goto fail;
            }
            continue;
        }
        if (push_line(t, row_line) != GV_OK) {
            rc = fail_nomem(err, name);
            goto fail;
        }
        t->nrows++;
    }
    if (note_parse(&ps) != GV_OK || find_summary_rows(t) != GV_OK) {
        rc = fail_nomem(err, name);
        goto fail;
    }
    if (t->nrows == 0) {
        rc = gv_error_set(err, GV_EDATA, "%s: no data rows", name);
        goto fail;
    }
    if (decide_formats(t) != GV_OK ||
        !(t->code_width = calloc(t->ncols, sizeof *t->code_width))) {
        rc = fail_nomem(err, name);
        goto fail;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        if (check_code_column(t, c) != GV_OK || note_number_format(t, c) != GV_OK) {
            rc = fail_nomem(err, name);
            goto fail;
        }
    }
    sort_problems(t);
    if (opt && opt->strict) {
        for (size_t i = 0; i < t->nprob; i++) {
            const gv_table_problem *p = &t->prob[i];
            if (p->action != GV_FIX_FIXED && p->action != GV_FIX_SKIPPED) continue;
            char line[GV_ERR_LEN - 64];
            gv_table_problem_format(t, p, line, sizeof line);
            rc = gv_error_set(err, GV_EDATA, "%s (strict: %s)", line,
                              p->action == GV_FIX_FIXED
                                  ? "fixes are errors"
                                  : "skipped rows are errors");
            goto fail;
        }
    }
    free(ps.u32);
    free(ps.qnl);
    *out = t;
    return GV_OK;

fail:
    free(ps.u32);
    free(ps.qnl);
    gv_table_free(t);
    return rc;
}

int gv_table_read_csv(const char *path, const gv_csv_options *opt,
                      gv_table **out, gv_error *err) {
    if (out) *out = NULL;
    if (!path || !out)
        return gv_error_set(err, GV_EUSAGE, "gv_table_read_csv: no path or output");
    FILE *f = fopen(path, "rb");
    if (!f) return gv_error_set(err, GV_EDATA, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return fail_nomem(err, path);
    }
    for (;;) {
        if (n == cap) {
            char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!p) {
                free(buf);
                fclose(f);
                return fail_nomem(err, path);
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return gv_error_set(err, GV_EDATA, "%s: cannot read: %s", path, strerror(saved));
    }
    int rc = gv_table_read_csv_buffer(buf, n, path, opt, out, err);
    free(buf);
    return rc;
}

void gv_table_free(gv_table *t) {
    if (!t) return;
    free(t->path);
    free(t->text);
    free(t->cell);
    free(t->line);
    free(t->fmt);
    free(t->prob);
    free(t->code_width);
    free(t);
}

/* ---------------------------------------------------------------- access */

const char *gv_table_path(const gv_table *t) { return t ? t->path : NULL; }

size_t gv_table_nrows(const gv_table *t) { return t ? t->nrows : 0; }

size_t gv_table_ncols(const gv_table *t) { return t ? t->ncols : 0; }

const char *gv_table_colname(const gv_table *t, size_t col) {
    if (!t || col >= t->ncols) return NULL;
    return t->text + t->cell[col];
}

const char *gv_table_cell(const gv_table *t, size_t row, size_t col) {
    if (!t || row >= t->nrows || col >= t->ncols) return "";
    return tcell(t, row, col);
}

size_t gv_table_row_line(const gv_table *t, size_t row) {
    if (!t || row >= t->nrows) return 0;
    return t->line[row];
}

/* Unicode simple-lowercase comparison of two NUL-terminated UTF-8 strings
 * (both already NFC and valid). */
static int equal_nocase(const char *a, const char *b) {
    const utf8proc_uint8_t *pa = (const utf8proc_uint8_t *)a;
    const utf8proc_uint8_t *pb = (const utf8proc_uint8_t *)b;
    for (;;) {
        if (!*pa || !*pb) return *pa == *pb;
        utf8proc_int32_t ca, cb;
        utf8proc_ssize_t ka = utf8proc_iterate(pa, -1, &ca);
        utf8proc_ssize_t kb = utf8proc_iterate(pb, -1, &cb);
        if (ka <= 0 || kb <= 0) return 0;
        if (ca != cb && utf8proc_tolower(ca) != utf8proc_tolower(cb)) return 0;
        pa += ka;
        pb += kb;
    }
}

int gv_table_col_index(const gv_table *t, const char *name) {
    if (!t || !name) return -1;
    size_t n = strlen(name);
    const char *s = trim(name, &n);
    if (n == 0) return -1;
    char *key = malloc(n + 1);
    if (!key) return -1;
    memcpy(key, s, n);
    key[n] = '\0';
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] >= 0x80) ascii = 0;
    if (!ascii) { /* names were stored NFC: compare like with like */
        char *nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)key);
        free(key);
        if (!nfc) return -1;
        key = nfc;
    }
    int found = -1;
    for (size_t c = 0; c < t->ncols && found < 0; c++)
        if (t->cell[c] && strcmp(t->text + t->cell[c], key) == 0) found = (int)c;
    if (found < 0) {
        int hits = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            if (t->cell[c] && equal_nocase(t->text + t->cell[c], key)) {
                if (hits++ == 0) found = (int)c;
            }
        }
        if (hits > 1) found = -1; /* "Pop" and "POP": refuse to guess */
    }
    free(key);
    return found;
}

static int format_error(const gv_table *t, size_t col, gv_error *err) {
    const colfmt *cf = &t->fmt[col];
    const char *a = tcell(t, cf->row_a, col), *b = tcell(t, cf->row_b, col);
    unsigned allow = forced_bits(t->forced_dec);
    char da[64], db[64];
    const char *wa = describe(a, value_mask(a) & allow, da, sizeof da);
    const char *wb = describe(b, value_mask(b) & allow, db, sizeof db);
    if (wa && wb)
        return gv_error_set(err, GV_EDATA,
                            "%s: column '%s': row %zu '%s' %s but row %zu '%s' %s",
                            t->path, gv_table_colname(t, col), cf->row_a + 1, a,
                            wa, cf->row_b + 1, b, wb);
    return gv_error_set(err, GV_EDATA,
                        "%s: column '%s': row %zu '%s' and row %zu '%s' cannot "
                        "be read with one number format",
                        t->path, gv_table_colname(t, col), cf->row_a + 1, a,
                        cf->row_b + 1, b);
}

int gv_table_col_format(const gv_table *t, size_t col, char *decimal,
                        char *thousands, gv_error *err) {
    if (!t || col >= t->ncols)
        return gv_error_set(err, GV_EUSAGE, "%s: no column %zu",
                            t ? t->path : "table", col);
    if (t->fmt[col].bad) return format_error(t, col, err);
    if (t->fmt[col].ambiguous) {
        double v;
        return gv_table_number(t, t->fmt[col].row_amb, col, &v, err); /* the same message */
    }
    if (decimal) *decimal = t->fmt[col].dec;
    if (thousands) *thousands = t->fmt[col].th;
    return GV_OK;
}

int gv_table_col_ambiguous(const gv_table *t, size_t col) {
    return t && col < t->ncols && !t->fmt[col].bad && t->fmt[col].ambiguous;
}

int gv_table_number(const gv_table *t, size_t row, size_t col, double *out,
                    gv_error *err) {
    if (out) *out = NAN;
    if (!t || !out || row >= t->nrows || col >= t->ncols)
        return gv_error_set(err, GV_EUSAGE, "%s: no cell at row %zu, column %zu",
                            t ? t->path : "table", row + 1, col + 1);
    const char *s = tcell(t, row, col);
    if (!*s) return GV_OK; /* missing value, never 0 (SPEC "Inputs") */
    const colfmt *cf = &t->fmt[col];
    if (cf->bad) return format_error(t, col, err);
    if (cf->ambiguous) {
        const char *a = tcell(t, cf->row_amb, col);
        return gv_error_set(err, GV_EDATA,
                            "%s: column '%s': row %zu (line %zu) '%s' reads with '%c' as thousands separator or as "
                            "decimal point, and no value of the column tells which: pass --decimal %c (it is the "
                            "decimal point) or --decimal %c",
                            t->path, gv_table_colname(t, col), cf->row_amb + 1, t->line[cf->row_amb], a, cf->th,
                            cf->th, cf->th == '.' ? ',' : '.');
    }
    double v;
    if (parse_num(s, cf->dec, cf->th, &v)) {
        *out = v;
        return GV_OK;
    }
    int other_format = 0; /* would the value read without the forcing? */
    for (int f = 0; f < NFMT && t->forced_dec && !other_format; f++)
        other_format = parse_num(s, fmt_dec[f], fmt_th[f], &v);
    if (other_format)
        return gv_error_set(err, GV_EDATA,
                            "%s: row %zu (line %zu), column '%s': '%s' is not "
                            "a number with decimal '%c'",
                            t->path, row + 1, t->line[row],
                            gv_table_colname(t, col), s, t->forced_dec);
    return gv_error_set(err, GV_EDATA,
                        "%s: row %zu (line %zu), column '%s': '%s' is not a number",
                        t->path, row + 1, t->line[row], gv_table_colname(t, col), s);
}

/* ---------------------------------------------------------------- codes */

int gv_table_col_code_width(const gv_table *t, size_t col) {
    if (!t || col >= t->ncols || !t->code_width) return 0;
    return t->code_width[col];
}

int gv_code_normalize(const char *in, int width, char *out, size_t outsz,
                      gv_error *err) {
    if (out && outsz) out[0] = '\0';
    if (!in || !out || width < 0)
        return gv_error_set(err, GV_EUSAGE, "code: bad arguments");
    size_t n = strlen(in);
    const char *s = trim(in, &n);
    if (n == 0) return gv_error_set(err, GV_EDATA, "empty code");
    size_t nd = 0;
    while (nd < n && s[nd] >= '0' && s[nd] <= '9') nd++;
    size_t i = nd;
    /* "1.0" and "1,00": what a spreadsheet makes of a code stored as a
     * number. Any other digit after the separator makes it a fraction. */
    int fraction = 0;
    if (nd > 0 && i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n) {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (s[i] != '0') fraction = 1;
            i++;
        }
    }
    if (nd == 0 || i != n || fraction)
        return gv_error_set(err, GV_EDATA,
                            "'%.*s' is not an administrative code (expected "
                            "digits, like 01 or 1.0)",
                            (int)(n > 200 ? 200 : n), s);
    const char *d = s;
    if (width > 0) {
        while (nd > (size_t)width && *d == '0') {
            d++;
            nd--;
        }
        if (nd > (size_t)width)
            return gv_error_set(err, GV_EDATA, "code '%.*s' has more than %d digits",
                                (int)(n > 200 ? 200 : n), s, width);
    }
    size_t total = width > 0 && (size_t)width > nd ? (size_t)width : nd;
    if (outsz <= total)
        return gv_error_set(err, GV_EUSAGE, "code '%.*s': output buffer too small",
                            (int)(n > 200 ? 200 : n), s);
    size_t pad = total - nd;
    memset(out, '0', pad);
    memcpy(out + pad, d, nd);
    out[total] = '\0';
    return GV_OK;
}

typedef struct dupkey {
    char key[300];
    size_t row;
} dupkey;

static int dupkey_cmp(const void *x, const void *y) {
    const dupkey *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->row < b->row ? -1 : a->row > b->row);
}

int gv_table_find_duplicate(const gv_table *t, size_t code_col, int width, int extra_col, size_t *row_a,
                            size_t *row_b) {
    size_t nr = t ? t->nrows : 0;
    if (nr < 2 || code_col >= t->ncols) return 0;
    dupkey *k = malloc(nr * sizeof *k);
    if (!k) return -1;
    size_t n = 0;
    for (size_t r = 0; r < nr; r++) {
        char c[32];
        if (gv_code_normalize(gv_table_cell(t, r, code_col), width < 0 ? 0 : width, c, sizeof c, NULL) != GV_OK)
            continue;
        snprintf(k[n].key, sizeof k[n].key, "%s%s%.250s", c, extra_col >= 0 ? "\x1f" : "",
                 extra_col >= 0 ? gv_table_cell(t, r, (size_t)extra_col) : "");
        k[n++].row = r;
    }
    qsort(k, n, sizeof *k, dupkey_cmp);
    int found = 0;
    for (size_t i = 1; i < n && !found; i++)
        if (!strcmp(k[i].key, k[i - 1].key)) {
            /* the pair with the earliest second row: sort is by key, so
             * scan on for an earlier one would change the message only */
            if (row_a) *row_a = k[i - 1].row;
            if (row_b) *row_b = k[i].row;
            found = 1;
        }
    free(k);
    return found;
}
