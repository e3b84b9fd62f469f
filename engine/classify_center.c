/* classify_center.c: classes split at a chosen centre for diverging maps
 * (see gv_classify_centered in include/geovoice/classify.h). Built on
 * gv_classify, one side of the centre at a time, so the centre is always a
 * class edge and each side keeps the method's meaning. */
#include "geovoice/classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count_classes(const double *v, size_t n, gv_breaks *b) {
    memset(b->counts, 0, sizeof b->counts);
    b->n_missing = b->n_outside = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) { b->n_missing++; continue; }
        int c = gv_breaks_class(b, v[i]);
        if (c < 0) b->n_outside++;
        else b->counts[c]++;
    }
}

int gv_classify_centered(const double *v, size_t n, const gv_classify_spec *spec, double center, gv_breaks *out,
                         size_t *k_below, gv_error *err) {
    if (!out || !spec || (!v && n)) return gv_error_set(err, GV_EUSAGE, "gv_classify_centered: NULL argument");
    memset(out, 0, sizeof *out);
    if (k_below) *k_below = 0;
    if (!isfinite(center)) return gv_error_set(err, GV_EUSAGE, "centre must be a finite number");
    size_t kb = 0;
    if (spec->method == GV_CLASSIFY_MANUAL) {
        gv_breaks b;
        int rc = gv_classify(v, n, spec, &b, err);
        if (rc) return rc;
        for (kb = 0; kb <= b.k && b.edges[kb] != center; kb++) {}
        if (kb > b.k)
            return gv_error_set(err, GV_EUSAGE, "manual class edges must include the centre %g", center);
        *out = b;
        if (k_below) *k_below = kb;
        return GV_OK;
    }
    size_t k = spec->k ? spec->k : 5;
    if (k < 2) return gv_error_set(err, GV_EUSAGE, "a diverging map needs at least 2 classes (one each side of the centre)");
    size_t kl = k / 2, ku = k - k / 2;
    double *lo = malloc((n ? n : 1) * sizeof(double)), *hi = malloc((n ? n : 1) * sizeof(double));
    if (!lo || !hi) { free(lo); free(hi); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    size_t nl = 0, nh = 0, nmiss = 0;
    double vmin = INFINITY, vmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) { nmiss++; continue; }
        double x = v[i] == 0 ? 0.0 : v[i];
        if (x < vmin) vmin = x;
        if (x > vmax) vmax = x;
        if (x <= center) lo[nl++] = x;
        else hi[nh++] = x;
    }
    int rc = GV_OK;
    if (nl + nh == 0) { rc = gv_error_set(err, GV_EDATA, "no values to classify"); goto out; }
    out->note[0] = 0;
    if (spec->method == GV_CLASSIFY_EQUAL) {
        /* Symmetric: one class width on both sides, wide enough for the
         * side reaching farther from the centre. */
        double w = fmax(nl ? (center - vmin) / (double)kl : 0, nh ? (vmax - center) / (double)ku : 0);
        if (!(w > 0)) w = fabs(center) > 0 ? fabs(center) * 1e-9 : 1e-9;
        out->k = kl + ku;
        for (size_t i = 0; i <= kl; i++) out->edges[i] = center - (double)(kl - i) * w;
        for (size_t j = 1; j <= ku; j++) out->edges[kl + j] = center + (double)j * w;
        out->edges[kl] = center;
        kb = kl;
    } else {
        gv_classify_spec s = *spec;
        gv_breaks bl, bh;
        size_t e = 0;
        kb = 0;
        if (nl) {
            s.k = kl;
            if ((rc = gv_classify(lo, nl, &s, &bl, err))) goto out;
            for (size_t i = 0; i < bl.k; i++) out->edges[e++] = bl.edges[i];
            kb = bl.k;
            if (bl.reduced) snprintf(out->note, sizeof out->note, "below the centre: %.200s", bl.note);
        }
        out->edges[e++] = center;
        if (nh) {
            s.k = ku;
            if ((rc = gv_classify(hi, nh, &s, &bh, err))) goto out;
            for (size_t j = 1; j <= bh.k; j++) out->edges[e++] = bh.edges[j];
            if (bh.reduced) {
                size_t L = strlen(out->note);
                snprintf(out->note + L, sizeof out->note - L, "%sabove the centre: %.100s", L ? "; " : "", bh.note);
            }
        } else {
            /* nothing above: the centre closes the last class */
        }
        out->k = e - 1;
        if (!nl) {
            /* nothing at or below the centre: the first class starts at it */
        }
        if (out->k == 0) {
            /* only values equal to the centre: one single-value class */
            out->edges[1] = center;
            out->k = 1;
        }
        out->reduced = out->note[0] != 0;
    }
    if (center < vmin || center > vmax) {
        /* Every value on one side: the class next to the centre runs on to
         * it although no unit is near; say so (the legend shows it). */
        size_t L = strlen(out->note);
        snprintf(out->note + L, sizeof out->note - L, "%severy value lies %s the centre %g (values %g to %g): the class "
                 "next to it is stretched to the centre", L ? "; " : "", center < vmin ? "above" : "below", center, vmin, vmax);
        out->reduced = 1;
    }
    count_classes(v, n, out);
    if (k_below) *k_below = kb;
out:
    free(lo);
    free(hi);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
