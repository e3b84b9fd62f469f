/* syllable.c: Vietnamese letters taken apart (base, modifier, tone) and
 * the syllable model that judges a decoded text (see syllable.h). The
 * encoding detector (enc_detect.c) reads bytes in each candidate encoding
 * and asks this file how Vietnamese the words that come out are. */
#include "syllable.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

const uint32_t GV__TONE_CP[6] = {0, 0x0300, 0x0301, 0x0309, 0x0303, 0x0323};

int gv__tone_of(uint32_t c) {
    for (int t = 1; t <= 5; t++)
        if (GV__TONE_CP[t] == c) return t;
    return -1;
}

int gv__mod_of(uint32_t c) {
    return c == 0x0302 ? GV_M_CIRC : c == 0x0306 ? GV_M_BREVE : c == 0x031B ? GV_M_HORN : 0;
}

int gv__split_letter(uint32_t c, gv__vletter *p) {
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
        int t = gv__tone_of((uint32_t)d[k]), m = gv__mod_of((uint32_t)d[k]);
        if (t > 0 && !p->tone) p->tone = t;
        else if (m && !p->mod) p->mod = m;
        else return 0;
    }
    return 1;
}

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
    int tones = 0, tone = GV_T_NONE, seen_small = 0;
    size_t tpos = 0; /* index (in id[]) of the letter that carries the tone */
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c == GV__UNDEF) return 0;
        if (c >= 0x300 && c < 0x370) {
            /* A combining mark: belongs to the letter before it. */
            if (!nl || lower[nl - 1] == 'D') return 0;
            int t = gv__tone_of(c), m = gv__mod_of(c);
            char v = id[nl - 1], bse = lower[nl - 1];
            if (t > 0) {
                if (v == 'c' || ++tones > 1) return 0;
                tone = t;
                tpos = nl - 1;
                continue;
            }
            if (!m) return 0;
            /* A modifier turns the plain vowel into another vowel. */
            if (m == GV_M_CIRC && (v == 'a' || v == 'e' || v == 'o')) id[nl - 1] = v == 'a' ? 'B' : v == 'e' ? 'E' : 'O';
            else if (m == GV_M_BREVE && v == 'a') id[nl - 1] = 'A';
            else if (m == GV_M_HORN && (v == 'o' || v == 'u')) id[nl - 1] = v == 'o' ? 'W' : 'U';
            else return 0;
            (void)bse;
            continue;
        }
        if (nl == MAXL) return 0;
        gv__vletter p;
        int cap;
        if (c == 0x00D0) { /* Ð (Eth) as Đ, as some files write it */
            p.base = 'd'; p.mod = -1; p.tone = 0; cap = 1;
        } else {
            if (!gv__split_letter(c, &p)) return 0;
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
            if (p.mod == GV_M_CIRC && (bse == 'a' || bse == 'e' || bse == 'o')) v = bse == 'a' ? 'B' : bse == 'e' ? 'E' : 'O';
            else if (p.mod == GV_M_BREVE && bse == 'a') v = 'A';
            else if (p.mod == GV_M_HORN && (bse == 'o' || bse == 'u')) v = bse == 'o' ? 'W' : 'U';
            else if (p.mod) return 0;
        } else if (p.mod || p.tone) {
            return 0; /* a consonant with a mark */
        }
        if (p.tone && ++tones > 1) return 0;
        if (p.tone) { tone = p.tone; tpos = nl; }
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
    /* The tone sits on the nucleus, where Vietnamese puts it (old and new
     * styles both: hòa and hoà, thủy and thuỷ): on the last modified vowel
     * (ư ơ â ...: thuở, người, khuyến), else on the first of a nucleus
     * that ends in a glide (ao, ai, ưu...), on either of oa, oe, uy, oo,
     * and on the middle of three (ngoài, khuỷu). "xaõ" is no syllable: it
     * is VNI bytes read as Windows-1252 (xã). */
    if (tone != GV_T_NONE) {
        if (tpos < v0 || tpos >= v1) return 0;
        size_t tp = tpos - v0, L = v1 - v0, lastmod = (size_t)-1;
        for (size_t k = 0; k < L; k++)
            if (strchr("ABEOWU", nuc[k])) lastmod = k;
        int ok;
        if (L == 1) ok = 1;
        else if (lastmod != (size_t)-1) ok = tp == lastmod;
        else if (L == 2 && (!strcmp(nuc, "oa") || !strcmp(nuc, "oe") || !strcmp(nuc, "uy") || !strcmp(nuc, "oo")))
            ok = 1;
        else if (L == 2) ok = tp == 0;
        else ok = tp == 1;
        if (!ok) return 0;
    }
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
        if (tone != GV_T_ACUTE && tone != GV_T_DOT) return 0;
    return 1;
}

/* Words are runs between separators; see syllable.h for the verdicts. */
void gv__score_words(const uint32_t *a, size_t n, size_t *good, size_t *bad) {
    size_t i = 0;
    *good = *bad = 0;
    while (i < n) {
        if (a[i] != GV__UNDEF && is_sep(a[i])) { i++; continue; }
        size_t j = i;
        int nonascii = 0, letter = 0, undef = 0;
        while (j < n && (a[j] == GV__UNDEF || !is_sep(a[j]))) {
            uint32_t c = a[j];
            if (c == GV__UNDEF) undef = 1;
            else if (c >= 0x80) nonascii = 1;
            if (c < 0x80 || (c != GV__UNDEF && (utf8proc_category((int32_t)c) <= UTF8PROC_CATEGORY_LO ||
                                              (c >= 0x300 && c < 0x370))))
                letter = 1;
            j++;
        }
        if (undef) (*bad)++;
        else if (nonascii && letter) {
            if (syllable_ok(a + i, j - i)) (*good)++;
            else (*bad)++;
        } else if (nonascii) {
            (*bad)++; /* stray symbols where letters should be */
        }
        i = j;
    }
}

