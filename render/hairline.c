/* hairline.c: antialiased hairlines for PNG outlines.
 *
 * Why not Cairo: stroking the 430 k-vertex outline path of the national
 * commune map costs ~0.5 s in Cairo's stroker (it builds the outline
 * polygon of every segment, then rasterises it), four times the fill.
 * Outlines of sub-pixel width need none of that: a Wu-style line samples
 * the line once per pixel column (or row, for steep lines) and splits the
 * coverage between the two nearest pixels. Coverage per column is
 * width * sqrt(1 + slope²), so diagonal lines do not look thinner. Pixel
 * ranges are half-open along the major axis, so consecutive segments do
 * not paint their shared vertex twice. */
#include "hairline.h"

#include <math.h>
#include <stddef.h>

static inline void blend(const gv_hairline_target *t, int x, int y, double a) {
    if (x < 0 || x >= t->width || y < t->y0 || y >= t->y1 || a <= 0) return;
    if (a > 1) a = 1;
    uint32_t *p = t->px + (size_t)(y - t->y0) * (size_t)t->stride_px + x;
    uint32_t d = *p, c = t->rgb;
    int ia = (int)(a * 256 + 0.5);
    int r = (int)((d >> 16) & 255), g = (int)((d >> 8) & 255), b = (int)(d & 255);
    r += (((int)((c >> 16) & 255) - r) * ia) >> 8;
    g += (((int)((c >> 8) & 255) - g) * ia) >> 8;
    b += (((int)(c & 255) - b) * ia) >> 8;
    *p = ((uint32_t)r << 16) | ((uint32_t)g << 8) | (uint32_t)b;
}

static void segment(const gv_hairline_target *t, double x0, double y0, double x1, double y1) {
    double dx = x1 - x0, dy = y1 - y0;
    if (fabs(dx) >= fabs(dy)) {
        if (dx == 0) return;
        if (x0 > x1) { double s = x0; x0 = x1; x1 = s; s = y0; y0 = y1; y1 = s; }
        double g = (y1 - y0) / (x1 - x0);
        double cov = t->width_px * sqrt(1 + g * g);
        /* the segment is outside the band: skip quickly */
        if (fmax(y0, y1) < t->y0 - 1 || fmin(y0, y1) > t->y1 + 1) return;
        int i0 = (int)ceil(x0 - 0.5), i1 = (int)ceil(x1 - 0.5);
        if (i0 < 0) i0 = 0;
        if (i1 > t->width) i1 = t->width;
        for (int i = i0; i < i1; i++) {
            double y = y0 + g * (i + 0.5 - x0) - 0.5;
            double fy = floor(y), f = y - fy;
            int j = (int)fy;
            blend(t, i, j, cov * (1 - f));
            blend(t, i, j + 1, cov * f);
        }
    } else {
        if (y0 > y1) { double s = x0; x0 = x1; x1 = s; s = y0; y0 = y1; y1 = s; }
        double g = (x1 - x0) / (y1 - y0);
        double cov = t->width_px * sqrt(1 + g * g);
        int j0 = (int)ceil(y0 - 0.5), j1 = (int)ceil(y1 - 0.5);
        if (j0 < t->y0) j0 = t->y0;
        if (j1 > t->y1) j1 = t->y1;
        for (int j = j0; j < j1; j++) {
            double x = x0 + g * (j + 0.5 - y0) - 0.5;
            double fx = floor(x), f = x - fx;
            int i = (int)fx;
            blend(t, i, j, cov * (1 - f));
            blend(t, i + 1, j, cov * f);
        }
    }
}

void gv_hairline_polyline(const gv_hairline_target *t, const double *pts, size_t n) {
    double ox = t->ox, oy = t->oy;
    for (size_t k = 1; k < n; k++)
        segment(t, pts[2 * k - 2] + ox, pts[2 * k - 1] + oy, pts[2 * k] + ox, pts[2 * k + 1] + oy);
}
