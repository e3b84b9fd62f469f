/* syllable.h: Vietnamese letters and syllables, for the encoding code
 * (private to the engine). A word is judged a Vietnamese syllable when it
 * has Vietnamese letters only, at most one tone mark and only on a vowel,
 * a known vowel nucleus, a final consonant its rhyme allows (anh not ônh,
 * inh not ing), c/ch/p/t only with the acute or dot tone, and no capital
 * after a small letter. */
#ifndef GV_SYLLABLE_H
#define GV_SYLLABLE_H

#include <stddef.h>
#include <stdint.h>

/* A byte or sequence that the encoding does not define, in decoded text. */
#define GV__UNDEF 0x110000u

/* Tone marks, numbered as the VNI chart and the tables use them, and
 * their combining code points (GV__TONE_CP[GV_T_GRAVE] = U+0300). */
enum { GV_T_NONE = 0, GV_T_GRAVE, GV_T_ACUTE, GV_T_HOOK, GV_T_TILDE, GV_T_DOT };
extern const uint32_t GV__TONE_CP[6];
/* Letter modifiers. */
enum { GV_M_CIRC = 1, GV_M_BREVE = 2, GV_M_HORN = 4 };

/* Tone number of combining mark c, -1 when c is not a tone mark. */
int gv__tone_of(uint32_t c);
/* Modifier of combining mark c (GV_M_*), 0 when c is none. */
int gv__mod_of(uint32_t c);

/* A Vietnamese letter taken apart: base ('a'..'z' small, or 'd' for
 * Đ/đ with mod -1), capital or not, modifier, tone. */
typedef struct {
    char base;
    int cap, mod, tone;
} gv__vletter;

/* Splits c into its base letter, modifier and tone. 0 when c is not an
 * ASCII letter, a letter made of one with at most one modifier and one
 * tone, or đ/Đ. */
int gv__split_letter(uint32_t c, gv__vletter *p);

/* Scores the words of decoded text cp[0..n) (GV__UNDEF for undefined
 * bytes): every word holding a code point >= 0x80 is good (a Vietnamese
 * syllable) or bad; a word holding an undefined byte, or only symbols, is
 * bad; ASCII words are not scored. */
void gv__score_words(const uint32_t *cp, size_t n, size_t *good, size_t *bad);

#endif
