/* layout.h (private): the page layout of a map as numbers in millimetres,
 * and the painting of everything that is not a unit polygon. */
#ifndef GV_RENDER_LAYOUT_H
#define GV_RENDER_LAYOUT_H

#include "geovoice/render.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <proj.h>

typedef struct gv_frame {
    char name[32];
    int active;
    double rect[4];   /* x, y, w, h (mm) */
    double scale;     /* mm per metre of the drawing CRS */
    double x0, y0;    /* page mm of projected (0, 0): x = x0 + scale*X, y = y0 - scale*Y */
    double box[4];    /* lon/lat box shown */
    char caption[384];
} gv_frame;

#define GV_LEGEND_MAX (GV_CLASSES_MAX + 3)

typedef struct gv_legend_row {
    unsigned color;   /* 0xRRGGBB; flags as in map_render.c for hatch */
    int hatched;
    int shape;        /* swatch: 0 box, 1 dot (dot-density groups), 2 none (text only) */
    char text[200];
} gv_legend_row;

/* A ring of the drawing: points [off, off+n) of a shared array, first in
 * metres of the drawing CRS, then in device units once the layout is
 * known. */
typedef struct gv_proj_ring {
    size_t feature;
    int frame;
    size_t off, n;      /* into pts (x,y pairs) */
    float ymin, ymax;   /* device rows spanned, to skip rings outside a band */
} gv_proj_ring;

/* Fixed inset boxes (SPEC "Outputs"): lon0, lat0, lon1, lat1. */
extern const double GV_HS_BOX[4], GV_TS_BOX[4];

/* Frame of a polygon with lon/lat bounding box b: 1 (Hoàng Sa) or 2
 * (Trường Sa) when the centre of b lies in that inset's box, else 0. */
int gv__inset_of(const double b[4]);

/* The polygon (part) of a feature's rings that starts at ring r: returns
 * the ring after it, its lon/lat bounding box in b (non-finite vertices
 * skipped; b[0] > b[2] when it has none). Arguments as gv_layer_rings. */
size_t gv__part_bbox(const double *xy, const size_t *off, const int *part, size_t nr, size_t r, double b[4]);

/* Copies the lon/lat points [a, b) of xy to dst, dropping each vertex
 * closer than sqrt(tol2) to the last one kept (the last point always
 * stays); rings that would keep fewer than 4 points are copied whole, so
 * the smallest units still show. Returns the number of points written. */
size_t gv__decimate(const double *xy, size_t a, size_t b, double tol2, double *dst);

/* Projected extent (metres) of a lon/lat box, sampled along its edges. */
void gv__proj_extent(PJ *P, const double box[4], double ext[4]);

typedef struct gv_layout_input {
    double page_w, page_h;
    PJ *P;
    double main_box[4];
    int has_hs, has_ts;
    double hs_box[4], ts_box[4];
    const gv_map_spec *spec;
    const double *pts;            /* projected points (metres) */
    const gv_proj_ring *rings;    /* rings, with their frame */
    size_t nrings;
    const char *hs_owner, *ts_owner; /* name of the unit drawn in each inset, or NULL */
    /* Cartographic finish (zeros: not drawn). */
    int ctx_behind;               /* the main frame spans the whole map area (context drawn in it) */
    int locator;                  /* a locator inset showing locator_ext (metres of the drawing CRS) */
    double locator_ext[4];
    int north_arrow;
    /* Proportional circles, kept off the legend like units: centres in
     * metres of frame disc_frame[i], radii in mm. */
    size_t ndiscs;
    const double *disc_xy, *disc_r;
    const int *disc_frame;
    const double *sym_ref_v, *sym_ref_r; /* 3 legend circles (values, radii mm), or NULL */
} gv_layout_input;

typedef struct gv_layout {
    const gv_map_spec *spec;  /* the spec laid out (borrowed) */
    double page_w, page_h, margin;
    double title_pt, subtitle_pt, body_pt, small_pt;
    double title_xy[2], subtitle_xy[2], source_xy[2], text_w;
    gv_frame frames[3];
    int nframes;
    double legend_rect[4];
    gv_legend_row rows[GV_LEGEND_MAX];
    int nrows;
    char legend_title[256];
    double legend_row_h, legend_sw_w, legend_title_h, legend_pad;
    double scalebar_rect[4];
    double scalebar_km;       /* total length */
    int scalebar_segments;
    char title[512], subtitle[512], source[600];
    /* Cartographic finish. */
    int neatline;             /* stroke the main frame's rectangle (context maps) */
    int has_locator;
    gv_frame locator;         /* rect (mm, white box with a border) and transform of the locator */
    int has_north;
    double north_rect[4];     /* box of the north arrow and its letter */
    double north_rot;         /* radians clockwise from page up to true north */
    /* Legend block of proportional circles (under the rows). */
    int has_sym;
    double sym_r[3];          /* radii, mm, largest first */
    char sym_text[3][64];
    char sym_title[256];
    double sym_w, sym_h, sym_title_h, sym_text_h;
    /* Square legend of a bivariate map (legend_bivariate.c). */
    int has_biv;
    double biv_cell, biv_w, biv_h;     /* one class square; the block */
    double biv_ytitle_w, biv_ytick_w, biv_xtick_h, biv_xtitle_h;
    char biv_xtick[2][64], biv_ytick[2][64], biv_xtitle[256], biv_ytitle[256];
    /* Small multiples (panels): panel p is frames[] moved by panel_off[p]. */
    int npanels;
    double panel_off[GV_PANELS_MAX][2];
    double panel_cell[GV_PANELS_MAX][4];
    char panel_title[GV_PANELS_MAX][160];
} gv_layout;

/* Bivariate legend: sizes into l (layout), painting at (x, y) mm. */
void gv__biv_legend_measure(PangoContext *ctx, const gv_map_spec *sp, gv_layout *l);
void gv__biv_legend_draw(cairo_t *cr, PangoContext *ctx, const gv_layout *l, const gv_map_spec *sp, double x, double y);

/* Computes the layout; GV_OK or an error (e.g. a page too small). */
int gv_layout_compute(const gv_layout_input *in, gv_layout *out, gv_error *err);
void gv_layout_clear(gv_layout *l);

/* Painting: cr's CTM is the identity in device units; dev_per_mm converts. */
void gv_layout_draw_frames_background(cairo_t *cr, const gv_layout *l, double dev_per_mm);
void gv_layout_draw_decorations(cairo_t *cr, const gv_layout *l, double dev_per_mm, const unsigned *fill);

#endif
