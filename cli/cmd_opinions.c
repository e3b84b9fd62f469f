/* cmd_opinions.c: `geovoice opinions ingest|aggregate|divergence` —
 * options to the job structs (job/opinions_*_job.c). */
#include "cli.h"

#include "geovoice/opinionsjob.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *OPINIONS_HELP =
    "usage: geovoice opinions ingest RECORDS.csv|.jsonl --workspace WS.sqlite [--set NAME | --shapes SRC --layer L]\n"
    "                                [--rejects FILE.csv] [--key-file FILE] [--dedupe-window 30d | --no-dedupe]\n"
    "       geovoice opinions aggregate --workspace WS.sqlite [--level L] [--by topic,channel,stance] [--period month]\n"
    "                                [--population POP.csv] [--min-count 10] [--groups FILE] -o OUT.csv|OUT.gpkg\n"
    "       geovoice opinions divergence --workspace WS.sqlite [--reports REPORTS.csv] [--by topic|stance]\n"
    "                                [--alpha 0.05] [--min-records 30] -o OUT.csv|OUT.gpkg [--orgs ORGS.csv]\n"
    "(geovoice opinions VERB --help for each)\n";

static const char *INGEST_HELP =
    "usage: geovoice opinions ingest RECORDS.csv|.jsonl --workspace WS.sqlite [options]\n"
    "\n"
    "Loads opinion records (SPEC columns: id, submitted_at, unit_code or lon+lat, topic, stance, channel,\n"
    "org, voter, text) into a SQLite + SpatiaLite workspace, in one transaction: re-ingesting a file adds\n"
    "nothing (ids are unique), a new file adds only its new rows, a crash leaves the workspace as it was.\n"
    "  --workspace WS    the workspace file (created when absent)\n"
    "  --set NAME        boundary set stored on first use (default vn-2025); or\n"
    "  --shapes SRC --layer L [--level commune] [--code F --name F --parent F]   any boundary source\n"
    "  --rejects FILE    also write rejected rows (row, line, id, field, reason) as CSV\n"
    "  --key-file FILE   HMAC key for citizen identity numbers in 'voter' (default: $GEOVOICE_HMAC_KEY);\n"
    "                    without a key such rows are rejected. The raw number is never stored or printed.\n"
    "  --dedupe-window D same voter + unit + topic within D after the first counted one counts once\n"
    "                    (default 30d; earliest submitted_at kept, whatever the order of ingest)\n"
    "  --no-dedupe       count every row\n"
    "  --threads N       point-in-polygon threads (default 2)\n"
    "Rows with lon/lat and no unit_code go to the commune containing the point; a point on a shared\n"
    "border goes to the unit with the smallest code; a point in no unit is rejected.\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input data, 3 output not written, 4 internal error.\n";

/* Prints a job's error under the verb's name; the exit code. */
static int finish(const char *verb, int rc, const gv_error *err) {
    if (rc == GV_OK) return 0;
    fprintf(stderr, "geovoice opinions %s: %s\n", verb, err->msg);
    return gv_cli_exit_code(rc);
}

static void die_on_fault(void *ctx, size_t rows) {
    (void)ctx;
    fprintf(stderr, "geovoice opinions ingest: fault injection: killed after %zu rows\n", rows);
    raise(SIGKILL);
}

static int cli_ingest(int argc, char **argv) {
    gv_ingest_job j;
    gv_ingest_job_init(&j);
    enum { O_WS = 1000, O_SET, O_SETSDIR, O_SHAPES, O_LAYER, O_LEVEL, O_CODE, O_NAME, O_PARENT, O_KEY, O_REJ, O_WIN, O_NODEDUPE, O_THREADS, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"workspace", 1, 0, O_WS}, {"set", 1, 0, O_SET},       {"sets-dir", 1, 0, O_SETSDIR}, {"shapes", 1, 0, O_SHAPES},
        {"layer", 1, 0, O_LAYER},  {"level", 1, 0, O_LEVEL},   {"code", 1, 0, O_CODE},        {"name", 1, 0, O_NAME},
        {"parent", 1, 0, O_PARENT}, {"key-file", 1, 0, O_KEY}, {"rejects", 1, 0, O_REJ},      {"dedupe-window", 1, 0, O_WIN},
        {"no-dedupe", 0, 0, O_NODEDUPE}, {"threads", 1, 0, O_THREADS}, {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP},
        {0, 0, 0, 0}};
    int c;
    gv_error err;
    gv_error_clear(&err);
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        switch (c) {
        case O_WS: j.workspace = optarg; break;
        case O_SET: j.set = optarg; break;
        case O_SETSDIR: j.sets_dir = optarg; break;
        case O_SHAPES: j.shapes = optarg; break;
        case O_LAYER: j.layer = optarg; break;
        case O_LEVEL: j.level = optarg; break;
        case O_CODE: j.code_field = optarg; break;
        case O_NAME: j.name_field = optarg; break;
        case O_PARENT: j.parent_field = optarg; break;
        case O_KEY: j.key_file = optarg; break;
        case O_REJ: j.rejects = optarg; break;
        case O_WIN:
            if (gv_duration_parse(optarg, &j.dedupe_window_s, &err)) {
                fprintf(stderr, "geovoice opinions ingest: --dedupe-window %s\n", err.msg);
                return 1;
            }
            break;
        case O_NODEDUPE: j.dedupe_window_s = 0; break;
        case O_THREADS: j.threads = atoi(optarg); break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case O_HELP: fputs(INGEST_HELP, stdout); return 0;
        default: return gv_cli_bad_option("opinions ingest", argv);
        }
    }
    if (optind + 1 != argc || !j.workspace) {
        fprintf(stderr, "geovoice opinions ingest: one RECORDS file and --workspace are required (see --help)\n");
        return 1;
    }
    if (j.set && j.shapes) {
        fprintf(stderr, "geovoice opinions ingest: --set and --shapes exclude each other\n");
        return 1;
    }
    j.records = argv[optind];
    j.on_fault = die_on_fault;
    return finish("ingest", gv_ingest_job_run(&j, gv_cli_log, NULL, NULL, &err), &err);
}

static const char *AGG_HELP =
    "usage: geovoice opinions aggregate --workspace WS.sqlite -o OUT.csv|OUT.gpkg [options]\n"
    "\n"
    "Counted records (after deduplication) per unit: count, population, rate_per_10k, smoothed_rate_per_10k\n"
    "(empirical Bayes, global moment estimator, toward the overall rate), share (of the unit's total),\n"
    "net_stance ((support - oppose) / count), suppressed (primary / secondary), note.\n"
    "  --level L        commune (the records' level, default), province, region, nation\n"
    "  --by LIST        topic, channel, stance (comma-separated): one row per cell after each unit's total\n"
    "  --period month   one set of rows per month (Vietnam time)\n"
    "  --population F   CSV code,population of the output units, or of the records' units (summed up);\n"
    "                   for 2025 communes, the 2019 census carried by `geovoice crosswalk`\n"
    "  --groups F       code,group of provinces for --level region\n"
    "  --min-count K    counts 0 < n < K are written 'suppressed' with every figure derived from them\n"
    "                   (default 10); secondary suppression hides the smallest other cell wherever a\n"
    "                   suppressed one could be recovered by subtraction: from the unit's total, from the\n"
    "                   parent unit's figure (published at the parent level when >= K), from the unit's\n"
    "                   all-period figure; rows where that is not possible say so in 'note'\n"
    "Map: geovoice map --shapes WS.sqlite --layer units --where \"level='commune'\" --data OUT.csv --join code\n"
    "     --value rate_per_10k  (suppressed units are drawn as 'suppressed')\n";

/* --min-count K as a number (the job checks it is a whole one >= 1);
 * 1 after saying so when it is not a number at all. */
static int parse_min_count(const char *arg, double *out) {
    char *end;
    *out = strtod(arg, &end);
    if (end != arg && !*end) return 0;
    fprintf(stderr, "geovoice opinions: --min-count '%s': expected a whole number of at least 1\n", arg);
    return 1;
}

static int cli_aggregate(int argc, char **argv) {
    gv_aggregate_job j;
    gv_aggregate_job_init(&j);
    enum { O_WS = 1000, O_LEVEL, O_BY, O_PERIOD, O_POP, O_GROUPS, O_MIN, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"workspace", 1, 0, O_WS}, {"level", 1, 0, O_LEVEL}, {"by", 1, 0, O_BY}, {"period", 1, 0, O_PERIOD},
        {"population", 1, 0, O_POP}, {"groups", 1, 0, O_GROUPS}, {"min-count", 1, 0, O_MIN}, {"quiet", 0, 0, O_QUIET},
        {"help", 0, 0, O_HELP}, {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_WS: j.workspace = optarg; break;
        case O_LEVEL: j.level = optarg; break;
        case O_BY: j.by = optarg; break;
        case O_PERIOD: j.period = optarg; break;
        case O_POP: j.population = optarg; break;
        case O_GROUPS: j.groups = optarg; break;
        case O_MIN:
            if (parse_min_count(optarg, &j.min_count)) return 1;
            break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': j.out = optarg; break;
        case O_HELP: fputs(AGG_HELP, stdout); return 0;
        default: return gv_cli_bad_option("opinions aggregate", argv);
        }
    }
    if (optind < argc || !j.workspace || !j.out) {
        fprintf(stderr, "geovoice opinions aggregate: --workspace and -o are required (see --help)\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    return finish("aggregate", gv_aggregate_job_run(&j, gv_cli_log, NULL, NULL, &err), &err);
}

static const char *DIV_HELP =
    "usage: geovoice opinions divergence --workspace WS.sqlite -o OUT.csv|OUT.gpkg [options]\n"
    "\n"
    "Per unit: the topic (or stance) distribution of direct-channel records (counted, after dedupe)\n"
    "against what intermediaries reported: n_direct, n_reported, jsd (Jensen-Shannon divergence, base 2,\n"
    "in [0, 1]), chi2, df, p_value (Pearson chi-square test of homogeneity), q_value (Benjamini-Hochberg\n"
    "across the tested units), flagged (q <= alpha), top_overreported (the category whose reported share\n"
    "exceeds its direct share most) with both shares. Units with fewer than --min-records on a side are\n"
    "not tested. Counts 0 < n < --min-count are written 'suppressed'.\n"
    "  --reports F      intermediary reports CSV: unit_code, org, topic, stance, count (SPEC); without\n"
    "                   it, the workspace's intermediary-channel records\n"
    "  --by topic|stance   default topic\n"
    "  --alpha A        default 0.05;  --min-records N  default 30;  --min-count K  default 10\n"
    "  --orgs F.csv     the same per unit and organisation (BH across those pairs)\n"
    "Map: geovoice map --shapes WS.sqlite --layer units --where \"level='commune'\" --data OUT.csv --join code --value jsd\n";

static int cli_divergence(int argc, char **argv) {
    gv_divergence_job j;
    gv_divergence_job_init(&j);
    enum { O_WS = 1000, O_REP, O_BY, O_ALPHA, O_MINREC, O_MIN, O_ORGS, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"workspace", 1, 0, O_WS}, {"reports", 1, 0, O_REP}, {"by", 1, 0, O_BY}, {"alpha", 1, 0, O_ALPHA},
        {"min-records", 1, 0, O_MINREC}, {"min-count", 1, 0, O_MIN}, {"orgs", 1, 0, O_ORGS}, {"quiet", 0, 0, O_QUIET},
        {"help", 0, 0, O_HELP}, {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_WS: j.workspace = optarg; break;
        case O_REP: j.reports = optarg; break;
        case O_BY: j.by = optarg; break;
        case O_ALPHA: j.alpha = atof(optarg); break;
        case O_MINREC: j.min_records = atof(optarg); break;
        case O_MIN:
            if (parse_min_count(optarg, &j.min_count)) return 1;
            break;
        case O_ORGS: j.orgs_out = optarg; break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': j.out = optarg; break;
        case O_HELP: fputs(DIV_HELP, stdout); return 0;
        default: return gv_cli_bad_option("opinions divergence", argv);
        }
    }
    if (optind < argc || !j.workspace || !j.out) {
        fprintf(stderr, "geovoice opinions divergence: --workspace and -o are required (see --help)\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    return finish("divergence", gv_divergence_job_run(&j, gv_cli_log, NULL, NULL, &err), &err);
}

int gv_cli_opinions(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(OPINIONS_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (!strcmp(argv[1], "ingest")) return cli_ingest(argc - 1, argv + 1);
    if (!strcmp(argv[1], "aggregate")) return cli_aggregate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "divergence")) return cli_divergence(argc - 1, argv + 1);
    fprintf(stderr, "geovoice opinions: unknown verb '%s' (ingest, aggregate, divergence)\n", argv[1]);
    return 1;
}
