/* test_ingest_e2e.c: `geovoice opinions ingest` end to end on three
 * hand-made square communes: counts accepted/rejected for each kind of bad
 * row, idempotent re-ingest, appending, the injected crash mid-ingest
 * leaving the old state, deduplication (window, order of ingest), and the
 * planted citizen identity numbers searched for in every byte written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *SQUARES =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00003\",\"name\":\"Xã Ba\",\"province_code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[105,21],[106,21],[106,22],[105,22],[105,21]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00002\",\"name\":\"Xã Hai\",\"province_code\":\"01\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[105,20],[106,20],[106,21],[105,21],[105,20]],"
    "[[105.25,20.25],[105.25,20.75],[105.75,20.75],[105.75,20.25],[105.25,20.25]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"00001\",\"name\":\"Xã Một\",\"province_code\":\"02\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[106,20],[107,20],[107,21],[106,21],[106,20]]]}}]}";

/* Planted citizen identity numbers: none may appear in any file. */
static const char *PLANTED[] = {"079201234567", "001099887766", "036188001122", "092300445566", "046077665544"};

static const char *HDR = "id,submitted_at,unit_code,lon,lat,topic,stance,channel,org,voter,text\n";

static const char *dir, *shapes;
static char args[8192];

static long long q1(const char *ws, const char *sql) {
    sqlite3 *db;
    long long v = -1;
    /* Read-write: after a crash the first connection rolls the hot
     * journal back, as the next geovoice run would. */
    if (sqlite3_open_v2(ws, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static int ingest(const char *file, const char *ws, const char *extra, char **errout) {
    snprintf(args, sizeof args, "opinions ingest '%s/%s' --workspace '%s/%s' --shapes '%s' %s", dir, file, dir, ws, shapes,
             extra ? extra : "");
    return tu_run_cli(args, errout);
}

static int setup(void **state) {
    (void)state;
    dir = strdup(tu_tmpdir("ingest"));
    shapes = strdup(tu_path("%s/squares.geojson", dir));
    setenv("GEOVOICE_HMAC_KEY", "test-key-0123456789-abcdef", 1);
    unsetenv("GEOVOICE_FAULT_KILL_AFTER_ROWS");
    return tu_write_file(shapes, SQUARES);
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    return 0;
}

static int find_bytes(const unsigned char *h, size_t n, const unsigned char *needle, size_t m) {
    for (size_t i = 0; i + m <= n; i++)
        if (h[i] == needle[0] && !memcmp(h + i, needle, m)) return 1;
    return 0;
}

/* The planted values as ASCII digits and as SQLite's record encodings of
 * the integer: 6-byte (serial type 5, values below 2^47) and 8-byte
 * (serial type 6) big-endian two's complement. */
static void assert_clean(const char *path) {
    size_t n;
    unsigned char *b = (unsigned char *)tu_slurp(path, &n);
    if (!b) return; /* not written: nothing to leak */
    for (size_t k = 0; k < sizeof PLANTED / sizeof PLANTED[0]; k++) {
        unsigned long long v = strtoull(PLANTED[k], NULL, 10);
        unsigned char be8[8], be6[6];
        for (int i = 0; i < 8; i++) be8[i] = (unsigned char)(v >> (8 * (7 - i)));
        for (int i = 0; i < 6; i++) be6[i] = (unsigned char)(v >> (8 * (5 - i)));
        if (find_bytes(b, n, (const unsigned char *)PLANTED[k], 12)) fail_msg("%s holds %s as text", path, PLANTED[k]);
        if (find_bytes(b, n, be6, 6)) fail_msg("%s holds %s as a 6-byte integer", path, PLANTED[k]);
        if (find_bytes(b, n, be8, 8)) fail_msg("%s holds %s as an 8-byte integer", path, PLANTED[k]);
    }
    free(b);
}

static void assert_text_clean(const char *what, const char *s) {
    for (size_t k = 0; s && k < sizeof PLANTED / sizeof PLANTED[0]; k++)
        if (strstr(s, PLANTED[k])) fail_msg("%s holds %s", what, PLANTED[k]);
}

/* One good row per unit, then each kind of bad row. */
static void test_rows_and_rejects(void **state) {
    (void)state;
    char b[8192];
    snprintf(b, sizeof b,
             "# SYNTHETIC test file\n%s"
             "a1,2025-08-01T09:00:00+07:00,00001,,,land,support,direct,,v-1,\n"
             "a2,2025-08-01,2,,,land,oppose,meeting,,,\n"           /* code 2 = 00002 */
             "a3,2025-08-01 10:30,,105.5,21.5,health,neutral,direct,,v-2,\n" /* point in 00003 */
             "a4,2025-08-01,,106,20.5,health,neutral,direct,,%s,my id is %s\n" /* border: 00001; id hashed, text scrubbed */
             "a5,2025-08-02,00001,,,land,oppose,intermediary,Hội Nông dân,,\n"
             "b1,2025-08-02,00009,,,land,oppose,direct,,,\n"      /* unknown unit */
             "b2,2025-02-30,00001,,,land,oppose,direct,,,\n"      /* impossible date */
             "b3,2025-08-02,00001,,,land,against,direct,,%s,\n"   /* bad stance, planted voter */
             "b4,2025-08-02,00001,,,land,oppose,email,,,\n"       /* bad channel */
             "b5,2025-08-02,00001,,,land,oppose,intermediary,,,\n" /* intermediary without org */
             "b6,2025-08-02,,105.5,20.5,land,oppose,direct,,,\n"  /* in the hole: no unit */
             "b7,2025-08-02,,108.5,15.5,land,oppose,direct,,,\n"  /* sea */
             "b8,2025-08-02,,20.5,105.5,land,oppose,direct,,,\n"  /* swapped: outside Vietnam */
             "b9,2025-08-02,00001,,,,oppose,direct,,,\n"          /* no topic */
             "b10,2025-08-02,00001,,,land,oppose,direct,,%s\n"    /* short row, planted voter */
             "%s,2025-08-02,00001,,,land,oppose,direct,,,\n"      /* id is a citizen id */
             "b12,2025-08-02,00001,,,land,oppose,direct,,CCCD %s,\n" /* id among text */
             ",2025-08-02,00001,,,land,oppose,direct,,,\n"        /* no id */
             "b14,2025-08-02,,,,land,oppose,direct,,,\n",         /* no place */
             HDR, PLANTED[0], PLANTED[1], PLANTED[2], PLANTED[3], PLANTED[4], PLANTED[0]);
    assert_int_equal(tu_write_file(tu_path("%s/a.csv", dir), b), 0);
    char *err = NULL;
    int rc = ingest("a.csv", "ws.sqlite", tu_path("--rejects '%s/rej.csv'", dir), &err);
    if (rc) fail_msg("ingest failed (%d): %s", rc, err);
    assert_non_null(strstr(err, "19 rows: 5 accepted (2 located by point in polygon, 1 citizen ids stored as keyed hashes), 14 rejected"));
    assert_text_clean("stderr", err);
    free(err);
    const char *ws = tu_path("%s/ws.sqlite", dir);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 5);
    assert_int_equal(q1(ws, "SELECT count(*) FROM rejects"), 14);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE id='a3' AND unit_code='00003' AND located=1"), 1);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE id='a4' AND unit_code='00001' AND voter LIKE 'h:%'"), 1);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE id='a2' AND unit_code='00002'"), 1);
    /* Each reject names its field. */
    static const struct {
        int row;
        const char *field;
    } want[] = {{6, "unit_code"}, {7, "submitted_at"}, {8, "stance"}, {9, "channel"}, {10, "org"}, {11, "lon/lat"},
                {12, "lon/lat"}, {13, "lon/lat"}, {14, "topic"}, {15, ""}, {16, "id"}, {17, "voter"}, {18, "id"},
                {19, "unit_code"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char q[200];
        snprintf(q, sizeof q, "SELECT count(*) FROM rejects WHERE row=%d AND field='%s'", want[i].row, want[i].field);
        if (q1(ws, q) != 1) fail_msg("row %d: no reject on field '%s'", want[i].row, want[i].field);
    }
    char *rej = tu_slurp(tu_path("%s/rej.csv", dir), NULL);
    assert_non_null(rej);
    assert_non_null(strstr(rej, "row,line,id,field,reason\n"));
    assert_non_null(strstr(rej, "8,10,b3,stance,\"'against' is not support, oppose or neutral\""));
    free(rej);

    /* Same file again: nothing new. */
    rc = ingest("a.csv", "ws.sqlite", NULL, &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "0 accepted"));
    assert_non_null(strstr(err, "5 already in the workspace"));
    free(err);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 5);

    /* Without a key the citizen-id row is rejected, not stored (in a
     * workspace of its own: one that holds keyed hashes refuses to be
     * added to without its key, see test_key_tied_to_workspace). */
    snprintf(b, sizeof b, "%sk1,2025-08-03,00001,,,land,support,direct,,%s,\nk2,2025-08-03,00001,,,land,support,direct,,v9,\n",
             HDR, PLANTED[1]);
    tu_write_file(tu_path("%s/k.csv", dir), b);
    unsetenv("GEOVOICE_HMAC_KEY");
    rc = ingest("k.csv", "nokey.sqlite", NULL, &err);
    setenv("GEOVOICE_HMAC_KEY", "test-key-0123456789-abcdef", 1);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "2 rows: 1 accepted"));
    assert_non_null(strstr(err, "no HMAC key"));
    assert_text_clean("stderr", err);
    free(err);

    /* JSON Lines: the same rules; a line that is not an object is a
     * reject with its row. */
    snprintf(b, sizeof b,
             "# SYNTHETIC comment line\n"
             "{\"id\":\"j1\",\"submitted_at\":\"2025-08-04T08:00:00Z\",\"unit_code\":1,\"topic\":\"land\",\"stance\":\"support\",\"channel\":\"direct\",\"voter\":\"%s\"}\n"
             "{\"id\":\"j2\",\"submitted_at\":\"2025-08-04\",\"lon\":105.5,\"lat\":21.5,\"topic\":\"health\",\"stance\":\"neutral\",\"channel\":\"meeting\"}\n"
             "{\"id\":\"j3\",\"submitted_at\":\"2025-08-04\",\"unit_code\":\"00002\",\"topic\":\"land\",\"stance\":\"maybe\",\"channel\":\"direct\",\"voter\":\"%s\"}\n"
             "not json at all %s\n",
             PLANTED[3], PLANTED[4], PLANTED[0]);
    tu_write_file(tu_path("%s/j.jsonl", dir), b);
    rc = ingest("j.jsonl", "ws.sqlite", NULL, &err);
    if (rc) fail_msg("jsonl ingest: %s", err);
    assert_non_null(strstr(err, "4 rows: 2 accepted (1 located by point in polygon, 1 citizen ids stored as keyed hashes), 2 rejected"));
    free(err);
    assert_int_equal(q1(ws, "SELECT count(*) FROM rejects WHERE source LIKE '%j.jsonl' AND reason = 'not a JSON object'"), 1);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE id IN ('j1','j2') AND unit_code IN ('00001','00003')"), 2);

    /* Every byte written: the workspace, its journal (none after commit),
     * the rejects file, the outputs of aggregate and divergence. */
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' --by topic,channel -o '%s/agg.csv'", dir, dir);
    assert_int_equal(tu_run_cli(args, &err), 0);
    assert_text_clean("aggregate stderr", err);
    free(err);
    snprintf(args, sizeof args, "opinions aggregate --workspace '%s/ws.sqlite' -o '%s/agg.gpkg'", dir, dir);
    assert_int_equal(tu_run_cli(args, NULL), 0);
    snprintf(args, sizeof args, "opinions divergence --workspace '%s/ws.sqlite' --min-records 1 -o '%s/div.csv' --orgs '%s/orgs.csv'", dir, dir, dir);
    assert_int_equal(tu_run_cli(args, &err), 0);
    free(err);
    assert_clean(ws);
    assert_false(tu_exists(tu_path("%s/ws.sqlite-journal", dir)));
    assert_clean(tu_path("%s/rej.csv", dir));
    assert_clean(tu_path("%s/agg.csv", dir));
    assert_clean(tu_path("%s/agg.gpkg", dir));
    assert_clean(tu_path("%s/div.csv", dir));
    assert_clean(tu_path("%s/orgs.csv", dir));
}

static void write_rows(const char *name, int from, int to) {
    size_t cap = 200 + 100 * (size_t)(to - from + 1);
    char *b = malloc(cap), *p = b;
    p += sprintf(p, "%s", HDR);
    for (int i = from; i <= to; i++)
        p += sprintf(p, "c%05d,2025-09-%02d,0000%d,,,topic%d,support,direct,,,\n", i, 1 + i % 28, 1 + i % 3, i % 5);
    tu_write_file(tu_path("%s/%s", dir, name), b);
    free(b);
}

static void test_append_and_crash(void **state) {
    (void)state;
    const char *ws = tu_path("%s/crash.sqlite", dir);
    write_rows("c1.csv", 1, 300);
    write_rows("c2.csv", 201, 5000); /* 100 rows overlap c1 */
    char *err = NULL;
    assert_int_equal(ingest("c1.csv", "crash.sqlite", NULL, &err), 0);
    free(err);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 300);
    long long pages = q1(ws, "PRAGMA page_count");
    /* Killed after 3000 rows of c2, with SQLite's pages flushed into the
     * file first: the next open rolls the hot journal back. */
    setenv("GEOVOICE_FAULT_KILL_AFTER_ROWS", "3000", 1);
    int rc = ingest("c2.csv", "crash.sqlite", NULL, &err);
    unsetenv("GEOVOICE_FAULT_KILL_AFTER_ROWS");
    assert_true(rc != 0);
    assert_non_null(strstr(err, "killed after 3000 rows"));
    free(err);
    assert_true(tu_exists(tu_path("%s/crash.sqlite-journal", dir))); /* the crash really was mid-write */
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 300);
    assert_int_equal(q1(ws, "SELECT count(*) FROM ingests"), 1);
    assert_int_equal(q1(ws, "PRAGMA page_count"), pages);
    /* Done properly: only the 4,700 new rows are added. */
    assert_int_equal(ingest("c2.csv", "crash.sqlite", NULL, &err), 0);
    assert_non_null(strstr(err, "4800 rows: 4700 accepted"));
    assert_non_null(strstr(err, "100 already in the workspace"));
    free(err);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 5000);
    assert_int_equal(q1(ws, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

/* Window by hand: one voter, unit and topic on days 0 and 10 (file
 * "early") and 20, 40 and 75 (file "late") after 2025-01-01, plus a row on
 * day 10 for another topic and two meeting rows without voter. Over all
 * rows: day 0 counts and opens [0, 30); days 10 and 20 collapse; day 40
 * counts and opens [40, 70); day 75 counts. The late file alone would
 * count day 20 and collapse day 40: ingesting the early file after it
 * changes those two stored rows. Either order ends the same. */
static void test_dedupe_window_and_order(void **state) {
    (void)state;
    const char *late =
        "d3,2025-01-21,00001,,,land,oppose,direct,,%s,\n"  /* day 20 */
        "d4,2025-02-10,00001,,,land,oppose,direct,,%s,\n"  /* day 40 */
        "d5,2025-03-17,00001,,,land,oppose,direct,,%s,\n"; /* day 75 */
    const char *early =
        "d1,2025-01-01,00001,,,land,oppose,direct,,%s,\n"  /* day 0 */
        "d2,2025-01-11,00001,,,land,oppose,direct,,%s,\n"  /* day 10 */
        "d6,2025-01-11,00001,,,health,oppose,direct,,%s,\n"
        "d7,2025-01-11,00001,,,land,oppose,meeting,,,\n"
        "d8,2025-01-11,00001,,,land,oppose,meeting,,,\n";
    char l[2048], e[2048];
    snprintf(l, sizeof l, late, PLANTED[2], PLANTED[2], PLANTED[2]);
    snprintf(e, sizeof e, early, PLANTED[2], PLANTED[2], PLANTED[2]);
    char f1[4096], f2[4096];
    snprintf(f1, sizeof f1, "%s%s", HDR, l);
    snprintf(f2, sizeof f2, "%s%s", HDR, e);
    tu_write_file(tu_path("%s/late.csv", dir), f1);
    tu_write_file(tu_path("%s/early.csv", dir), f2);
    char *err = NULL;
    /* Workspace 1: late file first, then early; workspace 2: the other way. */
    assert_int_equal(ingest("late.csv", "d1.sqlite", NULL, &err), 0);
    free(err);
    assert_int_equal(ingest("early.csv", "d1.sqlite", NULL, &err), 0);
    assert_non_null(strstr(err, "1 new rows collapsed, 2 stored rows changed"));
    free(err);
    assert_int_equal(ingest("early.csv", "d2.sqlite", NULL, &err), 0);
    free(err);
    assert_int_equal(ingest("late.csv", "d2.sqlite", NULL, &err), 0);
    assert_non_null(strstr(err, "1 new rows collapsed, 0 stored rows changed"));
    free(err);
    for (int w = 1; w <= 2; w++) {
        const char *ws = tu_path("%s/d%d.sqlite", dir, w);
        assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE counted = 1 AND id IN ('d1','d4','d5','d6','d7','d8')"), 6);
        assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE counted = 0"), 2);
        assert_int_equal(q1(ws, "SELECT count(*) FROM records WHERE counted = 0 AND id IN ('d2','d3')"), 2);
        assert_clean(ws);
    }
    /* --no-dedupe on a workspace made with a window: refused. */
    assert_int_equal(ingest("late.csv", "d1.sqlite", "--no-dedupe", &err), 1);
    free(err);
}

/* Ways people write an id around other digits or with other separators
 * (a break-test's list): none may reach the workspace or the rejects as
 * the 12 digits. Rows whose voter is the id alone are hashed; an id with
 * other digits before it (in id, voter, topic, org or text) is blanked or
 * its row rejected. */
static void test_id_evasions(void **state) {
    (void)state;
    const char *P = PLANTED[1]; /* 001099887766 */
    char sp[32], nb[48], fw[64];
    snprintf(sp, sizeof sp, "%.3s  %.3s %.3s %.3s", P, P + 3, P + 6, P + 9);            /* two spaces */
    snprintf(nb, sizeof nb, "%.3s\xC2\xA0%.3s\xC2\xA0%.6s", P, P + 3, P + 6);          /* no-break spaces */
    size_t w = 0;
    for (int i = 0; i < 12; i++) w += (size_t)snprintf(fw + w, sizeof fw - w, "\xEF\xBC%c", (char)(0x90 + P[i] - '0'));
    char b[8192];
    snprintf(b, sizeof b,
             "%s"
             "e1,2025-08-01,00001,,,land 2025 %s,support,direct,,v3,\n"
             "e2,2025-08-01,00001,,,land,support,intermediary,Hội 12 %s,,\n"
             "e3,2025-08-01,00001,,,land,support,direct,,7 %s,\n"
             "1 %s,2025-08-01,00001,,,land,support,direct,,v13,\n"
             "e5,2025-08-01,00001,,,land,support,direct,,%s,\n"
             "e6,2025-08-01,00001,,,land,support,direct,,%s,\n"
             "e7,2025-08-01,00001,,,land,support,direct,,%s,\n"
             "e8,2025-08-01,00001,,,land,support,direct,,%.3s_%.3s_%.3s_%.3s,\n"
             "e9,2025-08-01,00001,,,land,support,direct,,+84 %s,\n"
             "e10,2025-08-01,00001,,,land,support,direct,,v10,0912345678 %s\n",
             HDR, P, P, P, P, sp, nb, fw, P, P + 3, P + 6, P + 9, P, P);
    assert_int_equal(tu_write_file(tu_path("%s/ev.csv", dir), b), 0);
    char *err = NULL;
    int rc = ingest("ev.csv", "ev.sqlite", tu_path("--rejects '%s/ev-rej.csv'", dir), &err);
    assert_int_equal(rc, 0);
    assert_text_clean("stderr", err);
    free(err);
    assert_clean(tu_path("%s/ev.sqlite", dir));
    assert_clean(tu_path("%s/ev-rej.csv", dir));
    /* e5-e8: the id alone, however written: hashed (one voter, so the
     * four count once); e1, e2, e10 stored with the digits blanked; e3, e9
     * (voter: an id among other digits) and the id "1 ..." rejected. */
    assert_int_equal(q1(tu_path("%s/ev.sqlite", dir), "SELECT count(*) FROM records WHERE voter LIKE 'h:%'"), 4);
    assert_int_equal(q1(tu_path("%s/ev.sqlite", dir), "SELECT count(DISTINCT voter) FROM records WHERE voter LIKE 'h:%'"), 1);
    assert_int_equal(q1(tu_path("%s/ev.sqlite", dir), "SELECT count(*) FROM records"), 7);
    assert_int_equal(q1(tu_path("%s/ev.sqlite", dir), "SELECT count(*) FROM rejects"), 3);
}

/* One id for two different records is an error on the second (named,
 * in the rejects), not "already in the workspace"; the same record again
 * is. A row with one field more than the header (an unquoted comma in
 * org) is rejected, not read with its fields shifted. */
static void test_id_clash_and_extra_field(void **state) {
    (void)state;
    char b[2048];
    snprintf(b, sizeof b,
             "%s"
             "c1,2025-08-01,00001,,,land,support,direct,,va,\n"
             "c1,2025-08-02,00002,,,health,oppose,direct,,vb,\n"
             "c2,2025-08-01,00001,,,land,support,intermediary,Hội Nông dân, xã A,,\n"
             "c3,2025-08-01,01,,,land,support,direct,,,\n" /* a province's code, not commune 00001 */
             "c4,2025-08-01,1.0,,,land,support,direct,,,\n" /* lost zeros: 00001 */
             "c5,2025-08-01,00001,105.5,21.5,land,support,direct,,,\n", /* code 00001, point in 00003: kept, said */
             HDR);
    assert_int_equal(tu_write_file(tu_path("%s/clash.csv", dir), b), 0);
    char *err = NULL;
    assert_int_equal(ingest("clash.csv", "clash.sqlite", tu_path("--rejects '%s/clash-rej.csv'", dir), &err), 0);
    assert_non_null(strstr(err, "1 rows whose lon/lat lie outside the unit their unit_code names (kept by the code):"));
    assert_non_null(strstr(err, "row 6 (line 7): unit_code 00001, but (105.50000, 21.50000) lies in 00003"));
    free(err);
    const char *ws = tu_path("%s/clash.sqlite", dir);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 3);
    assert_int_equal(q1(ws, "SELECT count(*) FROM rejects"), 3);
    char *rej = tu_slurp(tu_path("%s/clash-rej.csv", dir), NULL);
    assert_non_null(rej);
    assert_non_null(strstr(rej, "2,3,c1,id,id already holds another record (its unit_code differs): ids must be unique"));
    assert_non_null(strstr(rej, "3,4,c2,,more fields than the header")); /* named by its id */
    assert_non_null(strstr(rej, "4,5,c3,unit_code,\"'01' has 2 digits: not a "));
    free(rej);
    /* Again: c1 is the same record (already there), the rest as before. */
    assert_int_equal(ingest("clash.csv", "clash.sqlite", NULL, &err), 0);
    assert_non_null(strstr(err, "3 already in the workspace"));
    free(err);
    assert_int_equal(q1(ws, "SELECT count(*) FROM records"), 3);
}

/* A failed first ingest leaves no workspace behind; a file that is not a
 * workspace is named with SQLite's reason (not an empty message). */
static void test_failed_ingest_leaves_nothing(void **state) {
    (void)state;
    char *err = NULL;
    assert_int_equal(ingest("no-such.csv", "never.sqlite", NULL, &err), 2);
    assert_non_null(strstr(err, "no-such.csv: cannot open"));
    free(err);
    assert_false(tu_exists(tu_path("%s/never.sqlite", dir)));
    assert_int_equal(tu_write_file(tu_path("%s/hello.sqlite", dir), "hello\n"), 0);
    assert_int_equal(tu_write_file(tu_path("%s/one.csv", dir), "id,submitted_at,unit_code,topic,stance,channel\n"
                                                              "o1,2025-08-01,00001,land,support,direct\n"),
                     0);
    assert_int_equal(ingest("one.csv", "hello.sqlite", NULL, &err), 2);
    assert_non_null(strstr(err, "hello.sqlite: SQLite: file is not a database"));
    free(err);
    char *t = tu_slurp(tu_path("%s/hello.sqlite", dir), NULL);
    assert_string_equal(t, "hello\n"); /* not touched */
    free(t);
}

/* One key per workspace: another key, or none, is refused (exit 1) once
 * the workspace holds keyed hashes; the same key dedupes across files. */
static void test_key_tied_to_workspace(void **state) {
    (void)state;
    char b[1024];
    snprintf(b, sizeof b, "%sk1,2025-08-01,00001,,,land,support,direct,,%s,\n", HDR, PLANTED[2]);
    assert_int_equal(tu_write_file(tu_path("%s/ka.csv", dir), b), 0);
    snprintf(b, sizeof b, "%sk2,2025-08-05,00001,,,land,support,direct,,%s,\n", HDR, PLANTED[2]);
    assert_int_equal(tu_write_file(tu_path("%s/kb.csv", dir), b), 0);
    char *err = NULL;
    assert_int_equal(ingest("ka.csv", "key.sqlite", NULL, &err), 0);
    free(err);
    setenv("GEOVOICE_HMAC_KEY", "another-key-0123456789-abcdef", 1);
    assert_int_equal(ingest("kb.csv", "key.sqlite", NULL, &err), 1);
    assert_non_null(strstr(err, "is not the one this workspace's voter hashes were made with"));
    free(err);
    unsetenv("GEOVOICE_HMAC_KEY");
    assert_int_equal(ingest("kb.csv", "key.sqlite", NULL, &err), 1);
    assert_non_null(strstr(err, "holds keyed hashes of voter ids; set the same HMAC key"));
    free(err);
    setenv("GEOVOICE_HMAC_KEY", "test-key-0123456789-abcdef", 1);
    assert_int_equal(ingest("kb.csv", "key.sqlite", NULL, &err), 0);
    assert_non_null(strstr(err, "1 new rows collapsed"));
    free(err);
    assert_clean(tu_path("%s/key.sqlite", dir));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_and_rejects),
        cmocka_unit_test(test_append_and_crash),
        cmocka_unit_test(test_dedupe_window_and_order),
        cmocka_unit_test(test_id_evasions),
        cmocka_unit_test(test_id_clash_and_extra_field),
        cmocka_unit_test(test_failed_ingest_leaves_nothing),
        cmocka_unit_test(test_key_tied_to_workspace),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
