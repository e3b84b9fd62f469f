/* test_cairo_file.c: Cairo vector surfaces through the checked stream
 * (render/cairo_file.c). /dev/full fails every write with ENOSPC, as a
 * full disk does: the error must say so (exit 3 upstream), where Cairo's
 * own file surfaces report success on a cut file. A normal file gets a
 * complete PDF (ends with %%EOF) and SVG (ends with </svg>). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../render/cairo_file.h"
#include "testutil.h"

static void draw_something(cairo_surface_t *s) {
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < 200; i++) {
        cairo_rectangle(cr, i % 50, i / 4, 3, 3);
        cairo_set_source_rgb(cr, i / 200.0, 0.5, 1 - i / 200.0);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
}

static void test_disk_full(void **state) {
    (void)state;
    FILE *probe = fopen("/dev/full", "wb");
    if (!probe) skip();
    fclose(probe);
    for (int svg = 0; svg < 2; svg++) {
        gv_cairo_file cf;
        gv_error e;
        gv_error_clear(&e);
        cairo_surface_t *s = gv_cairo_file_surface(&cf, "/dev/full", svg, 100, 100, &e);
        assert_non_null(s);
        draw_something(s);
        int rc = gv_cairo_file_close(&cf, s, "/dev/full", svg ? NULL : "the contents page", &e);
        assert_int_equal(rc, GV_EOUTPUT);
        assert_string_equal(e.msg, svg ? "/dev/full: cannot write (No space left on device)"
                                       : "/dev/full: cannot write the contents page (No space left on device)");
    }
}

static void test_complete_files(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("cairo-file");
    for (int svg = 0; svg < 2; svg++) {
        const char *p = tu_path("%s/f.%s", dir, svg ? "svg" : "pdf");
        gv_cairo_file cf;
        gv_error e;
        cairo_surface_t *s = gv_cairo_file_surface(&cf, p, svg, 100, 100, &e);
        assert_non_null(s);
        draw_something(s);
        assert_int_equal(gv_cairo_file_close(&cf, s, p, NULL, &e), GV_OK);
        size_t n = 0;
        char *t = tu_slurp(p, &n);
        assert_non_null(t);
        const char *end = svg ? "</svg>\n" : "%%EOF\n";
        assert_true(n > strlen(end));
        assert_memory_equal(t + n - strlen(end), end, strlen(end));
        free(t);
    }
    /* A folder that does not exist: the open fails, named. */
    gv_cairo_file cf;
    gv_error e;
    assert_null(gv_cairo_file_surface(&cf, tu_path("%s/no/such/f.pdf", dir), 0, 10, 10, &e));
    assert_non_null(strstr(e.msg, "/no/such/f.pdf: cannot create (No such file or directory)"));
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_complete_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
