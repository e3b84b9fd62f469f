/* expr.h: value expressions for maps and tables. A map's value is a column,
 * a built-in unit attribute, or arithmetic of them:
 *
 *     population_total/@area_km2
 *     population_urban/population_total*100
 *     (a - b) / b        -x        1e3*x        "dân số 2019"/@area_km2
 *
 * Grammar (usual precedence, binary operators associate to the left):
 *
 *     expr    := term   (('+' | '-') term)*
 *     term    := factor (('*' | '/') factor)*
 *     factor  := '-' factor | primary
 *     primary := number | name | '@' name | quoted | '(' expr ')'
 *
 * - name: [A-Za-z_] or a non-ASCII letter, then also digits; UTF-8 letters
 *   (Vietnamese "dân_số") are allowed, see expr.c for the exact rule.
 * - '@' name: a built-in unit attribute ("@area_km2"); the '@' is part of
 *   the variable's name, so it never collides with a table column.
 * - quoted: "any column name", with "" standing for one '"' inside. It
 *   names the same variable as the unquoted spelling ("a" == a). A quoted
 *   name may not start with '@' (that prefix is reserved for built-ins).
 * - number: 12  1.5  .5  1e-3  2.5E+6 (always '.' as decimal point,
 *   whatever the process locale).
 * Blanks between tokens (space, tab, CR, LF, no-break spaces) are ignored.
 *
 * The parser only knows names; the caller looks each variable up (table
 * column or attribute) and passes the values to gv_expr_eval in the order
 * of gv_expr_var. A parsed gv_expr is immutable: gv_expr_eval may be called
 * from several threads at once. */
#ifndef GEOVOICE_EXPR_H
#define GEOVOICE_EXPR_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_expr gv_expr; /* opaque */

/* Parses src (UTF-8, NUL-terminated) into *out, which the caller frees
 * with gv_expr_free. On failure *out is NULL and the result is GV_EUSAGE
 * with a message naming the expression and the 1-based column (counted in
 * characters, not bytes):
 *     expression 'a+*b': unexpected '*' at column 3
 * GV_ENOMEM when allocation fails. Nesting is limited to GV_EXPR_MAX_DEPTH
 * levels of parentheses / unary minus. */
#define GV_EXPR_MAX_DEPTH 64
GV_API int gv_expr_parse(const char *src, gv_expr **out, gv_error *err);

/* Frees e (NULL allowed). */
GV_API void gv_expr_free(gv_expr *e);

/* Number of distinct variable names, in order of first appearance. */
GV_API size_t gv_expr_nvars(const gv_expr *e);

/* Name of variable i (borrowed, valid until gv_expr_free): a column name
 * as written ("population_total", quotes removed) or a built-in attribute
 * with its '@' ("@area_km2"). NULL when i is out of range. */
GV_API const char *gv_expr_var(const gv_expr *e, size_t i);

/* 1 when the whole expression is one variable (also "(x)"), else 0. The
 * caller uses it to keep the column's own label and unit. */
GV_API int gv_expr_is_single_var(const gv_expr *e);

typedef enum {
    GV_EXPR_VALUE = 0,        /* a finite result */
    GV_EXPR_MISSING_INPUT,    /* a variable was NaN (no data) */
    GV_EXPR_ZERO_DENOMINATOR, /* a division by 0 (0/0 and x/-0 too) */
    GV_EXPR_NOT_FINITE        /* an overflow to ±inf, or an infinite input */
} gv_expr_status;

/* Evaluates e with vals[i] = value of variable i (gv_expr_nvars values;
 * NULL allowed when there are none; NaN = missing). Writes the result to
 * *out and the reason to *status (status may be NULL). Whenever *status is
 * not GV_EXPR_VALUE, *out is NaN: a unit's indicator is then missing, never
 * 0 or inf. When several reasons apply (x/0 with x missing), the first of
 * MISSING_INPUT, ZERO_DENOMINATOR, NOT_FINITE wins: missing data is the
 * cause a user can act on. Pure: no allocation, no error state. */
GV_API void gv_expr_eval(const gv_expr *e, const double *vals, double *out,
                         gv_expr_status *status);

/* "ok", "missing value", "zero denominator", "not finite" (static). */
GV_API const char *gv_expr_status_str(gv_expr_status s);

#ifdef __cplusplus
}
#endif
#endif
