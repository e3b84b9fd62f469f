/* codes.c: the lookup key of an administrative code (SPEC "Words": codes are
 * text; "1", "01" and "1.0" name the same unit). Keys are the digits without
 * leading zeros, so tables that lost their zeros and tables that kept them
 * meet; the level is always compared beside the key, because codes are only
 * unique within a level. */
#include "geovoice/sets.h"
#include "geovoice/table.h"

#include <string.h>
#include <strings.h>

int gv_code_key(const char *code, char *out, size_t outsz, gv_error *err) {
    if (!code || !out || outsz == 0) return gv_error_set(err, GV_EUSAGE, "gv_code_key: NULL argument");
    char buf[64];
    int rc = gv_code_normalize(code, 0, buf, sizeof buf, err);
    if (rc != GV_OK) return rc;
    const char *p = buf;
    while (p[0] == '0' && p[1]) p++;
    size_t n = strlen(p);
    if (n + 1 > outsz) return gv_error_set(err, GV_EUSAGE, "gv_code_key: buffer too small for '%s'", code);
    memcpy(out, p, n + 1);
    return GV_OK;
}

const char *gv_level_name(gv_level level) {
    static const char *const NAMES[GV_NLEVELS] = {"nation", "region", "province", "district", "commune"};
    return (level >= 0 && level < GV_NLEVELS) ? NAMES[level] : "?";
}

gv_level gv_level_parse(const char *word) {
    if (!word) return GV_LEVEL_NONE;
    for (int l = 0; l < GV_NLEVELS; l++)
        if (!strcasecmp(word, gv_level_name((gv_level)l))) return (gv_level)l;
    return GV_LEVEL_NONE;
}
