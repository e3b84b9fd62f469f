/* cmd_crosswalk.c: `geovoice crosswalk` — options to gv_xwalk_job, then
 * gv_xwalk_job_run (job/crosswalk_job.c). */
#include "cli.h"

#include "geovoice/xwjob.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *XW_HELP =
    "usage: geovoice crosswalk --from SET --to SET TABLE.csv -o OUT.csv [options]\n"
    "\n"
    "Carries counts (population, urban, rural, ...) from the units of one boundary set to the units\n"
    "of another, e.g. 2019 census figures to the 34 provinces or 3,321 communes of 2025, and says for\n"
    "each row how it was carried. The national total before and after is printed; rows that could\n"
    "not be carried are listed with their values.\n"
    "  --from SET, --to SET  boundary sets (vn-2019, vn-2025, or manifest paths; --sets-dir DIR)\n"
    "  --method M    table: the crosswalk pairs only (an old unit in several pairs is split by the\n"
    "                areas of the new units receiving it: estimated); areal: areal interpolation of the\n"
    "                old polygons (overlap areas, renormalised over the part of each old unit that\n"
    "                overlaps a new one; estimated); combined: pairs where the row has one, else areal\n"
    "                interpolation of its parent's polygon (a 2019 commune through its district).\n"
    "                Default: combined for communes, table for provinces, areal for districts.\n"
    "  --level L     level of the table's rows (province, district, commune; default from the codes)\n"
    "  --pairs FILE  crosswalk table (default: the one the --to manifest declares for --from)\n"
    "  --pairs-old COL, --pairs-new COL, --pairs-sep SEP   its columns (old column lists split at SEP)\n"
    "  --history FILE  unit-history table (level,code,parent_code): old parents without polygon are\n"
    "                followed to the unit that absorbed them (default: declared by the manifest)\n"
    "  --code COL, --parent COL   the table's unit code and parent (district) code columns\n"
    "  --value C1,C2 the count columns to carry (default: population_total, population_urban, ...\n"
    "                whichever are present)\n"
    "  --from-shapes SRC [--from-layer L] [--from-code F], --to-shapes SRC [--to-layer L]\n"
    "                [--to-code F] [--to-name F] [--to-parent F]   polygons instead of the sets'\n"
    "  --rows FILE   every input row: how it was carried, to how many units, via which polygon\n"
    "  --uncarried FILE  only the rows not carried, with their values and the reason\n"
    "  --compare TABLE.csv [--compare-code COL] [--compare-value COL] [--compare-out FILE]\n"
    "                a second estimate: TABLE carried by areal interpolation of its own units (e.g.\n"
    "                the 2019 districts) to the same units, compared per unit and per parent; the\n"
    "                largest differences are printed, all of them written to --compare-out\n"
    "  --threads N   threads for the overlaps (default 2)\n"
    "  --decimal .|,  decimal separator of the table (default: detected per column)\n"
    "  -o OUT.csv    code, name, [parent,] the carried columns, method, estimated, sources\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input data, 3 output not written, 4 internal error.\n";

int gv_cli_crosswalk(int argc, char **argv) {
    gv_xwalk_job j;
    gv_xwalk_job_init(&j);
    enum {
        O_FROM = 1000, O_TO, O_SETSDIR, O_METHOD, O_LEVEL, O_PAIRS, O_POLD, O_PNEW, O_PSEP, O_HIST, O_CODE, O_PARENT,
        O_VALUE, O_FSHAPES, O_FLAYER, O_FCODE, O_TSHAPES, O_TLAYER, O_TCODE, O_TNAME, O_TPARENT, O_ROWS, O_UNCARRIED,
        O_COMPARE, O_CCODE, O_CVALUE, O_COUT, O_THREADS, O_DECIMAL, O_QUIET, O_HELP
    };
    static const struct option opts[] = {
        {"from", 1, 0, O_FROM},          {"to", 1, 0, O_TO},                 {"sets-dir", 1, 0, O_SETSDIR},
        {"method", 1, 0, O_METHOD},      {"level", 1, 0, O_LEVEL},           {"pairs", 1, 0, O_PAIRS},
        {"pairs-old", 1, 0, O_POLD},     {"pairs-new", 1, 0, O_PNEW},        {"pairs-sep", 1, 0, O_PSEP},
        {"history", 1, 0, O_HIST},       {"code", 1, 0, O_CODE},             {"parent", 1, 0, O_PARENT},
        {"value", 1, 0, O_VALUE},        {"from-shapes", 1, 0, O_FSHAPES},   {"from-layer", 1, 0, O_FLAYER},
        {"from-code", 1, 0, O_FCODE},    {"to-shapes", 1, 0, O_TSHAPES},     {"to-layer", 1, 0, O_TLAYER},
        {"to-code", 1, 0, O_TCODE},      {"to-name", 1, 0, O_TNAME},         {"to-parent", 1, 0, O_TPARENT},
        {"rows", 1, 0, O_ROWS},          {"uncarried", 1, 0, O_UNCARRIED},   {"compare", 1, 0, O_COMPARE},
        {"compare-code", 1, 0, O_CCODE}, {"compare-value", 1, 0, O_CVALUE},  {"compare-out", 1, 0, O_COUT},
        {"threads", 1, 0, O_THREADS},    {"decimal", 1, 0, O_DECIMAL},       {"quiet", 0, 0, O_QUIET},
        {"help", 0, 0, O_HELP},          {"output", 1, 0, 'o'},              {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_FROM: j.from_set = optarg; break;
        case O_TO: j.to_set = optarg; break;
        case O_SETSDIR: j.sets_dir = optarg; break;
        case O_METHOD: j.method = optarg; break;
        case O_LEVEL: j.level = optarg; break;
        case O_PAIRS: j.pairs = optarg; break;
        case O_POLD: j.pairs_old = optarg; break;
        case O_PNEW: j.pairs_new = optarg; break;
        case O_PSEP: j.pairs_sep = optarg; break;
        case O_HIST: j.history = optarg; break;
        case O_CODE: j.code_col = optarg; break;
        case O_PARENT: j.parent_col = optarg; break;
        case O_VALUE: j.values = optarg; break;
        case O_FSHAPES: j.from_shapes = optarg; break;
        case O_FLAYER: j.from_layer = optarg; break;
        case O_FCODE: j.from_code = optarg; break;
        case O_TSHAPES: j.to_shapes = optarg; break;
        case O_TLAYER: j.to_layer = optarg; break;
        case O_TCODE: j.to_code = optarg; break;
        case O_TNAME: j.to_name = optarg; break;
        case O_TPARENT: j.to_parent = optarg; break;
        case O_ROWS: j.rows_report = optarg; break;
        case O_UNCARRIED: j.uncarried_report = optarg; break;
        case O_COMPARE: j.compare = optarg; break;
        case O_CCODE: j.compare_code = optarg; break;
        case O_CVALUE: j.compare_value = optarg; break;
        case O_COUT: j.compare_out = optarg; break;
        case O_THREADS:
            j.threads = (int)strtol(optarg, &end, 10);
            if (*end || j.threads < 1 || j.threads > 64) {
                fprintf(stderr, "geovoice crosswalk: --threads '%s': expected 1-64\n", optarg);
                return 1;
            }
            break;
        case O_DECIMAL:
            if (gv_cli_decimal("crosswalk", optarg, &j.decimal)) return 1;
            break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': j.output = optarg; break;
        case O_HELP: fputs(XW_HELP, stdout); return 0;
        default: return gv_cli_bad_option("crosswalk", argv);
        }
    }
    if (optind < argc) j.data = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "geovoice crosswalk: unexpected argument '%s' (one TABLE.csv; see --help)\n", argv[optind]);
        return 1;
    }
    if (!j.data || !j.output) {
        fprintf(stderr, "geovoice crosswalk: TABLE.csv and -o OUT.csv are required (see geovoice crosswalk --help)\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_xwalk_job_run(&j, gv_cli_log, NULL, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice crosswalk: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
