/* opinions_ingest_job.c: `geovoice opinions ingest`: boundary units into
 * the workspace on first use (a set's levels, or one boundary source),
 * then the records (engine/ingest.c), then a summary for people. */
#include "geovoice/opinionsjob.h"

#include "geovoice/layer.h"
#include "geovoice/sets.h"
#include "geovoice/voterid.h"
#include "jobutil.h"

#include <sqlite3.h>

#include <stdio.h>
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
    else if (!strcmp(e, "s") || !*e) mul = 1;
    else return gv_error_set(err, GV_EUSAGE, "'%s': expected a duration like 30d, 12h, 90m or 3600s", s);
    if (!(v >= 0) || e == s) return gv_error_set(err, GV_EUSAGE, "'%s': expected a non-negative duration", s);
    *seconds = (long long)(v * mul + 0.5);
    return GV_OK;
}

static int guess_field(const gv_layer *L, const char *given, const char *const *cands) {
    if (given) return gv_layer_field_index(L, given);
    for (size_t i = 0; cands[i]; i++) {
        int f = gv_layer_field_index(L, cands[i]);
        if (f >= 0) return f;
    }
    return -1;
}

static const char *const CODE_F[] = {"code", "ma", "gso_code", NULL};
static const char *const NAME_F[] = {"name", "ten", NULL};
static const char *const PARENT_F[] = {"province_code", "prov_code", "parent_code", "ma_tinh", NULL};

/* Opens the boundary levels to store; layers[] get the opened layers. */
static int open_units(const gv_ingest_job *j, gv_ws_level *lv, gv_layer **layers, size_t *nlv, char *label,
                      size_t labelsz, gv_error *err) {
    *nlv = 0;
    if (j->shapes) {
        int rc = gv_layer_open(j->shapes, j->layer, NULL, &layers[0], err);
        if (rc) return rc;
        gv_level level = j->level ? gv_level_parse(j->level) : GV_LEVEL_COMMUNE;
        if (level == GV_LEVEL_NONE) return gv_error_set(err, GV_EUSAGE, "--level '%s': unknown level", j->level);
        lv[0].level = level;
        lv[0].layer = layers[0];
        lv[0].code_field = guess_field(layers[0], j->code_field, CODE_F);
        lv[0].name_field = guess_field(layers[0], j->name_field, NAME_F);
        lv[0].parent_field = guess_field(layers[0], j->parent_field, PARENT_F);
        lv[0].code_width = level == GV_LEVEL_COMMUNE ? 5 : level == GV_LEVEL_DISTRICT ? 3 : level == GV_LEVEL_PROVINCE ? 2 : 0;
        if (lv[0].code_field < 0)
            return gv_error_set(err, GV_EUSAGE, "%s: no code field (code, ma, gso_code): give --code FIELD", j->shapes);
        snprintf(label, labelsz, "%s:%s", j->shapes, gv_layer_name(layers[0]));
        *nlv = 1;
        return GV_OK;
    }
    gv_set *s = NULL;
    const char *name = j->set ? j->set : "vn-2025";
    int rc = gv_set_open(name, j->sets_dir, &s, err);
    if (rc) return rc;
    snprintf(label, labelsz, "%s", gv_set_name(s));
    for (int l = GV_LEVEL_PROVINCE; l <= GV_LEVEL_COMMUNE && !rc; l++) {
        const gv_set_layer *sl = gv_set_level(s, (gv_level)l);
        if (!sl || !sl->source) continue;
        gv_layer **L = &layers[*nlv];
        rc = gv_layer_open(sl->source, sl->layer, NULL, L, err);
        if (rc) break;
        gv_ws_level *v = &lv[*nlv];
        v->level = (gv_level)l;
        v->layer = *L;
        v->code_field = gv_layer_field_index(*L, sl->code_field);
        v->name_field = sl->name_field ? gv_layer_field_index(*L, sl->name_field) : -1;
        v->parent_field = sl->parent_field ? gv_layer_field_index(*L, sl->parent_field) : -1;
        v->code_width = sl->code_width;
        (*nlv)++;
        if (v->code_field < 0)
            rc = gv_error_set(err, GV_EDATA, "%s: layer %s has no field '%s'", sl->source, gv_layer_name(*L), sl->code_field);
    }
    if (!rc && !*nlv) rc = gv_error_set(err, GV_EDATA, "set '%s' has no level with polygons", name);
    gv_set_free(s);
    return rc;
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
    rc = gv_workspace_open(j->workspace, 1, &ws, err);
    gv_layer *layers[GV_NLEVELS] = {0};
    gv_ws_level lv[GV_NLEVELS];
    size_t nlv = 0;
    if (!rc && (!gv_workspace_has_units(ws) || j->set || j->shapes)) {
        char label[1024];
        rc = open_units(j, lv, layers, &nlv, label, sizeof label, err);
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
        if (sum->rejected) {
            gv__job_logf(log, logctx, "rejected rows (table rejects%s%s), first %d:", j->rejects ? " and " : "",
                         j->rejects ? j->rejects : "", sum->rejected < 10 ? (int)sum->rejected : 10);
            list_rejects(ws, log, logctx, 10);
        }
    }
    gv_workspace_close(ws);
    gv_voter_key_free(key);
    return rc;
}
