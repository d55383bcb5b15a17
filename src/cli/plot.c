/* synrl plot: PNG figures of runs. boundary: the 2D task's target and learned
 * decision boundaries side by side (the paper's Fig. 1 A/B); curves: one
 * run's loss and accuracy over iterations (Fig. 1 C/D); compare: groups of
 * runs as mean lines with min-max or +-std bands (Fig. 3 / Table 1 runs). */
#define _POSIX_C_SOURCE 200809L /* glob, strdup */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#ifndef SYNRL_HAVE_CAIRO
int cli_plot(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "synrl plot: this synrl was built without cairo; install it (Debian: apt-get install "
          "libcairo2-dev, or bash scripts/setup.sh) and rebuild\n");
  return 2;
}
#else

#include "cli/plot_draw.h"
#include "core/fileio.h"
#include "synrl/train.h"

#ifdef SYNRL_HAVE_FONTCONFIG
#include <fontconfig/fontconfig.h>
#endif
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_GROUPS 8
#define MAX_RUNS 64
#define MAX_PANELS 4

typedef struct plot_opts {
  int width, height;
  const char *title;
  /* boundary */
  const char *target, *net;
  double range;
  int grid;
  /* curves, compare */
  const char *metrics, *band;
  bool log_loss, log_x;
  const char *y; /* curves: the column to draw (default: by the run's kind) */
} plot_opts;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len) {
  fio_writer *w = closure;
  fio_put_bytes(w, data, len);
  return w->err ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Checks the drawing and writes the PNG under a temporary name, then renames. */
static int save_png(const char *prog, cairo_t *cr, cairo_surface_t *surf, const char *path) {
  cairo_status_t cs = cairo_status(cr);
  if (cs != CAIRO_STATUS_SUCCESS) {
    fprintf(stderr, "%s: %s: drawing failed: %s\n", prog, path, cairo_status_to_string(cs));
    return 1;
  }
  cairo_surface_flush(surf);
  syn_err e = {0};
  fio_writer w;
  if (fio_text_open(&w, path, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  cs = cairo_surface_write_to_png_stream(surf, png_write, &w);
  if (cs != CAIRO_STATUS_SUCCESS) {
    fio_writer_abort(&w);
    fprintf(stderr, "%s: %s: cannot encode PNG: %s\n", prog, path, cairo_status_to_string(cs));
    return 1;
  }
  if (fio_text_commit(&w, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  return 0;
}

static int check_out(const char *prog, const char *out) {
  size_t n = strlen(out);
  if (n < 5 || strcasecmp(out + n - 4, ".png") != 0) {
    fprintf(stderr, "%s: output '%s' must end in .png\n", prog, out);
    return 2;
  }
  return 0;
}

static void new_canvas(int w, int h, cairo_surface_t **surf, cairo_t **cr) {
  *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  *cr = cairo_create(*surf);
  cairo_set_source_rgb(*cr, 1, 1, 1);
  cairo_paint(*cr);
}

static void finish_canvas(cairo_surface_t *surf, cairo_t *cr) {
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
}

/* Optional figure title above the panels; returns the height it takes. */
static double suptitle(cairo_t *cr, int width, const char *title) {
  if (!title || !*title) return 0;
  cairo_set_source_rgb(cr, 0, 0, 0);
  pd_text(cr, width / 2.0, 10, title, 16, 0.5, 1.0, true);
  return 30;
}

/* ---------------- boundary ---------------- */

/* Network output at the centre of every cell of a g x g grid over
 * [-r, r]^2; row 0 is the top (largest x2). In chunks of rows, so that the
 * work space stays small whatever the grid. */
#define GRID_CHUNK 4096
static int eval_grid(const char *prog, const char *path, const nn_mlp *m, double r, int g,
                     double *out) {
  size_t n = (size_t)g * (size_t)g;
  double *x = malloc(GRID_CHUNK * 2 * sizeof(double));
  nn_ws ws;
  syn_err e = {0};
  if (!x || nn_ws_create(&ws, m, GRID_CHUNK, &e)) {
    free(x);
    fprintf(stderr, "%s: %s: out of memory\n", prog, path);
    return 1;
  }
  double d = 2 * r / g;
  for (size_t a = 0; a < n; a += GRID_CHUNK) {
    size_t k = n - a < GRID_CHUNK ? n - a : GRID_CHUNK;
    for (size_t q = 0; q < k; q++) {
      size_t i = (a + q) / (size_t)g, j = (a + q) % (size_t)g;
      x[2 * q] = -r + ((double)j + 0.5) * d;
      x[2 * q + 1] = r - ((double)i + 0.5) * d;
    }
    nn_batch b = {.n = k, .in_dim = 2, .x = x, .out_dim = 1};
    nn_mlp_forward_rows(m, &b, &ws, 0, 0, k);
    memcpy(out + a, ws.h[m->n_layers - 1], k * sizeof(double));
  }
  nn_ws_destroy(&ws);
  free(x);
  return 0;
}

/* Diverging colour for an output in [-1, 1]: blue below 0, red above. */
static uint32_t diverging(double v) {
  if (!isfinite(v)) return 0x808080;
  double t = fmin(1.0, fabs(v));
  t = sqrt(t); /* small outputs near the boundary still show their side */
  double r0 = 0.97, g0 = 0.97, b0 = 0.97, r1, g1, b1;
  if (v < 0)
    r1 = 0.23, g1 = 0.40, b1 = 0.80;
  else
    r1 = 0.84, g1 = 0.30, b1 = 0.22;
  double r = r0 + t * (r1 - r0), g = g0 + t * (g1 - g0), b = b0 + t * (b1 - b0);
  return (uint32_t)lround(r * 255) << 16 | (uint32_t)lround(g * 255) << 8 | (uint32_t)lround(b * 255);
}

/* The zero contour by marching squares over cell centres, as line segments. */
static void zero_contour(cairo_t *cr, const pd_axes *ax, const double *v, int g, double r) {
  double d = 2 * r / g;
  cairo_save(cr);
  cairo_rectangle(cr, ax->px, ax->py, ax->pw, ax->ph);
  cairo_clip(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1.6);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i + 1 < g; i++)
    for (int j = 0; j + 1 < g; j++) {
      /* corners: a (i,j) b (i,j+1) c (i+1,j+1) dd (i+1,j); x grows with j, y falls with i */
      double cv[4] = {v[(size_t)i * g + j], v[(size_t)i * g + j + 1], v[(size_t)(i + 1) * g + j + 1],
                      v[(size_t)(i + 1) * g + j]};
      double cx[4] = {j, j + 1, j + 1, j}, cy[4] = {i, i, i + 1, i + 1};
      double px[4], py[4];
      int k = 0;
      for (int s = 0; s < 4; s++) {
        double a = cv[s], b = cv[(s + 1) % 4];
        if ((a > 0) != (b > 0)) {
          double t = a / (a - b);
          if (!isfinite(t)) t = 0.5;
          px[k] = cx[s] + t * (cx[(s + 1) % 4] - cx[s]);
          py[k] = cy[s] + t * (cy[(s + 1) % 4] - cy[s]);
          k++;
        }
      }
      /* 4 crossings (a saddle): pairing by edge order is a consistent choice */
      for (int s = 0; s + 1 < k; s += 2) {
        double x0 = -r + (px[s] + 0.5) * d, y0 = r - (py[s] + 0.5) * d;
        double x1 = -r + (px[s + 1] + 0.5) * d, y1 = r - (py[s + 1] + 0.5) * d;
        cairo_move_to(cr, pd_x(ax, x0), pd_y(ax, y0));
        cairo_line_to(cr, pd_x(ax, x1), pd_y(ax, y1));
      }
    }
  cairo_stroke(cr);
  cairo_restore(cr);
}

static void boundary_panel(cairo_t *cr, const pd_axes *ax, const double *v, int g, double r,
                           const char *title) {
  cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, g, g);
  unsigned char *data = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  cairo_surface_flush(img);
  for (int i = 0; i < g; i++) {
    uint32_t *rowp = (uint32_t *)(void *)(data + (size_t)i * stride);
    for (int j = 0; j < g; j++) rowp[j] = diverging(v[(size_t)i * g + j]);
  }
  cairo_surface_mark_dirty(img);
  cairo_save(cr);
  cairo_rectangle(cr, ax->px, ax->py, ax->pw, ax->ph);
  cairo_clip(cr);
  cairo_translate(cr, ax->px, ax->py);
  cairo_scale(cr, ax->pw / g, ax->ph / g);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);
  zero_contour(cr, ax, v, g, r);
  pd_axes_draw(cr, ax, "x1", "x2", title);
}

static int load_2d_net(const char *prog, const char *path, nn_mlp *m) {
  syn_err e = {0};
  if (nn_mlp_load(m, path, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  if (m->widths[0] != 2 || m->widths[m->n_layers] != 1) {
    fprintf(stderr, "%s: %s: a boundary plot needs a network with 2 inputs and 1 output, not %d and %d\n",
            prog, path, m->widths[0], m->widths[m->n_layers]);
    nn_mlp_destroy(m);
    return 1;
  }
  return 0;
}

static int plot_boundary(const char *prog, const plot_opts *o, const char *out, const char *run) {
  char tpath[4096], npath[4096];
  if (run) {
    snprintf(tpath, sizeof tpath, "%s/target.bin", run);
    snprintf(npath, sizeof npath, "%s/net.bin", run);
  }
  const char *tp = o->target ? o->target : run ? tpath : NULL;
  const char *np = o->net ? o->net : run ? npath : NULL;
  if (!tp || !np) {
    fprintf(stderr, "%s: give a run directory or both --target and --net\n", prog);
    return 2;
  }
  nn_mlp target, net;
  if (load_2d_net(prog, tp, &target)) return 1;
  if (load_2d_net(prog, np, &net)) {
    nn_mlp_destroy(&target);
    return 1;
  }
  int g = o->grid;
  size_t n = (size_t)g * (size_t)g;
  double *vt = malloc(n * sizeof(double)), *vn = malloc(n * sizeof(double));
  int rc = 1;
  if (!vt || !vn) {
    fprintf(stderr, "%s: out of memory for a %d x %d grid\n", prog, g, g);
    goto done;
  }
  if (eval_grid(prog, tp, &target, o->range, g, vt) || eval_grid(prog, np, &net, o->range, g, vn))
    goto done;
  size_t agree = 0;
  for (size_t i = 0; i < n; i++) agree += (vt[i] > 0) == (vn[i] > 0);
  int W = o->width ? o->width : 1040, H = o->height ? o->height : 560;
  cairo_surface_t *surf;
  cairo_t *cr;
  new_canvas(W, H, &surf, &cr);
  double top = suptitle(cr, W, o->title);
  double caption = 26, cell_h = H - top - caption;
  pd_axes ax[2];
  for (int p = 0; p < 2; p++) {
    pd_axes_place(&ax[p], p * W / 2.0, top, W / 2.0, cell_h);
    /* square plot area, centred in its cell */
    double s = fmin(ax[p].pw, ax[p].ph);
    ax[p].px += (ax[p].pw - s) / 2;
    ax[p].pw = ax[p].ph = s;
    ax[p].xmin = ax[p].ymin = -o->range;
    ax[p].xmax = ax[p].ymax = o->range;
    ax[p].logx = ax[p].logy = false;
    ax[p].no_grid = true;
  }
  char title[160];
  boundary_panel(cr, &ax[0], vt, g, o->range, "A  target boundary");
  snprintf(title, sizeof title, "B  learned boundary (same sign on %.1f%% of the grid)",
           100.0 * (double)agree / (double)n);
  boundary_panel(cr, &ax[1], vn, g, o->range, title);
  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  pd_text(cr, W / 2.0, H - caption + 4,
          "colour: network output (blue -1 ... white 0 ... red +1); black line: output = 0", 12, 0.5,
          1.0, false);
  rc = save_png(prog, cr, surf, out);
  finish_canvas(surf, cr);
  if (!rc)
    printf("%s: learned and target outputs have the same sign on %.4f of a %d x %d grid over "
           "[-%g, %g]^2\n", out, (double)agree / (double)n, g, g, o->range, o->range);
done:
  free(vt);
  free(vn);
  nn_mlp_destroy(&target);
  nn_mlp_destroy(&net);
  return rc;
}

/* ---------------- curves and compare ---------------- */

static int load_metrics(const char *prog, const char *dir_or_file, metrics_table *t) {
  char path[4096];
  struct stat sb;
  if (stat(dir_or_file, &sb) == 0 && S_ISDIR(sb.st_mode))
    snprintf(path, sizeof path, "%s/metrics.csv", dir_or_file);
  else
    snprintf(path, sizeof path, "%s", dir_or_file);
  syn_err e = {0};
  if (metrics_load(t, path, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  return 0;
}

static const char *metric_label(const char *m) {
  static const struct {
    const char *name, *label;
  } map[] = {
      {"train_loss", "training loss"},     {"valid_loss", "validation loss"},
      {"train_acc", "training accuracy"},  {"valid_acc", "validation accuracy"},
      {"batch_loss", "minibatch loss"},    {"reward_rate", "fraction of +1 rewards"},
      {"elapsed_s", "elapsed seconds"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i].name, m) == 0) return map[i].label;
  return m;
}

typedef struct series {
  const char *label;
  metrics_series s;
  pd_rgb color;
  bool band;
} series;

/* Draws one panel with several series (mean lines, optional bands). */
static void draw_panel(cairo_t *cr, pd_axes *ax, series *ss, int n, const char *band,
                       const char *xlabel, const char *ylabel, const char *title, bool logy,
                       bool logx) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  size_t npts = 0;
  bool std = strcmp(band, "std") == 0;
  for (int k = 0; k < n; k++) {
    const metrics_series *s = &ss[k].s;
    for (size_t i = 0; i < s->len; i++) {
      double lo = ss[k].band ? (std ? s->mean[i] - s->std[i] : s->min[i]) : s->mean[i];
      double hi = ss[k].band ? (std ? s->mean[i] + s->std[i] : s->max[i]) : s->mean[i];
      if (logx && !(s->x[i] > 0)) continue;
      xlo = fmin(xlo, s->x[i]);
      xhi = fmax(xhi, s->x[i]);
      if (logy && !(lo > 0)) lo = s->mean[i];
      if (!logy || lo > 0) ylo = fmin(ylo, lo);
      if (!logy || hi > 0) yhi = fmax(yhi, hi);
    }
    npts += s->len;
  }
  ax->logx = logx && xlo > 0;
  ax->logy = logy && ylo > 0;
  if (!isfinite(xlo)) xlo = 0, xhi = 1;
  if (!isfinite(ylo)) ylo = 0, yhi = 1;
  if (!ax->logx) {
    /* iterations: start the axis at 0 when the data start near it */
    if (xlo > 0 && xlo <= 0.1 * xhi) xlo = 0;
    if (xhi == xlo) xhi = xlo + 1;
    ax->xmin = xlo;
    ax->xmax = xhi;
  } else {
    pd_axes_range(&xlo, &xhi, true);
    ax->xmin = xlo, ax->xmax = xhi;
  }
  pd_axes_range(&ylo, &yhi, ax->logy);
  ax->ymin = ylo;
  ax->ymax = yhi;
  pd_axes_draw(cr, ax, xlabel, ylabel, title);
  for (int k = 0; k < n; k++) {
    const metrics_series *s = &ss[k].s;
    if (!ss[k].band) continue;
    double *lo = malloc(s->len * sizeof(double)), *hi = malloc(s->len * sizeof(double));
    if (lo && hi) {
      for (size_t i = 0; i < s->len; i++) {
        lo[i] = std ? s->mean[i] - s->std[i] : s->min[i];
        hi[i] = std ? s->mean[i] + s->std[i] : s->max[i];
      }
      pd_band(cr, ax, s->x, lo, hi, s->len, ss[k].color, 0.22);
    }
    free(lo);
    free(hi);
  }
  double *xs = malloc((npts ? npts : 1) * sizeof(double)), *ys = malloc((npts ? npts : 1) * sizeof(double));
  size_t m = 0;
  pd_legend_item items[MAX_GROUPS * 2];
  for (int k = 0; k < n; k++) {
    const metrics_series *s = &ss[k].s;
    pd_line(cr, ax, s->x, s->mean, s->len, ss[k].color, 2.0);
    for (size_t i = 0; xs && ys && i < s->len; i++) xs[m] = s->x[i], ys[m++] = s->mean[i];
    items[k].label = ss[k].label;
    items[k].color = ss[k].color;
    items[k].band = ss[k].band;
  }
  pd_legend(cr, ax, items, n, xs, ys, m);
  free(xs);
  free(ys);
}

static bool is_loss(const char *m) { return strstr(m, "loss") != NULL; }

/* What a run folder's summary.json says about its metrics.csv: the column
 * its kind is judged by and the unit of its steps. A bare metrics.csv, or a
 * run older than summary.json's "kind", is taken for a train run. */
typedef struct run_axes {
  bool train;
  char y[32], x[32];
} run_axes;

static void run_axes_read(const char *dir_or_file, run_axes *a) {
  static const char *const y_of_kind[RUN_N_KINDS] = {"train_acc", "valid_acc", "return", "score"};
  a->train = true;
  snprintf(a->y, sizeof a->y, "train_acc");
  snprintf(a->x, sizeof a->x, "iteration");
  char path[4200];
  struct stat sb;
  if (stat(dir_or_file, &sb) != 0 || !S_ISDIR(sb.st_mode)) return;
  snprintf(path, sizeof path, "%s/summary.json", dir_or_file);
  run_summary *s = NULL;
  syn_err e = {0};
  if (run_summary_load(&s, path, &e)) return;
  run_kind k = run_summary_kind(s);
  a->train = k == RUN_KIND_TRAIN;
  snprintf(a->y, sizeof a->y, "%s", y_of_kind[k]);
  const char *step = run_summary_get_str(s, "metrics_step");
  if (step) snprintf(a->x, sizeof a->x, "%s", step);
  run_summary_free(s);
}

/* A train run alone, with no --y: its loss and accuracy panels. */
static int plot_train_panels(const char *prog, const plot_opts *o, const char *out, const char *run,
                             const metrics_table *t, const char *xlabel) {
  const char *panels[2][2] = {{"train_loss", "valid_loss"}, {"train_acc", "valid_acc"}};
  const char *labels[2] = {"training", "validation"};
  const char *ptitle[2] = {"C  loss", "D  accuracy"};
  int W = o->width ? o->width : 1040, H = o->height ? o->height : 420;
  cairo_surface_t *surf;
  cairo_t *cr;
  new_canvas(W, H, &surf, &cr);
  double top = suptitle(cr, W, o->title);
  int rc = 0, drawn = 0;
  for (int p = 0; p < 2; p++) {
    series ss[2];
    int n = 0;
    for (int k = 0; k < 2; k++) {
      if (metrics_col(t, panels[p][k]) < 0) continue;
      syn_err e = {0};
      if (metrics_series_make(&ss[n].s, t, 1, panels[p][k], &e)) continue; /* e.g. no valid set */
      ss[n].label = labels[k];
      ss[n].color = pd_color(k);
      ss[n].band = false;
      n++;
    }
    if (!n) continue;
    pd_axes ax = {0};
    pd_axes_place(&ax, p * W / 2.0, top, W / 2.0, H - top);
    draw_panel(cr, &ax, ss, n, "none", xlabel, p == 0 ? "loss" : "accuracy", ptitle[p],
               p == 0 && o->log_loss, o->log_x);
    for (int k = 0; k < n; k++) metrics_series_free(&ss[k].s);
    drawn++;
  }
  if (!drawn) {
    fprintf(stderr, "%s: %s: no loss or accuracy values to plot\n", prog, run);
    rc = 1;
  } else {
    rc = save_png(prog, cr, surf, out);
  }
  finish_canvas(surf, cr);
  return rc;
}

/* Runs of any kind: one column (--y, or the first run's kind's figure), a
 * line per run, over their steps. */
static int plot_curves(const char *prog, const plot_opts *o, const char *out, const char **runs,
                       int n_runs) {
  if (n_runs > MAX_GROUPS) {
    fprintf(stderr, "%s: curves: at most %d runs\n", prog, MAX_GROUPS);
    return 2;
  }
  metrics_table t[MAX_GROUPS];
  run_axes ax0;
  run_axes_read(runs[0], &ax0);
  int loaded = 0, rc = 0;
  for (; loaded < n_runs; loaded++)
    if (load_metrics(prog, runs[loaded], &t[loaded])) {
      rc = 1;
      break;
    }
  if (!rc && n_runs == 1 && !o->y && ax0.train) {
    rc = plot_train_panels(prog, o, out, runs[0], &t[0], ax0.x);
  } else if (!rc) {
    const char *y = o->y ? o->y : ax0.y;
    series ss[MAX_GROUPS];
    int n = 0;
    for (int r = 0; r < n_runs && !rc; r++) {
      syn_err e = {0};
      if (metrics_col(&t[r], y) < 0) {
        fprintf(stderr, "%s: %s: no column '%s' (choose one with --y)\n", prog, runs[r], y);
        rc = 2;
      } else if (metrics_series_make(&ss[n].s, &t[r], 1, y, &e)) {
        fprintf(stderr, "%s: %s: %s\n", prog, runs[r], e.msg);
        rc = 1;
      } else {
        const char *base = strrchr(runs[r], '/');
        ss[n].label = base && base[1] ? base + 1 : runs[r];
        ss[n].color = pd_color(r);
        ss[n].band = false;
        n++;
      }
    }
    if (!rc) {
      int W = o->width ? o->width : 640, H = o->height ? o->height : 420;
      cairo_surface_t *surf;
      cairo_t *cr;
      new_canvas(W, H, &surf, &cr);
      double top = suptitle(cr, W, o->title);
      pd_axes ax = {0};
      pd_axes_place(&ax, 0, top, W, H - top);
      draw_panel(cr, &ax, ss, n, "none", ax0.x, metric_label(y), metric_label(y),
                 o->log_loss && is_loss(y), o->log_x);
      rc = save_png(prog, cr, surf, out);
      finish_canvas(surf, cr);
    }
    for (int k = 0; k < n; k++) metrics_series_free(&ss[k].s);
  }
  for (int r = 0; r < loaded; r++) metrics_free(&t[r]);
  return rc;
}

typedef struct group {
  char label[256];
  metrics_table runs[MAX_RUNS];
  int n;
} group;

/* "LABEL=PATTERN[,PATTERN...]" or "PATTERN[,...]": each pattern a run
 * directory or a glob of them (quoted, so the shell leaves it to us). */
static int load_group(const char *prog, const char *spec, group *g) {
  memset(g, 0, sizeof *g);
  const char *eq = strchr(spec, '=');
  const char *list = eq ? eq + 1 : spec;
  if (eq) {
    size_t n = (size_t)(eq - spec);
    if (n == 0 || n >= sizeof g->label) {
      fprintf(stderr, "%s: group '%s': label empty or too long\n", prog, spec);
      return 2;
    }
    memcpy(g->label, spec, n);
  } else {
    snprintf(g->label, sizeof g->label, "%s", spec);
  }
  char *copy = strdup(list);
  if (!copy) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return 1;
  }
  int rc = 0;
  char *save = NULL;
  for (char *pat = strtok_r(copy, ",", &save); pat && !rc; pat = strtok_r(NULL, ",", &save)) {
    glob_t gl;
    int gr = glob(pat, 0, NULL, &gl);
    if (gr != 0) {
      fprintf(stderr, "%s: group '%s': no run matches '%s'\n", prog, g->label, pat);
      rc = 2;
      if (gr != GLOB_NOMATCH) globfree(&gl);
      break;
    }
    for (size_t i = 0; i < gl.gl_pathc && !rc; i++) {
      if (g->n == MAX_RUNS) {
        fprintf(stderr, "%s: group '%s': more than %d runs\n", prog, g->label, MAX_RUNS);
        rc = 2;
        break;
      }
      if (load_metrics(prog, gl.gl_pathv[i], &g->runs[g->n]))
        rc = 1;
      else
        g->n++;
    }
    globfree(&gl);
  }
  free(copy);
  if (!rc && g->n == 0) {
    fprintf(stderr, "%s: group '%s' has no runs\n", prog, g->label);
    rc = 2;
  }
  return rc;
}

static void free_group(group *g) {
  for (int i = 0; i < g->n; i++) metrics_free(&g->runs[i]);
  g->n = 0;
}

static int plot_compare(const char *prog, const plot_opts *o, const char *out, const char **specs,
                        int n_groups) {
  if (n_groups < 1) {
    fprintf(stderr, "%s: give at least one group LABEL=RUN_DIR[,RUN_DIR...]\n", prog);
    return 2;
  }
  if (n_groups > MAX_GROUPS) {
    fprintf(stderr, "%s: at most %d groups\n", prog, MAX_GROUPS);
    return 2;
  }
  char mbuf[512];
  snprintf(mbuf, sizeof mbuf, "%s", o->metrics);
  const char *metrics[MAX_PANELS];
  int n_metrics = 0;
  char *save = NULL;
  for (char *m = strtok_r(mbuf, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
    if (n_metrics == MAX_PANELS) {
      fprintf(stderr, "%s: --metrics: at most %d metrics\n", prog, MAX_PANELS);
      return 2;
    }
    metrics[n_metrics++] = m;
  }
  if (!n_metrics) {
    fprintf(stderr, "%s: --metrics: no metric named\n", prog);
    return 2;
  }
  group *groups = calloc((size_t)n_groups, sizeof(group));
  if (!groups) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return 1;
  }
  int rc = 0;
  for (int k = 0; k < n_groups && !rc; k++) rc = load_group(prog, specs[k], &groups[k]);
  for (int p = 0; p < n_metrics && !rc; p++)
    for (int k = 0; k < n_groups && !rc; k++)
      for (int r = 0; r < groups[k].n; r++)
        if (metrics_col(&groups[k].runs[r], metrics[p]) < 0) {
          fprintf(stderr, "%s: --metrics: group '%s' run %d has no column '%s'\n", prog,
                  groups[k].label, r + 1, metrics[p]);
          rc = 2;
          break;
        }
  if (rc) goto done;
  /* panels in a row, or 2 x 2 for four */
  int cols = n_metrics == 4 ? 2 : n_metrics, rows = (n_metrics + cols - 1) / cols;
  int W = o->width ? o->width : 540 * cols, H = o->height ? o->height : 420 * rows;
  cairo_surface_t *surf;
  cairo_t *cr;
  new_canvas(W, H, &surf, &cr);
  double top = suptitle(cr, W, o->title);
  bool banded = strcmp(o->band, "none") != 0;
  for (int p = 0; p < n_metrics && !rc; p++) {
    series ss[MAX_GROUPS];
    char labels[MAX_GROUPS][300];
    int n = 0;
    for (int k = 0; k < n_groups; k++) {
      syn_err e = {0};
      if (metrics_series_make(&ss[n].s, groups[k].runs, groups[k].n, metrics[p], &e)) {
        fprintf(stderr, "%s: group '%s': %s\n", prog, groups[k].label, e.msg);
        rc = 1;
        break;
      }
      if (groups[k].n > 1)
        snprintf(labels[n], sizeof labels[n], "%s (%d runs)", groups[k].label, groups[k].n);
      else
        snprintf(labels[n], sizeof labels[n], "%s", groups[k].label);
      ss[n].label = labels[n];
      ss[n].color = pd_color(k);
      ss[n].band = banded && groups[k].n > 1;
      n++;
    }
    if (!rc) {
      pd_axes ax = {0};
      double cw = (double)W / cols, ch = (H - top) / rows;
      pd_axes_place(&ax, (p % cols) * cw, top + (p / cols) * ch, cw, ch);
      char title[200];
      bool any_band = false;
      for (int k = 0; k < n; k++) any_band |= ss[k].band;
      snprintf(title, sizeof title, "%s%s", metric_label(metrics[p]),
               !any_band                   ? ""
               : strcmp(o->band, "std") == 0 ? " (mean, band +-1 std)"
                                             : " (mean, band min-max)");
      draw_panel(cr, &ax, ss, n, o->band, "step", metric_label(metrics[p]), title,
                 o->log_loss && is_loss(metrics[p]), o->log_x);
    }
    for (int k = 0; k < n; k++) metrics_series_free(&ss[k].s);
  }
  if (!rc) rc = save_png(prog, cr, surf, out);
  finish_canvas(surf, cr);
done:
  for (int k = 0; k < n_groups; k++) free_group(&groups[k]);
  free(groups);
  return rc;
}

static const char *USAGE =
    "usage: synrl plot boundary OUT.png [RUN_DIR] [--target FILE --net FILE] [options]\n"
    "       synrl plot curves   OUT.png RUN_DIR|metrics.csv... [--y COLUMN] [options]\n"
    "       synrl plot compare  OUT.png LABEL=RUN[,RUN...] [LABEL=RUN...] [options]\n\n"
    "boundary: the 2D task's target and learned decision boundaries side by side\n"
    "  (target.bin and net.bin of a run; colour is the output, black the zero line).\n"
    "curves: runs of any kind (train, classify, rl, policy learn) over their steps: the\n"
    "  column --y, by default the kind's figure (train_acc, valid_acc, return, score),\n"
    "  one line per run; one train run without --y: its loss and accuracy panels.\n"
    "compare: groups of runs (a RUN may be a quoted glob such as 'runs/2d/adaptive-s*'),\n"
    "  each drawn as its mean over runs with a min-max or +-std band, one panel per\n"
    "  metric. A run that stopped early keeps its last value.";

static int plot_main(int argc, char **argv) {
  const char *prog = "synrl plot";
  plot_opts o = {0};
  o.range = 10;
  o.grid = 400;
  o.metrics = "valid_acc";
  o.band = "minmax";
  opt_spec specs[] = {
      {"width", OPT_INT, &o.width, 200, 8000, NULL, "figure width in pixels (default: by kind)"},
      {"height", OPT_INT, &o.height, 150, 8000, NULL, "figure height in pixels (default: by kind)"},
      {"title", OPT_STR, &o.title, 0, 0, NULL, "a title above the panels"},
      {"target", OPT_STR, &o.target, 0, 0, NULL, "boundary: target network (default RUN_DIR/target.bin)"},
      {"net", OPT_STR, &o.net, 0, 0, NULL, "boundary: learned network (default RUN_DIR/net.bin)"},
      {"range", OPT_DOUBLE, &o.range, 1e-6, 1e6, NULL, "boundary: plot [-range, range]^2"},
      {"grid", OPT_INT, &o.grid, 16, 2000, NULL, "boundary: grid points per side"},
      {"metrics", OPT_STR, &o.metrics, 0, 0, NULL,
       "compare: comma-separated metrics.csv columns, one panel each"},
      {"band", OPT_CHOICE, &o.band, 0, 0, "minmax|std|none", "compare: spread band around the mean"},
      {"y", OPT_STR, &o.y, 0, 0, NULL, "curves: the metrics.csv column to draw (default: by kind)"},
      {"log-loss", OPT_FLAG, &o.log_loss, 0, 0, NULL, "curves, compare: logarithmic loss axis"},
      {"log-x", OPT_FLAG, &o.log_x, 0, 0, NULL, "curves, compare: logarithmic iteration axis"},
      {0},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help(USAGE, specs);
      return 0;
    }
  if (argc < 1) {
    fprintf(stderr, "%s: missing kind: boundary, curves or compare (see synrl plot --help)\n", prog);
    return 2;
  }
  const char *kind = argv[0];
  const char *pos[2 + MAX_GROUPS];
  int npos;
  if (opts_parse(prog, specs, argc - 1, argv + 1, pos, 1 + MAX_GROUPS, &npos)) return 2;
  bool bnd = strcmp(kind, "boundary") == 0, cur = strcmp(kind, "curves") == 0,
       cmp = strcmp(kind, "compare") == 0;
  if (!bnd && !cur && !cmp) {
    fprintf(stderr, "%s: unknown kind '%s': boundary, curves or compare\n", prog, kind);
    return 2;
  }
  /* options that belong to another kind are an error, not silently ignored */
  static const char *only_bnd[] = {"target", "net", "range", "grid"};
  static const char *only_cmp[] = {"metrics", "band"};
  if (!cur && o.y) {
    fprintf(stderr, "%s: --y is for synrl plot curves\n", prog);
    return 2;
  }
  for (size_t i = 0; i < 4; i++)
    if (!bnd && opts_find(specs, only_bnd[i])->set) {
      fprintf(stderr, "%s: --%s is for synrl plot boundary\n", prog, only_bnd[i]);
      return 2;
    }
  for (size_t i = 0; i < 2; i++)
    if (!cmp && opts_find(specs, only_cmp[i])->set) {
      fprintf(stderr, "%s: --%s is for synrl plot compare\n", prog, only_cmp[i]);
      return 2;
    }
  if (bnd && (o.log_loss || o.log_x)) {
    fprintf(stderr, "%s: --log-loss and --log-x are for curves and compare\n", prog);
    return 2;
  }
  if (npos < 1) {
    fprintf(stderr, "%s: missing OUT.png (see synrl plot --help)\n", prog);
    return 2;
  }
  if (check_out(prog, pos[0])) return 2;
  if (bnd) {
    if (npos > 2) {
      fprintf(stderr, "%s: boundary takes one run directory, got %d\n", prog, npos - 1);
      return 2;
    }
    return plot_boundary(prog, &o, pos[0], npos == 2 ? pos[1] : NULL);
  }
  if (cur) {
    if (npos < 2) {
      fprintf(stderr, "%s: curves takes run directories or metrics.csv files\n", prog);
      return 2;
    }
    return plot_curves(prog, &o, pos[0], pos + 1, npos - 1);
  }
  return plot_compare(prog, &o, pos[0], pos + 1, npos - 1);
}

int cli_plot(int argc, char **argv) {
  int rc = plot_main(argc, argv);
  /* cairo and fontconfig keep process-wide caches; release them so leak
   * checkers see only real leaks (every cairo object is destroyed by now) */
  cairo_debug_reset_static_data();
#ifdef SYNRL_HAVE_FONTCONFIG
  FcFini();
#endif
  return rc;
}
#endif
