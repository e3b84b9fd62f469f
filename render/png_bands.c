/* png_bands.c: PNG output for banded rendering.
 *
 * A deflate stream may be cut into segments compressed independently:
 * each segment but the last ends with a sync flush (an empty stored
 * block, byte-aligned), so the next segment can start a fresh compressor
 * (it just cannot refer back across the cut). Concatenated, they form one
 * valid stream; the zlib trailer's Adler-32 is combined from the
 * segments' (adler32_combine). This lets each rendering thread deflate
 * the band it drew, instead of one thread compressing the whole page
 * after the fact, and no full-page buffer is ever needed.
 *
 * Filter type 0 (None) on every row and zlib level 1: on flat-colour map
 * pages that is both the fastest and, measured, about the smallest
 * (see png_write.c). Chunks: IHDR, pHYs, IDAT per band, IEND; no time or
 * text chunks, so the file depends only on the pixels and the dpi. */
#include "png_bands.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int grow(unsigned char **p, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 65536;
    while (nc < need) nc *= 2;
    unsigned char *np = realloc(*p, nc);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

int gv_png_band_compress(gv_png_band *b, const unsigned char *data, int width, int nrows, int stride, int last,
                         gv_error *err) {
    size_t rowlen = (size_t)width * 3 + 1;
    b->rawlen = rowlen * (size_t)nrows;
    if (grow(&b->raw, &b->rawcap, b->rawlen)) return gv_error_set(err, GV_ENOMEM, "png: out of memory");
    for (int y = 0; y < nrows; y++) {
        const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        unsigned char *o = b->raw + rowlen * (size_t)y;
        *o++ = 0; /* filter: None */
        for (int x = 0; x < width; x++) {
            uint32_t v = src[x];
            o[0] = (unsigned char)(v >> 16);
            o[1] = (unsigned char)(v >> 8);
            o[2] = (unsigned char)v;
            o += 3;
        }
    }
    b->adler = adler32(adler32(0L, Z_NULL, 0), b->raw, (uInt)b->rawlen);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return gv_error_set(err, GV_EINTERNAL, "png: deflateInit2 failed");
    size_t bound = deflateBound(&zs, (uLong)b->rawlen) + 16;
    if (grow(&b->z, &b->zcap, bound)) {
        deflateEnd(&zs);
        return gv_error_set(err, GV_ENOMEM, "png: out of memory");
    }
    zs.next_in = b->raw;
    zs.avail_in = (uInt)b->rawlen;
    zs.next_out = b->z;
    zs.avail_out = (uInt)b->zcap;
    int r = deflate(&zs, last ? Z_FINISH : Z_SYNC_FLUSH);
    b->zlen = b->zcap - zs.avail_out;
    deflateEnd(&zs);
    if (r != (last ? Z_STREAM_END : Z_OK) || zs.avail_in != 0)
        return gv_error_set(err, GV_EINTERNAL, "png: deflate failed (%d)", r);
    return GV_OK;
}

void gv_png_band_free(gv_png_band *b) {
    free(b->z);
    free(b->raw);
    memset(b, 0, sizeof *b);
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One chunk: length, type, data (two pieces, so a band can be prefixed
 * with the zlib header without a copy), CRC over type and data. */
static int chunk(FILE *fp, const char *type, const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
    unsigned char hdr[8], crcb[4];
    put32(hdr, (uint32_t)(na + nb));
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)type, 4);
    if (na) crc = crc32(crc, a, (uInt)na);
    if (nb) crc = crc32(crc, b, (uInt)nb);
    put32(crcb, (uint32_t)crc);
    if (fwrite(hdr, 1, 8, fp) != 8) return -1;
    if (na && fwrite(a, 1, na, fp) != na) return -1;
    if (nb && fwrite(b, 1, nb, fp) != nb) return -1;
    if (fwrite(crcb, 1, 4, fp) != 4) return -1;
    return 0;
}

static int werr(gv_png_writer *w, const char *path, gv_error *err) {
    int e = errno ? errno : EIO;
    w->failed = 1;
    return gv_error_set(err, GV_EOUTPUT, "cannot write '%s': %s", path, strerror(e));
}

int gv_png_writer_open(gv_png_writer *w, const char *path, int width, int height, double dpi, gv_error *err) {
    memset(w, 0, sizeof *w);
    if (width <= 0 || height <= 0 || !(dpi > 0))
        return gv_error_set(err, GV_EUSAGE, "png: bad image %d x %d at %g dpi", width, height, dpi);
    errno = 0;
    w->fp = fopen(path, "wb");
    if (!w->fp) return werr(w, path, err);
    w->adler = adler32(0L, Z_NULL, 0);
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    unsigned char ihdr[13], phys[9];
    put32(ihdr, (uint32_t)width);
    put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (each row says None) */
    ihdr[12] = 0; /* no interlace */
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
    put32(phys, ppm);
    put32(phys + 4, ppm);
    phys[8] = 1; /* metre */
    if (fwrite(sig, 1, 8, w->fp) != 8 || chunk(w->fp, "IHDR", ihdr, 13, NULL, 0) ||
        chunk(w->fp, "pHYs", phys, 9, NULL, 0))
        return werr(w, path, err);
    return GV_OK;
}

int gv_png_writer_band(gv_png_writer *w, const gv_png_band *b, const char *path, gv_error *err) {
    /* zlib header: deflate, 32 K window, fastest level (0x78 0x01). */
    static const unsigned char zhdr[2] = {0x78, 0x01};
    errno = 0;
    if (chunk(w->fp, "IDAT", w->nbands_written ? NULL : zhdr, w->nbands_written ? 0 : 2, b->z, b->zlen))
        return werr(w, path, err);
    w->adler = adler32_combine(w->adler, b->adler, (z_off_t)b->rawlen);
    w->nbands_written++;
    return GV_OK;
}

int gv_png_writer_close(gv_png_writer *w, const char *path, gv_error *err) {
    unsigned char tr[4];
    put32(tr, (uint32_t)w->adler);
    errno = 0;
    if (chunk(w->fp, "IDAT", tr, 4, NULL, 0) || chunk(w->fp, "IEND", NULL, 0, NULL, 0) || fflush(w->fp) != 0 ||
        ferror(w->fp)) {
        int rc = werr(w, path, err);
        fclose(w->fp);
        w->fp = NULL;
        return rc;
    }
    int rc = GV_OK;
    if (fclose(w->fp) != 0) rc = werr(w, path, err);
    w->fp = NULL;
    return rc;
}

void gv_png_writer_abort(gv_png_writer *w) {
    if (w->fp) fclose(w->fp);
    w->fp = NULL;
}
