/* cmd_reconcile.c: `geovoice reconcile` — options to gv_reconcile_options,
 * then gv_reconcile_run (job/reconcile_job.c). */
#include "cli.h"

#include "geovoice/reconcile.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *RC_HELP =
    "usage: geovoice reconcile --a FILE:COLUMN --b FILE:COLUMN -o OUT.csv [options]\n"
    "\n"
    "Compares two sources of the same figure for the same units (e.g. the population register or\n"
    "a resolution's figures against the census), per unit on counts and on shares of the total:\n"
    "difference B - A, relative difference (B - A)/A, share of the total in each source, the change\n"
    "of share in percentage points and beyond the national change, modified z-scores (Iglewicz-\n"
    "Hoaglin: 0.6745 (x - median) / MAD; MAD = 0: 0.7979 (x - median) / mean abs. deviation) of\n"
    "the relative difference and of the share change, flagged where |z| > 3.5.\n"
    "  --a FILE:COL, --b FILE:COL   the two sources (the same file with two columns is fine)\n"
    "  --a-label T, --b-label T     their names in messages and on the map (default FILE:COL)\n"
    "  --code COL    unit code column of both tables (default code, gso_code, ma, unit_code)\n"
    "  --set NAME    boundary set: unit names and the hierarchy for parent/child sums (tables may\n"
    "                mix levels, or carry a parent_code/province_code column), polygons for --map\n"
    "  --threshold Z flag |z| > Z (default 3.5)\n"
    "  --parents FILE  every parent row against the sum of its child rows, in each source\n"
    "  --map OUT.png|pdf|svg  diverging map of the relative difference centred on 0\n"
    "  --map-value share|count  beyond the national change (default) or plain (B - A)/A\n"
    "  --map-shapes SRC [--map-layer L]  polygons instead of the set's\n"
    "  --title T, --subtitle T, --source T, --locale vi|en   map texts\n"
    "  --strict      units in one source only or with a missing value are errors\n"
    "  -o OUT.csv    code, name, a, b, diff, rel_diff, z_rel, flag_rel, share_a, share_b,\n"
    "                share_diff_pp, rel_share, z_share, flag_share, flagged, every column of A or B\n"
    "                whose name contains 'source', note\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input data, 3 output not written, 4 internal error.\n";

/* FILE:COL at the last ':' (into buf). */
static int split_src(const char *arg, char *buf, size_t n, const char **file, const char **col) {
    snprintf(buf, n, "%s", arg);
    char *c = strrchr(buf, ':');
    if (!c || c == buf || !c[1]) return -1;
    *c = 0;
    *file = buf;
    *col = c + 1;
    return 0;
}

int gv_cli_reconcile(int argc, char **argv) {
    gv_reconcile_options o;
    gv_reconcile_options_init(&o);
    enum {
        O_A = 1000, O_B, O_AL, O_BL, O_CODE, O_SET, O_SETSDIR, O_THR, O_PARENTS, O_MAP, O_MAPV, O_MAPS, O_MAPL,
        O_TITLE, O_SUB, O_SRC, O_LOCALE, O_STRICT, O_DECIMAL, O_QUIET, O_HELP
    };
    static const struct option opts[] = {
        {"a", 1, 0, O_A},           {"b", 1, 0, O_B},           {"a-label", 1, 0, O_AL},
        {"b-label", 1, 0, O_BL},    {"code", 1, 0, O_CODE},     {"set", 1, 0, O_SET},
        {"sets-dir", 1, 0, O_SETSDIR}, {"threshold", 1, 0, O_THR}, {"parents", 1, 0, O_PARENTS},
        {"map", 1, 0, O_MAP},       {"map-value", 1, 0, O_MAPV}, {"map-shapes", 1, 0, O_MAPS},
        {"map-layer", 1, 0, O_MAPL}, {"title", 1, 0, O_TITLE},  {"subtitle", 1, 0, O_SUB},
        {"source", 1, 0, O_SRC},    {"locale", 1, 0, O_LOCALE}, {"strict", 0, 0, O_STRICT},
        {"decimal", 1, 0, O_DECIMAL}, {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP},
        {"output", 1, 0, 'o'},      {0, 0, 0, 0}};
    char abuf[4096], bbuf[4096];
    int c;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_A:
        case O_B:
            if (split_src(optarg, c == O_A ? abuf : bbuf, sizeof abuf, c == O_A ? &o.a : &o.b,
                          c == O_A ? &o.a_col : &o.b_col)) {
                fprintf(stderr, "geovoice reconcile: --%s '%s': expected FILE:COLUMN\n", c == O_A ? "a" : "b", optarg);
                return 1;
            }
            break;
        case O_AL: o.a_label = optarg; break;
        case O_BL: o.b_label = optarg; break;
        case O_CODE: o.code_col = optarg; break;
        case O_SET: o.set = optarg; break;
        case O_SETSDIR: o.sets_dir = optarg; break;
        case O_THR:
            o.threshold = strtod(optarg, &end);
            if (*end || !(o.threshold > 0)) {
                fprintf(stderr, "geovoice reconcile: --threshold '%s': expected a positive number\n", optarg);
                return 1;
            }
            break;
        case O_PARENTS: o.parents_out = optarg; break;
        case O_MAP: o.map = optarg; break;
        case O_MAPV: o.map_value = optarg; break;
        case O_MAPS: o.map_shapes = optarg; break;
        case O_MAPL: o.map_layer = optarg; break;
        case O_TITLE: o.title = optarg; break;
        case O_SUB: o.subtitle = optarg; break;
        case O_SRC: o.source = optarg; break;
        case O_LOCALE: o.locale = optarg; break;
        case O_STRICT: o.strict = 1; break;
        case O_DECIMAL:
            if (gv_cli_decimal("reconcile", optarg, &o.decimal)) return 1;
            break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': o.out = optarg; break;
        case O_HELP: fputs(RC_HELP, stdout); return 0;
        default: return gv_cli_bad_option("reconcile", argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geovoice reconcile: unexpected argument '%s' (see geovoice reconcile --help)\n", argv[optind]);
        return 1;
    }
    if (!o.a || !o.b || !o.out) {
        fprintf(stderr, "geovoice reconcile: --a FILE:COLUMN, --b FILE:COLUMN and -o OUT.csv are required\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_reconcile_run(&o, gv_cli_log, NULL, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice reconcile: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
