/* carto.h (private): the cartographic finish of a map page: unit labels
 * (labels.c), context units behind the map and the locator inset
 * (context.c), and their painting with the north arrow (draw_carto.c).
 * Nothing here runs unless the spec asks for it. */
#ifndef GV_RENDER_CARTO_H
#define GV_RENDER_CARTO_H

#include "layout.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <proj.h>

/* Rings with their points, growable: the context layer behind the map
 * and the two layers of the locator. */
typedef struct gv_ringset {
    double *pts;           /* x, y pairs: metres of the drawing CRS, then device units */
    size_t npts, cap;
    gv_proj_ring *rings;   /* .frame unused */
    size_t nrings, caprings;
} gv_ringset;

void gv__ringset_free(gv_ringset *r);

/* A unit's pole of inaccessibility in metres of the drawing CRS (x, y),
 * its distance d to the unit's nearest edge (metres), and the frame whose
 * rings it was searched in (-1: no polygon, or not asked for). */
typedef struct gv_pole {
    double x, y, d;
    int frame;
} gv_pole;

typedef struct gv_carto {
    /* Labels. */
    gv_pole *poles;             /* nf, when labels are asked for */
    double label_pt;
    int halo;
    size_t nf;                  /* features of the map (length of drawn) */
    char **drawn;               /* nf: text as drawn ('\n' where broken), NULL = not drawn */
    double *drawn_box;          /* 4 nf: x, y, w, h in mm of each drawn label */
    /* Context behind the map (frame 0) and the locator. */
    gv_ringset behind;
    double behind_clip[4];      /* device rect (x, y, w, h), pixel-aligned */
    unsigned ctx_fill, ctx_line;
    gv_ringset loc_ctx, loc_subject;
    double loc_lonlat[4];       /* mainland lon/lat box of the context layer */
    /* Proportional symbols. */
    size_t nsym;
    size_t *sym_f;              /* features with a circle, in drawing order (largest first) */
    double *sym_r;              /* their radii: mm, then device units */
    double *sym_xy;             /* their centres, device units */
    unsigned sym_color;
    double sym_lw;              /* outline width, device units */
    double sym_scale, sym_max_d;        /* value drawn at diameter sym_max_d (mm) */
    double sym_ref_v[3], sym_ref_r[3];  /* legend circles (values, radii in mm), largest first */
} gv_carto;

void gv__carto_free(gv_carto *c);

/* Poles of the features with want[f] != 0 from the projected rings (ring
 * rows are stored feature by feature): searched in the mainland frame when
 * the feature has rings there, else in its first inset. precision in
 * metres. GV_OK or GV_ENOMEM. */
int gv__poles_compute(const double *pts, const gv_proj_ring *rings, size_t nrings, size_t nf,
                      const unsigned char *want, double precision, gv_pole *out, gv_error *err);

/* The Pango layout of a label (centred lines), in mm units. */
PangoLayout *gv__label_layout(PangoContext *ctx, const char *text, double pt);

/* Places the labels of spec->labels once the page is laid out and the
 * rings are in device units (pts, rings); fills c->drawn/drawn_box and
 * *out (nf placements, malloc'd; texts malloc'd). P converts metres back
 * to lon/lat for the report; frame_index[k] is the gv_render_info frame
 * index of layout frame k. */
int gv__labels_place(const gv_map_spec *spec, const double *pts, const gv_proj_ring *rings, size_t nrings,
                     const gv_layout *lay, double dev_per_mm, PJ *P, const int *frame_index, gv_carto *c,
                     gv_label_placement **out, size_t *ndrawn, gv_error *err);

/* Symbols: radii (mm) and drawing order from spec->symbols, the legend's
 * reference circles, and want[f] = 1 for every feature with a circle (its
 * pole is needed). page_short_mm sizes the default circles. */
int gv__symbols_prepare(const gv_map_spec *spec, double page_short_mm, gv_carto *c, unsigned char *want,
                        gv_error *err);

/* Circles to device units from the poles (metres) and the layout; *out
 * (c->nsym placements, malloc'd) for gv_render_info. */
int gv__symbols_to_device(gv_carto *c, const gv_layout *lay, double dev_per_mm, PJ *P, const int *frame_index,
                          gv_symbol_placement **out, gv_error *err);

/* Draws the circles meeting rows [clip_y0, clip_y1) (CTM as
 * gv__context_draw). */
void gv__symbols_draw(cairo_t *cr, const gv_carto *c, double y0, double clip_y0, double clip_y1);

/* Context: reads spec->context's layer, simplifies its rings (tol_deg as
 * for the map itself; for behind the map only those near main_box, the
 * lon/lat box of the mapped units), projects them with P into c->behind
 * and c->loc_ctx, and sets the locator's extent in metres (ext). */
int gv__context_prepare(const gv_map_spec *spec, PJ *P, const double main_box[4], double tol_deg, gv_carto *c,
                        double ext[4], gv_error *err);

/* After the layout: context rings to device units (frame 0 and locator),
 * and the mapped units' mainland rings (pts in metres still) added to the
 * locator. */
int gv__context_to_device(gv_carto *c, const gv_layout *lay, double dev_per_mm, const double *pts,
                          const gv_proj_ring *rings, size_t nrings, gv_error *err);

/* Context units behind the map: cr's CTM is device units with origin at
 * (0, -y0); only rings meeting rows [clip_y0, clip_y1) are drawn. */
void gv__context_draw(cairo_t *cr, const gv_carto *c, double line_w, double y0, double clip_y0, double clip_y1);

/* Labels, locator, north arrow and the neat line, over everything else;
 * cr in device units (page origin). Only what meets device rows
 * [y0, y1) is drawn (a PNG band; -INFINITY, INFINITY for the page). */
void gv__carto_draw_over(cairo_t *cr, const gv_carto *c, const gv_layout *lay, const gv_map_spec *spec,
                         double dev_per_mm, double y0, double y1);

#endif
