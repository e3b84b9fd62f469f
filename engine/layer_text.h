/* layer_text.h: the text of a layer's attributes, from the bytes GDAL hands
 * over to UTF-8 NFC (layer_text.c; private to the layer reader). */
#ifndef GV_LAYER_TEXT_H
#define GV_LAYER_TEXT_H

#include "geovoice/layer.h"

#include <stddef.h>

/* What layer_text.c owns inside a gv_layer. */
typedef struct gv__layer_text {
    gv_layer_encoding_info info; /* its strings point into the fields below */
    char *cpg, *summary;
    char **issues;
    size_t nissues;
    char moji_as[16]; /* encoding the mojibake was repaired from */
    int cpg_empty;    /* a .cpg that holds nothing (taken as no .cpg) */
} gv__layer_text;

/* One layer's text to decode, in place: every string is malloc'd raw bytes
 * on entry (NULL = empty) and malloc'd UTF-8 NFC on return. */
typedef struct gv__text_job {
    const char *source, *layer;
    const char *dbf_base;  /* path of the Shapefile without extension (for .cpg and the DBF header), NULL if none */
    const gv_layer_options *opt;
    char **names;          /* nfields field names */
    size_t nfields;
    char **values;         /* nfeat * nfields values, NULL for "" */
    size_t nfeat;
    const long long *fids; /* nfeat feature ids, for messages */
} gv__text_job;

/* Detects (or takes opt->encoding), converts, and fills *t. GV_OK;
 * GV_EDATA (one line naming the file, feature and field) for mixed or
 * unknown encodings and undecodable values unless opt->lenient, in which
 * case they are only reported in t; GV_ENOMEM. */
int gv__layer_text_decode(gv__text_job *j, gv__layer_text *t, gv_error *err);

/* Frees what *t owns (not t). */
void gv__layer_text_free(gv__layer_text *t);

/* Encodes a UTF-8 attribute filter into encoding e so that OGR compares it
 * with raw bytes (malloc'd; NULL when it cannot be encoded). */
char *gv__layer_text_encode_filter(const char *where, gv_encoding e, unsigned flags);

#endif
