/* fuzz_expr.c: value expressions. Parse the input; if it parses, evaluate
 * with variable values taken from a fixed pattern (including NaN and 0).
 * Invariant: a result is finite exactly when the status says "value". */
#include "fuzz.h"

#include "geovoice/expr.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 2048) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    gv_expr *e = NULL;
    gv_error err;
    if (gv_expr_parse(s, &e, &err) == GV_OK) {
        size_t n = gv_expr_nvars(e);
        double *v = malloc((n ? n : 1) * sizeof(double));
        static const double pat[] = {1, 0, -2.5, 1e300, NAN, 7};
        for (int round = 0; round < 3; round++) {
            for (size_t i = 0; i < n; i++) v[i] = pat[(i + (size_t)round) % 6];
            double out;
            gv_expr_status st;
            gv_expr_eval(e, v, &out, &st);
            fuzz_check((st == GV_EXPR_VALUE) == (isfinite(out) != 0));
        }
        for (size_t i = 0; i < n; i++) fuzz_check(gv_expr_var(e, i) != NULL);
        free(v);
        gv_expr_free(e);
    } else {
        fuzz_check(e == NULL && !strchr(err.msg, '\n'));
    }
    free(s);
    return 0;
}
