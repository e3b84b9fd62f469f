/* stats.h: pure indicator arithmetic over columns of counts (SPEC
 * "Indicators"). No I/O, no allocation; callers own every buffer.
 *
 * NaN handling: a NaN count is a missing value. Functions say what they do
 * with one; none ever treats it as 0. */
#ifndef GEOVOICE_STATS_H
#define GEOVOICE_STATS_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* num / den, NaN when either is NaN or den is 0 (a zero denominator makes
 * the indicator missing, SPEC). */
GV_API double gv_stats_ratio(double num, double den);

/* Diversity of one unit's distribution of counts c[0..n-1] (each >= 0;
 * NaN entries are skipped as "not listed"). With p_i = c_i / Σc:
 *   *simpson = 1 − Σ p_i²          (Simpson diversity, in [0, 1))
 *   *shannon = −Σ p_i ln p_i       (Shannon entropy, nats; 0 ln 0 = 0)
 * GV_OK, or GV_EDATA when a count is negative or Σc is 0 (both outputs
 * NaN). Either output may be NULL. */
GV_API int gv_stats_diversity(const double *c, size_t n, double *simpson, double *shannon);

/* Index of the largest value among v[0..n-1] (NaN skipped; ties: the
 * first); (size_t)-1 when n is 0 or all are NaN. */
GV_API size_t gv_stats_argmax(const double *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
