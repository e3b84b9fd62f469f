/* main.c: the `geovoice` program: dispatches to one verb (cli/cmd_*.c).
 * Parses nothing itself; prints the library's errors and maps them to exit
 * codes. The only part of the project allowed to call exit(). */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int gv_cli_quiet;

int gv_cli_exit_code(int rc) {
    switch (rc) {
    case GV_OK: return 0;
    case GV_EUSAGE: return 1;
    case GV_EDATA: return 2;
    case GV_EOUTPUT: return 3;
    default: return 4;
    }
}

void gv_cli_log(void *ctx, const char *line) {
    (void)ctx;
    if (!gv_cli_quiet) fprintf(stderr, "%s\n", line);
}

int gv_cli_decimal(const char *verb, const char *arg, char *out) {
    if (strcmp(arg, ".") && strcmp(arg, ",")) {
        fprintf(stderr, "geovoice %s: --decimal '%s': expected . or ,\n", verb, arg);
        return 1;
    }
    *out = arg[0];
    return 0;
}

int gv_cli_bad_option(const char *verb, char **argv) {
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (optopt && !(arg[0] == '-' && arg[1] == '-'))
        fprintf(stderr, "geovoice %s: option -%c: unknown or missing its value (geovoice %s --help lists the options)\n",
                verb, optopt, verb);
    else
        fprintf(stderr, "geovoice %s: '%s': unknown option or missing its value (geovoice %s --help lists the options)\n",
                verb, arg, verb);
    return 1;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} VERBS[] = {
    {"map", gv_cli_map, "draw a choropleth of boundary units joined to a table (PNG, PDF, SVG)"},
    {"check", gv_cli_check, "inspect boundary sources and tables: geometries, CRS, codes, table problems, join coverage"},
    {"stats", gv_cli_stats, "urban-rural and ethnic indicators per unit, rolled up to province, region, nation"},
    {"reconcile", gv_cli_reconcile, "compare two sources of a figure per unit: differences, shares, robust z-scores, map"},
    {"crosswalk", gv_cli_crosswalk, "carry counts from the units of one boundary set to another (2019 -> 2025)"},
    {"atlas", gv_cli_atlas, "an atlas from a YAML spec: multi-page PDF with contents and bookmarks, a PNG per page"},
    {"synth", gv_cli_synth, "seeded synthetic opinion records and intermediary reports (labelled synthetic)"},
    {"opinions", gv_cli_opinions, "voters' opinions: ingest into a SpatiaLite workspace, aggregate per unit, channel divergence"},
};

static void usage(FILE *f) {
    fputs("usage: geovoice VERB [options]   (geovoice VERB --help for each)\nverbs:\n", f);
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        fprintf(f, "  %-12s %s\n", VERBS[i].name, VERBS[i].summary);
}

/* Outputs are written to OUT.tmp.PID and renamed into place (the library
 * does that); a run stopped by a signal (Ctrl-C, a scheduler's kill)
 * removes its temporary files on the way out, so nothing half-written is
 * left beside the outputs. The names are made before the handler is
 * installed: it only calls unlink(), signal() and raise(). */
enum { MAX_TMP = 16 };
static char tmp_names[MAX_TMP][4200];
static int ntmp;

static void on_signal(int sig) {
    for (int i = 0; i < ntmp; i++) unlink(tmp_names[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void note_output(const char *path) {
    if (!path || !*path || !strcmp(path, "-")) return;
    static const char *const SUFFIX[] = {"", ".gpkg"};
    for (int k = 0; k < 2 && ntmp < MAX_TMP; k++)
        snprintf(tmp_names[ntmp++], sizeof tmp_names[0], "%s.tmp.%ld%s", path, (long)getpid(), SUFFIX[k]);
}

static void guard_outputs(int argc, char **argv) {
    static const char *const OPTS[] = {"-o", "--output", "--report", "--join-report", "--rejects", NULL};
    for (int i = 1; i < argc; i++)
        for (int k = 0; OPTS[k]; k++) {
            size_t n = strlen(OPTS[k]);
            if (!strcmp(argv[i], OPTS[k]) && i + 1 < argc) note_output(argv[i + 1]);
            else if (!strncmp(argv[i], OPTS[k], n) && argv[i][n] == '=') note_output(argv[i] + n + 1);
        }
    if (!ntmp) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    guard_outputs(argc, argv);
    for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
        if (!strcmp(argv[1], VERBS[i].name)) return VERBS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "geovoice: unknown verb '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
