/* opinions_common.c: pieces the opinions verbs and synth share: opening a
 * boundary set's levels (or one source) for the workspace. */
#include "opinions_common.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

static int guess_field(const gv_layer *L, const char *given, const char *const *cands) {
    if (given) return gv_layer_field_index(L, given);
    for (size_t i = 0; cands[i]; i++) {
        int f = gv_layer_field_index(L, cands[i]);
        if (f >= 0) return f;
    }
    return -1;
}

static const char *const CODE_F[] = {"code", "ma", "gso_code", NULL};
static const char *const NAME_F[] = {"name", "ten", NULL};
static const char *const PARENT_F[] = {"province_code", "prov_code", "parent_code", "ma_tinh", NULL};

int gv__op_open_units(const char *set, const char *sets_dir, const char *shapes, const char *layer,
                      const char *level_name, const char *code_field, const char *name_field,
                      const char *parent_field, gv_ws_level *lv, gv_layer **layers, size_t *nlv, char *label,
                      size_t labelsz, gv_error *err) {
    *nlv = 0;
    if (shapes) {
        int rc = gv_layer_open(shapes, layer, NULL, &layers[0], err);
        if (rc) return rc;
        gv_level level = level_name ? gv_level_parse(level_name) : GV_LEVEL_COMMUNE;
        if (level == GV_LEVEL_NONE) return gv_error_set(err, GV_EUSAGE, "--level '%s': unknown level", level_name);
        lv[0].level = level;
        lv[0].layer = layers[0];
        lv[0].code_field = guess_field(layers[0], code_field, CODE_F);
        lv[0].name_field = guess_field(layers[0], name_field, NAME_F);
        lv[0].parent_field = guess_field(layers[0], parent_field, PARENT_F);
        lv[0].code_width = level == GV_LEVEL_COMMUNE ? 5 : level == GV_LEVEL_DISTRICT ? 3 : level == GV_LEVEL_PROVINCE ? 2 : 0;
        if (lv[0].code_field < 0)
            return gv_error_set(err, GV_EUSAGE, "%s: no code field (code, ma, gso_code): give --code FIELD", shapes);
        snprintf(label, labelsz, "%s:%s", shapes, gv_layer_name(layers[0]));
        *nlv = 1;
        return GV_OK;
    }
    gv_set *s = NULL;
    const char *name = set ? set : "vn-2025";
    int rc = gv_set_open(name, sets_dir, &s, err);
    if (rc) return rc;
    snprintf(label, labelsz, "%s", gv_set_name(s));
    for (int l = GV_LEVEL_PROVINCE; l <= GV_LEVEL_COMMUNE && !rc; l++) {
        const gv_set_layer *sl = gv_set_level(s, (gv_level)l);
        if (!sl || !sl->source) continue;
        gv_layer **L = &layers[*nlv];
        rc = gv_layer_open(sl->source, sl->layer, NULL, L, err);
        if (rc) break;
        gv_ws_level *v = &lv[*nlv];
        v->level = (gv_level)l;
        v->layer = *L;
        v->code_field = gv_layer_field_index(*L, sl->code_field);
        v->name_field = sl->name_field ? gv_layer_field_index(*L, sl->name_field) : -1;
        v->parent_field = sl->parent_field ? gv_layer_field_index(*L, sl->parent_field) : -1;
        v->code_width = sl->code_width;
        (*nlv)++;
        if (v->code_field < 0)
            rc = gv_error_set(err, GV_EDATA, "%s: layer %s has no field '%s'", sl->source, gv_layer_name(*L), sl->code_field);
    }
    if (!rc && !*nlv) rc = gv_error_set(err, GV_EDATA, "set '%s' has no level with polygons", name);
    gv_set_free(s);
    return rc;
}


int gv__op_check_min_count(double k, gv_error *err) {
    if (!(k >= 1) || k != floor(k) || k > 1e9)
        return gv_error_set(err, GV_EUSAGE, "--min-count %g: expected a whole number of at least 1", k);
    return GV_OK;
}
