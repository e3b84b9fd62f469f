/* map_job_carto.h (private): the cartographic finish options of
 * `geovoice map` (labels, context layer, locator, north arrow, PDF
 * metadata) turned into the render spec, and their part of the log and
 * the run report. Shared by every mode (map_job.c, map_job_modes.c). */
#ifndef GV_JOB_MAP_JOB_CARTO_H
#define GV_JOB_MAP_JOB_CARTO_H

#include "geovoice/layer.h"
#include "geovoice/mapjob.h"
#include "geovoice/render.h"

#include <json-c/json.h>

typedef struct gv__carto_job {
    gv_layer *context;      /* opened for --context / --locator (owned) */
    gv_map_labels labels;
    gv_map_context ctx;
} gv__carto_job;

/* Checks the finish options against the map's layer L (the label field
 * must exist), opens the context layer, and points ms->labels,
 * ms->context, ms->north_arrow and the PDF metadata at them. cj must be
 * zeroed first and freed with gv__carto_job_free whatever the result. */
int gv__carto_setup(const gv_map_options *o, const gv_layer *L, gv__carto_job *cj, gv_map_spec *ms, gv_log_fn log,
                    void *logctx, gv_error *err);
void gv__carto_job_free(gv__carto_job *cj);

/* One log line on the labels, and one for a locator or north arrow that
 * found no room. */
void gv__carto_log(const gv_map_options *o, const gv_render_info *info, gv_log_fn log, void *logctx);

/* "labels" (every unit's outcome) and the finish rectangles (into rep's
 * "output" object, when there is one) in the run report. */
void gv__carto_json(const gv_map_options *o, const gv_layer *L, const gv_render_info *info, json_object *rep);

/* Proportional circles: one log line (count, scale, legend values) and
 * the report's "symbols" object (scale, legend, every circle). */
void gv__symbols_log(const gv_render_info *info, gv_locale loc, gv_log_fn log, void *logctx);
json_object *gv__symbols_json(const gv_render_info *info, const gv_layer *L);

#endif
