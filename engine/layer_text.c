/* layer_text.c: decodes a layer's attribute text (values and field names)
 * from the bytes GDAL hands over — raw DBF bytes for Shapefiles — to UTF-8
 * NFC, deciding the encoding from the bytes (encoding.c's detector), the
 * .cpg and the DBF LDID, and saying how it decided (layer.h,
 * gv_layer_open_ex and gv_layer_encoding).
 *
 * Why geovoice decodes and not GDAL: GDAL knows CP1258 only through iconv
 * and TCVN3/VNI not at all, trusts the .cpg blindly (a wrong .cpg gives
 * mojibake with no warning), and reads a DBF without .cpg as ISO-8859-1. */
#include "layer_text.h"

#include "encoding_int.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#define MAX_ISSUES 20

/* What a .cpg declares. */
typedef enum { DECL_NONE, DECL_UTF8, DECL_CP1258, DECL_TCVN3, DECL_VNI, DECL_WESTERN, DECL_OTHER } decl;

static decl cpg_class(const char *c) {
    if (!c) return DECL_NONE;
    char k[64];
    size_t n = 0;
    /* "ANSI 1258", "CP1258", "windows-1258", "UTF-8": letters and digits
     * only, lower case. */
    for (const char *p = c; *p && n + 1 < sizeof k; p++)
        if (isalnum((unsigned char)*p)) k[n++] = (char)tolower((unsigned char)*p);
    k[n] = 0;
    if (!strcmp(k, "utf8") || !strcmp(k, "65001")) return DECL_UTF8;
    if (!strcmp(k, "1258") || !strcmp(k, "cp1258") || !strcmp(k, "windows1258") || !strcmp(k, "ansi1258"))
        return DECL_CP1258;
    if (!strcmp(k, "tcvn3") || !strcmp(k, "tcvn") || !strcmp(k, "abc") || !strcmp(k, "tcvn5712") ||
        !strcmp(k, "tcvn57121"))
        return DECL_TCVN3;
    if (!strcmp(k, "vni") || !strcmp(k, "vniwin") || !strcmp(k, "vniwindows")) return DECL_VNI;
    if (!strcmp(k, "1252") || !strcmp(k, "cp1252") || !strcmp(k, "windows1252") || !strcmp(k, "ansi1252") ||
        !strcmp(k, "ansi") || !strcmp(k, "88591") || !strcmp(k, "iso88591") || !strcmp(k, "latin1"))
        return DECL_WESTERN;
    return DECL_OTHER;
}

static gv_encoding decl_enc(decl d) {
    switch (d) {
    case DECL_UTF8: return GV_ENC_UTF8;
    case DECL_CP1258: return GV_ENC_CP1258;
    case DECL_TCVN3: return GV_ENC_TCVN3;
    case DECL_VNI: return GV_ENC_VNI;
    default: return GV_ENC_UNKNOWN;
    }
}

/* Whole small file through GDAL's VSI (works inside /vsizip/ too): at
 * most cap-1 bytes, NUL-terminated; -1 when it cannot be opened. */
static long read_small(const char *path, char *buf, size_t cap) {
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) return -1;
    size_t n = VSIFReadL(buf, 1, cap - 1, f);
    VSIFCloseL(f);
    buf[n] = 0;
    return (long)n;
}

static long read_sidecar(const char *base, const char *ext_lo, const char *ext_up, char *buf, size_t cap) {
    char path[4200];
    snprintf(path, sizeof path, "%s.%s", base, ext_lo);
    long n = read_small(path, buf, cap);
    if (n < 0) {
        snprintf(path, sizeof path, "%s.%s", base, ext_up);
        n = read_small(path, buf, cap);
    }
    return n;
}

/* The .cpg's text (trimmed, malloc'd) or NULL (also for a .cpg with
 * nothing in it: *empty set); the DBF's LDID or -1. */
static void read_declared(const char *base, char **cpg, int *empty, int *ldid) {
    *cpg = NULL;
    *empty = 0;
    *ldid = -1;
    if (!base) return;
    char buf[128];
    if (read_sidecar(base, "cpg", "CPG", buf, sizeof buf) >= 0) {
        char *s = buf, *e;
        while (*s && isspace((unsigned char)*s)) s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
        if (*s) *cpg = strdup(s);
        else *empty = 1;
    }
    unsigned char h[33];
    if (read_sidecar(base, "dbf", "DBF", (char *)h, sizeof h) >= 30) *ldid = h[29];
}

static const char *enc_label(gv_encoding e) {
    switch (e) {
    case GV_ENC_ASCII: return "ASCII";
    case GV_ENC_UTF8: return "UTF-8";
    case GV_ENC_CP1258: return "CP1258";
    case GV_ENC_TCVN3: return "TCVN3";
    case GV_ENC_VNI: return "VNI";
    case GV_ENC_MIXED: return "mixed";
    default: return "unknown";
    }
}

static void issue(gv__layer_text *t, const char *fmt, ...) GV_PRINTF(2, 3);
static void issue(gv__layer_text *t, const char *fmt, ...) {
    if (t->nissues >= MAX_ISSUES) return;
    char line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **a = realloc(t->issues, (t->nissues + 1) * sizeof *a);
    if (!a) return;
    t->issues = a;
    if ((a[t->nissues] = strdup(line))) t->nissues++;
}

/* "FID 12 field 'TEN'" or "field name 3" for value k (k < nfields*nfeat;
 * names are indexed from SIZE_MAX down). */
static void where_(const gv__text_job *j, size_t feat, size_t f, char *buf, size_t n) {
    if (feat == (size_t)-1) snprintf(buf, n, "field name %zu", f + 1);
    else snprintf(buf, n, "FID %lld field '%s'", j->fids[feat], j->names[f] ? j->names[f] : "");
}

/* A printable rendering of raw bytes: ASCII as is, the rest as \xHH. */
static void show_raw(const char *s, char *buf, size_t n) {
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && w + 5 < n; p++) {
        if (*p >= 0x20 && *p < 0x7F) buf[w++] = (char)*p;
        else w += (size_t)snprintf(buf + w, n - w, "\\x%02X", *p);
    }
    buf[w] = 0;
}

/* The legacy encoding whose reading of the non-UTF-8 values is best. */
static gv_encoding best_legacy(const gv_enc_detector *d) {
    static const gv_encoding L[3] = {GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    gv_encoding w = L[0];
    long best = 0;
    for (int k = 0; k < 3; k++) {
        size_t g = 0, b = 0;
        gv_enc_detector_words(d, L[k], &g, &b);
        long s = (long)g - (long)b;
        if (k == 0 || s > best) { best = s; w = L[k]; }
    }
    return w;
}

/* 1 when the bytes hold a byte >= 0x80. */
static int nonascii(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80) return 1;
    return 0;
}

static int utf8_ok(const char *s) {
    size_t n = strlen(s);
    return gv__utf8_check(s, n, NULL, NULL) == n;
}

/* 1 when letter c carries a tone mark (the letters VN3 has only in small). */
static int toned(int32_t c) {
    int32_t d[4];
    utf8proc_ssize_t n = utf8proc_decompose_char(c, d, 4, UTF8PROC_DECOMPOSE, NULL);
    for (utf8proc_ssize_t k = 1; k < n && n <= 4; k++)
        if (d[k] == 0x300 || d[k] == 0x301 || d[k] == 0x303 || d[k] == 0x309 || d[k] == 0x323) return 1;
    return 0;
}

/* Counts the words of a decoded TCVN3 value that begin with a small
 * toned letter while its other words begin with capitals: "øng Hoµ" was
 * most likely "Ứng Hoà" typed without the capital font. */
static size_t small_capitals(const char *u) {
    size_t n = strlen(u), small = 0;
    int capital_word = 0;
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)u;
    int at_start = 1;
    for (size_t i = 0; i < n;) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) break;
        if (c == ' ') at_start = 1;
        else if (at_start) {
            at_start = 0;
            if (utf8proc_isupper(c)) capital_word = 1;
            else if (c >= 0xC0 && utf8proc_islower(c) && toned(c)) small++;
        }
        i += (size_t)k;
    }
    return capital_word ? small : 0;
}

/* Converts one string in place. Returns GV_OK, GV_EDATA (err names the
 * place; only when strict), GV_ENOMEM. */
static int convert_one(gv__text_job *j, gv__layer_text *t, char **slot, size_t feat, size_t f, gv_encoding e,
                       unsigned flags, const char *gdal_enc, gv_encoding mixed_legacy, gv_error *err) {
    char *raw = *slot;
    if (!raw) return GV_OK;
    gv_layer_encoding_info *in = &t->info;
    size_t n = strlen(raw);
    char *u = NULL;
    int rc = GV_OK;
    gv_encoding this_e = e;
    if (e == GV_ENC_MIXED) this_e = utf8_ok(raw) ? GV_ENC_UTF8 : mixed_legacy;
    if (gdal_enc) {
        /* Not Vietnamese in any encoding of ours: as the .cpg says. */
        char *r = nonascii(raw) ? CPLRecode(raw, gdal_enc, CPL_ENC_UTF8) : NULL;
        u = (char *)utf8proc_NFC((const utf8proc_uint8_t *)(r ? r : raw));
        if (r) CPLFree(r);
        if (!u) return gv_error_set(err, GV_ENOMEM, "out of memory");
    } else {
        size_t len = n;
        if (this_e == GV_ENC_UTF8 || this_e == GV_ENC_ASCII) {
            size_t nm = 0;
            int trunc = 0;
            size_t ok = gv__utf8_check(raw, n, &nm, &trunc);
            if (this_e == GV_ENC_UTF8 && ok < n && trunc) {
                len = ok; /* a DBF field cut inside its last character */
                in->truncated++;
            }
        }
        gv_error cerr;
        gv_error_clear(&cerr);
        rc = gv_text_to_utf8_flags(raw, len, this_e, flags, &u, &cerr);
        if (rc == GV_ENOMEM) return gv_error_set(err, GV_ENOMEM, "out of memory");
        if (rc != GV_OK) {
            char w[400], sh[300];
            where_(j, feat, f, w, sizeof w);
            show_raw(raw, sh, sizeof sh);
            in->undecodable++;
            if (!(j->opt && j->opt->lenient))
                return gv_error_set(err, GV_EDATA, "%s: layer '%s': %s: '%s': %s in %s%s", j->source, j->layer, w,
                                    sh, cerr.msg, enc_label(this_e),
                                    in->overridden ? " (the --encoding given)" : "");
            issue(t, "%s: '%s': %s in %s (undefined bytes shown as U+FFFD)", w, sh, cerr.msg, enc_label(this_e));
            size_t nbad = 0;
            if (gv__text_to_utf8_lossy(raw, len, this_e, flags, &u, &nbad) != GV_OK)
                return gv_error_set(err, GV_ENOMEM, "out of memory");
        }
        if (this_e == GV_ENC_UTF8 && len == n && strcmp(u, raw) && !(n >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3)))
            in->nfd++;
    }
    if (this_e != GV_ENC_ASCII && nonascii(raw)) {
        size_t g = 0, b = 0;
        gv_text_scores(u, strlen(u), GV_ENC_UTF8, 0, &g, &b);
        in->words += g + b;
        in->bad_words += b;
    }
    if (this_e == GV_ENC_TCVN3 && !(flags & GV_TCVN3_CAPS) && feat != (size_t)-1) in->small_capitals += small_capitals(u);
    free(raw);
    *slot = *u ? u : NULL;
    if (!*u) free(u);
    return GV_OK;
}

/* UTF-8 values that are legacy text an earlier conversion read as
 * Windows-1252 or Latin-1 ("Hµ Néi"): repaired when the recovered bytes
 * read as Vietnamese only (gv_text_unmojibake), counted, the first shown;
 * a problem, since the file itself should be converted again. */
static int repair_mojibake(gv__text_job *j, gv__layer_text *t, gv_error *err) {
    gv_layer_encoding_info *in = &t->info;
    size_t nslots = j->nfields + j->nfeat * j->nfields;
#define SLOT(k) ((k) < j->nfields ? &j->names[k] : &j->values[(k) - j->nfields])
    /* First the values that tell by themselves which encoding was garbled
     * (their UTF-8 reading has words that are not syllables)... */
    size_t votes[4] = {0};
    static const gv_encoding C[4] = {GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    for (size_t k = 0; k < nslots; k++) {
        char **slot = SLOT(k);
        if (!*slot || !nonascii(*slot)) continue;
        gv_encoding as;
        char *fixed = NULL;
        if (gv_text_unmojibake(*slot, &as, &fixed, err) == GV_ENOMEM) return GV_ENOMEM;
        for (int c = 0; c < 4; c++) votes[c] += fixed && as == C[c];
        free(fixed);
    }
    int w = 0;
    for (int c = 1; c < 4; c++)
        if (votes[c] > votes[w]) w = c;
    if (!votes[w]) return GV_OK;
    /* ...then every value whose bytes read well in that encoding, also
     * those whose garbled form happens to look Vietnamese (VNI "Xaõ"). */
    for (size_t k = 0; k < nslots; k++) {
        char **slot = SLOT(k);
        if (!*slot || !nonascii(*slot)) continue;
        gv_encoding as = C[w];
        char *fixed = NULL;
        if (gv_text_unmojibake_as(*slot, as, &fixed, err) == GV_ENOMEM) return GV_ENOMEM;
        if (!fixed) continue;
        if (!strcmp(fixed, *slot)) { free(fixed); continue; }
        if (in->mojibake++ == 0) {
            char w[400];
            size_t feat = k < j->nfields ? (size_t)-1 : (k - j->nfields) / j->nfields;
            where_(j, feat, k < j->nfields ? k : (k - j->nfields) % j->nfields, w, sizeof w);
            snprintf(t->moji_as, sizeof t->moji_as, "%s", enc_label(as));
            issue(t, "mojibake: %s: '%s' is %s text that an earlier conversion read as Windows-1252/Latin-1: "
                     "read as '%s' (convert the file again from its source)", w, *slot, enc_label(as), fixed);
        }
        free(*slot);
        *slot = fixed;
    }
#undef SLOT
    if (in->mojibake) in->problem = 1;
    return GV_OK;
}

/* The first field name or value holding bytes >= 0x80 that is detected
 * as UTF-8 (want_utf8) or as anything else; *feat is (size_t)-1 for a
 * field name. */
static int find_value(const gv__text_job *j, int want_utf8, size_t *feat, size_t *f, gv_encoding *as) {
    for (size_t k = 0; k < j->nfields; k++) {
        const char *v = j->names[k];
        if (!v || !nonascii(v)) continue;
        gv_encoding e = gv_text_detect(v, strlen(v), NULL);
        if ((e == GV_ENC_UTF8) == want_utf8) {
            *feat = (size_t)-1;
            *f = k;
            *as = e;
            return 1;
        }
    }
    for (size_t i = 0; i < j->nfeat; i++)
        for (size_t k = 0; k < j->nfields; k++) {
            const char *v = j->values[i * j->nfields + k];
            if (!v || !nonascii(v)) continue;
            gv_encoding e = gv_text_detect(v, strlen(v), NULL);
            int is_utf8 = e == GV_ENC_UTF8;
            if (is_utf8 == want_utf8) {
                *feat = i;
                *f = k;
                *as = e;
                return 1;
            }
        }
    return 0;
}

/* The first value (names first) not UTF-8 whose own best reading is a
 * known legacy encoding other than avoid: the odd one of a mixed layer. */
static int find_other_legacy(const gv__text_job *j, gv_encoding avoid, size_t *feat, size_t *f, gv_encoding *as) {
    for (size_t i = 0; i < j->nfeat; i++)
        for (size_t k = 0; k < j->nfields; k++) {
            const char *v = j->values[i * j->nfields + k];
            if (!v || !nonascii(v)) continue;
            gv_encoding e = gv_text_detect(v, strlen(v), NULL);
            if (e != avoid && (e == GV_ENC_CP1258 || e == GV_ENC_TCVN3 || e == GV_ENC_VNI)) {
                *feat = i;
                *f = k;
                *as = e;
                return 1;
            }
        }
    return 0;
}

int gv__layer_text_decode(gv__text_job *j, gv__layer_text *t, gv_error *err) {
    memset(t, 0, sizeof *t);
    gv_layer_encoding_info *in = &t->info;
    in->ldid = -1;
    in->declared_agrees = -1;
    read_declared(j->dbf_base, &t->cpg, &t->cpg_empty, &in->ldid);
    in->cpg = t->cpg;
    decl dc = cpg_class(t->cpg);

    gv_enc_detector *d = gv_enc_detector_new();
    if (!d) return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t f = 0; f < j->nfields; f++)
        if (j->names[f]) gv_enc_detector_feed(d, j->names[f], strlen(j->names[f]));
    for (size_t i = 0; i < j->nfeat * j->nfields; i++)
        if (j->values[i]) gv_enc_detector_feed(d, j->values[i], strlen(j->values[i]));
    double conf = 0;
    gv_encoding det = gv_enc_detector_result(d, &conf);
    gv_enc_counts cnt;
    gv_enc_detector_counts(d, &cnt);
    in->detected = det;
    in->confidence = conf;
    in->values = cnt.values;
    in->nonascii = cnt.nonascii;
    gv_encoding mixed_legacy = best_legacy(d);

    const gv_layer_options *o = j->opt;
    int lenient = o && o->lenient;
    gv_encoding e = det;
    unsigned flags = 0;
    const char *gdal_enc = NULL;
    char gdal_buf[80];
    char how[1200] = "";
    int rc = GV_OK;
    if (o && o->encoding != GV_ENC_UNKNOWN) {
        e = o->encoding;
        flags = o->encoding_flags;
        in->overridden = 1;
        snprintf(how, sizeof how, "as given (--encoding); the bytes alone say %s", enc_label(det));
        /* A forced reading that makes poor Vietnamese is said, not
         * trusted silently. */
        size_t ge = 0, be = 0, gd = 0, bd = 0;
        if ((e == GV_ENC_CP1258 || e == GV_ENC_TCVN3 || e == GV_ENC_VNI) && e != det &&
            gv_enc_detector_words(d, e, &ge, &be) == GV_OK && be > ge) {
            in->problem = 1;
            if (gv_enc_detector_words(d, det, &gd, &bd) == GV_OK && gd + bd)
                issue(t, "--encoding %s reads poorly: %zu of %zu words are Vietnamese syllables (as %s: %zu of %zu)",
                      enc_label(e), ge, ge + be, enc_label(det), gd, gd + bd);
            else
                issue(t, "--encoding %s reads poorly: %zu of %zu words are Vietnamese syllables", enc_label(e), ge,
                      ge + be);
        } else if (e != GV_ENC_UTF8 && e != det && det == GV_ENC_UTF8 && cnt.utf8_words) {
            in->problem = 1;
            issue(t, "--encoding %s on text that is valid UTF-8 with Vietnamese words (%zu values): read as %s as "
                     "asked",
                  enc_label(e), cnt.utf8, enc_label(e));
        }
    } else if (det == GV_ENC_CP1258 || det == GV_ENC_TCVN3 || det == GV_ENC_VNI) {
        gv_encoding de = decl_enc(dc);
        if (de != GV_ENC_UNKNOWN && de != GV_ENC_UTF8 && de != det && conf < 0.5) {
            size_t g = 0, b = 0;
            gv_enc_detector_words(d, de, &g, &b);
            if (g >= b) {
                e = de;
                snprintf(how, sizeof how, "as the .cpg says (the bytes read as %s or %s, slightly better as %s)",
                         enc_label(de), enc_label(det), enc_label(det));
            }
        }
        if (!*how) {
            size_t g = 0, b = 0;
            gv_enc_detector_words(d, det, &g, &b);
            snprintf(how, sizeof how, "detected from %zu words, %.1f%% Vietnamese syllables, confidence %.3f", g + b,
                     g + b ? 100.0 * (double)g / (double)(g + b) : 100.0, conf);
            if (conf < 0.9) {
                /* Few words, read as well in another encoding ("Sôn La"
                 * is Sôn in CP1258, Sơn in VNI, Sụn in TCVN3): a guess,
                 * so it is said. */
                char alts[100] = "";
                static const gv_encoding L[3] = {GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
                for (int k = 0; k < 3; k++) {
                    size_t g2 = 0, b2 = 0;
                    gv_enc_detector_words(d, L[k], &g2, &b2);
                    if (L[k] != det && (long)g2 - (long)b2 >= (long)g - (long)b - 1) {
                        size_t al = strlen(alts);
                        snprintf(alts + al, sizeof alts - al, "%s%s", *alts ? " or " : "", enc_label(L[k]));
                    }
                }
                in->problem = 1;
                issue(t, "ambiguous: the text reads about as well in %s as in %s (confidence %.3f); read as %s, pass "
                         "--encoding to choose", *alts ? alts : "another encoding", enc_label(det), conf,
                      enc_label(det));
            }
        }
    } else if (det == GV_ENC_UTF8) {
        snprintf(how, sizeof how, "detected (%zu values with non-ASCII text, all valid UTF-8)", cnt.nonascii);
    } else if (det == GV_ENC_ASCII || (det == GV_ENC_UNKNOWN && cnt.nonascii == 0)) {
        e = GV_ENC_ASCII;
        snprintf(how, sizeof how, "every byte < 0x80");
    } else if (det == GV_ENC_MIXED) {
        size_t f1 = 0, i1 = 0, f2 = 0, i2 = 0;
        gv_encoding a1 = GV_ENC_UNKNOWN, a2 = GV_ENC_UNKNOWN;
        char w1[400] = "", w2[400] = "";
        int has1 = cnt.utf8_words && find_value(j, 1, &i1, &f1, &a1);
        int has2 = find_value(j, 0, &i2, &f2, &a2);
        if (has1) where_(j, i1, f1, w1, sizeof w1);
        if (has2) where_(j, i2, f2, w2, sizeof w2);
        char msg[1000];
        if (cnt.utf8_words)
            snprintf(msg, sizeof msg, "mixed text encodings: values UTF-8: %zu (%s), not UTF-8: %zu (%s reads as %s)",
                     cnt.utf8, has1 ? w1 : "?", cnt.legacy, has2 ? w2 : "?", enc_label(has2 ? a2 : mixed_legacy));
        else {
            size_t f3 = 0, i3 = 0;
            gv_encoding a3 = GV_ENC_UNKNOWN;
            char w3[400] = "";
            int has3 = find_other_legacy(j, has2 ? a2 : mixed_legacy, &i3, &f3, &a3);
            if (has3) where_(j, i3, f3, w3, sizeof w3);
            snprintf(msg, sizeof msg, "mixed text encodings: the values read as Vietnamese in different legacy "
                                      "encodings (%s reads as %s%s%s%s%s; best overall %s)",
                     has2 ? w2 : "?", enc_label(has2 ? a2 : mixed_legacy), has3 ? ", " : "", has3 ? w3 : "",
                     has3 ? " reads as " : "", has3 ? enc_label(a3) : "", enc_label(mixed_legacy));
        }
        if (!lenient) {
            rc = gv_error_set(err, GV_EDATA, "%s: layer '%s': %s; pass --encoding to choose one (geovoice check %s "
                                             "shows more)", j->source, j->layer, msg, j->source);
            goto out;
        }
        in->problem = 1;
        issue(t, "%s", msg);
        snprintf(how, sizeof how, "%s; read each value by itself: valid UTF-8 as UTF-8, the others as %s", msg,
                 enc_label(mixed_legacy));
    } else { /* UNKNOWN with non-ASCII text */
        size_t fi = 0, ff = 0;
        gv_encoding a = GV_ENC_UNKNOWN;
        char w[400] = "?", sh[300] = "";
        if (find_value(j, 0, &fi, &ff, &a)) {
            where_(j, fi, ff, w, sizeof w);
            show_raw(fi == (size_t)-1 ? j->names[ff] : j->values[fi * j->nfields + ff], sh, sizeof sh);
        }
        if (dc != DECL_NONE && decl_enc(dc) == GV_ENC_UNKNOWN) {
            /* Another language's code page, as the .cpg says. */
            const char *c = t->cpg;
            int digits = *c != 0;
            for (const char *p = c; *p; p++) digits &= isdigit((unsigned char)*p) != 0;
            snprintf(gdal_buf, sizeof gdal_buf, "%s%s", digits ? "CP" : "", dc == DECL_WESTERN && !digits ? "CP1252" : c);
            gdal_enc = gdal_buf;
            e = GV_ENC_UNKNOWN;
            snprintf(how, sizeof how, "not Vietnamese in UTF-8, CP1258, TCVN3 or VNI: read as the .cpg says (%s)",
                     gdal_buf);
        } else if (decl_enc(dc) != GV_ENC_UNKNOWN) {
            e = decl_enc(dc);
            snprintf(how, sizeof how, "not Vietnamese in any encoding geovoice knows: read as the .cpg says");
            in->problem = 1;
        } else if (!lenient) {
            rc = gv_error_set(err, GV_EDATA, "%s: layer '%s': %s: '%s': the text is not UTF-8 and not Vietnamese in "
                                             "CP1258, TCVN3 or VNI, and no .cpg says what it is; pass --encoding",
                              j->source, j->layer, w, sh);
            goto out;
        } else {
            in->problem = 1;
            e = GV_ENC_CP1258;
            issue(t, "%s: '%s': not UTF-8 and not Vietnamese in CP1258, TCVN3 or VNI", w, sh);
            snprintf(how, sizeof how, "unknown: not UTF-8 and not Vietnamese in CP1258, TCVN3 or VNI; shown as "
                                      "CP1258 (pass --encoding)");
        }
    }
    in->encoding = e;
    in->flags = flags;

    /* Per value: one that reads badly in the layer's legacy encoding but
     * as Vietnamese syllables only in another is that encoding's text (a
     * row typed elsewhere): named, never drawn garbled silently. */
    if (rc == GV_OK && (e == GV_ENC_CP1258 || e == GV_ENC_TCVN3 || e == GV_ENC_VNI)) {
        static const gv_encoding L3[3] = {GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
        size_t nodd = 0, of = 0, ofk = 0;
        gv_encoding oe = GV_ENC_UNKNOWN;
        for (size_t i = 0; i < j->nfeat; i++)
            for (size_t k = 0; k < j->nfields; k++) {
                const char *v = j->values[i * j->nfields + k];
                if (!v || !nonascii(v)) continue;
                size_t n = strlen(v), g = 0, b = 0;
                if (gv_text_scores(v, n, e, flags, &g, &b) != GV_OK || b == 0) continue;
                for (int q = 0; q < 3; q++) {
                    size_t g2 = 0, b2 = 0;
                    if (L3[q] == e || gv_text_scores(v, n, L3[q], 0, &g2, &b2) != GV_OK || b2 || !g2) continue;
                    if (nodd++ == 0) of = i, ofk = k, oe = L3[q];
                    break;
                }
            }
        if (nodd) {
            char w[400], msg[1400];
            where_(j, of, ofk, w, sizeof w);
            const char *v = j->values[of * j->nfields + ofk];
            char *alt = NULL;
            if (gv_text_to_utf8(v, strlen(v), oe, &alt, NULL) != GV_OK) alt = NULL;
            snprintf(msg, sizeof msg, "%zu values read as %s text, not %s like the rest of the layer (%s reads as '%s')",
                     nodd, enc_label(oe), enc_label(e), w, alt ? alt : "?");
            free(alt);
            in->problem = 1;
            if (!lenient && !in->overridden) {
                rc = gv_error_set(err, GV_EDATA, "%s: layer '%s': mixed text encodings: %s; fix those rows, or pass "
                                                 "--encoding (geovoice check %s lists the layer)",
                                  j->source, j->layer, msg, j->source);
                goto out;
            }
            issue(t, "mixed text encodings: %s", msg);
        }
    }

    /* Convert: field names first, so that messages name fields right. */
    for (size_t f = 0; f < j->nfields && rc == GV_OK; f++)
        rc = convert_one(j, t, &j->names[f], (size_t)-1, f, e, flags, gdal_enc, mixed_legacy, err);
    for (size_t i = 0; i < j->nfeat && rc == GV_OK; i++)
        for (size_t f = 0; f < j->nfields && rc == GV_OK; f++)
            rc = convert_one(j, t, &j->values[i * j->nfields + f], i, f, e, flags, gdal_enc, mixed_legacy, err);
    if (rc != GV_OK) goto out;
    if (in->undecodable) in->problem = 1;
    if (cnt.mojibake && e == GV_ENC_UTF8 && !in->overridden && (rc = repair_mojibake(j, t, err)) != GV_OK) goto out;

    /* The .cpg against the text. */
    if (dc != DECL_NONE) {
        gv_encoding got = e == GV_ENC_MIXED ? GV_ENC_MIXED : e;
        int agree;
        if (got == GV_ENC_ASCII) agree = 1; /* ASCII is the same in every code page */
        else if (got == GV_ENC_UTF8) agree = dc == DECL_UTF8;
        else if (got == GV_ENC_CP1258) agree = dc == DECL_CP1258;
        else if (got == GV_ENC_TCVN3 || got == GV_ENC_VNI)
            agree = decl_enc(dc) == got || dc == DECL_WESTERN; /* the legacy fonts sat on code page 1252 */
        else if (gdal_enc) agree = 1;
        else agree = 0;
        in->declared_agrees = agree;
        if (!agree && !in->overridden) {
            in->problem = 1;
            issue(t, "wrong .cpg: it says '%s' but the text is %s%s", t->cpg, enc_label(got),
                  dc == DECL_UTF8 ? " (not valid UTF-8)" : "");
        }
    }

    {
        char s[1600];
        int w = snprintf(s, sizeof s, "%s%s (%s)", enc_label(e), flags & GV_TCVN3_CAPS ? " in a capital font" : "",
                         how);
        if (w > 0 && (size_t)w < sizeof s && j->dbf_base) {
            if (t->cpg)
                w += snprintf(s + w, sizeof s - (size_t)w, "; .cpg '%s' %s", t->cpg,
                              in->declared_agrees == 1 ? "agrees" : in->overridden ? "differs" : "is WRONG");
            else
                w += snprintf(s + w, sizeof s - (size_t)w, t->cpg_empty ? "; empty .cpg (taken as none)" : "; no .cpg");
            if (w > 0 && (size_t)w < sizeof s && in->ldid >= 0)
                w += snprintf(s + w, sizeof s - (size_t)w, "; DBF LDID 0x%02X", (unsigned)in->ldid);
        }
        if (w > 0 && (size_t)w < sizeof s && in->nfd)
            w += snprintf(s + w, sizeof s - (size_t)w, "; %zu decomposed (NFD) values composed to NFC", in->nfd);
        if (w > 0 && (size_t)w < sizeof s && in->truncated)
            w += snprintf(s + w, sizeof s - (size_t)w, "; %zu values cut inside their last character", in->truncated);
        if (w > 0 && (size_t)w < sizeof s && in->undecodable)
            w += snprintf(s + w, sizeof s - (size_t)w, "; %zu values with undefined bytes", in->undecodable);
        if (w > 0 && (size_t)w < sizeof s && in->mojibake)
            w += snprintf(s + w, sizeof s - (size_t)w, "; %zu values were %s mojibake (repaired)", in->mojibake,
                          t->moji_as);
        if (w > 0 && (size_t)w < sizeof s && in->small_capitals)
            snprintf(s + w, sizeof s - (size_t)w,
                     "; %zu words begin with a small toned letter where a capital was likely meant (TCVN3 has no "
                     "capitals with tones; read as small letters, joins by name ignore case)",
                     in->small_capitals);
        if (!(t->summary = strdup(s))) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
out:
    gv_enc_detector_free(d);
    in->summary = t->summary ? t->summary : "";
    in->issues = (const char *const *)t->issues;
    in->nissues = t->nissues;
    return rc;
}

void gv__layer_text_free(gv__layer_text *t) {
    if (!t) return;
    free(t->cpg);
    free(t->summary);
    for (size_t i = 0; i < t->nissues; i++) free(t->issues[i]);
    free(t->issues);
    memset(t, 0, sizeof *t);
}

char *gv__layer_text_encode_filter(const char *where, gv_encoding e, unsigned flags) {
    char *out = NULL;
    if (gv_text_from_utf8_flags(where, e, flags, &out, NULL, NULL) != GV_OK) return NULL;
    return out;
}
