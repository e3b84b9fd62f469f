/* shapes_private.h: helpers shared by the files of shapes/ (not API). */
#ifndef GV_SHAPES_PRIVATE_H
#define GV_SHAPES_PRIVATE_H
#include "geovoice/sets.h"

/* Official code width of a level (2 province, 3 district, 5 commune; 0
 * otherwise). */
int gv_shapes_level_width(gv_level level);

/* Sets the grouping's level and path (used by gv_set_grouping). */
void gv_grouping_set_level(gv_grouping *g, gv_level level);

#endif
