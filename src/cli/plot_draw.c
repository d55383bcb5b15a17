/* Axes, ticks, lines, bands and legends with cairo. */
#ifdef SYNRL_HAVE_CAIRO
#include "cli/plot_draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MARGIN_L 74
#define MARGIN_R 16
#define MARGIN_T 34
#define MARGIN_B 50
#define FONT 13.0
#define PD_PI 3.14159265358979323846

pd_rgb pd_color(int i) {
  /* colour-blind-friendly (Okabe-Ito) */
  static const pd_rgb pal[] = {
      {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
      {0.337, 0.706, 0.914}, {0.902, 0.624, 0.000}, {0.941, 0.894, 0.259}, {0.0, 0.0, 0.0},
  };
  int n = (int)(sizeof pal / sizeof pal[0]);
  return pal[((i % n) + n) % n];
}

void pd_axes_place(pd_axes *ax, double x, double y, double w, double h) {
  ax->px = x + MARGIN_L;
  ax->py = y + MARGIN_T;
  ax->pw = w - MARGIN_L - MARGIN_R;
  ax->ph = h - MARGIN_T - MARGIN_B;
}

void pd_axes_range(double *lo, double *hi, bool log) {
  if (log) {
    double a = log10(*lo), b = log10(*hi);
    if (b - a < 1e-9) a -= 0.5, b += 0.5;
    double pad = 0.04 * (b - a);
    *lo = pow(10, a - pad);
    *hi = pow(10, b + pad);
    return;
  }
  double a = *lo, b = *hi;
  if (b - a < 1e-12 * (fabs(a) + fabs(b)) || b - a == 0) {
    double d = fabs(a) > 0 ? 0.05 * fabs(a) : 0.5;
    a -= d, b += d;
  }
  double pad = 0.04 * (b - a);
  *lo = a - pad;
  *hi = b + pad;
}

static double tr(double v, bool log) { return log ? log10(v) : v; }

double pd_x(const pd_axes *ax, double x) {
  double a = tr(ax->xmin, ax->logx), b = tr(ax->xmax, ax->logx);
  return ax->px + (tr(x, ax->logx) - a) / (b - a) * ax->pw;
}
double pd_y(const pd_axes *ax, double y) {
  double a = tr(ax->ymin, ax->logy), b = tr(ax->ymax, ax->logy);
  return ax->py + ax->ph - (tr(y, ax->logy) - a) / (b - a) * ax->ph;
}

void pd_text(cairo_t *cr, double x, double y, const char *s, double size, double align_x,
             double align_y, bool bold) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t te;
  cairo_text_extents(cr, s, &te);
  /* align by the advance width and the font size, so baselines line up */
  cairo_move_to(cr, x - align_x * te.x_advance, y + align_y * size * 0.72);
  cairo_show_text(cr, s);
}

/* Tick positions at 1, 2 or 5 times a power of ten, about `want` of them. */
static int ticks_linear(double lo, double hi, int want, double *t, int max, double *step_out) {
  double raw = (hi - lo) / want, p = pow(10, floor(log10(raw))), f = raw / p;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  int n = 0;
  for (double v = ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step && n < max; v += step)
    t[n++] = fabs(v) < 1e-12 * step ? 0 : v;
  *step_out = step;
  return n;
}

static int ticks_log(double lo, double hi, double *t, int max) {
  int n = 0, a = (int)floor(log10(lo)), b = (int)ceil(log10(hi));
  int decades = b - a;
  static const double mult[3] = {1, 2, 5};
  for (int k = a; k <= b; k++)
    for (int m = 0; m < (decades <= 2 ? 3 : 1); m++) {
      double v = mult[m] * pow(10, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && n < max) t[n++] = v;
    }
  return n;
}

static void fmt_tick(char *buf, size_t n, double v, double step, double maxabs, bool log) {
  if (log) {
    snprintf(buf, n, "%g", v);
    return;
  }
  if (v == 0) {
    snprintf(buf, n, "0");
  } else if (maxabs >= 1e6 && step >= 1e5) {
    snprintf(buf, n, "%gM", v / 1e6);
  } else if (maxabs >= 1e4 && step >= 1e3) {
    snprintf(buf, n, "%gk", v / 1e3);
  } else {
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, n, "%.*f", dec, v);
  }
}

static void axis_ticks(const pd_axes *ax, bool xaxis, double *t, int *nt, double *step,
                       double *maxabs) {
  double lo = xaxis ? ax->xmin : ax->ymin, hi = xaxis ? ax->xmax : ax->ymax;
  bool log = xaxis ? ax->logx : ax->logy;
  if (log) {
    *nt = ticks_log(lo, hi, t, 32);
    *step = 0;
  } else {
    *nt = ticks_linear(lo, hi, xaxis ? (int)fmax(3, ax->pw / 90) : (int)fmax(3, ax->ph / 60), t, 32,
                       step);
  }
  *maxabs = 0;
  for (int i = 0; i < *nt; i++) *maxabs = fmax(*maxabs, fabs(t[i]));
}

void pd_axes_draw(cairo_t *cr, const pd_axes *ax, const char *xlabel, const char *ylabel,
                  const char *title) {
  double tx[32], ty[32], sx, sy, mx, my;
  int nx, ny;
  axis_ticks(ax, true, tx, &nx, &sx, &mx);
  axis_ticks(ax, false, ty, &ny, &sy, &my);
  cairo_save(cr);
  /* grid (not over images) */
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  for (int i = 0; i < (ax->no_grid ? 0 : nx); i++) {
    double x = round(pd_x(ax, tx[i])) + 0.5;
    cairo_move_to(cr, x, ax->py);
    cairo_line_to(cr, x, ax->py + ax->ph);
  }
  for (int i = 0; i < (ax->no_grid ? 0 : ny); i++) {
    double y = round(pd_y(ax, ty[i])) + 0.5;
    cairo_move_to(cr, ax->px, y);
    cairo_line_to(cr, ax->px + ax->pw, y);
  }
  cairo_stroke(cr);
  /* frame */
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_rectangle(cr, round(ax->px) + 0.5, round(ax->py) + 0.5, round(ax->pw), round(ax->ph));
  cairo_stroke(cr);
  /* ticks and labels */
  char buf[64];
  for (int i = 0; i < nx; i++) {
    double x = round(pd_x(ax, tx[i])) + 0.5, y = ax->py + ax->ph;
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x, y + 5);
    cairo_stroke(cr);
    fmt_tick(buf, sizeof buf, tx[i], sx, mx, ax->logx);
    pd_text(cr, x, y + 8, buf, FONT - 1, 0.5, 1.0, false);
  }
  for (int i = 0; i < ny; i++) {
    double y = round(pd_y(ax, ty[i])) + 0.5;
    cairo_move_to(cr, ax->px - 5, y);
    cairo_line_to(cr, ax->px, y);
    cairo_stroke(cr);
    fmt_tick(buf, sizeof buf, ty[i], sy, my, ax->logy);
    pd_text(cr, ax->px - 8, y - (FONT - 1) * 0.36, buf, FONT - 1, 1.0, 1.0, false);
  }
  if (xlabel && *xlabel) pd_text(cr, ax->px + ax->pw / 2, ax->py + ax->ph + 28, xlabel, FONT, 0.5, 1.0, false);
  if (ylabel && *ylabel) {
    cairo_save(cr);
    cairo_translate(cr, ax->px - 58, ax->py + ax->ph / 2);
    cairo_rotate(cr, -PD_PI / 2);
    pd_text(cr, 0, 0, ylabel, FONT, 0.5, 1.0, false);
    cairo_restore(cr);
  }
  if (title && *title) pd_text(cr, ax->px + ax->pw / 2, ax->py - 24, title, FONT + 1, 0.5, 1.0, true);
  cairo_restore(cr);
}

static bool usable(const pd_axes *ax, double x, double y) {
  return isfinite(x) && isfinite(y) && (!ax->logx || x > 0) && (!ax->logy || y > 0);
}

void pd_line(cairo_t *cr, const pd_axes *ax, const double *x, const double *y, size_t n, pd_rgb c,
             double width) {
  cairo_save(cr);
  cairo_rectangle(cr, ax->px, ax->py, ax->pw, ax->ph);
  cairo_clip(cr);
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  bool pen = false;
  size_t drawn = 0;
  double lx = 0, ly = 0;
  for (size_t i = 0; i < n; i++) {
    if (!usable(ax, x[i], y[i])) {
      pen = false;
      continue;
    }
    double dx = pd_x(ax, x[i]), dy = pd_y(ax, y[i]);
    if (pen)
      cairo_line_to(cr, dx, dy);
    else
      cairo_move_to(cr, dx, dy);
    pen = true;
    lx = dx, ly = dy;
    drawn++;
  }
  cairo_stroke(cr);
  if (drawn == 1) { /* a single point: show it */
    cairo_arc(cr, lx, ly, width + 1.5, 0, 2 * PD_PI);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

void pd_band(cairo_t *cr, const pd_axes *ax, const double *x, const double *lo, const double *hi,
             size_t n, pd_rgb c, double alpha) {
  cairo_save(cr);
  cairo_rectangle(cr, ax->px, ax->py, ax->pw, ax->ph);
  cairo_clip(cr);
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
  size_t i = 0;
  while (i < n) {
    /* one polygon per run of usable points */
    while (i < n && !(usable(ax, x[i], lo[i]) && usable(ax, x[i], hi[i]))) i++;
    size_t a = i;
    while (i < n && usable(ax, x[i], lo[i]) && usable(ax, x[i], hi[i])) i++;
    if (i - a < 2) continue;
    cairo_move_to(cr, pd_x(ax, x[a]), pd_y(ax, hi[a]));
    for (size_t k = a + 1; k < i; k++) cairo_line_to(cr, pd_x(ax, x[k]), pd_y(ax, hi[k]));
    for (size_t k = i; k-- > a;) cairo_line_to(cr, pd_x(ax, x[k]), pd_y(ax, lo[k]));
    cairo_close_path(cr);
    cairo_fill(cr);
  }
  cairo_restore(cr);
}

void pd_legend(cairo_t *cr, const pd_axes *ax, const pd_legend_item *items, int n,
               const double *xs, const double *ys, size_t npts) {
  if (n <= 0) return;
  cairo_save(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, FONT - 1);
  double tw = 0;
  for (int i = 0; i < n; i++) {
    cairo_text_extents_t te;
    cairo_text_extents(cr, items[i].label, &te);
    tw = fmax(tw, te.x_advance);
  }
  double row = FONT + 5, w = tw + 44, h = n * row + 10, pad = 8;
  double cx[4] = {ax->px + ax->pw - w - pad, ax->px + pad, ax->px + ax->pw - w - pad, ax->px + pad};
  double cy[4] = {ax->py + pad, ax->py + pad, ax->py + ax->ph - h - pad, ax->py + ax->ph - h - pad};
  int best = 0;
  size_t best_hits = (size_t)-1;
  for (int c = 0; c < 4; c++) {
    size_t hits = 0;
    for (size_t i = 0; i < npts; i++) {
      if (!usable(ax, xs[i], ys[i])) continue;
      double dx = pd_x(ax, xs[i]), dy = pd_y(ax, ys[i]);
      hits += dx >= cx[c] - 4 && dx <= cx[c] + w + 4 && dy >= cy[c] - 4 && dy <= cy[c] + h + 4;
    }
    if (hits < best_hits) best_hits = hits, best = c;
  }
  double x = cx[best], y = cy[best];
  cairo_rectangle(cr, x, y, w, h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.88);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (int i = 0; i < n; i++) {
    double ry = y + 5 + row * i + row / 2;
    pd_rgb c = items[i].color;
    if (items[i].band) {
      cairo_set_source_rgba(cr, c.r, c.g, c.b, 0.25);
      cairo_rectangle(cr, x + 8, ry - 6, 24, 12);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_line_width(cr, 2.2);
    cairo_move_to(cr, x + 8, ry);
    cairo_line_to(cr, x + 32, ry);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    pd_text(cr, x + 38, ry - (FONT - 1) * 0.36, items[i].label, FONT - 1, 0.0, 1.0, false);
  }
  cairo_restore(cr);
}
#endif
