/* overlap.c: areas of overlap between the polygons of two layers (the
 * weights of areal interpolation, crosswalk.h).
 *
 * Both layers are projected to GV_XW_CRS (equal-area) and turned into GEOS
 * geometries once, on the calling thread. The candidates come from a GEOS
 * STRtree over the target polygons, queried with each source polygon's
 * envelope, also on the calling thread, so that the worker threads only
 * read shared geometries (nothing lazily built in them is shared: each
 * worker prepares its own source geometry and owns its GEOS context).
 * Each candidate pair is decided in the cheapest way that is exact:
 *   - the prepared source contains the target properly: the target's area;
 *   - the prepared source does not intersect the target: nothing;
 *   - otherwise the area of the GEOS intersection (OverlayNG), computed on
 *     the source clipped to the target's envelope first: a district of
 *     2,000 vertices meets a small commune on a few hundred of them, and the
 *     overlay cost grows with both vertex counts.
 * Every pair's area is computed independently of the others and stored in
 * a slot fixed before the threads start, so the result does not depend on
 * the number of threads or their timing. */
#include "geovoice/crosswalk.h"

#include <geos_c.h>
#include <proj.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gv_overlaps {
    size_t nfrom, ncand;
    size_t *off;       /* nfrom + 1: pairs of from i are [off[i], off[i+1]) */
    size_t *to_idx;    /* ascending within each from */
    double *area;      /* m² */
    double *from_area; /* m² */
    double *covered;   /* m² */
};

void gv_overlaps_free(gv_overlaps *o) {
    if (!o) return;
    free(o->off);
    free(o->to_idx);
    free(o->area);
    free(o->from_area);
    free(o->covered);
    free(o);
}

size_t gv_overlaps_nfrom(const gv_overlaps *o) { return o ? o->nfrom : 0; }
size_t gv_overlaps_npairs(const gv_overlaps *o) { return o ? o->off[o->nfrom] : 0; }
size_t gv_overlaps_ncandidates(const gv_overlaps *o) { return o ? o->ncand : 0; }
size_t gv_overlaps_of(const gv_overlaps *o, size_t i, const size_t **to_idx, const double **area) {
    if (!o || i >= o->nfrom) {
        if (to_idx) *to_idx = NULL;
        if (area) *area = NULL;
        return 0;
    }
    if (to_idx) *to_idx = o->to_idx + o->off[i];
    if (area) *area = o->area + o->off[i];
    return o->off[i + 1] - o->off[i];
}
double gv_overlaps_from_area(const gv_overlaps *o, size_t i) { return o && i < o->nfrom ? o->from_area[i] : NAN; }
double gv_overlaps_covered(const gv_overlaps *o, size_t i) { return o && i < o->nfrom ? o->covered[i] : NAN; }

/* GEOS messages land here (one buffer per context). */
static void geos_msg_r(const char *msg, void *buf) {
    snprintf((char *)buf, 256, "%s", msg ? msg : "");
}

/* One feature's polygons as a GEOS MultiPolygon in GV_XW_CRS; NULL when
 * the feature has no polygon (and *fail = 0) or on failure (*fail = 1). */
static GEOSGeometry *feature_geom(GEOSContextHandle_t h, PJ *P, const gv_layer *l, size_t i, double **buf,
                                  size_t *cap, int *fail) {
    const double *xy;
    const size_t *roff;
    const int *part;
    size_t nr;
    *fail = 0;
    gv_layer_rings(l, i, &xy, &roff, &part, &nr);
    if (!nr) return NULL;
    size_t npt = roff[nr] - roff[0];
    if (*cap < 2 * npt) {
        double *nb = realloc(*buf, 2 * npt * sizeof(double));
        if (!nb) { *fail = 1; return NULL; }
        *buf = nb;
        *cap = 2 * npt;
    }
    /* GV_XW_CRS is a bare +proj operation: PROJ wants radians in. */
    const double *src = xy + 2 * roff[0];
    for (size_t k = 0; k < 2 * npt; k++) (*buf)[k] = proj_torad(src[k]);
    proj_trans_generic(P, PJ_FWD, *buf, 2 * sizeof(double), npt, *buf + 1, 2 * sizeof(double), npt, NULL, 0, 0,
                       NULL, 0, 0);
    int nparts = part[nr - 1] + 1;
    GEOSGeometry **polys = calloc((size_t)nparts, sizeof *polys);
    GEOSGeometry **holes = calloc(nr, sizeof *holes);
    size_t npoly = 0;
    if (!polys || !holes) goto fail;
    for (size_t r = 0; r < nr;) {
        /* The first ring of a part is its shell, the others its holes
         * (layer.h). */
        size_t r1 = r + 1;
        while (r1 < nr && part[r1] == part[r]) r1++;
        GEOSGeometry *shell = NULL;
        size_t nh = 0;
        for (size_t k = r; k < r1; k++) {
            size_t a = roff[k] - roff[0], n = roff[k + 1] - roff[k];
            for (size_t q = a; q < a + n; q++)
                if (!isfinite((*buf)[2 * q]) || !isfinite((*buf)[2 * q + 1])) goto fail_part;
            GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, *buf + 2 * a, (unsigned)n, 0, 0);
            GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
            if (!ring) goto fail_part;
            if (k == r) shell = ring;
            else holes[nh++] = ring;
        }
        polys[npoly] = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh);
        if (!polys[npoly]) goto fail_part;
        npoly++;
        r = r1;
        continue;
    fail_part:
        if (shell) GEOSGeom_destroy_r(h, shell);
        for (size_t k = 0; k < nh; k++) GEOSGeom_destroy_r(h, holes[k]);
        goto fail;
    }
    GEOSGeometry *g = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)npoly);
    if (!g) goto fail;
    free(polys);
    free(holes);
    return g;
fail:
    for (size_t k = 0; polys && k < npoly; k++) GEOSGeom_destroy_r(h, polys[k]);
    free(polys);
    free(holes);
    *fail = 1;
    return NULL;
}

typedef struct layer_geoms {
    size_t n;
    GEOSGeometry **g; /* NULL for a feature without polygon */
    double *area;     /* m² */
    double (*env)[4]; /* xmin, ymin, xmax, ymax */
} layer_geoms;

static void geoms_free(GEOSContextHandle_t h, layer_geoms *lg) {
    for (size_t i = 0; lg->g && i < lg->n; i++)
        if (lg->g[i]) GEOSGeom_destroy_r(h, lg->g[i]);
    free(lg->g);
    free(lg->area);
    free(lg->env);
}

static int geoms_build(GEOSContextHandle_t h, PJ *P, const gv_layer *l, layer_geoms *lg, gv_error *err) {
    lg->n = gv_layer_count(l);
    lg->g = calloc(lg->n ? lg->n : 1, sizeof *lg->g);
    lg->area = calloc(lg->n ? lg->n : 1, sizeof *lg->area);
    lg->env = calloc(lg->n ? lg->n : 1, sizeof *lg->env);
    if (!lg->g || !lg->area || !lg->env) return gv_error_set(err, GV_ENOMEM, "overlaps: out of memory");
    double *buf = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < lg->n; i++) {
        int fail;
        lg->g[i] = feature_geom(h, P, l, i, &buf, &cap, &fail);
        if (fail) {
            free(buf);
            return gv_error_set(err, GV_EINTERNAL, "%s: feature %zu (fid %lld): cannot build its polygon in %s",
                                gv_layer_source(l), i, gv_layer_fid(l, i), GV_XW_CRS);
        }
        if (!lg->g[i]) continue;
        /* Area and envelope now, on this thread: nothing lazily computed
         * inside a shared geometry is left for the workers. */
        if (!GEOSArea_r(h, lg->g[i], &lg->area[i])) lg->area[i] = 0;
        GEOSGeom_getXMin_r(h, lg->g[i], &lg->env[i][0]);
        GEOSGeom_getYMin_r(h, lg->g[i], &lg->env[i][1]);
        GEOSGeom_getXMax_r(h, lg->g[i], &lg->env[i][2]);
        GEOSGeom_getYMax_r(h, lg->g[i], &lg->env[i][3]);
    }
    free(buf);
    return GV_OK;
}

typedef struct cand_list {
    size_t n, cap;
    size_t *v;
    int oom;
} cand_list;

static void cand_cb(void *item, void *ud) {
    cand_list *c = ud;
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 64;
        size_t *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv) { c->oom = 1; return; }
        c->v = nv;
        c->cap = nc;
    }
    c->v[c->n++] = (size_t)(uintptr_t)item - 1;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct work {
    const layer_geoms *from, *to;
    const size_t *coff, *cand; /* candidates per from (CSR) */
    double *area;              /* one slot per candidate */
    atomic_size_t next;
    atomic_int failed;
    pthread_mutex_t mu;
    char errmsg[GV_ERR_LEN];
    const gv_layer *lfrom, *lto;
} work;

/* Intersection area of a and b, or NAN when GEOS fails even after making
 * both valid and snapping to a 1 mm grid (msg then holds GEOS's reason). */
static double inter_area(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b, const double env[4]) {
    double ar = NAN;
    /* Clip the source to the target's envelope (slightly grown so that
     * no boundary of b coincides with the clip rectangle). */
    double pad = 1.0;
    GEOSGeometry *ca = GEOSClipByRect_r(h, a, env[0] - pad, env[1] - pad, env[2] + pad, env[3] + pad);
    GEOSGeometry *in = ca ? GEOSIntersection_r(h, ca, b) : NULL;
    if (!in) in = GEOSIntersection_r(h, a, b);
    if (!in) {
        GEOSGeometry *va = GEOSMakeValid_r(h, a), *vb = GEOSMakeValid_r(h, b);
        if (va && vb) in = GEOSIntersectionPrec_r(h, va, vb, 1e-3);
        if (va) GEOSGeom_destroy_r(h, va);
        if (vb) GEOSGeom_destroy_r(h, vb);
    }
    if (in && !GEOSArea_r(h, in, &ar)) ar = NAN;
    if (in) GEOSGeom_destroy_r(h, in);
    if (ca) GEOSGeom_destroy_r(h, ca);
    return ar;
}

static void *worker(void *arg) {
    work *w = arg;
    char msg[256] = "";
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(h, geos_msg_r, msg);
    GEOSContext_setNoticeMessageHandler_r(h, geos_msg_r, msg);
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->from->n || atomic_load(&w->failed)) break;
        size_t c0 = w->coff[i], c1 = w->coff[i + 1];
        if (c0 == c1) continue;
        const GEOSGeometry *gi = w->from->g[i];
        const GEOSPreparedGeometry *prep = GEOSPrepare_r(h, gi);
        for (size_t c = c0; c < c1; c++) {
            size_t j = w->cand[c];
            const GEOSGeometry *gj = w->to->g[j];
            double ar;
            char r = prep ? GEOSPreparedContainsProperly_r(h, prep, gj) : 0;
            if (r == 1) ar = w->to->area[j];
            else if (prep && GEOSPreparedIntersects_r(h, prep, gj) == 0) ar = 0;
            else ar = inter_area(h, gi, gj, w->to->env[j]);
            if (!isfinite(ar)) {
                if (!atomic_exchange(&w->failed, 1)) {
                    pthread_mutex_lock(&w->mu);
                    snprintf(w->errmsg, sizeof w->errmsg,
                             "overlaps: %s feature fid %lld with %s feature fid %lld: GEOS cannot intersect them: %s",
                             gv_layer_source(w->lfrom), gv_layer_fid(w->lfrom, i), gv_layer_source(w->lto),
                             gv_layer_fid(w->lto, j), msg[0] ? msg : "no reason given");
                    pthread_mutex_unlock(&w->mu);
                }
                break;
            }
            w->area[c] = ar;
        }
        if (prep) GEOSPreparedGeom_destroy_r(h, prep);
    }
    GEOS_finish_r(h);
    return NULL;
}

int gv_overlaps_compute(const gv_layer *from, const gv_layer *to, int nthreads, gv_overlaps **out, gv_error *err) {
    if (!out) return gv_error_set(err, GV_EUSAGE, "gv_overlaps_compute: NULL out");
    *out = NULL;
    if (!from || !to) return gv_error_set(err, GV_EUSAGE, "gv_overlaps_compute: NULL layer");
    if (nthreads <= 0) nthreads = 2;
    if (nthreads > 16) nthreads = 16;

    int rc = GV_OK;
    char msg[256] = "";
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(h, geos_msg_r, msg);
    GEOSContext_setNoticeMessageHandler_r(h, geos_msg_r, msg);
    PJ_CONTEXT *pctx = proj_context_create();
    PJ *P = proj_create(pctx, GV_XW_CRS);
    layer_geoms A = {0}, B = {0};
    GEOSSTRtree *tree = NULL;
    size_t *coff = NULL, *cand = NULL;
    double *area = NULL;
    cand_list cl = {0};
    gv_overlaps *o = NULL;
    work w;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);

    if (!P) {
        rc = gv_error_set(err, GV_EINTERNAL, "overlaps: PROJ cannot create %s: %s", GV_XW_CRS,
                          proj_context_errno_string(pctx, proj_context_errno(pctx)));
        goto done;
    }
    if ((rc = geoms_build(h, P, from, &A, err)) != GV_OK) goto done;
    if ((rc = geoms_build(h, P, to, &B, err)) != GV_OK) goto done;

    /* STRtree over the targets; items are index + 1 (never NULL). */
    tree = GEOSSTRtree_create_r(h, 10);
    if (!tree) { rc = gv_error_set(err, GV_EINTERNAL, "overlaps: GEOS STRtree: %s", msg); goto done; }
    for (size_t j = 0; j < B.n; j++)
        if (B.g[j]) GEOSSTRtree_insert_r(h, tree, B.g[j], (void *)(uintptr_t)(j + 1));
    coff = calloc(A.n + 1, sizeof *coff);
    if (!coff) { rc = gv_error_set(err, GV_ENOMEM, "overlaps: out of memory"); goto done; }
    for (size_t i = 0; i < A.n; i++) {
        coff[i] = cl.n;
        if (!A.g[i]) continue;
        size_t before = cl.n;
        GEOSSTRtree_query_r(h, tree, A.g[i], cand_cb, &cl);
        if (cl.oom) { rc = gv_error_set(err, GV_ENOMEM, "overlaps: out of memory"); goto done; }
        /* Ascending target order within each source: the output order
         * must not depend on the tree's internal layout. */
        qsort(cl.v + before, cl.n - before, sizeof *cl.v, cmp_size);
    }
    coff[A.n] = cl.n;
    cand = cl.v;
    area = calloc(cl.n ? cl.n : 1, sizeof *area);
    if (!area) { rc = gv_error_set(err, GV_ENOMEM, "overlaps: out of memory"); goto done; }

    w.from = &A;
    w.to = &B;
    w.coff = coff;
    w.cand = cand;
    w.area = area;
    w.lfrom = from;
    w.lto = to;
    atomic_init(&w.next, 0);
    atomic_init(&w.failed, 0);
    pthread_t th[16];
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&th[started], NULL, worker, &w) != 0) break;
        started++;
    }
    worker(&w);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    if (atomic_load(&w.failed)) { rc = gv_error_set(err, GV_EINTERNAL, "%s", w.errmsg); goto done; }

    /* Keep the positive overlaps. */
    o = calloc(1, sizeof *o);
    if (!o) { rc = gv_error_set(err, GV_ENOMEM, "overlaps: out of memory"); goto done; }
    o->nfrom = A.n;
    o->ncand = cl.n;
    o->off = calloc(A.n + 1, sizeof *o->off);
    o->to_idx = malloc((cl.n ? cl.n : 1) * sizeof *o->to_idx);
    o->area = malloc((cl.n ? cl.n : 1) * sizeof *o->area);
    o->from_area = calloc(A.n ? A.n : 1, sizeof *o->from_area);
    o->covered = calloc(A.n ? A.n : 1, sizeof *o->covered);
    if (!o->off || !o->to_idx || !o->area || !o->from_area || !o->covered) {
        rc = gv_error_set(err, GV_ENOMEM, "overlaps: out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < A.n; i++) {
        o->off[i] = k;
        o->from_area[i] = A.area[i];
        double cov = 0;
        for (size_t c = coff[i]; c < coff[i + 1]; c++) {
            if (!(area[c] > 0)) continue;
            o->to_idx[k] = cand[c];
            o->area[k] = area[c];
            cov += area[c];
            k++;
        }
        o->covered[i] = cov;
    }
    o->off[A.n] = k;
    *out = o;
    o = NULL;

done:
    gv_overlaps_free(o);
    if (tree) GEOSSTRtree_destroy_r(h, tree);
    geoms_free(h, &A);
    geoms_free(h, &B);
    free(coff);
    free(cl.v);
    free(area);
    pthread_mutex_destroy(&w.mu);
    if (P) proj_destroy(P);
    proj_context_destroy(pctx);
    GEOS_finish_r(h);
    return rc;
}
