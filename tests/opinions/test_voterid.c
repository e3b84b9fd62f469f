/* test_voterid.c: citizen-id detection, keyed hashes and scrubbing
 * (engine/voterid.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "geovoice/voterid.h"

static void test_detect(void **state) {
    (void)state;
    char d[13];
    assert_true(gv_voter_is_citizen_id("001203004567", 12, d));
    assert_string_equal(d, "001203004567");
    assert_true(gv_voter_is_citizen_id("001 203 004 567", 15, d));
    assert_string_equal(d, "001203004567");
    assert_true(gv_voter_is_citizen_id("0012-0300-4567", 14, NULL));
    assert_false(gv_voter_is_citizen_id("00120300456", 11, NULL));   /* 11 digits */
    assert_false(gv_voter_is_citizen_id("0012030045678", 13, NULL)); /* 13 */
    assert_false(gv_voter_is_citizen_id("V001203004567", 13, NULL));
    /* However the 12 digits are written, they are an id (privacy first):
     * a trailing space, two spaces, '_', '/', commas, brackets, a
     * no-break space, an en dash, full-width digits. */
    static const char *const forms[] = {"001203004567 ", "0012  03004567", "001_203_004_567", "001/203/004/567",
                                        "\"001,203,004,567\"", "(001)203004567", "001\xC2\xA0" "203\xC2\xA0" "004\xC2\xA0" "567",
                                        "001\xE2\x80\x93" "203004567",
                                        "\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x91" "203004567"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        memset(d, 0, sizeof d);
        if (!gv_voter_is_citizen_id(forms[i], strlen(forms[i]), d)) fail_msg("'%s' should be an id", forms[i]);
        assert_string_equal(d, "001203004567");
    }
    assert_false(gv_voter_is_citizen_id("+84 001203004567", 16, NULL)); /* 14 digits: scrubbed and rejected upstream */
    assert_false(gv_voter_is_citizen_id("voter 001203004567", 18, NULL));
}

static void test_hash(void **state) {
    (void)state;
    gv_voter_key *k = NULL, *k2 = NULL;
    gv_error err;
    assert_int_equal(gv_voter_key_new("short", 5, &k, &err), GV_EUSAGE);
    assert_null(k);
    assert_int_equal(gv_voter_key_new("0123456789abcdef", 16, &k, &err), GV_OK);
    assert_int_equal(gv_voter_key_new("0123456789abcdeF", 16, &k2, &err), GV_OK);
    char a[GV_VOTER_HASH_LEN + 1], b[GV_VOTER_HASH_LEN + 1], c[GV_VOTER_HASH_LEN + 1];
    gv_voter_hash(k, "001203004567", a);
    gv_voter_hash(k, "001203004567", b);
    gv_voter_hash(k2, "001203004567", c);
    assert_string_equal(a, b); /* deterministic, state reset after each digest */
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), GV_VOTER_HASH_LEN);
    assert_memory_equal(a, "h:", 2);
    /* HMAC-SHA-256(key "0123456789abcdef", "001203004567"), first 16 bytes,
     * computed independently with Python's hmac module. */
    assert_string_equal(a, "h:fc690d07f8d314b96962ec1b49abdc3d");
    gv_voter_key_free(k);
    gv_voter_key_free(k2);
}

static void test_scrub(void **state) {
    (void)state;
    char s[] = "CCCD 001203004567, phone 0912345678, 0012 0300 4567 ok, 1234567890123 long";
    size_t n = gv_voter_scrub(s, strlen(s));
    assert_int_equal(n, 3);
    assert_string_equal(s, "CCCD ############, phone 0912345678, ############## ok, ############# long");
    /* An id behind another number, behind a phone, with two spaces, with
     * a thin space: blanked with what it touches. 11 digits stay. */
    char t[] = "land 2025 001234567103; 0912345678 001234567890; 001  234 567 014; "
               "001\xE2\x80\x89" "234567015; 12345678901";
    n = gv_voter_scrub(t, strlen(t));
    assert_int_equal(n, 4);
    assert_string_equal(t, "land #################; #######################; ################; "
                           "###############; 12345678901");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_scrub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
