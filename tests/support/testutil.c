/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_path(const char *fmt, ...) {
    static char buf[8][4096];
    static int slot;
    char *b = buf[slot++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 4096, fmt, ap);
    va_end(ap);
    return b;
}

const char *tu_tmpdir(const char *tag) {
    static char dir[4096];
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    snprintf(dir, sizeof dir, "%.200s/gvtest-%.100s-%ld", base, tag, (long)getpid());
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0) return NULL;
    return dir;
}

int tu_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

char *tu_slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (s && fread(s, 1, (size_t)len, f) != (size_t)len) { free(s); s = NULL; }
    fclose(f);
    if (s) { s[len] = 0; if (n) *n = (size_t)len; }
    return s;
}

int tu_run_cli(const char *args, char **err_out) {
    const char *errf = tu_path("%s/gvtest-stderr-%ld.txt", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    size_t len = strlen(GV_TEST_CLI) + strlen(args) + strlen(errf) + 32;
    char *cmd = malloc(len);
    snprintf(cmd, len, "'%s' %s 2>'%s'", GV_TEST_CLI, args, errf);
    int st = system(cmd);
    free(cmd);
    if (err_out) *err_out = tu_slurp(errf, NULL);
    unlink(errf);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int tu_have_data(void) {
    return tu_exists(GV_TEST_DATADIR "/boundaries_2019.gpkg");
}
