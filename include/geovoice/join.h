/* join.h: joins table rows to boundary units, by code or by Vietnamese name.
 *
 * A join never drops anything silently: every unit without a row, every row
 * without a unit, every ambiguous name and every code whose names disagree
 * is listed as a gv_join_issue. */
#ifndef GEOVOICE_JOIN_H
#define GEOVOICE_JOIN_H

#include "geovoice/common.h"
#include "geovoice/layer.h"
#include "geovoice/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to do when two rows match one unit, or one row matches several
 * units (a code repeated in the boundary layer). */
typedef enum {
    GV_DUP_ERROR = 0, /* default: an error naming both rows/units */
    GV_DUP_SUM,       /* numbers of all rows added */
    GV_DUP_FIRST,     /* the first row in file order wins */
    GV_DUP_MEAN       /* arithmetic mean of the rows' numbers */
} gv_dup_policy;

/* Parses "sum", "first", "mean" (GV_EUSAGE otherwise). */
GV_API int gv_dup_policy_parse(const char *s, gv_dup_policy *out, gv_error *err);

typedef struct gv_join_options {
    const char *unit_field;  /* boundary field holding the key */
    const char *table_col;   /* table column holding the key */
    int by_name;             /* 1: match Vietnamese names (SPEC rules); 0: codes */
    /* Code joins: when both sides carry a name, names are compared and every
     * code whose names disagree is reported. NULL = auto ("name"; table:
     * "name", "ten", "tên"). "" = do not compare. */
    const char *unit_name_field;
    const char *table_name_col;
    /* Optional parent restriction for name joins (communes under their
     * province): boundary field and table column holding the parent code. */
    const char *unit_parent_field;
    const char *table_parent_col;
    gv_dup_policy dup;
    /* How the caller's user chooses a policy, for the duplicate error
     * ("--allow-duplicates sum|first|mean" when NULL). */
    const char *dup_hint;
} gv_join_options;

typedef enum {
    GV_ISSUE_UNIT_NO_DATA = 1, /* a unit that no row matched */
    GV_ISSUE_ROW_NO_UNIT,      /* a row that matched no unit */
    GV_ISSUE_AMBIGUOUS,        /* a row whose name fits several units */
    GV_ISSUE_NAME_MISMATCH,    /* code join: the two names differ */
    GV_ISSUE_DUPLICATE,        /* duplicate combined under a policy */
    GV_ISSUE_BAD_KEY           /* the row's key cell is empty or not a code */
} gv_issue_kind;

typedef struct gv_join_issue {
    gv_issue_kind kind;
    size_t row;         /* table row (0-based) or (size_t)-1 */
    size_t line;        /* line in the table file, 0 when no row */
    size_t unit;        /* boundary feature index or (size_t)-1 */
    const char *key;    /* key as written (row's, or unit's) */
    const char *name;   /* the other side's name where known, else "" */
    const char *reason; /* one line of English */
} gv_join_issue;

typedef struct gv_join gv_join; /* opaque */

/* Joins t to l. On success *out is yours (gv_join_free). Errors: GV_EUSAGE
 * for unknown field/column (message names the file and lists the columns),
 * GV_EDATA for duplicates under GV_DUP_ERROR (names both rows or units).
 * l and t must outlive the join (issues borrow their strings). */
GV_API int gv_join_run(const gv_layer *l, const gv_table *t, const gv_join_options *o,
                       gv_join **out, gv_error *err);
GV_API void gv_join_free(gv_join *j);

/* Rows joined to unit i (file order). */
GV_API size_t gv_join_unit_nrows(const gv_join *j, size_t unit);
GV_API const size_t *gv_join_unit_rows(const gv_join *j, size_t unit);
/* Unit of row r, or -1. */
GV_API long gv_join_row_unit(const gv_join *j, size_t row);
/* The rule that matched row r ("code", or a name rule: "exact", "tone",
 * "prefix", "fold"), "" when unmatched. */
GV_API const char *gv_join_row_rule(const gv_join *j, size_t row);

GV_API size_t gv_join_units_matched(const gv_join *j);
GV_API size_t gv_join_units_nodata(const gv_join *j);
GV_API size_t gv_join_rows_unmatched(const gv_join *j);
GV_API size_t gv_join_rows_ambiguous(const gv_join *j);
GV_API size_t gv_join_name_mismatches(const gv_join *j);
GV_API size_t gv_join_nissues(const gv_join *j);
GV_API const gv_join_issue *gv_join_issue_at(const gv_join *j, size_t i);
GV_API const char *gv_issue_kind_str(gv_issue_kind k);

/* Writes every issue, then every matched row, as CSV
 * (kind,row,line,unit_fid,key,name,rule,reason) to path through a
 * temporary file renamed into place. kind is an issue kind or "matched";
 * rule is the rule that matched the row ("code", "exact", "tone",
 * "prefix", "fold"). l and t are the join's inputs. */
GV_API int gv_join_write_report(const gv_join *j, const gv_layer *l, const gv_table *t, const char *path,
                                gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
