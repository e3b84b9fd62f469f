/* map_modes.h (private): the parts of the renderer specific to the
 * categorical and dot-density modes (render.h gv_map_categories,
 * gv_map_dots): legend rows, unit fills, dots in device units. */
#ifndef GV_RENDER_MAP_MODES_H
#define GV_RENDER_MAP_MODES_H

#include "layout.h"

#include <cairo.h>
#include <proj.h>

/* Dots in device units, in draw order. */
typedef struct gv_dev_dots {
    size_t n;
    double *xy;       /* 2n: lon/lat, then device x, y */
    int *frame;       /* n: frame of the polygon holding the dot */
    unsigned *rgb;    /* n */
    double r_dev;     /* radius: mm after gv__dots_prepare, device units after gv__dots_to_device */
} gv_dev_dots;

/* Legend rows of a categorical or dot map into l (rows, nrows). Returns 1
 * when spec is such a map (rows written), 0 for a classed choropleth. */
int gv__legend_mode_rows(const gv_map_spec *spec, gv_layout *l);

/* Fill per feature for a categorical or dot map (nodata_flag marks the
 * hatched ones). Returns 1 when done, 0 for a classed choropleth. */
int gv__mode_fill(const gv_map_spec *spec, unsigned *fill, unsigned nodata_flag);

/* Collects spec->dots into d with the frame of each dot's polygon:
 * ring_frame[] lists the frame of every ring of every feature in layer
 * order (the layer's rings must still be there). GV_OK or GV_ENOMEM. */
int gv__dots_prepare(const gv_map_spec *spec, const int *ring_frame, gv_dev_dots *d, gv_error *err);

/* Projects the dots with P and places them with their frame's transform. */
void gv__dots_to_device(gv_dev_dots *d, PJ *P, const gv_layout *lay, double dev_per_mm);

/* Draws the dots whose disc meets rows [clip_y0, clip_y1) of cr, which is
 * offset so that device row y0 is its row 0. */
void gv__dots_draw(cairo_t *cr, const gv_dev_dots *d, double y0, double clip_y0, double clip_y1);

void gv__dots_free(gv_dev_dots *d);

#endif
