/* classify.h: turning a column of numbers into map classes (quantile, equal
 * interval, Fisher-Jenks natural breaks or user-given edges). Pure numeric
 * code: no I/O, no globals, results go into caller-owned structs. */
#ifndef GEOVOICE_CLASSIFY_H
#define GEOVOICE_CLASSIFY_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GV_CLASSIFY_QUANTILE,
    GV_CLASSIFY_EQUAL,
    GV_CLASSIFY_JENKS,
    GV_CLASSIFY_MANUAL
} gv_classify_method;

#define GV_CLASSES_MAX 16

/* What to compute. For QUANTILE, EQUAL and JENKS `k` is the requested number
 * of classes (1..GV_CLASSES_MAX). For MANUAL, manual[0..nmanual-1] are the
 * class edges (2..GV_CLASSES_MAX+1 finite, strictly increasing values) and
 * k is nmanual - 1 (gv_classify_parse fills it; gv_classify ignores it). */
typedef struct gv_classify_spec {
    gv_classify_method method;
    size_t k;
    double manual[GV_CLASSES_MAX + 1];
    size_t nmanual;
} gv_classify_spec;

/* Parses a classification as written on the command line:
 *   "quantile", "quantile:5", "equal:4", "jenks:6", "manual:0,50,100,500".
 * Method names are case-insensitive; k defaults to 5 and must be 1..16.
 * Manual edges are decimal numbers (parsed with strtod, so the C numeric
 * locale is assumed), finite, strictly increasing, 2 to 17 of them.
 * Fills *out (OUT) on success. Returns GV_OK, or GV_EUSAGE with a message
 * naming the bad text (out is then unspecified). */
GV_API int gv_classify_parse(const char *text, gv_classify_spec *out,
                             gv_error *err);

/* "quantile", "equal", "jenks", "manual"; "unknown" for other values.
 * Static string. */
GV_API const char *gv_classify_method_str(gv_classify_method m);

/* Result of a classification, written into a caller struct.
 *
 * Class i (0 <= i < k) holds the values x with edges[i] < x <= edges[i+1];
 * class 0 also holds x == edges[0]. So edges[1..k] are the class upper
 * bounds and edges[0] is the lower bound of the whole range.
 *
 * Edge order: edges[1..k] are strictly increasing, and edges[0] <= edges[1].
 * edges[0] == edges[1] is allowed in exactly one situation: class 0 holds
 * only the minimum value (the class is the single value edges[0]). That is
 * how a class made of the smallest value alone is written when upper bounds
 * are data values, e.g. jenks on {0,100,101,102} with k=2 gives
 * edges {0, 0, 102}: class 0 = {0}, class 1 = (0, 102]. It also covers the
 * all-values-equal case: k = 1, edges = {v, v}. Manual edges are always
 * strictly increasing. Renderers drawing a legend should print class 0 as
 * the single value edges[0] when edges[0] == edges[1]. */
typedef struct gv_breaks {
    size_t k;                         /* number of classes produced (may be < requested) */
    double edges[GV_CLASSES_MAX + 1]; /* k+1 edges, see above; edges[0]=min, edges[k]=max of the data (manual: the user's edges) */
    size_t counts[GV_CLASSES_MAX];    /* finite values per class */
    size_t n_missing;                 /* NaN and +-inf values (no data) */
    size_t n_outside;                 /* manual only: finite values below edges[0] or above edges[k] */
    int reduced;                      /* 1 when k < requested (ties / too few distinct values) */
    char note[256];                   /* why k was reduced ("" otherwise), e.g. "4 distinct values: 4 classes instead of 5" */
    int single;                       /* 1 when each class is one value, edges[c+1] (too few distinct values):
                                         legends say "2", not "1 – 2" */
} gv_breaks;

/* Classifies v[0..n-1]. NaN and +-inf are "no data": counted in n_missing
 * and otherwise ignored. -0.0 is treated as 0.0. v is not modified; the
 * function allocates temporary memory and frees it before returning.
 * Deterministic: the same input gives the same output.
 *
 * Methods (s = the finite values sorted ascending, m = how many):
 *  - EQUAL: k intervals of equal width (max-min)/k over [min, max];
 *    edges[i] = min + i*(max-min)/k, edges[k] = max exactly. Classes may be
 *    empty. (If the range is so narrow that rounding makes two edges equal,
 *    they are merged and reduced is set.)
 *  - QUANTILE: edges[0] = s[0] and, for i = 1..k,
 *    edges[i] = s[ceil(i*m/k) - 1], i.e. class upper bounds are data values
 *    and, without ties, class sizes differ by at most one. Tied values make
 *    some of those edges coincide; duplicates are dropped, giving fewer
 *    classes (reduced = 1, note says why). A tie at the minimum keeps the
 *    minimum as its own class (edges[0] == edges[1]).
 *  - JENKS: Fisher's exact optimal partition of the sorted values into k
 *    contiguous classes minimising the total within-class sum of squared
 *    deviations from the class means. Computed by dynamic programming over
 *    the distinct values weighted by their multiplicity (equal values always
 *    share a class, which loses nothing: some optimal partition never splits
 *    ties), using the divide-and-conquer optimisation that the monotone
 *    split points of 1-D k-means allow: O(k * d * log d) time and O(k * d)
 *    memory for d distinct values. Exact up to floating-point rounding.
 *    Class upper bounds are data values.
 *  - MANUAL: edges are spec->manual; values outside [edges[0], edges[k]]
 *    are counted in n_outside and in no class.
 * For QUANTILE, EQUAL and JENKS: when the data has fewer distinct values d
 * than the requested k, the result has k = d classes, one per distinct
 * value (edges = {s0, s0, d1, ..., d_last}), reduced = 1 and a note.
 * All values equal: k = 1, edges = {v, v}, reduced = 1 if k > 1 was asked.
 *
 * Returns GV_OK; GV_EUSAGE for NULL arguments or a bad spec; GV_EDATA
 * "no values to classify" when there is no finite value (n == 0 included);
 * GV_ENOMEM. On error *out is zeroed (k = 0). */
GV_API int gv_classify(const double *v, size_t n, const gv_classify_spec *spec,
                       gv_breaks *out, gv_error *err);

/* Class index of x in b (see gv_breaks for the interval rule), found by
 * binary search. Returns -1 for NaN, for x outside [edges[0], edges[k]]
 * (so also +-inf) and when b is NULL or empty. */
GV_API int gv_breaks_class(const gv_breaks *b, double x);

/* Classes for a diverging map, split at `center` so that the centre is a
 * class edge: the finite values <= center are classified with spec's
 * method into k/2 classes and the values > center into k - k/2 (k =
 * spec->k, at least 2); the centre replaces the upper edge of the last
 * class below it and the lower edge of the first class above it. So a
 * value equal to the centre is in the class just below it (the interval
 * rule of gv_breaks). Per method:
 *  - QUANTILE, JENKS: each side classified on its own values (a side
 *    without values gets no class);
 *  - EQUAL: symmetric, one class width w = max((center-min)/(k/2),
 *    (max-center)/(k-k/2)) on both sides, so a colour step means the same
 *    distance from the centre on either side; the outer edges may lie
 *    beyond the data, and a side may have empty classes;
 *  - MANUAL: the user's edges, which must include the centre exactly.
 * *k_below (OUT, may be NULL) = number of classes below the centre.
 * Counts, n_missing and n_outside are filled as by gv_classify.
 * Returns GV_OK, GV_EUSAGE (k < 2, non-finite centre, manual edges
 * without the centre), GV_EDATA (no finite value), GV_ENOMEM. */
GV_API int gv_classify_centered(const double *v, size_t n, const gv_classify_spec *spec, double center,
                                gv_breaks *out, size_t *k_below, gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
