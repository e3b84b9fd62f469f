/* test_atlas_e2e.c: `geovoice atlas`, end to end through the CLI, on the
 * tiny boundary set of tests/data/atlas (3 provinces, 8 communes, one on an
 * island in the Hoàng Sa box) and, when present, on the real 2025 set.
 *
 * What is checked: the book (pdfinfo page count, one bookmark per page and
 * a link per contents line, read back with qpdf --json), PNG sizes, the
 * manifest (hashes of the files), incremental runs (pages drawn after each
 * kind of change, kept files are the same inodes), identical output for
 * --jobs 1 and 3, a crash half-way (fault injection: abort after N pages)
 * leaving the previous atlas whole, the lock (fault injection: hold it
 * until told), failing pages, and the guard against replacing a folder
 * that is not an atlas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define TINY GV_TEST_SRCDIR "/tests/data/atlas"

/* From job/atlas_fs.c (linked statically). */
int gv__sha256_file(const char *path, char hex[65], void *err);

static char dir[4096];
static char errbuf[65536];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("atlas-e2e"));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    return 0;
}

static int run(const char *args) {
    char *err = NULL;
    int rc = tu_run_cli(tu_path("atlas %s", args), &err);
    snprintf(errbuf, sizeof errbuf, "%s", err ? err : "");
    free(err);
    return rc;
}

static int sh(const char *cmd) { return system(cmd); }

/* A fresh case folder under dir with the counts table copied in and a
 * spec written; returns the case folder (static). */
static const char *make_case(const char *name, const char *extra_ind, const char *pages) {
    static char c[4200];
    snprintf(c, sizeof c, "%s/%s", dir, name);
    assert_int_equal(sh(tu_path("rm -rf '%s' && mkdir -p '%s' && cp '%s/counts.csv' '%s/'", c, c, TINY, c)), 0);
    char spec[8192];
    snprintf(spec, sizeof spec,
             "title: \"Atlas thử nghiệm\"\n"
             "set: %s/tiny.yaml\n"
             "output: out\n"
             "page: {size: a5, dpi: 40}\n"
             "tables:\n"
             "  counts: {file: counts.csv, join: code}\n"
             "indicators:\n"
             "  - name: \"Diện tích\"\n"
             "    value: \"@area_km2\"\n"
             "    classify: quantile:3\n"
             "    palette: YlGnBu\n"
             "  - name: \"Tỷ lệ ủng hộ\"\n"
             "    table: counts\n"
             "    value: \"support / count * 100\"\n"
             "    suppress: {column: count, below: 10}\n"
             "    classify: equal:3\n"
             "    palette: Blues\n"
             "%s"
             "pages:\n"
             "  regions: %s/groups.csv\n"
             "%s",
             TINY, extra_ind ? extra_ind : "", TINY, pages ? pages : "");
    assert_int_equal(tu_write_file(tu_path("%s/spec.yaml", c), spec), 0);
    return c;
}

/* "atlas: 12 pages: 12 drawn, 0 kept, 0 failed" from the last run. */
static void counts(int *drawn, int *kept, int *failed) {
    const char *p = strstr(errbuf, "atlas: ");
    *drawn = *kept = *failed = -1;
    while (p) {
        int n;
        if (sscanf(p, "atlas: %d pages: %d drawn, %d kept, %d failed", &n, drawn, kept, failed) == 4) return;
        p = strstr(p + 1, "atlas: ");
    }
}

static void expect_counts(int drawn, int kept, int failed) {
    int d, k, f;
    counts(&d, &k, &f);
    if (d != drawn || k != kept || f != failed) print_error("%s\n", errbuf);
    assert_int_equal(d, drawn);
    assert_int_equal(k, kept);
    assert_int_equal(f, failed);
}

static long long inode(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_ino : -1;
}

/* Output of a command (malloc'd). */
static char *capture(const char *cmd) {
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (size_t k; b && (k = fread(b + n, 1, cap - n - 1, f)) > 0;) {
        n += k;
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) { free(b); b = NULL; break; }
            b = nb;
        }
    }
    pclose(f);
    if (b) b[n] = 0;
    return b;
}

static int pdf_pages(const char *pdf) {
    char *t = capture(tu_path("pdfinfo '%s' 2>/dev/null", pdf));
    int n = -1;
    const char *p = t ? strstr(t, "Pages:") : NULL;
    if (p) n = atoi(p + 6);
    free(t);
    return n;
}

/* qpdf --json of a file (json-c object; NULL when qpdf is missing). */
static json_object *qpdf_json(const char *pdf) {
    char *t = capture(tu_path("qpdf --json '%s' 2>/dev/null", pdf));
    json_object *o = t && *t ? json_tokener_parse(t) : NULL;
    free(t);
    return o;
}

static void change_file(const char *path, const char *from, const char *to) {
    char *t = tu_slurp(path, NULL);
    assert_non_null(t);
    char *p = strstr(t, from);
    assert_non_null(p);
    size_t n = strlen(t) + strlen(to) + 1;
    char *o = malloc(n);
    snprintf(o, n, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from));
    assert_int_equal(tu_write_file(path, o), 0);
    free(o);
    free(t);
}

static void test_book_pages_manifest(void **state) {
    (void)state;
    const char *c = make_case("book", NULL, NULL);
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 2", c)), 0);
    expect_counts(12, 0, 0);
    char out[4300];
    snprintf(out, sizeof out, "%s/out", c);
    /* 6 areas (nation, 3 provinces, 2 regions) x 2 indicators + contents. */
    assert_int_equal(pdf_pages(tu_path("%s/atlas.pdf", out)), 13);
    /* The national page's legend, worked out from counts.csv: rates
     * support/count*100 = 20, 40, (00003: count 8 < 10, suppressed), 80,
     * 16.7, 40, 60, 80; equal:3 over 16.67..80 puts edges at 37.78 and
     * 58.89: 2, 2 and 3 units; the suppressed unit has a row of its own,
     * apart from no data. */
    {
        char *t = capture(tu_path("pdftotext '%s/pages/vn-ty-le-ung-ho.pdf' -", out));
        assert_non_null(t);
        assert_non_null(strstr(t, "16,7 – 37,8 (2)\n37,8 – 58,9 (2)\n58,9 – 80,0 (3)\nẨn (số lượng nhỏ) (1)"));
        assert_null(strstr(t, "Không có dữ liệu"));
        free(t);
    }
    json_object *m = tu_json_load(tu_path("%s/manifest.json", out));
    assert_non_null(m);
    json_object *pages = tu_json_get(m, "pages");
    assert_int_equal(json_object_array_length(pages), 12);
    assert_int_equal(tu_json_int(m, "book.pages"), 13);
    for (size_t i = 0; i < 12; i++) {
        json_object *pg = json_object_array_get_idx(pages, i);
        assert_int_equal(tu_json_int(pg, "book_page"), (long long)i + 2);
        const char *png = tu_json_str(pg, "outputs.png.file"), *pdf = tu_json_str(pg, "outputs.pdf.file");
        assert_non_null(png);
        assert_non_null(pdf);
        int w = 0, h = 0;
        assert_int_equal(tu_png_size(tu_path("%s/%s", out, png), &w, &h), 0);
        /* A5 at 40 dpi: round(148 * 40 / 25.4) x round(210 * 40 / 25.4). */
        assert_int_equal(w, 233);
        assert_int_equal(h, 331);
        assert_int_equal(tu_json_int(pg, "outputs.png.width_px"), 233);
        assert_int_equal(pdf_pages(tu_path("%s/%s", out, pdf)), 1);
        char hex[65];
        assert_int_equal(gv__sha256_file(tu_path("%s/%s", out, png), hex, NULL), 0);
        assert_string_equal(hex, tu_json_str(pg, "outputs.png.sha256"));
        /* Province 02 and the pages holding it reach the Hoàng Sa box. */
        const char *id = tu_json_str(pg, "id");
        int island = !strncmp(id, "02-", 3) || !strncmp(id, "vn-", 3) || !strncmp(id, "r-vung-bac-", 11);
        assert_string_equal(tu_json_str(pg, "outputs.pdf.frames"), island ? "main,hoang_sa" : "main");
    }
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 1), "id"), "01-dien-tich");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 1), "title"), "Diện tích — Tỉnh Một");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 4), "id"), "r-vung-bac-dien-tich");
    char hex[65];
    assert_int_equal(gv__sha256_file(tu_path("%s/atlas.pdf", out), hex, NULL), 0);
    assert_string_equal(hex, tu_json_str(m, "book.sha256"));

    /* One bookmark per page, in page order, and a link per contents line. */
    json_object *q = qpdf_json(tu_path("%s/atlas.pdf", out));
    if (!q) {
        json_object_put(m);
        print_message("qpdf missing: bookmarks not checked\n");
        return;
    }
    json_object *ol = tu_json_get(q, "outlines");
    assert_non_null(ol);
    assert_int_equal(json_object_array_length(ol), 13);
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 0), "title"), "Mục lục");
    for (size_t i = 0; i < 12; i++) {
        json_object *it = json_object_array_get_idx(ol, i + 1);
        assert_string_equal(tu_json_str(it, "title"), tu_json_str(json_object_array_get_idx(pages, i), "title"));
        assert_int_equal(tu_json_int(it, "destpageposfrom1"), (long long)i + 2);
    }
    /* The contents page's /Annots: a /Link per map page, to that page. */
    json_object *qp = tu_json_get(q, "pages");
    json_object *objs = json_object_array_get_idx(tu_json_get(q, "qpdf"), 1);
    json_object *p1 = tu_json_get(objs, tu_path("obj:%s", tu_json_str(json_object_array_get_idx(qp, 0), "object")));
    json_object *annots = tu_json_get(p1, "value./Annots");
    assert_non_null(annots);
    assert_int_equal(json_object_array_length(annots), 12);
    for (size_t i = 0; i < 12; i++) {
        json_object *a = json_object_array_get_idx(annots, i);
        assert_string_equal(tu_json_str(a, "/Subtype"), "/Link");
        json_object *dest = tu_json_get(a, "/Dest");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(dest, 0)),
                            tu_json_str(json_object_array_get_idx(qp, i + 1), "object"));
    }
    json_object_put(q);
    /* Title and author in the document information. */
    char *info = capture(tu_path("pdfinfo '%s/atlas.pdf'", out));
    assert_non_null(strstr(info, "Atlas thử nghiệm"));
    assert_non_null(strstr(info, "geovoice"));
    free(info);
    json_object_put(m);
}

static void test_incremental(void **state) {
    (void)state;
    const char *c = make_case("incr", NULL, NULL);
    const char *spec = tu_path("%s/spec.yaml", c);
    char out[4300];
    snprintf(out, sizeof out, "%s/out", c);
    char specs[4300];
    snprintf(specs, sizeof specs, "%s", spec);
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(12, 0, 0);
    long long man0 = inode(tu_path("%s/manifest.json", out));

    /* Unchanged: nothing at all is written, and the run says so. */
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    assert_non_null(strstr(errbuf, "up to date: 12 pages, nothing to do"));
    assert_int_equal(inode(tu_path("%s/manifest.json", out)), man0);

    /* One table changed: only the 6 pages of the indicator using it. */
    long long area_png = inode(tu_path("%s/pages/01-dien-tich.png", out));
    long long area_pdf = inode(tu_path("%s/pages/vn-dien-tich.pdf", out));
    change_file(tu_path("%s/counts.csv", c), "00004,Phường Đông Hải,60,48", "00004,Phường Đông Hải,60,12");
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(6, 6, 0);
    assert_int_equal(inode(tu_path("%s/pages/01-dien-tich.png", out)), area_png);
    assert_int_equal(inode(tu_path("%s/pages/vn-dien-tich.pdf", out)), area_pdf);

    /* One indicator's definition changed: only its pages. */
    long long share_png = inode(tu_path("%s/pages/03-ty-le-ung-ho.png", out));
    change_file(specs, "palette: YlGnBu", "palette: Greens");
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(6, 6, 0);
    assert_int_equal(inode(tu_path("%s/pages/03-ty-le-ung-ho.png", out)), share_png);
    assert_true(inode(tu_path("%s/pages/01-dien-tich.png", out)) != area_png);

    /* DPI: every PNG again, no PDF, and the book is kept. */
    long long book = inode(tu_path("%s/atlas.pdf", out));
    long long pdf01 = inode(tu_path("%s/pages/01-dien-tich.pdf", out));
    change_file(specs, "dpi: 40", "dpi: 30");
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(12, 0, 0);
    assert_int_equal(inode(tu_path("%s/atlas.pdf", out)), book);
    assert_int_equal(inode(tu_path("%s/pages/01-dien-tich.pdf", out)), pdf01);
    int w, h;
    assert_int_equal(tu_png_size(tu_path("%s/pages/01-dien-tich.png", out), &w, &h), 0);
    assert_int_equal(w, 175); /* round(148 * 30 / 25.4) */

    /* A page title changed: that indicator's pages and the book. */
    change_file(specs, "    palette: Blues\n", "    palette: Blues\n    title: \"Ủng hộ ({code}) — {name}\"\n");
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(6, 6, 0);
    assert_true(inode(tu_path("%s/atlas.pdf", out)) != book);
    {
        /* {code} is the province's code; national and region pages have
         * none, and the template's "()" and separators go with it. */
        json_object *m = tu_json_load(tu_path("%s/manifest.json", out));
        json_object *pages = tu_json_get(m, "pages");
        int nat = 0, prov = 0, region = 0;
        for (size_t i = 0; i < json_object_array_length(pages); i++) {
            const char *t = tu_json_str(json_object_array_get_idx(pages, i), "title");
            assert_null(strstr(t, "()"));
            nat += !strcmp(t, "Ủng hộ — Toàn quốc");
            prov += !strcmp(t, "Ủng hộ (01) — Tỉnh Một");
            region += !strncmp(t, "Ủng hộ — Vùng", strlen("Ủng hộ — Vùng"));
        }
        json_object_put(m);
        assert_int_equal(nat, 1);
        assert_int_equal(prov, 1);
        assert_true(region >= 1);
    }

    /* A kept page damaged since (emptied): drawn again, with the book. */
    assert_int_equal(tu_write_file(tu_path("%s/pages/01-dien-tich.pdf", out), ""), 0);
    assert_int_equal(run(tu_path("'%s'", specs)), 0);
    expect_counts(1, 11, 0);
    assert_int_equal(pdf_pages(tu_path("%s/pages/01-dien-tich.pdf", out)), 1);

    /* --force: everything. */
    assert_int_equal(run(tu_path("'%s' --force", specs)), 0);
    expect_counts(12, 0, 0);
    assert_int_equal(run(tu_path("'%s' --formats pdf", specs)), 0);
    assert_non_null(strstr(errbuf, "atlas: 12 pages: 0 drawn, 12 kept"));
    assert_false(tu_exists(tu_path("%s/pages/01-dien-tich.png", out)));
}

/* Every file of two output folders, byte for byte. */
static void same_tree(const char *a, const char *b) {
    char *la = capture(tu_path("cd '%s' && find . -type f | sort", a));
    char *lb = capture(tu_path("cd '%s' && find . -type f | sort", b));
    assert_non_null(la);
    assert_non_null(lb);
    assert_string_equal(la, lb);
    assert_true(strlen(la) > 100);
    free(la);
    free(lb);
    assert_int_equal(sh(tu_path("diff -r '%s' '%s' >/dev/null", a, b)), 0);
}

static void test_jobs_identical(void **state) {
    (void)state;
    const char *c = make_case("jobs", NULL, NULL);
    char cc[4300];
    snprintf(cc, sizeof cc, "%s", c);
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 1 -o '%s/j1'", cc, cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 3 -o '%s/j3'", cc, cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 2 -o '%s/j2' --quiet", cc, cc)), 0);
    assert_string_equal(errbuf, "");
    same_tree(tu_path("%s/j1", cc), tu_path("%s/j3", cc));
    same_tree(tu_path("%s/j1", cc), tu_path("%s/j2", cc));
}

static void test_crash_keeps_previous(void **state) {
    (void)state;
    const char *c = make_case("crash", NULL, NULL);
    char cc[4300], out[4400];
    snprintf(cc, sizeof cc, "%s", c);
    snprintf(out, sizeof out, "%s/out", cc);
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 0);
    char *before = tu_slurp(tu_path("%s/manifest.json", out), NULL);
    assert_non_null(before);
    change_file(tu_path("%s/counts.csv", cc), "00001,Xã An Hòa,40,8", "00001,Xã An Hòa,40,30");
    /* Killed (SIGABRT) after the second page is drawn. */
    int rc = run(tu_path("'%s/spec.yaml' --fault-abort-after 2", cc));
    assert_true(rc != 0);
    assert_non_null(strstr(errbuf, "--fault-abort-after 2: aborting"));
    char *after = tu_slurp(tu_path("%s/manifest.json", out), NULL);
    assert_non_null(after);
    assert_string_equal(before, after);
    assert_int_equal(pdf_pages(tu_path("%s/atlas.pdf", out)), 13);
    assert_int_equal(tu_dir_count(tu_path("%s/pages", out), NULL, 0), 24);
    char names[8192] = "";
    tu_dir_count(cc, names, sizeof names);
    assert_non_null(strstr(names, "out.new-"));
    /* The next run cleans up and does the work. */
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 0);
    assert_non_null(strstr(errbuf, "left by a run that did not finish"));
    expect_counts(6, 6, 0);
    names[0] = 0;
    tu_dir_count(cc, names, sizeof names);
    assert_null(strstr(names, "out.new-"));
    free(before);
    free(after);
}

static int wait_for(const char *path) {
    for (int i = 0; i < 120000 && !tu_exists(path); i++) usleep(1000);
    return tu_exists(path);
}

static int wait_for_text(const char *path, const char *text) {
    for (int i = 0; i < 120000; i++) {
        char *t = tu_slurp(path, NULL);
        int ok = t && strstr(t, text);
        free(t);
        if (ok) return 1;
        usleep(1000);
    }
    return 0;
}

static void test_lock(void **state) {
    (void)state;
    const char *c = make_case("lock", NULL, NULL);
    char cc[4300];
    snprintf(cc, sizeof cc, "%s", c);
    const char *cli = GV_TEST_CLI;
    /* A holds the lock until the file "go" exists. */
    assert_int_equal(sh(tu_path("('%s' atlas '%s/spec.yaml' --fault-hold-lock '%s/go' 2>'%s/a.err'; echo $? >'%s/a.rc') &",
                                cli, cc, cc, cc, cc)),
                     0);
    assert_true(wait_for(tu_path("%s/go.held", cc)));
    /* B does not wait: exit 3 and a message naming the holder. */
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 3);
    assert_non_null(strstr(errbuf, "another geovoice atlas run (pid "));
    assert_non_null(strstr(errbuf, "--wait"));
    /* Another spelling of the same folder meets the same lock. */
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/out/.'", cc, cc)), 3);
    assert_non_null(strstr(errbuf, "another geovoice atlas run (pid "));
    /* C waits, and says so before it blocks. */
    assert_int_equal(sh(tu_path("('%s' atlas '%s/spec.yaml' --wait 2>'%s/c.err'; echo $? >'%s/c.rc') &", cli, cc, cc, cc)), 0);
    assert_true(wait_for_text(tu_path("%s/c.err", cc), "waiting for the run"));
    assert_false(tu_exists(tu_path("%s/out/manifest.json", cc)));
    assert_int_equal(tu_write_file(tu_path("%s/go", cc), "go\n"), 0);
    assert_true(wait_for(tu_path("%s/a.rc", cc)));
    assert_true(wait_for(tu_path("%s/c.rc", cc)));
    usleep(20000);
    char *arc = tu_slurp(tu_path("%s/a.rc", cc), NULL), *crc = tu_slurp(tu_path("%s/c.rc", cc), NULL);
    assert_int_equal(atoi(arc), 0);
    assert_int_equal(atoi(crc), 0);
    free(arc);
    free(crc);
    /* A drew the atlas; C, after A, found nothing to do. */
    assert_true(wait_for_text(tu_path("%s/c.err", cc), "up to date"));
    assert_true(wait_for_text(tu_path("%s/a.err", cc), "12 drawn"));
    /* Through a link: the folder it names is the atlas (up to date), and
     * the link stays a link. */
    assert_int_equal(sh(tu_path("ln -s out '%s/link'", cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/link' --force", cc, cc)), 0);
    assert_int_equal(sh(tu_path("test -L '%s/link' && test -f '%s/out/manifest.json'", cc, cc)), 0);
}

static void test_failing_pages(void **state) {
    (void)state;
    /* Local classes, and no row for the communes of province 03: its page
     * and its region's page cannot be classified. */
    const char *c = make_case("fail", NULL, NULL);
    char cc[4300];
    snprintf(cc, sizeof cc, "%s", c);
    assert_int_equal(tu_write_file(tu_path("%s/counts.csv", cc),
                                   "code,count,support\n00001,40,8\n00002,25,10\n00003,8,4\n00004,60,48\n00005,12,2\n"),
                     0);
    /* First with national breaks: every page can be drawn (03 shows no
     * data). */
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 2", cc)), 0);
    expect_counts(12, 0, 0);
    change_file(tu_path("%s/spec.yaml", cc), "    palette: Blues\n", "    palette: Blues\n    breaks: local\n");
    assert_int_equal(run(tu_path("'%s/spec.yaml' --jobs 2", cc)), 2);
    assert_non_null(strstr(errbuf, "2 of 12 pages failed (03-ty-le-ung-ho, r-vung-nam-ty-le-ung-ho)"));
    assert_non_null(strstr(errbuf, "failed: 03-ty-le-ung-ho: "));
    char out[4400];
    snprintf(out, sizeof out, "%s/out", cc);
    /* The two failed pages keep their previous version, marked stale in
     * the manifest without a key: the book still has all 12 pages (plus
     * contents), and the page files are there. */
    assert_non_null(strstr(errbuf, "(the previous version of the page is kept, marked stale)"));
    assert_int_equal(pdf_pages(tu_path("%s/atlas.pdf", out)), 13);
    json_object *m = tu_json_load(tu_path("%s/manifest.json", out));
    json_object *pages = tu_json_get(m, "pages");
    int nerr = 0;
    for (size_t i = 0; i < json_object_array_length(pages); i++) {
        json_object *pg = json_object_array_get_idx(pages, i);
        if (tu_json_str(pg, "error")) {
            nerr++;
            assert_true(json_object_get_boolean(tu_json_get(pg, "stale")));
            assert_string_equal(tu_json_str(pg, "outputs.pdf.key"), "");
            assert_non_null(strstr(tu_json_str(pg, "error"), "no values to classify"));
        }
    }
    assert_int_equal(nerr, 2);
    json_object_put(m);
    assert_true(tu_exists(tu_path("%s/pages/03-ty-le-ung-ho.png", out)));
    /* The next run tries the failed pages again and keeps the others. */
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 2);
    expect_counts(0, 10, 2);
    /* Without a previous version (a fresh folder), a failed page is left out. */
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/fresh'", cc, cc)), 2);
    expect_counts(10, 0, 2);
    assert_int_equal(pdf_pages(tu_path("%s/fresh/atlas.pdf", cc)), 11);
    assert_false(tu_exists(tu_path("%s/fresh/pages/03-ty-le-ung-ho.png", cc)));
}

/* A table with two rows for one unit: an error naming the spec key that
 * allows it (not a command-line option); with duplicates: sum, the rows
 * are added before the value is computed. 00003 gets count 8 + 4 = 12
 * (no longer suppressed) and support 4 + 2 = 6: rate 50; the national
 * legend (equal:3 over 16.67..80, edges 37.78 and 58.89) then holds 2, 3
 * and 3 units. */
static void test_duplicates(void **state) {
    (void)state;
    const char *c = make_case("dups", NULL, NULL);
    char cc[4300];
    snprintf(cc, sizeof cc, "%s", c);
    assert_int_equal(sh(tu_path("echo '00003,Xã Chợ Mới,4,2' >>'%s/counts.csv'", cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 2);
    assert_non_null(strstr(errbuf, "both match unit '00003'"));
    assert_non_null(strstr(errbuf, "use key 'tables.counts.duplicates: sum|first|mean' in "));
    change_file(tu_path("%s/spec.yaml", cc), "join: code}", "join: code, duplicates: sum}");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 0);
    assert_non_null(strstr(errbuf, "  duplicate_combined: "));
    assert_non_null(strstr(errbuf, "/dups/counts.csv row 3 (line 4) '00003': 2 rows combined"));
    char *t = capture(tu_path("pdftotext '%s/out/pages/vn-ty-le-ung-ho.pdf' -", cc));
    assert_non_null(t);
    if (!strstr(t, "16,7 – 37,8 (2)\n37,8 – 58,9 (3)\n58,9 – 80,0 (3)")) print_error("%s\n", t);
    assert_non_null(strstr(t, "16,7 – 37,8 (2)\n37,8 – 58,9 (3)\n58,9 – 80,0 (3)"));
    assert_null(strstr(t, "Ẩn (số lượng nhỏ)"));
    free(t);
    change_file(tu_path("%s/spec.yaml", cc), "duplicates: sum}", "duplicates: most}");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "key 'tables.counts.duplicates': 'most' is not sum, first or mean"));
}

static void test_guards(void **state) {
    (void)state;
    const char *c = make_case("guard", NULL, NULL);
    char cc[4300];
    snprintf(cc, sizeof cc, "%s", c);
    /* Not an atlas folder: never replaced. */
    assert_int_equal(sh(tu_path("mkdir -p '%s/mine' && echo keep >'%s/mine/notes.txt'", cc, cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/mine'", cc, cc)), 3);
    assert_non_null(strstr(errbuf, "holds no manifest.json"));
    assert_true(tu_exists(tu_path("%s/mine/notes.txt", cc)));
    /* A manifest.json that is not an atlas's does not make it one. */
    assert_int_equal(sh(tu_path("echo '{}' >'%s/mine/manifest.json'", cc)), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/mine'", cc, cc)), 3);
    assert_non_null(strstr(errbuf, "is not a geovoice atlas manifest"));
    assert_true(tu_exists(tu_path("%s/mine/notes.txt", cc)));
    /* Spec errors: exit 1, the line and the key. */
    change_file(tu_path("%s/spec.yaml", cc), "palette: Blues", "palette: Bluez");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "line 17, key 'indicators[2].palette': unknown palette 'Bluez'"));
    assert_int_equal(run(tu_path("'%s/nope.yaml'", cc)), 1);
    assert_int_equal(run(""), 1);
    /* A column the table lacks, or a join column it lacks: spec errors
     * (exit 1) before anything is drawn, naming line and key. */
    change_file(tu_path("%s/spec.yaml", cc), "palette: Bluez", "palette: Blues");
    change_file(tu_path("%s/spec.yaml", cc), "support / count * 100", "suport / count * 100");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "key 'indicators[2].value': table 'counts' ("));
    assert_non_null(strstr(errbuf, "has no column 'suport'"));
    assert_false(tu_exists(tu_path("%s/out/manifest.json", cc)));
    change_file(tu_path("%s/spec.yaml", cc), "suport / count * 100", "support / count * 100");
    change_file(tu_path("%s/spec.yaml", cc), "join: code}", "join: codes}");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "line 6, key 'tables.counts.join': "));
    assert_non_null(strstr(errbuf, "no column 'codes'"));
    change_file(tu_path("%s/spec.yaml", cc), "join: codes}", "join: code}");
    /* Two groups whose page names would collide. */
    assert_int_equal(tu_write_file(tu_path("%s/groups2.csv", cc), "code,group\n01,Vùng Nam\n02,Vung Nam\n03,Vùng Nam\n"), 0);
    change_file(tu_path("%s/spec.yaml", cc), "  regions: ", tu_path("  regions: %s/groups2.csv\n  # was: ", cc));
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "groups 'Vùng Nam' and 'Vung Nam' give the same page name 'r-vung-nam'"));
    /* A grouping of another set: a code that is no province of it, or a
     * name that is not its code's province (exit 2, row named). */
    assert_int_equal(tu_write_file(tu_path("%s/groups2.csv", cc), "code,group\n01,A\n99,A\n"), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 2);
    assert_non_null(strstr(errbuf, "groups2.csv: row 2 (line 3), column 'code': '99' is no province of boundary set"));
    assert_int_equal(tu_write_file(tu_path("%s/groups2.csv", cc), "code,name,group\n01,Tỉnh Hai,A\n"), 0);
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 2);
    assert_non_null(strstr(errbuf, "groups2.csv: row 1 (line 2): code '01' is 'Tỉnh Hai' in the table but 'Tỉnh Một' in"));
    /* Area and indicator slugs running together: "r-bac-ty" + "le-ung-ho"
     * is "r-bac" + "ty-le-ung-ho". */
    assert_int_equal(tu_write_file(tu_path("%s/groups2.csv", cc), "code,group\n01,Bắc Tỷ\n02,Bắc\n03,Bắc\n"), 0);
    change_file(tu_path("%s/spec.yaml", cc), "    classify: quantile:3\n", "    classify: quantile:3\n    slug: le-ung-ho\n");
    assert_int_equal(run(tu_path("'%s/spec.yaml'", cc)), 1);
    assert_non_null(strstr(errbuf, "would have the same file name 'r-bac-ty-le-ung-ho'"));
    assert_int_equal(run(tu_path("'%s/spec.yaml' --formats pdf,png,pdf", cc)), 1);
    assert_non_null(strstr(errbuf, "--formats 'pdf,png,pdf': expected pdf, png or pdf,png (each once)"));
}

/* The real 2025 set: Đà Nẵng reaches Hoàng Sa, Khánh Hòa Trường Sa; their
 * pages get the insets, Hà Nội's does not. */
static void test_real_provinces(void **state) {
    (void)state;
    if (!tu_have_data()) skip();
    char cc[4300];
    snprintf(cc, sizeof cc, "%s/real", dir);
    assert_int_equal(sh(tu_path("mkdir -p '%s'", cc)), 0);
    assert_int_equal(tu_write_file(tu_path("%s/spec.yaml", cc),
                                   "set: vn-2025\n"
                                   "page: {size: a5, dpi: 30}\n"
                                   "indicators:\n"
                                   "  - {name: \"Diện tích xã\", value: \"@area_km2\", legend_title: km²}\n"
                                   "pages: {national: no, provinces: [\"48\", \"56\", \"01\"]}\n"),
                     0);
    assert_int_equal(run(tu_path("'%s/spec.yaml' -o '%s/out' --jobs 2", cc, cc)), 0);
    expect_counts(3, 0, 0);
    json_object *m = tu_json_load(tu_path("%s/out/manifest.json", cc));
    json_object *pages = tu_json_get(m, "pages");
    assert_int_equal(json_object_array_length(pages), 3);
    /* Pages in the order of the list. */
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 0), "id"), "48-dien-tich-xa");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 0), "title"), "Diện tích xã — Thành phố Đà Nẵng");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 0), "outputs.png.frames"), "main,hoang_sa");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 1), "id"), "56-dien-tich-xa");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 1), "outputs.png.frames"), "main,truong_sa");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 2), "id"), "01-dien-tich-xa");
    assert_string_equal(tu_json_str(json_object_array_get_idx(pages, 2), "outputs.png.frames"), "main");
    assert_int_equal(pdf_pages(tu_path("%s/out/atlas.pdf", cc)), 4);
    json_object_put(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_pages_manifest),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_jobs_identical),
        cmocka_unit_test(test_crash_keeps_previous),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_failing_pages),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_guards),
        cmocka_unit_test(test_real_provinces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
