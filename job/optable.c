/* optable.c: CSV / GeoPackage writer of the opinions verbs' tables. */
#include "optable.h"

#include "geovoice/csvout.h"
#include "geovoice/table.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void optable_init(optable *t, size_t ncols, const char *const *names, const int *types) {
    memset(t, 0, sizeof *t);
    t->ncols = ncols, t->names = names, t->types = types;
}

int optable_add(optable *t, const char *code, char *const *cells) {
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 1024;
        char **c = realloc(t->cells, nc * t->ncols * sizeof *c);
        if (!c) return GV_ENOMEM;
        t->cells = c;
        char **k = realloc(t->codes, nc * sizeof *k);
        if (!k) return GV_ENOMEM;
        t->codes = k, t->cap = nc;
    }
    for (size_t i = 0; i < t->ncols; i++)
        if (!(t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : ""))) return GV_ENOMEM;
    if (!(t->codes[t->nrows] = strdup(code))) return GV_ENOMEM;
    t->nrows++;
    return GV_OK;
}

void optable_free(optable *t) {
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++) free(t->cells[i]);
    for (size_t i = 0; t->codes && i < t->nrows; i++) free(t->codes[i]);
    free(t->cells);
    free(t->codes);
    memset(t, 0, sizeof *t);
}

static int write_csv(const optable *t, const char *tmp, const char *comment) {
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    if (comment) fprintf(f, "# %s\n", comment);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c) fputc(',', f);
        gv_csv_put(f, t->names[c]);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) fputc(',', f);
            gv_csv_put(f, t->cells[r * t->ncols + c]);
        }
        fputc('\n', f);
    }
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

typedef struct geomap {
    char *code;
    OGRGeometryH g;
} geomap;

static int gcmp(const void *a, const void *b) { return strcmp(((const geomap *)a)->code, ((const geomap *)b)->code); }

static int write_gpkg(const optable *t, const char *tmp, const char *out, const char *ws_path, const char *level,
                      const char *layer, const char *desc, gv_error *err) {
    GDALAllRegister();
    /* The units' polygons, by code, from the workspace (GDAL reads
     * SpatiaLite tables). */
    GDALDatasetH src = GDALOpenEx(ws_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!src) return gv_error_set(err, GV_EDATA, "%s: cannot open the workspace's units: %s", ws_path, CPLGetLastErrorMsg());
    OGRLayerH U = GDALDatasetGetLayerByName(src, "units");
    geomap *gm = NULL;
    size_t ng = 0;
    if (U) {
        char where[64];
        snprintf(where, sizeof where, "level = '%s'", level);
        OGR_L_SetAttributeFilter(U, where);
        size_t cap = 0;
        OGRFeatureH f;
        int fc = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(U), "code");
        while ((f = OGR_L_GetNextFeature(U))) {
            if (ng == cap) {
                cap = cap ? 2 * cap : 1024;
                geomap *n2 = realloc(gm, cap * sizeof *gm);
                if (!n2) break;
                gm = n2;
            }
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            gm[ng].code = strdup(OGR_F_GetFieldAsString(f, fc));
            gm[ng].g = g ? OGR_G_Clone(g) : NULL;
            ng++;
            OGR_F_Destroy(f);
        }
        qsort(gm, ng, sizeof *gm, gcmp);
    }
    GDALClose(src);
    int rc = GV_OK;
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    GDALDatasetH ds = drv ? GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!ds) rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot create: %s", out, CPLGetLastErrorMsg());
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4326);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    char dopt[1024];
    snprintf(dopt, sizeof dopt, "DESCRIPTION=%s", desc ? desc : "");
    char *lopts[] = {dopt, NULL};
    OGRLayerH L = ds ? GDALDatasetCreateLayer(ds, layer, srs, wkbMultiPolygon, lopts) : NULL;
    if (ds && !L) rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot create layer: %s", out, CPLGetLastErrorMsg());
    for (size_t c = 0; !rc && c < t->ncols; c++) {
        OGRFieldDefnH fd = OGR_Fld_Create(t->names[c], t->types[c] == OPT_INT ? OFTInteger64 : t->types[c] == OPT_REAL ? OFTReal : OFTString);
        if (OGR_L_CreateField(L, fd, 1) != OGRERR_NONE)
            rc = gv_error_set(err, GV_EOUTPUT, "%s: field %s: %s", out, t->names[c], CPLGetLastErrorMsg());
        OGR_Fld_Destroy(fd);
    }
    if (!rc) GDALDatasetStartTransaction(ds, 0);
    for (size_t r = 0; !rc && r < t->nrows; r++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(L));
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c];
            if (t->types[c] == OPT_TEXT) {
                if (*v) OGR_F_SetFieldString(f, (int)c, v);
                else OGR_F_SetFieldNull(f, (int)c);
            } else if (!*v || !strcmp(v, "suppressed")) {
                OGR_F_SetFieldNull(f, (int)c);
            } else if (t->types[c] == OPT_INT) {
                OGR_F_SetFieldInteger64(f, (int)c, strtoll(v, NULL, 10));
            } else {
                OGR_F_SetFieldDouble(f, (int)c, strtod(v, NULL));
            }
        }
        geomap key = {t->codes[r], NULL};
        geomap *hit = ng ? bsearch(&key, gm, ng, sizeof *gm, gcmp) : NULL;
        if (hit && hit->g) OGR_F_SetGeometry(f, hit->g);
        if (OGR_L_CreateFeature(L, f) != OGRERR_NONE)
            rc = gv_error_set(err, GV_EOUTPUT, "%s: row %zu: %s", out, r + 1, CPLGetLastErrorMsg());
        OGR_F_Destroy(f);
    }
    if (!rc) GDALDatasetCommitTransaction(ds);
    if (ds) GDALClose(ds);
    OSRDestroySpatialReference(srs);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    for (size_t i = 0; i < ng; i++) {
        free(gm[i].code);
        if (gm[i].g) OGR_G_DestroyGeometry(gm[i].g);
    }
    free(gm);
    return rc;
}

int optable_write(const optable *t, const char *out, const char *ws_path, const char *level, const char *layer,
                  const char *desc, const char *header_comment, gv_error *err) {
    size_t n = strlen(out);
    int gpkg = n > 5 && !strcasecmp(out + n - 5, ".gpkg");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d%s", out, (int)getpid(), gpkg ? ".gpkg" : "");
    unlink(tmp);
    int rc;
    if (gpkg) {
        rc = write_gpkg(t, tmp, out, ws_path, level, layer, desc, err);
    } else {
        rc = write_csv(t, tmp, header_comment) ? gv_error_set(err, GV_EOUTPUT, "%s: write failed: %s", out, strerror(errno)) : GV_OK;
    }
    if (!rc && rename(tmp, out) != 0) rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot rename the temporary file: %s", out, strerror(errno));
    if (rc) unlink(tmp);
    return rc;
}

int op_read_csv(const char *path, gv_table **out, gv_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return gv_error_set(err, GV_EDATA, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb, cap *= 2;
        }
    }
    fclose(f);
    if (!b) return gv_error_set(err, GV_ENOMEM, "out of memory");
    /* Comment lines become empty lines: the reader skips those and keeps
     * counting them, so line numbers stay the file's. */
    size_t i = 0;
    while (i < n && b[i] == '#') {
        while (i < n && b[i] != '\n') b[i++] = ' ';
        i++;
    }
    int rc = gv_table_read_csv_buffer(b, n, path, NULL, out, err);
    free(b);
    return rc;
}
