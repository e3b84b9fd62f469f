/* map_job_modes.h (private): the categorical, dot-density and diverging
 * modes of `geovoice map` (job/map_job_modes.c), called from map_job.c. */
#ifndef GV_JOB_MAP_JOB_MODES_H
#define GV_JOB_MAP_JOB_MODES_H

#include "geovoice/classify.h"
#include "geovoice/expr.h"
#include "geovoice/join.h"
#include "geovoice/layer.h"
#include "geovoice/mapjob.h"
#include "geovoice/render.h"
#include "geovoice/table.h"

/* Modes before GV__MODE_CATEGORICAL evaluate numeric expressions in
 * map_job.c; the others are in map_job_modes.c. */
enum {
    GV__MODE_CHOROPLETH = 0,
    GV__MODE_DIVERGING,
    GV__MODE_SYMBOLS,
    GV__MODE_BIVARIATE,
    GV__MODE_MULTIPLES,
    GV__MODE_CATEGORICAL,
    GV__MODE_DOTS
};

/* Mode from o->mode / o->center, with the mode's own option checks;
 * a GV__MODE_* value, or a negative GV_EUSAGE with err set. */
int gv__map_mode(const gv_map_options *o, gv_error *err);

/* Default palette of a mode (YlOrRd, RdBu, Set3, Set1). */
const char *gv__map_mode_palette(int mode);

/* Categorical and dot maps from the joined table to the written files
 * (map, join report, run report). */
typedef struct gv__mode_ctx {
    const gv_map_options *o;
    int mode;
    gv_layer *L;
    const gv_table *T;
    const gv_join *J;
    const char *ufield;       /* boundary field of the join (unit keys), NULL = none */
    const char *palette;
    gv_page page;
    gv_locale loc;
    gv_format fmt;
    gv_log_fn log;
    void *logctx;
    double t_start;
    gv_dup_policy dup;
} gv__mode_ctx;
int gv__map_run_mode(const gv__mode_ctx *c, gv_error *err);

/* The page fields every mode's spec shares (subtitle, source, date,
 * locale, decimals, page, dpi, insets, threads, no-data colour). */
void gv__map_spec_page(gv_map_spec *ms, const gv__mode_ctx *c);

/* ", 2480×3508 px" for a PNG, "" otherwise (for the "wrote" line). */
const char *gv__size_text(gv_format fmt, const gv_render_info *info, char *buf, size_t n);

/* Bivariate maps and small multiples (job/map_job_multi.c). */
int gv__map_run_multi(const gv__mode_ctx *c, gv_error *err);

/* The run report's "frames" array (name, rect_mm, scale, x0, y0). */
struct json_object *gv__frames_json(const gv_render_info *info);

/* Where unit values come from: the options, the layer, the table joined
 * to it (T, J may be NULL: built-ins only). */
typedef struct gv__value_src {
    const gv_map_options *o;
    gv_layer *L;
    const gv_table *T;
    const gv_join *J;
    gv_dup_policy dup;
    const char *ufield;
    /* OUT, may be NULL: per feature, 1 when a joined cell of a used
     * column reads "suppressed" (opinions aggregate's small counts); the
     * value is then NaN but not counted as missing. */
    unsigned char *supp;
} gv__value_src;

/* Values of expression E (the text `text` of option `opt`, for messages)
 * for every unit of vs->L into values/status (nf each); *n_missing counts
 * NaNs; *var_sum_out (may be NULL) gets the sum of each variable over the
 * units with a value (malloc'd). map_job.c. */
int gv__map_eval(const gv__value_src *vs, const gv_expr *E, const char *opt, const char *text, double *values,
                 gv_expr_status *status, double **var_sum_out, size_t *n_missing, gv_error *err);

/* Diverging: the centre from --center (a number, or "national": the
 * value expression evaluated on sums[k], the sum of variable k over the
 * units that have a value). */
int gv__center_value(const char *center, const gv_expr *E, const double *sums, double *out, gv_error *err);

/* Diverging colours for classes split at the centre: with h = max(classes
 * below, classes above), the 2h-class scheme; the classes below take its
 * colours h-k_below..h-1, those above h.. (so the centre sits between the
 * two middle colours whatever the counts on each side). */
int gv__diverging_colors(const char *palette, const gv_breaks *b, size_t k_below, int reverse, unsigned *colors,
                         gv_error *err);

#endif
