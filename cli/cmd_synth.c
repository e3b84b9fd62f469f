/* cmd_synth.c: `geovoice synth` — options to gv_synth_job (job/synth_job.c). */
#include "cli.h"

#include "geovoice/opinionsjob.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *SYNTH_HELP =
    "usage: geovoice synth -o RECORDS.csv|.jsonl [--records N] [--seed S] [--set NAME | --shapes SRC --layer L]\n"
    "                      [--population POP.csv] [--reports REPORTS.csv] [--planted PLANTED.csv] [options]\n"
    "\n"
    "Seeded synthetic opinion records (every file is labelled SYNTHETIC in its first line and a column):\n"
    "volumes proportional to population, topics varying by region, all three channels, repeat voters,\n"
    "12-digit citizen ids among the voters, rows placed by lon/lat, a share of malformed rows, and\n"
    "intermediary reports that over-report a topic in chosen units. Same options, same bytes.\n"
    "  --records N          rows (default 10000)\n"
    "  --seed S             default 1\n"
    "  --set NAME           units (default vn-2025: its communes); or --shapes SRC --layer L\n"
    "  --population FILE    code,population of the units or of their provinces (spread by area);\n"
    "                       without it volumes follow area\n"
    "  --malformed F        share of malformed rows (default 0.01)\n"
    "  --citizen-ids F      share of direct voters written as citizen identity numbers (default 0.3)\n"
    "  --coords F           share of rows given by lon/lat instead of unit_code (default 0.1)\n"
    "  --repeat F           share of direct submissions repeated by the same voter (default 0.15)\n"
    "  --reports FILE       intermediary reports: unit_code,org,topic,stance,count\n"
    "  --report-share F     reported count per unit ~ F x its direct records (default 1)\n"
    "  --overreport-units N units whose intermediaries over-report (default 20)\n"
    "  --overreport-topic T default land; --overreport-factor X (default 4)\n"
    "  --planted FILE       list of those units (code,topic)\n"
    "  --start YYYY-MM-DD   first day (default 2025-07-01); --months N (default 6)\n"
    "  --no-text            leave the text column empty\n";

/* Whole number in [lo, hi] or a fraction in [lo, hi]: 0, else a one-line
 * usage error. No silent wrap of "-5" into 18 quintillion records. */
static int whole(const char *opt, const char *arg, unsigned long long lo, unsigned long long hi, unsigned long long *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (!*arg || *end || errno || arg[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "geovoice synth: %s '%s': expected a whole number from %llu to %llu\n", opt, arg, lo, hi);
        return 1;
    }
    *out = v;
    return 0;
}
static int frac(const char *opt, const char *arg, double lo, double hi, double *out) {
    char *end;
    double v = strtod(arg, &end);
    if (!*arg || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "geovoice synth: %s '%s': expected a number from %g to %g\n", opt, arg, lo, hi);
        return 1;
    }
    *out = v;
    return 0;
}

int gv_cli_synth(int argc, char **argv) {
    gv_synth_job j;
    gv_synth_job_init(&j);
    enum { O_REC = 1000, O_SEED, O_SET, O_SETSDIR, O_SHAPES, O_LAYER, O_POP, O_MAL, O_CID, O_COORDS, O_REP, O_REPORTS,
           O_RSHARE, O_OUNITS, O_OTOPIC, O_OFACTOR, O_PLANTED, O_START, O_MONTHS, O_NOTEXT, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"records", 1, 0, O_REC}, {"seed", 1, 0, O_SEED}, {"set", 1, 0, O_SET}, {"sets-dir", 1, 0, O_SETSDIR},
        {"shapes", 1, 0, O_SHAPES}, {"layer", 1, 0, O_LAYER}, {"population", 1, 0, O_POP}, {"malformed", 1, 0, O_MAL},
        {"citizen-ids", 1, 0, O_CID}, {"coords", 1, 0, O_COORDS}, {"repeat", 1, 0, O_REP}, {"reports", 1, 0, O_REPORTS},
        {"report-share", 1, 0, O_RSHARE}, {"overreport-units", 1, 0, O_OUNITS}, {"overreport-topic", 1, 0, O_OTOPIC},
        {"overreport-factor", 1, 0, O_OFACTOR}, {"planted", 1, 0, O_PLANTED}, {"start", 1, 0, O_START},
        {"months", 1, 0, O_MONTHS}, {"no-text", 0, 0, O_NOTEXT}, {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP},
        {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_REC: {
            unsigned long long v;
            if (whole("--records", optarg, 1, 1000000000ULL, &v)) return 1;
            j.records = v;
            break;
        }
        case O_SEED: {
            unsigned long long v;
            if (whole("--seed", optarg, 0, ~0ULL, &v)) return 1;
            j.seed = v;
            break;
        }
        case O_SET: j.set = optarg; break;
        case O_SETSDIR: j.sets_dir = optarg; break;
        case O_SHAPES: j.shapes = optarg; break;
        case O_LAYER: j.layer = optarg; break;
        case O_POP: j.population = optarg; break;
        case O_MAL: if (frac("--malformed", optarg, 0, 1, &j.malformed)) return 1; break;
        case O_CID: if (frac("--citizen-ids", optarg, 0, 1, &j.citizen_ids)) return 1; break;
        case O_COORDS: if (frac("--coords", optarg, 0, 1, &j.coords)) return 1; break;
        case O_REP: if (frac("--repeat", optarg, 0, 1, &j.repeat)) return 1; break;
        case O_REPORTS: j.reports = optarg; break;
        case O_RSHARE: if (frac("--report-share", optarg, 0, 100, &j.report_share)) return 1; break;
        case O_OUNITS: {
            unsigned long long v;
            if (whole("--overreport-units", optarg, 0, 100000, &v)) return 1;
            j.overreport_units = v;
            break;
        }
        case O_OTOPIC: j.overreport_topic = optarg; break;
        case O_OFACTOR: if (frac("--overreport-factor", optarg, 0, 1000, &j.overreport_factor)) return 1; break;
        case O_PLANTED: j.planted = optarg; break;
        case O_START: j.start = optarg; break;
        case O_MONTHS: {
            unsigned long long v;
            if (whole("--months", optarg, 1, 1200, &v)) return 1;
            j.months = (int)v;
            break;
        }
        case O_NOTEXT: j.no_text = 1; break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': j.out = optarg; break;
        case O_HELP: fputs(SYNTH_HELP, stdout); return 0;
        default: return gv_cli_bad_option("synth", argv);
        }
    }
    if (optind < argc || !j.out) {
        fprintf(stderr, "geovoice synth: -o is required and takes no other arguments (see --help)\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_synth_job_run(&j, gv_cli_log, NULL, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice synth: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
