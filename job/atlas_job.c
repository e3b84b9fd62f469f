/* atlas_job.c: `geovoice atlas` as one library call (include/geovoice/atlas.h).
 *
 * A run: read the spec and plan the pages (atlas_plan.c), take the lock,
 * compare every page's key with the previous manifest; when nothing
 * changed, stop there and say so. Otherwise build the new atlas beside the
 * old one: kept pages are hard links to the previous files, the others are
 * drawn (atlas_draw.c) by --jobs threads, largest first; then the book
 * (contents + pages, render/atlas.c) and the manifest; then swap the new
 * folder in (atlas_fs.c). Pages are independent and each is drawn by one
 * thread into its own files, and the book and the manifest are assembled
 * in page order afterwards, so the output is the same whatever the number
 * of threads and whatever order they finish in. */
#include "atlas_private.h"

#include "jobutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pool {
    const gv_atlas_data *d;
    gv_plan *p;
    const char *dir;
    const size_t *order;  /* pages to draw, in the order to start them */
    size_t norder, next;
    int threads_per_page;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *finished;     /* pages in the order they finished */
    size_t nfinished;
    int *rc;              /* per page */
    double *ms;           /* per page */
} pool;

static void draw_into(pool *w, size_t k) {
    gv_page_plan *pg = &w->p->pages[k];
    double t0 = gv__job_now_ms();
    gv_error e;
    gv_error_clear(&e);
    int rc = gv__atlas_draw_page(w->d, w->p, k, w->dir, w->threads_per_page, &e);
    if (rc) {
        /* Nothing of a failed page stays behind. */
        char f[5000];
        snprintf(f, sizeof f, "%s/%s", w->dir, pg->pdf.file);
        unlink(f);
        snprintf(f, sizeof f, "%s/%s", w->dir, pg->png.file);
        unlink(f);
        snprintf(pg->error, sizeof pg->error, "%.*s", (int)sizeof pg->error - 1, e.msg);
        pg->failed = rc;
    }
    w->rc[k] = rc;
    w->ms[k] = gv__job_now_ms() - t0;
}

static void *worker_main(void *arg) {
    pool *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (w->next >= w->norder) {
            pthread_mutex_unlock(&w->mu);
            return NULL;
        }
        size_t k = w->order[w->next++];
        pthread_mutex_unlock(&w->mu);
        draw_into(w, k);
        pthread_mutex_lock(&w->mu);
        w->finished[w->nfinished++] = k;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
}

static void report(const gv_atlas_options *o, const gv_plan *p, size_t k, size_t done, size_t total, int rc, double ms) {
    if (!o->page_done) return;
    const gv_page_plan *pg = &p->pages[k];
    gv_atlas_event ev = {done, total, pg->id, pg->title, rc, rc ? pg->error : NULL, ms};
    o->page_done(o->ctx, &ev);
}

typedef struct cost_ref {
    size_t k, cost;
} cost_ref;

static int by_cost(const void *a, const void *b) {
    const cost_ref *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Draws every page that needs it; pages that failed while loading are
 * reported first. Returns the number of pages reported. */
static int draw_pages(const gv_atlas_options *o, gv_plan *p, const gv_atlas_data *d, const char *dir, size_t total,
                      gv_error *err) {
    size_t n = p->npages, nord = 0, done = 0;
    pool w;
    memset(&w, 0, sizeof w);
    cost_ref *cr = calloc(n ? n : 1, sizeof *cr);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    w.finished = calloc(n ? n : 1, sizeof *w.finished);
    w.rc = calloc(n ? n : 1, sizeof *w.rc);
    w.ms = calloc(n ? n : 1, sizeof *w.ms);
    if (!cr || !order || !w.finished || !w.rc || !w.ms) {
        free(cr); free(order); free(w.finished); free(w.rc); free(w.ms);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        gv_page_plan *pg = &p->pages[k];
        int todo = (pg->pdf.want && !pg->pdf.keep) || (pg->png.want && !pg->png.keep);
        if (!todo) continue;
        if (pg->failed) {
            report(o, p, k, ++done, total, pg->failed, 0);
            continue;
        }
        cr[nord].k = k;
        cr[nord].cost = gv__atlas_page_cost(d, p, k);
        nord++;
    }
    /* Largest pages first: the national pages would otherwise finish last
     * on one thread while the other waits. */
    qsort(cr, nord, sizeof *cr, by_cost);
    for (size_t i = 0; i < nord; i++) order[i] = cr[i].k;
    free(cr);
    int jobs = o->jobs > 0 ? o->jobs : 1;
    if ((size_t)jobs > nord) jobs = nord ? (int)nord : 1;
    if (jobs > 64) jobs = 64;
    w.d = d;
    w.p = p;
    w.dir = dir;
    w.order = order;
    w.norder = nord;
    /* One thread per page when pages run side by side; a lone page gets
     * the renderer's own two band threads. */
    w.threads_per_page = jobs > 1 ? 1 : 2;
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    pthread_t th[64];
    int started = 0;
    if (jobs > 1)
        for (int t = 0; t < jobs; t++)
            if (pthread_create(&th[started], NULL, worker_main, &w) == 0) started++;
    if (!started) {
        /* One job (or no thread could start): draw here, in page order of
         * cost, reporting as we go. */
        for (size_t i = 0; i < nord; i++) {
            draw_into(&w, order[i]);
            report(o, p, order[i], ++done, total, w.rc[order[i]], w.ms[order[i]]);
        }
    } else {
        size_t seen = 0;
        while (seen < nord) {
            pthread_mutex_lock(&w.mu);
            while (w.nfinished == seen) pthread_cond_wait(&w.cv, &w.mu);
            size_t upto = w.nfinished;
            pthread_mutex_unlock(&w.mu);
            for (; seen < upto; seen++) {
                size_t k = w.finished[seen];
                report(o, p, k, ++done, total, w.rc[k], w.ms[k]);
            }
        }
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    }
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    free(order);
    free(w.finished);
    free(w.rc);
    free(w.ms);
    return GV_OK;
}

static int write_book(gv_plan *p, const char *dir, size_t *book_pages, char sha[GV_SHA_HEX], gv_error *err) {
    const gv_atlas_spec *s = p->spec;
    gv_atlas_book_page *bp = calloc(p->npages ? p->npages : 1, sizeof *bp);
    char (*paths)[5000] = calloc(p->npages ? p->npages : 1, sizeof *paths);
    if (!bp || !paths) { free(bp); free(paths); return gv_error_set(err, GV_ENOMEM, "out of memory"); }
    size_t n = 0;
    int en = !strcasecmp(s->locale, "en");
    for (size_t k = 0; k < p->npages; k++) {
        gv_page_plan *pg = &p->pages[k];
        if ((pg->failed && !pg->stale) || !pg->pdf.want) continue;
        snprintf(paths[n], sizeof paths[n], "%s/%s", dir, pg->pdf.file);
        const gv_atlas_indicator *ind = &s->indicators[pg->ind];
        const char *area = p->areas[pg->area].name;
        bp[n] = (gv_atlas_book_page){paths[n], pg->title, s->order_by_area ? area : ind->name,
                                     s->order_by_area ? ind->name : area};
        n++;
    }
    gv_atlas_book b;
    memset(&b, 0, sizeof b);
    b.title = s->title;
    b.subtitle = s->subtitle;
    b.author = s->author;
    b.subject = s->subject;
    b.keywords = s->keywords;
    b.contents_title = s->contents ? (en ? "Contents" : "Mục lục") : NULL;
    b.page = s->page;
    b.pages = bp;
    b.npages = n;
    char path[5000];
    snprintf(path, sizeof path, "%s/%s", dir, s->pdf_name);
    int rc = gv_atlas_book_write(&b, path, book_pages, err);
    if (!rc) rc = gv__sha256_file(path, sha, err);
    free(bp);
    free(paths);
    return rc;
}

/* Book page numbers of the pages (contents first). */
static void number_pages(gv_plan *p, size_t book_pages) {
    size_t inbook = 0;
    for (size_t k = 0; k < p->npages; k++)
        if ((!p->pages[k].failed || p->pages[k].stale) && p->pages[k].pdf.want) inbook++;
    size_t next = book_pages >= inbook ? book_pages - inbook + 1 : 1;
    for (size_t k = 0; k < p->npages; k++) {
        gv_page_plan *pg = &p->pages[k];
        pg->book_page = (!pg->failed || pg->stale) && pg->pdf.want && book_pages ? (int)next++ : 0;
    }
}

static char *manifest_text(const gv_plan *p, int book_pages, const char *book_sha) {
    json_object *m = gv__plan_manifest(p, book_pages, book_sha);
    const char *s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(s);
    char *t = malloc(n + 2);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\n';
        t[n + 1] = 0;
    }
    json_object_put(m);
    return t;
}

static int write_text(const char *path, const char *text, gv_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno));
    int ok = fputs(text, f) >= 0;
    if (fclose(f) != 0) ok = 0;
    return ok ? GV_OK : gv_error_set(err, GV_EOUTPUT, "%s: cannot write (%s)", path, strerror(errno ? errno : EIO));
}

/* The output folder may be replaced only when it is an atlas (or empty):
 * a typo in -o must never delete someone's folder. */
static int check_out(const char *out, gv_error *err) {
    int isd = gv__is_dir(out);
    if (isd < 0) return gv_error_set(err, GV_EOUTPUT, "%s: exists and is not a folder", out);
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", out);
    char *sl = strrchr(parent, '/');
    if (sl) {
        *sl = 0;
        if (!*parent) snprintf(parent, sizeof parent, "/");
    } else snprintf(parent, sizeof parent, ".");
    if (gv__is_dir(parent) != 1) return gv_error_set(err, GV_EOUTPUT, "%s: its parent folder '%s' does not exist", out, parent);
    if (isd == 1) {
        char m[4200];
        snprintf(m, sizeof m, "%s/manifest.json", out);
        struct stat st;
        if (stat(m, &st) == 0) {
            /* A manifest.json of someone else's is not an atlas: only ours
             * (key geovoice_atlas) lets the folder be replaced. */
            json_object *j = json_object_from_file(m), *v = NULL;
            int ours = j && json_object_object_get_ex(j, "geovoice_atlas", &v);
            json_object_put(j);
            if (!ours)
                return gv_error_set(err, GV_EOUTPUT,
                                    "%s: its manifest.json is not a geovoice atlas manifest (no 'geovoice_atlas' key): "
                                    "the folder is not an atlas, and an atlas run replaces its output folder as a whole; "
                                    "choose another folder",
                                    out);
        }
        DIR *dd = stat(m, &st) != 0 ? opendir(out) : NULL;
        int empty = 1;
        for (struct dirent *e; dd && (e = readdir(dd));)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
        if (dd) closedir(dd);
        if (!empty)
            return gv_error_set(err, GV_EOUTPUT,
                                "%s: the folder exists and holds no manifest.json: it is not an atlas folder, and an "
                                "atlas run replaces its output folder as a whole; choose another folder",
                                out);
    }
    return GV_OK;
}

/* Carries file (a path relative to the atlas folder) from the previous
 * atlas into the one being built: a hard link, or a copy. */
static int carry(const char *from_dir, const char *to_dir, const char *file, gv_error *err) {
    char a[5000], b[5000];
    snprintf(a, sizeof a, "%s/%s", from_dir, file);
    snprintf(b, sizeof b, "%s/%s", to_dir, file);
    unlink(b);
    if (gv__link_or_copy(a, b)) return gv_error_set(err, GV_EOUTPUT, "%s: cannot link or copy %s (%s)", to_dir, a, strerror(errno));
    return GV_OK;
}

/* Make `path` absolute and canonical in place: "." and empty parts
 * dropped, ".." taken lexically, then the part that exists resolved by
 * realpath (links followed) and the rest appended.  Left as it was when
 * the result would not fit. */
static void canon_dir(char *path, size_t cap) {
    char abs[2 * PATH_MAX + 2];
    if (path[0] == '/') snprintf(abs, sizeof abs, "%s", path);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return;
        snprintf(abs, sizeof abs, "%s/%s", cwd, path);
    }
    char norm[sizeof abs];
    size_t n = 0;
    norm[0] = 0;
    for (char *save = NULL, *t = strtok_r(abs, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, ".")) continue;
        if (!strcmp(t, "..")) {
            char *sl = strrchr(norm, '/');
            if (sl) { *sl = 0; n = (size_t)(sl - norm); }
            continue;
        }
        n += (size_t)snprintf(norm + n, sizeof norm - n, "/%s", t);
        if (n >= sizeof norm) return;
    }
    if (!*norm) snprintf(norm, sizeof norm, "/");
    /* Resolve the longest prefix that exists. */
    char head[sizeof norm], out[sizeof norm + PATH_MAX];
    snprintf(head, sizeof head, "%s", norm);
    const char *tail = "";
    for (;;) {
        char r[PATH_MAX];
        if (realpath(head, r)) {
            snprintf(out, sizeof out, "%s%s%s", strcmp(r, "/") ? r : "", *tail ? "/" : "", tail);
            if (!*out) snprintf(out, sizeof out, "/");
            break;
        }
        char *sl = strrchr(head, '/');
        if (!sl || sl == head) { snprintf(out, sizeof out, "%s", norm); break; }
        *sl = 0;
        tail = norm + (sl - head) + 1;
    }
    if (strlen(out) < cap) memcpy(path, out, strlen(out) + 1);
}

int gv_atlas_run(const gv_atlas_options *o, gv_log_fn log, void *logctx, gv_atlas_result *res, gv_error *err) {
    gv_atlas_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    if (!o || !o->spec) return gv_error_set(err, GV_EUSAGE, "an atlas spec (YAML) is required");
    double t0 = gv__job_now_ms();
    gv_plan p;
    int rc = gv__plan_make(o, &p, err);
    if (rc) { gv__plan_clear(&p); return rc; }
    /* One spelling per folder: "out", "out/." and a link to it must share
     * the lock and be swapped as the same folder (a link is followed to
     * the folder it names, which is what gets replaced). */
    canon_dir(p.out, sizeof p.out);
    snprintf(res->out, sizeof res->out, "%s", p.out);
    res->pages = p.npages;
    if ((rc = check_out(p.out, err))) { gv__plan_clear(&p); return rc; }
    char lock[4200];
    snprintf(lock, sizeof lock, "%s.lock", p.out);
    int lfd = -1;
    if ((rc = gv__lock_take(lock, o->wait, log, logctx, &lfd, err))) { gv__plan_clear(&p); return rc; }
    if (o->locked && o->locked(o->ctx)) {
        rc = gv_error_set(err, GV_EINTERNAL, "stopped after taking the lock (test hook)");
        goto out;
    }
    gv__remove_stale(p.out, log, logctx);
    size_t todo = gv__plan_compare(&p, p.out, o->force);
    int want_book = p.spec->want_pdf;
    if (!todo && (!want_book || p.book_keep)) {
        number_pages(&p, want_book ? (size_t)p.book_pages : 0);
        char *t = manifest_text(&p, p.book_pages, p.book_sha);
        int same = t && p.old_manifest && !strcmp(t, p.old_manifest);
        free(t);
        if (same) {
            res->up_to_date = 1;
            res->reused = p.npages;
            res->book_pages = (size_t)p.book_pages;
            gv__job_logf(log, logctx, "atlas: up to date: %zu pages, nothing to do (%s, %.0f ms)", p.npages, p.out,
                         gv__job_now_ms() - t0);
            goto out;
        }
    }
    char fresh[4200];
    snprintf(fresh, sizeof fresh, "%s.new-%ld", p.out, (long)getpid());
    char pages_dir[4300];
    snprintf(pages_dir, sizeof pages_dir, "%s/pages", fresh);
    if (mkdir(fresh, 0755) != 0 || mkdir(pages_dir, 0755) != 0) {
        rc = gv_error_set(err, GV_EOUTPUT, "%s: cannot create (%s)", fresh, strerror(errno));
        gv__rmtree(fresh);
        goto out;
    }
    /* Kept files: hard links to the previous atlas's. */
    for (size_t k = 0; k < p.npages && !rc; k++) {
        gv_out_file *fs[2] = {&p.pages[k].pdf, &p.pages[k].png};
        for (int q = 0; q < 2 && !rc; q++) {
            if (!fs[q]->want || !fs[q]->keep) continue;
            rc = carry(p.out, fresh, fs[q]->file, err);
        }
    }
    if (!rc && todo) {
        gv__job_logf(log, logctx, "atlas: %zu of %zu pages to draw (%s%s), %d job%s", todo, p.npages,
                     p.spec->want_pdf ? "pdf" : "", p.spec->want_png ? (p.spec->want_pdf ? "+png" : "png") : "",
                     o->jobs > 1 ? o->jobs : 1, o->jobs > 1 ? "s" : "");
        gv_atlas_data *d = NULL;
        rc = gv__atlas_data_load(&p, log, logctx, &d, err);
        if (!rc) rc = draw_pages(o, &p, d, fresh, todo, err);
        gv__atlas_data_free(d);
    }
    /* A page that failed keeps its previous version, when the previous
     * atlas has one, marked stale in the manifest (with no key, so the next
     * run draws it again): a typo in a spec or a broken table must not take
     * half of last night's atlas away. */
    for (size_t k = 0; k < p.npages && !rc; k++) {
        gv_page_plan *pg = &p.pages[k];
        if (!pg->failed) continue;
        gv_out_file *fs[2] = {&pg->pdf, &pg->png};
        int have = 0, all = 1;
        for (int q = 0; q < 2; q++) {
            if (!fs[q]->want) continue;
            char a[5000];
            snprintf(a, sizeof a, "%s/%s", p.out, fs[q]->file);
            struct stat st;
            if (stat(a, &st) == 0 && S_ISREG(st.st_mode)) have++;
            else all = 0;
        }
        if (!have || !all) continue;
        for (int q = 0; q < 2 && !rc; q++) {
            if (!fs[q]->want) continue;
            if ((rc = carry(p.out, fresh, fs[q]->file, err)) != GV_OK) break;
            char b[5000];
            snprintf(b, sizeof b, "%s/%s", fresh, fs[q]->file);
            if ((rc = gv__sha256_file(b, fs[q]->sha256, err)) != GV_OK) break;
            fs[q]->key[0] = 0;
        }
        if (!rc) pg->stale = 1;
    }
    for (size_t k = 0; k < p.npages; k++) {
        const gv_page_plan *pg = &p.pages[k];
        int drawn = (pg->pdf.want && !pg->pdf.keep) || (pg->png.want && !pg->png.keep);
        if (pg->failed) res->failed++;
        else if (drawn) res->drawn++;
        else res->reused++;
    }
    size_t book_pages = 0;
    char book_sha[GV_SHA_HEX] = "";
    if (!rc && want_book) {
        if (p.book_keep && !res->failed) {
            /* No page PDF was drawn (gv__plan_compare) and none failed. */
            rc = carry(p.out, fresh, p.spec->pdf_name, err);
            book_pages = (size_t)p.book_pages;
            snprintf(book_sha, sizeof book_sha, "%s", p.book_sha);
        } else {
            double tb = gv__job_now_ms();
            rc = write_book(&p, fresh, &book_pages, book_sha, err);
            if (!rc)
                gv__job_logf(log, logctx, "book: %s, %zu pages (%.0f ms)", p.spec->pdf_name, book_pages, gv__job_now_ms() - tb);
        }
    }
    if (!rc) {
        number_pages(&p, book_pages);
        char *t = manifest_text(&p, (int)book_pages, book_sha);
        char mp[4300];
        snprintf(mp, sizeof mp, "%s/manifest.json", fresh);
        rc = t ? write_text(mp, t, err) : gv_error_set(err, GV_ENOMEM, "out of memory");
        free(t);
    }
    if (!rc) rc = gv__swap_in(fresh, p.out, err);
    if (rc) {
        gv__rmtree(fresh);
        goto out;
    }
    res->book_pages = book_pages;
    gv__job_logf(log, logctx, "atlas: %zu pages: %zu drawn, %zu kept, %zu failed%s%s%s; wrote %s (%.0f ms)", p.npages,
                 res->drawn, res->reused, res->failed, want_book ? "; " : "", want_book ? p.spec->pdf_name : "",
                 want_book ? "" : "", p.out, gv__job_now_ms() - t0);
    if (res->failed) {
        char list[GV_ERR_LEN] = "";
        size_t ln = 0;
        int first = GV_OK;
        for (size_t k = 0; k < p.npages; k++) {
            const gv_page_plan *pg = &p.pages[k];
            if (!pg->failed) continue;
            gv__job_logf(log, logctx, "failed: %s: %s%s", pg->id, pg->error,
                         pg->stale ? " (the previous version of the page is kept, marked stale)" : "");
            if (first == GV_OK) first = pg->failed < 0 ? pg->failed : GV_EDATA;
            if (ln < sizeof list - 1) ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s%s", ln ? ", " : "", pg->id);
        }
        rc = gv_error_set(err, first, "%zu of %zu pages failed (%s); the others were written to %s", res->failed,
                          p.npages, list, p.out);
    }
out:
    gv__lock_release(lfd);
    gv__plan_clear(&p);
    return rc;
}
