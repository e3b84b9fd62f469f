/* fuzz_csv.c: the CSV reader (engine/source_csv.c) on arbitrary bytes.
 * First byte picks the options; the rest is the file. Invariants: a table
 * or a clean error; every cell non-NULL, trimmed; numbers either finite,
 * NaN for empty cells, or an error; problems format to one line. */
#include "fuzz.h"

#include "geovoice/table.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    gv_csv_options o;
    memset(&o, 0, sizeof o);
    static const char seps[] = {0, ',', ';', '\t'};
    static const char decs[] = {0, '.', ',', 0};
    o.sep = seps[data[0] & 3];
    o.decimal = decs[(data[0] >> 2) & 3];
    o.strict = (data[0] >> 4) & 1;
    gv_table *t = NULL;
    gv_error err;
    int rc = gv_table_read_csv_buffer((const char *)data + 1, size - 1, "fuzz.csv", &o, &t, &err);
    if (rc != GV_OK) {
        fuzz_check(t == NULL);
        fuzz_check(rc < 0 && strlen(err.msg) > 0 && !strchr(err.msg, '\n'));
        return 0;
    }
    size_t nr = gv_table_nrows(t), nc = gv_table_ncols(t);
    fuzz_check(nc >= 1);
    for (size_t c = 0; c < nc; c++) {
        char dec, th;
        gv_table_col_format(t, c, &dec, &th, NULL);
        for (size_t r = 0; r < nr && r < 200; r++) {
            const char *cell = gv_table_cell(t, r, c);
            fuzz_check(cell != NULL);
            size_t len = strlen(cell);
            fuzz_check(len == 0 || (cell[0] != ' ' && cell[len - 1] != ' '));
            double v;
            int nrc = gv_table_number(t, r, c, &v, &err);
            if (nrc == GV_OK) fuzz_check(isfinite(v) || (isnan(v) && len == 0));
            else fuzz_check(isnan(v));
        }
    }
    for (size_t i = 0; i < gv_table_nproblems(t); i++) {
        char line[600];
        gv_table_problem_format(t, gv_table_problem_at(t, i), line, sizeof line);
        fuzz_check(!strchr(line, '\n'));
    }
    gv_table_free(t);
    return 0;
}
