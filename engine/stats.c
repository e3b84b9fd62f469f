/* stats.c: indicator arithmetic (SPEC "Indicators"): ratios with missing
 * denominators, Simpson and Shannon diversity, argmax. Pure functions over
 * caller buffers: the stats job does the reading and the roll-ups. */
#include "geovoice/stats.h"

#include <math.h>

double gv_stats_ratio(double num, double den) {
    if (isnan(num) || isnan(den) || den == 0) return NAN;
    return num / den;
}

int gv_stats_diversity(const double *c, size_t n, double *simpson, double *shannon) {
    if (simpson) *simpson = NAN;
    if (shannon) *shannon = NAN;
    if (!c && n) return GV_EUSAGE;
    double tot = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i])) continue;
        if (c[i] < 0) return GV_EDATA;
        tot += c[i];
    }
    if (!(tot > 0)) return GV_EDATA;
    /* Sum in input order: deterministic, and with at most ~60 groups the
     * rounding error is far below what the outputs print. */
    double s2 = 0, h = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) || c[i] == 0) continue;
        double p = c[i] / tot;
        s2 += p * p;
        h -= p * log(p);
    }
    if (simpson) *simpson = 1.0 - s2;
    if (shannon) *shannon = h;
    return GV_OK;
}

size_t gv_stats_argmax(const double *v, size_t n) {
    size_t best = (size_t)-1;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && (best == (size_t)-1 || v[i] > v[best])) best = i;
    return best;
}
