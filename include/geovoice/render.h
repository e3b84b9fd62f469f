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

/* Unit labels (gv_map_spec.labels): each unit's name inside the unit, at
 * its pole of inaccessibility (the interior point farthest from its
 * edges; for a unit split between the mainland and an inset, in the
 * mainland part), never over another label or over the legend, scale
 * bar, north arrow, locator or inset frames. A label is drawn only when
 * its whole box fits inside its unit at the map's scale: at the pole, or
 * broken into two lines there, or moved to another interior spot;
 * otherwise it is dropped. Larger units are placed first. The outcome of
 * every unit is returned in gv_render_info.labels. Text is shaped with
 * Pango (Vietnamese stacked marks) and stays text in PDF (selectable). */
typedef struct gv_map_labels {
    const char *field;          /* layer field with the text, e.g. "name_short"; NULL = "name" */
    const char *const *texts;   /* or one text per feature (NULL/"" = none); overrides field; borrowed */
    double size_pt;             /* <= 0: automatic (about 6 pt on A4, scaled with the page) */
    int halo;                   /* 1: a white halo around the letters */
    int single_line;            /* 1: never break a name into two lines */
} gv_map_labels;

/* Context (gv_map_spec.context): another layer's units around the map,
 * e.g. the provinces around a province page. */
typedef struct gv_map_context {
    const gv_layer *layer;      /* borrowed; its rings must still be there (not released) */
    int behind;                 /* 1: its units drawn in grey behind the mapped ones; the main frame
                                   then fills the whole map area, clipped, with a neat line */
    int locator;                /* 1: a locator inset: this layer's mainland at small scale with the
                                   mapped units in red (where the map lies in the country) */
    unsigned fill, line;        /* colours of the context units, 0xRRGGBB; 0 = #e4e4e4 and #bdbdbd */
} gv_map_context;

/* Proportional symbols (gv_map_spec.symbols): one circle per unit, centred
 * on its pole of inaccessibility, its area proportional to the unit's
 * value: radius = max_diameter_mm / 2 * sqrt(value / scale_value). Drawn
 * largest first so that small circles stay visible on top, semi-opaque
 * with an outline, over the units (filled as the rest of the spec says,
 * or light grey when spec->breaks is NULL; hatched where spec->values is
 * NaN). The legend shows three nested reference circles with round values
 * (the largest at most scale_value) under symbols->title. */
typedef struct gv_map_symbols {
    const double *values;       /* per feature; NaN or <= 0: no circle. Borrowed */
    double max_diameter_mm;     /* diameter of a circle of scale_value; <= 0: 6 % of the page's short side */
    double scale_value;         /* value drawn at max_diameter_mm; <= 0: the largest value. Give the same
                                   number on every page of a series so that sizes compare */
    unsigned color;             /* fill 0xRRGGBB; 0 = #de2d26 */
    const char *title;          /* legend title of the circles (e.g. "Số ý kiến"); NULL = none */
} gv_map_symbols;

/* Bivariate choropleth (gv_map_spec.bivariate): each unit coloured by the
 * pair of its classes in two indicators (3 x 3), with a square legend: the
 * first indicator grows to the right, the second upwards, their inner
 * class edges written along the sides. Units lacking either value are
 * hatched "no data". */
typedef struct gv_map_bivariate {
    const double *x, *y;          /* per feature; NaN = no data. Borrowed */
    const gv_breaks *bx, *by;     /* 3 classes each (e.g. tertiles) */
    const unsigned *colors;       /* 9 fills: colors[3 * yclass + xclass] (gv_bivariate_palette) */
    const char *x_title, *y_title;/* axis titles of the legend */
} gv_map_bivariate;

#define GV_PANELS_MAX 12

/* One panel of small multiples (gv_map_spec.panels): the same units and
 * classes (spec->breaks, spec->colors) with this panel's values. */
typedef struct gv_map_panel {
    const double *values;         /* per feature; NaN = no data. Borrowed */
    const char *title;            /* written above the panel, e.g. "2019" */
} gv_map_panel;

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
    /* Cartographic finish (all optional; NULL/0 = not drawn, as before). */
    const gv_map_labels *labels;   /* unit names inside the units */
    const gv_map_context *context; /* grey neighbours behind, and/or a locator inset */
    int north_arrow;               /* 1: a north arrow pointing to true north at the map's centre */
    const gv_map_symbols *symbols; /* proportional circles over the units */
    const gv_map_bivariate *bivariate; /* two indicators, 3 x 3 classes (values/breaks/colors unused) */
    /* Small multiples: npanels (2..GV_PANELS_MAX) maps of the same units
     * on one page, in a grid chosen for the largest scale, all with the
     * classes and colours of breaks/colors (values unused), one legend
     * (class ranges, no counts) and one scale bar. Labels, symbols and the
     * context are not drawn on panels. */
    const gv_map_panel *panels;
    size_t npanels;
    /* PDF metadata (Info dictionary): author NULL = "geovoice", subject
     * NULL = the subtitle, keywords NULL = none. The title is `title`. */
    const char *author, *subject, *keywords;
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
    char name[32];          /* "main", "hoang_sa", "truong_sa", or "remote" (islands far from the rest of
                             * the map, in a free inset slot: Côn Đảo on a page of Hồ Chí Minh City) */
    double rect_mm[4];      /* x, y, w, h on the page */
    double scale, x0, y0;   /* device units per metre, offset */
    double lonlat_box[4];   /* geographic box shown (inset), or the data extent (main) */
} gv_frame_info;

/* Outcome of one unit's label (gv_map_labels). */
typedef enum gv_label_status {
    GV_LABEL_PLACED = 0,   /* drawn centred on the unit's pole of inaccessibility */
    GV_LABEL_MOVED,        /* drawn elsewhere inside the unit (at the pole it did not fit, or was taken) */
    GV_LABEL_NO_TEXT,      /* the unit's text is empty */
    GV_LABEL_NO_GEOMETRY,  /* the unit has no polygon drawn */
    GV_LABEL_TOO_SMALL,    /* dropped: the text fits nowhere inside the unit at this scale */
    GV_LABEL_OVERLAP       /* dropped: every spot where it fits is taken by another label or by the
                              legend, scale bar, north arrow, locator or an inset */
} gv_label_status;

/* "placed", "moved", "no text", "no geometry", "too small", "overlap". */
GV_API const char *gv_label_status_str(gv_label_status s);

typedef struct gv_label_placement {
    size_t feature;            /* layer index */
    gv_label_status status;
    char *text;                /* the unit's text (malloc'd; freed by gv_render_info_clear) */
    int lines;                 /* lines drawn: 1, or 2 when broken at a space */
    int frame;                 /* index into gv_render_info.frames of the frame holding it; -1 = none */
    double pole_lonlat[2];     /* the unit's pole of inaccessibility (lon, lat); NaN without geometry */
    double pole_dist_mm;       /* its distance to the unit's nearest edge on the page */
    double anchor_lonlat[2];   /* centre of the drawn text (placed/moved); the pole otherwise */
    double anchor_mm[2];       /* the same point on the page, mm from the top-left corner */
    double box_mm[4];          /* x, y, w, h of the text on the page (placed/moved: as drawn;
                                  dropped: the one-line box centred on the pole; zeros: none) */
} gv_label_placement;

/* One circle of gv_map_symbols, as drawn. */
typedef struct gv_symbol_placement {
    size_t feature;
    double value;
    double radius_mm;          /* max_diameter_mm / 2 * sqrt(value / scale_value) */
    double center_mm[2];       /* on the page */
    double center_lonlat[2];   /* the unit's pole of inaccessibility */
    int frame;                 /* index into gv_render_info.frames */
} gv_symbol_placement;

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
    /* Cartographic finish: rectangles x, y, w, h in mm; zeros when not drawn. */
    double scalebar_rect_mm[4];
    double scalebar_km;            /* length of the bar (its two halves are labelled 0, km/2, km) */
    double north_arrow_rect_mm[4];
    double locator_rect_mm[4];
    gv_label_placement *labels;    /* one per feature, in layer order, when spec->labels (malloc'd) */
    size_t nlabels, labels_drawn;
    double ms_labels;              /* pole search and placement */
    gv_symbol_placement *symbols;  /* circles in drawing order (largest first), when spec->symbols (malloc'd) */
    size_t nsymbols;
    double symbol_scale_value, symbol_max_diameter_mm; /* as used */
    double symbol_legend_values[3], symbol_legend_radius_mm[3]; /* reference circles, largest first */
    /* Small multiples: panel p is frames[] moved by panel_offset_mm[p]
     * (a point at device (x, y) in panel 0 is at x + dx * px_per_mm in
     * panel p); panel_rect_mm is each panel's cell (title included). */
    size_t npanels;
    double panel_offset_mm[GV_PANELS_MAX][2];
    double panel_rect_mm[GV_PANELS_MAX][4];
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
