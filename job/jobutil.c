/* jobutil.c: helpers shared by the verbs in job/ (see jobutil.h). */
#include "jobutil.h"

#include <math.h>

#include "geovoice/names.h"

#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void gv__job_vlogf(gv_log_fn log, void *ctx, const char *fmt, va_list ap) {
    if (!log) return;
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    log(ctx, buf);
}

void gv__job_logf(gv_log_fn log, void *ctx, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gv__job_vlogf(log, ctx, fmt, ap);
    va_end(ap);
}

double gv__job_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int gv__job_json_write(json_object *root, const char *path, gv_error *err) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    FILE *f = fopen(tmp, "wb");
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write report", path);
    int ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
    if (fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write report", path);
    }
    return GV_OK;
}

int gv__names_fit(const char *table_name, const char *unit_name) {
    gv_name_matcher *m = gv_name_matcher_new();
    if (!m) return 1;
    gv_name_rule rule = GV_RULE_NONE;
    int ok = 1;
    if (gv_name_matcher_add(m, unit_name, NULL, 0, NULL) == GV_OK &&
        gv_name_matcher_find(m, table_name, NULL, NULL, &rule, NULL, 0, NULL, NULL) == GV_OK)
        ok = rule != GV_RULE_NONE;
    gv_name_matcher_free(m);
    return ok;
}

double gv__rows_combine(const gv_table *T, const size_t *rows, size_t nrow, size_t col, gv_dup_policy dup) {
    double acc = 0;
    size_t cnt = 0;
    int any_missing = 0;
    for (size_t q = 0; q < nrow; q++) {
        double d;
        gv_table_number(T, rows[q], col, &d, NULL);
        if (isnan(d)) { any_missing = 1; continue; }
        acc += d;
        cnt++;
        if (dup == GV_DUP_FIRST) break;
    }
    if (!cnt || (any_missing && dup != GV_DUP_FIRST && nrow == 1)) return NAN;
    return dup == GV_DUP_MEAN ? acc / (double)cnt : acc;
}

int gv__job_check_out_dirs(gv_error *err, size_t n, const char *const *paths) {
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i];
        if (!p || !*p || !strcmp(p, "-")) continue;
        char d[4096];
        snprintf(d, sizeof d, "%s", p);
        char *sl = strrchr(d, '/');
        const char *dir = ".";
        if (sl) { *sl = 0; dir = *d ? d : "/"; }
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return gv_error_set(err, GV_EOUTPUT, "%s: output folder '%s' does not exist", p, dir);
    }
    return GV_OK;
}
