/* workspace.h: the opinion workspace, one SQLite file with the SpatiaLite
 * extension (libspatialite, linked in).
 *
 * Tables (all text columns TEXT; no raw citizen id is ever stored):
 *   meta(key PRIMARY KEY, value)  boundary set, record level, code width,
 *                                 dedupe window, schema version
 *   units(code PRIMARY KEY, level, name, parent_code, geom MULTIPOLYGON
 *         EPSG:4326)              boundary units, SpatiaLite spatial index
 *                                 (R*Tree) on geom; every level the set has
 *                                 polygons for (vn-2025: provinces and
 *                                 communes); records belong to the finest
 *   records(id PRIMARY KEY, counted, unit_code, topic, stance, channel,
 *           org, month, submitted_at, ts, voter, dkey, lon, lat, located,
 *           text, ingest)         one row per submission; counted = 0 when
 *                                 deduplication collapsed it
 *   rejects(ingest, source, row, line, id, field, reason,
 *           UNIQUE(source, row))  every rejected row with its reason
 *   ingests(n PRIMARY KEY, source, rows, accepted, rejected, already,
 *           collapsed)            one row per committed ingest
 *   voter_keys(dkey, rid)         64-bit key of (voter, unit, topic) of each
 *                                 record with a voter -> its rowid, for
 *                                 deduplicating later ingests
 *
 * Long-lived object: functions return GV_OK or a GV_E* code and keep the
 * message, readable with gv_workspace_errmsg (and copied into err when err
 * is not NULL). SQLite's and SpatiaLite's messages are included. */
#ifndef GEOVOICE_WORKSPACE_H
#define GEOVOICE_WORKSPACE_H

#include "geovoice/common.h"
#include "geovoice/layer.h"
#include "geovoice/sets.h"
#include "geovoice/voterid.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_workspace gv_workspace; /* opaque */

/* Opens (create = 1: creating when absent) the workspace file at path.
 * GV_EDATA when the file is not a workspace (no meta table of ours) or
 * cannot be opened; GV_EUSAGE when create is 0 and it does not exist. */
GV_API int gv_workspace_open(const char *path, int create, gv_workspace **out, gv_error *err);
GV_API void gv_workspace_close(gv_workspace *ws); /* NULL ok */
/* Last error message ("" when none). Borrowed. */
GV_API const char *gv_workspace_errmsg(const gv_workspace *ws);
GV_API const char *gv_workspace_path(const gv_workspace *ws);

/* One level of boundary units to store: the layer (borrowed during the
 * call), its field indices, and its code width. */
typedef struct gv_ws_level {
    gv_level level;
    const gv_layer *layer;
    int code_field, name_field, parent_field; /* name/parent -1 when none */
    int code_width;                           /* 0 = as written */
} gv_ws_level;

/* Stores the units of set `set_name` (a label: "vn-2025" or the source
 * path) once: levels from the coarsest to the finest; records belong to
 * the last. When the workspace already holds units of the same set this
 * does nothing; of another set it is GV_EUSAGE (one workspace, one set:
 * codes are reused across sets). In one transaction. */
GV_API int gv_workspace_set_units(gv_workspace *ws, const char *set_name, const gv_ws_level *levels,
                                  size_t nlevels, gv_error *err);
/* 1 when units are stored. */
GV_API int gv_workspace_has_units(const gv_workspace *ws);
/* Value of a meta key (borrowed until the next call), NULL when absent:
 * "set", "record_level", "code_width", "dedupe_window_s". */
GV_API const char *gv_workspace_meta(gv_workspace *ws, const char *key);

/* Called by ingest when the fault-injection switch fires (see below). */
typedef void (*gv_fault_fn)(void *ctx, size_t rows);

/* Environment variable of the fault-injection switch: after this many
 * rows have been written inside the ingest transaction, ingest flushes
 * SQLite's page cache into the file (so the file really is half-written,
 * with its rollback journal beside it) and calls on_fault; the CLI kills
 * itself there with SIGKILL. If on_fault returns (or is NULL), the ingest
 * rolls back and fails with GV_EINTERNAL. For tests only. */
#define GV_FAULT_ENV "GEOVOICE_FAULT_KILL_AFTER_ROWS"

typedef struct gv_ingest_options {
    const char *path;            /* records, .csv or .jsonl (required) */
    const char *rejects_csv;     /* also write the rejected rows here (NULL: no) */
    gv_voter_key *key;           /* HMAC key (borrowed); NULL: citizen-id rows rejected */
    long long dedupe_window_s;   /* 30 days = 2592000; 0 = no deduplication */
    int threads;                 /* point in polygon threads, <= 0: 2 */
    gv_fault_fn on_fault;        /* fault-injection hook (see GV_FAULT_ENV) */
    void *fault_ctx;
} gv_ingest_options;

GV_API void gv_ingest_options_init(gv_ingest_options *o);

typedef struct gv_ingest_summary {
    size_t rows;       /* data rows read */
    size_t accepted;   /* new rows stored */
    size_t rejected;   /* rows rejected (rejects table, rejects file) */
    size_t already;    /* rows whose id the workspace already had (or an earlier row of this file) */
    size_t located;    /* accepted rows assigned to a unit by point in polygon */
    size_t hashed;     /* accepted rows whose voter was a citizen id, stored hashed */
    size_t collapsed;  /* accepted rows of this file not counted (dedupe) */
    size_t recounted;  /* rows stored before whose counted flag changed */
    size_t total_records, total_counted; /* workspace totals after the ingest */
    /* Wall seconds of the phases: reading + validating + storing rows
     * (the reader thread overlaps the storing), of which point in polygon;
     * deduplication (flags, updates, keys); the commit. */
    double s_rows, s_pip, s_dedupe, s_commit;
    /* Accepted rows with a unit_code and a lon/lat in another unit (kept
     * by their code), and the first 5 of them described. */
    size_t xy_disagree;
    char xy_first[5][200];
} gv_ingest_summary;

/* Ingests one file in one transaction: every row validated (SPEC columns,
 * date, stance, channel, org for intermediary rows, unit code of the
 * record level, coordinates inside Vietnam's extent 102–118°E 6–24°N and
 * inside a unit), citizen ids hashed, free text scrubbed (voterid.h),
 * rows inserted unless their id is present, rejects stored, duplicates of
 * (voter, unit, topic) within the window after the first counted one
 * marked not counted (earliest submitted_at first; equal times: smaller
 * id), over the whole workspace, so the result does not depend on the
 * order files are ingested. On any error nothing is changed. */
GV_API int gv_workspace_ingest(gv_workspace *ws, const gv_ingest_options *o, gv_ingest_summary *sum,
                               gv_error *err);

/* Raw SQLite handle for the job layer's read queries (aggregate,
 * divergence); the workspace keeps ownership. Typed void * so this header
 * does not include sqlite3.h. */
GV_API void *gv_workspace_db(gv_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
