/* reconcile_job.c: `geovoice reconcile` (reconcile.h): two sources of a
 * figure for the same units, compared per unit on counts and on shares,
 * with robust z-scores (engine/robust.c), parent/child sums, provenance
 * columns carried, and a diverging map through gv_map_run. */
#include "geovoice/reconcile.h"

#include "csvout.h"
#include "jobutil.h"

#include "geovoice/robust.h"
#include "geovoice/sets.h"
#include "geovoice/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define logf_ gv__job_logf
#define MAX_SRC_COLS 8

void gv_reconcile_options_init(gv_reconcile_options *o) { memset(o, 0, sizeof *o); }

/* One source: its table (owned unless shared with A), columns, label. */
typedef struct side {
    const char *path;
    gv_table *t;
    int owns;
    int ccode, cval, cname, cparent;
    int width; /* code width of the code column, 0 = as written */
    char label[512];
    int nsrc, src_cols[MAX_SRC_COLS];
} side;

typedef struct unit {
    char code[32];
    long row[2]; /* row in A, in B; -1 when absent */
    double v[2];
    const char *name; /* borrowed from a table or the units */
    char parent[32];  /* parent code from a table column, "" when none */
    double rel, z_rel, share[2], share_diff, rel_share, z_share;
} unit;

typedef struct ref {
    const char *code;
    int side;
    size_t row;
} ref;

static int cmp_ref(const void *x, const void *y) {
    const ref *a = x, *b = y;
    size_t la = strlen(a->code), lb = strlen(b->code);
    if (la != lb) return la < lb ? -1 : 1; /* provinces before communes */
    int c = strcmp(a->code, b->code);
    if (c) return c;
    if (a->side != b->side) return a->side - b->side;
    return a->row < b->row ? -1 : a->row > b->row;
}

static const char *const CODE_COLS[] = {"code", "gso_code", "ma", "unit_code", NULL};
static const char *const NAME_COLS[] = {"name", "ten", "province", "province_name", NULL};
static const char *const PARENT_COLS[] = {"parent_code", "province_code", "district_code", NULL};

static int first_col(const gv_table *t, const char *const *names) {
    for (; *names; names++) {
        int c = gv_table_col_index(t, *names);
        if (c >= 0) return c;
    }
    return -1;
}

/* 1 when name contains "source", ASCII case-insensitive. */
static int has_source(const char *name) {
    for (const char *p = name; *p; p++)
        if (!strncasecmp(p, "source", 6)) return 1;
    return 0;
}

static int open_side(side *s, const char *path, const char *col, const char *label, const char *code_col,
                     const side *other, const gv_csv_options *copt, gv_error *err) {
    s->path = path;
    if (other && other->t && !strcmp(other->path, path)) {
        s->t = other->t;
    } else {
        int rc = gv_table_read_csv(path, copt, &s->t, err);
        if (rc != GV_OK) return rc;
        s->owns = 1;
    }
    s->ccode = code_col ? gv_table_col_index(s->t, code_col) : first_col(s->t, CODE_COLS);
    if (s->ccode < 0)
        return gv_error_set(err, GV_EUSAGE, "%s: no code column (%s); name it with --code", path,
                            code_col ? code_col : "code, gso_code, ma, unit_code");
    if (!col) return gv_error_set(err, GV_EUSAGE, "%s: which column? give FILE:COLUMN", path);
    s->cval = gv_table_col_index(s->t, col);
    if (s->cval < 0) return gv_error_set(err, GV_EUSAGE, "%s: no column '%s'", path, col);
    s->cname = first_col(s->t, NAME_COLS);
    s->cparent = first_col(s->t, PARENT_COLS);
    s->width = gv_table_col_code_width(s->t, (size_t)s->ccode);
    snprintf(s->label, sizeof s->label, "%s", label ? label : "");
    if (!label) {
        const char *base = strrchr(path, '/');
        snprintf(s->label, sizeof s->label, "%s:%s", base ? base + 1 : path, col);
    }
    for (size_t c = 0; c < gv_table_ncols(s->t) && s->nsrc < MAX_SRC_COLS; c++) {
        const char *n = gv_table_colname(s->t, c);
        if ((int)c != s->cval && has_source(n)) s->src_cols[s->nsrc++] = (int)c;
    }
    return GV_OK;
}

static int norm_code(const side *s, size_t row, char *out, size_t n, gv_error *err) {
    const char *cell = gv_table_cell(s->t, row, (size_t)s->ccode);
    int rc = gv_code_normalize(cell, s->width, out, n, err);
    if (rc != GV_OK)
        gv_error_prefix(err, "%s: row %zu (line %zu), column '%s': ", s->path, row + 1, gv_table_row_line(s->t, row),
                        gv_table_colname(s->t, (size_t)s->ccode));
    return rc;
}

static int width_level(size_t len) {
    return len == 2 ? GV_LEVEL_PROVINCE : len == 3 ? GV_LEVEL_DISTRICT : len == 5 ? GV_LEVEL_COMMUNE : GV_LEVEL_NONE;
}

static void num_put(FILE *f, double x, int prec) {
    fputc(',', f);
    if (!isfinite(x)) return;
    char b[64];
    snprintf(b, sizeof b, "%.*f", prec, x);
    if (strchr(b, '.')) { /* drop trailing zeros */
        char *e = b + strlen(b) - 1;
        while (*e == '0') *e-- = 0;
        if (*e == '.') *e = 0;
    }
    if (!strcmp(b, "-0")) strcpy(b, "0");
    fputs(b, f);
}

static const char *flag_str(double z, double thr) { return !isfinite(z) ? "" : fabs(z) > thr ? "yes" : "no"; }

static int write_units(const gv_reconcile_options *o, const side *S, const unit *u, size_t n, double thr,
                       gv_error *err) {
    char tmp[4096];
    FILE *f = gv__out_open(o->out, tmp, sizeof tmp);
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write", o->out);
    int same = S[0].t == S[1].t;
    fputs("code,name,a,b,diff,rel_diff,z_rel,flag_rel,share_a,share_b,share_diff_pp,rel_share,z_share,flag_share,"
          "flagged",
          f);
    for (int s = 0; s < 2 && !(same && s == 1); s++)
        for (int k = 0; k < S[s].nsrc; k++) {
            fputc(',', f);
            if (!same) fputs(s ? "b_" : "a_", f);
            gv__csv_field(f, gv_table_colname(S[s].t, (size_t)S[s].src_cols[k]));
        }
    fputs(",note\n", f);
    for (size_t i = 0; i < n; i++) {
        const unit *x = &u[i];
        gv__csv_field(f, x->code);
        fputc(',', f);
        gv__csv_field(f, x->name ? x->name : "");
        num_put(f, x->v[0], 2);
        num_put(f, x->v[1], 2);
        num_put(f, x->v[1] - x->v[0], 2);
        num_put(f, x->rel, 6);
        num_put(f, x->z_rel, 3);
        fprintf(f, ",%s", flag_str(x->z_rel, thr));
        num_put(f, x->share[0], 8);
        num_put(f, x->share[1], 8);
        num_put(f, x->share_diff, 6);
        num_put(f, x->rel_share, 6);
        num_put(f, x->z_share, 3);
        fprintf(f, ",%s", flag_str(x->z_share, thr));
        int fl = (isfinite(x->z_rel) && fabs(x->z_rel) > thr) || (isfinite(x->z_share) && fabs(x->z_share) > thr);
        fprintf(f, ",%s", fl ? "yes" : isfinite(x->z_rel) || isfinite(x->z_share) ? "no" : "");
        for (int s = 0; s < 2 && !(same && s == 1); s++)
            for (int k = 0; k < S[s].nsrc; k++) {
                fputc(',', f);
                long r = x->row[s] >= 0 ? x->row[s] : same ? x->row[1 - s] : -1;
                if (r >= 0) gv__csv_field(f, gv_table_cell(S[s].t, (size_t)r, (size_t)S[s].src_cols[k]));
            }
        fputc(',', f);
        if (x->row[0] < 0) fputs("only in B", f);
        else if (x->row[1] < 0) fputs("only in A", f);
        else if (!isfinite(x->v[0]) || !isfinite(x->v[1])) fputs("missing value", f);
        else if (x->v[0] == 0) fputs("A is 0", f);
        fputc('\n', f);
    }
    return gv__out_commit(f, tmp, o->out, err);
}

/* Parent/child sums: each unit that is the parent of other units of the
 * list, against the sum of its children (per child level). */
typedef struct psum {
    size_t parent;
    int child_level;
    double sum[2];
    size_t n, nmissing[2];
} psum;

static int psum_cmp(const void *x, const void *y) {
    const psum *a = x, *b = y;
    if (a->parent != b->parent) return a->parent < b->parent ? -1 : 1;
    return a->child_level - b->child_level;
}

/* " (the 2-digit codes)" when the tables mix levels. */
static const char *level_note(const char *code) {
    size_t n = strlen(code);
    return n == 2 ? " (provinces)" : n == 3 ? " (districts)" : n == 5 ? " (communes)" : " (the shortest codes)";
}

static long find_unit(const unit *u, size_t n, const char *code) {
    for (size_t i = 0; i < n; i++) /* n is small (units of one country) */
        if (!strcmp(u[i].code, code)) return (long)i;
    return -1;
}

int gv_reconcile_run(const gv_reconcile_options *o, gv_log_fn log, void *lc, gv_error *err) {
    if (!o || !o->a || !o->b || !o->out)
        return gv_error_set(err, GV_EUSAGE, "reconcile: --a FILE:COLUMN, --b FILE:COLUMN and -o OUT.csv are required");
    {
        const char *outs[3] = {o->out, o->parents_out, o->map};
        int rc0 = gv__job_check_out_dirs(err, 3, outs);
        if (rc0) return rc0;
    }
    double thr = o->threshold > 0 ? o->threshold : GV_MODZ_THRESHOLD;
    int rc = GV_OK;
    side S[2];
    memset(S, 0, sizeof S);
    gv_set *set = NULL;
    const gv_units *units = NULL;
    ref *refs = NULL;
    unit *u = NULL;
    psum *ps = NULL;
    double *tmpx = NULL;
    size_t nu = 0, nps = 0;
    gv_csv_options copt = {0};
    copt.decimal = o->decimal;

    if ((rc = open_side(&S[0], o->a, o->a_col, o->a_label, o->code_col, NULL, &copt, err)) != GV_OK) goto done;
    if ((rc = open_side(&S[1], o->b, o->b_col, o->b_label, o->code_col, &S[0], &copt, err)) != GV_OK) goto done;
    if (o->set) {
        if ((rc = gv_set_open(o->set, o->sets_dir, &set, err)) != GV_OK) goto done;
        if ((rc = gv_set_units(set, &units, err)) != GV_OK) goto done;
    }
    for (int s = 0; s < (S[1].owns ? 2 : 1); s++)
        for (size_t p = 0; p < gv_table_nproblems(S[s].t); p++) {
            char line[512];
            gv_table_problem_format(S[s].t, gv_table_problem_at(S[s].t, p), line, sizeof line);
            logf_(log, lc, "%s", line);
        }

    /* All rows of both sources, by code. */
    size_t nr = gv_table_nrows(S[0].t) + gv_table_nrows(S[1].t);
    refs = calloc(nr ? nr : 1, sizeof *refs);
    char (*codes)[32] = calloc(nr ? nr : 1, sizeof *codes);
    if (!refs || !codes) {
        free(codes);
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    size_t k = 0;
    for (int s = 0; s < 2; s++)
        for (size_t r = 0; r < gv_table_nrows(S[s].t); r++, k++) {
            if ((rc = norm_code(&S[s], r, codes[k], sizeof codes[k], err)) != GV_OK) {
                free(codes);
                goto done;
            }
            refs[k] = (ref){codes[k], s, r};
        }
    qsort(refs, nr, sizeof *refs, cmp_ref);
    u = calloc(nr ? nr : 1, sizeof *u);
    if (!u) {
        free(codes);
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nr; i++) {
        if (!nu || strcmp(u[nu - 1].code, refs[i].code)) {
            unit *x = &u[nu++];
            snprintf(x->code, sizeof x->code, "%s", refs[i].code);
            x->row[0] = x->row[1] = -1;
            x->v[0] = x->v[1] = NAN;
        }
        unit *x = &u[nu - 1];
        const side *sd = &S[refs[i].side];
        if (x->row[refs[i].side] >= 0) {
            rc = gv_error_set(err, GV_EDATA, "%s: rows %ld and %zu (lines %zu and %zu), column '%s': code '%s' given twice",
                              sd->path, x->row[refs[i].side] + 1, refs[i].row + 1,
                              gv_table_row_line(sd->t, (size_t)x->row[refs[i].side]), gv_table_row_line(sd->t, refs[i].row),
                              gv_table_colname(sd->t, (size_t)sd->ccode), x->code);
            free(codes);
            goto done;
        }
        x->row[refs[i].side] = (long)refs[i].row;
    }
    free(codes);

    /* Values, names, parents. */
    size_t only[2] = {0, 0}, missing = 0, both = 0;
    double sum[2] = {0, 0};
    for (size_t i = 0; i < nu; i++) {
        unit *x = &u[i];
        for (int s = 0; s < 2; s++) {
            if (x->row[s] < 0) continue;
            if ((rc = gv_table_number(S[s].t, (size_t)x->row[s], (size_t)S[s].cval, &x->v[s], err)) != GV_OK) goto done;
            if (x->v[s] < 0) {
                /* Two sources of a count: a negative one is bad input. */
                rc = gv_error_set(err, GV_EDATA, "%s: row %ld (line %zu), column '%s': %s is not a count (negative)",
                                  S[s].path, x->row[s] + 1, gv_table_row_line(S[s].t, (size_t)x->row[s]),
                                  gv_table_colname(S[s].t, (size_t)S[s].cval),
                                  gv_table_cell(S[s].t, (size_t)x->row[s], (size_t)S[s].cval));
                goto done;
            }
            if (!x->name && S[s].cname >= 0) x->name = gv_table_cell(S[s].t, (size_t)x->row[s], (size_t)S[s].cname);
            if (!x->parent[0] && S[s].cparent >= 0) {
                const char *pc = gv_table_cell(S[s].t, (size_t)x->row[s], (size_t)S[s].cparent);
                if (*pc && gv_code_normalize(pc, 0, x->parent, sizeof x->parent, NULL) != GV_OK) x->parent[0] = 0;
            }
        }
        if (units) {
            const gv_unit *su = gv_units_find(units, (gv_level)width_level(strlen(x->code)), x->code);
            if (su && (!x->name || !*x->name)) x->name = su->name;
            if (su && !x->parent[0] && su->parent_code && *su->parent_code)
                snprintf(x->parent, sizeof x->parent, "%s", su->parent_code);
        }
        if (x->row[0] < 0 || x->row[1] < 0) only[x->row[0] < 0 ? 1 : 0]++;
        else if (!isfinite(x->v[0]) || !isfinite(x->v[1])) missing++;
        else {
            both++;
            if (strlen(x->code) == strlen(u[0].code)) { /* totals of the top level (codes sort by length) */
                sum[0] += x->v[0];
                sum[1] += x->v[1];
            }
        }
    }
    if (o->strict && (only[0] || only[1] || missing)) {
        rc = gv_error_set(err, GV_EDATA, "reconcile (--strict): %zu units only in %s, %zu only in %s, %zu with a missing value",
                          only[0], S[0].label, only[1], S[1].label, missing);
        goto done;
    }
    if (!both) {
        rc = gv_error_set(err, GV_EDATA, "reconcile: %s and %s have no unit with a value in common", S[0].label, S[1].label);
        goto done;
    }

    /* Shares are over the units both sources have, so that a unit missing
     * on one side does not shift everyone else's share; and within one
     * level (codes of one width: units sort by code length, so each level
     * is one run), so that provinces and their districts are not summed
     * together or ranked against each other. */
    tmpx = malloc(2 * nu * sizeof *tmpx);
    if (!tmpx) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    double *zr = tmpx, *zs = tmpx + nu;
    double med_rel = NAN, mad_rel = NAN, med_sh = NAN, mad_sh = NAN;
    int fb_rel = 0, fb_sh = 0, nlevels = 0;
    for (size_t lo = 0, hi; lo < nu; lo = hi) {
        size_t len = strlen(u[lo].code);
        double ls[2] = {0, 0};
        for (hi = lo; hi < nu && strlen(u[hi].code) == len; hi++)
            if (u[hi].row[0] >= 0 && u[hi].row[1] >= 0 && isfinite(u[hi].v[0]) && isfinite(u[hi].v[1]))
                ls[0] += u[hi].v[0], ls[1] += u[hi].v[1];
        for (size_t i = lo; i < hi; i++) {
            unit *x = &u[i];
            int ok = x->row[0] >= 0 && x->row[1] >= 0 && isfinite(x->v[0]) && isfinite(x->v[1]);
            x->rel = ok && x->v[0] != 0 ? (x->v[1] - x->v[0]) / x->v[0] : NAN;
            x->share[0] = ok && ls[0] ? x->v[0] / ls[0] : NAN;
            x->share[1] = ok && ls[1] ? x->v[1] / ls[1] : NAN;
            x->share_diff = ok ? 100 * (x->share[1] - x->share[0]) : NAN;
            x->rel_share = ok && x->share[0] > 0 ? x->share[1] / x->share[0] - 1 : NAN;
            zr[i] = x->rel;
            zs[i] = x->share_diff;
        }
        double m1, s1, m2, s2;
        int f1, f2;
        gv_modified_z(zr + lo, hi - lo, zr + lo, &m1, &s1, &f1);
        gv_modified_z(zs + lo, hi - lo, zs + lo, &m2, &s2, &f2);
        if (!nlevels) med_rel = m1, mad_rel = s1, fb_rel = f1, med_sh = m2, mad_sh = s2, fb_sh = f2;
        else
            logf_(log, lc, "units with %zu-digit codes (%zu): totals A %.0f, B %.0f; compared among themselves", len, hi - lo,
                  ls[0], ls[1]);
        nlevels++;
    }
    for (size_t i = 0; i < nu; i++) {
        u[i].z_rel = zr[i];
        u[i].z_share = zs[i];
    }

    /* Summary. */
    logf_(log, lc, "A = %s: %zu rows; B = %s: %zu rows; %zu units in both with values", S[0].label,
          gv_table_nrows(S[0].t), S[1].label, gv_table_nrows(S[1].t), both);
    logf_(log, lc, "totals over those units%s: A %.0f, B %.0f, B - A %+.0f, B / A = %.4f (%+.2f %%)",
          nlevels > 1 ? level_note(u[0].code) : "", sum[0], sum[1],
          sum[1] - sum[0], sum[1] / sum[0], 100 * (sum[1] / sum[0] - 1));
    for (int s = 0; s < 2; s++)
        if (only[s]) {
            char list[600] = "";
            size_t shown = 0;
            for (size_t i = 0; i < nu && shown < 10; i++)
                if (u[i].row[s] >= 0 && u[i].row[1 - s] < 0) {
                    size_t used = strlen(list);
                    snprintf(list + used, sizeof list - used, "%s%s", shown++ ? ", " : "", u[i].code);
                }
            logf_(log, lc, "%zu units only in %s (not compared): %s%s", only[s], s ? S[1].label : S[0].label, list,
                  only[s] > shown ? ", ..." : "");
        }
    if (missing) logf_(log, lc, "%zu units with a missing value (not compared)", missing);
    logf_(log, lc, "relative difference (B - A) / A: median %+.2f %%, %s %.2f %%; flagged when |modified z| > %g:",
          100 * med_rel, fb_rel ? "mean abs. deviation (MAD = 0)" : "MAD", 100 * mad_rel, thr);
    size_t nflag = 0;
    for (size_t i = 0; i < nu; i++)
        if (isfinite(u[i].z_rel) && fabs(u[i].z_rel) > thr) {
            logf_(log, lc, "  %s %s: A %.0f, B %.0f, %+.2f %% (%+.2f %% beyond the national change), z %+.2f", u[i].code,
                  u[i].name ? u[i].name : "", u[i].v[0], u[i].v[1], 100 * u[i].rel, 100 * u[i].rel_share, u[i].z_rel);
            nflag++;
        }
    if (!nflag) logf_(log, lc, "  none");
    logf_(log, lc, "share of the total (percentage points, B - A): median %+.3f, %s %.3f; flagged:", med_sh,
          fb_sh ? "mean abs. deviation" : "MAD", mad_sh);
    nflag = 0;
    for (size_t i = 0; i < nu; i++)
        if (isfinite(u[i].z_share) && fabs(u[i].z_share) > thr) {
            logf_(log, lc, "  %s %s: share %.3f %% -> %.3f %% (%+.3f points), z %+.2f", u[i].code,
                  u[i].name ? u[i].name : "", 100 * u[i].share[0], 100 * u[i].share[1], u[i].share_diff, u[i].z_share);
            nflag++;
        }
    if (!nflag) logf_(log, lc, "  none");

    /* The five largest changes beyond the national one, flagged or not. */
    {
        size_t top[5], nt = 0;
        for (size_t i = 0; i < nu; i++) {
            if (!isfinite(u[i].rel_share)) continue;
            size_t pos = nt < 5 ? nt++ : 5;
            while (pos > 0 && fabs(u[top[pos - 1]].rel_share) < fabs(u[i].rel_share)) {
                if (pos < 5) top[pos] = top[pos - 1];
                pos--;
            }
            if (pos < 5) top[pos] = i;
        }
        logf_(log, lc, "largest changes beyond the national %+.2f %%:", 100 * (sum[1] / sum[0] - 1));
        for (size_t t = 0; t < nt; t++) {
            const unit *x = &u[top[t]];
            logf_(log, lc, "  %s %s: %+.2f %% (B - A %+.0f), share %+.3f points", x->code, x->name ? x->name : "",
                  100 * x->rel_share, x->v[1] - x->v[0], x->share_diff);
        }
    }

    /* Parent/child sums. */
    ps = calloc(nu ? 2 * nu : 1, sizeof *ps);
    if (!ps) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nu; i++) {
        if (!u[i].parent[0]) continue;
        /* The parent code may be given without its zeros: match by width. */
        long p = find_unit(u, nu, u[i].parent);
        for (int w = 2; p < 0 && w <= 5; w++) {
            char pc[32];
            if (gv_code_normalize(u[i].parent, w, pc, sizeof pc, NULL) == GV_OK) p = find_unit(u, nu, pc);
        }
        if (p < 0 || (size_t)p == i) continue;
        int cl = width_level(strlen(u[i].code));
        size_t j = 0;
        while (j < nps && !(ps[j].parent == (size_t)p && ps[j].child_level == cl)) j++;
        if (j == nps) ps[nps++] = (psum){(size_t)p, cl, {0, 0}, 0, {0, 0}};
        ps[j].n++;
        for (int s = 0; s < 2; s++) {
            if (isfinite(u[i].v[s])) ps[j].sum[s] += u[i].v[s];
            else ps[j].nmissing[s]++;
        }
    }
    qsort(ps, nps, sizeof *ps, psum_cmp);
    size_t nbad = 0;
    for (size_t j = 0; j < nps; j++) {
        const unit *pu = &u[ps[j].parent];
        for (int s = 0; s < 2; s++) {
            if (!isfinite(pu->v[s]) || ps[j].nmissing[s]) continue;
            double d = ps[j].sum[s] - pu->v[s];
            if (fabs(d) > 0.5) {
                if (nbad < 10)
                    logf_(log, lc, "  parent %s %s in %s: %.0f, its %zu %s rows sum to %.0f (%+.0f)", pu->code,
                          pu->name ? pu->name : "", s ? S[1].label : S[0].label, pu->v[s], ps[j].n,
                          gv_level_name((gv_level)ps[j].child_level), ps[j].sum[s], d);
                nbad++;
            }
        }
    }
    if (nps)
        logf_(log, lc, "parent/child sums: %zu parents with children in the tables, %zu sums that differ", nps, nbad);
    if (o->parents_out) {
        char tmp[4096];
        FILE *f = gv__out_open(o->parents_out, tmp, sizeof tmp);
        if (!f) {
            rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot write", o->parents_out);
            goto done;
        }
        fputs("code,name,child_level,children,a,a_children_sum,a_diff,b,b_children_sum,b_diff\n", f);
        for (size_t j = 0; j < nps; j++) {
            const unit *pu = &u[ps[j].parent];
            gv__csv_field(f, pu->code);
            fputc(',', f);
            gv__csv_field(f, pu->name ? pu->name : "");
            fprintf(f, ",%s,%zu", gv_level_name((gv_level)ps[j].child_level), ps[j].n);
            for (int s = 0; s < 2; s++) {
                double cs = ps[j].nmissing[s] ? NAN : ps[j].sum[s];
                num_put(f, pu->v[s], 2);
                num_put(f, cs, 2);
                num_put(f, cs - pu->v[s], 2);
            }
            fputc('\n', f);
        }
        if ((rc = gv__out_commit(f, tmp, o->parents_out, err)) != GV_OK) goto done;
    }

    if ((rc = write_units(o, S, u, nu, thr, err)) != GV_OK) goto done;
    logf_(log, lc, "wrote %s (%zu units)", o->out, nu);

    if (o->map) {
        int share = !o->map_value || !strcmp(o->map_value, "share");
        if (!share && strcmp(o->map_value, "count")) {
            rc = gv_error_set(err, GV_EUSAGE, "--map-value '%s': expected share or count", o->map_value);
            goto done;
        }
        const char *shapes = o->map_shapes, *layer = o->map_layer, *field = "code";
        if (!shapes) {
            const gv_set_layer *L = set ? gv_set_level(set, (gv_level)width_level(strlen(u[0].code))) : NULL;
            if (!L || !L->source) {
                rc = gv_error_set(err, GV_EUSAGE, "--map needs the polygons: --set NAME or --map-shapes SRC");
                goto done;
            }
            shapes = L->source;
            layer = L->layer;
            field = L->code_field;
        }
        char join[256], sub[1200];
        snprintf(join, sizeof join, "%s=code", field);
        snprintf(sub, sizeof sub, "%s so với %s%s", S[1].label, S[0].label,
                 share ? ", sau khi trừ mức tăng chung cả nước" : "");
        gv_map_options m;
        gv_map_options_init(&m);
        m.shapes = shapes;
        m.layer = layer;
        m.data = o->out;
        m.join = join;
        m.value = share ? "rel_share*100" : "rel_diff*100";
        m.center = "0";
        m.classify = "quantile:6";
        m.palette = "RdBu";
        m.title = o->title ? o->title : "Chênh lệch giữa hai nguồn số liệu dân số";
        m.subtitle = o->subtitle ? o->subtitle : sub;
        m.legend_title = share ? "% chênh lệch so với mức chung" : "% chênh lệch (B - A) / A";
        m.source = o->source;
        m.locale = o->locale;
        m.out = o->map;
        if ((rc = gv_map_run(&m, log, lc, err)) != GV_OK) goto done;
    }

done:
    for (int s = 0; s < 2; s++)
        if (S[s].owns) gv_table_free(S[s].t);
    gv_set_free(set);
    free(refs);
    free(u);
    free(ps);
    free(tmpx);
    return rc;
}
