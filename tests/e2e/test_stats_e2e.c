/* test_stats_e2e.c: `geovoice stats urban-rural|ethnic`, end to end through
 * the CLI, on small tables written here (values worked out by hand in the
 * comments) and on the real 2019 census tables of ../shared/data/vn/census
 * (published figures quoted from census/SOURCES.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DATA GV_TEST_DATADIR
#define CENSUS DATA "/census/provinces_2019.csv"
#define ETHNIC DATA "/census/ethnic_2019_by_province.csv"

#define NEED_DATA()                                                                                             \
    do {                                                                                                        \
        if (!tu_have_data()) skip();                                                                            \
    } while (0)

static char errbuf[16384];

/* tu_path/tu_tmpdir return rotating static buffers: keep copies. */
static char *keep(const char *s) {
    static char slots[8][4096];
    static int next;
    char *d = slots[next++ % 8];
    snprintf(d, 4096, "%s", s);
    return d;
}

/* Runs `geovoice stats ARGS`; stderr into errbuf; returns the exit code. */
static int run(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(tu_path("stats %s", args), &err);
    snprintf(errbuf, sizeof errbuf, "%s", err ? err : "");
    free(err);
    return rc;
}

#define keep_path(...) keep(tu_path(__VA_ARGS__))

/* Cell of the row whose first field is `code`, column `col`, in a CSV
 * written by geovoice (no embedded newlines). Static buffer; NULL when the
 * row or column is absent. */
static const char *cell(const char *path, const char *code, const char *col) {
    static char out[1024];
    char *text = tu_slurp(path, NULL);
    if (!text) return NULL;
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    char *hdr[128];
    char hbuf[8192];
    snprintf(hbuf, sizeof hbuf, "%s", line ? line : "");
    int nh = tu_csv_split(hbuf, hdr, 128), ci = -1;
    for (int i = 0; i < nh; i++)
        if (!strcmp(hdr[i], col)) ci = i;
    const char *res = NULL;
    while (ci >= 0 && (line = strtok_r(NULL, "\n", &save))) {
        char *f[128];
        int n = tu_csv_split(line, f, 128);
        if (n > ci && !strcmp(f[0], code)) {
            snprintf(out, sizeof out, "%s", f[ci]);
            res = out;
            break;
        }
    }
    free(text);
    return res;
}

static double num(const char *path, const char *code, const char *col) {
    const char *c = cell(path, code, col);
    if (!c || !*c) {
        print_error("%s: no value for %s / %s\n", path, code, col);
        return NAN;
    }
    return strtod(c, NULL);
}

static int count_lines(const char *path) {
    char *t = tu_slurp(path, NULL);
    int n = 0;
    for (char *p = t; p && *p; p++) n += *p == '\n';
    free(t);
    return n;
}

/* Region roll-up of the 63 provinces: the published 2019 figures (GSO;
 * census/SOURCES.md §1): Đồng bằng sông Hồng 22,543,607; Bắc Trung Bộ và
 * Duyên hải miền Trung 20,187,293; Đông Nam Bộ 17,828,907; Tây Nguyên
 * 5,842,681; the nation 96,208,984. Region codes R1..R6 follow the order in
 * which regions first appear in shapes/regions_vn-2019.csv (01 Hà Nội: ĐBSH
 * = R1; 02 Hà Giang: TDMNPB = R2; then BTB&DHMT = R3 from 38 Thanh Hóa,
 * Tây Nguyên = R4 from 62 Kon Tum, ĐNB = R5 from 70 Bình Phước, ĐBSCL = R6
 * from 80 Long An); the test looks rows up by name to be independent of that. */
static const char *region_code(const char *path, const char *name) {
    static const char *codes[] = {"R1", "R2", "R3", "R4", "R5", "R6"};
    for (int i = 0; i < 6; i++) {
        const char *n = cell(path, codes[i], "name");
        if (n && !strcmp(n, name)) return codes[i];
    }
    return "none";
}

static void test_region_rollup_real(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-region"));
    const char *out = keep_path("%s/regions.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level region -o '%s'", CENSUS, out)), 0);
    assert_int_equal(count_lines(out), 7); /* header + 6 regions */
    assert_true(num(out, region_code(out, "Đồng bằng sông Hồng"), "population") == 22543607);
    assert_true(num(out, region_code(out, "Bắc Trung Bộ và Duyên hải miền Trung"), "population") == 20187293);
    assert_true(num(out, region_code(out, "Đông Nam Bộ"), "population") == 17828907);
    assert_true(num(out, region_code(out, "Tây Nguyên"), "population") == 5842681);
    double s = 0;
    for (int i = 1; i <= 6; i++) s += num(out, tu_path("R%d", i), "population");
    assert_true(s == 96208984);
    assert_non_null(strstr(errbuf, "national total 96208984 = published 96208984"));
    assert_non_null(strstr(errbuf, "regions sum to 96208984 of 96208984"));

    /* Nation: the warehouse urban/rural sums (SOURCES.md §1: urban
     * 33,122,548, rural 63,086,436); urban_share = 33122548 / 96208984 =
     * 0.344277 (shares recomputed from sums, not averaged). */
    out = keep_path("%s/nation.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level nation -o '%s'", CENSUS, out)), 0);
    assert_true(num(out, "VN", "population") == 96208984);
    assert_true(num(out, "VN", "urban") == 33122548);
    assert_true(num(out, "VN", "rural") == 63086436);
    assert_true(fabs(num(out, "VN", "urban_share") - 33122548.0 / 96208984.0) < 1e-6);
    assert_true(fabs(num(out, "VN", "urban_rural_ratio") - 33122548.0 / 63086436.0) < 1e-6);
    /* density = population / geodesic area (Viet Nam's land ~331,000 km²;
     * the 2019 polygons hold ~ that, islands included). */
    double area = num(out, "VN", "area_km2");
    assert_true(area > 320000 && area < 345000);
    assert_true(fabs(num(out, "VN", "density") - 96208984.0 / area) < 1e-3);

    /* District table rolled up to provinces via its province column: the
     * same 63 totals as the province table (SOURCES.md: district rows add
     * to their provinces); Hà Nội 8,053,663. */
    out = keep_path("%s/from_districts.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s/census/districts_2019.csv' --level province -o '%s'", DATA, out)), 0);
    assert_true(num(out, "01", "population") == 8053663);
    assert_true(num(out, "01", "urban") == 3962310);

    /* Communes to districts through the table's own district_code column:
     * the districts' census totals (districts_2019.csv: 001 Ba Đình
     * 221,893; 221 Yên Dũng 152,125 and 358 Mỹ Lộc 72,514, whose communes
     * the units list of 2025 puts in other districts). */
    out = keep_path("%s/districts_from_communes.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s/census/communes_2019.csv' --level district -o '%s'", DATA, out)), 0);
    assert_true(num(out, "001", "population") == 221893);
    assert_true(num(out, "221", "population") == 152125);
    assert_true(num(out, "358", "population") == 72514);
    assert_non_null(strstr(errbuf, "rows placed by the table's own district_code column ("));
    tu_rmtree(dir);
}

/* An empty count leaves its unit empty, and says which row and column:
 * Hà Nội's population cell emptied leaves region R1 (its region) empty;
 * the regions then sum to the national 96,208,984 less R1's 22,543,607. */
static void test_empty_count_named(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-empty"));
    const char *csv = keep_path("%s/t.csv", dir), *out = keep_path("%s/r.csv", dir);
    char *t = tu_slurp(CENSUS, NULL);
    assert_non_null(t);
    char *p = strstr(t, "\n01,Hà Nội,Đồng bằng sông Hồng,8053663,");
    assert_non_null(p);
    p += strlen("\n01,Hà Nội,Đồng bằng sông Hồng,");
    memmove(p, p + 7, strlen(p + 7) + 1); /* drop "8053663" */
    assert_int_equal(tu_write_file(csv, t), 0);
    free(t);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level region -o '%s'", csv, out)), 0);
    const char *r1 = region_code(out, "Đồng bằng sông Hồng");
    assert_non_null(strstr(errbuf, tu_path("row 1 (line 2) code '01', column 'population_total': empty count: region %s is left empty", r1)));
    assert_non_null(strstr(errbuf, tu_path("regions sum to %.0f of %.0f (1 regions left empty by an empty count, rows named above)",
                                           96208984.0 - 22543607.0, 96208984.0 - 8053663.0)));
    tu_rmtree(dir);
}

/* The nation sums the set's units only: a row with a code from nowhere or
 * no code (a "Cả nước" total) is listed, not added. */
static void test_nation_rejects(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-nation"));
    const char *csv = keep_path("%s/t.csv", dir), *out = keep_path("%s/n.csv", dir);
    assert_int_equal(tu_write_file(csv, "gso_code,population_total,population_urban,population_rural\n"
                                        "99,1000,500,500\n01,8053663,3962310,4091353\n,96208984,,\n"),
                     0);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level nation -o '%s'", csv, out)), 0);
    assert_true(num(out, "VN", "population") == 8053663);
    assert_non_null(strstr(errbuf, "2 rows carried to no nation (population 96209984):"));
    assert_non_null(strstr(errbuf, "row 1 (line 2) code '99' (population 1000): code not in the set's units"));
    assert_non_null(strstr(errbuf, "row 3 (line 4) code '' (population 96208984): empty code"));
    tu_rmtree(dir);
}

/* urban + rural = population per row; a planted bad row is reported with
 * its code (exit 0, the row's indicators still computed), and --strict
 * makes it an error with nothing written. */
static void test_urban_rural_check(void **state) {
    (void)state;
    const char *dir = keep(tu_tmpdir("stats-check"));
    const char *in = keep_path("%s/pop.csv", dir);
    /* 01: 100 + 300 = 400 ok. 2: 50 + 60 = 110 != 120 (planted). */
    tu_write_file(in, "code,population,urban,rural\n01,400,100,300\n2,120,50,60\n");
    const char *out = keep_path("%s/o.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level province -o '%s'", in, out)), 0);
    assert_non_null(strstr(errbuf, "row 2 (line 3) code '2': urban 50 + rural 60 = 110, not population 120"));
    assert_non_null(strstr(errbuf, "1 rows where urban + rural != population"));
    /* 01: urban_share = 100/400 = 0.25; ratio = 100/300 = 0.333333. */
    assert_null(strstr(errbuf, "rural = 0"));
    assert_true(num(out, "01", "urban_share") == 0.25);
    assert_true(fabs(num(out, "01", "urban_rural_ratio") - 1.0 / 3) < 1e-6);
    assert_true(num(out, "02", "population") == 120); /* code written back padded */
    /* The other provinces of vn-2019 are there, without data. */
    if (tu_have_data()) {
        assert_int_equal(count_lines(out), 64);
        assert_string_equal(cell(out, "79", "notes"), "no data");
        assert_string_equal(cell(out, "79", "population"), "");
        /* national total 520 against the published 96,208,984: reported */
        assert_non_null(strstr(errbuf, "national total 520 differs from the published 96208984"));
    }
    /* A unit with rural 0 (an urban district): its ratio is missing and
     * reported, never infinite or 0. */
    const char *in3 = keep_path("%s/zero.csv", dir);
    tu_write_file(in3, "code,population,urban,rural\n01,400,400,0\n");
    assert_int_equal(run(tu_path("urban-rural --data '%s' -o '%s'", in3, out)), 0);
    assert_non_null(strstr(errbuf, "1 units with rural = 0 (urban_rural_ratio missing), 0 with population 0"));
    assert_string_equal(cell(out, "01", "urban_rural_ratio"), "");
    assert_true(num(out, "01", "urban_share") == 1);
    const char *out2 = keep_path("%s/strict.csv", dir);
    tu_write_file(in, "code,population,urban,rural\n01,400,100,300\n02,120,50,60\n");
    assert_int_equal(run(tu_path("urban-rural --data '%s' --strict -o '%s'", in, out2)), 2);
    assert_non_null(strstr(errbuf, "code '02': urban 50 + rural 60 = 110, not population 120"));
    assert_false(tu_exists(out2));
    assert_int_equal(tu_dir_count(dir, NULL, 0), 3); /* pop.csv, zero.csv, o.csv: no temporary left */
    tu_rmtree(dir);
}

/* Ethnic indicators on a small table. Province 01: Kinh 50, Tày 30, Other
 * 20 (total 100) -> shares .5/.3/.2, Simpson 1-(.25+.09+.04) = 0.62,
 * Shannon .5 ln2 + .3 ln(1/.3) + .2 ln5 = 0.346574+0.361192+0.321888 =
 * 1.029653, minority share 1-.5 = 0.5, dominant Kinh (Other is not a group).
 * Province 02: Kinh 100 only -> Tày "under 0.05% / not listed" (never 0),
 * Simpson 0, Shannon 0, minority 0.
 * Nation: Kinh 150, Tày 30, Other 20 (200) -> p .75/.15/.10; Simpson
 * 1-(.5625+.0225+.01) = 0.405; Shannon .75 ln(4/3) + .15 ln(1/.15) + .1 ln10
 * = 0.215762+0.284568+0.230259 = 0.730588. */
static void test_ethnic_small(void **state) {
    (void)state;
    const char *dir = keep(tu_tmpdir("stats-ethnic"));
    const char *in = keep_path("%s/eth.csv", dir);
    tu_write_file(in, "code,group,population\n01,Kinh,50\n01,Tày,30\n01,Other (groups <0.05%),20\n02,Kinh,100\n");
    const char *out = keep_path("%s/p.csv", dir);
    assert_int_equal(run(tu_path("ethnic --data '%s' --level province -o '%s'", in, out)), 0);
    assert_true(fabs(num(out, "01", "simpson") - 0.62) < 1e-6);
    assert_true(fabs(num(out, "01", "shannon") - 1.029653) < 1e-6);
    assert_true(fabs(num(out, "01", "minority_share") - 0.5) < 1e-6);
    assert_true(fabs(num(out, "01", "share_tay") - 0.3) < 1e-6);
    assert_true(fabs(num(out, "01", "share_other") - 0.2) < 1e-6);
    assert_string_equal(cell(out, "01", "dominant_group"), "Kinh");
    assert_string_equal(cell(out, "02", "share_tay"), "under 0.05% / not listed");
    assert_string_equal(cell(out, "02", "not_listed"), "tay");
    assert_true(num(out, "02", "simpson") == 0);
    assert_true(num(out, "02", "minority_share") == 0);
    assert_non_null(strstr(cell(out, "01", "notes"), "lower bounds"));
    assert_non_null(strstr(errbuf, "Simpson and Shannon are lower bounds"));
    /* A unit whose rows do not list Kinh (04: Tày 10 only): its minority
     * share is not known exactly but is above 99.95 %; said so, never 0
     * or 1. */
    const char *in4 = keep_path("%s/eth4.csv", dir), *out4 = keep_path("%s/p4.csv", dir);
    tu_write_file(in4, "code,group,population\n01,Kinh,50\n04,Tày,10\n");
    assert_int_equal(run(tu_path("ethnic --data '%s' -o '%s'", in4, out4)), 0);
    assert_string_equal(cell(out4, "04", "minority_share"), "over 99.95% (Kinh under 0.05% / not listed)");
    assert_string_equal(cell(out4, "04", "share_kinh"), "under 0.05% / not listed");
    assert_string_equal(cell(out4, "04", "dominant_group"), "Tày");

    out = keep_path("%s/n.csv", dir);
    assert_int_equal(run(tu_path("ethnic --data '%s' --level nation -o '%s'", in, out)), 0);
    assert_true(fabs(num(out, "VN", "simpson") - 0.405) < 1e-6);
    assert_true(fabs(num(out, "VN", "shannon") - 0.730588) < 1e-6);
    assert_true(fabs(num(out, "VN", "share_kinh") - 0.75) < 1e-9);

    /* --keep Kinh: Tày joins Other in share_other = (30+20)/100 = 0.5. */
    out = keep_path("%s/k.csv", dir);
    assert_int_equal(run(tu_path("ethnic --data '%s' --keep Kinh -o '%s'", in, out)), 0);
    assert_true(fabs(num(out, "01", "share_other") - 0.5) < 1e-9);
    assert_null(cell(out, "01", "share_tay"));
    assert_int_equal(run(tu_path("ethnic --data '%s' --keep Kinh,Chăm -o '%s'", in, out)), 1);
    assert_non_null(strstr(errbuf, "--keep: group 'Chăm' is not in"));
    tu_rmtree(dir);
}

/* Real ethnic table, nation: Kinh share 82,085,826 / 96,208,984 =
 * 0.853203 (SOURCES.md §2: the province rows of Kinh add to the national
 * figure); Ơ Đu is listed in no province (§3: 0 %). */
static void test_ethnic_real(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-ethnic-real"));
    const char *out = keep_path("%s/n.csv", dir);
    assert_int_equal(run(tu_path("ethnic --data '%s' --level nation -o '%s'", ETHNIC, out)), 0);
    assert_true(num(out, "VN", "population") == 96208984);
    assert_true(fabs(num(out, "VN", "share_kinh") - 82085826.0 / 96208984.0) < 1e-6);
    assert_true(fabs(num(out, "VN", "minority_share") - (1 - 82085826.0 / 96208984.0)) < 1e-6);
    out = keep_path("%s/p.csv", dir);
    assert_int_equal(run(tu_path("ethnic --data '%s' --level province -o '%s'", ETHNIC, out)), 0);
    /* Hà Nội (01): Kinh 7,945,411 of 8,053,663 (the file's rows add to the
     * province total); Cao Bằng (04) is mostly Tày. */
    assert_true(fabs(num(out, "01", "share_kinh") - 7945411.0 / 8053663.0) < 1e-6);
    assert_string_equal(cell(out, "04", "dominant_group"), "Tày");
    assert_string_equal(cell(out, "01", "share_khmer"), "under 0.05% / not listed");
    tu_rmtree(dir);
}

/* GeoPackage output read back with OGR: layer, field names (ASCII, no
 * spaces), feature count, a value, geometry present; region polygons are
 * dissolved (6 features). */
static void test_gpkg(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-gpkg"));
    char out[4096];
    snprintf(out, sizeof out, "%s/p.gpkg", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' -o '%s'", CENSUS, out)), 0);
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "urban_rural_province");
    assert_non_null(L);
    assert_int_equal(OGR_L_GetFeatureCount(L, 1), 63);
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(L);
    const char *want[] = {"code", "name", "population", "urban", "rural", "urban_share", "rural_share",
                          "urban_rural_ratio", "area_km2", "density"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) assert_true(OGR_FD_GetFieldIndex(fd, want[i]) >= 0);
    for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++)
        for (const char *p = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)); *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
    OGR_L_SetAttributeFilter(L, "code = '79'");
    OGRFeatureH f = OGR_L_GetNextFeature(L);
    assert_non_null(f);
    assert_true(OGR_F_GetFieldAsInteger64(f, OGR_FD_GetFieldIndex(fd, "population")) == 8993082); /* TP HCM, SOURCES.md */
    assert_non_null(OGR_F_GetGeometryRef(f));
    OGR_F_Destroy(f);
    GDALClose(ds);

    snprintf(out, sizeof out, "%s/r.gpkg", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level region -o '%s'", CENSUS, out)), 0);
    ds = GDALOpenEx(out, GDAL_OF_VECTOR, NULL, NULL, NULL);
    assert_non_null(ds);
    L = GDALDatasetGetLayer(ds, 0);
    assert_int_equal(OGR_L_GetFeatureCount(L, 1), 6);
    double total = 0;
    OGR_L_ResetReading(L);
    while ((f = OGR_L_GetNextFeature(L))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        assert_non_null(g);
        assert_true(OGR_G_IsValid(g));
        total += (double)OGR_F_GetFieldAsInteger64(f, OGR_F_GetFieldIndex(f, "population"));
        OGR_F_Destroy(f);
    }
    assert_true(total == 96208984);
    GDALClose(ds);
    /* Same inputs, same bytes. */
    char out2[4096];
    snprintf(out2, sizeof out2, "%s/r2.gpkg", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level region -q -o '%s'", CENSUS, out2)), 0);
    size_t n1, n2;
    char *a = tu_slurp(out, &n1), *b = tu_slurp(out2, &n2);
    assert_true(a && b && n1 == n2 && !memcmp(a, b, n1));
    free(a);
    free(b);
    tu_rmtree(dir);
}

/* A 2019 table against vn-2025 cannot pass silently (SPEC "Words": codes
 * belong to a set): reused codes are named with both names (15 was Yên Bái
 * in 2019 and is Lào Cai in 2025, census/SOURCES.md §4), codes gone are
 * listed with their population (02 Hà Giang 854,679), and --strict fails. */
static void test_wrong_set(void **state) {
    (void)state;
    NEED_DATA();
    const char *dir = keep(tu_tmpdir("stats-wrongset"));
    const char *out = keep_path("%s/o.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2025 -o '%s'", CENSUS, out)), 0);
    assert_non_null(strstr(errbuf, "8 rows whose name is not the name of their code's unit in 'vn-2025'"));
    assert_non_null(strstr(errbuf, "row 10 (line 11) code '15': 'Yên Bái' in the table but 'Tỉnh Lào Cai' in vn-2025"));
    assert_non_null(strstr(errbuf, "29 rows carried to no province"));
    assert_non_null(strstr(errbuf, "row 2 (line 3) code '02' (population 854679): code not among the output units"));
    /* On its own set only the real rename of 46 is reported. */
    assert_int_equal(run(tu_path("urban-rural --data '%s' -o '%s'", CENSUS, out)), 0);
    assert_non_null(strstr(errbuf, "1 rows whose name is not the name"));
    assert_non_null(strstr(errbuf, "code '46': 'Thừa Thiên Huế' in the table but 'Thành phố Huế' in vn-2019"));
    tu_rmtree(dir);
    const char *dir2 = keep(tu_tmpdir("stats-wrongset2"));
    out = keep_path("%s/o.csv", dir2);
    assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2025 --strict -q -o '%s'", CENSUS, out)), 2);
    assert_non_null(strstr(errbuf, "code '15': 'Yên Bái' in the table but 'Tỉnh Lào Cai' in vn-2025 (--strict)"));
    assert_int_equal(tu_dir_count(dir2, NULL, 0), 0);
    tu_rmtree(dir2);
}

/* Errors: exit code, one line naming what is wrong, nothing written. */
static void test_errors(void **state) {
    (void)state;
    const char *dir = keep(tu_tmpdir("stats-err"));
    const char *in = keep_path("%s/pop.csv", dir);
    tu_write_file(in, "code,population,urban,rural\n01,400,100,300\n02,abc,1,2\n");
    char out[4096];
    snprintf(out, sizeof out, "%s/o.csv", dir);
    assert_int_equal(run(tu_path("urban-rural --data '%s' -q -o '%s'", in, out)), 2);
    assert_non_null(strstr(errbuf, "row 2 (line 3), column 'population': 'abc' is not a number"));
    assert_false(tu_exists(out));
    assert_int_equal(run(tu_path("urban-rural --data '%s/missing.csv' -q -o '%s'", dir, out)), 2);
    assert_non_null(strstr(errbuf, "missing.csv"));
    assert_int_equal(run(tu_path("urban-rural --data '%s' --level ward -q -o '%s'", in, out)), 1);
    assert_non_null(strstr(errbuf, "--level ward"));
    assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2030 -q -o '%s'", in, out)), 1);
    assert_non_null(strstr(errbuf, "boundary set 'vn-2030' not found"));
    assert_int_equal(run(tu_path("urban-rural --data '%s' -q -o '%s/o.txt'", in, dir)), 1);
    assert_int_equal(run(tu_path("bogus --data '%s' -o '%s'", in, out)), 1);
    /* vn-2025 has no region table: --groups is required, and said so. */
    tu_write_file(in, "code,population,urban,rural\n01,400,100,300\n");
    assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2025 --level region -q -o '%s'", in, out)), 1);
    assert_non_null(strstr(errbuf, "'vn-2025' carries no 'region' grouping table; give one with --groups FILE"));
    /* ... and with one, it works. */
    const char *grp = keep_path("%s/g.csv", dir);
    tu_write_file(grp, "code,group\n1,North\n");
    if (tu_have_data()) {
        assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2025 --level region --groups '%s' -o '%s'", in, grp, out)), 0);
        assert_true(num(out, "R1", "population") == 400);
        assert_non_null(strstr(errbuf, "33 of 34 provinces of 'vn-2025' are in no group"));
    }
    /* Province rows cannot be split into communes. */
    assert_int_equal(run(tu_path("urban-rural --data '%s' --set vn-2025 --level commune -q -o '%s'", in, out)), 1);
    assert_non_null(strstr(errbuf, "cannot be split into communes"));
    /* Output folder missing: exit 3. */
    assert_int_equal(run(tu_path("urban-rural --data '%s' -q -o '%s/nodir/o.csv'", in, dir)), 3);
    /* Mixed levels (a province and a district of Hà Giang's code 002)
     * would be summed into the wrong province: refused, naming both rows. */
    remove(out);
    tu_write_file(in, "code,population,urban,rural\n01,100,50,50\n002,10,5,5\n");
    assert_int_equal(run(tu_path("urban-rural --data '%s' -q -o '%s'", in, out)), 2);
    assert_non_null(strstr(errbuf, "column 'code' mixes levels: row 1 (line 2) '01' is a province code, row 2 (line 3) "
                                   "'002' a district code"));
    /* The same unit twice ("01" and "1"): refused, not summed. */
    tu_write_file(in, "code,population,urban,rural\n01,100,50,50\n1,100,50,50\n");
    assert_int_equal(run(tu_path("urban-rural --data '%s' -q -o '%s'", in, out)), 2);
    assert_non_null(strstr(errbuf, "rows 1 and 2 (lines 2 and 3), column 'code': code '1' given twice"));
    tu_write_file(in, "code,group,population\n01,Kinh,100\n01,Tày,5\n01,Kinh,3\n");
    assert_int_equal(run(tu_path("ethnic --data '%s' -q -o '%s'", in, out)), 2);
    assert_non_null(strstr(errbuf, "rows 1 and 3 (lines 2 and 4), column 'code': code '01' with group 'Kinh' given twice"));
    assert_false(tu_exists(out));
    /* An empty count: the unit is no data, never a population of 0. */
    tu_write_file(in, "code,group,population\n01,Kinh,100\n01,Tày,5\n04,Kinh,\n04,Tày,7\n");
    assert_int_equal(run(tu_path("ethnic --data '%s' -q -o '%s'", in, out)), 0);
    assert_string_equal(cell(out, "04", "population"), "");
    assert_string_equal(cell(out, "04", "minority_share"), "");
    assert_non_null(strstr(cell(out, "04", "notes"), "a count is missing"));
    assert_true(num(out, "01", "population") == 105);
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_rollup_real), cmocka_unit_test(test_urban_rural_check),
        cmocka_unit_test(test_ethnic_small),       cmocka_unit_test(test_ethnic_real),
        cmocka_unit_test(test_gpkg),               cmocka_unit_test(test_errors),
        cmocka_unit_test(test_wrong_set), cmocka_unit_test(test_nation_rejects), cmocka_unit_test(test_empty_count_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
