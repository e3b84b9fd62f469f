/* layer.h: boundary layers read through GDAL/OGR.
 *
 * A gv_layer holds every feature of one vector layer (any OGR source:
 * Shapefile, GeoPackage, GeoJSON, ...) with its attributes as UTF-8 NFC text
 * and its polygons reprojected to WGS 84 longitude/latitude (traditional GIS
 * axis order: x = longitude, y = latitude, whatever the source CRS and its
 * axis order). Non-polygon geometries are ignored for drawing and counted.
 * Features without geometry are kept (they still join and appear in
 * reports). */
#ifndef GEOVOICE_LAYER_H
#define GEOVOICE_LAYER_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_layer gv_layer; /* opaque; owns its features */

/* Opens src (path or GDAL connection string), reads layer `layer` (NULL:
 * the first layer; an error when the source has several and none is named
 * would be unfriendly, so the first is taken and the caller may report it),
 * keeping only features that pass the OGR SQL attribute filter `where`
 * (NULL: all). On success *out is yours to free with gv_layer_free.
 * Errors: GV_EDATA (missing file, unknown layer, unreadable CRS) and
 * GV_EUSAGE (a bad `where` filter), with GDAL's own message appended. */
GV_API int gv_layer_open(const char *src, const char *layer, const char *where,
                         gv_layer **out, gv_error *err);
GV_API void gv_layer_free(gv_layer *l); /* NULL ok */

GV_API const char *gv_layer_source(const gv_layer *l);
GV_API const char *gv_layer_name(const gv_layer *l);
GV_API size_t gv_layer_count(const gv_layer *l);
GV_API size_t gv_layer_nfields(const gv_layer *l);
GV_API const char *gv_layer_field_name(const gv_layer *l, size_t f);
/* Field index by name (exact, then case-insensitive); -1 if absent. */
GV_API int gv_layer_field_index(const gv_layer *l, const char *name);
/* Attribute text of feature i, field f: UTF-8 NFC, "" for NULL. Borrowed. */
GV_API const char *gv_layer_value(const gv_layer *l, size_t i, size_t f);
/* Feature id as OGR reports it (FID). */
GV_API long long gv_layer_fid(const gv_layer *l, size_t i);

/* Polygon geometry of feature i: nrings rings; ring r has points
 * xy[2*ring_off[r]] .. xy[2*ring_off[r+1]-1] as (lon, lat) pairs, closed
 * (first point repeated last). Rings of all polygons of a multipolygon are
 * listed together; holes lie inside their outer ring, so an even-odd fill
 * draws them right. part_of_ring[r] numbers the polygon each ring belongs
 * to (0-based within the feature). Borrowed pointers; nrings 0 when the
 * feature has no polygon. */
GV_API void gv_layer_rings(const gv_layer *l, size_t i, const double **xy,
                           const size_t **ring_off, const int **part_of_ring,
                           size_t *nrings);
/* Longitude/latitude bounding box of feature i (NaN when empty) and of the
 * whole layer. bbox = {minx, miny, maxx, maxy}. */
GV_API void gv_layer_feature_bbox(const gv_layer *l, size_t i, double bbox[4]);
GV_API void gv_layer_bbox(const gv_layer *l, double bbox[4]);
/* Total number of vertices over all features. */
GV_API size_t gv_layer_nvertices(const gv_layer *l);
/* Counts of features whose geometry was NULL/empty, and of non-polygon
 * geometries ignored. */
GV_API size_t gv_layer_n_empty(const gv_layer *l);

/* Geodesic area of feature i on the WGS 84 ellipsoid in km² (outer rings
 * minus holes), computed with PROJ's geodesic routines (Karney). Computed
 * once, on first call, for all features. NaN for a feature without
 * polygon. */
GV_API double gv_layer_area_km2(gv_layer *l, size_t i);

/* A point inside feature i's largest polygon, far from its edges (pole of
 * inaccessibility approximation via GEOS); lon/lat. Returns GV_EDATA when
 * the feature has no polygon. */
GV_API int gv_layer_label_point(const gv_layer *l, size_t i, double *lon, double *lat);

#ifdef __cplusplus
}
#endif
#endif
