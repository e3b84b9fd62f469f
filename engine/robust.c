/* robust.c: medians and modified z-scores (robust.h). */
#include "geovoice/robust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of the finite values, sorting a scratch copy. */
static double median_scratch(const double *v, size_t n, double *tmp) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) tmp[m++] = v[i];
    if (!m) return NAN;
    qsort(tmp, m, sizeof *tmp, cmp_d);
    return m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

double gv_median(const double *v, size_t n) {
    if (!v || !n) return NAN;
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return NAN;
    double m = median_scratch(v, n, tmp);
    free(tmp);
    return m;
}

size_t gv_modified_z(const double *x, size_t n, double *z, double *median, double *scale, int *fallback) {
    if (median) *median = NAN;
    if (scale) *scale = NAN;
    if (fallback) *fallback = 0;
    if (!x || !z || !n) return 0;
    double *tmp = malloc(2 * n * sizeof *tmp);
    if (!tmp) {
        for (size_t i = 0; i < n; i++) z[i] = NAN;
        return 0;
    }
    double *dev = tmp + n;
    size_t m = 0;
    double med = median_scratch(x, n, tmp);
    double sum_abs = 0;
    for (size_t i = 0; i < n; i++) {
        dev[i] = isfinite(x[i]) ? fabs(x[i] - med) : NAN;
        if (isfinite(dev[i])) sum_abs += dev[i], m++;
    }
    double mad = median_scratch(dev, n, tmp);
    double k = 0.6745, s = mad;
    int fb = 0;
    if (m && !(mad > 0)) {
        fb = 1;
        k = 0.7979;
        s = sum_abs / (double)m;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) z[i] = NAN;
        else z[i] = s > 0 ? k * (x[i] - med) / s : 0;
    }
    free(tmp);
    if (median) *median = med;
    if (scale) *scale = s;
    if (fallback) *fallback = fb;
    return m;
}
