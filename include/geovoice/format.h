/* format.h: numbers as readers of a map or table expect them. Vietnamese
 * writes "1.234,5" (dot for thousands, comma for decimals), English
 * "1,234.5". The result never depends on the process locale
 * (setlocale), so outputs stay byte-identical across machines. */
#ifndef GEOVOICE_FORMAT_H
#define GEOVOICE_FORMAT_H

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GV_LOCALE_VI = 0, /* "1.234,5" */
    GV_LOCALE_EN      /* "1,234.5" */
} gv_locale;

/* Reads a locale name: "vi" or "en" (ASCII case ignored). Anything else is
 * GV_EUSAGE ("unknown locale 'fr' (expected vi or en)"), *out unchanged. */
GV_API int gv_locale_parse(const char *s, gv_locale *out, gv_error *err);

/* Largest `decimals` gv_format_number accepts. */
#define GV_FORMAT_MAX_DECIMALS 20

/* Writes x into buf (bufsz bytes, NUL-terminated) with exactly `decimals`
 * digits after the decimal separator (0..GV_FORMAT_MAX_DECIMALS) and the
 * thousands grouped: 96208984 → "96.208.984" (vi), 1234.5 → "1,234.5" (en).
 * - Rounds the exact binary value half away from zero (2.5 → "3",
 *   0.125 → "0,13"); 999.95 at 1 decimal → "1.000,0".
 * - A result that rounds to zero prints without sign: -0.04 → "0,0".
 * - Negative numbers start with ASCII '-'.
 * - NaN and ±inf (no data) → "" and GV_OK.
 * Returns GV_OK, or GV_EUSAGE when buf is NULL, bufsz is 0, decimals is out
 * of range, loc is unknown or the text does not fit; buf is then "" (when
 * bufsz > 0). GV_EINTERNAL only if the C library's printf misbehaves.
 * 64 bytes hold any |x| < 1e30 at up to 20 decimals. */
GV_API int gv_format_number(double x, int decimals, gv_locale loc, char *buf,
                            size_t bufsz);

/* How many decimals (0..6) legend class bounds need, for n edges (finite
 * values only are considered; NULL or none → 0). The rule:
 * 1. Let g be the smallest gap between two distinct edges. Start with
 *    d = 2 - floor(log10 g), clamped to 0..6: the gap then shows with three
 *    significant digits, so neighbouring bounds print distinct and the
 *    rounding of each bound (at most half a unit of the last digit) is
 *    under 1% of the gap. Gaps of 100 or more → 0 decimals; 10..99.9 → 1;
 *    1..9.99 → 2; 0.1..0.999 → 3. With a single distinct edge e ≠ 0, g is
 *    |e| instead (three significant digits of the value).
 * 2. Then drop trailing decimals while every edge's last printed digit is
 *    0, i.e. while dropping it changes no printed bound: integer edges
 *    (1, 2, 3 or 1000, 5000) → 0 decimals; 0.25, 0.5, 0.75 → 2.
 * Edges closer than 1e-4 may still print alike at the 6-decimal cap. */
GV_API int gv_format_decimals_for(const double *edges, size_t n);

#ifdef __cplusplus
}
#endif
#endif
