/* dots.c: dot-density placement (see include/geovoice/dots.h).
 *
 * Rejection sampling inside each polygon's bounding box with our own
 * even-odd crossing test on the lon/lat rings: the rings are the ones the
 * map draws, the test is exact for them, and no GEOS geometry has to be
 * built. Randomness is a splitmix64 stream per (unit, group) seeded from
 * FNV-1a hashes of their keys, so it depends on nothing else. */
#include "geovoice/dots.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t gv_dots_for(double persons, double per_dot) {
    if (!(per_dot > 0) || !isfinite(per_dot) || !isfinite(persons) || persons <= 0) return 0;
    double d = floor(persons / per_dot + 0.5);
    return d > 0 ? (size_t)d : 0;
}

void gv_dot_set_clear(gv_dot_set *s) {
    if (!s) return;
    free(s->dots);
    free(s->count);
    memset(s, 0, sizeof *s);
}

static uint64_t fnv1a(const char *s, uint64_t h) {
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit_rand(uint64_t *state) { return (double)(splitmix(state) >> 11) * (1.0 / 9007199254740992.0); }

int gv_dots_inside(const gv_layer *L, size_t f, size_t r0, size_t r1, double x, double y) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(L, f, &xy, &off, &part, &nr);
    if (r1 > nr) r1 = nr;
    int in = 0;
    for (size_t r = r0; r < r1; r++) {
        size_t a = off[r], b = off[r + 1];
        if (b - a < 3) continue;
        /* Crossing test over the edges (q-1, q); the ring is closed, and
         * the wrap edge (b-1, a) is included in case a ring is not. */
        double px = xy[2 * (b - 1)], py = xy[2 * (b - 1) + 1];
        for (size_t q = a; q < b; q++) {
            double cx = xy[2 * q], cy = xy[2 * q + 1];
            if ((cy > y) != (py > y) && x < px + (y - py) * (cx - px) / (cy - py)) in = !in;
            px = cx;
            py = cy;
        }
    }
    return in;
}

/* One polygon of a feature: rings [r0, r1), bounding box, area weight. */
typedef struct poly {
    size_t r0, r1;
    double box[4];
    double cmax;   /* cos of the latitude nearest the equator in the box */
    double cum;    /* cumulative area weight up to and including this one */
} poly;

static double ring_area_deg2(const double *xy, size_t a, size_t b) {
    double s = 0;
    for (size_t q = a; q + 1 < b; q++) s += xy[2 * q] * xy[2 * q + 3] - xy[2 * q + 2] * xy[2 * q + 1];
    return fabs(s) / 2;
}

/* Splits feature f into polygons; returns their count (0 = no area). */
static size_t feature_polys(const gv_layer *L, size_t f, poly **buf, size_t *cap) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(L, f, &xy, &off, &part, &nr);
    size_t np = 0;
    double total = 0;
    for (size_t r = 0; r < nr;) {
        size_t r1 = r + 1;
        while (r1 < nr && part[r1] == part[r]) r1++;
        if (np == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            poly *p = realloc(*buf, nc * sizeof *p);
            if (!p) return (size_t)-1;
            *buf = p;
            *cap = nc;
        }
        poly *p = &(*buf)[np];
        p->r0 = r;
        p->r1 = r1;
        p->box[0] = p->box[1] = INFINITY;
        p->box[2] = p->box[3] = -INFINITY;
        for (size_t q = off[r]; q < off[r + 1]; q++) {
            double x = xy[2 * q], y = xy[2 * q + 1];
            if (x < p->box[0]) p->box[0] = x;
            if (y < p->box[1]) p->box[1] = y;
            if (x > p->box[2]) p->box[2] = x;
            if (y > p->box[3]) p->box[3] = y;
        }
        /* Area on the ground, up to a constant: outer ring minus holes,
         * in square degrees scaled by cos(latitude) at the box centre. */
        double a = ring_area_deg2(xy, off[r], off[r + 1]);
        for (size_t h = r + 1; h < r1; h++) a -= ring_area_deg2(xy, off[h], off[h + 1]);
        double lat_mid = 0.5 * (p->box[1] + p->box[3]);
        a *= cos(lat_mid * M_PI / 180.0);
        if (!(a > 0) || !(p->box[0] < p->box[2]) || !(p->box[1] < p->box[3])) a = 0;
        double near_eq = p->box[1] <= 0 && p->box[3] >= 0 ? 0 : fmin(fabs(p->box[1]), fabs(p->box[3]));
        p->cmax = cos(near_eq * M_PI / 180.0);
        total += a;
        p->cum = total;
        np++;
        r = r1;
    }
    return total > 0 ? np : 0;
}

typedef struct keyed {
    uint64_t key;
    size_t idx;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int gv_dots_place(const gv_layer *L, const double *pop, size_t ngroups, double per_dot,
                  const char *const *unit_keys, const char *const *group_keys, unsigned long long seed,
                  gv_dot_set *out, gv_error *err) {
    if (!out) return gv_error_set(err, GV_EUSAGE, "gv_dots_place: NULL result");
    memset(out, 0, sizeof *out);
    if (!L || !pop || !group_keys || ngroups == 0)
        return gv_error_set(err, GV_EUSAGE, "gv_dots_place: no layer, no counts or no groups");
    if (!(per_dot > 0) || !isfinite(per_dot))
        return gv_error_set(err, GV_EUSAGE, "persons per dot must be a positive number (got %g)", per_dot);
    size_t nf = gv_layer_count(L);
    out->nfeatures = nf;
    out->ngroups = ngroups;
    out->per_dot = per_dot;
    out->count = calloc(nf * ngroups > 0 ? nf * ngroups : 1, sizeof(size_t));
    if (!out->count) return gv_error_set(err, GV_ENOMEM, "out of memory (dots)");
    size_t total = 0;
    for (size_t i = 0; i < nf * ngroups; i++) total += gv_dots_for(pop[i], per_dot);
    out->dots = malloc((total ? total : 1) * sizeof(gv_dot));
    keyed *order = malloc((total ? total : 1) * sizeof(keyed));
    poly *polys = NULL;
    size_t pcap = 0;
    int rc = GV_OK;
    if (!out->dots || !order) { rc = gv_error_set(err, GV_ENOMEM, "out of memory (%zu dots)", total); goto fail; }

    for (size_t f = 0; f < nf; f++) {
        size_t want = 0;
        double persons = 0;
        for (size_t g = 0; g < ngroups; g++) {
            want += gv_dots_for(pop[f * ngroups + g], per_dot);
            if (isfinite(pop[f * ngroups + g]) && pop[f * ngroups + g] > 0) persons += pop[f * ngroups + g];
        }
        if (!want) continue;
        size_t np = feature_polys(L, f, &polys, &pcap);
        if (np == (size_t)-1) { rc = gv_error_set(err, GV_ENOMEM, "out of memory (dots)"); goto fail; }
        if (np == 0) {
            out->n_units_unplaced++;
            out->persons_unplaced += persons;
            continue;
        }
        double wsum = polys[np - 1].cum;
        char fkey[32];
        const char *ukey = unit_keys && unit_keys[f] ? unit_keys[f] : fkey;
        if (!unit_keys || !unit_keys[f]) snprintf(fkey, sizeof fkey, "#%zu", f);
        uint64_t hu = fnv1a(ukey, 0xcbf29ce484222325ULL);
        for (size_t g = 0; g < ngroups; g++) {
            size_t n = gv_dots_for(pop[f * ngroups + g], per_dot);
            if (!n) continue;
            /* Stream of this (unit, group): the key strings are separated
             * by a byte no UTF-8 text contains. */
            uint64_t h = fnv1a("\xff", hu);
            h = fnv1a(group_keys[g] ? group_keys[g] : "", h);
            uint64_t st = h ^ (seed * 0x9e3779b97f4a7c15ULL);
            for (size_t i = 0; i < n; i++) {
                double u = unit_rand(&st) * wsum;
                size_t lo = 0, hi = np - 1;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (polys[mid].cum > u) hi = mid;
                    else lo = mid + 1;
                }
                const poly *p = &polys[lo];
                double x = 0, y = 0;
                long tries = 0;
                for (;;) {
                    x = p->box[0] + unit_rand(&st) * (p->box[2] - p->box[0]);
                    y = p->box[1] + unit_rand(&st) * (p->box[3] - p->box[1]);
                    double c = unit_rand(&st) * p->cmax;
                    if (c <= cos(y * M_PI / 180.0) && gv_dots_inside(L, f, p->r0, p->r1, x, y)) break;
                    if (++tries >= 1000000) {
                        rc = gv_error_set(err, GV_EDATA,
                                          "%s: feature %lld: polygon %zu rejects every random point (degenerate geometry?)",
                                          gv_layer_source(L), gv_layer_fid(L, f), (size_t)(p - polys) + 1);
                        goto fail;
                    }
                }
                gv_dot *d = &out->dots[out->n];
                d->lon = x;
                d->lat = y;
                d->feature = (unsigned)f;
                d->group = (unsigned)g;
                d->ring = (unsigned)p->r0;
                uint64_t ks = h ^ ((uint64_t)i * 0xd1b54a32d192ed03ULL) ^ 0x5bd1e995ULL;
                order[out->n].key = splitmix(&ks);
                order[out->n].idx = out->n;
                out->n++;
            }
            out->count[f * ngroups + g] = n;
        }
    }
    /* Deterministic shuffle: sort by the per-dot hash (ties by position
     * in the placement order, itself deterministic). */
    qsort(order, out->n, sizeof *order, cmp_keyed);
    {
        gv_dot *sorted = malloc((out->n ? out->n : 1) * sizeof(gv_dot));
        if (!sorted) { rc = gv_error_set(err, GV_ENOMEM, "out of memory (dots)"); goto fail; }
        for (size_t i = 0; i < out->n; i++) sorted[i] = out->dots[order[i].idx];
        free(out->dots);
        out->dots = sorted;
    }
    free(order);
    free(polys);
    return GV_OK;
fail:
    free(order);
    free(polys);
    gv_dot_set_clear(out);
    return rc;
}
