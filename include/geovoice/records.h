/* records.h: streaming reader of opinion records (SPEC "Opinion records"),
 * CSV or JSON Lines, one row at a time.
 *
 * Why not gv_table: a table holds every cell of the file in memory as NFC
 * text; opinion files run to tens of millions of rows (the benchmark has
 * 10 M), so records are read line by line into one reused buffer.
 *
 * CSV: UTF-8 (BOM dropped), ',' or ';' (whichever splits the header into
 * more fields), RFC 4180 quoting (quoted fields may hold separators,
 * doubled quotes and line breaks), LF or CRLF. Lines before the header
 * that start with '#' are comments (`geovoice synth` labels its files
 * there) and are skipped; blank lines are skipped. Columns are found by
 * name, case-insensitively: id, submitted_at, unit_code (or code), lon,
 * lat, topic, stance, channel, org, voter, text; other columns are
 * ignored. JSON Lines: one object per line with the same member names;
 * numbers are taken as written.
 *
 * A row that cannot be split (a quote never closed, another field count
 * than the header, a line that is not a JSON object) is still returned,
 * with `malformed` set to the reason, so the caller can reject it with its
 * row number: nothing is dropped silently. */
#ifndef GEOVOICE_RECORDS_H
#define GEOVOICE_RECORDS_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gv_rec_field {
    GV_RF_ID = 0,
    GV_RF_SUBMITTED_AT,
    GV_RF_UNIT_CODE,
    GV_RF_LON,
    GV_RF_LAT,
    GV_RF_TOPIC,
    GV_RF_STANCE,
    GV_RF_CHANNEL,
    GV_RF_ORG,
    GV_RF_VOTER,
    GV_RF_TEXT,
    GV_RF_N
} gv_rec_field;

/* Column name of a field ("id", "submitted_at", ...). */
GV_API const char *gv_rec_field_name(gv_rec_field f);

/* One row. Field texts are borrowed from the reader's buffer (valid until
 * the next gv_rec_next), trimmed of spaces, not NUL-terminated inside the
 * line: use len[]. An absent column or empty cell has len 0. Texts are
 * writable so the caller may scrub them in place. */
typedef struct gv_record {
    char *f[GV_RF_N];
    size_t len[GV_RF_N];
    size_t row;            /* 1-based data row */
    size_t line;           /* 1-based line where the row starts */
    const char *malformed; /* NULL, or why the row could not be split */
} gv_record;

typedef struct gv_rec_reader gv_rec_reader;

/* Opens path: JSON Lines when it ends in .jsonl / .ndjson (or its first
 * non-blank byte is '{'), else CSV. GV_EDATA naming the file when it
 * cannot be read, has no header, or lacks a required column (id,
 * submitted_at, topic, stance, channel, and unit_code or lon + lat). */
GV_API int gv_rec_open(const char *path, gv_rec_reader **out, gv_error *err);
GV_API void gv_rec_close(gv_rec_reader *r); /* NULL ok */
/* 1 for JSON Lines, 0 for CSV. */
GV_API int gv_rec_is_jsonl(const gv_rec_reader *r);
/* Reads the next row into rec: 1 a row, 0 end of file, GV_EDATA for a
 * read error or invalid UTF-8 would not stop here (the row comes back
 * malformed); GV_EDATA only when the file itself fails to read. */
GV_API int gv_rec_next(gv_rec_reader *r, gv_record *rec, gv_error *err);
/* Bytes read so far (progress). */
GV_API size_t gv_rec_offset(const gv_rec_reader *r);

/* ISO 8601 date-time of opinion records: YYYY-MM-DD, optionally followed
 * by 'T' or ' ' and hh:mm[:ss[.fff]], optionally followed by 'Z' or ±hh:mm
 * (±hhmm, ±hh). Without an offset the time is Vietnam's (UTC+07:00), the
 * zone the records are made in. *epoch: seconds since 1970-01-01 UTC
 * (fractions dropped). GV_EDATA for anything else, an impossible date
 * (2025-02-30) or time. */
GV_API int gv_iso8601_parse(const char *s, size_t len, long long *epoch);
/* Writes epoch as Vietnam time "YYYY-MM-DDThh:mm:ss+07:00" (26 bytes
 * with the NUL) and, when month is not NULL, "YYYY-MM" (8 bytes). */
GV_API void gv_iso8601_vn(long long epoch, char out[26], char month[8]);

#ifdef __cplusplus
}
#endif
#endif
