/* jobutil.h: small helpers every verb in job/ needs: a printf-style line to
 * the caller's log callback, a monotonic clock, and writing a JSON document
 * atomically (temporary file renamed into place). Private to job/. */
#ifndef GV_JOBUTIL_H
#define GV_JOBUTIL_H

#include "geovoice/common.h"
#include "geovoice/join.h"
#include "geovoice/mapjob.h" /* gv_log_fn */
#include "geovoice/table.h"

#include <json-c/json.h>
#include <stdarg.h>

/* Formats one line (at most 2 KiB) and hands it to log; log NULL: nothing. */
void gv__job_logf(gv_log_fn log, void *ctx, const char *fmt, ...) GV_PRINTF(3, 4);
void gv__job_vlogf(gv_log_fn log, void *ctx, const char *fmt, va_list ap);
/* Milliseconds on CLOCK_MONOTONIC. */
double gv__job_now_ms(void);
/* Writes root (pretty, '/' unescaped) to path through path.tmp.PID renamed
 * into place; GV_EOUTPUT naming path when it cannot. */
int gv__job_json_write(json_object *root, const char *path, gv_error *err);

/* 1 when table_name is a spelling of unit_name under the SPEC name rules
 * (NFC, tone placement, type prefixes, diacritics as a last resort), or
 * when that cannot be decided (out of memory); 0 when they differ. */
int gv__names_fit(const char *table_name, const char *unit_name);

/* Column col of a unit's joined rows combined per policy: the sum, the
 * mean or the first number (empty cells skipped; a single row's empty
 * cell, or no number at all, is NaN). */
double gv__rows_combine(const gv_table *T, const size_t *rows, size_t nrow, size_t col, gv_dup_policy dup);

/* GV_EOUTPUT "PATH: output folder 'DIR' does not exist" for the first of
 * the NULL-terminated output paths (NULL entries before the end are
 * allowed: pass a count) whose folder is missing; GV_OK otherwise. Called
 * before a verb writes anything, so that a bad second output does not
 * leave the first one behind. */
int gv__job_check_out_dirs(gv_error *err, size_t n, const char *const *paths);

#endif
