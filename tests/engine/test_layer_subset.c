/* test_layer_subset.c: gv_layer_subset copies chosen features (attributes,
 * rings, boxes, areas) into an independent layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "geovoice/layer.h"
#include "testutil.h"

#define COMMUNES GV_TEST_SRCDIR "/tests/data/atlas/communes.geojson"

static void same_rings(const gv_layer *a, size_t i, const gv_layer *b, size_t j) {
    const double *xa, *xb;
    const size_t *oa, *ob;
    const int *pa, *pb;
    size_t na, nb;
    gv_layer_rings(a, i, &xa, &oa, &pa, &na);
    gv_layer_rings(b, j, &xb, &ob, &pb, &nb);
    assert_int_equal(na, nb);
    for (size_t r = 0; r < na; r++) {
        assert_int_equal(oa[r + 1] - oa[r], ob[r + 1] - ob[r]);
        assert_int_equal(pa[r], pb[r]);
        assert_memory_equal(xa + 2 * oa[r], xb + 2 * ob[r], (oa[r + 1] - oa[r]) * 2 * sizeof(double));
    }
}

static void test_subset(void **state) {
    (void)state;
    gv_layer *L = NULL;
    gv_error e;
    assert_int_equal(gv_layer_open(COMMUNES, NULL, NULL, &L, &e), GV_OK);
    assert_int_equal(gv_layer_count(L), 8);
    double a4 = gv_layer_area_km2(L, 4);
    size_t idx[3] = {6, 4, 6};
    gv_layer *S = NULL;
    assert_int_equal(gv_layer_subset(L, idx, 3, &S, &e), GV_OK);
    assert_int_equal(gv_layer_count(S), 3);
    int cf = gv_layer_field_index(S, "code");
    assert_true(cf >= 0);
    assert_string_equal(gv_layer_value(S, 0, (size_t)cf), "00007");
    assert_string_equal(gv_layer_value(S, 1, (size_t)cf), "00005");
    assert_string_equal(gv_layer_value(S, 2, (size_t)cf), "00007");
    assert_string_equal(gv_layer_value(S, 1, (size_t)gv_layer_field_index(S, "name")), "Đặc khu Đảo Xa");
    for (size_t k = 0; k < 3; k++) {
        same_rings(L, idx[k], S, k);
        assert_int_equal(gv_layer_fid(S, k), gv_layer_fid(L, idx[k]));
    }
    assert_int_equal(gv_layer_nvertices(S), 15);
    /* Areas computed before the copy are copied. */
    assert_true(gv_layer_area_km2(S, 1) == a4);
    double b[4];
    gv_layer_bbox(S, b);
    assert_true(fabs(b[0] - 105.5) < 1e-9 && fabs(b[1] - 16.4) < 1e-9 && fabs(b[2] - 112.05) < 1e-9 && fabs(b[3] - 20.75) < 1e-9);
    /* Independent of its source. */
    gv_layer_free(L);
    assert_string_equal(gv_layer_value(S, 0, (size_t)cf), "00007");
    gv_layer *E = NULL;
    assert_int_equal(gv_layer_subset(S, NULL, 0, &E, &e), GV_OK);
    assert_int_equal(gv_layer_count(E), 0);
    gv_layer_bbox(E, b);
    assert_true(isnan(b[0]));
    size_t bad = 3;
    gv_layer *X = NULL;
    assert_int_equal(gv_layer_subset(S, &bad, 1, &X, &e), GV_EUSAGE);
    assert_null(X);
    gv_layer_free(E);
    gv_layer_free(S);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_subset)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
