/* opstats.h: the numbers behind `geovoice opinions` (SPEC "Indicators"):
 * empirical-Bayes smoothed rates, small-cell suppression with secondary
 * (complementary) suppression, Jensen–Shannon divergence, the chi-square
 * test of homogeneity and the Benjamini–Hochberg adjustment.
 *
 * Pure functions over caller arrays: no I/O, no globals, deterministic.
 * NaN handling is stated per function. */
#ifndef GEOVOICE_OPSTATS_H
#define GEOVOICE_OPSTATS_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Empirical-Bayes shrinkage of rates count[i] / pop[i] toward the overall
 * rate, global moment estimator (Marshall 1991):
 *   m  = Σ count / Σ pop                        (over units with pop > 0)
 *   s² = Σ pop_i (r_i − m)² / Σ pop
 *   A  = max(0, s² − m / (Σ pop / N))           (between-unit variance)
 *   C_i = A / (A + m / pop_i);  smoothed_i = m + C_i (r_i − m)
 * Rates are per person (multiply by 10,000 for the SPEC's rate). Units
 * whose pop is NaN, <= 0 or whose count is NaN get NaN and take no part.
 * m_out / A_out (may be NULL) receive m and A. GV_EUSAGE for NULL arrays;
 * GV_OK otherwise (with no usable unit every output is NaN). */
GV_API int gv_eb_smooth(const double *count, const double *pop, size_t n,
                        double *smoothed, double *m_out, double *A_out);

/* Suppression status of a cell. */
#define GV_SUPP_SHOWN 0
#define GV_SUPP_PRIMARY 1   /* 0 < count < k */
#define GV_SUPP_SECONDARY 2 /* shown count hidden so a primary one cannot be
                             * recovered by subtraction */

/* One additive relation between cells: the cells member[0..n-1] sum to the
 * cell `total` (an index among the same cells), or to a figure published
 * elsewhere when total is -1 (e.g. a parent's total in another table). */
typedef struct gv_supp_group {
    const size_t *member;
    size_t n;
    long total;
} gv_supp_group;

/* Primary suppression: every cell with 0 < count < k. Zero cells are not
 * suppressed (an absent category is no one's count). Secondary: while some
 * relation has exactly one hidden cell (members and its total together),
 * the smallest shown non-zero cell of that relation (ties: lowest index)
 * is hidden too; repeated until no relation has a lone hidden cell.
 * A relation whose lone hidden cell has no shown non-zero partner cannot
 * be protected: it is counted in *unprotected (may be NULL) and its index
 * flagged in group_unprotected[] (may be NULL; ng entries, 1 = not
 * protected). status[] gets GV_SUPP_* for each of the n cells. NaN counts
 * are treated as absent (shown, never chosen). GV_EUSAGE for NULL arrays
 * or a member/total index out of range. */
GV_API int gv_suppress(const double *count, size_t n, double k,
                       const gv_supp_group *groups, size_t ng,
                       unsigned char *status, unsigned char *group_unprotected,
                       size_t *unprotected);

/* Jensen–Shannon divergence, base 2 (in [0, 1]), between the
 * distributions p and q over k categories, each given as non-negative
 * counts or weights and normalised here. NaN when either side sums to 0 or
 * holds a negative or NaN entry. */
GV_API double gv_jsd(const double *p, const double *q, size_t k);

/* Pearson chi-square test of homogeneity of two count vectors (a 2 × k
 * table; categories empty on both sides are dropped). Returns the p-value
 * (NaN when a side sums to 0 or fewer than 2 categories are left, then the
 * distributions cannot differ: *stat 0, *df 0). stat, df may be NULL. */
GV_API double gv_chisq_homogeneity(const double *a, const double *b, size_t k,
                                   double *stat, int *df);

/* Upper tail P(X > x) of the chi-square distribution with df degrees of
 * freedom (regularised upper incomplete gamma Q(df/2, x/2)). x <= 0 gives
 * 1; df <= 0 or NaN gives NaN. */
GV_API double gv_chisq_sf(double x, int df);

/* Benjamini–Hochberg adjusted p-values (q-values) of p[0..n-1]; NaN entries
 * are left out of the count m and get NaN. Reject H0 where q <= α.
 * GV_EUSAGE for NULL arrays, GV_ENOMEM. */
GV_API int gv_bh_adjust(const double *p, size_t n, double *q);

#ifdef __cplusplus
}
#endif
#endif
