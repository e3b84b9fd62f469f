/* common.h: export macro, error codes and the error record shared by every
 * geovoice module. Every public function returns GV_OK (0) or a negative
 * GV_E* code and, when given a non-NULL gv_error, fills it with one line of
 * text naming what failed (file, row, column or feature where known). */
#ifndef GEOVOICE_COMMON_H
#define GEOVOICE_COMMON_H

#include <stddef.h>

#if defined(GV_BUILDING_LIBRARY) && defined(__GNUC__)
#define GV_API __attribute__((visibility("default")))
#else
#define GV_API
#endif

#if defined(__GNUC__)
#define GV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GV_PRINTF(a, b)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. The CLI maps them to exit codes (SPEC): usage 1, data 2,
 * output 3, internal/memory 4. */
#define GV_OK 0
#define GV_EUSAGE (-1)    /* bad option or argument from the caller */
#define GV_EDATA (-2)     /* input data missing, unreadable or malformed */
#define GV_EOUTPUT (-3)   /* output could not be written */
#define GV_EINTERNAL (-4) /* a bug or a failure inside a dependency */
#define GV_ENOMEM (-5)    /* allocation failed */

#define GV_ERR_LEN 1024

/* Caller-owned error record. Pass NULL to any function when the message is
 * not wanted. */
typedef struct gv_error {
    int code;              /* last GV_E* code, GV_OK when clear */
    char msg[GV_ERR_LEN];  /* one line, UTF-8, no trailing newline */
} gv_error;

/* Clears err (NULL allowed). */
GV_API void gv_error_clear(gv_error *err);

/* Sets err (NULL allowed) to code and a printf-formatted message; returns
 * code so callers can write `return gv_error_set(err, GV_EDATA, ...)`. */
GV_API int gv_error_set(gv_error *err, int code, const char *fmt, ...)
    GV_PRINTF(3, 4);

/* Prefixes the message already in err with printf-formatted context
 * ("file.csv: " + old message). Returns err->code (or GV_EINTERNAL if err is
 * NULL). */
GV_API int gv_error_prefix(gv_error *err, const char *fmt, ...) GV_PRINTF(2, 3);

/* Short English name of a code: "usage", "data", "output", ... */
GV_API const char *gv_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
