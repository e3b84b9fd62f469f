/* testutil.h: small helpers shared by the cmocka tests (paths, temp dirs,
 * running the CLI). Tests include <cmocka.h> themselves. */
#ifndef GV_TESTUTIL_H
#define GV_TESTUTIL_H
#include <stddef.h>

/* Fresh empty directory under $TMPDIR (or /tmp) for this test; static buffer. */
const char *tu_tmpdir(const char *tag);
/* snprintf into a static rotating buffer (8 slots). */
const char *tu_path(const char *fmt, ...);
/* Runs the geovoice CLI with args (a shell-quoted string), stderr captured
 * into *err_out (malloc'd, may be NULL), returns its exit code. */
int tu_run_cli(const char *args, char **err_out);
/* 1 if the file exists. */
int tu_exists(const char *path);
/* Reads a whole file (malloc'd, NUL-terminated), length in *n (may be NULL). */
char *tu_slurp(const char *path, size_t *n);
/* 1 if the shared data folder (../shared/data/vn) is present. */
int tu_have_data(void);
#endif
