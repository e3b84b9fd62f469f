/* test_png_bands.c: the banded PNG writer (render/png_bands.c). A page cut
 * into bands, each deflated on its own, must decode (with libpng, an
 * independent decoder) to exactly the pixels given, whatever the band
 * heights, and the same pixels must give the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_bands.h"
#include "testutil.h"

static uint32_t *make_image(int w, int h, unsigned seed) {
    uint32_t *px = malloc((size_t)w * h * 4);
    /* flat areas (like a map) with some noise rows */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t flat = ((x / 7) * 0x10203u + (y / 5) * 0x30102u) & 0xffffff;
            px[(size_t)y * w + x] = (y % 11 == 3) ? (seed >> 8) & 0xffffff : flat;
        }
    return px;
}

static int write_banded(const char *path, const uint32_t *px, int w, int h, int band, double dpi) {
    gv_png_writer pw;
    gv_error err;
    if (gv_png_writer_open(&pw, path, w, h, dpi, &err)) return -1;
    gv_png_band b;
    memset(&b, 0, sizeof b);
    for (int y = 0; y < h; y += band) {
        int n = h - y < band ? h - y : band;
        if (gv_png_band_compress(&b, (const unsigned char *)(px + (size_t)y * w), w, n, w * 4, y + n >= h, &err) ||
            gv_png_writer_band(&pw, &b, path, &err)) {
            gv_png_writer_abort(&pw);
            gv_png_band_free(&b);
            return -1;
        }
    }
    gv_png_band_free(&b);
    return gv_png_writer_close(&pw, path, &err);
}

static void check_decodes(const char *path, const uint32_t *px, int w, int h) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&img, path));
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    assert_true(png_image_finish_read(&img, NULL, buf, 0, NULL));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = px[(size_t)y * w + x];
            const unsigned char *p = buf + ((size_t)y * w + x) * 3;
            if (p[0] != ((v >> 16) & 255) || p[1] != ((v >> 8) & 255) || p[2] != (v & 255)) {
                print_error("pixel %d,%d differs\n", x, y);
                fail();
            }
        }
    free(buf);
}

static void test_bands_decode(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("pngbands");
    int w = 301, h = 257;
    uint32_t *px = make_image(w, h, 7);
    /* band heights: 1 row, a divisor, not a divisor, and the whole image */
    const int bands[] = {1, 16, 100, 257};
    for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
        const char *path = tu_path("%s/b%d.png", dir, bands[i]);
        assert_int_equal(write_banded(path, px, w, h, bands[i], 300), 0);
        check_decodes(path, px, w, h);
    }
    /* same pixels and band size: the same bytes */
    size_t n1, n2;
    assert_int_equal(write_banded(tu_path("%s/again.png", dir), px, w, h, 16, 300), 0);
    char *a = tu_slurp(tu_path("%s/b16.png", dir), &n1), *b = tu_slurp(tu_path("%s/again.png", dir), &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1);
    free(a);
    free(b);
    free(px);
}

static void test_phys(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("pngphys");
    uint32_t px[4] = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
    const char *path = tu_path("%s/p.png", dir);
    assert_int_equal(write_banded(path, px, 2, 2, 1, 300), 0);
    /* pHYs right after IHDR: 8 (sig) + 25 (IHDR chunk) = 33; data at 41 */
    size_t n;
    unsigned char *d = (unsigned char *)tu_slurp(path, &n);
    assert_true(n > 50);
    assert_memory_equal(d + 37, "pHYs", 4);
    uint32_t ppm = (uint32_t)d[41] << 24 | (uint32_t)d[42] << 16 | (uint32_t)d[43] << 8 | d[44];
    assert_int_equal(ppm, 11811); /* round(300 / 0.0254) = round(11811.02) */
    assert_int_equal(d[49], 1);   /* unit: metre */
    free(d);
    check_decodes(path, px, 2, 2);
}

static void test_unwritable(void **state) {
    (void)state;
    gv_png_writer pw;
    gv_error err;
    assert_int_equal(gv_png_writer_open(&pw, "/nonexistent-dir/x.png", 10, 10, 300, &err), GV_EOUTPUT);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.png"));
    gv_png_writer_abort(&pw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bands_decode),
        cmocka_unit_test(test_phys),
        cmocka_unit_test(test_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
