/* atlas_plan.c: which pages an atlas has and whether each must be drawn
 * (atlas_private.h).
 *
 * Every page gets a key: the SHA-256 of a canonical text of everything
 * that decides how it looks (the renderer revision, the set's units and
 * polygons, the indicator's definition and table, the area, the page's
 * title and size). Each output file has its own key (the PNG's includes
 * its DPI), so changing only the DPI redraws only the PNGs. An output is
 * kept when the previous manifest lists the same key for it and the file
 * is still there. Class breaks are not in the key: national breaks are a
 * function of the indicator's table and the set's polygons, which are.
 *
 * Nothing here opens a boundary source or reads a table: deciding that a
 * re-run has nothing to do costs the hashing of the input files. */
#include "atlas_private.h"
#include "jobutil.h"

#include "geovoice/sets.h"
#include "geovoice/table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A growing text of key=value lines, hashed into a key. */
typedef struct canon {
    char *p;
    size_t n, cap;
    int oom;
} canon;

static void kv(canon *c, const char *k, const char *fmt, ...) GV_PRINTF(3, 4);
static void kv(canon *c, const char *k, const char *fmt, ...) {
    char val[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    size_t need = strlen(k) + strlen(val) + 3;
    if (c->n + need > c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 4096;
        while (nc < c->n + need) nc *= 2;
        char *q = realloc(c->p, nc);
        if (!q) { c->oom = 1; return; }
        c->p = q;
        c->cap = nc;
    }
    /* Newlines inside values would let two different texts collide. */
    c->n += (size_t)snprintf(c->p + c->n, need, "%s=", k);
    for (const char *s = val; *s; s++) c->p[c->n++] = *s == '\n' ? ' ' : *s;
    c->p[c->n++] = '\n';
    c->p[c->n] = 0;
}

static const char *nz(const char *s) { return s ? s : ""; }

static int add_input(gv_plan *p, const char *id, const char *file, gv_error *err) {
    for (size_t i = 0; i < p->ninputs; i++)
        if (!strcmp(p->inputs[i].id, id)) return GV_OK;
    gv_input *in = realloc(p->inputs, (p->ninputs + 1) * sizeof *in);
    if (!in) return gv_error_set(err, GV_ENOMEM, "out of memory");
    p->inputs = in;
    gv_input *x = &in[p->ninputs];
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", id);
    snprintf(x->file, sizeof x->file, "%s", file);
    for (size_t i = 0; i < p->ninputs; i++)
        if (!strcmp(p->inputs[i].file, file)) {
            /* The same file under another role (provinces and communes in
             * one GeoPackage): hashed once. */
            snprintf(x->sha256, sizeof x->sha256, "%s", p->inputs[i].sha256);
            p->ninputs++;
            return GV_OK;
        }
    /* A Shapefile is several files; its attributes (names) live in the
     * .dbf, so all of them count. */
    size_t n = strlen(file);
    if (n > 4 && !strcasecmp(file + n - 4, ".shp")) {
        static const char *const EXT[] = {".shp", ".shx", ".dbf", ".prj", ".cpg"};
        canon c = {0};
        for (size_t k = 0; k < 5; k++) {
            char f[4200], h[GV_SHA_HEX];
            snprintf(f, sizeof f, "%.*s%s", (int)(n - 4), file, EXT[k]);
            if (gv__sha256_file(f, h, NULL) == GV_OK) kv(&c, EXT[k], "%s", h);
        }
        if (c.oom) { free(c.p); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
        gv__sha256_mem(c.p ? c.p : "", c.n, x->sha256);
        free(c.p);
    } else {
        struct stat st;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            int rc = gv__sha256_file(file, x->sha256, err);
            if (rc) return rc;
        } else if (stat(file, &st) != 0) {
            return gv_error_set(err, GV_EDATA, "%s (%s): cannot read (%s)", file, id, strerror(errno));
        } else {
            /* A folder or a connection string: its name is all we can
             * hash; changes inside it need --force. */
            gv__sha256_mem(file, strlen(file), x->sha256);
        }
    }
    p->ninputs++;
    return GV_OK;
}

int gv__plan_input(const gv_plan *p, const char *id) {
    for (size_t i = 0; i < p->ninputs; i++)
        if (!strcmp(p->inputs[i].id, id)) return (int)i;
    return -1;
}

static const char *input_sha(const gv_plan *p, const char *id) {
    int i = gv__plan_input(p, id);
    return i >= 0 ? p->inputs[i].sha256 : "";
}

/* A separator at either end of a title, or doubled inside it, left by an
 * empty {code} (national and region pages have no code): "{code} {name}"
 * is "Toàn quốc", "{name} ({code})" is "Toàn quốc", "{code} — {name}" is
 * "Toàn quốc". */
static int sep_at(const char *s) {
    if (*s == ' ' || *s == '-' || *s == ':' || *s == ',' || *s == '/' || *s == '|') return 1;
    if (!strncmp(s, "\xE2\x80\x94", 3) || !strncmp(s, "\xE2\x80\x93", 3) || !strncmp(s, "\xC2\xB7", 2))
        return (unsigned char)s[0] == 0xC2 ? 2 : 3; /* — – · */
    return 0;
}
static void tidy_title(char *t) {
    char *w = t;
    for (const char *r = t; *r;) {
        if ((r[0] == '(' && r[1] == ')') || (r[0] == '[' && r[1] == ']')) { r += 2; continue; }
        *w++ = *r++;
    }
    *w = 0;
    /* collapse spaces */
    w = t;
    for (const char *r = t; *r; r++)
        if (!(*r == ' ' && (w == t || w[-1] == ' '))) *w++ = *r;
    *w = 0;
    /* a separator doubled by the gap ("— — ", "· · ", ": ") : the
     * second one of two separators with only spaces between goes */
    for (char *r = t; *r;) {
        int m1 = *r != ' ' ? sep_at(r) : 0;
        if (!m1) { r++; continue; }
        char *q = r + m1;
        while (*q == ' ') q++;
        int m2 = *q && *q != ' ' ? sep_at(q) : 0;
        if (m2) {
            char *e = q + m2;
            while (*e == ' ') e++;
            memmove(q, e, strlen(e) + 1);
            continue;
        }
        r = q;
    }
    /* leading separators */
    size_t lead = 0;
    for (int m; (m = sep_at(t + lead));) lead += (size_t)m;
    if (lead) memmove(t, t + lead, strlen(t + lead) + 1);
    /* trailing separators */
    for (size_t n = strlen(t); n;) {
        size_t m = 0;
        for (size_t back = 1; back <= 3 && back <= n; back++)
            if (sep_at(t + n - back) == (int)back || (back == 1 && sep_at(t + n - 1) == 1)) { m = back; break; }
        if (!m) break;
        n -= m;
        t[n] = 0;
    }
}

/* Title template with {name} and {code} replaced. */
static void fill_template(const char *t, const gv_area *a, char *out, size_t n) {
    size_t k = 0;
    out[0] = 0;
    for (const char *s = t ? t : ""; *s && k + 1 < n;) {
        const char *rep = NULL;
        if (!strncmp(s, "{name}", 6)) rep = a->name;
        else if (!strncmp(s, "{code}", 6)) rep = a->kind == GV_AREA_PROVINCE ? a->code : "";
        if (rep) {
            k += (size_t)snprintf(out + k, n - k, "%s", rep);
            if (k >= n) k = n - 1;
            s += 6;
        } else out[k++] = *s++;
    }
    out[k] = 0;
    if (a->kind != GV_AREA_PROVINCE && t && strstr(t, "{code}")) tidy_title(out);
}

static int cmp_code(const void *a, const void *b) {
    const gv_unit *x = *(const gv_unit *const *)a, *y = *(const gv_unit *const *)b;
    size_t lx = strlen(x->code), ly = strlen(y->code);
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->code, y->code);
}

static int push_area(gv_plan *p, const gv_area *a, gv_error *err) {
    gv_area *na = realloc(p->areas, (p->nareas + 1) * sizeof *na);
    if (!na) return gv_error_set(err, GV_ENOMEM, "out of memory");
    p->areas = na;
    p->areas[p->nareas++] = *a;
    return GV_OK;
}

/* Areas in page order: the nation, the provinces (by code), the regions. */
static int make_areas(gv_plan *p, gv_error *err) {
    const gv_atlas_spec *s = p->spec;
    const gv_units *u = NULL;
    int rc = GV_OK;
    if ((s->provinces_all || s->nprovinces || s->regions) && (rc = gv_set_units(p->set, &u, err))) return rc;
    if (s->national) {
        gv_area a;
        memset(&a, 0, sizeof a);
        a.kind = GV_AREA_NATION;
        snprintf(a.code, sizeof a.code, "vn");
        snprintf(a.name, sizeof a.name, "%s", s->national_name);
        if ((rc = push_area(p, &a, err))) return rc;
    }
    size_t nprov = u ? gv_units_count_level(u, GV_LEVEL_PROVINCE) : 0;
    const gv_unit **prov = calloc(nprov ? nprov : 1, sizeof *prov);
    if (!prov) return gv_error_set(err, GV_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; u && i < gv_units_count(u); i++) {
        const gv_unit *x = gv_units_at(u, i);
        if (x->level == GV_LEVEL_PROVINCE && k < nprov) prov[k++] = x;
    }
    nprov = k;
    qsort(prov, nprov, sizeof *prov, cmp_code);
    if (s->provinces_all || s->nprovinces) {
        size_t nwant = s->provinces_all ? nprov : s->nprovinces;
        for (size_t i = 0; i < nwant && !rc; i++) {
            const gv_unit *x = s->provinces_all ? prov[i] : gv_units_find(u, GV_LEVEL_PROVINCE, s->provinces[i]);
            if (!x) {
                rc = gv_error_set(err, GV_EUSAGE, "%s: key 'pages.provinces': no province '%s' in boundary set '%s'",
                                  s->path, s->provinces[i], gv_set_name(p->set));
                break;
            }
            gv_area a;
            memset(&a, 0, sizeof a);
            a.kind = GV_AREA_PROVINCE;
            snprintf(a.code, sizeof a.code, "%s", x->code);
            snprintf(a.name, sizeof a.name, "%s", x->name);
            for (size_t j = 0; j < p->nareas; j++)
                if (p->areas[j].kind == GV_AREA_PROVINCE && !strcmp(p->areas[j].code, a.code))
                    rc = gv_error_set(err, GV_EUSAGE, "%s: key 'pages.provinces': province %s is listed twice", s->path, a.code);
            if (!rc) rc = push_area(p, &a, err);
        }
    }
    if (!rc && s->regions) {
        gv_grouping *g = NULL;
        if ((rc = gv_grouping_read(s->regions, NULL, NULL, &g, err))) {
            free(prov);
            return gv_error_prefix(err, "%s: key 'pages.regions': ", s->path);
        }
        if ((rc = add_input(p, "regions", s->regions, err))) { gv_grouping_free(g); free(prov); return rc; }
        /* The table must be of this set: every code a province of it and,
         * where the table names them, the same province (codes were reused
         * by the 2025 reform: 80 is Long An in 2019, Tây Ninh in 2025). */
        {
            gv_table *gt = NULL;
            if (gv_table_read_csv(s->regions, NULL, &gt, NULL) == GV_OK) {
                static const char *const CC[] = {"code", "gso_code", "ma", NULL}, *const NC[] = {"name", "ten", "tên", NULL};
                int cc = -1, nc = -1;
                for (int k = 0; CC[k] && cc < 0; k++) cc = gv_table_col_index(gt, CC[k]);
                for (int k = 0; NC[k] && nc < 0; k++) nc = gv_table_col_index(gt, NC[k]);
                for (size_t r = 0; cc >= 0 && r < gv_table_nrows(gt) && !rc; r++) {
                    const char *code = gv_table_cell(gt, r, (size_t)cc);
                    char k1[16], k2[16];
                    if (!*code || gv_code_key(code, k1, sizeof k1, NULL) != GV_OK) continue;
                    const gv_unit *hit = NULL;
                    for (size_t i = 0; i < nprov && !hit; i++)
                        if (gv_code_key(prov[i]->code, k2, sizeof k2, NULL) == GV_OK && !strcmp(k1, k2)) hit = prov[i];
                    const char *nm = nc >= 0 ? gv_table_cell(gt, r, (size_t)nc) : "";
                    if (!hit)
                        rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu), column '%s': '%s' is no province of boundary "
                                                         "set '%s' (a grouping of another set?)",
                                          s->regions, r + 1, gv_table_row_line(gt, r), gv_table_colname(gt, (size_t)cc), code,
                                          gv_set_name(p->set));
                    else if (*nm && !gv__names_fit(nm, hit->name))
                        rc = gv_error_set(err, GV_EDATA, "%s: row %zu (line %zu): code '%s' is '%s' in the table but '%s' in "
                                                         "boundary set '%s' (a grouping of another set?)",
                                          s->regions, r + 1, gv_table_row_line(gt, r), code, nm, hit->name, gv_set_name(p->set));
                }
                gv_table_free(gt);
            }
            if (rc) { gv_grouping_free(g); free(prov); return rc; }
        }
        for (size_t gi = 0; gi < gv_grouping_ngroups(g) && !rc; gi++) {
            const char *name = gv_grouping_group_at(g, gi);
            gv_area a;
            memset(&a, 0, sizeof a);
            a.kind = GV_AREA_REGION;
            char slug[60];
            gv_atlas_slug(name, slug, sizeof slug);
            snprintf(a.code, sizeof a.code, "r-%s", *slug ? slug : "group");
            snprintf(a.name, sizeof a.name, "%s", name);
            for (size_t j = 0; j < p->nareas && !rc; j++)
                if (p->areas[j].kind == GV_AREA_REGION && !strcmp(p->areas[j].code, a.code))
                    rc = gv_error_set(err, GV_EUSAGE,
                                      "%s: groups '%s' and '%s' give the same page name '%s' (names that differ only in "
                                      "marks, case or punctuation); rename one",
                                      s->regions, p->areas[j].name, name, a.code);
            if (rc) break;
            for (size_t i = 0; i < nprov; i++) {
                const char *gr = gv_grouping_group(g, prov[i]->code);
                if (!gr || strcmp(gr, name)) continue;
                char **m = realloc(a.members, (a.nmembers + 1) * sizeof *m);
                if (!m || !(m[a.nmembers] = strdup(prov[i]->code))) {
                    free(m ? m : a.members);
                    rc = gv_error_set(err, GV_ENOMEM, "out of memory");
                    break;
                }
                a.members = m;
                a.nmembers++;
            }
            if (!rc && !a.nmembers) {
                rc = gv_error_set(err, GV_EDATA, "%s: group '%s' lists no province of boundary set '%s'", s->regions, name,
                                  gv_set_name(p->set));
                free(a.members);
            } else if (!rc && (rc = push_area(p, &a, err))) {
                for (size_t i = 0; i < a.nmembers; i++) free(a.members[i]);
                free(a.members);
            }
        }
        gv_grouping_free(g);
    }
    free(prov);
    return rc;
}

/* Canonical text of an indicator (every key of the spec). */
static void indicator_key(const gv_plan *p, size_t i, char hex[GV_SHA_HEX]) {
    const gv_atlas_indicator *d = &p->spec->indicators[i];
    canon c = {0};
    kv(&c, "name", "%s", d->name);
    kv(&c, "slug", "%s", d->slug);
    kv(&c, "table", "%s", nz(d->table));
    if (d->table) {
        for (size_t t = 0; t < p->spec->ntables; t++)
            if (!strcmp(p->spec->tables[t].id, d->table)) {
                char id[160];
                snprintf(id, sizeof id, "table:%s", d->table);
                kv(&c, "table.sha256", "%s", input_sha(p, id));
                kv(&c, "table.join", "%s", p->spec->tables[t].join);
                if (p->spec->tables[t].dup != GV_DUP_ERROR) kv(&c, "table.duplicates", "%d", (int)p->spec->tables[t].dup);
            }
    }
    kv(&c, "value", "%s", d->value);
    kv(&c, "classify", "%s", d->classify);
    kv(&c, "palette", "%s", d->palette);
    kv(&c, "reverse", "%d", d->reverse);
    kv(&c, "center", d->has_center ? "%.17g" : "none%.0g", d->center);
    kv(&c, "breaks", "%s", d->local_breaks ? "local" : "national");
    kv(&c, "suppress", "%s<%.17g", nz(d->suppress_column), d->suppress_below);
    kv(&c, "decimals", "%d", d->decimals);
    kv(&c, "legend_title", "%s", nz(d->legend_title));
    kv(&c, "source", "%s", nz(d->source));
    kv(&c, "date", "%s", nz(d->date));
    gv__sha256_mem(c.p ? c.p : "", c.n, hex);
    free(c.p);
}

static void out_key(const char *page_key, const char *what, double dpi, char hex[GV_SHA_HEX]) {
    char t[200];
    int n = snprintf(t, sizeof t, "%s\n%s\n%.6g\n", page_key, what, dpi);
    gv__sha256_mem(t, (size_t)n, hex);
}

static int make_pages(gv_plan *p, gv_error *err) {
    const gv_atlas_spec *s = p->spec;
    size_t n = p->nareas * s->nindicators;
    if (!n) return gv_error_set(err, GV_EUSAGE, "%s: the atlas has no pages (key 'pages': national, provinces, regions)", s->path);
    if (!(p->pages = calloc(n, sizeof *p->pages))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    const char *units_sha = input_sha(p, "units"), *bsha = input_sha(p, "boundaries");
    for (size_t q = 0; q < n; q++) {
        size_t a = s->order_by_area ? q / s->nindicators : q % p->nareas;
        size_t i = s->order_by_area ? q % s->nindicators : q / p->nareas;
        gv_page_plan *pg = &p->pages[p->npages++];
        const gv_area *ar = &p->areas[a];
        const gv_atlas_indicator *d = &s->indicators[i];
        pg->area = a;
        pg->ind = i;
        snprintf(pg->id, sizeof pg->id, "%s-%s", ar->code, d->slug);
        /* Area codes and slugs both hold '-': "r-a-y" + "kien" and "r-a" +
         * "y-kien" would be one file, one page overwriting the other. */
        for (size_t q2 = 0; q2 + 1 < p->npages; q2++)
            if (!strcmp(p->pages[q2].id, pg->id))
                return gv_error_set(err, GV_EUSAGE,
                                    "%s: the pages '%s — %s' and '%s — %s' would have the same file name '%s' "
                                    "(area and indicator slugs run together): change a slug or a group name",
                                    s->path, d->name, ar->name, s->indicators[p->pages[q2].ind].name,
                                    p->areas[p->pages[q2].area].name, pg->id);
        fill_template(d->title, ar, pg->title, sizeof pg->title);
        fill_template(d->subtitle, ar, pg->subtitle, sizeof pg->subtitle);
        canon c = {0};
        kv(&c, "rev", "%s", GV_ATLAS_RENDER_REV);
        kv(&c, "set", "%s %s", gv_set_name(p->set), input_sha(p, "set"));
        kv(&c, "units", "%s", units_sha);
        kv(&c, "boundaries", "%s", bsha);
        kv(&c, "level", "%s", gv_level_name(s->level));
        kv(&c, "area", "%d %s %s", (int)ar->kind, ar->code, ar->name);
        for (size_t m = 0; m < ar->nmembers; m++) kv(&c, "member", "%s", ar->members[m]);
        if (ar->kind == GV_AREA_REGION) kv(&c, "regions", "%s", input_sha(p, "regions"));
        kv(&c, "indicator", "%s", p->ind_key[i]);
        kv(&c, "title", "%s", pg->title);
        kv(&c, "subtitle", "%s", pg->subtitle);
        kv(&c, "page", "%.6gx%.6g", s->page.width_mm, s->page.height_mm);
        kv(&c, "locale", "%s", s->locale);
        int part = ar->kind != GV_AREA_NATION;
        kv(&c, "map", "context=%d locator=%d labels=%s halo=%d north=%d", part && s->context, part && s->locator,
           nz(s->labels), s->label_halo, s->north_arrow);
        if (part && (s->context || s->locator)) kv(&c, "context", "%s", input_sha(p, "context"));
        kv(&c, "meta", "%s|%s", nz(s->author), s->indicators[i].name);
        if (c.oom) { free(c.p); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
        gv__sha256_mem(c.p, c.n, pg->key);
        free(c.p);
        pg->pdf.want = s->want_pdf;
        pg->png.want = s->want_png;
        snprintf(pg->pdf.file, sizeof pg->pdf.file, "pages/%s.pdf", pg->id);
        snprintf(pg->png.file, sizeof pg->png.file, "pages/%s.png", pg->id);
        out_key(pg->key, "pdf", 0, pg->pdf.key);
        out_key(pg->key, "png", s->dpi, pg->png.key);
    }
    /* The book: its metadata and contents, and each page's PDF. */
    canon c = {0};
    kv(&c, "rev", "%s", GV_ATLAS_RENDER_REV);
    kv(&c, "title", "%s", nz(s->title));
    kv(&c, "subtitle", "%s", nz(s->subtitle));
    kv(&c, "author", "%s", nz(s->author));
    kv(&c, "subject", "%s", nz(s->subject));
    kv(&c, "keywords", "%s", nz(s->keywords));
    kv(&c, "contents", "%d %s %d", s->contents, s->locale, s->order_by_area);
    kv(&c, "page", "%.6gx%.6g", s->page.width_mm, s->page.height_mm);
    for (size_t k = 0; k < p->npages; k++) kv(&c, "page", "%s %s", p->pages[k].id, p->pages[k].pdf.key);
    if (c.oom) { free(c.p); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    gv__sha256_mem(c.p, c.n, p->book_key);
    free(c.p);
    return GV_OK;
}

/* Hash of the units table as the set reads it (its file is the set's
 * business; what pages use are the units). */
static int units_input(gv_plan *p, gv_error *err) {
    const gv_units *u = NULL;
    int rc = gv_set_units(p->set, &u, err);
    if (rc) return rc;
    canon c = {0};
    for (size_t i = 0; i < gv_units_count(u); i++) {
        const gv_unit *x = gv_units_at(u, i);
        kv(&c, gv_level_name(x->level), "%s|%s|%s|%s", x->code, x->name, x->type, x->parent_code);
    }
    if (c.oom) { free(c.p); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    gv_input *in = realloc(p->inputs, (p->ninputs + 1) * sizeof *in);
    if (!in) { free(c.p); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    p->inputs = in;
    gv_input *x = &in[p->ninputs++];
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "units");
    snprintf(x->file, sizeof x->file, "%s (units table)", gv_set_manifest(p->set));
    gv__sha256_mem(c.p ? c.p : "", c.n, x->sha256);
    free(c.p);
    return GV_OK;
}

int gv__plan_make(const gv_atlas_options *o, gv_plan *p, gv_error *err) {
    memset(p, 0, sizeof *p);
    int rc = gv_atlas_spec_read(o->spec, &p->spec, err);
    if (rc) return rc;
    gv_atlas_spec *s = p->spec;
    if (s->nindicators > 64) return gv_error_set(err, GV_EUSAGE, "%s: at most 64 indicators", s->path);
    if (o->formats) {
        s->want_pdf = s->want_png = 0;
        char buf[64], *save = NULL;
        snprintf(buf, sizeof buf, "%s", o->formats);
        for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
            int *w = !strcasecmp(f, "pdf") ? &s->want_pdf : !strcasecmp(f, "png") ? &s->want_png : NULL;
            if (!w || *w)
                return gv_error_set(err, GV_EUSAGE, "--formats '%s': expected pdf, png or pdf,png (each once)", o->formats);
            *w = 1;
        }
        if (!s->want_pdf && !s->want_png)
            return gv_error_set(err, GV_EUSAGE, "--formats '%s': expected pdf, png or pdf,png", o->formats);
    }
    const char *out = o->out ? o->out : s->output;
    if (!out || !*out) return gv_error_set(err, GV_EUSAGE, "%s: no output folder (give -o DIR, or key 'output')", s->path);
    snprintf(p->out, sizeof p->out, "%s", out);
    for (size_t n = strlen(p->out); n > 1 && p->out[n - 1] == '/'; n--) p->out[n - 1] = 0;

    /* The set: the caller's directories first, then the spec's. */
    char dirs[8300];
    snprintf(dirs, sizeof dirs, "%s%s%s", o->sets_dir ? o->sets_dir : "", o->sets_dir && s->sets_dir ? ":" : "",
             s->sets_dir ? s->sets_dir : "");
    rc = strchr(s->set, '/') ? gv_set_open_file(s->set, &p->set, err) : gv_set_open(s->set, *dirs ? dirs : NULL, &p->set, err);
    if (rc) return gv_error_prefix(err, "%s: key 'set': ", s->path);
    p->lv = gv_set_level(p->set, s->level);
    if (!p->lv || !p->lv->source)
        return gv_error_set(err, GV_EUSAGE, "%s: key 'level': boundary set '%s' has no polygons for level '%s'", s->path,
                            gv_set_name(p->set), gv_level_name(s->level));
    if ((rc = add_input(p, "set", gv_set_manifest(p->set), err))) return rc;
    if ((rc = units_input(p, err))) return rc;
    if ((rc = add_input(p, "boundaries", p->lv->source, err))) return rc;
    const gv_set_layer *pl = gv_set_level(p->set, GV_LEVEL_PROVINCE);
    if ((s->context || s->locator) && (s->provinces_all || s->nprovinces || s->regions)) {
        if (!pl || !pl->source)
            return gv_error_set(err, GV_EUSAGE, "%s: key 'map': context and locator need the province polygons of boundary "
                                "set '%s' (or map: {context: no, locator: no})", s->path, gv_set_name(p->set));
        if ((rc = add_input(p, "context", pl->source, err))) return rc;
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        const char *t = s->indicators[i].table;
        if (!t) continue;
        for (size_t k = 0; k < s->ntables; k++) {
            if (strcmp(s->tables[k].id, t)) continue;
            char id[160];
            snprintf(id, sizeof id, "table:%s", t);
            if ((rc = add_input(p, id, s->tables[k].file, err))) return gv_error_prefix(err, "%s: tables.%s: ", s->path, t);
        }
    }
    if ((rc = make_areas(p, err))) return rc;
    for (size_t i = 0; i < s->nindicators; i++) indicator_key(p, i, p->ind_key[i]);
    return make_pages(p, err);
}

void gv__plan_clear(gv_plan *p) {
    for (size_t a = 0; a < p->nareas; a++) {
        for (size_t m = 0; m < p->areas[a].nmembers; m++) free(p->areas[a].members[m]);
        free(p->areas[a].members);
    }
    free(p->areas);
    free(p->pages);
    free(p->inputs);
    free(p->old_manifest);
    gv_set_free(p->set);
    gv_atlas_spec_free(p->spec);
    memset(p, 0, sizeof *p);
}

static const char *jstr(json_object *o, const char *k) {
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                                   : NULL;
}

static void keep_if_same(gv_out_file *f, json_object *old_out, const char *old_dir, int force) {
    f->keep = 0;
    if (!f->want || force || !old_out) return;
    const char *key = jstr(old_out, "key"), *file = jstr(old_out, "file"), *sha = jstr(old_out, "sha256");
    if (!key || !file || !sha || strcmp(key, f->key) || strcmp(file, f->file)) return;
    char path[5000];
    snprintf(path, sizeof path, "%s/%s", old_dir, f->file);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
    /* A kept file must still be the one the manifest names: a page emptied
     * or damaged since (a full disk, a hand edit) is drawn again. */
    char have[GV_SHA_HEX];
    if (gv__sha256_file(path, have, NULL) != GV_OK || strcmp(have, sha)) return;
    f->keep = 1;
    snprintf(f->sha256, sizeof f->sha256, "%s", sha);
    json_object *v;
    if (json_object_object_get_ex(old_out, "width_px", &v)) f->width_px = json_object_get_int(v);
    if (json_object_object_get_ex(old_out, "height_px", &v)) f->height_px = json_object_get_int(v);
    const char *fr = jstr(old_out, "frames");
    snprintf(f->frames, sizeof f->frames, "%s", fr ? fr : "");
}

size_t gv__plan_compare(gv_plan *p, const char *old, int force) {
    char mpath[4200];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", old);
    json_object *m = NULL;
    FILE *f = fopen(mpath, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        rewind(f);
        char *t = n > 0 ? malloc((size_t)n + 1) : NULL;
        if (t && fread(t, 1, (size_t)n, f) == (size_t)n) {
            t[n] = 0;
            m = json_tokener_parse(t);
            p->old_manifest = t;
        } else free(t);
        fclose(f);
    }
    json_object *pages = NULL;
    if (m) json_object_object_get_ex(m, "pages", &pages);
    size_t todo = 0, npdf_drawn = 0;
    for (size_t k = 0; k < p->npages; k++) {
        gv_page_plan *pg = &p->pages[k];
        json_object *old_page = NULL;
        for (size_t j = 0; pages && j < json_object_array_length(pages); j++) {
            json_object *x = json_object_array_get_idx(pages, j);
            const char *id = jstr(x, "id");
            if (id && !strcmp(id, pg->id)) { old_page = x; break; }
        }
        json_object *outs = NULL, *op = NULL, *og = NULL;
        if (old_page && json_object_object_get_ex(old_page, "outputs", &outs)) {
            json_object_object_get_ex(outs, "pdf", &op);
            json_object_object_get_ex(outs, "png", &og);
        }
        keep_if_same(&pg->pdf, op, old, force);
        keep_if_same(&pg->png, og, old, force);
        if ((pg->pdf.want && !pg->pdf.keep) || (pg->png.want && !pg->png.keep)) todo++;
        if (pg->pdf.want && !pg->pdf.keep) npdf_drawn++;
    }
    p->book_keep = 0;
    json_object *book = NULL;
    if (m && p->spec->want_pdf && !npdf_drawn && !force && json_object_object_get_ex(m, "book", &book)) {
        const char *key = jstr(book, "key"), *file = jstr(book, "file"), *sha = jstr(book, "sha256");
        char path[5000];
        snprintf(path, sizeof path, "%s/%s", old, file ? file : "");
        struct stat st;
        char have[GV_SHA_HEX] = "";
        if (key && file && sha && !strcmp(key, p->book_key) && !strcmp(file, p->spec->pdf_name) && stat(path, &st) == 0 &&
            gv__sha256_file(path, have, NULL) == GV_OK && !strcmp(have, sha)) {
            p->book_keep = 1;
            snprintf(p->book_sha, sizeof p->book_sha, "%s", sha);
            json_object *v;
            if (json_object_object_get_ex(book, "pages", &v)) p->book_pages = json_object_get_int(v);
        }
    }
    json_object_put(m);
    return todo;
}

static json_object *jnew_str(const char *s) { return json_object_new_string(s ? s : ""); }

static json_object *out_json(const gv_out_file *f, int png) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "file", jnew_str(f->file));
    json_object_object_add(o, "key", jnew_str(f->key));
    json_object_object_add(o, "sha256", jnew_str(f->sha256));
    json_object_object_add(o, "frames", jnew_str(f->frames));
    if (png) {
        json_object_object_add(o, "width_px", json_object_new_int(f->width_px));
        json_object_object_add(o, "height_px", json_object_new_int(f->height_px));
    }
    return o;
}

json_object *gv__plan_manifest(const gv_plan *p, int book_pages, const char *book_sha) {
    const gv_atlas_spec *s = p->spec;
    json_object *m = json_object_new_object();
    json_object_object_add(m, "geovoice_atlas", json_object_new_int(1));
    json_object_object_add(m, "renderer", jnew_str(GV_ATLAS_RENDER_REV));
    json_object_object_add(m, "title", jnew_str(s->title));
    json_object_object_add(m, "set", jnew_str(gv_set_name(p->set)));
    json_object_object_add(m, "level", jnew_str(gv_level_name(s->level)));
    char spec_sha[GV_SHA_HEX] = "";
    gv__sha256_file(s->path, spec_sha, NULL);
    json_object *sp = json_object_new_object();
    json_object_object_add(sp, "file", jnew_str(s->path));
    json_object_object_add(sp, "sha256", jnew_str(spec_sha));
    json_object_object_add(m, "spec", sp);
    json_object *ins = json_object_new_array();
    for (size_t i = 0; i < p->ninputs; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "id", jnew_str(p->inputs[i].id));
        json_object_object_add(x, "file", jnew_str(p->inputs[i].file));
        json_object_object_add(x, "sha256", jnew_str(p->inputs[i].sha256));
        json_object_array_add(ins, x);
    }
    json_object_object_add(m, "inputs", ins);
    json_object *fm = json_object_new_array();
    if (s->want_pdf) json_object_array_add(fm, jnew_str("pdf"));
    if (s->want_png) json_object_array_add(fm, jnew_str("png"));
    json_object_object_add(m, "formats", fm);
    json_object *pm = json_object_new_array();
    json_object_array_add(pm, json_object_new_double(s->page.width_mm));
    json_object_array_add(pm, json_object_new_double(s->page.height_mm));
    json_object_object_add(m, "page_mm", pm);
    json_object_object_add(m, "dpi", json_object_new_double(s->dpi));
    if (s->want_pdf) {
        json_object *b = json_object_new_object();
        json_object_object_add(b, "file", jnew_str(s->pdf_name));
        json_object_object_add(b, "pages", json_object_new_int(book_pages));
        json_object_object_add(b, "key", jnew_str(p->book_key));
        json_object_object_add(b, "sha256", jnew_str(book_sha));
        json_object_object_add(m, "book", b);
    }
    json_object *inds = json_object_new_array();
    for (size_t i = 0; i < s->nindicators; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "slug", jnew_str(s->indicators[i].slug));
        json_object_object_add(x, "name", jnew_str(s->indicators[i].name));
        json_object_object_add(x, "value", jnew_str(s->indicators[i].value));
        json_object_object_add(x, "table", s->indicators[i].table ? jnew_str(s->indicators[i].table) : NULL);
        json_object_object_add(x, "breaks", jnew_str(s->indicators[i].local_breaks ? "local" : "national"));
        json_object_object_add(x, "key", jnew_str(p->ind_key[i]));
        json_object_array_add(inds, x);
    }
    json_object_object_add(m, "indicators", inds);
    json_object *pages = json_object_new_array();
    static const char *const KIND[] = {"nation", "province", "region"};
    for (size_t k = 0; k < p->npages; k++) {
        const gv_page_plan *pg = &p->pages[k];
        const gv_area *ar = &p->areas[pg->area];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "id", jnew_str(pg->id));
        json_object_object_add(x, "book_page", pg->book_page ? json_object_new_int(pg->book_page) : NULL);
        json_object_object_add(x, "title", jnew_str(pg->title));
        json_object *a = json_object_new_object();
        json_object_object_add(a, "level", jnew_str(KIND[ar->kind]));
        json_object_object_add(a, "code", jnew_str(ar->kind == GV_AREA_NATION ? "" : ar->code));
        json_object_object_add(a, "name", jnew_str(ar->name));
        if (ar->nmembers) {
            json_object *mm = json_object_new_array();
            for (size_t q = 0; q < ar->nmembers; q++) json_object_array_add(mm, jnew_str(ar->members[q]));
            json_object_object_add(a, "provinces", mm);
        }
        json_object_object_add(x, "area", a);
        json_object_object_add(x, "indicator", jnew_str(s->indicators[pg->ind].slug));
        json_object_object_add(x, "key", jnew_str(pg->key));
        /* The hashes this page was made from. */
        json_object *hin = json_object_new_object();
        json_object_object_add(hin, "set", jnew_str(input_sha(p, "set")));
        json_object_object_add(hin, "units", jnew_str(input_sha(p, "units")));
        json_object_object_add(hin, "boundaries", jnew_str(input_sha(p, "boundaries")));
        if (s->indicators[pg->ind].table) {
            char id[160];
            snprintf(id, sizeof id, "table:%s", s->indicators[pg->ind].table);
            json_object_object_add(hin, id, jnew_str(input_sha(p, id)));
        }
        if (ar->kind == GV_AREA_REGION) json_object_object_add(hin, "regions", jnew_str(input_sha(p, "regions")));
        json_object_object_add(hin, "indicator", jnew_str(p->ind_key[pg->ind]));
        json_object_object_add(x, "inputs", hin);
        if (pg->failed) json_object_object_add(x, "error", jnew_str(pg->error));
        if (pg->failed && pg->stale) json_object_object_add(x, "stale", json_object_new_boolean(1));
        if (!pg->failed || pg->stale) {
            json_object *outs = json_object_new_object();
            if (pg->pdf.want) json_object_object_add(outs, "pdf", out_json(&pg->pdf, 0));
            if (pg->png.want) json_object_object_add(outs, "png", out_json(&pg->png, 1));
            json_object_object_add(x, "outputs", outs);
        }
        json_object_array_add(pages, x);
    }
    json_object_object_add(m, "pages", pages);
    return m;
}
