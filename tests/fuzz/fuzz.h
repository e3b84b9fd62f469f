/* fuzz.h: the one entry point every fuzz target implements (libFuzzer's).
 * Targets run under libFuzzer (scripts/fuzz.sh, clang) and under
 * replay.c, which ctest uses to replay the checked-in corpus and every
 * input that once crashed. Invariants are checked with fuzz_check, which
 * aborts so both libFuzzer and ctest see a failure. */
#ifndef GV_FUZZ_H
#define GV_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_check(cond)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                      \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)
#endif
