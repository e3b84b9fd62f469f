/* dots.h: dot-density placement. One dot per `per_dot` persons of each
 * group in each unit, placed uniformly at random (by area) inside the
 * unit's polygons with a seed derived from the unit's key and the group's
 * key, so the same inputs give the same dots and adding or removing a
 * unit or a group never moves the dots of the others.
 *
 * Pure geometry over a gv_layer's lon/lat rings: no drawing, no I/O. The
 * renderer (render.h, gv_map_dots) draws what this returns; tests check it
 * (count per unit, every dot inside its polygon). */
#ifndef GEOVOICE_DOTS_H
#define GEOVOICE_DOTS_H

#include "geovoice/common.h"
#include "geovoice/layer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One placed dot: WGS 84 lon/lat degrees. `ring` is the index (within the
 * feature, as gv_layer_rings lists them) of the first ring of the polygon
 * the dot lies in, so a renderer can tell which frame (main map or inset)
 * that polygon is drawn in. */
typedef struct gv_dot {
    double lon, lat;
    unsigned feature; /* index in the layer */
    unsigned group;   /* index into the caller's groups */
    unsigned ring;
} gv_dot;

/* Result of gv_dots_place; clear with gv_dot_set_clear. */
typedef struct gv_dot_set {
    gv_dot *dots;        /* n dots in draw order (malloc'd) */
    size_t n;
    size_t *count;       /* nfeatures * ngroups dots per unit and group, count[f*ngroups+g] (malloc'd) */
    size_t nfeatures, ngroups;
    /* Units with persons to draw but no polygon (nothing can be placed
     * there): how many, and their persons; never silently dropped. */
    size_t n_units_unplaced;
    double persons_unplaced;
    double per_dot;
} gv_dot_set;

/* Dots for `persons` persons at `per_dot` persons per dot:
 * round half up, floor(persons / per_dot + 0.5) (so 14,999 persons at
 * 10,000 per dot = 1 dot, 15,000 = 2 dots). NaN, negative or infinite
 * persons, or per_dot <= 0: 0. */
GV_API size_t gv_dots_for(double persons, double per_dot);

/* Places the dots. pop[f * ngroups + g] is the number of persons of group
 * g in feature f of L (NaN = no data: no dots). unit_keys[f] (e.g. the
 * unit's code) and group_keys[g] (e.g. the column name) seed the random
 * sequence of each (unit, group) with `seed`; NULL unit_keys uses the
 * feature index (then dots move when features are added). Both arrays
 * are borrowed.
 *
 * Placement: the polygon is chosen with probability proportional to its
 * area, then points are drawn uniformly in its lon/lat bounding box and
 * kept when inside (even-odd rule over the polygon's rings, so holes stay
 * empty) and, with probability cos(lat)/cos(lat nearest the equator), to
 * make the density uniform per km² rather than per square degree.
 * Draw order: dots are sorted by a hash of (unit key, group, dot number),
 * a deterministic shuffle that interleaves the groups (no group is drawn
 * wholly on top of another) and does not depend on other units.
 *
 * L's rings must still be present (call before gv_layer_release_rings).
 * Returns GV_OK; GV_EUSAGE for per_dot <= 0, ngroups 0 or NULL arrays;
 * GV_EDATA when a polygon of non-zero area rejects a million points in a
 * row (degenerate geometry; the message names the feature); GV_ENOMEM.
 * On error *out is cleared. */
GV_API int gv_dots_place(const gv_layer *L, const double *pop, size_t ngroups, double per_dot,
                         const char *const *unit_keys, const char *const *group_keys, unsigned long long seed,
                         gv_dot_set *out, gv_error *err);

/* Frees what gv_dots_place allocated and zeroes s (NULL ok). */
GV_API void gv_dot_set_clear(gv_dot_set *s);

/* Even-odd point-in-polygon test of (lon, lat) against rings r0..r1-1 of
 * feature f of L (as gv_layer_rings lists them). 1 inside, 0 outside. */
GV_API int gv_dots_inside(const gv_layer *L, size_t f, size_t r0, size_t r1, double lon, double lat);

#ifdef __cplusplus
}
#endif
#endif
