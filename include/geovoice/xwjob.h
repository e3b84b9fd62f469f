/* xwjob.h: the `geovoice crosswalk` verb as one library call: resolve the
 * boundary sets (sets.h), pick the levels, read the tables, compute the
 * overlaps, carry (crosswalk.h), log the totals and write the outputs. */
#ifndef GEOVOICE_XWJOB_H
#define GEOVOICE_XWJOB_H

#include "geovoice/common.h"
#include "geovoice/mapjob.h" /* gv_log_fn */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_xwalk_job {
    const char *data;     /* TABLE.csv (required) */
    const char *output;   /* OUT.csv (required) */
    const char *from_set; /* e.g. "vn-2019"; NULL when --from-shapes given */
    const char *to_set;   /* e.g. "vn-2025" */
    const char *sets_dir; /* extra search path for sets (NULL ok) */
    const char *level;    /* level of the table's units: commune, district,
                           * province; NULL = from the code column's width */
    const char *method;   /* table, areal, combined; NULL = combined for
                           * communes, areal for districts, table for
                           * provinces when pairs are given, else areal */
    /* Crosswalk table of pairs; columns detected when NULL
     * (old_*_code/new_*_code, or code + constituent_codes_* with ';'). */
    const char *pairs;
    const char *pairs_old, *pairs_new, *pairs_sep;
    const char *history; /* units history (dissolved parents), optional */
    /* Explicit polygons instead of (or overriding) the sets. */
    const char *from_shapes, *from_layer, *from_code;
    const char *to_shapes, *to_layer, *to_code, *to_name, *to_parent;
    /* Input columns; NULL = detected (code: code, gso_code, ma; parent:
     * district_code, parent_code; values: population_total,
     * population_urban, population_rural, population, urban, rural, male,
     * female, households — those present). values: comma-separated. */
    const char *code_col, *parent_col, *values;
    const char *rows_report;      /* every input row with its way */
    const char *uncarried_report; /* only the rows not carried */
    /* A second estimate: another table (e.g. districts_2019.csv) carried by
     * areal interpolation of its own units to the same targets, compared
     * with this one per target and per parent (first value column each). */
    const char *compare;
    const char *compare_code, *compare_value;
    const char *compare_out;
    int threads;       /* <= 0: 2 */
    char decimal;      /* 0 = detect */
} gv_xwalk_job;

GV_API void gv_xwalk_job_init(gv_xwalk_job *j);
/* Runs the verb. Logs (log may be NULL) what it read, the rows carried each
 * way with their sums, the totals before and after, the rows not carried
 * (first 10) and the largest differences when comparing. */
GV_API int gv_xwalk_job_run(const gv_xwalk_job *j, gv_log_fn log, void *logctx, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
