/* png_bands.h (private): PNG written band by band, each band deflated
 * independently (on the thread that drew it) and stitched into one zlib
 * stream, the way pigz parallelises gzip. */
#ifndef GV_RENDER_PNG_BANDS_H
#define GV_RENDER_PNG_BANDS_H

#include "geovoice/common.h"

#include <stddef.h>
#include <stdio.h>

/* One band's compressed bytes (a raw deflate segment ending in a sync
 * flush, or in the final block for the last band) and the Adler-32 and
 * length of its uncompressed (filtered) bytes. */
typedef struct gv_png_band {
    unsigned char *z;
    size_t zlen, zcap;
    unsigned long adler;
    size_t rawlen;
    unsigned char *raw; /* scratch: filtered rows */
    size_t rawcap;
} gv_png_band;

/* Compresses nrows RGB24 rows (Cairo words, stride bytes apart) into b.
 * last != 0 for the page's last band. GV_OK or GV_ENOMEM/GV_EINTERNAL. */
int gv_png_band_compress(gv_png_band *b, const unsigned char *data, int width, int nrows, int stride, int last,
                         gv_error *err);
void gv_png_band_free(gv_png_band *b);

/* Writer: header, then bands in page order, then the end. */
typedef struct gv_png_writer {
    FILE *fp;
    unsigned long adler;
    int nbands_written;
    int failed;
} gv_png_writer;

int gv_png_writer_open(gv_png_writer *w, const char *path, int width, int height, double dpi, gv_error *err);
int gv_png_writer_band(gv_png_writer *w, const gv_png_band *b, const char *path, gv_error *err);
/* Writes the Adler-32 trailer and IEND, closes. */
int gv_png_writer_close(gv_png_writer *w, const char *path, gv_error *err);
void gv_png_writer_abort(gv_png_writer *w);

#endif
