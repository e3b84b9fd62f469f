/* cairo_file.c: see cairo_file.h. */
#include "cairo_file.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <string.h>

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int length) {
    gv_cairo_file *cf = closure;
    if (cf->err) return CAIRO_STATUS_WRITE_ERROR;
    if (length && fwrite(data, 1, length, cf->f) != length) {
        cf->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

cairo_surface_t *gv_cairo_file_surface(gv_cairo_file *cf, const char *path, int svg, double w, double h, gv_error *err) {
    cf->err = 0;
    cf->f = fopen(path, "wb");
    if (!cf->f) {
        gv_error_set(err, GV_EOUTPUT, "%s: cannot create (%s)", path, strerror(errno));
        return NULL;
    }
    return svg ? cairo_svg_surface_create_for_stream(write_cb, cf, w, h)
               : cairo_pdf_surface_create_for_stream(write_cb, cf, w, h);
}

int gv_cairo_file_close(gv_cairo_file *cf, cairo_surface_t *surf, const char *path, const char *what, gv_error *err) {
    cairo_status_t st = CAIRO_STATUS_SUCCESS;
    if (surf) {
        cairo_surface_finish(surf);
        st = cairo_surface_status(surf);
        cairo_surface_destroy(surf);
    }
    int e = cf->err;
    if (cf->f) {
        errno = 0;
        if (fflush(cf->f) != 0 && !e) e = errno ? errno : EIO;
        if (fclose(cf->f) != 0 && !e) e = errno ? errno : EIO;
        cf->f = NULL;
    }
    if (e)
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write%s%s (%s)", path, what ? " " : "", what ? what : "",
                            strerror(e));
    if (st != CAIRO_STATUS_SUCCESS)
        return gv_error_set(err, GV_EOUTPUT, "%s: cannot write%s%s (%s)", path, what ? " " : "", what ? what : "",
                            cairo_status_to_string(st));
    return GV_OK;
}
