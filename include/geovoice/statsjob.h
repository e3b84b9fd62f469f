/* statsjob.h: the `geovoice stats` verbs as one library call: read a
 * population or ethnic table, carry its rows up the unit hierarchy of a
 * boundary set (sets.h) to the requested level, compute the SPEC indicators
 * from the summed counts (never averaged shares), check consistency, and
 * write a CSV or a GeoPackage layer (geometry + indicators).
 *
 * Levels: province, district, commune (units of the set's layer, or of its
 * units table when the level has no polygons), region (a grouping table:
 * the set's own "region" grouping or the user's --groups file), nation (one
 * unit, code "VN"). Region and nation polygons are the GEOS union of their
 * provinces; their area is the sum of the provinces' geodesic areas. */
#ifndef GEOVOICE_STATSJOB_H
#define GEOVOICE_STATSJOB_H

#include "geovoice/common.h"
#include "geovoice/mapjob.h" /* gv_log_fn */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gv_stats_kind {
    GV_STATS_URBAN_RURAL = 1, /* population, urban, rural, shares, ratio, density */
    GV_STATS_ETHNIC = 2       /* group shares, dominant, minority share, Simpson, Shannon */
} gv_stats_kind;

typedef struct gv_stats_options {
    gv_stats_kind kind;
    const char *data;     /* CSV (required) */
    const char *level;    /* "province" (default), "region", "nation", "district", "commune" */
    const char *set;      /* boundary set name or manifest path; default "vn-2019" */
    const char *sets_dir; /* extra manifest directories (':'-separated), NULL = none */
    const char *groups;   /* grouping CSV for level region; NULL = the set's "region" grouping */
    const char *keep;     /* ethnic: groups kept as columns, ','-separated; NULL = every group */
    double expect_total;  /* published national population to check against; 0 = none */
    char decimal;         /* 0 = detect, '.' or ',' */
    int strict;           /* inconsistent rows, unmatched rows, missing data become errors */
    const char *out;      /* .csv or .gpkg (required) */
} gv_stats_options;

/* Defaults: kind urban-rural, level province, set vn-2019, all else 0/NULL. */
GV_API void gv_stats_options_init(gv_stats_options *o);

/* What a run found (all counts over data rows unless said). */
typedef struct gv_stats_summary {
    size_t rows;             /* data rows read */
    size_t rows_unplaced;    /* rows carried to no output unit (reported) */
    double pop_unplaced;     /* their population */
    size_t rows_inconsistent;/* urban + rural != population */
    size_t units;            /* output units */
    size_t units_nodata;     /* output units without any row */
    double total;            /* sum of population over all rows */
} gv_stats_summary;

/* Runs the job; summary may be NULL. GV_OK, or GV_E* with err naming the
 * file, row and column at fault. Nothing is written on failure. */
GV_API int gv_stats_run(const gv_stats_options *o, gv_log_fn log, void *logctx,
                        gv_stats_summary *summary, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
