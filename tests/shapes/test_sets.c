/* test_sets.c: boundary sets (manifests, search path), the unit hierarchy
 * and groupings (shapes/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/sets.h"
#include "testutil.h"

static void test_code_key(void **state) {
    (void)state;
    char k[16];
    assert_int_equal(gv_code_key("01", k, sizeof k, NULL), GV_OK);
    assert_string_equal(k, "1");
    assert_int_equal(gv_code_key("1.0", k, sizeof k, NULL), GV_OK);
    assert_string_equal(k, "1");
    assert_int_equal(gv_code_key("00", k, sizeof k, NULL), GV_OK);
    assert_string_equal(k, "0");
    assert_int_equal(gv_code_key("00123", k, sizeof k, NULL), GV_OK);
    assert_string_equal(k, "123");
    assert_int_equal(gv_code_key("1a", k, sizeof k, NULL), GV_EDATA);
    assert_int_equal(gv_level_parse("Province"), GV_LEVEL_PROVINCE);
    assert_int_equal(gv_level_parse("nope"), GV_LEVEL_NONE);
    assert_string_equal(gv_level_name(GV_LEVEL_REGION), "region");
}

/* A small hierarchy written here: 2 provinces, 2 districts, 3 communes, a
 * code that lost its leading zero ("1" for 01) and one orphan commune. */
static void test_units_small(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("units");
    const char *p = tu_path("%s/u.csv", dir);
    tu_write_file(p, "level,code,name,type,parent_code\n"
                     "province,01,Hà Nội,Thành phố,\n"
                     "province,02,Hà Giang,Tỉnh,\n"
                     "district,001,Ba Đình,Quận,1\n"
                     "district,024,Hà Giang,Thành phố,02\n"
                     "commune,00001,Phúc Xá,Phường,001\n"
                     "commune,00688,Quang Trung,Phường,024\n"
                     "commune,00999,Lost,Xã,998\n");
    gv_units *u = NULL;
    gv_error err;
    assert_int_equal(gv_units_read(p, NULL, NULL, NULL, NULL, NULL, &u, &err), GV_OK);
    assert_int_equal(gv_units_count(u), 7);
    assert_int_equal(gv_units_count_level(u, GV_LEVEL_COMMUNE), 3);
    const gv_unit *c = gv_units_find(u, GV_LEVEL_COMMUNE, "1");
    assert_non_null(c);
    assert_string_equal(c->code, "00001");
    assert_string_equal(c->name, "Phúc Xá");
    const gv_unit *d = gv_units_parent(u, c);
    assert_non_null(d);
    assert_string_equal(d->code, "001");
    const gv_unit *pr = gv_units_ancestor(u, c, GV_LEVEL_PROVINCE);
    assert_non_null(pr);
    assert_string_equal(pr->code, "01"); /* parent written "1" in the table */
    assert_ptr_equal(gv_units_ancestor(u, pr, GV_LEVEL_PROVINCE), pr);
    /* Province 01 and commune 00001 share key "1": the level decides. */
    assert_string_equal(gv_units_find(u, GV_LEVEL_PROVINCE, "1")->name, "Hà Nội");
    assert_string_equal(gv_units_find(u, GV_LEVEL_DISTRICT, "1")->code, "001");
    assert_null(gv_units_find(u, GV_LEVEL_DISTRICT, "2"));
    assert_int_equal(gv_units_orphans(u), 1);
    assert_null(gv_units_parent(u, gv_units_find(u, GV_LEVEL_COMMUNE, "00999")));
    gv_units_free(u);

    /* Duplicate code within a level: an error naming both rows. */
    tu_write_file(p, "level,code,name\nprovince,01,A\nprovince,1,B\n");
    assert_int_equal(gv_units_read(p, NULL, NULL, NULL, NULL, NULL, &u, &err), GV_EDATA);
    assert_null(u);
    assert_non_null(strstr(err.msg, "rows 1 (line 2) and 2 (line 3)"));
    /* Unknown level word: names file, row and column. */
    tu_write_file(p, "level,code,name\nprovince,01,A\nward,00001,B\n");
    assert_int_equal(gv_units_read(p, NULL, NULL, NULL, NULL, NULL, &u, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "row 2 (line 3), column 'level': level 'ward'"));
    tu_rmtree(dir);
}

static void test_grouping_small(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("grp");
    const char *p = tu_path("%s/g.csv", dir);
    tu_write_file(p, "code,group\n1,North\n02,North\n79,South\n79,South\n");
    gv_grouping *g = NULL;
    gv_error err;
    assert_int_equal(gv_grouping_read(p, NULL, NULL, &g, &err), GV_OK);
    assert_int_equal(gv_grouping_count(g), 3); /* the repeated 79 counts once */
    assert_int_equal(gv_grouping_ngroups(g), 2);
    assert_string_equal(gv_grouping_group_at(g, 0), "North");
    assert_string_equal(gv_grouping_group(g, "01"), "North");
    assert_string_equal(gv_grouping_group(g, "2"), "North");
    assert_null(gv_grouping_group(g, "03"));
    gv_grouping_free(g);
    tu_write_file(p, "code,group\n1,North\n01,South\n");
    assert_int_equal(gv_grouping_read(p, NULL, NULL, &g, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "code '1' is in group 'North' on row 1 (line 2) and 'South' on row 2 (line 3)"));
    tu_write_file(p, "code,group\n1,\n");
    assert_int_equal(gv_grouping_read(p, NULL, NULL, &g, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "row 1 (line 2), column 'group': empty group"));
    tu_write_file(p, "ma_so,x\n1,a\n");
    assert_int_equal(gv_grouping_read(p, NULL, NULL, &g, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "no code column"));
    tu_rmtree(dir);
}

/* Built-in sets, on the real data. Expected counts are those of
 * ../shared/data/vn/README.md (units_2019: 63 + 696 + 10,047; units_2025:
 * 34 + 3,321). */
static void test_builtin_sets(void **state) {
    (void)state;
    char path[PATH_MAX];
    gv_error err;
    assert_int_equal(gv_set_find("vn-2019", NULL, path, sizeof path, &err), GV_OK);
    assert_string_equal(path, GV_TEST_SRCDIR "/shapes/vn-2019.yaml");
    gv_set *s = NULL;
    assert_int_equal(gv_set_open("vn-2019", NULL, &s, &err), GV_OK);
    assert_string_equal(gv_set_name(s), "vn-2019");
    assert_string_equal(gv_set_date(s), "2021-02-01");
    const gv_set_layer *L = gv_set_level(s, GV_LEVEL_DISTRICT);
    assert_non_null(L);
    assert_string_equal(L->layer, "districts");
    assert_string_equal(L->parent_field, "province_code");
    assert_int_equal(L->code_width, 3);
    assert_non_null(strstr(L->source, "shared/data/vn/boundaries_2019.gpkg"));
    assert_null(gv_set_level(s, GV_LEVEL_COMMUNE)->source); /* no commune polygons */
    const gv_grouping *reg = NULL;
    assert_int_equal(gv_set_grouping(s, "region", &reg, &err), GV_OK);
    assert_int_equal(gv_grouping_count(reg), 63);
    assert_int_equal(gv_grouping_ngroups(reg), 6);
    assert_string_equal(gv_grouping_group(reg, "22"), "Đồng bằng sông Hồng"); /* Quảng Ninh, SOURCES.md §1 */
    assert_string_equal(gv_grouping_group(reg, "1"), "Đồng bằng sông Hồng");
    assert_int_equal(gv_grouping_level(reg), GV_LEVEL_PROVINCE);
    assert_int_equal(gv_set_grouping(s, "culture", &reg, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "--groups FILE"));
    if (tu_have_data()) {
        const gv_units *u = NULL;
        assert_int_equal(gv_set_units(s, &u, &err), GV_OK);
        assert_int_equal(gv_units_count_level(u, GV_LEVEL_PROVINCE), 63);
        assert_int_equal(gv_units_count_level(u, GV_LEVEL_DISTRICT), 696);
        assert_int_equal(gv_units_count_level(u, GV_LEVEL_COMMUNE), 10047);
        assert_int_equal(gv_units_orphans(u), 0);
        /* units_2019.csv line 3: commune 00001 Phường Phúc Xá under 001 Quận Ba Đình under 01. */
        const gv_unit *c = gv_units_find(u, GV_LEVEL_COMMUNE, "00001");
        assert_string_equal(c->name, "Phường Phúc Xá");
        assert_string_equal(gv_units_ancestor(u, c, GV_LEVEL_DISTRICT)->name, "Quận Ba Đình");
        assert_string_equal(gv_units_ancestor(u, c, GV_LEVEL_PROVINCE)->name, "Thành phố Hà Nội");
    }
    gv_set_free(s);

    assert_int_equal(gv_set_open("vn-2025", NULL, &s, &err), GV_OK);
    assert_null(gv_set_level(s, GV_LEVEL_DISTRICT));
    assert_string_equal(gv_set_level(s, GV_LEVEL_COMMUNE)->layer, "communes");
    assert_int_equal(gv_set_grouping(s, "region", &reg, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "'vn-2025' carries no 'region' grouping"));
    /* Crosswalks declared for figures of vn-2019. */
    const gv_set_crosswalk *xc = gv_set_crosswalk_for(s, "vn-2019", GV_LEVEL_COMMUNE);
    assert_non_null(xc);
    assert_non_null(strstr(xc->file, "/crosswalk_2019_2025.csv"));
    assert_string_equal(xc->old_col, "old_commune_code");
    assert_null(xc->separator);
    const gv_set_crosswalk *xp = gv_set_crosswalk_for(s, "vn-2019", GV_LEVEL_PROVINCE);
    assert_non_null(xp);
    assert_string_equal(xp->separator, ";");
    assert_string_equal(xp->new_col, "code");
    assert_null(gv_set_crosswalk_for(s, "vn-2019", GV_LEVEL_DISTRICT));
    assert_null(gv_set_crosswalk_for(s, "vn-2030", GV_LEVEL_COMMUNE));
    assert_non_null(strstr(gv_set_history_for(s, "vn-2019"), "/units_dvhcvn_history.csv"));
    if (tu_have_data()) {
        const gv_units *u = NULL;
        assert_int_equal(gv_set_units(s, &u, &err), GV_OK);
        assert_int_equal(gv_units_count_level(u, GV_LEVEL_PROVINCE), 34);
        assert_int_equal(gv_units_count_level(u, GV_LEVEL_COMMUNE), 3321);
        assert_int_equal(gv_units_orphans(u), 0);
    }
    gv_set_free(s);
}

/* A user's own set on --sets-dir and GEOVOICE_SETS; manifest errors. */
static void test_user_sets(void **state) {
    (void)state;
    const char *dir = tu_tmpdir("usersets");
    tu_write_file(tu_path("%s/mine.yaml", dir), "name: mine\ndate: 2024-01-01\nunits: u.csv\n"
                                                "levels:\n  province: {source: p.gpkg, layer: prov, code: ma}\n"
                                                "groupings:\n  culture: {file: g.csv}\n");
    tu_write_file(tu_path("%s/u.csv", dir), "code,name\n01,A\n02,B\n");
    tu_write_file(tu_path("%s/g.csv", dir), "code,group\n1,X\n2,Y\n");
    gv_set *s = NULL;
    gv_error err;
    assert_int_equal(gv_set_open("mine", NULL, &s, &err), GV_EUSAGE);
    assert_non_null(strstr(err.msg, "boundary set 'mine' not found: no mine.yaml in"));
    assert_int_equal(gv_set_open("mine", dir, &s, &err), GV_OK);
    assert_string_equal(gv_set_level(s, GV_LEVEL_PROVINCE)->source, tu_path("%s/p.gpkg", dir));
    assert_string_equal(gv_set_level(s, GV_LEVEL_PROVINCE)->code_field, "ma");
    assert_int_equal(gv_set_level(s, GV_LEVEL_PROVINCE)->code_width, 2);
    const gv_units *u = NULL;
    assert_int_equal(gv_set_units(s, &u, &err), GV_OK);
    assert_int_equal(gv_units_count_level(u, GV_LEVEL_PROVINCE), 2); /* levels from code width */
    const gv_grouping *g = NULL;
    assert_int_equal(gv_set_grouping(s, "culture", &g, &err), GV_OK);
    assert_string_equal(gv_grouping_group(g, "02"), "Y");
    gv_set_free(s);
    setenv("GEOVOICE_SETS", tu_path("/nonexistent:%s", dir), 1);
    assert_int_equal(gv_set_open("mine", NULL, &s, &err), GV_OK);
    gv_set_free(s);
    unsetenv("GEOVOICE_SETS");

    /* A set whose provinces have 3-digit codes (manifest code_width): the
     * units table's "7" is padded to "007", and commune 00012's parent found. */
    tu_write_file(tu_path("%s/wide.yaml", dir), "name: wide\nunits: w.csv\n"
                                                "levels:\n  province: {code_width: 3}\n  commune: {}\n");
    tu_write_file(tu_path("%s/w.csv", dir), "level,code,name,parent_code\nprovince,7,P,\ncommune,12,C,007\n");
    assert_int_equal(gv_set_open("wide", dir, &s, &err), GV_OK);
    assert_int_equal(gv_set_units(s, &u, &err), GV_OK);
    assert_string_equal(gv_units_find(u, GV_LEVEL_PROVINCE, "7")->code, "007");
    assert_string_equal(gv_units_parent(u, gv_units_find(u, GV_LEVEL_COMMUNE, "12"))->code, "007");
    gv_set_free(s);

    tu_write_file(tu_path("%s/bad.yaml", dir), "name: bad\nlevels: [\n");
    assert_int_equal(gv_set_open("bad", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "bad.yaml: line "));
    tu_write_file(tu_path("%s/other.yaml", dir), "name: notother\nlevels: {province: {}}\n");
    assert_int_equal(gv_set_open("other", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "key 'name' is 'notother' but the file is named other.yaml"));
    tu_write_file(tu_path("%s/lv.yaml", dir), "name: lv\nlevels: {ward: {}}\n");
    assert_int_equal(gv_set_open("lv", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "levels: 'ward' is not province"));
    tu_write_file(tu_path("%s/xw.yaml", dir), "name: xw\nlevels: {province: {}}\ncrosswalks: {old: {ward: {file: a.csv}}}\n");
    assert_int_equal(gv_set_open("xw", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "crosswalks: old: 'ward' is not province"));
    tu_write_file(tu_path("%s/xw.yaml", dir), "name: xw\nlevels: {province: {}}\ncrosswalks: {old: {province: {old: a}}}\n");
    assert_int_equal(gv_set_open("xw", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "crosswalks: old: province: key 'file' missing"));
    tu_write_file(tu_path("%s/nolv.yaml", dir), "name: nolv\n");
    assert_int_equal(gv_set_open("nolv", dir, &s, &err), GV_EDATA);
    assert_non_null(strstr(err.msg, "key 'levels' missing"));
    tu_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_key),   cmocka_unit_test(test_units_small), cmocka_unit_test(test_grouping_small),
        cmocka_unit_test(test_builtin_sets), cmocka_unit_test(test_user_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
