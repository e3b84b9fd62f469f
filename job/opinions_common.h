/* opinions_common.h: helpers shared by job/opinions_*_job.c and
 * job/synth_job.c. Private to job/. */
#ifndef GV_OPINIONS_COMMON_H
#define GV_OPINIONS_COMMON_H

#include "geovoice/layer.h"
#include "geovoice/sets.h"
#include "geovoice/workspace.h"

/* Opens the boundary levels of set `set` (NULL: vn-2025) that have
 * polygons, coarsest first, or the one source `shapes` (layer, level
 * default commune, fields guessed when NULL: code/ma/gso_code,
 * name/ten, province_code/prov_code/parent_code/ma_tinh). layers[] (at
 * least GV_NLEVELS) get the layers to free with gv_layer_free, lv[] their
 * description, *nlv how many; label the set's name or "SRC:LAYER". */
int gv__op_open_units(const char *set, const char *sets_dir, const char *shapes, const char *layer,
                      const char *level_name, const char *code_field, const char *name_field,
                      const char *parent_field, gv_ws_level *lv, gv_layer **layers, size_t *nlv, char *label,
                      size_t labelsz, gv_error *err);

/* GV_OK when k is a valid --min-count (a whole number from 1 to 1e9),
 * else GV_EUSAGE saying so (aggregate and divergence alike). */
int gv__op_check_min_count(double k, gv_error *err);

#endif
