/* ingest.c: loading opinion records into the workspace (workspace.h):
 * streaming read, per-row validation, citizen ids hashed, point in polygon
 * for rows with coordinates only, one transaction, deduplication over the
 * whole workspace. */
#include "workspace_priv.h"

#include "geovoice/csvout.h"
#include "geovoice/names.h"
#include "geovoice/pip.h"
#include "geovoice/records.h"
#include "geovoice/table.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

void gv_ingest_options_init(gv_ingest_options *o) {
    memset(o, 0, sizeof *o);
    o->dedupe_window_s = 30LL * 86400;
}

/* Vietnam's extent with its islands (Trường Sa reaches 117.8°E, 6.5°N). */
#define VN_MINX 102.0
#define VN_MAXX 118.0
#define VN_MINY 6.0
#define VN_MAXY 24.0

#define CHUNK 32768

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- string arena: blocks that never move, so pointers stay valid ---- */
typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
    char data[];
} ablock;
typedef struct arena {
    ablock *head;
} arena;

static char *arena_put(arena *a, const char *s, size_t n) {
    ablock *b = a->head;
    if (!b || b->used + n + 1 > b->cap) {
        size_t cap = n + 1 > (1u << 20) ? n + 1 : (1u << 20);
        ablock *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = b, nb->used = 0, nb->cap = cap;
        a->head = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = 0;
    b->used += n + 1;
    return p;
}

static void arena_free(arena *a) {
    for (ablock *b = a->head, *n; b; b = n) n = b->next, free(b);
    a->head = NULL;
}

/* ---- unit codes of the record level: open addressing ---- */
typedef struct codemap {
    char **code; /* unit codes (malloc'd) */
    size_t n;
    long *slot;  /* 2^k slots, -1 empty */
    size_t mask;
} codemap;

static uint64_t fnv(const char *s, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33, x *= 0xff51afd7ed558ccdULL, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL, x ^= x >> 33;
    return x;
}

static long codemap_find(const codemap *m, const char *c) {
    if (!m->slot) return -1;
    size_t h = (size_t)mix(fnv(c, strlen(c), 0xcbf29ce484222325ULL)) & m->mask;
    while (m->slot[h] >= 0) {
        if (!strcmp(m->code[m->slot[h]], c)) return m->slot[h];
        h = (h + 1) & m->mask;
    }
    return -1;
}

static int codemap_build(codemap *m) {
    size_t cap = 16;
    while (cap < 2 * m->n + 2) cap *= 2;
    m->slot = malloc(cap * sizeof *m->slot);
    if (!m->slot) return -1;
    for (size_t i = 0; i < cap; i++) m->slot[i] = -1;
    m->mask = cap - 1;
    for (size_t i = 0; i < m->n; i++) {
        size_t h = (size_t)mix(fnv(m->code[i], strlen(m->code[i]), 0xcbf29ce484222325ULL)) & m->mask;
        while (m->slot[h] >= 0) h = (h + 1) & m->mask;
        m->slot[h] = (long)i;
    }
    return 0;
}

static void codemap_free(codemap *m) {
    for (size_t i = 0; i < m->n; i++) free(m->code[i]);
    free(m->code);
    free(m->slot);
}

/* ---- one validated row ---- */
enum { ST_SUPPORT, ST_OPPOSE, ST_NEUTRAL };
static const char *const STANCES[] = {"support", "oppose", "neutral"};
enum { CH_DIRECT, CH_MEETING, CH_INTERMEDIARY };
static const char *const CHANNELS[] = {"direct", "meeting", "intermediary"};

typedef struct urow {
    size_t row, line;
    const char *id, *topic, *org, *voter, *text; /* arena; NULL when empty */
    long long ts;
    char sub[26], month[8];
    long unit; /* index in codemap, -1: by point in polygon */
    double lon, lat;
    int has_xy, stance, channel, hashed, located;
    const char *rfield; /* rejected when reason[0] */
    char reason[240];
} urow;

/* A chunk of validated rows and the strings they point to. The reader
 * thread fills one while the main thread stores the other. */
typedef struct cbuf {
    urow *rows;
    size_t n;
    arena ar;
    int full, last;
} cbuf;

/* Dedupe entry: a row with a voter, new or stored before. */
typedef struct dentry {
    uint64_t k1, k2; /* two independent 64-bit hashes of (voter, unit, topic) */
    long long ts;
    long long rowid;
    const char *id;
    unsigned char counted, is_new;
} dentry;

typedef struct ingest {
    gv_workspace *ws;
    const gv_ingest_options *o;
    gv_ingest_summary *sum;
    gv_error *err;
    codemap units;
    int code_width;
    const char *record_level, *set;
    gv_pip *pip;
    gv_layer *pip_layer;
    long *pip_unit; /* feature -> codemap index */
    arena id_arena;
    cbuf buf[2];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;            /* main thread gave up: the reader ends */
    gv_rec_reader *rd;
    int read_rc;
    gv_error read_err;
    dentry *d;
    size_t nd, capd;
    sqlite3_stmt *ins, *rej, *same; /* same: the stored record of an id, to tell a repeat from a clash */
    FILE *rejf;
    char rej_tmp[4096];
    long long ingest_n;
    size_t written;
    long long fault_after;
    gv_voter_key *key;
} ingest;

static int is_word(const char *s, size_t n, const char *w) { return strlen(w) == n && !strncasecmp(s, w, n); }

/* Quoted sample of a bad value for a reason: scrubbed of 12-digit runs and
 * cut to 40 bytes (at a UTF-8 boundary). */
static void sample(char *out, size_t outsz, const char *s, size_t n) {
    char b[48];
    size_t k = n < 40 ? n : 40;
    while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    memcpy(b, s, k);
    b[k] = 0;
    gv_voter_scrub(b, k);
    snprintf(out, outsz, "'%s%s'", b, k < n ? "..." : "");
}

static void reject(urow *u, const char *field, const char *fmt, const char *val, size_t vn) {
    char q[64];
    u->rfield = field;
    if (val) {
        sample(q, sizeof q, val, vn);
        snprintf(u->reason, sizeof u->reason, fmt, q);
    } else {
        snprintf(u->reason, sizeof u->reason, "%s", fmt);
    }
}

/* 1 when s is certainly NFC already: every character is ASCII or a
 * precomposed letter of Latin-1 Supplement / Latin Extended-A and B
 * (U+00A0-U+024F) or Latin Extended Additional (U+1E00-U+1EFF, where the
 * Vietnamese letters with two marks live). None of those decomposes into
 * something that composes differently, and without combining marks there
 * is nothing to reorder or compose. Other text goes to utf8proc. */
static int surely_nfc(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) i++;
        else if (c >= 0xC2 && c <= 0xC9) i += 2; /* U+0080-U+027F; U+0250+ are IPA letters, also stable */
        else if (c == 0xE1 && i + 1 < n && s[i + 1] >= 0xB8 && s[i + 1] <= 0xBB) i += 3; /* U+1E00-U+1EFF */
        else return 0;
    }
    return 1;
}

/* Text field: 12-digit runs blanked, NFC, into the arena. */
static const char *textfield(arena *ar, char *s, size_t n) {
    if (!n) return NULL;
    gv_voter_scrub(s, n);
    if (surely_nfc((const unsigned char *)s, n)) return arena_put(ar, s, n);
    char *tmp = arena_put(ar, s, n);
    char *nfc = tmp ? gv_name_nfc(tmp) : NULL;
    if (!nfc) return tmp;
    const char *r = arena_put(ar, nfc, strlen(nfc));
    free(nfc);
    return r;
}

static int parse_num(const char *s, size_t n, double *v) {
    char b[64];
    if (!n || n >= sizeof b) return 0;
    memcpy(b, s, n);
    b[n] = 0;
    char *e;
    errno = 0;
    *v = strtod(b, &e);
    return *e == 0 && !errno && isfinite(*v);
}

static void validate(ingest *g, gv_record *r, urow *u, arena *ar) {
    memset(u, 0, sizeof *u);
    u->row = r->row, u->line = r->line, u->unit = -1;
    u->lon = u->lat = NAN;
    /* The voter text is read first and wiped from the line buffer before
     * anything else can copy it. */
    char digits[13] = {0};
    int cid = 0;
    char *vs = r->f[GV_RF_VOTER];
    size_t vn = r->len[GV_RF_VOTER];
    if (vn) {
        cid = gv_voter_is_citizen_id(vs, vn, digits);
        if (cid) {
            if (g->key) {
                char h[GV_VOTER_HASH_LEN + 1];
                gv_voter_hash(g->key, digits, h);
                u->voter = arena_put(ar, h, GV_VOTER_HASH_LEN);
                u->hashed = 1;
            }
        } else {
            char tmp[256];
            size_t k = vn < sizeof tmp - 1 ? vn : sizeof tmp - 1;
            memcpy(tmp, vs, k);
            if (gv_voter_scrub(tmp, k) || vn > 200) {
                u->voter = NULL;
                cid = -1; /* holds an id among other text */
            } else {
                u->voter = arena_put(ar, vs, vn);
            }
            gv_voter_wipe(tmp, k);
        }
        gv_voter_wipe(vs, vn);
        gv_voter_wipe(digits, sizeof digits);
    }
    /* Every other field is scrubbed in place too, before it is quoted in a
     * reason. */
    /* (topic, org and text are scrubbed where they are stored, in
     * textfield; submitted_at is stored as parsed, and quoted in a reason
     * only through sample(), which scrubs its copy.) */
    for (int f = 0; f < GV_RF_N; f++)
        if (f != GV_RF_VOTER && f != GV_RF_ID && f != GV_RF_SUBMITTED_AT && f != GV_RF_TOPIC && f != GV_RF_ORG &&
            f != GV_RF_TEXT && r->len[f])
            gv_voter_scrub(r->f[f], r->len[f]);
    if (r->malformed) {
        /* Named by its id when it has one (and it holds no 12-digit run). */
        size_t idn0 = r->len[GV_RF_ID];
        if (idn0 && idn0 <= 100) {
            char tmp[128];
            memcpy(tmp, r->f[GV_RF_ID], idn0);
            if (!gv_voter_scrub(tmp, idn0)) u->id = arena_put(ar, r->f[GV_RF_ID], idn0);
            gv_voter_wipe(tmp, idn0);
        }
        reject(u, "", r->malformed, NULL, 0);
        return;
    }
    const char *id = r->f[GV_RF_ID];
    size_t idn = r->len[GV_RF_ID];
    if (!idn) return reject(u, "id", "empty id", NULL, 0);
    {
        char tmp[256];
        size_t k = idn < sizeof tmp ? idn : sizeof tmp;
        memcpy(tmp, id, k);
        size_t hit = gv_voter_scrub(tmp, k);
        gv_voter_wipe(tmp, k);
        if (hit) {
            gv_voter_scrub(r->f[GV_RF_ID], idn);
            return reject(u, "id", "id holds a 12-digit number (a citizen identity number?): not stored", NULL, 0);
        }
    }
    if (idn > 100) return reject(u, "id", "id longer than 100 bytes: %s", id, idn);
    u->id = arena_put(ar, id, idn);
    if (cid == -1) return reject(u, "voter", "voter holds a 12-digit number among other text: not stored", NULL, 0);
    if (cid == 1 && !g->key)
        return reject(u, "voter",
                      "voter is a citizen identity number and no HMAC key is set (GEOVOICE_HMAC_KEY or --key-file): "
                      "not stored",
                      NULL, 0);
    if (gv_iso8601_parse(r->f[GV_RF_SUBMITTED_AT], r->len[GV_RF_SUBMITTED_AT], &u->ts) != GV_OK)
        return reject(u, "submitted_at",
                      r->len[GV_RF_SUBMITTED_AT] ? "%s is not an ISO 8601 date or date-time" : "empty submitted_at",
                      r->f[GV_RF_SUBMITTED_AT], r->len[GV_RF_SUBMITTED_AT]);
    gv_iso8601_vn(u->ts, u->sub, u->month);
    if (!r->len[GV_RF_TOPIC]) return reject(u, "topic", "empty topic", NULL, 0);
    u->stance = -1;
    for (int s = 0; s < 3; s++)
        if (is_word(r->f[GV_RF_STANCE], r->len[GV_RF_STANCE], STANCES[s])) u->stance = s;
    if (u->stance < 0)
        return reject(u, "stance", r->len[GV_RF_STANCE] ? "%s is not support, oppose or neutral" : "empty stance",
                      r->f[GV_RF_STANCE], r->len[GV_RF_STANCE]);
    u->channel = -1;
    for (int c = 0; c < 3; c++)
        if (is_word(r->f[GV_RF_CHANNEL], r->len[GV_RF_CHANNEL], CHANNELS[c])) u->channel = c;
    if (u->channel < 0)
        return reject(u, "channel",
                      r->len[GV_RF_CHANNEL] ? "%s is not direct, meeting or intermediary" : "empty channel",
                      r->f[GV_RF_CHANNEL], r->len[GV_RF_CHANNEL]);
    if (u->channel == CH_INTERMEDIARY && !r->len[GV_RF_ORG])
        return reject(u, "org", "intermediary record without its organisation (org)", NULL, 0);
    size_t nx = r->len[GV_RF_LON], ny = r->len[GV_RF_LAT];
    if (nx || ny) {
        if (!nx || !ny) return reject(u, nx ? "lat" : "lon", nx ? "lon without lat" : "lat without lon", NULL, 0);
        if (!parse_num(r->f[GV_RF_LON], nx, &u->lon)) return reject(u, "lon", "%s is not a number", r->f[GV_RF_LON], nx);
        if (!parse_num(r->f[GV_RF_LAT], ny, &u->lat)) return reject(u, "lat", "%s is not a number", r->f[GV_RF_LAT], ny);
        if (u->lon < VN_MINX || u->lon > VN_MAXX || u->lat < VN_MINY || u->lat > VN_MAXY) {
            char b[120];
            snprintf(b, sizeof b, "(%.6f, %.6f) is outside Vietnam's extent (102-118 E, 6-24 N; lon, lat swapped?)",
                     u->lon, u->lat);
            return reject(u, "lon/lat", b, NULL, 0);
        }
        u->has_xy = 1;
    }
    size_t nc = r->len[GV_RF_UNIT_CODE];
    if (nc) {
        char raw[64], code[64];
        gv_error e2;
        if (nc >= sizeof raw) return reject(u, "unit_code", "%s is not a unit code", r->f[GV_RF_UNIT_CODE], nc);
        memcpy(raw, r->f[GV_RF_UNIT_CODE], nc);
        raw[nc] = 0;
        if (gv_code_normalize(raw, g->code_width, code, sizeof code, &e2) != GV_OK)
            return reject(u, "unit_code", "%s is not a unit code", raw, nc);
        /* A code of another level is not padded into one of this level:
         * written wider than a record-level code ("00004" for a district),
         * or shorter with its leading zero kept ("04", a province: lost
         * zeros, "4", are a spreadsheet's doing and are restored). */
        if (g->code_width > 0 && (int)nc != g->code_width) { /* written at the record level's width: nothing to check */
            char digits[64];
            if (gv_code_normalize(raw, 0, digits, sizeof digits, NULL) == GV_OK) {
                int w = (int)strlen(digits);
                if (w > g->code_width || (w < g->code_width && digits[0] == '0')) {
                    char b[200], q[64];
                    sample(q, sizeof q, raw, nc);
                    snprintf(b, sizeof b, "%s has %d digits: not a %s code of '%s' (%d digits), a code of another level?", q, w,
                             g->record_level, g->set, g->code_width);
                    return reject(u, "unit_code", b, NULL, 0);
                }
            }
        }
        u->unit = codemap_find(&g->units, code);
        if (u->unit < 0) {
            char b[200], q[64];
            sample(q, sizeof q, code, strlen(code));
            snprintf(b, sizeof b, "%s is not a %s of '%s'", q, g->record_level, g->set);
            return reject(u, "unit_code", b, NULL, 0);
        }
    } else if (!u->has_xy) {
        return reject(u, "unit_code", "no unit_code and no lon/lat", NULL, 0);
    }
    u->topic = textfield(ar, r->f[GV_RF_TOPIC], r->len[GV_RF_TOPIC]);
    u->org = textfield(ar, r->f[GV_RF_ORG], r->len[GV_RF_ORG]);
    u->text = textfield(ar, r->f[GV_RF_TEXT], r->len[GV_RF_TEXT]);
    if (!u->id || !u->topic) return reject(u, "", "out of memory", NULL, 0);
}

static int dpush(ingest *g, const dentry *e) {
    if (g->nd == g->capd) {
        size_t nc = g->capd ? g->capd * 2 : 65536;
        dentry *nd = realloc(g->d, nc * sizeof *nd);
        if (!nd) return -1;
        g->d = nd, g->capd = nc;
    }
    g->d[g->nd++] = *e;
    return 0;
}

static void dkeys(const char *voter, const char *unit, const char *topic, uint64_t *k1, uint64_t *k2) {
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
    const char *p[3] = {voter, unit, topic};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(p[i]);
        a = fnv(p[i], n, a), b = fnv(p[i], n, b ^ 0x9e3779b97f4a7c15ULL);
        a = fnv("\x1f", 1, a), b = fnv("\x1f", 1, b);
    }
    *k1 = mix(a), *k2 = mix(b ^ 0x5851f42d4c957f2dULL);
}

static int sql_fail(ingest *g, const char *what) {
    return gv__ws_fail(g->ws, g->err, GV_EDATA, "%s: %s: SQLite: %s", g->ws->path, what, sqlite3_errmsg(g->ws->db));
}

static int write_reject(ingest *g, const urow *u) {
    g->sum->rejected++;
    sqlite3_stmt *s = g->rej;
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, g->ingest_n);
    sqlite3_bind_text(s, 2, g->o->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)u->row);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)u->line);
    if (u->id) sqlite3_bind_text(s, 5, u->id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, u->rfield ? u->rfield : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, u->reason, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) return sql_fail(g, "storing a reject");
    if (g->rejf) {
        fprintf(g->rejf, "%zu,%zu,", u->row, u->line);
        gv_csv_put(g->rejf, u->id);
        fputc(',', g->rejf);
        gv_csv_put(g->rejf, u->rfield);
        fputc(',', g->rejf);
        gv_csv_put(g->rejf, u->reason);
        fputc('\n', g->rejf);
    }
    return GV_OK;
}

static int flush_chunk(ingest *g, cbuf *B) {
    /* Point in polygon for rows with coordinates and no unit code. */
    /* Rows with both a unit code and a point are located too: a point
     * in another unit is kept by its code, counted and named. */
#define NEEDS_PIP(u) (!(u)->reason[0] && ((u)->unit < 0 || ((u)->has_xy && g->pip)))
    size_t np = 0;
    for (size_t i = 0; i < B->n; i++) np += NEEDS_PIP(&B->rows[i]);
    if (np) {
        if (!g->pip)
            return gv__ws_fail(g->ws, g->err, GV_EINTERNAL, "%s: no point-in-polygon index (units without polygons?)",
                               g->ws->path);
        double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
        long *f = malloc(np * sizeof *f);
        if (!x || !y || !f) {
            free(x), free(y), free(f);
            return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
        }
        size_t k = 0;
        for (size_t i = 0; i < B->n; i++)
            if (NEEDS_PIP(&B->rows[i])) x[k] = B->rows[i].lon, y[k] = B->rows[i].lat, k++;
        double t0 = now_s();
        int rc = gv_pip_locate(g->pip, x, y, np, f, g->o->threads, g->err);
        g->sum->s_pip += now_s() - t0;
        k = 0;
        for (size_t i = 0; !rc && i < B->n; i++) {
            urow *u = &B->rows[i];
            if (!NEEDS_PIP(u)) continue;
            long fe = f[k++];
            if (u->unit >= 0) {
                long pu = fe >= 0 ? g->pip_unit[fe] : -1;
                if (pu != u->unit) {
                    size_t q = g->sum->xy_disagree++;
                    if (q < 5)
                        snprintf(g->sum->xy_first[q], sizeof g->sum->xy_first[q],
                                 "row %zu (line %zu): unit_code %s, but (%.5f, %.5f) lies %s%s", u->row, u->line,
                                 g->units.code[u->unit], u->lon, u->lat, pu >= 0 ? "in " : "in no unit",
                                 pu >= 0 ? g->units.code[pu] : "");
                }
                continue;
            }
            if (fe < 0 || g->pip_unit[fe] < 0) {
                char b[120];
                snprintf(b, sizeof b, "(%.6f, %.6f) is in no unit of '%s' (sea, or outside the boundaries)", u->lon,
                         u->lat, g->set);
                reject(u, "lon/lat", b, NULL, 0);
            } else {
                u->unit = g->pip_unit[fe];
                u->located = 1;
            }
        }
        free(x), free(y), free(f);
        if (rc) return gv__ws_fail(g->ws, g->err, rc, "%s", g->err ? g->err->msg : "point in polygon failed");
    }
    sqlite3_stmt *s = g->ins;
    for (size_t i = 0; i < B->n; i++) {
        urow *u = &B->rows[i];
        if (u->reason[0]) {
            int rc = write_reject(g, u);
            if (rc) return rc;
            continue;
        }
        const char *code = g->units.code[u->unit];
        uint64_t k1 = 0, k2 = 0;
        if (u->voter && g->o->dedupe_window_s > 0) dkeys(u->voter, code, u->topic, &k1, &k2);
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, u->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, code, g->code_width > 0 ? g->code_width : -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, u->topic, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, STANCES[u->stance], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, CHANNELS[u->channel], -1, SQLITE_STATIC);
        if (u->org) sqlite3_bind_text(s, 6, u->org, -1, SQLITE_STATIC);
        else sqlite3_bind_null(s, 6);
        sqlite3_bind_text(s, 7, u->month, 7, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, u->sub, 25, SQLITE_STATIC);
        sqlite3_bind_int64(s, 9, u->ts);
        if (u->voter) sqlite3_bind_text(s, 10, u->voter, u->hashed ? GV_VOTER_HASH_LEN : -1, SQLITE_STATIC);
        else sqlite3_bind_null(s, 10);
        if (u->voter && g->o->dedupe_window_s > 0) sqlite3_bind_int64(s, 11, (sqlite3_int64)k1);
        else sqlite3_bind_null(s, 11);
        if (u->has_xy) sqlite3_bind_double(s, 12, u->lon), sqlite3_bind_double(s, 13, u->lat);
        else sqlite3_bind_null(s, 12), sqlite3_bind_null(s, 13);
        sqlite3_bind_int(s, 14, u->located);
        if (u->text) sqlite3_bind_text(s, 15, u->text, -1, SQLITE_STATIC);
        else sqlite3_bind_null(s, 15);
        sqlite3_bind_int64(s, 16, g->ingest_n);
        if (sqlite3_step(s) != SQLITE_DONE) return sql_fail(g, "storing a record");
        if (!sqlite3_changes(g->ws->db)) {
            /* The id is stored: the same record again (a re-ingest) is
             * skipped; another record under the same id is rejected, not
             * silently dropped. */
            sqlite3_stmt *q = g->same;
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, u->id, -1, SQLITE_STATIC);
            int same = 1;
            const char *differs = NULL;
            if (sqlite3_step(q) == SQLITE_ROW) {
                const char *have[5] = {(const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
                                       (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3),
                                       (const char *)sqlite3_column_text(q, 4)};
                char codeb[32];
                snprintf(codeb, sizeof codeb, "%.*s", g->code_width > 0 ? g->code_width : 31, code);
                const char *want[5] = {codeb, u->topic, STANCES[u->stance], CHANNELS[u->channel], NULL};
                static const char *const what[5] = {"unit_code", "topic", "stance", "channel", "submitted_at"};
                char subb[32];
                snprintf(subb, sizeof subb, "%.25s", u->sub);
                want[4] = subb;
                for (int c = 0; c < 5 && same; c++)
                    if (!have[c] || strcmp(have[c], want[c])) same = 0, differs = what[c];
            }
            if (!same) {
                char b[200];
                snprintf(b, sizeof b, "id already holds another record (its %s differs): ids must be unique", differs);
                reject(u, "id", b, NULL, 0);
                int rc = write_reject(g, u);
                if (rc) return rc;
                continue;
            }
            g->sum->already++;
            continue;
        }
        g->sum->accepted++;
        g->sum->located += (size_t)u->located;
        g->sum->hashed += (size_t)u->hashed;
        if (u->voter && g->o->dedupe_window_s > 0) {
            dentry e = {k1, k2, u->ts, sqlite3_last_insert_rowid(g->ws->db), arena_put(&g->id_arena, u->id, strlen(u->id)), 1, 1};
            if (!e.id || dpush(g, &e)) return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
        }
        if (g->fault_after > 0 && (long long)++g->written == g->fault_after) {
            /* Fault injection (GV_FAULT_ENV): make the file really
             * half-written, then let the host die here. */
            sqlite3_db_cacheflush(g->ws->db);
            if (g->o->on_fault) g->o->on_fault(g->o->fault_ctx, g->written);
            return gv__ws_fail(g->ws, g->err, GV_EINTERNAL, "fault injected after %zu rows (%s): rolled back",
                               g->written, GV_FAULT_ENV);
        }
    }
    B->n = 0;
    ablock *b = B->ar.head;
    if (b) {
        /* Keep one block for the next chunk. */
        arena rest = {b->next};
        arena_free(&rest);
        b->next = NULL;
        b->used = 0;
    }
    return GV_OK;
}

typedef struct { long long rowid; int counted; } change_t;
static int chcmp(const void *a, const void *b) {
    const change_t *x = a, *y = b;
    return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

static int dcmp(const void *a, const void *b) {
    const dentry *x = a, *y = b;
    if (x->k1 != y->k1) return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2) return x->k2 < y->k2 ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Deduplication over the new rows and the stored rows of the same
 * (voter, unit, topic): sort by key, time, id; in each group the first row
 * counts and opens a window; rows inside it do not count; the first row
 * after it counts and opens the next. */
static int dedupe(ingest *g, int had_voters) {
    if (!g->nd) return GV_OK;
    qsort(g->d, g->nd, sizeof *g->d, dcmp);
    if (had_voters) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(g->ws->db,
                               "SELECT r.rowid, r.id, r.ts, r.voter, r.unit_code, r.topic, r.counted FROM voter_keys v "
                               "JOIN records r ON r.rowid = v.rid WHERE v.dkey = ? AND r.ingest < ?",
                               -1, &q, NULL))
            return sql_fail(g, "dedupe");
        size_t nnew = g->nd;
        for (size_t i = 0; i < nnew; i++) {
            if (i && g->d[i].k1 == g->d[i - 1].k1) continue;
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, (sqlite3_int64)g->d[i].k1);
            sqlite3_bind_int64(q, 2, g->ingest_n);
            int s;
            while ((s = sqlite3_step(q)) == SQLITE_ROW) {
                dentry e;
                dkeys((const char *)sqlite3_column_text(q, 3), (const char *)sqlite3_column_text(q, 4),
                      (const char *)sqlite3_column_text(q, 5), &e.k1, &e.k2);
                e.rowid = sqlite3_column_int64(q, 0);
                const char *id = (const char *)sqlite3_column_text(q, 1);
                e.id = arena_put(&g->id_arena, id, strlen(id));
                e.ts = sqlite3_column_int64(q, 2);
                e.counted = (unsigned char)sqlite3_column_int(q, 6);
                e.is_new = 0;
                if (!e.id || dpush(g, &e)) {
                    sqlite3_finalize(q);
                    return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
                }
            }
            if (s != SQLITE_DONE) {
                sqlite3_finalize(q);
                return sql_fail(g, "dedupe");
            }
        }
        sqlite3_finalize(q);
        qsort(g->d, g->nd, sizeof *g->d, dcmp);
    }
    /* Flags first, in memory; then the rows whose flag changes are updated
     * in rowid order (sequential pages instead of random ones), and the
     * new rows' keys go into voter_keys in key order (appends to its
     * B-tree). */
    long long win = g->o->dedupe_window_s, t0 = 0;
    change_t *ch = malloc((g->nd ? g->nd : 1) * sizeof *ch);
    size_t nch = 0;
    if (!ch) return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < g->nd; i++) {
        dentry *e = &g->d[i];
        int first = !i || e->k1 != g->d[i - 1].k1 || e->k2 != g->d[i - 1].k2;
        int counted;
        if (first || e->ts >= t0 + win) {
            counted = 1;
            t0 = e->ts;
        } else {
            counted = 0;
        }
        if (e->is_new && !counted) g->sum->collapsed++;
        if (!e->is_new && counted != e->counted) g->sum->recounted++;
        if (counted != e->counted) ch[nch].rowid = e->rowid, ch[nch].counted = counted, nch++;
    }
    qsort(ch, nch, sizeof *ch, chcmp);
    sqlite3_stmt *up = NULL, *kq = NULL;
    int rc = GV_OK;
    if (sqlite3_prepare_v2(g->ws->db, "UPDATE records SET counted = ? WHERE rowid = ?", -1, &up, NULL) ||
        sqlite3_prepare_v2(g->ws->db, "INSERT INTO voter_keys(dkey, rid) VALUES(?, ?)", -1, &kq, NULL))
        rc = sql_fail(g, "dedupe");
    for (size_t i = 0; !rc && i < nch; i++) {
        sqlite3_reset(up);
        sqlite3_bind_int(up, 1, ch[i].counted);
        sqlite3_bind_int64(up, 2, ch[i].rowid);
        if (sqlite3_step(up) != SQLITE_DONE) rc = sql_fail(g, "dedupe");
    }
    for (size_t i = 0; !rc && i < g->nd; i++) {
        if (!g->d[i].is_new) continue;
        sqlite3_reset(kq);
        sqlite3_bind_int64(kq, 1, (sqlite3_int64)g->d[i].k1);
        sqlite3_bind_int64(kq, 2, g->d[i].rowid);
        if (sqlite3_step(kq) != SQLITE_DONE) rc = sql_fail(g, "dedupe keys");
    }
    sqlite3_finalize(up);
    sqlite3_finalize(kq);
    free(ch);
    return rc;
}

static int load_units(ingest *g, int need_pip) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(g->ws->db, "SELECT code FROM units WHERE level = ? ORDER BY code", -1, &q, NULL))
        return sql_fail(g, "reading units");
    sqlite3_bind_text(q, 1, g->record_level, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (g->units.n == cap) {
            cap = cap ? cap * 2 : 4096;
            char **nc = realloc(g->units.code, cap * sizeof *nc);
            if (!nc) {
                sqlite3_finalize(q);
                return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
            }
            g->units.code = nc;
        }
        if (!(g->units.code[g->units.n] = strdup((const char *)sqlite3_column_text(q, 0)))) {
            sqlite3_finalize(q);
            return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
        }
        g->units.n++;
    }
    sqlite3_finalize(q);
    if (codemap_build(&g->units)) return gv__ws_fail(g->ws, g->err, GV_ENOMEM, "out of memory");
    if (!need_pip) return GV_OK;
    /* The polygons come back through GDAL's SQLite/SpatiaLite driver. */
    char where[64];
    snprintf(where, sizeof where, "level = '%s'", g->record_level);
    gv_error e2;
    if (gv_layer_open(g->ws->path, "units", where, &g->pip_layer, &e2) != GV_OK)
        return gv__ws_fail(g->ws, g->err, GV_EDATA, "%s: reading the units' polygons: %s", g->ws->path, e2.msg);
    size_t nf = gv_layer_count(g->pip_layer);
    int fc = gv_layer_field_index(g->pip_layer, "code");
    g->pip_unit = malloc((nf ? nf : 1) * sizeof *g->pip_unit);
    const char **keys = malloc((nf ? nf : 1) * sizeof *keys);
    if (!g->pip_unit || !keys || fc < 0) {
        free(keys);
        return gv__ws_fail(g->ws, g->err, fc < 0 ? GV_EDATA : GV_ENOMEM, "%s: units layer unreadable", g->ws->path);
    }
    for (size_t f = 0; f < nf; f++) {
        keys[f] = gv_layer_value(g->pip_layer, f, (size_t)fc);
        g->pip_unit[f] = codemap_find(&g->units, keys[f]);
    }
    int rc = gv_pip_new(g->pip_layer, keys, &g->pip, &e2);
    free(keys);
    if (rc) return gv__ws_fail(g->ws, g->err, rc, "%s: %s", g->ws->path, e2.msg);
    return GV_OK;
}

/* Reader thread: reads and validates rows (parsing, dates, hashes,
 * scrubbing) into the free buffer while the main thread stores the other
 * one. Only this thread touches the reader, the HMAC state and the
 * buffer it fills. */
static void *reader_main(void *arg) {
    ingest *g = arg;
    gv_record rec;
    for (int bi = 0;; bi ^= 1) {
        cbuf *B = &g->buf[bi];
        pthread_mutex_lock(&g->mu);
        while (B->full && !g->stop) pthread_cond_wait(&g->cv, &g->mu);
        int stop = g->stop;
        pthread_mutex_unlock(&g->mu);
        if (stop) break;
        B->n = 0;
        B->last = 0;
        while (B->n < CHUNK) {
            int n = gv_rec_next(g->rd, &rec, &g->read_err);
            if (n <= 0) {
                if (n < 0) g->read_rc = n;
                B->last = 1;
                break;
            }
            g->sum->rows++;
            validate(g, &rec, &B->rows[B->n++], &B->ar);
        }
        pthread_mutex_lock(&g->mu);
        B->full = 1;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        if (B->last) break;
    }
    return NULL;
}

int gv_workspace_ingest(gv_workspace *ws, const gv_ingest_options *o, gv_ingest_summary *sum, gv_error *err) {
    gv_ingest_summary dummy;
    if (!sum) sum = &dummy;
    memset(sum, 0, sizeof *sum);
    if (!o || !o->path) return gv__ws_fail(ws, err, GV_EUSAGE, "no records file given");
    if (!gv_workspace_has_units(ws))
        return gv__ws_fail(ws, err, GV_EUSAGE, "%s: no boundary units in the workspace: give --set NAME or --shapes SRC --layer L",
                           ws->path);
    ingest G, *g = &G;
    memset(g, 0, sizeof *g);
    g->ws = ws, g->o = o, g->sum = sum, g->err = err, g->key = o->key;
    char setbuf[256], lvbuf[32];
    snprintf(setbuf, sizeof setbuf, "%s", gv_workspace_meta(ws, "set") ? gv_workspace_meta(ws, "set") : "?");
    snprintf(lvbuf, sizeof lvbuf, "%s", gv_workspace_meta(ws, "record_level") ? gv_workspace_meta(ws, "record_level") : "commune");
    g->set = setbuf, g->record_level = lvbuf;
    g->code_width = gv_workspace_meta(ws, "code_width") ? atoi(gv_workspace_meta(ws, "code_width")) : 0;
    /* One window per workspace: counted flags of stored rows depend on it. */
    const char *win = gv_workspace_meta(ws, "dedupe_window_s");
    if (win && atoll(win) != o->dedupe_window_s)
        return gv__ws_fail(ws, err, GV_EUSAGE,
                           "%s: the workspace deduplicates with a window of %s s (%s); this ingest asks for %lld s "
                           "(use the same --dedupe-window, or another workspace)",
                           ws->path, win, atoll(win) ? "set at its first ingest" : "--no-dedupe", o->dedupe_window_s);
    /* One key per workspace: hashes under another key would never match
     * the stored ones (deduplication would break silently), and without a
     * key rows with ids could not be compared with the stored ones. The
     * key's check value is the hash of 000000000000 (no citizen id). */
    char kcheck[GV_VOTER_HASH_LEN + 1] = "";
    if (g->key) gv_voter_hash(g->key, "000000000000", kcheck);
    const char *have_k = gv_workspace_meta(ws, "key_check");
    if (have_k && *have_k && g->key && strcmp(have_k, kcheck))
        return gv__ws_fail(ws, err, GV_EUSAGE,
                           "%s: the HMAC key (GEOVOICE_HMAC_KEY or --key-file) is not the one this workspace's voter "
                           "hashes were made with: use that key, or another workspace",
                           ws->path);
    if (have_k && *have_k && !g->key)
        return gv__ws_fail(ws, err, GV_EUSAGE,
                           "%s: the workspace holds keyed hashes of voter ids; set the same HMAC key "
                           "(GEOVOICE_HMAC_KEY or --key-file) to add to it",
                           ws->path);
    const char *fe = getenv(GV_FAULT_ENV);
    g->fault_after = fe ? atoll(fe) : 0;

    gv_rec_reader *rd = NULL;
    int rc = gv_rec_open(o->path, &rd, err);
    if (rc) {
        snprintf(ws->msg, sizeof ws->msg, "%s", err ? err->msg : "cannot read records");
        return rc;
    }
    /* Point in polygon is set up before the transaction (GDAL reads the
     * same file); only when the file may carry coordinates. */
    rc = load_units(g, 1);
    for (int k = 0; k < 2 && !rc; k++)
        if (!(g->buf[k].rows = malloc(CHUNK * sizeof *g->buf[k].rows))) rc = gv__ws_fail(ws, err, GV_ENOMEM, "out of memory");
    if (!rc && o->rejects_csv) {
        snprintf(g->rej_tmp, sizeof g->rej_tmp, "%s.tmp.%d", o->rejects_csv, (int)getpid());
        if (!(g->rejf = fopen(g->rej_tmp, "w")))
            rc = gv__ws_fail(ws, err, GV_EOUTPUT, "%s: cannot write: %s", o->rejects_csv, strerror(errno));
        else
            fputs("row,line,id,field,reason\n", g->rejf);
    }
    int began = 0, had_voters = 0;
    if (!rc) {
        rc = gv__ws_exec(ws, err, "BEGIN IMMEDIATE");
        began = !rc;
    }
    if (!rc) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(ws->db, "SELECT coalesce(max(n), 0) + 1, EXISTS(SELECT 1 FROM voter_keys) FROM ingests", -1, &q, NULL) ||
            sqlite3_step(q) != SQLITE_ROW)
            rc = sql_fail(g, "reading ingests");
        else
            g->ingest_n = sqlite3_column_int64(q, 0), had_voters = sqlite3_column_int(q, 1);
        sqlite3_finalize(q);
    }
    if (!rc && (sqlite3_prepare_v2(ws->db,
                                   "INSERT OR IGNORE INTO records(id, counted, unit_code, topic, stance, channel, org, "
                                   "month, submitted_at, ts, voter, dkey, lon, lat, located, text, ingest) "
                                   "VALUES(?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                                   -1, &g->ins, NULL) ||
                sqlite3_prepare_v2(ws->db, "INSERT OR REPLACE INTO rejects VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &g->rej, NULL) ||
                sqlite3_prepare_v2(ws->db, "SELECT unit_code, topic, stance, channel, submitted_at FROM records WHERE id = ?1", -1,
                                   &g->same, NULL)))
        rc = sql_fail(g, "preparing inserts");
    double t_rows = now_s();
    if (!rc) {
        g->rd = rd;
        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->cv, NULL);
        pthread_t th;
        int threaded = pthread_create(&th, NULL, reader_main, g) == 0;
        if (!threaded) {
            rc = gv__ws_fail(ws, err, GV_EINTERNAL, "cannot start the reader thread");
        } else {
            for (int bi = 0;; bi ^= 1) {
                cbuf *B = &g->buf[bi];
                pthread_mutex_lock(&g->mu);
                while (!B->full) pthread_cond_wait(&g->cv, &g->mu);
                pthread_mutex_unlock(&g->mu);
                int last = B->last;
                rc = flush_chunk(g, B);
                pthread_mutex_lock(&g->mu);
                B->full = 0;
                if (rc) g->stop = 1;
                pthread_cond_broadcast(&g->cv);
                pthread_mutex_unlock(&g->mu);
                if (rc || last) break;
            }
            pthread_join(th, NULL);
        }
        pthread_cond_destroy(&g->cv);
        pthread_mutex_destroy(&g->mu);
        if (!rc && g->read_rc) {
            rc = g->read_rc;
            gv__ws_fail(ws, err, rc, "%s", g->read_err.msg);
        }
    }
    double t_dd = now_s();
    sum->s_rows = t_dd - t_rows;
    if (!rc) rc = dedupe(g, had_voters);
    sum->s_dedupe = now_s() - t_dd;
    /* (The dedupe keys were written with the flags, in key order, into
     * voter_keys: an index on records.dkey built afterwards cost a scan of
     * the whole table, 10 s of a 49 s ingest of 10 M rows.) */
    if (!rc) {
        char b[64];
        snprintf(b, sizeof b, "%lld", o->dedupe_window_s);
        rc = gv__ws_meta_set(ws, err, "dedupe_window_s", b);
    }
    if (!rc && *kcheck && !(have_k && *have_k) && sum->hashed) rc = gv__ws_meta_set(ws, err, "key_check", kcheck);
    if (!rc) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(ws->db, "INSERT INTO ingests VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &q, NULL)) {
            rc = sql_fail(g, "logging the ingest");
        } else {
            sqlite3_bind_int64(q, 1, g->ingest_n);
            sqlite3_bind_text(q, 2, o->path, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 3, (sqlite3_int64)sum->rows);
            sqlite3_bind_int64(q, 4, (sqlite3_int64)sum->accepted);
            sqlite3_bind_int64(q, 5, (sqlite3_int64)sum->rejected);
            sqlite3_bind_int64(q, 6, (sqlite3_int64)sum->already);
            sqlite3_bind_int64(q, 7, (sqlite3_int64)sum->collapsed);
            if (sqlite3_step(q) != SQLITE_DONE) rc = sql_fail(g, "logging the ingest");
            sqlite3_finalize(q);
        }
    }
    if (!rc && g->rejf) {
        int bad = fflush(g->rejf) != 0 || ferror(g->rejf);
        bad |= fclose(g->rejf) != 0;
        g->rejf = NULL;
        if (bad) rc = gv__ws_fail(ws, err, GV_EOUTPUT, "%s: write failed", o->rejects_csv);
    }
    sqlite3_finalize(g->ins);
    sqlite3_finalize(g->same);
    sqlite3_finalize(g->rej);
    double t_c = now_s();
    if (!rc) rc = gv__ws_exec(ws, err, "COMMIT");
    sum->s_commit = now_s() - t_c;
    if (rc && began) sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    if (!rc && o->rejects_csv && rename(g->rej_tmp, o->rejects_csv) != 0)
        rc = gv__ws_fail(ws, err, GV_EOUTPUT, "%s: the workspace was updated but the rejects file could not be written: %s",
                         o->rejects_csv, strerror(errno));
    if (g->rejf) fclose(g->rejf);
    if (rc && g->rej_tmp[0]) unlink(g->rej_tmp);
    if (!rc) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(ws->db, "SELECT count(*), coalesce(sum(counted), 0) FROM records", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            sum->total_records = (size_t)sqlite3_column_int64(q, 0), sum->total_counted = (size_t)sqlite3_column_int64(q, 1);
        sqlite3_finalize(q);
    }
    gv_rec_close(rd);
    gv_pip_free(g->pip);
    gv_layer_free(g->pip_layer);
    free(g->pip_unit);
    codemap_free(&g->units);
    for (int k = 0; k < 2; k++) arena_free(&g->buf[k].ar), free(g->buf[k].rows);
    arena_free(&g->id_arena);
    free(g->d);
    return rc;
}
