/* pdf_book.c: one PDF document from several PDF files (see pdf_book.h).
 *
 * Why our own: an atlas is drawn page by page (each page a gv_map_render
 * PDF, cached between runs so that an unchanged page is never drawn
 * again), and the book is then these pages plus a contents page, an
 * outline and links. Cairo cannot append to a finished document, and the
 * map pages are themselves Cairo files with an incremental update
 * (pdf_geometry.c). What Cairo writes is simple: classic xref tables, no
 * object streams, no encryption; that is all this reader accepts.
 *
 * How: for each source, the xref chain (newest section first, /Prev to
 * older ones) gives each object's offset; the page tree gives the pages in
 * order; every object reachable from a page (not through /Parent) is
 * copied once, renumbered: the dictionary part is re-tokenised with each
 * "N G R" replaced, streams are copied byte for byte. Then come the page
 * tree, the outline, the catalog and the information dictionary, all
 * written by us. Objects 1..4 are reserved for Pages, Catalog, Info and the
 * outline root so that page objects can name their parent before it is
 * written. */
#include "pdf_book.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OBJ_PAGES = 1, OBJ_CATALOG = 2, OBJ_INFO = 3, OBJ_OUTLINES = 4, OBJ_FIRST_FREE = 5 };

/* ------------------------------------------------------------------ */
/* Tokens of the PDF syntax (ISO 32000-1, 7.2).                         */

enum { TK_EOF, TK_INT, TK_REAL, TK_NAME, TK_STR, TK_DOPEN, TK_DCLOSE, TK_AOPEN, TK_ACLOSE, TK_KW };

typedef struct tok {
    int type;
    const char *a, *b; /* bytes [a, b) */
} tok;

static int is_ws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }
static int is_delim(int c) { return c && strchr("()<>[]{}/%", c) != NULL; }

static int tok_is(const tok *t, const char *s) {
    size_t k = strlen(s);
    return (size_t)(t->b - t->a) == k && !memcmp(t->a, s, k);
}

static long tok_long(const tok *t) {
    char buf[32];
    size_t k = (size_t)(t->b - t->a);
    if (k >= sizeof buf) k = sizeof buf - 1;
    memcpy(buf, t->a, k);
    buf[k] = 0;
    return strtol(buf, NULL, 10);
}

/* Next token at or after p (before e); t->type TK_EOF at the end. */
static const char *lex(const char *p, const char *e, tok *t) {
    for (;;) {
        while (p < e && is_ws((unsigned char)*p)) p++;
        if (p < e && *p == '%') {
            while (p < e && *p != '\n' && *p != '\r') p++;
            continue;
        }
        break;
    }
    t->a = p;
    if (p >= e) { t->type = TK_EOF; t->b = p; return p; }
    char c = *p;
    if (c == '(') {
        int depth = 0;
        for (; p < e; p++) {
            if (*p == '\\') { p++; continue; }
            if (*p == '(') depth++;
            else if (*p == ')' && --depth == 0) { p++; break; }
        }
        t->type = TK_STR;
    } else if (c == '<' && p + 1 < e && p[1] == '<') {
        p += 2;
        t->type = TK_DOPEN;
    } else if (c == '<') {
        while (p < e && *p != '>') p++;
        if (p < e) p++;
        t->type = TK_STR;
    } else if (c == '>' && p + 1 < e && p[1] == '>') {
        p += 2;
        t->type = TK_DCLOSE;
    } else if (c == '[') {
        p++;
        t->type = TK_AOPEN;
    } else if (c == ']') {
        p++;
        t->type = TK_ACLOSE;
    } else if (c == '/') {
        p++;
        while (p < e && !is_ws((unsigned char)*p) && !is_delim((unsigned char)*p)) p++;
        t->type = TK_NAME;
    } else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        int real = 0;
        p++;
        while (p < e && ((*p >= '0' && *p <= '9') || *p == '.')) {
            if (*p == '.') real = 1;
            p++;
        }
        t->type = real || c == '.' ? TK_REAL : TK_INT;
    } else {
        p++;
        while (p < e && !is_ws((unsigned char)*p) && !is_delim((unsigned char)*p)) p++;
        t->type = TK_KW;
    }
    t->b = p;
    return p;
}

/* ------------------------------------------------------------------ */
/* One source file.                                                     */

typedef struct src_t {
    const char *path;
    char *d;
    size_t n;
    long *off;          /* byte offset of "N G obj" per object number, -1 when absent */
    size_t nobj;
    long root;
    long *map;          /* new object number per source object, 0 = not copied (yet) */
    long *queue;        /* objects to copy, in discovery order */
    size_t nqueue, capqueue;
    long *pages;        /* page objects in page order */
    size_t npages, cappages;
    unsigned char *is_page;
} src_t;

static void src_free(src_t *s) {
    free(s->d);
    free(s->off);
    free(s->map);
    free(s->queue);
    free(s->pages);
    free(s->is_page);
    memset(s, 0, sizeof *s);
}

static int bad(gv_error *err, const src_t *s, const char *what) {
    return gv_error_set(err, GV_EDATA, "%s: not a PDF this book writer can read (%s)", s->path, what);
}

static int push(long **a, size_t *n, size_t *cap, long v) {
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        long *p = realloc(*a, nc * sizeof *p);
        if (!p) return -1;
        *a = p;
        *cap = nc;
    }
    (*a)[(*n)++] = v;
    return 0;
}

/* Reads the xref section at offset x and its trailer; returns the /Prev
 * offset (0 when none), -1 on a parse error. */
static long read_xref(src_t *s, long x, gv_error *err, int *rc) {
    const char *e = s->d + s->n, *p = s->d + x;
    tok t;
    if (x <= 0 || (size_t)x >= s->n) { *rc = bad(err, s, "startxref out of range"); return -1; }
    p = lex(p, e, &t);
    if (!tok_is(&t, "xref")) { *rc = bad(err, s, "no classic xref table (object streams?)"); return -1; }
    const char *tpos = NULL;
    for (;;) {
        tok t1, t2;
        const char *q = lex(p, e, &t1);
        if (t1.type != TK_INT) {
            if (tok_is(&t1, "trailer")) tpos = q;
            break;
        }
        q = lex(q, e, &t2);
        if (t2.type != TK_INT) { *rc = bad(err, s, "xref subsection header"); return -1; }
        long first = tok_long(&t1), count = tok_long(&t2);
        if (first < 0 || count < 0 || first + count > 10000000) { *rc = bad(err, s, "xref subsection size"); return -1; }
        if ((size_t)(first + count) > s->nobj) {
            long *no = realloc(s->off, (size_t)(first + count) * sizeof *no);
            if (!no) { *rc = gv_error_set(err, GV_ENOMEM, "out of memory"); return -1; }
            for (size_t i = s->nobj; i < (size_t)(first + count); i++) no[i] = -2; /* -2: not given yet */
            s->off = no;
            s->nobj = (size_t)(first + count);
        }
        p = q;
        for (long i = 0; i < count; i++) {
            tok to, tg, tt;
            p = lex(p, e, &to);
            p = lex(p, e, &tg);
            p = lex(p, e, &tt);
            if (to.type != TK_INT || tg.type != TK_INT || tt.type != TK_KW) { *rc = bad(err, s, "xref entry"); return -1; }
            long num = first + i;
            if (s->off[num] != -2) continue; /* a newer section already gave it */
            s->off[num] = tok_is(&tt, "n") ? tok_long(&to) : -1;
        }
    }
    if (!tpos) { *rc = bad(err, s, "no trailer after the xref table"); return -1; }
    long prev = 0;
    int depth = 0;
    p = tpos;
    for (;;) {
        p = lex(p, e, &t);
        if (t.type == TK_EOF) { *rc = bad(err, s, "unterminated trailer"); return -1; }
        if (t.type == TK_DOPEN || t.type == TK_AOPEN) depth++;
        else if (t.type == TK_DCLOSE || t.type == TK_ACLOSE) {
            if (--depth <= 0) break;
        } else if (t.type == TK_NAME && depth == 1) {
            tok v;
            if (tok_is(&t, "/Prev")) {
                p = lex(p, e, &v);
                prev = tok_long(&v);
            } else if (tok_is(&t, "/Root") && !s->root) {
                p = lex(p, e, &v);
                s->root = tok_long(&v);
            } else if (tok_is(&t, "/XRefStm") || tok_is(&t, "/Encrypt")) {
                *rc = bad(err, s, "encrypted, or cross-reference streams");
                return -1;
            }
        }
    }
    return prev;
}

static int src_open(src_t *s, const char *path, gv_error *err) {
    memset(s, 0, sizeof *s);
    s->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) return gv_error_set(err, GV_EDATA, "%s: cannot open (%s)", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return gv_error_set(err, GV_EDATA, "%s: cannot read", path); }
    long len = ftell(f);
    rewind(f);
    s->d = malloc(len > 0 ? (size_t)len + 1 : 1);
    if (!s->d) { fclose(f); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    if (len <= 0 || fread(s->d, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        return gv_error_set(err, GV_EDATA, "%s: cannot read", path);
    }
    fclose(f);
    s->n = (size_t)len;
    s->d[s->n] = 0;
    if (s->n < 8 || memcmp(s->d, "%PDF-", 5)) return bad(err, s, "no %PDF header");
    /* startxref: the last one in the file. */
    const char *sx = NULL;
    for (size_t i = s->n >= 9 ? s->n - 9 : 0;; i--) {
        if (!memcmp(s->d + i, "startxref", 9)) { sx = s->d + i + 9; break; }
        if (i == 0 || s->n - i > 4096) break;
    }
    if (!sx) return bad(err, s, "no startxref");
    long x = strtol(sx, NULL, 10);
    int rc = GV_OK;
    for (int guard = 0; x > 0 && guard < 64; guard++) {
        x = read_xref(s, x, err, &rc);
        if (x < 0) return rc;
    }
    if (!s->root || s->root >= (long)s->nobj) return bad(err, s, "no /Root");
    if (!(s->map = calloc(s->nobj, sizeof *s->map)) || !(s->is_page = calloc(s->nobj, 1)))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return GV_OK;
}

/* The object `num`: its head (dictionary/value) bytes and, for a stream,
 * its data. */
typedef struct obj_t {
    const char *head, *head_end;
    const char *data;   /* NULL when not a stream */
    size_t ndata;
} obj_t;

static int value_long(src_t *s, long num, long *out, gv_error *err);
static const char *dict_find(const char *p, const char *e, const char *key);
static long ref_at(const char *p, const char *e);

static int obj_get(src_t *s, long num, obj_t *o, gv_error *err) {
    memset(o, 0, sizeof *o);
    if (num <= 0 || (size_t)num >= s->nobj || s->off[num] < 0 || (size_t)s->off[num] >= s->n)
        return bad(err, s, "reference to a missing object");
    const char *e = s->d + s->n, *p = s->d + s->off[num];
    tok t1, t2, t3;
    p = lex(p, e, &t1);
    p = lex(p, e, &t2);
    p = lex(p, e, &t3);
    if (t1.type != TK_INT || tok_long(&t1) != num || t2.type != TK_INT || !tok_is(&t3, "obj"))
        return bad(err, s, "xref offset does not point at its object");
    o->head = p;
    tok t;
    for (;;) {
        const char *q = lex(p, e, &t);
        if (t.type == TK_EOF) return bad(err, s, "unterminated object");
        p = q;
        if (t.type == TK_KW && (tok_is(&t, "stream") || tok_is(&t, "endobj"))) break;
    }
    o->head_end = t.a;
    if (tok_is(&t, "stream")) {
        if (p < e && *p == '\r') p++;
        if (p < e && *p == '\n') p++;
        const char *len_at = dict_find(o->head, o->head_end, "/Length");
        if (!len_at) return bad(err, s, "stream without /Length");
        long len = 0, lref = ref_at(len_at, o->head_end);
        tok a;
        lex(len_at, o->head_end, &a);
        if (lref) {
            int rc = value_long(s, lref, &len, err);
            if (rc) return rc;
        } else if (a.type == TK_INT) len = tok_long(&a);
        else return bad(err, s, "stream /Length");
        if (len < 0 || (size_t)(e - p) < (size_t)len) return bad(err, s, "stream longer than the file");
        o->data = p;
        o->ndata = (size_t)len;
        tok es;
        lex(p + len, e, &es);
        if (!tok_is(&es, "endstream")) return bad(err, s, "stream /Length does not end at endstream");
    }
    return GV_OK;
}

static int value_long(src_t *s, long num, long *out, gv_error *err) {
    obj_t o;
    int rc = obj_get(s, num, &o, err);
    if (rc) return rc;
    tok t;
    lex(o.head, o.head_end, &t);
    if (t.type != TK_INT) return bad(err, s, "indirect /Length is not a number");
    *out = tok_long(&t);
    return GV_OK;
}

/* Where the value of key (a name at depth 1 of the object's dictionary)
 * starts; NULL when the key is absent. */
static const char *dict_find(const char *p, const char *e, const char *key) {
    tok t;
    int depth = 0;
    for (;;) {
        p = lex(p, e, &t);
        if (t.type == TK_EOF) return NULL;
        if (t.type == TK_DOPEN || t.type == TK_AOPEN) depth++;
        else if (t.type == TK_DCLOSE || t.type == TK_ACLOSE) depth--;
        else if (t.type == TK_NAME && depth == 1 && tok_is(&t, key)) return p;
    }
}

/* Object number of a reference "N G R" starting at p; 0 when not one. */
static long ref_at(const char *p, const char *e) {
    tok a, b, r;
    if (!p) return 0;
    p = lex(p, e, &a);
    p = lex(p, e, &b);
    lex(p, e, &r);
    return a.type == TK_INT && b.type == TK_INT && tok_is(&r, "R") ? tok_long(&a) : 0;
}

static long dict_ref(const obj_t *o, const char *key) { return ref_at(dict_find(o->head, o->head_end, key), o->head_end); }

/* 1 when the dictionary has key with the name `val` as value (val NULL:
 * any value). */
static int dict_has(const obj_t *o, const char *key, const char *val) {
    const char *p = dict_find(o->head, o->head_end, key);
    if (!p || !val) return p != NULL;
    tok v;
    lex(p, o->head_end, &v);
    return tok_is(&v, val);
}

/* Collects the leaf pages under page tree node `num`, in order. */
static int walk_pages(src_t *s, long num, int depth, gv_error *err) {
    if (depth > 32) return bad(err, s, "page tree too deep");
    obj_t o;
    int rc = obj_get(s, num, &o, err);
    if (rc) return rc;
    if (dict_has(&o, "/Type", "/Page")) {
        if (!dict_has(&o, "/MediaBox", NULL) || !dict_has(&o, "/Resources", NULL))
            return bad(err, s, "a page inherits /MediaBox or /Resources");
        if (s->is_page[num]) return bad(err, s, "a page listed twice");
        s->is_page[num] = 1;
        return push(&s->pages, &s->npages, &s->cappages, num) ? gv_error_set(err, GV_ENOMEM, "out of memory") : GV_OK;
    }
    if (!dict_has(&o, "/Type", "/Pages")) return bad(err, s, "page tree node of unknown /Type");
    /* /Kids [ a 0 R b 0 R ... ] */
    const char *e = o.head_end, *p = dict_find(o.head, e, "/Kids");
    tok t;
    if (!p) return bad(err, s, "page tree node without /Kids");
    p = lex(p, e, &t);
    if (t.type != TK_AOPEN) return bad(err, s, "/Kids is not an array");
    for (;;) {
        tok a, b, r;
        p = lex(p, e, &a);
        if (a.type == TK_ACLOSE) break;
        p = lex(p, e, &b);
        p = lex(p, e, &r);
        if (a.type != TK_INT || b.type != TK_INT || !tok_is(&r, "R")) return bad(err, s, "/Kids entry");
        if ((rc = walk_pages(s, tok_long(&a), depth + 1, err))) return rc;
    }
    return GV_OK;
}

/* ------------------------------------------------------------------ */
/* Output.                                                              */

typedef struct out_t {
    FILE *f;
    long pos;
    long *off;        /* offset per new object number */
    size_t cap;
    long next;        /* next free object number */
    int failed;
    char *buf;        /* scratch for rewritten heads */
    size_t nbuf, capbuf;
} out_t;

static void out_write(out_t *o, const void *p, size_t n) {
    if (o->failed || !n) return;
    if (fwrite(p, 1, n, o->f) != n) o->failed = 1;
    o->pos += (long)n;
}

static void out_printf(out_t *o, const char *fmt, ...) GV_PRINTF(2, 3);
static void out_printf(out_t *o, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) { o->failed = 1; return; }
    if ((size_t)k < sizeof tmp) { out_write(o, tmp, (size_t)k); return; }
    char *big = malloc((size_t)k + 1);
    if (!big) { o->failed = 1; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    out_write(o, big, (size_t)k);
    free(big);
}

static int out_begin_obj(out_t *o, long num) {
    if ((size_t)num >= o->cap) {
        size_t nc = o->cap ? o->cap : 256;
        while (nc <= (size_t)num) nc *= 2;
        long *p = realloc(o->off, nc * sizeof *p);
        if (!p) return -1;
        for (size_t i = o->cap; i < nc; i++) p[i] = 0;
        o->off = p;
        o->cap = nc;
    }
    o->off[num] = o->pos;
    out_printf(o, "%ld 0 obj\n", num);
    return 0;
}

static int buf_put(out_t *o, const char *p, size_t n) {
    if (o->nbuf + n + 1 > o->capbuf) {
        size_t nc = o->capbuf ? o->capbuf : 4096;
        while (nc < o->nbuf + n + 1) nc *= 2;
        char *b = realloc(o->buf, nc);
        if (!b) return -1;
        o->buf = b;
        o->capbuf = nc;
    }
    memcpy(o->buf + o->nbuf, p, n);
    o->nbuf += n;
    return 0;
}

/* Assigns a new number to source object num (once) and queues it. */
static int discover(src_t *s, out_t *o, long num) {
    if (num <= 0 || (size_t)num >= s->nobj) return 1;
    if (s->map[num]) return 0;
    s->map[num] = o->next++;
    return push(&s->queue, &s->nqueue, &s->capqueue, num) ? -1 : 0;
}

/* Rewrites the head of object num of s into o->buf with references
 * renumbered (discovering new objects); for a page, drops /Parent and adds
 * "/Parent 1 0 R" and `extra` (e.g. "/Annots [...]") before the final ">>". */
static int rewrite_head(src_t *s, out_t *o, long num, const obj_t *ob, const char *extra, gv_error *err) {
    o->nbuf = 0;
    const char *p = ob->head, *e = ob->head_end;
    tok t, pend[2];
    int npend = 0, depth = 0, drop = 0, page = s->is_page[num];
    for (;;) {
        p = lex(p, e, &t);
        if (t.type == TK_INT) {
            if (npend == 2) {
                if (!drop && (buf_put(o, pend[0].a, (size_t)(pend[0].b - pend[0].a)) || buf_put(o, " ", 1)))
                    return gv_error_set(err, GV_ENOMEM, "out of memory");
                pend[0] = pend[1];
                npend = 1;
            }
            pend[npend++] = t;
            continue;
        }
        if (t.type == TK_KW && tok_is(&t, "R") && npend == 2) {
            long ref = tok_long(&pend[0]);
            npend = 0;
            if (drop) { drop = 0; continue; }
            int d = discover(s, o, ref);
            if (d < 0) return gv_error_set(err, GV_ENOMEM, "out of memory");
            if (d > 0) return bad(err, s, "reference to an object number beyond the xref");
            char r[32];
            int k = snprintf(r, sizeof r, "%ld 0 R ", s->map[ref]);
            if (buf_put(o, r, (size_t)k)) return gv_error_set(err, GV_ENOMEM, "out of memory");
            continue;
        }
        for (int i = 0; i < npend; i++)
            if (buf_put(o, pend[i].a, (size_t)(pend[i].b - pend[i].a)) || buf_put(o, " ", 1))
                return gv_error_set(err, GV_ENOMEM, "out of memory");
        npend = 0;
        if (drop && t.type != TK_EOF) return bad(err, s, "/Parent of a page is not a reference");
        if (t.type == TK_EOF) break;
        if (t.type == TK_DOPEN || t.type == TK_AOPEN) depth++;
        if (t.type == TK_DCLOSE || t.type == TK_ACLOSE) depth--;
        if (page && t.type == TK_NAME && depth == 1 && tok_is(&t, "/Parent")) { drop = 1; continue; }
        if (page && t.type == TK_DCLOSE && depth == 0) {
            char par[64];
            int k = snprintf(par, sizeof par, "/Parent %d 0 R ", OBJ_PAGES);
            if (buf_put(o, par, (size_t)k) || (extra && buf_put(o, extra, strlen(extra))))
                return gv_error_set(err, GV_ENOMEM, "out of memory");
        }
        if (buf_put(o, t.a, (size_t)(t.b - t.a)) || buf_put(o, t.type == TK_DCLOSE ? "\n" : " ", 1))
            return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    return GV_OK;
}

/* Copies every object reachable from the pages of s. page_num[k] gets the
 * new object number of page k; links (pages of s → book pages) become
 * /Annots using book_page_obj. */
static int copy_source(src_t *s, out_t *o, const gv_pdf_source *sd, const long *book_page_obj, size_t nbook,
                       gv_error *err) {
    int rc;
    for (size_t k = 0; k < s->npages; k++)
        if (discover(s, o, s->pages[k]) < 0) return gv_error_set(err, GV_ENOMEM, "out of memory");
    char *extra = NULL;
    for (size_t qi = 0; qi < s->nqueue; qi++) {
        long num = s->queue[qi];
        obj_t ob;
        if ((rc = obj_get(s, num, &ob, err))) return rc;
        free(extra);
        extra = NULL;
        if (s->is_page[num] && sd->nlinks) {
            size_t pk = 0;
            while (pk < s->npages && s->pages[pk] != num) pk++;
            size_t need = 16, have = 0;
            for (size_t l = 0; l < sd->nlinks; l++)
                if (sd->links[l].page == pk) need += 200;
            if (need > 16) {
                if (dict_has(&ob, "/Annots", NULL)) { free(extra); return bad(err, s, "page with links already has /Annots"); }
                if (!(extra = malloc(need))) return gv_error_set(err, GV_ENOMEM, "out of memory");
                have = (size_t)snprintf(extra, need, "/Annots [ ");
                for (size_t l = 0; l < sd->nlinks; l++) {
                    const gv_pdf_link *L = &sd->links[l];
                    if (L->page != pk) continue;
                    if (L->target >= nbook || !book_page_obj[L->target]) {
                        free(extra);
                        return gv_error_set(err, GV_EINTERNAL, "%s: link to book page %zu, which is not written yet",
                                            s->path, L->target + 1);
                    }
                    have += (size_t)snprintf(extra + have, need - have,
                                             "<< /Type /Annot /Subtype /Link /Rect [ %.2f %.2f %.2f %.2f ] "
                                             "/Border [ 0 0 0 ] /Dest [ %ld 0 R /Fit ] >> ",
                                             L->rect[0], L->rect[1], L->rect[2], L->rect[3], book_page_obj[L->target]);
                }
                snprintf(extra + have, need - have, "] ");
            }
        }
        if ((rc = rewrite_head(s, o, num, &ob, extra, err))) { free(extra); return rc; }
        if (out_begin_obj(o, s->map[num])) { free(extra); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
        out_write(o, o->buf, o->nbuf);
        if (ob.data) {
            out_write(o, "\nstream\n", 8);
            out_write(o, ob.data, ob.ndata);
            out_write(o, "\nendstream", 10);
        }
        out_write(o, "\nendobj\n", 8);
    }
    free(extra);
    return GV_OK;
}

void gv__pdf_text_string(const char *s, char *out, size_t outsz) {
    if (!outsz) return;
    out[0] = 0;
    if (!s) s = "";
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 32 || *p > 126) ascii = 0;
    size_t n = 0;
    if (ascii) {
        if (outsz < 3) return;
        out[n++] = '(';
        for (const char *p = s; *p && n + 3 < outsz; p++) {
            if (*p == '(' || *p == ')' || *p == '\\') out[n++] = '\\';
            out[n++] = *p;
        }
        out[n++] = ')';
        out[n] = 0;
        return;
    }
    if (outsz < 8) return;
    memcpy(out, "<FEFF", 5);
    n = 5;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int k;
        if (*p < 0x80) { cp = *p; k = 1; }
        else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) { cp = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f); k = 2; }
        else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = (uint32_t)(*p & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
            k = 3;
        } else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
            cp = (uint32_t)(*p & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
                 (p[3] & 0x3f);
            k = 4;
        } else { cp = 0xfffd; k = 1; }
        char u[16];
        int w;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w = snprintf(u, sizeof u, "%04X%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else w = snprintf(u, sizeof u, "%04X", cp);
        if (n + (size_t)w + 2 > outsz) break;
        memcpy(out + n, u, (size_t)w);
        n += (size_t)w;
        p += k;
    }
    out[n++] = '>';
    out[n] = 0;
}

static void meta_entry(out_t *o, const char *key, const char *val) {
    if (!val) return;
    size_t cap = strlen(val) * 4 + 16;
    char *s = malloc(cap);
    if (!s) { o->failed = 1; return; }
    gv__pdf_text_string(val, s, cap);
    out_printf(o, "   /%s %s\n", key, s);
    free(s);
}

int gv__pdf_book_write(const char *path, const gv_pdf_source *src, size_t n, const gv_pdf_meta *meta,
                       size_t *npages_out, gv_error *err) {
    if (!path || (n && !src)) return gv_error_set(err, GV_EUSAGE, "gv__pdf_book_write: NULL argument");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    out_t o;
    memset(&o, 0, sizeof o);
    o.next = OBJ_FIRST_FREE;
    src_t *ss = calloc(n ? n : 1, sizeof *ss);
    size_t *first_page = calloc(n ? n : 1, sizeof *first_page);
    long *book_obj = NULL;
    int rc = GV_OK;
    if (!ss || !first_page) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    /* Page trees first: the book's page numbering is known before any
     * object is copied, so links can point to any page. */
    size_t npages = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = src_open(&ss[i], src[i].path, err))) goto done;
        obj_t cat;
        if ((rc = obj_get(&ss[i], ss[i].root, &cat, err))) goto done;
        long pages = dict_ref(&cat, "/Pages");
        if (!pages) { rc = bad(err, &ss[i], "catalog without /Pages"); goto done; }
        if ((rc = walk_pages(&ss[i], pages, 0, err))) goto done;
        first_page[i] = npages;
        npages += ss[i].npages;
        /* Keep only what is needed for copying: the file stays in memory
         * until its turn; sources are small (a page each). */
    }
    if (!(book_obj = calloc(npages ? npages : 1, sizeof *book_obj))) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    o.f = fopen(tmp, "wb");
    if (!o.f) { rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno)); goto done; }
    /* Header; the second line marks the file as binary. */
    out_write(&o, "%PDF-1.5\n%\xb5\xed\xae\xfb\n", 15);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if ((src[i].nlinks != 0) != pass) continue;
            if ((rc = copy_source(&ss[i], &o, &src[i], book_obj, npages, err))) goto done;
            for (size_t k = 0; k < ss[i].npages; k++) book_obj[first_page[i] + k] = ss[i].map[ss[i].pages[k]];
            /* The source's bytes are no longer needed. */
            free(ss[i].d);
            ss[i].d = NULL;
        }
    /* Page tree. */
    out_begin_obj(&o, OBJ_PAGES);
    out_printf(&o, "<< /Type /Pages\n   /Count %zu\n   /Kids [", npages);
    for (size_t k = 0; k < npages; k++) out_printf(&o, "%s%ld 0 R", k % 10 ? " " : "\n      ", book_obj[k]);
    out_printf(&o, " ]\n>>\nendobj\n");
    /* Outline: one item per bookmark, flat, in page order. */
    size_t nitems = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ss[i].npages && k < src[i].nbookmarks; k++)
            if (src[i].bookmarks[k]) nitems++;
    long item0 = o.next;
    o.next += (long)nitems;
    out_begin_obj(&o, OBJ_OUTLINES);
    if (nitems)
        out_printf(&o, "<< /Type /Outlines /First %ld 0 R /Last %ld 0 R /Count %zu >>\nendobj\n", item0,
                   item0 + (long)nitems - 1, nitems);
    else
        out_printf(&o, "<< /Type /Outlines /Count 0 >>\nendobj\n");
    size_t it = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ss[i].npages && k < src[i].nbookmarks; k++) {
            const char *title = src[i].bookmarks[k];
            if (!title) continue;
            long num = item0 + (long)it;
            out_begin_obj(&o, num);
            size_t cap = strlen(title) * 4 + 16;
            char *ts = malloc(cap);
            if (!ts) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
            gv__pdf_text_string(title, ts, cap);
            out_printf(&o, "<< /Title %s\n   /Parent %d 0 R\n", ts, OBJ_OUTLINES);
            free(ts);
            if (it > 0) out_printf(&o, "   /Prev %ld 0 R\n", num - 1);
            if (it + 1 < nitems) out_printf(&o, "   /Next %ld 0 R\n", num + 1);
            out_printf(&o, "   /Dest [ %ld 0 R /Fit ]\n>>\nendobj\n", book_obj[first_page[i] + k]);
            it++;
        }
    out_begin_obj(&o, OBJ_CATALOG);
    out_printf(&o, "<< /Type /Catalog\n   /Pages %d 0 R\n   /Outlines %d 0 R\n   /PageMode /%s\n>>\nendobj\n",
               OBJ_PAGES, OBJ_OUTLINES, nitems ? "UseOutlines" : "UseNone");
    out_begin_obj(&o, OBJ_INFO);
    out_printf(&o, "<<\n");
    if (meta) {
        meta_entry(&o, "Title", meta->title);
        meta_entry(&o, "Author", meta->author);
        meta_entry(&o, "Subject", meta->subject);
        meta_entry(&o, "Keywords", meta->keywords);
        meta_entry(&o, "Creator", meta->creator);
        if (meta->date) out_printf(&o, "   /CreationDate (%s)\n", meta->date);
    }
    out_printf(&o, "   /Producer (geovoice PDF book; pages by cairo)\n>>\nendobj\n");
    long xref = o.pos;
    out_printf(&o, "xref\n0 %ld\n0000000000 65535 f \n", o.next);
    for (long k = 1; k < o.next; k++) {
        long off = (size_t)k < o.cap ? o.off[k] : 0;
        if (off) out_printf(&o, "%010ld 00000 n \n", off);
        else out_printf(&o, "0000000000 65535 f \n");
    }
    out_printf(&o, "trailer\n<< /Size %ld\n   /Root %d 0 R\n   /Info %d 0 R\n>>\nstartxref\n%ld\n%%%%EOF\n", o.next,
               OBJ_CATALOG, OBJ_INFO, xref);
    if (o.failed) { rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno ? errno : EIO)); goto done; }
    if (fclose(o.f) != 0) {
        o.f = NULL;
        rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno));
        goto done;
    }
    o.f = NULL;
    if (rename(tmp, path) != 0) { rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno)); goto done; }
    if (npages_out) *npages_out = npages;
done:
    if (o.f) fclose(o.f);
    if (rc != GV_OK) unlink(tmp);
    for (size_t i = 0; ss && i < n; i++) src_free(&ss[i]);
    free(ss);
    free(first_page);
    free(book_obj);
    free(o.off);
    free(o.buf);
    return rc;
}
