/* fuzz_rings.c: the project's own geometry code on arbitrary rings — the
 * per-ring cleaning and the cheap validity proof used while reading layers
 * (engine/ringcheck.c), and the GEOS-based repair (gv_geom_clean). The
 * project decodes no geometry format itself (WKB, GeoJSON, Shapefile and
 * GeoPackage are GDAL's), so this is the geometry fuzz target.
 *
 * Input: byte 0 = number of polygons (1 + b % 4); then per polygon a ring
 * header byte (points = 3 + h % 8; bit 3: a hole follows) and, per point,
 * two signed bytes giving x, y on a 0.25 grid (many touching and collinear
 * cases); the bytes 0x7f and 0x80 stand for NaN and 1e300.
 *
 * Invariants: a cleaned ring is closed, finite, without consecutive
 * duplicates; when the cheap test says "certainly valid", GEOS agrees;
 * gv_geom_clean returns GV_OK and either NULL or a valid 2D MultiPolygon. */
#include "fuzz.h"

#include "geovoice/geomcheck.h"
#include "ringcheck.h"

#include <cpl_error.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <string.h>

#define MAXR 16
#define MAXP 12

static double coord(uint8_t b) {
    if (b == 0x7f) return NAN;
    if (b == 0x80) return 1e300;
    return (int8_t)b / 4.0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2 || size > 2048) return 0;
    size_t pos = 0;
    int nparts = 1 + data[pos++] % 4;
    double raw[MAXR][2 * (MAXP + 1)];
    int rawn[MAXR], rawpart[MAXR];
    unsigned char rawhole[MAXR];
    int nraw = 0;
    for (int p = 0; p < nparts && nraw < MAXR && pos < size; p++) {
        int hole = 0;
        do {
            uint8_t h = data[pos++];
            int n = 3 + h % 8;
            if (pos + 2 * (size_t)n > size) break;
            for (int k = 0; k < n; k++) {
                raw[nraw][2 * k] = coord(data[pos++]);
                raw[nraw][2 * k + 1] = coord(data[pos++]);
            }
            rawn[nraw] = n;
            rawpart[nraw] = p;
            rawhole[nraw] = (unsigned char)hole;
            nraw++;
            hole = (h & 8) && nraw < MAXR && pos < size;
        } while (hole);
    }
    if (!nraw) return 0;

    /* 1. Cleaning, as layer.c does it (a dropped shell drops its holes). */
    double xy[MAXR * 2 * (MAXP + 1)];
    size_t off[MAXR + 1], np = 0, nr = 0;
    unsigned char hole[MAXR];
    int part[MAXR];
    int shell_dropped = 0;
    for (int r = 0; r < nraw; r++) {
        if (rawhole[r] && shell_dropped) continue;
        memcpy(xy + 2 * np, raw[r], sizeof(double) * 2 * (size_t)rawn[r]);
        unsigned fl = 0;
        size_t nonfinite = 0, m = gv__ring_compact(xy + 2 * np, (size_t)rawn[r], &fl, &nonfinite);
        fuzz_check(m <= (size_t)rawn[r] + 1);
        if (m < 4) {
            if (!rawhole[r]) shell_dropped = 1;
            continue;
        }
        if (!rawhole[r]) shell_dropped = 0;
        const double *q = xy + 2 * np;
        fuzz_check(q[0] == q[2 * (m - 1)] && q[1] == q[2 * (m - 1) + 1]);
        for (size_t k = 0; k < m; k++) {
            fuzz_check(isfinite(q[2 * k]) && isfinite(q[2 * k + 1]));
            if (k) fuzz_check(q[2 * k] != q[2 * k - 2] || q[2 * k + 1] != q[2 * k - 1]);
        }
        off[nr] = np;
        hole[nr] = rawhole[r];
        part[nr] = rawpart[r];
        np += m;
        nr++;
    }
    off[nr] = np;

    /* 2. The cheap proof never calls an invalid feature valid. */
    if (nr) {
        gv_ringcheck_scratch scr;
        memset(&scr, 0, sizeof scr);
        int v = gv__rings_certainly_valid(xy, off, hole, part, nr, &scr);
        gv__ringcheck_scratch_free(&scr);
        fuzz_check(v == 0 || v == 1);
        gv_geom_report rep;
        memset(&rep, 0, sizeof rep);
        gv__rings_describe(xy, off, hole, part, nr, &rep);
        if (v == 1) {
            GEOSContextHandle_t h = GEOS_init_r();
            GEOSGeometry *polys[MAXR];
            unsigned npoly = 0;
            for (size_t r = 0; r < nr;) {
                size_t r1 = r + 1;
                while (r1 < nr && part[r1] == part[r] && hole[r1]) r1++;
                GEOSGeometry *rings[MAXR];
                for (size_t k = r; k < r1; k++)
                    rings[k - r] = GEOSGeom_createLinearRing_r(
                        h, GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[k], (unsigned)(off[k + 1] - off[k]), 0, 0));
                polys[npoly++] = GEOSGeom_createPolygon_r(h, rings[0], rings + 1, (unsigned)(r1 - r - 1));
                r = r1;
            }
            GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, npoly);
            fuzz_check(mp && GEOSisValid_r(h, mp) == 1);
            GEOSGeom_destroy_r(h, mp);
            GEOS_finish_r(h);
        }
    }

    /* 3. The repair on the raw rings (OGR's own warnings about them are
     * not ours to print). */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon), poly = NULL;
    for (int r = 0; r < nraw; r++) {
        if (!rawhole[r]) {
            if (poly) OGR_G_AddGeometryDirectly(mp, poly);
            poly = OGR_G_CreateGeometry(wkbPolygon);
        }
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        for (int k = 0; k < rawn[r]; k++) OGR_G_AddPoint_2D(ring, raw[r][2 * k], raw[r][2 * k + 1]);
        if (poly) OGR_G_AddGeometryDirectly(poly, ring);
        else OGR_G_DestroyGeometry(ring);
    }
    if (poly) OGR_G_AddGeometryDirectly(mp, poly);
    void *out = NULL;
    gv_geom_report rep;
    fuzz_check(gv_geom_clean(mp, &out, &rep, NULL) == GV_OK);
    if (out) {
        fuzz_check(wkbFlatten(OGR_G_GetGeometryType(out)) == wkbMultiPolygon);
        fuzz_check(!OGR_G_Is3D(out));
        fuzz_check(OGR_G_IsValid(out));
        OGR_G_DestroyGeometry(out);
    }
    OGR_G_DestroyGeometry(mp);
    CPLPopErrorHandler();
    return 0;
}
