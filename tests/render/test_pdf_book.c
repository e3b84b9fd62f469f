/* test_pdf_book.c: the PDF book writer (render/pdf_book.c) and the atlas
 * book (render/atlas.c): pages of several Cairo files joined in order,
 * checked by qpdf --check and pdfinfo, one outline item per bookmark,
 * links, the same bytes twice, PDF text strings, and clean errors for
 * files it cannot read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geovoice/atlas.h"
#include "pdf_book.h"
#include "testutil.h"

static char dir[4096];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir("pdf-book"));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    return 0;
}

/* A Cairo PDF of n A6 pages, each with a filled rectangle and a line of text. */
static const char *make_pdf(const char *name, int n) {
    static char paths[8][4200];
    static int slot;
    char *p = paths[slot++ & 7];
    snprintf(p, 4200, "%s/%s", dir, name);
    cairo_surface_t *s = cairo_pdf_surface_create(p, 298, 420);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    cairo_t *cr = cairo_create(s);
    for (int k = 0; k < n; k++) {
        if (k) cairo_show_page(cr);
        cairo_set_source_rgb(cr, 0.2 + 0.2 * k, 0.4, 0.6);
        cairo_rectangle(cr, 20, 20, 100 + 10 * k, 80);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, "Noto Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, 14);
        cairo_move_to(cr, 20, 150);
        char t[64];
        snprintf(t, sizeof t, "%s trang %d (ỗ ệ ữ)", name, k + 1);
        cairo_show_text(cr, t);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    return p;
}

static char *capture(const char *cmd) {
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0, k;
    char *b = malloc(cap);
    while (b && n + 1 < cap && (k = fread(b + n, 1, cap - n - 1, f)) > 0) n += k;
    pclose(f);
    if (b) b[n] = 0;
    return b;
}

static void test_join_outline_links(void **state) {
    (void)state;
    const char *a = make_pdf("a.pdf", 1), *b = make_pdf("b.pdf", 2), *c = make_pdf("c.pdf", 1);
    const char *bm_a[] = {"Trang A"}, *bm_b[] = {"B một", NULL}, *bm_c[] = {"C (cuối) \\ xong"};
    gv_pdf_link links[2] = {{0, {10, 10, 100, 30}, 3}, {0, {10, 40, 100, 60}, 1}};
    gv_pdf_source src[3] = {{a, bm_a, 1, links, 2}, {b, bm_b, 2, NULL, 0}, {c, bm_c, 1, NULL, 0}};
    gv_pdf_meta meta = {"Sách thử", "geovoice", "chủ đề", "a, b", "test", "D:20000101000000Z"};
    const char *out = tu_path("%s/book.pdf", dir);
    char outp[4200];
    snprintf(outp, sizeof outp, "%s", out);
    size_t np = 0;
    gv_error e;
    gv_error_clear(&e);
    assert_int_equal(gv__pdf_book_write(outp, src, 3, &meta, &np, &e), GV_OK);
    assert_int_equal(np, 4);
    char *info = capture(tu_path("pdfinfo '%s'", outp));
    assert_non_null(strstr(info, "Pages:           4"));
    assert_non_null(strstr(info, "Sách thử"));
    assert_non_null(strstr(info, "chủ đề"));
    free(info);
    if (system("command -v qpdf >/dev/null 2>&1") != 0) {
        print_message("qpdf missing: structure not checked\n");
        return;
    }
    assert_int_equal(system(tu_path("qpdf --check '%s' >/dev/null 2>&1", outp)), 0);
    char *js = capture(tu_path("qpdf --json '%s'", outp));
    json_object *q = json_tokener_parse(js);
    free(js);
    assert_non_null(q);
    json_object *ol = tu_json_get(q, "outlines");
    assert_int_equal(json_object_array_length(ol), 3);
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 0), "title"), "Trang A");
    assert_int_equal(tu_json_int(json_object_array_get_idx(ol, 0), "destpageposfrom1"), 1);
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 1), "title"), "B một");
    assert_int_equal(tu_json_int(json_object_array_get_idx(ol, 1), "destpageposfrom1"), 2);
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 2), "title"), "C (cuối) \\ xong");
    assert_int_equal(tu_json_int(json_object_array_get_idx(ol, 2), "destpageposfrom1"), 4);
    json_object *pages = tu_json_get(q, "pages");
    json_object *objs = json_object_array_get_idx(tu_json_get(q, "qpdf"), 1);
    json_object *p1 = tu_json_get(objs, tu_path("obj:%s", tu_json_str(json_object_array_get_idx(pages, 0), "object")));
    json_object *annots = tu_json_get(p1, "value./Annots");
    assert_int_equal(json_object_array_length(annots), 2);
    json_object *d0 = tu_json_get(json_object_array_get_idx(annots, 0), "/Dest");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(d0, 0)),
                        tu_json_str(json_object_array_get_idx(pages, 3), "object"));
    json_object_put(q);
    /* Same inputs, same bytes. */
    const char *again = tu_path("%s/again.pdf", dir);
    char againp[4200];
    snprintf(againp, sizeof againp, "%s", again);
    assert_int_equal(gv__pdf_book_write(againp, src, 3, &meta, NULL, &e), GV_OK);
    size_t n1, n2;
    char *x = tu_slurp(outp, &n1), *y = tu_slurp(againp, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(x, y, n1);
    free(x);
    free(y);
    /* A book of books reads its own output. */
    gv_pdf_source two[2] = {{outp, NULL, 0, NULL, 0}, {againp, NULL, 0, NULL, 0}};
    assert_int_equal(gv__pdf_book_write(tu_path("%s/twice.pdf", dir), two, 2, NULL, &np, &e), GV_OK);
    assert_int_equal(np, 8);
}

static void test_errors(void **state) {
    (void)state;
    const char *txt = tu_path("%s/not.pdf", dir);
    char txtp[4200];
    snprintf(txtp, sizeof txtp, "%s", txt);
    assert_int_equal(tu_write_file(txtp, "hello, not a PDF\n"), 0);
    gv_pdf_source s1 = {txtp, NULL, 0, NULL, 0};
    gv_error e;
    gv_error_clear(&e);
    assert_int_equal(gv__pdf_book_write(tu_path("%s/x.pdf", dir), &s1, 1, NULL, NULL, &e), GV_EDATA);
    assert_non_null(strstr(e.msg, "not.pdf"));
    assert_false(tu_exists(tu_path("%s/x.pdf", dir)));
    gv_pdf_source s2 = {tu_path("%s/missing.pdf", dir), NULL, 0, NULL, 0};
    assert_int_equal(gv__pdf_book_write(tu_path("%s/x.pdf", dir), &s2, 1, NULL, NULL, &e), GV_EDATA);
    /* Cross-reference streams (not what Cairo writes): refused, clearly. */
    if (system("command -v qpdf >/dev/null 2>&1") == 0) {
        const char *a = make_pdf("plain.pdf", 1);
        const char *os = tu_path("%s/objstm.pdf", dir);
        char osp[4200];
        snprintf(osp, sizeof osp, "%s", os);
        assert_int_equal(system(tu_path("qpdf --object-streams=generate '%s' '%s'", a, osp)), 0);
        gv_pdf_source s3 = {osp, NULL, 0, NULL, 0};
        assert_int_equal(gv__pdf_book_write(tu_path("%s/x.pdf", dir), &s3, 1, NULL, NULL, &e), GV_EDATA);
        assert_non_null(strstr(e.msg, "not a PDF this book writer can read"));
    }
    /* An unwritable destination. */
    gv_pdf_source s4 = {make_pdf("ok.pdf", 1), NULL, 0, NULL, 0};
    assert_int_equal(gv__pdf_book_write(tu_path("%s/no/such/dir/x.pdf", dir), &s4, 1, NULL, NULL, &e), GV_EOUTPUT);
}

static void test_text_strings(void **state) {
    (void)state;
    char b[256];
    gv__pdf_text_string("Atlas (2025) a\\b", b, sizeof b);
    assert_string_equal(b, "(Atlas \\(2025\\) a\\\\b)");
    gv__pdf_text_string("Hà", b, sizeof b);
    assert_string_equal(b, "<FEFF004800E0>");
    gv__pdf_text_string("\xF0\x9F\x97\xBA", b, sizeof b); /* U+1F5FA, a surrogate pair */
    assert_string_equal(b, "<FEFFD83DDDFA>");
    gv__pdf_text_string("Đà Nẵng", b, 12); /* cut at a whole character */
    assert_string_equal(b, "<FEFF0110>");
}

static void test_atlas_book_contents(void **state) {
    (void)state;
    /* 60 pages: the contents needs more than one page of A6. */
    const char *one = make_pdf("one.pdf", 1);
    char onep[4200];
    snprintf(onep, sizeof onep, "%s", one);
    gv_atlas_book_page pages[60];
    char titles[60][64], entries[60][64];
    for (int i = 0; i < 60; i++) {
        snprintf(titles[i], sizeof titles[i], "Trang %d", i + 1);
        snprintf(entries[i], sizeof entries[i], "Tỉnh số %d", i + 1);
        pages[i] = (gv_atlas_book_page){onep, titles[i], i < 30 ? "Chỉ tiêu một" : "Chỉ tiêu hai", entries[i]};
    }
    gv_atlas_book b = {"Atlas", "phụ đề", "geovoice", NULL, NULL, "Mục lục", {105, 148}, pages, 60};
    size_t np = 0;
    gv_error e;
    const char *out = tu_path("%s/atlas.pdf", dir);
    char outp[4200];
    snprintf(outp, sizeof outp, "%s", out);
    assert_int_equal(gv_atlas_book_write(&b, outp, &np, &e), GV_OK);
    assert_true(np > 61);
    size_t contents = np - 60;
    if (system("command -v qpdf >/dev/null 2>&1") != 0) return;
    char *js = capture(tu_path("qpdf --json '%s'", outp));
    json_object *q = json_tokener_parse(js);
    free(js);
    json_object *ol = tu_json_get(q, "outlines");
    assert_int_equal(json_object_array_length(ol), np);
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 0), "title"), "Mục lục");
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, 1), "title"), "Mục lục (2)");
    assert_string_equal(tu_json_str(json_object_array_get_idx(ol, contents), "title"), "Trang 1");
    /* Every map page is the target of exactly one contents link. */
    json_object *qp = tu_json_get(q, "pages");
    json_object *objs = json_object_array_get_idx(tu_json_get(q, "qpdf"), 1);
    int hits[60] = {0};
    for (size_t k = 0; k < contents; k++) {
        json_object *pg = tu_json_get(objs, tu_path("obj:%s", tu_json_str(json_object_array_get_idx(qp, k), "object")));
        json_object *an = tu_json_get(pg, "value./Annots");
        for (size_t i = 0; an && i < json_object_array_length(an); i++) {
            const char *dest = json_object_get_string(json_object_array_get_idx(tu_json_get(json_object_array_get_idx(an, i), "/Dest"), 0));
            for (size_t t = 0; t < 60; t++)
                if (!strcmp(dest, tu_json_str(json_object_array_get_idx(qp, contents + t), "object"))) hits[t]++;
        }
    }
    for (int t = 0; t < 60; t++) assert_int_equal(hits[t], 1);
    json_object_put(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_outline_links),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_text_strings),
        cmocka_unit_test(test_atlas_book_contents),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
