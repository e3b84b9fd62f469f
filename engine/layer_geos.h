/* layer_geos.h: a gv_layer feature as a GEOS multipolygon (private to the
 * engine). */
#ifndef GV_LAYER_GEOS_H
#define GV_LAYER_GEOS_H

#include "geovoice/layer.h"

#include <geos_c.h>

/* Multipolygon of feature f of l (rings as gv_layer_rings gives them: a
 * polygon's rings are consecutive, its first is the shell), in lon/lat.
 * NULL when the feature has no polygon or memory ran out. Caller destroys
 * it with GEOSGeom_destroy_r. */
GEOSGeometry *gv__layer_feature_geos(GEOSContextHandle_t h, const gv_layer *l, size_t f);

#endif
