/* polylabel.c: signed distance, pole of inaccessibility and box
 * containment for shapes in the plane (see polylabel.h). Pure arithmetic:
 * no Cairo, no PROJ, no allocation beyond the search heap. */
#include "polylabel.h"

#include <math.h>
#include <stdlib.h>

static double seg_dist2(double px, double py, double ax, double ay, double bx, double by) {
    double dx = bx - ax, dy = by - ay;
    double t = 0;
    double l2 = dx * dx + dy * dy;
    if (l2 > 0) {
        t = ((px - ax) * dx + (py - ay) * dy) / l2;
        if (t < 0) t = 0;
        else if (t > 1) t = 1;
    }
    double ex = ax + t * dx - px, ey = ay + t * dy - py;
    return ex * ex + ey * ey;
}

double gv__shape_signed_distance(const gv_shape *s, double x, double y) {
    int inside = 0;
    double best = INFINITY;
    for (size_t r = 0; r < s->nrings; r++) {
        const double *p = s->ring[r];
        size_t n = s->n[r];
        if (n < 2) continue;
        /* Edge (n-1 -> 0) closes rings that do not repeat their first
         * point; for closed rings it has length 0 and changes nothing. */
        for (size_t i = 0, j = n - 1; i < n; j = i++) {
            double ax = p[2 * j], ay = p[2 * j + 1], bx = p[2 * i], by = p[2 * i + 1];
            if ((by > y) != (ay > y) && x < (ax - bx) * (y - by) / (ay - by) + bx) inside = !inside;
            double d = seg_dist2(x, y, ax, ay, bx, by);
            if (d < best) best = d;
        }
    }
    if (!isfinite(best)) return -INFINITY;
    return (inside ? 1 : -1) * sqrt(best);
}

void gv__shape_bbox(const gv_shape *s, double b[4]) {
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    for (size_t r = 0; r < s->nrings; r++)
        for (size_t k = 0; k < s->n[r]; k++) {
            double x = s->ring[r][2 * k], y = s->ring[r][2 * k + 1];
            if (x < b[0]) b[0] = x;
            if (y < b[1]) b[1] = y;
            if (x > b[2]) b[2] = x;
            if (y > b[3]) b[3] = y;
        }
}

/* ------------------------------------------------------------------ */
/* The cell search. */

typedef struct cell {
    double x, y, h; /* centre, half size */
    double d;       /* signed distance of the centre */
    double max;     /* best distance any point of the cell can have */
} cell;

typedef struct heap {
    cell *a;
    size_t n, cap;
} heap;

static cell make_cell(const gv_shape *s, double x, double y, double h) {
    cell c = {x, y, h, gv__shape_signed_distance(s, x, y), 0};
    c.max = c.d + h * M_SQRT2;
    return c;
}

static int heap_push(heap *q, cell c) {
    if (q->n == q->cap) {
        size_t nc = q->cap ? 2 * q->cap : 64;
        cell *a = realloc(q->a, nc * sizeof *a);
        if (!a) return -1;
        q->a = a;
        q->cap = nc;
    }
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (q->a[p].max >= c.max) break;
        q->a[i] = q->a[p];
        i = p;
    }
    q->a[i] = c;
    return 0;
}

static cell heap_pop(heap *q) {
    cell top = q->a[0], last = q->a[--q->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        double mv = last.max;
        if (l < q->n && q->a[l].max > mv) { m = l; mv = q->a[l].max; }
        if (r < q->n && q->a[r].max > mv) m = r;
        if (m == i) break;
        q->a[i] = q->a[m];
        i = m;
    }
    if (q->n) q->a[i] = last;
    return top;
}

/* Area centroid of the rings (signed areas, so holes wound the other way
 * subtract): a good first guess for compact shapes. */
static int centroid(const gv_shape *s, double *cx, double *cy) {
    double a = 0, x = 0, y = 0;
    for (size_t r = 0; r < s->nrings; r++) {
        const double *p = s->ring[r];
        size_t n = s->n[r];
        for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
            double f = p[2 * j] * p[2 * i + 1] - p[2 * i] * p[2 * j + 1];
            x += (p[2 * j] + p[2 * i]) * f;
            y += (p[2 * j + 1] + p[2 * i + 1]) * f;
            a += 3 * f;
        }
    }
    if (a == 0 || !isfinite(a)) return 0;
    *cx = x / a;
    *cy = y / a;
    return 1;
}

double gv__shape_pole(const gv_shape *s, double precision, double out[2]) {
    double b[4];
    gv__shape_bbox(s, b);
    if (!(b[0] <= b[2])) {
        out[0] = out[1] = NAN;
        return -INFINITY;
    }
    double w = b[2] - b[0], hgt = b[3] - b[1];
    double size = fmin(w, hgt);
    out[0] = b[0] + w / 2;
    out[1] = b[1] + hgt / 2;
    if (size <= 0) return 0;
    if (!(precision > 0)) precision = size / 1000;
    /* Start from the better of the centroid and the box centre. */
    cell best = make_cell(s, out[0], out[1], 0);
    double cx, cy;
    if (centroid(s, &cx, &cy)) {
        cell c = make_cell(s, cx, cy, 0);
        if (c.d > best.d) best = c;
    }
    heap q = {0};
    double h = size / 2;
    int oom = 0;
    for (double x = b[0]; x < b[2] && !oom; x += size)
        for (double y = b[1]; y < b[3] && !oom; y += size)
            oom = heap_push(&q, make_cell(s, x + h, y + h, h));
    /* A cap on the work: long thin shapes at a fine precision can ask
     * for many cells; the best point found by then is kept. */
    size_t probes = 0;
    while (q.n && !oom && probes < 20000) {
        cell c = heap_pop(&q);
        if (c.d > best.d) best = c;
        if (c.max - best.d <= precision) continue;
        double hh = c.h / 2;
        oom |= heap_push(&q, make_cell(s, c.x - hh, c.y - hh, hh));
        oom |= heap_push(&q, make_cell(s, c.x + hh, c.y - hh, hh));
        oom |= heap_push(&q, make_cell(s, c.x - hh, c.y + hh, hh));
        oom |= heap_push(&q, make_cell(s, c.x + hh, c.y + hh, hh));
        probes += 4;
    }
    free(q.a);
    out[0] = best.x;
    out[1] = best.y;
    return best.d;
}

/* Does segment a-b meet the closed box [x0,x1]×[y0,y1]? Liang–Barsky. */
static int seg_meets_box(double ax, double ay, double bx, double by, double x0, double y0, double x1, double y1) {
    if (fmax(ax, bx) < x0 || fmin(ax, bx) > x1 || fmax(ay, by) < y0 || fmin(ay, by) > y1) return 0;
    double t0 = 0, t1 = 1, dx = bx - ax, dy = by - ay;
    double p[4] = {-dx, dx, -dy, dy}, q[4] = {ax - x0, x1 - ax, ay - y0, y1 - ay};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) return 0;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) { if (t > t1) return 0; if (t > t0) t0 = t; }
        else { if (t < t0) return 0; if (t < t1) t1 = t; }
    }
    return t0 <= t1;
}

int gv__shape_contains_box(const gv_shape *s, const double box[4]) {
    double x0 = box[0], y0 = box[1], x1 = box[0] + box[2], y1 = box[1] + box[3];
    if (gv__shape_signed_distance(s, (x0 + x1) / 2, (y0 + y1) / 2) <= 0) return 0;
    for (size_t r = 0; r < s->nrings; r++) {
        const double *p = s->ring[r];
        size_t n = s->n[r];
        for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++)
            if (seg_meets_box(p[2 * j], p[2 * j + 1], p[2 * i], p[2 * i + 1], x0, y0, x1, y1)) return 0;
    }
    return 1;
}
