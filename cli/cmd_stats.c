/* cmd_stats.c: `geovoice stats urban-rural|ethnic` — options to
 * gv_stats_options, then gv_stats_run (job/stats_job.c). */
#include "cli.h"

#include "geovoice/statsjob.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *STATS_HELP =
    "usage: geovoice stats urban-rural --data POP.csv [--level LEVEL] [--set NAME] [--sets-dir DIR]\n"
    "                                  [--groups FILE] [--expect-total N] [--strict] -o OUT.csv|OUT.gpkg\n"
    "       geovoice stats ethnic --data ETHNIC.csv [--level LEVEL] [--keep G1,G2,...] [same options] -o OUT\n"
    "\n"
    "Indicators per unit from counts summed up the unit hierarchy of a boundary set (shares are\n"
    "recomputed from the sums, never averaged).\n"
    "  urban-rural   table: code, population (or population_total), urban, rural; gives population,\n"
    "                urban, rural, urban_share, rural_share, urban_rural_ratio, area_km2 (geodesic,\n"
    "                of the set's polygons), density. Rows where urban + rural != population are\n"
    "                reported with their code.\n"
    "  ethnic        long table: code, group, population; gives the share of each group, share_other,\n"
    "                dominant_group, minority_share (1 - Kinh), simpson (1 - sum p^2), shannon\n"
    "                (-sum p ln p). A group absent from a unit's rows is 'under 0.05% / not listed',\n"
    "                never 0; an 'Other' row counts as one group, so the indices are lower bounds.\n"
    "  --level L     province (default), region, nation, district, commune (the table's rows may be\n"
    "                of that level or finer: their codes' width says which)\n"
    "  --set NAME    boundary set (default vn-2019; vn-2025; or a manifest path)\n"
    "  --sets-dir D  directories with more NAME.yaml manifests (also GEOVOICE_SETS)\n"
    "  --groups F    grouping CSV (code,group) for --level region; vn-2019 carries the 6 regions,\n"
    "                vn-2025 has none, so there it is required\n"
    "  --keep G,...  ethnic: groups kept as share columns; the others are summed into share_other\n"
    "  --expect-total N  published national population to check the table's total against\n"
    "                (default: the set's published_population, if any)\n"
    "  --strict      inconsistent rows, rows carried to no unit and a total that differs are errors\n"
    "  -o OUT        .csv (UTF-8, names NFC) or .gpkg (EPSG:4326 polygons + the same fields)\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input data, 3 output not written, 4 internal error.\n";

int gv_cli_stats(int argc, char **argv) {
    gv_stats_options o;
    gv_stats_options_init(&o);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(STATS_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (!strcmp(argv[1], "urban-rural")) o.kind = GV_STATS_URBAN_RURAL;
    else if (!strcmp(argv[1], "ethnic")) o.kind = GV_STATS_ETHNIC;
    else {
        fprintf(stderr, "geovoice stats: unknown indicator '%s' (urban-rural or ethnic)\n", argv[1]);
        return 1;
    }
    enum { O_DATA = 1000, O_LEVEL, O_SET, O_SETSDIR, O_GROUPS, O_KEEP, O_EXPECT, O_STRICT, O_DECIMAL, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"data", 1, 0, O_DATA},       {"level", 1, 0, O_LEVEL},   {"set", 1, 0, O_SET},
        {"sets-dir", 1, 0, O_SETSDIR}, {"groups", 1, 0, O_GROUPS}, {"keep", 1, 0, O_KEEP},
        {"expect-total", 1, 0, O_EXPECT}, {"strict", 0, 0, O_STRICT}, {"decimal", 1, 0, O_DECIMAL},
        {"quiet", 0, 0, O_QUIET},     {"help", 0, 0, O_HELP},     {"output", 1, 0, 'o'},
        {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    argc--, argv++; /* argv[0] is now the indicator */
    while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: o.data = optarg; break;
        case O_LEVEL: o.level = optarg; break;
        case O_SET: o.set = optarg; break;
        case O_SETSDIR: o.sets_dir = optarg; break;
        case O_GROUPS: o.groups = optarg; break;
        case O_KEEP: o.keep = optarg; break;
        case O_EXPECT:
            o.expect_total = strtod(optarg, &end);
            if (*end || !(o.expect_total > 0)) {
                fprintf(stderr, "geovoice stats: --expect-total '%s': expected a positive number\n", optarg);
                return 1;
            }
            break;
        case O_STRICT: o.strict = 1; break;
        case O_DECIMAL:
            if (gv_cli_decimal("stats", optarg, &o.decimal)) return 1;
            break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case 'o': o.out = optarg; break;
        case O_HELP: fputs(STATS_HELP, stdout); return 0;
        default: return gv_cli_bad_option("stats", argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geovoice stats: unexpected argument '%s' (see geovoice stats --help)\n", argv[optind]);
        return 1;
    }
    if (!o.data || !o.out) {
        fprintf(stderr, "geovoice stats: --data and -o are required (see geovoice stats --help)\n");
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_stats_run(&o, gv_cli_log, NULL, NULL, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice stats: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
