/* hairline.h (private): antialiased thin lines written straight into an
 * RGB24 pixel buffer, for unit outlines on PNG maps. */
#ifndef GV_RENDER_HAIRLINE_H
#define GV_RENDER_HAIRLINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct gv_hairline_target {
    uint32_t *px;   /* first row of the band (0x00RRGGBB words) */
    int stride_px;  /* words per row */
    int width;      /* pixels per row */
    int y0, y1;     /* band rows [y0, y1) in page pixels */
    uint32_t rgb;   /* line colour */
    double width_px;/* nominal line width (<= 1.5) */
    double ox, oy;  /* added to every point (small-multiple panels) */
} gv_hairline_target;

/* Draws the polyline pts[0..n-1] (x, y page pixels; closed by the caller
 * repeating the first point). */
void gv_hairline_polyline(const gv_hairline_target *t, const double *pts, size_t n);

#endif
