/* robust.h: robust statistics for comparing two sources of the same
 * figure (SPEC "Indicators": reconciliation). Pure functions over arrays:
 * no I/O, no globals, deterministic. NaN inputs are missing values: they
 * are left out of every median and get a NaN result. */
#ifndef GEOVOICE_ROBUST_H
#define GEOVOICE_ROBUST_H

#include <stddef.h>

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Median of the finite values of v[0..n) (the mean of the two middle ones
 * for an even count); NaN when there are none. v is not modified. */
GV_API double gv_median(const double *v, size_t n);

/* Modified z-scores (Iglewicz & Hoaglin 1993) of x[0..n) into z:
 *   z = 0.6745 (x - median) / MAD, MAD = median |x - median|;
 * where MAD = 0 (more than half the values equal), the mean absolute
 * deviation from the median stands in:
 *   z = 0.7979 (x - median) / meanAD   (0.7979 = 1/1.2533 = sqrt(2/pi)),
 * and when that is 0 too every z is 0. NaN x gives NaN z. Optional
 * outputs (may be NULL): the median, the MAD (or meanAD) used, and
 * *fallback = 1 when meanAD was used. Returns the number of finite x.
 * z may alias x. */
GV_API size_t gv_modified_z(const double *x, size_t n, double *z, double *median, double *scale, int *fallback);

/* The Iglewicz-Hoaglin outlier threshold: |z| > 3.5. */
#define GV_MODZ_THRESHOLD 3.5

#ifdef __cplusplus
}
#endif
#endif
