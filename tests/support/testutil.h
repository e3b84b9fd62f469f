/* testutil.h: small helpers shared by the cmocka tests (paths, temp dirs,
 * running the CLI). Tests include <cmocka.h> themselves. */
#ifndef GV_TESTUTIL_H
#define GV_TESTUTIL_H
#include <stddef.h>

/* Fresh empty directory under $TMPDIR (or /tmp) for this test; static buffer. */
const char *tu_tmpdir(const char *tag);
/* snprintf into a static rotating buffer (8 slots). */
const char *tu_path(const char *fmt, ...);
/* Runs the geovoice CLI with args (a shell-quoted string), stderr captured
 * into *err_out (malloc'd, may be NULL), returns its exit code. */
int tu_run_cli(const char *args, char **err_out);
/* 1 if the file exists. */
int tu_exists(const char *path);
/* Reads a whole file (malloc'd, NUL-terminated), length in *n (may be NULL). */
char *tu_slurp(const char *path, size_t *n);
/* 1 if the shared data folder (../shared/data/vn) is present. */
int tu_have_data(void);
#endif

/* ---- helpers for the end-to-end tests (tests/e2e) ---- */
struct json_object;

/* Writes text to path (creates/truncates). 0 on success. */
int tu_write_file(const char *path, const char *text);
/* Parses a JSON file; NULL when missing or invalid. Free with json_object_put. */
struct json_object *tu_json_load(const char *path);
/* Member lookup by dotted path ("join.units_matched"); NULL if absent. */
struct json_object *tu_json_get(struct json_object *o, const char *dotted);
/* Integer / double / string of a dotted member (-1 / NAN / NULL if absent). */
long long tu_json_int(struct json_object *o, const char *dotted);
double tu_json_double(struct json_object *o, const char *dotted);
const char *tu_json_str(struct json_object *o, const char *dotted);

/* PNG read as 8-bit RGB through libpng's simplified API: returns a malloc'd
 * buffer of w*h*3 bytes, NULL on error. */
unsigned char *tu_png_read_rgb(const char *path, int *w, int *h);
/* Pixel size of a PNG from its IHDR (no decoding); 0 on success. */
int tu_png_size(const char *path, int *w, int *h);

/* Splits one CSV record (RFC 4180 quoting, no embedded newlines) in place:
 * fields[] point into line. Returns the number of fields (<= max). */
int tu_csv_split(char *line, char **fields, int max);

/* Runs scripts/natural-earth.sh (cache in GV_TEST_BINDIR/natural-earth) and
 * returns the path of world_map.gpkg (static buffer), NULL if unavailable. */
const char *tu_natural_earth(void);

/* Number of directory entries in dir other than . and ..; -1 on error.
 * If names is non-NULL, the names are appended to it (joined by ' '). */
int tu_dir_count(const char *dir, char *names, size_t namesz);

/* Projects lon/lat (degrees) with the PROJ string `proj` (a conversion such
 * as +proj=tmerc ...) to metres. 0 on success. */
int tu_project(const char *proj, double lon, double lat, double *x, double *y);

/* Removes a directory made by tu_tmpdir and everything in it (rm -rf). */
void tu_rmtree(const char *dir);

/* Writes a polygon Shapefile by hand (base.shp, .shx, .dbf, .prj with
 * WGS 84, and base.cpg when cpg is not NULL), byte for byte, without GDAL:
 * nrec squares squares[4*i..] = {x0, y0, x1, y1} (lon/lat), nfields
 * character fields whose names and values are raw bytes (any encoding;
 * names at most 10 bytes, values at most width bytes, NULL = empty),
 * values[i * nfields + f]. ldid is the DBF language driver byte. 0 on
 * success. */
int tu_write_shapefile(const char *base, const char *const *field_names, size_t nfields, size_t width,
                       const char *const *values, size_t nrec, const double *squares, const char *cpg, int ldid);

/* A CSV file in memory (header + rows, split with tu_csv_split; no
 * embedded newlines; BOM and CR tolerated). Load with tu_csv_load (0 on
 * success), free with tu_csv_free. */
#define TU_CSV_MAXF 64
typedef struct tu_csv {
    char *text;
    int ncol;
    char *hdr[TU_CSV_MAXF];
    size_t nrows;
    char *(*rows)[TU_CSV_MAXF];
} tu_csv;
int tu_csv_load(tu_csv *c, const char *path);
void tu_csv_free(tu_csv *c);
/* Column index by name, -1 when absent. */
int tu_csv_col(const tu_csv *c, const char *name);
/* Cell text ("" when absent); number (NaN when empty or no such column);
 * first row whose column `key` equals `val` (-1 when none); sum of a
 * column over rows with a number. */
const char *tu_csv_at(const tu_csv *c, size_t row, const char *col);
double tu_csv_num(const tu_csv *c, size_t row, const char *col);
long tu_csv_find(const tu_csv *c, const char *key, const char *val);
double tu_csv_sum(const tu_csv *c, const char *col);

/* Share of pixels of two PNGs of the same size whose largest channel
 * difference exceeds 40 (the golden-image tolerance); -1 when either
 * cannot be read or their sizes differ. */
double tu_png_diff_share(const char *a, const char *b);
/* Compares png with tests/golden/NAME.png (GV_UPDATE_GOLDEN=1 copies png
 * there first); returns the share as tu_png_diff_share, -2 when the
 * golden file is missing. */
double tu_golden_share(const char *png, const char *name);
/* The golden-image check of two renders a and b of the same map: same
 * bytes, w x h pixels, and within 0.5 % of tests/golden/NAME.png (see
 * tu_golden_share). NULL when all hold, else what failed (static). */
const char *tu_golden_check(const char *name, const char *a, const char *b, int w, int h);
/* Runs a shell command and returns its stdout (malloc'd, NULL when it
 * cannot run); *status gets its exit status (may be NULL). */
char *tu_capture(const char *cmd, int *status);
/* Colour (0xRRGGBB) of the PNG pixel at lon/lat on the main frame the run
 * report describes ("output.proj", "output.frames"[0]), moved by (dx, dy)
 * mm (a small-multiple panel's offset) at px_per_mm. 0 on success, -1
 * when the report or PNG cannot be read or the point is off the page. */
int tu_pixel_lonlat(const char *png, const char *report, double lon, double lat, double dx_mm, double dy_mm,
                    double px_per_mm, unsigned *rgb);
/* 1 when lon/lat lies inside feature f of layer L: even-odd over all of
 * its rings as gv_layer_rings gives them (independent of the renderer). */
struct gv_layer;
int tu_inside_unit(const struct gv_layer *L, size_t f, double lon, double lat);
