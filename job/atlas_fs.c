/* atlas_fs.c: the file-system side of `geovoice atlas` (atlas_private.h):
 * hashes of the inputs, the lock that keeps two runs on one output folder
 * apart, and replacing the output folder as a whole.
 *
 * Why a lock file beside the folder and not inside it: the folder itself
 * is swapped at the end of a run, and a lock inside would be swapped away
 * with it. flock() is released by the kernel when a process dies, so a
 * killed run never leaves the next one waiting.
 *
 * Why a swap: a scheduled job may be killed at any time; the reader of
 * the atlas must then still find the previous one, complete. The new
 * folder is built beside the old (same file system, so unchanged pages are
 * hard links, not copies) and exchanged with it by renameat2(RENAME_EXCHANGE):
 * at every instant OUT is one whole atlas. */
#define _GNU_SOURCE
#include "atlas_private.h"

#include "jobutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void to_hex(const unsigned char *md, unsigned n, char hex[GV_SHA_HEX]) {
    static const char H[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        hex[2 * i] = H[md[i] >> 4];
        hex[2 * i + 1] = H[md[i] & 15];
    }
    hex[64] = 0;
}

void gv__sha256_mem(const void *p, size_t n, char hex[GV_SHA_HEX]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    to_hex(md, len, hex);
}

int gv__sha256_file(const char *path, char hex[GV_SHA_HEX], gv_error *err) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return gv_error_set(err, GV_EDATA, "%s: cannot read (%s)", path, strerror(errno));
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(c);
        close(fd);
        return gv_error_set(err, GV_EINTERNAL, "OpenSSL: SHA-256 unavailable");
    }
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    int rc = buf ? GV_OK : gv_error_set(err, GV_ENOMEM, "out of memory");
    for (;;) {
        if (rc) break;
        ssize_t k = read(fd, buf, CHUNK);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) { rc = gv_error_set(err, GV_EDATA, "%s: cannot read (%s)", path, strerror(errno)); break; }
        if (k == 0) break;
        EVP_DigestUpdate(c, buf, (size_t)k);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!rc) {
        EVP_DigestFinal_ex(c, md, &len);
        to_hex(md, len, hex);
    }
    free(buf);
    EVP_MD_CTX_free(c);
    close(fd);
    return rc;
}

int gv__lock_take(const char *path, int wait, gv_log_fn log, void *logctx, int *fd_out, gv_error *err) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return gv_error_set(err, GV_EOUTPUT, "%s: cannot create the lock file (%s)", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(fd);
            return gv_error_set(err, GV_EOUTPUT, "%s: cannot lock (%s)", path, strerror(e));
        }
        char pid[32] = "";
        ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
        if (k > 0) pid[k] = 0;
        pid[strcspn(pid, "\n")] = 0;
        if (!wait) {
            close(fd);
            return gv_error_set(err, GV_EOUTPUT,
                                "another geovoice atlas run%s%s%s is writing this output folder (lock %s); "
                                "try again when it has finished, or pass --wait",
                                *pid ? " (pid " : "", *pid ? pid : "", *pid ? ")" : "", path);
        }
        gv__job_logf(log, logctx, "waiting for the run%s%s%s that holds %s", *pid ? " (pid " : "", pid,
                     *pid ? ")" : "", path);
        while (flock(fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return gv_error_set(err, GV_EOUTPUT, "%s: cannot lock (%s)", path, strerror(e));
        }
    }
    /* Our pid, for the message the next run prints. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) == n) { /* best effort */ }
    *fd_out = fd;
    return GV_OK;
}

void gv__lock_release(int fd) {
    if (fd < 0) return;
    if (ftruncate(fd, 0) != 0) { /* the pid is only a hint */ }
    flock(fd, LOCK_UN);
    close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

int gv__rmtree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int gv__link_or_copy(const char *src, const char *dst) {
    if (link(src, dst) == 0) return 0;
    int in = open(src, O_RDONLY);
    if (in < 0) return -1;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { close(in); return -1; }
    char buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { rc = k < 0 ? -1 : 0; break; }
        if (write(out, buf, (size_t)k) != k) { rc = -1; break; }
    }
    close(in);
    if (close(out) != 0) rc = -1;
    if (rc) unlink(dst);
    return rc;
}

int gv__is_dir(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    return S_ISDIR(st.st_mode) ? 1 : -1;
}

int gv__swap_in(const char *fresh, const char *out, gv_error *err) {
    if (gv__is_dir(out) != 1) {
        if (rename(fresh, out) != 0)
            return gv_error_set(err, GV_EOUTPUT, "%s: cannot move the new atlas into place (%s)", out, strerror(errno));
        return GV_OK;
    }
    if (renameat2(AT_FDCWD, fresh, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
        /* fresh now names the previous atlas. */
        gv__rmtree(fresh);
        return GV_OK;
    }
    /* File systems without RENAME_EXCHANGE: two renames, with a short
     * moment in between where OUT is missing (never half-written). */
    char old[4200];
    snprintf(old, sizeof old, "%s.old-%ld", out, (long)getpid());
    if (rename(out, old) != 0)
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot move the previous atlas aside (%s)", out, strerror(errno));
    if (rename(fresh, out) != 0) {
        int e = errno;
        if (rename(old, out) != 0) { /* the old one stays at OUT.old-PID; the next run's cleanup says so */ }
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot move the new atlas into place (%s)", out, strerror(e));
    }
    gv__rmtree(old);
    return GV_OK;
}

void gv__remove_stale(const char *out, gv_log_fn log, void *logctx) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    char *sl = strrchr(dir, '/');
    const char *base = sl ? sl + 1 : out;
    if (sl) *sl = 0;
    else snprintf(dir, sizeof dir, ".");
    if (sl && !*dir) snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d) return;
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, base, bl) || (strncmp(e->d_name + bl, ".new-", 5) && strncmp(e->d_name + bl, ".old-", 5)))
            continue;
        char p[8300];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        /* We hold the lock: whoever made it is gone. */
        if (gv__rmtree(p) == 0) gv__job_logf(log, logctx, "removed %s, left by a run that did not finish", p);
    }
    closedir(d);
}
