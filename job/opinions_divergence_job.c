/* opinions_divergence_job.c: `geovoice opinions divergence`: per unit (and
 * per unit and organisation), the distribution of topics (or stances) in
 * what voters said directly against what intermediaries reported, the
 * Jensen–Shannon divergence (base 2), a chi-square test of homogeneity,
 * Benjamini–Hochberg across units, and a flag where the difference is
 * unlikely under sampling alone. */
#include "geovoice/voterid.h"
#include "geovoice/opinionsjob.h"

#include "geovoice/opstats.h"
#include "geovoice/table.h"
#include "jobutil.h"
#include "opinions_common.h"
#include "optable.h"

#include <sqlite3.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gv_divergence_job_init(gv_divergence_job *j) {
    memset(j, 0, sizeof *j);
    j->by = "topic";
    j->alpha = 0.05;
    j->min_records = 30;
    j->min_count = 10;
}

#define MAXCAT 64

typedef struct dunit {
    char code[16];
    char *name;
    long org_head; /* first of this unit's organisation rows, -1 none */
    double d[MAXCAT], r[MAXCAT]; /* direct counted records, reported counts */
} dunit;

typedef struct dorg {
    size_t unit;
    long next; /* next organisation row of the same unit, -1 none */
    char *org;
    double r[MAXCAT];
} dorg;

typedef struct divj {
    const gv_divergence_job *j;
    gv_error *err;
    sqlite3 *db;
    dunit *u;
    size_t nu;
    dorg *o;
    size_t no, capo;
    char *cat[MAXCAT];
    size_t ncat;
    int width;
} divj;

static int ucmp(const void *a, const void *b) { return strcmp(((const dunit *)a)->code, ((const dunit *)b)->code); }

static long unit_of(divj *v, const char *code) {
    dunit key;
    snprintf(key.code, sizeof key.code, "%.*s", (int)sizeof key.code - 1, code);
    dunit *h = bsearch(&key, v->u, v->nu, sizeof *v->u, ucmp);
    return h ? h - v->u : -1;
}

static long cat_of(divj *v, const char *c) {
    for (size_t i = 0; i < v->ncat; i++)
        if (!strcmp(v->cat[i], c)) return (long)i;
    if (v->ncat == MAXCAT) return -1;
    v->cat[v->ncat] = strdup(c);
    return v->cat[v->ncat] ? (long)v->ncat++ : -1;
}

static double *org_row(divj *v, size_t unit, const char *org) {
    for (long i = v->u[unit].org_head; i >= 0; i = v->o[i].next)
        if (!strcmp(v->o[i].org, org)) return v->o[i].r;
    if (v->no == v->capo) {
        size_t nc = v->capo ? 2 * v->capo : 256;
        dorg *n2 = realloc(v->o, nc * sizeof *n2);
        if (!n2) return NULL;
        v->o = n2, v->capo = nc;
    }
    dorg *d = &v->o[v->no];
    memset(d, 0, sizeof *d);
    d->unit = unit;
    if (!(d->org = strdup(org))) return NULL;
    d->next = v->u[unit].org_head;
    v->u[unit].org_head = (long)v->no;
    v->no++;
    return d->r;
}

static int sqlfail(divj *v, const char *what) {
    return gv_error_set(v->err, GV_EDATA, "%s: %s: SQLite: %s", v->j->workspace, what, sqlite3_errmsg(v->db));
}

static int load(divj *v, const char *rlevel) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(v->db, "SELECT code, coalesce(name, '') FROM units WHERE level = ? ORDER BY code", -1, &q, NULL))
        return sqlfail(v, "units");
    sqlite3_bind_text(q, 1, rlevel, -1, SQLITE_STATIC);
    size_t cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (v->nu == cap) {
            cap = cap ? 2 * cap : 1024;
            dunit *n2 = realloc(v->u, cap * sizeof *n2);
            if (!n2) {
                sqlite3_finalize(q);
                return gv_error_set(v->err, GV_ENOMEM, "out of memory");
            }
            v->u = n2;
        }
        dunit *u = &v->u[v->nu++];
        memset(u, 0, sizeof *u);
        snprintf(u->code, sizeof u->code, "%s", (const char *)sqlite3_column_text(q, 0));
        u->org_head = -1;
        u->name = strdup((const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    qsort(v->u, v->nu, sizeof *v->u, ucmp);
    const char *col = !strcmp(v->j->by, "stance") ? "stance" : "topic";
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT unit_code, %s, count(*) FROM records WHERE counted = 1 AND channel = 'direct' GROUP BY 1, 2", col);
    if (sqlite3_prepare_v2(v->db, sql, -1, &q, NULL)) return sqlfail(v, "records");
    while (sqlite3_step(q) == SQLITE_ROW) {
        long ui = unit_of(v, (const char *)sqlite3_column_text(q, 0));
        long c = cat_of(v, (const char *)sqlite3_column_text(q, 1));
        if (ui < 0) continue;
        if (c < 0) {
            sqlite3_finalize(q);
            return gv_error_set(v->err, GV_EDATA, "more than %d distinct %ss", MAXCAT, col);
        }
        v->u[ui].d[c] += (double)sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    return GV_OK;
}

static int load_reports(divj *v, gv_divergence_summary *sum, gv_log_fn log, void *ctx) {
    const gv_divergence_job *j = v->j;
    const char *col = !strcmp(j->by, "stance") ? "stance" : "topic";
    if (!j->reports) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT unit_code, coalesce(org, ''), %s, count(*) FROM records WHERE counted = 1 AND channel = "
                 "'intermediary' GROUP BY 1, 2, 3",
                 col);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(v->db, sql, -1, &q, NULL)) return sqlfail(v, "records");
        while (sqlite3_step(q) == SQLITE_ROW) {
            long ui = unit_of(v, (const char *)sqlite3_column_text(q, 0));
            long c = cat_of(v, (const char *)sqlite3_column_text(q, 2));
            if (ui < 0 || c < 0) continue;
            double n = (double)sqlite3_column_int64(q, 3);
            v->u[ui].r[c] += n;
            double *orow = org_row(v, (size_t)ui, (const char *)sqlite3_column_text(q, 1));
            if (!orow) {
                sqlite3_finalize(q);
                return gv_error_set(v->err, GV_ENOMEM, "out of memory");
            }
            orow[c] += n;
        }
        sqlite3_finalize(q);
        gv__job_logf(log, ctx, "intermediary side: the workspace's intermediary-channel records");
        return GV_OK;
    }
    gv_table *t = NULL;
    int rc = op_read_csv(j->reports, &t, v->err);
    if (rc) return rc;
    int cu = gv_table_col_index(t, "unit_code"), corg = gv_table_col_index(t, "org"), cc = gv_table_col_index(t, col),
        cn = gv_table_col_index(t, "count");
    if (cu < 0) cu = gv_table_col_index(t, "code");
    if (cu < 0 || corg < 0 || cc < 0 || cn < 0) {
        gv_table_free(t);
        return gv_error_set(v->err, GV_EDATA, "%s: needs columns unit_code, org, %s, count (SPEC: intermediary reports)",
                            j->reports, col);
    }
    size_t unplaced_rows = 0;
    for (size_t r = 0; r < gv_table_nrows(t); r++) {
        double n;
        if ((rc = gv_table_number(t, r, (size_t)cn, &n, v->err))) break;
        if (isnan(n)) continue;
        if (n < 0 || n != floor(n) || n > 1e9) {
            rc = gv_error_set(v->err, GV_EDATA, "%s: row %zu (line %zu), column 'count': %s is not a count (a whole number "
                                                "from 0 to 1e9)", j->reports, r + 1, gv_table_row_line(t, r),
                              gv_table_cell(t, r, (size_t)cn));
            break;
        }
        const char *cat = gv_table_cell(t, r, (size_t)cc);
        if (!*cat || (!strcmp(col, "stance") && strcmp(cat, "support") && strcmp(cat, "oppose") && strcmp(cat, "neutral"))) {
            rc = gv_error_set(v->err, GV_EDATA, "%s: row %zu (line %zu), column '%s': %s%s%s", j->reports, r + 1,
                              gv_table_row_line(t, r), col, *cat ? "'" : "empty", *cat ? cat : "",
                              *cat ? "' is not support, oppose or neutral" : "");
            break;
        }
        char code[32];
        long ui = -1;
        if (gv_code_normalize(gv_table_cell(t, r, (size_t)cu), v->width, code, sizeof code, NULL) == GV_OK) ui = unit_of(v, code);
        if (ui < 0) {
            sum->reported_unplaced += n;
            unplaced_rows++;
            continue;
        }
        long c = cat_of(v, gv_table_cell(t, r, (size_t)cc));
        if (c < 0) {
            rc = gv_error_set(v->err, GV_EDATA, "%s: more than %d distinct %ss", j->reports, MAXCAT, col);
            break;
        }
        v->u[ui].r[c] += n;
        /* An organisation's name may hold an id: blanked as at ingest. */
        char orgb[512];
        snprintf(orgb, sizeof orgb, "%s", gv_table_cell(t, r, (size_t)corg));
        gv_voter_scrub(orgb, strlen(orgb));
        double *orow = org_row(v, (size_t)ui, orgb);
        gv_voter_wipe(orgb, sizeof orgb);
        if (!orow) {
            rc = gv_error_set(v->err, GV_ENOMEM, "out of memory");
            break;
        }
        orow[c] += n;
    }
    if (!rc)
        gv__job_logf(log, ctx, "reports %s: %zu rows%s", j->reports, gv_table_nrows(t),
                     unplaced_rows ? "; some rows name no unit of the workspace (their counts are left out)" : "");
    if (!rc && unplaced_rows)
        gv__job_logf(log, ctx, "  %zu rows, %.0f reported, with a unit code that is not a unit of the workspace", unplaced_rows,
                     sum->reported_unplaced);
    gv_table_free(t);
    return rc;
}

typedef struct result {
    double nd, nr, jsd, x2, p, q;
    int df, tested;
    long top;
    double top_d, top_r;
} result;

static void compare(const divj *v, const double *d, const double *r, double min, result *o) {
    memset(o, 0, sizeof *o);
    o->p = o->q = o->jsd = NAN;
    o->top = -1;
    for (size_t c = 0; c < v->ncat; c++) o->nd += d[c], o->nr += r[c];
    o->tested = o->nd >= min && o->nr >= min;
    if (!o->tested) return;
    o->jsd = gv_jsd(d, r, v->ncat);
    o->p = gv_chisq_homogeneity(d, r, v->ncat, &o->x2, &o->df);
    double best = -INFINITY;
    for (size_t c = 0; c < v->ncat; c++) {
        double diff = r[c] / o->nr - d[c] / o->nd;
        if (diff > best) best = diff, o->top = (long)c, o->top_d = d[c] / o->nd, o->top_r = r[c] / o->nr;
    }
}

static void num(char *b, double v, const char *f) {
    if (isnan(v)) b[0] = 0;
    else snprintf(b, 64, f, v);
}

static void count(char *b, double v, double k) {
    if (v > 0 && v < k) snprintf(b, 64, "suppressed");
    else snprintf(b, 64, "%.0f", v);
}

static int bh(result *res, size_t n) {
    double *p = calloc(n ? n : 1, sizeof *p), *q = calloc(n ? n : 1, sizeof *q);
    if (!p || !q) {
        free(p), free(q);
        return GV_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) p[i] = res[i].tested ? res[i].p : NAN;
    int rc = gv_bh_adjust(p, n, q);
    for (size_t i = 0; !rc && i < n; i++) res[i].q = q[i];
    free(p), free(q);
    return rc;
}

static const char *const COLS[] = {"code", "name", "org", "n_direct", "n_reported", "jsd", "chi2", "df", "p_value",
                                   "q_value", "flagged", "tested", "top_overreported", "share_direct", "share_reported"};
static const int TYPES[] = {OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_INT,  OPT_INT,  OPT_REAL, OPT_REAL, OPT_INT,
                            OPT_REAL, OPT_REAL, OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_REAL, OPT_REAL};

static int add_row(const divj *v, optable *T, const dunit *u, const char *org, const result *r, double alpha, double k,
                   double min) {
    char c[15][64];
    const char *cp[15];
    snprintf(c[0], 64, "%s", u->code);
    snprintf(c[2], 64, "%s", org ? org : "(all)");
    count(c[3], r->nd, k);
    count(c[4], r->nr, k);
    num(c[5], r->jsd, "%.9f");
    num(c[6], r->tested ? r->x2 : NAN, "%.4f");
    if (r->tested) snprintf(c[7], 64, "%d", r->df);
    else c[7][0] = 0;
    num(c[8], r->p, "%.6g");
    num(c[9], r->q, "%.6g");
    snprintf(c[10], 64, "%s", !r->tested ? "" : r->q <= alpha ? "yes" : "no");
    if (r->tested) snprintf(c[11], 64, "yes");
    else snprintf(c[11], 64, "no: fewer than %g records on a side", min);
    snprintf(c[12], 64, "%s", r->tested && r->top >= 0 ? v->cat[r->top] : "");
    /* A share times its published n is the cell's count: hidden when
     * that count is small (0 < c < k), or n itself is. */
    double cd = r->top_d * r->nd, cr = r->top_r * r->nr;
    int hide_d = (cd > 0.5 && cd < k - 0.5) || (r->nd > 0 && r->nd < k);
    int hide_r = (cr > 0.5 && cr < k - 0.5) || (r->nr > 0 && r->nr < k);
    if (r->tested && hide_d) snprintf(c[13], 64, "suppressed");
    else num(c[13], r->tested ? r->top_d : NAN, "%.6f");
    if (r->tested && hide_r) snprintf(c[14], 64, "suppressed");
    else num(c[14], r->tested ? r->top_r : NAN, "%.6f");
    for (int i = 0; i < 15; i++) cp[i] = c[i];
    cp[1] = u->name;
    cp[2] = org ? org : "(all)";
    return optable_add(T, u->code, (char *const *)cp);
}

int gv_divergence_job_run(const gv_divergence_job *j, gv_log_fn log, void *logctx, gv_divergence_summary *sum,
                          gv_error *err) {
    gv_divergence_summary dummy;
    if (!sum) sum = &dummy;
    memset(sum, 0, sizeof *sum);
    if (!j->workspace || !j->out) return gv_error_set(err, GV_EUSAGE, "--workspace and -o are required");
    if (gv__op_check_min_count(j->min_count, err)) return GV_EUSAGE;
    {
        const char *outs[2] = {j->out, j->orgs_out};
        int rc0 = gv__job_check_out_dirs(err, 2, outs);
        if (rc0) return rc0;
    }
    if (strcmp(j->by, "topic") && strcmp(j->by, "stance")) return gv_error_set(err, GV_EUSAGE, "--by '%s': topic or stance", j->by);
    if (!(j->alpha > 0 && j->alpha < 1)) return gv_error_set(err, GV_EUSAGE, "--alpha must lie in (0, 1)");
    divj V, *v = &V;
    memset(v, 0, sizeof *v);
    v->j = j, v->err = err;
    gv_workspace *ws = NULL;
    int rc = gv_workspace_open(j->workspace, 0, &ws, err);
    if (rc) return rc;
    v->db = gv_workspace_db(ws);
    char rlevel[32];
    snprintf(rlevel, sizeof rlevel, "%s", gv_workspace_meta(ws, "record_level") ? gv_workspace_meta(ws, "record_level") : "commune");
    v->width = gv_workspace_meta(ws, "code_width") ? atoi(gv_workspace_meta(ws, "code_width")) : 0;
    rc = load(v, rlevel);
    if (!rc) rc = load_reports(v, sum, log, logctx);
    result *ru = rc ? NULL : calloc(v->nu + 1, sizeof *ru), *ro = rc ? NULL : calloc(v->no + 1, sizeof *ro);
    if (!rc && (!ru || !ro)) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < v->nu; i++) compare(v, v->u[i].d, v->u[i].r, j->min_records, &ru[i]);
    for (size_t i = 0; !rc && i < v->no; i++) compare(v, v->u[v->o[i].unit].d, v->o[i].r, j->min_records, &ro[i]);
    if (!rc && (bh(ru, v->nu) || bh(ro, v->no))) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    optable T, O;
    optable_init(&T, 15, COLS, TYPES);
    optable_init(&O, 15, COLS, TYPES);
    for (size_t i = 0; !rc && i < v->nu; i++) {
        if (ru[i].nd == 0 && ru[i].nr == 0) continue; /* no records on either side */
        sum->units++;
        sum->tested += (size_t)ru[i].tested;
        sum->flagged += ru[i].tested && ru[i].q <= j->alpha;
        if (add_row(v, &T, &v->u[i], NULL, &ru[i], j->alpha, j->min_count, j->min_records)) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !rc && i < v->no; i++) {
        sum->org_rows++;
        sum->org_tested += (size_t)ro[i].tested;
        sum->org_flagged += ro[i].tested && ro[i].q <= j->alpha;
        if (j->orgs_out && add_row(v, &O, &v->u[v->o[i].unit], v->o[i].org, &ro[i], j->alpha, j->min_count, j->min_records))
            rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    char desc[1024];
    snprintf(desc, sizeof desc,
             "geovoice opinions divergence: workspace %s, %s distribution of direct records vs %s; JSD base 2; Pearson "
             "chi-square test of homogeneity, Benjamini-Hochberg across units, alpha %g, at least %g records per side",
             j->workspace, j->by, j->reports ? j->reports : "intermediary records", j->alpha, j->min_records);
    if (!rc) rc = optable_write(&T, j->out, j->workspace, rlevel, "divergence", desc, NULL, err);
    if (!rc && j->orgs_out) rc = optable_write(&O, j->orgs_out, j->workspace, rlevel, "divergence_orgs", desc, NULL, err);
    if (!rc) {
        gv__job_logf(log, logctx,
                     "divergence (%s; chi-square, Benjamini-Hochberg, alpha %g, >= %g records per side): %zu units with "
                     "records, %zu tested, %zu flagged",
                     j->by, j->alpha, j->min_records, sum->units, sum->tested, sum->flagged);
        gv__job_logf(log, logctx, "per organisation: %zu unit-organisation pairs, %zu tested, %zu flagged", sum->org_rows,
                     sum->org_tested, sum->org_flagged);
        gv__job_logf(log, logctx, "wrote %s%s%s", j->out, j->orgs_out ? " and " : "", j->orgs_out ? j->orgs_out : "");
    }
    optable_free(&T);
    optable_free(&O);
    free(ru), free(ro);
    for (size_t i = 0; i < v->nu; i++) free(v->u[i].name);
    free(v->u);
    for (size_t i = 0; i < v->no; i++) free(v->o[i].org);
    free(v->o);
    for (size_t i = 0; i < v->ncat; i++) free(v->cat[i]);
    gv_workspace_close(ws);
    return rc;
}
