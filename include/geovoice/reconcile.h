/* reconcile.h: `geovoice reconcile` as one library call: two sources of
 * the same figure for the same units (e.g. the population in Resolution
 * 202/2025/QH15 against the 2019 census carried to the same provinces),
 * compared per unit on counts and on shares (SPEC "Indicators":
 * reconciliation of two population sources).
 *
 * Per unit, with a = source A and b = source B:
 *   diff        b - a
 *   rel_diff    (b - a) / a                 (NaN when a is 0 or missing)
 *   z_rel       modified z-score of rel_diff over the units (robust.h);
 *               flagged when |z| > threshold (default 3.5). The median
 *               centre makes it a comparison after the typical growth.
 *   share_a/b   a / sum(a), b / sum(b) over the units both sources have
 *   share_diff  (share_b - share_a) in percentage points
 *   rel_share   share_b / share_a - 1 = (b/a) / (sum b / sum a) - 1: the
 *               unit's change beyond the national one ("once the national
 *               growth is allowed for")
 *   z_share     modified z-score of share_diff (a z-score of rel_share would
 *               equal z_rel: it is an affine function of rel_diff, and the
 *               modified z-score is invariant to those), flagged likewise
 * Parent/child: when the units table of a boundary set is given and the
 * tables hold units of several levels, every parent row is compared with
 * the sum of its child rows, in each source.
 * Figure provenance: every column of A or B whose name contains "source"
 * (e.g. provinces_2025.csv's figure_source) is carried to the output. */
#ifndef GEOVOICE_RECONCILE_H
#define GEOVOICE_RECONCILE_H

#include "geovoice/common.h"
#include "geovoice/mapjob.h" /* gv_log_fn */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_reconcile_options {
    const char *a, *a_col;   /* source A: CSV path and its value column (required) */
    const char *b, *b_col;   /* source B (may be the same file, another column) */
    const char *a_label, *b_label; /* names in messages and on the map; NULL: "file:column" */
    const char *code_col;    /* unit code column of both tables; NULL: code, gso_code, ma */
    const char *set;         /* boundary set for names, hierarchy and map polygons (NULL ok) */
    const char *sets_dir;
    double threshold;        /* |z| above which a unit is flagged; <= 0: 3.5 */
    int strict;              /* units in one source only, missing values: errors */
    char decimal;            /* 0 = detect per column */
    const char *out;         /* CSV (required) */
    const char *parents_out; /* parent/child sums CSV, NULL = none */
    /* A diverging map of the relative difference, centred on 0. */
    const char *map;         /* .png/.pdf/.svg, NULL = none */
    const char *map_value;   /* "share" (rel_share, default) or "count" (rel_diff) */
    const char *map_shapes, *map_layer; /* polygons; NULL: the set's level of the codes */
    const char *title, *subtitle, *source;
    const char *locale;
} gv_reconcile_options;

GV_API void gv_reconcile_options_init(gv_reconcile_options *o);

/* Runs the comparison, logs a summary (totals, national ratio, flagged
 * units, units in one source only, parent/child mismatches) and writes the
 * outputs (temporary files renamed into place). GV_EDATA names the file,
 * row and column of bad input (a duplicated code, a value that is not a
 * number). */
GV_API int gv_reconcile_run(const gv_reconcile_options *o, gv_log_fn log, void *logctx, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
