/* opstats.c: empirical-Bayes rates, cell suppression, Jensen–Shannon
 * divergence, chi-square and Benjamini–Hochberg (opstats.h). Pure math. */
#include "geovoice/opstats.h"

#include <math.h>
#include <stdlib.h>

int gv_eb_smooth(const double *count, const double *pop, size_t n, double *smoothed, double *m_out,
                 double *A_out) {
    if ((!count || !pop || !smoothed) && n) return GV_EUSAGE;
    double sy = 0, sn = 0;
    size_t N = 0;
    for (size_t i = 0; i < n; i++) {
        smoothed[i] = NAN;
        if (!(pop[i] > 0) || isnan(count[i]) || isinf(pop[i])) continue;
        sy += count[i], sn += pop[i], N++;
    }
    double m = N ? sy / sn : NAN, A = NAN;
    if (N) {
        double ss = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(pop[i] > 0) || isnan(count[i]) || isinf(pop[i])) continue;
            double d = count[i] / pop[i] - m;
            ss += pop[i] * d * d;
        }
        A = ss / sn - m / (sn / (double)N);
        if (A < 0) A = 0; /* the moment estimate can go negative: no between-unit variance */
        for (size_t i = 0; i < n; i++) {
            if (!(pop[i] > 0) || isnan(count[i]) || isinf(pop[i])) continue;
            double r = count[i] / pop[i];
            /* m = 0 (no events anywhere): every rate is 0 and stays 0. */
            double C = (A + m / pop[i]) > 0 ? A / (A + m / pop[i]) : 1;
            smoothed[i] = m + C * (r - m);
        }
    }
    if (m_out) *m_out = m;
    if (A_out) *A_out = A;
    return GV_OK;
}

static int hidden(const unsigned char *st, size_t i) { return st[i] != GV_SUPP_SHOWN; }

int gv_suppress(const double *count, size_t n, double k, const gv_supp_group *groups, size_t ng,
                unsigned char *status, unsigned char *group_unprotected, size_t *unprotected) {
    if ((!count || !status) && n) return GV_EUSAGE;
    if (!groups && ng) return GV_EUSAGE;
    for (size_t g = 0; g < ng; g++) {
        if (groups[g].n && !groups[g].member) return GV_EUSAGE;
        for (size_t j = 0; j < groups[g].n; j++)
            if (groups[g].member[j] >= n) return GV_EUSAGE;
        if (groups[g].total >= (long)n || groups[g].total < -1) return GV_EUSAGE;
    }
    for (size_t i = 0; i < n; i++)
        status[i] = (count[i] > 0 && count[i] < k) ? GV_SUPP_PRIMARY : GV_SUPP_SHOWN;
    if (group_unprotected)
        for (size_t g = 0; g < ng; g++) group_unprotected[g] = 0;
    /* Each pass hides at least one more cell or ends, so at most n passes. */
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t g = 0; g < ng; g++) {
            const gv_supp_group *G = &groups[g];
            size_t nh = 0;
            long best = -1;
            for (size_t j = 0; j <= G->n; j++) {
                long c = j < G->n ? (long)G->member[j] : G->total;
                if (c < 0) continue;
                if (hidden(status, (size_t)c)) {
                    nh++;
                    continue;
                }
                if (!(count[c] > 0)) continue; /* zero or NaN: nothing to hide */
                if (best < 0 || count[c] < count[best] || (count[c] == count[best] && c < best)) best = c;
            }
            if (nh != 1) continue;
            if (best < 0) {
                if (group_unprotected) group_unprotected[g] = 1;
                continue;
            }
            status[best] = GV_SUPP_SECONDARY;
            changed = 1;
        }
    }
    if (unprotected) {
        /* Recount at the end: a relation left alone early may have been
         * protected by a later pass. */
        size_t u = 0;
        for (size_t g = 0; g < ng; g++) {
            const gv_supp_group *G = &groups[g];
            size_t nh = 0;
            for (size_t j = 0; j <= G->n; j++) {
                long c = j < G->n ? (long)G->member[j] : G->total;
                if (c >= 0 && hidden(status, (size_t)c)) nh++;
            }
            int lone = nh == 1;
            if (group_unprotected) group_unprotected[g] = (unsigned char)lone;
            u += lone;
        }
        *unprotected = u;
    }
    return GV_OK;
}

double gv_jsd(const double *p, const double *q, size_t k) {
    double sp = 0, sq = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(p[i] >= 0) || !(q[i] >= 0)) return NAN;
        sp += p[i], sq += q[i];
    }
    if (!(sp > 0) || !(sq > 0)) return NAN;
    double d = 0;
    for (size_t i = 0; i < k; i++) {
        double a = p[i] / sp, b = q[i] / sq, m = 0.5 * (a + b);
        if (a > 0) d += 0.5 * a * log2(a / m);
        if (b > 0) d += 0.5 * b * log2(b / m);
    }
    /* Rounding can leave tiny negatives or values just above 1. */
    if (d < 0) d = 0;
    if (d > 1) d = 1;
    return d;
}

/* Regularised lower incomplete gamma P(a, x) by its series (x < a + 1) and
 * upper Q(a, x) by Lentz's continued fraction otherwise (Numerical Recipes
 * §6.2); both converge fast in their own region. */
static double gamma_q(double a, double x) {
    if (x <= 0) return 1;
    double lg = lgamma(a);
    if (x < a + 1) {
        double ap = a, sum = 1 / a, del = sum;
        for (int i = 0; i < 10000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-15) break;
        }
        double P = sum * exp(-x + a * log(x) - lg);
        return P > 1 ? 0 : 1 - P;
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15) break;
    }
    return exp(-x + a * log(x) - lg) * h;
}

double gv_chisq_sf(double x, int df) {
    if (df <= 0 || isnan(x)) return NAN;
    if (x <= 0) return 1;
    return gamma_q(df / 2.0, x / 2.0);
}

double gv_chisq_homogeneity(const double *a, const double *b, size_t k, double *stat, int *df) {
    double sa = 0, sb = 0;
    size_t kk = 0;
    for (size_t i = 0; i < k; i++) {
        sa += a[i], sb += b[i];
        if (a[i] + b[i] > 0) kk++;
    }
    if (stat) *stat = 0;
    if (df) *df = 0;
    if (!(sa > 0) || !(sb > 0) || kk < 2) return NAN;
    double N = sa + sb, x2 = 0;
    for (size_t i = 0; i < k; i++) {
        double col = a[i] + b[i];
        if (!(col > 0)) continue;
        double ea = sa * col / N, eb = sb * col / N;
        x2 += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb;
    }
    if (stat) *stat = x2;
    if (df) *df = (int)kk - 1;
    return gv_chisq_sf(x2, (int)kk - 1);
}

typedef struct {
    double p;
    size_t i;
} pidx;

static int pcmp(const void *x, const void *y) {
    const pidx *a = x, *b = y;
    if (a->p < b->p) return -1;
    if (a->p > b->p) return 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int gv_bh_adjust(const double *p, size_t n, double *q) {
    if ((!p || !q) && n) return GV_EUSAGE;
    pidx *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return GV_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        q[i] = NAN;
        if (!isnan(p[i])) v[m].p = p[i], v[m].i = i, m++;
    }
    qsort(v, m, sizeof *v, pcmp);
    /* q_(j) = min over l >= j of p_(l) m / l, capped at 1. */
    double run = 1;
    for (size_t j = m; j-- > 0;) {
        double x = v[j].p * (double)m / (double)(j + 1);
        if (x < run) run = x;
        q[v[j].i] = run;
    }
    free(v);
    return GV_OK;
}
