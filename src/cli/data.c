#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime */
/* synrl data: data sets made here. `synrl data letters` renders a notMNIST-like
 * set (letters A-J from fonts, data/letters.c) as the four IDX files that
 * `synrl train --task images` and `synrl classify --data fashion` read. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_data(int argc, char **argv);

static void data_usage(FILE *f) {
  fprintf(f, "usage: synrl data letters --out DIR [options]   (see synrl data letters --help)\n");
}

/* "a.ttf,b.otf" -> a NULL-free list of n pointers into the copy *buf. */
static const char **split_list(const char *s, char **buf, size_t *n) {
  *n = 0;
  *buf = strdup(s);
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ',';
  const char **v = malloc(cap * sizeof *v);
  if (!*buf || !v) {
    free(*buf);
    free(v);
    return NULL;
  }
  for (char *p = *buf, *end; p; p = end) {
    if ((end = strchr(p, ','))) *end++ = 0;
    if (*p) v[(*n)++] = p;
  }
  return v;
}

static int data_letters(int argc, char **argv) {
  const char *prog = "synrl data letters";
  letters_config c;
  letters_config_default(&c);
  const char *out = NULL, *fonts = NULL, *font_dir = NULL;
  bool raw = false, quiet = false;
  opt_spec specs[] = {
      {"out", OPT_STR, &out, 0, 0, NULL, "folder to write (created): the four IDX files and letters.json"},
      {"seed", OPT_U64, &c.seed, 0, 0, NULL, "shuffles the fonts into train/test and each set's rows"},
      {"fonts", OPT_STR, &fonts, 0, 0, NULL, "comma-separated font files instead of the default set"},
      {"font-dir", OPT_STR, &font_dir, 0, 0, NULL,
       "a folder searched (recursively) for .ttf/.otf/.ttc/.otc instead of the default set"},
      {"size", OPT_INT, &c.size, 8, 256, NULL, "image side in pixels"},
      {"test-frac", OPT_DOUBLE, &c.test_frac, 0, 1, NULL,
       "share of the font faces whose letters form the test set (t10k files)"},
      {"raw", OPT_FLAG, &raw, 0, 0, NULL, "write uncompressed IDX files (default: .gz)"},
      {"quiet", OPT_FLAG, &quiet, 0, 0, NULL, "do not list the skipped font faces"},
      {0},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      size_t nd;
      const char *const *dirs = letters_default_dirs(&nd);
      printf("usage: synrl data letters --out DIR [--seed S] [--fonts LIST | --font-dir DIR] "
             "[--size 28]\n\n"
             "Renders the letters A-J of every face of a font set with FreeType, each glyph\n"
             "cropped to its ink, scaled so that its longer side fills the image and centred\n"
             "(notMNIST-like; docs/letters.md); whole faces go to the training or the test\n"
             "set. Writes DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, which\n"
             "'synrl train --task images --data-dir DIR' and 'synrl classify --data fashion\n"
             "--data-dir DIR' read, and DIR/letters.json (fonts with file hashes, counts, seed).\n"
             "A face that cannot be loaded or lacks a letter is listed on stderr and skipped.\n\n"
             "The default set (Debian 12 packages, installed by scripts/setup.sh):\n");
      int col = 0; /* the package names, wrapped */
      for (const char *p = letters_default_packages(); *p;) {
        size_t w = strcspn(p, " ");
        if (col && col + 1 + (int)w > 78) {
          printf("\n");
          col = 0;
        }
        col += printf("%s%.*s", col ? " " : "  ", (int)w, p);
        p += w + (p[w] == ' ');
      }
      printf("\nread from:\n");
      for (size_t k = 0; k < nd; k++) printf("  %s\n", dirs[k]);
      opts_help("", specs);
      return 0;
    }
  int npos;
  if (opts_parse(prog, specs, argc, argv, NULL, 0, &npos)) return 2;
  if (!out || !*out) {
    fprintf(stderr, "%s: --out DIR is required\n", prog);
    return 2;
  }
  if (fonts && font_dir) {
    fprintf(stderr, "%s: --fonts and --font-dir exclude each other\n", prog);
    return 2;
  }
  char *buf = NULL;
  const char **list = NULL;
  if (fonts) {
    size_t n;
    if (!(list = split_list(fonts, &buf, &n))) {
      fprintf(stderr, "%s: out of memory\n", prog);
      return 1;
    }
    if (n == 0) {
      fprintf(stderr, "%s: --fonts: no file named\n", prog);
      free(list);
      free(buf);
      return 2;
    }
    c.fonts = list;
    c.n_fonts = n;
  }
  if (font_dir) {
    c.dirs = &font_dir;
    c.n_dirs = 1;
  }
  syn_err e = {0};
  letters_result r;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  syn_status s = letters_make(&c, &r, &e);
  free(list);
  free(buf);
  if (s) return cli_fail(prog, specs, &e);
  int rc = 0;
  if (run_dir_make(out, &e)) {
    fprintf(stderr, "%s: --out: %s\n", prog, e.msg);
    rc = 1;
  } else if (letters_write(&r, &c, out, !raw, &e)) {
    rc = cli_fail(prog, specs, &e);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc == 0) {
    for (size_t i = 0; i < r.n_fonts && !quiet; i++)
      if (!r.fonts[i].used)
        fprintf(stderr, "%s: skipped %s (face %d): %s\n", prog, r.fonts[i].path, r.fonts[i].face,
                r.fonts[i].why);
    printf("letters: %u training images (%zu faces), %u test images (%zu faces), %zu faces "
           "skipped, %dx%d, seed %llu, %.1f s -> %s\n",
           r.train_labels.dims[0], r.n_used - r.n_test_fonts, r.test_labels.dims[0],
           r.n_test_fonts, r.n_skipped, c.size, c.size, (unsigned long long)c.seed,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), out);
  }
  letters_result_free(&r);
  return rc;
}

int cli_data(int argc, char **argv) {
  if (argc < 1) {
    data_usage(stderr);
    return 2;
  }
  if (strcmp(argv[0], "letters") == 0) return data_letters(argc - 1, argv + 1);
  if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    printf("usage: synrl data letters --out DIR [options]\n\n"
           "  letters   render a notMNIST-like set (A-J from fonts) as IDX files\n");
    return 0;
  }
  fprintf(stderr, "synrl data: unknown data set '%s' (known: letters)\n", argv[0]);
  return 2;
}
