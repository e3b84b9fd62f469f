/* layer_geos.c: gv_layer features to GEOS geometries (layer_geos.h). */
#include "layer_geos.h"

#include <stdlib.h>

GEOSGeometry *gv__layer_feature_geos(GEOSContextHandle_t h, const gv_layer *l, size_t f) {
    const double *xy;
    const size_t *off;
    const int *part;
    size_t nr;
    gv_layer_rings(l, f, &xy, &off, &part, &nr);
    if (!nr) return NULL;
    GEOSGeometry **polys = calloc(nr, sizeof *polys), **holes = calloc(nr, sizeof *holes);
    size_t np = 0;
    if (!polys || !holes) goto fail;
    for (size_t r = 0; r < nr;) {
        size_t e = r + 1;
        while (e < nr && part[e] == part[r]) e++;
        GEOSGeometry *shell = NULL;
        size_t nh = 0;
        for (size_t q = r; q < e; q++) {
            GEOSCoordSequence *cs =
                GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[q], (unsigned)(off[q + 1] - off[q]), 0, 0);
            GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
            if (!ring) continue;
            if (!shell) shell = ring;
            else holes[nh++] = ring;
        }
        GEOSGeometry *p = shell ? GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nh) : NULL;
        if (p) polys[np++] = p;
        else {
            if (shell) GEOSGeom_destroy_r(h, shell);
            for (size_t q = 0; q < nh; q++) GEOSGeom_destroy_r(h, holes[q]);
        }
        r = e;
    }
    free(holes);
    holes = NULL;
    if (!np) goto fail;
    GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
    if (!mp) goto fail;
    free(polys);
    return mp;
fail:
    for (size_t q = 0; q < np; q++) GEOSGeom_destroy_r(h, polys[q]);
    free(polys);
    free(holes);
    return NULL;
}
