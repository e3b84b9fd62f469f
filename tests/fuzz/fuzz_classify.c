/* fuzz_classify.c: classification specs and values. The first line is
 * the spec text ("jenks:4", "manual:0,10"); the rest is read as doubles,
 * 8 bytes each. Invariants after every call: edges non-decreasing with
 * edges[1..k] strictly increasing; the counts plus missing plus outside
 * equal n; every value's class agrees with the counts. */
#include "fuzz.h"

#include "geovoice/classify.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
    if (!nl) return 0;
    char spec[80];
    size_t sl = (size_t)(nl - data);
    memcpy(spec, data, sl);
    spec[sl] = 0;
    gv_classify_spec cs;
    if (gv_classify_parse(spec, &cs, NULL) != GV_OK) return 0;
    size_t n = (size - sl - 1) / 8;
    if (n > 4096) n = 4096;
    double *v = malloc((n ? n : 1) * sizeof(double));
    memcpy(v, nl + 1, n * 8);
    gv_breaks b;
    if (gv_classify(v, n, &cs, &b, NULL) == GV_OK) {
        fuzz_check(b.k >= 1 && b.k <= GV_CLASSES_MAX);
        for (size_t i = 0; i < b.k; i++) fuzz_check(b.edges[i] <= b.edges[i + 1]);
        for (size_t i = 1; i < b.k; i++) fuzz_check(b.edges[i] < b.edges[i + 1]);
        size_t sum = b.n_missing + b.n_outside, cnt[GV_CLASSES_MAX] = {0};
        for (size_t i = 0; i < b.k; i++) sum += b.counts[i];
        fuzz_check(sum == n);
        for (size_t i = 0; i < n; i++) {
            int c = gv_breaks_class(&b, v[i]);
            fuzz_check(c >= -1 && c < (int)b.k);
            if (c >= 0) cnt[c]++;
        }
        for (size_t i = 0; i < b.k; i++) fuzz_check(cnt[i] == b.counts[i]);
    }
    free(v);
    return 0;
}
