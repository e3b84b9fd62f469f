/* ringcheck.h (private to the engine): cheap per-feature geometry checks on
 * flat lon/lat ring arrays, used by layer.c so that only features that may
 * be invalid pay for GEOS (see ringcheck.c for why and how). */
#ifndef GV_RINGCHECK_H
#define GV_RINGCHECK_H

#include <stddef.h>

#include "geovoice/geomcheck.h"

/* Cleans one ring in place: xy holds n (x, y) pairs. Drops vertices with a
 * non-finite or absurd (> 1e12) coordinate (flag INVALID), consecutive
 * duplicates (DUP_POINTS), closes an open ring (UNCLOSED: xy must have room
 * for n + 1 pairs). Returns the number of points left, closing point
 * included; a result below 4 means the ring must be dropped (the caller
 * flags TOO_FEW). *nonfinite gets the number of vertices dropped as
 * non-finite. */
size_t gv__ring_compact(double *xy, size_t n, unsigned *flags, size_t *nonfinite);

/* Scratch space reused across features (one per thread). */
typedef struct gv_ringcheck_scratch {
    void *seg;
    size_t capseg;
    void *active; /* chains being swept (ringcheck.c) */
    size_t capactive;
} gv_ringcheck_scratch;
void gv__ringcheck_scratch_free(gv_ringcheck_scratch *s);

/* 1 when the rings of one feature form a valid OGC MultiPolygon for sure:
 * no ring touches or crosses itself or another ring (not even at a point),
 * every hole lies inside its own shell and outside the others' holes, and
 * no shell lies inside another. 0 when GEOS must decide (including valid
 * cases this test does not prove, like a hole touching its shell at one
 * point). Never answers 1 for an invalid feature: nearly collinear or
 * nearly touching segments count as touching (tolerance well above the
 * rounding error of the orientation test). -1 on out-of-memory.
 *
 * xy: points; ring_off[r]..ring_off[r+1] the points of ring r (closed,
 * >= 4 points) for r in [0, nrings); hole[r] 1 for holes; part[r] the
 * polygon of ring r (a shell first, then its holes). */
int gv__rings_certainly_valid(const double *xy, const size_t *ring_off, const unsigned char *hole,
                              const int *part, size_t nrings, gv_ringcheck_scratch *s);

/* Flags ORIENTATION (an outer ring clockwise or a hole counter-clockwise)
 * and SLIVER (a polygon whose mean width 2*area/perimeter is below 5e-5°,
 * the threshold gv_geom_clean uses for degrees), appending notes like
 * gv_geom_clean's to rep. Same ring layout as above. */
void gv__rings_describe(const double *xy, const size_t *ring_off, const unsigned char *hole, const int *part,
                        size_t nrings, gv_geom_report *rep);

/* Appends one "; "-separated note to rep->detail (truncating quietly). */
void gv__geom_note(gv_geom_report *rep, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
