/* shapes_private.h: helpers shared by the files of shapes/ (not API). */
#ifndef GV_SHAPES_PRIVATE_H
#define GV_SHAPES_PRIVATE_H
#include "geovoice/sets.h"

/* Official code width of a level (2 province, 3 district, 5 commune; 0
 * otherwise). */
int gv_shapes_level_width(gv_level level);

/* gv_units_read with the code width of each level (widths[GV_LEVEL_*],
 * 0 = the official width); widths NULL = official widths. */
int gv_units_read_widths(const char *csv, const char *level_col, const char *code_col, const char *name_col,
                         const char *type_col, const char *parent_col, const int *widths, gv_units **out,
                         gv_error *err);

/* Sets the grouping's level and path (used by gv_set_grouping). */
void gv_grouping_set_level(gv_grouping *g, gv_level level);

#endif
