/* draw_layout.c: paints the parts of a map page that are not unit
 * polygons: inset frames, title, subtitle, legend, source line, scale bar.
 * Positions come from layout.c; here only Cairo and Pango calls. */
#include "layout.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

PangoLayout *gv__text_layout(PangoContext *ctx, const char *text, double pt, int bold, double width_mm);
void gv__setup_context(PangoContext *ctx);

static void rgb(cairo_t *cr, unsigned c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

/* Draws text with its top-left corner at (x, y) mm; cr is in mm. */
static void text_at(cairo_t *cr, PangoContext *ctx, const char *text, double pt, int bold, double width, double x,
                    double y, int right_align) {
    PangoLayout *pl = gv__text_layout(ctx, text, pt, bold, width);
    if (right_align) {
        int iw, ih;
        pango_layout_get_size(pl, &iw, &ih);
        x -= (double)iw / PANGO_SCALE;
    }
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
}

void gv_layout_draw_frames_background(cairo_t *cr, const gv_layout *l, double dev_per_mm) {
    cairo_save(cr);
    cairo_scale(cr, dev_per_mm, dev_per_mm);
    int np = l->npanels > 0 ? l->npanels : 1; /* small multiples: every panel's insets */
    for (int p = 0; p < np; p++)
        for (int k = 1; k < l->nframes; k++) {
            const gv_frame *f = &l->frames[k];
            if (!f->active) continue;
            cairo_rectangle(cr, f->rect[0] + l->panel_off[p][0], f->rect[1] + l->panel_off[p][1], f->rect[2], f->rect[3]);
            cairo_set_source_rgb(cr, 0.94, 0.97, 1.0); /* pale sea, so the frame reads as an inset */
            cairo_fill(cr);
        }
    cairo_restore(cr);
}

void gv_layout_draw_decorations(cairo_t *cr, const gv_layout *l, double dev_per_mm, const unsigned *fill) {
    (void)fill;
    cairo_save(cr);
    cairo_scale(cr, dev_per_mm, dev_per_mm);
    PangoContext *ctx = pango_cairo_create_context(cr);
    gv__setup_context(ctx);

    /* Inset frames and captions (on every panel of small multiples). */
    int np = l->npanels > 0 ? l->npanels : 1;
    for (int p = 0; p < np; p++) {
    cairo_save(cr);
    cairo_translate(cr, l->panel_off[p][0], l->panel_off[p][1]);
    for (int k = 1; k < l->nframes; k++) {
        const gv_frame *f = &l->frames[k];
        if (!f->active) continue;
        cairo_rectangle(cr, f->rect[0], f->rect[1], f->rect[2], f->rect[3]);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_set_line_width(cr, 0.25);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        /* The caption in at most two lines over the inset, broken between
         * words only: on a narrow inset (small pages) the short name
         * ("Hoàng Sa"), then a smaller size, then one line right-aligned
         * to the inset, never letters split over lines. */
        int en = l->spec && l->spec->locale == GV_LOCALE_EN;
        const char *shortc = !strcmp(f->name, "hoang_sa")    ? (en ? "Paracel Is." : "Hoàng Sa")
                             : !strcmp(f->name, "truong_sa") ? (en ? "Spratly Is." : "Trường Sa")
                                                             : f->caption;
        PangoLayout *pl = NULL;
        double cw = f->rect[2], tw = 0, th = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            if (pl) g_object_unref(pl);
            double pt = l->small_pt * (attempt >= 2 ? 0.8 : 1);
            pl = gv__text_layout(ctx, attempt ? shortc : f->caption, pt, 0, attempt == 3 ? -1 : cw);
            if (attempt < 3) pango_layout_set_wrap(pl, PANGO_WRAP_WORD);
            PangoRectangle lr;
            pango_layout_get_extents(pl, NULL, &lr);
            tw = (double)lr.width / PANGO_SCALE;
            th = (double)lr.height / PANGO_SCALE;
            if (attempt == 3 || (pango_layout_get_line_count(pl) <= 2 && tw <= cw + 0.01)) break;
        }
        double tx = tw > cw ? f->rect[0] + cw - tw : f->rect[0];
        cairo_move_to(cr, tx, f->rect[1] - th - 0.6);
        pango_cairo_show_layout(cr, pl);
        g_object_unref(pl);
    }
    cairo_restore(cr);
    }
    for (int p = 0; p < l->npanels; p++) {
        cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
        text_at(cr, ctx, l->panel_title[p], l->body_pt, 1, l->panel_cell[p][2], l->panel_cell[p][0],
                l->panel_cell[p][1], 0);
    }

    /* Title and subtitle. */
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    text_at(cr, ctx, l->title, l->title_pt, 1, l->text_w, l->title_xy[0], l->title_xy[1], 0);
    if (*l->subtitle) {
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text_at(cr, ctx, l->subtitle, l->subtitle_pt, 0, l->text_w, l->subtitle_xy[0], l->subtitle_xy[1], 0);
    }
    if (*l->source) {
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text_at(cr, ctx, l->source, l->small_pt, 0, l->text_w, l->source_xy[0], l->source_xy[1], 0);
    }

    /* Legend: white box so it stays readable over anything. */
    const double *r = l->legend_rect;
    cairo_rectangle(cr, r[0], r[1], r[2], r[3]);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
    cairo_fill(cr);
    double x = r[0] + l->legend_pad, y = r[1] + l->legend_pad;
    if (*l->legend_title) {
        cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
        text_at(cr, ctx, l->legend_title, l->body_pt, 1, r[2] - 2 * l->legend_pad, x, y, 0);
        y += l->legend_title_h;
    }
    for (int i = 0; i < l->nrows; i++) {
        const gv_legend_row *row = &l->rows[i];
        double sh = l->legend_row_h * 0.72, sy = y + (l->legend_row_h - sh) / 2;
        if (row->shape == 1) { /* a dot-density group: a disc */
            rgb(cr, row->color);
            cairo_new_path(cr);
            cairo_arc(cr, x + l->legend_sw_w / 2, sy + sh / 2, sh * 0.3, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        if (row->shape) { /* label beside the disc; text-only rows start at the swatch column */
            cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
            text_at(cr, ctx, row->text, l->body_pt, 0, -1, row->shape == 1 ? x + l->legend_sw_w + l->legend_pad : x,
                    y + l->legend_row_h * 0.1, 0);
        }
        if (row->shape) {
            y += l->legend_row_h;
            continue;
        }
        cairo_rectangle(cr, x, sy, l->legend_sw_w, sh);
        if (row->hatched) {
            rgb(cr, row->color);
            cairo_fill_preserve(cr);
            cairo_save(cr);
            cairo_clip_preserve(cr);
            cairo_new_path(cr);
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
            cairo_set_line_width(cr, 0.25);
            for (double d = -sh; d < l->legend_sw_w; d += 2.0) {
                cairo_move_to(cr, x + d, sy + sh);
                cairo_line_to(cr, x + d + sh, sy);
            }
            cairo_stroke(cr);
            cairo_restore(cr);
            cairo_rectangle(cr, x, sy, l->legend_sw_w, sh);
        } else {
            rgb(cr, row->color);
            cairo_fill_preserve(cr);
        }
        cairo_set_source_rgb(cr, 0.42, 0.42, 0.42);
        cairo_set_line_width(cr, 0.15);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
        PangoLayout *pl = gv__text_layout(ctx, row->text, l->body_pt, 0, -1);
        int iw, ih;
        pango_layout_get_size(pl, &iw, &ih);
        cairo_move_to(cr, x + l->legend_sw_w + l->legend_pad, y + (l->legend_row_h - (double)ih / PANGO_SCALE) / 2);
        pango_cairo_show_layout(cr, pl);
        g_object_unref(pl);
        y += l->legend_row_h;
    }

    if (l->has_sym) {
        /* Proportional circles: nested, bottom-aligned, with leaders. */
        if (l->nrows || *l->legend_title) y += l->legend_pad * 2;
        if (*l->sym_title) {
            cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
            text_at(cr, ctx, l->sym_title, l->body_pt, 1, r[2] - 2 * l->legend_pad, x, y, 0);
            y += l->sym_title_h;
        }
        double R = l->sym_r[0], cx = x + R, bottom = y + l->sym_h - l->sym_title_h - l->sym_text_h / 2;
        double ty_prev = -INFINITY;
        for (int k = 0; k < 3; k++) {
            double rk = l->sym_r[k], top = bottom - 2 * rk;
            cairo_new_path(cr);
            cairo_arc(cr, cx, bottom - rk, rk, 0, 2 * M_PI);
            rgb(cr, 0xffffff);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            cairo_set_line_width(cr, 0.2);
            cairo_stroke(cr);
            double ty = fmax(top, ty_prev + l->sym_text_h);
            ty_prev = ty;
            cairo_move_to(cr, cx, top);
            cairo_line_to(cr, x + 2 * R + 1, ty);
            cairo_set_line_width(cr, 0.15);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
            text_at(cr, ctx, l->sym_text[k], l->body_pt, 0, -1, x + 2 * R + 1.5, ty - l->sym_text_h / 2, 0);
        }
    }

    if (l->has_biv) {
        if (l->nrows || *l->legend_title) y += l->legend_pad * 2;
        gv__biv_legend_draw(cr, ctx, l, l->spec, x, y);
        y += l->biv_h;
    }

    /* Scale bar: alternating black/white segments with round lengths. */
    {
        const double *s = l->scalebar_rect;
        const gv_frame *f0 = &l->frames[0];
        double len = l->scalebar_km * 1000 * f0->scale;
        double bh = 1.2, bx = s[0] + 2, by = s[1] + s[3] - bh - 0.5;
        int n = l->scalebar_segments;
        if (l->neatline) {
            /* Context maps: the bar sits on grey units, not paper. */
            cairo_rectangle(cr, s[0], s[1], s[2], s[3]);
            cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
            cairo_fill(cr);
        }
        for (int i = 0; i < n; i++) {
            cairo_rectangle(cr, bx + len * i / n, by, len / n, bh);
            if (i % 2 == 0) cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            else cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_set_line_width(cr, 0.2);
            cairo_stroke(cr);
        }
        char lab[64];
        for (int i = 0; i <= n; i++) {
            double v = l->scalebar_km * i / n;
            if (v == floor(v)) snprintf(lab, sizeof lab, i == n ? "%.0f km" : "%.0f", v);
            else snprintf(lab, sizeof lab, i == n ? "%.1f km" : "%.1f", v);
            PangoLayout *pl = gv__text_layout(ctx, lab, l->small_pt, 0, -1);
            int iw, ih;
            pango_layout_get_size(pl, &iw, &ih);
            double tx = bx + len * i / n - (i == n ? 0 : (double)iw / PANGO_SCALE / 2);
            if (i == n) tx = bx + len - (double)(0) - (double)iw / PANGO_SCALE / 2 ;
            cairo_move_to(cr, tx, by - (double)ih / PANGO_SCALE - 0.3);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            pango_cairo_show_layout(cr, pl);
            g_object_unref(pl);
        }
    }
    g_object_unref(ctx);
    cairo_restore(cr);
}
