/* fuzz_number.c: the number and code parsers on one cell: the input is
 * placed as the only value of a one-column table (so the per-column
 * format decision runs too) and given to gv_code_normalize. */
#include "fuzz.h"

#include "geovoice/table.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 256) return 0;
    char cell[300];
    memcpy(cell, data, size);
    cell[size] = 0;
    if (strlen(cell) != size) return 0; /* NUL inside: not a cell */
    char code[64];
    gv_error err;
    for (int w = 0; w <= 5; w++) {
        int rc = gv_code_normalize(cell, w, code, sizeof code, &err);
        if (rc == GV_OK && w > 0) fuzz_check(strlen(code) >= (size_t)w);
        if (rc == GV_OK)
            for (const char *p = code; *p; p++) fuzz_check(*p >= '0' && *p <= '9');
    }
    /* quoted so separators and newlines stay inside the cell */
    char buf[700];
    size_t n = 0;
    memcpy(buf, "x\n\"", 3);
    n = 3;
    for (size_t i = 0; i < size; i++) {
        if (cell[i] == '"') buf[n++] = '"';
        buf[n++] = cell[i];
    }
    buf[n++] = '"';
    buf[n++] = '\n';
    gv_table *t = NULL;
    if (gv_table_read_csv_buffer(buf, n, "num.csv", NULL, &t, &err) == GV_OK) {
        double v;
        for (size_t r = 0; r < gv_table_nrows(t); r++)
            if (gv_table_number(t, r, 0, &v, &err) == GV_OK) fuzz_check(isfinite(v) || isnan(v));
        gv_table_free(t);
    }
    return 0;
}
