/* sets.c: boundary sets: finding a set's YAML manifest on the search path,
 * reading it (libyaml's document API), and handing out its levels, its
 * units table and its groupings (read lazily, owned by the set).
 *
 * Why YAML: the manifests are written by people (users add their own sets),
 * so comments and a forgiving syntax matter more than speed. */
#define _GNU_SOURCE /* dladdr */
#include "geovoice/sets.h"
#include "shapes_private.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#ifndef GV_SOURCE_DIR
#define GV_SOURCE_DIR "."
#endif

typedef struct set_grouping {
    char *name;
    char *file; /* resolved */
    gv_level level;
    gv_grouping *g; /* read on first use */
} set_grouping;

/* One crosswalk table of the manifest's `crosswalks:` (pairs from the units
 * of another set, at one level); level GV_LEVEL_NONE: the unit-history
 * table of that other set (only `file`). */
typedef struct set_xwalk {
    char *from;
    gv_level level;
    gv_set_crosswalk x; /* strings owned (from malloc()) */
} set_xwalk;

struct gv_set {
    char *manifest, *name, *title, *date, *notes;
    gv_set_layer levels[GV_NLEVELS];
    int has_level[GV_NLEVELS];
    char *units_file, *units_cols[5]; /* level, code, name, type, parent */
    gv_units *units;
    set_grouping *groupings;
    size_t ngroupings;
    char **meta; /* key, value, key, value ... (top-level scalars) */
    size_t nmeta;
    set_xwalk *xwalks;
    size_t nxwalks;
};

/* ---- search path ---- */

static int is_dir(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
static int is_file(const char *p) {
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *gv_sets_builtin_dir(void) {
    /* The source tree's shapes/, compiled in. When the tree has moved, the
     * library is usually still in a build directory beside shapes/
     * (build-x/libgeovoice.so -> ../shapes). Computed on every call: no
     * globals; the static buffer is only written when the compiled-in path
     * is gone. */
    static const char compiled[] = GV_SOURCE_DIR "/shapes";
    if (is_dir(compiled)) return compiled;
    static char near_lib[PATH_MAX];
    Dl_info info;
    if (dladdr((void *)gv_sets_builtin_dir, &info) && info.dli_fname) {
        char buf[PATH_MAX];
        snprintf(buf, sizeof buf, "%s", info.dli_fname);
        char *slash = strrchr(buf, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 16];
            snprintf(cand, sizeof cand, "%s/../shapes", buf);
            if (is_dir(cand) && realpath(cand, near_lib)) return near_lib;
        }
    }
    return compiled;
}

/* Tries dir/name.yaml for each ':'-separated dir of list; appends the dirs
 * looked in to `looked`. */
static int try_dirs(const char *list, const char *name, char *path, size_t n, char *looked, size_t nl) {
    if (!list || !*list) return 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            snprintf(path, n, "%.*s/%s.yaml", (int)len, p, name);
            size_t used = strlen(looked);
            snprintf(looked + used, nl - used, "%s%.*s", used ? ", " : "", (int)len, p);
            if (is_file(path)) return 1;
        }
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

int gv_set_find(const char *name, const char *sets_dir, char *path, size_t n, gv_error *err) {
    if (!name || !path || n == 0) return gv_error_set(err, GV_EUSAGE, "gv_set_find: NULL argument");
    size_t ln = strlen(name);
    if (strchr(name, '/') || (ln > 5 && !strcmp(name + ln - 5, ".yaml"))) {
        if (!is_file(name)) return gv_error_set(err, GV_EUSAGE, "boundary set manifest '%s' not found", name);
        snprintf(path, n, "%s", name);
        return GV_OK;
    }
    if (!ln) return gv_error_set(err, GV_EUSAGE, "empty boundary set name");
    char looked[2048] = "";
    if (try_dirs(sets_dir, name, path, n, looked, sizeof looked) ||
        try_dirs(getenv("GEOVOICE_SETS"), name, path, n, looked, sizeof looked) ||
        try_dirs(gv_sets_builtin_dir(), name, path, n, looked, sizeof looked))
        return GV_OK;
    path[0] = '\0';
    return gv_error_set(err, GV_EUSAGE,
                        "boundary set '%s' not found: no %s.yaml in %s (add directories with --sets-dir or "
                        "GEOVOICE_SETS)",
                        name, name, looked);
}

/* ---- YAML helpers ---- */

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key) {
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

/* Scalar text of m[key]; NULL when absent. *bad set when present but not a
 * scalar. */
static const char *map_str(yaml_document_t *d, yaml_node_t *m, const char *key, int *bad) {
    yaml_node_t *v = map_get(d, m, key);
    if (!v) return NULL;
    if (v->type != YAML_SCALAR_NODE) {
        *bad = 1;
        return NULL;
    }
    return (const char *)v->data.scalar.value;
}

static char *dupz(const char *s) { return strdup(s ? s : ""); }

/* base + rel unless rel is absolute. */
static char *resolve(const char *base, const char *rel) {
    if (!rel) return NULL;
    if (rel[0] == '/') return strdup(rel);
    size_t n = strlen(base) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", base, rel);
    return p;
}

void gv_set_free(gv_set *s) {
    if (!s) return;
    free(s->manifest);
    free(s->name);
    free(s->title);
    free(s->date);
    free(s->notes);
    for (int l = 0; l < GV_NLEVELS; l++) {
        free((char *)s->levels[l].source);
        free((char *)s->levels[l].layer);
        free((char *)s->levels[l].code_field);
        free((char *)s->levels[l].name_field);
        free((char *)s->levels[l].parent_field);
    }
    free(s->units_file);
    for (int i = 0; i < 5; i++) free(s->units_cols[i]);
    gv_units_free(s->units);
    for (size_t i = 0; i < s->ngroupings; i++) {
        free(s->groupings[i].name);
        free(s->groupings[i].file);
        gv_grouping_free(s->groupings[i].g);
    }
    free(s->groupings);
    for (size_t i = 0; i < s->nxwalks; i++) {
        free(s->xwalks[i].from);
        free((char *)s->xwalks[i].x.file);
        free((char *)s->xwalks[i].x.old_col);
        free((char *)s->xwalks[i].x.new_col);
        free((char *)s->xwalks[i].x.separator);
    }
    free(s->xwalks);
    for (size_t i = 0; i < 2 * s->nmeta; i++) free(s->meta[i]);
    free(s->meta);
    free(s);
}

static char *dup_or_null(const char *v) { return v ? strdup(v) : NULL; }

/* crosswalks: { FROM_SET: { LEVEL: {file, old, new, separator}, history: FILE } } */
static int parse_crosswalks(gv_set *s, yaml_document_t *d, yaml_node_t *xw, const char *bdir, const char *mpath,
                            int *bad, gv_error *err) {
    if (!xw || (xw->type == YAML_SCALAR_NODE && !xw->data.scalar.length)) return GV_OK;
    if (xw->type != YAML_MAPPING_NODE) return gv_error_set(err, GV_EDATA, "%s: 'crosswalks' must be a mapping", mpath);
    size_t n = 0;
    for (yaml_node_pair_t *p = xw->data.mapping.pairs.start; p < xw->data.mapping.pairs.top; p++) {
        yaml_node_t *v = yaml_document_get_node(d, p->value);
        if (!v || v->type != YAML_MAPPING_NODE) {
            yaml_node_t *k = yaml_document_get_node(d, p->key);
            return gv_error_set(err, GV_EDATA, "%s: crosswalks: %s: expected a mapping of levels", mpath,
                                k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
        }
        n += (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    }
    if (!(s->xwalks = calloc(n ? n : 1, sizeof *s->xwalks))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (yaml_node_pair_t *p = xw->data.mapping.pairs.start; p < xw->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        const char *from = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
            yaml_node_t *lk = yaml_document_get_node(d, q->key), *lvn = yaml_document_get_node(d, q->value);
            const char *lname = lk && lk->type == YAML_SCALAR_NODE ? (const char *)lk->data.scalar.value : "?";
            set_xwalk *x = &s->xwalks[s->nxwalks++];
            if (!(x->from = strdup(from))) return gv_error_set(err, GV_ENOMEM, "out of memory");
            if (!strcmp(lname, "history")) {
                if (!lvn || lvn->type != YAML_SCALAR_NODE)
                    return gv_error_set(err, GV_EDATA, "%s: crosswalks: %s: history: expected a file name", mpath, from);
                x->level = GV_LEVEL_NONE;
                x->x.file = resolve(bdir, (const char *)lvn->data.scalar.value);
                continue;
            }
            x->level = gv_level_parse(lname);
            if (x->level < GV_LEVEL_PROVINCE)
                return gv_error_set(err, GV_EDATA, "%s: crosswalks: %s: '%s' is not province, district, commune or history",
                                    mpath, from, lname);
            const char *file = map_str(d, lvn, "file", bad);
            if (!file) return gv_error_set(err, GV_EDATA, "%s: crosswalks: %s: %s: key 'file' missing", mpath, from, lname);
            x->x.file = resolve(bdir, file);
            x->x.old_col = dup_or_null(map_str(d, lvn, "old", bad));
            x->x.new_col = dup_or_null(map_str(d, lvn, "new", bad));
            x->x.separator = dup_or_null(map_str(d, lvn, "separator", bad));
        }
    }
    return GV_OK;
}

static int parse_manifest(gv_set *s, yaml_document_t *d, const char *mpath, gv_error *err) {
    yaml_node_t *root = yaml_document_get_root_node(d);
    if (!root || root->type != YAML_MAPPING_NODE)
        return gv_error_set(err, GV_EDATA, "%s: not a YAML mapping (see shapes/vn-2019.yaml)", mpath);
    int bad = 0;
    const char *name = map_str(d, root, "name", &bad);
    if (!name || !*name) return gv_error_set(err, GV_EDATA, "%s: key 'name' missing", mpath);
    /* The file name must be the set's name, so `--set NAME` finds it. */
    const char *base = strrchr(mpath, '/');
    base = base ? base + 1 : mpath;
    size_t lb = strlen(base);
    if (lb > 5 && !strcmp(base + lb - 5, ".yaml") && (strlen(name) != lb - 5 || strncmp(base, name, lb - 5)))
        return gv_error_set(err, GV_EDATA, "%s: key 'name' is '%s' but the file is named %s", mpath, name, base);
    s->name = dupz(name);
    s->title = dupz(map_str(d, root, "title", &bad));
    s->date = dupz(map_str(d, root, "date", &bad));
    s->notes = dupz(map_str(d, root, "notes", &bad));
    if (bad) return gv_error_set(err, GV_EDATA, "%s: 'name', 'title', 'date' and 'notes' must be plain text", mpath);
    size_t npairs = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
    if (!(s->meta = calloc(2 * npairs + 1, sizeof *s->meta))) return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) continue;
        s->meta[2 * s->nmeta] = strdup((const char *)k->data.scalar.value);
        s->meta[2 * s->nmeta + 1] = strdup((const char *)v->data.scalar.value);
        s->nmeta++;
        if (!s->meta[2 * s->nmeta - 2] || !s->meta[2 * s->nmeta - 1]) return gv_error_set(err, GV_ENOMEM, "out of memory");
    }

    /* Base directory: manifest's directory + base key. */
    char mdir[PATH_MAX];
    snprintf(mdir, sizeof mdir, "%s", mpath);
    char *sl = strrchr(mdir, '/');
    if (sl) *sl = '\0';
    else snprintf(mdir, sizeof mdir, ".");
    const char *bkey = map_str(d, root, "base", &bad);
    char bdir[PATH_MAX];
    if (bkey && bkey[0] == '/') snprintf(bdir, sizeof bdir, "%s", bkey);
    else if (bkey) snprintf(bdir, sizeof bdir, "%.2000s/%.2000s", mdir, bkey);
    else snprintf(bdir, sizeof bdir, "%s", mdir);

    yaml_node_t *units = map_get(d, root, "units");
    if (units) {
        if (units->type == YAML_SCALAR_NODE) {
            s->units_file = resolve(bdir, (const char *)units->data.scalar.value);
        } else {
            static const char *const KEYS[5] = {"level", "code", "name", "type", "parent"};
            s->units_file = resolve(bdir, map_str(d, units, "file", &bad));
            if (!s->units_file) return gv_error_set(err, GV_EDATA, "%s: units: key 'file' missing", mpath);
            for (int i = 0; i < 5; i++) {
                const char *c = map_str(d, units, KEYS[i], &bad);
                if (c && !(s->units_cols[i] = strdup(c))) return gv_error_set(err, GV_ENOMEM, "out of memory");
            }
        }
    }

    yaml_node_t *levels = map_get(d, root, "levels");
    if (!levels || levels->type != YAML_MAPPING_NODE)
        return gv_error_set(err, GV_EDATA, "%s: key 'levels' missing (a mapping of province/district/commune)", mpath);
    for (yaml_node_pair_t *p = levels->data.mapping.pairs.start; p < levels->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        const char *lname = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
        gv_level lv = gv_level_parse(lname);
        if (lv < GV_LEVEL_PROVINCE)
            return gv_error_set(err, GV_EDATA, "%s: levels: '%s' is not province, district or commune", mpath, lname);
        if (!v || (v->type != YAML_MAPPING_NODE && !(v->type == YAML_SCALAR_NODE && !v->data.scalar.length)))
            return gv_error_set(err, GV_EDATA, "%s: levels: %s: expected a mapping", mpath, lname);
        gv_set_layer *L = &s->levels[lv];
        s->has_level[lv] = 1;
        L->level = lv;
        const char *src = map_str(d, v, "source", &bad), *lay = map_str(d, v, "layer", &bad);
        if (lay && !src)
            return gv_error_set(err, GV_EDATA, "%s: levels: %s: 'layer' given without 'source'", mpath, lname);
        L->source = resolve(bdir, src);
        L->layer = lay ? strdup(lay) : NULL;
        L->code_field = dupz(map_str(d, v, "code", &bad));
        if (!L->code_field[0]) {
            free((char *)L->code_field);
            L->code_field = strdup("code");
        }
        const char *nm = map_str(d, v, "name", &bad), *par = map_str(d, v, "parent", &bad);
        L->name_field = nm ? strdup(nm) : NULL;
        L->parent_field = par ? strdup(par) : NULL;
        const char *w = map_str(d, v, "code_width", &bad);
        L->code_width = w ? atoi(w) : gv_shapes_level_width(lv);
        if (L->code_width <= 0 || L->code_width > 12)
            return gv_error_set(err, GV_EDATA, "%s: levels: %s: code_width '%s' is not a number of digits", mpath,
                                lname, w ? w : "");
    }

    yaml_node_t *groups = map_get(d, root, "groupings");
    if (groups && groups->type == YAML_MAPPING_NODE) {
        size_t n = (size_t)(groups->data.mapping.pairs.top - groups->data.mapping.pairs.start);
        s->groupings = calloc(n ? n : 1, sizeof *s->groupings);
        if (!s->groupings) return gv_error_set(err, GV_ENOMEM, "out of memory");
        for (yaml_node_pair_t *p = groups->data.mapping.pairs.start; p < groups->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
            const char *gname = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
            const char *file = map_str(d, v, "file", &bad);
            if (!file) return gv_error_set(err, GV_EDATA, "%s: groupings: %s: key 'file' missing", mpath, gname);
            const char *lv = map_str(d, v, "level", &bad);
            set_grouping *g = &s->groupings[s->ngroupings++];
            g->name = strdup(gname);
            g->file = resolve(bdir, file);
            g->level = lv ? gv_level_parse(lv) : GV_LEVEL_PROVINCE;
            if (g->level < GV_LEVEL_PROVINCE)
                return gv_error_set(err, GV_EDATA, "%s: groupings: %s: level '%s' is not province, district or commune",
                                    mpath, gname, lv);
        }
    } else if (groups && !(groups->type == YAML_SCALAR_NODE && !groups->data.scalar.length)) {
        return gv_error_set(err, GV_EDATA, "%s: 'groupings' must be a mapping", mpath);
    }
    int rc = parse_crosswalks(s, d, map_get(d, root, "crosswalks"), bdir, mpath, &bad, err);
    if (rc != GV_OK) return rc;
    if (bad) return gv_error_set(err, GV_EDATA, "%s: a value that should be plain text is a list or mapping", mpath);
    return GV_OK;
}

int gv_set_open_file(const char *manifest, gv_set **out, gv_error *err) {
    if (!manifest || !out) return gv_error_set(err, GV_EUSAGE, "gv_set_open_file: NULL argument");
    *out = NULL;
    FILE *f = fopen(manifest, "rb");
    if (!f) return gv_error_set(err, GV_EDATA, "%s: cannot open: %s", manifest, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return gv_error_set(err, GV_ENOMEM, "%s: libyaml could not start", manifest);
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = gv_error_set(err, GV_EDATA, "%s: line %zu, column %zu: %s", manifest,
                              (size_t)parser.problem_mark.line + 1, (size_t)parser.problem_mark.column + 1,
                              parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    gv_set *s = calloc(1, sizeof *s);
    int rc = s ? GV_OK : gv_error_set(err, GV_ENOMEM, "out of memory");
    if (s && !(s->manifest = strdup(manifest))) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    if (rc == GV_OK) rc = parse_manifest(s, &doc, manifest, err);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc != GV_OK) {
        gv_set_free(s);
        return rc;
    }
    *out = s;
    return GV_OK;
}

int gv_set_open(const char *name, const char *sets_dir, gv_set **out, gv_error *err) {
    char path[PATH_MAX];
    if (out) *out = NULL;
    int rc = gv_set_find(name, sets_dir, path, sizeof path, err);
    return rc != GV_OK ? rc : gv_set_open_file(path, out, err);
}

const char *gv_set_name(const gv_set *s) { return s ? s->name : NULL; }
const char *gv_set_title(const gv_set *s) { return s ? s->title : NULL; }
const char *gv_set_date(const gv_set *s) { return s ? s->date : NULL; }
const char *gv_set_notes(const gv_set *s) { return s ? s->notes : NULL; }
const char *gv_set_manifest(const gv_set *s) { return s ? s->manifest : NULL; }

const char *gv_set_meta(const gv_set *s, const char *key) {
    if (!s || !key) return NULL;
    for (size_t i = 0; i < s->nmeta; i++)
        if (!strcmp(s->meta[2 * i], key)) return s->meta[2 * i + 1];
    return NULL;
}

const gv_set_layer *gv_set_level(const gv_set *s, gv_level level) {
    if (!s || level < 0 || level >= GV_NLEVELS || !s->has_level[level]) return NULL;
    return &s->levels[level];
}

int gv_set_units(gv_set *s, const gv_units **out, gv_error *err) {
    if (!s || !out) return gv_error_set(err, GV_EUSAGE, "gv_set_units: NULL argument");
    *out = NULL;
    if (!s->units) {
        if (!s->units_file)
            return gv_error_set(err, GV_EDATA, "%s: boundary set '%s' has no units table (key 'units')", s->manifest,
                                s->name);
        int widths[GV_NLEVELS] = {0};
        for (int l = 0; l < GV_NLEVELS; l++)
            if (s->has_level[l]) widths[l] = s->levels[l].code_width;
        int rc = gv_units_read_widths(s->units_file, s->units_cols[0], s->units_cols[1], s->units_cols[2],
                                      s->units_cols[3], s->units_cols[4], widths, &s->units, err);
        if (rc != GV_OK) return gv_error_prefix(err, "boundary set '%s': ", s->name);
    }
    *out = s->units;
    return GV_OK;
}

int gv_set_grouping(gv_set *s, const char *name, const gv_grouping **out, gv_error *err) {
    if (!s || !name || !out) return gv_error_set(err, GV_EUSAGE, "gv_set_grouping: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < s->ngroupings; i++) {
        set_grouping *g = &s->groupings[i];
        if (strcmp(g->name, name)) continue;
        if (!g->g) {
            int rc = gv_grouping_read(g->file, NULL, NULL, &g->g, err);
            if (rc != GV_OK) return gv_error_prefix(err, "boundary set '%s', grouping '%s': ", s->name, name);
            gv_grouping_set_level(g->g, g->level);
        }
        *out = g->g;
        return GV_OK;
    }
    return gv_error_set(err, GV_EUSAGE,
                        "boundary set '%s' carries no '%s' grouping table; give one with --groups FILE "
                        "(columns code,group; one row per unit)",
                        s->name, name);
}

const gv_set_crosswalk *gv_set_crosswalk_for(const gv_set *to, const char *from, gv_level level) {
    if (!to || !from) return NULL;
    for (size_t i = 0; i < to->nxwalks; i++)
        if (to->xwalks[i].level == level && !strcmp(to->xwalks[i].from, from)) return &to->xwalks[i].x;
    return NULL;
}

const char *gv_set_history_for(const gv_set *to, const char *from) {
    const gv_set_crosswalk *x = gv_set_crosswalk_for(to, from, GV_LEVEL_NONE);
    return x ? x->file : NULL;
}
