/* svg_ids.c: makes Cairo's SVG output independent of what the process
 * drew before.
 *
 * Cairo numbers SVG ids from process-wide counters ("surface42",
 * "clip7", "glyph3-12"), so the second map drawn by one process (an atlas,
 * a test) differs from the same map drawn first. Here every id of those
 * families, and every reference to it ("#surface42", "url(#clip7)"), is
 * renumbered in order of first appearance, per family; the glyph part
 * after the dash (the glyph's index in its subset) is kept. Only those
 * families after `id="` or `#` are touched, so colours (#ff0000) and text
 * are left alone. */
#include "svg_ids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FAMILIES[] = {"glyph", "surface", "clip", "mask", "pattern", "image",
                                       "linear", "radial", "source", "filter", NULL};

typedef struct idmap {
    char fam[12];
    long old;
    long new_;
} idmap;

int gv_svg_renumber_ids(const char *path, gv_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot reopen SVG (%s)", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot read back SVG", path);
    }
    fclose(f);
    d[n] = 0;
    size_t cap = (size_t)n + (size_t)n / 8 + 64, o = 0;
    char *out = malloc(cap);
    idmap *map = NULL;
    size_t nmap = 0, capmap = 0;
    long counters[16] = {0};
    int rc = GV_OK;
    if (!out) { free(d); return gv_error_set(err, GV_ENOMEM, "out of memory (SVG ids)"); }
    for (long i = 0; i < n;) {
        int at_ref = d[i] == '#' || (i >= 4 && !strncmp(d + i - 4, "id=\"", 4));
        int fam = -1;
        size_t fl = 0;
        if (at_ref) {
            const char *p = d + i + (d[i] == '#');
            for (int k = 0; FAMILIES[k]; k++) {
                size_t l = strlen(FAMILIES[k]);
                if (!strncmp(p, FAMILIES[k], l) && p[l] >= '0' && p[l] <= '9') { fam = k; fl = l; break; }
            }
        }
        if (fam < 0) {
            if (o + 1 >= cap) { cap *= 2; char *np = realloc(out, cap); if (!np) { rc = GV_ENOMEM; break; } out = np; }
            out[o++] = d[i++];
            continue;
        }
        if (d[i] == '#') out[o++] = d[i++];
        char *endp;
        long old = strtol(d + i + fl, &endp, 10);
        long nw = -1;
        for (size_t k = 0; k < nmap; k++)
            if (map[k].old == old && !strcmp(map[k].fam, FAMILIES[fam])) { nw = map[k].new_; break; }
        if (nw < 0) {
            if (nmap == capmap) {
                capmap = capmap ? capmap * 2 : 64;
                idmap *nm = realloc(map, capmap * sizeof *nm);
                if (!nm) { rc = GV_ENOMEM; break; }
                map = nm;
            }
            nw = counters[fam]++;
            snprintf(map[nmap].fam, sizeof map[nmap].fam, "%s", FAMILIES[fam]);
            map[nmap].old = old;
            map[nmap].new_ = nw;
            nmap++;
        }
        if (o + fl + 32 >= cap) { cap = cap * 2 + fl + 32; char *np = realloc(out, cap); if (!np) { rc = GV_ENOMEM; break; } out = np; }
        o += (size_t)snprintf(out + o, cap - o, "%s%ld", FAMILIES[fam], nw);
        i = endp - d;
    }
    free(d);
    free(map);
    if (rc) { free(out); return gv_error_set(err, GV_ENOMEM, "out of memory (SVG ids)"); }
    f = fopen(path, "wb");
    if (!f || fwrite(out, 1, o, f) != o) {
        if (f) fclose(f);
        free(out);
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write SVG (%s)", path, strerror(errno));
    }
    free(out);
    if (fclose(f) != 0) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write SVG (%s)", path, strerror(errno));
    return GV_OK;
}
