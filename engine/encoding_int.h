/* encoding_int.h: helpers of encoding.c shared with the layer reader (not
 * API). */
#ifndef GV_ENCODING_INT_H
#define GV_ENCODING_INT_H

#include "geovoice/encoding.h"

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid:
 * overlong forms, surrogates, code points above U+10FFFF and NUL are
 * invalid. */
size_t gv__utf8_seq(const unsigned char *s, size_t n);

/* Checks n bytes as UTF-8 (up to the first NUL). Returns the offset of the
 * first invalid byte, or the length checked when valid. *nmulti (may be
 * NULL) gets the number of multi-byte sequences before that point;
 * *trunc (may be NULL) is 1 when the only fault is an incomplete sequence
 * that ends the text (a DBF field cut in the middle of a character). */
size_t gv__utf8_check(const char *s, size_t n, size_t *nmulti, int *trunc);

/* As gv_text_to_utf8_flags, but never fails on undefined bytes: each one
 * becomes U+FFFD and *nbad (may be NULL) counts them. GV_OK, GV_EUSAGE or
 * GV_ENOMEM. */
int gv__text_to_utf8_lossy(const char *bytes, size_t n, gv_encoding e, unsigned flags, char **out, size_t *nbad);

/* Decoded text: code points, GV__UNDEF (syllable.h) for undefined bytes. */
typedef struct {
    uint32_t *a;
    size_t n, cap;
    int nomem; /* an append failed: the text is incomplete */
} gv__cpbuf;

/* Appends to b the code points of n bytes (up to a NUL) in encoding e
 * (flags: GV_TCVN3_CAPS), undefined bytes or sequences as GV__UNDEF.
 * Returns the offset of the first undefined one, (size_t)-1 when none. */
size_t gv__decode_cps(const unsigned char *s, size_t n, gv_encoding e, unsigned flags, gv__cpbuf *b);

/* Length of s up to its first NUL, at most n. */
size_t gv__text_len(const char *s, size_t n);

/* 1 when the n bytes at s begin with a UTF-8 byte order mark. */
int gv__has_bom(const unsigned char *s, size_t n);

/* Windows-1252's code points for bytes 0x80-0x9F (0: undefined). */
extern const uint16_t GV__CP1252_80[32];

#endif
