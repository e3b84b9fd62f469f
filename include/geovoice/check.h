/* check.h: `geovoice check` as a library call — inspect boundary sources and
 * tables before mapping them, and say in one readable report (and in JSON
 * for machines) everything that is wrong or was repaired: per boundary
 * layer the driver, feature count, CRS and extent sanity, text encoding,
 * geometries invalid/empty/repaired (per feature, with FID, code and
 * name), duplicate codes and duplicate names within a parent; per table the
 * reading problems (file, row, column, what was done), rows that will be
 * rejected and why, and with a boundary set and a join the join coverage.
 * The library never prints: the report comes back as text and JSON. */
#ifndef GEOVOICE_CHECK_H
#define GEOVOICE_CHECK_H

#include <stddef.h>

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_check_options {
    const char *const *sources; /* paths: .csv, .tsv and .txt files are tables, anything else a boundary source */
    size_t nsources;
    const char *layer;        /* boundary sources: only this layer (NULL: every layer) */
    /* Boundary fields; NULL: guessed (code: code, ma, mã, gso_code, ma_dvhc,
     * unit_code; name: name, ten, tên, name_vi, ten_dvhc; parent:
     * province_code, prov_code, parent_code, ma_tinh, district_code). */
    const char *code_field, *name_field, *parent_field;
    /* Join coverage of every table: the boundary set, its layer (NULL:
     * first) and "FIELD=COLUMN" (required with shapes); match_name joins by
     * Vietnamese name (parent "FIELD=COLUMN" optional). */
    const char *shapes, *shapes_layer, *join, *join_parent;
    int match_name;
    char decimal;             /* 0 detect, '.' or ',' */
    size_t max_listed;        /* text report: at most this many items per list (0: 20); JSON lists all */
    /* Text encoding of every boundary layer opened (the sources and
     * shapes): NULL = detected; else a name for gv_encoding_parse_flags
     * ("tcvn3", "tcvn3-caps", "vni", "cp1258", "utf-8"). */
    const char *encoding;
} gv_check_options;

GV_API void gv_check_options_init(gv_check_options *o);

typedef struct gv_check_report gv_check_report; /* opaque */

/* Runs every check. Problems in the data are findings, not errors: the
 * call returns GV_OK with a report even when a source cannot be read.
 * GV_EUSAGE for bad options (no source, --join without --shapes, a join
 * field or column that does not exist, an unknown encoding), GV_ENOMEM.
 * Each layer's text encoding is reported (gv_layer_encoding): a wrong
 * .cpg, mixed or unknown encodings and undecodable values are problems. *out is yours
 * (gv_check_report_free). */
GV_API int gv_check_run(const gv_check_options *o, gv_check_report **out, gv_error *err);
GV_API void gv_check_report_free(gv_check_report *r); /* NULL ok */

/* Number of problems found (0: clean). Informational notes (BOM, CRLF,
 * Shapefile ring orientation...) do not count. */
GV_API size_t gv_check_nproblems(const gv_check_report *r);
/* The report for people: UTF-8 lines. Borrowed. */
GV_API const char *gv_check_text(const gv_check_report *r);
/* The report as pretty-printed JSON (keys documented in README). Borrowed. */
GV_API const char *gv_check_json(const gv_check_report *r);

#ifdef __cplusplus
}
#endif
#endif
