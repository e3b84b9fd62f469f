/* render.h: draws a classified choropleth of a boundary layer with its
 * layout (title, subtitle, legend, source line, scale bar, archipelago
 * insets) to PNG, PDF or SVG.
 *
 * Render reads engine types (gv_layer, gv_breaks) and never opens sources.
 * Units: page sizes in millimetres; PNG pixel size = round(mm * dpi / 25.4)
 * (SPEC). Drawing CRS: a transverse Mercator on the data (central meridian
 * 106°E for Vietnam), so the map keeps its shape whatever the input CRS. */
#ifndef GEOVOICE_RENDER_H
#define GEOVOICE_RENDER_H

#include "geovoice/classify.h"
#include "geovoice/common.h"
#include "geovoice/dots.h"
#include "geovoice/format.h"
#include "geovoice/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_page {
    double width_mm, height_mm;
} gv_page;

/* Parses "a4", "a3", "a5", "letter", or "WxHmm" / "WxH" (e.g. "160x120mm");
 * landscape swaps the sides so that width > height. */
GV_API int gv_page_parse(const char *text, int landscape, gv_page *out, gv_error *err);

typedef enum { GV_FORMAT_PNG = 0, GV_FORMAT_PDF, GV_FORMAT_SVG } gv_format;
/* Format from a file name's extension (.png, .pdf, .svg; case-insensitive). */
GV_API int gv_format_from_path(const char *path, gv_format *out, gv_error *err);

/* Categorical choropleth (gv_map_spec.categories): each feature is filled
 * with the colour of its category; the legend lists the categories in this
 * order with their unit counts (categories without units are left out),
 * then "no data". All arrays borrowed. */
typedef struct gv_map_categories {
    size_t n;                  /* categories */
    const char *const *labels; /* n legend labels */
    const unsigned *colors;    /* n fills, 0xRRGGBB */
    const int *feature_class;  /* per feature: 0..n-1, or -1 = no data (hatched) */
} gv_map_categories;

/* Dot-density layer (gv_map_spec.dots): units are filled with base_color
 * (hatched "no data" where spec->values is NaN, when values are given),
 * then every dot of `set` is drawn, in the set's order, as a disc in its
 * group's colour, in the frame (main map or inset) of the polygon holding
 * it. Legend: one row per group with dots, then "1 dot = N persons"
 * (per --locale), then "no data". All borrowed. */
typedef struct gv_map_dots {
    const gv_dot_set *set;
    const unsigned *colors;    /* per group, 0xRRGGBB */
    const char *const *labels; /* per group legend label */
    double diameter_mm;        /* dot diameter on the page; <= 0: 0.5 */
    unsigned base_color;       /* fill of the units under the dots */
} gv_map_dots;

/* Everything a choropleth needs. Strings are UTF-8 and borrowed. */
typedef struct gv_map_spec {
    const gv_layer *layer;
    const double *values;      /* one per feature; NaN = no data */
    const gv_breaks *breaks;   /* classes of values */
    const unsigned *colors;    /* breaks->k fills, 0xRRGGBB */
    unsigned nodata_color;     /* fill for no data (drawn with a hatch) */
    const char *title;
    const char *subtitle;      /* NULL or "" = none */
    const char *legend_title;  /* e.g. "người/km²"; NULL = none */
    const char *source;        /* source line, NULL = none */
    const char *date;          /* date text appended to the source line, NULL = none */
    const char *label_field;   /* field naming units (inset captions), NULL = "name" */
    gv_locale locale;
    int decimals;              /* legend decimals; -1 = choose */
    gv_page page;
    double dpi;                /* PNG resolution (default 300) */
    int insets;                /* 1 = archipelago insets when the data reach them (default), 0 = never */
    int threads;               /* PNG fill/stroke threads; 0 = 2 */
    /* Called once, as soon as the layer's rings have been simplified and
     * projected: the renderer reads no ring of `layer` after it, so the
     * caller may free them (gv_layer_release_rings) to lower peak memory.
     * NULL: not called. */
    void (*rings_done)(void *ctx);
    void *rings_done_ctx;
    /* Other modes (NULL = the classed choropleth of values/breaks/colors):
     * with categories, values/breaks/colors are not used; with dots,
     * values (may be NULL) only mark no-data units. */
    const gv_map_categories *categories;
    const gv_map_dots *dots;
    /* Per feature, 1 = its value is suppressed (a small count, SPEC
     * "suppression"): filled with suppressed_color and counted in a
     * "suppressed" legend row of its own, apart from "no data". NULL =
     * none. Classed choropleths only. */
    const unsigned char *suppressed;
    unsigned suppressed_color;
} gv_map_spec;

/* One drawing frame: the main map or an inset. A lon/lat point projected
 * with `proj` to (X, Y) metres lands at device pixel
 * (x0 + scale * X, y0 - scale * Y) of the PNG (points for PDF/SVG). */
typedef struct gv_frame_info {
    char name[32];          /* "main", "hoang_sa", "truong_sa" */
    double rect_mm[4];      /* x, y, w, h on the page */
    double scale, x0, y0;   /* device units per metre, offset */
    double lonlat_box[4];   /* geographic box shown (inset), or the data extent (main) */
} gv_frame_info;

/* What was drawn, for reports and tests. Filled by gv_map_render. */
typedef struct gv_render_info {
    int width_px, height_px;       /* PNG size (0 for PDF/SVG) */
    char proj[160];                /* PROJ string of the drawing CRS */
    gv_frame_info frames[3];
    size_t nframes;
    size_t *feature_parts_drawn;   /* per feature: polygons drawn (malloc'd; free with gv_render_info_clear) */
    size_t nfeatures;
    size_t features_drawn;         /* features with at least one polygon drawn */
    size_t vertices_in, vertices_drawn;
    double legend_rect_mm[4];
    double ms_layout, ms_project, ms_fill, ms_stroke, ms_text, ms_encode;
    long long bytes;               /* output file size */
} gv_render_info;

GV_API void gv_render_info_clear(gv_render_info *info);

/* Renders spec to path (format from its extension), through a temporary
 * file in the same folder renamed into place: on failure nothing is left.
 * info may be NULL. Errors: GV_EUSAGE (bad spec), GV_EOUTPUT (cannot write:
 * the message names the path and the system's reason). */
GV_API int gv_map_render(const gv_map_spec *spec, const char *path, gv_render_info *info, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
