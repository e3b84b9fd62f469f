/* svg_ids.h (private): renumbers Cairo's process-wide SVG ids in order of
 * appearance, so an SVG depends only on what it shows. */
#ifndef GV_RENDER_SVG_IDS_H
#define GV_RENDER_SVG_IDS_H
#include "geovoice/common.h"
int gv_svg_renumber_ids(const char *path, gv_error *err);
#endif
