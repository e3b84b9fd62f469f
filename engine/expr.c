/* expr.c: parser and evaluator for value expressions (include/geovoice/expr.h).
 *
 * A recursive-descent parser reads the text once and emits a postfix
 * program (numbers, variables, operators). Evaluation runs that program on
 * a small fixed stack, so gv_expr_eval needs no allocation and can report
 * per unit why a value is missing. The stack size is bounded at parse time
 * by the nesting limit, which also bounds the parser's own recursion: a
 * hostile or random expression cannot exhaust the C stack. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* newlocale / uselocale */
#endif

#include "geovoice/expr.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each nesting level (a parenthesis or unary minus) can hold at most two
 * pending operands (one from '+'/'-', one from '*'/'/'), so this bounds
 * the evaluation stack for any expression the parser accepts. */
#define STACK_MAX (2 * GV_EXPR_MAX_DEPTH + 8)

enum op_kind { OP_NUM, OP_VAR, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV };

typedef struct op {
    enum op_kind kind;
    size_t var;  /* OP_VAR: variable index */
    double num;  /* OP_NUM: the constant */
} op;

struct gv_expr {
    op *ops;
    size_t nops;
    char **vars;
    size_t nvars;
};

/* ---- UTF-8 ----------------------------------------------------------- */

/* Decodes one UTF-8 sequence at s (NUL-terminated). Returns its length and
 * sets *cp, or 0 for an invalid sequence (bad lead byte, truncated,
 * overlong, surrogate, beyond U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Spaces that people paste from word processors count as blanks, so that
 * "a\u00A0/ b" is not a puzzling "unexpected ' '" error. */
static int is_blank_cp(uint32_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 ||
           c == 0x202F;
}

/* Combining marks continue a name but cannot start one: a name in NFD
 * ("da\u0302n") must still be one token. */
static int is_combining_cp(uint32_t c) {
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0xFE20 && c <= 0xFE2F);
}

/* Name characters: ASCII letters, '_', digits (not first), and any
 * non-ASCII code point outside the blocks of spaces, punctuation and
 * symbols below. A full Unicode letter table would be exact but large;
 * excluding the symbol blocks is enough to keep '×', '÷', '−', '…' and
 * NBSP out of names while every Vietnamese (Latin Extended Additional),
 * Latin, Greek, Cyrillic or CJK letter gets in. */
static int is_name_cp(uint32_t c, int first) {
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
               (!first && c >= '0' && c <= '9');
    if (is_combining_cp(c)) return !first;
    if (c <= 0xBF) return c == 0xAA || c == 0xB5 || c == 0xBA; /* ª µ º */
    if (c == 0xD7 || c == 0xF7) return 0;                       /* × ÷ */
    if (c >= 0x2000 && c <= 0x2BFF) return 0; /* punctuation .. symbols */
    if (c >= 0x3000 && c <= 0x303F) return 0; /* CJK punctuation */
    if (c >= 0xE000 && c <= 0xF8FF) return 0; /* private use */
    if (c >= 0xFE00 && c <= 0xFE0F) return 0; /* variation selectors */
    if (c == 0xFEFF) return 0;                /* BOM / ZWNBSP */
    if ((c >= 0xFF00 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
        (c >= 0xFF5B && c <= 0xFF65))
        return 0;                             /* fullwidth punctuation */
    if (c >= 0xFFF0 && c <= 0xFFFF) return 0; /* specials */
    if (c >= 0x1F000 && c <= 0x1FFFF) return 0; /* emoji, pictographs */
    return 1;
}

/* ---- parser state ---------------------------------------------------- */

enum tok_kind {
    T_END, T_NUM, T_NAME, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_LP, T_RP
};

typedef struct parser {
    const char *src;
    size_t pos;          /* byte offset of the next unread character */
    /* current token */
    enum tok_kind kind;
    size_t tstart, tend; /* byte range in src */
    double num;
    char *name;          /* T_NAME: malloc'd, owned until interned */
    /* output */
    op *ops;
    size_t nops, capops;
    char **vars;
    size_t nvars, capvars;
    int depth, sp, maxsp;
    int rc;              /* first error, GV_OK while fine */
    gv_error *err;
} parser;

/* 1-based column of byte offset off, counted in characters: a column in
 * bytes would point at the wrong place after "dân_số". */
static size_t column_of(const char *src, size_t off) {
    size_t col = 1;
    for (size_t i = 0; i < off && src[i]; i++)
        if (((unsigned char)src[i] & 0xC0) != 0x80) col++;
    return col;
}

/* Copies up to max bytes of s[0..len) into out as printable UTF-8: control
 * characters and invalid bytes become '?', so the error stays one clean
 * line whatever the input. Appends "..." when cut. */
static void sanitize(const char *s, size_t len, char *out, size_t outsz,
                     size_t max) {
    size_t o = 0, i = 0;
    while (i < len && s[i]) {
        uint32_t cp;
        size_t n = utf8_decode((const unsigned char *)s + i, &cp);
        if (n == 0 || i + n > len || cp < 0x20 || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0))
            n = 0;
        size_t w = n ? n : 1;
        if (o + w > max || o + w + 4 >= outsz) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (n) memcpy(out + o, s + i, n);
        else out[o] = '?';
        o += w;
        i += n ? n : 1;
    }
    out[o] = '\0';
}

static void fail(parser *p, int code, const char *fmt, ...) GV_PRINTF(3, 4);

/* Records the first error only: later ones are consequences of it. The
 * message reads "expression '<src>': <what>", where <what> names the
 * column when there is one. */
static void fail(parser *p, int code, const char *fmt, ...) {
    if (p->rc != GV_OK) return;
    p->rc = code;
    if (!p->err) return;
    char echo[256], what[512];
    sanitize(p->src, strlen(p->src), echo, sizeof echo, 200);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gv_error_set(p->err, code, "expression '%s': %s", echo, what);
}

/* Printable text of the current token for "unexpected '...'". */
static const char *tok_text(const parser *p, char *buf, size_t bufsz) {
    sanitize(p->src + p->tstart, p->tend - p->tstart, buf, bufsz, 40);
    return buf;
}

static void fail_unexpected(parser *p) {
    size_t col = column_of(p->src, p->tstart);
    if (p->kind == T_END) {
        fail(p, GV_EUSAGE, "unexpected end of expression at column %zu", col);
    } else {
        char t[64];
        fail(p, GV_EUSAGE, "unexpected '%s' at column %zu",
             tok_text(p, t, sizeof t), col);
    }
}

/* ---- lexer ----------------------------------------------------------- */

/* strtod in the "C" locale: a process that called setlocale(LC_ALL, "")
 * under vi_VN would otherwise read "1.5" as 1 (its decimal point is ','). */
static int parse_c_double(const char *s, size_t len, double *out) {
    char small[64];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (!buf) return GV_ENOMEM;
    memcpy(buf, s, len);
    buf[len] = '\0';
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) {
        if (buf != small) free(buf);
        return GV_ENOMEM;
    }
    locale_t old = uselocale(c);
    char *end;
    *out = strtod(buf, &end);
    uselocale(old);
    freelocale(c);
    int ok = (size_t)(end - buf) == len;
    if (buf != small) free(buf);
    return ok ? GV_OK : GV_EINTERNAL;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Scans a name starting at byte i (already known to start with a name
 * character); returns the byte offset after it, or 0 on invalid UTF-8
 * (an error has then been recorded). */
static size_t scan_name(parser *p, size_t i) {
    const unsigned char *s = (const unsigned char *)p->src;
    int first = 1;
    for (;;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, &cp);
        if (n == 0) {
            if (s[i] == '\0') return i;
            fail(p, GV_EUSAGE, "invalid UTF-8 byte 0x%02X at column %zu",
                 s[i], column_of(p->src, i));
            return 0;
        }
        if (!is_name_cp(cp, first)) return i;
        first = 0;
        i += n;
    }
}

static char *dup_range(const char *s, size_t len) {
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* Reads a quoted name starting at the opening '"' (byte i). */
static void lex_quoted(parser *p, size_t i) {
    const unsigned char *s = (const unsigned char *)p->src;
    size_t start = i++;
    size_t cap = 16, len = 0;
    char *name = malloc(cap);
    if (!name) { fail(p, GV_ENOMEM, "out of memory"); return; }
    for (;;) {
        uint32_t cp;
        size_t n;
        if (s[i] == '\0') {
            free(name);
            fail(p, GV_EUSAGE,
                 "quoted name opened at column %zu is not closed",
                 column_of(p->src, start));
            return;
        }
        if (s[i] == '"') {
            if (s[i + 1] != '"') { i++; break; }
            cp = '"';
            n = 2; /* "" stands for one quote */
        } else {
            n = utf8_decode(s + i, &cp);
            if (n == 0) {
                free(name);
                fail(p, GV_EUSAGE, "invalid UTF-8 byte 0x%02X at column %zu",
                     s[i], column_of(p->src, i));
                return;
            }
            if (cp < 0x20 || cp == 0x7F) {
                free(name);
                fail(p, GV_EUSAGE,
                     "control character in quoted name at column %zu",
                     column_of(p->src, i));
                return;
            }
        }
        size_t add = cp == '"' && n == 2 ? 1 : n;
        if (len + add + 1 > cap) {
            while (len + add + 1 > cap) cap *= 2;
            char *nn = realloc(name, cap);
            if (!nn) {
                free(name);
                fail(p, GV_ENOMEM, "out of memory");
                return;
            }
            name = nn;
        }
        if (add == 1 && n == 2) name[len] = '"';
        else memcpy(name + len, s + i, n);
        len += add;
        i += n;
    }
    name[len] = '\0';
    if (len == 0) {
        free(name);
        fail(p, GV_EUSAGE, "empty quoted name at column %zu",
             column_of(p->src, start));
        return;
    }
    if (name[0] == '@') {
        /* '@' names are built-in attributes; a quoted "@x" would make
         * gv_expr_var ambiguous between a column and the attribute. */
        free(name);
        fail(p, GV_EUSAGE,
             "quoted name at column %zu starts with '@', which is reserved "
             "for built-in attributes (write @name without quotes)",
             column_of(p->src, start));
        return;
    }
    p->kind = T_NAME;
    p->name = name;
    p->tend = i;
}

/* Reads the next token into p. On a lexical error p->rc is set and the
 * token is T_END so that the parser unwinds. */
static void next(parser *p) {
    const unsigned char *s = (const unsigned char *)p->src;
    size_t i = p->pos;
    free(p->name);
    p->name = NULL;
    for (;;) { /* skip blanks */
        uint32_t cp;
        size_t n = utf8_decode(s + i, &cp);
        if (n == 0 || !is_blank_cp(cp)) break;
        i += n;
    }
    p->tstart = i;
    p->kind = T_END;
    char c = (char)s[i];
    if (c == '\0') {
        p->tend = p->pos = i;
        return;
    }
    switch (c) {
    case '+': p->kind = T_PLUS; break;
    case '-': p->kind = T_MINUS; break;
    case '*': p->kind = T_STAR; break;
    case '/': p->kind = T_SLASH; break;
    case '(': p->kind = T_LP; break;
    case ')': p->kind = T_RP; break;
    default: break;
    }
    if (p->kind != T_END) {
        p->tend = p->pos = i + 1;
        return;
    }
    if (is_digit(c) || (c == '.' && is_digit((char)s[i + 1]))) {
        size_t j = i;
        while (is_digit((char)s[j])) j++;
        if (s[j] == '.') {
            j++;
            while (is_digit((char)s[j])) j++;
        }
        if (s[j] == 'e' || s[j] == 'E') {
            size_t k = j + 1;
            if (s[k] == '+' || s[k] == '-') k++;
            if (!is_digit((char)s[k])) {
                char t[64];
                sanitize(p->src + i, k - i, t, sizeof t, 40);
                fail(p, GV_EUSAGE, "malformed number '%s' at column %zu", t,
                     column_of(p->src, i));
                p->tend = p->pos = k;
                return;
            }
            while (is_digit((char)s[k])) k++;
            j = k;
        }
        int rc = parse_c_double(p->src + i, j - i, &p->num);
        p->tstart = i;
        p->tend = p->pos = j;
        if (rc == GV_ENOMEM) {
            fail(p, GV_ENOMEM, "out of memory");
            return;
        }
        if (rc != GV_OK || !isfinite(p->num)) {
            char t[64];
            fail(p, GV_EUSAGE, "number '%s' is out of range at column %zu",
                 tok_text(p, t, sizeof t), column_of(p->src, i));
            return;
        }
        p->kind = T_NUM;
        return;
    }
    if (c == '"') {
        lex_quoted(p, i);
        if (p->rc == GV_OK) p->pos = p->tend;
        return;
    }
    uint32_t cp;
    size_t n = utf8_decode(s + i, &cp);
    if (n == 0) {
        p->tend = p->pos = i + 1;
        fail(p, GV_EUSAGE, "invalid UTF-8 byte 0x%02X at column %zu", s[i],
             column_of(p->src, i));
        return;
    }
    size_t nstart = c == '@' ? i + 1 : i;
    uint32_t cp2 = 0;
    size_t n2 = utf8_decode(s + nstart, &cp2);
    if (n2 && is_name_cp(cp2, 1)) {
        size_t j = scan_name(p, nstart);
        if (j == 0) return;
        p->name = dup_range(p->src + i, j - i); /* keeps the '@' */
        p->tend = p->pos = j;
        if (!p->name) {
            fail(p, GV_ENOMEM, "out of memory");
            return;
        }
        p->kind = T_NAME;
        return;
    }
    p->tend = p->pos = i + n;
    if (c == '@') {
        fail(p, GV_EUSAGE, "expected an attribute name after '@' at column %zu",
             column_of(p->src, i));
        return;
    }
    /* Any other character ('#', '%', '×', ...). */
    char t[64];
    fail(p, GV_EUSAGE, "unexpected '%s' at column %zu",
         tok_text(p, t, sizeof t), column_of(p->src, i));
}

/* ---- code generation ------------------------------------------------- */

static void emit(parser *p, enum op_kind k, size_t var, double num) {
    if (p->rc != GV_OK) return;
    if (p->nops == p->capops) {
        size_t cap = p->capops ? 2 * p->capops : 16;
        op *n = realloc(p->ops, cap * sizeof *n);
        if (!n) {
            fail(p, GV_ENOMEM, "out of memory");
            return;
        }
        p->ops = n;
        p->capops = cap;
    }
    p->ops[p->nops++] = (op){k, var, num};
    if (k == OP_NUM || k == OP_VAR) p->sp++;
    else if (k != OP_NEG) p->sp--;
    if (p->sp > p->maxsp) p->maxsp = p->sp;
}

/* Index of name among the variables, adding it (and taking ownership of
 * p->name) when new. */
static size_t intern(parser *p) {
    for (size_t i = 0; i < p->nvars; i++)
        if (strcmp(p->vars[i], p->name) == 0) return i;
    if (p->nvars == p->capvars) {
        size_t cap = p->capvars ? 2 * p->capvars : 8;
        char **n = realloc(p->vars, cap * sizeof *n);
        if (!n) {
            fail(p, GV_ENOMEM, "out of memory");
            return 0;
        }
        p->vars = n;
        p->capvars = cap;
    }
    p->vars[p->nvars] = p->name;
    p->name = NULL;
    return p->nvars++;
}

/* ---- grammar --------------------------------------------------------- */

static void parse_expr(parser *p);

static int enter(parser *p) {
    if (p->depth >= GV_EXPR_MAX_DEPTH) {
        fail(p, GV_EUSAGE, "nested too deeply at column %zu (limit %d levels)",
             column_of(p->src, p->tstart), GV_EXPR_MAX_DEPTH);
        return 0;
    }
    p->depth++;
    return 1;
}

static void parse_primary(parser *p) {
    if (p->rc != GV_OK) return;
    switch (p->kind) {
    case T_NUM:
        emit(p, OP_NUM, 0, p->num);
        next(p);
        return;
    case T_NAME: {
        size_t v = intern(p);
        emit(p, OP_VAR, v, 0.0);
        next(p);
        return;
    }
    case T_LP: {
        size_t open = p->tstart;
        if (!enter(p)) return;
        next(p);
        parse_expr(p);
        if (p->rc != GV_OK) return;
        if (p->kind == T_END) {
            fail(p, GV_EUSAGE, "missing ')' to close '(' at column %zu",
                 column_of(p->src, open));
            return;
        }
        if (p->kind != T_RP) {
            fail_unexpected(p);
            return;
        }
        p->depth--;
        next(p);
        return;
    }
    default:
        fail_unexpected(p);
        return;
    }
}

static void parse_factor(parser *p) {
    if (p->rc != GV_OK) return;
    if (p->kind == T_MINUS) {
        if (!enter(p)) return;
        next(p);
        parse_factor(p);
        emit(p, OP_NEG, 0, 0.0);
        p->depth--;
        return;
    }
    parse_primary(p);
}

static void parse_term(parser *p) {
    parse_factor(p);
    while (p->rc == GV_OK && (p->kind == T_STAR || p->kind == T_SLASH)) {
        enum op_kind k = p->kind == T_STAR ? OP_MUL : OP_DIV;
        next(p);
        parse_factor(p);
        emit(p, k, 0, 0.0);
    }
}

static void parse_expr(parser *p) {
    parse_term(p);
    while (p->rc == GV_OK && (p->kind == T_PLUS || p->kind == T_MINUS)) {
        enum op_kind k = p->kind == T_PLUS ? OP_ADD : OP_SUB;
        next(p);
        parse_term(p);
        emit(p, k, 0, 0.0);
    }
}

static void free_vars(char **vars, size_t n) {
    for (size_t i = 0; i < n; i++) free(vars[i]);
    free(vars);
}

int gv_expr_parse(const char *src, gv_expr **out, gv_error *err) {
    if (out) *out = NULL;
    if (!src || !out)
        return gv_error_set(err, GV_EUSAGE, "gv_expr_parse: NULL argument");
    parser p;
    memset(&p, 0, sizeof p);
    p.src = src;
    p.err = err;
    next(&p);
    if (p.rc == GV_OK && p.kind == T_END)
        fail(&p, GV_EUSAGE, "empty expression");
    parse_expr(&p);
    if (p.rc == GV_OK && p.kind != T_END) fail_unexpected(&p);
    if (p.rc == GV_OK && p.maxsp > STACK_MAX) /* cannot happen: see STACK_MAX */
        fail(&p, GV_EINTERNAL, "evaluation stack too deep");
    free(p.name);
    if (p.rc != GV_OK) {
        free(p.ops);
        free_vars(p.vars, p.nvars);
        return p.rc;
    }
    gv_expr *e = malloc(sizeof *e);
    if (!e) {
        free(p.ops);
        free_vars(p.vars, p.nvars);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    e->ops = p.ops;
    e->nops = p.nops;
    e->vars = p.vars;
    e->nvars = p.nvars;
    *out = e;
    return GV_OK;
}

void gv_expr_free(gv_expr *e) {
    if (!e) return;
    free(e->ops);
    free_vars(e->vars, e->nvars);
    free(e);
}

size_t gv_expr_nvars(const gv_expr *e) { return e ? e->nvars : 0; }

const char *gv_expr_var(const gv_expr *e, size_t i) {
    return e && i < e->nvars ? e->vars[i] : NULL;
}

int gv_expr_is_single_var(const gv_expr *e) {
    return e && e->nops == 1 && e->ops[0].kind == OP_VAR;
}

/* ---- evaluation ------------------------------------------------------ */

/* Of two reasons, the one listed first in gv_expr_status wins. */
static gv_expr_status worst(gv_expr_status a, gv_expr_status b) {
    if (a == GV_EXPR_VALUE) return b;
    if (b == GV_EXPR_VALUE) return a;
    return a < b ? a : b;
}

void gv_expr_eval(const gv_expr *e, const double *vals, double *out,
                  gv_expr_status *status) {
    double v[STACK_MAX];
    gv_expr_status s[STACK_MAX];
    size_t sp = 0;
    if (!e || e->nops == 0) {
        if (out) *out = NAN;
        if (status) *status = GV_EXPR_MISSING_INPUT;
        return;
    }
    for (size_t i = 0; i < e->nops; i++) {
        const op *o = &e->ops[i];
        switch (o->kind) {
        case OP_NUM:
            v[sp] = o->num;
            s[sp++] = GV_EXPR_VALUE;
            break;
        case OP_VAR: {
            double x = vals ? vals[o->var] : NAN;
            if (isnan(x)) s[sp] = GV_EXPR_MISSING_INPUT;
            else if (isinf(x)) s[sp] = GV_EXPR_NOT_FINITE;
            else s[sp] = GV_EXPR_VALUE;
            v[sp] = s[sp] == GV_EXPR_VALUE ? x : NAN;
            sp++;
            break;
        }
        case OP_NEG:
            if (s[sp - 1] == GV_EXPR_VALUE) v[sp - 1] = -v[sp - 1];
            break;
        default: {
            double a = v[sp - 2], b = v[sp - 1], r;
            gv_expr_status st = worst(s[sp - 2], s[sp - 1]);
            /* A zero denominator outranks an overflow on the left, as the
             * header promises, so it is checked whatever the numerator. */
            if (o->kind == OP_DIV && s[sp - 1] == GV_EXPR_VALUE && b == 0.0)
                st = worst(st, GV_EXPR_ZERO_DENOMINATOR);
            sp--;
            if (st != GV_EXPR_VALUE) {
                v[sp - 1] = NAN;
                s[sp - 1] = st;
                break;
            }
            switch (o->kind) {
            case OP_ADD: r = a + b; break;
            case OP_SUB: r = a - b; break;
            case OP_MUL: r = a * b; break;
            default:
                /* b != 0 here (see above): 0/0 and x/0 are the same kind
                 * of missing value to a user, not NaN vs inf. */
                r = a / b;
                break;
            }
            if (st == GV_EXPR_VALUE && !isfinite(r)) {
                st = GV_EXPR_NOT_FINITE;
                r = NAN;
            }
            v[sp - 1] = r;
            s[sp - 1] = st;
            break;
        }
        }
    }
    if (out) *out = v[0];
    if (status) *status = s[0];
}

const char *gv_expr_status_str(gv_expr_status s) {
    switch (s) {
    case GV_EXPR_VALUE: return "ok";
    case GV_EXPR_MISSING_INPUT: return "missing value";
    case GV_EXPR_ZERO_DENOMINATOR: return "zero denominator";
    case GV_EXPR_NOT_FINITE: return "not finite";
    default: return "unknown";
    }
}
