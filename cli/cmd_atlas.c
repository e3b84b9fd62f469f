/* cmd_atlas.c: `geovoice atlas SPEC.yaml` — options to gv_atlas_options,
 * progress on stderr (a bar on a terminal, a line per page otherwise), and
 * the two fault-injection switches the tests use to make a crash and a
 * held lock happen at a known point instead of at a moment chosen by
 * timing. */
#include "cli.h"

#include "geovoice/atlas.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *ATLAS_HELP =
    "usage: geovoice atlas SPEC.yaml [-o DIR] [--jobs N] [--force] [--formats pdf|png|pdf,png]\n"
    "                      [--sets-dir DIR] [--wait] [--quiet]\n"
    "\n"
    "Draws the atlas a YAML spec describes (examples/atlas_vn2025.yaml; every key is documented in\n"
    "include/geovoice/atlas.h): a national page and a page per province (or region) for each indicator,\n"
    "written to the output folder as atlas.pdf (contents page, a bookmark per page), pages/ID.pdf and\n"
    "pages/ID.png (ID = CODE-INDICATOR, e.g. 79-dien-tich-xa) and manifest.json (each page's inputs'\n"
    "SHA-256 and its files).\n"
    "  -o DIR            output folder (default: the spec's 'output', relative to the spec)\n"
    "  --jobs N          pages drawn at once (threads; default 1). The output is the same for any N\n"
    "  --force           draw every page again (default: only pages whose inputs or definition changed;\n"
    "                    an unchanged re-run does nothing and says so)\n"
    "  --formats F       pdf, png or pdf,png: overrides the spec's 'formats'\n"
    "  --sets-dir DIR    more directories (':'-separated) to look for boundary sets in\n"
    "  --wait            when another run is writing the same folder, wait for it (default: exit 3)\n"
    "  --quiet, -q       no progress and no log lines (errors are still printed)\n"
    "The folder is built beside the old one (DIR.new-PID) and swapped in at the end: a run that is killed\n"
    "leaves the previous atlas complete. DIR.lock keeps two runs apart. A failing page does not stop the\n"
    "others: they are written, the failures are listed, and the exit code is not 0.\n"
    "Testing (fault injection): --fault-abort-after N  abort() after N pages are drawn;\n"
    "  --fault-hold-lock FILE  once the lock is held, create FILE.held and wait until FILE exists.\n"
    "Exit codes: 0 ok, 1 usage or spec error, 2 bad input data (or failed pages), 3 output not written\n"
    "(or the folder is locked by another run), 4 internal error.\n";

typedef struct cli_ctx {
    int tty;
    long abort_after;
    const char *hold;
    time_t start;
    int bar_shown;
} cli_ctx;

static void clear_bar(cli_ctx *c) {
    if (c->bar_shown) {
        fputs("\r\033[K", stderr);
        c->bar_shown = 0;
    }
}

static void atlas_log(void *ctx, const char *line) {
    cli_ctx *c = ctx;
    if (gv_cli_quiet) return;
    clear_bar(c);
    fprintf(stderr, "%s\n", line);
}

static void page_done(void *ctx, const gv_atlas_event *ev) {
    cli_ctx *c = ctx;
    if (!gv_cli_quiet) {
        if (c->tty) {
            double el = difftime(time(NULL), c->start);
            double left = ev->done ? el / (double)ev->done * (double)(ev->total - ev->done) : 0;
            int w = 30, fill = ev->total ? (int)(w * ev->done / ev->total) : w;
            char bar[40];
            for (int i = 0; i < w; i++) bar[i] = i < fill ? '#' : '.';
            bar[w] = 0;
            if (ev->rc) {
                clear_bar(c);
                fprintf(stderr, "page %s failed: %s\n", ev->id, ev->error ? ev->error : "");
            }
            fprintf(stderr, "\r\033[K[%s] %zu/%zu pages, %.0f s left  %s", bar, ev->done, ev->total, left, ev->id);
            c->bar_shown = 1;
            if (ev->done == ev->total) clear_bar(c);
            fflush(stderr);
        } else if (ev->rc) {
            fprintf(stderr, "page %zu/%zu %s: failed: %s\n", ev->done, ev->total, ev->id, ev->error ? ev->error : "");
        } else {
            fprintf(stderr, "page %zu/%zu %s: drawn in %.0f ms\n", ev->done, ev->total, ev->id, ev->ms);
        }
    }
    if (c->abort_after > 0 && (long)ev->done >= c->abort_after) {
        fprintf(stderr, "geovoice atlas: --fault-abort-after %ld: aborting\n", c->abort_after);
        abort();
    }
}

static int hold_lock(void *ctx) {
    cli_ctx *c = ctx;
    if (!c->hold) return 0;
    char held[4200];
    snprintf(held, sizeof held, "%s.held", c->hold);
    FILE *f = fopen(held, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    while (access(c->hold, F_OK) != 0) usleep(10000);
    return 0;
}

int gv_cli_atlas(int argc, char **argv) {
    gv_atlas_options o;
    memset(&o, 0, sizeof o);
    cli_ctx c;
    memset(&c, 0, sizeof c);
    enum { O_JOBS = 1000, O_FORCE, O_FORMATS, O_SETS, O_WAIT, O_QUIET, O_HELP, O_ABORT, O_HOLD };
    static const struct option opts[] = {
        {"output", 1, 0, 'o'}, {"jobs", 1, 0, O_JOBS}, {"force", 0, 0, O_FORCE}, {"formats", 1, 0, O_FORMATS},
        {"sets-dir", 1, 0, O_SETS}, {"wait", 0, 0, O_WAIT}, {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP},
        {"fault-abort-after", 1, 0, O_ABORT}, {"fault-hold-lock", 1, 0, O_HOLD}, {0, 0, 0, 0}};
    int ch;
    char *end;
    optind = 1;
    opterr = 0; /* gv_cli_bad_option says it in one line */
    while ((ch = getopt_long(argc, argv, "o:qj:", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': o.out = optarg; break;
        case 'j':
        case O_JOBS:
            o.jobs = (int)strtol(optarg, &end, 10);
            if (*end || o.jobs < 1 || o.jobs > 64) {
                fprintf(stderr, "geovoice atlas: --jobs '%s': expected 1-64\n", optarg);
                return 1;
            }
            break;
        case O_FORCE: o.force = 1; break;
        case O_FORMATS: o.formats = optarg; break;
        case O_SETS: o.sets_dir = optarg; break;
        case O_WAIT: o.wait = 1; break;
        case 'q':
        case O_QUIET: gv_cli_quiet = 1; break;
        case O_ABORT:
            c.abort_after = strtol(optarg, &end, 10);
            if (*end || c.abort_after < 1) {
                fprintf(stderr, "geovoice atlas: --fault-abort-after '%s': expected a number of pages >= 1\n", optarg);
                return 1;
            }
            break;
        case O_HOLD: c.hold = optarg; break;
        case O_HELP: fputs(ATLAS_HELP, stdout); return 0;
        default: return gv_cli_bad_option("atlas", argv);
        }
    }
    if (optind >= argc) {
        fputs("geovoice atlas: the spec (SPEC.yaml) is required\n", stderr);
        fputs(ATLAS_HELP, stderr);
        return 1;
    }
    o.spec = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "geovoice atlas: unexpected argument '%s' (see geovoice atlas --help)\n", argv[optind]);
        return 1;
    }
    c.tty = isatty(2);
    c.start = time(NULL);
    o.page_done = page_done;
    o.locked = hold_lock;
    o.ctx = &c;
    gv_error err;
    gv_error_clear(&err);
    gv_atlas_result res;
    int rc = gv_atlas_run(&o, atlas_log, &c, &res, &err);
    clear_bar(&c);
    if (rc != GV_OK) {
        fprintf(stderr, "geovoice atlas: %s\n", err.msg);
        return gv_cli_exit_code(rc);
    }
    return 0;
}
