/* geomcheck.h: per-feature geometry checks and repair, and extent sanity for
 * data meant to be in Vietnam (issue "Dirty real-world inputs", section
 * "Geometries").
 *
 * gv_geom_clean turns whatever OGR hands us (NULL, empty, points, lines,
 * collections, curves, Z/M, open rings, bow-ties...) into either nothing or
 * one valid 2D MultiPolygon, and says what it found and did as bit flags
 * plus a line of detail. It never fails on bad data: data problems are
 * flags; only misuse and out-of-memory are error codes.
 *
 * gv_extent_diagnose looks at a layer's extent and its CRS and recognises
 * the usual ways Vietnamese boundary files arrive wrong: axes swapped,
 * VN-2000 metres read as degrees (a lost .prj), no CRS at all. */
#ifndef GEOVOICE_GEOMCHECK_H
#define GEOVOICE_GEOMCHECK_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Problems found in one feature's geometry (bit flags). */
#define GV_GEOM_NULL          0x0001 /* no geometry */
#define GV_GEOM_EMPTY         0x0002 /* empty geometry */
#define GV_GEOM_NOT_POLYGON   0x0004 /* points/lines present: ignored for drawing */
#define GV_GEOM_COLLECTION    0x0008 /* GeometryCollection: polygons extracted */
#define GV_GEOM_ZM            0x0010 /* Z or M dropped */
#define GV_GEOM_UNCLOSED      0x0020 /* ring not closed: closed */
#define GV_GEOM_DUP_POINTS    0x0040 /* consecutive duplicate vertices: removed */
#define GV_GEOM_ORIENTATION   0x0080 /* rings not in the OGC orientation (reported only, not an error) */
#define GV_GEOM_INVALID       0x0100 /* self-intersection, bow-tie, ring crossing, NaN/huge coordinate...: made valid */
#define GV_GEOM_SLIVER        0x0200 /* polygon part thinner than a tolerance: reported */
#define GV_GEOM_TOO_FEW       0x0400 /* ring with < 4 points (closing point included): dropped */
#define GV_GEOM_REPAIR_FAILED 0x0800 /* GEOS could not produce a valid result: nothing returned */

typedef struct gv_geom_report {
    unsigned flags;  /* GV_GEOM_* found in this geometry, 0 when clean */
    char detail[256]; /* "; "-separated notes, e.g. GEOS's reason
                         "Self-intersection[105.2 20.1]"; "" when clean */
} gv_geom_report;

/* Cleans one geometry.
 *
 * ogr_geometry: an OGRGeometryH (borrowed, not modified), any type, any
 * CRS: only coordinates are looked at. NULL is allowed (flag NULL).
 *
 * *out (OUT): a new OGRGeometryH, yours to destroy with
 * OGR_G_DestroyGeometry: always a 2D wkbMultiPolygon, valid in the OGC
 * sense (GEOS isValid), closed rings, no consecutive duplicate vertices,
 * finite coordinates. NULL when nothing polygonal remains (NULL, empty,
 * points/lines only, every ring dropped, repair failed).
 *
 * What is done, in order:
 *   - Z/M are dropped (ZM); points and lines are ignored (NOT_POLYGON);
 *     polygons are taken out of GeometryCollections (COLLECTION) and of
 *     MultiPolygons, PolyhedralSurfaces and TINs; curves are linearised.
 *   - per ring: vertices with NaN, infinite or absurd coordinates
 *     (|x| or |y| > 1e12, beyond any CRS on Earth) are dropped (INVALID), consecutive duplicates removed (DUP_POINTS), an open ring
 *     closed (UNCLOSED); a ring left with fewer than 4 points (3 distinct
 *     vertices + closing) is dropped (TOO_FEW), and a polygon whose outer
 *     ring is dropped goes with its holes. An open triangle "A B C" is
 *     therefore kept (closed), while "A B A" is dropped.
 *   - the polygons are put in one MultiPolygon and checked with GEOS; an
 *     invalid one (bow-tie, self-touching ring, hole outside its shell,
 *     overlapping parts...) is repaired with GEOS MakeValid, method
 *     STRUCTURE (union of shells minus union of holes; collapsed parts
 *     dropped), falling back to the LINEWORK method then buffer(0)
 *     (INVALID, with GEOS's reason and location in detail). If nothing
 *     valid comes out: REPAIR_FAILED and *out NULL.
 *   - ORIENTATION: only checked when the input was otherwise valid; the
 *     OGC convention is counter-clockwise outer rings and clockwise holes.
 *     Shapefiles store the opposite, so every feature read from a
 *     Shapefile carries this flag: it is information, not a defect, and
 *     rings are NOT reoriented (areas use |shoelace| or even-odd fill).
 *   - SLIVER: a part of the output whose mean width 2*area/perimeter is
 *     below 5e-5 when the output lies within ±180/±90 (taken as degrees:
 *     about 5.5 m north-south, 5.2 m east-west at 21°N) and below 5 units
 *     otherwise (taken as metres). Reported only; the part is kept.
 *
 * rep (OUT, may be NULL): flags and detail, reset on entry.
 * Returns GV_OK for every input, however broken (look at rep->flags and
 * *out); GV_EUSAGE when out is NULL; GV_ENOMEM when memory runs out (then
 * *out is NULL). GDAL's and GEOS's messages are kept quiet and copied into
 * rep->detail. Thread-safe: one GEOS context per call, no globals. */
GV_API int gv_geom_clean(void *ogr_geometry /* OGRGeometryH */, void **out /* OUT: OGRGeometryH */,
                         gv_geom_report *rep, gv_error *err);

/* Short English name of one flag: "null", "empty", "not polygon",
 * "collection", "zm", "unclosed", "duplicate points", "orientation",
 * "invalid", "sliver", "too few points", "repair failed"; "unknown" for
 * anything else (including 0 or several bits). Static string. */
GV_API const char *gv_geom_flag_str(unsigned single_flag);

/* Writes a readable list of the flags set, each with what was done, most
 * serious first, e.g. "invalid (made valid), duplicate points (removed)";
 * "" for 0. Unknown bits are ignored. Always NUL-terminates when n > 0.
 * Returns GV_OK, or GV_EUSAGE when buf is NULL, n is 0 or the text did not
 * fit (buf then holds as much as fitted). */
GV_API int gv_geom_flags_describe(unsigned flags, char *buf, size_t n);

/* Extent sanity. */
typedef enum {
    GV_EXTENT_OK = 0,
    GV_EXTENT_SWAPPED,           /* lat/lon stored as x/y */
    GV_EXTENT_METRES_AS_DEGREES, /* projected values with a degree CRS or none */
    GV_EXTENT_NO_CRS_DEGREES,    /* no CRS, but degrees over Vietnam: EPSG:4326 assumed */
    GV_EXTENT_OUTSIDE,           /* elsewhere on Earth (or a projected CRS holding degrees) */
    GV_EXTENT_EMPTY              /* NaN/inverted bbox: no geometry at all */
} gv_extent_verdict;

/* Diagnoses a layer's extent bbox = {minx, miny, maxx, maxy} in the
 * layer's own coordinates (x = easting/longitude), given whether the layer
 * had a CRS and whether that CRS is geographic (degrees).
 *
 * "Vietnam in degrees" is lon 100..120, lat 5..25: the country with the
 * Hoàng Sa and Trường Sa archipelagos (102.14..117.83, 7.18..23.39) plus
 * about 2° so that neighbouring context does not trip it.
 *   - degree CRS or none, bbox inside that box: OK, or NO_CRS_DEGREES
 *     without a CRS (EPSG:4326 should be assumed, and said);
 *   - the box with x and y exchanged: SWAPPED;
 *   - values beyond ±180/±90: METRES_AS_DEGREES; when they fit VN-2000 /
 *     UTM 48N metres over Vietnam the advice names EPSG:3405 or EPSG:32648;
 *   - anything else: OUTSIDE (the advice mentions (0, 0) when the extent
 *     reaches it: typically a few features with zero coordinates).
 *   - a projected CRS (has_crs, !crs_is_geographic): the values cannot be
 *     placed without the CRS, so pass the extent reprojected to lon/lat
 *     (as gv_layer_bbox gives it) with crs_is_geographic = 1. Given raw
 *     projected values, they are only checked for plausibility: OK within
 *     ±2e7, OUTSIDE when they look like Vietnamese degrees (the .prj is
 *     wrong) or are beyond ±2e7.
 * advice (OUT, may be NULL when n is 0): one line in English for the
 * report, e.g. "extent looks like VN-2000 / UTM 48N metres read as
 * degrees: assign EPSG:3405 (VN-2000 / UTM 48N) or EPSG:32648". */
GV_API gv_extent_verdict gv_extent_diagnose(const double bbox[4], int has_crs, int crs_is_geographic,
                                            char *advice, size_t n);

#ifdef __cplusplus
}
#endif
#endif
