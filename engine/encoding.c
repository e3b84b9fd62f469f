/* encoding.c: Vietnamese text encodings — the CP1258, TCVN3 (ABC) and VNI
 * tables, conversion to and from UTF-8 NFC, and the detector that tells
 * which encoding a layer's bytes are in (include/geovoice/encoding.h).
 *
 * The tables are written from the published definitions, not taken from
 * iconv (which the tests use as the independent reference):
 * - CP1258: Microsoft's windows-1258 code page;
 * - TCVN3: TCVN 5712:1993, table VN3 (the ABC fonts), plus the capitals of
 *   table VN1 in the slots VN3 leaves empty;
 * - VNI: the VNI-Windows code chart (base letter + mark byte).
 *
 * Detection reads every value in each candidate encoding and asks whether
 * the words that come out are Vietnamese syllables: a wrong decoding of
 * Vietnamese text gives symbols inside words (TCVN3 "Hµ Néi" read as
 * CP1258), two tone marks in one syllable, impossible vowel clusters or a
 * capital in the middle of a word, while the right one gives syllables. */
#include "geovoice/encoding.h"

#include "encoding_int.h"

#include <math.h>
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
static const uint16_t CP1252_80[32] = {
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

/* Tone marks, numbered as the VNI chart and the tables below use them. */
enum { T_NONE = 0, T_GRAVE, T_ACUTE, T_HOOK, T_TILDE, T_DOT };
static const uint32_t TONE_CP[6] = {0, 0x0300, 0x0301, 0x0309, 0x0303, 0x0323};
/* Letter modifiers. */
enum { M_CIRC = 1, M_BREVE = 2, M_HORN = 4 };

static int tone_of(uint32_t c) {
    for (int t = 1; t <= 5; t++)
        if (TONE_CP[t] == c) return t;
    return -1;
}
static int mod_of(uint32_t c) {
    return c == 0x0302 ? M_CIRC : c == 0x0306 ? M_BREVE : c == 0x031B ? M_HORN : 0;
}

/* VNI-Windows mark bytes (small-letter forms; the capital forms are 0x20
 * lower and follow capitals): modifier + tone each stands for. */
typedef struct {
    unsigned char byte, mod, tone;
} vni_mark;
static const vni_mark VNI_MARKS[] = {
    {0xF8, 0, T_GRAVE},         {0xF9, 0, T_ACUTE},         {0xFB, 0, T_HOOK},
    {0xF5, 0, T_TILDE},         {0xEF, 0, T_DOT},           {0xE2, M_CIRC, T_NONE},
    {0xE0, M_CIRC, T_GRAVE},    {0xE1, M_CIRC, T_ACUTE},    {0xE5, M_CIRC, T_HOOK},
    {0xE3, M_CIRC, T_TILDE},    {0xE4, M_CIRC, T_DOT},      {0xEA, M_BREVE, T_NONE},
    {0xE8, M_BREVE, T_GRAVE},   {0xE9, M_BREVE, T_ACUTE},   {0xFA, M_BREVE, T_HOOK},
    {0xFC, M_BREVE, T_TILDE},   {0xEB, M_BREVE, T_DOT},
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

#define UNDEF 0x110000u /* an undefined byte or sequence, while decoding */

typedef struct {
    uint32_t *a;
    size_t n, cap;
    int nomem;
} cpbuf;

static void cp_put(cpbuf *b, uint32_t c) {
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

static size_t text_len(const char *s, size_t n) {
    const char *z = memchr(s, 0, n);
    return z ? (size_t)(z - s) : n;
}

size_t gv__utf8_check(const char *str, size_t n, size_t *nmulti, int *trunc) {
    const unsigned char *s = (const unsigned char *)str;
    n = text_len(str, n);
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

static int has_bom(const unsigned char *s, size_t n) {
    return n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
}

/* Decodes n bytes (up to a NUL) of encoding e into code points, undefined
 * bytes or sequences as UNDEF. Returns the byte offset of the first
 * undefined one, or (size_t)-1 when all were defined. */
static size_t decode_cps(const unsigned char *s, size_t n, gv_encoding e, unsigned flags, cpbuf *b) {
    size_t first_bad = (size_t)-1;
    n = text_len((const char *)s, n);
#define BAD(off)                                                                                               \
    do {                                                                                                       \
        if (first_bad == (size_t)-1) first_bad = (off);                                                        \
        cp_put(b, UNDEF);                                                                                      \
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
        while (has_bom(s + i, n - i)) i += 3;
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
                    int ok = m->mod == 0 || (m->mod == M_CIRC && lo != 'u' && lo != 'y') ||
                             (m->mod == M_BREVE && lo == 'a');
                    if (lo == 'y' && m->mod == 0 && m->tone == T_DOT) ok = 0; /* ỵ is one byte */
                    if (!ok) {
                        cp_put(b, c);
                        BAD(i + 1);
                        i += 2;
                        continue;
                    }
                    cp_put(b, c);
                    if (m->mod == M_CIRC) cp_put(b, 0x0302);
                    if (m->mod == M_BREVE) cp_put(b, 0x0306);
                    if (m->tone) cp_put(b, TONE_CP[m->tone]);
                    i += 2;
                    continue;
                }
                cp_put(b, c);
                i++;
                continue;
            }
            if (c < 0xC0) {
                uint32_t u = c < 0xA0 ? CP1252_80[c - 0x80] : c;
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
                        cp_put(b, TONE_CP[m->tone]);
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
static char *cps_to_nfc(const cpbuf *b) {
    size_t cap = 4 * b->n + 1;
    unsigned char *u = malloc(cap);
    if (!u) return NULL;
    size_t w = 0;
    int ascii = 1;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->a[i];
        if (c == UNDEF) c = 0xFFFD;
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
    cpbuf b = {0};
    size_t bad = n ? decode_cps((const unsigned char *)bytes, n, e, flags, &b) : (size_t)-1;
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
        for (size_t i = 0; i < b.n; i++) *nbad += b.a[i] == UNDEF;
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

/* A Vietnamese letter taken apart: base ('a'..'z' small, or 'D'/'d' for
 * Đ/đ), capital or not, modifier, tone. */
typedef struct {
    char base;
    int cap, mod, tone;
} vparts;

/* Splits c into its base letter, modifier and tone. 0 when c is not an
 * ASCII letter or a letter made of one with at most one modifier and one
 * tone (or đ/Đ). */
static int split_letter(uint32_t c, vparts *p) {
    p->mod = p->tone = 0;
    if (c == 0x0111 || c == 0x0110) {
        p->base = 'd';
        p->cap = c == 0x0110;
        p->mod = -1; /* đ: its own letter */
        return 1;
    }
    int32_t d[8];
    utf8proc_ssize_t nd = utf8proc_decompose_char((int32_t)c, d, 8, UTF8PROC_DECOMPOSE, NULL);
    if (nd < 1 || nd > 8) return 0;
    int32_t base = d[0];
    if (!((base >= 'a' && base <= 'z') || (base >= 'A' && base <= 'Z'))) return 0;
    p->cap = base <= 'Z';
    p->base = (char)(base | 0x20);
    for (utf8proc_ssize_t k = 1; k < nd; k++) {
        int t = tone_of((uint32_t)d[k]), m = mod_of((uint32_t)d[k]);
        if (t > 0 && !p->tone) p->tone = t;
        else if (m && !p->mod) p->mod = m;
        else return 0;
    }
    return 1;
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
    vparts p;
    if (!split_letter(c, &p) || !p.tone || p.mod < 0) return 0;
    /* The letter without its tone, recomposed. */
    uint32_t base = (uint32_t)(p.cap ? p.base - 32 : p.base);
    if (p.mod) {
        uint32_t mc = p.mod == M_CIRC ? 0x0302 : p.mod == M_BREVE ? 0x0306 : 0x031B;
        int32_t buf[3] = {(int32_t)base, (int32_t)mc, 0};
        utf8proc_ssize_t nn = utf8proc_normalize_utf32(buf, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (nn != 1) return 0;
        base = (uint32_t)buf[0];
    }
    int bb = cp1258_byte(base);
    int tb = cp1258_byte(TONE_CP[p.tone]);
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
        if (CP1252_80[i] == c) { bb_put(b, (unsigned char)(0x80 + i)); return 1; }
    for (size_t k = 0; k < NVNI_SINGLE; k++) {
        if (VNI_SINGLE[k].small == c) { bb_put(b, VNI_SINGLE[k].byte); return 1; }
        if (VNI_SINGLE[k].capital == c) { bb_put(b, (unsigned char)(VNI_SINGLE[k].byte - 0x20)); return 1; }
    }
    vparts p;
    if (!split_letter(c, &p) || p.mod < 0) return 0;
    unsigned shift = p.cap ? 0x20 : 0;
    if (p.mod == M_HORN) {
        /* ơ, ư + tone mark */
        if (p.base != 'o' && p.base != 'u') return 0;
        bb_put(b, (unsigned char)((p.base == 'o' ? 0xF4 : 0xF6) - shift));
    } else {
        if (p.base == 'i') return 0; /* i's letters are all one-byte codes (handled above) */
        if (p.mod == M_CIRC && p.base != 'a' && p.base != 'e' && p.base != 'o') return 0;
        if (p.mod == M_BREVE && p.base != 'a') return 0;
        if (!p.mod && p.base != 'a' && p.base != 'e' && p.base != 'o' && p.base != 'u' && p.base != 'y') return 0;
        if (p.base == 'y' && p.tone == T_DOT) return 0; /* ỵ: one-byte code, handled above */
        bb_put(b, (unsigned char)(p.cap ? p.base - 32 : p.base));
    }
    int mod = p.mod == M_HORN ? 0 : p.mod;
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

/* --------------------------------------------------- syllable scoring */

/* Vowel nuclei of Vietnamese syllables, tones left out, one character per
 * vowel: a ă=A â=B e ê=E i o ô=O ơ=W u ư=U y. "qu" and "gi" are
 * consonants before another vowel (handled before the lookup). */
static const char *const NUCLEI[] = {
    "a", "A", "B", "e", "E", "i", "o", "O", "W", "u", "U", "y",
    "ai", "ao", "au", "ay", "Bu", "By", "eo", "Eu", "ia", "iE", "iu", "oa", "oA", "oe", "oi", "Oi", "Wi", "oo",
    "ua", "uA", "uB", "uE", "ui", "uO", "uW", "uy", "Ua", "Ui", "UW", "Uu", "yE",
    "iEu", "oai", "oao", "oay", "oeo", "uBy", "uOi", "uya", "uyE", "uyu", "UWi", "UWu", "yEu", NULL,
};
/* Nuclei that end in a glide (ai, ao, ươi...) take no final consonant;
 * iê, yê, uô, ươ, uyê need one. */
static const char *const NO_FINAL[] = {"ai", "ao", "au", "ay", "Bu", "By", "eo", "Eu", "ia", "iu", "oi", "Oi",
                                       "Wi", "ui", "Ui", "Uu", "ua", "Ua", "oai", "oao", "oay", "oeo", "uBy",
                                       "uOi", "uya", "UWi", "UWu", "iEu", "yEu", "uyu", NULL};
static const char *const NEED_FINAL[] = {"iE", "yE", "uO", "UW", "uyE", NULL};
/* Final consonants: the standard ones, and k, h, l, r of minority place
 * names (Đắk Lắk, Chư Păh, Krông Păl, Cư Jút). */
static const char *const FINALS[] = {"", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t", "h", "l", "r", NULL};

static int in_list(const char *const *l, const char *s) {
    for (size_t k = 0; l[k]; k++)
        if (!strcmp(l[k], s)) return 1;
    return 0;
}

static int is_sep(uint32_t c) {
    if (c < 0x80) return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    switch (c) {
    /* Typographic punctuation and units only: symbols such as « ¹ · are
     * TCVN3 letters read in the wrong code page, and must stay inside
     * their word to make it bad. */
    case 0x00A0: case 0x2013: case 0x2014: case 0x2018: case 0x2019: case 0x201C: case 0x201D:
    case 0x2026: case 0x2022: case 0x00B0: case 0x00B2: case 0x00B3: case 0x20AB: case 0x20AC:
    case 0x2030: return 1;
    default: return 0;
    }
}

/* 1 when the word cp[0..n) (no separators; at least one code point >=
 * 0x80) reads as one Vietnamese syllable. */
static int syllable_ok(const uint32_t *cp, size_t n) {
    enum { MAXL = 12 };
    char id[MAXL];         /* vowel id, or 'c' for a consonant */
    char lower[MAXL];      /* the base letter */
    size_t nl = 0;
    int tones = 0, tone = T_NONE, seen_small = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c == UNDEF) return 0;
        if (c >= 0x300 && c < 0x370) {
            /* A combining mark: belongs to the letter before it. */
            if (!nl || lower[nl - 1] == 'D') return 0;
            int t = tone_of(c), m = mod_of(c);
            char v = id[nl - 1], bse = lower[nl - 1];
            if (t > 0) {
                if (v == 'c' || ++tones > 1) return 0;
                tone = t;
                continue;
            }
            if (!m) return 0;
            /* A modifier turns the plain vowel into another vowel. */
            if (m == M_CIRC && (v == 'a' || v == 'e' || v == 'o')) id[nl - 1] = v == 'a' ? 'B' : v == 'e' ? 'E' : 'O';
            else if (m == M_BREVE && v == 'a') id[nl - 1] = 'A';
            else if (m == M_HORN && (v == 'o' || v == 'u')) id[nl - 1] = v == 'o' ? 'W' : 'U';
            else return 0;
            (void)bse;
            continue;
        }
        if (nl == MAXL) return 0;
        vparts p;
        int cap;
        if (c == 0x00D0) { /* Ð (Eth) as Đ, as some files write it */
            p.base = 'd'; p.mod = -1; p.tone = 0; cap = 1;
        } else {
            if (!split_letter(c, &p)) return 0;
            cap = p.cap;
        }
        if (cap && seen_small) return 0;
        if (!cap) seen_small = 1;
        char bse = p.base;
        char v = 'c';
        if (p.mod < 0) {
            bse = 'D';
        } else if (strchr("aeiouy", bse)) {
            v = bse;
            if (p.mod == M_CIRC && (bse == 'a' || bse == 'e' || bse == 'o')) v = bse == 'a' ? 'B' : bse == 'e' ? 'E' : 'O';
            else if (p.mod == M_BREVE && bse == 'a') v = 'A';
            else if (p.mod == M_HORN && (bse == 'o' || bse == 'u')) v = bse == 'o' ? 'W' : 'U';
            else if (p.mod) return 0;
        } else if (p.mod || p.tone) {
            return 0; /* a consonant with a mark */
        }
        if (p.tone && ++tones > 1) return 0;
        if (p.tone) tone = p.tone;
        id[nl] = v;
        lower[nl] = bse;
        nl++;
    }
    /* initial consonants, vowels, final consonants */
    size_t v0 = 0;
    int gi = 0;
    while (v0 < nl && id[v0] == 'c') v0++;
    if (v0 == nl) return 0;
    size_t v1 = v0;
    while (v1 < nl && id[v1] != 'c') v1++;
    for (size_t k = v1; k < nl; k++)
        if (id[k] != 'c') return 0;
    if (v1 - v0 > 1 && v0 >= 1 && lower[v0 - 1] == 'q' && id[v0] == 'u') v0++;
    else if (v1 - v0 > 1 && v0 == 1 && lower[0] == 'g' && id[v0] == 'i') gi = ++v0; /* gi + ê: the iê of giếng */
    else if (v1 - v0 > 1 && v0 == 0 && id[0] == 'y') v0++; /* y as a consonant: Yông, Yă */
    if (v0 > 3) return 0;
    char nuc[MAXL + 1], fin[MAXL + 1];
    memcpy(nuc, id + v0, v1 - v0);
    nuc[v1 - v0] = 0;
    memcpy(fin, lower + v1, nl - v1);
    fin[nl - v1] = 0;
    if (!in_list(NUCLEI, nuc) || !in_list(FINALS, fin)) return 0;
    if (gi && nuc[0] == 'E' && strlen(nuc) < MAXL) {
        memmove(nuc + 1, nuc, strlen(nuc) + 1);
        nuc[0] = 'i';
    }
    /* Rhymes: what a final consonant allows before it. */
    char last = nuc[strlen(nuc) - 1];
    if (*fin && in_list(NO_FINAL, nuc)) return 0;
    if (!*fin && in_list(NEED_FINAL, nuc)) return 0;
    if (!strcmp(fin, "nh") || !strcmp(fin, "ch"))
        if (!strchr("aEiy", last)) return 0; /* anh, ênh, inh, uynh; ach, êch, ich */
    if ((!strcmp(fin, "ng") || !strcmp(fin, "c")) && (last == 'i' || last == 'y' || !strcmp(nuc, "E")))
        return 0; /* inh, not ing; ếch, not ếc */
    /* A syllable closed by a stop takes the acute or the dot below. */
    if (!strcmp(fin, "c") || !strcmp(fin, "ch") || !strcmp(fin, "p") || !strcmp(fin, "t"))
        if (tone != T_ACUTE && tone != T_DOT) return 0;
    return 1;
}

/* Scores the words of decoded text: every word holding a code point >=
 * 0x80 (or an undefined byte) is good or bad; a word of symbols only
 * (no letter) is bad too when it holds an undefined byte, else neutral. */
static void score_cps(const cpbuf *b, size_t *good, size_t *bad) {
    size_t i = 0;
    *good = *bad = 0;
    while (i < b->n) {
        if (b->a[i] != UNDEF && is_sep(b->a[i])) { i++; continue; }
        size_t j = i;
        int nonascii = 0, letter = 0, undef = 0;
        while (j < b->n && (b->a[j] == UNDEF || !is_sep(b->a[j]))) {
            uint32_t c = b->a[j];
            if (c == UNDEF) undef = 1;
            else if (c >= 0x80) nonascii = 1;
            if (c < 0x80 || (c != UNDEF && (utf8proc_category((int32_t)c) <= UTF8PROC_CATEGORY_LO ||
                                              (c >= 0x300 && c < 0x370))))
                letter = 1;
            j++;
        }
        if (undef) (*bad)++;
        else if (nonascii && letter) {
            if (syllable_ok(b->a + i, j - i)) (*good)++;
            else (*bad)++;
        } else if (nonascii) {
            (*bad)++; /* stray symbols where letters should be */
        }
        i = j;
    }
}

/* ------------------------------------------------------------ mojibake */

/* The bytes that a single-byte decoding (Windows-1252, or ISO-8859-1 as
 * GDAL reads a DBF without .cpg) turned into the code points of b: below
 * U+0100 a code point is its byte, 1252's extras (€ ‚ ƒ ...) are theirs.
 * 0 when a code point has no such byte, or none is >= 0x80. */
static int recover_bytes(const cpbuf *b, unsigned char *out) {
    int high = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t c = b->a[i];
        if (c == 0 || c == UNDEF) return 0;
        if (c >= 0x100) {
            int k;
            for (k = 0; k < 32 && CP1252_80[k] != c; k++) {}
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
    cpbuf b = {0}, c = {0};
    gv_encoding best = GV_ENC_UNKNOWN;
    decode_cps((const unsigned char *)utf8, n, GV_ENC_UTF8, 0, &b);
    size_t g, x;
    score_cps(&b, &g, &x);
    unsigned char *r = !b.nomem && x ? malloc(b.n + 1) : NULL;
    if (r && recover_bytes(&b, r)) {
        long most = 0;
        for (int k = 0; k < 4; k++) {
            c.n = 0;
            decode_cps(r, b.n, C[k], 0, &c);
            if (c.nomem) break;
            score_cps(&c, &g, &x);
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
    cpbuf b = {0}, c = {0};
    decode_cps((const unsigned char *)utf8, n, GV_ENC_UTF8, 0, &b);
    unsigned char *r = b.nomem ? NULL : malloc(b.n + 1);
    int rc = GV_OK;
    if (!r) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    else if (recover_bytes(&b, r)) {
        size_t bad = decode_cps(r, b.n, e, 0, &c), g, x, gu, xu;
        if (c.nomem) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        else {
            score_cps(&c, &g, &x);
            score_cps(&b, &gu, &xu);
            /* All bytes defined, and read at least as well as the garbled
             * form (minority names that are not single syllables stay as
             * bad in both). */
            if (bad == (size_t)-1 && (long)g - (long)x >= (long)gu - (long)xu && g > 0)
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
    cpbuf scratch;
};

gv_enc_detector *gv_enc_detector_new(void) { return calloc(1, sizeof(gv_enc_detector)); }

void gv_enc_detector_free(gv_enc_detector *d) {
    if (!d) return;
    free(d->scratch.a);
    free(d);
}

static void score_as(gv_enc_detector *d, const unsigned char *s, size_t n, gv_encoding e, size_t *g, size_t *b) {
    d->scratch.n = 0;
    decode_cps(s, n, e, 0, &d->scratch);
    if (d->scratch.nomem) {
        /* Out of memory: count nothing rather than fail a void call. */
        d->scratch.nomem = 0;
        *g = *b = 0;
        return;
    }
    score_cps(&d->scratch, g, b);
}

void gv_enc_detector_feed(gv_enc_detector *d, const char *bytes, size_t n) {
    if (!d || !bytes || n == 0) return;
    const unsigned char *s = (const unsigned char *)bytes;
    n = text_len(bytes, n);
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
    cpbuf b = {0};
    if (n) decode_cps((const unsigned char *)bytes, n, e, flags, &b);
    if (b.nomem) { free(b.a); return GV_ENOMEM; }
    size_t g, x;
    score_cps(&b, &g, &x);
    free(b.a);
    if (good) *good = g;
    if (bad) *bad = x;
    return GV_OK;
}
