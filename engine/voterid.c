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

/* Characters of a number as people write one. Digits: ASCII and
 * full-width (U+FF10-U+FF19, three bytes). Separators between digits: a
 * space of any kind (U+0020, U+00A0, U+2002-U+200A, U+202F, U+3000), '-',
 * '.', '_', '/', a dash (U+2010-U+2015, U+2212); and, inside a voter
 * value, also ',', quotes and brackets. Each returns the byte length at
 * s (0 when it is not one). */
static size_t dig_at(const unsigned char *s, size_t n, char *d) {
    if (n >= 1 && s[0] >= '0' && s[0] <= '9') { if (d) *d = (char)s[0]; return 1; }
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) { if (d) *d = (char)('0' + s[2] - 0x90); return 3; }
    return 0;
}
static size_t sep_at(const unsigned char *s, size_t n, int loose) {
    if (!n) return 0;
    if (s[0] == ' ' || s[0] == '-' || s[0] == '.' || s[0] == '_' || s[0] == '/') return 1;
    if (loose && (s[0] == ',' || s[0] == '(' || s[0] == ')' || s[0] == '"' || s[0] == '\'')) return 1;
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0) return 2;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x82 && s[2] <= 0x8A) || s[2] == 0xAF || (s[2] >= 0x90 && s[2] <= 0x95))) return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x88 && s[2] == 0x92) return 3;
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;
    return 0;
}

int gv_voter_is_citizen_id(const char *s, size_t len, char digits[13]) {
    const unsigned char *u = (const unsigned char *)s;
    size_t nd = 0;
    for (size_t i = 0; i < len;) {
        char d;
        size_t k = dig_at(u + i, len - i, &d);
        if (k) {
            if (nd == 12) return 0;
            if (digits) digits[nd] = d;
            nd++;
            i += k;
        } else if ((k = sep_at(u + i, len - i, 1))) {
            i += k;
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
    unsigned char *u = (unsigned char *)s;
    /* Fast path (ingest scrubs every text field of every row): fewer than
     * 12 digit bytes, ASCII or the lead byte of a full-width digit, means
     * no run can hold 12 digits. */
    size_t nd0 = 0;
    for (size_t i = 0; i < len; i++) nd0 += (u[i] >= '0' && u[i] <= '9') || u[i] == 0xEF;
    if (nd0 < 12) return 0;
    size_t blanked = 0, i = 0;
    while (i < len) {
        size_t k = dig_at(u + i, len - i, NULL);
        if (!k) { i++; continue; }
        /* A run: digits, with up to 3 separator characters between two
         * digits ("001 234 567 890", "001  234", "001,234,567,890"). */
        size_t j = i + k, nd = 1, end = j;
        for (;;) {
            size_t t = j, nsep = 0, m;
            /* ',' only straight before a digit ("001,234"): a list
             * "12, 13" is not one number. */
            while (nsep < 3 && t < len &&
                   ((m = sep_at(u + t, len - t, 0)) || (u[t] == ',' && t + 1 < len && dig_at(u + t + 1, len - t - 1, NULL) && (m = 1))))
                t += m, nsep++;
            size_t dk = t < len ? dig_at(u + t, len - t, NULL) : 0;
            if (!dk) break;
            j = t + dk;
            end = j;
            nd++;
        }
        /* 12 or more digits: a citizen id, or one inside a longer number
         * ("7 001234567105", a phone written before it). Privacy first. */
        if (nd >= 12) {
            for (size_t t = i; t < end; t++) u[t] = '#';
            blanked++;
        }
        i = end;
    }
    return blanked;
}
