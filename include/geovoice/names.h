/* names.h: Vietnamese unit names — normalisation keys and a matcher that
 * finds a name among candidates by the rules of SPEC "Vietnamese names",
 * reporting which rule matched (the report's `rule` column) and refusing to
 * guess when more than one candidate fits.
 *
 * Keys are for comparison only, never for display: the tone-unified key
 * moves each tone mark to the end of its syllable ("quảng" -> "quang" +
 * U+0309), which is not how Vietnamese is written. Show the caller's own
 * text (or gv_name_nfc of it) to people. */
#ifndef GEOVOICE_NAMES_H
#define GEOVOICE_NAMES_H

#include <stddef.h>

#include "geovoice/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Match rules, in the order SPEC applies them. */
typedef enum {
    GV_RULE_NONE = 0,  /* no match */
    GV_RULE_EXACT,     /* equal exact keys (gv_name_exact_key) */
    GV_RULE_TONE,      /* equal only once old/new tone placement is unified
                          (hoà = hòa, thuỷ = thủy): gv_name_key */
    GV_RULE_PREFIX,    /* equal tone keys once one unit-type prefix is
                          stripped from the query, the candidate or both */
    GV_RULE_FOLD,      /* equal only without diacritics (gv_name_fold_key),
                          prefix stripping allowed, exactly one candidate */
    GV_RULE_AMBIGUOUS  /* more than one candidate fits at the first rule
                          that any candidate fits */
} gv_name_rule;

/* "none", "exact", "tone", "prefix", "fold", "ambiguous"; "unknown" for a
 * value outside the enum. Static string, never freed. */
GV_API const char *gv_name_rule_str(gv_name_rule r);

/* Key functions. Each writes a NUL-terminated UTF-8 key into out (outsz
 * bytes, caller-owned) and returns GV_OK, GV_EUSAGE when in or out is NULL
 * or out is too small (out then holds ""), GV_EDATA when in is not valid
 * UTF-8, GV_ENOMEM when memory runs out.
 *
 * Rule 1 key: NFC, Unicode case fold, U+00D0 Ð / U+00F0 ð read as đ; "-",
 * "_", U+2010..U+2015 dashes and every run of whitespace (Unicode Zs, tab,
 * newline) become one space, trimmed; trailing "city" / "province" words
 * dropped (any number, but never the whole name). */
GV_API int gv_name_exact_key(const char *in, char *out, size_t outsz,
                             gv_error *err);

/* Rules 1-2 key: the exact key with the tone marks (U+0300, U+0301, U+0303,
 * U+0309, U+0323) of every syllable moved to the syllable's end, so old and
 * new placement give one key (hoà, hòa) while different tones stay
 * different (hoa, hòa). Decomposed (NFD) input gives the same key. */
GV_API int gv_name_key(const char *in, char *out, size_t outsz, gv_error *err);

/* Rule 4 key: the exact key without any combining mark, đ folded to d
 * explicitly (Unicode does not decompose it). "Đắk Lắk" -> "dak lak". */
GV_API int gv_name_fold_key(const char *in, char *out, size_t outsz,
                            gv_error *err);

/* NFC of in, from malloc() (caller frees with free()); NULL on NULL or
 * invalid UTF-8 input or when memory runs out. Case and punctuation are
 * kept: this is the display form SPEC asks for on reading. */
GV_API char *gv_name_nfc(const char *in);

/* A set of candidate names, each with an optional parent and the caller's
 * id. Opaque; owns copies of everything added. Not safe to add to from two
 * threads at once; find is read-only and may run concurrently. */
typedef struct gv_name_matcher gv_name_matcher;

/* New empty matcher, NULL when memory runs out. Free with
 * gv_name_matcher_free. */
GV_API gv_name_matcher *gv_name_matcher_new(void);

/* Frees m and everything it holds. NULL is allowed. */
GV_API void gv_name_matcher_free(gv_name_matcher *m);

/* Adds a candidate: its name, optional parent (NULL or "" = no parent;
 * parents are compared as exact byte strings, so give a code) and the
 * caller's id. Adding the same id under a second name registers an alias:
 * matches are counted per id, so an id found twice is one candidate.
 * Returns GV_OK; GV_EUSAGE for NULL m or name; GV_EDATA when name is not
 * valid UTF-8 or its key is empty; GV_ENOMEM. On error m is unchanged
 * except perhaps for grown internal capacity. */
GV_API int gv_name_matcher_add(gv_name_matcher *m, const char *name,
                               const char *parent, size_t id, gv_error *err);

/* Number of gv_name_matcher_add calls that succeeded. */
GV_API size_t gv_name_matcher_count(const gv_name_matcher *m);

/* Looks name up among the candidates with the same parent (all candidates
 * when parent is NULL or ""). Tiers, stopping at the first where any
 * candidate fits (SPEC's rules; within rules 3 and 4 fewer stripped
 * prefixes come first, so a query's own prefix decides between "Huyện Kỳ
 * Anh" and "Thị xã Kỳ Anh", and "Tinh Nhuệ" prefers "Xã Tinh Nhuệ" over
 * "Xã Nhuệ"):
 *   1 exact keys equal                              -> GV_RULE_EXACT
 *   2 tone keys equal                               -> GV_RULE_TONE
 *   3a tone keys equal, one side's prefix stripped  -> GV_RULE_PREFIX
 *   3b ... both prefixes stripped, same unit type   -> GV_RULE_PREFIX
 *   3c ... both prefixes stripped, any type         -> GV_RULE_PREFIX
 *   4a fold keys equal                              -> GV_RULE_FOLD
 *   4b fold keys equal, one side's prefix stripped  -> GV_RULE_FOLD
 *   4c ... both prefixes stripped, same unit type   -> GV_RULE_FOLD
 *   4d ... both prefixes stripped, any type         -> GV_RULE_FOLD
 * A prefix is one of Tỉnh, Thành phố, TP., TP, Quận, Huyện, Thị xã, TX.,
 * Thị trấn, TT., Xã, Phường, Đặc khu, or Tinh, Thanh pho, Quan, Huyen,
 * Thi xa, Thi tran, Xa, Phuong, Dac khu (any case), followed by a separator
 * ("TP." also directly by the name) and at least one more character. The
 * unit type of TP./TP is Thành phố, of TX. Thị xã, of TT. Thị trấn, so "TX.
 * Kỳ Anh" picks "Thị xã Kỳ Anh" at 3b where "Kỳ Anh" is ambiguous.
 *
 * OUT: *rule (required); *id, cand and *ncand optional (NULL; cand may be
 * NULL when ncand_max is 0). *ncand is always the number of ids written
 * into cand. One id fits: *rule = the tier's rule, *id = that id, cand[0] =
 * that id when ncand_max >= 1. Several fit: *rule = GV_RULE_AMBIGUOUS, *id
 * untouched, the smallest min(count, ncand_max) ids in ascending order in
 * cand (when *ncand equals ncand_max there may be more: pass a larger
 * cand). None fits, also for a name whose key is empty: *rule =
 * GV_RULE_NONE, *ncand = 0.
 *
 * Returns GV_OK (also for no match and ambiguity), GV_EDATA only for
 * invalid UTF-8, GV_EUSAGE for NULL m, name or rule, GV_ENOMEM. */
GV_API int gv_name_matcher_find(const gv_name_matcher *m, const char *name,
                                const char *parent, size_t *id,
                                gv_name_rule *rule, size_t *cand,
                                size_t ncand_max, size_t *ncand,
                                gv_error *err);

#ifdef __cplusplus
}
#endif
#endif
