/* geomreport.c: one-line summaries of the geometry problems a layer met
 * while reading (see gv_layer_geom_summary in layer.h). Kept apart from
 * layer.c: it only reads the per-feature flags through the public API. */
#include "geovoice/geomcheck.h"
#include "geovoice/layer.h"

#include <stdio.h>
#include <string.h>

/* Flags, most serious first (the order of gv_geom_flags_describe). */
static const unsigned ORDER[] = {GV_GEOM_NULL,       GV_GEOM_EMPTY,    GV_GEOM_REPAIR_FAILED, GV_GEOM_INVALID,
                                 GV_GEOM_NOT_POLYGON, GV_GEOM_COLLECTION, GV_GEOM_TOO_FEW,    GV_GEOM_UNCLOSED,
                                 GV_GEOM_DUP_POINTS, GV_GEOM_ZM,       GV_GEOM_SLIVER};

size_t gv_layer_geom_summary(const gv_layer *l, char *buf, size_t n) {
    size_t count[sizeof ORDER / sizeof ORDER[0]] = {0}, bad = 0, nf = l ? gv_layer_count(l) : 0;
    for (size_t i = 0; i < nf; i++) {
        unsigned f = gv_layer_geom_flags(l, i) & ~(unsigned)GV_GEOM_ORIENTATION;
        if (!f) continue;
        bad++;
        for (size_t k = 0; k < sizeof ORDER / sizeof ORDER[0]; k++)
            if (f & ORDER[k]) count[k]++;
    }
    if (buf && n) {
        buf[0] = 0;
        size_t len = 0;
        if (bad) {
            int w = snprintf(buf, n, "%zu of %zu features:", bad, nf);
            len = w > 0 ? (size_t)w : 0;
            for (size_t k = 0; k < sizeof ORDER / sizeof ORDER[0] && len < n; k++) {
                if (!count[k]) continue;
                char what[64];
                gv_geom_flags_describe(ORDER[k], what, sizeof what);
                w = snprintf(buf + len, n - len, " %zu %s,", count[k], what);
                if (w > 0) len += (size_t)w;
            }
            if (len < n && len && buf[len - 1] == ',') buf[len - 1] = 0;
        }
    }
    return bad;
}
