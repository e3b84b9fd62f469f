/* pdf_geometry.c: the polygons of a PDF map, written by us.
 *
 * Why: Cairo's PDF surface formats every coordinate with printf and
 * deflates at the default level; for the 750 k vertices of the national
 * commune map at PDF tolerance that took ~6 s in cairo_surface_finish.
 * Here each feature is one path painted with "B*" (fill even-odd, then
 * stroke: shared borders are still drawn by both neighbours, as Cairo
 * would), coordinates are printed by hand to 0.01 pt (0.0035 mm, far
 * below the 0.5 px at 600 dpi = 0.06 pt tolerance), and the stream is
 * deflated at zlib level 1.
 *
 * The stream is added to Cairo's finished file by a standard PDF
 * incremental update: the new stream object, a new version of the page
 * object whose /Contents lists our stream before Cairo's (so legend,
 * title and insets' frames are painted over the map), a new xref section
 * and a trailer pointing back to Cairo's (/Prev). Text stays Cairo's:
 * fonts embedded and selectable. */
#include "pdf_geometry.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void need(buf *b, size_t k) {
    if (b->oom || b->n + k <= b->cap) return;
    size_t nc = b->cap ? b->cap * 2 : 1 << 20;
    while (nc < b->n + k) nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np) { b->oom = 1; return; }
    b->p = np;
    b->cap = nc;
}

static void puts_(buf *b, const char *s) {
    size_t k = strlen(s);
    need(b, k);
    if (b->oom) return;
    memcpy(b->p + b->n, s, k);
    b->n += k;
}

/* Writes v rounded to 0.01 as "-123.45" (trailing zeros dropped). */
static void num(buf *b, double v) {
    need(b, 32);
    if (b->oom) return;
    char *o = b->p + b->n;
    long long c = llround(v * 100.0);
    if (c < 0) { *o++ = '-'; c = -c; }
    long long ip = c / 100;
    int fp = (int)(c % 100);
    char tmp[24];
    int k = 0;
    do { tmp[k++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    while (k) *o++ = tmp[--k];
    if (fp) {
        *o++ = '.';
        *o++ = (char)('0' + fp / 10);
        if (fp % 10) *o++ = (char)('0' + fp % 10);
    }
    b->n = (size_t)(o - b->p);
}

static void rgb(buf *b, uint32_t c, const char *op) {
    char s[64];
    snprintf(s, sizeof s, "%.4g %.4g %.4g %s\n", ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0,
             (c & 255) / 255.0, op);
    puts_(b, s);
}

static void ring_path(buf *b, const double *p, size_t n, double H) {
    for (size_t k = 0; k < n; k++) {
        num(b, p[2 * k]);
        puts_(b, " ");
        num(b, H - p[2 * k + 1]);
        puts_(b, k ? " l\n" : " m\n");
    }
    puts_(b, "h\n");
}

/* Finds needle in [from, end): the file holds binary streams with NUL
 * bytes, so no strstr. */
static const char *find(const char *from, const char *end, const char *needle) {
    size_t k = strlen(needle);
    if (!from || from >= end || (size_t)(end - from) < k) return NULL;
    for (const char *p = from; p + k <= end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p - (ptrdiff_t)k + 1));
        if (!p) return NULL;
        if (!memcmp(p, needle, k)) return p;
    }
    return NULL;
}

/* Finds the last occurrence of needle in hay[0..n). */
static const char *rfind(const char *hay, size_t n, const char *needle) {
    size_t k = strlen(needle);
    if (k > n) return NULL;
    for (size_t i = n - k + 1; i-- > 0;)
        if (!memcmp(hay + i, needle, k)) return hay + i;
    return NULL;
}

int gv_pdf_append_geometry(const char *path, const double *pts, const gv_proj_ring *rings, size_t nrings,
                           const uint32_t *fill, size_t nfeatures, const gv_layout *lay, double line_w,
                           double page_h, const gv_pdf_under *under, gv_error *err) {
    const double mm = 72.0 / 25.4;
    const double H = page_h;
    buf s = {0};
    puts_(&s, "q\n");
    /* Inset frame backgrounds (pale sea), on every panel. */
    int np = lay->npanels > 0 ? lay->npanels : 1;
    for (int p = 0; p < np; p++)
        for (int k = 1; k < lay->nframes; k++) {
            const gv_frame *f = &lay->frames[k];
            if (!f->active) continue;
            rgb(&s, 0xf0f7ff, "rg");
            num(&s, (f->rect[0] + lay->panel_off[p][0]) * mm); puts_(&s, " ");
            num(&s, H - (f->rect[1] + lay->panel_off[p][1] + f->rect[3]) * mm); puts_(&s, " ");
            num(&s, f->rect[2] * mm); puts_(&s, " ");
            num(&s, f->rect[3] * mm); puts_(&s, " re f\n");
        }
    puts_(&s, "1 j 1 J\n");
    if (under && under->nrings) {
        /* Context units: one path per unit, fill even-odd then stroke,
         * inside the main frame's rectangle. */
        puts_(&s, "q\n");
        num(&s, under->clip[0]); puts_(&s, " ");
        num(&s, H - (under->clip[1] + under->clip[3])); puts_(&s, " ");
        num(&s, under->clip[2]); puts_(&s, " ");
        num(&s, under->clip[3]); puts_(&s, " re W n\n");
        rgb(&s, under->fill, "rg");
        rgb(&s, under->line, "RG");
        num(&s, under->line_w);
        puts_(&s, " w\n");
        size_t a = 0;
        while (a < under->nrings) {
            size_t b = a;
            for (; b < under->nrings && under->rings[b].feature == under->rings[a].feature; b++)
                ring_path(&s, under->pts + 2 * under->rings[b].off, under->rings[b].n, H);
            puts_(&s, "B*\n");
            a = b;
        }
        puts_(&s, "Q\n");
    }
    num(&s, line_w);
    puts_(&s, " w\n");
    rgb(&s, 0x6b6b6b, "RG");
    for (int p = 0; p < np; p++) {
    /* Small multiples: panel p is panel 0 moved by its offset. */
    if (lay->npanels > 0) {
        puts_(&s, "q 1 0 0 1 ");
        num(&s, lay->panel_off[p][0] * mm);
        puts_(&s, " ");
        num(&s, -lay->panel_off[p][1] * mm);
        puts_(&s, " cm\n");
    }
    const uint32_t *pfill = fill + (size_t)p * nfeatures;
    uint32_t cur = 0xffffffffu;
    size_t i = 0;
    while (i < nrings) {
        size_t f = rings[i].feature, j = i;
        while (j < nrings && rings[j].feature == f) j++;
        uint32_t c = f < nfeatures ? pfill[f] : 0xffffff;
        if (c & GV_FILL_NODATA) {
            /* Hatched no data: fill, clip to the unit, draw diagonals,
             * then outline. */
            rgb(&s, c & 0xffffff, "rg");
            cur = 0xffffffffu;
            double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
            for (size_t q = i; q < j; q++) {
                ring_path(&s, pts + 2 * rings[q].off, rings[q].n, H);
                for (size_t k = 0; k < rings[q].n; k++) {
                    double x = pts[2 * (rings[q].off + k)], y = H - pts[2 * (rings[q].off + k) + 1];
                    if (x < bx0) bx0 = x;
                    if (x > bx1) bx1 = x;
                    if (y < by0) by0 = y;
                    if (y > by1) by1 = y;
                }
            }
            puts_(&s, "f*\nq\n");
            for (size_t q = i; q < j; q++) ring_path(&s, pts + 2 * rings[q].off, rings[q].n, H);
            puts_(&s, "W* n\n0.55 0.55 0.55 RG 0.25 w\n");
            double step = 2.0 * mm, span = (bx1 - bx0) + (by1 - by0);
            for (double d = -span; d < span; d += step) {
                num(&s, bx0 + d); puts_(&s, " "); num(&s, by0); puts_(&s, " m ");
                num(&s, bx0 + d + (by1 - by0)); puts_(&s, " "); num(&s, by1); puts_(&s, " l\n");
            }
            puts_(&s, "S\nQ\n");
            for (size_t q = i; q < j; q++) ring_path(&s, pts + 2 * rings[q].off, rings[q].n, H);
            puts_(&s, "S\n");
        } else {
            c &= 0xffffff;
            if (c != cur) { rgb(&s, c, "rg"); cur = c; }
            for (size_t q = i; q < j; q++) ring_path(&s, pts + 2 * rings[q].off, rings[q].n, H);
            puts_(&s, "B*\n");
        }
        i = j;
    }
    if (lay->npanels > 0) puts_(&s, "Q\n");
    }
    puts_(&s, "Q\n");
    if (s.oom) { free(s.p); return gv_error_set(err, GV_ENOMEM, "out of memory (PDF geometry)"); }

    /* Deflate at level 1: the stream is large and repetitive. */
    uLongf zcap = compressBound((uLong)s.n);
    unsigned char *z = malloc(zcap);
    if (!z) { free(s.p); return gv_error_set(err, GV_ENOMEM, "out of memory (PDF geometry)"); }
    int zr = compress2(z, &zcap, (const Bytef *)s.p, (uLong)s.n, 1);
    free(s.p);
    if (zr != Z_OK) { free(z); return gv_error_set(err, GV_EINTERNAL, "zlib error %d compressing PDF geometry", zr); }

    /* Read Cairo's file: trailer, startxref and the page object. */
    FILE *fp = fopen(path, "rb");
    if (!fp) { free(z); return gv_error_set(err, GV_EOUTPUT, "%s: cannot reopen PDF (%s)", path, strerror(errno)); }
    fseek(fp, 0, SEEK_END);
    long flen = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *d = malloc((size_t)flen + 1);
    if (!d || fread(d, 1, (size_t)flen, fp) != (size_t)flen) {
        fclose(fp); free(d); free(z);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot read back PDF", path);
    }
    fclose(fp);
    d[flen] = 0;
    int rc = GV_OK;
    const char *tr = rfind(d, (size_t)flen, "trailer");
    const char *sx = rfind(d, (size_t)flen, "startxref");
    const char *dend = d + flen;
    const char *pg = find(d, dend, "/Type /Page ");
    long size = 0, prev = 0;
    char root[64] = "", info[64] = "";
    if (!tr || !sx || !pg) { rc = gv_error_set(err, GV_EINTERNAL, "%s: unexpected PDF layout from Cairo", path); goto done; }
    {
        const char *p;
        if ((p = find(tr, dend, "/Size"))) size = strtol(p + 5, NULL, 10);
        if ((p = find(tr, dend, "/Root"))) sscanf(p + 5, " %63[0-9 R]", root);
        if ((p = find(tr, dend, "/Info"))) sscanf(p + 5, " %63[0-9 R]", info);
        prev = strtol(sx + 9, NULL, 10);
    }
    /* The page object: "N 0 obj\n<< /Type /Page ... >>\nendobj". */
    const char *obj = pg;
    while (obj > d && !(obj[0] == '\n' && obj[1] >= '0' && obj[1] <= '9')) obj--;
    long page_id = strtol(obj + 1, NULL, 10);
    const char *dict = find(obj, dend, "<<");
    const char *end = find(pg, dend, "endobj");
    const char *cont = find(pg, dend, "/Contents");
    if (!size || !prev || !*root || page_id <= 0 || !dict || !end || !cont || cont > end) {
        rc = gv_error_set(err, GV_EINTERNAL, "%s: unexpected PDF layout from Cairo", path);
        goto done;
    }
    long old_contents = strtol(cont + 9, NULL, 10);
    const char *cont_end = find(cont, dend, " R");
    fp = fopen(path, "ab");
    if (!fp) { rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot append (%s)", path, strerror(errno)); goto done; }
    long new_id = size, off_stream = flen, off_page;
    fprintf(fp, "%ld 0 obj\n<< /Length %lu /Filter /FlateDecode >>\nstream\n", new_id, (unsigned long)zcap);
    fwrite(z, 1, zcap, fp);
    fputs("\nendstream\nendobj\n", fp);
    off_page = ftell(fp);
    fprintf(fp, "%ld 0 obj\n", page_id);
    fwrite(dict, 1, (size_t)(cont - dict), fp);
    fprintf(fp, "/Contents [ %ld 0 R %ld 0 R ]", new_id, old_contents);
    fwrite(cont_end + 2, 1, (size_t)(end - (cont_end + 2)), fp);
    fputs("endobj\n", fp);
    long off_xref = ftell(fp);
    fprintf(fp, "xref\n%ld 1\n%010ld 00000 n \n%ld 1\n%010ld 00000 n \n", page_id, off_page, new_id, off_stream);
    fprintf(fp, "trailer\n<< /Size %ld\n   /Root %s\n", new_id + 1, root);
    if (*info) fprintf(fp, "   /Info %s\n", info);
    fprintf(fp, "   /Prev %ld\n>>\nstartxref\n%ld\n%%%%EOF\n", prev, off_xref);
    if (fclose(fp) != 0) rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno));
done:
    free(d);
    free(z);
    return rc;
}
