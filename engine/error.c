/* error.c: the gv_error record (see include/geovoice/common.h). */
#include "geovoice/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gv_error_clear(gv_error *err) {
    if (!err) return;
    err->code = GV_OK;
    err->msg[0] = '\0';
}

int gv_error_set(gv_error *err, int code, const char *fmt, ...) {
    if (!err) return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Messages are one line: fold any newline a dependency put in. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

int gv_error_prefix(gv_error *err, const char *fmt, ...) {
    if (!err) return GV_EINTERNAL;
    char head[GV_ERR_LEN], old[GV_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t hl = strlen(head);
    if (hl >= sizeof err->msg) hl = sizeof err->msg - 1;
    memcpy(err->msg, head, hl);
    size_t ol = strlen(old);
    if (hl + ol >= sizeof err->msg) ol = sizeof err->msg - 1 - hl;
    memcpy(err->msg + hl, old, ol);
    err->msg[hl + ol] = 0;
    return err->code;
}

const char *gv_strerror(int code) {
    switch (code) {
    case GV_OK: return "ok";
    case GV_EUSAGE: return "usage error";
    case GV_EDATA: return "bad input data";
    case GV_EOUTPUT: return "output could not be written";
    case GV_EINTERNAL: return "internal error";
    case GV_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
