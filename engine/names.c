/* names.c: Vietnamese unit names — comparison keys and the name matcher
 * (see include/geovoice/names.h and SPEC "Vietnamese names").
 *
 * Every name becomes up to seven keys: exact (rule 1), tone (rule 2), fold
 * (rule 4), and the tone and fold keys of the name with one unit-type
 * prefix stripped (rules 3 and 4), plain and tagged with the prefix's type.
 * The matcher keeps one hash index from (kind of key, parent, key) to the
 * ids that have it, so a lookup costs a few hash probes per tier instead of
 * a scan of all candidates: commune tables have over 10,000 rows on both
 * sides. */
#include "geovoice/names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* ---------------------------------------------------------------- keys */

/* Byte strings of the set of keys of one name; each from malloc(). */
typedef struct keyset {
    char *exact;  /* rule 1 */
    char *tone;   /* rules 1-2 */
    char *fold;   /* rule 4 */
    char *tone_s; /* tone key of the name without its prefix, NULL if none */
    char *fold_s; /* fold key of the same, NULL if none */
    char *tone_t; /* tone_s behind one byte naming the prefix's type */
    char *fold_t; /* fold_s behind the same byte */
} keyset;

static void keyset_free(keyset *k) {
    free(k->exact);
    free(k->tone);
    free(k->fold);
    free(k->tone_s);
    free(k->fold_s);
    free(k->tone_t);
    free(k->fold_t);
    memset(k, 0, sizeof *k);
}

/* Separators SPEC treats alike: hyphen, underscore, the Unicode dashes
 * (files mix "-", "–" and "—" in "Bà Rịa - Vũng Tàu"), minus, and any
 * whitespace including the no-break spaces that spreadsheets insert. */
static int is_separator(utf8proc_int32_t c) {
    if (c == '-' || c == '_' || c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c >= 0x2010 && c <= 0x2015) return 1; /* hyphen .. horizontal bar */
    if (c == 0x2212) return 1;                /* minus sign */
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* Applied by utf8proc before decomposition and case folding. U+00D0 Ð is
 * the Icelandic eth, which some Vietnamese files use for Đ because the two
 * look alike; it must read as đ, and so must its lower case ð. */
static utf8proc_int32_t map_exact(utf8proc_int32_t c, void *data) {
    (void)data;
    if (c == 0x00D0 || c == 0x00F0) return 0x0111;
    if (is_separator(c)) return ' ';
    return c;
}

/* đ and Đ have no decomposition, so stripping marks would keep them;
 * rule 4 needs them to meet the ASCII "d" of "Dak Lak". */
static utf8proc_int32_t map_fold(utf8proc_int32_t c, void *data) {
    (void)data;
    if (c == 0x0111) return 'd';
    if (c == 0x0110) return 'D';
    return c;
}

/* Maps a negative utf8proc result to ours, with a message. s is the input,
 * used to say where the first invalid byte sits. */
static int map_error(utf8proc_ssize_t rc, const char *s, gv_error *err) {
    if (rc == UTF8PROC_ERROR_NOMEM)
        return gv_error_set(err, GV_ENOMEM, "out of memory normalising a name");
    if (rc == UTF8PROC_ERROR_INVALIDUTF8) {
        size_t off = 0, len = strlen(s);
        while (off < len) {
            utf8proc_int32_t c;
            utf8proc_ssize_t n = utf8proc_iterate(
                (const utf8proc_uint8_t *)s + off, (utf8proc_ssize_t)(len - off), &c);
            if (n <= 0) break;
            off += (size_t)n;
        }
        return gv_error_set(err, GV_EDATA,
                            "name is not valid UTF-8 (bad byte at offset %zu)", off);
    }
    return gv_error_set(err, GV_EDATA, "name could not be normalised: %s",
                        utf8proc_errmsg(rc));
}

/* English words that only say what kind of unit a name is. */
static int is_suffix_word(const char *w) {
    return strcmp(w, "city") == 0 || strcmp(w, "province") == 0;
}

/* Rule 1 key into *out (from malloc()). */
static int make_exact(const char *in, char **out, gv_error *err) {
    utf8proc_uint8_t *buf = NULL;
    /* IGNORE drops default-ignorable code points (a BOM or zero-width space
     * left inside a cell) that would otherwise make equal names differ. */
    utf8proc_ssize_t rc = utf8proc_map_custom(
        (const utf8proc_uint8_t *)in, 0, &buf,
        UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
            UTF8PROC_CASEFOLD | UTF8PROC_IGNORE,
        map_exact, NULL);
    if (rc < 0) return map_error(rc, in, err);

    /* Collapse runs of separators (all ' ' by now) into one, trimmed. */
    char *s = (char *)buf;
    size_t w = 0;
    int pending = 0;
    for (size_t r = 0; s[r]; r++) {
        if (s[r] == ' ') {
            pending = w > 0;
            continue;
        }
        if (pending) s[w++] = ' ';
        pending = 0;
        s[w++] = s[r];
    }
    s[w] = '\0';

    /* Drop English suffixes ("Hồ Chí Minh city", "Lao Cai province", also
     * "... city province"), but never the last word: a unit may be named
     * just that. */
    for (;;) {
        char *sp = strrchr(s, ' ');
        if (!sp || !is_suffix_word(sp + 1)) break;
        *sp = '\0';
    }
    *out = s;
    return GV_OK;
}

/* The five tone marks. Vowel-quality marks (circumflex U+0302, breve U+0306,
 * horn U+031B) are not among them: they change the letter. */
static int is_tone_mark(utf8proc_int32_t c) {
    return c == 0x0300 || c == 0x0301 || c == 0x0303 || c == 0x0309 ||
           c == 0x0323;
}

/* Rules 1-2 key from an exact key: per syllable (space-separated), the tone
 * marks leave their vowel and follow the syllable's last letter. Old ("hoà",
 * "thuỷ") and new ("hòa", "thủy") placement differ only in which vowel
 * carries the mark, so both become "hoa"+grave, "thuy"+hook. */
static int make_tone(const char *exact, char **out, gv_error *err) {
    utf8proc_uint8_t *nfd = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)exact, 0, &nfd,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE |
                                          UTF8PROC_DECOMPOSE);
    if (n < 0) return map_error(n, exact, err);

    /* Moving bytes keeps the byte count, so one buffer of n+1 holds the
     * result and another the marks of the current syllable. */
    char *moved = malloc((size_t)n + 1);
    char *marks = malloc((size_t)n + 1);
    if (!moved || !marks) {
        free(nfd);
        free(moved);
        free(marks);
        return gv_error_set(err, GV_ENOMEM, "out of memory normalising a name");
    }
    size_t w = 0, nm = 0;
    utf8proc_ssize_t r = 0;
    while (r <= n) {
        utf8proc_int32_t c = 0;
        utf8proc_ssize_t len = 1;
        if (r < n) {
            len = utf8proc_iterate(nfd + r, n - r, &c);
            if (len <= 0) { /* cannot happen: utf8proc wrote it */
                free(nfd);
                free(moved);
                free(marks);
                return gv_error_set(err, GV_EINTERNAL, "bad UTF-8 from utf8proc");
            }
        }
        if (r == n || c == ' ') {
            memcpy(moved + w, marks, nm);
            w += nm;
            nm = 0;
            if (r < n) moved[w++] = ' ';
        } else if (is_tone_mark(c)) {
            memcpy(marks + nm, nfd + r, (size_t)len);
            nm += (size_t)len;
        } else {
            memcpy(moved + w, nfd + r, (size_t)len);
            w += (size_t)len;
        }
        r += len;
    }
    moved[w] = '\0';
    free(nfd);
    free(marks);

    utf8proc_uint8_t *nfc = NULL;
    n = utf8proc_map((const utf8proc_uint8_t *)moved, 0, &nfc,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    free(moved);
    if (n < 0) return map_error(n, exact, err);
    *out = (char *)nfc;
    return GV_OK;
}

/* Rule 4 key from an exact key: every combining mark stripped, đ -> d. */
static int make_fold(const char *exact, char **out, gv_error *err) {
    utf8proc_uint8_t *buf = NULL;
    utf8proc_ssize_t rc = utf8proc_map_custom(
        (const utf8proc_uint8_t *)exact, 0, &buf,
        UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
            UTF8PROC_STRIPMARK,
        map_fold, NULL);
    if (rc < 0) return map_error(rc, exact, err);
    *out = (char *)buf;
    return GV_OK;
}

/* Unit-type prefixes in exact-key form (case-folded NFC), longest first so
 * that "tp." wins over "tp" ("thị trấn" and "thị xã" cannot both match: a
 * prefix must end the word). The type letter makes "TX." and "Thị xã" the
 * same type, so "TX. Kỳ Anh" picks "Thị xã Kỳ Anh" over "Huyện Kỳ Anh". */
static const struct prefix {
    const char *text;
    char type;
} PREFIXES[] = {
    {"thành phố", 'c'}, {"thanh pho", 'c'}, {"thị trấn", 'r'},
    {"thi tran", 'r'},  {"đặc khu", 'k'},   {"dac khu", 'k'},
    {"phường", 'w'},    {"phuong", 'w'},    {"huyện", 'h'},
    {"huyen", 'h'},     {"thị xã", 'x'},    {"thi xa", 'x'},
    {"quận", 'q'},      {"quan", 'q'},      {"tỉnh", 'p'},
    {"tinh", 'p'},      {"tp.", 'c'},       {"tx.", 'x'},
    {"tt.", 'r'},       {"tp", 'c'},        {"xã", 'v'},
    {"xa", 'v'},
};

/* The rest of an exact key after its unit-type prefix, or NULL when it has
 * none or nothing follows it; *type = the prefix's type letter. A prefix
 * must be followed by a separator, except one ending in "." ("TP.Hồ Chí
 * Minh"): "Xuân" must not lose "xu". */
static const char *strip_prefix(const char *exact, char *type) {
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++) {
        const char *p = PREFIXES[i].text;
        *type = PREFIXES[i].type;
        size_t len = strlen(p);
        if (strncmp(exact, p, len) != 0) continue;
        const char *rest = exact + len;
        if (p[len - 1] == '.') {
            if (*rest == ' ') rest++;
        } else {
            if (*rest != ' ') continue;
            rest++;
        }
        if (*rest) return rest;
    }
    return NULL;
}

/* type followed by key, from malloc(). */
static int typed(char type, const char *key, char **out, gv_error *err) {
    size_t len = strlen(key);
    *out = malloc(len + 2);
    if (!*out)
        return gv_error_set(err, GV_ENOMEM, "out of memory normalising a name");
    (*out)[0] = type;
    memcpy(*out + 1, key, len + 1);
    return GV_OK;
}

/* All keys of in. On error k holds nothing to free. */
static int keyset_make(const char *in, keyset *k, gv_error *err) {
    memset(k, 0, sizeof *k);
    char type = 0;
    int rc = make_exact(in, &k->exact, err);
    if (rc == GV_OK) rc = make_tone(k->exact, &k->tone, err);
    if (rc == GV_OK) rc = make_fold(k->exact, &k->fold, err);
    const char *rest = rc == GV_OK ? strip_prefix(k->exact, &type) : NULL;
    if (rest) {
        rc = make_tone(rest, &k->tone_s, err);
        if (rc == GV_OK) rc = make_fold(rest, &k->fold_s, err);
        if (rc == GV_OK) rc = typed(type, k->tone_s, &k->tone_t, err);
        if (rc == GV_OK) rc = typed(type, k->fold_s, &k->fold_t, err);
    }
    if (rc != GV_OK) keyset_free(k);
    return rc;
}

/* Copies key into the caller's buffer, or reports it does not fit. */
static int copy_out(const char *key, char *out, size_t outsz, gv_error *err) {
    size_t len = strlen(key);
    if (len + 1 > outsz) {
        if (outsz) out[0] = '\0';
        return gv_error_set(err, GV_EUSAGE,
                            "name key needs %zu bytes, buffer has %zu", len + 1,
                            outsz);
    }
    memcpy(out, key, len + 1);
    return GV_OK;
}

/* Shared body of the three public key functions; which = 0 exact, 1 tone,
 * 2 fold. */
static int key_public(const char *in, char *out, size_t outsz, int which,
                      gv_error *err) {
    if (!in || !out)
        return gv_error_set(err, GV_EUSAGE, "name key: NULL %s",
                            in ? "output buffer" : "name");
    char *exact = NULL, *other = NULL;
    int rc = make_exact(in, &exact, err);
    if (rc == GV_OK && which == 1) rc = make_tone(exact, &other, err);
    if (rc == GV_OK && which == 2) rc = make_fold(exact, &other, err);
    if (rc == GV_OK) rc = copy_out(which ? other : exact, out, outsz, err);
    else if (outsz) out[0] = '\0';
    free(exact);
    free(other);
    return rc;
}

int gv_name_exact_key(const char *in, char *out, size_t outsz, gv_error *err) {
    return key_public(in, out, outsz, 0, err);
}

int gv_name_key(const char *in, char *out, size_t outsz, gv_error *err) {
    return key_public(in, out, outsz, 1, err);
}

int gv_name_fold_key(const char *in, char *out, size_t outsz, gv_error *err) {
    return key_public(in, out, outsz, 2, err);
}

char *gv_name_nfc(const char *in) {
    if (!in) return NULL;
    return (char *)utf8proc_NFC((const utf8proc_uint8_t *)in);
}

const char *gv_name_rule_str(gv_name_rule r) {
    switch (r) {
    case GV_RULE_NONE: return "none";
    case GV_RULE_EXACT: return "exact";
    case GV_RULE_TONE: return "tone";
    case GV_RULE_PREFIX: return "prefix";
    case GV_RULE_FOLD: return "fold";
    case GV_RULE_AMBIGUOUS: return "ambiguous";
    }
    return "unknown";
}

/* --------------------------------------------------------------- index */

/* Kinds of key in the index (first byte of an index key). */
enum {
    K_EXACT = 'E',  /* exact key */
    K_TONE = 'T',   /* tone key */
    K_TONE_S = 'S', /* tone key without the prefix */
    K_TONE_T = 'U', /* the same behind the prefix's type */
    K_FOLD = 'F',   /* fold key */
    K_FOLD_S = 'G', /* fold key without the prefix */
    K_FOLD_T = 'H', /* the same behind the prefix's type */
};

/* One index key: kind, scope ('*' all candidates, 'p' one parent), the
 * parent's bytes, a NUL, the name key. Ids in insertion order. */
typedef struct entry {
    struct entry *next;
    uint64_t hash;
    size_t n, cap;
    size_t *aid; /* from malloc() */
    size_t klen;
    unsigned char key[]; /* klen bytes */
} entry;

struct gv_name_matcher {
    entry **aslot; /* nslot chains, from malloc() */
    size_t nslot;
    size_t nentry;
    size_t nadd; /* successful gv_name_matcher_add calls */
};

/* FNV-1a: short keys, no adversary; the index only has to spread them. */
static uint64_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

/* Builds an index key into buf (sized by the caller: 3 + strlen(parent) +
 * strlen(key)) and returns its length. parent NULL = scope of all. */
static size_t build_ikey(unsigned char *buf, int kind, const char *parent,
                         const char *key) {
    size_t n = 0;
    buf[n++] = (unsigned char)kind;
    buf[n++] = parent ? 'p' : '*';
    if (parent) {
        size_t pl = strlen(parent);
        memcpy(buf + n, parent, pl);
        n += pl;
    }
    buf[n++] = '\0';
    size_t kl = strlen(key);
    memcpy(buf + n, key, kl);
    return n + kl;
}

static const entry *index_get(const gv_name_matcher *m, const unsigned char *k,
                              size_t klen) {
    uint64_t h = hash_bytes(k, klen);
    for (const entry *e = m->aslot[h % m->nslot]; e; e = e->next)
        if (e->hash == h && e->klen == klen && memcmp(e->key, k, klen) == 0)
            return e;
    return NULL;
}

/* Doubles the slot array once chains grow past one entry per slot on
 * average. Failure only leaves the old (slower, still correct) table. */
static void index_grow(gv_name_matcher *m) {
    size_t nslot = m->nslot * 2;
    entry **aslot = calloc(nslot, sizeof *aslot);
    if (!aslot) return;
    for (size_t i = 0; i < m->nslot; i++) {
        entry *e = m->aslot[i];
        while (e) {
            entry *next = e->next;
            size_t s = e->hash % nslot;
            e->next = aslot[s];
            aslot[s] = e;
            e = next;
        }
    }
    free(m->aslot);
    m->aslot = aslot;
    m->nslot = nslot;
}

/* Appends id under index key k. *added tells the caller whether the id was
 * appended (so an aborted add can take it back); *pe is the entry. */
static int index_put(gv_name_matcher *m, const unsigned char *k, size_t klen,
                     size_t id, entry **pe, int *added) {
    *added = 0;
    entry *e = (entry *)index_get(m, k, klen);
    if (!e) {
        e = malloc(sizeof *e + klen);
        if (!e) return GV_ENOMEM;
        e->hash = hash_bytes(k, klen);
        e->n = e->cap = 0;
        e->aid = NULL;
        e->klen = klen;
        memcpy(e->key, k, klen);
        size_t s = e->hash % m->nslot;
        e->next = m->aslot[s];
        m->aslot[s] = e;
        if (++m->nentry > m->nslot) index_grow(m);
    }
    *pe = e;
    /* The same id under the same key twice (a duplicated row, or a name and
     * its alias sharing a key) is one candidate. */
    if (e->n && e->aid[e->n - 1] == id) return GV_OK;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 2;
        size_t *aid = realloc(e->aid, cap * sizeof *aid);
        if (!aid) return GV_ENOMEM;
        e->aid = aid;
        e->cap = cap;
    }
    e->aid[e->n++] = id;
    *added = 1;
    return GV_OK;
}

gv_name_matcher *gv_name_matcher_new(void) {
    gv_name_matcher *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->nslot = 64;
    m->aslot = calloc(m->nslot, sizeof *m->aslot);
    if (!m->aslot) {
        free(m);
        return NULL;
    }
    return m;
}

void gv_name_matcher_free(gv_name_matcher *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nslot; i++) {
        entry *e = m->aslot[i];
        while (e) {
            entry *next = e->next;
            free(e->aid);
            free(e);
            e = next;
        }
    }
    free(m->aslot);
    free(m);
}

size_t gv_name_matcher_count(const gv_name_matcher *m) {
    return m ? m->nadd : 0;
}

static size_t max_len(const keyset *k) {
    size_t n = strlen(k->exact), l;
    if ((l = strlen(k->tone)) > n) n = l;
    if ((l = strlen(k->fold)) > n) n = l;
    if (k->tone_s && (l = strlen(k->tone_s)) > n) n = l;
    if (k->fold_s && (l = strlen(k->fold_s)) > n) n = l;
    return n + 1; /* + 1: the type byte of tone_t and fold_t */
}

int gv_name_matcher_add(gv_name_matcher *m, const char *name,
                        const char *parent, size_t id, gv_error *err) {
    if (!m || !name)
        return gv_error_set(err, GV_EUSAGE, "gv_name_matcher_add: NULL %s",
                            m ? "name" : "matcher");
    if (parent && !*parent) parent = NULL;
    keyset k;
    int rc = keyset_make(name, &k, err);
    if (rc != GV_OK) return rc;
    if (!k.exact[0]) {
        keyset_free(&k);
        return gv_error_set(err, GV_EDATA, "candidate name is empty");
    }

    struct { int kind; const char *key; } put[7] = {
        {K_EXACT, k.exact},   {K_TONE, k.tone},     {K_FOLD, k.fold},
        {K_TONE_S, k.tone_s}, {K_FOLD_S, k.fold_s}, {K_TONE_T, k.tone_t},
        {K_FOLD_T, k.fold_t},
    };
    unsigned char *buf = malloc(3 + (parent ? strlen(parent) : 0) + max_len(&k));
    /* Up to 7 kinds x 2 scopes; remembered so a failed add is undone. */
    entry *done[14];
    size_t ndone = 0;
    if (!buf) rc = GV_ENOMEM;
    for (size_t i = 0; rc == GV_OK && i < 7; i++) {
        if (!put[i].key) continue;
        for (int scope = 0; rc == GV_OK && scope < 2; scope++) {
            /* Every candidate is in the all-candidates scope (lookups
             * without a parent) and, when it has one, in its parent's. */
            if (scope == 1 && !parent) continue;
            size_t klen = build_ikey(buf, put[i].kind, scope ? parent : NULL,
                                     put[i].key);
            entry *e = NULL;
            int added = 0;
            rc = index_put(m, buf, klen, id, &e, &added);
            if (added) done[ndone++] = e;
        }
    }
    free(buf);
    keyset_free(&k);
    if (rc != GV_OK) {
        while (ndone) done[--ndone]->n--;
        return gv_error_set(err, rc, "out of memory adding a candidate name");
    }
    m->nadd++;
    return GV_OK;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int gv_name_matcher_find(const gv_name_matcher *m, const char *name,
                         const char *parent, size_t *id, gv_name_rule *rule,
                         size_t *cand, size_t ncand_max, size_t *ncand,
                         gv_error *err) {
    if (ncand) *ncand = 0;
    if (rule) *rule = GV_RULE_NONE;
    if (!m || !name || !rule)
        return gv_error_set(err, GV_EUSAGE, "gv_name_matcher_find: NULL %s",
                            !m ? "matcher" : !name ? "name" : "rule");
    if (parent && !*parent) parent = NULL;
    keyset q;
    int rc = keyset_make(name, &q, err);
    if (rc != GV_OK) return rc;
    if (!q.exact[0]) {
        keyset_free(&q);
        return GV_OK;
    }

    /* The tiers of names.h, each a few lookups whose ids are pooled. A NULL
     * key (the query has no prefix) is skipped. */
    struct tier {
        gv_name_rule rule;
        struct { int kind; const char *key; } look[2];
    } tiers[] = {
        {GV_RULE_EXACT, {{K_EXACT, q.exact}, {0, NULL}}},
        {GV_RULE_TONE, {{K_TONE, q.tone}, {0, NULL}}},
        {GV_RULE_PREFIX, {{K_TONE_S, q.tone}, {K_TONE, q.tone_s}}},
        {GV_RULE_PREFIX, {{K_TONE_T, q.tone_t}, {0, NULL}}},
        {GV_RULE_PREFIX, {{K_TONE_S, q.tone_s}, {0, NULL}}},
        {GV_RULE_FOLD, {{K_FOLD, q.fold}, {0, NULL}}},
        {GV_RULE_FOLD, {{K_FOLD_S, q.fold}, {K_FOLD, q.fold_s}}},
        {GV_RULE_FOLD, {{K_FOLD_T, q.fold_t}, {0, NULL}}},
        {GV_RULE_FOLD, {{K_FOLD_S, q.fold_s}, {0, NULL}}},
    };
    unsigned char *buf = malloc(3 + (parent ? strlen(parent) : 0) + max_len(&q));
    if (!buf) {
        keyset_free(&q);
        return gv_error_set(err, GV_ENOMEM, "out of memory looking up a name");
    }

    for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
        const entry *hit[2] = {NULL, NULL};
        size_t total = 0;
        for (int j = 0; j < 2; j++) {
            if (!tiers[t].look[j].key) continue;
            size_t klen = build_ikey(buf, tiers[t].look[j].kind, parent,
                                     tiers[t].look[j].key);
            hit[j] = index_get(m, buf, klen);
            if (hit[j]) total += hit[j]->n;
        }
        if (!total) continue;

        /* Pool, sort and deduplicate: one id may fit through both lookups
         * (a name and its alias) and must count once. */
        size_t *aid = malloc(total * sizeof *aid), n = 0;
        if (!aid) {
            rc = gv_error_set(err, GV_ENOMEM, "out of memory looking up a name");
            break;
        }
        for (int j = 0; j < 2; j++)
            if (hit[j]) {
                memcpy(aid + n, hit[j]->aid, hit[j]->n * sizeof *aid);
                n += hit[j]->n;
            }
        qsort(aid, n, sizeof *aid, cmp_size);
        size_t u = 1;
        for (size_t i = 1; i < n; i++)
            if (aid[i] != aid[u - 1]) aid[u++] = aid[i];

        *rule = u == 1 ? tiers[t].rule : GV_RULE_AMBIGUOUS;
        if (u == 1 && id) *id = aid[0];
        size_t w = u < ncand_max ? u : ncand_max;
        if (cand && w) memcpy(cand, aid, w * sizeof *aid);
        if (ncand) *ncand = cand ? w : 0;
        free(aid);
        break;
    }
    free(buf);
    keyset_free(&q);
    return rc;
}
