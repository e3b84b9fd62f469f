/* csvout.c: writing CSV output (geovoice/csvout.h, and the private
 * csvout.h: temporary file renamed into place). */
#include "csvout.h"

#include <string.h>
#include <unistd.h>

void gv_csv_put(FILE *f, const char *s) {
    if (!s) s = "";
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

FILE *gv__out_open(const char *path, char *tmp, size_t n) {
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return fopen(tmp, "wb");
}

int gv__out_commit(FILE *f, const char *tmp, const char *path, gv_error *err) {
    int ok = !ferror(f);
    if (fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write", path);
    }
    return GV_OK;
}
