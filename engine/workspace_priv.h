/* workspace_priv.h: the gv_workspace struct and helpers shared by
 * workspace.c (schema, units) and ingest.c (records). Engine-private. */
#ifndef GV_WORKSPACE_PRIV_H
#define GV_WORKSPACE_PRIV_H

#include "geovoice/workspace.h"

#include <sqlite3.h>

struct gv_workspace {
    sqlite3 *db;
    void *splite; /* SpatiaLite connection cache */
    char *path;
    char msg[GV_ERR_LEN];
    char metabuf[256];
};

/* Records err (may be NULL) and the workspace's message; returns code. */
int gv__ws_fail(gv_workspace *ws, gv_error *err, int code, const char *fmt, ...) GV_PRINTF(4, 5);
/* Runs SQL without results; on failure fails with SQLite's message. */
int gv__ws_exec(gv_workspace *ws, gv_error *err, const char *sql);
/* Sets a meta key. */
int gv__ws_meta_set(gv_workspace *ws, gv_error *err, const char *key, const char *value);

#endif
