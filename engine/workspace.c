/* workspace.c: the SQLite + SpatiaLite opinion workspace: opening, schema,
 * boundary units as a spatial table (workspace.h). Records: ingest.c. */
#include "workspace_priv.h"

#include "geovoice/table.h"

#include <spatialite.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION "1"

int gv__ws_fail(gv_workspace *ws, gv_error *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ws->msg, sizeof ws->msg, fmt, ap);
    va_end(ap);
    return gv_error_set(err, code, "%s", ws->msg);
}

int gv__ws_exec(gv_workspace *ws, gv_error *err, const char *sql) {
    char *e = NULL;
    if (sqlite3_exec(ws->db, sql, NULL, NULL, &e) != SQLITE_OK) {
        int rc = gv__ws_fail(ws, err, GV_EDATA, "%s: SQLite: %s (in: %.80s)", ws->path, e ? e : sqlite3_errmsg(ws->db), sql);
        sqlite3_free(e);
        return rc;
    }
    return GV_OK;
}

int gv__ws_meta_set(gv_workspace *ws, gv_error *err, const char *key, const char *value) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(ws->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st, NULL))
        return gv__ws_fail(ws, err, GV_EDATA, "%s: SQLite: %s", ws->path, sqlite3_errmsg(ws->db));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return gv__ws_fail(ws, err, GV_EDATA, "%s: SQLite: %s", ws->path, sqlite3_errmsg(ws->db));
    return GV_OK;
}

const char *gv_workspace_meta(gv_workspace *ws, const char *key) {
    sqlite3_stmt *st;
    const char *out = NULL;
    if (sqlite3_prepare_v2(ws->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL)) return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(ws->metabuf, sizeof ws->metabuf, "%s", (const char *)sqlite3_column_text(st, 0));
        out = ws->metabuf;
    }
    sqlite3_finalize(st);
    return out;
}

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS records("
    " id TEXT PRIMARY KEY NOT NULL, counted INTEGER NOT NULL, unit_code TEXT NOT NULL,"
    " topic TEXT NOT NULL, stance TEXT NOT NULL, channel TEXT NOT NULL, org TEXT,"
    " month TEXT NOT NULL, submitted_at TEXT NOT NULL, ts INTEGER NOT NULL,"
    " voter TEXT, dkey INTEGER, lon REAL, lat REAL, located INTEGER NOT NULL DEFAULT 0,"
    " text TEXT, ingest INTEGER NOT NULL);"
    /* (voter, unit, topic) keys of the records with a voter: rid = rowid
     * in records; the dedupe looks up stored rows of the same key here. */
    "CREATE TABLE IF NOT EXISTS voter_keys(dkey INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY(dkey, rid)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rejects(ingest INTEGER NOT NULL, source TEXT NOT NULL, row INTEGER NOT NULL,"
    " line INTEGER NOT NULL, id TEXT, field TEXT, reason TEXT NOT NULL, UNIQUE(source, row));"
    "CREATE TABLE IF NOT EXISTS ingests(n INTEGER PRIMARY KEY, source TEXT NOT NULL, rows INTEGER,"
    " accepted INTEGER, rejected INTEGER, already INTEGER, collapsed INTEGER);";

int gv_workspace_open(const char *path, int create, gv_workspace **out, gv_error *err) {
    *out = NULL;
    if (!path || !*path) return gv_error_set(err, GV_EUSAGE, "no workspace path given (--workspace WS.sqlite)");
    int exists = access(path, F_OK) == 0;
    if (!exists && !create) return gv_error_set(err, GV_EUSAGE, "%s: no such workspace (ingest records first)", path);
    gv_workspace *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->path = strdup(path))) {
        free(ws);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    /* One connection per workspace, used by one thread at a time. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &ws->db, flags, NULL) != SQLITE_OK) {
        gv_error_set(err, GV_EDATA, "%s: cannot open as SQLite: %s", path, ws->db ? sqlite3_errmsg(ws->db) : "out of memory");
        gv_workspace_close(ws);
        return GV_EDATA;
    }
    sqlite3_busy_timeout(ws->db, 5000);
    ws->splite = spatialite_alloc_connection();
    spatialite_init_ex(ws->db, ws->splite, 0);
    /* A rollback journal: a crash mid-ingest leaves a hot journal that the
     * next open rolls back. synchronous=NORMAL is enough against a killed
     * process (only an OS crash could lose the last commit). */
    /* Sorts for index builds stay in memory (the cache is 256 MB). */
    int rc = gv__ws_exec(ws, err,
                         "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; "
                         "PRAGMA temp_store=MEMORY;");
    if (!rc) {
        sqlite3_stmt *st;
        int have_meta = 0, have_other = 0;
        if (sqlite3_prepare_v2(ws->db, "SELECT name FROM sqlite_master WHERE type='table'", -1, &st, NULL) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) {
                const char *n = (const char *)sqlite3_column_text(st, 0);
                if (n && !strcmp(n, "meta")) have_meta = 1;
                else have_other = 1;
            }
            sqlite3_finalize(st);
        } else {
            rc = gv__ws_fail(ws, err, GV_EDATA, "%s: not an SQLite database: %s", path, sqlite3_errmsg(ws->db));
        }
        if (!rc && !have_meta && have_other)
            rc = gv__ws_fail(ws, err, GV_EDATA, "%s: an SQLite file that is not a geovoice workspace (no meta table)", path);
        if (!rc && !have_meta) {
            rc = gv__ws_exec(ws, err, "BEGIN");
            if (!rc) rc = gv__ws_exec(ws, err, SCHEMA);
            if (!rc) rc = gv__ws_meta_set(ws, err, "schema_version", SCHEMA_VERSION);
            if (!rc) rc = gv__ws_meta_set(ws, err, "generator", "geovoice opinions");
            if (!rc) rc = gv__ws_exec(ws, err, "COMMIT");
            else sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (rc) {
        if (err) {
            /* Copied first: err->msg cannot be both source and target. */
            char m[sizeof ws->msg];
            snprintf(m, sizeof m, "%s", err->msg[0] ? err->msg : ws->msg);
            gv_error_set(err, rc, "%s", m);
        }
        gv_workspace_close(ws);
        return rc;
    }
    *out = ws;
    return GV_OK;
}

void gv_workspace_close(gv_workspace *ws) {
    if (!ws) return;
    if (ws->db) sqlite3_close_v2(ws->db);
    if (ws->splite) spatialite_cleanup_ex(ws->splite);
    free(ws->path);
    free(ws);
}

const char *gv_workspace_errmsg(const gv_workspace *ws) { return ws ? ws->msg : ""; }
const char *gv_workspace_path(const gv_workspace *ws) { return ws->path; }
void *gv_workspace_db(gv_workspace *ws) { return ws->db; }

int gv_workspace_has_units(const gv_workspace *ws) {
    sqlite3_stmt *st;
    int has = 0;
    if (sqlite3_prepare_v2(ws->db, "SELECT 1 FROM units LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        has = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return has;
}

/* ---- units ---- */

typedef struct wkb {
    unsigned char *b;
    size_t n, cap;
} wkb;

static int put(wkb *w, const void *p, size_t n) {
    if (w->n + n > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 4096;
        while (nc < w->n + n) nc *= 2;
        unsigned char *nb = realloc(w->b, nc);
        if (!nb) return -1;
        w->b = nb, w->cap = nc;
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
    return 0;
}

static int put_u32(wkb *w, unsigned v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    return put(w, b, 4);
}

/* Little-endian WKB MultiPolygon of feature f (rings: layer.h; each
 * polygon's first ring is its shell). 0 on success, 1 without polygon. */
static int feature_wkb(const gv_layer *L, size_t f, wkb *w) {
    const double *xy;
    const size_t *off;
    const int *part;
    size_t nr;
    gv_layer_rings(L, f, &xy, &off, &part, &nr);
    w->n = 0;
    if (!nr) return 1;
    unsigned np = (unsigned)part[nr - 1] + 1;
    unsigned char bo = 1;
    if (put(w, &bo, 1) || put_u32(w, 6) || put_u32(w, np)) return -1;
    for (size_t r = 0; r < nr;) {
        size_t e = r + 1;
        while (e < nr && part[e] == part[r]) e++;
        if (put(w, &bo, 1) || put_u32(w, 3) || put_u32(w, (unsigned)(e - r))) return -1;
        for (size_t q = r; q < e; q++) {
            size_t npt = off[q + 1] - off[q];
            if (put_u32(w, (unsigned)npt) || put(w, xy + 2 * off[q], 16 * npt)) return -1;
        }
        r = e;
    }
    return 0;
}

int gv_workspace_set_units(gv_workspace *ws, const char *set_name, const gv_ws_level *levels, size_t nlevels,
                           gv_error *err) {
    if (!nlevels) return gv__ws_fail(ws, err, GV_EUSAGE, "no boundary levels to store");
    const char *have = gv_workspace_meta(ws, "set");
    if (have) {
        if (!strcmp(have, set_name)) return GV_OK;
        return gv__ws_fail(ws, err, GV_EUSAGE,
                           "%s: the workspace holds the units of '%s', not '%s' (codes are reused across sets: use one "
                           "workspace per set)",
                           ws->path, have, set_name);
    }
    int rc = gv__ws_exec(ws, err, "BEGIN");
    if (rc) return rc;
    rc = gv__ws_exec(ws, err,
                     "CREATE TABLE units(code TEXT PRIMARY KEY NOT NULL, level TEXT NOT NULL, name TEXT, parent_code TEXT)");
    sqlite3_stmt *st = NULL;
    char q[256];
    if (!rc) {
        /* SpatiaLite's metadata, then the geometry column and its R*Tree. */
        sqlite3_stmt *s0;
        if (sqlite3_prepare_v2(ws->db, "SELECT CheckSpatialMetaData()", -1, &s0, NULL) == SQLITE_OK) {
            int have_meta = sqlite3_step(s0) == SQLITE_ROW && sqlite3_column_int(s0, 0) > 0;
            sqlite3_finalize(s0);
            if (!have_meta) rc = gv__ws_exec(ws, err, "SELECT InitSpatialMetaData(0)");
        }
    }
    if (!rc) rc = gv__ws_exec(ws, err, "SELECT AddGeometryColumn('units', 'geom', 4326, 'MULTIPOLYGON', 'XY')");
    if (!rc && sqlite3_prepare_v2(ws->db,
                                  "INSERT INTO units(code, level, name, parent_code, geom) VALUES(?, ?, ?, ?, "
                                  "GeomFromWKB(?, 4326))",
                                  -1, &st, NULL) != SQLITE_OK)
        rc = gv__ws_fail(ws, err, GV_EINTERNAL, "%s: SQLite: %s", ws->path, sqlite3_errmsg(ws->db));
    wkb w = {0};
    for (size_t k = 0; k < nlevels && !rc; k++) {
        const gv_ws_level *lv = &levels[k];
        size_t n = gv_layer_count(lv->layer);
        for (size_t f = 0; f < n && !rc; f++) {
            const char *raw = gv_layer_value(lv->layer, f, (size_t)lv->code_field);
            char code[64];
            gv_error e2;
            if (gv_code_normalize(raw, lv->code_width, code, sizeof code, &e2) != GV_OK) {
                rc = gv__ws_fail(ws, err, GV_EDATA, "%s: feature %lld: code '%s': %s", gv_layer_source(lv->layer),
                                 gv_layer_fid(lv->layer, f), raw, e2.msg);
                break;
            }
            int g = feature_wkb(lv->layer, f, &w);
            if (g < 0) {
                rc = gv__ws_fail(ws, err, GV_ENOMEM, "out of memory");
                break;
            }
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, gv_level_name(lv->level), -1, SQLITE_STATIC);
            if (lv->name_field >= 0) sqlite3_bind_text(st, 3, gv_layer_value(lv->layer, f, (size_t)lv->name_field), -1, SQLITE_STATIC);
            else sqlite3_bind_null(st, 3);
            const char *pc = lv->parent_field >= 0 ? gv_layer_value(lv->layer, f, (size_t)lv->parent_field) : "";
            char pcode[64];
            if (*pc && k > 0 && gv_code_normalize(pc, levels[k - 1].code_width, pcode, sizeof pcode, NULL) == GV_OK)
                sqlite3_bind_text(st, 4, pcode, -1, SQLITE_TRANSIENT);
            else if (*pc)
                sqlite3_bind_text(st, 4, pc, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 4);
            if (g == 0) sqlite3_bind_blob(st, 5, w.b, (int)w.n, SQLITE_STATIC);
            else sqlite3_bind_null(st, 5);
            int s = sqlite3_step(st);
            if (s == SQLITE_CONSTRAINT)
                rc = gv__ws_fail(ws, err, GV_EDATA, "%s: code %s appears twice (feature %lld)", gv_layer_source(lv->layer),
                                 code, gv_layer_fid(lv->layer, f));
            else if (s != SQLITE_DONE)
                rc = gv__ws_fail(ws, err, GV_EDATA, "%s: storing unit %s: SQLite/SpatiaLite: %s", ws->path, code,
                                 sqlite3_errmsg(ws->db));
        }
    }
    free(w.b);
    sqlite3_finalize(st);
    if (!rc) rc = gv__ws_exec(ws, err, "SELECT CreateSpatialIndex('units', 'geom')");
    if (!rc) rc = gv__ws_meta_set(ws, err, "set", set_name);
    if (!rc) rc = gv__ws_meta_set(ws, err, "record_level", gv_level_name(levels[nlevels - 1].level));
    snprintf(q, sizeof q, "%d", levels[nlevels - 1].code_width);
    if (!rc) rc = gv__ws_meta_set(ws, err, "code_width", q);
    if (!rc) rc = gv__ws_exec(ws, err, "COMMIT");
    if (rc) sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
