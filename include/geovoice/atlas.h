/* atlas.h: `geovoice atlas SPEC.yaml` as library calls: an atlas of map
 * pages (a national page and one page per province or region, for each
 * indicator) from one YAML spec, written as one multi-page PDF with a
 * contents page and a bookmark per page, one PNG per page and a
 * manifest.json, redrawing only the pages whose inputs changed.
 *
 * Spec (examples/atlas_vn2025.yaml is the worked example; every key):
 *
 *   title: "Atlas ..."          # PDF title, contents page heading
 *   subtitle: "..."             # contents page, under the title
 *   author: "..."               # PDF metadata (default "geovoice")
 *   subject: "..."              # PDF metadata
 *   keywords: "..."             # PDF metadata
 *   set: vn-2025                # boundary set (sets.h: a name on the search
 *                               # path, or a manifest path relative to the spec)
 *   sets_dir: dir               # extra directory searched for sets
 *   level: commune              # units drawn on every page (default commune)
 *   output: out-dir             # output folder, relative to the spec
 *                               # (the caller may override it)
 *   pdf: atlas.pdf              # name of the book inside the output folder
 *   formats: [pdf, png]         # pdf: the book (pages/ID.pdf + atlas.pdf);
 *                               # png: pages/ID.png
 *   page: {size: a4, landscape: no, dpi: 150}
 *   map:                        # the cartographic finish (render.h)
 *     context: yes              # province/region pages: the other provinces
 *                               # in grey behind (default yes)
 *     locator: yes              # province/region pages: a locator inset (yes)
 *     labels: name_short        # unit names from this field (default: none)
 *     label_halo: yes           # white halo behind labels (default no)
 *     north_arrow: yes          # (default no)
 *   locale: vi                  # vi | en: numbers and legend words
 *   national_name: "Toàn quốc"  # {name} on national pages
 *   tables:                     # data tables, by id
 *     opinions: {file: t.csv, join: code}   # join = table column holding
 *                               # the unit code of `level`; add
 *                               # duplicates: sum|first|mean when several
 *                               # rows may carry one unit's code
 *   indicators:                 # one or more
 *     - name: "Diện tích xã"    # the slug of the page names is made from it
 *       slug: dien-tich-xa      # optional: ASCII [a-z0-9-]; default from name
 *       table: opinions         # optional: id in tables
 *       value: "@area_km2"      # expression.h: columns of the table and @area_km2
 *       classify: quantile:5    # classify.h text
 *       palette: YlGnBu         # ColorBrewer name
 *       reverse: no
 *       center: 0               # optional: diverging classes split at this value
 *       breaks: national        # national (default): classes from every unit of
 *                               # the set, the same on every page; local: from
 *                               # the page's own units
 *       suppress: {column: n, below: 10}  # optional: units whose column is
 *                               # below the threshold are shown as no data
 *       decimals: 1             # optional: legend decimals
 *       title: "... — {name}"   # {name}, {code} of the page's area
 *       subtitle: "..."         # same placeholders
 *       legend_title: "km²"
 *       source: "..."           # source line
 *       date: "..."             # appended to the source line
 *   pages:
 *     contents: yes             # a contents page first (default yes)
 *     national: yes             # a national page per indicator (default yes)
 *     provinces: all            # all (in code order) | [01, 79, ...] (in that
 *                               # order) | none (default all)
 *     regions: groups.csv       # optional: a page per group of a grouping
 *                               # table (code,group of provinces)
 *     order: indicator          # indicator: all pages of indicator 1, then 2;
 *                               # area: for each area, its indicators
 *
 * Errors in the spec are GV_EUSAGE naming the file, the line and the key:
 *   "atlas.yaml: line 12, key 'palette': unknown palette 'Blu' (known: ...)".
 *
 * Output folder (replaced as a whole at the end of a run: the new one is
 * built beside it, OUT.new-PID, and swapped in; a run killed half-way
 * leaves the previous atlas complete):
 *   atlas.pdf                   the book: contents, then the map pages
 *   pages/ID.pdf, pages/ID.png  each page, ID = CODE-SLUG ("79-dien-tich-xa";
 *                               "vn-..." national, "r-GROUPSLUG-..." regions)
 *   manifest.json               each page: area, indicator, title, key (hash
 *                               of everything that makes the page), inputs'
 *                               SHA-256, output files with their SHA-256
 * A lock file OUT.lock beside the folder keeps two runs apart. */
#ifndef GEOVOICE_ATLAS_H
#define GEOVOICE_ATLAS_H

#include "geovoice/common.h"
#include "geovoice/join.h"   /* gv_dup_policy */
#include "geovoice/mapjob.h" /* gv_log_fn */
#include "geovoice/render.h" /* gv_page */
#include "geovoice/sets.h"   /* gv_level */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the spec ---- */

typedef struct gv_atlas_table {
    char *id;
    char *file;          /* resolved against the spec's directory */
    char *join;          /* table column with the unit code */
    gv_dup_policy dup;   /* key 'duplicates': sum, first or mean; default an error */
    int line;            /* spec line of the entry */
} gv_atlas_table;

typedef struct gv_atlas_indicator {
    char *name, *slug;
    char *table;         /* id in gv_atlas_spec.tables, NULL = geometry only */
    char *value;
    char *classify, *palette;
    int reverse;
    int has_center;
    double center;
    int local_breaks;
    char *suppress_column; /* NULL = none */
    double suppress_below;
    int decimals;        /* -1 = choose */
    char *title, *subtitle, *legend_title, *source, *date;
    int line;
} gv_atlas_indicator;

typedef struct gv_atlas_spec {
    char *path;          /* as given */
    char *dir;           /* its directory */
    char *title, *subtitle, *author, *subject, *keywords;
    char *set;           /* name, or a resolved manifest path */
    char *sets_dir;      /* resolved, NULL = none */
    gv_level level;
    char *output;        /* resolved, NULL = none */
    char *pdf_name;
    int want_pdf, want_png;
    gv_page page;
    double dpi;
    char *locale;
    char *national_name;
    int context, locator;   /* province and region pages: grey provinces behind, locator inset */
    char *labels;           /* label field, NULL = no labels */
    int label_halo, north_arrow;
    int contents, national;
    int provinces_all;   /* 1: every province of the set */
    char **provinces;    /* else these codes (as written), nprovinces of them */
    size_t nprovinces;
    char *regions;       /* grouping table, resolved; NULL = no region pages */
    int order_by_area;
    gv_atlas_table *tables;
    size_t ntables;
    gv_atlas_indicator *indicators;
    size_t nindicators;
} gv_atlas_spec;

/* Reads and checks a spec (keys, types, palettes, classifications,
 * expressions, placeholders, duplicate slugs and table ids; files are not
 * opened). *out is yours to free with gv_atlas_spec_free. */
GV_API int gv_atlas_spec_read(const char *path, gv_atlas_spec **out, gv_error *err);
GV_API void gv_atlas_spec_free(gv_atlas_spec *s); /* NULL ok */

/* ASCII slug of UTF-8 text: Vietnamese letters without their marks, đ → d,
 * lower case, runs of anything else → one '-', no '-' at either end
 * ("Tỷ lệ thành thị" → "ty-le-thanh-thi"). out needs n bytes; "" when
 * nothing is left. */
GV_API void gv_atlas_slug(const char *text, char *out, size_t n);

/* ---- the run ---- */

/* One finished page, for progress reports. */
typedef struct gv_atlas_event {
    size_t done, total;  /* pages finished (this one included) / to draw in this run */
    const char *id;      /* "79-dien-tich-xa" */
    const char *title;
    int rc;              /* GV_OK, or why the page failed */
    const char *error;   /* message when rc != GV_OK */
    double ms;           /* time spent on the page */
} gv_atlas_event;

typedef struct gv_atlas_options {
    const char *spec;     /* YAML spec (required) */
    const char *out;      /* output folder; NULL = the spec's `output` */
    const char *sets_dir; /* added before the spec's sets_dir */
    const char *formats;  /* "pdf", "png" or "pdf,png": overrides the spec */
    int jobs;             /* pages drawn at once (threads); <= 0: 1 */
    int force;            /* redraw every page */
    int wait;             /* another run holds the lock: wait for it (else GV_EOUTPUT) */
    /* Called from the calling thread after each page (NULL: not called). */
    void (*page_done)(void *ctx, const gv_atlas_event *ev);
    /* Called once the lock is held, before anything is read or written
     * (NULL: not called). Non-zero stops the run (GV_EINTERNAL). For
     * tests: hold the lock until told. */
    int (*locked)(void *ctx);
    void *ctx;
} gv_atlas_options;

typedef struct gv_atlas_result {
    size_t pages;        /* map pages the spec asks for */
    size_t drawn;        /* pages drawn again in this run */
    size_t reused;       /* pages whose files were kept */
    size_t failed;       /* pages that could not be drawn */
    size_t book_pages;   /* pages of the PDF (contents included), 0 without pdf */
    int up_to_date;      /* 1: nothing had changed, nothing was written */
    char out[4096];      /* the output folder */
} gv_atlas_result;

/* Runs the atlas. GV_OK when every page was drawn or kept; a failing page
 * does not stop the others: the folder is still swapped in (without the
 * failed pages, listed in manifest.json with their error) and the return
 * is the first failure's code, with err naming every failed page.
 * res may be NULL. */
GV_API int gv_atlas_run(const gv_atlas_options *o, gv_log_fn log, void *logctx, gv_atlas_result *res,
                        gv_error *err);

/* ---- the book (render/atlas.c) ---- */

typedef struct gv_atlas_book_page {
    const char *pdf;      /* the page, one-page PDF (gv_map_render output) */
    const char *bookmark; /* its outline title */
    const char *section;  /* contents heading it is listed under (NULL: as the previous page) */
    const char *entry;    /* its contents line */
} gv_atlas_book_page;

typedef struct gv_atlas_book {
    const char *title, *subtitle, *author, *subject, *keywords; /* UTF-8, NULL = none */
    const char *contents_title; /* NULL = no contents page; else its heading and bookmark */
    gv_page page;               /* contents page size */
    const gv_atlas_book_page *pages;
    size_t npages;
} gv_atlas_book;

/* Writes the book to path (temporary file renamed into place): the
 * contents page(s) (one line per page with its number, each a link to it),
 * then the pages, one bookmark per page of the book, and the metadata.
 * *book_pages (may be NULL) = pages written. Same inputs, same bytes. */
GV_API int gv_atlas_book_write(const gv_atlas_book *b, const char *path, size_t *book_pages, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
