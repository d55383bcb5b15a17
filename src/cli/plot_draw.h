/* Drawing helpers for synrl plot: axes with ticks and labels, lines, bands,
 * legends, on a cairo context. Only built with cairo. */
#ifndef SYNRL_CLI_PLOT_DRAW_H
#define SYNRL_CLI_PLOT_DRAW_H

#ifdef SYNRL_HAVE_CAIRO
#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pd_rgb {
  double r, g, b;
} pd_rgb;

/* A panel: its plot area in device pixels and the data range it shows. */
typedef struct pd_axes {
  double px, py, pw, ph;         /* plot area (inside the frame) */
  double xmin, xmax, ymin, ymax; /* data range (log axes: positive) */
  bool logx, logy;
  bool no_grid;                  /* no grid lines (panels showing an image) */
} pd_axes;

pd_rgb pd_color(int i); /* a palette of distinguishable colours */

/* Panel cell (x, y, w, h) in pixels: leaves margins for tick labels, axis
 * labels and a title, and sets the plot area of ax. */
void pd_axes_place(pd_axes *ax, double x, double y, double w, double h);
/* Range from data [lo, hi]: padded a little; log axes need lo > 0. */
void pd_axes_range(double *lo, double *hi, bool log);
double pd_x(const pd_axes *ax, double x);
double pd_y(const pd_axes *ax, double y);
/* Grid, frame, ticks, tick labels, axis labels and the title. */
void pd_axes_draw(cairo_t *cr, const pd_axes *ax, const char *xlabel, const char *ylabel,
                  const char *title);
/* A polyline through finite points, clipped to the plot area. */
void pd_line(cairo_t *cr, const pd_axes *ax, const double *x, const double *y, size_t n, pd_rgb c,
             double width);
/* A filled band between lo and hi. */
void pd_band(cairo_t *cr, const pd_axes *ax, const double *x, const double *lo, const double *hi,
             size_t n, pd_rgb c, double alpha);

/* Legend entries; placed in the plot corner that covers the fewest of the
 * given points (xs/ys: all drawn series, concatenated). */
typedef struct pd_legend_item {
  const char *label;
  pd_rgb color;
  bool band;
} pd_legend_item;
void pd_legend(cairo_t *cr, const pd_axes *ax, const pd_legend_item *items, int n,
               const double *xs, const double *ys, size_t npts);

void pd_text(cairo_t *cr, double x, double y, const char *s, double size, double align_x,
             double align_y, bool bold);

#endif
#endif
