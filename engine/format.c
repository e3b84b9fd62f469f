/* format.c: locale number formatting for legends, labels and tables
 * (include/geovoice/format.h).
 *
 * The digits come from snprintf("%.*f"), which prints the exact binary
 * value correctly rounded, but rounds exact ties to even (2.5 → "2") and
 * uses the process locale's decimal point. So we ask it for more digits
 * than needed, round those ourselves half away from zero, and regroup
 * with our own separators. No locale state is read or changed. */
#include "geovoice/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Extra digits printed beyond the wanted ones: enough that the rounding
 * decision is settled unless the value sits on (or within 1e-20 of) a tie,
 * which is then resolved from the exact expansion. */
#ifndef GV_FORMAT_GUARD_DIGITS /* overridable so tests can force the */
#define GV_FORMAT_GUARD_DIGITS 20 /* exact path with a small value */
#endif
#define GUARD_DIGITS GV_FORMAT_GUARD_DIGITS
/* Every double has at most 1074 digits after the point (the smallest
 * subnormal is 2^-1074), so this precision prints any double exactly. */
#define EXACT_PREC 1100
/* Room for 309 integer digits, the point and EXACT_PREC digits. */
#define RAW_SZ 1500

int gv_locale_parse(const char *s, gv_locale *out, gv_error *err) {
    if (s && out) {
        char a = s[0], b = a ? s[1] : '\0';
        a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
        b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
        if (b && s[2] == '\0') {
            if (a == 'v' && b == 'i') { *out = GV_LOCALE_VI; return GV_OK; }
            if (a == 'e' && b == 'n') { *out = GV_LOCALE_EN; return GV_OK; }
        }
    }
    return gv_error_set(err, GV_EUSAGE,
                        "unknown locale '%.40s' (expected vi or en)",
                        s ? s : "(null)");
}

/* Splits snprintf("%.*f", prec, ax) output (ax >= 0) into integer and
 * fraction digits. Whatever sits between them is the locale's decimal
 * point (one or more bytes) and is skipped. Returns 0 on failure. */
static int raw_digits(double ax, int prec, char *raw, size_t rawsz,
                      const char **ip, size_t *ilen, const char **fp) {
    int n = snprintf(raw, rawsz, "%.*f", prec, ax);
    if (n < 0 || (size_t)n >= rawsz) return 0;
    size_t i = 0;
    while (raw[i] >= '0' && raw[i] <= '9') i++;
    *ip = raw;
    *ilen = i;
    while (raw[i] && !(raw[i] >= '0' && raw[i] <= '9')) i++;
    *fp = raw + i;
    return i > 0 && strlen(raw + i) == (size_t)prec;
}

/* 1 when the exact decimal expansion of ax, cut after `decimals` digits,
 * must round up in magnitude (the rest is >= one half: ties go away from
 * zero). */
static int rounds_up(double ax, int decimals, const char *frac, char *raw) {
    if (frac[decimals] != '5') return frac[decimals] > '5';
    for (int k = decimals + 1; k < decimals + GUARD_DIGITS; k++)
        if (frac[k] != '0') return 1;
    /* "5000...": a tie, or a value a hair below a tie that snprintf
     * rounded up at the last guard digit. Only the exact digits tell. */
    const char *ip, *fp;
    size_t il;
    if (!raw_digits(ax, EXACT_PREC, raw, RAW_SZ, &ip, &il, &fp)) return 1;
    return fp[decimals] >= '5';
}

int gv_format_number(double x, int decimals, gv_locale loc, char *buf,
                     size_t bufsz) {
    if (!buf || bufsz == 0) return GV_EUSAGE;
    buf[0] = '\0';
    if (decimals < 0 || decimals > GV_FORMAT_MAX_DECIMALS ||
        (loc != GV_LOCALE_VI && loc != GV_LOCALE_EN))
        return GV_EUSAGE;
    if (!isfinite(x)) return GV_OK; /* no data prints as nothing */

    char raw[RAW_SZ];
    const char *ip, *fp;
    size_t il;
    double ax = fabs(x);
    if (!raw_digits(ax, decimals + GUARD_DIGITS, raw, sizeof raw, &ip, &il,
                    &fp))
        return GV_EINTERNAL;

    /* digits = integer digits + the kept fraction digits, with one spare
     * leading slot for a carry out of the top digit (999.95 → 1000.0). */
    char dig[RAW_SZ];
    size_t nd = 1 + il + (size_t)decimals;
    dig[0] = '0';
    memcpy(dig + 1, ip, il);
    memcpy(dig + 1 + il, fp, (size_t)decimals);
    char exact[RAW_SZ];
    if (rounds_up(ax, decimals, fp, exact)) {
        size_t k = nd;
        while (k-- > 0) {
            if (dig[k] == '9') {
                dig[k] = '0';
            } else {
                dig[k]++;
                break;
            }
        }
    }
    size_t intlen = 1 + il; /* integer digits in dig, incl. the spare */
    size_t start = 0;
    while (start + 1 < intlen && dig[start] == '0') start++;

    int zero = 1;
    for (size_t k = start; k < nd; k++)
        if (dig[k] != '0') { zero = 0; break; }

    const char thou = loc == GV_LOCALE_VI ? '.' : ',';
    const char point = loc == GV_LOCALE_VI ? ',' : '.';
    size_t ni = intlen - start;
    size_t need = (x < 0 && !zero) + ni + (ni - 1) / 3 +
                  (decimals ? 1 + (size_t)decimals : 0) + 1;
    if (need > bufsz) return GV_EUSAGE;

    size_t o = 0;
    /* Negative zero and values that round to zero print as "0": a legend
     * reading "-0,0" suggests a deficit that is not there. */
    if (x < 0 && !zero) buf[o++] = '-';
    for (size_t k = 0; k < ni; k++) {
        if (k > 0 && (ni - k) % 3 == 0) buf[o++] = thou;
        buf[o++] = dig[start + k];
    }
    if (decimals) {
        buf[o++] = point;
        memcpy(buf + o, dig + intlen, (size_t)decimals);
        o += (size_t)decimals;
    }
    buf[o] = '\0';
    return GV_OK;
}

int gv_format_decimals_for(const double *edges, size_t n) {
    if (!edges) return 0;
    /* Smallest gap between distinct finite edges. Quadratic, which is
     * fine for legend edges (tens of values) and needs no allocation. */
    double gap = INFINITY, amax = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(edges[i])) continue;
        any = 1;
        if (fabs(edges[i]) > amax) amax = fabs(edges[i]);
        for (size_t j = i + 1; j < n; j++) {
            if (!isfinite(edges[j]) || edges[j] == edges[i]) continue;
            double g = fabs(edges[j] - edges[i]);
            if (g < gap) gap = g;
        }
    }
    if (!any) return 0;
    if (!(gap < INFINITY)) gap = amax; /* one distinct value (or overflow) */
    if (gap == 0) return 0;            /* only zeros */

    double dd = 2 - floor(log10(gap));
    int d = dd <= 0 ? 0 : dd >= 6 ? 6 : (int)dd;

    /* Drop a decimal while it is '0' in every printed edge. */
    char buf[512];
    while (d > 0) {
        int all_zero = 1;
        for (size_t i = 0; i < n && all_zero; i++) {
            if (!isfinite(edges[i])) continue;
            if (gv_format_number(edges[i], d, GV_LOCALE_EN, buf, sizeof buf) !=
                    GV_OK ||
                buf[strlen(buf) - 1] != '0')
                all_zero = 0;
        }
        if (!all_zero) break;
        d--;
    }
    return d;
}
