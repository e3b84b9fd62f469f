/* map_job_modes.c: the categorical, dot-density and diverging modes of
 * `geovoice map` (options in include/geovoice/mapjob.h, rules in the
 * README section "Maps of distributions").
 *
 * Categorical colours come from an ordered list of categories: category i
 * of the list gets colour i of the qualitative scheme (its largest
 * ColorBrewer variant, so colours never depend on how many categories a
 * map shows). The list is --categories when given, which makes colours
 * stable across a series of maps whatever is present; otherwise it is
 * every distinct value of the column over all rows of the table (not only
 * the units drawn), most frequent first, ties by name, so maps of parts of
 * one table (--where) keep their colours too. With more categories than
 * colours, the first N-1 are coloured and the rest drawn as "other". */
#include "map_job_modes.h"
#include "jobutil.h"
#include "map_job_carto.h"

#include "geovoice/dots.h"
#include "geovoice/format.h"
#include "geovoice/names.h"
#include "geovoice/palette.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OTHER_COLOR 0xa0a0a0u
#define MAX_GROUPS 12

#define now_ms gv__job_now_ms

static void logf_(const gv__mode_ctx *c, const char *fmt, ...) GV_PRINTF(2, 3);
static void logf_(const gv__mode_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gv__job_vlogf(c->log, c->logctx, fmt, ap);
    va_end(ap);
}

int gv__map_mode(const gv_map_options *o, gv_error *err) {
    int mode = GV__MODE_CHOROPLETH;
    if (!o->mode || !strcasecmp(o->mode, "choropleth")) mode = o->center ? GV__MODE_DIVERGING : GV__MODE_CHOROPLETH;
    else if (!strcasecmp(o->mode, "diverging")) mode = GV__MODE_DIVERGING;
    else if (!strcasecmp(o->mode, "categorical")) mode = GV__MODE_CATEGORICAL;
    else if (!strcasecmp(o->mode, "dots")) mode = GV__MODE_DOTS;
    else if (!strcasecmp(o->mode, "symbols")) mode = GV__MODE_SYMBOLS;
    else if (!strcasecmp(o->mode, "bivariate")) mode = GV__MODE_BIVARIATE;
    else if (!strcasecmp(o->mode, "multiples")) mode = GV__MODE_MULTIPLES;
    else return gv_error_set(err, GV_EUSAGE, "--mode '%s': expected choropleth, diverging, categorical, dots, symbols, "
                             "bivariate or multiples", o->mode);
    if (mode != GV__MODE_SYMBOLS && (o->symbol_size > 0 || o->symbol_scale > 0))
        return gv_error_set(err, GV_EUSAGE, "--symbol-size and --symbol-scale are for --mode symbols");
    if ((mode == GV__MODE_BIVARIATE) != (o->value2 != NULL))
        return gv_error_set(err, GV_EUSAGE, mode == GV__MODE_BIVARIATE ? "--mode bivariate needs --value2 EXPR (the second indicator)"
                                                                     : "--value2 is for --mode bivariate");
    if (mode != GV__MODE_BIVARIATE && o->legend_title2)
        return gv_error_set(err, GV_EUSAGE, "--legend-title2 is for --mode bivariate");
    if ((mode == GV__MODE_MULTIPLES) != (o->npanels > 0))
        return gv_error_set(err, GV_EUSAGE, mode == GV__MODE_MULTIPLES ? "--mode multiples needs --panel EXPR[=Title], twice or more"
                                                                     : "--panel is for --mode multiples");
    if (mode == GV__MODE_MULTIPLES && (o->npanels < 2 || o->npanels > GV_PANELS_MAX))
        return gv_error_set(err, GV_EUSAGE, "--mode multiples: %zu panels; expected 2 to %d", o->npanels, GV_PANELS_MAX);
    if (mode == GV__MODE_DIVERGING && !o->center)
        return gv_error_set(err, GV_EUSAGE, "--mode diverging needs --center VALUE|national");
    if (mode != GV__MODE_DIVERGING && o->center)
        return gv_error_set(err, GV_EUSAGE, "--center is for diverging maps (not --mode %s)", o->mode);
    if (mode != GV__MODE_CATEGORICAL && (o->categories || o->top))
        return gv_error_set(err, GV_EUSAGE, "--categories and --top are for --mode categorical");
    if (mode != GV__MODE_DOTS && (o->dots || o->dot_value > 0))
        return gv_error_set(err, GV_EUSAGE, "--dots and --dot-value are for --mode dots");
    if (mode == GV__MODE_DOTS) {
        if (!o->dots) return gv_error_set(err, GV_EUSAGE, "--mode dots needs --dots COLUMN[=Label],... (person counts)");
        if (!(o->dot_value > 0)) return gv_error_set(err, GV_EUSAGE, "--mode dots needs --dot-value N (persons per dot, > 0)");
    }
    if ((mode == GV__MODE_CATEGORICAL || mode == GV__MODE_DOTS) && !o->data)
        return gv_error_set(err, GV_EUSAGE, "--mode %s needs a --data table", o->mode);
    if (o->top < 0) return gv_error_set(err, GV_EUSAGE, "--top %d: expected a positive number", o->top);
    return mode;
}

const char *gv__map_mode_palette(int mode) {
    switch (mode) {
    case GV__MODE_DIVERGING: return "RdBu";
    case GV__MODE_CATEGORICAL: return "Set3";
    case GV__MODE_DOTS: return "Set1";
    case GV__MODE_SYMBOLS: return "Reds";
    case GV__MODE_BIVARIATE: return "stevens-dkblue";
    default: return "YlOrRd";
    }
}

int gv__center_value(const char *center, const gv_expr *E, const double *sums, double *out, gv_error *err) {
    if (!strcasecmp(center, "national")) {
        gv_expr_status st;
        gv_expr_eval(E, sums, out, &st);
        if (!isfinite(*out))
            return gv_error_set(err, GV_EDATA, "--center national: the value over the summed columns is %s",
                                gv_expr_status_str(st));
        return GV_OK;
    }
    char *end;
    *out = strtod(center, &end);
    if (end == center || *end || !isfinite(*out))
        return gv_error_set(err, GV_EUSAGE, "--center '%s': expected a number (with '.' for decimals) or national", center);
    return GV_OK;
}

int gv__diverging_colors(const char *palette, const gv_breaks *b, size_t k_below, int reverse, unsigned *colors,
                         gv_error *err) {
    if (gv_palette_kind(palette) != GV_PALETTE_DIVERGING)
        return gv_error_set(err, GV_EUSAGE, "--center needs a diverging palette (BrBG, PiYG, PRGn, PuOr, RdBu, RdGy, RdYlBu, RdYlGn, Spectral), not '%s'", palette);
    size_t ka = b->k - k_below, h = k_below > ka ? k_below : ka;
    unsigned all[2 * GV_CLASSES_MAX];
    if (2 * h > gv_palette_max_classes(palette))
        return gv_error_set(err, GV_EUSAGE, "palette %s has at most %zu classes; %zu classes on one side of the centre need %zu",
                            palette, gv_palette_max_classes(palette), h, 2 * h);
    int rc = gv_palette_colors(palette, 2 * h, reverse, all, err);
    if (rc) return rc;
    for (size_t i = 0; i < k_below; i++) colors[i] = all[h - k_below + i];
    for (size_t j = 0; j < ka; j++) colors[k_below + j] = all[h + j];
    return GV_OK;
}

/* ------------------------------------------------------------------ */

typedef struct catlist {
    char **name; /* malloc'd NFC strings */
    size_t *rows;
    size_t n, cap;
} catlist;

static void catlist_free(catlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->name[i]);
    free(l->name);
    free(l->rows);
    memset(l, 0, sizeof *l);
}

static long catlist_find(const catlist *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->name[i], s)) return (long)i;
    return -1;
}

/* Adds s (trimmed, NFC) unless present; returns its index or -1 (memory). */
static long catlist_add(catlist *l, const char *s, size_t len) {
    while (len && (*s == ' ' || *s == '\t')) { s++; len--; }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
    if (!len) return -2;
    char *raw = strndup(s, len);
    char *nfc = raw ? gv_name_nfc(raw) : NULL;
    free(raw);
    if (!nfc) return -1;
    long k = catlist_find(l, nfc);
    if (k >= 0) { free(nfc); return k; }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 32;
        char **a = realloc(l->name, nc * sizeof *a);
        if (!a) { free(nfc); return -1; }
        l->name = a;
        size_t *r = realloc(l->rows, nc * sizeof *r);
        if (!r) { free(nfc); return -1; }
        l->rows = r;
        l->cap = nc;
    }
    l->name[l->n] = nfc;
    l->rows[l->n] = 0;
    return (long)l->n++;
}

static int parse_list(const char *text, catlist *l, gv_error *err) {
    struct stat st;
    char *buf = NULL;
    const char *src = text;
    char sep = ',';
    if (stat(text, &st) == 0 && S_ISREG(st.st_mode)) {
        FILE *f = fopen(text, "rb");
        if (!f) return gv_error_set(err, GV_EDATA, "%s: cannot read the categories file", text);
        buf = malloc((size_t)st.st_size + 1);
        size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
        fclose(f);
        if (!buf) return gv_error_set(err, GV_ENOMEM, "out of memory");
        buf[got] = 0;
        src = buf;
        if (!strncmp(src, "\xef\xbb\xbf", 3)) src += 3;
        sep = '\n';
    }
    int rc = GV_OK;
    for (const char *p = src;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (catlist_add(l, p, len) == -1) {
            rc = gv_error_set(err, sep == '\n' ? GV_EDATA : GV_EUSAGE, "--categories: invalid UTF-8 in '%.*s'", (int)len, p);
            break;
        }
        if (!e) break;
        p = e + 1;
    }
    free(buf);
    if (!rc && l->n == 0) rc = gv_error_set(err, GV_EUSAGE, "--categories '%s': no category given", text);
    return rc;
}

/* A category and its row count, sorted together (no global comparison
 * context: maps are drawn from several threads by the atlas). */
typedef struct rankent {
    char *name;
    size_t rows;
} rankent;
static int cmp_rank(const void *a, const void *b) {
    const rankent *x = a, *y = b;
    if (x->rows != y->rows) return x->rows > y->rows ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Reorders l by rows descending, then name (the default list). */
static int rank_list(catlist *l) {
    rankent *e = malloc((l->n ? l->n : 1) * sizeof *e);
    if (!e) return -1;
    for (size_t i = 0; i < l->n; i++) e[i] = (rankent){l->name[i], l->rows[i]};
    qsort(e, l->n, sizeof *e, cmp_rank);
    for (size_t i = 0; i < l->n; i++) {
        l->name[i] = e[i].name;
        l->rows[i] = e[i].rows;
    }
    free(e);
    return 0;
}

/* ------------------------------------------------------------------ */

json_object *gv__frames_json(const gv_render_info *info) {
    json_object *frames = json_object_new_array();
    for (size_t k = 0; k < info->nframes; k++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "name", json_object_new_string(info->frames[k].name));
        json_object *r = json_object_new_array();
        for (int q = 0; q < 4; q++) json_object_array_add(r, json_object_new_double(info->frames[k].rect_mm[q]));
        json_object_object_add(x, "rect_mm", r);
        json_object_object_add(x, "scale", json_object_new_double(info->frames[k].scale));
        json_object_object_add(x, "x0", json_object_new_double(info->frames[k].x0));
        json_object_object_add(x, "y0", json_object_new_double(info->frames[k].y0));
        json_object_array_add(frames, x);
    }
    return frames;
}

#define write_report gv__job_json_write

static char *hex(unsigned c, char *buf) {
    snprintf(buf, 8, "#%06x", c & 0xffffff);
    return buf;
}

const char *gv__size_text(gv_format fmt, const gv_render_info *info, char *buf, size_t n) {
    if (fmt == GV_FORMAT_PNG) snprintf(buf, n, ", %d×%d px", info->width_px, info->height_px);
    else if (n) buf[0] = 0;
    return buf;
}

void gv__map_spec_page(gv_map_spec *ms, const gv__mode_ctx *c) {
    const gv_map_options *o = c->o;
    ms->nodata_color = 0xf0f0f0;
    ms->subtitle = o->subtitle;
    ms->source = o->source;
    ms->date = o->date;
    ms->locale = c->loc;
    ms->decimals = o->decimals;
    ms->page = c->page;
    ms->dpi = o->dpi > 0 ? o->dpi : 300;
    ms->insets = !o->no_insets;
    ms->threads = o->threads;
}

int gv__map_run_mode(const gv__mode_ctx *c, gv_error *err) {
    const gv_map_options *o = c->o;
    gv_layer *L = c->L;
    const gv_table *T = c->T;
    const gv_join *J = c->J;
    size_t nf = gv_layer_count(L), nr = gv_table_nrows(T);
    int rc = GV_OK;
    catlist cats = {0};
    int *fclass = NULL;
    const char **labels = NULL, **unit_keys = NULL;
    double *pop = NULL, *values = NULL;
    char **gcol = NULL, **glabel = NULL;
    size_t ng = 0;
    gv_dot_set dots;
    memset(&dots, 0, sizeof dots);
    gv_render_info info;
    memset(&info, 0, sizeof info);
    gv__carto_job cj;
    memset(&cj, 0, sizeof cj);
    json_object *rep = json_object_new_object();
    json_object *units = json_object_new_array();
    json_object_object_add(rep, "units", units);
    json_object_object_add(rep, "mode", json_object_new_string(c->mode == GV__MODE_DOTS ? "dots" : "categorical"));
    unsigned colors[MAX_GROUPS + 1], ccol[MAX_GROUPS + 1];
    gv_map_categories mc;
    gv_map_dots md;
    memset(&mc, 0, sizeof mc);
    memset(&md, 0, sizeof md);
    size_t pmax = gv_palette_max_classes(c->palette);
    if (pmax > MAX_GROUPS) pmax = MAX_GROUPS;
    if ((rc = gv_palette_colors(c->palette, pmax, o->reverse, colors, err))) goto done;
    int kf = c->ufield ? gv_layer_field_index(L, c->ufield) : gv_layer_field_index(L, "code");
    int nmf = gv_layer_field_index(L, "name");
    unit_keys = calloc(nf ? nf : 1, sizeof *unit_keys);
    values = malloc((nf ? nf : 1) * sizeof(double));
    if (!unit_keys || !values) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
    for (size_t f = 0; f < nf; f++) {
        unit_keys[f] = kf >= 0 ? gv_layer_value(L, f, (size_t)kf) : NULL;
        values[f] = J && gv_join_unit_nrows(J, f) ? 1.0 : NAN;
    }

    if (c->mode == GV__MODE_CATEGORICAL) {
        int col = gv_table_col_index(T, o->value);
        if (col < 0) {
            rc = gv_error_set(err, GV_EUSAGE, "%s: --value '%s' is not a column of the table (a categorical map takes a text column)",
                              o->data, o->value);
            goto done;
        }
        int given = o->categories != NULL;
        if (given && (rc = parse_list(o->categories, &cats, err))) goto done;
        if (!given) {
            for (size_t r = 0; r < nr; r++) {
                const char *s = gv_table_cell(T, r, (size_t)col);
                long k = catlist_add(&cats, s, strlen(s));
                if (k == -1) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
                if (k >= 0) cats.rows[k]++;
            }
            if (rank_list(&cats)) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        }
        if (cats.n == 0) { rc = gv_error_set(err, GV_EDATA, "%s: column '%s' has no value", o->data, o->value); goto done; }
        size_t top = o->top > 0 && (size_t)o->top < pmax ? (size_t)o->top : pmax;
        if (top < 2) top = 2; /* one colour and "other" at least */
        size_t ncol = cats.n <= top ? cats.n : top - 1; /* coloured categories; the rest is "other" */
        int has_other = cats.n > ncol;
        labels = calloc(ncol + 1, sizeof *labels);
        fclass = malloc((nf ? nf : 1) * sizeof(int));
        if (!labels || !fclass) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        for (size_t k = 0; k < ncol; k++) labels[k] = cats.name[k];
        labels[ncol] = o->other_label ? o->other_label : (c->loc == GV_LOCALE_EN ? "Other" : "Khác");
        memcpy(ccol, colors, ncol * sizeof(unsigned));
        ccol[ncol] = OTHER_COLOR;
        /* Unit classes; values outside a given list are "other", counted. */
        catlist unlisted = {0};
        size_t n_nodata = 0, n_other_units = 0;
        for (size_t f = 0; f < nf; f++) {
            fclass[f] = -1;
            size_t nrow = J ? gv_join_unit_nrows(J, f) : 0;
            if (!nrow) { n_nodata++; continue; }
            const char *s = gv_table_cell(T, gv_join_unit_rows(J, f)[0], (size_t)col);
            char *nfc = gv_name_nfc(s);
            long k = nfc && *nfc ? catlist_find(&cats, nfc) : -2;
            if (k == -2) { values[f] = NAN; n_nodata++; free(nfc); continue; }
            if (k < 0) {
                long u = catlist_add(&unlisted, nfc, strlen(nfc));
                if (u >= 0) unlisted.rows[u]++;
                fclass[f] = (int)ncol;
                has_other = 1;
            } else {
                fclass[f] = (size_t)k < ncol ? (int)k : (int)ncol;
            }
            if ((size_t)fclass[f] == ncol) n_other_units++;
            free(nfc);
        }
        mc.n = ncol + (has_other ? 1 : 0);
        mc.labels = labels;
        mc.colors = ccol;
        mc.feature_class = fclass;
        {
            char line[1800];
            size_t len = 0;
            for (size_t k = 0; k < cats.n && len + 80 < sizeof line; k++)
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", k ? ", " : "", cats.name[k]);
            logf_(c, "categories (%s, %zu): %s", given ? "--categories" : "from the table, most rows first", cats.n, line);
        }
        for (size_t u = 0; u < unlisted.n; u++)
            logf_(c, "  '%s' (%zu units) is not in --categories: drawn as '%s'", unlisted.name[u], unlisted.rows[u], labels[ncol]);
        catlist_free(&unlisted);
        size_t cnt[MAX_GROUPS + 1] = {0};
        for (size_t f = 0; f < nf; f++)
            if (fclass[f] >= 0) cnt[fclass[f]]++;
        json_object *jc = json_object_new_array();
        char hx[8];
        for (size_t k = 0; k < mc.n; k++) {
            logf_(c, "  %s %s: %zu units", hex(ccol[k], hx), labels[k], cnt[k]);
            json_object *x = json_object_new_object();
            json_object_object_add(x, "category", json_object_new_string(labels[k]));
            json_object_object_add(x, "color", json_object_new_string(hex(ccol[k], hx)));
            json_object_object_add(x, "units", json_object_new_int64((int64_t)cnt[k]));
            json_object_object_add(x, "other", json_object_new_boolean(k == ncol));
            json_object_array_add(jc, x);
        }
        if (n_nodata) logf_(c, "  no data: %zu units", n_nodata);
        json_object_object_add(rep, "categories", jc);
        json_object_object_add(rep, "no_data_units", json_object_new_int64((int64_t)n_nodata));
        json_object_object_add(rep, "other_units", json_object_new_int64((int64_t)n_other_units));
        for (size_t f = 0; f < nf; f++) {
            json_object *u = json_object_new_object();
            json_object_object_add(u, "fid", json_object_new_int64(gv_layer_fid(L, f)));
            json_object_object_add(u, "key", json_object_new_string(unit_keys[f] ? unit_keys[f] : ""));
            if (nmf >= 0) json_object_object_add(u, "name", json_object_new_string(gv_layer_value(L, f, (size_t)nmf)));
            json_object_object_add(u, "category", fclass[f] >= 0 ? json_object_new_string(labels[fclass[f]]) : NULL);
            json_object_array_add(units, u);
        }
    } else {
        /* Dots: COLUMN[=Label],... */
        size_t cap = 0;
        for (const char *p = o->dots;;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (ng == MAX_GROUPS || ng >= pmax) {
                rc = gv_error_set(err, GV_EUSAGE, "--dots: at most %zu groups with palette %s", pmax, c->palette);
                goto done;
            }
            if (ng == cap) {
                cap = cap ? 2 * cap : 8;
                char **a = realloc(gcol, cap * sizeof *a), **b = a ? realloc(glabel, cap * sizeof *b) : NULL;
                if (a) gcol = a;
                if (b) glabel = b;
                if (!a || !b) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
            }
            char *item = strndup(p, len);
            char *eq = item ? strchr(item, '=') : NULL;
            if (eq) *eq = 0;
            gcol[ng] = item;
            glabel[ng] = item ? strdup(eq ? eq + 1 : item) : NULL;
            ng++;
            if (!item || !glabel[ng - 1]) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
            if (!*item) { rc = gv_error_set(err, GV_EUSAGE, "--dots '%s': empty column name", o->dots); goto done; }
            if (!e) break;
            p = e + 1;
        }
        int *gc = malloc(ng * sizeof(int));
        pop = malloc((nf ? nf : 1) * ng * sizeof(double));
        if (!gc || !pop) { free(gc); rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto done; }
        for (size_t g = 0; g < ng; g++) {
            gc[g] = gv_table_col_index(T, gcol[g]);
            if (gc[g] < 0) {
                rc = gv_error_set(err, GV_EUSAGE, "%s: --dots column '%s' is not in the table", o->data, gcol[g]);
                free(gc);
                goto done;
            }
            for (size_t r = 0; r < nr; r++) {
                double d;
                if ((rc = gv_table_number(T, r, (size_t)gc[g], &d, err))) { free(gc); goto done; }
            }
        }
        size_t n_empty = 0;
        double persons[MAX_GROUPS] = {0};
        for (size_t f = 0; f < nf; f++) {
            size_t nrow = J ? gv_join_unit_nrows(J, f) : 0;
            const size_t *rows = nrow ? gv_join_unit_rows(J, f) : NULL;
            for (size_t g = 0; g < ng; g++) {
                double acc = NAN;
                int empty = 0;
                for (size_t q = 0; q < nrow; q++) {
                    double d;
                    gv_table_number(T, rows[q], (size_t)gc[g], &d, NULL);
                    if (isnan(d)) { n_empty++; empty = 1; continue; }
                    acc = isnan(acc) ? d : acc + d;
                }
                /* An empty count is unknown: the unit is drawn as no data
                 * (hatched, with its legend row), not as a unit of 0. */
                if (empty) values[f] = NAN;
                pop[f * ng + g] = acc;
                if (isfinite(acc)) persons[g] += acc;
            }
        }
        free(gc);
        /* Guard: a dot per few persons of a nation is millions of dots,
         * minutes of work and an unreadable blob. */
        double ndots = 0;
        for (size_t g = 0; g < ng; g++) ndots += persons[g] / o->dot_value;
        if (ndots > 2e6) {
            char nb[64];
            gv_format_number(o->dot_value, o->dot_value == floor(o->dot_value) ? 0 : 2, c->loc, nb, sizeof nb);
            rc = gv_error_set(err, GV_EUSAGE, "--dot-value %s would draw about %.0f dots (at most 2,000,000): choose a "
                              "larger value, e.g. %.0f", nb, ndots, ceil(o->dot_value * ndots / 50000.0));
            goto done;
        }
        double t = now_ms();
        if ((rc = gv_dots_place(L, pop, ng, o->dot_value, unit_keys, (const char *const *)gcol, o->seed, &dots, err)))
            goto done;
        char nb[64], pb[64];
        gv_format_number(o->dot_value, o->dot_value == floor(o->dot_value) ? 0 : 2, c->loc, nb, sizeof nb);
        logf_(c, "dots: 1 dot = %s persons (dots per unit and group = round half up of persons / %s), %zu dots, seed %llu, %.0f ms",
              nb, nb, dots.n, o->seed, now_ms() - t);
        json_object *jg = json_object_new_array();
        char hx[8];
        for (size_t g = 0; g < ng; g++) {
            size_t nd = 0;
            for (size_t f = 0; f < nf; f++) nd += dots.count[f * ng + g];
            gv_format_number(persons[g], 0, c->loc, pb, sizeof pb);
            logf_(c, "  %s %s (%s): %zu dots for %s persons", hex(colors[g], hx), glabel[g], gcol[g], nd, pb);
            json_object *x = json_object_new_object();
            json_object_object_add(x, "column", json_object_new_string(gcol[g]));
            json_object_object_add(x, "label", json_object_new_string(glabel[g]));
            json_object_object_add(x, "color", json_object_new_string(hex(colors[g], hx)));
            json_object_object_add(x, "persons", json_object_new_double(persons[g]));
            json_object_object_add(x, "dots", json_object_new_int64((int64_t)nd));
            json_object_array_add(jg, x);
        }
        if (n_empty) logf_(c, "  %zu empty cells in --dots columns of joined rows: those units are no data (hatched)", n_empty);
        if (dots.n_units_unplaced)
            logf_(c, "  %zu units have persons but no polygon: %.0f persons not drawn", dots.n_units_unplaced, dots.persons_unplaced);
        json_object *jd = json_object_new_object();
        json_object_object_add(jd, "persons_per_dot", json_object_new_double(o->dot_value));
        json_object_object_add(jd, "rounding", json_object_new_string("half up: floor(persons / persons_per_dot + 0.5)"));
        json_object_object_add(jd, "seed", json_object_new_int64((int64_t)o->seed));
        json_object_object_add(jd, "dots", json_object_new_int64((int64_t)dots.n));
        json_object_object_add(jd, "groups", jg);
        json_object_object_add(jd, "empty_cells", json_object_new_int64((int64_t)n_empty));
        json_object_object_add(jd, "units_unplaced", json_object_new_int64((int64_t)dots.n_units_unplaced));
        json_object_object_add(jd, "persons_unplaced", json_object_new_double(dots.persons_unplaced));
        json_object_object_add(rep, "dots", jd);
        for (size_t f = 0; f < nf; f++) {
            json_object *u = json_object_new_object();
            json_object_object_add(u, "fid", json_object_new_int64(gv_layer_fid(L, f)));
            json_object_object_add(u, "key", json_object_new_string(unit_keys[f] ? unit_keys[f] : ""));
            if (nmf >= 0) json_object_object_add(u, "name", json_object_new_string(gv_layer_value(L, f, (size_t)nmf)));
            json_object *dc = json_object_new_array();
            for (size_t g = 0; g < ng; g++) json_object_array_add(dc, json_object_new_int64((int64_t)dots.count[f * ng + g]));
            json_object_object_add(u, "dots", dc);
            json_object_array_add(units, u);
        }
        md.set = &dots;
        md.colors = colors;
        md.labels = (const char *const *)glabel;
        md.diameter_mm = o->dot_size;
        md.base_color = 0xf7f7f7;
    }

    /* Render, with the same page, layout and determinism as a choropleth. */
    double t = now_ms();
    gv_map_spec ms;
    memset(&ms, 0, sizeof ms);
    ms.layer = L;
    ms.values = values;
    ms.categories = c->mode == GV__MODE_CATEGORICAL ? &mc : NULL;
    ms.dots = c->mode == GV__MODE_DOTS ? &md : NULL;
    gv__map_spec_page(&ms, c);
    ms.title = o->title ? o->title : (o->value ? o->value : o->dots);
    ms.legend_title = o->legend_title ? o->legend_title : (c->mode == GV__MODE_CATEGORICAL ? o->value : NULL);
    if ((rc = gv__carto_setup(o, L, &cj, &ms, c->log, c->logctx, err))) goto done;
    if ((rc = gv_map_render(&ms, o->out, &info, err))) goto done;
    gv__carto_log(o, &info, c->log, c->logctx);
    if (J && o->join_report && (rc = gv_join_write_report(J, L, T, o->join_report, err))) {
        unlink(o->out);
        goto done;
    }
    char sz[64];
    logf_(c, "wrote %s (%lld bytes%s), %zu of %zu features drawn, %.0f ms", o->out, info.bytes,
          gv__size_text(c->fmt, &info, sz, sizeof sz), info.features_drawn, nf, now_ms() - c->t_start);
    if (o->report) {
        json_object *in = json_object_new_object();
        json_object_object_add(in, "shapes", json_object_new_string(o->shapes));
        json_object_object_add(in, "layer", json_object_new_string(gv_layer_name(L)));
        json_object_object_add(in, "features", json_object_new_int64((int64_t)nf));
        json_object_object_add(in, "data", json_object_new_string(o->data));
        json_object_object_add(in, "rows", json_object_new_int64((int64_t)nr));
        json_object_object_add(rep, "inputs", in);
        json_object *jj = json_object_new_object();
        json_object_object_add(jj, "units_matched", json_object_new_int64((int64_t)gv_join_units_matched(J)));
        json_object_object_add(jj, "units_without_data", json_object_new_int64((int64_t)gv_join_units_nodata(J)));
        json_object_object_add(jj, "rows_without_unit", json_object_new_int64((int64_t)gv_join_rows_unmatched(J)));
        json_object_object_add(jj, "name_mismatches", json_object_new_int64((int64_t)gv_join_name_mismatches(J)));
        json_object_object_add(rep, "join", jj);
        json_object *out = json_object_new_object();
        json_object_object_add(out, "file", json_object_new_string(o->out));
        json_object_object_add(out, "bytes", json_object_new_int64(info.bytes));
        json_object_object_add(out, "width_px", json_object_new_int(info.width_px));
        json_object_object_add(out, "height_px", json_object_new_int(info.height_px));
        json_object_object_add(out, "features_drawn", json_object_new_int64((int64_t)info.features_drawn));
        json_object_object_add(out, "proj", json_object_new_string(info.proj));
        json_object_object_add(out, "frames", gv__frames_json(&info));
        json_object_object_add(rep, "output", out);
        gv__carto_json(o, L, &info, rep);
        json_object_object_add(rep, "render_ms", json_object_new_double(now_ms() - t));
        if ((rc = write_report(rep, o->report, err))) {
            unlink(o->out);
            if (o->join_report) unlink(o->join_report);
            goto done;
        }
    }
done:
    json_object_put(rep);
    gv_render_info_clear(&info);
    gv__carto_job_free(&cj);
    gv_dot_set_clear(&dots);
    catlist_free(&cats);
    for (size_t g = 0; g < ng; g++) {
        free(gcol[g]);
        free(glabel[g]);
    }
    free(gcol);
    free(glabel);
    free(pop);
    free(values);
    free(fclass);
    free(labels);
    free(unit_keys);
    return rc;
}
