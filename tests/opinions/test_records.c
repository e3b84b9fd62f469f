/* test_records.c: the streaming record reader (engine/records.c): CSV
 * quoting, separators, comments, malformed rows kept with a reason, JSON
 * Lines; ISO 8601 times against values worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "geovoice/opinionsjob.h"
#include "geovoice/records.h"
#include "testutil.h"

static void test_iso8601(void **state) {
    (void)state;
    long long t;
    /* 2025-01-01T00:00:00Z = 55 years after 1970 with 14 leap days
     * (1972..2024): (55 * 365 + 14) * 86400 = 20089 * 86400 = 1735689600. */
    assert_int_equal(gv_iso8601_parse("2025-01-01T00:00:00Z", 20, &t), GV_OK);
    assert_true(t == 1735689600LL);
    /* No offset: Vietnam time, 7 hours earlier in UTC. */
    assert_int_equal(gv_iso8601_parse("2025-01-01", 10, &t), GV_OK);
    assert_true(t == 1735689600LL - 7 * 3600);
    assert_int_equal(gv_iso8601_parse("2025-01-01T07:00:00+07:00", 25, &t), GV_OK);
    assert_true(t == 1735689600LL);
    assert_int_equal(gv_iso8601_parse("2025-01-01 07:30+0730", 21, &t), GV_OK);
    assert_true(t == 1735689600LL);
    assert_int_equal(gv_iso8601_parse("2024-02-29T12:00:00.250-05:00", 29, &t), GV_OK);
    assert_int_equal(gv_iso8601_parse("2025-02-29", 10, &t), GV_EDATA); /* not a leap year */
    assert_int_equal(gv_iso8601_parse("2025-13-01", 10, &t), GV_EDATA);
    assert_int_equal(gv_iso8601_parse("2025-01-01T24:00", 16, &t), GV_EDATA);
    assert_int_equal(gv_iso8601_parse("01/02/2025", 10, &t), GV_EDATA);
    assert_int_equal(gv_iso8601_parse("2025-01-01T10:00:00Zx", 21, &t), GV_EDATA);
    char out[26], month[8];
    gv_iso8601_vn(1735689600LL - 3600, out, month); /* 2024-12-31T23:00Z = 06:00 on 1 January in Vietnam */
    assert_string_equal(out, "2025-01-01T06:00:00+07:00");
    assert_string_equal(month, "2025-01");
}

static void test_csv_and_jsonl(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("records");
    const char *csv = tu_path("%s/r.csv", dir);
    tu_write_file(csv,
                  "\xEF\xBB\xBF# SYNTHETIC\r\n"
                  "ID;Submitted_At;code;topic;stance;channel;org;extra\r\n"
                  "a;2025-01-01;1;land;support;direct;;x\r\n"
                  "\r\n"
                  "b;2025-01-02;2;\"đất; đai\";oppose;intermediary;\"Hội \"\"A\"\"\nmới\";y\r\n"
                  "c;2025-01-03;3;land\r\n"
                  "d;2025-01-04;4;\"open;support;direct;;z\r\n");
    gv_rec_reader *r = NULL;
    gv_error err;
    assert_int_equal(gv_rec_open(csv, &r, &err), GV_OK);
    assert_false(gv_rec_is_jsonl(r));
    gv_record rec;
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_null(rec.malformed);
    assert_int_equal(rec.row, 1);
    assert_int_equal(rec.line, 3);
    assert_int_equal(rec.len[GV_RF_ID], 1);
    assert_memory_equal(rec.f[GV_RF_UNIT_CODE], "1", 1); /* "code" is unit_code */
    assert_int_equal(rec.len[GV_RF_ORG], 0);
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_null(rec.malformed);
    assert_int_equal(rec.line, 5); /* the blank line counted */
    assert_int_equal(rec.len[GV_RF_TOPIC], strlen("đất; đai"));
    assert_memory_equal(rec.f[GV_RF_TOPIC], "đất; đai", strlen("đất; đai"));
    assert_memory_equal(rec.f[GV_RF_ORG], "Hội \"A\"\nmới", strlen("Hội \"A\"\nmới"));
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_int_equal(rec.line, 7); /* the quoted line break counted */
    assert_string_equal(rec.malformed, "fewer fields than the header");
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_non_null(rec.malformed); /* quote never closed */
    assert_int_equal(gv_rec_next(r, &rec, &err), 0);
    gv_rec_close(r);

    const char *bad = tu_path("%s/bad.csv", dir);
    tu_write_file(bad, "id,submitted_at,topic,stance\n1,2,3,4\n");
    assert_int_equal(gv_rec_open(bad, &r, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "no column 'channel'"));

    const char *jl = tu_path("%s/r.jsonl", dir);
    tu_write_file(jl, "{\"id\":7,\"submitted_at\":\"2025-01-01\",\"lon\":105.5,\"lat\":21.25,\"topic\":\"x\",\"stance\":\"support\",\"channel\":\"direct\",\"voter\":null}\n"
                      "\n[1,2]\n{\"id\":\"8\"} trailing\n");
    assert_int_equal(gv_rec_open(jl, &r, &err), GV_OK);
    assert_true(gv_rec_is_jsonl(r));
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_null(rec.malformed);
    assert_memory_equal(rec.f[GV_RF_ID], "7", 1);
    assert_memory_equal(rec.f[GV_RF_LAT], "21.25", 5);
    assert_int_equal(rec.len[GV_RF_VOTER], 0);
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_int_equal(rec.line, 3);
    assert_string_equal(rec.malformed, "not a JSON object");
    assert_int_equal(gv_rec_next(r, &rec, &err), 1);
    assert_string_equal(rec.malformed, "text after the JSON object");
    assert_int_equal(gv_rec_next(r, &rec, &err), 0);
    gv_rec_close(r);
    tu_rmtree(dir);
}

/* Durations need their unit: "30" could be days or seconds. */
static void test_duration(void **state) {
    (void)state;
    long long v = -1;
    gv_error e;
    assert_int_equal(gv_duration_parse("30d", &v, &e), GV_OK);
    assert_true(v == 30LL * 86400);
    assert_int_equal(gv_duration_parse("12h", &v, &e), GV_OK);
    assert_true(v == 12LL * 3600);
    assert_int_equal(gv_duration_parse("90m", &v, &e), GV_OK);
    assert_true(v == 5400);
    assert_int_equal(gv_duration_parse("3600s", &v, &e), GV_OK);
    assert_true(v == 3600);
    assert_int_equal(gv_duration_parse("30", &v, &e), GV_EUSAGE);
    assert_non_null(strstr(e.msg, "give a unit: 30d (days)"));
    assert_int_equal(gv_duration_parse("-1d", &v, &e), GV_EUSAGE);
    assert_int_equal(gv_duration_parse("d", &v, &e), GV_EUSAGE);
    assert_int_equal(gv_duration_parse("3w", &v, &e), GV_EUSAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_csv_and_jsonl),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
