/* encoding_int.h: helpers of encoding.c shared with the layer reader (not
 * API). */
#ifndef GV_ENCODING_INT_H
#define GV_ENCODING_INT_H

#include "geovoice/encoding.h"

#include <stddef.h>

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

#endif
