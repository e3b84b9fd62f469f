/* cmd_check.c: `geovoice check SRC...` — options to gv_check_options, then
 * gv_check_run; prints the report (text or --json) to stdout. */
#include "cli.h"

#include "geovoice/check.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *CHECK_HELP =
    "usage: geovoice check [options] SRC...\n"
    "\n"
    "Inspects boundary sources (any GDAL/OGR vector source: .gpkg, .shp, .geojson...) and tables (.csv, .tsv,\n"
    ".txt) and prints what is wrong or was repaired:\n"
    "  boundaries: driver, layers, feature count, text encoding (UTF-8, CP1258, TCVN3, VNI; a wrong .cpg,\n"
    "    mixed encodings), CRS and extent sanity (swapped lat/lon, VN-2000 metres read\n"
    "    as degrees, no CRS), invalid/empty/NULL/repaired geometries per feature (FID, code, name), duplicate\n"
    "    codes, duplicate names within a parent;\n"
    "  tables: every reading problem (file, row, column, what was done), and with --shapes/--join the join\n"
    "    coverage: units matched, units without data, rows without unit, ambiguous rows, name mismatches.\n"
    "Options:\n"
    "  --layer NAME          boundary sources: check only this layer (default: every layer)\n"
    "  --code F, --name F, --parent F   boundary fields (default: guessed from code/ma, name/ten,\n"
    "                        province_code/prov_code/parent_code/ma_tinh); '' for none\n"
    "  --shapes SRC [--shapes-layer NAME] --join FIELD=COLUMN [--match name] [--join-parent F=C]\n"
    "                        join every table to this boundary set and report the coverage\n"
    "  --decimal .|,         number format of the tables (default: detected per column)\n"
    "  --encoding NAME       text encoding of the boundary layers: utf-8, cp1258, tcvn3, tcvn3-caps (TCVN3 in\n"
    "                        a capital font), vni (default: detected from the bytes, .cpg checked against them)\n"
    "  --max N               list at most N items per section in the text report (default 20)\n"
    "  --json                print the report as JSON instead of text\n"
    "Exit codes: 0 no problem found, 2 problems found, 1 usage error, 4 internal error.\n";

int gv_cli_check(int argc, char **argv) {
    gv_check_options o;
    gv_check_options_init(&o);
    int json = 0;
    enum { O_LAYER = 1000, O_CODE, O_NAME, O_PARENT, O_SHAPES, O_SLAYER, O_JOIN, O_MATCH, O_JPARENT, O_DECIMAL,
           O_MAX, O_JSON, O_HELP, O_QUIET, O_ENCODING };
    static const struct option opts[] = {
        {"layer", 1, 0, O_LAYER}, {"code", 1, 0, O_CODE}, {"name", 1, 0, O_NAME}, {"parent", 1, 0, O_PARENT},
        {"shapes", 1, 0, O_SHAPES}, {"shapes-layer", 1, 0, O_SLAYER}, {"join", 1, 0, O_JOIN},
        {"match", 1, 0, O_MATCH}, {"join-parent", 1, 0, O_JPARENT}, {"decimal", 1, 0, O_DECIMAL},
        {"max", 1, 0, O_MAX}, {"json", 0, 0, O_JSON}, {"encoding", 1, 0, O_ENCODING}, {"help", 0, 0, O_HELP}, {"quiet", 0, 0, O_QUIET},
        {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        switch (c) {
        case O_LAYER: o.layer = optarg; break;
        case O_CODE: o.code_field = optarg; break;
        case O_NAME: o.name_field = optarg; break;
        case O_PARENT: o.parent_field = optarg; break;
        case O_SHAPES: o.shapes = optarg; break;
        case O_SLAYER: o.shapes_layer = optarg; break;
        case O_JOIN: o.join = optarg; break;
        case O_JPARENT: o.join_parent = optarg; break;
        case O_MATCH:
            if (strcmp(optarg, "name") && strcmp(optarg, "code")) {
                fprintf(stderr, "geovoice check: --match '%s': expected name or code\n", optarg);
                return 1;
            }
            o.match_name = !strcmp(optarg, "name");
            break;
        case O_DECIMAL:
            if (gv_cli_decimal("check", optarg, &o.decimal)) return 1;
            break;
        case O_MAX:
            o.max_listed = (size_t)strtoul(optarg, &end, 10);
            if (*end || !*optarg || o.max_listed == 0) {
                fprintf(stderr, "geovoice check: --max '%s': expected a positive number\n", optarg);
                return 1;
            }
            break;
        case O_JSON: json = 1; break;
        case O_ENCODING: o.encoding = optarg; break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case O_HELP: fputs(CHECK_HELP, stdout); return 0;
        default: return gv_cli_bad_option("check", argv);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "geovoice check: no source given (see geovoice check --help)\n");
        return 1;
    }
    o.sources = (const char *const *)(argv + optind);
    o.nsources = (size_t)(argc - optind);
    gv_error err;
    gv_error_clear(&err);
    gv_check_report *r = NULL;
    int rc = gv_check_run(&o, &r, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice check: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    const char *text = json ? gv_check_json(r) : gv_check_text(r);
    int ok = fputs(text, stdout) >= 0 && (!json || fputc('\n', stdout) != EOF) && fflush(stdout) == 0;
    int code = !ok ? 3 : gv_check_nproblems(r) ? 2 : 0;
    gv_check_report_free(r);
    return code;
}
