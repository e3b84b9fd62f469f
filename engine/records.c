/* records.c: streaming CSV / JSON Lines reader of opinion records and the
 * ISO 8601 times they carry (records.h). */
#include "geovoice/records.h"

#include <json-c/json.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const FIELD_NAMES[GV_RF_N] = {"id",    "submitted_at", "unit_code", "lon",   "lat", "topic",
                                                 "stance", "channel",      "org",       "voter", "text"};

const char *gv_rec_field_name(gv_rec_field f) { return (unsigned)f < GV_RF_N ? FIELD_NAMES[f] : "?"; }

#define MAXCOLS 64

struct gv_rec_reader {
    FILE *fp;
    char *path;
    int jsonl;
    char sep;
    char *buf; /* file bytes buf[pos..len) not yet parsed */
    size_t cap, len, pos;
    int eof;
    size_t offset;  /* bytes consumed before buf[0] */
    size_t line;    /* lines consumed */
    size_t row;
    int ncols;
    int colmap[MAXCOLS]; /* column -> gv_rec_field or -1 */
    char *rowbuf;        /* unquoted copy of the current row */
    size_t rowcap;
    json_tokener *tok;
};

static int refill(gv_rec_reader *r) {
    if (r->eof) return 0;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->offset += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        size_t nc = r->cap * 2;
        char *nb = realloc(r->buf, nc + 1);
        if (!nb) return -1;
        r->buf = nb, r->cap = nc;
    }
    size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
    if (n == 0) {
        if (ferror(r->fp)) return -1;
        r->eof = 1;
        return 0;
    }
    r->len += n;
    return 1;
}

/* End of the record starting at buf[pos] (index of its '\n', or len at end
 * of file); -1 when more bytes are needed. quote-aware for CSV. */
static long record_end(gv_rec_reader *r, size_t *nlines) {
    const char *b = r->buf;
    size_t i = r->pos;
    *nlines = 1;
    if (r->jsonl) {
        const char *nl = memchr(b + i, '\n', r->len - i);
        if (nl) return nl - b;
        return r->eof ? (long)r->len : -1;
    }
    const char *nl = memchr(b + i, '\n', r->len - i);
    size_t e = nl ? (size_t)(nl - b) : r->len;
    if (!memchr(b + i, '"', e - i)) {
        if (nl || r->eof) return (long)e;
        return -1;
    }
    int q = 0;
    for (; i < r->len; i++) {
        char c = b[i];
        if (c == '"') q = !q;
        else if (c == '\n') {
            if (!q) return (long)i;
            (*nlines)++;
        }
    }
    return r->eof ? (long)r->len : -1;
}

static int grow_row(gv_rec_reader *r, size_t n) {
    if (n + 1 <= r->rowcap) return 0;
    size_t nc = r->rowcap ? r->rowcap : 4096;
    while (nc < n + 1) nc *= 2;
    char *nb = realloc(r->rowbuf, nc);
    if (!nb) return -1;
    r->rowbuf = nb, r->rowcap = nc;
    return 0;
}

static int utf8_ok(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
        if (!k || c == 0xC0 || c == 0xC1 || c > 0xF4 || i + k >= n) return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

/* Splits one CSV record rec[0..n) into fields[] (pointers into rowbuf,
 * unquoted). Returns the field count, or -1 for a broken quote. */
static int split_csv(gv_rec_reader *r, const char *rec, size_t n, char **fs, size_t *fl, int maxf) {
    if (grow_row(r, n)) return -2;
    char *o = r->rowbuf;
    size_t i = 0;
    int nf = 0;
    for (;;) {
        char *start = o;
        while (i < n && (rec[i] == ' ' || rec[i] == '\t')) i++;
        if (i < n && rec[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) return -1;
                if (rec[i] == '"') {
                    if (i + 1 < n && rec[i + 1] == '"') {
                        *o++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                *o++ = rec[i++];
            }
            while (i < n && (rec[i] == ' ' || rec[i] == '\t' || rec[i] == '\r')) i++;
            if (i < n && rec[i] != r->sep) return -1;
        } else {
            while (i < n && rec[i] != r->sep) *o++ = rec[i++];
            while (o > start && (o[-1] == ' ' || o[-1] == '\t' || o[-1] == '\r')) o--;
        }
        if (nf < maxf) fs[nf] = start, fl[nf] = (size_t)(o - start);
        nf++;
        if (i >= n) break;
        i++; /* separator */
    }
    return nf;
}

static int read_header(gv_rec_reader *r, gv_error *err) {
    for (;;) {
        size_t nl;
        long e;
        while ((e = record_end(r, &nl)) < 0) {
            int rc = refill(r);
            if (rc < 0) return gv_error_set(err, GV_EDATA, "%s: read error", r->path);
            if (rc == 0 && r->eof) continue;
        }
        const char *s = r->buf + r->pos;
        size_t n = (size_t)e - r->pos;
        if (r->line == 0 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
        if (r->line == 0 && n >= 2 && ((s[0] == '\xFF' && s[1] == '\xFE') || (s[0] == '\xFE' && s[1] == '\xFF')))
            return gv_error_set(err, GV_EDATA, "%s: the file is UTF-16 (its first bytes say so): save it as UTF-8 (CSV UTF-8)",
                                r->path);
        r->line += nl;
        r->pos = (size_t)e < r->len ? (size_t)e + 1 : r->len;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k == n) {
            if ((size_t)e >= r->len && r->eof) return gv_error_set(err, GV_EDATA, "%s: no header", r->path);
            continue;
        }
        if (s[k] == '#') continue; /* comment line before the header */
        if (r->jsonl || s[k] == '{') {
            r->jsonl = 1;
            r->line -= nl; /* the first object is data: parse it again */
            r->pos = (size_t)(s + k - r->buf);
            return GV_OK;
        }
        size_t nc = 0, ns = 0;
        for (size_t i = 0; i < n; i++) nc += s[i] == ',', ns += s[i] == ';';
        r->sep = ns > nc ? ';' : ',';
        char *fs[MAXCOLS];
        size_t fl[MAXCOLS];
        int nf = split_csv(r, s, n, fs, fl, MAXCOLS);
        if (nf < 0) return gv_error_set(err, GV_EDATA, "%s: line %zu: header cannot be split (quotes)", r->path, r->line);
        if (nf > MAXCOLS) return gv_error_set(err, GV_EDATA, "%s: header has %d columns (at most %d)", r->path, nf, MAXCOLS);
        r->ncols = nf;
        for (int c = 0; c < nf; c++) {
            r->colmap[c] = -1;
            for (int f = 0; f < GV_RF_N; f++)
                if (fl[c] == strlen(FIELD_NAMES[f]) && !strncasecmp(fs[c], FIELD_NAMES[f], fl[c])) r->colmap[c] = f;
            if (r->colmap[c] < 0 && fl[c] == 4 && !strncasecmp(fs[c], "code", 4)) r->colmap[c] = GV_RF_UNIT_CODE;
        }
        int have[GV_RF_N] = {0};
        for (int c = 0; c < nf; c++)
            if (r->colmap[c] >= 0) {
                if (have[r->colmap[c]])
                    return gv_error_set(err, GV_EDATA, "%s: column '%s' appears twice", r->path, FIELD_NAMES[r->colmap[c]]);
                have[r->colmap[c]] = 1;
            }
        static const gv_rec_field req[] = {GV_RF_ID, GV_RF_SUBMITTED_AT, GV_RF_TOPIC, GV_RF_STANCE, GV_RF_CHANNEL};
        for (size_t q = 0; q < sizeof req / sizeof req[0]; q++)
            if (!have[req[q]])
                return gv_error_set(err, GV_EDATA, "%s: no column '%s' (columns: id, submitted_at, unit_code or lon+lat, topic, stance, channel, org, voter, text)",
                                    r->path, FIELD_NAMES[req[q]]);
        if (!have[GV_RF_UNIT_CODE] && !(have[GV_RF_LON] && have[GV_RF_LAT]))
            return gv_error_set(err, GV_EDATA, "%s: neither a 'unit_code' column nor 'lon' and 'lat'", r->path);
        return GV_OK;
    }
}

int gv_rec_open(const char *path, gv_rec_reader **out, gv_error *err) {
    *out = NULL;
    gv_rec_reader *r = calloc(1, sizeof *r);
    if (!r) return gv_error_set(err, GV_ENOMEM, "out of memory");
    r->path = strdup(path);
    r->cap = 1 << 20;
    r->buf = malloc(r->cap + 1);
    if (!r->path || !r->buf) {
        gv_rec_close(r);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    size_t pl = strlen(path);
    r->jsonl = (pl > 6 && !strcasecmp(path + pl - 6, ".jsonl")) || (pl > 7 && !strcasecmp(path + pl - 7, ".ndjson"));
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        int e = errno;
        gv_rec_close(r);
        return gv_error_set(err, GV_EDATA, "%s: cannot open: %s", path, strerror(e));
    }
    int rc = read_header(r, err);
    if (rc) {
        gv_rec_close(r);
        return rc;
    }
    if (r->jsonl && !(r->tok = json_tokener_new())) {
        gv_rec_close(r);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    *out = r;
    return GV_OK;
}

void gv_rec_close(gv_rec_reader *r) {
    if (!r) return;
    if (r->fp) fclose(r->fp);
    if (r->tok) json_tokener_free(r->tok);
    free(r->buf);
    free(r->rowbuf);
    free(r->path);
    free(r);
}

int gv_rec_is_jsonl(const gv_rec_reader *r) { return r->jsonl; }
size_t gv_rec_offset(const gv_rec_reader *r) { return r->offset + r->pos; }

static char *trim(char *s, size_t *n) {
    while (*n && (*s == ' ' || *s == '\t')) s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\r')) (*n)--;
    return s;
}

static void parse_json(gv_rec_reader *r, const char *s, size_t n, gv_record *rec) {
    json_tokener_reset(r->tok);
    json_object *o = json_tokener_parse_ex(r->tok, s, (int)n);
    if (!o || json_tokener_get_error(r->tok) != json_tokener_success || !json_object_is_type(o, json_type_object)) {
        rec->malformed = "not a JSON object";
        if (o) json_object_put(o);
        return;
    }
    if (r->tok->char_offset < (int)n) {
        size_t k = (size_t)r->tok->char_offset;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
        if (k < n) {
            rec->malformed = "text after the JSON object";
            json_object_put(o);
            return;
        }
    }
    size_t need = 0;
    json_object *v[GV_RF_N];
    for (int f = 0; f < GV_RF_N; f++) {
        v[f] = NULL;
        if (json_object_object_get_ex(o, FIELD_NAMES[f], &v[f]) && v[f] && !json_object_is_type(v[f], json_type_null)) {
            if (json_object_is_type(v[f], json_type_object) || json_object_is_type(v[f], json_type_array)) {
                rec->malformed = "a member is an object or array";
                json_object_put(o);
                return;
            }
            need += strlen(json_object_get_string(v[f])) + 1;
        } else {
            v[f] = NULL;
        }
    }
    if (!v[GV_RF_UNIT_CODE] && json_object_object_get_ex(o, "code", &v[GV_RF_UNIT_CODE]) && v[GV_RF_UNIT_CODE] &&
        !json_object_is_type(v[GV_RF_UNIT_CODE], json_type_null))
        need += strlen(json_object_get_string(v[GV_RF_UNIT_CODE])) + 1;
    else if (!v[GV_RF_UNIT_CODE])
        v[GV_RF_UNIT_CODE] = NULL;
    if (grow_row(r, need)) {
        rec->malformed = "out of memory";
        json_object_put(o);
        return;
    }
    char *p = r->rowbuf;
    for (int f = 0; f < GV_RF_N; f++) {
        if (!v[f]) continue;
        const char *t = json_object_get_string(v[f]);
        size_t l = strlen(t);
        memcpy(p, t, l + 1);
        rec->f[f] = trim(p, &l);
        rec->len[f] = l;
        p += strlen(t) + 1;
    }
    json_object_put(o);
}

int gv_rec_next(gv_rec_reader *r, gv_record *rec, gv_error *err) {
    memset(rec, 0, sizeof *rec);
    for (;;) {
        size_t nl;
        long e;
        if (r->pos >= r->len && r->eof) return 0;
        while ((e = record_end(r, &nl)) < 0) {
            int rc = refill(r);
            if (rc < 0) return gv_error_set(err, GV_EDATA, "%s: read error after line %zu", r->path, r->line);
        }
        char *s = r->buf + r->pos;
        size_t n = (size_t)e - r->pos;
        size_t line = r->line + 1;
        r->line += nl;
        r->pos = (size_t)e < r->len ? (size_t)e + 1 : r->len;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
        if (k == n) continue; /* blank line */
        rec->row = ++r->row;
        rec->line = line;
        if (!utf8_ok((const unsigned char *)s, n)) {
            rec->malformed = "invalid UTF-8";
            return 1;
        }
        if (r->jsonl) {
            parse_json(r, s, n, rec);
            return 1;
        }
        char *fs[MAXCOLS];
        size_t fl[MAXCOLS];
        int nf = split_csv(r, s, n, fs, fl, MAXCOLS);
        if (nf == -2) return gv_error_set(err, GV_ENOMEM, "out of memory");
        if (nf < 0) {
            rec->malformed = "a quote is not closed, or text follows a closing quote";
            return 1;
        }
        /* As many fields as the header: an extra one, even empty, is most
         * often an unquoted comma in an earlier field ("Hội Nông dân, xã
         * A"), which would shift every field after it. */
        int used = nf;
        if (used != r->ncols) {
            rec->malformed = used < r->ncols ? "fewer fields than the header" : "more fields than the header";
            /* The id, when its column is there, so the reject names it. */
            for (int c = 0; c < r->ncols && c < nf; c++)
                if (r->colmap[c] == GV_RF_ID) rec->f[GV_RF_ID] = fs[c], rec->len[GV_RF_ID] = fl[c];
            return 1;
        }
        for (int c = 0; c < r->ncols; c++)
            if (r->colmap[c] >= 0) rec->f[r->colmap[c]] = fs[c], rec->len[r->colmap[c]] = fl[c];
        return 1;
    }
}

/* ---- ISO 8601 ---- */

static int digits(const char *s, size_t n, size_t at, size_t k, int *v) {
    if (at + k > n) return 0;
    int x = 0;
    for (size_t i = 0; i < k; i++) {
        if (!isdigit((unsigned char)s[at + i])) return 0;
        x = x * 10 + (s[at + i] - '0');
    }
    *v = x;
    return 1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static long long days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int mdays(int y, int m) {
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

int gv_iso8601_parse(const char *s, size_t n, long long *epoch) {
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d))
        return GV_EDATA;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || y < 1900 || y > 2200) return GV_EDATA;
    size_t i = 10;
    int off = 7 * 60; /* minutes east of UTC: Vietnam by default */
    if (i < n && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        if (!digits(s, n, i, 2, &h) || i + 2 >= n + 1 || (i + 2 < n && s[i + 2] != ':') || !digits(s, n, i + 3, 2, &mi))
            return GV_EDATA;
        i += 5;
        if (i < n && s[i] == ':') {
            if (!digits(s, n, i + 1, 2, &se)) return GV_EDATA;
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t f0 = i;
                while (i < n && isdigit((unsigned char)s[i])) i++;
                if (i == f0) return GV_EDATA;
            }
        }
        if (h > 23 || mi > 59 || se > 60) return GV_EDATA;
        if (se == 60) se = 59; /* a leap second: the same minute */
        if (i < n) {
            if (s[i] == 'Z' && i + 1 == n) {
                off = 0;
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int sg = s[i] == '-' ? -1 : 1, oh, om = 0;
                if (!digits(s, n, i + 1, 2, &oh)) return GV_EDATA;
                size_t j = i + 3;
                if (j < n && s[j] == ':') j++;
                if (j < n) {
                    if (!digits(s, n, j, 2, &om)) return GV_EDATA;
                    j += 2;
                }
                if (j != n || oh > 14 || om > 59) return GV_EDATA;
                off = sg * (oh * 60 + om);
                i = j;
            }
        }
    }
    if (i != n) return GV_EDATA;
    *epoch = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + se - off * 60LL;
    return GV_OK;
}

void gv_iso8601_vn(long long epoch, char out[26], char month[8]) {
    long long t = epoch + 7 * 3600;
    long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    long long sec = t - days * 86400;
    /* civil_from_days */
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    /* By hand: snprintf was a tenth of the ingest time. */
    if (y < 0 || y > 9999) y = 0;
    int h = (int)(sec / 3600), mi = (int)(sec / 60 % 60), se = (int)(sec % 60);
    char *o = out;
    *o++ = (char)('0' + y / 1000), *o++ = (char)('0' + y / 100 % 10), *o++ = (char)('0' + y / 10 % 10), *o++ = (char)('0' + y % 10);
    *o++ = '-', *o++ = (char)('0' + m / 10), *o++ = (char)('0' + m % 10);
    *o++ = '-', *o++ = (char)('0' + d / 10), *o++ = (char)('0' + d % 10);
    *o++ = 'T', *o++ = (char)('0' + h / 10), *o++ = (char)('0' + h % 10);
    *o++ = ':', *o++ = (char)('0' + mi / 10), *o++ = (char)('0' + mi % 10);
    *o++ = ':', *o++ = (char)('0' + se / 10), *o++ = (char)('0' + se % 10);
    memcpy(o, "+07:00", 7);
    if (month) memcpy(month, out, 7), month[7] = 0;
}
