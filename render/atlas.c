/* atlas.c: the atlas as a book (see include/geovoice/atlas.h, "the book"):
 * the contents page(s), drawn here with Cairo and Pango, and the pages,
 * joined by pdf_book.c with a bookmark per page and a link per contents
 * line. The map pages themselves are gv_map_render PDFs drawn beforehand
 * (and kept between runs), so building the book never draws a map. */
#include "geovoice/atlas.h"

#include "pdf_book.h"

#include <cairo-pdf.h>

#include "cairo_file.h"
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From layout.c: Pango layouts in millimetres with the pinned font. */
PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm);
void gv__setup_context(PangoContext *ctx);

#define PT_PER_MM (72.0 / 25.4)

typedef struct row {
    int heading;        /* 1: a section heading */
    size_t page;        /* entry: index into b->pages */
    const char *text;
    int sheet, col;     /* contents page and column */
    double y;           /* top, mm */
} row;

typedef struct geom {
    double margin, top0, col_w, gap, bottom;
    int ncols;
    double title_pt, sub_pt, head_pt, entry_pt;
    double head_h, entry_h, head_space;
} geom;

static double text_h(PangoContext *ctx, const char *text, double pt, int bold, double width) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, bold, width);
    int w, h;
    pango_layout_get_size(pl, &w, &h);
    g_object_unref(pl);
    return (double)h / PANGO_SCALE;
}

/* Places the rows in columns and sheets; returns the number of sheets. */
static int place_rows(row *rows, size_t nrows, const geom *g) {
    int sheet = 0, col = 0;
    double y = g->top0;
    for (size_t i = 0; i < nrows; i++) {
        double h = rows[i].heading ? g->head_h + (y > (sheet ? g->margin : g->top0) ? g->head_space : 0) : g->entry_h;
        /* A heading keeps its first entry with it. */
        double need = rows[i].heading ? h + g->entry_h : h;
        if (y + need > g->bottom && y > (sheet ? g->margin : g->top0)) {
            if (++col >= g->ncols) { col = 0; sheet++; }
            y = sheet ? g->margin : g->top0;
            if (rows[i].heading) h = g->head_h;
        }
        rows[i].sheet = sheet;
        rows[i].col = col;
        rows[i].y = y + (rows[i].heading ? h - g->head_h : 0);
        y += h;
    }
    return sheet + 1;
}

static void show(cairo_t *cr, PangoContext *ctx, const char *text, double pt, int bold, double x, double y,
                 double width, int right) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, bold, 0);
    if (width > 0) {
        pango_layout_set_width(pl, (int)(width * PANGO_SCALE));
        pango_layout_set_ellipsize(pl, PANGO_ELLIPSIZE_END);
    }
    int w, h;
    pango_layout_get_size(pl, &w, &h);
    cairo_move_to(cr, right ? x - (double)w / PANGO_SCALE : x, y);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
}

static double text_w(PangoContext *ctx, const char *text, double pt, int bold) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, bold, 0);
    int w, h;
    pango_layout_get_size(pl, &w, &h);
    g_object_unref(pl);
    return (double)w / PANGO_SCALE;
}

/* Draws the contents into a PDF at path; fills links (one per entry row)
 * and *nsheets. */
static int draw_contents(const gv_atlas_book *b, const char *path, row *rows, size_t nrows, gv_pdf_link *links,
                         size_t *nlinks, int *nsheets, gv_error *err) {
    double W = b->page.width_mm > 0 ? b->page.width_mm : 210, H = b->page.height_mm > 0 ? b->page.height_mm : 297;
    gv_cairo_file cf;
    cairo_surface_t *surf = gv_cairo_file_surface(&cf, path, 0, W * PT_PER_MM, H * PT_PER_MM, err);
    if (!surf) return GV_EOUTPUT;
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        gv_cairo_file_close(&cf, NULL, path, NULL, NULL);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot create the contents page", path);
    }
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    cairo_t *cr = cairo_create(surf);
    cairo_scale(cr, PT_PER_MM, PT_PER_MM);
    PangoContext *ctx = pango_cairo_create_context(cr);
    gv__setup_context(ctx);

    geom g;
    memset(&g, 0, sizeof g);
    g.margin = fmin(W, H) * 0.07;
    g.title_pt = fmin(W, H) / 210.0 * 18;
    g.sub_pt = g.title_pt * 0.6;
    g.head_pt = g.title_pt * 0.58;
    g.entry_pt = g.title_pt * 0.52;
    g.ncols = W >= 150 ? 2 : 1;
    g.gap = W * 0.05;
    g.col_w = (W - 2 * g.margin - (g.ncols - 1) * g.gap) / g.ncols;
    double y = g.margin;
    const char *title = b->title ? b->title : "";
    double th = *title ? text_h(ctx, title, g.title_pt, 1, W - 2 * g.margin) : 0;
    double ch = text_h(ctx, b->contents_title, g.head_pt * 1.2, 1, 0);
    double sh = b->subtitle && *b->subtitle ? text_h(ctx, b->subtitle, g.sub_pt, 0, W - 2 * g.margin) : 0;
    double title_y = y, sub_y = title_y + th + 1, cont_y = sub_y + sh + (sh ? 4 : 3);
    g.top0 = cont_y + ch + 3;
    g.bottom = H - g.margin;
    g.entry_h = text_h(ctx, "Ấy gỹ", g.entry_pt, 0, 0) * 1.25;
    g.head_h = text_h(ctx, "Ấy gỹ", g.head_pt, 1, 0) * 1.3;
    g.head_space = g.entry_h * 0.6;
    *nsheets = place_rows(rows, nrows, &g);

    *nlinks = 0;
    for (int sheet = 0; sheet < *nsheets; sheet++) {
        if (sheet) cairo_show_page(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        if (sheet == 0) {
            if (*title) show(cr, ctx, title, g.title_pt, 1, g.margin, title_y, W - 2 * g.margin, 0);
            if (sh) {
                cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
                show(cr, ctx, b->subtitle, g.sub_pt, 0, g.margin, sub_y, W - 2 * g.margin, 0);
            }
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            show(cr, ctx, b->contents_title, g.head_pt * 1.2, 1, g.margin, cont_y, 0, 0);
            cairo_set_line_width(cr, 0.3);
            cairo_move_to(cr, g.margin, cont_y + ch + 1);
            cairo_line_to(cr, W - g.margin, cont_y + ch + 1);
            cairo_stroke(cr);
        }
        for (size_t i = 0; i < nrows; i++) {
            const row *r = &rows[i];
            if (r->sheet != sheet) continue;
            double x = g.margin + r->col * (g.col_w + g.gap);
            if (r->heading) {
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                show(cr, ctx, r->text, g.head_pt, 1, x, r->y, g.col_w, 0);
                continue;
            }
            char num[32];
            snprintf(num, sizeof num, "%zu", (size_t)*nsheets + r->page + 1);
            double nw = text_w(ctx, num, g.entry_pt, 0);
            double tw_max = g.col_w - nw - 4;
            double tw = fmin(text_w(ctx, r->text, g.entry_pt, 0), tw_max);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            show(cr, ctx, r->text, g.entry_pt, 0, x + 2, r->y, tw_max, 0);
            show(cr, ctx, num, g.entry_pt, 0, x + g.col_w, r->y, 0, 1);
            /* Dot leader between the text and the number. */
            double base = r->y + g.entry_h * 0.62;
            double dash[2] = {0.15, 0.9};
            cairo_save(cr);
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
            cairo_set_line_width(cr, 0.25);
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
            cairo_set_dash(cr, dash, 2, 0);
            if (x + g.col_w - nw - 1.5 > x + 2 + tw + 1.5) {
                cairo_move_to(cr, x + 2 + tw + 1.5, base);
                cairo_line_to(cr, x + g.col_w - nw - 1.5, base);
                cairo_stroke(cr);
            }
            cairo_restore(cr);
            gv_pdf_link *L = &links[(*nlinks)++];
            L->page = (size_t)sheet;
            L->rect[0] = x * PT_PER_MM;
            L->rect[2] = (x + g.col_w) * PT_PER_MM;
            L->rect[1] = (H - r->y - g.entry_h) * PT_PER_MM;
            L->rect[3] = (H - r->y) * PT_PER_MM;
            L->target = (size_t)*nsheets + r->page;
        }
    }
    g_object_unref(ctx);
    cairo_destroy(cr);
    return gv_cairo_file_close(&cf, surf, path, "the contents page", err);
}

int gv_atlas_book_write(const gv_atlas_book *b, const char *path, size_t *book_pages, gv_error *err) {
    if (!b || !path || (b->npages && !b->pages)) return gv_error_set(err, GV_EUSAGE, "gv_atlas_book_write: NULL argument");
    size_t n = b->npages;
    int rc = GV_OK;
    int with_contents = b->contents_title != NULL;
    row *rows = calloc(2 * n + 1, sizeof *rows);
    gv_pdf_link *links = calloc(n + 1, sizeof *links);
    gv_pdf_source *src = calloc(n + 1, sizeof *src);
    char **cbm = NULL;
    int nsheets = 0;
    char ctmp[4200];
    snprintf(ctmp, sizeof ctmp, "%s.contents.%ld.pdf", path, (long)getpid());
    if (!rows || !links || !src) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    size_t nrows = 0, nlinks = 0;
    if (with_contents) {
        const char *sec = NULL;
        for (size_t i = 0; i < n; i++) {
            const gv_atlas_book_page *p = &b->pages[i];
            if (p->section && (!sec || strcmp(sec, p->section))) {
                sec = p->section;
                rows[nrows++] = (row){1, i, sec, 0, 0, 0};
            }
            rows[nrows++] = (row){0, i, p->entry ? p->entry : (p->bookmark ? p->bookmark : ""), 0, 0, 0};
        }
        if ((rc = draw_contents(b, ctmp, rows, nrows, links, &nlinks, &nsheets, err))) goto done;
        if (!(cbm = calloc((size_t)nsheets, sizeof *cbm))) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        for (int k = 0; k < nsheets; k++) {
            size_t len = strlen(b->contents_title) + 16;
            if (!(cbm[k] = malloc(len))) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
            if (k) snprintf(cbm[k], len, "%s (%d)", b->contents_title, k + 1);
            else snprintf(cbm[k], len, "%s", b->contents_title);
        }
        src[0] = (gv_pdf_source){ctmp, (const char *const *)cbm, (size_t)nsheets, links, nlinks};
    }
    size_t off = with_contents ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        src[off + i] = (gv_pdf_source){b->pages[i].pdf, &b->pages[i].bookmark, 1, NULL, 0};
    gv_pdf_meta meta = {b->title, b->author, b->subject, b->keywords, "geovoice atlas", "D:20000101000000Z"};
    rc = gv__pdf_book_write(path, src, off + n, &meta, book_pages, err);
done:
    if (with_contents) unlink(ctmp);
    for (int k = 0; cbm && k < nsheets; k++) free(cbm[k]);
    free(cbm);
    free(rows);
    free(links);
    free(src);
    return rc;
}
