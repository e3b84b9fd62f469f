/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_path(const char *fmt, ...) {
    static char buf[8][4096];
    static int slot;
    char *b = buf[slot++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 4096, fmt, ap);
    va_end(ap);
    return b;
}

const char *tu_tmpdir(const char *tag) {
    static char dir[4096];
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    snprintf(dir, sizeof dir, "%.200s/gvtest-%.100s-%ld", base, tag, (long)getpid());
    char cmd[2 * sizeof dir + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0) return NULL;
    return dir;
}

int tu_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

char *tu_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (s && fread(s, 1, (size_t)len, f) != (size_t)len) { free(s); s = NULL; }
    fclose(f);
    if (s) { s[len] = 0; if (n) *n = (size_t)len; }
    return s;
}

int tu_run_cli(const char *args, char **err_out) {
    const char *errf = tu_path("%s/gvtest-stderr-%ld.txt", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    size_t len = strlen(GV_TEST_CLI) + strlen(args) + strlen(errf) + 32;
    char *cmd = malloc(len);
    snprintf(cmd, len, "'%s' %s 2>'%s'", GV_TEST_CLI, args, errf);
    int st = system(cmd);
    free(cmd);
    if (err_out) *err_out = tu_slurp(errf, NULL);
    unlink(errf);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int tu_have_data(void) {
    return tu_exists(GV_TEST_DATADIR "/boundaries_2019.gpkg");
}

/* ---- helpers for the end-to-end tests ---- */
#include <dirent.h>
#include <json-c/json.h>
#include <math.h>
#include <png.h>
#include <proj.h>

int tu_write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fputs(text, f) >= 0;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

struct json_object *tu_json_load(const char *path) {
    char *s = tu_slurp(path, NULL);
    if (!s) return NULL;
    struct json_object *o = json_tokener_parse(s);
    free(s);
    return o;
}

struct json_object *tu_json_get(struct json_object *o, const char *dotted) {
    char key[256];
    const char *p = dotted;
    while (o && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof key) return NULL;
        memcpy(key, p, n);
        key[n] = 0;
        struct json_object *next = NULL;
        if (!json_object_object_get_ex(o, key, &next)) return NULL;
        o = next;
        p += n;
        if (*p == '.') p++;
    }
    return o;
}

long long tu_json_int(struct json_object *o, const char *dotted) {
    struct json_object *v = tu_json_get(o, dotted);
    return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
               ? (long long)json_object_get_int64(v) : -1;
}

double tu_json_double(struct json_object *o, const char *dotted) {
    struct json_object *v = tu_json_get(o, dotted);
    return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
               ? json_object_get_double(v) : NAN;
}

const char *tu_json_str(struct json_object *o, const char *dotted) {
    struct json_object *v = tu_json_get(o, dotted);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

unsigned char *tu_png_read_rgb(const char *path, int *w, int *h) {
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) return NULL;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf) { png_image_free(&img); return NULL; }
    if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

int tu_png_size(const char *path, int *w, int *h) {
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 24 || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4)) return -1;
    *w = (int)((unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19]);
    *h = (int)((unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23]);
    return 0;
}

int tu_csv_split(char *line, char **fields, int max) {
    int n = 0;
    char *r = line, *w = line;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    for (;;) {
        if (n >= max) break;
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (!*r) break;
                if (*r == '"') {
                    if (r[1] == '"') { *w++ = '"'; r += 2; continue; }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
        }
        while (*r && *r != ',') *w++ = *r++;
        if (!*r) { *w = 0; break; }
        *w++ = 0;
        r++;
    }
    return n;
}

const char *tu_natural_earth(void) {
    static char path[4096];
    FILE *p = popen(GV_TEST_SRCDIR "/scripts/natural-earth.sh " GV_TEST_BINDIR "/natural-earth 2>/dev/null", "r");
    if (!p) return NULL;
    if (!fgets(path, sizeof path, p)) path[0] = 0;
    int st = pclose(p);
    path[strcspn(path, "\r\n")] = 0;
    if (st != 0 || !path[0] || !tu_exists(path)) return NULL;
    return path;
}

int tu_dir_count(const char *dir, char *names, size_t namesz) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    if (names && namesz) names[0] = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (names && strlen(names) + strlen(e->d_name) + 2 < namesz) {
            if (names[0]) strcat(names, " ");
            strcat(names, e->d_name);
        }
    }
    closedir(d);
    return n;
}

int tu_project(const char *proj, double lon, double lat, double *x, double *y) {
    PJ *P = proj_create(PJ_DEFAULT_CTX, proj);
    if (!P) return -1;
    PJ_COORD c = proj_coord(proj_torad(lon), proj_torad(lat), 0, 0);
    PJ_COORD r = proj_trans(P, PJ_FWD, c);
    proj_destroy(P);
    if (!isfinite(r.xy.x) || !isfinite(r.xy.y)) return -1;
    *x = r.xy.x;
    *y = r.xy.y;
    return 0;
}

void tu_rmtree(const char *dir) {
    if (!dir || !*dir || strchr(dir, '\'')) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- hand-written Shapefile (ESRI Shapefile Technical Description, 1998) ---- */

static void put_be32(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}
static void put_le32(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static void put_le64d(unsigned char *p, double d) {
    unsigned char b[8];
    memcpy(b, &d, 8); /* x86-64 and the usual targets are little-endian */
    memcpy(p, b, 8);
}

/* The 100-byte header of .shp and .shx. */
static void shp_header(unsigned char *h, size_t file_bytes, const double bb[4]) {
    memset(h, 0, 100);
    put_be32(h, 9994);
    put_be32(h + 24, (unsigned)(file_bytes / 2));
    put_le32(h + 28, 1000);
    put_le32(h + 32, 5); /* polygon */
    for (int k = 0; k < 4; k++) put_le64d(h + 36 + 8 * k, bb[k]);
}

static int write_bytes(const char *path, const unsigned char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(b, 1, n, f) == n;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

int tu_write_shapefile(const char *base, const char *const *field_names, size_t nfields, size_t width,
                       const char *const *values, size_t nrec, const double *squares, const char *cpg, int ldid) {
    /* Each record: 8-byte header + type(4) + box(32) + nparts(4) + npoints(4) + part(4) + 5 points(80). */
    const size_t content = 4 + 32 + 4 + 4 + 4 + 5 * 16;
    size_t shp_n = 100 + nrec * (8 + content), shx_n = 100 + nrec * 8;
    unsigned char *shp = calloc(1, shp_n), *shx = calloc(1, shx_n);
    double bb[4] = {1e300, 1e300, -1e300, -1e300};
    for (size_t i = 0; i < nrec; i++) {
        const double *q = squares + 4 * i;
        if (q[0] < bb[0]) bb[0] = q[0];
        if (q[1] < bb[1]) bb[1] = q[1];
        if (q[2] > bb[2]) bb[2] = q[2];
        if (q[3] > bb[3]) bb[3] = q[3];
    }
    shp_header(shp, shp_n, bb);
    shp_header(shx, shx_n, bb);
    size_t off = 100;
    for (size_t i = 0; i < nrec; i++) {
        const double *q = squares + 4 * i;
        unsigned char *r = shp + off;
        put_be32(r, (unsigned)(i + 1));
        put_be32(r + 4, (unsigned)(content / 2));
        put_be32(shx + 100 + 8 * i, (unsigned)(off / 2));
        put_be32(shx + 100 + 8 * i + 4, (unsigned)(content / 2));
        unsigned char *c = r + 8;
        put_le32(c, 5);
        for (int k = 0; k < 4; k++) put_le64d(c + 4 + 8 * k, q[k]);
        put_le32(c + 36, 1);
        put_le32(c + 40, 5);
        put_le32(c + 44, 0);
        /* Outer ring clockwise, as Shapefiles store it. */
        const double ring[5][2] = {{q[0], q[1]}, {q[0], q[3]}, {q[2], q[3]}, {q[2], q[1]}, {q[0], q[1]}};
        for (int k = 0; k < 5; k++) {
            put_le64d(c + 48 + 16 * k, ring[k][0]);
            put_le64d(c + 48 + 16 * k + 8, ring[k][1]);
        }
        off += 8 + content;
    }
    /* dBASE III: header, field descriptors, 0x0D, records, 0x1A. */
    size_t hlen = 32 + 32 * nfields + 1, rlen = 1 + nfields * width;
    size_t dbf_n = hlen + nrec * rlen + 1;
    unsigned char *dbf = calloc(1, dbf_n);
    dbf[0] = 3;
    dbf[1] = 124; dbf[2] = 1; dbf[3] = 1; /* 2024-01-01 */
    put_le32(dbf + 4, (unsigned)nrec);
    dbf[8] = (unsigned char)hlen; dbf[9] = (unsigned char)(hlen >> 8);
    dbf[10] = (unsigned char)rlen; dbf[11] = (unsigned char)(rlen >> 8);
    dbf[29] = (unsigned char)ldid;
    for (size_t f = 0; f < nfields; f++) {
        unsigned char *d = dbf + 32 + 32 * f;
        size_t nl = strlen(field_names[f]);
        memcpy(d, field_names[f], nl > 10 ? 10 : nl);
        d[11] = 'C';
        d[16] = (unsigned char)width;
    }
    dbf[hlen - 1] = 0x0D;
    for (size_t i = 0; i < nrec; i++) {
        unsigned char *r = dbf + hlen + i * rlen;
        memset(r, ' ', rlen);
        for (size_t f = 0; f < nfields; f++) {
            const char *v = values[i * nfields + f];
            if (!v) continue;
            size_t vl = strlen(v);
            memcpy(r + 1 + f * width, v, vl > width ? width : vl);
        }
    }
    dbf[dbf_n - 1] = 0x1A;
    int rc = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s.shp", base);
    rc |= write_bytes(path, shp, shp_n);
    snprintf(path, sizeof path, "%s.shx", base);
    rc |= write_bytes(path, shx, shx_n);
    snprintf(path, sizeof path, "%s.dbf", base);
    rc |= write_bytes(path, dbf, dbf_n);
    snprintf(path, sizeof path, "%s.prj", base);
    rc |= tu_write_file(path, "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,"
                              "298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]");
    snprintf(path, sizeof path, "%s.cpg", base);
    if (cpg) rc |= tu_write_file(path, cpg);
    else remove(path);
    free(shp);
    free(shx);
    free(dbf);
    return rc ? -1 : 0;
}

int tu_csv_load(tu_csv *c, const char *path) {
    memset(c, 0, sizeof *c);
    c->text = tu_slurp(path, NULL);
    if (!c->text) return -1;
    char *t = c->text;
    if (!strncmp(t, "\xEF\xBB\xBF", 3)) t += 3;
    size_t cap = 1024;
    c->rows = malloc(cap * sizeof *c->rows);
    if (!c->rows) return -1;
    char *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') line[n - 1] = 0;
        if (!c->ncol) {
            c->ncol = tu_csv_split(line, c->hdr, TU_CSV_MAXF);
            continue;
        }
        if (c->nrows == cap) {
            void *nr = realloc(c->rows, (cap *= 2) * sizeof *c->rows);
            if (!nr) return -1;
            c->rows = nr;
        }
        memset(c->rows[c->nrows], 0, sizeof c->rows[0]);
        tu_csv_split(line, c->rows[c->nrows], TU_CSV_MAXF);
        c->nrows++;
    }
    return 0;
}

void tu_csv_free(tu_csv *c) {
    free(c->text);
    free(c->rows);
    memset(c, 0, sizeof *c);
}

int tu_csv_col(const tu_csv *c, const char *name) {
    for (int i = 0; i < c->ncol; i++)
        if (!strcmp(c->hdr[i], name)) return i;
    return -1;
}

const char *tu_csv_at(const tu_csv *c, size_t row, const char *col) {
    int k = tu_csv_col(c, col);
    if (k < 0 || row >= c->nrows || !c->rows[row][k]) return "";
    return c->rows[row][k];
}

double tu_csv_num(const tu_csv *c, size_t row, const char *col) {
    const char *v = tu_csv_at(c, row, col);
    return *v ? strtod(v, NULL) : NAN;
}

long tu_csv_find(const tu_csv *c, const char *key, const char *val) {
    int k = tu_csv_col(c, key);
    if (k < 0) return -1;
    for (size_t r = 0; r < c->nrows; r++)
        if (c->rows[r][k] && !strcmp(c->rows[r][k], val)) return (long)r;
    return -1;
}

double tu_csv_sum(const tu_csv *c, const char *col) {
    double s = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        double v = tu_csv_num(c, r, col);
        if (v == v) s += v;
    }
    return s;
}

double tu_png_diff_share(const char *a, const char *b) {
    int wa, ha, wb, hb;
    unsigned char *pa = tu_png_read_rgb(a, &wa, &ha), *pb = tu_png_read_rgb(b, &wb, &hb);
    double share = -1;
    if (pa && pb && wa == wb && ha == hb) {
        size_t bad = 0, n = (size_t)wa * ha;
        for (size_t i = 0; i < n; i++) {
            int m = 0;
            for (int k = 0; k < 3; k++) {
                int d = abs((int)pa[3 * i + k] - (int)pb[3 * i + k]);
                if (d > m) m = d;
            }
            if (m > 40) bad++;
        }
        share = (double)bad / (double)n;
    }
    free(pa);
    free(pb);
    return share;
}

double tu_golden_share(const char *png, const char *name) {
    const char *gold = tu_path("%s/tests/golden/%s.png", GV_TEST_SRCDIR, name);
    if (getenv("GV_UPDATE_GOLDEN")) {
        char cmd[8400];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", png, gold);
        if (system(cmd) != 0) return -1;
    }
    if (!tu_exists(gold)) return -2;
    return tu_png_diff_share(png, gold);
}

const char *tu_golden_check(const char *name, const char *a, const char *b, int w, int h) {
    static char msg[8400];
    size_t na = 0, nb = 0;
    char *da = tu_slurp(a, &na), *db = tu_slurp(b, &nb);
    int same = da && db && na == nb && !memcmp(da, db, na);
    free(da);
    free(db);
    int pw = 0, ph = 0;
    if (!same) snprintf(msg, sizeof msg, "%s and %s: the same inputs gave different bytes", a, b);
    else if (tu_png_size(a, &pw, &ph) || pw != w || ph != h)
        snprintf(msg, sizeof msg, "%s: %d x %d px, want %d x %d", a, pw, ph, w, h);
    else {
        double share = tu_golden_share(a, name);
        if (share >= 0 && share <= 0.005) return NULL;
        if (share < 0) snprintf(msg, sizeof msg, "%s: golden image tests/golden/%s.png missing or of another size", a, name);
        else snprintf(msg, sizeof msg, "%s differs from tests/golden/%s.png on %.2f %% of pixels", a, name, 100 * share);
    }
    return msg;
}

char *tu_capture(const char *cmd, int *status) {
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t n = 0, cap = 4096;
    char *s = malloc(cap);
    for (size_t k; s && (k = fread(s + n, 1, cap - n - 1, p)) > 0;) {
        n += k;
        if (cap - n < 2) {
            char *t = realloc(s, cap * 2);
            if (!t) { free(s); s = NULL; break; }
            s = t;
            cap *= 2;
        }
    }
    int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (s) s[n] = 0;
    return s;
}

int tu_pixel_lonlat(const char *png, const char *report, double lon, double lat, double dx_mm, double dy_mm,
                    double px_per_mm, unsigned *rgb) {
    json_object *r = tu_json_load(report);
    if (!r) return -1;
    json_object *f0 = json_object_array_get_idx(tu_json_get(r, "output.frames"), 0);
    double x, y;
    int bad = !f0 || tu_project(tu_json_str(r, "output.proj"), lon, lat, &x, &y);
    int px = bad ? -1 : (int)floor(tu_json_double(f0, "x0") + tu_json_double(f0, "scale") * x + dx_mm * px_per_mm);
    int py = bad ? -1 : (int)floor(tu_json_double(f0, "y0") - tu_json_double(f0, "scale") * y + dy_mm * px_per_mm);
    json_object_put(r);
    int w, h;
    unsigned char *img = bad ? NULL : tu_png_read_rgb(png, &w, &h);
    if (!img) return -1;
    int rc = -1;
    if (px >= 0 && px < w && py >= 0 && py < h) {
        const unsigned char *p = img + 3 * ((size_t)py * w + px);
        *rgb = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
        rc = 0;
    }
    free(img);
    return rc;
}

#include "geovoice/layer.h"

int tu_inside_unit(const gv_layer *L, size_t f, double x, double y) {
    const double *xy; const size_t *off; const int *part; size_t nr;
    gv_layer_rings(L, f, &xy, &off, &part, &nr);
    int in = 0;
    for (size_t r = 0; r < nr; r++)
        for (size_t i = off[r], j = off[r + 1] - 1; i < off[r + 1]; j = i++) {
            double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
        }
    return in;
}
