/* palette.h: ColorBrewer colour schemes for choropleth classes.
 * This product includes color specifications and designs developed by
 * Cynthia Brewer (http://colorbrewer.org/), Apache License 2.0; see
 * render/palette.c for the source of the table. */
#ifndef GEOVOICE_PALETTE_H
#define GEOVOICE_PALETTE_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values returned by gv_palette_kind. */
#define GV_PALETTE_UNKNOWN 0
#define GV_PALETTE_SEQUENTIAL 1
#define GV_PALETTE_DIVERGING 2
#define GV_PALETTE_QUALITATIVE 3

/* Fills rgb[0..k-1] (OUT, caller-owned, at least k entries) with 0xRRGGBB
 * colours of the ColorBrewer scheme `name` for k classes, lightest/first
 * colour first as ColorBrewer lists them; reverse != 0 reverses the order.
 *
 * Names are matched case-insensitively ("ylorrd" finds "YlOrRd").
 * Schemes: 18 sequential (3..9 classes), 9 diverging (3..11) and 8
 * qualitative (3..8, 9 or 12). For k = 3..max the colours are exactly
 * ColorBrewer's k-class scheme. ColorBrewer has no 1- or 2-class schemes,
 * so those come from the 3-class scheme {c0, c1, c2}:
 *   sequential, diverging: k=1 -> {c1} (the middle tone),
 *                          k=2 -> {c0, c2} (its two ends);
 *   qualitative:           k=1 -> {c0}, k=2 -> {c0, c1}.
 *
 * Returns GV_OK, or GV_EUSAGE: "unknown palette 'X' (known: ...)",
 * "palette X has at most N classes", k == 0, or a NULL argument. */
GV_API int gv_palette_colors(const char *name, size_t k, int reverse, unsigned int *rgb,
                             gv_error *err);

/* GV_PALETTE_SEQUENTIAL, _DIVERGING or _QUALITATIVE for a known scheme
 * name (case-insensitive), GV_PALETTE_UNKNOWN (0) otherwise or for NULL. */
GV_API int gv_palette_kind(const char *name);

/* Largest k gv_palette_colors accepts for `name`; 0 for an unknown name. */
GV_API size_t gv_palette_max_classes(const char *name);

/* Number of schemes, and the canonical spelling of scheme i ("YlOrRd");
 * NULL when i >= gv_palette_count(). Sequential schemes come first, then
 * diverging, then qualitative. Static strings. */
GV_API size_t gv_palette_count(void);
GV_API const char *gv_palette_name(size_t i);

/* 3x3 bivariate schemes by Joshua Stevens ("Bivariate Choropleth Maps: A
 * How-to Guide", 2015), hex values as the R package biscale lists them
 * ("DkBlue", "GrPink"): "stevens-dkblue" (the first indicator grows to
 * teal, the second to pink, both to dark blue) and "stevens-grpink"
 * (first to red, second to blue, both to dark grey). Fills rgb[0..8]
 * (OUT) so that rgb[3 * y + x] is the colour of class x (0..2, low to
 * high) of the first indicator and class y of the second. Names are
 * case-insensitive; GV_EUSAGE names the known ones. */
GV_API int gv_bivariate_palette(const char *name, unsigned int rgb[9], gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
