/* crosswalk.h: carrying counts from the units of one boundary set to the
 * units of another (SPEC "Words": crosswalk), e.g. 2019 census figures to
 * the 3,321 communes of 2025.
 *
 * Three ways, chosen per input row (gv_xw_way):
 *  - a crosswalk table of old -> new pairs. An old unit in one pair carries
 *    its count exactly; an old unit in several pairs without shares is split
 *    in proportion to the areas of the new units that received it (SPEC),
 *    and the result is marked estimated.
 *  - areal interpolation: an old unit's count is shared among the new units
 *    its polygon overlaps, in proportion to the overlap area, renormalised
 *    over the part of the old polygon that overlaps any new unit (so nothing
 *    is lost offshore or in slivers between two surveys). Estimated.
 *  - combined: the table where the row's unit has a pair, else the areal
 *    interpolation of the polygon of its parent (a 2019 commune without pair
 *    through its 2019 district); a parent without polygon (dissolved before
 *    the polygons' list) is followed through a unit-history table to the
 *    unit that absorbed it.
 * A row that none of these can carry is reported with its values and the
 * reason; every carried row is carried once, with shares summing to 1, so
 * the total after equals the total before minus the uncarried rows (to
 * floating-point rounding).
 *
 * Areas of overlap are computed with GEOS in one fixed equal-area
 * projection, GV_XW_CRS (Lambert azimuthal equal-area on the WGS 84
 * ellipsoid centred at 16°N 106°E, the middle of Viet Nam's mainland and
 * seas): fixed, not data-dependent, so the shares of a pair do not depend
 * on what else was loaded. Candidate pairs come from a GEOS STRtree (never
 * all pairs); each candidate is then decided by a prepared geometry
 * (contains properly: the whole new unit; disjoint: nothing) before any
 * intersection is computed.
 *
 * Ownership: every gv_xw_* / gv_overlaps_* object returned is yours to free
 * with its _free (NULL ok); const char * returned are borrowed from the
 * object. Layers and tables passed in are borrowed and must outlive the
 * call only (results copy what they keep). */
#ifndef GEOVOICE_CROSSWALK_H
#define GEOVOICE_CROSSWALK_H

#include "geovoice/common.h"
#include "geovoice/layer.h"
#include "geovoice/table.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The equal-area CRS of every overlap area (PROJ string). */
#define GV_XW_CRS "+proj=laea +lat_0=16 +lon_0=106 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

/* ---- overlaps (areal interpolation weights) ---- */

typedef struct gv_overlaps gv_overlaps; /* opaque */

/* Overlap areas between every polygon of `from` and every polygon of `to`
 * that intersect (m² in GV_XW_CRS). nthreads: worker threads for the
 * intersections (<= 0: 2). Features without polygon overlap nothing.
 * Errors: GV_EINTERNAL with GEOS's or PROJ's message naming the two
 * features when an intersection cannot be computed even on a 1 mm grid. */
GV_API int gv_overlaps_compute(const gv_layer *from, const gv_layer *to, int nthreads, gv_overlaps **out,
                               gv_error *err);
GV_API void gv_overlaps_free(gv_overlaps *o);

GV_API size_t gv_overlaps_nfrom(const gv_overlaps *o);
/* Pairs with a positive overlap area. */
GV_API size_t gv_overlaps_npairs(const gv_overlaps *o);
/* Pairs whose bounding boxes met in the STRtree (the candidates tested). */
GV_API size_t gv_overlaps_ncandidates(const gv_overlaps *o);
/* The new units feature `from_i` overlaps, ascending, and the overlap areas
 * (m²); returns their number. Borrowed arrays. */
GV_API size_t gv_overlaps_of(const gv_overlaps *o, size_t from_i, const size_t **to_idx, const double **area_m2);
/* Area of from_i's own polygon, and the part of it that overlaps any unit
 * of `to` (sum of its overlaps; units of `to` are assumed not to overlap
 * each other), both m² in GV_XW_CRS. */
GV_API double gv_overlaps_from_area(const gv_overlaps *o, size_t from_i);
GV_API double gv_overlaps_covered(const gv_overlaps *o, size_t from_i);

/* ---- carrying a table ---- */

typedef enum gv_xw_method {
    GV_XW_TABLE = 1,   /* pairs only */
    GV_XW_AREAL = 2,   /* areal interpolation of the row's own unit */
    GV_XW_COMBINED = 3 /* pairs, else areal of the row's parent unit */
} gv_xw_method;

/* How one input row was carried. */
typedef enum gv_xw_way {
    GV_XW_NONE = 0,        /* not carried (reason in gv_xw_row_reason) */
    GV_XW_PAIR = 1,        /* one pair: exact */
    GV_XW_PAIR_SPLIT = 2,  /* several pairs, shares by area of the new units: estimated */
    GV_XW_AREAL_UNIT = 3,  /* areal interpolation of the row's own polygon: estimated */
    GV_XW_AREAL_PARENT = 4,/* areal interpolation of the parent's polygon: estimated */
    GV_XW_AREAL_HISTORY = 5/* same, parent without polygon followed through the
                            * history table to the unit that absorbed it */
} gv_xw_way;
#define GV_XW_NWAYS 6

/* "none", "pair", "pair-split", "areal", "areal-parent", "areal-history". */
GV_API const char *gv_xw_way_name(gv_xw_way w);
/* Parses "table", "areal", "combined"; GV_EUSAGE otherwise. */
GV_API int gv_xw_method_parse(const char *s, gv_xw_method *out, gv_error *err);

typedef struct gv_xw_options {
    gv_xw_method method;

    /* Input table and its columns. code_col: the row's unit (key of the
     * pairs; for GV_XW_AREAL the key of `from`). parent_col (combined):
     * the code of the unit of `from` whose polygon carries a row without
     * pair. value_cols: the counts to carry (empty cell = missing: that
     * column of that row is not carried and is counted as missing). */
    const gv_table *data;
    const char *code_col;
    const char *parent_col;
    const char *const *value_cols;
    size_t nvalues;

    /* Pairs (TABLE, COMBINED). pairs_list_sep: NULL when each cell holds
     * one code; ";" when the old column lists several codes per new unit
     * (census/provinces_2025.csv: constituent_codes_2019 = "08;02"). */
    const gv_table *pairs;
    const char *pairs_old_col;
    const char *pairs_new_col;
    const char *pairs_list_sep;

    /* Targets: the new units, all written out in code order. Areas
     * (gv_layer_area_km2) weight split pairs, hence non-const. */
    gv_layer *to;
    const char *to_code_field;
    const char *to_name_field;   /* NULL: names left empty */
    const char *to_parent_field; /* NULL: no parent column */

    /* Areal (AREAL, COMBINED): polygons of the old units and their overlaps
     * with `to` (gv_overlaps_compute(from, to)). */
    const gv_layer *from;
    const char *from_code_field;
    const gv_overlaps *overlaps;

    /* Optional unit history (columns level, code, parent_code, as in
     * units_dvhcvn_history.csv): an old unit of `from`'s level without
     * polygon is mapped to the unit of `from` most of its children were
     * later listed under. from_level: the `level` word of `from`'s units
     * ("district"), child_level: of theirs ("commune"). */
    const gv_table *history;
    const char *from_level;
    const char *child_level;
} gv_xw_options;

/* Zeroes o and sets method = GV_XW_COMBINED. */
GV_API void gv_xw_options_init(gv_xw_options *o);

typedef struct gv_xw_result gv_xw_result; /* opaque */

/* Carries the table. Errors: GV_EUSAGE (missing option or column),
 * GV_EDATA naming file, row and column (a value that is not a number, a
 * code that is not a code, a pair naming a new unit absent from `to`, a
 * target code given twice). Rows that cannot be carried are not errors:
 * they are counted and listed (gv_xw_row_*). */
GV_API int gv_xw_run(const gv_xw_options *o, gv_xw_result **out, gv_error *err);
GV_API void gv_xw_free(gv_xw_result *r);

GV_API size_t gv_xw_nvalues(const gv_xw_result *r);
GV_API const char *gv_xw_value_name(const gv_xw_result *r, size_t v);
/* Sum of value column v over the input rows (missing cells skipped), the
 * part carried, and the part not carried. */
GV_API double gv_xw_total_in(const gv_xw_result *r, size_t v);
GV_API double gv_xw_total_out(const gv_xw_result *r, size_t v);
GV_API double gv_xw_total_uncarried(const gv_xw_result *r, size_t v);
/* A target whose value v gets a contribution from a row with v missing has
 * v missing (a partial sum is not a figure): the number of such targets,
 * and the sum the other rows brought to them. Always
 * total_in = total_out + total_uncarried + total_incomplete. */
GV_API size_t gv_xw_targets_incomplete(const gv_xw_result *r, size_t v);
GV_API double gv_xw_total_incomplete(const gv_xw_result *r, size_t v);
/* Input rows carried each way (index by gv_xw_way), and their sum of
 * value column v. */
GV_API size_t gv_xw_rows_by_way(const gv_xw_result *r, gv_xw_way w);
GV_API double gv_xw_value_by_way(const gv_xw_result *r, gv_xw_way w, size_t v);

/* Targets, in ascending code order. */
GV_API size_t gv_xw_ntargets(const gv_xw_result *r);
GV_API const char *gv_xw_target_code(const gv_xw_result *r, size_t t);
GV_API const char *gv_xw_target_name(const gv_xw_result *r, size_t t);
GV_API const char *gv_xw_target_parent(const gv_xw_result *r, size_t t);
/* Index of the target with that code (any spelling), -1 when absent. */
GV_API long gv_xw_target_find(const gv_xw_result *r, const char *code);
/* Carried value (NaN when no row reached the target). */
GV_API double gv_xw_target_value(const gv_xw_result *r, size_t t, size_t v);
/* Bit (1 << way) set for each way that brought a contribution. */
GV_API unsigned gv_xw_target_ways(const gv_xw_result *r, size_t t);
/* 1 when any contribution was estimated (split pair or areal). */
GV_API int gv_xw_target_estimated(const gv_xw_result *r, size_t t);
/* Number of input rows that contributed. */
GV_API size_t gv_xw_target_nsources(const gv_xw_result *r, size_t t);
/* "pair+areal-parent": the ways that contributed, '+'-joined in enum
 * order ("none" when nothing). Writes into buf. */
GV_API const char *gv_xw_ways_str(unsigned ways, char *buf, size_t n);

/* Input rows (0-based data rows of `data`). */
GV_API gv_xw_way gv_xw_row_way(const gv_xw_result *r, size_t row);
/* Number of targets the row went to. */
GV_API size_t gv_xw_row_ntargets(const gv_xw_result *r, size_t row);
/* Why a row was not carried ("" when carried), e.g. "no pair and no
 * code"; for carried rows via a polygon, which unit's polygon (see
 * gv_xw_row_via). */
GV_API const char *gv_xw_row_reason(const gv_xw_result *r, size_t row);
GV_API const char *gv_xw_row_via(const gv_xw_result *r, size_t row);

/* Writes the carried table: code, name, [parent,] one column per value,
 * method, estimated (yes/no), sources. Values with up to 2 decimals
 * (trailing zeros dropped), empty for targets no row reached. Written to a
 * temporary file renamed into place. GV_EOUTPUT when it cannot be. */
GV_API int gv_xw_write_csv(const gv_xw_result *r, const char *path, gv_error *err);
/* Writes one line per input row: row, line, code, parent, values, method,
 * targets, via, reason. uncarried_only: only the rows not carried. */
GV_API int gv_xw_write_rows(const gv_xw_result *r, int uncarried_only, const char *path, gv_error *err);

/* ---- comparing two estimates ---- */

typedef struct gv_xw_diff {
    const char *code; /* borrowed from the first result */
    const char *name;
    int level;        /* 0: a target, 1: a parent (sum over its targets) */
    double a, b;      /* value column 0 of each result (missing = 0) */
    double diff;      /* b - a */
    double rel;       /* (b - a) / a; NaN when a = 0 */
} gv_xw_diff;

/* Compares value column 0 of two results on the same targets, per target
 * and per parent (targets summed by gv_xw_target_parent), sorted by |diff|
 * descending then code. *out is malloc'd (free()), *n its length. names
 * of parents: parent_name(ctx, code) or NULL (then the code). */
GV_API int gv_xw_compare(const gv_xw_result *a, const gv_xw_result *b,
                         const char *(*parent_name)(void *ctx, const char *code), void *ctx,
                         gv_xw_diff **out, size_t *n, gv_error *err);
/* Writes the comparison: level, code, name, a, b, diff, rel_diff. */
GV_API int gv_xw_diffs_write(const gv_xw_diff *d, size_t n, const char *a_name, const char *b_name,
                             const char *path, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
