/* voterid.c: keyed hashes of citizen identity numbers and scrubbing of free
 * text (voterid.h). HMAC-SHA-256 from nettle. */
#include "geovoice/voterid.h"

#include <nettle/hmac.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gv_voter_key {
    struct hmac_sha256_ctx ctx; /* keyed; nettle's digest resets it for the next message */
};

void gv_voter_wipe(void *p, size_t n) {
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

int gv_voter_key_new(const void *key, size_t len, gv_voter_key **out, gv_error *err) {
    *out = NULL;
    if (!key || len < 16)
        return gv_error_set(err, GV_EUSAGE, "HMAC key too short: %zu bytes, at least 16 are needed", len);
    gv_voter_key *k = calloc(1, sizeof *k);
    if (!k) return gv_error_set(err, GV_ENOMEM, "out of memory");
    hmac_sha256_set_key(&k->ctx, len, key);
    *out = k;
    return GV_OK;
}

int gv_voter_key_load(const char *key_file, gv_voter_key **out, gv_error *err) {
    *out = NULL;
    if (key_file) {
        FILE *f = fopen(key_file, "rb");
        if (!f) return gv_error_set(err, GV_EUSAGE, "%s: cannot read the HMAC key file: %s", key_file, strerror(errno));
        unsigned char buf[4096];
        size_t n = fread(buf, 1, sizeof buf, f);
        int bad = ferror(f) || !feof(f);
        fclose(f);
        if (bad) {
            gv_voter_wipe(buf, sizeof buf);
            return gv_error_set(err, GV_EUSAGE, "%s: HMAC key file unreadable or over 4 KiB", key_file);
        }
        if (n && buf[n - 1] == '\n') n--;
        if (n && buf[n - 1] == '\r') n--;
        int rc = gv_voter_key_new(buf, n, out, err);
        gv_voter_wipe(buf, sizeof buf);
        if (rc) gv_error_prefix(err, "%s: ", key_file);
        return rc;
    }
    const char *env = getenv(GV_HMAC_KEY_ENV);
    if (!env || !*env) return GV_OK;
    int rc = gv_voter_key_new(env, strlen(env), out, err);
    if (rc) gv_error_prefix(err, "%s: ", GV_HMAC_KEY_ENV);
    return rc;
}

void gv_voter_key_free(gv_voter_key *k) {
    if (!k) return;
    gv_voter_wipe(k, sizeof *k);
    free(k);
}

gv_voter_key *gv_voter_key_copy(const gv_voter_key *k) {
    if (!k) return NULL;
    gv_voter_key *c = malloc(sizeof *c);
    if (c) memcpy(c, k, sizeof *c);
    return c;
}

static int is_sep(char c) { return c == ' ' || c == '-' || c == '.'; }
static int is_dig(char c) { return c >= '0' && c <= '9'; }

int gv_voter_is_citizen_id(const char *s, size_t len, char digits[13]) {
    size_t nd = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_dig(s[i])) {
            if (nd == 12) return 0;
            if (digits) digits[nd] = s[i];
            nd++;
        } else if (is_sep(s[i]) && i > 0 && i + 1 < len && is_dig(s[i - 1]) && is_dig(s[i + 1])) {
            continue;
        } else {
            return 0;
        }
    }
    if (nd != 12) return 0;
    if (digits) digits[12] = 0;
    return 1;
}

void gv_voter_hash(gv_voter_key *k, const char digits[12], char out[GV_VOTER_HASH_LEN + 1]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char d[16];
    hmac_sha256_update(&k->ctx, 12, (const uint8_t *)digits);
    hmac_sha256_digest(&k->ctx, sizeof d, d);
    out[0] = 'h', out[1] = ':';
    for (int i = 0; i < 16; i++) out[2 + 2 * i] = hex[d[i] >> 4], out[3 + 2 * i] = hex[d[i] & 15];
    out[GV_VOTER_HASH_LEN] = 0;
}

size_t gv_voter_scrub(char *s, size_t len) {
    size_t blanked = 0, i = 0;
    while (i < len) {
        if (!is_dig(s[i])) {
            i++;
            continue;
        }
        /* A run: digits, with single separators between digits. */
        size_t j = i, nd = 0;
        while (j < len) {
            if (is_dig(s[j])) nd++, j++;
            else if (is_sep(s[j]) && j + 1 < len && is_dig(s[j + 1]) && nd < 12) j++;
            else break;
        }
        if (nd == 12) {
            for (size_t t = i; t < j; t++) s[t] = '#';
            blanked++;
        }
        i = j;
    }
    return blanked;
}
