/* optable.h: the tables the opinions verbs write: rows of formatted text
 * cells, written as CSV or as a GeoPackage layer whose geometry is each
 * row's unit polygon from the workspace. Private to job/. */
#ifndef GV_OPTABLE_H
#define GV_OPTABLE_H

#include "geovoice/common.h"

#include <stddef.h>

enum { OPT_TEXT, OPT_INT, OPT_REAL };

typedef struct optable {
    size_t ncols;
    const char *const *names; /* borrowed */
    const int *types;         /* OPT_* per column, borrowed */
    size_t nrows, cap;
    char **cells;  /* nrows * ncols strings (malloc'd); "" = empty */
    char **codes;  /* unit code of each row (malloc'd) */
} optable;

void optable_init(optable *t, size_t ncols, const char *const *names, const int *types);
/* Adds a row: code and ncols cells (copied). GV_ENOMEM. */
int optable_add(optable *t, const char *code, char *const *cells);
void optable_free(optable *t);
/* Writes t to out (.csv, or .gpkg: layer `layer`, description `desc`,
 * geometry from the workspace's units of `level` by code; cells that are
 * "" or "suppressed" are NULL in typed fields). Through a temporary file
 * renamed into place; fixed timestamps. header_comment: a first '#' line
 * for CSV (NULL: none). */
int optable_write(const optable *t, const char *out, const char *ws_path, const char *level, const char *layer,
                  const char *desc, const char *header_comment, gv_error *err);

/* Reads a CSV table whose first lines may be '#' comments (geovoice synth
 * labels its files there), through gv_table_read_csv_buffer; messages name
 * path, and line numbers count the comment lines. */
struct gv_table;
int op_read_csv(const char *path, struct gv_table **out, gv_error *err);

#endif
