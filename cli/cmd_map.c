/* cmd_map.c: `geovoice map` — options to gv_map_options, then gv_map_run. */
#include "cli.h"

#include "geovoice/mapjob.h"
#include "geovoice/render.h" /* GV_PANELS_MAX */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *MAP_HELP =
    "usage: geovoice map --shapes SRC [--layer NAME] [--where SQL] --data TABLE.csv --join FIELD=COLUMN\n"
    "                    [--match name] --value EXPR [--classify METHOD[:K]] [--palette NAME] [-r]\n"
    "                    [--title TEXT] [--subtitle TEXT] [--source TEXT] [--date TEXT] [--legend-title TEXT]\n"
    "                    [--dpi N] [--size a4|a3|a5|WxHmm] [--landscape] [--locale vi|en] [--decimals N]\n"
    "                    [--allow-duplicates sum|first|mean] [--decimal .|,] [--strict] [--no-insets]\n"
    "                    [--join-report FILE.csv] [--report FILE.json] [--quiet] -o OUT.png|OUT.pdf|OUT.svg\n"
    "                    [--encoding utf-8|cp1258|tcvn3|tcvn3-caps|vni]\n"
    "                    [--mode choropleth|diverging|categorical|dots] [--center VALUE|national]\n"
    "                    [--categories FILE|A,B,C] [--top N] [--other-label TEXT]\n"
    "                    [--dots COL[=Label],... --dot-value N] [--dot-size MM] [--seed N]\n"
    "                    [--labels FIELD [--label-halo] [--label-size PT]] [--north-arrow]\n"
    "                    [--context SRC [--context-layer NAME] [--context-where SQL]] [--locator]\n"
    "                    [--author TEXT] [--subject TEXT] [--keywords TEXT]\n"
    "                    [--mode symbols [--symbol-size MM] [--symbol-scale VALUE]]\n"
    "                    [--mode bivariate --value2 EXPR [--legend-title2 TEXT]]\n"
    "                    [--mode multiples --panel EXPR[=Title] --panel EXPR[=Title]...]\n"
    "\n"
    "Draws a choropleth of the units of SRC (any GDAL/OGR vector source) coloured by EXPR computed from\n"
    "the CSV table joined to them.\n"
    "  --join FIELD=COLUMN   boundary field = table column (codes: 1, 01 and 1.0 are equal; when both\n"
    "                        sides carry a name, every code whose names disagree is reported)\n"
    "  --match name          join by Vietnamese name instead of code (NFC, tone placement, type prefixes,\n"
    "                        then diacritic-free as a last resort; ambiguous names are reported, never guessed)\n"
    "  --join-parent F=C     for name joins: restrict candidates to the same parent code\n"
    "  --value EXPR          a column or arithmetic of columns and built-ins: population_total/@area_km2\n"
    "                        (@area_km2 = geodesic area of the unit). Empty cells and zero denominators\n"
    "                        give 'no data' (errors with --strict)\n"
    "  --classify M[:K]      quantile (default, K=5), equal, jenks (exact Fisher-Jenks), manual:0,50,100\n"
    "  --palette NAME        a ColorBrewer scheme (YlOrRd default, Blues, RdBu, ...); -r reverses it\n"
    "  --size, --landscape   page (A4 portrait default); PNG pixels = mm x dpi / 25.4\n"
    "  --dpi N               PNG resolution (default 300)\n"
    "  --locale vi|en        number format and legend words (vi: 1.234,5)\n"
    "  --report FILE.json    machine-readable account of the run (inputs, join, values, classes, timings)\n"
    "  --join-report F.csv   every unmatched, ambiguous or mismatched row/unit with the reason\n"
    "  --no-insets           do not draw the Hoang Sa / Truong Sa inset frames\n"
    "  --encoding NAME       text encoding of the boundaries' attributes: utf-8, cp1258, tcvn3, tcvn3-caps\n"
    "                        (TCVN3 in a capital font), vni. Default: detected from the bytes (a .cpg that\n"
    "                        contradicts them is reported); mixed or unknown encodings are errors\n"
    "Maps of distributions:\n"
    "  --center VALUE|national  diverging map (palette RdBu by default) with classes split at VALUE, which is\n"
    "                        always a class edge (quantile/jenks: each side on its own, k/2 classes below;\n"
    "                        equal: symmetric widths; manual: edges must include it). national = EXPR over\n"
    "                        the sums of its columns over the mapped units (e.g. the national urban share)\n"
    "  --mode categorical    --value is a text column; qualitative palette (Set3 default). Category i of the\n"
    "                        ordered list gets colour i: the list is --categories (stable across maps), else\n"
    "                        the column's values over the whole table, most rows first, then by name.\n"
    "                        More categories than colours (or --top N): the first N-1 coloured, the rest 'other'\n"
    "  --mode dots           one dot per --dot-value persons of each --dots column (Set1 default), dots per\n"
    "                        unit = round half up of persons/N, random inside the unit, seeded by unit code,\n"
    "                        column and --seed (same inputs, same dots)\n"
    "  --mode symbols        a circle per unit at its pole of inaccessibility, its area proportional to --value\n"
    "                        (a count), drawn largest first; legend of 3 round reference sizes. --symbol-size MM:\n"
    "                        diameter of the largest (or of --symbol-scale VALUE, to compare maps)\n"
    "  --mode bivariate      --value and --value2 in 3 x 3 classes (--classify, default quantile:3 each),\n"
    "                        --palette stevens-dkblue (default) or stevens-grpink, square legend whose axes are\n"
    "                        --legend-title and --legend-title2\n"
    "  --mode multiples      one small map per --panel EXPR[=Title] (2-12; e.g. one per year) on one page, all\n"
    "                        with the same classes (computed over every panel's values) and one legend\n"
    "Finishing a map:\n"
    "  --labels FIELD        the unit's name (a boundary field, e.g. name_short) inside each unit, at its pole\n"
    "                        of inaccessibility; a label that does not fit inside its unit, or would touch\n"
    "                        another label, the legend or an inset, is moved or dropped (the run report's\n"
    "                        'labels' lists each unit's outcome). --label-halo: white halo; --label-size PT\n"
    "  --north-arrow         a north arrow (true north at the map's centre)\n"
    "  --context SRC         units of SRC (e.g. the provinces) drawn in grey behind the map, e.g. around one\n"
    "                        province shown with --where; the map frame then fills the page\n"
    "  --locator             a small map of the whole country (--context, else --shapes without --where)\n"
    "                        with the mapped units in red\n"
    "  --author, --subject, --keywords   PDF metadata (title = --title; subject defaults to --subtitle)\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input data, 3 output not written, 4 internal error.\n";

int gv_cli_map(int argc, char **argv) {
    gv_map_options o;
    gv_map_options_init(&o);
    enum {
        O_SHAPES = 1000, O_LAYER, O_WHERE, O_DATA, O_JOIN, O_MATCH, O_VALUE, O_CLASSIFY, O_PALETTE, O_TITLE,
        O_SUBTITLE, O_SOURCE, O_DATE, O_LEGEND, O_DPI, O_SIZE, O_LANDSCAPE, O_LOCALE, O_DECIMALS, O_DUP,
        O_DECIMAL, O_STRICT, O_NOINSETS, O_JOINREP, O_REPORT, O_QUIET, O_HELP, O_THREADS, O_JPARENT,
        O_MODE, O_CATEGORIES, O_TOP, O_OTHER, O_DOTS, O_DOTVALUE, O_DOTSIZE, O_SEED, O_CENTER,
        O_LABELS, O_HALO, O_LABELSIZE, O_CONTEXT, O_CTXLAYER, O_CTXWHERE, O_LOCATOR, O_NORTH, O_AUTHOR,
        O_SUBJECT, O_KEYWORDS, O_SYMSIZE, O_SYMSCALE, O_VALUE2, O_LEGEND2, O_PANEL, O_ENCODING
    };
    static const struct option opts[] = {
        {"shapes", 1, 0, O_SHAPES}, {"layer", 1, 0, O_LAYER}, {"where", 1, 0, O_WHERE}, {"data", 1, 0, O_DATA},
        {"join", 1, 0, O_JOIN}, {"match", 1, 0, O_MATCH}, {"value", 1, 0, O_VALUE}, {"classify", 1, 0, O_CLASSIFY},
        {"palette", 1, 0, O_PALETTE}, {"reverse", 0, 0, 'r'}, {"title", 1, 0, O_TITLE},
        {"subtitle", 1, 0, O_SUBTITLE}, {"source", 1, 0, O_SOURCE}, {"date", 1, 0, O_DATE},
        {"legend-title", 1, 0, O_LEGEND}, {"dpi", 1, 0, O_DPI}, {"size", 1, 0, O_SIZE},
        {"landscape", 0, 0, O_LANDSCAPE}, {"locale", 1, 0, O_LOCALE}, {"decimals", 1, 0, O_DECIMALS},
        {"allow-duplicates", 1, 0, O_DUP}, {"decimal", 1, 0, O_DECIMAL}, {"strict", 0, 0, O_STRICT},
        {"no-insets", 0, 0, O_NOINSETS}, {"join-report", 1, 0, O_JOINREP}, {"report", 1, 0, O_REPORT},
        {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP}, {"output", 1, 0, 'o'}, {"threads", 1, 0, O_THREADS},
        {"join-parent", 1, 0, O_JPARENT}, {"mode", 1, 0, O_MODE}, {"categories", 1, 0, O_CATEGORIES},
        {"top", 1, 0, O_TOP}, {"other-label", 1, 0, O_OTHER}, {"dots", 1, 0, O_DOTS}, {"dot-value", 1, 0, O_DOTVALUE},
        {"dot-size", 1, 0, O_DOTSIZE}, {"seed", 1, 0, O_SEED}, {"center", 1, 0, O_CENTER},
        {"labels", 1, 0, O_LABELS}, {"label-halo", 0, 0, O_HALO}, {"label-size", 1, 0, O_LABELSIZE},
        {"context", 1, 0, O_CONTEXT}, {"context-layer", 1, 0, O_CTXLAYER}, {"context-where", 1, 0, O_CTXWHERE},
        {"locator", 0, 0, O_LOCATOR}, {"north-arrow", 0, 0, O_NORTH}, {"author", 1, 0, O_AUTHOR},
        {"subject", 1, 0, O_SUBJECT}, {"keywords", 1, 0, O_KEYWORDS}, {"symbol-size", 1, 0, O_SYMSIZE},
        {"symbol-scale", 1, 0, O_SYMSCALE}, {"value2", 1, 0, O_VALUE2}, {"legend-title2", 1, 0, O_LEGEND2},
        {"panel", 1, 0, O_PANEL}, {"encoding", 1, 0, O_ENCODING}, {0, 0, 0, 0}};
    static const char *panels[GV_PANELS_MAX + 1];
    int c;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((c = getopt_long(argc, argv, "o:rq", opts, NULL)) != -1) {
        switch (c) {
        case O_SHAPES: o.shapes = optarg; break;
        case O_LAYER: o.layer = optarg; break;
        case O_WHERE: o.where = optarg; break;
        case O_DATA: o.data = optarg; break;
        case O_JOIN: o.join = optarg; break;
        case O_JPARENT: o.join_parent = optarg; break;
        case O_MATCH:
            if (strcmp(optarg, "name") && strcmp(optarg, "code")) {
                fprintf(stderr, "geovoice map: --match '%s': expected name or code\n", optarg);
                return 1;
            }
            o.match_name = !strcmp(optarg, "name");
            break;
        case O_VALUE: o.value = optarg; break;
        case O_CLASSIFY: o.classify = optarg; break;
        case O_PALETTE: o.palette = optarg; break;
        case 'r': o.reverse = 1; break;
        case O_TITLE: o.title = optarg; break;
        case O_SUBTITLE: o.subtitle = optarg; break;
        case O_SOURCE: o.source = optarg; break;
        case O_DATE: o.date = optarg; break;
        case O_LEGEND: o.legend_title = optarg; break;
        case O_DPI:
            o.dpi = strtod(optarg, &end);
            if (*end || o.dpi <= 0) { fprintf(stderr, "geovoice map: --dpi '%s': expected a positive number\n", optarg); return 1; }
            break;
        case O_SIZE: o.size = optarg; break;
        case O_LANDSCAPE: o.landscape = 1; break;
        case O_LOCALE: o.locale = optarg; break;
        case O_DECIMALS:
            o.decimals = (int)strtol(optarg, &end, 10);
            if (*end || o.decimals < 0 || o.decimals > 9) { fprintf(stderr, "geovoice map: --decimals '%s': expected 0-9\n", optarg); return 1; }
            break;
        case O_DUP: o.allow_duplicates = optarg; break;
        case O_DECIMAL:
            if (gv_cli_decimal("map", optarg, &o.decimal)) return 1;
            break;
        case O_STRICT: o.strict = 1; break;
        case O_NOINSETS: o.no_insets = 1; break;
        case O_JOINREP: o.join_report = optarg; break;
        case O_REPORT: o.report = optarg; break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case O_THREADS: o.threads = atoi(optarg); break;
        case 'o': o.out = optarg; break;
        case O_MODE: o.mode = optarg; break;
        case O_CATEGORIES: o.categories = optarg; break;
        case O_OTHER: o.other_label = optarg; break;
        case O_DOTS: o.dots = optarg; break;
        case O_CENTER: o.center = optarg; break;
        case O_ENCODING: o.encoding = optarg; break;
        case O_TOP:
            o.top = (int)strtol(optarg, &end, 10);
            if (*end || o.top < 2) { fprintf(stderr, "geovoice map: --top '%s': expected a whole number >= 2\n", optarg); return 1; }
            break;
        case O_DOTVALUE:
            o.dot_value = strtod(optarg, &end);
            if (*end || !(o.dot_value > 0)) { fprintf(stderr, "geovoice map: --dot-value '%s': expected persons per dot (> 0)\n", optarg); return 1; }
            break;
        case O_DOTSIZE:
            o.dot_size = strtod(optarg, &end);
            if (*end || !(o.dot_size > 0) || o.dot_size > 20) { fprintf(stderr, "geovoice map: --dot-size '%s': expected a diameter in mm (0-20)\n", optarg); return 1; }
            break;
        case O_SEED:
            o.seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) { fprintf(stderr, "geovoice map: --seed '%s': expected a whole number\n", optarg); return 1; }
            break;
        case O_LABELS: o.labels = optarg; break;
        case O_HALO: o.label_halo = 1; break;
        case O_LABELSIZE:
            o.label_size = strtod(optarg, &end);
            if (*end || !(o.label_size >= 2 && o.label_size <= 72)) { fprintf(stderr, "geovoice map: --label-size '%s': expected points (2-72)\n", optarg); return 1; }
            break;
        case O_CONTEXT: o.context = optarg; break;
        case O_CTXLAYER: o.context_layer = optarg; break;
        case O_CTXWHERE: o.context_where = optarg; break;
        case O_LOCATOR: o.locator = 1; break;
        case O_NORTH: o.north_arrow = 1; break;
        case O_AUTHOR: o.author = optarg; break;
        case O_SUBJECT: o.subject = optarg; break;
        case O_KEYWORDS: o.keywords = optarg; break;
        case O_SYMSIZE:
            o.symbol_size = strtod(optarg, &end);
            if (*end || !(o.symbol_size > 0 && o.symbol_size <= 200)) { fprintf(stderr, "geovoice map: --symbol-size '%s': expected a diameter in mm (0-200)\n", optarg); return 1; }
            break;
        case O_SYMSCALE:
            o.symbol_scale = strtod(optarg, &end);
            if (*end || !(o.symbol_scale > 0)) { fprintf(stderr, "geovoice map: --symbol-scale '%s': expected a positive value\n", optarg); return 1; }
            break;
        case O_VALUE2: o.value2 = optarg; break;
        case O_LEGEND2: o.legend_title2 = optarg; break;
        case O_PANEL:
            if (o.npanels == GV_PANELS_MAX) { fprintf(stderr, "geovoice map: at most %d --panel\n", GV_PANELS_MAX); return 1; }
            panels[o.npanels++] = optarg;
            o.panels = panels;
            break;
        case O_HELP: fputs(MAP_HELP, stdout); return 0;
        default: return gv_cli_bad_option("map", argv);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geovoice map: unexpected argument '%s' (see geovoice map --help)\n", argv[optind]);
        return 1;
    }
    gv_error err;
    gv_error_clear(&err);
    int rc = gv_map_run(&o, gv_cli_log, NULL, &err);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice map: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
