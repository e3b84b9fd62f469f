/* pdf_book.h (private): joins PDF files written by Cairo (and by
 * pdf_geometry.c's incremental update) into one document with an outline
 * (bookmarks), internal links and document metadata. */
#ifndef GV_RENDER_PDF_BOOK_H
#define GV_RENDER_PDF_BOOK_H

#include "geovoice/common.h"

#include <stddef.h>

/* A link rectangle on one page of a source, to a page of the book. */
typedef struct gv_pdf_link {
    size_t page;       /* page of the source (0-based) holding the link */
    double rect[4];    /* x0, y0, x1, y1 in PDF points, y up from the page's bottom */
    size_t target;     /* page of the book (0-based, in book order) */
} gv_pdf_link;

typedef struct gv_pdf_source {
    const char *path;                /* a PDF file (classic xref tables, as Cairo writes) */
    const char *const *bookmarks;    /* per page of the source: outline title (UTF-8), NULL = none */
    size_t nbookmarks;               /* entries in bookmarks (pages beyond get none) */
    const gv_pdf_link *links;        /* may be NULL */
    size_t nlinks;
} gv_pdf_source;

typedef struct gv_pdf_meta {
    const char *title, *author, *subject, *keywords, *creator; /* UTF-8; NULL = left out */
    const char *date;   /* PDF date text, e.g. "D:20000101000000Z"; NULL = none */
} gv_pdf_meta;

/* Writes to path (through path.tmp.PID renamed into place) the pages of
 * src[0..n-1] in that order, with their resources (fonts, streams) renumbered
 * and copied byte for byte, an outline item per bookmark (in page order),
 * the links as /Link annotations with /Fit destinations, and meta as the
 * document information dictionary. Sources holding links are written after
 * the others (a link's target must be a page of a source without links).
 * *npages (may be NULL) receives the book's page count. Deterministic: the
 * same inputs give the same bytes. GV_EDATA naming the file for a source
 * that is not a PDF this reader understands, GV_EOUTPUT when path cannot be
 * written, GV_ENOMEM. */
int gv__pdf_book_write(const char *path, const gv_pdf_source *src, size_t n, const gv_pdf_meta *meta,
                       size_t *npages, gv_error *err);

/* Appends s (UTF-8) as a PDF text string: (ASCII) when it is printable
 * ASCII, else <FEFF...> UTF-16BE hex. out has room for outsz bytes; the
 * result is cut (never in a character) when it does not fit. */
void gv__pdf_text_string(const char *s, char *out, size_t outsz);

#endif
