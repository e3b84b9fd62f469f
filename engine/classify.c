/* classify.c: class breaks for choropleth maps (see
 * include/geovoice/classify.h for the contract). Pure functions over
 * `const double *v, size_t n`; the only side effects are temporary heap
 * buffers that are freed before returning. */
#include "geovoice/classify.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_K 5

/* ---- parsing ---------------------------------------------------------- */

const char *gv_classify_method_str(gv_classify_method m) {
    switch (m) {
    case GV_CLASSIFY_QUANTILE: return "quantile";
    case GV_CLASSIFY_EQUAL: return "equal";
    case GV_CLASSIFY_JENKS: return "jenks";
    case GV_CLASSIFY_MANUAL: return "manual";
    }
    return "unknown";
}

/* Case-insensitive comparison of the first len bytes of a with the whole
 * of b. */
static int name_is(const char *a, size_t len, const char *b) {
    if (strlen(b) != len) return 0;
    for (size_t i = 0; i < len; i++)
        if (tolower((unsigned char)a[i]) != b[i]) return 0;
    return 1;
}

/* Parses the class count after "method:". Only plain decimal digits: strtoul
 * would accept "-3" (wrapping) and leading blanks, which a user would not
 * mean. */
static int parse_k(const char *text, const char *p, size_t *k, gv_error *err) {
    size_t val = 0;
    if (!*p)
        return gv_error_set(err, GV_EUSAGE,
                            "classification '%s': missing number of classes after ':'", text);
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return gv_error_set(err, GV_EUSAGE,
                                "classification '%s': number of classes is not a whole number", text);
        val = val * 10 + (size_t)(*p - '0');
        if (val > GV_CLASSES_MAX) break; /* stop before overflow; reported below */
    }
    if (val < 1 || val > GV_CLASSES_MAX)
        return gv_error_set(err, GV_EUSAGE,
                            "classification '%s': number of classes must be 1 to %d", text,
                            GV_CLASSES_MAX);
    *k = val;
    return GV_OK;
}

static int parse_manual(const char *text, const char *p, gv_classify_spec *out,
                        gv_error *err) {
    size_t nv = 0;
    if (!p || !*p)
        return gv_error_set(err, GV_EUSAGE,
                            "classification '%s': manual needs at least 2 edges, e.g. manual:0,50,100",
                            text);
    for (;;) {
        char *end;
        if (nv == GV_CLASSES_MAX + 1)
            return gv_error_set(err, GV_EUSAGE,
                                "classification '%s': manual takes at most %d edges (%d classes)",
                                text, GV_CLASSES_MAX + 1, GV_CLASSES_MAX);
        double x = strtod(p, &end);
        while (end != p && isspace((unsigned char)*end)) end++;
        if (end == p || (*end != ',' && *end != '\0'))
            return gv_error_set(err, GV_EUSAGE,
                                "classification '%s': manual edge %zu is not a number", text, nv + 1);
        /* Overflow gives +-HUGE_VAL (inf); underflow gives a usable tiny
         * number, so errno's ERANGE is not consulted. */
        if (!isfinite(x))
            return gv_error_set(err, GV_EUSAGE,
                                "classification '%s': manual edge %zu is not a finite number", text,
                                nv + 1);
        if (nv > 0 && !(x > out->manual[nv - 1]))
            return gv_error_set(err, GV_EUSAGE,
                                "classification '%s': manual edges must be strictly increasing "
                                "(edge %zu is %g after %g)",
                                text, nv + 1, x, out->manual[nv - 1]);
        out->manual[nv++] = x + 0.0; /* + 0.0 turns -0 into 0 */
        if (*end == '\0') break;
        p = end + 1;
    }
    if (nv < 2)
        return gv_error_set(err, GV_EUSAGE,
                            "classification '%s': manual needs at least 2 edges, e.g. manual:0,50,100",
                            text);
    out->nmanual = nv;
    out->k = nv - 1;
    return GV_OK;
}

int gv_classify_parse(const char *text, gv_classify_spec *out, gv_error *err) {
    if (!text || !out)
        return gv_error_set(err, GV_EUSAGE, "gv_classify_parse: NULL argument");
    memset(out, 0, sizeof *out);
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    const char *rest = colon ? colon + 1 : NULL;

    if (name_is(text, len, "manual")) {
        out->method = GV_CLASSIFY_MANUAL;
        return parse_manual(text, rest, out, err);
    }
    if (name_is(text, len, "quantile")) out->method = GV_CLASSIFY_QUANTILE;
    else if (name_is(text, len, "equal")) out->method = GV_CLASSIFY_EQUAL;
    else if (name_is(text, len, "jenks")) out->method = GV_CLASSIFY_JENKS;
    else
        return gv_error_set(err, GV_EUSAGE,
                            "classification '%s': unknown method '%.*s' "
                            "(expected quantile, equal, jenks or manual)",
                            text, (int)(len > 64 ? 64 : len), text);
    out->k = DEFAULT_K;
    if (!rest) return GV_OK;
    return parse_k(text, rest, &out->k, err);
}

/* ---- class lookup ----------------------------------------------------- */

int gv_breaks_class(const gv_breaks *b, double x) {
    if (!b || b->k == 0 || b->k > GV_CLASSES_MAX || isnan(x)) return -1;
    if (x < b->edges[0] || x > b->edges[b->k]) return -1;
    if (x == b->edges[0]) return 0;
    /* Smallest i with x <= edges[i+1]. edges[1..k] are strictly increasing,
     * so the predicate is monotone in i. */
    size_t lo = 0, hi = b->k - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x <= b->edges[mid + 1]) hi = mid;
        else lo = mid + 1;
    }
    return (int)lo;
}

/* ---- helpers ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Writes edges from candidate class upper bounds upper[0..k-1] (ascending,
 * upper[k-1] == max): edges[0] = min, then each bound that is larger than
 * the last one kept. A first bound equal to min is kept only when
 * allow_min_class says a class holding only the minimum is meaningful
 * (quantile/jenks/distinct values); for equal intervals it can only come from
 * rounding. Returns the number of classes. */
static size_t put_edges(gv_breaks *out, double min, const double *upper, size_t k,
                        int allow_min_class) {
    size_t kk = 0;
    out->edges[0] = min;
    for (size_t i = 0; i < k; i++) {
        double u = upper[i];
        if (u > out->edges[kk] || (kk == 0 && allow_min_class && u == min))
            out->edges[++kk] = u;
    }
    return kk;
}

/* Equal intervals. The width is computed from max - min when that is finite;
 * for ranges wider than DBL_MAX (e.g. -1e308..1e308) interpolate instead so
 * no intermediate overflows. */
static void equal_uppers(double min, double max, size_t k, double *upper) {
    double w = max - min;
    for (size_t i = 1; i <= k; i++) {
        double e;
        if (i == k) e = max; /* exactly, not min + k*w */
        else if (isfinite(w)) e = min + (w / (double)k) * (double)i;
        else e = min / (double)k * (double)(k - i) + max / (double)k * (double)i;
        if (e > max) e = max;
        if (e < min) e = min;
        upper[i - 1] = e;
    }
}

static void quantile_uppers(const double *s, size_t m, size_t k, double *upper) {
    for (size_t i = 1; i <= k; i++) {
        size_t idx = (i * m + k - 1) / k; /* ceil(i*m/k), >= 1 since i*m >= 1 */
        upper[i - 1] = s[idx - 1];
    }
}

/* ---- Fisher-Jenks ----------------------------------------------------- */

/* State of the dynamic programme over d distinct values x[] with
 * multiplicities. p0/p1/p2 are prefix sums of weight, weight*x and
 * weight*x^2 so the sum of squared deviations of any run x[i..j] costs O(1):
 * SSD = sum(w x^2) - (sum(w x))^2 / sum(w). */
typedef struct {
    const double *p0, *p1, *p2;
    const double *prev; /* best cost of r-1 groups covering x[0..i] */
    double *cur;        /* best cost of r groups covering x[0..j] */
    uint32_t *split;    /* this row's start index of the last group */
} jenks_dp;

static double run_ssd(const jenks_dp *c, size_t i, size_t j) {
    double w = c->p0[j + 1] - c->p0[i];
    double s = c->p1[j + 1] - c->p1[i];
    double q = c->p2[j + 1] - c->p2[i];
    double r = q - s * s / w;
    return r > 0 ? r : 0; /* cancellation can leave a tiny negative */
}

/* Fills cur[j] and split[j] for row r (r+1 groups), j in [jlo, jhi], knowing
 * the best start of the last group lies in [ilo, ihi]. Divide and conquer
 * works because the SSD cost satisfies the quadrangle inequality, so the
 * leftmost optimal start is non-decreasing in j (the property behind
 * Ckmeans.1d.dp, Wang & Song 2011; Grønlund et al. 2017): solve the middle
 * j, then each half only searches its side of that start. O(d log d) cost
 * evaluations per row instead of O(d^2). Recursion depth is log2(d). */
static void jenks_row(jenks_dp *c, size_t r, size_t jlo, size_t jhi, size_t ilo,
                      size_t ihi) {
    size_t mid = jlo + (jhi - jlo) / 2;
    size_t lo = ilo > r ? ilo : r;
    size_t hi = ihi < mid ? ihi : mid;
    double best = INFINITY;
    size_t bi = lo;
    for (size_t i = lo; i <= hi; i++) {
        double val = c->prev[i - 1] + run_ssd(c, i, mid);
        if (val < best) { /* strict: keep the leftmost optimum */
            best = val;
            bi = i;
        }
    }
    c->cur[mid] = best;
    c->split[mid] = (uint32_t)bi;
    if (mid > jlo) jenks_row(c, r, jlo, mid - 1, ilo, bi);
    if (mid < jhi) jenks_row(c, r, mid + 1, jhi, bi, ihi);
}

/* Optimal class upper bounds for k classes over the sorted finite values
 * s[0..m-1] with d >= k distinct values. */
static int jenks_uppers(const double *s, size_t m, size_t d, size_t k, double *upper,
                        gv_error *err) {
    if (d > UINT32_MAX)
        return gv_error_set(err, GV_EUSAGE, "jenks: too many distinct values (%zu)", d);
    double *x = malloc(d * sizeof *x);
    double *p = malloc(3 * (d + 1) * sizeof *p);
    double *rows = malloc(2 * d * sizeof *rows);
    uint32_t *split = malloc(k * d * sizeof *split);
    if (!x || !p || !rows || !split) {
        free(x); free(p); free(rows); free(split);
        return gv_error_set(err, GV_ENOMEM, "jenks: out of memory for %zu distinct values", d);
    }
    double *p0 = p, *p1 = p + (d + 1), *p2 = p + 2 * (d + 1);

    /* Sums are taken on values moved next to 0 and scaled into [-2, 2]:
     * subtracting the median removes most of the cancellation in
     * q - s*s/w, and scaling by a power of two (exact) keeps x^2 from
     * overflowing for |x| > 1e154. Neither changes which partition is
     * optimal: every SSD is multiplied by the same constant. */
    double amax = fabs(s[0]) > fabs(s[m - 1]) ? fabs(s[0]) : fabs(s[m - 1]);
    int e = 0;
    if (amax > 0) frexp(amax, &e);
    double shift = ldexp(s[m / 2], -e);

    p0[0] = p1[0] = p2[0] = 0;
    size_t j = 0;
    for (size_t i = 0; i < m;) {
        size_t run = 1;
        while (i + run < m && s[i + run] == s[i]) run++;
        x[j] = s[i];
        double xn = ldexp(s[i], -e) - shift, w = (double)run;
        p0[j + 1] = p0[j] + w;
        p1[j + 1] = p1[j] + w * xn;
        p2[j + 1] = p2[j] + w * xn * xn;
        j++;
        i += run;
    }

    jenks_dp c = {p0, p1, p2, rows, rows + d, NULL};
    double *prev = rows, *cur = rows + d;
    for (size_t jj = 0; jj < d; jj++) prev[jj] = run_ssd(&c, 0, jj); /* one group */
    for (size_t r = 1; r < k; r++) {
        c.prev = prev;
        c.cur = cur;
        c.split = split + r * d;
        jenks_row(&c, r, r, d - 1, r, d - 1);
        double *t = prev;
        prev = cur;
        cur = t;
    }

    /* Walk back from the last value: each row says where its last group
     * starts; the value before that start closes the previous group. */
    j = d - 1;
    for (size_t r = k - 1; r >= 1; r--) {
        upper[r] = x[j];
        j = split[r * d + j] - 1;
    }
    upper[0] = x[j];

    free(x); free(p); free(rows); free(split);
    return GV_OK;
}

/* ---- gv_classify ------------------------------------------------------ */

static int check_manual(const gv_classify_spec *spec, gv_error *err) {
    if (spec->nmanual < 2 || spec->nmanual > GV_CLASSES_MAX + 1)
        return gv_error_set(err, GV_EUSAGE, "manual classification needs 2 to %d edges, got %zu",
                            GV_CLASSES_MAX + 1, spec->nmanual);
    for (size_t i = 0; i < spec->nmanual; i++) {
        if (!isfinite(spec->manual[i]))
            return gv_error_set(err, GV_EUSAGE, "manual edge %zu is not a finite number", i + 1);
        if (i > 0 && !(spec->manual[i] > spec->manual[i - 1]))
            return gv_error_set(err, GV_EUSAGE, "manual edges must be strictly increasing "
                                "(edge %zu is %g after %g)",
                                i + 1, spec->manual[i], spec->manual[i - 1]);
    }
    return GV_OK;
}

static int classify_manual(const double *v, size_t n, const gv_classify_spec *spec,
                           gv_breaks *out, gv_error *err) {
    int rc = check_manual(spec, err);
    if (rc) return rc;
    out->k = spec->nmanual - 1;
    for (size_t i = 0; i < spec->nmanual; i++) out->edges[i] = spec->manual[i] + 0.0;
    size_t nfinite = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            out->n_missing++;
            continue;
        }
        nfinite++;
        int c = gv_breaks_class(out, v[i]);
        if (c < 0) out->n_outside++;
        else out->counts[c]++;
    }
    if (nfinite == 0) return gv_error_set(err, GV_EDATA, "no values to classify");
    return GV_OK;
}

int gv_classify(const double *v, size_t n, const gv_classify_spec *spec, gv_breaks *out,
                gv_error *err) {
    if (!spec || !out || (!v && n > 0))
        return gv_error_set(err, GV_EUSAGE, "gv_classify: NULL argument");
    memset(out, 0, sizeof *out);

    int rc;
    if (spec->method == GV_CLASSIFY_MANUAL) {
        rc = classify_manual(v, n, spec, out, err);
        if (rc) memset(out, 0, sizeof *out);
        return rc;
    }
    if (spec->method != GV_CLASSIFY_QUANTILE && spec->method != GV_CLASSIFY_EQUAL &&
        spec->method != GV_CLASSIFY_JENKS)
        return gv_error_set(err, GV_EUSAGE, "unknown classification method %d", (int)spec->method);
    size_t k = spec->k;
    if (k < 1 || k > GV_CLASSES_MAX)
        return gv_error_set(err, GV_EUSAGE, "number of classes must be 1 to %d, got %zu",
                            GV_CLASSES_MAX, k);

    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += isfinite(v[i]) != 0;
    if (m == 0) return gv_error_set(err, GV_EDATA, "no values to classify");
    double *s = malloc(m * sizeof *s);
    if (!s) return gv_error_set(err, GV_ENOMEM, "classify: out of memory for %zu values", m);
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) s[m++] = v[i] + 0.0; /* -0.0 + 0.0 == +0.0: one zero */
    qsort(s, m, sizeof *s, cmp_double);
    double min = s[0], max = s[m - 1];

    size_t d = 1;
    for (size_t i = 1; i < m; i++) d += s[i] != s[i - 1];

    double upper[GV_CLASSES_MAX];
    size_t kk;
    rc = GV_OK;
    if (d < k || d == 1) {
        /* Too few distinct values: each one becomes its own class. */
        for (size_t i = 0, j = 0; i < m; i++)
            if (i == 0 || s[i] != s[i - 1]) upper[j++] = s[i];
        kk = put_edges(out, min, upper, d, 1);
        out->single = 1;
        if (d == 1 && k > 1)
            snprintf(out->note, sizeof out->note, "all %zu values are equal (%g): 1 class instead of %zu",
                     m, min, k);
        else if (d < k)
            snprintf(out->note, sizeof out->note, "%zu distinct values: %zu classes instead of %zu",
                     d, d, k);
    } else if (spec->method == GV_CLASSIFY_EQUAL) {
        equal_uppers(min, max, k, upper);
        kk = put_edges(out, min, upper, k, 0);
        if (kk < k)
            snprintf(out->note, sizeof out->note,
                     "range %g..%g too narrow for %zu equal intervals: %zu classes", min, max, k, kk);
    } else if (spec->method == GV_CLASSIFY_QUANTILE) {
        quantile_uppers(s, m, k, upper);
        kk = put_edges(out, min, upper, k, 1);
        if (kk < k)
            snprintf(out->note, sizeof out->note,
                     "tied values give equal quantile edges: %zu classes instead of %zu", kk, k);
    } else {
        rc = jenks_uppers(s, m, d, k, upper, err);
        kk = rc ? 0 : put_edges(out, min, upper, k, 1);
    }
    if (rc) {
        free(s);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->k = kk;
    out->reduced = kk < k;
    for (size_t i = 0; i < m; i++) {
        int c = gv_breaks_class(out, s[i]);
        /* Every finite value lies in [min, max] = [edges[0], edges[k]]. */
        if (c >= 0) out->counts[c]++;
    }
    out->n_missing = n - m;
    free(s);
    return GV_OK;
}
