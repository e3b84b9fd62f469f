/* check_job.c: `geovoice check` as a library call (see include/geovoice/check.h).
 *
 * Reuses the readers as they are: gv_layer_open_ex, lenient (geometry
 * checks and repair per feature, extent diagnosis, text encoding), gv_table_read_csv (the table
 * problems), gv_join_run (coverage). This file only looks at what they
 * found and writes it twice: text for staff, JSON for machines. */
#include "geovoice/check.h"

#include "geovoice/encoding.h"
#include "geovoice/geomcheck.h"
#include "geovoice/join.h"
#include "geovoice/layer.h"
#include "geovoice/names.h"
#include "geovoice/table.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct gv_check_report {
    char *text;
    size_t len, cap;
    int nomem;
    size_t nproblems;
    json_object *root;
    char *json;
};

void gv_check_options_init(gv_check_options *o) { memset(o, 0, sizeof *o); }

static void out(gv_check_report *r, const char *fmt, ...) GV_PRINTF(2, 3);
static void out(gv_check_report *r, const char *fmt, ...) {
    if (r->nomem) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (r->len + (size_t)n + 2 > r->cap) {
        size_t nc = r->cap ? r->cap : 4096;
        while (nc < r->len + (size_t)n + 2) nc *= 2;
        char *t = realloc(r->text, nc);
        if (!t) { r->nomem = 1; return; }
        r->text = t;
        r->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(r->text + r->len, r->cap - r->len, fmt, ap);
    va_end(ap);
    /* One finding, one line: line breaks inside values (a quoted cell
     * holding one) become spaces. */
    for (size_t k = r->len; k < r->len + (size_t)n; k++)
        if (r->text[k] == '\n' || r->text[k] == '\r') r->text[k] = ' ';
    r->len += (size_t)n;
    r->text[r->len++] = '\n';
    r->text[r->len] = 0;
}

static json_object *jstr(const char *s) { return s ? json_object_new_string(s) : NULL; }

static int is_table_path(const char *p) {
    const char *dot = strrchr(p, '.');
    return dot && (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") || !strcasecmp(dot, ".txt"));
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* First field of l named like one of cands (exact, then any case), not
 * equal to field `not`; -1 when none. */
static int guess_field(const gv_layer *l, const char *const *cands, int not) {
    for (size_t c = 0; cands[c]; c++) {
        int f = gv_layer_field_index(l, cands[c]);
        if (f >= 0 && f != not) return f;
    }
    return -1;
}

static const char *const CODE_NAMES[] = {"code", "ma", "mã", "gso_code", "ma_dvhc", "unit_code", "madvhc", NULL};
static const char *const NAME_NAMES[] = {"name", "ten", "tên", "name_vi", "ten_dvhc", "tendvhc", NULL};
static const char *const PARENT_NAMES[] = {"province_code", "prov_code", "parent_code", "ma_tinh", "matinh",
                                           "district_code", NULL};

/* Resolves a field given by the user (must exist) or guessed. */
static int pick_field(const gv_layer *l, const char *given, const char *const *cands, int not, int *guessed,
                      gv_error *err, const char *what) {
    *guessed = 0;
    if (given) {
        if (!*given) return -1; /* "" = none */
        int f = gv_layer_field_index(l, given);
        if (f < 0) {
            gv_error_set(err, GV_EUSAGE, "%s: layer '%s' has no field '%s' (--%s)", gv_layer_source(l),
                         gv_layer_name(l), given, what);
            return -2;
        }
        return f;
    }
    int f = guess_field(l, cands, not);
    *guessed = f >= 0;
    return f;
}

/* Key for comparing codes: digits without leading zeros ("01" = "1" =
 * "1.0"); other text as written. */
static void code_key(const char *v, char *k, size_t n) {
    char norm[64];
    if (gv_code_normalize(v, 0, norm, sizeof norm, NULL) == GV_OK) {
        const char *p = norm;
        while (*p == '0' && p[1]) p++;
        snprintf(k, n, "%s", p);
    } else {
        snprintf(k, n, "%s", v);
    }
}

typedef struct keyed {
    char *key;
    size_t feat;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return (x->feat > y->feat) - (x->feat < y->feat);
}

/* A one-line label for feature i: "FID 12 code 01 'Hà Nội'". */
static void feature_label(const gv_layer *l, size_t i, int fc, int fn, char *buf, size_t n) {
    int w = snprintf(buf, n, "FID %lld", gv_layer_fid(l, i));
    if (w < 0 || (size_t)w >= n) return;
    if (fc >= 0) w += snprintf(buf + w, n - (size_t)w, " %s %s", gv_layer_field_name(l, (size_t)fc),
                               *gv_layer_value(l, i, (size_t)fc) ? gv_layer_value(l, i, (size_t)fc) : "(empty)");
    if (w >= 0 && (size_t)w < n && fn >= 0)
        snprintf(buf + w, n - (size_t)w, " '%s'", gv_layer_value(l, i, (size_t)fn));
}

/* Groups features by key (keys[i] NULL = skip); lists every group of 2+
 * as a problem. Returns the number of groups, or -1 on out-of-memory. */
static long duplicates(gv_check_report *r, const gv_layer *l, char **keys, const char *const *shown, int fc, int fn,
                       const char *title, size_t max, json_object *arr) {
    size_t nf = gv_layer_count(l), m = 0;
    keyed *a = malloc((nf ? nf : 1) * sizeof *a);
    if (!a) return -1;
    for (size_t i = 0; i < nf; i++)
        if (keys[i]) { a[m].key = keys[i]; a[m].feat = i; m++; }
    qsort(a, m, sizeof *a, cmp_keyed);
    long groups = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && !strcmp(a[j].key, a[i].key)) j++;
        if (j - i > 1) {
            if (groups == 0) out(r, "  %s:", title);
            groups++;
            json_object *g = json_object_new_object(), *fids = json_object_new_array();
            json_object_object_add(g, "value", jstr(shown[a[i].feat]));
            char line[1024];
            size_t len = (size_t)snprintf(line, sizeof line, "    '%s': %zu features:", shown[a[i].feat], j - i);
            for (size_t k = i; k < j; k++) {
                json_object *fe = json_object_new_object();
                json_object_object_add(fe, "fid", json_object_new_int64(gv_layer_fid(l, a[k].feat)));
                if (fc >= 0) json_object_object_add(fe, "code", jstr(gv_layer_value(l, a[k].feat, (size_t)fc)));
                if (fn >= 0) json_object_object_add(fe, "name", jstr(gv_layer_value(l, a[k].feat, (size_t)fn)));
                json_object_array_add(fids, fe);
                char lab[300];
                feature_label(l, a[k].feat, fc, fn, lab, sizeof lab);
                if (len < sizeof line)
                    len += (size_t)snprintf(line + len, sizeof line - len, "%s %s", k > i ? ";" : "", lab);
            }
            json_object_object_add(g, "features", fids);
            json_object_array_add(arr, g);
            if ((size_t)groups <= max) out(r, "%s", line);
        }
        i = j;
    }
    if ((size_t)groups > max) out(r, "    ... and %ld more (--json lists all)", groups - (long)max);
    free(a);
    return groups;
}

/* Layer options of a check: lenient, with the --encoding given. */
static int layer_options(const gv_check_options *o, gv_layer_options *lo, gv_error *err) {
    gv_layer_options_init(lo);
    lo->lenient = 1;
    if (o->encoding && gv_encoding_parse_flags(o->encoding, &lo->encoding, &lo->encoding_flags, err) != GV_OK)
        return gv_error_prefix(err, "--encoding: ");
    return GV_OK;
}

/* The encoding lines of a layer (text) and its "encoding" and
 * "encoding_info" (JSON). Returns the number of problems (0 or 1). */
static long report_encoding(gv_check_report *r, const gv_layer *l, size_t max, json_object *jl) {
    gv_layer_encoding_info e;
    gv_layer_encoding(l, &e);
    const char *name = gv_encoding_name(e.encoding);
    out(r, "    encoding: %s%s", e.problem ? "PROBLEM: " : "", e.summary);
    for (size_t i = 0; i < e.nissues && i < max; i++) out(r, "      %s", e.issues[i]);
    json_object_object_add(jl, "encoding", jstr(e.encoding == GV_ENC_TCVN3 && (e.flags & GV_TCVN3_CAPS) ? "tcvn3-caps" : name));
    json_object *ji = json_object_new_object();
    json_object_object_add(ji, "detected", jstr(gv_encoding_name(e.detected)));
    json_object_object_add(ji, "confidence", json_object_new_double(e.confidence));
    json_object_object_add(ji, "overridden", json_object_new_boolean(e.overridden));
    json_object_object_add(ji, "cpg", jstr(e.cpg));
    json_object_object_add(ji, "cpg_agrees", e.declared_agrees < 0 ? NULL : json_object_new_boolean(e.declared_agrees));
    json_object_object_add(ji, "ldid", e.ldid < 0 ? NULL : json_object_new_int(e.ldid));
    json_object_object_add(ji, "values", json_object_new_int64((int64_t)e.values));
    json_object_object_add(ji, "nonascii_values", json_object_new_int64((int64_t)e.nonascii));
    json_object_object_add(ji, "words", json_object_new_int64((int64_t)e.words));
    json_object_object_add(ji, "bad_words", json_object_new_int64((int64_t)e.bad_words));
    json_object_object_add(ji, "nfd_values", json_object_new_int64((int64_t)e.nfd));
    json_object_object_add(ji, "truncated_values", json_object_new_int64((int64_t)e.truncated));
    json_object_object_add(ji, "undecodable_values", json_object_new_int64((int64_t)e.undecodable));
    json_object_object_add(ji, "small_capitals", json_object_new_int64((int64_t)e.small_capitals));
    json_object_object_add(ji, "mojibake_values", json_object_new_int64((int64_t)e.mojibake));
    json_object_object_add(ji, "problem", json_object_new_boolean(e.problem));
    json_object_object_add(ji, "summary", jstr(e.summary));
    json_object *jis = json_object_new_array();
    for (size_t i = 0; i < e.nissues; i++) json_object_array_add(jis, jstr(e.issues[i]));
    json_object_object_add(ji, "issues", jis);
    json_object_object_add(jl, "encoding_info", ji);
    return e.problem ? 1 : 0;
}

static const char *verdict_str(gv_extent_verdict v) {
    switch (v) {
    case GV_EXTENT_OK: return "ok";
    case GV_EXTENT_SWAPPED: return "swapped";
    case GV_EXTENT_METRES_AS_DEGREES: return "metres_as_degrees";
    case GV_EXTENT_NO_CRS_DEGREES: return "no_crs_degrees";
    case GV_EXTENT_OUTSIDE: return "outside";
    case GV_EXTENT_EMPTY: return "empty";
    }
    return "?";
}

/* One layer of a boundary source. Returns its problem count, -1 on
 * out-of-memory, -2 on a usage error (err set). */
static long check_layer(gv_check_report *r, const gv_check_options *o, const char *src, const char *lname,
                        json_object *jl, gv_error *err) {
    size_t max = o->max_listed ? o->max_listed : 20;
    gv_layer *l = NULL;
    gv_error lerr;
    gv_error_clear(&lerr);
    json_object_object_add(jl, "name", jstr(lname));
    gv_layer_options lo;
    if (layer_options(o, &lo, err) != GV_OK) return -2;
    if (gv_layer_open_ex(src, lname, NULL, &lo, &l, &lerr) != GV_OK) {
        out(r, "  layer '%s': cannot be read: %s", lname, lerr.msg);
        json_object_object_add(jl, "error", jstr(lerr.msg));
        json_object_object_add(jl, "problems", json_object_new_int(1));
        return lerr.code == GV_ENOMEM ? -1 : 1;
    }
    long problems = 0;
    size_t nf = gv_layer_count(l);
    out(r, "  layer '%s': %zu features, %zu vertices", gv_layer_name(l), nf, gv_layer_nvertices(l));
    json_object_object_add(jl, "features", json_object_new_int64((int64_t)nf));
    json_object_object_add(jl, "vertices", json_object_new_int64((int64_t)gv_layer_nvertices(l)));

    /* CRS and extent. */
    const char *adv;
    gv_extent_verdict ev = gv_layer_extent(l, &adv);
    const char *crs = gv_layer_crs(l);
    double bb[4];
    gv_layer_bbox(l, bb);
    out(r, "    CRS: %s", *crs ? crs : "none (no .prj or CRS in the source)");
    out(r, "    extent: %s%s", ev == GV_EXTENT_OK ? "ok: " : "PROBLEM: ", adv);
    json_object_object_add(jl, "crs", *crs ? jstr(crs) : NULL);
    json_object *jb = json_object_new_array();
    for (int k = 0; k < 4; k++) /* NaN (no geometry) is not JSON: null */
        json_object_array_add(jb, isfinite(bb[k]) ? json_object_new_double(bb[k]) : NULL);
    json_object_object_add(jl, "extent_lonlat", jb);
    json_object_object_add(jl, "extent_verdict", jstr(verdict_str(ev)));
    json_object_object_add(jl, "extent_advice", jstr(adv));
    if (ev != GV_EXTENT_OK) problems++;

    /* Encoding of the attribute text. */
    problems += report_encoding(r, l, max, jl);

    /* Fields. */
    int g1, g2, g3;
    int fc = pick_field(l, o->code_field, CODE_NAMES, -1, &g1, err, "code");
    int fn = fc == -2 ? -2 : pick_field(l, o->name_field, NAME_NAMES, fc, &g2, err, "name");
    int fp = fn == -2 ? -2 : pick_field(l, o->parent_field, PARENT_NAMES, fc, &g3, err, "parent");
    if (fc == -2 || fn == -2 || fp == -2) {
        gv_layer_free(l);
        return -2;
    }
    out(r, "    fields: code %s%s, name %s%s, parent %s%s", fc >= 0 ? gv_layer_field_name(l, (size_t)fc) : "-",
        g1 ? " (guessed)" : "", fn >= 0 ? gv_layer_field_name(l, (size_t)fn) : "-", g2 ? " (guessed)" : "",
        fp >= 0 ? gv_layer_field_name(l, (size_t)fp) : "-", g3 ? " (guessed)" : "");
    json_object *jf = json_object_new_object();
    json_object_object_add(jf, "code", fc >= 0 ? jstr(gv_layer_field_name(l, (size_t)fc)) : NULL);
    json_object_object_add(jf, "name", fn >= 0 ? jstr(gv_layer_field_name(l, (size_t)fn)) : NULL);
    json_object_object_add(jf, "parent", fp >= 0 ? jstr(gv_layer_field_name(l, (size_t)fp)) : NULL);
    json_object_object_add(jl, "fields", jf);

    /* Geometry, per feature. */
    char sum[600];
    size_t nbad = gv_layer_geom_summary(l, sum, sizeof sum);
    size_t norient = 0;
    json_object *jg = json_object_new_array();
    if (nbad) out(r, "    geometry: %s", sum);
    else out(r, "    geometry: every feature valid");
    for (size_t i = 0, shown = 0; i < nf; i++) {
        gv_geom_report gr;
        gv_layer_geom_report(l, i, &gr);
        if (gr.flags & GV_GEOM_ORIENTATION) norient++;
        unsigned f = gr.flags & ~(unsigned)GV_GEOM_ORIENTATION;
        if (!f) continue;
        problems++;
        char what[300], lab[300];
        gv_geom_flags_describe(f, what, sizeof what);
        feature_label(l, i, fc, fn, lab, sizeof lab);
        if (shown++ < max) out(r, "      %s: %s%s%s", lab, what, gr.detail[0] ? ": " : "", gr.detail);
        json_object *fe = json_object_new_object(), *fl = json_object_new_array();
        json_object_object_add(fe, "fid", json_object_new_int64(gv_layer_fid(l, i)));
        if (fc >= 0) json_object_object_add(fe, "code", jstr(gv_layer_value(l, i, (size_t)fc)));
        if (fn >= 0) json_object_object_add(fe, "name", jstr(gv_layer_value(l, i, (size_t)fn)));
        for (unsigned b = 1; b <= GV_GEOM_REPAIR_FAILED; b <<= 1)
            if (gr.flags & b) json_object_array_add(fl, jstr(gv_geom_flag_str(b)));
        json_object_object_add(fe, "flags", fl);
        json_object_object_add(fe, "detail", jstr(gr.detail));
        json_object_array_add(jg, fe);
    }
    if (nbad > max) out(r, "      ... and %zu more (--json lists all)", nbad - max);
    if (norient)
        out(r, "    note: %zu features have clockwise outer rings or counter-clockwise holes (as Shapefiles store "
               "them; drawing and areas do not depend on it)", norient);
    json_object_object_add(jl, "geometry_problems", jg);
    json_object_object_add(jl, "orientation_notes", json_object_new_int64((int64_t)norient));

    /* Duplicate codes; duplicate names within a parent. */
    char **keys = calloc(nf ? nf : 1, sizeof *keys);
    const char **shown = calloc(nf ? nf : 1, sizeof *shown);
    json_object *jdc = json_object_new_array(), *jdn = json_object_new_array();
    json_object_object_add(jl, "duplicate_codes", jdc);
    json_object_object_add(jl, "duplicate_names", jdn);
    json_object *jempty = json_object_new_array();
    json_object_object_add(jl, "empty_codes", jempty);
    long rc = 0;
    if (!keys || !shown) rc = -1;
    if (!rc && fc >= 0) {
        size_t nempty = 0;
        for (size_t i = 0; i < nf && !rc; i++) {
            const char *v = gv_layer_value(l, i, (size_t)fc);
            shown[i] = v;
            if (!*v) {
                nempty++;
                json_object_array_add(jempty, json_object_new_int64(gv_layer_fid(l, i)));
                continue;
            }
            char k[128];
            code_key(v, k, sizeof k);
            if (!(keys[i] = strdup(k))) rc = -1;
        }
        if (nempty) {
            out(r, "    %zu features without a code (FIDs in --json): they cannot be joined by code", nempty);
            problems += (long)nempty;
        }
        long g = rc ? 0 : duplicates(r, l, keys, shown, fc, fn, "duplicate codes", max, jdc);
        if (g < 0) rc = -1;
        else if (g == 0) out(r, "    codes: all distinct");
        problems += g > 0 ? g : 0;
        for (size_t i = 0; i < nf; i++) { free(keys[i]); keys[i] = NULL; }
    }
    if (!rc && fn >= 0) {
        for (size_t i = 0; i < nf && !rc; i++) {
            const char *v = gv_layer_value(l, i, (size_t)fn);
            shown[i] = v;
            if (!*v) continue;
            char k[512];
            if (gv_name_key(v, k, sizeof k, NULL) != GV_OK) snprintf(k, sizeof k, "%s", v);
            char kk[700];
            char pk[128] = "";
            if (fp >= 0) code_key(gv_layer_value(l, i, (size_t)fp), pk, sizeof pk);
            snprintf(kk, sizeof kk, "%s\x1f%s", pk, k);
            if (!(keys[i] = strdup(kk))) rc = -1;
        }
        char title[200];
        snprintf(title, sizeof title, "duplicate names%s%s%s", fp >= 0 ? " within a parent (" : " (no parent field: whole layer",
                 fp >= 0 ? gv_layer_field_name(l, (size_t)fp) : "", ")");
        long g = rc ? 0 : duplicates(r, l, keys, shown, fc, fn, title, max, jdn);
        if (g < 0) rc = -1;
        else if (g == 0) out(r, "    names: no duplicates%s", fp >= 0 ? " within a parent" : "");
        problems += g > 0 ? g : 0;
        for (size_t i = 0; i < nf; i++) free(keys[i]);
    }
    free(keys);
    free(shown);
    json_object_object_add(jl, "problems", json_object_new_int64(problems));
    gv_layer_free(l);
    return rc ? rc : problems;
}

static long check_boundaries(gv_check_report *r, const gv_check_options *o, const char *src, json_object *js,
                             gv_error *err) {
    char **names = NULL;
    size_t n = 0;
    gv_error lerr;
    gv_error_clear(&lerr);
    json_object_object_add(js, "kind", jstr("boundaries"));
    json_object *jls = json_object_new_array();
    json_object_object_add(js, "layers", jls);
    if (gv_layer_list(src, &names, &n, &lerr) != GV_OK) {
        out(r, "%s: cannot be read: %s", src, lerr.msg);
        json_object_object_add(js, "error", jstr(lerr.msg));
        return 1;
    }
    /* Driver: from the first layer opened (cheap enough). */
    long problems = 0;
    out(r, "%s: boundary source, %zu layer%s", src, n, n == 1 ? "" : "s");
    if (n == 0) { out(r, "  PROBLEM: no layer"); problems = 1; }
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (o->layer && strcmp(o->layer, names[i])) continue;
        found = 1;
        json_object *jl = json_object_new_object();
        json_object_array_add(jls, jl);
        long p = check_layer(r, o, src, names[i], jl, err);
        if (p < 0) {
            gv_layer_names_free(names, n);
            return p;
        }
        problems += p;
    }
    if (o->layer && !found) {
        out(r, "  PROBLEM: no layer '%s'", o->layer);
        problems++;
    }
    gv_layer_names_free(names, n);
    return problems;
}

static const char *action_str(gv_fix_action a) {
    switch (a) {
    case GV_FIX_FIXED: return "fixed";
    case GV_FIX_SKIPPED: return "skipped";
    case GV_FIX_ERROR: return "error";
    case GV_FIX_NOTE: return "note";
    }
    return "?";
}

static int split_pair(const char *s, char **a, char **b) {
    const char *eq = strchr(s, '=');
    *a = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);
    *b = strdup(eq ? eq + 1 : s);
    return *a && *b && **a && **b ? 0 : -1;
}

static long check_table(gv_check_report *r, const gv_check_options *o, const char *path, const gv_layer *S,
                        json_object *js, gv_error *err) {
    size_t max = o->max_listed ? o->max_listed : 20;
    json_object_object_add(js, "kind", jstr("table"));
    gv_csv_options copt;
    memset(&copt, 0, sizeof copt);
    copt.decimal = o->decimal;
    gv_table *t = NULL;
    gv_error terr;
    gv_error_clear(&terr);
    if (gv_table_read_csv(path, &copt, &t, &terr) != GV_OK) {
        out(r, "%s: table cannot be read: %s", path, terr.msg);
        json_object_object_add(js, "error", jstr(terr.msg));
        return terr.code == GV_ENOMEM ? -1 : 1;
    }
    long problems = 0;
    size_t nr = gv_table_nrows(t);
    out(r, "%s: table, %zu data rows, %zu columns", path, nr, gv_table_ncols(t));
    json_object_object_add(js, "rows", json_object_new_int64((int64_t)nr));
    json_object_object_add(js, "columns", json_object_new_int64((int64_t)gv_table_ncols(t)));
    json_object *jp = json_object_new_array();
    json_object_object_add(js, "table_problems", jp);
    size_t np = gv_table_nproblems(t), shown = 0, nskipped = 0;
    for (size_t i = 0; i < np; i++) {
        const gv_table_problem *p = gv_table_problem_at(t, i);
        char line[700];
        gv_table_problem_format(t, p, line, sizeof line);
        int counts = p->action != GV_FIX_NOTE;
        if (counts) problems++;
        if (p->action == GV_FIX_SKIPPED) nskipped++;
        if (shown++ < max) out(r, "  %s: %s", counts ? "PROBLEM" : "note", line);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "line", json_object_new_int64((int64_t)p->line));
        json_object_object_add(e, "row", p->row == (size_t)-1 ? NULL : json_object_new_int64((int64_t)p->row + 1));
        json_object_object_add(e, "column", p->col >= 0 ? jstr(gv_table_colname(t, (size_t)p->col)) : NULL);
        json_object_object_add(e, "action", jstr(action_str(p->action)));
        json_object_object_add(e, "what", jstr(p->what));
        json_object_object_add(e, "text", jstr(line));
        json_object_array_add(jp, e);
    }
    if (np > max) out(r, "  ... and %zu more (--json lists all)", np - max);
    /* Columns of numbers with cells that are not numbers ("n/a", "1%"):
     * a map or stats of such a column stops at the first of them. A column
     * counts as numeric when most of its non-empty cells are numbers. */
    json_object *jn = json_object_new_array();
    json_object_object_add(js, "non_numeric_cells", jn);
    size_t nbadcols = 0;
    for (size_t c = 0; c < gv_table_ncols(t); c++) {
        size_t nnum = 0, nbad = 0, first = 0;
        gv_error cerr;
        gv_error_clear(&cerr);
        char dec, th;
        if (gv_table_col_ambiguous(t, c)) {
            gv_table_col_format(t, c, &dec, &th, &cerr);
            problems++;
            nbadcols++;
            out(r, "  PROBLEM: %s", cerr.msg);
            json_object *e = json_object_new_object();
            json_object_object_add(e, "column", jstr(gv_table_colname(t, c)));
            json_object_object_add(e, "ambiguous", json_object_new_boolean(1));
            json_object_object_add(e, "text", jstr(cerr.msg));
            json_object_array_add(jn, e);
            continue;
        }
        if (gv_table_col_format(t, c, &dec, &th, &cerr) != GV_OK) continue; /* already a reader problem */
        for (size_t row = 0; row < nr; row++) {
            const char *cell = gv_table_cell(t, row, c);
            if (!*cell) continue;
            double v;
            if (gv_table_number(t, row, c, &v, NULL) == GV_OK) nnum++;
            else if (!nbad++) first = row;
        }
        if (!nbad || nnum <= nbad) continue;
        problems++;
        nbadcols++;
        if (nbadcols <= max)
            out(r, "  PROBLEM: %s: row %zu (line %zu), column '%s': '%s' is not a number, in a column of numbers (%zu such "
                "cells of %zu): a map or stats of this column will stop there; empty the cell for no data",
                path, first + 1, gv_table_row_line(t, first), gv_table_colname(t, c), gv_table_cell(t, first, c), nbad,
                nnum + nbad);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "column", jstr(gv_table_colname(t, c)));
        json_object_object_add(e, "row", json_object_new_int64((int64_t)first + 1));
        json_object_object_add(e, "line", json_object_new_int64((int64_t)gv_table_row_line(t, first)));
        json_object_object_add(e, "value", jstr(gv_table_cell(t, first, c)));
        json_object_object_add(e, "cells", json_object_new_int64((int64_t)nbad));
        json_object_array_add(jn, e);
    }
    /* A code column (code, gso_code, ma ...) with empty cells: those rows
     * cannot be joined by code (a map or stats reports them, check says
     * so first). */
    size_t nempty_cols = 0;
    json_object *je = json_object_new_array();
    json_object_object_add(js, "empty_code_cells", je);
    for (size_t c = 0; c < gv_table_ncols(t); c++) {
        int is_code = 0;
        for (size_t k = 0; CODE_NAMES[k] && !is_code; k++) is_code = !strcasecmp(gv_table_colname(t, c), CODE_NAMES[k]);
        if (!is_code) continue;
        size_t nempty = 0, first = 0;
        for (size_t row = 0; row < nr; row++)
            if (!*gv_table_cell(t, row, c) && !nempty++) first = row;
        if (!nempty) continue;
        problems++;
        nempty_cols++;
        out(r, "  PROBLEM: %s: row %zu (line %zu), column '%s': empty code (%zu such rows of %zu): they cannot be joined by "
               "code",
            path, first + 1, gv_table_row_line(t, first), gv_table_colname(t, c), nempty, nr);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "column", jstr(gv_table_colname(t, c)));
        json_object_object_add(e, "row", json_object_new_int64((int64_t)first + 1));
        json_object_object_add(e, "cells", json_object_new_int64((int64_t)nempty));
        json_object_array_add(je, e);
    }
    if (!np && !nbadcols && !nempty_cols) out(r, "  read cleanly");

    /* Join coverage. */
    json_object *jj = NULL;
    long rc = 0;
    if (S) {
        char *uf = NULL, *tc = NULL, *up = NULL, *tp = NULL;
        gv_join *J = NULL;
        gv_join_options jo;
        memset(&jo, 0, sizeof jo);
        if (split_pair(o->join, &uf, &tc) || (o->join_parent && split_pair(o->join_parent, &up, &tp))) {
            rc = -2;
            gv_error_set(err, GV_EUSAGE, "--join '%s' / --join-parent: expected FIELD=COLUMN", o->join);
        } else {
            jo.unit_field = uf;
            jo.table_col = tc;
            jo.by_name = o->match_name;
            jo.unit_parent_field = up;
            jo.table_parent_col = tp;
            jo.dup = GV_DUP_FIRST; /* duplicates are listed, not fatal */
            gv_error jerr;
            gv_error_clear(&jerr);
            int jrc = gv_join_run(S, t, &jo, &J, &jerr);
            if (jrc == GV_EUSAGE) {
                rc = -2;
                gv_error_set(err, GV_EUSAGE, "%s", jerr.msg);
            } else if (jrc == GV_ENOMEM) {
                rc = -1;
            } else if (jrc != GV_OK) {
                out(r, "  PROBLEM: join %s=%s failed: %s", uf, tc, jerr.msg);
                problems++;
            }
        }
        if (J) {
            size_t nu = gv_layer_count(S);
            jj = json_object_new_object();
            json_object_object_add(jj, "boundaries", jstr(gv_layer_source(S)));
            json_object_object_add(jj, "layer", jstr(gv_layer_name(S)));
            json_object_object_add(jj, "field", jstr(uf));
            json_object_object_add(jj, "column", jstr(tc));
            json_object_object_add(jj, "by", jstr(o->match_name ? "name" : "code"));
            json_object_object_add(jj, "units", json_object_new_int64((int64_t)nu));
            json_object_object_add(jj, "units_matched", json_object_new_int64((int64_t)gv_join_units_matched(J)));
            json_object_object_add(jj, "units_without_data", json_object_new_int64((int64_t)gv_join_units_nodata(J)));
            json_object_object_add(jj, "rows_without_unit", json_object_new_int64((int64_t)gv_join_rows_unmatched(J)));
            json_object_object_add(jj, "ambiguous", json_object_new_int64((int64_t)gv_join_rows_ambiguous(J)));
            json_object_object_add(jj, "name_mismatches", json_object_new_int64((int64_t)gv_join_name_mismatches(J)));
            out(r, "  join %s=%s (%s) against %s layer '%s': %zu of %zu units matched, %zu units without data, "
                   "%zu of %zu rows without unit, %zu ambiguous, %zu name mismatches",
                uf, tc, o->match_name ? "by name" : "by code", base_name(gv_layer_source(S)), gv_layer_name(S),
                gv_join_units_matched(J), nu, gv_join_units_nodata(J), gv_join_rows_unmatched(J), nr,
                gv_join_rows_ambiguous(J), gv_join_name_mismatches(J));
            json_object *ji = json_object_new_array();
            size_t ni = gv_join_nissues(J), listed = 0, rejected = 0;
            for (size_t i = 0; i < ni; i++) {
                const gv_join_issue *is = gv_join_issue_at(J, i);
                problems++;
                int row_rejected = is->kind == GV_ISSUE_ROW_NO_UNIT || is->kind == GV_ISSUE_AMBIGUOUS ||
                                   is->kind == GV_ISSUE_BAD_KEY || is->kind == GV_ISSUE_DUPLICATE;
                if (row_rejected) rejected++;
                char line[900];
                if (is->row != (size_t)-1)
                    snprintf(line, sizeof line, "%s: %s row %zu (line %zu) '%s': %s%s", gv_issue_kind_str(is->kind),
                             path, is->row + 1, is->line, is->key, is->reason, row_rejected ? " (row rejected)" : "");
                else
                    snprintf(line, sizeof line, "%s: feature FID %lld '%s' %s: %s", gv_issue_kind_str(is->kind),
                             gv_layer_fid(S, is->unit), is->key, is->name, is->reason);
                if (listed++ < max) out(r, "    %s", line);
                json_object *e = json_object_new_object();
                json_object_object_add(e, "kind", jstr(gv_issue_kind_str(is->kind)));
                json_object_object_add(e, "row", is->row == (size_t)-1 ? NULL : json_object_new_int64((int64_t)is->row + 1));
                json_object_object_add(e, "line", is->line ? json_object_new_int64((int64_t)is->line) : NULL);
                json_object_object_add(e, "fid", is->unit == (size_t)-1 ? NULL : json_object_new_int64(gv_layer_fid(S, is->unit)));
                json_object_object_add(e, "key", jstr(is->key));
                json_object_object_add(e, "name", jstr(is->name));
                json_object_object_add(e, "reason", jstr(is->reason));
                json_object_object_add(e, "row_rejected", json_object_new_boolean(row_rejected));
                json_object_array_add(ji, e);
            }
            if (ni > max) out(r, "    ... and %zu more (--json lists all)", ni - max);
            json_object_object_add(jj, "issues", ji);
            json_object_object_add(jj, "rows_rejected", json_object_new_int64((int64_t)rejected));
            gv_join_free(J);
            nskipped += rejected;
        }
        free(uf); free(tc); free(up); free(tp);
    }
    out(r, "  rows that will not be used: %zu%s", nskipped,
        S ? " (skipped while reading, or rejected by the join)" : " skipped while reading (give --shapes and --join for the join's rejections)");
    json_object_object_add(js, "join", jj);
    json_object_object_add(js, "rows_not_used", json_object_new_int64((int64_t)nskipped));
    json_object_object_add(js, "problems", json_object_new_int64(problems));
    gv_table_free(t);
    return rc ? rc : problems;
}

int gv_check_run(const gv_check_options *o, gv_check_report **outp, gv_error *err) {
    *outp = NULL;
    if (!o || !o->sources || o->nsources == 0)
        return gv_error_set(err, GV_EUSAGE, "no source given (boundary files and/or .csv tables)");
    if (o->join && !o->shapes) return gv_error_set(err, GV_EUSAGE, "--join needs --shapes (the boundary set)");
    if (o->shapes && !o->join)
        return gv_error_set(err, GV_EUSAGE, "--shapes needs --join FIELD=COLUMN (boundary field = table column)");
    if (o->encoding) {
        gv_encoding e;
        unsigned fl;
        if (gv_encoding_parse_flags(o->encoding, &e, &fl, err) != GV_OK) return gv_error_prefix(err, "--encoding: ");
    }
    gv_check_report *r = calloc(1, sizeof *r);
    if (!r) return gv_error_set(err, GV_ENOMEM, "out of memory");
    r->root = json_object_new_object();
    json_object *jsrc = json_object_new_array();
    json_object_object_add(r->root, "sources", jsrc);
    int rc = GV_OK;
    gv_layer *S = NULL;
    if (o->shapes) {
        gv_error serr;
        gv_error_clear(&serr);
        gv_layer_options lo;
        if ((rc = layer_options(o, &lo, err)) != GV_OK) goto fail;
        if (gv_layer_open_ex(o->shapes, o->shapes_layer, NULL, &lo, &S, &serr) != GV_OK) {
            rc = gv_error_set(err, serr.code == GV_ENOMEM ? GV_ENOMEM : GV_EUSAGE, "--shapes: %s", serr.msg);
            goto fail;
        }
    }
    for (size_t i = 0; i < o->nsources; i++) {
        const char *p = o->sources[i];
        json_object *js = json_object_new_object();
        json_object_object_add(js, "path", jstr(p));
        json_object_array_add(jsrc, js);
        if (i) out(r, "%s", "");
        long n = is_table_path(p) ? check_table(r, o, p, S, js, err) : check_boundaries(r, o, p, js, err);
        if (n == -1) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
        if (n == -2) { rc = err && err->code ? err->code : GV_EUSAGE; goto fail; }
        r->nproblems += (size_t)n;
    }
    out(r, "%s", "");
    if (r->nproblems) out(r, "%zu problem%s found", r->nproblems, r->nproblems == 1 ? "" : "s");
    else out(r, "no problems found");
    json_object_object_add(r->root, "problems", json_object_new_int64((int64_t)r->nproblems));
    json_object_object_add(r->root, "clean", json_object_new_boolean(r->nproblems == 0));
    const char *js = json_object_to_json_string_ext(r->root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    r->json = js ? strdup(js) : NULL;
    if (r->nomem || !r->json || !r->text) { rc = gv_error_set(err, GV_ENOMEM, "out of memory"); goto fail; }
    gv_layer_free(S);
    *outp = r;
    return GV_OK;
fail:
    gv_layer_free(S);
    gv_check_report_free(r);
    return rc;
}

void gv_check_report_free(gv_check_report *r) {
    if (!r) return;
    free(r->text);
    free(r->json);
    if (r->root) json_object_put(r->root);
    free(r);
}

size_t gv_check_nproblems(const gv_check_report *r) { return r ? r->nproblems : 0; }
const char *gv_check_text(const gv_check_report *r) { return r && r->text ? r->text : ""; }
const char *gv_check_json(const gv_check_report *r) { return r && r->json ? r->json : "{}"; }
