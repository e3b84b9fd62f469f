/* csvout.h (private): CSV output helpers beside the public gv_csv_put
 * (geovoice/csvout.h): a temporary file renamed into place, so a failed
 * run leaves no half-written output. */
#ifndef GV_CSVOUT_PRIVATE_H
#define GV_CSVOUT_PRIVATE_H

#include <stdio.h>

#include "geovoice/common.h"
#include "geovoice/csvout.h"

/* One RFC 4180 field (NULL = empty). */
#define gv__csv_field gv_csv_put
/* Opens path.tmp.PID for writing (its name into tmp); NULL on failure. */
FILE *gv__out_open(const char *path, char *tmp, size_t n);
/* Closes f and renames tmp to path; on any write error removes tmp and
 * returns GV_EOUTPUT naming path. */
int gv__out_commit(FILE *f, const char *tmp, const char *path, gv_error *err);

#endif
