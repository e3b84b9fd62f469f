/* opinionsjob.h: the `geovoice opinions` verbs as library calls:
 *   ingest      records (CSV / JSON Lines) into a workspace (workspace.h)
 *   aggregate   counts, rates, shares, net stance, smoothed rates per unit
 *               with small-cell suppression (opstats.h), CSV or GeoPackage
 *   divergence  direct-channel vs intermediary distributions per unit and
 *               organisation: JSD, chi-square, Benjamini–Hochberg
 * and `geovoice synth`, the seeded generator of synthetic records. */
#ifndef GEOVOICE_OPINIONSJOB_H
#define GEOVOICE_OPINIONSJOB_H

#include "geovoice/common.h"
#include "geovoice/mapjob.h" /* gv_log_fn */
#include "geovoice/workspace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_ingest_job {
    const char *records;   /* .csv or .jsonl (required) */
    const char *workspace; /* WS.sqlite (required; created when absent) */
    const char *set;       /* boundary set (first ingest; default vn-2025 when no shapes) */
    const char *sets_dir;
    const char *shapes, *layer; /* or any boundary source (one level) */
    const char *level;     /* --shapes: level of its units (default commune) */
    const char *code_field, *name_field, *parent_field; /* --shapes fields (NULL: guessed) */
    const char *key_file;  /* HMAC key file (NULL: $GEOVOICE_HMAC_KEY) */
    const char *rejects;   /* rejects CSV (NULL: only the rejects table) */
    long long dedupe_window_s; /* default 30 days; 0 = --no-dedupe */
    int threads;
    gv_fault_fn on_fault;  /* see GV_FAULT_ENV */
    void *fault_ctx;
} gv_ingest_job;

GV_API void gv_ingest_job_init(gv_ingest_job *j);
GV_API int gv_ingest_job_run(const gv_ingest_job *j, gv_log_fn log, void *logctx, gv_ingest_summary *sum,
                             gv_error *err);

/* Parses "30d", "12h", "90m" or "3600s" into seconds. GV_EUSAGE for
 * anything else, a negative value, or a number without its unit ("30"
 * could mean days or seconds). */
GV_API int gv_duration_parse(const char *s, long long *seconds, gv_error *err);

/* ---- geovoice opinions aggregate ---- */

typedef struct gv_aggregate_job {
    const char *workspace;  /* required */
    const char *level;      /* commune (the records' level, default), province, region, nation */
    const char *by;         /* "", or a comma list of topic, channel, stance */
    const char *period;     /* NULL or "month" */
    const char *population; /* CSV code,population of the output units or of the records' units */
    const char *groups;     /* grouping CSV (code,group) of provinces for --level region */
    double min_count;       /* k: counts 0 < n < k are suppressed (default 10) */
    const char *out;        /* .csv or .gpkg (required) */
} gv_aggregate_job;

typedef struct gv_aggregate_summary {
    size_t records;        /* counted records read */
    size_t rows;           /* output rows */
    size_t primary, secondary, unprotected;
    size_t units_no_population;
    double seconds_scan;   /* time spent reading and counting the records */
} gv_aggregate_summary;

GV_API void gv_aggregate_job_init(gv_aggregate_job *j);
GV_API int gv_aggregate_job_run(const gv_aggregate_job *j, gv_log_fn log, void *logctx, gv_aggregate_summary *sum,
                                gv_error *err);

/* ---- geovoice opinions divergence ---- */

typedef struct gv_divergence_job {
    const char *workspace; /* required */
    const char *reports;   /* intermediary reports CSV (unit_code, org, topic, stance, count);
                              NULL: the workspace's intermediary-channel records */
    const char *by;        /* "topic" (default) or "stance" */
    double alpha;          /* test level after Benjamini–Hochberg (default 0.05) */
    double min_records;    /* both sides need at least this many to be tested (default 30) */
    double min_count;      /* counts 0 < n < k written 'suppressed' (default 10) */
    const char *out;       /* per unit, .csv or .gpkg (required) */
    const char *orgs_out;  /* per unit and organisation, .csv (NULL: none) */
} gv_divergence_job;

typedef struct gv_divergence_summary {
    size_t units, tested, flagged;
    size_t org_rows, org_tested, org_flagged;
    double reported_unplaced; /* reported counts whose unit code is not a unit of the workspace */
} gv_divergence_summary;

GV_API void gv_divergence_job_init(gv_divergence_job *j);
GV_API int gv_divergence_job_run(const gv_divergence_job *j, gv_log_fn log, void *logctx, gv_divergence_summary *sum,
                                 gv_error *err);

/* ---- geovoice synth ---- */

/* Topics the generator uses (ASCII slugs; README lists their meaning). */
#define GV_SYNTH_NTOPICS 8
GV_API const char *gv_synth_topic(int i);

typedef struct gv_synth_job {
    const char *set, *sets_dir;  /* units: the set's finest level with polygons (default vn-2025) */
    const char *shapes, *layer;  /* or any boundary source */
    const char *code_field, *parent_field;
    const char *population;      /* CSV code,population of the units or of their parents (provinces);
                                    NULL: volumes proportional to area */
    size_t records;              /* rows to write (default 10000) */
    unsigned long long seed;     /* default 1 */
    double malformed;            /* share of malformed rows (default 0.01) */
    double citizen_ids;          /* share of direct voters written as 12-digit citizen ids (default 0.3) */
    double coords;               /* share of rows placed by lon/lat instead of unit_code (default 0.1) */
    double repeat;               /* share of direct submissions followed by a repeat of the same voter,
                                    unit and topic within 0-45 days (default 0.15) */
    size_t overreport_units;     /* units whose intermediaries over-report a topic (default 20) */
    const char *overreport_topic;/* default "land" */
    double overreport_factor;    /* that topic's weight is multiplied by this (default 4) */
    double report_share;         /* reported count per unit ~ this × its direct records (default 1) */
    const char *start;           /* first day, YYYY-MM-DD (default 2025-07-01) */
    int months;                  /* span (default 6) */
    int no_text;                 /* leave the text column empty */
    const char *out;             /* records .csv or .jsonl (required) */
    const char *reports;         /* intermediary reports CSV (unit_code,org,topic,stance,count), NULL: none */
    const char *planted;         /* CSV of the over-reporting units (code,topic), NULL: none */
} gv_synth_job;

GV_API void gv_synth_job_init(gv_synth_job *j);
GV_API int gv_synth_job_run(const gv_synth_job *j, gv_log_fn log, void *logctx, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
