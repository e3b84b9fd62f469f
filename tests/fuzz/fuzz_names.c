/* fuzz_names.c: the Vietnamese name normaliser and matcher. The input is
 * split at newlines into names; all but the last become candidates, the
 * last is looked up. Invariants: keys are deterministic, the NFC of a
 * name has the same key as the name, a unique match names a candidate. */
#include "fuzz.h"

#include "geovoice/names.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    gv_name_matcher *m = gv_name_matcher_new();
    char *names[32];
    int nn = 0;
    for (char *tok = s, *nl; tok && nn < 32; tok = nl ? nl + 1 : NULL) {
        nl = strchr(tok, '\n');
        if (nl) *nl = 0;
        names[nn++] = tok;
    }
    char k1[1024], k2[1024], f1[1024];
    for (int i = 0; i < nn; i++) {
        gv_error err;
        int rc = gv_name_key(names[i], k1, sizeof k1, &err);
        if (rc == GV_OK) {
            fuzz_check(gv_name_key(names[i], k2, sizeof k2, NULL) == GV_OK && !strcmp(k1, k2));
            char *nfc = gv_name_nfc(names[i]);
            if (nfc) {
                if (gv_name_key(nfc, k2, sizeof k2, NULL) == GV_OK) fuzz_check(!strcmp(k1, k2));
                free(nfc);
            }
            gv_name_fold_key(names[i], f1, sizeof f1, NULL);
        }
        if (i + 1 < nn && *names[i]) gv_name_matcher_add(m, names[i], (i & 1) ? "01" : NULL, (size_t)i, NULL);
    }
    size_t id = 99, cand[8], nc = 0;
    gv_name_rule rule = GV_RULE_NONE;
    if (nn && gv_name_matcher_find(m, names[nn - 1], NULL, &id, &rule, cand, 8, &nc, NULL) == GV_OK) {
        if (rule != GV_RULE_NONE && rule != GV_RULE_AMBIGUOUS) fuzz_check(id < (size_t)nn);
        fuzz_check(nc <= 8);
    }
    gv_name_matcher_free(m);
    free(s);
    return 0;
}
