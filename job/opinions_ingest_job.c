/* opinions_ingest_job.c: `geovoice opinions ingest`: boundary units into
 * the workspace on first use (a set's levels, or one boundary source),
 * then the records (engine/ingest.c), then a summary for people. */
#include "geovoice/opinionsjob.h"

#include "geovoice/layer.h"
#include "geovoice/sets.h"
#include "geovoice/voterid.h"
#include "jobutil.h"
#include "opinions_common.h"

#include <sqlite3.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

void gv_ingest_job_init(gv_ingest_job *j) {
    memset(j, 0, sizeof *j);
    j->dedupe_window_s = 30LL * 86400;
}

int gv_duration_parse(const char *s, long long *seconds, gv_error *err) {
    char *e;
    if (!s || !*s) return gv_error_set(err, GV_EUSAGE, "empty duration");
    double v = strtod(s, &e);
    double mul = 1;
    if (!strcmp(e, "d")) mul = 86400;
    else if (!strcmp(e, "h")) mul = 3600;
    else if (!strcmp(e, "m")) mul = 60;
    else if (!strcmp(e, "s")) mul = 1;
    else if (!*e && e != s)
        /* A bare number is ambiguous (30 days? 30 seconds?): the unit is
         * required. */
        return gv_error_set(err, GV_EUSAGE, "'%s': give a unit: %sd (days), %sh, %sm or %ss", s, s, s, s, s);
    else return gv_error_set(err, GV_EUSAGE, "'%s': expected a duration like 30d, 12h, 90m or 3600s", s);
    if (!(v >= 0) || e == s) return gv_error_set(err, GV_EUSAGE, "'%s': expected a non-negative duration", s);
    *seconds = (long long)(v * mul + 0.5);
    return GV_OK;
}

static void list_rejects(gv_workspace *ws, gv_log_fn log, void *ctx, size_t n) {
    sqlite3 *db = gv_workspace_db(ws);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT row, line, coalesce(id, ''), field, reason FROM rejects WHERE ingest = (SELECT "
                           "max(n) FROM ingests) ORDER BY row LIMIT ?",
                           -1, &q, NULL))
        return;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)n);
    while (sqlite3_step(q) == SQLITE_ROW)
        gv__job_logf(log, ctx, "  row %lld (line %lld)%s%s%s%s: %s", sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                     *sqlite3_column_text(q, 2) ? " id " : "", (const char *)sqlite3_column_text(q, 2),
                     *sqlite3_column_text(q, 3) ? ", " : "", (const char *)sqlite3_column_text(q, 3),
                     (const char *)sqlite3_column_text(q, 4));
    sqlite3_finalize(q);
}

int gv_ingest_job_run(const gv_ingest_job *j, gv_log_fn log, void *logctx, gv_ingest_summary *sum, gv_error *err) {
    gv_ingest_summary dummy;
    if (!sum) sum = &dummy;
    if (!j->records || !j->workspace) return gv_error_set(err, GV_EUSAGE, "records file and --workspace are required");
    double t0 = gv__job_now_ms();
    gv_voter_key *key = NULL;
    int rc = gv_voter_key_load(j->key_file, &key, err);
    if (rc) return rc;
    gv_workspace *ws = NULL;
    /* A run that fails leaves no workspace it created (a missing or
     * unreadable records file must not leave a 30 MB file of units). */
    struct stat wst;
    int existed = stat(j->workspace, &wst) == 0;
    rc = gv_workspace_open(j->workspace, 1, &ws, err);
    gv_layer *layers[GV_NLEVELS] = {0};
    gv_ws_level lv[GV_NLEVELS];
    size_t nlv = 0;
    if (!rc && (!gv_workspace_has_units(ws) || j->set || j->shapes)) {
        char label[1024];
        rc = gv__op_open_units(j->set, j->sets_dir, j->shapes, j->layer, j->level, j->code_field, j->name_field,
                               j->parent_field, lv, layers, &nlv, label, sizeof label, err);
        if (!rc) rc = gv_workspace_set_units(ws, label, lv, nlv, err);
        if (!rc && nlv) {
            char set[1024];
            snprintf(set, sizeof set, "%s", gv_workspace_meta(ws, "set"));
            gv__job_logf(log, logctx, "workspace %s: units of '%s' (records at level %s)", j->workspace, set,
                         gv_workspace_meta(ws, "record_level"));
        }
    }
    for (size_t i = 0; i < nlv; i++) gv_layer_free(layers[i]);
    if (!rc) {
        gv_ingest_options o;
        gv_ingest_options_init(&o);
        o.path = j->records;
        o.rejects_csv = j->rejects;
        o.key = key;
        o.dedupe_window_s = j->dedupe_window_s;
        o.threads = j->threads;
        o.on_fault = j->on_fault;
        o.fault_ctx = j->fault_ctx;
        rc = gv_workspace_ingest(ws, &o, sum, err);
    }
    if (!rc) {
        double s = (gv__job_now_ms() - t0) / 1000;
        gv__job_logf(log, logctx,
                     "%s: %zu rows: %zu accepted (%zu located by point in polygon, %zu citizen ids stored as keyed hashes), "
                     "%zu rejected, %zu already in the workspace",
                     j->records, sum->rows, sum->accepted, sum->located, sum->hashed, sum->rejected, sum->already);
        if (j->dedupe_window_s > 0)
            gv__job_logf(log, logctx,
                         "dedupe (same voter, unit and topic within %.4g days of the first counted): %zu new rows collapsed, "
                         "%zu stored rows changed",
                         j->dedupe_window_s / 86400.0, sum->collapsed, sum->recounted);
        else
            gv__job_logf(log, logctx, "dedupe: off (--no-dedupe)");
        gv__job_logf(log, logctx, "workspace %s: %zu records, %zu counted; %.2f s (%.0f rows/s)", j->workspace,
                     sum->total_records, sum->total_counted, s, s > 0 ? sum->rows / s : 0.0);
        gv__job_logf(log, logctx, "  phases: rows %.2f s (point in polygon %.2f s), dedupe %.2f s, commit %.2f s",
                     sum->s_rows, sum->s_pip, sum->s_dedupe, sum->s_commit);
        if (sum->xy_disagree) {
            gv__job_logf(log, logctx, "%zu rows whose lon/lat lie outside the unit their unit_code names (kept by the code):",
                         sum->xy_disagree);
            for (size_t q = 0; q < sum->xy_disagree && q < 5; q++) gv__job_logf(log, logctx, "  %s", sum->xy_first[q]);
        }
        if (sum->rejected) {
            gv__job_logf(log, logctx, "rejected rows (table rejects%s%s), first %d:", j->rejects ? " and " : "",
                         j->rejects ? j->rejects : "", sum->rejected < 10 ? (int)sum->rejected : 10);
            list_rejects(ws, log, logctx, 10);
        }
    }
    gv_workspace_close(ws);
    gv_voter_key_free(key);
    if (rc && !existed && rc != GV_EINTERNAL) { /* GV_EINTERNAL: the injected fault, whose test looks at the file */
        char jn[4200];
        snprintf(jn, sizeof jn, "%s-journal", j->workspace);
        unlink(j->workspace);
        unlink(jn);
    }
    return rc;
}
