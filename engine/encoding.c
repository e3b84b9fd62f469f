/* encoding.c: Vietnamese text encodings — the CP1258, TCVN3 (ABC) and VNI
 * tables and conversion to and from UTF-8 NFC (include/geovoice/encoding.h).
 *
 * The tables are written from the published definitions, not taken from
 * iconv (which the tests use as the independent reference):
 * - CP1258: Microsoft's windows-1258 code page;
 * - TCVN3: TCVN 5712:1993, table VN3 (the ABC fonts), plus the capitals of
 *   table VN1 in the slots VN3 leaves empty;
 * - VNI: the VNI-Windows code chart (base letter + mark byte).
 *
 * Detection lives in enc_detect.c, the syllable model in syllable.c. */
#include "geovoice/encoding.h"

#include "encoding_int.h"
#include "syllable.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* ------------------------------------------------------------- names */

const char *gv_encoding_name(gv_encoding e) {
    switch (e) {
    case GV_ENC_ASCII: return "ascii";
    case GV_ENC_UTF8: return "utf-8";
    case GV_ENC_CP1258: return "cp1258";
    case GV_ENC_TCVN3: return "tcvn3";
    case GV_ENC_VNI: return "vni";
    case GV_ENC_MIXED: return "mixed";
    case GV_ENC_UNKNOWN: break;
    }
    return "unknown";
}

int gv_encoding_parse_flags(const char *s, gv_encoding *out, unsigned *flags, gv_error *err) {
    static const struct {
        const char *name;
        gv_encoding e;
        unsigned flags;
    } names[] = {
        {"ascii", GV_ENC_ASCII, 0},        {"us-ascii", GV_ENC_ASCII, 0},      {"utf-8", GV_ENC_UTF8, 0},
        {"utf8", GV_ENC_UTF8, 0},          {"cp1258", GV_ENC_CP1258, 0},       {"windows-1258", GV_ENC_CP1258, 0},
        {"tcvn3", GV_ENC_TCVN3, 0},        {"abc", GV_ENC_TCVN3, 0},           {"tcvn5712", GV_ENC_TCVN3, 0},
        {"tcvn5712-1", GV_ENC_TCVN3, 0},   {"tcvn3-caps", GV_ENC_TCVN3, GV_TCVN3_CAPS},
        {"abc-caps", GV_ENC_TCVN3, GV_TCVN3_CAPS},                             {"vni", GV_ENC_VNI, 0},
        {"vni-win", GV_ENC_VNI, 0},        {"vni-windows", GV_ENC_VNI, 0},
    };
    if (!s || !out) return gv_error_set(err, GV_EUSAGE, "no encoding name given");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!flags && names[i].flags) continue; /* the _caps names need the flags out */
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].e;
            if (flags) *flags = names[i].flags;
            return GV_OK;
        }
    }
    return gv_error_set(err, GV_EUSAGE,
                        "unknown encoding '%s' (expected utf-8, cp1258, tcvn3, tcvn3-caps, vni or ascii)", s);
}

int gv_encoding_parse(const char *s, gv_encoding *out, gv_error *err) {
    return gv_encoding_parse_flags(s, out, NULL, err);
}

/* ------------------------------------------------------------- tables */

/* Code points of bytes 0x80-0xFF; 0 = undefined. */

/* windows-1258. The five combining tone marks are 0xCC (grave), 0xD2
 * (hook), 0xDE (tilde), 0xEC (acute) and 0xF2 (dot below). */
static const uint16_t CP1258_HI[128] = {
    /* 80 */ 0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    /* 88 */ 0x02C6, 0x2030, 0, 0x2039, 0x0152, 0, 0, 0,
    /* 90 */ 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    /* 98 */ 0x02DC, 0x2122, 0, 0x203A, 0x0153, 0, 0, 0x0178,
    /* A0 */ 0x00A0, 0x00A1, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x00A7,
    /* A8 */ 0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    /* B0 */ 0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    /* B8 */ 0x00B8, 0x00B9, 0x00BA, 0x00BB, 0x00BC, 0x00BD, 0x00BE, 0x00BF,
    /* C0 */ 0x00C0, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    /* C8 */ 0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x0300, 0x00CD, 0x00CE, 0x00CF,
    /* D0 */ 0x0110, 0x00D1, 0x0309, 0x00D3, 0x00D4, 0x01A0, 0x00D6, 0x00D7,
    /* D8 */ 0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x01AF, 0x0303, 0x00DF,
    /* E0 */ 0x00E0, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x00E5, 0x00E6, 0x00E7,
    /* E8 */ 0x00E8, 0x00E9, 0x00EA, 0x00EB, 0x0301, 0x00ED, 0x00EE, 0x00EF,
    /* F0 */ 0x0111, 0x00F1, 0x0323, 0x00F3, 0x00F4, 0x01A1, 0x00F6, 0x00F7,
    /* F8 */ 0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x01B0, 0x20AB, 0x00FF,
};

/* windows-1252's 0x80-0x9F, which VNI keeps (its fonts replaced only the
 * letter area); 0xA0-0xBF are Latin-1 in both. */
const uint16_t GV__CP1252_80[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* TCVN 5712:1993. VN3 (the ABC fonts) holds 0xA1-0xAE (Ă Â Ê Ô Ơ Ư Đ
 * ă â ê ô ơ ư đ) and the small letters with tones 0xB5-0xFE; the slots it
 * leaves empty (0x80-0x9F, 0xAF, 0xBA, 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0,
 * 0xF0, 0xFF) hold VN1's capitals with tones, and 0xB0-0xB4 VN1's
 * combining tone marks. VN3 marks the slots it uses; only those are
 * written. */
static const uint16_t TCVN_HI[128] = {
    /* 80 */ 0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8,
    /* 88 */ 0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC, 0x1EC8, 0x0128,
    /* 90 */ 0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8,
    /* 98 */ 0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA, 0x1EE2, 0x00D9, 0x1EE6, 0x0168,
    /* A0 */ 0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
    /* A8 */ 0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,
    /* B0 */ 0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    /* B8 */ 0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,
    /* C0 */ 0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,
    /* C8 */ 0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    /* D0 */ 0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
    /* D8 */ 0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
    /* E0 */ 0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    /* E8 */ 0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    /* F0 */ 0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
    /* F8 */ 0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
};

/* VN1 also puts twelve capitals on control codes 0x01-0x17 (read, never
 * written: the control characters themselves cannot be written in TCVN3). */
static uint32_t tcvn_low(unsigned b) {
    switch (b) {
    case 0x01: return 0x00DA; case 0x02: return 0x1EE4; case 0x04: return 0x1EEA;
    case 0x05: return 0x1EEC; case 0x06: return 0x1EEE; case 0x11: return 0x1EE8;
    case 0x12: return 0x1EF0; case 0x13: return 0x1EF2; case 0x14: return 0x1EF6;
    case 0x15: return 0x1EF8; case 0x16: return 0x00DD; case 0x17: return 0x1EF4;
    default: return b;
    }
}

/* 1 when TCVN3 byte b (>= 0x80) is a VN3 code (written as well as read). */
static int tcvn_vn3(unsigned b) {
    if (b >= 0xA0 && b <= 0xAE) return 1;
    if (b < 0xB5) return 0;
    switch (b) {
    case 0xBA: case 0xBF: case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC4: case 0xC5:
    case 0xCD: case 0xD9: case 0xDA: case 0xDB: case 0xE0: case 0xF0: case 0xFF: return 0;
    default: return 1;
    }
}

/* VNI-Windows mark bytes (small-letter forms; the capital forms are 0x20
 * lower and follow capitals): modifier + tone each stands for. */
typedef struct {
    unsigned char byte, mod, tone;
} vni_mark;
static const vni_mark VNI_MARKS[] = {
    {0xF8, 0, GV_T_GRAVE},         {0xF9, 0, GV_T_ACUTE},         {0xFB, 0, GV_T_HOOK},
    {0xF5, 0, GV_T_TILDE},         {0xEF, 0, GV_T_DOT},           {0xE2, GV_M_CIRC, GV_T_NONE},
    {0xE0, GV_M_CIRC, GV_T_GRAVE},    {0xE1, GV_M_CIRC, GV_T_ACUTE},    {0xE5, GV_M_CIRC, GV_T_HOOK},
    {0xE3, GV_M_CIRC, GV_T_TILDE},    {0xE4, GV_M_CIRC, GV_T_DOT},      {0xEA, GV_M_BREVE, GV_T_NONE},
    {0xE8, GV_M_BREVE, GV_T_GRAVE},   {0xE9, GV_M_BREVE, GV_T_ACUTE},   {0xFA, GV_M_BREVE, GV_T_HOOK},
    {0xFC, GV_M_BREVE, GV_T_TILDE},   {0xEB, GV_M_BREVE, GV_T_DOT},
};
#define NVNI_MARKS (sizeof VNI_MARKS / sizeof VNI_MARKS[0])

static const vni_mark *vni_mark_of(unsigned b) {
    unsigned lo = b >= 0xC0 && b <= 0xDF ? b + 0x20 : b;
    for (size_t i = 0; i < NVNI_MARKS; i++)
        if (VNI_MARKS[i].byte == lo) return &VNI_MARKS[i];
    return NULL;
}

/* VNI one-byte letters (small; capital = byte - 0x20): i with its tones,
 * ỵ, đ, ơ, ư. */
static const struct {
    unsigned char byte;
    uint32_t small, capital;
} VNI_SINGLE[] = {
    {0xEC, 0x00EC, 0x00CC}, {0xED, 0x00ED, 0x00CD}, {0xE6, 0x1EC9, 0x1EC8}, {0xF3, 0x0129, 0x0128},
    {0xF2, 0x1ECB, 0x1ECA}, {0xEE, 0x1EF5, 0x1EF4}, {0xF1, 0x0111, 0x0110}, {0xF4, 0x01A1, 0x01A0},
    {0xF6, 0x01B0, 0x01AF},
};
#define NVNI_SINGLE (sizeof VNI_SINGLE / sizeof VNI_SINGLE[0])

/* ---------------------------------------------------- code point buffer */

static void cp_put(gv__cpbuf *b, uint32_t c) {
    if (b->nomem) return;
    if (b->n == b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 64;
        uint32_t *na = realloc(b->a, nc * sizeof *na);
        if (!na) { b->nomem = 1; return; }
        b->a = na;
        b->cap = nc;
    }
    b->a[b->n++] = c;
}

/* ------------------------------------------------------------ UTF-8 */

size_t gv__utf8_seq(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) { len = 3; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) { len = 4; hi = 0x8F; }
    else return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

/* 1 when the n (< 4) bytes at s are a proper beginning of some valid
 * multi-byte sequence. */
static int utf8_prefix(const unsigned char *s, size_t n) {
    if (n == 0 || n > 3) return 0;
    unsigned char buf[4] = {s[0], 0x80, 0x80, 0x80};
    for (size_t i = 1; i < n; i++) buf[i] = s[i];
    /* Complete it with the smallest continuation the lead allows. */
    if (buf[0] == 0xE0 && n < 2) buf[1] = 0xA0;
    if (buf[0] == 0xF0 && n < 2) buf[1] = 0x90;
    size_t len = gv__utf8_seq(buf, 4);
    return len > n;
}

size_t gv__text_len(const char *s, size_t n) {
    const char *z = memchr(s, 0, n);
    return z ? (size_t)(z - s) : n;
}

size_t gv__utf8_check(const char *str, size_t n, size_t *nmulti, int *trunc) {
    const unsigned char *s = (const unsigned char *)str;
    n = gv__text_len(str, n);
    size_t i = 0, m = 0;
    if (trunc) *trunc = 0;
    while (i < n) {
        if (s[i] < 0x80) { i++; continue; }
        size_t k = gv__utf8_seq(s + i, n - i);
        if (!k) {
            if (trunc) *trunc = utf8_prefix(s + i, n - i);
            break;
        }
        m++;
        i += k;
    }
    if (nmulti) *nmulti = m;
    return i;
}

/* ----------------------------------------------------------- decoding */

int gv__has_bom(const unsigned char *s, size_t n) {
    return n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
}

/* Decodes n bytes (up to a NUL) of encoding e into code points, undefined
 * bytes or sequences as GV__UNDEF. Returns the byte offset of the first
 * undefined one, or (size_t)-1 when all were defined. */
size_t gv__decode_cps(const unsigned char *s, size_t n, gv_encoding e, unsigned flags, gv__cpbuf *b) {
    size_t first_bad = (size_t)-1;
    n = gv__text_len((const char *)s, n);
#define BAD(off)                                                                                               \
    do {                                                                                                       \
        if (first_bad == (size_t)-1) first_bad = (off);                                                        \
        cp_put(b, GV__UNDEF);                                                                                      \
    } while (0)
    size_t i = 0;
    switch (e) {
    case GV_ENC_ASCII:
        for (; i < n; i++) {
            if (s[i] < 0x80) cp_put(b, s[i]);
            else BAD(i);
        }
        break;
    case GV_ENC_UTF8:
        /* Every leading BOM goes (a file converted twice has two), so that
         * no decoded text starts with one and decoding what encoding
         * wrote gives the text back. */
        while (gv__has_bom(s + i, n - i)) i += 3;
        while (i < n) {
            size_t k = gv__utf8_seq(s + i, n - i);
            if (!k) { BAD(i); i++; continue; }
            int32_t c;
            utf8proc_iterate(s + i, (utf8proc_ssize_t)k, &c);
            cp_put(b, (uint32_t)c);
            i += k;
        }
        break;
    case GV_ENC_CP1258:
        for (; i < n; i++) {
            if (s[i] < 0x80) { cp_put(b, s[i]); continue; }
            uint32_t c = CP1258_HI[s[i] - 0x80];
            if (c) cp_put(b, c);
            else BAD(i);
        }
        break;
    case GV_ENC_TCVN3:
        for (; i < n; i++) {
            uint32_t c = s[i] < 0x80 ? tcvn_low(s[i]) : TCVN_HI[s[i] - 0x80];
            if (flags & GV_TCVN3_CAPS) c = (uint32_t)utf8proc_toupper((int32_t)c);
            cp_put(b, c);
        }
        break;
    case GV_ENC_VNI:
        while (i < n) {
            unsigned c = s[i];
            if (c < 0x80) {
                /* A vowel may take the mark byte that follows. */
                int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                unsigned lo = c | 0x20;
                const vni_mark *m = letter && i + 1 < n ? vni_mark_of(s[i + 1]) : NULL;
                if (m && (lo == 'a' || lo == 'e' || lo == 'o' || lo == 'u' || lo == 'y')) {
                    int ok = m->mod == 0 || (m->mod == GV_M_CIRC && lo != 'u' && lo != 'y') ||
                             (m->mod == GV_M_BREVE && lo == 'a');
                    if (lo == 'y' && m->mod == 0 && m->tone == GV_T_DOT) ok = 0; /* ỵ is one byte */
                    if (!ok) {
                        cp_put(b, c);
                        BAD(i + 1);
                        i += 2;
                        continue;
                    }
                    cp_put(b, c);
                    if (m->mod == GV_M_CIRC) cp_put(b, 0x0302);
                    if (m->mod == GV_M_BREVE) cp_put(b, 0x0306);
                    if (m->tone) cp_put(b, GV__TONE_CP[m->tone]);
                    i += 2;
                    continue;
                }
                cp_put(b, c);
                i++;
                continue;
            }
            if (c < 0xC0) {
                uint32_t u = c < 0xA0 ? GV__CP1252_80[c - 0x80] : c;
                if (u) cp_put(b, u);
                else BAD(i);
                i++;
                continue;
            }
            size_t k;
            for (k = 0; k < NVNI_SINGLE; k++)
                if (VNI_SINGLE[k].byte == c || VNI_SINGLE[k].byte == c + 0x20) break;
            if (k < NVNI_SINGLE) {
                int cap = c < 0xE0;
                cp_put(b, cap ? VNI_SINGLE[k].capital : VNI_SINGLE[k].small);
                i++;
                /* ơ and ư take a tone mark byte. */
                unsigned base = c | 0x20;
                if ((base == 0xF4 || base == 0xF6) && i < n) {
                    const vni_mark *m = vni_mark_of(s[i]);
                    if (m && m->mod == 0) {
                        cp_put(b, GV__TONE_CP[m->tone]);
                        i++;
                    } else if (m) {
                        BAD(i);
                        i++;
                    }
                }
                continue;
            }
            BAD(i); /* a mark byte with no letter before it, or an unused byte */
            i++;
        }
        break;
    default:
        break;
    }
#undef BAD
    return first_bad;
}

/* Code points to NUL-terminated UTF-8 NFC (malloc'd), undefined ones as
 * U+FFFD. NULL when out of memory. */
static char *cps_to_nfc(const gv__cpbuf *b) {
    size_t cap = 4 * b->n + 1;
    unsigned char *u = malloc(cap);
    if (!u) return NULL;
    size_t w = 0;
    int ascii = 1;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->a[i];
        if (c == GV__UNDEF) c = 0xFFFD;
        if (c >= 0x80) ascii = 0;
        w += (size_t)utf8proc_encode_char((int32_t)c, u + w);
    }
    u[w] = 0;
    if (ascii) return (char *)u;
    unsigned char *nfc = utf8proc_NFC(u);
    free(u);
    return (char *)nfc;
}

static int convert(const char *bytes, size_t n, gv_encoding e, unsigned flags, int lossy, char **out, size_t *nbad,
                   gv_error *err) {
    if (out) *out = NULL;
    if (nbad) *nbad = 0;
    if (!out || (!bytes && n > 0)) return gv_error_set(err, GV_EUSAGE, "gv_text_to_utf8: NULL argument");
    if (e != GV_ENC_ASCII && e != GV_ENC_UTF8 && e != GV_ENC_CP1258 && e != GV_ENC_TCVN3 && e != GV_ENC_VNI)
        return gv_error_set(err, GV_EUSAGE, "cannot convert from encoding '%s'", gv_encoding_name(e));
    gv__cpbuf b = {0};
    size_t bad = n ? gv__decode_cps((const unsigned char *)bytes, n, e, flags, &b) : (size_t)-1;
    if (b.nomem) { free(b.a); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    if (bad != (size_t)-1 && !lossy) {
        free(b.a);
        const unsigned char *s = (const unsigned char *)bytes;
        if (e == GV_ENC_UTF8)
            return gv_error_set(err, GV_EDATA, "invalid UTF-8 at byte %zu (0x%02X)", bad, s[bad]);
        if (e == GV_ENC_ASCII)
            return gv_error_set(err, GV_EDATA, "byte %zu (0x%02X) is not ASCII", bad, s[bad]);
        if (e == GV_ENC_VNI)
            return gv_error_set(err, GV_EDATA, "byte %zu (0x%02X) is not defined in VNI there%s", bad, s[bad],
                                vni_mark_of(s[bad]) ? " (a mark byte that no letter before it can take)" : "");
        return gv_error_set(err, GV_EDATA, "byte %zu (0x%02X) is not defined in %s", bad, s[bad],
                            gv_encoding_name(e));
    }
    if (nbad)
        for (size_t i = 0; i < b.n; i++) *nbad += b.a[i] == GV__UNDEF;
    *out = cps_to_nfc(&b);
    free(b.a);
    if (!*out) return gv_error_set(err, GV_ENOMEM, "out of memory");
    return GV_OK;
}

int gv_text_to_utf8_flags(const char *bytes, size_t n, gv_encoding e, unsigned flags, char **out, gv_error *err) {
    return convert(bytes, n, e, flags, 0, out, NULL, err);
}

int gv_text_to_utf8(const char *bytes, size_t n, gv_encoding e, char **out, gv_error *err) {
    return convert(bytes, n, e, 0, 0, out, NULL, err);
}

int gv__text_to_utf8_lossy(const char *bytes, size_t n, gv_encoding e, unsigned flags, char **out, size_t *nbad) {
    return convert(bytes, n, e, flags, 1, out, nbad, NULL);
}

/* ----------------------------------------------------------- encoding */

typedef struct {
    unsigned char *a;
    size_t n, cap;
    int nomem;
} bytebuf;

static void bb_put(bytebuf *b, unsigned char c) {
    if (b->nomem) return;
    if (b->n + 1 >= b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 64;
        unsigned char *na = realloc(b->a, nc);
        if (!na) { b->nomem = 1; return; }
        b->a = na;
        b->cap = nc;
    }
    b->a[b->n++] = c;
}

static int cp1258_byte(uint32_t c) {
    if (c < 0x80) return (int)c;
    for (int i = 0; i < 128; i++)
        if (CP1258_HI[i] == c) return 0x80 + i;
    return -1;
}

/* Emits c in CP1258: its own byte, else base letter byte + tone byte (a
 * precomposed base with its modifier where the code page has one). 0 when
 * it has no code. */
static int put_cp1258(bytebuf *b, uint32_t c) {
    int x = cp1258_byte(c);
    if (x >= 0) { bb_put(b, (unsigned char)x); return 1; }
    gv__vletter p;
    if (!gv__split_letter(c, &p) || !p.tone || p.mod < 0) return 0;
    /* The letter without its tone, recomposed. */
    uint32_t base = (uint32_t)(p.cap ? p.base - 32 : p.base);
    if (p.mod) {
        uint32_t mc = p.mod == GV_M_CIRC ? 0x0302 : p.mod == GV_M_BREVE ? 0x0306 : 0x031B;
        int32_t buf[3] = {(int32_t)base, (int32_t)mc, 0};
        utf8proc_ssize_t nn = utf8proc_normalize_utf32(buf, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (nn != 1) return 0;
        base = (uint32_t)buf[0];
    }
    int bb = cp1258_byte(base);
    int tb = cp1258_byte(GV__TONE_CP[p.tone]);
    if (bb < 0 || tb < 0) return 0;
    bb_put(b, (unsigned char)bb);
    bb_put(b, (unsigned char)tb);
    return 1;
}

static int put_tcvn3(bytebuf *b, uint32_t c, unsigned flags) {
    if (c < 0x80) {
        if (tcvn_low(c) != c) return 0; /* that byte means a capital in VN1 */
        bb_put(b, (unsigned char)c);
        return 1;
    }
    for (int i = 0; i < 128; i++)
        if (TCVN_HI[i] == c && tcvn_vn3(0x80u + (unsigned)i)) {
            bb_put(b, (unsigned char)(0x80 + i));
            return 1;
        }
    if (flags & GV_TCVN3_CAPS) {
        /* A capital with a tone: the small letter's byte, which the
         * capital font draws as this capital. */
        uint32_t lo = (uint32_t)utf8proc_tolower((int32_t)c);
        if (lo != c)
            for (int i = 0; i < 128; i++)
                if (TCVN_HI[i] == lo && tcvn_vn3(0x80u + (unsigned)i)) {
                    bb_put(b, (unsigned char)(0x80 + i));
                    return 1;
                }
    }
    return 0;
}

static int put_vni(bytebuf *b, uint32_t c) {
    if (c < 0x80) { bb_put(b, (unsigned char)c); return 1; }
    if (c >= 0xA0 && c < 0xC0) { bb_put(b, (unsigned char)c); return 1; }
    for (int i = 0; i < 32; i++)
        if (GV__CP1252_80[i] == c) { bb_put(b, (unsigned char)(0x80 + i)); return 1; }
    for (size_t k = 0; k < NVNI_SINGLE; k++) {
        if (VNI_SINGLE[k].small == c) { bb_put(b, VNI_SINGLE[k].byte); return 1; }
        if (VNI_SINGLE[k].capital == c) { bb_put(b, (unsigned char)(VNI_SINGLE[k].byte - 0x20)); return 1; }
    }
    gv__vletter p;
    if (!gv__split_letter(c, &p) || p.mod < 0) return 0;
    unsigned shift = p.cap ? 0x20 : 0;
    if (p.mod == GV_M_HORN) {
        /* ơ, ư + tone mark */
        if (p.base != 'o' && p.base != 'u') return 0;
        bb_put(b, (unsigned char)((p.base == 'o' ? 0xF4 : 0xF6) - shift));
    } else {
        if (p.base == 'i') return 0; /* i's letters are all one-byte codes (handled above) */
        if (p.mod == GV_M_CIRC && p.base != 'a' && p.base != 'e' && p.base != 'o') return 0;
        if (p.mod == GV_M_BREVE && p.base != 'a') return 0;
        if (!p.mod && p.base != 'a' && p.base != 'e' && p.base != 'o' && p.base != 'u' && p.base != 'y') return 0;
        if (p.base == 'y' && p.tone == GV_T_DOT) return 0; /* ỵ: one-byte code, handled above */
        bb_put(b, (unsigned char)(p.cap ? p.base - 32 : p.base));
    }
    int mod = p.mod == GV_M_HORN ? 0 : p.mod;
    if (!mod && !p.tone) return 1;
    for (size_t i = 0; i < NVNI_MARKS; i++)
        if (VNI_MARKS[i].mod == mod && VNI_MARKS[i].tone == p.tone) {
            bb_put(b, (unsigned char)(VNI_MARKS[i].byte - shift));
            return 1;
        }
    return 0;
}

int gv_text_from_utf8_flags(const char *utf8, gv_encoding e, unsigned flags, char **out, size_t *n, gv_error *err) {
    if (out) *out = NULL;
    if (n) *n = 0;
    if (!utf8 || !out) return gv_error_set(err, GV_EUSAGE, "gv_text_from_utf8: NULL argument");
    if (e != GV_ENC_ASCII && e != GV_ENC_UTF8 && e != GV_ENC_CP1258 && e != GV_ENC_TCVN3 && e != GV_ENC_VNI)
        return gv_error_set(err, GV_EUSAGE, "cannot convert to encoding '%s'", gv_encoding_name(e));
    size_t len = strlen(utf8);
    size_t ok = gv__utf8_check(utf8, len, NULL, NULL);
    if (ok != len)
        return gv_error_set(err, GV_EDATA, "invalid UTF-8 at byte %zu (0x%02X)", ok, (unsigned char)utf8[ok]);
    unsigned char *nfc = utf8proc_NFC((const utf8proc_uint8_t *)utf8);
    if (!nfc) return gv_error_set(err, GV_ENOMEM, "out of memory");
    bytebuf b = {0};
    const unsigned char *s = nfc;
    size_t sl = strlen((const char *)nfc);
    for (size_t i = 0, nch = 0; i < sl; nch++) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(sl - i), &c);
        int done = 0;
        switch (e) {
        case GV_ENC_ASCII: done = c < 0x80; if (done) bb_put(&b, (unsigned char)c); break;
        case GV_ENC_UTF8: done = 1; for (utf8proc_ssize_t q = 0; q < k; q++) bb_put(&b, s[i + (size_t)q]); break;
        case GV_ENC_CP1258: done = put_cp1258(&b, (uint32_t)c); break;
        case GV_ENC_TCVN3: done = put_tcvn3(&b, (uint32_t)c, flags); break;
        case GV_ENC_VNI: done = put_vni(&b, (uint32_t)c); break;
        default: break;
        }
        if (!done) {
            char ch[8] = {0};
            memcpy(ch, s + i, (size_t)k);
            int capital_tone = e == GV_ENC_TCVN3 && utf8proc_tolower(c) != c && c >= 0xC0;
            free(nfc);
            free(b.a);
            return gv_error_set(err, GV_EDATA, "character %zu '%s' (U+%04X) has no code in %s%s", nch + 1, ch,
                                (unsigned)c, gv_encoding_name(e),
                                capital_tone ? " (TCVN3 has no capitals with tone marks; the capital-font "
                                               "convention, tcvn3-caps, writes them as the small letters' bytes)"
                                             : "");
        }
        i += (size_t)k;
    }
    free(nfc);
    bb_put(&b, 0);
    if (b.nomem) { free(b.a); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    *out = (char *)b.a;
    if (n) *n = b.n - 1;
    return GV_OK;
}

int gv_text_from_utf8(const char *utf8, gv_encoding e, char **out, size_t *n, gv_error *err) {
    return gv_text_from_utf8_flags(utf8, e, 0, out, n, err);
}

