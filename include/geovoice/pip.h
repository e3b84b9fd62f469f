/* pip.h: assigning points to the units that contain them (point in
 * polygon), for opinion records that carry lon/lat instead of a unit code.
 *
 * Index: a GEOS STRtree over the features' envelopes; test: GEOS prepared
 * geometries (an indexed point-in-area locator per unit), one set per
 * thread because a prepared geometry builds its index on first use.
 *
 * Rule for points on borders: a point in the interior of a unit goes to
 * that unit. A point on the boundary of one or more units (a shared edge,
 * a shared vertex, the edge of a hole or the coast) goes to the unit with
 * the smallest key among the units whose closed polygon covers it (keys
 * compared as bytes, e.g. the zero-padded codes "00001" < "00004"); so
 * each point goes to exactly one unit whatever the order of the features.
 * A point that no closed polygon covers (sea, a hole with no unit in it,
 * outside the layer) gets -1. Coordinates: the layer's lon/lat (WGS 84). */
#ifndef GEOVOICE_PIP_H
#define GEOVOICE_PIP_H

#include "geovoice/common.h"
#include "geovoice/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_pip gv_pip; /* opaque; borrows nothing after _new returns */

/* Builds the index over the features of L that have polygons. keys[i]
 * (borrowed during the call only; copied) orders the units for the border
 * rule; NULL keys uses the feature index. GV_EINTERNAL with GEOS's message
 * when a geometry cannot be built; GV_ENOMEM. */
GV_API int gv_pip_new(const gv_layer *L, const char *const *keys, gv_pip **out, gv_error *err);
GV_API void gv_pip_free(gv_pip *p); /* NULL ok */

/* Locates n points (lon[i], lat[i]): out[i] = feature index in L, or -1.
 * threads <= 0 means 2. Non-finite coordinates give -1. GV_OK, or
 * GV_EINTERNAL / GV_ENOMEM. */
GV_API int gv_pip_locate(gv_pip *p, const double *lon, const double *lat, size_t n, long *out, int threads,
                         gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
