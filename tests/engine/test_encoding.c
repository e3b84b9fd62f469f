/* test_encoding.c: cmocka tests for engine/encoding.c. Every expected value
 * comes from somewhere else than the tables under test:
 * - CP1258 and TCVN3 bytes from glibc's iconv (CP1258, TCVN5712-1), byte by
 *   byte and letter by letter;
 * - VNI from a table written here from the VNI-Windows code chart (iconv
 *   has no VNI);
 * - the Vietnamese letters themselves composed by utf8proc from base +
 *   modifier + tone.
 * Then every letter and tone each encoding can hold (and the ones TCVN3
 * cannot), round trips, the TCVN3 capitals decision, NFD input, errors,
 * and detection on the real names of ../shared/data/vn/units_2025.csv in
 * each encoding, alone and mixed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "geovoice/encoding.h"
#include "testutil.h"

/* ------------------------------------------------------------ helpers */

/* iconv of n bytes from one encoding to another: malloc'd, NUL-terminated,
 * length in *outn; NULL when iconv refuses (EILSEQ, EINVAL). */
static char *ic(const char *from, const char *to, const char *in, size_t n, size_t *outn) {
    iconv_t cd = iconv_open(to, from);
    assert_true(cd != (iconv_t)-1);
    size_t cap = 8 * n + 16, ol = cap, il = n;
    char *o = malloc(cap), *op = o, *ip = (char *)in;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r != (size_t)-1) r = iconv(cd, NULL, NULL, &op, &ol); /* flush a buffered letter */
    iconv_close(cd);
    if (r == (size_t)-1) { free(o); return NULL; }
    *outn = cap - ol;
    o[*outn] = 0;
    return o;
}

static char *nfc(const char *s) { return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s); }

/* Decodes with the library, asserting success. */
static char *dec(const char *bytes, size_t n, gv_encoding e, unsigned flags) {
    char *u = NULL;
    gv_error err;
    int rc = gv_text_to_utf8_flags(bytes, n, e, flags, &u, &err);
    if (rc != GV_OK) fail_msg("decode %s: %s", gv_encoding_name(e), err.msg);
    return u;
}

/* Decodes and compares with the expected UTF-8. */
static void expect_dec(const char *bytes, size_t n, gv_encoding e, unsigned flags, const char *want) {
    char *u = dec(bytes, n, e, flags);
    assert_string_equal(u, want);
    free(u);
}

/* ------------------------------------------------ the letters, by hand */

/* Vowel rows (no tone, acute, grave, hook, tilde, dot below), small and
 * capital, and đ/Đ: the 146 letters of Vietnamese (12 of them ASCII). */
static const char *const SMALL_ROWS[] = {
    "a á à ả ã ạ", "â ấ ầ ẩ ẫ ậ", "ă ắ ằ ẳ ẵ ặ", "e é è ẻ ẽ ẹ", "ê ế ề ể ễ ệ", "i í ì ỉ ĩ ị",
    "o ó ò ỏ õ ọ", "ô ố ồ ổ ỗ ộ", "ơ ớ ờ ở ỡ ợ", "u ú ù ủ ũ ụ", "ư ứ ừ ử ữ ự", "y ý ỳ ỷ ỹ ỵ", "đ",
};
static const char *const CAPITAL_ROWS[] = {
    "A Á À Ả Ã Ạ", "Â Ấ Ầ Ẩ Ẫ Ậ", "Ă Ắ Ằ Ẳ Ẵ Ặ", "E É È Ẻ Ẽ Ẹ", "Ê Ế Ề Ể Ễ Ệ", "I Í Ì Ỉ Ĩ Ị",
    "O Ó Ò Ỏ Õ Ọ", "Ô Ố Ồ Ổ Ỗ Ộ", "Ơ Ớ Ờ Ở Ỡ Ợ", "U Ú Ù Ủ Ũ Ụ", "Ư Ứ Ừ Ử Ữ Ự", "Y Ý Ỳ Ỷ Ỹ Ỵ", "Đ",
};
/* The VNI-Windows code chart, row for row: each letter as the bytes a VNI
 * file holds, written here as the Windows-1252 glyphs of those bytes (the
 * way the chart prints them: "aù" is a + 0xF9). */
static const char *const VNI_SMALL_ROWS[] = {
    "a aù aø aû aõ aï", "aâ aá aà aå aã aä", "aê aé aè aú aü aë", "e eù eø eû eõ eï", "eâ eá eà eå eã eä",
    "i í ì æ ó ò",      "o où oø oû oõ oï", "oâ oá oà oå oã oä", "ô ôù ôø ôû ôõ ôï", "u uù uø uû uõ uï",
    "ö öù öø öû öõ öï", "y yù yø yû yõ î",  "ñ",
};
static const char *const VNI_CAPITAL_ROWS[] = {
    "A AÙ AØ AÛ AÕ AÏ", "AÂ AÁ AÀ AÅ AÃ AÄ", "AÊ AÉ AÈ AÚ AÜ AË", "E EÙ EØ EÛ EÕ EÏ", "EÂ EÁ EÀ EÅ EÃ EÄ",
    "I Í Ì Æ Ó Ò",      "O OÙ OØ OÛ OÕ OÏ", "OÂ OÁ OÀ OÅ OÃ OÄ", "Ô ÔÙ ÔØ ÔÛ ÔÕ ÔÏ", "U UÙ UØ UÛ UÕ UÏ",
    "Ö ÖÙ ÖØ ÖÛ ÖÕ ÖÏ", "Y YÙ YØ YÛ YÕ Î",  "Ñ",
};

typedef struct {
    char utf8[8];
    char vni[4]; /* VNI bytes from the chart */
    int capital, toned;
} letter;

static letter LETTERS[160];
static size_t NLETTERS;

/* Glyphs of the chart (UTF-8, all U+0000-U+00FF) to the bytes they
 * stand for. */
static void latin1_bytes(const char *glyphs, char *out, size_t cap) {
    size_t w = 0;
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)glyphs;
    size_t n = strlen(glyphs);
    for (size_t i = 0; i < n;) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &c);
        assert_true(k > 0 && c < 0x100 && w + 1 < cap);
        out[w++] = (char)c;
        i += (size_t)k;
    }
    out[w] = 0;
}

static void add_rows(const char *const *rows, const char *const *vni, int capital) {
    for (size_t r = 0; r < 13; r++) {
        char a[128], b[128];
        snprintf(a, sizeof a, "%s", rows[r]);
        snprintf(b, sizeof b, "%s", vni[r]);
        char *s1, *s2, *t1 = strtok_r(a, " ", &s1), *t2 = strtok_r(b, " ", &s2);
        for (int k = 0; t1; k++, t1 = strtok_r(NULL, " ", &s1), t2 = strtok_r(NULL, " ", &s2)) {
            assert_non_null(t2);
            letter *L = &LETTERS[NLETTERS++];
            snprintf(L->utf8, sizeof L->utf8, "%s", t1);
            latin1_bytes(t2, L->vni, sizeof L->vni);
            L->capital = capital;
            L->toned = k > 0;
        }
        assert_null(t2);
    }
}

static int setup_letters(void **state) {
    (void)state;
    NLETTERS = 0;
    add_rows(SMALL_ROWS, VNI_SMALL_ROWS, 0);
    add_rows(CAPITAL_ROWS, VNI_CAPITAL_ROWS, 1);
    return 0;
}

/* The rows above are right: each letter is NFC and is what utf8proc
 * composes from its base, modifier and tone. */
static void test_letter_rows(void **state) {
    (void)state;
    assert_int_equal(NLETTERS, 146);
    static const char *const base = "aâăeêioôơuưy";
    static const char *const tones[] = {"", "\xCC\x81", "\xCC\x80", "\xCC\x89", "\xCC\x83", "\xCC\xA3"};
    for (size_t i = 0; i < NLETTERS; i++) {
        char *n = nfc(LETTERS[i].utf8);
        assert_string_equal(n, LETTERS[i].utf8);
        free(n);
    }
    /* Row r, column k = NFC(base + tone); the rows are in base order. */
    const utf8proc_uint8_t *b = (const utf8proc_uint8_t *)base;
    size_t off = 0;
    for (int r = 0; r < 12; r++) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(b + off, -1, &c);
        char bs[8] = {0};
        memcpy(bs, base + off, (size_t)k);
        off += (size_t)k;
        for (int t = 0; t < 6; t++) {
            char cat[16];
            snprintf(cat, sizeof cat, "%s%s", bs, tones[t]);
            char *n = nfc(cat);
            assert_string_equal(n, LETTERS[r * 6 + t].utf8);
            free(n);
        }
    }
}

/* ------------------------------------------------ byte tables vs iconv */

/* Every byte alone: TCVN3 decodes as glibc's TCVN5712-1 (VN1) does. */
static void test_tcvn3_bytes_vs_iconv(void **state) {
    (void)state;
    for (int b = 1; b < 256; b++) {
        char in[2] = {(char)b, 0};
        size_t n;
        char *want = ic("TCVN5712-1", "UTF-8", in, 1, &n);
        assert_non_null(want);
        char *wn = nfc(want);
        char *got = dec(in, 1, GV_ENC_TCVN3, 0);
        if (strcmp(got, wn)) fail_msg("TCVN3 byte 0x%02X: iconv '%s', geovoice '%s'", b, wn, got);
        free(want), free(wn), free(got);
    }
}

/* Every byte alone: CP1258 decodes as iconv CP1258; the bytes iconv
 * refuses are undefined here too. */
static void test_cp1258_bytes_vs_iconv(void **state) {
    (void)state;
    int undefined = 0;
    for (int b = 1; b < 256; b++) {
        char in[2] = {(char)b, 0};
        size_t n;
        char *want = ic("CP1258", "UTF-8", in, 1, &n);
        char *got = NULL;
        gv_error err;
        int rc = gv_text_to_utf8(in, 1, GV_ENC_CP1258, &got, &err);
        if (!want) {
            undefined++;
            assert_int_equal(rc, GV_EDATA);
            assert_null(got);
            assert_non_null(strstr(err.msg, "byte 0"));
            continue;
        }
        assert_int_equal(rc, GV_OK);
        char *wn = nfc(want);
        if (strcmp(got, wn)) fail_msg("CP1258 byte 0x%02X: iconv '%s', geovoice '%s'", b, wn, got);
        free(want), free(wn), free(got);
    }
    /* 0x81 0x8A 0x8D 0x8E 0x8F 0x90 0x9A 0x9D 0x9E: the code page's gaps. */
    assert_int_equal(undefined, 9);
}

/* ------------------------------------------------ every letter, each way */

static void test_cp1258_letters(void **state) {
    (void)state;
    for (size_t i = 0; i < NLETTERS; i++) {
        const letter *L = &LETTERS[i];
        size_t n, m;
        char *want = ic("UTF-8", "CP1258", L->utf8, strlen(L->utf8), &n);
        assert_non_null(want);
        char *got;
        gv_error err;
        assert_int_equal(gv_text_from_utf8(L->utf8, GV_ENC_CP1258, &got, &m, &err), GV_OK);
        if (m != n || memcmp(got, want, n)) fail_msg("CP1258 encoding of %s differs from iconv", L->utf8);
        /* Back through both decoders. */
        char *u = dec(got, m, GV_ENC_CP1258, 0);
        assert_string_equal(u, L->utf8);
        char *v = ic("CP1258", "UTF-8", got, m, &n);
        char *vn = nfc(v);
        assert_string_equal(vn, L->utf8);
        free(want), free(got), free(u), free(v), free(vn);
    }
}

static void test_tcvn3_letters(void **state) {
    (void)state;
    size_t refused = 0;
    for (size_t i = 0; i < NLETTERS; i++) {
        const letter *L = &LETTERS[i];
        char *got = NULL;
        size_t m = 0, n;
        gv_error err;
        int rc = gv_text_from_utf8(L->utf8, GV_ENC_TCVN3, &got, &m, &err);
        if (L->capital && L->toned) {
            /* VN3 has no capitals with tones: refused, and the message says
             * why and what to do. */
            assert_int_equal(rc, GV_EDATA);
            assert_non_null(strstr(err.msg, "no capitals with tone marks"));
            refused++;
            /* iconv (VN1) has a code for it, which geovoice reads back as
             * the capital. */
            char *vn1 = ic("UTF-8", "TCVN5712-1", L->utf8, strlen(L->utf8), &n);
            assert_non_null(vn1);
            char *u = dec(vn1, n, GV_ENC_TCVN3, 0);
            assert_string_equal(u, L->utf8);
            free(vn1), free(u);
            /* The capital-font convention writes the small letter's byte. */
            char lower[8];
            int32_t c;
            utf8proc_iterate((const utf8proc_uint8_t *)L->utf8, -1, &c);
            lower[utf8proc_encode_char(utf8proc_tolower(c), (utf8proc_uint8_t *)lower)] = 0;
            char *sm = ic("UTF-8", "TCVN5712-1", lower, strlen(lower), &n);
            assert_int_equal(gv_text_from_utf8_flags(L->utf8, GV_ENC_TCVN3, GV_TCVN3_CAPS, &got, &m, &err), GV_OK);
            assert_int_equal(m, 1);
            assert_int_equal(n, 1);
            assert_int_equal((unsigned char)got[0], (unsigned char)sm[0]);
            char *caps = dec(got, m, GV_ENC_TCVN3, GV_TCVN3_CAPS);
            assert_string_equal(caps, L->utf8);
            char *small = dec(got, m, GV_ENC_TCVN3, 0);
            assert_string_equal(small, lower);
            free(sm), free(got), free(caps), free(small);
            continue;
        }
        assert_int_equal(rc, GV_OK);
        assert_int_equal(m, 1); /* one byte per letter */
        char *want = ic("UTF-8", "TCVN5712-1", L->utf8, strlen(L->utf8), &n);
        if (n != 1 || want[0] != got[0]) fail_msg("TCVN3 code of %s differs from iconv", L->utf8);
        char *v = ic("TCVN5712-1", "UTF-8", got, m, &n);
        char *vn = nfc(v);
        assert_string_equal(vn, L->utf8);
        char *u = dec(got, m, GV_ENC_TCVN3, 0);
        assert_string_equal(u, L->utf8);
        free(want), free(got), free(v), free(vn), free(u);
    }
    assert_int_equal(refused, 60); /* 12 vowels x 5 tones */
}

static void test_vni_letters(void **state) {
    (void)state;
    for (size_t i = 0; i < NLETTERS; i++) {
        const letter *L = &LETTERS[i];
        char *got;
        size_t m;
        gv_error err;
        assert_int_equal(gv_text_from_utf8(L->utf8, GV_ENC_VNI, &got, &m, &err), GV_OK);
        if (m != strlen(L->vni) || memcmp(got, L->vni, m))
            fail_msg("VNI code of %s: chart %zu bytes, geovoice %zu", L->utf8, strlen(L->vni), m);
        char *u = dec(L->vni, strlen(L->vni), GV_ENC_VNI, 0);
        assert_string_equal(u, L->utf8);
        free(got), free(u);
    }
    /* A mark byte after a letter of the other case reads as the fonts
     * showed it: "Aø" = À, "aØ" = à. */
    expect_dec("A\xF8", 2, GV_ENC_VNI, 0, "À");
    expect_dec("a\xD8", 2, GV_ENC_VNI, 0, "à");
    /* Bytes 0x80-0xBF are Windows-1252: “ ” – and the degree sign. */
    expect_dec("\x93Hoa\xF8 \x96 25\xB0\x94", 12, GV_ENC_VNI, 0, "“Hoà – 25°”");
}

/* Whole names, every encoding, both ways: a round trip gives the name back
 * and matches the independent decoders byte for byte. */
static void test_round_trips(void **state) {
    (void)state;
    static const char *const names[] = {
        "Thành phố Hà Nội", "Tỉnh Điện Biên", "Xã Thượng Lâm", "Phường Nghĩa Đô", "Đặc khu Phú Quốc",
        "thuỷ lợi, khoẻ", "Xã Ea H'leo", "Tỉnh Đắk Lắk",
        /* TCVN3 (VN3) has no code for these two: a capital with a tone,
         * typographic quotes and the degree sign */
        "huyện Ứng Hoà", "“Quảng Trị” – 25°C",
    };
    const size_t n_vn3 = 8;
    const gv_encoding E[] = {GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (size_t e = 0; e < 4; e++) {
            char *b;
            size_t n, k;
            gv_error err;
            int rc = gv_text_from_utf8(names[i], E[e], &b, &n, &err);
            if (E[e] == GV_ENC_TCVN3 && i >= n_vn3) {
                assert_int_equal(rc, GV_EDATA);
                assert_null(b);
                continue;
            }
            assert_int_equal(rc, GV_OK);
            assert_int_equal(strlen(b), n);
            char *u = dec(b, n, E[e], 0);
            assert_string_equal(u, names[i]);
            const char *icn = E[e] == GV_ENC_CP1258 ? "CP1258" : E[e] == GV_ENC_TCVN3 ? "TCVN5712-1" : NULL;
            if (icn) {
                char *v = ic(icn, "UTF-8", b, n, &k), *vn = nfc(v);
                assert_string_equal(vn, names[i]);
                free(v), free(vn);
            }
            free(b), free(u);
        }
    /* ASCII: only ASCII. */
    char *b;
    gv_error err;
    assert_int_equal(gv_text_from_utf8("Ha Noi", GV_ENC_ASCII, &b, NULL, &err), GV_OK);
    assert_string_equal(b, "Ha Noi");
    free(b);
    assert_int_equal(gv_text_from_utf8("Hà", GV_ENC_ASCII, &b, NULL, &err), GV_EDATA);
    assert_null(b);
    assert_non_null(strstr(err.msg, "character 2 'à' (U+00E0)"));
}

/* ------------------------------------------------ TCVN3 capitals decision */

static void test_tcvn3_capitals(void **state) {
    (void)state;
    /* "øng Hoµ" (VN3 bytes of what a typist without the capital font
     * wrote for Ứng Hoà): read as small letters by default... */
    const char *b = "\xF8ng Ho\xB5";
    expect_dec(b, strlen(b), GV_ENC_TCVN3, 0, "ứng Hoà");
    /* ...and in a capital font, every letter a capital. */
    expect_dec(b, strlen(b), GV_ENC_TCVN3, GV_TCVN3_CAPS, "ỨNG HOÀ");
    /* VN1 capitals (0x80-0x9F, 0x01-0x17, the VN3 gaps) are read as
     * capitals whatever the flag: 0x11 = Ứ, 0x80 = À. */
    expect_dec("\x11ng Ho\x80", 7, GV_ENC_TCVN3, 0, "Ứng HoÀ");
    /* Writing: tcvn3-caps puts the capital on the small letter's byte. */
    char *x;
    size_t n;
    gv_error err;
    assert_int_equal(gv_text_from_utf8_flags("ỨNG HOÀ", GV_ENC_TCVN3, GV_TCVN3_CAPS, &x, &n, &err), GV_OK);
    assert_int_equal(n, 7);
    assert_memory_equal(x, "\xF8NG HO\xB5", 7);
    free(x);
    /* The control characters whose bytes VN1 gives to capitals cannot be
     * written (they would read back as Ú...). */
    assert_int_equal(gv_text_from_utf8("a\x01", GV_ENC_TCVN3, &x, &n, &err), GV_EDATA);
    /* parse names */
    gv_encoding e;
    unsigned fl = 99;
    assert_int_equal(gv_encoding_parse_flags("TCVN3-Caps", &e, &fl, NULL), GV_OK);
    assert_int_equal(e, GV_ENC_TCVN3);
    assert_int_equal(fl, GV_TCVN3_CAPS);
    assert_int_equal(gv_encoding_parse("tcvn3-caps", &e, &err), GV_EUSAGE);
}

/* ------------------------------------------------ NFD, NUL, BOM, errors */

static void test_nfc_and_errors(void **state) {
    (void)state;
    /* NFD UTF-8 (decomposed, as some macOS tools write) becomes NFC. */
    const char *nfd = "Ha\xCC\x80 No\xCC\x82\xCC\xA3i";
    expect_dec(nfd, strlen(nfd), GV_ENC_UTF8, 0, "Hà Nội");
    /* CP1258 with a separate tone byte after a letter that has a
     * precomposed form: composed too. */
    expect_dec("a\xCC", 2, GV_ENC_CP1258, 0, "à");
    /* TCVN3 (VN1) combining tone marks compose. */
    expect_dec("A\xB0", 2, GV_ENC_TCVN3, 0, "À");
    /* A NUL ends the text (DBF padding); a BOM is dropped. */
    expect_dec("H\xB5\0garbage", 9, GV_ENC_TCVN3, 0, "Hà");
    expect_dec("\xEF\xBB\xBFHà", 6, GV_ENC_UTF8, 0, "Hà");
    expect_dec("", 0, GV_ENC_VNI, 0, "");

    gv_error err;
    char *o = (char *)1;
    assert_int_equal(gv_text_to_utf8("H\xB5 N\xE9i", 6, GV_ENC_UTF8, &o, &err), GV_EDATA);
    assert_null(o);
    assert_string_equal(err.msg, "invalid UTF-8 at byte 1 (0xB5)");
    assert_int_equal(gv_text_to_utf8("ab\x80", 3, GV_ENC_ASCII, &o, &err), GV_EDATA);
    assert_string_equal(err.msg, "byte 2 (0x80) is not ASCII");
    /* VNI: a mark with no letter before it, a mark the letter cannot take
     * (breve on o), an unused byte. */
    assert_int_equal(gv_text_to_utf8("\xF8" "a", 2, GV_ENC_VNI, &o, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "byte 0 (0xF8)"));
    assert_int_equal(gv_text_to_utf8("o\xEA", 2, GV_ENC_VNI, &o, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "byte 1 (0xEA)"));
    assert_int_equal(gv_text_to_utf8("x\xFF", 2, GV_ENC_VNI, &o, &err), GV_EDATA);
    assert_int_equal(gv_text_to_utf8("x", 1, GV_ENC_MIXED, &o, &err), GV_EUSAGE);
    assert_int_equal(gv_text_to_utf8("x", 1, GV_ENC_UNKNOWN, &o, &err), GV_EUSAGE);
    assert_int_equal(gv_text_to_utf8(NULL, 1, GV_ENC_UTF8, &o, &err), GV_EUSAGE);
    assert_int_equal(gv_text_to_utf8("x", 1, GV_ENC_UTF8, NULL, &err), GV_EUSAGE);
    assert_int_equal(gv_text_from_utf8("a\xC3", GV_ENC_VNI, &o, NULL, &err), GV_EDATA);
    assert_string_equal(err.msg, "invalid UTF-8 at byte 1 (0xC3)");
    assert_int_equal(gv_text_from_utf8("Ω", GV_ENC_CP1258, &o, NULL, &err), GV_EDATA);
    assert_int_equal(gv_text_from_utf8("Ω", GV_ENC_VNI, &o, NULL, &err), GV_EDATA);
    assert_int_equal(gv_text_from_utf8("x", GV_ENC_MIXED, &o, NULL, &err), GV_EUSAGE);

    /* names */
    const char *names[] = {"ascii", "us-ascii", "utf-8", "UTF8", "cp1258", "Windows-1258", "tcvn3", "abc",
                           "tcvn5712", "tcvn5712-1", "vni", "VNI-Win", "vni-windows"};
    const gv_encoding want[] = {GV_ENC_ASCII, GV_ENC_ASCII, GV_ENC_UTF8, GV_ENC_UTF8, GV_ENC_CP1258,
                                GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_TCVN3, GV_ENC_TCVN3, GV_ENC_TCVN3,
                                GV_ENC_VNI, GV_ENC_VNI, GV_ENC_VNI};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        gv_encoding e = GV_ENC_UNKNOWN;
        assert_int_equal(gv_encoding_parse(names[i], &e, &err), GV_OK);
        assert_int_equal(e, want[i]);
        assert_string_not_equal(gv_encoding_name(e), "unknown");
    }
    gv_encoding e;
    assert_int_equal(gv_encoding_parse("mixed", &e, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "'mixed'"));
    assert_int_equal(gv_encoding_parse("unknown", &e, &err), GV_EUSAGE);
    assert_int_equal(gv_encoding_parse(NULL, &e, &err), GV_EUSAGE);
    assert_string_equal(gv_encoding_name((gv_encoding)42), "unknown");
    assert_string_equal(gv_encoding_name(GV_ENC_MIXED), "mixed");
}

/* ------------------------------------------------ detection */

/* Names of units_2025.csv (3,355: provinces and communes). */
static char **load_names(size_t *n) {
    char *csv = tu_slurp(GV_TEST_DATADIR "/units_2025.csv", NULL);
    if (!csv) return NULL;
    size_t cap = 4096, k = 0;
    char **a = malloc(cap * sizeof *a);
    char *save, *line = strtok_r(csv, "\n", &save);
    for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        if (tu_csv_split(line, f, 8) < 3) continue;
        if (k == cap) a = realloc(a, (cap *= 2) * sizeof *a);
        a[k++] = strdup(f[2]);
    }
    free(csv);
    *n = k;
    return a;
}

/* UTF-8 name to the bytes of encoding e, by the independent coders: iconv
 * for CP1258; for TCVN3 iconv on the name with its capitals-with-tone made
 * small (as VN3 files hold them); the chart table for VNI. */
static char *independent_bytes(const char *name, gv_encoding e, size_t *n) {
    if (e == GV_ENC_UTF8) { *n = strlen(name); return strdup(name); }
    if (e == GV_ENC_CP1258) return ic("UTF-8", "CP1258", name, strlen(name), n);
    if (e == GV_ENC_TCVN3) {
        char *lower = malloc(4 * strlen(name) + 1);
        size_t w = 0, len = strlen(name);
        for (size_t i = 0; i < len;) {
            int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)name + i, (utf8proc_ssize_t)(len - i), &c);
            int32_t d[4];
            utf8proc_ssize_t nd = utf8proc_decompose_char(c, d, 4, UTF8PROC_DECOMPOSE, NULL);
            int toned = 0;
            for (utf8proc_ssize_t q = 1; q < nd; q++)
                toned |= d[q] == 0x300 || d[q] == 0x301 || d[q] == 0x303 || d[q] == 0x309 || d[q] == 0x323;
            toned &= utf8proc_isupper(c);
            w += (size_t)utf8proc_encode_char(toned ? utf8proc_tolower(c) : c, (utf8proc_uint8_t *)lower + w);
            i += (size_t)k;
        }
        lower[w] = 0;
        char *r = ic("UTF-8", "TCVN5712-1", lower, w, n);
        free(lower);
        return r;
    }
    /* VNI: letter by letter from the chart. */
    char *out = malloc(3 * strlen(name) + 1);
    size_t w = 0, len = strlen(name);
    for (size_t i = 0; i < len;) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)name + i, (utf8proc_ssize_t)(len - i), &c);
        if (c < 0x80) out[w++] = (char)c;
        else {
            size_t j;
            for (j = 0; j < NLETTERS; j++)
                if (!strncmp(LETTERS[j].utf8, name + i, (size_t)k) && strlen(LETTERS[j].utf8) == (size_t)k) break;
            assert_true(j < NLETTERS);
            memcpy(out + w, LETTERS[j].vni, strlen(LETTERS[j].vni));
            w += strlen(LETTERS[j].vni);
        }
        i += (size_t)k;
    }
    out[w] = 0;
    *n = w;
    return out;
}

static void test_detect_real_names(void **state) {
    (void)state;
    size_t nn = 0;
    char **names = load_names(&nn);
    if (!names) { skip(); return; }
    assert_true(nn > 3000);
    const gv_encoding E[] = {GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    for (size_t e = 0; e < 4; e++) {
        gv_enc_detector *d = gv_enc_detector_new();
        size_t right = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t n;
            char *b = independent_bytes(names[i], E[e], &n);
            assert_non_null(b);
            gv_enc_detector_feed(d, b, n);
            /* Each name alone too: every one is told right. */
            double c1;
            gv_encoding one = gv_text_detect(b, n, &c1);
            if (one == E[e] || (one == GV_ENC_ASCII && n == strlen(names[i]))) right++;
            else print_message("%s alone read as %s: %s\n", gv_encoding_name(E[e]), gv_encoding_name(one), names[i]);
            free(b);
        }
        double conf;
        assert_int_equal(gv_enc_detector_result(d, &conf), E[e]);
        assert_true(conf > 0.99);
        assert_int_equal(right, nn);
        size_t g, bad;
        assert_int_equal(gv_enc_detector_words(d, E[e], &g, &bad), GV_OK);
        /* The same words are good in each encoding's own reading: a few
         * minority names (Sơmei, Đakrông, Êê) are not single syllables. */
        assert_true(g > 8000 && bad < 20);
        gv_enc_counts cnt;
        gv_enc_detector_counts(d, &cnt);
        assert_int_equal(cnt.values, nn);
        gv_enc_detector_free(d);
    }
    for (size_t i = 0; i < nn; i++) free(names[i]);
    free(names);
}

/* Mojibake: every name of units_2025 in TCVN3, VNI, CP1258 and UTF-8
 * bytes read as ISO-8859-1 (as GDAL reads a DBF without .cpg) and saved
 * as UTF-8 (iconv does both steps here) is repaired to its own reading;
 * and no real UTF-8 name is touched. */
static void test_mojibake(void **state) {
    (void)state;
    size_t nn = 0;
    char **names = load_names(&nn);
    if (!names) { skip(); return; }
    const gv_encoding E[] = {GV_ENC_UTF8, GV_ENC_CP1258, GV_ENC_TCVN3, GV_ENC_VNI};
    size_t repaired[4] = {0}, alone_silent[4] = {0}, untouched = 0, nonascii = 0;
    for (size_t i = 0; i < nn; i++) {
        char *fixed = (char *)1;
        gv_encoding as = GV_ENC_MIXED;
        assert_int_equal(gv_text_unmojibake(names[i], &as, &fixed, NULL), GV_OK);
        untouched += fixed == NULL && as == GV_ENC_UNKNOWN;
        free(fixed);
        int high = 0;
        for (const char *p = names[i]; *p; p++) high |= (unsigned char)*p >= 0x80;
        nonascii += high;
        for (size_t e = 0; e < 4; e++) {
            size_t n, m;
            char *b = independent_bytes(names[i], E[e], &n);
            char *moji = ic("ISO-8859-1", "UTF-8", b, n, &m);
            char *want = dec(b, n, E[e], 0);
            fixed = NULL;
            assert_int_equal(gv_text_unmojibake(moji, &as, &fixed, NULL), GV_OK);
            size_t g, bad;
            gv_text_scores(moji, m, GV_ENC_UTF8, 0, &g, &bad);
            char *fixed_as = NULL;
            assert_int_equal(gv_text_unmojibake_as(moji, E[e], &fixed_as, NULL), GV_OK);
            if (!high) {
                assert_null(fixed); /* ASCII is the same in every reading */
                assert_null(fixed_as);
                free(b), free(moji), free(want);
                continue;
            }
            /* Knowing the encoding, every value is repaired. */
            assert_non_null(fixed_as);
            assert_string_equal(fixed_as, want);
            free(fixed_as);
            if (fixed && !strcmp(fixed, want) && as == E[e]) {
                repaired[e]++;
            } else if (!fixed && (bad == 0 || !strcmp(moji, want) || (gv_text_scores(want, strlen(want), GV_ENC_UTF8,
                                                                                      0, &g, &bad), bad > 0))) {
                /* Alone, the value cannot tell: its garbled form reads as
                 * syllables (VNI "Xã" is "Xaõ"), or is the same text
                 * (CP1258 letters Latin-1 has too), or its right reading
                 * is not all syllables either (Đakrông); a layer's other
                 * values decide (layer_text.c). */
                alone_silent[e]++;
            } else {
                print_message("%s mojibake of '%s' gave '%s' as %s\n", gv_encoding_name(E[e]), names[i],
                              fixed ? fixed : "(none)", gv_encoding_name(as));
            }
            free(b), free(moji), free(want), free(fixed);
        }
    }
    assert_int_equal(untouched, nn);
    for (size_t e = 0; e < 4; e++) {
        print_message("mojibake %s: %zu of %zu names repaired alone, %zu need the layer\n", gv_encoding_name(E[e]),
                      repaired[e], nonascii, alone_silent[e]);
        assert_int_equal(repaired[e] + alone_silent[e], nonascii);
        assert_true(repaired[e] > nonascii / 2);
    }
    for (size_t i = 0; i < nn; i++) free(names[i]);
    free(names);
    /* The detector counts them. */
    gv_enc_detector *d = gv_enc_detector_new();
    gv_enc_detector_feed(d, "H\xC2\xB5 N\xC3\xA9i", 8); /* "Hµ Néi" */
    gv_enc_counts cnt;
    gv_enc_detector_counts(d, &cnt);
    assert_int_equal(cnt.mojibake, 1);
    assert_int_equal(gv_enc_detector_result(d, NULL), GV_ENC_UTF8);
    gv_enc_detector_free(d);
    assert_int_equal(gv_text_unmojibake(NULL, NULL, NULL, NULL), GV_EUSAGE);
}

/* Hand-made cases whose answer is worked out in the comments. */
static void test_detect_cases(void **state) {
    (void)state;
    double c = -1;
    gv_enc_detector *d = gv_enc_detector_new();
    assert_int_equal(gv_enc_detector_result(d, &c), GV_ENC_UNKNOWN);
    assert_true(c == 0);
    gv_enc_detector_feed(d, "Ha Noi", 6);
    gv_enc_detector_feed(d, NULL, 3);
    gv_enc_detector_feed(d, "", 0);
    assert_int_equal(gv_enc_detector_result(d, &c), GV_ENC_ASCII);
    assert_true(c == 1);
    /* One UTF-8 value with 2 multi-byte sequences: confidence 1 - 0.1^2. */
    gv_enc_detector_feed(d, "Hà Nội", strlen("Hà Nội"));
    assert_int_equal(gv_enc_detector_result(d, &c), GV_ENC_UTF8);
    assert_float_equal(c, 0.99, 1e-12);
    /* A UTF-8 value cut inside its last letter (a DBF field too short) is
     * still UTF-8. */
    gv_enc_detector_feed(d, "Đà N\xE1\xBA", 7);
    assert_int_equal(gv_enc_detector_result(d, NULL), GV_ENC_UTF8);
    gv_enc_counts cnt;
    gv_enc_detector_counts(d, &cnt);
    assert_int_equal(cnt.truncated, 1);
    assert_int_equal(cnt.utf8, 2);
    /* A BOM before ASCII is UTF-8 (a fuzzing find: it was called ASCII,
     * which the ASCII decoder then refused). */
    assert_int_equal(gv_text_detect("\xEF\xBB\xBFHa Noi", 9, NULL), GV_ENC_UTF8);
    /* Now a TCVN3 value: mixed, never guessed. */
    gv_enc_detector_feed(d, "\xA7\xB5 N\xB5ng", 8);
    assert_int_equal(gv_enc_detector_result(d, &c), GV_ENC_MIXED);
    gv_enc_detector_free(d);

    /* TCVN3 vs VNI vs CP1258 on one value each (the three readings of the
     * same bytes differ): */
    assert_int_equal(gv_text_detect("Th\xB5nh ph\xE8 H\xE5 Ch\xDD Minh", 23, &c), GV_ENC_TCVN3);
    {
        size_t n;
        char *v = independent_bytes("Thành phố Hồ Chí Minh", GV_ENC_VNI, &n);
        assert_int_equal(gv_text_detect(v, n, &c), GV_ENC_VNI);
        free(v);
        v = independent_bytes("Thành phố Hồ Chí Minh", GV_ENC_CP1258, &n);
        assert_int_equal(gv_text_detect(v, n, &c), GV_ENC_CP1258);
        free(v);
    }
    /* Latin-1 French: not Vietnamese in any reading. */
    assert_int_equal(gv_text_detect("C\xF4te d'Ivoire", 13, &c), GV_ENC_UNKNOWN);
    assert_true(c == 0);

    /* Legacy encodings mixed: 5 TCVN3 names and 5 VNI names. */
    static const char *const ten[] = {"Thành phố Hà Nội", "Tỉnh Cao Bằng", "Tỉnh Điện Biên", "Tỉnh Lai Châu",
                                      "Tỉnh Sơn La", "Tỉnh Lạng Sơn", "Tỉnh Quảng Ninh", "Tỉnh Thái Nguyên",
                                      "Tỉnh Phú Thọ", "Tỉnh Bắc Ninh"};
    d = gv_enc_detector_new();
    for (int i = 0; i < 10; i++) {
        size_t n;
        char *v = independent_bytes(ten[i], i < 5 ? GV_ENC_TCVN3 : GV_ENC_VNI, &n);
        gv_enc_detector_feed(d, v, n);
        free(v);
    }
    assert_int_equal(gv_enc_detector_result(d, NULL), GV_ENC_MIXED);
    gv_enc_detector_free(d);
    /* One odd VNI value among 300 TCVN3 ones is below the mixing floor
     * (2, or 2 % of the values): TCVN3 (the caller lists the odd value). */
    size_t nn = 0;
    char **names = load_names(&nn);
    if (names) {
        d = gv_enc_detector_new();
        for (size_t i = 0; i < 300; i++) {
            size_t n;
            char *v = independent_bytes(names[i], i == 7 ? GV_ENC_VNI : GV_ENC_TCVN3, &n);
            gv_enc_detector_feed(d, v, n);
            free(v);
        }
        assert_int_equal(gv_enc_detector_result(d, NULL), GV_ENC_TCVN3);
        gv_enc_detector_free(d);
        for (size_t i = 0; i < nn; i++) free(names[i]);
        free(names);
    }
    /* Scores: TCVN3 "Hµ Néi" read as CP1258 is two bad words, as TCVN3
     * two good ones. */
    size_t g, b;
    assert_int_equal(gv_text_scores("H\xB5 N\xE9i", 6, GV_ENC_CP1258, 0, &g, &b), GV_OK);
    assert_int_equal(g, 0);
    assert_int_equal(b, 2);
    assert_int_equal(gv_text_scores("H\xB5 N\xE9i", 6, GV_ENC_TCVN3, 0, &g, &b), GV_OK);
    assert_int_equal(g, 2);
    assert_int_equal(b, 0);
    assert_int_equal(gv_text_scores("x", 1, GV_ENC_MIXED, 0, &g, &b), GV_EUSAGE);
    assert_int_equal(gv_enc_detector_words(NULL, GV_ENC_UTF8, &g, &b), GV_EUSAGE);
}

/* Syllable rules on words whose verdict is known: real syllables good,
 * impossible ones bad. */
static void test_syllables(void **state) {
    (void)state;
    static const char *const good[] = {"Nguyễn", "giếng", "Quảng", "thuở", "Yên", "Đắk", "Lắk", "Păh",
                                       "ương", "Huế", "Ứng", "HÀ", "NỘI", "xoắn", "Nghĩa", "quýt", "tiếng", "khuỷu", "Khuê",
                                       "Hoà", "Hòa", "Thuỷ", "Thủy", "người", "cửa", "ngoài", "mùa", "Hoàng"};
    static const char *const bad[] = {"Tổnh", "Hoµ", "Noäi", "nÔi", "Hoàà", "ặa", "ấch", "ỉng", "nh̀", "bằt",
                                      "ẽu", "Sụnp", "ñaêk",
                                      "Xaõ", "caì", "ngứơi", "thụơ"}; /* the last four: tone on the wrong vowel */
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t g, b;
        gv_text_scores(good[i], strlen(good[i]), GV_ENC_UTF8, 0, &g, &b);
        if (g != 1 || b != 0) fail_msg("'%s' should be a syllable", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t g, b;
        gv_text_scores(bad[i], strlen(bad[i]), GV_ENC_UTF8, 0, &g, &b);
        if (g != 0 || b != 1) fail_msg("'%s' should not be a syllable", bad[i]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_letter_rows),
        cmocka_unit_test(test_tcvn3_bytes_vs_iconv),
        cmocka_unit_test(test_cp1258_bytes_vs_iconv),
        cmocka_unit_test(test_cp1258_letters),
        cmocka_unit_test(test_tcvn3_letters),
        cmocka_unit_test(test_vni_letters),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_tcvn3_capitals),
        cmocka_unit_test(test_nfc_and_errors),
        cmocka_unit_test(test_detect_real_names),
        cmocka_unit_test(test_mojibake),
        cmocka_unit_test(test_detect_cases),
        cmocka_unit_test(test_syllables),
    };
    return cmocka_run_group_tests(tests, setup_letters, NULL);
}
