/* encoding.h: text encodings of Vietnamese data — detect which encoding a
 * layer's text is in (UTF-8, CP1258, or the legacy TCVN3/ABC and VNI
 * encodings still found in DBF files from provincial offices), convert it
 * to UTF-8 NFC, and encode UTF-8 back into those encodings (SPEC "Inputs";
 * issue "Dirty real-world inputs", Encodings).
 *
 * What each legacy encoding is, as read and written here:
 * - CP1258 (windows-1258): single bytes; five bytes are combining tone
 *   marks (0xCC grave, 0xEC acute, 0xD2 hook, 0xDE tilde, 0xF2 dot below),
 *   so most toned letters are two bytes. Decoding composes them (NFC).
 * - TCVN3 (ABC, TCVN 5712:1993 VN3): one byte per letter. VN3 has no codes
 *   for capitals with a tone mark: old files wrote them with a separate
 *   capital font (.VnTimeH) on the very byte values of the lowercase
 *   letters, so the bytes alone cannot tell "à" from "À". Decision: by
 *   default those bytes are read as small letters (what the standard names
 *   them: a DBF cell has no font, and "øng Hoµ" is read "ứng Hoà"); name
 *   matching ignores case (SPEC), so joins by name are not affected, and
 *   `geovoice check` counts the words that begin with such a small letter.
 *   Pass GV_TCVN3_CAPS (`--encoding tcvn3-caps`) when the text is known to
 *   be in a capital font: then every letter is read as a capital. Reading
 *   also accepts the extra codes of VN1 (the full TCVN 5712:1993 table,
 *   glibc's TCVN5712-1: capitals with tones at 0x80-0x9F, in the slots
 *   above 0xA0 that VN3 leaves empty and on twelve control codes 0x01-0x17;
 *   combining tone marks 0xB0-0xB4), so every byte is defined; writing
 *   emits VN3 only, and refuses the twelve control characters whose bytes
 *   VN1 gives to capitals.
 * - VNI (VNI-Windows): a letter is its base letter byte followed, for many
 *   letters, by one combining-mark byte ("aø" = à, "AØ" = À); i-letters, đ,
 *   ơ, ư and ỵ have one-byte codes. A mark byte is read after a letter of
 *   either case (the fonts drew "Aø" as À too); one that no letter before it
 *   can take, and the unused bytes of the letter area (0xC7 0xD0 0xD7 0xDD-
 *   0xDF and their small forms), are undefined. Other bytes 0x80-0xBF are
 *   read as Windows-1252 (the VNI fonts are Windows fonts that replaced
 *   only the letter area 0xC0-0xFF). */
#ifndef GEOVOICE_ENCODING_H
#define GEOVOICE_ENCODING_H

#include <stddef.h>

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GV_ENC_UNKNOWN = 0, /* nothing fed, or no encoding yields Vietnamese */
    GV_ENC_ASCII,       /* every byte < 0x80 */
    GV_ENC_UTF8,
    GV_ENC_CP1258,
    GV_ENC_TCVN3,
    GV_ENC_VNI,
    GV_ENC_MIXED /* some values UTF-8 with letters, others not UTF-8 */
} gv_encoding;

/* "unknown", "ascii", "utf-8", "cp1258", "tcvn3", "vni", "mixed"; "unknown"
 * for a value outside the enum. Static string, never freed. */
GV_API const char *gv_encoding_name(gv_encoding e);

/* Parses an encoding name, case-insensitive: "ascii"/"us-ascii",
 * "utf-8"/"utf8", "cp1258"/"windows-1258", "tcvn3"/"abc"/"tcvn5712"/
 * "tcvn5712-1", "vni"/"vni-win"/"vni-windows". Writes *out and returns
 * GV_OK; GV_EUSAGE (with the name in err) for NULL arguments or any other
 * name, including "mixed" and "unknown", which are results, not choices. */
GV_API int gv_encoding_parse(const char *s, gv_encoding *out, gv_error *err);

/* As gv_encoding_parse, also accepting "tcvn3-caps"/"abc-caps" (TCVN3 in
 * a capital font): *flags (may be NULL, then those names are refused) gets
 * GV_TCVN3_CAPS for them and 0 otherwise. */
GV_API int gv_encoding_parse_flags(const char *s, gv_encoding *out, unsigned *flags, gv_error *err);

/* ------------------------------------------------------------ detection */

/* Detector over many strings (e.g. every text value of a layer): feed each,
 * then decide. It keeps counts only, never the values, so memory is constant
 * whatever the number of values. */
typedef struct gv_enc_detector gv_enc_detector;

/* New detector (free with gv_enc_detector_free); NULL when out of memory. */
GV_API gv_enc_detector *gv_enc_detector_new(void);

/* Frees d; NULL allowed. */
GV_API void gv_enc_detector_free(gv_enc_detector *d);

/* Adds one value of n bytes (not necessarily NUL-terminated; n = 0 or a NULL
 * d or bytes is a no-op). Allocates nothing. */
GV_API void gv_enc_detector_feed(gv_enc_detector *d, const char *bytes,
                                 size_t n);

/* Decides from everything fed so far (d is not changed; feeding may go on):
 * - ASCII when every byte was < 0x80 (confidence 1);
 * - UTF-8 when every non-ASCII value is valid UTF-8 and not implausible (a
 *   valid-UTF-8 value is implausible when its text has a word that is not
 *   a Vietnamese syllable while a legacy decoding of it is all valid
 *   syllables). Confidence 1 - 0.1^k, k the number of multi-byte sequences
 *   seen: each is taken as 10:1 evidence against legacy bytes that happen
 *   to form UTF-8;
 * - MIXED when some values are plausible UTF-8 containing a Vietnamese
 *   word and others are not UTF-8 (or implausible), or when the non-UTF-8
 *   values read as Vietnamese only in different legacy encodings (some
 *   only in TCVN3, others only in VNI): such a file is reported, never
 *   guessed. A UTF-8 value cut inside a character at its end (a DBF field
 *   too short for its text) still counts as UTF-8;
 * - otherwise the legacy encoding (CP1258, TCVN3, VNI) whose decoding of the
 *   non-UTF-8 values is the most plausible Vietnamese. Each word holding a
 *   non-ASCII character scores good when it is a Vietnamese syllable
 *   (Vietnamese letters only, at most one tone mark, tones on vowels, a known
 *   vowel nucleus, a final consonant its rhyme allows, c/ch/p/t only with
 *   the acute or dot tone, no capital after a small letter) and bad
 *   otherwise; undefined bytes and stray symbols score bad. A right reading
 *   is modelled as 95 % good words and a wrong one as 5 %, so each good
 *   word is ln 19 of evidence for an encoding and each bad word ln 19
 *   against (ties go to CP1258, then TCVN3). Confidence = (posterior of the
 *   winner under that evidence) x (share of good words in its reading);
 * - UNKNOWN (confidence 0) when nothing was fed, or when even the best
 *   legacy decoding of the non-UTF-8 values is mostly bad words.
 * confidence (may be NULL) gets a value in [0, 1]. */
GV_API gv_encoding gv_enc_detector_result(const gv_enc_detector *d,
                                          double *confidence);

/* Words scored so far in encoding e (UTF-8: in the values taken as UTF-8;
 * CP1258, TCVN3, VNI: in the values that are not): *good those that are
 * Vietnamese syllables, *bad the others (either may be NULL). GV_EUSAGE for
 * another e or a NULL d. */
GV_API int gv_enc_detector_words(const gv_enc_detector *d, gv_encoding e, size_t *good, size_t *bad);

/* What the detector has seen, by value. */
typedef struct gv_enc_counts {
    size_t values;           /* non-empty values fed */
    size_t nonascii;         /* ... holding a byte >= 0x80 */
    size_t utf8;             /* ... taken as UTF-8 */
    size_t utf8_words;       /* ... of which hold a Vietnamese word */
    size_t truncated;        /* UTF-8 values cut inside their last character */
    size_t legacy;           /* values not UTF-8, or implausible as UTF-8 */
    size_t implausible_utf8; /* valid UTF-8 that reads as Vietnamese only in a legacy encoding */
    size_t mojibake;         /* UTF-8 values that are mojibake (gv_text_unmojibake repairs them) */
} gv_enc_counts;

/* Fills *out (d NULL: zeros). */
GV_API void gv_enc_detector_counts(const gv_enc_detector *d, gv_enc_counts *out);

/* Detection of a single value (as a detector fed only it). */
GV_API gv_encoding gv_text_detect(const char *bytes, size_t n, double *confidence);

/* Words of n bytes read in encoding e (ASCII, UTF-8, CP1258, TCVN3, VNI;
 * flags as gv_text_to_utf8_flags): *good Vietnamese syllables, *bad other
 * words holding a non-ASCII character or an undefined byte. GV_OK,
 * GV_EUSAGE, GV_ENOMEM. */
GV_API int gv_text_scores(const char *bytes, size_t n, gv_encoding e, unsigned flags, size_t *good,
                          size_t *bad);

/* Mojibake: UTF-8 text made by an earlier conversion that read legacy
 * bytes (or UTF-8) as Windows-1252 or ISO-8859-1, as GDAL reads a DBF
 * without .cpg: TCVN3 "Hà Nội" becomes "Hµ Néi". When utf8 has words that
 * are not Vietnamese syllables, maps to single bytes (code points below
 * U+0100 and 1252's extras), and those bytes read as syllables only in
 * some encoding (UTF-8, CP1258, TCVN3 or VNI; the most words), *out gets
 * that reading (UTF-8 NFC, malloc'd) and *as (may be NULL) that encoding.
 * Otherwise *out is NULL and *as GV_ENC_UNKNOWN. GV_OK; GV_EUSAGE for
 * NULL utf8/out; GV_ENOMEM. */
GV_API int gv_text_unmojibake(const char *utf8, gv_encoding *as, char **out, gv_error *err);

/* As gv_text_unmojibake when the encoding is known (from the other values
 * of a layer): *out gets e's reading of the recovered bytes when they hold
 * a byte >= 0x80, are all defined in e and read at least as well as utf8
 * (good words minus bad ones, at least one good), and utf8 itself does
 * not read as Vietnamese syllables only (a valid name beside mojibake is
 * taken as written: "Hoà Bình" is not TCVN3 "Hồ Bình"; VNI "Xã" garbled
 * to "Xaõ" is no syllable, the tone being on the wrong vowel); else NULL.
 * e is UTF-8, CP1258, TCVN3 or VNI (else GV_EUSAGE). */
GV_API int gv_text_unmojibake_as(const char *utf8, gv_encoding e, char **out, gv_error *err);

/* ----------------------------------------------------------- conversion */

/* Flags for the _flags variants. */
#define GV_TCVN3_CAPS 0x1u /* TCVN3 text in an ABC capital font: reading
                              turns every letter into a capital; writing
                              puts capitals with a tone on the lowercase
                              bytes (as the capital font showed them) */

/* Converts n bytes in encoding e (ASCII, UTF-8, CP1258, TCVN3 or VNI) to
 * UTF-8 NFC. *out gets a NUL-terminated string from malloc() that the
 * caller frees with free(). A NUL byte ends the text early (DBF writers pad
 * with NULs); UTF-8 byte order marks at the start are dropped. Returns
 * GV_OK; GV_EDATA (naming the byte offset) for invalid UTF-8 when e is
 * UTF-8, a byte >= 0x80 when e is ASCII, or a byte (VNI: a sequence) that
 * the encoding does not define; GV_EUSAGE for NULL out, NULL bytes with
 * n > 0, or e UNKNOWN/MIXED; GV_ENOMEM. *out is NULL on error. */
GV_API int gv_text_to_utf8(const char *bytes, size_t n, gv_encoding e,
                           char **out, gv_error *err);

/* As gv_text_to_utf8, with flags (GV_TCVN3_CAPS; ignored for other
 * encodings). */
GV_API int gv_text_to_utf8_flags(const char *bytes, size_t n, gv_encoding e,
                                 unsigned flags, char **out, gv_error *err);

/* Encodes NUL-terminated UTF-8 text (NFC or not: it is normalised first)
 * into e, the way old tools wrote it (for tests and for writing legacy
 * files). *out gets the bytes from malloc(), NUL-terminated for
 * convenience, and *n (may be NULL) their number without the NUL; the
 * caller frees *out with free(). CP1258 uses a precomposed byte where one
 * exists and otherwise base byte + tone-mark byte (as glibc iconv does);
 * TCVN3 writes VN3 codes; VNI writes base + mark bytes in the case of the
 * letter. Returns GV_OK; GV_EDATA naming the first character that e has no
 * code for (in TCVN3: every capital with a tone mark, unless
 * GV_TCVN3_CAPS) or invalid UTF-8; GV_EUSAGE for NULL utf8/out or e not
 * one of ASCII, UTF-8, CP1258, TCVN3, VNI; GV_ENOMEM. */
GV_API int gv_text_from_utf8(const char *utf8, gv_encoding e, char **out,
                             size_t *n, gv_error *err);

/* As gv_text_from_utf8, with flags (GV_TCVN3_CAPS). */
GV_API int gv_text_from_utf8_flags(const char *utf8, gv_encoding e,
                                   unsigned flags, char **out, size_t *n,
                                   gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
