/* layer.h: boundary layers read through GDAL/OGR.
 *
 * A gv_layer holds every feature of one vector layer (any OGR source:
 * Shapefile, GeoPackage, GeoJSON, ...) with its attributes as UTF-8 NFC text
 * and its polygons reprojected to WGS 84 longitude/latitude (traditional GIS
 * axis order: x = longitude, y = latitude, whatever the source CRS and its
 * axis order). Non-polygon geometries are ignored for drawing and counted.
 * Features without geometry are kept (they still join and appear in
 * reports). The text's encoding is detected and converted
 * (gv_layer_open_ex). */
#ifndef GEOVOICE_LAYER_H
#define GEOVOICE_LAYER_H

#include "geovoice/common.h"
#include "geovoice/encoding.h"
#include "geovoice/geomcheck.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_layer gv_layer; /* opaque; owns its features */

/* Opens src (path or GDAL connection string), reads layer `layer` (NULL:
 * the first layer; an error when the source has several and none is named
 * would be unfriendly, so the first is taken and the caller may report it),
 * keeping only features that pass the OGR SQL attribute filter `where`
 * (NULL: all). On success *out is yours to free with gv_layer_free.
 * Attribute text is decoded to UTF-8 NFC from its detected encoding (see
 * gv_layer_open_ex). Errors: GV_EDATA (missing file, unknown layer,
 * unreadable CRS, text of mixed or unknown encodings) and GV_EUSAGE (a
 * bad `where` filter), with GDAL's own message appended. */
GV_API int gv_layer_open(const char *src, const char *layer, const char *where,
                         gv_layer **out, gv_error *err);
/* Extent sanity at open (gv_extent_diagnose on the layer's extent and CRS):
 * gv_layer_open fails with GV_EDATA, the message naming the file and the
 * likely fix, when the coordinates look like swapped lat/lon, like metres
 * read as degrees (a lost .prj), or like degrees under a projected CRS.
 * A layer without CRS whose extent is degrees over Vietnam is read as
 * EPSG:4326; that, and an extent outside Vietnam, is only a warning
 * (gv_layer_extent). gv_layer_open_lenient opens such layers anyway (for
 * `geovoice check`, which reports the verdict). */
GV_API int gv_layer_open_lenient(const char *src, const char *layer, const char *where,
                                 gv_layer **out, gv_error *err);
GV_API void gv_layer_free(gv_layer *l); /* NULL ok */

/* Options of gv_layer_open_ex. */
typedef struct gv_layer_options {
    int lenient;             /* as gv_layer_open_lenient: extent and text problems are reported, not errors */
    gv_encoding encoding;    /* attribute text encoding; GV_ENC_UNKNOWN (default) = detect */
    unsigned encoding_flags; /* GV_TCVN3_CAPS (encoding.h) */
} gv_layer_options;

/* Defaults: strict, encoding detected. */
GV_API void gv_layer_options_init(gv_layer_options *o);

/* gv_layer_open with options (o NULL: defaults).
 *
 * Attribute text (values and field names) is decoded by geovoice, not by
 * GDAL: Shapefiles are opened with GDAL's ENCODING="" so that the DBF
 * bytes arrive as stored, other sources hand over what their driver gives
 * (UTF-8 for GeoPackage and GeoJSON). Unless o->encoding names one, the
 * encoding is detected from the bytes of every value and field name
 * (gv_enc_detector: ASCII, UTF-8, CP1258, TCVN3, VNI); a Shapefile's .cpg
 * is compared with what the bytes say (a .cpg that contradicts them is
 * reported, and the bytes win), and decides only when the bytes are
 * ambiguous between legacy encodings; its DBF LDID is reported. Every value
 * becomes UTF-8 NFC (NFD text is composed). UTF-8 text that an earlier
 * conversion garbled (legacy bytes read as Windows-1252: "Hµ Néi") is
 * repaired when its bytes read as Vietnamese, and reported. An OGR `where` filter is
 * encoded into the detected encoding before it is applied, so that it
 * compares like with like.
 * Errors (GV_EDATA, one line naming the file, a feature and a field),
 * unless o->lenient: text of mixed encodings (some UTF-8, some not; or
 * values readable only in different legacy encodings), text that is not
 * Vietnamese in any encoding geovoice knows with no .cpg naming another,
 * and values that o->encoding cannot decode. gv_layer_encoding tells
 * what was found. */
GV_API int gv_layer_open_ex(const char *src, const char *layer, const char *where, const gv_layer_options *o,
                            gv_layer **out, gv_error *err);

/* How the layer's text was read. Strings are borrowed from the layer. */
typedef struct gv_layer_encoding_info {
    gv_encoding encoding;    /* what the text was read as (MIXED, lenient only: each value by itself;
                                UNKNOWN: as the .cpg says, through GDAL, or undecodable bytes as U+FFFD) */
    unsigned flags;          /* GV_TCVN3_CAPS when given */
    gv_encoding detected;    /* what the bytes alone say */
    double confidence;       /* the detector's, in [0, 1] */
    int overridden;          /* 1: the caller named the encoding */
    const char *cpg;         /* the .cpg's text (trimmed), NULL when there is none */
    int ldid;                /* the DBF's language driver id (byte 29), -1 when not a DBF */
    int declared_agrees;     /* the .cpg agrees with the text: 1 yes, 0 no (a wrong .cpg), -1 no .cpg */
    size_t values;           /* non-empty values and field names read */
    size_t nonascii;         /* ... holding bytes >= 0x80 */
    size_t words, bad_words; /* words with a non-ASCII letter in the text as read, and those that are not
                                Vietnamese syllables (minority names such as "Sơmei" are among them) */
    size_t nfd;              /* values that were not NFC (composed on reading) */
    size_t truncated;        /* UTF-8 values cut inside their last character (dropped) */
    size_t undecodable;      /* values with bytes the encoding does not define (lenient: U+FFFD) */
    size_t mojibake;         /* UTF-8 values that were legacy text read as Windows-1252 by an earlier
                                conversion ("Hµ Néi"), repaired (gv_text_unmojibake) */
    size_t small_capitals;   /* TCVN3: words beginning with a small toned letter in a value whose other
                                words begin with capitals (VN3 has no capitals with tones; read small) */
    int problem;             /* 1: a wrong .cpg, mixed, unknown or ambiguous encoding, undecodable values,
                                mojibake */
    const char *summary;     /* one line for people */
    size_t nissues;          /* lines naming a feature and field (at most 20) */
    const char *const *issues;
} gv_layer_encoding_info;

/* Fills *out for l. */
GV_API void gv_layer_encoding(const gv_layer *l, gv_layer_encoding_info *out);

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

/* Geometry checks done while reading (geomcheck.h flags). Every feature's
 * rings get cheap checks (NULL/empty, Z/M dropped, collections and
 * non-polygons, non-finite vertices and consecutive duplicates dropped,
 * open rings closed, rings of < 4 points dropped, orientation, slivers of
 * mean width < 5e-5°); a feature those cannot prove valid (edges that
 * touch or cross, nesting) goes to gv_geom_clean (GEOS validity and
 * MakeValid, on the lon/lat rings) and what is drawn and measured is the
 * repaired geometry. Fills *out with feature i's flags (0 when clean) and
 * detail; GV_EUSAGE when i is out of range or out is NULL. */
GV_API int gv_layer_geom_report(const gv_layer *l, size_t i, gv_geom_report *out);
/* Feature i's flags alone (0 out of range). */
GV_API unsigned gv_layer_geom_flags(const gv_layer *l, size_t i);
/* Number of features with a geometry problem (any flag but ORIENTATION,
 * which is information), and when buf is given one line for people, e.g.
 * "2 of 3321 features: 1 invalid (made valid), 1 sliver (reported)"
 * ("" when none; cut to n bytes). */
GV_API size_t gv_layer_geom_summary(const gv_layer *l, char *buf, size_t n);
/* Extent verdict of the layer (see gv_layer_open_lenient); *advice (may be
 * NULL) gets one line of English (borrowed, "" when none). */
GV_API gv_extent_verdict gv_layer_extent(const gv_layer *l, const char **advice);
/* The layer's CRS as "EPSG:4326 WGS 84" (authority code when known, then
 * its name); "" when the source has none. Borrowed. */
GV_API const char *gv_layer_crs(const gv_layer *l);
/* GDAL driver short name ("GPKG", "ESRI Shapefile", "GeoJSON"). Borrowed. */
GV_API const char *gv_layer_driver(const gv_layer *l);
/* Names of the vector layers of src, in order (*names malloc'd array of
 * malloc'd strings, free with gv_layer_names_free). GV_EDATA when src
 * cannot be opened. */
GV_API int gv_layer_list(const char *src, char ***names, size_t *n, gv_error *err);
GV_API void gv_layer_names_free(char **names, size_t n);

/* Geodesic area of feature i on the WGS 84 ellipsoid in km² (outer rings
 * minus holes), computed with PROJ's geodesic routines (Karney). Computed
 * once, on first call, for all features. NaN for a feature without
 * polygon. */
GV_API double gv_layer_area_km2(gv_layer *l, size_t i);

/* A point inside feature i's largest polygon, far from its edges (pole of
 * inaccessibility approximation via GEOS); lon/lat. Returns GV_EDATA when
 * the feature has no polygon. */
GV_API int gv_layer_label_point(const gv_layer *l, size_t i, double *lon, double *lat);

/* Frees the vertex array (the bulk of a layer's memory: 20 MB for the
 * 3,321 communes) once the caller has what it needs from it, e.g. after
 * rendering projected it. Attributes, bboxes, counts (gv_layer_nvertices)
 * and areas already computed stay; afterwards gv_layer_rings gives 0 rings,
 * areas not yet computed are NaN and gv_layer_label_point fails. */
GV_API void gv_layer_release_rings(gv_layer *l);

/* A new layer holding copies of features idx[0..n-1] of l, in that order
 * (an index may repeat): attributes, rings, bounding boxes, geometry
 * flags, and the areas when l has computed them. The copy is independent
 * of l (free both with gv_layer_free). For drawing part of a layer (one
 * province's communes) without reading the source again. GV_EUSAGE for an
 * index out of range or a layer whose rings were released; GV_ENOMEM. */
GV_API int gv_layer_subset(const gv_layer *l, const size_t *idx, size_t n, gv_layer **out, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
