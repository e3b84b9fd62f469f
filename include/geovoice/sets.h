/* sets.h: named, versioned boundary sets, their unit hierarchy, and
 * groupings (SPEC "Words": boundary set, grouping).
 *
 * A boundary set (`vn-2019`, `vn-2025`, or one a user adds) is described by
 * one small YAML manifest, NAME.yaml, found on a search path:
 *   1. the directories given by the caller (`--sets-dir`, ':'-separated),
 *   2. the directories in the environment variable GEOVOICE_SETS
 *      (':'-separated),
 *   3. the built-in directory: the repository's shapes/ (its absolute path
 *      is compiled in; when that directory is gone, shapes/ beside the
 *      directory holding libgeovoice is tried).
 * The first NAME.yaml found wins. A name containing '/' or ending in
 * ".yaml" is taken as the manifest's path itself.
 *
 * Manifest (shapes/vn-2019.yaml is the worked example):
 *   name: vn-2019                # must equal the file name without .yaml
 *   title: "..."                 # free text
 *   date: 2021-02-01             # date of the boundaries (text, ISO 8601)
 *   base: ..                     # relative paths below are relative to this
 *                                # directory, itself relative to the
 *                                # manifest's directory (default ".")
 *   units:                       # the hierarchy table (CSV)
 *     file: ../shared/data/vn/units_2019.csv
 *     date: 2025-03-01           # optional
 *     level: level               # column names; these are the defaults
 *     code: code
 *     name: name
 *     type: type
 *     parent: parent_code
 *   levels:                      # one entry per level the set has
 *     province: {source: ..., layer: provinces, code: code, name: name,
 *                code_width: 2}
 *     district: {source: ..., layer: districts, code: code, name: name,
 *                parent: province_code, code_width: 3}
 *     commune:  {code_width: 5}  # level in the units table, no polygons
 *   groupings:                   # named grouping tables
 *     region: {file: shapes/regions_vn-2019.csv, level: province,
 *              source: "..."}
 *   notes: "..."                 # free text
 *
 * Codes are text compared as in SPEC: "1", "01" and "1.0" are the same
 * province. Inside this module a code is looked up by its digits without
 * leading zeros, always together with its level (codes are unique per level
 * only), and handed back zero-padded to the level's width.
 *
 * Ownership: gv_set_open gives a gv_set to free with gv_set_free; every
 * pointer obtained from it (layers, units, groupings, strings) is borrowed
 * and lives as long as the set. gv_units and gv_grouping read on their own
 * are freed with gv_units_free / gv_grouping_free. */
#ifndef GEOVOICE_SETS_H
#define GEOVOICE_SETS_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Levels from the top down (SPEC "Words"). */
typedef enum gv_level {
    GV_LEVEL_NONE = -1,
    GV_LEVEL_NATION = 0,
    GV_LEVEL_REGION = 1,
    GV_LEVEL_PROVINCE = 2,
    GV_LEVEL_DISTRICT = 3,
    GV_LEVEL_COMMUNE = 4
} gv_level;
#define GV_NLEVELS 5

/* "nation", "region", "province", "district", "commune"; "?" otherwise. */
GV_API const char *gv_level_name(gv_level level);
/* Parses those words (case-insensitive); GV_LEVEL_NONE when unknown. */
GV_API gv_level gv_level_parse(const char *word);

/* ---- search path ---- */

/* The built-in sets directory (borrowed; see top of file). */
GV_API const char *gv_sets_builtin_dir(void);

/* Finds the manifest of set `name` on the search path (sets_dir may be
 * NULL). On success writes its path into path (n bytes). GV_EUSAGE when
 * not found, naming every directory looked in. */
GV_API int gv_set_find(const char *name, const char *sets_dir, char *path,
                       size_t n, gv_error *err);

/* ---- sets ---- */

typedef struct gv_set gv_set; /* opaque */

/* Opens set `name` (gv_set_find, then gv_set_open_file). */
GV_API int gv_set_open(const char *name, const char *sets_dir, gv_set **out,
                       gv_error *err);
/* Reads one manifest. Errors: GV_EDATA naming the manifest and the key
 * (missing name, unknown level, a level without source when it has a
 * layer, YAML syntax errors with line and column). The units table and
 * the groupings are read lazily, on first use. */
GV_API int gv_set_open_file(const char *manifest, gv_set **out, gv_error *err);
GV_API void gv_set_free(gv_set *s); /* NULL ok */

GV_API const char *gv_set_name(const gv_set *s);
GV_API const char *gv_set_title(const gv_set *s);   /* "" when absent */
GV_API const char *gv_set_date(const gv_set *s);    /* "" when absent */
GV_API const char *gv_set_notes(const gv_set *s);   /* "" when absent */
GV_API const char *gv_set_manifest(const gv_set *s); /* path as found */
/* Any other top-level plain-text key of the manifest (e.g.
 * "published_population", which `geovoice stats` checks national totals
 * against); NULL when absent. Borrowed. */
GV_API const char *gv_set_meta(const gv_set *s, const char *key);

/* One level of a set. Paths are resolved (base applied). Borrowed. */
typedef struct gv_set_layer {
    gv_level level;
    const char *source;       /* OGR datasource path; NULL: no polygons */
    const char *layer;        /* layer name in source; NULL: first layer */
    const char *code_field;   /* field holding the unit code */
    const char *name_field;   /* field holding the name; NULL if none */
    const char *parent_field; /* field holding the parent code; NULL */
    int code_width;           /* digits of a zero-padded code (2, 3, 5) */
} gv_set_layer;

/* The level entry of the set, NULL when the set does not have that level. */
GV_API const gv_set_layer *gv_set_level(const gv_set *s, gv_level level);

/* ---- hierarchy (units table) ---- */

/* Crosswalk tables a manifest declares for carrying figures from the units
 * of another set to its own (key `crosswalks:`, see shapes/vn-2025.yaml):
 * per source set and level, a CSV of old -> new pairs. Paths resolved,
 * strings borrowed from the set. old_col/new_col NULL: detected by the
 * reader (old_*_code / new_*_code); separator non-NULL when the old column
 * lists several codes per new unit ("08;02"). */
typedef struct gv_set_crosswalk {
    const char *file;
    const char *old_col, *new_col, *separator;
} gv_set_crosswalk;

/* The pairs from set `from` (its name) at `level`, NULL when the manifest
 * has none. */
GV_API const gv_set_crosswalk *gv_set_crosswalk_for(const gv_set *to, const char *from, gv_level level);
/* The unit-history table of set `from` declared with it (`history:`), used
 * to follow old units without polygon to the unit that absorbed them; NULL
 * when none. */
GV_API const char *gv_set_history_for(const gv_set *to, const char *from);

typedef struct gv_units gv_units; /* opaque */

/* One unit. Strings are NFC, code zero-padded to its level's width. */
typedef struct gv_unit {
    gv_level level;
    const char *code;
    const char *name;
    const char *type;        /* "" when the table has none */
    const char *parent_code; /* "" for a top unit */
    long parent;             /* index of the parent unit, -1 when none or
                              * not found in the table */
} gv_unit;

/* The set's units table, read on first call (borrowed). GV_EDATA naming
 * file, row and column for an unreadable table, an unknown level or a bad
 * code; duplicate (level, code) is GV_EDATA naming both rows. */
GV_API int gv_set_units(gv_set *s, const gv_units **out, gv_error *err);

/* Reads a units table on its own. Columns: level (optional: without it a
 * unit's level comes from its code's width: 2 province, 3 district,
 * 5 commune), code, name, type (optional), parent_code (optional).
 * Column names NULL = those defaults. */
GV_API int gv_units_read(const char *csv, const char *level_col,
                         const char *code_col, const char *name_col,
                         const char *type_col, const char *parent_col,
                         gv_units **out, gv_error *err);
GV_API void gv_units_free(gv_units *u); /* NULL ok */

GV_API size_t gv_units_count(const gv_units *u);
/* Units of one level. */
GV_API size_t gv_units_count_level(const gv_units *u, gv_level level);
/* Unit i in table order (NULL when out of range). */
GV_API const gv_unit *gv_units_at(const gv_units *u, size_t i);
/* Unit of `level` whose code is `code` (any spelling: "1" = "01"); NULL
 * when absent. GV_LEVEL_NONE searches commune, district, province in that
 * order and takes the first hit: prefer naming the level. */
GV_API const gv_unit *gv_units_find(const gv_units *u, gv_level level,
                                    const char *code);
/* Parent unit (NULL for a top unit or a parent not in the table). */
GV_API const gv_unit *gv_units_parent(const gv_units *u, const gv_unit *unit);
/* The unit itself when it is of `level`, else its nearest ancestor of
 * `level`; NULL when there is none. */
GV_API const gv_unit *gv_units_ancestor(const gv_units *u,
                                        const gv_unit *unit, gv_level level);
/* Number of units whose parent_code names no unit of the table. */
GV_API size_t gv_units_orphans(const gv_units *u);

/* ---- groupings ---- */

typedef struct gv_grouping gv_grouping; /* opaque */

/* Reads a grouping table: one row per unit, a code column and a group
 * column (NULL = auto: "code", then "gso_code", "ma"; "group", then
 * "region", "nhom", "vung"). Empty group cells are GV_EDATA naming the
 * row; a code given twice with different groups is GV_EDATA naming both
 * rows (the same group twice is accepted). Group names are kept as
 * written (NFC). */
GV_API int gv_grouping_read(const char *csv, const char *code_col,
                            const char *group_col, gv_grouping **out,
                            gv_error *err);
GV_API void gv_grouping_free(gv_grouping *g); /* NULL ok */

/* The set's grouping called `name` (e.g. "region"), read on first call
 * (borrowed). GV_EUSAGE when the set has no such grouping, with a message
 * saying a table must be given (`--groups FILE`). */
GV_API int gv_set_grouping(gv_set *s, const char *name,
                           const gv_grouping **out, gv_error *err);

/* Group of a code (any spelling), NULL when the table does not list it. */
GV_API const char *gv_grouping_group(const gv_grouping *g, const char *code);
/* Distinct groups, in the order they first appear in the table. */
GV_API size_t gv_grouping_ngroups(const gv_grouping *g);
GV_API const char *gv_grouping_group_at(const gv_grouping *g, size_t i);
/* Number of coded rows. */
GV_API size_t gv_grouping_count(const gv_grouping *g);
/* Path of the table (borrowed); for a set's grouping, the resolved path. */
GV_API const char *gv_grouping_path(const gv_grouping *g);
/* Level the grouping assigns (from the manifest; GV_LEVEL_NONE for a
 * table read on its own, whose codes are then compared at any level). */
GV_API gv_level gv_grouping_level(const gv_grouping *g);

/* Canonical lookup key of a code: its digits without leading zeros ("01",
 * "1", "1.0" -> "1"; "0" and "00" -> "0"). GV_EDATA for text that is not a
 * code (gv_code_normalize's rules). out needs >= strlen(code) + 1 bytes. */
GV_API int gv_code_key(const char *code, char *out, size_t outsz,
                       gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
