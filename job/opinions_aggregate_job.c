/* opinions_aggregate_job.c: `geovoice opinions aggregate`: counted records
 * per unit (commune, province, region, nation), optionally per topic /
 * channel / stance and month, with rates per 10,000, topic shares, net
 * stance, empirical-Bayes smoothed rates and small-cell suppression
 * (primary and secondary, opstats.h), as CSV or GeoPackage. */
#include "geovoice/opinionsjob.h"

#include "geovoice/opstats.h"
#include "geovoice/sets.h"
#include "geovoice/table.h"
#include "jobutil.h"
#include "opinions_common.h"
#include "optable.h"

#include <sqlite3.h>
#include <utf8proc.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gv_aggregate_job_init(gv_aggregate_job *j) {
    memset(j, 0, sizeof *j);
    j->min_count = 10;
}

/* ---- small string dictionary (open addressing) ---- */
typedef struct dict {
    char **s;
    size_t n, cap;
    long *slot;
    size_t mask;
} dict;

static uint64_t fnv(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static long dict_find(const dict *d, const char *s) {
    if (!d->slot) return -1;
    size_t h = (size_t)fnv(s) & d->mask;
    while (d->slot[h] >= 0) {
        if (!strcmp(d->s[d->slot[h]], s)) return d->slot[h];
        h = (h + 1) & d->mask;
    }
    return -1;
}

static long dict_add(dict *d, const char *s) {
    long f = dict_find(d, s);
    if (f >= 0) return f;
    if (2 * (d->n + 1) > d->mask + 1 || !d->slot) {
        size_t nc = d->slot ? 2 * (d->mask + 1) : 64;
        long *ns = malloc(nc * sizeof *ns);
        if (!ns) return -1;
        for (size_t i = 0; i < nc; i++) ns[i] = -1;
        for (size_t i = 0; i < d->n; i++) {
            size_t h = (size_t)fnv(d->s[i]) & (nc - 1);
            while (ns[h] >= 0) h = (h + 1) & (nc - 1);
            ns[h] = (long)i;
        }
        free(d->slot);
        d->slot = ns, d->mask = nc - 1;
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? 2 * d->cap : 64;
        char **n2 = realloc(d->s, nc * sizeof *n2);
        if (!n2) return -1;
        d->s = n2, d->cap = nc;
    }
    if (!(d->s[d->n] = strdup(s))) return -1;
    size_t h = (size_t)fnv(s) & d->mask;
    while (d->slot[h] >= 0) h = (h + 1) & d->mask;
    d->slot[h] = (long)d->n;
    return (long)d->n++;
}

static void dict_free(dict *d) {
    for (size_t i = 0; i < d->n; i++) free(d->s[i]);
    free(d->s);
    free(d->slot);
}

/* ---- cells: key -> counts, open addressing on 64-bit keys ---- */
#define ALL 0xFFFFu
typedef struct cell {
    uint64_t key; /* 0 = empty slot; see pack() */
    double n, st[3];
} cell;

typedef struct cells {
    cell *c;
    size_t n, mask;
} cells;

/* unit (20 bits), period (12), topic (16), channel (8), stance (8); +1 so
 * that no key is 0. */
static uint64_t pack(unsigned unit, unsigned period, unsigned topic, unsigned ch, unsigned st) {
    return ((((((uint64_t)unit << 12 | (period & 0xFFF)) << 16 | (topic & 0xFFFF)) << 8 | (ch & 0xFF)) << 8) | (st & 0xFF)) + 1;
}
static void unpack(uint64_t k, unsigned *unit, unsigned *period, unsigned *topic, unsigned *ch, unsigned *st) {
    k -= 1;
    *st = k & 0xFF, k >>= 8;
    *ch = k & 0xFF, k >>= 8;
    *topic = k & 0xFFFF, k >>= 16;
    *period = k & 0xFFF, k >>= 12;
    *unit = (unsigned)k;
}

/* Slot of a key: a full 64-bit mix (murmur3's finaliser), since the
 * fields that vary most (the unit) sit in the key's high bits and a plain
 * multiply would leave them out of the low bits used as the index. */
static size_t slot_of(uint64_t k, size_t mask) {
    k ^= k >> 33, k *= 0xff51afd7ed558ccdULL, k ^= k >> 33, k *= 0xc4ceb9fe1a85ec53ULL, k ^= k >> 33;
    return (size_t)k & mask;
}

static cell *cells_get(cells *t, uint64_t key) {
    if (!t->c || 2 * (t->n + 1) > t->mask + 1) {
        size_t nc = t->c ? 2 * (t->mask + 1) : 4096;
        cell *n2 = calloc(nc, sizeof *n2);
        if (!n2) return NULL;
        for (size_t i = 0; t->c && i <= t->mask; i++) {
            if (!t->c[i].key) continue;
            size_t h = slot_of(t->c[i].key, nc - 1);
            while (n2[h].key) h = (h + 1) & (nc - 1);
            n2[h] = t->c[i];
        }
        free(t->c);
        t->c = n2, t->mask = nc - 1;
    }
    size_t h = slot_of(key, t->mask);
    while (t->c[h].key && t->c[h].key != key) h = (h + 1) & t->mask;
    if (!t->c[h].key) t->c[h].key = key, t->n++;
    return &t->c[h];
}

static cell *cells_find(const cells *t, uint64_t key) {
    if (!t->c) return NULL;
    size_t h = slot_of(key, t->mask);
    while (t->c[h].key && t->c[h].key != key) h = (h + 1) & t->mask;
    return t->c[h].key ? &t->c[h] : NULL;
}

typedef struct ounit {
    char *code, *name;
    long parent; /* index in the parents array, -1 none */
    double pop;  /* NaN = no data */
} ounit;

static const char *const CHANNELS[] = {"direct", "meeting", "intermediary"};
static const char *const STANCES[] = {"support", "oppose", "neutral"};

typedef struct agg {
    const gv_aggregate_job *j;
    gv_error *err;
    sqlite3 *db;
    gv_level level, rlevel;
    ounit *u;
    size_t nu;
    dict ucodes;       /* output unit codes -> index */
    dict rec2out_code; /* record-level codes -> index into rec2out */
    long *rec2out;
    dict parents;      /* parent codes of output units */
    dict topics, months;
    int by_topic, by_channel, by_stance, by_month;
    cells cs;
} agg;

static int sqlfail(agg *a, const char *what) {
    return gv_error_set(a->err, GV_EDATA, "%s: %s: SQLite: %s", a->j->workspace, what, sqlite3_errmsg(a->db));
}

/* Output units and the map from the records' units to them. */
static int build_units(agg *a, const char *set_name) {
    const gv_aggregate_job *j = a->j;
    const gv_grouping *grp = NULL;
    gv_grouping *own = NULL;
    gv_set *set = NULL;
    int rc = GV_OK;
    if (a->level == GV_LEVEL_REGION) {
        if (j->groups) rc = gv_grouping_read(j->groups, NULL, NULL, &own, a->err), grp = own;
        else if (!(rc = gv_set_open(set_name, NULL, &set, a->err))) rc = gv_set_grouping(set, "region", &grp, a->err);
        if (rc) goto done;
    }
    sqlite3_stmt *q;
    /* Output units of a level with polygons come from the units table. */
    if (a->level == GV_LEVEL_COMMUNE || a->level == GV_LEVEL_PROVINCE || a->level == GV_LEVEL_DISTRICT) {
        if (sqlite3_prepare_v2(a->db, "SELECT code, coalesce(name, ''), coalesce(parent_code, '') FROM units WHERE level = ? ORDER BY code", -1, &q, NULL)) {
            rc = sqlfail(a, "units");
            goto done;
        }
        sqlite3_bind_text(q, 1, gv_level_name(a->level), -1, SQLITE_STATIC);
        size_t cap = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (a->nu == cap) {
                cap = cap ? 2 * cap : 1024;
                ounit *n2 = realloc(a->u, cap * sizeof *n2);
                if (!n2) { rc = GV_ENOMEM; break; }
                a->u = n2;
            }
            ounit *u = &a->u[a->nu];
            u->code = strdup((const char *)sqlite3_column_text(q, 0));
            u->name = strdup((const char *)sqlite3_column_text(q, 1));
            const char *pc = (const char *)sqlite3_column_text(q, 2);
            u->parent = *pc && a->level != GV_LEVEL_PROVINCE ? dict_add(&a->parents, pc) : dict_add(&a->parents, "VN");
            u->pop = NAN;
            if (!u->code || !u->name || dict_add(&a->ucodes, u->code) < 0) { rc = GV_ENOMEM; break; }
            a->nu++;
        }
        sqlite3_finalize(q);
        if (!rc && !a->nu && a->level == GV_LEVEL_PROVINCE) {
            /* No province polygons stored (a single-level source): the
             * provinces are the parents named by the records' units. */
            if (sqlite3_prepare_v2(a->db, "SELECT DISTINCT parent_code FROM units WHERE level = ? AND parent_code IS NOT NULL ORDER BY 1", -1, &q, NULL)) {
                rc = sqlfail(a, "units");
                goto done;
            }
            sqlite3_bind_text(q, 1, gv_level_name(a->rlevel), -1, SQLITE_STATIC);
            size_t cap2 = 0;
            while (!rc && sqlite3_step(q) == SQLITE_ROW) {
                if (a->nu == cap2) {
                    cap2 = cap2 ? 2 * cap2 : 64;
                    ounit *n2 = realloc(a->u, cap2 * sizeof *n2);
                    if (!n2) { rc = GV_ENOMEM; break; }
                    a->u = n2;
                }
                ounit *u = &a->u[a->nu++];
                u->code = strdup((const char *)sqlite3_column_text(q, 0));
                u->name = strdup("");
                u->parent = dict_add(&a->parents, "VN");
                u->pop = NAN;
                if (!u->code || !u->name || dict_add(&a->ucodes, u->code) < 0) rc = GV_ENOMEM;
            }
            sqlite3_finalize(q);
        }
        if (!rc && !a->nu)
            rc = gv_error_set(a->err, GV_EUSAGE, "%s: no units of level %s in the workspace", j->workspace, gv_level_name(a->level));
    } else if (a->level == GV_LEVEL_REGION) {
        a->u = calloc(gv_grouping_ngroups(grp) + 1, sizeof *a->u);
        if (!a->u) rc = GV_ENOMEM;
        for (size_t g = 0; !rc && g < gv_grouping_ngroups(grp); g++) {
            char code[32];
            snprintf(code, sizeof code, "R%u", (unsigned)(g + 1));
            ounit *u = &a->u[a->nu++];
            u->code = strdup(code), u->name = strdup(gv_grouping_group_at(grp, g));
            u->parent = dict_add(&a->parents, "VN");
            u->pop = NAN;
            dict_add(&a->ucodes, code);
        }
    } else {
        a->u = calloc(1, sizeof *a->u);
        if (!a->u) rc = GV_ENOMEM;
        else {
            a->u[0].code = strdup("VN"), a->u[0].name = strdup("Việt Nam"), a->u[0].parent = -1, a->u[0].pop = NAN;
            a->nu = 1;
            dict_add(&a->ucodes, "VN");
        }
    }
    if (rc) goto done;
    /* Records' units -> output units. */
    if (sqlite3_prepare_v2(a->db, "SELECT code, coalesce(parent_code, '') FROM units WHERE level = ?", -1, &q, NULL)) {
        rc = sqlfail(a, "units");
        goto done;
    }
    sqlite3_bind_text(q, 1, gv_level_name(a->rlevel), -1, SQLITE_STATIC);
    size_t cap = 0, n = 0, unplaced = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0), *p = (const char *)sqlite3_column_text(q, 1);
        long o = -1;
        if (a->level == a->rlevel) o = dict_find(&a->ucodes, c);
        else if (a->level == GV_LEVEL_PROVINCE) o = dict_find(&a->ucodes, p);
        else if (a->level == GV_LEVEL_REGION) {
            const char *g = gv_grouping_group(grp, a->rlevel == GV_LEVEL_PROVINCE ? c : p);
            for (size_t k = 0; g && k < a->nu; k++)
                if (!strcmp(a->u[k].name, g)) o = (long)k;
        } else if (a->level == GV_LEVEL_NATION) o = 0;
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            long *n2 = realloc(a->rec2out, cap * sizeof *n2);
            if (!n2) { rc = GV_ENOMEM; break; }
            a->rec2out = n2;
        }
        if (dict_add(&a->rec2out_code, c) < 0) { rc = GV_ENOMEM; break; }
        a->rec2out[n++] = o;
        unplaced += o < 0;
    }
    sqlite3_finalize(q);
    if (!rc && unplaced && a->level == GV_LEVEL_REGION)
        rc = gv_error_set(a->err, GV_EDATA, "%s: %zu %s units belong to no group of %s", j->workspace, unplaced,
                          gv_level_name(a->rlevel), j->groups ? j->groups : "the set's region grouping");
done:
    if (rc == GV_ENOMEM) gv_error_set(a->err, rc, "out of memory");
    gv_grouping_free(own);
    gv_set_free(set);
    return rc;
}

static int read_population(agg *a, gv_log_fn log, void *ctx) {
    const gv_aggregate_job *j = a->j;
    if (!j->population) return GV_OK;
    gv_table *t = NULL;
    int rc = gv_table_read_csv(j->population, NULL, &t, a->err);
    if (rc) return rc;
    int cc = -1, pc = -1;
    static const char *const CC[] = {"code", "gso_code", "unit_code", "new_commune_code", NULL};
    static const char *const PC[] = {"population", "population_total", NULL};
    for (int i = 0; CC[i] && cc < 0; i++) cc = gv_table_col_index(t, CC[i]);
    for (int i = 0; PC[i] && pc < 0; i++) pc = gv_table_col_index(t, PC[i]);
    if (cc < 0 || pc < 0) {
        gv_table_free(t);
        return gv_error_set(a->err, GV_EDATA, "%s: needs a code column (code, gso_code) and a population column", j->population);
    }
    size_t direct = 0, rolled = 0, unknown = 0;
    double *sum = calloc(a->nu, sizeof *sum);
    if (!sum) {
        gv_table_free(t);
        return gv_error_set(a->err, GV_ENOMEM, "out of memory");
    }
    int w_out = (int)strlen(a->u[0].code), w_rec = a->rec2out_code.n ? (int)strlen(a->rec2out_code.s[0]) : 0;
    /* A population is a count (not negative), one row per unit, and, when
     * the table names its units, the name of the unit of that code: codes
     * were reused by the 2025 reform (15 is Yên Bái in 2019, Lào Cai in
     * 2025), and rates divided by the wrong unit's population are wrong. */
    static const char *const NC[] = {"name", "ten", "tên", "unit_name", NULL};
    int ncol = -1;
    for (int i = 0; NC[i] && ncol < 0; i++) ncol = gv_table_col_index(t, NC[i]);
    long *first_row = malloc(a->nu * sizeof *first_row);
    if (!first_row) {
        free(sum);
        gv_table_free(t);
        return gv_error_set(a->err, GV_ENOMEM, "out of memory");
    }
    for (size_t u = 0; u < a->nu; u++) first_row[u] = -1;
    size_t nmis = 0;
    for (size_t r = 0; r < gv_table_nrows(t) && !rc; r++) {
        double v;
        if (gv_table_number(t, r, (size_t)pc, &v, a->err)) { rc = GV_EDATA; break; }
        if (isnan(v)) continue;
        if (v < 0) {
            rc = gv_error_set(a->err, GV_EDATA, "%s: row %zu (line %zu), column '%s': %s is not a population (negative)",
                              j->population, r + 1, gv_table_row_line(t, r), gv_table_colname(t, (size_t)pc),
                              gv_table_cell(t, r, (size_t)pc));
            break;
        }
        char code[32];
        const char *raw = gv_table_cell(t, r, (size_t)cc);
        long o = -1;
        if (a->level != GV_LEVEL_REGION && a->level != GV_LEVEL_NATION &&
            gv_code_normalize(raw, w_out, code, sizeof code, NULL) == GV_OK && (o = dict_find(&a->ucodes, code)) >= 0) {
            if (first_row[o] >= 0) {
                rc = gv_error_set(a->err, GV_EDATA, "%s: rows %ld and %zu (lines %zu and %zu), column '%s': code '%s' given twice",
                                  j->population, first_row[o] + 1, r + 1, gv_table_row_line(t, (size_t)first_row[o]),
                                  gv_table_row_line(t, r), gv_table_colname(t, (size_t)cc), raw);
                break;
            }
            first_row[o] = (long)r;
            const char *tn = ncol >= 0 ? gv_table_cell(t, r, (size_t)ncol) : "";
            if (*tn && a->u[o].name && *a->u[o].name && !gv__names_fit(tn, a->u[o].name)) {
                if (nmis++ < 5)
                    gv__job_logf(log, ctx, "%s: row %zu (line %zu) code '%s': '%s' in the table but '%s' in the workspace",
                                 j->population, r + 1, gv_table_row_line(t, r), raw, tn, a->u[o].name);
            }
            if (isnan(a->u[o].pop)) a->u[o].pop = 0;
            a->u[o].pop += v, direct++;
            continue;
        }
        long ri;
        if (w_rec && gv_code_normalize(raw, w_rec, code, sizeof code, NULL) == GV_OK &&
            (ri = dict_find(&a->rec2out_code, code)) >= 0 && (o = a->rec2out[ri]) >= 0) {
            if (isnan(a->u[o].pop)) a->u[o].pop = 0;
            a->u[o].pop += v, rolled++;
            continue;
        }
        unknown++;
    }
    free(first_row);
    free(sum);
    gv_table_free(t);
    if (rc) return rc;
    if (nmis)
        gv__job_logf(log, ctx, "%s: %zu rows whose name is not the name of their code's unit (a table of another boundary "
                               "set?): their rates use that population",
                     j->population, nmis);
    gv__job_logf(log, ctx, "population %s: %zu rows of %s units, %zu rows summed up from %s units, %zu rows of no unit",
                 j->population, direct, gv_level_name(a->level), rolled, gv_level_name(a->rlevel), unknown);
    if (direct && rolled)
        return gv_error_set(a->err, GV_EDATA, "%s: rows of two levels (%s and %s): give one level", j->population,
                            gv_level_name(a->level), gv_level_name(a->rlevel));
    return GV_OK;
}

static int scan(agg *a) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(a->db, "SELECT unit_code, topic, channel, stance, month FROM records WHERE counted = 1", -1, &q, NULL))
        return sqlfail(a, "reading records");
    int s;
    size_t n = 0;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        n++;
        const char *uc = (const char *)sqlite3_column_text(q, 0);
        long ri = dict_find(&a->rec2out_code, uc);
        long o = ri >= 0 ? a->rec2out[ri] : -1;
        if (o < 0) continue; /* a unit outside the output (cannot happen: ingest checks codes) */
        const char *ch = (const char *)sqlite3_column_text(q, 2), *st = (const char *)sqlite3_column_text(q, 3);
        unsigned c = ch[0] == 'd' ? 0 : ch[0] == 'm' ? 1 : 2, sv = st[0] == 's' ? 0 : st[0] == 'o' ? 1 : 2;
        unsigned t = ALL, p = 0xFFF;
        if (a->by_topic) {
            long ti = dict_add(&a->topics, (const char *)sqlite3_column_text(q, 1));
            if (ti < 0) break;
            t = (unsigned)ti;
        }
        if (a->by_month) {
            long mi = dict_add(&a->months, (const char *)sqlite3_column_text(q, 4));
            if (mi < 0) break;
            p = (unsigned)mi;
        }
        /* One cell per row; the unit totals are summed from the cells
         * after the scan (one hash probe per record instead of two). */
        int by = a->by_topic || a->by_channel || a->by_stance;
        cell *c2 = cells_get(&a->cs, by ? pack((unsigned)o, p, t, a->by_channel ? c : 0xFF, a->by_stance ? sv : 0xFF)
                                        : pack((unsigned)o, p, ALL, 0xFF, 0xFF));
        if (!c2) break;
        c2->n++, c2->st[sv]++;
    }
    sqlite3_finalize(q);
    if (s != SQLITE_DONE) return s == SQLITE_ROW ? gv_error_set(a->err, GV_ENOMEM, "out of memory") : sqlfail(a, "reading records");
    if (a->by_topic || a->by_channel || a->by_stance) {
        /* Totals from the cells (collected first: adding to the table
         * while walking it could move the cells). */
        size_t ncell = a->cs.n, k = 0;
        cell *tmp = malloc((ncell ? ncell : 1) * sizeof *tmp);
        if (!tmp) return gv_error_set(a->err, GV_ENOMEM, "out of memory");
        for (size_t i = 0; a->cs.c && i <= a->cs.mask; i++)
            if (a->cs.c[i].key) tmp[k++] = a->cs.c[i];
        for (size_t i = 0; i < k; i++) {
            unsigned u, p, t, ch, st;
            unpack(tmp[i].key, &u, &p, &t, &ch, &st);
            cell *tot = cells_get(&a->cs, pack(u, p, ALL, 0xFF, 0xFF));
            if (!tot) {
                free(tmp);
                return gv_error_set(a->err, GV_ENOMEM, "out of memory");
            }
            tot->n += tmp[i].n;
            for (int q2 = 0; q2 < 3; q2++) tot->st[q2] += tmp[i].st[q2];
        }
        free(tmp);
    }
    return GV_OK;
}

/* Topics and months in text order (months are YYYY-MM, so that is the
 * calendar): the cells are re-keyed with the ranks. */
static unsigned *ranks(const dict *d) {
    unsigned *r = calloc(d->n + 1, sizeof *r);
    for (size_t m = 0; r && m < d->n; m++)
        for (size_t k = 0; k < d->n; k++) r[m] += strcmp(d->s[k], d->s[m]) < 0;
    return r;
}

static int sort_dicts(agg *a) {
    unsigned *tr = ranks(&a->topics), *mr = ranks(&a->months);
    cells n2 = {0};
    int rc = tr && mr ? GV_OK : GV_ENOMEM;
    for (size_t i = 0; !rc && a->cs.c && i <= a->cs.mask; i++) {
        if (!a->cs.c[i].key) continue;
        unsigned u, p, t, ch, st;
        unpack(a->cs.c[i].key, &u, &p, &t, &ch, &st);
        if (t != ALL) t = tr[t];
        if (p != 0xFFF) p = mr[p];
        cell *c = cells_get(&n2, pack(u, p, t, ch, st));
        if (!c) {
            rc = GV_ENOMEM;
            break;
        }
        c->n = a->cs.c[i].n;
        memcpy(c->st, a->cs.c[i].st, sizeof c->st);
    }
    for (int d = 0; !rc && d < 2; d++) {
        dict *D = d ? &a->months : &a->topics;
        unsigned *r = d ? mr : tr;
        char **s2 = malloc((D->n + 1) * sizeof *s2);
        if (!s2) {
            rc = GV_ENOMEM;
            break;
        }
        for (size_t k = 0; k < D->n; k++) s2[r[k]] = D->s[k];
        free(D->s);
        D->s = s2, D->cap = D->n + 1;
        free(D->slot), D->slot = NULL; /* no more lookups */
    }
    free(tr), free(mr);
    if (rc) {
        free(n2.c);
        return GV_ENOMEM;
    }
    free(a->cs.c);
    a->cs = n2;
    return GV_OK;
}

/* One output row before formatting. */
typedef struct orow {
    unsigned unit, period, topic, ch, st;
    double n, s[3];
    double smoothed;
    long total_row; /* index of the row holding this cell's unit-period total, -1 for a total */
    unsigned char status, unprot;
} orow;

static int rcmp(const void *x, const void *y) {
    const orow *a = x, *b = y;
    if (a->unit != b->unit) return a->unit < b->unit ? -1 : 1;
    if (a->period != b->period) return a->period < b->period ? -1 : 1;
    int at = a->total_row < 0, bt = b->total_row < 0;
    if (at != bt) return at ? -1 : 1;
    if (a->topic != b->topic) return a->topic < b->topic ? -1 : 1;
    if (a->ch != b->ch) return a->ch < b->ch ? -1 : 1;
    return a->st < b->st ? -1 : a->st > b->st;
}

/* Sort key of a row for grouping: two 64-bit parts and the row. */
typedef struct gkey {
    uint64_t a, b;
    size_t row;
} gkey;

static int gcmp(const void *x, const void *y) {
    const gkey *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

/* The slice of a row: its cell key without the unit (and without the
 * period when with_period is 0), totals apart from cells. */
static uint64_t slice(const orow *r, int with_period) {
    return pack(0, with_period ? r->period : 0, r->topic, r->ch, r->st) ^ ((uint64_t)(r->total_row < 0) << 63);
}

static void fmt(char *b, size_t n, double v, const char *f) {
    if (isnan(v)) b[0] = 0;
    else snprintf(b, n, f, v);
}

int gv_aggregate_job_run(const gv_aggregate_job *j, gv_log_fn log, void *logctx, gv_aggregate_summary *sum, gv_error *err) {
    gv_aggregate_summary dummy;
    if (!sum) sum = &dummy;
    memset(sum, 0, sizeof *sum);
    if (!j->workspace || !j->out) return gv_error_set(err, GV_EUSAGE, "--workspace and -o are required");
    agg A, *a = &A;
    memset(a, 0, sizeof *a);
    a->j = j, a->err = err;
    if (j->by && *j->by) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", j->by);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            int *flag = !strcmp(tok, "topic") ? &a->by_topic : !strcmp(tok, "channel") ? &a->by_channel
                        : !strcmp(tok, "stance") ? &a->by_stance : NULL;
            if (!flag) return gv_error_set(err, GV_EUSAGE, "--by '%s': expected topic, channel, stance (comma-separated)", tok);
            if (*flag) return gv_error_set(err, GV_EUSAGE, "--by: '%s' given twice", tok);
            *flag = 1;
        }
    }
    if (j->period && strcmp(j->period, "month")) return gv_error_set(err, GV_EUSAGE, "--period '%s': only month", j->period);
    a->by_month = j->period != NULL;
    if (gv__op_check_min_count(j->min_count, err)) return GV_EUSAGE;
    gv_workspace *ws = NULL;
    int rc = gv_workspace_open(j->workspace, 0, &ws, err);
    if (rc) return rc;
    a->db = gv_workspace_db(ws);
    char set_name[1024], rlevel[32];
    snprintf(set_name, sizeof set_name, "%s", gv_workspace_meta(ws, "set") ? gv_workspace_meta(ws, "set") : "");
    snprintf(rlevel, sizeof rlevel, "%s", gv_workspace_meta(ws, "record_level") ? gv_workspace_meta(ws, "record_level") : "commune");
    a->rlevel = gv_level_parse(rlevel);
    a->level = j->level ? gv_level_parse(j->level) : a->rlevel;
    if (a->level == GV_LEVEL_NONE || a->level > a->rlevel)
        rc = gv_error_set(err, GV_EUSAGE, "--level '%s': expected %s or a coarser level (province, region, nation)",
                          j->level ? j->level : "?", rlevel);
    if (!rc) rc = build_units(a, set_name);
    if (!rc) rc = read_population(a, log, logctx);
    double t0 = gv__job_now_ms();
    if (!rc) rc = scan(a);
    sum->seconds_scan = (gv__job_now_ms() - t0) / 1000;
    if (!rc) rc = sort_dicts(a);
    /* Topics that differ only in case or marks' form ("Land", "land") are
     * counted apart, as they were given: said, so the source can be fixed. */
    char **fold = rc ? NULL : calloc(a->topics.n ? a->topics.n : 1, sizeof *fold);
    for (size_t x = 0; fold && x < a->topics.n; x++)
        fold[x] = (char *)utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)a->topics.s[x]);
    for (size_t x = 0; fold && x < a->topics.n; x++)
        for (size_t y = x + 1; y < a->topics.n; y++)
            if (fold[x] && fold[y] && !strcmp(fold[x], fold[y]))
                gv__job_logf(log, logctx, "warning: topics '%s' and '%s' differ only in case: counted as two topics",
                             a->topics.s[x], a->topics.s[y]);
    for (size_t x = 0; fold && x < a->topics.n; x++) free(fold[x]);
    free(fold);
    /* Rows: every unit-period total (units without records: 0), then the
     * cells. */
    size_t nper = a->by_month ? a->months.n : 1;
    orow *R = NULL;
    size_t nr = 0;
    if (!rc) {
        R = calloc(a->nu * nper + a->cs.n + 1, sizeof *R);
        if (!R) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    for (size_t u = 0; !rc && u < a->nu; u++)
        for (size_t p = 0; p < nper; p++) {
            orow *r = &R[nr++];
            r->unit = (unsigned)u, r->period = a->by_month ? (unsigned)p : 0xFFF, r->topic = ALL, r->ch = r->st = 0xFF;
            r->total_row = -1;
            cell *c = cells_find(&a->cs, pack(r->unit, r->period, ALL, 0xFF, 0xFF));
            if (c) r->n = c->n, memcpy(r->s, c->st, sizeof r->s);
            sum->records += (size_t)r->n;
        }
    size_t ntot = nr;
    for (size_t i = 0; !rc && a->cs.c && i <= a->cs.mask; i++) {
        if (!a->cs.c[i].key) continue;
        orow r;
        memset(&r, 0, sizeof r);
        unpack(a->cs.c[i].key, &r.unit, &r.period, &r.topic, &r.ch, &r.st);
        if (r.topic == ALL && r.ch == 0xFF && r.st == 0xFF) continue; /* a total */
        r.n = a->cs.c[i].n;
        memcpy(r.s, a->cs.c[i].st, sizeof r.s);
        r.total_row = (long)(r.unit * nper + (a->by_month ? r.period : 0));
        R[nr++] = r;
    }
    if (!rc) {
        /* Sort cells within (unit, period) after their total; totals are
         * already ordered by unit and dictionary period. */
        qsort(R + ntot, nr - ntot, sizeof *R, rcmp);
    }
    /* Empirical-Bayes per slice (period x cell key) across units: rows
     * sorted by slice, then each slice's counts (0 for units without a
     * row) shrunk together. */
    gkey *gk = NULL;
    if (!rc) {
        gk = malloc((nr ? nr : 1) * sizeof *gk);
        double *cnt = malloc(a->nu * sizeof *cnt), *pop = malloc(a->nu * sizeof *pop), *sm = malloc(a->nu * sizeof *sm);
        long *where = malloc(a->nu * sizeof *where);
        if (!gk || !cnt || !pop || !sm || !where) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        for (size_t m = 0; !rc && m < nr; m++) gk[m].a = slice(&R[m], 1), gk[m].b = R[m].unit, gk[m].row = m;
        if (!rc) qsort(gk, nr, sizeof *gk, gcmp);
        for (size_t i = 0; !rc && i < nr;) {
            size_t e = i;
            while (e < nr && gk[e].a == gk[i].a) e++;
            for (size_t u = 0; u < a->nu; u++) cnt[u] = 0, pop[u] = a->u[u].pop, where[u] = -1;
            for (size_t m = i; m < e; m++) cnt[gk[m].b] = R[gk[m].row].n, where[gk[m].b] = (long)gk[m].row;
            gv_eb_smooth(cnt, pop, a->nu, sm, NULL, NULL);
            for (size_t u = 0; u < a->nu; u++)
                if (where[u] >= 0) R[where[u]].smoothed = sm[u];
            i = e;
        }
        free(cnt), free(pop), free(sm), free(where);
    }
    /* Suppression relations: a unit-period's cells sum to its total; the
     * units of one parent sum to the parent's figure (published in the
     * parent level's own table when it is at least k); with months, a
     * unit's months sum to its all-period figure. */
    gv_supp_group *G = NULL;
    size_t ng = 0, capg = 0, *mem = NULL, nmem = 0;
    if (!rc) {
        /* Members are collected into one array; groups point into it
         * after it stops growing. */
        typedef struct { size_t a, n; long total; } gspan;
        gspan *sp = NULL;
        size_t nsp = 0, capsp = 0, capm = 0;
#define PUSHM(v) do { if (nmem == capm) { capm = capm ? 2 * capm : 4096; size_t *m2 = realloc(mem, capm * sizeof *m2); if (!m2) { rc = GV_ENOMEM; break; } mem = m2; } mem[nmem++] = (v); } while (0)
#define OPEN(tot) do { if (nsp == capsp) { capsp = capsp ? 2 * capsp : 1024; gspan *s2 = realloc(sp, capsp * sizeof *s2); if (!s2) { rc = GV_ENOMEM; break; } sp = s2; } sp[nsp].a = nmem; sp[nsp].n = 0; sp[nsp].total = (tot); nsp++; } while (0)
        /* (1) cells of each unit-period */
        for (size_t i = ntot; !rc && i < nr;) {
            size_t e = i;
            while (e < nr && R[e].total_row == R[i].total_row) e++;
            OPEN(R[i].total_row);
            for (size_t m = i; m < e && !rc; m++) PUSHM(m);
            if (!rc) sp[nsp - 1].n = e - i;
            i = e;
        }
        /* (2) units of one parent, per slice; (3) months of one unit, per
         * key. Rows sorted by (group, slice); each run is one relation,
         * kept only when the figure it sums to is itself shown (>= k). */
        for (int pass = 0; pass < 2 && !rc; pass++) {
            if (pass == 0 && a->level == GV_LEVEL_NATION) continue;
            if (pass == 1 && !(a->by_month && nper > 1)) continue;
            for (size_t m = 0; m < nr; m++) {
                gk[m].row = m;
                if (pass == 0) gk[m].a = (uint64_t)(a->u[R[m].unit].parent + 1), gk[m].b = slice(&R[m], 1);
                else gk[m].a = R[m].unit, gk[m].b = slice(&R[m], 0);
            }
            qsort(gk, nr, sizeof *gk, gcmp);
            for (size_t i = 0; i < nr && !rc;) {
                size_t e = i;
                double tot = 0;
                while (e < nr && gk[e].a == gk[i].a && gk[e].b == gk[i].b) tot += R[gk[e].row].n, e++;
                if (tot >= j->min_count && e - i > 0) {
                    OPEN(-1);
                    for (size_t m = i; m < e && !rc; m++) PUSHM(gk[m].row);
                    if (!rc) sp[nsp - 1].n = e - i;
                }
                i = e;
            }
        }
        /* (4) margins of a cross-tab (--by topic,stance ...): the cells
         * of one unit-period that share all but some of the dimensions sum
         * to a figure a one-way run publishes (--by topic, --by stance):
         * protected like the parents when that figure is at least k. */
        int dims[3], nd = 0;
        if (a->by_topic) dims[nd++] = 0;
        if (a->by_channel) dims[nd++] = 1;
        if (a->by_stance) dims[nd++] = 2;
        for (int mask = 1; nd >= 2 && mask < (1 << nd) - 1 && !rc; mask++) {
            size_t nk = 0;
            for (size_t m = 0; m < nr; m++) {
                if (R[m].total_row < 0) continue;
                unsigned t = R[m].topic, c = R[m].ch, s = R[m].st;
                for (int q = 0; q < nd; q++)
                    if (mask & (1 << q)) {
                        if (dims[q] == 0) t = ALL;
                        else if (dims[q] == 1) c = 0xFF;
                        else s = 0xFF;
                    }
                gk[nk].row = m;
                gk[nk].a = ((uint64_t)R[m].unit << 24) | R[m].period;
                gk[nk].b = pack(0, 0, t, c, s);
                nk++;
            }
            qsort(gk, nk, sizeof *gk, gcmp);
            for (size_t i = 0; i < nk && !rc;) {
                size_t e = i;
                double tot = 0;
                while (e < nk && gk[e].a == gk[i].a && gk[e].b == gk[i].b) tot += R[gk[e].row].n, e++;
                if (tot >= j->min_count && e - i > 1) {
                    OPEN(-1);
                    for (size_t m = i; m < e && !rc; m++) PUSHM(gk[m].row);
                    if (!rc) sp[nsp - 1].n = e - i;
                }
                i = e;
            }
        }
#undef PUSHM
#undef OPEN
        if (!rc) {
            capg = nsp;
            G = calloc(capg ? capg : 1, sizeof *G);
            if (!G) rc = GV_ENOMEM;
            for (size_t g = 0; !rc && g < nsp; g++) G[g].member = mem + sp[g].a, G[g].n = sp[g].n, G[g].total = sp[g].total;
            ng = nsp;
        }
        free(sp);
        if (rc == GV_ENOMEM) gv_error_set(err, rc, "out of memory");
    }
    unsigned char *st = NULL, *gu = NULL;
    if (!rc) {
        double *cnt = malloc((nr ? nr : 1) * sizeof *cnt);
        st = malloc(nr ? nr : 1);
        gu = malloc(ng ? ng : 1);
        if (!cnt || !st || !gu) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        for (size_t m = 0; !rc && m < nr; m++) cnt[m] = R[m].n;
        if (!rc) rc = gv_suppress(cnt, nr, j->min_count, G, ng, st, gu, &sum->unprotected);
        for (size_t m = 0; !rc && m < nr; m++) {
            R[m].status = st[m];
            sum->primary += st[m] == GV_SUPP_PRIMARY, sum->secondary += st[m] == GV_SUPP_SECONDARY;
        }
        for (size_t g = 0; !rc && g < ng; g++)
            if (gu[g])
                for (size_t k = 0; k < G[g].n; k++) R[G[g].member[k]].unprot = 1;
        free(cnt);
    }
    /* Format. */
    static const char *const NAMES[] = {"code", "name", "level", "period", "topic", "channel", "stance", "count",
                                        "population", "rate_per_10k", "smoothed_rate_per_10k", "share", "net_stance",
                                        "suppressed", "note"};
    static const int TYPES[] = {OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_TEXT, OPT_INT,
                                OPT_INT,  OPT_REAL, OPT_REAL, OPT_REAL, OPT_REAL, OPT_TEXT, OPT_TEXT};
    const char *names[15];
    int types[15];
    size_t nc = 0;
    int colmap[15];
    for (int c = 0; c < 15; c++) {
        if ((c == 3 && !a->by_month) || (c == 4 && !a->by_topic) || (c == 5 && !a->by_channel) || (c == 6 && !a->by_stance)) continue;
        colmap[nc] = c, names[nc] = NAMES[c], types[nc] = TYPES[c], nc++;
    }
    optable T;
    optable_init(&T, nc, names, types);
    /* Output order: units by code, periods by month, total first. */
    size_t *order = rc ? NULL : malloc((nr ? nr : 1) * sizeof *order);
    if (!rc && !order) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    /* Totals are laid out by (unit, period) and the cells sorted the same
     * way (periods are in calendar order since sort_dicts), so one walk
     * interleaves them. */
    size_t no = 0, m = ntot;
    for (size_t ti = 0; !rc && ti < ntot; ti++) {
        order[no++] = ti;
        while (m < nr && R[m].total_row == (long)ti) order[no++] = m++;
    }
    for (size_t oi = 0; !rc && oi < no; oi++) {
        orow *r = &R[order[oi]];
        ounit *u = &a->u[r->unit];
        char v[15][64];
        const char *cellp[15];
        int hid = r->status != GV_SUPP_SHOWN;
        const orow *tot = r->total_row >= 0 ? &R[r->total_row] : NULL;
        snprintf(v[0], 64, "%s", u->code);
        v[1][0] = 0;
        snprintf(v[2], 64, "%s", gv_level_name(a->level));
        snprintf(v[3], 64, "%s", a->by_month ? a->months.s[r->period] : "");
        snprintf(v[4], 64, "%s", r->topic == ALL ? "(all)" : a->topics.s[r->topic]);
        snprintf(v[5], 64, "%s", r->ch == 0xFF ? "(all)" : CHANNELS[r->ch]);
        snprintf(v[6], 64, "%s", r->st == 0xFF ? "(all)" : STANCES[r->st]);
        if (hid) snprintf(v[7], 64, "suppressed");
        else snprintf(v[7], 64, "%.0f", r->n);
        fmt(v[8], 64, u->pop, "%.0f");
        double rate = u->pop > 0 ? r->n / u->pop * 1e4 : NAN;
        if (hid) snprintf(v[9], 64, "suppressed"), snprintf(v[10], 64, "suppressed");
        else fmt(v[9], 64, rate, "%.4f"), fmt(v[10], 64, r->smoothed * 1e4, "%.4f");
        if (!tot) v[11][0] = 0;
        else if (hid || tot->status != GV_SUPP_SHOWN) snprintf(v[11], 64, "suppressed");
        else fmt(v[11], 64, tot->n > 0 ? r->n / tot->n : NAN, "%.6f");
        /* Net stance with the count gives support + oppose + neutral and
         * support - oppose: with one stance cell known (a --by stance run)
         * the other two follow. Shown only when no stance count of the
         * row is small (0 < n < k). */
        double neu = r->n - r->s[0] - r->s[1];
        int small_stance = (r->s[0] > 0 && r->s[0] < j->min_count) || (r->s[1] > 0 && r->s[1] < j->min_count) ||
                           (neu > 0 && neu < j->min_count);
        if (a->by_stance) v[12][0] = 0;
        else if (hid || small_stance) snprintf(v[12], 64, "suppressed");
        else fmt(v[12], 64, r->n > 0 ? (r->s[0] - r->s[1]) / r->n : NAN, "%.6f");
        snprintf(v[13], 64, "%s", r->status == GV_SUPP_PRIMARY ? "primary" : r->status == GV_SUPP_SECONDARY ? "secondary" : "");
        for (size_t c = 0; c < nc; c++) cellp[c] = colmap[c] == 1 ? u->name : v[colmap[c]];
        for (size_t c = 0; c < nc; c++)
            if (colmap[c] == 14) cellp[c] = r->unprot ? "not protected: no other non-zero cell to hide beside a suppressed one" : "";
        if (optable_add(&T, u->code, (char *const *)cellp)) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    if (!rc) {
        char desc[1024];
        snprintf(desc, sizeof desc,
                 "geovoice opinions aggregate: workspace %s, level %s%s%s%s, min count %g (counts 0 < n < k suppressed, "
                 "secondary suppression across cells, parents and months)",
                 j->workspace, gv_level_name(a->level), a->by_topic || a->by_channel || a->by_stance ? ", by " : "",
                 j->by ? j->by : "", a->by_month ? ", per month" : "", j->min_count);
        char lname[64];
        snprintf(lname, sizeof lname, "opinions_%s", gv_level_name(a->level));
        if ((a->level == GV_LEVEL_REGION || a->level == GV_LEVEL_NATION) && strstr(j->out, ".gpkg"))
            rc = gv_error_set(err, GV_EUSAGE, "-o %s: GeoPackage output needs a level with polygons (commune, province); write CSV", j->out);
        else
            rc = optable_write(&T, j->out, j->workspace, gv_level_name(a->level), lname, desc, NULL, err);
    }
    sum->rows = T.nrows;
    for (size_t u = 0; u < a->nu; u++) sum->units_no_population += !(a->u[u].pop > 0);
    if (!rc) {
        gv__job_logf(log, logctx, "aggregate: %zu counted records into %zu %s units%s%s: %zu rows; scan %.2f s (%.0f records/s)",
                     sum->records, a->nu, gv_level_name(a->level), j->by && *j->by ? " by " : "", j->by ? j->by : "",
                     sum->rows, sum->seconds_scan, sum->seconds_scan > 0 ? sum->records / sum->seconds_scan : 0.0);
        gv__job_logf(log, logctx, "suppression (k = %g): %zu cells primary, %zu secondary; %zu relations could not be protected%s",
                     j->min_count, sum->primary, sum->secondary, sum->unprotected,
                     sum->unprotected ? " (rows marked in the note column)" : "");
        if (sum->units_no_population)
            gv__job_logf(log, logctx, "%zu units without population (rates empty = no data)%s", sum->units_no_population,
                         j->population ? "" : ": give --population POP.csv");
        gv__job_logf(log, logctx, "wrote %s", j->out);
    }
    optable_free(&T);
    free(order);
    free(st);
    free(gu);
    free(G);
    free(gk);
    free(mem);
    free(R);
    for (size_t u = 0; u < a->nu; u++) free(a->u[u].code), free(a->u[u].name);
    free(a->u);
    free(a->rec2out);
    dict_free(&a->ucodes), dict_free(&a->rec2out_code), dict_free(&a->parents), dict_free(&a->topics), dict_free(&a->months);
    free(a->cs.c);
    gv_workspace_close(ws);
    (void)capg;
    return rc;
}
