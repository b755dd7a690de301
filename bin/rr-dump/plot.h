/* rr-dump --plot: a timeline picture of a log, drawn with cairo (plot.c). */
#ifndef RR_DUMP_PLOT_H
#define RR_DUMP_PLOT_H
#include <stddef.h>
#include <stdint.h>
#include "rrlog/rrlog.h"

struct plot;

/* The picture format named by the file's extension: 0 SVG, 1 PNG, -1 neither. */
int plot_format(const char *out);
/* A plot of the log named name; from/to: the icount window asked for (0 and
 * UINT64_MAX: the whole log).  NULL when out of memory. */
struct plot *plot_new(const struct rrlog_header_info *h, const char *name, uint64_t from, uint64_t to);
/* Every event read, in order; shown = it passes the -k filter (gets a lane). */
void plot_event(struct plot *p, const struct rrlog_event *ev, int shown);
/* The log stopped early at the last event given: the title says so. */
void plot_truncated(struct plot *p, const char *why);
/* Draws and writes the picture to out (a temporary file renamed at the end: a
 * failure leaves nothing).  0, or -1 with a message in err. */
int plot_write(struct plot *p, const char *out, char *err, size_t errlen);
void plot_free(struct plot *p);

#endif
