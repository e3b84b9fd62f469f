/* csvout.h: writing CSV (RFC 4180) fields, for every table geovoice writes. */
#ifndef GEOVOICE_CSVOUT_H
#define GEOVOICE_CSVOUT_H

#include "geovoice/common.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes s (NULL = empty) as one field: quoted, with doubled quotes, when
 * it holds a comma, a quote or a line break; as is otherwise. */
GV_API void gv_csv_put(FILE *f, const char *s);

#ifdef __cplusplus
}
#endif
#endif
