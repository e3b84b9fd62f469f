/* atlas_private.h (private to job/): the pieces of `geovoice atlas`:
 *   atlas_fs.c     files and folders: SHA-256, the lock, building beside the
 *                  output folder and swapping it in, removing trees;
 *   atlas_plan.c   the pages an atlas has, their ids, titles and keys, and
 *                  the previous run's manifest;
 *   atlas_draw.c   the data (boundaries, tables, indicator values, national
 *                  classes) and the drawing of one page;
 *   atlas_job.c    gv_atlas_run: the whole run. */
#ifndef GV_JOB_ATLAS_PRIVATE_H
#define GV_JOB_ATLAS_PRIVATE_H

#include "geovoice/atlas.h"
#include "geovoice/classify.h"
#include "geovoice/layer.h"
#include "geovoice/sets.h"

#include <json-c/json.h>
#include <stddef.h>

/* Bumped by hand whenever a change to the code draws pages differently:
 * it is part of every page's key, so an upgrade redraws the atlas. */
#define GV_ATLAS_RENDER_REV "atlas-2" /* 2: remote islands in an inset */

/* ---- atlas_fs.c ---- */

#define GV_SHA_HEX 65

/* SHA-256 of a file's bytes as 64 hex digits. GV_EDATA naming the file
 * when it cannot be read. */
int gv__sha256_file(const char *path, char hex[GV_SHA_HEX], gv_error *err);
/* SHA-256 of a memory buffer. */
void gv__sha256_mem(const void *p, size_t n, char hex[GV_SHA_HEX]);

/* Exclusive lock on path (created): GV_OK with *fd set; when another
 * process holds it: wait (wait = 1) or GV_EOUTPUT naming that process. */
int gv__lock_take(const char *path, int wait, gv_log_fn log, void *logctx, int *fd, gv_error *err);
void gv__lock_release(int fd);

/* rm -rf path (a missing path is fine). 0 or -1. */
int gv__rmtree(const char *path);
/* Makes dst the same file as src: a hard link, else a copy. 0 or -1. */
int gv__link_or_copy(const char *src, const char *dst);
/* Puts folder fresh in the place of folder out (which may not exist), as
 * one rename where the system can exchange two names, and removes the old
 * contents. GV_EOUTPUT naming the folder on failure. */
int gv__swap_in(const char *fresh, const char *out, gv_error *err);
/* Removes leftovers of runs that died (OUT.new-*, OUT.old-*) beside out. */
void gv__remove_stale(const char *out, gv_log_fn log, void *logctx);
/* 1 when path is a directory, 0 when absent, -1 when something else. */
int gv__is_dir(const char *path);

/* ---- atlas_plan.c ---- */

typedef enum { GV_AREA_NATION, GV_AREA_PROVINCE, GV_AREA_REGION } gv_area_kind;

/* An area a page shows: the nation, a province, or a group of provinces. */
typedef struct gv_area {
    gv_area_kind kind;
    char code[64];       /* province code (zero-padded), "vn", or the group's slug */
    char name[256];      /* full name ("Thành phố Hà Nội"), national_name, group name */
    char **members;      /* region: province codes (malloc'd); NULL otherwise */
    size_t nmembers;
} gv_area;

typedef struct gv_out_file {
    char file[512];      /* relative to the output folder */
    char key[GV_SHA_HEX];
    char sha256[GV_SHA_HEX];
    int want;            /* the spec asks for it */
    int keep;            /* the previous run's file is still right */
    int width_px, height_px;
    char frames[96];     /* frames drawn: "main,hoang_sa,truong_sa" */
} gv_out_file;

typedef struct gv_page_plan {
    size_t area;         /* index into plan areas */
    size_t ind;          /* index into spec indicators */
    char id[200];        /* "79-dien-tich-xa" */
    char title[600], subtitle[600];
    char key[GV_SHA_HEX];
    gv_out_file pdf, png;
    int failed;          /* 0, or the GV_E* code of its failure */
    char error[GV_ERR_LEN];
    int stale;           /* failed, and the previous atlas's version of it is carried on (see atlas_job.c) */
    int book_page;       /* 1-based page of the book, 0 when not in it */
} gv_page_plan;

typedef struct gv_input {
    char id[128];        /* "boundaries", "units", "table:opinions", ... */
    char file[4096];
    char sha256[GV_SHA_HEX];
} gv_input;

typedef struct gv_plan {
    gv_atlas_spec *spec;
    gv_set *set;
    const gv_set_layer *lv;      /* the drawn level */
    gv_area *areas;
    size_t nareas;
    gv_page_plan *pages;
    size_t npages;
    gv_input *inputs;
    size_t ninputs;
    char ind_key[64][GV_SHA_HEX]; /* per indicator: hash of its definition */
    char book_key[GV_SHA_HEX];
    int book_keep;               /* the previous book is still right */
    char book_sha[GV_SHA_HEX];   /* its hash, when kept */
    int book_pages;              /* its page count, when kept */
    char *old_manifest;          /* the previous manifest's text (malloc'd), NULL when none */
    char out[4096];
} gv_plan;

/* Reads the spec, opens the set, lists areas and pages, hashes the inputs
 * and computes every key. o->formats overrides the spec's formats. */
int gv__plan_make(const gv_atlas_options *o, gv_plan *p, gv_error *err);
void gv__plan_clear(gv_plan *p);
/* Marks outputs whose key equals the previous manifest's and whose file
 * is present in folder old (the previous atlas), copying their hashes.
 * Returns the number of pages with anything to draw. */
size_t gv__plan_compare(gv_plan *p, const char *old, int force);
/* Index of the input with that id, -1 when none. */
int gv__plan_input(const gv_plan *p, const char *id);
/* The manifest of the plan (new reference, free with json_object_put). */
json_object *gv__plan_manifest(const gv_plan *p, int book_pages, const char *book_sha);

/* ---- atlas_draw.c ---- */

typedef struct gv_atlas_data gv_atlas_data; /* opaque */

/* Loads what the pages marked for drawing need: the level's layer, the
 * tables of the indicators drawn, their values and national classes, and
 * one layer per area drawn. Indicators that cannot be prepared (a missing
 * column...) fail their pages (page->failed, error), not the run. */
int gv__atlas_data_load(gv_plan *p, gv_log_fn log, void *logctx, gv_atlas_data **out, gv_error *err);
void gv__atlas_data_free(gv_atlas_data *d);
/* Draws the wanted, not kept outputs of page k into folder dir. threads:
 * PNG band threads. Thread-safe for distinct pages. */
int gv__atlas_draw_page(const gv_atlas_data *d, gv_plan *p, size_t k, const char *dir, int threads, gv_error *err);
/* Work estimate of a page (vertices drawn), to draw the big pages first. */
size_t gv__atlas_page_cost(const gv_atlas_data *d, const gv_plan *p, size_t k);

#endif
