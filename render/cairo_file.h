/* cairo_file.h: Cairo PDF/SVG surfaces written through a checked stdio
 * stream (private to render/). cairo_pdf_surface_create(path) ignores the
 * result of fclose, so a full disk leaves a cut file and a success
 * status; here every write and the final flush and close are checked,
 * and the error names the file and errno ("No space left on device"). */
#ifndef GV_RENDER_CAIRO_FILE_H
#define GV_RENDER_CAIRO_FILE_H

#include "geovoice/common.h"

#include <cairo.h>
#include <stdio.h>

typedef struct gv_cairo_file {
    FILE *f;
    int err; /* errno of the first failed write, 0 if none */
} gv_cairo_file;

/* Opens path for writing and makes a PDF (svg 0) or SVG (svg 1) surface
 * of w x h points on it. NULL with *err set (GV_EOUTPUT) when the file
 * cannot be created; the surface may still be in an error state, to be
 * checked with cairo_surface_status as usual. */
cairo_surface_t *gv_cairo_file_surface(gv_cairo_file *cf, const char *path, int svg, double w, double h, gv_error *err);

/* Finishes and destroys surf, closes the file, and returns GV_OK or
 * GV_EOUTPUT "PATH: cannot write (REASON)" (what names the file in the
 * message, e.g. "the contents page"; NULL for none). */
int gv_cairo_file_close(gv_cairo_file *cf, cairo_surface_t *surf, const char *path, const char *what, gv_error *err);

#endif
