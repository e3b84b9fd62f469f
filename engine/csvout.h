/* csvout.h: writing CSV output files (private to the library): one field
 * quoted as RFC 4180 wants, and a temporary file renamed into place so a
 * failed run leaves no half-written output. */
#ifndef GV_CSVOUT_H
#define GV_CSVOUT_H

#include <stdio.h>

#include "geovoice/common.h"

/* Writes s (NULL = empty), quoted when it holds ',', '"', CR or LF. */
void gv__csv_field(FILE *f, const char *s);
/* Opens path.tmp.PID for writing (its name into tmp); NULL on failure. */
FILE *gv__out_open(const char *path, char *tmp, size_t n);
/* Closes f and renames tmp to path; on any write error removes tmp and
 * returns GV_EOUTPUT naming path. */
int gv__out_commit(FILE *f, const char *tmp, const char *path, gv_error *err);

#endif
