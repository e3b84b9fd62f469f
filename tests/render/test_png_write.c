/* test_png_write.c: the fast PNG writer (render/png_write.c). Writes
 * images with known pixels, reads them back with libpng's simplified API
 * and compares every pixel; checks pHYs, the exact chunk list (no tIME),
 * byte-identical repeated writes, un-premultiplication against Cairo's own
 * writer, argument checks and write failures (GV_EOUTPUT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "png_write.h"

static char tmpdir[256];

static int setup(void **state) {
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/gv_png_XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    /* Only the files the tests made; then the directory. */
    const char *names[] = {"rgb.png", "argb.png", "a.png", "b.png",
                           "big.png", "cairo.png", "ours.png", "dpi.png"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
    return 0;
}

static const char *tpath(const char *name) {
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* Reads path as 8-bit RGB or RGBA (simplified API); sets *w, *h. */
static unsigned char *read_png(const char *path, int alpha, int *w, int *h,
                               png_uint_32 *file_format) {
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        fail_msg("read %s: %s", path, im.message);
    if (file_format) *file_format = im.format;
    im.format = alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(im));
    assert_non_null(buf);
    if (!png_image_finish_read(&im, NULL, buf, 0, NULL))
        fail_msg("read %s: %s", path, im.message);
    *w = (int)im.width;
    *h = (int)im.height;
    return buf;
}

static void put32(unsigned char *p, uint32_t w) { memcpy(p, &w, 4); }

/* Chunk types of a PNG file in order, as "IHDR pHYs IDAT IEND". */
static void chunk_list(const unsigned char *b, size_t n, char *out,
                       size_t outsz) {
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    assert_true(n >= 8 && memcmp(b, sig, 8) == 0);
    size_t o = 0, i = 8;
    char last[5] = "";
    out[0] = '\0';
    while (i + 12 <= n) {
        uint32_t len = (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
                       (uint32_t)b[i + 2] << 8 | b[i + 3];
        char t[5];
        memcpy(t, b + i + 4, 4);
        t[4] = '\0';
        /* Repeated IDAT chunks are listed once: their count depends on
         * libpng's buffer size, not on the format. */
        if (strcmp(t, last) != 0 && o + 6 < outsz)
            o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? " " : "", t);
        memcpy(last, t, 5);
        i += 12 + (size_t)len;
    }
    assert_int_equal(i, n); /* the chunks cover the file exactly */
}

static void test_rgb24_pixels(void **state) {
    (void)state;
    enum { W = 7, H = 5, STRIDE = 4 * W + 12 };
    unsigned char data[STRIDE * H];
    memset(data, 0xAB, sizeof data); /* row padding must be ignored */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t r = (uint32_t)(x * 37 + y * 11) & 0xFF,
                     g = (uint32_t)(x * 5 + y * 71 + 3) & 0xFF,
                     b = (uint32_t)(255 - x * y * 9) & 0xFF;
            /* The top byte is undefined in Cairo's RGB24: put junk there. */
            put32(data + y * STRIDE + 4 * x,
                  (uint32_t)(x * 31 + 7) << 24 | r << 16 | g << 8 | b);
        }
    gv_error err;
    assert_int_equal(gv_png_write(tpath("rgb.png"), data, W, H, STRIDE,
                                  GV_PNG_RGB24, 300, &err),
                     GV_OK);
    int w, h;
    png_uint_32 ff;
    unsigned char *px = read_png(tpath("rgb.png"), 0, &w, &h, &ff);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    assert_int_equal(ff, PNG_FORMAT_RGB); /* opaque: no alpha channel */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t v;
            memcpy(&v, data + y * STRIDE + 4 * x, 4);
            const unsigned char *p = px + 3 * (y * W + x);
            if (p[0] != ((v >> 16) & 0xFF) || p[1] != ((v >> 8) & 0xFF) ||
                p[2] != (v & 0xFF))
                fail_msg("pixel %d,%d: %d %d %d, want %06X", x, y, p[0], p[1],
                         p[2], v & 0xFFFFFF);
        }
    free(px);
}

static uint32_t unpremul(uint32_t c, uint32_t a) {
    if (a == 0) return 0;
    uint32_t v = (c * 255 + a / 2) / a;
    return v > 255 ? 255 : v;
}

static void test_argb32_pixels(void **state) {
    (void)state;
    /* Every alpha 0..255 against several colours, premultiplied the way
     * Cairo stores them. */
    enum { W = 256, H = 6, STRIDE = 4 * W };
    static unsigned char data[STRIDE * H];
    static const uint32_t straight[H][3] = {
        {255, 255, 255}, {0, 0, 0}, {255, 0, 128},
        {17, 200, 99},  {1, 254, 127}, {128, 128, 128}};
    for (int y = 0; y < H; y++)
        for (uint32_t a = 0; a < W; a++) {
            uint32_t r = (straight[y][0] * a + 127) / 255,
                     g = (straight[y][1] * a + 127) / 255,
                     b = (straight[y][2] * a + 127) / 255;
            put32(data + y * STRIDE + 4 * a, a << 24 | r << 16 | g << 8 | b);
        }
    /* An invalid premultiplied pixel (colour > alpha) must clamp. */
    put32(data + 5 * STRIDE + 4 * 10, 10u << 24 | 0xFF0000u | 0x80 << 8 | 5);

    gv_error err;
    assert_int_equal(gv_png_write(tpath("argb.png"), data, W, H, STRIDE,
                                  GV_PNG_ARGB32, 96, &err),
                     GV_OK);
    int w, h;
    png_uint_32 ff;
    unsigned char *px = read_png(tpath("argb.png"), 1, &w, &h, &ff);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    assert_int_equal(ff, PNG_FORMAT_RGBA);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t v;
            memcpy(&v, data + y * STRIDE + 4 * x, 4);
            uint32_t a = v >> 24;
            const unsigned char *p = px + 4 * (y * W + x);
            uint32_t want[4] = {unpremul((v >> 16) & 0xFF, a),
                                unpremul((v >> 8) & 0xFF, a),
                                unpremul(v & 0xFF, a), a};
            for (int c = 0; c < 4; c++)
                if (p[c] != want[c])
                    fail_msg("pixel %d,%d channel %d: %d, want %u", x, y, c,
                             p[c], want[c]);
            /* Opaque pixels come back unchanged. */
            if (a == 255) assert_int_equal(p[0], straight[y][0]);
        }
    free(px);
}

/* Same pixels as Cairo's own PNG writer, for both formats. */
static void test_matches_cairo(void **state) {
    (void)state;
    cairo_format_t fmts[2] = {CAIRO_FORMAT_RGB24, CAIRO_FORMAT_ARGB32};
    for (int f = 0; f < 2; f++) {
        cairo_surface_t *s = cairo_image_surface_create(fmts[f], 61, 43);
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgba(cr, 0.2, 0.6, 0.9, f ? 0.0 : 1.0);
        cairo_paint(cr);
        cairo_set_source_rgba(cr, 0.9, 0.3, 0.1, 0.7);
        cairo_arc(cr, 30, 20, 17, 0, 6.283185307179586);
        cairo_fill(cr);
        cairo_set_source_rgba(cr, 0.1, 0.8, 0.2, 0.35);
        cairo_set_line_width(cr, 3.3);
        cairo_move_to(cr, 0, 0);
        cairo_line_to(cr, 61, 43);
        cairo_stroke(cr);
        cairo_surface_flush(s);
        assert_int_equal(
            cairo_surface_write_to_png(s, tpath("cairo.png")),
            CAIRO_STATUS_SUCCESS);
        gv_error err;
        assert_int_equal(gv_png_write(tpath("ours.png"),
                                      cairo_image_surface_get_data(s), 61, 43,
                                      cairo_image_surface_get_stride(s),
                                      f ? GV_PNG_ARGB32 : GV_PNG_RGB24, 300,
                                      &err),
                         GV_OK);
        int w1, h1, w2, h2;
        unsigned char *a = read_png(tpath("cairo.png"), f, &w1, &h1, NULL);
        unsigned char *b = read_png(tpath("ours.png"), f, &w2, &h2, NULL);
        assert_int_equal(w1, w2);
        assert_int_equal(h1, h2);
        assert_memory_equal(a, b, (size_t)w1 * (size_t)h1 * (f ? 4 : 3));
        free(a);
        free(b);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
    }
}

/* pHYs through libpng's low-level reader. */
static void read_phys(const char *path, png_uint_32 *x, png_uint_32 *y,
                      int *unit) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png))) fail_msg("libpng read error");
    png_init_io(png, f);
    png_read_info(png, info);
    assert_true(png_get_valid(png, info, PNG_INFO_pHYs) != 0);
    assert_int_equal(png_get_valid(png, info, PNG_INFO_tIME), 0);
    png_get_pHYs(png, info, x, y, unit);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
}

static void test_phys_and_chunks(void **state) {
    (void)state;
    unsigned char px[4 * 3 * 2] = {0};
    static const struct {
        double dpi;
        png_uint_32 ppm;
    } cases[] = {{300, 11811}, {96, 3780}, {72, 2835}, {600, 23622},
                 {150, 5906},  {1, 39},    {0.5, 20}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gv_error err;
        assert_int_equal(gv_png_write(tpath("dpi.png"), px, 3, 2, 12,
                                      GV_PNG_RGB24, cases[i].dpi, &err),
                         GV_OK);
        png_uint_32 x, y;
        int unit;
        read_phys(tpath("dpi.png"), &x, &y, &unit);
        assert_int_equal(unit, PNG_RESOLUTION_METER);
        assert_int_equal(x, cases[i].ppm);
        assert_int_equal(y, cases[i].ppm);
    }
    /* Nothing but the image: no tIME, no text, no gamma. */
    size_t n;
    unsigned char *b = slurp(tpath("dpi.png"), &n);
    assert_non_null(b);
    char list[128];
    chunk_list(b, n, list, sizeof list);
    assert_string_equal(list, "IHDR pHYs IDAT IEND");
    free(b);
}

static void test_deterministic(void **state) {
    (void)state;
    enum { W = 640, H = 480 };
    unsigned char *data = malloc(4 * W * H);
    assert_non_null(data);
    uint64_t s = 7;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            /* Flat areas with a little noise, like a rendered map. */
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            uint32_t base = (x / 80 + y / 60) % 2 ? 0xFFE0C0u : 0x3060A0u;
            if ((s >> 60) == 0) base ^= (uint32_t)(s >> 20) & 0x0F0F0F;
            put32(data + 4 * (y * W + x), (uint32_t)(s >> 56) << 24 | base);
        }
    for (int f = 0; f < 2; f++) {
        gv_error err;
        assert_int_equal(gv_png_write(tpath("a.png"), data, W, H, 4 * W, f,
                                      300, &err),
                         GV_OK);
        assert_int_equal(gv_png_write(tpath("b.png"), data, W, H, 4 * W, f,
                                      300, &err),
                         GV_OK);
        size_t na, nb;
        unsigned char *a = slurp(tpath("a.png"), &na),
                      *b = slurp(tpath("b.png"), &nb);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        /* A rewrite over an existing file gives the same bytes too. */
        assert_int_equal(gv_png_write(tpath("a.png"), data, W, H, 4 * W, f,
                                      300, &err),
                         GV_OK);
        free(a);
        a = slurp(tpath("a.png"), &na);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        /* Round trip of the larger image (many IDAT chunks). */
        int w, h;
        unsigned char *px = read_png(tpath("b.png"), f, &w, &h, NULL);
        int ch = f ? 4 : 3;
        for (int i = 0; i < W * H; i++) {
            uint32_t v;
            memcpy(&v, data + 4 * i, 4);
            uint32_t al = f ? v >> 24 : 255;
            uint32_t want[3] = {(v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF};
            for (int c = 0; c < 3; c++) {
                uint32_t wv = f ? unpremul(want[c], al) : want[c];
                if (px[ch * i + c] != wv)
                    fail_msg("format %d pixel %d ch %d: %d want %u", f, i, c,
                             px[ch * i + c], wv);
            }
            if (f) assert_int_equal(px[ch * i + 3], al);
        }
        free(px);
        free(a);
        free(b);
    }
    free(data);
}

static void test_errors(void **state) {
    (void)state;
    unsigned char px[64] = {0};
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_png_write("/nonexistent-gv-dir/x.png", px, 2, 2, 8,
                                  GV_PNG_RGB24, 300, &err),
                     GV_EOUTPUT);
    assert_int_equal(err.code, GV_EOUTPUT);
    assert_string_equal(err.msg, "cannot write '/nonexistent-gv-dir/x.png': "
                                 "No such file or directory");
    /* A directory is not writable as a file. */
    assert_int_equal(
        gv_png_write(tmpdir, px, 2, 2, 8, GV_PNG_RGB24, 300, &err),
        GV_EOUTPUT);
    assert_non_null(strstr(err.msg, "Is a directory"));
    /* A full device: the error comes from the data writes (or the final
     * flush), and the device node is not removed. */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(gv_png_write("/dev/full", px, 2, 2, 8, GV_PNG_RGB24,
                                      300, &err),
                         GV_EOUTPUT);
        assert_string_equal(
            err.msg, "cannot write '/dev/full': No space left on device");
        struct stat sb;
        assert_int_equal(stat("/dev/full", &sb), 0);
    }

    /* Bad arguments. */
    const char *p = tpath("a.png");
    assert_int_equal(gv_png_write(NULL, px, 2, 2, 8, 0, 300, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, NULL, 2, 2, 8, 0, 300, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 0, 2, 8, 0, 300, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, -1, 8, 0, 300, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, 2, 7, 0, 300, &err), GV_EUSAGE);
    assert_string_equal(err.msg, "png: bad image size 2 x 2 (stride 7)");
    assert_int_equal(gv_png_write(p, px, 2, 2, 8, 2, 300, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, 2, 8, 0, 0, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, 2, 8, 0, NAN, &err), GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, 2, 8, 0, INFINITY, &err),
                     GV_EUSAGE);
    assert_int_equal(gv_png_write(p, px, 2, 2, 8, 0, 1e300, NULL), GV_EUSAGE);
    /* libpng's own limits surface as GV_EINTERNAL with its message, and
     * the partial file is gone. */
    assert_int_equal(gv_png_write(p, px, 2000000, 1, 8000000, 0, 300, &err),
                     GV_EINTERNAL);
    assert_non_null(strstr(err.msg, "png: writing"));
    assert_int_equal(access(p, F_OK), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rgb24_pixels),
        cmocka_unit_test(test_argb32_pixels),
        cmocka_unit_test(test_matches_cairo),
        cmocka_unit_test(test_phys_and_chunks),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
