/* synth_job.c: `geovoice synth`, a seeded generator of realistic synthetic
 * opinion records for demos, tests and benchmarks (opinionsjob.h).
 *
 * Model (every draw from one splitmix64 stream seeded by --seed, so the
 * same options give the same bytes):
 *  - a row's unit is drawn with probability proportional to population
 *    (a province's population spread over its communes by area when the
 *    table is at province level), or to area without a table;
 *  - topic: 8 topics with base weights, modulated by latitude (north /
 *    centre / south) and by a per-province factor, so regions differ;
 *  - stance: per topic (land and corruption lean "oppose", education and
 *    healthcare "support");
 *  - channel: direct 60 %, meeting 25 %, intermediary 15 % (with an org);
 *  - direct rows have a voter: a pseudonym, or (share --citizen-ids) a
 *    12-digit citizen identity number; a share --repeat of them is
 *    followed by a repeat (same voter, unit, topic) 0-45 days later;
 *  - a share --coords gives lon/lat inside the unit instead of its code;
 *  - a share --malformed is broken in one of 9 ways;
 *  - intermediary reports: per unit and organisation, counts per topic and
 *    stance drawn from the unit's own distribution, except in the planted
 *    units, where the over-reported topic's weight is multiplied.
 * Every file starts with a '# SYNTHETIC' comment and carries a column
 * synthetic=yes. */
#include "geovoice/opinionsjob.h"

#include "geovoice/csvout.h"
#include "geovoice/dots.h"
#include "geovoice/records.h"
#include "geovoice/table.h"
#include "jobutil.h"
#include "opinions_common.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const TOPICS[GV_SYNTH_NTOPICS] = {"land",      "environment", "welfare",    "health",
                                                     "education", "infrastructure", "admin_procedures", "corruption"};
/* Base weights, and the stance mix (support, oppose, neutral) per topic. */
static const double TOPIC_W[GV_SYNTH_NTOPICS] = {0.18, 0.12, 0.13, 0.13, 0.11, 0.15, 0.10, 0.08};
static const double STANCE_W[GV_SYNTH_NTOPICS][3] = {{0.15, 0.65, 0.20}, {0.20, 0.55, 0.25}, {0.45, 0.25, 0.30},
                                                     {0.50, 0.25, 0.25}, {0.55, 0.20, 0.25}, {0.40, 0.35, 0.25},
                                                     {0.25, 0.50, 0.25}, {0.10, 0.75, 0.15}};
static const char *const STANCE[3] = {"support", "oppose", "neutral"};
static const char *const ORGS[] = {"Mặt trận Tổ quốc", "Hội Nông dân", "Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên",
                                   "Hội Cựu chiến binh"};
#define NORGS 5
static const char *const TEXTS[] = {"Đề nghị xem xét", "Kiến nghị giải quyết sớm", "Cần minh bạch thông tin",
                                    "Ý kiến của cử tri", ""};

const char *gv_synth_topic(int i) { return i >= 0 && i < GV_SYNTH_NTOPICS ? TOPICS[i] : NULL; }

void gv_synth_job_init(gv_synth_job *j) {
    memset(j, 0, sizeof *j);
    j->records = 10000;
    j->seed = 1;
    j->malformed = 0.01;
    j->citizen_ids = 0.3;
    j->coords = 0.1;
    j->repeat = 0.15;
    j->overreport_units = 20;
    j->overreport_topic = "land";
    j->overreport_factor = 4;
    j->report_share = 1;
    j->start = "2025-07-01";
    j->months = 6;
}

static uint64_t next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double u01(uint64_t *s) { return (double)(next(s) >> 11) * (1.0 / 9007199254740992.0); }

static int pick(const double *w, int n, double u) {
    double t = 0;
    for (int i = 0; i < n; i++) t += w[i];
    u *= t;
    for (int i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    return n - 1;
}

typedef struct sunit {
    char code[16], parent[16];
    double weight, lat;
    double p[GV_SYNTH_NTOPICS];
    size_t npts;
    double *pts; /* lon, lat pairs inside the unit */
    unsigned long long nvoters;
    double direct; /* expected direct rows */
    int planted;
} sunit;

typedef struct synth {
    const gv_synth_job *j;
    sunit *u;
    size_t n;
    double *cum; /* cumulative weights */
    uint64_t rng;
    long long t0, span;
    FILE *f;
    int jsonl;
} synth;

static size_t pick_unit(synth *S) {
    double x = u01(&S->rng) * S->cum[S->n - 1];
    size_t lo = 0, hi = S->n - 1;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (S->cum[m] > x) hi = m;
        else lo = m + 1;
    }
    return lo;
}

static uint64_t hash_s(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* Topic weights of a unit: base × regional factor (by latitude: land and
 * infrastructure weigh more in the fast-growing south, environment on the
 * central coast, welfare in the north's mountains) × a per-province
 * factor in [0.7, 1.3). */
static void unit_topics(sunit *u, unsigned long long seed) {
    double lat = u->lat;
    double north = lat > 19.5 ? 1 : 0, south = lat < 12.5 ? 1 : 0, centre = !north && !south;
    double reg[GV_SYNTH_NTOPICS] = {1 + 0.6 * south, 1 + 0.5 * centre, 1 + 0.4 * north, 1,
                                    1 + 0.2 * north, 1 + 0.4 * south, 1 + 0.3 * centre, 1};
    uint64_t s = hash_s(u->parent[0] ? u->parent : u->code) ^ (seed * 0x9e3779b97f4a7c15ULL);
    double t = 0;
    for (int k = 0; k < GV_SYNTH_NTOPICS; k++) {
        u->p[k] = TOPIC_W[k] * reg[k] * (0.7 + 0.6 * u01(&s));
        t += u->p[k];
    }
    for (int k = 0; k < GV_SYNTH_NTOPICS; k++) u->p[k] /= t;
}

static int read_population(synth *S, const gv_layer *L, gv_log_fn log, void *ctx, gv_error *err) {
    const gv_synth_job *j = S->j;
    for (size_t i = 0; i < S->n; i++) S->u[i].weight = gv_layer_area_km2((gv_layer *)L, i);
    if (!j->population) {
        gv__job_logf(log, ctx, "synth: no --population: volumes proportional to area");
        return GV_OK;
    }
    gv_table *t = NULL;
    int rc = gv_table_read_csv(j->population, NULL, &t, err);
    if (rc) return rc;
    int cc = gv_table_col_index(t, "code");
    if (cc < 0) cc = gv_table_col_index(t, "gso_code");
    int pc = gv_table_col_index(t, "population");
    if (pc < 0) pc = gv_table_col_index(t, "population_total");
    if (cc < 0 || pc < 0) {
        gv_table_free(t);
        return gv_error_set(err, GV_EDATA, "%s: needs columns code and population", j->population);
    }
    /* A table of the units' own codes (same width), or of their parents'
     * (population spread over the units by area). Codes are compared
     * with their level's width: "01" (a province) is not "00001". */
    int w = gv_table_col_code_width(t, (size_t)cc);
    if (!w && gv_table_nrows(t)) w = (int)strlen(gv_table_cell(t, 0, (size_t)cc));
    int unit_level = w == (int)strlen(S->u[0].code);
    size_t hit_unit = 0, hit_parent = 0;
    double *pop = calloc(S->n, sizeof *pop), *parent_area = calloc(S->n, sizeof *parent_area);
    if (!pop || !parent_area) {
        free(pop), free(parent_area);
        gv_table_free(t);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < gv_table_nrows(t); r++) {
        char key[32];
        if (gv_code_key(gv_table_cell(t, r, (size_t)cc), key, sizeof key, NULL)) continue;
        double v;
        if (gv_table_number(t, r, (size_t)pc, &v, NULL) || !(v > 0)) continue;
        if (unit_level) {
            for (size_t i = 0; i < S->n; i++) {
                char k2[32];
                if (!gv_code_key(S->u[i].code, k2, sizeof k2, NULL) && !strcmp(k2, key)) pop[i] = v, hit_unit++;
            }
            continue;
        }
        double area = 0;
        for (size_t i = 0; i < S->n; i++) {
            char k2[32];
            if (S->u[i].parent[0] && !gv_code_key(S->u[i].parent, k2, sizeof k2, NULL) && !strcmp(k2, key)) {
                area += S->u[i].weight;
                parent_area[i] = v; /* the parent's population for now */
                hit_parent++;
            }
        }
        for (size_t i = 0; i < S->n && area > 0; i++) {
            char k2[32];
            if (S->u[i].parent[0] && !gv_code_key(S->u[i].parent, k2, sizeof k2, NULL) && !strcmp(k2, key))
                pop[i] = parent_area[i] * S->u[i].weight / area;
        }
    }
    gv_table_free(t);
    size_t used = 0;
    for (size_t i = 0; i < S->n; i++)
        if (pop[i] > 0) S->u[i].weight = pop[i], used++;
    gv__job_logf(log, ctx, "synth: volumes proportional to population from %s (%s; %zu of %zu units have a figure, the rest follow area)",
                 j->population, hit_unit ? "the units' own codes" : hit_parent ? "their parents' codes, spread by area" : "no code matched",
                 used, S->n);
    free(pop), free(parent_area);
    return GV_OK;
}

static void fmt_time(long long t, char out[26]) { gv_iso8601_vn(t, out, NULL); }

static void citizen_id(synth *S, const sunit *u, unsigned long long v, char out[13]) {
    /* 3-digit province of birth, a century/sex digit, 2-digit birth year,
     * 6 digits: derived from (unit, voter number) so repeats match. */
    uint64_t h = hash_s(u->code) ^ (v * 0x9e3779b97f4a7c15ULL) ^ S->j->seed;
    h = next(&h);
    int prov = u->parent[0] ? atoi(u->parent) : 1;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%03d%d%02d%06d", prov % 1000, (int)(h % 4), (int)(h / 4 % 100), (int)(h / 400 % 1000000));
    memcpy(out, tmp, 12); /* 3 + 1 + 2 + 6 digits */
    out[12] = '\0';
}

/* Writes one CSV or JSON Lines row. voter/org/text may be "". */
static void emit(synth *S, const char *id, const char *when, const char *code, const double *xy, const char *topic,
                 const char *stance, const char *channel, const char *org, const char *voter, const char *text) {
    FILE *f = S->f;
    if (S->jsonl) {
        fprintf(f, "{\"id\":\"%s\",\"submitted_at\":\"%s\"", id, when);
        if (xy) fprintf(f, ",\"lon\":%.6f,\"lat\":%.6f", xy[0], xy[1]);
        else fprintf(f, ",\"unit_code\":\"%s\"", code);
        fprintf(f, ",\"topic\":\"%s\",\"stance\":\"%s\",\"channel\":\"%s\"", topic, stance, channel);
        if (*org) fprintf(f, ",\"org\":\"%s\"", org);
        if (*voter) fprintf(f, ",\"voter\":\"%s\"", voter);
        if (*text) fprintf(f, ",\"text\":\"%s\"", text);
        fputs(",\"synthetic\":\"yes\"}\n", f);
        return;
    }
    fputs(id, f);
    fputc(',', f);
    fputs(when, f);
    fputc(',', f);
    if (xy) fprintf(f, ",%.6f,%.6f,", xy[0], xy[1]);
    else fprintf(f, "%s,,,", code);
    fputs(topic, f);
    fputc(',', f);
    fputs(stance, f);
    fputc(',', f);
    fputs(channel, f);
    fputc(',', f);
    gv_csv_put(f, org);
    fputc(',', f);
    fputs(voter, f);
    fputc(',', f);
    gv_csv_put(f, text);
    fputs(",yes\n", f);
}

static int open_out(const char *path, char *tmp, size_t n, FILE **f, gv_error *err) {
    snprintf(tmp, n, "%s.tmp.%d", path, (int)getpid());
    *f = fopen(tmp, "w");
    if (!*f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write: %s", path, strerror(errno));
    static char buf[1 << 20];
    setvbuf(*f, buf, _IOFBF, sizeof buf);
    return GV_OK;
}

static int close_out(FILE *f, const char *tmp, const char *path, gv_error *err) {
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return gv_error_set(err, GV_EOUTPUT, "%s: write failed: %s", path, strerror(errno));
    }
    return GV_OK;
}

static int write_records(synth *S, size_t *n_ids, size_t *n_bad, size_t *n_rep) {
    const gv_synth_job *j = S->j;
    char id[32], when[26], voter[40], xyb[64];
    size_t i = 0;
    unsigned long long seq = 0;
    while (i < j->records) {
        size_t ui = pick_unit(S);
        sunit *u = &S->u[ui];
        int topic = pick(u->p, GV_SYNTH_NTOPICS, u01(&S->rng));
        int st = pick(STANCE_W[topic], 3, u01(&S->rng));
        double c = u01(&S->rng);
        int channel = c < 0.60 ? 0 : c < 0.85 ? 1 : 2;
        long long t = S->t0 + (long long)(u01(&S->rng) * (double)S->span);
        const char *org = channel == 2 ? ORGS[next(&S->rng) % NORGS] : "";
        voter[0] = 0;
        int is_cid = 0;
        if (channel == 0) {
            /* Voters per unit: about one per 3 direct submissions. */
            unsigned long long v = next(&S->rng) % (u->nvoters ? u->nvoters : 1);
            is_cid = u01(&S->rng) < j->citizen_ids;
            if (is_cid) citizen_id(S, u, v, voter);
            else snprintf(voter, sizeof voter, "V%s-%llu", u->code, v);
        }
        const double *xy = NULL;
        if (u->npts && u01(&S->rng) < j->coords) xy = &u->pts[2 * (next(&S->rng) % u->npts)];
        const char *text = j->no_text ? "" : TEXTS[next(&S->rng) % 5];
        int reps = channel == 0 && u01(&S->rng) < j->repeat ? 2 : 1;
        for (int r = 0; r < reps && i < j->records; r++, i++) {
            snprintf(id, sizeof id, "S%010llu", ++seq);
            long long tt = t + (r ? (long long)(u01(&S->rng) * 45 * 86400) : 0);
            fmt_time(tt, when);
            if (r) (*n_rep)++;
            if (is_cid) (*n_ids)++;
            if (u01(&S->rng) < j->malformed) {
                (*n_bad)++;
                const char *code = u->code;
                const char *stance = STANCE[st], *chan = channel == 0 ? "direct" : channel == 1 ? "meeting" : "intermediary";
                const char *tp = TOPICS[topic], *o = org;
                double sea[2] = {110.0, 14.0}; /* South China Sea, east of Bình Định */
                const double *bxy = xy;
                switch (next(&S->rng) % 9) {
                case 0: stance = "maybe"; break;
                case 1: snprintf(when, sizeof when, "2025-13-45"); break;
                case 2: code = "99999", bxy = NULL; break;
                case 3: tp = ""; break;
                case 4: chan = "email"; break;
                case 5: chan = "intermediary", o = ""; break;
                case 6: bxy = sea; break;
                case 7: /* a short row: the last fields lost */
                    if (S->jsonl) fprintf(S->f, "{\"id\":\"%s\",\"submitted_at\":\"%s\"\n", id, when);
                    else fprintf(S->f, "%s,%s,%s,,,%s\n", id, when, code, tp);
                    continue;
                default: stance = ""; break;
                }
                emit(S, id, when, code, bxy, tp, stance, chan, o, voter, text);
                continue;
            }
            emit(S, id, when, u->code, xy, TOPICS[topic], STANCE[st],
                 channel == 0 ? "direct" : channel == 1 ? "meeting" : "intermediary", org, voter, text);
            (void)xyb;
        }
    }
    return GV_OK;
}

/* Multinomial draw of n items over k weights (sequential binomials by
 * inversion would be exact but slow for large n; n here is at most a few
 * thousand per unit, so one categorical draw per item is fine). */
static void multinomial(uint64_t *rng, const double *w, int k, long n, long *out) {
    for (int i = 0; i < k; i++) out[i] = 0;
    for (long m = 0; m < n; m++) out[pick(w, k, u01(rng))]++;
}

static int write_reports(synth *S, const char *path, int ot, gv_error *err) {
    char tmp[4096];
    FILE *f;
    int rc = open_out(path, tmp, sizeof tmp, &f, err);
    if (rc) return rc;
    fprintf(f, "# SYNTHETIC DATA: intermediary reports generated by geovoice synth (seed %llu); not real reports\n",
            S->j->seed);
    fputs("unit_code,org,topic,stance,count,synthetic\n", f);
    for (size_t i = 0; i < S->n; i++) {
        sunit *u = &S->u[i];
        long total = (long)floor(u->direct * S->j->report_share + 0.5);
        if (total < 1) continue;
        double p[GV_SYNTH_NTOPICS];
        memcpy(p, u->p, sizeof p);
        if (u->planted) p[ot] *= S->j->overreport_factor;
        /* Two organisations share the unit's reports. */
        uint64_t s = hash_s(u->code) ^ S->j->seed ^ 0x5bd1e995ULL;
        int o1 = (int)(next(&s) % NORGS), o2 = (o1 + 1 + (int)(next(&s) % (NORGS - 1))) % NORGS;
        long part[2] = {total / 2 + total % 2, total / 2};
        int orgs[2] = {o1, o2};
        for (int k = 0; k < 2; k++) {
            long cnt[GV_SYNTH_NTOPICS];
            multinomial(&S->rng, p, GV_SYNTH_NTOPICS, part[k], cnt);
            for (int t = 0; t < GV_SYNTH_NTOPICS; t++) {
                if (!cnt[t]) continue;
                long sc[3];
                multinomial(&S->rng, STANCE_W[t], 3, cnt[t], sc);
                for (int q = 0; q < 3; q++) {
                    if (!sc[q]) continue;
                    fprintf(f, "%s,", u->code);
                    gv_csv_put(f, ORGS[orgs[k]]);
                    fprintf(f, ",%s,%s,%ld,yes\n", TOPICS[t], STANCE[q], sc[q]);
                }
            }
        }
    }
    return close_out(f, tmp, path, err);
}

int gv_synth_job_run(const gv_synth_job *j, gv_log_fn log, void *logctx, gv_error *err) {
    if (!j->out) return gv_error_set(err, GV_EUSAGE, "synth: -o RECORDS.csv|.jsonl is required");
    {
        const char *outs[3] = {j->out, j->reports, j->planted};
        int rc0 = gv__job_check_out_dirs(err, 3, outs);
        if (rc0) return rc0;
    }
    int ot = -1;
    for (int k = 0; k < GV_SYNTH_NTOPICS; k++)
        if (!strcmp(TOPICS[k], j->overreport_topic)) ot = k;
    if (ot < 0) return gv_error_set(err, GV_EUSAGE, "synth: --overreport-topic '%s' is not one of the topics", j->overreport_topic);
    if (!(j->malformed >= 0 && j->malformed <= 1) || !(j->citizen_ids >= 0 && j->citizen_ids <= 1) ||
        !(j->coords >= 0 && j->coords <= 1) || !(j->repeat >= 0 && j->repeat <= 1))
        return gv_error_set(err, GV_EUSAGE, "synth: shares must lie in [0, 1]");
    long long t0;
    if (gv_iso8601_parse(j->start, strlen(j->start), &t0) || j->months < 1)
        return gv_error_set(err, GV_EUSAGE, "synth: --start '%s' / --months %d: expected YYYY-MM-DD and >= 1", j->start, j->months);
    gv_layer *layers[GV_NLEVELS] = {0};
    gv_ws_level lv[GV_NLEVELS];
    size_t nlv = 0;
    char label[1024];
    int rc = gv__op_open_units(j->set, j->sets_dir, j->shapes, j->layer, NULL, j->code_field, NULL, j->parent_field, lv,
                               layers, &nlv, label, sizeof label, err);
    synth S;
    memset(&S, 0, sizeof S);
    S.j = j;
    S.rng = j->seed * 0x2545F4914F6CDD1DULL + 0x9e3779b97f4a7c15ULL;
    S.t0 = t0;
    S.span = (long long)j->months * 30 * 86400 + (long long)(j->months / 2) * 86400;
    const gv_ws_level *L = nlv ? &lv[nlv - 1] : NULL;
    if (!rc) {
        S.n = gv_layer_count(L->layer);
        S.u = calloc(S.n ? S.n : 1, sizeof *S.u);
        S.cum = calloc(S.n ? S.n : 1, sizeof *S.cum);
        if (!S.u || !S.cum) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        if (!rc && !S.n) rc = gv_error_set(err, GV_EDATA, "synth: no units in %s", label);
    }
    gv_dot_set dots;
    memset(&dots, 0, sizeof dots);
    if (!rc) {
        for (size_t i = 0; i < S.n; i++) {
            gv_code_normalize(gv_layer_value(L->layer, i, (size_t)L->code_field), L->code_width, S.u[i].code,
                              sizeof S.u[i].code, NULL);
            if (L->parent_field >= 0)
                gv_code_normalize(gv_layer_value(L->layer, i, (size_t)L->parent_field), 2, S.u[i].parent,
                                  sizeof S.u[i].parent, NULL);
            double b[4];
            gv_layer_feature_bbox(L->layer, i, b);
            S.u[i].lat = isfinite(b[1]) ? 0.5 * (b[1] + b[3]) : 16;
            unit_topics(&S.u[i], j->seed);
        }
        rc = read_population(&S, L->layer, log, logctx, err);
    }
    /* 128 points inside each unit for the rows given by coordinates. */
    if (!rc && j->coords > 0) {
        double *per = malloc(S.n * sizeof *per);
        const char **keys = malloc(S.n * sizeof *keys);
        const char *gk[1] = {"synth"};
        if (!per || !keys) rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < S.n; i++) per[i] = 128, keys[i] = S.u[i].code;
        if (!rc) rc = gv_dots_place(L->layer, per, 1, 1, keys, gk, j->seed, &dots, err);
        free(per);
        free(keys);
        if (!rc) {
            for (size_t d = 0; d < dots.n; d++) S.u[dots.dots[d].feature].npts++;
            for (size_t i = 0; i < S.n && !rc; i++)
                if (S.u[i].npts && !(S.u[i].pts = malloc(2 * S.u[i].npts * sizeof(double)))) rc = GV_ENOMEM;
            for (size_t i = 0; i < S.n; i++) S.u[i].npts = 0;
            for (size_t d = 0; !rc && d < dots.n; d++) {
                sunit *u = &S.u[dots.dots[d].feature];
                u->pts[2 * u->npts] = dots.dots[d].lon, u->pts[2 * u->npts + 1] = dots.dots[d].lat;
                u->npts++;
            }
            if (rc) gv_error_set(err, rc, "out of memory");
        }
    }
    for (size_t i = 0; i < nlv; i++) gv_layer_free(layers[i]);
    if (!rc) {
        double tw = 0;
        for (size_t i = 0; i < S.n; i++) tw += S.u[i].weight > 0 ? S.u[i].weight : 0, S.cum[i] = tw;
        if (!(tw > 0)) rc = gv_error_set(err, GV_EDATA, "synth: every unit has weight 0");
        for (size_t i = 0; !rc && i < S.n; i++) {
            double share = (S.u[i].weight > 0 ? S.u[i].weight : 0) / tw;
            S.u[i].direct = share * (double)j->records * 0.60 * (1 - j->malformed);
            S.u[i].nvoters = (unsigned long long)(S.u[i].direct / 3) + 1;
        }
    }
    /* Planted units: chosen at random among those expected to have at
     * least 100 direct records, so the test has counts to work with. */
    size_t nplanted = 0;
    if (!rc && j->overreport_units) {
        uint64_t s = j->seed ^ 0xa0761d6478bd642fULL;
        size_t elig = 0;
        for (size_t i = 0; i < S.n; i++) elig += S.u[i].direct >= 100;
        size_t want = j->overreport_units < elig ? j->overreport_units : elig;
        while (nplanted < want) {
            size_t i = (size_t)(next(&s) % S.n);
            if (S.u[i].direct >= 100 && !S.u[i].planted) S.u[i].planted = 1, nplanted++;
        }
        if (want < j->overreport_units)
            gv__job_logf(log, logctx,
                         "warning: --overreport-units %zu asked, %zu planted: only %zu units expect 100 or more direct "
                         "records (more --records, or fewer units)",
                         (size_t)j->overreport_units, want, elig);
    }
    char tmp[4096];
    size_t n_ids = 0, n_bad = 0, n_rep = 0;
    if (!rc) {
        size_t ol = strlen(j->out);
        S.jsonl = (ol > 6 && !strcmp(j->out + ol - 6, ".jsonl")) || (ol > 7 && !strcmp(j->out + ol - 7, ".ndjson"));
        rc = open_out(j->out, tmp, sizeof tmp, &S.f, err);
    }
    if (!rc) {
        if (!S.jsonl) {
            fprintf(S.f, "# SYNTHETIC DATA: generated by geovoice synth (seed %llu, %zu records, units %s); not real opinions\n",
                    j->seed, j->records, label);
            fputs("id,submitted_at,unit_code,lon,lat,topic,stance,channel,org,voter,text,synthetic\n", S.f);
        } else {
            /* A comment line, which geovoice's reader skips before the first
             * object (JSON Lines itself has no header). */
            fprintf(S.f, "# SYNTHETIC DATA: generated by geovoice synth (seed %llu, %zu records, units %s); not real opinions\n",
                    j->seed, j->records, label);
        }
        write_records(&S, &n_ids, &n_bad, &n_rep);
        rc = close_out(S.f, tmp, j->out, err);
    }
    if (!rc && j->reports) rc = write_reports(&S, j->reports, ot, err);
    if (!rc && j->planted) {
        FILE *f;
        rc = open_out(j->planted, tmp, sizeof tmp, &f, err);
        if (!rc) {
            fputs("# SYNTHETIC: units whose intermediary reports over-report a topic\ncode,topic,factor,synthetic\n", f);
            for (size_t i = 0; i < S.n; i++)
                if (S.u[i].planted) fprintf(f, "%s,%s,%g,yes\n", S.u[i].code, j->overreport_topic, j->overreport_factor);
            rc = close_out(f, tmp, j->planted, err);
        }
    }
    if (!rc)
        gv__job_logf(log, logctx,
                     "synth: wrote %s: %zu records over %zu units (seed %llu): %zu with a citizen id as voter, %zu repeats, "
                     "%zu malformed%s%s; %zu units over-report '%s'",
                     j->out, j->records, S.n, j->seed, n_ids, n_rep, n_bad, j->reports ? "; reports " : "",
                     j->reports ? j->reports : "", nplanted, j->overreport_topic);
    for (size_t i = 0; S.u && i < S.n; i++) free(S.u[i].pts);
    free(S.u);
    free(S.cum);
    gv_dot_set_clear(&dots);
    return rc;
}
