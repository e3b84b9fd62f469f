/* cli.h: shared pieces of the `geovoice` program. Each verb lives in its own
 * cli/cmd_VERB.c as `int gv_cli_VERB(int argc, char **argv)` (argv[0] is the
 * verb) returning the process exit code, and is listed in VERBS in main.c.
 * Exit codes (SPEC): 0 success, 1 usage, 2 bad input data, 3 output not
 * written, 4 internal error; verbs that report findings (check) may use 2
 * for "problems found". */
#ifndef GEOVOICE_CLI_H
#define GEOVOICE_CLI_H

#include "geovoice/common.h"

/* Set by --quiet/-q: gv_cli_log then prints nothing. */
extern int gv_cli_quiet;

/* Library return code (GV_OK, GV_EUSAGE, ...) to exit code. */
int gv_cli_exit_code(int rc);

/* Log callback for library jobs: one line to stderr unless quiet. */
void gv_cli_log(void *ctx, const char *line);

/* --decimal ARG: '.' or ',' into *out (0); anything else is printed as a
 * usage error of `geovoice VERB` (1). */
int gv_cli_decimal(const char *verb, const char *arg, char *out);

/* After getopt_long returned '?' (opterr = 0): one line naming the
 * unknown option or the option missing its value; returns 1 (usage). */
int gv_cli_bad_option(const char *verb, char **argv);

/* The verbs. */
int gv_cli_map(int argc, char **argv);
int gv_cli_check(int argc, char **argv);
int gv_cli_stats(int argc, char **argv);
int gv_cli_crosswalk(int argc, char **argv);
int gv_cli_reconcile(int argc, char **argv);
int gv_cli_atlas(int argc, char **argv);
int gv_cli_opinions(int argc, char **argv);
int gv_cli_synth(int argc, char **argv);

#endif
