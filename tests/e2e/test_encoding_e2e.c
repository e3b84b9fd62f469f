/* test_encoding_e2e.c: legacy-encoded Shapefiles end to end. Each test
 * writes a small Shapefile byte for byte (tu_write_shapefile, no GDAL) with
 * its DBF text — values and field names — in TCVN3, VNI, CP1258 or UTF-8,
 * with no .cpg, the right one or a wrong one, then reads it through
 * gv_layer_open, `geovoice check` and `geovoice map`, and compares every
 * decoded name byte for byte with an independent decoder: glibc iconv
 * (TCVN5712-1 for TCVN3, CP1258) and, for VNI, the bytes written here from
 * the VNI-Windows code chart against the UTF-8 names they stand for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <iconv.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "geovoice/layer.h"
#include "testutil.h"

static const char *dir(void) {
    static char d[4096];
    if (!d[0]) snprintf(d, sizeof d, "%s", tu_tmpdir("encoding_e2e"));
    return d;
}

/* The three units (UTF-8, NFC), their codes, and the field names. */
static const char *const NAMES[3] = {"Thành phố Hà Nội", "Thành phố Đà Nẵng", "Tỉnh Quảng Ngãi"};
static const char *const CODES[3] = {"01", "48", "51"};
static const double SQUARES[12] = {105.0, 20.5, 106.0, 21.5, 107.5, 15.5, 108.5, 16.5, 108.0, 14.5, 109.0, 15.4};

/* VNI bytes of NAMES and of "TÊN", written from the VNI-Windows chart:
 * à = a+0xF8, ố = o+0xE1, ộ = o+0xE4, Đ = 0xD1, ẵ = a+0xFC, ỉ = 0xE6,
 * ả = a+0xFB, ã = a+0xF5, Ê = E+0xC2. */
static const char *const VNI_NAMES[3] = {"Tha\xF8nh pho\xE1 Ha\xF8 No\xE4i", "Tha\xF8nh pho\xE1 \xD1" "a\xF8 Na\xFCng",
                                         "T\xE6nh Qua\xFBng Nga\xF5i"};
static const char *const VNI_TEN = "TE\xC2N";

static char *ic(const char *from, const char *to, const char *in) {
    iconv_t cd = iconv_open(to, from);
    assert_true(cd != (iconv_t)-1);
    size_t n = strlen(in), cap = 8 * n + 16, ol = cap, il = n;
    char *o = malloc(cap), *op = o, *ip = (char *)in;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (r != (size_t)-1) r = iconv(cd, NULL, NULL, &op, &ol);
    iconv_close(cd);
    assert_true(r != (size_t)-1);
    o[cap - ol] = 0;
    return o;
}

/* A path in the test folder, kept for the whole run (tu_path's buffers
 * rotate, and tu_run_cli uses them too). */
static const char *keep(const char *name) {
    static char paths[32][4200];
    static int slot;
    char *p = paths[slot++ % 32];
    snprintf(p, sizeof paths[0], "%s/%s", dir(), name);
    return p;
}

static char *nfc(const char *s) { return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s); }

typedef enum { E_UTF8, E_CP1258, E_TCVN3, E_VNI, E_UTF8_NFD } kind;

/* Raw bytes of a UTF-8 string in encoding k (malloc'd). */
static char *raw_of(kind k, const char *utf8, int which) {
    switch (k) {
    case E_UTF8: return strdup(utf8);
    case E_UTF8_NFD: return (char *)utf8proc_NFD((const utf8proc_uint8_t *)utf8);
    case E_CP1258: return ic("UTF-8", "CP1258", utf8);
    case E_TCVN3: return ic("UTF-8", "TCVN5712-1", utf8);
    case E_VNI: return strdup(which < 0 ? VNI_TEN : VNI_NAMES[which]);
    }
    return NULL;
}

/* What an independent decoder makes of raw bytes of kind k (NFC). */
static char *independent(kind k, const char *raw, int which) {
    char *u = NULL;
    switch (k) {
    case E_UTF8: case E_UTF8_NFD: u = strdup(raw); break;
    case E_CP1258: u = ic("CP1258", "UTF-8", raw); break;
    case E_TCVN3: u = ic("TCVN5712-1", "UTF-8", raw); break;
    case E_VNI: u = strdup(which < 0 ? "TÊN" : NAMES[which]); break; /* the chart's meaning */
    }
    char *n = nfc(u);
    free(u);
    return n;
}

/* Writes base NAME with fields MA, TÊN in kind k; names[] overrides the
 * unit names (UTF-8) when given. Returns the path of the .shp (static). */
static const char *write_shp(const char *name, kind k, const char *cpg, int ldid) {
    static char paths[8][4400];
    static int slot;
    char *p = paths[slot++ % 8];
    char base[4200];
    snprintf(base, sizeof base, "%s/%s", dir(), name);
    char *fields[2] = {strdup("MA"), raw_of(k, "TÊN", -1)};
    char *vals[6];
    for (int i = 0; i < 3; i++) {
        vals[2 * i] = strdup(CODES[i]);
        vals[2 * i + 1] = raw_of(k, NAMES[i], i);
    }
    assert_int_equal(tu_write_shapefile(base, (const char *const *)fields, 2, 60, (const char *const *)vals, 3,
                                        SQUARES, cpg, ldid),
                     0);
    for (int i = 0; i < 6; i++) free(vals[i]);
    free(fields[0]);
    free(fields[1]);
    snprintf(p, 4400, "%s.shp", base);
    return p;
}

/* Writes Shapefile NAME (no .cpg) with the given raw fields and values,
 * returns the kept path of its .shp. */
static const char *write_raw(const char *name, const char *const *fields, size_t nf, size_t width,
                             const char *const *vals, size_t nrec, int ldid) {
    char base[4200];
    snprintf(base, sizeof base, "%s/%s", dir(), name);
    assert_int_equal(tu_write_shapefile(base, fields, nf, width, vals, nrec, SQUARES, NULL, ldid), 0);
    char shp[300];
    snprintf(shp, sizeof shp, "%s.shp", name);
    return keep(shp);
}

/* How l's text was read. */
static gv_layer_encoding_info enc_of(const gv_layer *l) {
    gv_layer_encoding_info e;
    gv_layer_encoding(l, &e);
    return e;
}

/* Opens path strictly, asserting success. */
static gv_layer *open_ok(const char *path) {
    gv_layer *l = NULL;
    gv_error err;
    if (gv_layer_open(path, NULL, NULL, &l, &err) != GV_OK) fail_msg("%s: %s", path, err.msg);
    return l;
}

/* Opens strictly and checks every name and the field name against the
 * independent decoder and the UTF-8 reference. */
static void expect_layer(const char *shp, kind k, gv_encoding want, int agrees, int problem) {
    gv_layer *l = open_ok(shp);
    assert_int_equal(gv_layer_count(l), 3);
    assert_int_equal(gv_layer_nfields(l), 2);
    char *raw = raw_of(k, "TÊN", -1), *want_f = independent(k, raw, -1);
    assert_string_equal(gv_layer_field_name(l, 1), want_f);
    assert_string_equal(gv_layer_field_name(l, 1), "TÊN");
    free(raw);
    free(want_f);
    int f = gv_layer_field_index(l, "TÊN");
    assert_int_equal(f, 1);
    for (int i = 0; i < 3; i++) {
        raw = raw_of(k, NAMES[i], i);
        char *w = independent(k, raw, i);
        const char *got = gv_layer_value(l, (size_t)i, 1);
        if (strcmp(got, w)) fail_msg("%s FID %d: '%s', independent decoder '%s'", shp, i, got, w);
        assert_string_equal(got, NAMES[i]);
        assert_string_equal(gv_layer_value(l, (size_t)i, 0), CODES[i]);
        free(raw);
        free(w);
    }
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, want);
    assert_int_equal(e.declared_agrees, agrees);
    assert_int_equal(e.problem, problem);
    assert_int_equal(e.ldid, 0x57);
    if (want != GV_ENC_UTF8) assert_true(e.confidence > 0.9);
    /* 3 names + the field name hold non-ASCII text. */
    assert_int_equal(e.nonascii, 4);
    assert_int_equal(e.bad_words, 0);
    gv_layer_free(l);
}

static void test_each_encoding(void **state) {
    (void)state;
    /* No .cpg: the bytes decide. */
    expect_layer(write_shp("tcvn3", E_TCVN3, NULL, 0x57), E_TCVN3, GV_ENC_TCVN3, -1, 0);
    expect_layer(write_shp("vni", E_VNI, NULL, 0x57), E_VNI, GV_ENC_VNI, -1, 0);
    expect_layer(write_shp("cp1258", E_CP1258, NULL, 0x57), E_CP1258, GV_ENC_CP1258, -1, 0);
    expect_layer(write_shp("utf8", E_UTF8, NULL, 0x57), E_UTF8, GV_ENC_UTF8, -1, 0);
    /* The right .cpg agrees; legacy fonts over code page 1252 too. */
    expect_layer(write_shp("cp1258_cpg", E_CP1258, "1258", 0x57), E_CP1258, GV_ENC_CP1258, 1, 0);
    expect_layer(write_shp("utf8_cpg", E_UTF8, "UTF-8\r\n", 0x57), E_UTF8, GV_ENC_UTF8, 1, 0);
    expect_layer(write_shp("tcvn3_1252", E_TCVN3, "1252", 0x57), E_TCVN3, GV_ENC_TCVN3, 1, 0);
    /* A wrong .cpg is caught: the bytes win and it is a problem. */
    expect_layer(write_shp("tcvn3_wrong", E_TCVN3, "UTF-8", 0x57), E_TCVN3, GV_ENC_TCVN3, 0, 1);
    expect_layer(write_shp("vni_wrong", E_VNI, "1258", 0x57), E_VNI, GV_ENC_VNI, 0, 1);
    expect_layer(write_shp("utf8_wrong", E_UTF8, "1258", 0x57), E_UTF8, GV_ENC_UTF8, 0, 1);
    expect_layer(write_shp("cp1258_wrong", E_CP1258, "UTF-8", 0x57), E_CP1258, GV_ENC_CP1258, 0, 1);
    /* NFD names become NFC, and it is said. */
    const char *nfd = write_shp("utf8_nfd", E_UTF8_NFD, "UTF-8", 0x57);
    expect_layer(nfd, E_UTF8_NFD, GV_ENC_UTF8, 1, 0);
    gv_layer *l = open_ok(nfd);
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.nfd, 4);
    assert_non_null(strstr(e.summary, "4 decomposed (NFD) values composed to NFC"));
    gv_layer_free(l);
}

/* A filter with Vietnamese text is written in the file's encoding. */
static void test_where_filter(void **state) {
    (void)state;
    const char *shp = write_shp("tcvn3_where", E_TCVN3, NULL, 0x57);
    gv_layer *l;
    gv_error err;
    assert_int_equal(gv_layer_open(shp, NULL, "\"TÊN\" = 'Thành phố Đà Nẵng'", &l, &err), GV_OK);
    assert_int_equal(gv_layer_count(l), 1);
    assert_string_equal(gv_layer_value(l, 0, 0), "48");
    gv_layer_free(l);
}

/* A UTF-8 name cut inside its last letter by a short DBF field: the
 * whole letters are kept, the cut is counted, nothing fails. */
static void test_truncated_utf8(void **state) {
    (void)state;
    const char *fields[1] = {"TEN"};
    /* "Đà Nẵng" is 11 bytes; 7 bytes end in the middle of ẵ. */
    const char *vals[1] = {"Đà Nẵng"};
    gv_layer *l = open_ok(write_raw("cut", fields, 1, 7, vals, 1, 0));
    assert_string_equal(gv_layer_value(l, 0, 0), "Đà N");
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_UTF8);
    assert_int_equal(e.truncated, 1);
    assert_int_equal(e.problem, 0);
    gv_layer_free(l);
}

/* One UTF-8 value among TCVN3 ones: mixed, an error naming file, feature
 * and field; check reports it; map refuses and writes nothing. */
static void test_mixed(void **state) {
    (void)state;
    char *t1 = ic("UTF-8", "TCVN5712-1", NAMES[1]), *t2 = ic("UTF-8", "TCVN5712-1", NAMES[2]);
    const char *fields[2] = {"MA", "TEN"};
    const char *vals[6] = {CODES[0], NAMES[0], CODES[1], t1, CODES[2], t2};
    const char *shp = write_raw("mixed", fields, 2, 60, vals, 3, 0x57);
    free(t1);
    free(t2);
    gv_layer *l = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(shp, NULL, NULL, &l, &err), GV_EDATA);
    assert_null(l);
    assert_non_null(strstr(err.msg, shp));
    assert_non_null(strstr(err.msg, "mixed text encodings: values UTF-8: 1 (FID 0 field 'TEN'), not UTF-8: 2 "
                                    "(FID 1 field 'TEN' reads as TCVN3)"));
    assert_null(strchr(err.msg, '\n'));

    /* Lenient (check): read each value by itself, report the problem. */
    gv_layer_options o;
    gv_layer_options_init(&o);
    o.lenient = 1;
    assert_int_equal(gv_layer_open_ex(shp, NULL, NULL, &o, &l, &err), GV_OK);
    for (int i = 0; i < 3; i++) assert_string_equal(gv_layer_value(l, (size_t)i, 1), NAMES[i]);
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_MIXED);
    assert_int_equal(e.problem, 1);
    gv_layer_free(l);

    const char *js = keep("mixed.json");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "check --json '%s' > '%s'", shp, js);
    assert_int_equal(tu_run_cli(cmd, NULL), 2);
    json_object *r = tu_json_load(js);
    assert_non_null(r);
    json_object *L = json_object_array_get_idx(tu_json_get(json_object_array_get_idx(tu_json_get(r, "sources"), 0), "layers"), 0);
    assert_string_equal(tu_json_str(L, "encoding"), "mixed");
    assert_true(json_object_get_boolean(tu_json_get(L, "encoding_info.problem")));
    json_object_put(r);

    const char *csv = keep("mixed.csv");
    assert_int_equal(tu_write_file(csv, "code,pop\n01,8000000\n48,1200000\n51,1300000\n"), 0);
    const char *png = keep("mixed.png");
    char *stderr_text = NULL;
    snprintf(cmd, sizeof cmd, "map --shapes '%s' --data '%s' --join MA=code --value pop -o '%s'", shp, csv, png);
    assert_int_equal(tu_run_cli(cmd, &stderr_text), 2);
    assert_non_null(strstr(stderr_text, "mixed text encodings"));
    assert_non_null(strstr(stderr_text, "FID 1 field 'TEN'"));
    assert_false(tu_exists(png));
    free(stderr_text);
    /* --encoding utf-8 on it: the TCVN3 values are refused, the first one
     * named with its feature, field and bytes; nothing written. */
    snprintf(cmd, sizeof cmd, "map --shapes '%s' --data '%s' --join MA=code --value pop --encoding utf-8 -o '%s'", shp,
             csv, png);
    assert_int_equal(tu_run_cli(cmd, &stderr_text), 2);
    assert_non_null(strstr(stderr_text, "FID 1 field 'TEN': 'Th\\xB5nh ph\\xE8 \\xA7\\xB5 N\\xBDng': invalid UTF-8 at "
                                        "byte 2 (0xB5) in UTF-8 (the --encoding given)"));
    assert_false(tu_exists(png));
    free(stderr_text);
}

/* Two legacy encodings in one layer: TCVN3 names and one CP1258 name.
 * The odd value is named with what it reads as in its own encoding; map
 * refuses the layer, check reports it. */
static void test_mixed_legacy(void **state) {
    (void)state;
    char *t0 = ic("UTF-8", "TCVN5712-1", NAMES[0]), *t1 = ic("UTF-8", "TCVN5712-1", NAMES[1]);
    char *c2 = ic("UTF-8", "CP1258", NAMES[2]);
    const char *fields[2] = {"MA", "TEN"};
    const char *vals[6] = {CODES[0], t0, CODES[1], t1, CODES[2], c2};
    const char *shp = write_raw("mixedleg", fields, 2, 60, vals, 3, 0x57);
    free(t0), free(t1), free(c2);
    gv_layer *l = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(shp, NULL, NULL, &l, &err), GV_EDATA);
    assert_null(l);
    assert_non_null(strstr(err.msg, "mixed text encodings: 1 values read as CP1258 text, not TCVN3 like the rest of the "
                                    "layer (FID 2 field 'TEN' reads as '"));
    assert_non_null(strstr(err.msg, NAMES[2]));
    /* Lenient (check): a problem, reported. */
    gv_layer_options o;
    gv_layer_options_init(&o);
    o.lenient = 1;
    assert_int_equal(gv_layer_open_ex(shp, NULL, NULL, &o, &l, &err), GV_OK);
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.problem, 1);
    int said = 0;
    for (size_t i = 0; i < e.nissues; i++) said |= strstr(e.issues[i], "1 values read as CP1258 text") != NULL;
    assert_true(said);
    gv_layer_free(l);
}

/* geovoice check: the encoding per layer, text and JSON. */
/* A .cpg with nothing in it says nothing: read as if there were none, and
 * said so, not reported as a wrong .cpg. */
static void test_empty_cpg(void **state) {
    (void)state;
    const char *shp = write_shp("empty_cpg", E_TCVN3, "", 0x57);
    gv_layer *l = open_ok(shp);
    assert_string_equal(gv_layer_value(l, 0, 1), NAMES[0]);
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_TCVN3);
    assert_int_equal(e.problem, 0);
    assert_null(e.cpg);
    assert_non_null(strstr(e.summary, "; empty .cpg (taken as none)"));
    gv_layer_free(l);
}

static void test_check_report(void **state) {
    (void)state;
    const char *ok = write_shp("chk_tcvn3", E_TCVN3, NULL, 0x57);
    const char *wrong = write_shp("chk_wrong", E_TCVN3, "UTF-8", 0x57);
    const char *txt = keep("chk.txt");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "check '%s' > '%s'", ok, txt);
    assert_int_equal(tu_run_cli(cmd, NULL), 0);
    char *t = tu_slurp(txt, NULL);
    /* 3 names + "TÊN": 4 + 4 + 3 + 1 = 12 words with a non-ASCII
     * letter, all syllables; confidence = posterior (odds 19^12 : ...,
     * ~1) x share (1). */
    assert_non_null(strstr(t, "    encoding: TCVN3 (detected from 12 words, 100.0% Vietnamese syllables, confidence "
                              "1.000); no .cpg; DBF LDID 0x57\n"));
    assert_non_null(strstr(t, "fields: code MA (guessed), name TÊN (guessed)"));
    free(t);
    snprintf(cmd, sizeof cmd, "check '%s' > '%s'", wrong, txt);
    assert_int_equal(tu_run_cli(cmd, NULL), 2);
    t = tu_slurp(txt, NULL);
    assert_non_null(strstr(t, "    encoding: PROBLEM: TCVN3 (detected from 12 words"));
    assert_non_null(strstr(t, "; .cpg 'UTF-8' is WRONG; DBF LDID 0x57\n"));
    assert_non_null(strstr(t, "      wrong .cpg: it says 'UTF-8' but the text is TCVN3 (not valid UTF-8)\n"));
    assert_non_null(strstr(t, "1 problem found"));
    free(t);
    const char *js = keep("chk.json");
    snprintf(cmd, sizeof cmd, "check --json '%s' '%s' > '%s'", ok, wrong, js);
    assert_int_equal(tu_run_cli(cmd, NULL), 2);
    json_object *r = tu_json_load(js);
    json_object *src = tu_json_get(r, "sources");
    json_object *L0 = json_object_array_get_idx(tu_json_get(json_object_array_get_idx(src, 0), "layers"), 0);
    json_object *L1 = json_object_array_get_idx(tu_json_get(json_object_array_get_idx(src, 1), "layers"), 0);
    assert_string_equal(tu_json_str(L0, "encoding"), "tcvn3");
    assert_string_equal(tu_json_str(L0, "encoding_info.detected"), "tcvn3");
    assert_null(tu_json_get(L0, "encoding_info.cpg"));
    assert_null(tu_json_get(L0, "encoding_info.cpg_agrees"));
    assert_int_equal(tu_json_int(L0, "encoding_info.ldid"), 0x57);
    assert_int_equal(tu_json_int(L0, "encoding_info.words"), 12);
    assert_int_equal(tu_json_int(L0, "encoding_info.bad_words"), 0);
    assert_int_equal(tu_json_int(L0, "problems"), 0);
    assert_string_equal(tu_json_str(L1, "encoding"), "tcvn3");
    assert_string_equal(tu_json_str(L1, "encoding_info.cpg"), "UTF-8");
    assert_false(json_object_get_boolean(tu_json_get(L1, "encoding_info.cpg_agrees")));
    assert_int_equal(tu_json_int(L1, "problems"), 1);
    assert_int_equal(tu_json_int(r, "problems"), 1);
    json_object_put(r);
    /* --encoding overrides, and the report says what the bytes said; a
     * forced reading that makes poor Vietnamese is a problem (exit 2),
     * with the word counts of both readings (the 12 words above, all
     * syllables in TCVN3). */
    snprintf(cmd, sizeof cmd, "check --json --encoding cp1258 '%s' > '%s'", ok, js);
    assert_int_equal(tu_run_cli(cmd, NULL), 2);
    r = tu_json_load(js);
    json_object *L = json_object_array_get_idx(tu_json_get(json_object_array_get_idx(tu_json_get(r, "sources"), 0), "layers"), 0);
    assert_string_equal(tu_json_str(L, "encoding"), "cp1258");
    assert_true(json_object_get_boolean(tu_json_get(L, "encoding_info.overridden")));
    assert_non_null(strstr(tu_json_str(L, "encoding_info.summary"), "the bytes alone say TCVN3"));
    {
        const char *t2 = json_object_to_json_string(L);
        if (!strstr(t2, "--encoding CP1258 reads poorly: ")) print_error("%s\n", t2);
        assert_non_null(strstr(t2, "--encoding CP1258 reads poorly: "));
        assert_non_null(strstr(t2, " words are Vietnamese syllables (as TCVN3: 12 of 12)"));
    }
    json_object_put(r);
    /* The right one forced: no problem. */
    snprintf(cmd, sizeof cmd, "check --json --encoding tcvn3 '%s' > '%s'", ok, js);
    assert_int_equal(tu_run_cli(cmd, NULL), 0);
    snprintf(cmd, sizeof cmd, "check --encoding klingon '%s'", ok);
    char *e = NULL;
    assert_int_equal(tu_run_cli(cmd, &e), 1);
    assert_non_null(strstr(e, "--encoding: unknown encoding 'klingon'"));
    free(e);
}

/* geovoice map joins a UTF-8 table by name to TCVN3, VNI and CP1258
 * boundaries: all three units matched, and the run says the encoding. */
static void test_map_join_by_name(void **state) {
    (void)state;
    const char *csv = keep("pop.csv");
    assert_int_equal(tu_write_file(csv, "name,pop\nThành phố Hà Nội,8000000\nThành phố Đà Nẵng,1200000\n"
                                        "Tỉnh Quảng Ngãi,1300000\n"),
                     0);
    const kind K[3] = {E_TCVN3, E_VNI, E_CP1258};
    const char *label[3] = {"TCVN3", "VNI", "CP1258"};
    for (int k = 0; k < 3; k++) {
        char sn[64];
        snprintf(sn, sizeof sn, "map%d", k);
        const char *shp = write_shp(sn, K[k], NULL, 0x57);
        char pn[64], rn[64];
        snprintf(pn, sizeof pn, "map%d.png", k);
        snprintf(rn, sizeof rn, "map%d.json", k);
        const char *png = keep(pn), *rep = keep(rn);
        char cmd[9000], *err = NULL;
        snprintf(cmd, sizeof cmd,
                 "map --shapes '%s' --data '%s' --join 'TÊN=name' --match name --value pop --size 60x60mm --dpi 50 "
                 "--report '%s' -o '%s'",
                 shp, csv, rep, png);
        int rc = tu_run_cli(cmd, &err);
        if (rc != 0) fail_msg("map %s: exit %d: %s", label[k], rc, err);
        char want[200];
        snprintf(want, sizeof want, "text encoding: %s (detected from 12 words", label[k]);
        assert_non_null(strstr(err, want));
        free(err);
        json_object *r = tu_json_load(rep);
        assert_int_equal(tu_json_int(r, "join.units_matched"), 3);
        assert_int_equal(tu_json_int(r, "join.rows_without_unit"), 0);
        assert_string_equal(tu_json_str(r, "inputs.encoding"), k == 0 ? "tcvn3" : k == 1 ? "vni" : "cp1258");
        json_object_put(r);
        assert_true(tu_exists(png));
    }
}

/* TCVN3 capitals with tones: "HuyÖn øng Hoµ" as typed without the capital
 * font reads "Huyện ứng Hoà" (counted, joins by name still match "Huyện
 * Ứng Hòa"); in a capital font (--encoding tcvn3-caps) all capitals. */
static void test_tcvn3_capitals(void **state) {
    (void)state;
    char *raw = ic("UTF-8", "TCVN5712-1", "Huyện ứng Hoà");
    assert_string_equal(raw, "Huy\xD6n \xF8ng Ho\xB5");
    const char *fields[2] = {"MA", "TEN"};
    const char *vals[2] = {"01", raw};
    const char *shp = write_raw("caps", fields, 2, 40, vals, 1, 0);
    gv_layer *l = open_ok(shp);
    gv_error err;
    assert_string_equal(gv_layer_value(l, 0, 1), "Huyện ứng Hoà");
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_TCVN3);
    assert_int_equal(e.small_capitals, 1);
    assert_non_null(strstr(e.summary, "1 words begin with a small toned letter where a capital was likely meant"));
    gv_layer_free(l);
    gv_layer_options o;
    gv_layer_options_init(&o);
    o.encoding = GV_ENC_TCVN3;
    o.encoding_flags = GV_TCVN3_CAPS;
    assert_int_equal(gv_layer_open_ex(shp, NULL, NULL, &o, &l, &err), GV_OK);
    assert_string_equal(gv_layer_value(l, 0, 1), "HUYỆN ỨNG HOÀ");
    assert_string_equal(gv_layer_field_name(l, 1), "TEN");
    gv_layer_free(l);
    /* The join by name (case-insensitive, tone placement hoà = hòa). */
    const char *csv = keep("caps.csv");
    assert_int_equal(tu_write_file(csv, "name,pop\nHuyện Ứng Hòa,200000\n"), 0);
    const char *rep = keep("caps.json"), *png = keep("caps.png");
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "map --shapes '%s' --data '%s' --join TEN=name --match name --value pop --size 60x60mm "
                              "--dpi 50 --report '%s' -o '%s'", shp, csv, rep, png);
    assert_int_equal(tu_run_cli(cmd, NULL), 0);
    json_object *r = tu_json_load(rep);
    assert_int_equal(tu_json_int(r, "join.units_matched"), 1);
    json_object_put(r);
    free(raw);
}

/* Too few words to tell: VNI "Sôn La" (Sơn La) is Sôn in CP1258 and Sụn
 * in TCVN3, all three syllables. The tie goes to CP1258 (posterior 1/3,
 * share 1: confidence 0.333) and is reported, never silent; --encoding
 * settles it. */
static void test_ambiguous(void **state) {
    (void)state;
    const char *fields[1] = {"TEN"};
    const char *vals[1] = {"S\xF4n La"};
    const char *shp = write_raw("ambiguous", fields, 1, 20, vals, 1, 0);
    gv_layer *l = open_ok(shp);
    gv_error err;
    assert_string_equal(gv_layer_value(l, 0, 0), "Sôn La");
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_CP1258);
    assert_float_equal(e.confidence, 1.0 / 3.0, 1e-9);
    assert_int_equal(e.problem, 1);
    assert_int_equal(e.nissues, 1);
    assert_string_equal(e.issues[0], "ambiguous: the text reads about as well in TCVN3 or VNI as in CP1258 "
                                     "(confidence 0.333); read as CP1258, pass --encoding to choose");
    gv_layer_free(l);
    gv_layer_options o;
    gv_layer_options_init(&o);
    o.encoding = GV_ENC_VNI;
    assert_int_equal(gv_layer_open_ex(shp, NULL, NULL, &o, &l, &err), GV_OK);
    assert_string_equal(gv_layer_value(l, 0, 0), "Sơn La");
    e = enc_of(l);
    assert_int_equal(e.problem, 0);
    gv_layer_free(l);
}

/* A GeoJSON (UTF-8 by its format) made from a VNI DBF by a tool that
 * read the DBF as Latin-1: "Thaønh phoá Haø Noäi" in UTF-8. The values
 * that tell by themselves (words that are not syllables) show it is VNI;
 * then every value whose bytes read well in VNI is repaired, "Xã Kim Anh"
 * too, whose garbled form "Xaõ Kim Anh" looks like syllables. */
static void test_mojibake_layer(void **state) {
    (void)state;
    const char *utf8[4] = {NAMES[0], NAMES[1], NAMES[2], "Xã Kim Anh"};
    const char *vni[4] = {VNI_NAMES[0], VNI_NAMES[1], VNI_NAMES[2], "Xa\xF5 Kim Anh"};
    char gj[8000];
    size_t w = (size_t)snprintf(gj, sizeof gj, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < 4; i++) {
        char *moji = ic("ISO-8859-1", "UTF-8", vni[i]);
        w += (size_t)snprintf(gj + w, sizeof gj - w,
                              "%s{\"type\":\"Feature\",\"properties\":{\"ma\":\"%d\",\"ten\":\"%s\"},"
                              "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,%d],[106,%d],[106,%d.5],"
                              "[105,%d.5],[105,%d]]]}}",
                              i ? "," : "", i + 1, moji, 10 + i, 10 + i, 10 + i, 10 + i, 10 + i);
        free(moji);
    }
    snprintf(gj + w, sizeof gj - w, "]}\n");
    const char *path = keep("moji.geojson");
    assert_int_equal(tu_write_file(path, gj), 0);
    gv_layer *l = open_ok(path);
    for (int i = 0; i < 4; i++) assert_string_equal(gv_layer_value(l, (size_t)i, 1), utf8[i]);
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.encoding, GV_ENC_UTF8);
    assert_int_equal(e.mojibake, 4);
    assert_int_equal(e.problem, 1);
    assert_non_null(strstr(e.summary, "; 4 values were VNI mojibake (repaired)"));
    assert_string_equal(e.issues[0], "mojibake: FID 0 field 'ten': 'Thaønh phoá Haø Noäi' is VNI text that an "
                                     "earlier conversion read as Windows-1252/Latin-1: read as 'Thành phố Hà Nội' "
                                     "(convert the file again from its source)");
    gv_layer_free(l);
}

/* A valid UTF-8 name beside one mojibake value: the mojibake is repaired,
 * the valid name is taken as written (its bytes read as TCVN3 would also
 * be syllables: "Hoà Bình" would become "Hồ Bình"). */
static void test_mojibake_keeps_valid(void **state) {
    (void)state;
    char *moji = ic("ISO-8859-1", "UTF-8", "H\xB5 N\xE9i"); /* TCVN3 "Hà Nội" read as Latin-1 */
    char gj[2000];
    snprintf(gj, sizeof gj,
             "{\"type\":\"FeatureCollection\",\"features\":["
             "{\"type\":\"Feature\",\"properties\":{\"ma\":\"1\",\"ten\":\"Hoà Bình\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,20],[106,20],[106,21],[105,21],[105,20]]]}},"
             "{\"type\":\"Feature\",\"properties\":{\"ma\":\"2\",\"ten\":\"%s\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[105,21],[106,21],[106,22],[105,22],[105,21]]]}}]}\n",
             moji);
    free(moji);
    const char *path = keep("moji-valid.geojson");
    assert_int_equal(tu_write_file(path, gj), 0);
    gv_layer *l = open_ok(path);
    assert_string_equal(gv_layer_value(l, 0, 1), "Hoà Bình");
    assert_string_equal(gv_layer_value(l, 1, 1), "Hà Nội");
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.mojibake, 1);
    assert_non_null(strstr(e.summary, "; 1 values were TCVN3 mojibake (repaired)"));
    gv_layer_free(l);
}

/* Text that is Vietnamese in no encoding geovoice knows (Latin-1 French):
 * without a .cpg an error naming file, feature, field and bytes; with a
 * .cpg naming its code page, read as the .cpg says. */
static void test_not_vietnamese(void **state) {
    (void)state;
    const char *fields[1] = {"NAME"};
    const char *vals[2] = {"C\xF4te d'Ivoire", "Fran\xE7" "aise"};
    const char *shp = write_raw("latin1", fields, 1, 20, vals, 2, 0);
    gv_layer *l = NULL;
    gv_error err;
    assert_int_equal(gv_layer_open(shp, NULL, NULL, &l, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, shp));
    assert_non_null(strstr(err.msg, ": FID 0 field 'NAME': 'C\\xF4te d'Ivoire': the text is not UTF-8 and not "
                                    "Vietnamese in CP1258, TCVN3 or VNI, and no .cpg says what it is; pass --encoding"));
    char cpg[4300];
    snprintf(cpg, sizeof cpg, "%s/latin1.cpg", dir());
    assert_int_equal(tu_write_file(cpg, "1252"), 0);
    l = open_ok(shp);
    assert_string_equal(gv_layer_value(l, 0, 0), "Côte d'Ivoire");
    assert_string_equal(gv_layer_value(l, 1, 0), "Française");
    gv_layer_encoding_info e = enc_of(l);
    assert_int_equal(e.detected, GV_ENC_UNKNOWN);
    assert_int_equal(e.problem, 0);
    assert_non_null(strstr(e.summary, "read as the .cpg says (CP1252)"));
    gv_layer_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_encoding),  cmocka_unit_test(test_where_filter),
        cmocka_unit_test(test_truncated_utf8), cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_check_report),   cmocka_unit_test(test_map_join_by_name),
        cmocka_unit_test(test_tcvn3_capitals), cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_mojibake_layer), cmocka_unit_test(test_empty_cpg), cmocka_unit_test(test_mixed_legacy), cmocka_unit_test(test_mojibake_keeps_valid), cmocka_unit_test(test_not_vietnamese),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (!getenv("GV_KEEP")) tu_rmtree(dir());
    return rc;
}
