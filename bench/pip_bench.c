/* pip_bench.c: point-in-polygon throughput of gv_pip on a boundary layer:
 * N seeded points placed inside the units (gv_dots_place, proportional to
 * area), then timed: building the index, and locating all points on T
 * threads. Checks every point came back to the unit it was placed in.
 * Writes the first SAMPLE points (id,lon,lat) to a CSV for the SpatiaLite
 * baseline in bench/opinions.sh. Public API only.
 *
 *   pip_bench SRC LAYER N THREADS SAMPLE.csv SAMPLE_N */
#include "geovoice/dots.h"
#include "geovoice/layer.h"
#include "geovoice/pip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: pip_bench SRC LAYER N THREADS SAMPLE.csv SAMPLE_N\n");
        return 1;
    }
    size_t n = strtoull(argv[3], NULL, 10), ns = strtoull(argv[6], NULL, 10);
    int threads = atoi(argv[4]);
    gv_layer *L;
    gv_error err;
    if (gv_layer_open(argv[1], argv[2], NULL, &L, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    size_t nf = gv_layer_count(L);
    int fc = gv_layer_field_index(L, "code");
    double tot = 0, *w = malloc(nf * sizeof *w);
    for (size_t f = 0; f < nf; f++) tot += (w[f] = gv_layer_area_km2(L, f));
    /* persons per unit so that the dots add up to about n */
    for (size_t f = 0; f < nf; f++) w[f] = w[f] / tot * (double)n;
    const char **keys = malloc(nf * sizeof *keys);
    for (size_t f = 0; f < nf; f++) keys[f] = gv_layer_value(L, f, (size_t)(fc >= 0 ? fc : 0));
    const char *gk[1] = {"pip"};
    gv_dot_set ds;
    double t0 = now();
    if (gv_dots_place(L, w, 1, 1, keys, gk, 42, &ds, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double t1 = now();
    n = ds.n;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    unsigned *want = malloc(n * sizeof *want);
    long *got = malloc(n * sizeof *got);
    for (size_t i = 0; i < n; i++) x[i] = ds.dots[i].lon, y[i] = ds.dots[i].lat, want[i] = ds.dots[i].feature;
    gv_dot_set_clear(&ds);
    FILE *f = fopen(argv[5], "w");
    fprintf(f, "id,lon,lat\n");
    for (size_t i = 0; i < ns && i < n; i++) fprintf(f, "%zu,%.9f,%.9f\n", i, x[i], y[i]);
    fclose(f);
    double t2 = now();
    gv_pip *P;
    if (gv_pip_new(L, keys, &P, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double t3 = now();
    if (gv_pip_locate(P, x, y, n, got, threads, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double t4 = now();
    size_t wrong = 0, none = 0, inside_sample = 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] < 0) none++;
        else if ((unsigned)got[i] != want[i]) wrong++;
        if (i < ns && got[i] >= 0) inside_sample++;
    }
    printf("points %zu (placed in %.1f s)\n", n, t1 - t0);
    printf("index_build_s %.3f\n", t3 - t2);
    printf("locate_s %.3f\n", t4 - t3);
    printf("points_per_s %.0f\n", n / (t4 - t3));
    printf("points_per_s_with_build %.0f\n", n / (t4 - t2));
    printf("wrong %zu none %zu sample_inside %zu\n", wrong, none, inside_sample);
    gv_pip_free(P);
    gv_layer_free(L);
    return 0;
}
