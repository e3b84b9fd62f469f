/* png_write.h: fast, deterministic PNG output of a Cairo image buffer
 * (private to render/). cairo_surface_write_to_png compresses at zlib's
 * default level, which dominates the time of a 300 dpi map; this writer
 * uses libpng at zlib level 1 without filtering (about 4x faster), writes
 * the physical resolution (pHYs) and no time stamp, so equal pixels give
 * equal bytes. */
#ifndef GV_RENDER_PNG_WRITE_H
#define GV_RENDER_PNG_WRITE_H

#include "geovoice/common.h"

/* Pixel layouts of `data`, matching Cairo's: 32-bit native-endian words. */
#define GV_PNG_RGB24 0  /* 0x??RRGGBB, the top byte ignored: written RGB */
#define GV_PNG_ARGB32 1 /* 0xAARRGGBB premultiplied: written RGBA, straight */

/* Writes a width × height image to path (created or truncated; the caller
 * handles temp file + rename). data holds height rows, stride bytes apart
 * (stride >= 4 * width; rows need not be aligned). format is GV_PNG_RGB24
 * or GV_PNG_ARGB32. dpi > 0 is stored as pixels per metre,
 * round(dpi / 0.0254) (300 dpi → 11811).
 * Returns GV_OK; GV_EUSAGE for bad arguments; GV_EOUTPUT when the file
 * cannot be opened or written ("cannot write 'map.png': No space left on
 * device"); GV_ENOMEM; GV_EINTERNAL for a libpng failure (its message is
 * kept). On failure a partly written file is removed. */
int gv_png_write(const char *path, const unsigned char *data, int width,
                 int height, int stride, int format, double dpi,
                 gv_error *err);

#endif
