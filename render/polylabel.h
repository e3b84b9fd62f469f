/* polylabel.h (private): points and boxes inside polygons in the plane
 * (projected metres or page millimetres; the functions do not care which).
 *
 * A "shape" is a set of closed rings (first point repeated last or not)
 * read with the even-odd rule, so holes and the several polygons of a
 * multipolygon need no flags. */
#ifndef GV_RENDER_POLYLABEL_H
#define GV_RENDER_POLYLABEL_H

#include <stddef.h>

typedef struct gv_shape {
    const double *const *ring; /* ring r: ring[r][0..2*n[r]) as x, y */
    const size_t *n;           /* points per ring */
    size_t nrings;
} gv_shape;

/* Distance from (x, y) to the shape's nearest edge: positive inside,
 * negative outside (even-odd). -INFINITY for a shape without edges. */
double gv__shape_signed_distance(const gv_shape *s, double x, double y);

/* Pole of inaccessibility: the interior point farthest from every edge,
 * found to within `precision` by the cell search of Agafonkin's polylabel
 * (Mapbox, 2016): square cells over the bounding box in a max-heap on the
 * best distance a cell could still hold, split until none can beat the
 * best found by more than precision. Unlike a centroid it is always
 * inside (for a shape with area). Writes the point to out[0..1] and
 * returns its distance to the nearest edge (<= 0 when the shape has no
 * area). Deterministic. */
double gv__shape_pole(const gv_shape *s, double precision, double out[2]);

/* 1 when the axis-aligned box {x, y, w, h} lies wholly inside the shape:
 * its centre is inside and no edge of any ring meets the box. */
int gv__shape_contains_box(const gv_shape *s, const double box[4]);

/* Bounding box {xmin, ymin, xmax, ymax} of the shape. */
void gv__shape_bbox(const gv_shape *s, double b[4]);

#endif
