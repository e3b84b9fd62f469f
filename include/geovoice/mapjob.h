/* mapjob.h: the whole `geovoice map` job as one library call: open the
 * boundaries, read the table, join, compute the value, classify, colour,
 * render, and write the join report and the run report. The CLI only
 * parses arguments into gv_map_options and prints what comes back. */
#ifndef GEOVOICE_MAPJOB_H
#define GEOVOICE_MAPJOB_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_map_options {
    const char *shapes;       /* boundary source (required) */
    const char *layer;        /* NULL = first layer */
    const char *where;        /* OGR SQL attribute filter, NULL = all */
    const char *data;         /* CSV table (required) */
    const char *join;         /* "FIELD=COLUMN" or "NAME" (same on both sides) */
    int match_name;           /* 1: --match name */
    const char *join_parent;  /* "FIELD=COLUMN" parent restriction for name joins, NULL = none */
    const char *value;        /* expression; default: the join column?? no: required */
    const char *classify;     /* "quantile:5" (default) */
    const char *palette;      /* "YlOrRd" (default) */
    int reverse;              /* reverse the palette */
    const char *title, *subtitle, *source, *date, *legend_title;
    const char *locale;       /* "vi" (default) or "en" */
    int decimals;             /* legend decimals, -1 = choose */
    double dpi;               /* default 300 */
    const char *size;         /* a4 (default), a3, WxHmm */
    int landscape;
    int no_insets;
    const char *allow_duplicates; /* NULL, "sum", "first", "mean" */
    char decimal;             /* 0 = detect, '.' or ',' */
    int strict;               /* missing values, zero denominators, name mismatches → errors */
    const char *out;          /* .png, .pdf or .svg (required) */
    const char *join_report;  /* CSV of every join issue, NULL = none */
    const char *report;       /* JSON run report, NULL = none */
    int threads;              /* render threads, 0 = 2 */
    /* Modes (README "Maps of distributions"). NULL/0 = defaults. */
    const char *mode;         /* "choropleth" (default), "diverging" (= --center), "categorical", "dots",
                                 "symbols", "bivariate" or "multiples" */
    const char *categories;   /* categorical: ordered list "A,B,C" or a file with one category per line:
                                 category i gets palette colour i, whatever else is present */
    int top;                  /* categorical: colour at most this many categories, the rest "other" (0 = palette size) */
    const char *other_label;  /* categorical: legend label of the rest (NULL = "Khác" / "Other") */
    const char *dots;         /* dots: "COLUMN[=Label],..." person counts per group */
    double dot_value;         /* dots: persons per dot (required) */
    double dot_size;          /* dots: diameter in mm (0 = 0.5) */
    unsigned long long seed;  /* dots: random seed (default 0) */
    const char *center;       /* diverging: a number, or "national" = --value over the sums of its columns */
    /* More modes (README "Symbols, bivariate maps and small multiples"). */
    double symbol_size;       /* symbols: diameter in mm of the circle of symbol_scale (0 = 6 % of the
                                 page's short side) */
    double symbol_scale;      /* symbols: the value drawn at symbol_size (0 = the largest value) */
    const char *value2;       /* bivariate: the second indicator (vertical axis); --value is the first */
    const char *legend_title2;/* bivariate: title of the vertical axis (NULL = value2) */
    const char *const *panels;/* multiples: one "EXPR" or "EXPR=Title" per panel (2 to 12), shared classes */
    size_t npanels;
    /* Cartographic finish (README "Finishing a map"); NULL/0 = not drawn, as before. */
    const char *labels;       /* boundary field naming each unit inside it, e.g. "name_short" (--labels) */
    int label_halo;           /* white halo around label letters (--label-halo) */
    double label_size;        /* label size in points, 0 = automatic (--label-size) */
    const char *context;      /* boundary source whose units are drawn in grey behind the map (--context) */
    const char *context_layer;/* its layer, NULL = first (--context-layer) */
    const char *context_where;/* OGR SQL filter on it, NULL = all (--context-where) */
    int locator;              /* locator inset: the country (--context, else --shapes/--layer without --where)
                                 with the mapped units in red (--locator) */
    int north_arrow;          /* --north-arrow */
    const char *author, *subject, *keywords; /* PDF metadata (--author, --subject, --keywords) */
    const char *encoding;     /* boundary text encoding (gv_encoding_parse_flags name); NULL = detected */
} gv_map_options;

/* Fills o with the defaults above (all NULL/0 but decimals = -1). */
GV_API void gv_map_options_init(gv_map_options *o);

/* Receives one human line of progress or summary at a time (no newline).
 * The library never prints; the CLI sends these to stderr. */
typedef void (*gv_log_fn)(void *ctx, const char *line);

/* Runs the job. GV_OK, or a GV_E* code with err naming the file, row,
 * column or feature at fault. Nothing is written on failure (outputs go
 * through temporary files). */
GV_API int gv_map_run(const gv_map_options *o, gv_log_fn log, void *logctx, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
