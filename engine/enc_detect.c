/* enc_detect.c: which encoding a layer's text is in — the detector that
 * reads every value in each candidate encoding and weighs how Vietnamese
 * the words that come out are (syllable.c), and the repair of mojibake
 * (include/geovoice/encoding.h).
 *
 * Why syllables: a wrong decoding of Vietnamese text gives symbols inside
 * words (TCVN3 "Hµ Néi" read as CP1258), two tone marks in one syllable,
 * impossible rhymes (VNI "Tænh" read as TCVN3 is "Tổnh") or a capital in
 * the middle of a word, while the right one gives syllables. */
#include "geovoice/encoding.h"

#include "encoding_int.h"
#include "syllable.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ mojibake */

/* The bytes that a single-byte decoding (Windows-1252, or ISO-8859-1 as
 * GDAL reads a DBF without .cpg) turned into the code points of b: below
 * U+0100 a code point is its byte, 1252's extras (€ ‚ ƒ ...) are theirs.
 * 0 when a code point has no such byte, or none is >= 0x80. */
static int recover_bytes(const gv__cpbuf *b, unsigned char *out) {
    int high = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->a[i];
        if (c == 0 || c == GV__UNDEF) return 0;
        if (c >= 0x100) {
            int k;
            for (k = 0; k < 32 && GV__CP1252_80[k] != c; k++) {}
            if (k == 32) return 0;
            c = 0x80u + (uint32_t)k;
        }
        out[i] = (unsigned char)c;
        high |= c >= 0x80;
    }
    out[b->n] = 0;
    return high;
}

/* Mojibake: UTF-8 text with words that are not Vietnamese, made by an
 * earlier conversion that read legacy (or UTF-8) bytes as Windows-1252 or
 * Latin-1 ("Hµ Néi" for TCVN3 "Hà Nội"). Returns the encoding in which the
 * recovered bytes read as Vietnamese syllables only (the most words; ties
 * in the order UTF-8, CP1258, TCVN3, VNI) and *rec the bytes (malloc'd),
 * or GV_ENC_UNKNOWN (and *rec NULL) when the text is not such mojibake. */
static gv_encoding mojibake(const char *utf8, size_t n, unsigned char **rec) {
    static const gv_encoding C[4] = {GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    *rec = NULL;
    gv__cpbuf b = {0}, c = {0};
    gv_encoding best = GV_ENC_UNKNOWN;
    gv__decode_cps((const unsigned char *)utf8, n, GV_ENC_UTF8, 0, &b);
    size_t g, x;
    gv__score_words(b.a, b.n, &g, &x);
    unsigned char *r = !b.nomem && x ? malloc(b.n + 1) : NULL;
    if (r && recover_bytes(&b, r)) {
        long most = 0;
        for (int k = 0; k < 4; k++) {
            c.n = 0;
            gv__decode_cps(r, b.n, C[k], 0, &c);
            if (c.nomem) break;
            gv__score_words(c.a, c.n, &g, &x);
            if (g > 0 && x == 0 && (long)g > most) {
                most = (long)g;
                best = C[k];
            }
        }
    }
    free(b.a);
    free(c.a);
    if (best == GV_ENC_UNKNOWN) free(r);
    else *rec = r;
    return best;
}

int gv_text_unmojibake_as(const char *utf8, gv_encoding e, char **out, gv_error *err) {
    if (out) *out = NULL;
    if (!utf8 || !out) return gv_error_set(err, GV_EUSAGE, "gv_text_unmojibake_as: NULL argument");
    if (e != GV_ENC_UTF8 && e != GV_ENC_CP1258 && e != GV_ENC_TCVN3 && e != GV_ENC_VNI)
        return gv_error_set(err, GV_EUSAGE, "gv_text_unmojibake_as: encoding '%s'", gv_encoding_name(e));
    size_t n = strlen(utf8);
    if (gv__utf8_check(utf8, n, NULL, NULL) != n) return GV_OK;
    gv__cpbuf b = {0}, c = {0};
    gv__decode_cps((const unsigned char *)utf8, n, GV_ENC_UTF8, 0, &b);
    unsigned char *r = b.nomem ? NULL : malloc(b.n + 1);
    int rc = GV_OK;
    if (!r) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    else if (recover_bytes(&b, r)) {
        size_t bad = gv__decode_cps(r, b.n, e, 0, &c), g, x, gu, xu;
        if (c.nomem) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        else {
            gv__score_words(c.a, c.n, &g, &x);
            gv__score_words(b.a, b.n, &gu, &xu);
            /* All bytes defined, and read at least as well as the garbled
             * form (minority names that are not single syllables stay as
             * bad in both); a value that already reads as Vietnamese
             * syllables only is taken as written, whatever the other
             * values are ("Hoà Bình" beside a garbled name is not TCVN3
             * "Hồ Bình"). */
            if (bad == (size_t)-1 && (long)g - (long)x >= (long)gu - (long)xu && g > 0 && !(gu > 0 && xu == 0))
                rc = gv_text_to_utf8((const char *)r, b.n, e, out, err);
        }
    }
    free(r);
    free(b.a);
    free(c.a);
    return rc;
}

int gv_text_unmojibake(const char *utf8, gv_encoding *as, char **out, gv_error *err) {
    if (out) *out = NULL;
    if (as) *as = GV_ENC_UNKNOWN;
    if (!utf8 || !out) return gv_error_set(err, GV_EUSAGE, "gv_text_unmojibake: NULL argument");
    size_t n = strlen(utf8);
    if (gv__utf8_check(utf8, n, NULL, NULL) != n) return GV_OK;
    unsigned char *rec = NULL;
    gv_encoding e = mojibake(utf8, n, &rec);
    if (e == GV_ENC_UNKNOWN) return GV_OK;
    int rc = gv_text_to_utf8((const char *)rec, strlen((const char *)rec), e, out, err);
    free(rec);
    if (rc == GV_OK && as) *as = e;
    return rc;
}

/* ------------------------------------------------------------ detector */

enum { NLEG = 3 };
static const gv_encoding LEGACY[NLEG] = {GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};

struct gv_enc_detector {
    size_t nvalues, nnonascii;
    size_t nutf8;          /* plausible UTF-8 values with bytes >= 0x80 */
    size_t nutf8_letters;  /* ... of which hold a Vietnamese word */
    size_t nmulti;         /* multi-byte sequences in them */
    size_t ntruncated;     /* UTF-8 values cut inside a character at the end */
    size_t utf8_good, utf8_bad;
    size_t nlegacy;        /* values that are not UTF-8, or implausible as UTF-8 */
    size_t nimplausible;
    size_t nmojibake;      /* UTF-8 values that are legacy text read as Windows-1252 */
    size_t good[NLEG], bad[NLEG], decisive[NLEG];
    gv__cpbuf scratch;
};

gv_enc_detector *gv_enc_detector_new(void) { return calloc(1, sizeof(gv_enc_detector)); }

void gv_enc_detector_free(gv_enc_detector *d) {
    if (!d) return;
    free(d->scratch.a);
    free(d);
}

static void score_as(gv_enc_detector *d, const unsigned char *s, size_t n, gv_encoding e, size_t *g, size_t *b) {
    d->scratch.n = 0;
    gv__decode_cps(s, n, e, 0, &d->scratch);
    if (d->scratch.nomem) {
        /* Out of memory: count nothing rather than fail a void call. */
        d->scratch.nomem = 0;
        *g = *b = 0;
        return;
    }
    gv__score_words(d->scratch.a, d->scratch.n, g, b);
}

void gv_enc_detector_feed(gv_enc_detector *d, const char *bytes, size_t n) {
    if (!d || !bytes || n == 0) return;
    const unsigned char *s = (const unsigned char *)bytes;
    n = gv__text_len(bytes, n);
    if (n == 0) return;
    d->nvalues++;
    size_t k;
    for (k = 0; k < n && s[k] < 0x80; k++) {}
    if (k == n) return;
    /* Anything else, a BOM before ASCII included (fuzzing found that
     * calling that ASCII made the ASCII decoder refuse the BOM), is UTF-8
     * or not. */
    d->nnonascii++;
    size_t nmulti = 0;
    int trunc = 0;
    size_t ok = gv__utf8_check(bytes, n, &nmulti, &trunc);
    int utf8 = ok == n || (trunc && nmulti > 0);
    size_t lg[NLEG], lb[NLEG];
    int legacy_done = 0;
    if (utf8) {
        size_t g, b;
        score_as(d, s, ok, GV_ENC_UTF8, &g, &b);
        int plausible = 1;
        if (b) {
            /* Bad words in valid UTF-8: legacy bytes that happen to form
             * UTF-8 would read as syllables in their own encoding. */
            for (int e = 0; e < NLEG; e++) {
                score_as(d, s, n, LEGACY[e], &lg[e], &lb[e]);
                if (lg[e] > 0 && lb[e] == 0) plausible = 0;
            }
            legacy_done = 1;
        }
        if (plausible) {
            if (b) {
                unsigned char *rec;
                gv_encoding m = mojibake(bytes, ok, &rec);
                free(rec);
                if (m != GV_ENC_UNKNOWN) d->nmojibake++;
            }
            d->nutf8++;
            d->nmulti += nmulti;
            d->ntruncated += ok != n;
            d->utf8_good += g;
            d->utf8_bad += b;
            if (g) d->nutf8_letters++;
            return;
        }
        d->nimplausible++;
    }
    d->nlegacy++;
    int mask = 0;
    for (int e = 0; e < NLEG; e++) {
        if (!legacy_done) score_as(d, s, n, LEGACY[e], &lg[e], &lb[e]);
        d->good[e] += lg[e];
        d->bad[e] += lb[e];
        if (lg[e] > 0 && lb[e] == 0) mask |= 1 << e;
    }
    for (int e = 0; e < NLEG; e++)
        if (mask == 1 << e) d->decisive[e]++;
}

/* Evidence for e's reading, as a log likelihood ratio: a right reading is
 * modelled as giving 95 % syllables and a wrong one 5 %, so each good word
 * counts ln 19 for it and each bad word ln 19 against. (Measured against
 * the words each reading has, readings that make fewer words, by turning
 * letters into punctuation, would win; the ratio keeps them even.) */
static double loglik(size_t g, size_t b) { return ((double)g - (double)b) * log(19.0); }

/* The legacy winner (index into LEGACY), its posterior, its good share. */
static int legacy_winner(const gv_enc_detector *d, double *post, double *share) {
    int w = 0;
    double ll[NLEG];
    for (int e = 0; e < NLEG; e++) {
        ll[e] = loglik(d->good[e], d->bad[e]);
        if (ll[e] > ll[w]) w = e; /* ties keep the first: CP1258, TCVN3, VNI */
    }
    double z = 0;
    for (int e = 0; e < NLEG; e++) z += exp(ll[e] - ll[w]);
    *post = 1 / z;
    size_t tot = d->good[w] + d->bad[w];
    *share = tot ? (double)d->good[w] / (double)tot : 1;
    return w;
}

gv_encoding gv_enc_detector_result(const gv_enc_detector *d, double *confidence) {
    double conf = 0;
    gv_encoding r = GV_ENC_UNKNOWN;
    if (!d || d->nvalues == 0) {
        r = GV_ENC_UNKNOWN;
    } else if (d->nnonascii == 0) {
        r = GV_ENC_ASCII;
        conf = 1;
    } else {
        double cu = 1 - pow(0.1, (double)d->nmulti);
        if (d->nlegacy == 0) {
            r = GV_ENC_UTF8;
            conf = cu;
        } else {
            double post, share;
            int w = legacy_winner(d, &post, &share);
            /* Values that read as Vietnamese only in an encoding other than
             * the winner's: a few are odd names (each is listed by the
             * caller as not reading well), many are another encoding. */
            int ndec = 0;
            double floor_ = fmax(2.0, 0.02 * (double)d->nlegacy);
            for (int e = 0; e < NLEG; e++) ndec += e == w ? d->decisive[e] > 0 : (double)d->decisive[e] >= floor_;
            if (d->nutf8_letters > 0 || ndec > 1) {
                r = GV_ENC_MIXED;
                conf = d->nutf8_letters > 0 ? cu * share : post * share;
            } else if (share < 0.5) {
                r = GV_ENC_UNKNOWN;
            } else {
                r = LEGACY[w];
                conf = post * share;
            }
        }
    }
    if (confidence) *confidence = conf < 0 ? 0 : conf > 1 ? 1 : conf;
    return r;
}

int gv_enc_detector_words(const gv_enc_detector *d, gv_encoding e, size_t *good, size_t *bad) {
    size_t g = 0, b = 0;
    if (!d) return GV_EUSAGE;
    if (e == GV_ENC_UTF8) {
        g = d->utf8_good;
        b = d->utf8_bad;
    } else {
        int k;
        for (k = 0; k < NLEG && LEGACY[k] != e; k++) {}
        if (k == NLEG) return GV_EUSAGE;
        g = d->good[k];
        b = d->bad[k];
    }
    if (good) *good = g;
    if (bad) *bad = b;
    return GV_OK;
}

void gv_enc_detector_counts(const gv_enc_detector *d, gv_enc_counts *out) {
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (!d) return;
    out->values = d->nvalues;
    out->nonascii = d->nnonascii;
    out->utf8 = d->nutf8;
    out->utf8_words = d->nutf8_letters;
    out->truncated = d->ntruncated;
    out->legacy = d->nlegacy;
    out->implausible_utf8 = d->nimplausible;
    out->mojibake = d->nmojibake;
}

gv_encoding gv_text_detect(const char *bytes, size_t n, double *confidence) {
    gv_enc_detector d;
    memset(&d, 0, sizeof d);
    gv_enc_detector_feed(&d, bytes, n);
    gv_encoding r = gv_enc_detector_result(&d, confidence);
    free(d.scratch.a);
    return r;
}

int gv_text_scores(const char *bytes, size_t n, gv_encoding e, unsigned flags, size_t *good, size_t *bad) {
    if (good) *good = 0;
    if (bad) *bad = 0;
    if (!bytes && n) return GV_EUSAGE;
    if (e != GV_ENC_ASCII && e != GV_ENC_UTF8 && e != GV_ENC_CP1258 && e != GV_ENC_TCVN3 && e != GV_ENC_VNI)
        return GV_EUSAGE;
    gv__cpbuf b = {0};
    if (n) gv__decode_cps((const unsigned char *)bytes, n, e, flags, &b);
    if (b.nomem) { free(b.a); return GV_ENOMEM; }
    size_t g, x;
    gv__score_words(b.a, b.n, &g, &x);
    free(b.a);
    if (good) *good = g;
    if (bad) *bad = x;
    return GV_OK;
}
