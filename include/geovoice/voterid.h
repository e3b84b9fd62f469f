/* voterid.h: privacy of voter identifiers (SPEC "Opinion records").
 *
 * A `voter` value that is a 12-digit citizen identity number (căn cước
 * công dân; digits grouped as people write them) is replaced on
 * ingest by a keyed hash: HMAC-SHA-256 (nettle) under a secret key, cut to
 * its first 128 bits (RFC 2104 allows truncation to half the output), and
 * written "h:" + 32 lower-case hex digits. The same number under the same
 * key always gives the same text, so repeat submissions still match for
 * deduplication; without the key the number cannot be recovered by trying
 * the 10^12 candidates.
 *
 * The raw number never leaves these functions: callers keep the row's
 * voter text only in their own buffers and wipe it (gv_voter_wipe).
 * Free text (topic, org, text) goes through gv_voter_scrub, which blanks
 * every run of 12 or more digits, so an id written into a comment does not
 * reach the workspace either. */
#ifndef GEOVOICE_VOTERID_H
#define GEOVOICE_VOTERID_H

#include "geovoice/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gv_voter_key gv_voter_key; /* opaque; holds the HMAC state */

/* Environment variable holding the key (its bytes, at least 16). */
#define GV_HMAC_KEY_ENV "GEOVOICE_HMAC_KEY"

/* Loads the key: from key_file when given (its bytes, one trailing newline
 * dropped), else from $GEOVOICE_HMAC_KEY. No key anywhere: GV_OK with *out
 * NULL (rows with citizen ids are then rejected by the caller). A key of
 * fewer than 16 bytes, or an unreadable file, is GV_EUSAGE; the message
 * never contains the key. *out: free with gv_voter_key_free. */
GV_API int gv_voter_key_load(const char *key_file, gv_voter_key **out, gv_error *err);
/* From bytes directly (tests, embedding). */
GV_API int gv_voter_key_new(const void *key, size_t len, gv_voter_key **out, gv_error *err);
GV_API void gv_voter_key_free(gv_voter_key *k); /* NULL ok; wipes the key */
/* Per-thread copy (the HMAC state is not shared between threads). */
GV_API gv_voter_key *gv_voter_key_copy(const gv_voter_key *k);

/* 1 when s[0..len) is a citizen identity number: exactly 12 digits
 * (ASCII or full-width) and nothing else but separators people write in
 * numbers (spaces of any kind, '-', '.', '_', '/', dashes, ',', quotes,
 * brackets), anywhere. The digits are copied into digits[0..11]
 * (digits[12] = 0) when digits is not NULL. */
GV_API int gv_voter_is_citizen_id(const char *s, size_t len, char digits[13]);

/* Writes the keyed hash of the 12 digits as "h:" + 32 hex digits + NUL
 * into out (GV_VOTER_HASH_LEN + 1 bytes). */
#define GV_VOTER_HASH_LEN 34
GV_API void gv_voter_hash(gv_voter_key *k, const char digits[12], char out[GV_VOTER_HASH_LEN + 1]);

/* Replaces, in place, every run of 12 or more digits by '#' bytes of the
 * same length: digits (ASCII or full-width) with up to 3 separators
 * between two of them (as in gv_voter_is_citizen_id, ',' included). A
 * citizen id inside a longer number (a phone written before it, "7
 * 001234567105") is blanked with it: privacy first. Returns the number
 * of runs blanked. */
GV_API size_t gv_voter_scrub(char *s, size_t len);

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
GV_API void gv_voter_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
