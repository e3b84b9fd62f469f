/* ringcheck.c: cheap geometry checks for layer reading (see ringcheck.h).
 *
 * Why not GEOS for every feature: GEOSisValid costs 0.22 s of CPU on the
 * 3,321 communes of 2025 (1.24 M vertices), half of a whole `geovoice map`
 * run. Almost every feature of a real boundary file is valid, and validity
 * is easy to *prove* when no two edges of a feature meet at all: then the
 * rings are simple, the interior is connected, and only nesting is left to
 * check. So each feature's edges go through one plane sweep (sorted by
 * their west end, compared while their x ranges overlap); any pair that
 * cannot be shown apart, and any nesting this file does not prove right,
 * sends the feature to GEOS (gv_geom_clean). The test errs one way only:
 * a tolerance far above the rounding error of the orientation predicate
 * makes nearly touching edges count as touching. */
#include "ringcheck.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Same bound as gv_geom_clean (geomcheck.c): beyond any CRS on Earth. */
#define MAX_COORD 1e12
/* Mean width below which a polygon is a sliver, in degrees (geomcheck.c's
 * SLIVER_DEG: about 5.5 m north-south). */
#define SLIVER_DEG 5e-5
/* Relative tolerance of the orientation test. Its rounding error is below
 * 3.4e-16 times the sum of the magnitudes of its two products (Shewchuk's
 * ccwerrboundA); 1e-9 leaves a margin of a million. */
#define ORIENT_TOL 1e-9

/* Inline (libm's fmin/fmax are calls, and NaN cannot reach here). */
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void gv__geom_note(gv_geom_report *rep, const char *fmt, ...) {
    size_t len = strlen(rep->detail);
    if (len + 3 >= sizeof rep->detail) return;
    if (len) {
        memcpy(rep->detail + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->detail + len, sizeof rep->detail - len, fmt, ap);
    va_end(ap);
    /* detail is one line: GEOS and GDAL messages may hold line breaks */
    for (char *p = rep->detail + len; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

size_t gv__ring_compact(double *xy, size_t n, unsigned *flags, size_t *nonfinite) {
    size_t m = 0, bad = 0, dups = 0;
    for (size_t k = 0; k < n; k++) {
        double x = xy[2 * k], y = xy[2 * k + 1];
        if (!(fabs(x) <= MAX_COORD) || !(fabs(y) <= MAX_COORD)) { bad++; continue; }
        if (m > 0 && x == xy[2 * (m - 1)] && y == xy[2 * (m - 1) + 1]) { dups++; continue; }
        xy[2 * m] = x;
        xy[2 * m + 1] = y;
        m++;
    }
    if (bad) *flags |= GV_GEOM_INVALID;
    if (dups) *flags |= GV_GEOM_DUP_POINTS;
    if (m >= 2 && (xy[0] != xy[2 * (m - 1)] || xy[1] != xy[2 * (m - 1) + 1])) {
        *flags |= GV_GEOM_UNCLOSED;
        xy[2 * m] = xy[0];
        xy[2 * m + 1] = xy[1];
        m++;
    }
    if (nonfinite) *nonfinite = bad;
    return m;
}

/* A monotone chain: consecutive edges [k0, k1) of ring r along which x
 * never changes direction and neither does y, so the bounding box of any
 * stretch of it is the box of its two end points (the trick GEOS's
 * MonotoneChain index uses). */
typedef struct chain {
    double x0, x1, y0, y1;
    size_t k0, k1; /* edges k0..k1-1; edge k joins points k and k+1 */
    size_t r;
} chain;

void gv__ringcheck_scratch_free(gv_ringcheck_scratch *s) {
    if (!s) return;
    free(s->seg);
    free(s->active);
    memset(s, 0, sizeof *s);
}

static double orient(const double *a, const double *b, const double *c, double *mag) {
    double p = (b[0] - a[0]) * (c[1] - a[1]), q = (b[1] - a[1]) * (c[0] - a[0]);
    *mag = fabs(p) + fabs(q);
    return p - q;
}

/* 1 when o is certainly positive, -1 certainly negative, 0 when it might
 * be zero. */
static int sign_of(double o, double mag) {
    double tol = ORIENT_TOL * mag;
    if (o > tol) return 1;
    if (o < -tol) return -1;
    return 0;
}

/* 1 when closed segments ab and cd certainly have no point in common. */
static int apart(const double *a, const double *b, const double *c, const double *d) {
    double m1, m2, o1 = orient(a, b, c, &m1), o2 = orient(a, b, d, &m2);
    int s1 = sign_of(o1, m1), s2 = sign_of(o2, m2);
    if (s1 && s1 == s2) return 1;
    o1 = orient(c, d, a, &m1);
    o2 = orient(c, d, b, &m2);
    int s3 = sign_of(o1, m1), s4 = sign_of(o2, m2);
    if (s3 && s3 == s4) return 1;
    return 0;
}

/* Consecutive edges p-q and q-r of one ring meet only at q unless r lies
 * back along q-p (a spike): 1 when that certainly does not happen. */
static int only_at_joint(const double *p, const double *q, const double *r) {
    double m, o = orient(p, q, r, &m);
    if (sign_of(o, m)) return 1;
    return (p[0] - q[0]) * (r[0] - q[0]) + (p[1] - q[1]) * (r[1] - q[1]) < 0;
}

static int cmp_chain(const void *a, const void *b) {
    double x = ((const chain *)a)->x0, y = ((const chain *)b)->x0;
    return (x > y) - (x < y);
}

typedef struct ctx {
    const double *xy;
    const size_t *ring_off;
} ctx;

/* 1 when edges i and j (i != j, of rings ri and rj) certainly meet at no
 * point other than a joint they share as consecutive edges of one ring. */
static int edges_ok(const ctx *c, size_t i, size_t ri, size_t j, size_t rj) {
    const double *xy = c->xy;
    if (ri == rj) {
        size_t lo = i < j ? i : j, hi = i < j ? j : i;
        size_t r0 = c->ring_off[ri], last = c->ring_off[ri + 1] - 2; /* first point of the last edge */
        if (hi == lo + 1) return only_at_joint(xy + 2 * lo, xy + 2 * hi, xy + 2 * hi + 2);
        if (lo == r0 && hi == last) return only_at_joint(xy + 2 * hi, xy + 2 * lo, xy + 2 * lo + 2);
    }
    return apart(xy + 2 * i, xy + 2 * i + 2, xy + 2 * j, xy + 2 * j + 2);
}

/* Edges [a0, a1) of one monotone chain against edges [b0, b1) of another:
 * halve the longer stretch until the boxes (end points) are apart or two
 * single edges are left. 1 when no pair meets. */
static int chains_ok(const ctx *c, size_t a0, size_t a1, size_t ra, size_t b0, size_t b1, size_t rb) {
    const double *xy = c->xy;
    const double *p = xy + 2 * a0, *q = xy + 2 * a1, *u = xy + 2 * b0, *v = xy + 2 * b1;
    double ax0 = MIN(p[0], q[0]), ax1 = MAX(p[0], q[0]), ay0 = MIN(p[1], q[1]), ay1 = MAX(p[1], q[1]);
    double bx0 = MIN(u[0], v[0]), bx1 = MAX(u[0], v[0]), by0 = MIN(u[1], v[1]), by1 = MAX(u[1], v[1]);
    if (ax1 < bx0 || bx1 < ax0 || ay1 < by0 || by1 < ay0) return 1;
    if (a1 - a0 == 1 && b1 - b0 == 1) return edges_ok(c, a0, ra, b0, rb);
    if (a1 - a0 >= b1 - b0) {
        size_t m = a0 + (a1 - a0) / 2;
        return chains_ok(c, a0, m, ra, b0, b1, rb) && chains_ok(c, m, a1, ra, b0, b1, rb);
    }
    size_t m = b0 + (b1 - b0) / 2;
    return chains_ok(c, a0, a1, ra, b0, m, rb) && chains_ok(c, a0, a1, ra, m, b1, rb);
}

static int sgn(double d) { return (d > 0) - (d < 0); }

/* Even-odd point in ring r. */
static int inside(const double *xy, size_t a, size_t b, double px, double py) {
    int in = 0;
    for (size_t q = a; q + 1 < b; q++) {
        double x1 = xy[2 * q], y1 = xy[2 * q + 1], x2 = xy[2 * q + 2], y2 = xy[2 * q + 3];
        if ((y1 > py) != (y2 > py) && px < x1 + (py - y1) * (x2 - x1) / (y2 - y1)) in = !in;
    }
    return in;
}

static void ring_bbox(const double *xy, size_t a, size_t b, double bb[4]) {
    bb[0] = bb[2] = xy[2 * a];
    bb[1] = bb[3] = xy[2 * a + 1];
    for (size_t q = a + 1; q < b; q++) {
        double x = xy[2 * q], y = xy[2 * q + 1];
        if (x < bb[0]) bb[0] = x;
        if (x > bb[2]) bb[2] = x;
        if (y < bb[1]) bb[1] = y;
        if (y > bb[3]) bb[3] = y;
    }
}

static int overlap(const double a[4], const double b[4]) {
    return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

int gv__rings_certainly_valid(const double *xy, const size_t *ring_off, const unsigned char *hole,
                              const int *part, size_t nrings, gv_ringcheck_scratch *s) {
    if (nrings == 0) return 1;
    size_t nseg = 0;
    for (size_t r = 0; r < nrings; r++) {
        if (ring_off[r + 1] - ring_off[r] < 4) return 0;
        nseg += ring_off[r + 1] - ring_off[r] - 1;
    }
    /* At most one chain per edge. */
    if (s->capseg < nseg) {
        chain *ns = realloc(s->seg, nseg * sizeof *ns);
        if (!ns) return -1;
        s->seg = ns;
        s->capseg = nseg;
    }
    if (s->capactive < nseg) {
        chain *na = realloc(s->active, nseg * sizeof *na);
        if (!na) return -1;
        s->active = na;
        s->capactive = nseg;
    }
    chain *ch = s->seg;
    size_t nch = 0;
    for (size_t r = 0; r < nrings; r++) {
        size_t k = ring_off[r], end = ring_off[r + 1] - 1; /* edges k..end-1 */
        while (k < end) {
            size_t k0 = k;
            int sx = 0, sy = 0;
            for (; k < end; k++) {
                int dx = sgn(xy[2 * k + 2] - xy[2 * k]), dy = sgn(xy[2 * k + 3] - xy[2 * k + 1]);
                if ((dx && sx && dx != sx) || (dy && sy && dy != sy)) break;
                if (dx) sx = dx;
                if (dy) sy = dy;
            }
            chain *c = &ch[nch++];
            const double *p = xy + 2 * k0, *q = xy + 2 * k;
            c->x0 = MIN(p[0], q[0]);
            c->x1 = MAX(p[0], q[0]);
            c->y0 = MIN(p[1], q[1]);
            c->y1 = MAX(p[1], q[1]);
            c->k0 = k0;
            c->k1 = k;
            c->r = r;
        }
    }
    qsort(ch, nch, sizeof *ch, cmp_chain);

    /* Sweep: active holds the chains whose x range reaches the current
     * chain's west end. Within one chain no two edges can meet (no
     * duplicate points, both coordinates monotone), so only pairs of
     * chains are compared. */
    ctx cx = {xy, ring_off};
    chain *act = s->active; /* copies, scanned in place: no indirection */
    size_t nact = 0;
    for (size_t i = 0; i < nch; i++) {
        const chain *e = &ch[i];
        size_t keep = 0;
        for (size_t j = 0; j < nact; j++) {
            const chain *f = &act[j];
            if (f->x1 < e->x0) continue; /* passed: drop */
            if (keep != j) act[keep] = *f;
            f = &act[keep++];
            if (f->y1 < e->y0 || e->y1 < f->y0) continue;
            if (!chains_ok(&cx, e->k0, e->k1, e->r, f->k0, f->k1, f->r)) return 0;
        }
        nact = keep;
        act[nact++] = *e;
    }

    /* No edge meets another: rings are simple and disjoint. Nesting. */
    double(*bb)[4] = malloc(nrings * sizeof *bb);
    if (!bb) return -1;
    for (size_t r = 0; r < nrings; r++) ring_bbox(xy, ring_off[r], ring_off[r + 1], bb[r]);
    int ok = 1;
    size_t shell = 0;
    for (size_t r = 0; r < nrings && ok; r++) {
        if (!hole[r]) { shell = r; continue; }
        /* A hole: inside its own shell (rings listed shell first). */
        if (part[shell] != part[r] || !inside(xy, ring_off[shell], ring_off[shell + 1], xy[2 * ring_off[r]],
                                              xy[2 * ring_off[r] + 1]))
            ok = 0;
    }
    for (size_t a = 0; a < nrings && ok; a++) {
        for (size_t b = a + 1; b < nrings && ok; b++) {
            if (!overlap(bb[a], bb[b])) continue;
            int same_part = part[a] == part[b];
            int both_holes = hole[a] && hole[b] && same_part;
            int both_shells = !hole[a] && !hole[b];
            if (!both_holes && !both_shells) continue;
            /* Holes of one polygon must not nest; shells of different
             * polygons nested (an island in a lake) is valid but left to
             * GEOS. */
            if (inside(xy, ring_off[b], ring_off[b + 1], xy[2 * ring_off[a]], xy[2 * ring_off[a] + 1]) ||
                inside(xy, ring_off[a], ring_off[a + 1], xy[2 * ring_off[b]], xy[2 * ring_off[b] + 1]))
                ok = 0;
        }
    }
    free(bb);
    return ok;
}

/* Twice the signed area, relative to the first vertex. */
static double area2(const double *xy, size_t a, size_t b) {
    double acc = 0, x0 = xy[2 * a], y0 = xy[2 * a + 1];
    for (size_t k = a + 1; k + 1 < b; k++)
        acc += (xy[2 * k] - x0) * (xy[2 * k + 3] - y0) - (xy[2 * k + 2] - x0) * (xy[2 * k + 1] - y0);
    return acc;
}

static double length(const double *xy, size_t a, size_t b) {
    double acc = 0;
    for (size_t k = a; k + 1 < b; k++) {
        double dx = xy[2 * k + 2] - xy[2 * k], dy = xy[2 * k + 3] - xy[2 * k + 1];
        acc += sqrt(dx * dx + dy * dy);
    }
    return acc;
}

void gv__rings_describe(const double *xy, const size_t *ring_off, const unsigned char *hole, const int *part,
                        size_t nrings, gv_geom_report *rep) {
    size_t r = 0;
    while (r < nrings) {
        int p = part[r];
        double a = 0, per = 0;
        for (; r < nrings && part[r] == p; r++) {
            double s = area2(xy, ring_off[r], ring_off[r + 1]);
            if (hole[r] ? s > 0 : s < 0) rep->flags |= GV_GEOM_ORIENTATION;
            a += hole[r] ? -fabs(s) / 2 : fabs(s) / 2;
            per += length(xy, ring_off[r], ring_off[r + 1]);
        }
        if (per > 0 && 2 * a / per < SLIVER_DEG) {
            rep->flags |= GV_GEOM_SLIVER;
            gv__geom_note(rep, "part %d is a sliver: mean width %.2g deg", p, 2 * a / per);
        }
    }
}
