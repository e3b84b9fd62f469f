/* fuzz_encoding.c: the encoding detector and converters (engine/encoding.c)
 * on arbitrary bytes. The input is split at newlines into values fed to a
 * detector; the whole input is also converted from every encoding.
 * Invariants: the detector's answer is in range, deterministic, ASCII
 * exactly when every byte is < 0x80, confidence in [0, 1]; a conversion
 * either fails cleanly (one-line message, NULL out) or gives valid UTF-8
 * in NFC; the lossy conversion never fails and counts undefined bytes
 * exactly when the strict one fails; what comes out re-encodes into the
 * same encoding and decodes back to itself; valid UTF-8 input encoded
 * into an encoding decodes back to its NFC, and its mojibake repair, when
 * there is one, is NFC in one of the encodings. */
#include "fuzz.h"

#include "encoding_int.h"
#include "geovoice/encoding.h"

#include <string.h>
#include <utf8proc.h>

static int valid_nfc(const char *s) {
    size_t n = strlen(s);
    if (gv__utf8_check(s, n, NULL, NULL) != n) return 0;
    char *c = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
    int same = c && !strcmp(c, s);
    free(c);
    return same;
}

static const gv_encoding ENCS[] = {GV_ENC_ASCII, GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    const char *s = (const char *)data;

    /* Detector over the lines, twice: same answer. */
    gv_enc_detector *d1 = gv_enc_detector_new(), *d2 = gv_enc_detector_new();
    if (!d1 || !d2) { gv_enc_detector_free(d1); gv_enc_detector_free(d2); return 0; }
    int any = 0, high = 0;
    for (size_t a = 0; a <= size;) {
        const char *nl = memchr(s + a, '\n', size - a);
        size_t b = nl ? (size_t)(nl - s) : size;
        size_t len = b - a;
        const char *z = memchr(s + a, 0, len); /* values end at a NUL */
        size_t eff = z ? (size_t)(z - (s + a)) : len;
        if (eff) any = 1;
        for (size_t k = 0; k < eff; k++) high |= (unsigned char)s[a + k] >= 0x80;
        gv_enc_detector_feed(d1, s + a, len);
        gv_enc_detector_feed(d2, s + a, len);
        a = b + 1;
    }
    double c1 = -1, c2 = -2;
    gv_encoding r1 = gv_enc_detector_result(d1, &c1), r2 = gv_enc_detector_result(d2, &c2);
    fuzz_check(r1 == r2 && c1 == c2);
    fuzz_check(c1 >= 0 && c1 <= 1);
    fuzz_check(r1 >= GV_ENC_UNKNOWN && r1 <= GV_ENC_MIXED);
    fuzz_check((r1 == GV_ENC_ASCII) == (any && !high));
    if (!any) fuzz_check(r1 == GV_ENC_UNKNOWN);
    gv_enc_counts cnt;
    gv_enc_detector_counts(d1, &cnt);
    fuzz_check(cnt.nonascii <= cnt.values && cnt.utf8 + cnt.legacy == cnt.nonascii);
    fuzz_check(cnt.utf8_words <= cnt.utf8 && cnt.implausible_utf8 <= cnt.legacy);
    gv_enc_detector_free(d1);
    gv_enc_detector_free(d2);
    double c3;
    gv_encoding one = gv_text_detect(s, size, &c3);
    fuzz_check(c3 >= 0 && c3 <= 1 && one <= GV_ENC_MIXED);

    /* Every encoding, both flag settings for TCVN3. */
    for (size_t k = 0; k < sizeof ENCS / sizeof ENCS[0]; k++) {
        for (unsigned fl = 0; fl <= (ENCS[k] == GV_ENC_TCVN3 ? GV_TCVN3_CAPS : 0u); fl++) {
            gv_encoding e = ENCS[k];
            char *u = (char *)1;
            gv_error err;
            int rc = gv_text_to_utf8_flags(s, size, e, fl, &u, &err);
            char *lossy = NULL;
            size_t nbad = 99;
            fuzz_check(gv__text_to_utf8_lossy(s, size, e, fl, &lossy, &nbad) == GV_OK);
            fuzz_check(valid_nfc(lossy));
            size_t g, b;
            fuzz_check(gv_text_scores(s, size, e, fl, &g, &b) == GV_OK);
            if (rc != GV_OK) {
                fuzz_check(rc == GV_EDATA && u == NULL && *err.msg && !strchr(err.msg, '\n'));
                fuzz_check(nbad > 0);
                free(lossy);
                continue;
            }
            fuzz_check(nbad == 0 && !strcmp(u, lossy));
            free(lossy);
            fuzz_check(valid_nfc(u));
            /* Out and back: the same text. */
            char *back = NULL;
            size_t bn = 0;
            if (gv_text_from_utf8_flags(u, e, fl, &back, &bn, &err) == GV_OK) {
                fuzz_check(strlen(back) == bn);
                char *again = NULL;
                fuzz_check(gv_text_to_utf8_flags(back, bn, e, fl, &again, &err) == GV_OK);
                fuzz_check(!strcmp(again, u));
                free(again);
                free(back);
            } else {
                fuzz_check(back == NULL && *err.msg);
            }
            free(u);
        }
    }

    /* The input as UTF-8 text, into each encoding and back. */
    char *t = malloc(size + 1);
    if (!t) return 0;
    memcpy(t, s, size);
    t[size] = 0;
    size_t tl = strlen(t);
    if (gv__utf8_check(t, tl, NULL, NULL) == tl) {
        /* Mojibake repair: NFC out, in the encoding named. */
        gv_encoding as = GV_ENC_MIXED;
        char *fixed = (char *)1;
        fuzz_check(gv_text_unmojibake(t, &as, &fixed, NULL) == GV_OK);
        fuzz_check((fixed == NULL) == (as == GV_ENC_UNKNOWN));
        if (fixed) {
            fuzz_check(valid_nfc(fixed));
            fuzz_check(as == GV_ENC_UTF8 || as == GV_ENC_CP1258 || as == GV_ENC_TCVN3 || as == GV_ENC_VNI);
            free(fixed);
        }
        for (size_t k = 1; k < sizeof ENCS / sizeof ENCS[0]; k++) {
            fixed = NULL;
            fuzz_check(gv_text_unmojibake_as(t, ENCS[k], &fixed, NULL) == GV_OK);
            if (fixed) fuzz_check(valid_nfc(fixed));
            free(fixed);
        }
        char *want = (char *)utf8proc_NFC((const utf8proc_uint8_t *)t);
        for (size_t k = 0; want && k < sizeof ENCS / sizeof ENCS[0]; k++) {
            char *b = NULL, *u = NULL;
            size_t bn;
            if (gv_text_from_utf8(t, ENCS[k], &b, &bn, NULL) != GV_OK) {
                fuzz_check(b == NULL);
                continue;
            }
            fuzz_check(gv_text_to_utf8(b, bn, ENCS[k], &u, NULL) == GV_OK);
            /* BOMs at the start are dropped by the UTF-8 decoder. */
            const char *w = want;
            while (ENCS[k] == GV_ENC_UTF8 && !strncmp(w, "\xEF\xBB\xBF", 3)) w += 3;
            fuzz_check(!strcmp(u, w));
            free(b);
            free(u);
        }
        free(want);
    }
    free(t);
    return 0;
}
