/* pdf_geometry.h (private): writes the unit polygons of a PDF map as our
 * own content stream, appended to Cairo's PDF by an incremental update. */
#ifndef GV_RENDER_PDF_GEOMETRY_H
#define GV_RENDER_PDF_GEOMETRY_H

#include "layout.h"

#include <stdint.h>

#define GV_FILL_NODATA 0x01000000u  /* fill flag: hatched "no data" */

/* Polygons painted first, under the map's own (context units behind the
 * map): filled and outlined, clipped to a rectangle. Device points as
 * for the map's rings. */
typedef struct gv_pdf_under {
    const double *pts;
    const gv_proj_ring *rings;
    size_t nrings;
    uint32_t fill, line;
    double line_w;
    double clip[4];   /* x, y, w, h, y down from the top */
} gv_pdf_under;

/* Appends to the PDF file at path (one page, written by Cairo with a
 * classic xref table) a content stream drawn *under* Cairo's: inset frame
 * backgrounds, then every feature filled (even-odd) with fill[feature]
 * and outlined line_w points wide. Coordinates in pts are PDF points with
 * y pointing down from the top of a page page_h points high. under (may
 * be NULL) is painted before the features. */
int gv_pdf_append_geometry(const char *path, const double *pts, const gv_proj_ring *rings, size_t nrings,
                           const uint32_t *fill, size_t nfeatures, const gv_layout *lay, double line_w,
                           double page_h, const gv_pdf_under *under, gv_error *err);

#endif
