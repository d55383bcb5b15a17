#define _POSIX_C_SOURCE 200809L /* opendir, stat */
/* A notMNIST-like letters set: A-J rendered from font files with FreeType,
 * each glyph's ink cropped, scaled to fit and centred (see data.h and
 * docs/letters.md). Everything that decides a byte is fixed here: the file
 * order (sorted paths), unhinted outlines rendered at one pixel size, our own
 * area-averaging resampler; the seed only splits and shuffles. */
#include "synrl/data.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#ifdef SYNRL_HAVE_FREETYPE
#include <ft2build.h>
#include FT_FREETYPE_H
#endif

/* The documented set (docs/letters.md, scripts/setup.sh): where Debian 12's
 * packages put their TrueType/OpenType files. */
static const char *const default_dirs[] = {
    "/usr/share/fonts/truetype/dejavu", /* fonts-dejavu-core, fonts-dejavu-extra */
    "/usr/share/fonts/truetype/liberation2", /* fonts-liberation2 */
    "/usr/share/fonts/truetype/freefont", /* fonts-freefont-ttf */
    "/usr/share/fonts/opentype/urw-base35", /* fonts-urw-base35 */
    "/usr/share/fonts/truetype/croscore", /* fonts-croscore */
    "/usr/share/fonts/truetype/crosextra", /* fonts-crosextra-carlito, fonts-crosextra-caladea */
    "/usr/share/texmf/fonts/opentype/public/tex-gyre", /* fonts-texgyre */
    "/usr/share/fonts/truetype/lato", /* fonts-lato */
    "/usr/share/fonts/truetype/open-sans", /* fonts-open-sans */
    "/usr/share/fonts/truetype/roboto/unhinted", /* fonts-roboto-unhinted */
    "/usr/share/fonts/opentype/cantarell", /* fonts-cantarell */
    "/usr/share/fonts/opentype/linux-libertine", /* fonts-linuxlibertine */
    "/usr/share/fonts/opentype/ebgaramond", /* fonts-ebgaramond */
    "/usr/share/fonts/truetype/gentium", /* fonts-sil-gentium */
    "/usr/share/fonts/fonts-go", /* fonts-go */
    "/usr/share/fonts/truetype/hack", /* fonts-hack */
    /* fonts-adf-{accanthis,baskervald,berenis,gillius,ikarius,irianis,libris,
     * mekanus,oldania,romande,switzera,tribun,universalis,verana} */
    "/usr/share/fonts/truetype/adf",
    "/usr/share/fonts/opentype/stix", /* fonts-stix */
    "/usr/share/fonts/opentype/stix-word", /* fonts-stix */
    "/usr/share/fonts/opentype/comic-neue", /* fonts-comic-neue */
    "/usr/share/fonts/truetype/charis", /* fonts-sil-charis */
    "/usr/share/fonts/truetype/andika", /* fonts-sil-andika */
    "/usr/share/fonts/truetype/paratype", /* fonts-paratype */
    "/usr/share/fonts/truetype/firacode", /* fonts-firacode */
    "/usr/share/fonts/truetype/fonts-oldstandard", /* fonts-oldstandard */
    "/usr/share/fonts/opentype/yanone-kaffeesatz", /* fonts-yanone-kaffeesatz */
    "/usr/share/fonts/opentype/league-spartan", /* fonts-league-spartan */
    "/usr/share/fonts/truetype/fanwood", /* fonts-fanwood */
    "/usr/share/fonts/opentype/sortsmill", /* fonts-goudybookletter */
    "/usr/share/fonts/opentype/lobster", /* fonts-lobster */
    "/usr/share/fonts/truetype/fifthhorseman", /* fonts-dkg-handwriting */
    "/usr/share/fonts/truetype/humor-sans", /* fonts-humor-sans */
    "/usr/share/fonts/opentype/jura", /* fonts-jura */
    "/usr/share/fonts/truetype/karla", /* fonts-karla (static faces) */
    "/usr/share/fonts/truetype/quicksand", /* fonts-quicksand */
    "/usr/share/fonts/opentype/cabin", /* fonts-cabin */
    "/usr/share/fonts/opentype/didot", /* fonts-gfs-didot */
    "/usr/share/fonts/truetype/femkeklaver", /* fonts-femkeklaver */
    "/usr/share/fonts/truetype/klaudia-berenika", /* fonts-klaudia-berenika */
    "/usr/share/fonts/truetype/tomsontalks", /* fonts-tomsontalks */
    "/usr/share/fonts/opentype/radisnoir", /* fonts-radisnoir */
    "/usr/share/fonts/truetype/beteckna", /* fonts-beteckna */
    "/usr/share/fonts/truetype/lindenhill", /* fonts-lindenhill */
    "/usr/share/fonts/truetype/blankenburg", /* fonts-blankenburg */
    "/usr/share/fonts/truetype/breip", /* fonts-breip */
    "/usr/share/fonts/truetype/ocr-a", /* fonts-ocr-a */
    "/usr/share/fonts/truetype/averia-gwf", /* fonts-averia{,-sans,-serif}-gwf */
    "/usr/share/fonts/truetype/isabella", /* fonts-isabella */
    "/usr/share/fonts/truetype/kristi", /* fonts-kristi */
    "/usr/share/fonts/truetype/euterpe", /* fonts-oflb-euterpe */
    "/usr/share/fonts/opentype/fonts-prociono", /* fonts-prociono */
    "/usr/share/fonts/truetype/rufscript", /* fonts-rufscript */
    "/usr/share/fonts/opentype/bebas-neue", /* fonts-bebas-neue */
    "/usr/share/fonts/truetype/dustin", /* fonts-dustin */
    "/usr/share/fonts/truetype/staypuft", /* fonts-staypuft */
    "/usr/share/fonts/truetype/okolaks", /* fonts-okolaks */
};

const char *const *letters_default_dirs(size_t *n) {
  *n = sizeof default_dirs / sizeof *default_dirs;
  return default_dirs;
}

const char *letters_default_packages(void) {
  return "fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf "
         "fonts-urw-base35 fonts-croscore fonts-crosextra-carlito fonts-crosextra-caladea "
         "fonts-texgyre fonts-lato fonts-open-sans fonts-roboto-unhinted fonts-cantarell "
         "fonts-linuxlibertine fonts-ebgaramond fonts-sil-gentium fonts-go fonts-hack "
         "fonts-adf-accanthis fonts-adf-gillius fonts-adf-universalis fonts-adf-baskervald "
         "fonts-adf-berenis fonts-adf-romande fonts-adf-ikarius fonts-adf-irianis "
         "fonts-adf-libris fonts-adf-mekanus fonts-adf-oldania fonts-adf-switzera "
         "fonts-adf-tribun fonts-adf-verana fonts-stix fonts-comic-neue fonts-sil-charis "
         "fonts-sil-andika fonts-paratype fonts-firacode fonts-oldstandard "
         "fonts-yanone-kaffeesatz fonts-league-spartan fonts-fanwood fonts-goudybookletter "
         "fonts-lobster fonts-dkg-handwriting fonts-humor-sans fonts-jura fonts-karla "
         "fonts-quicksand fonts-cabin fonts-gfs-didot fonts-femkeklaver "
         "fonts-klaudia-berenika fonts-tomsontalks fonts-radisnoir fonts-beteckna "
         "fonts-lindenhill fonts-blankenburg fonts-breip fonts-ocr-a fonts-averia-gwf "
         "fonts-averia-sans-gwf fonts-averia-serif-gwf fonts-isabella fonts-kristi "
         "fonts-oflb-euterpe fonts-prociono fonts-rufscript fonts-bebas-neue fonts-dustin "
         "fonts-staypuft fonts-okolaks";
}

void letters_config_default(letters_config *c) {
  memset(c, 0, sizeof *c);
  c->size = 28;
  c->test_frac = 0.2;
  c->seed = 1;
}

void letters_result_free(letters_result *r) {
  for (size_t i = 0; i < r->n_fonts; i++) free(r->fonts[i].path);
  free(r->fonts);
  idx_free(&r->train_images);
  idx_free(&r->train_labels);
  idx_free(&r->test_images);
  idx_free(&r->test_labels);
  memset(r, 0, sizeof *r);
}

#ifdef SYNRL_HAVE_FREETYPE
/* ---- the font files: collected, then sorted so that order never depends on
 * the file system ---- */
typedef struct path_list {
  char **v;
  size_t n, cap;
} path_list;

static void path_list_free(path_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static syn_status path_list_add(path_list *l, const char *p, syn_err *e) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the font list");
    l->v = v;
    l->cap = cap;
  }
  if (!(l->v[l->n] = strdup(p))) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  l->n++;
  return SYN_OK;
}

static bool is_font_name(const char *name) {
  static const char *const ext[] = {".ttf", ".otf", ".ttc", ".otc"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
    if (n <= 4) continue;
    bool same = true;
    for (int k = 0; k < 4 && same; k++) {
      char a = name[n - 4 + k];
      if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
      same = a == ext[i][k];
    }
    if (same) return true;
  }
  return false;
}

static syn_status scan_dir(path_list *l, const char *dir, int depth, syn_err *e) {
  if (depth > 16) return SYN_OK; /* a link cycle */
  DIR *d = opendir(dir);
  if (!d) return syn_err_set(e, SYN_ERR_IO, "%s: cannot read: %s", dir, strerror(errno));
  syn_status s = SYN_OK;
  struct dirent *de;
  while (!s && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= sizeof p) continue;
    struct stat sb;
    if (stat(p, &sb) != 0) continue;
    if (S_ISDIR(sb.st_mode))
      s = scan_dir(l, p, depth + 1, e);
    else if (S_ISREG(sb.st_mode) && is_font_name(de->d_name))
      s = path_list_add(l, p, e);
  }
  closedir(d);
  return s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u32(const void *a, const void *b) {
  const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static syn_status collect(const letters_config *c, path_list *l, syn_err *e) {
  memset(l, 0, sizeof *l);
  syn_status s = SYN_OK;
  if (c->fonts) {
    for (size_t i = 0; !s && i < c->n_fonts; i++) s = path_list_add(l, c->fonts[i], e);
  } else {
    size_t nd = c->n_dirs;
    const char *const *dirs = c->dirs;
    const bool defaults = !dirs;
    if (defaults) dirs = letters_default_dirs(&nd);
    struct stat sb;
    for (size_t i = 0; !s && i < nd; i++) /* a package of the set not installed: no files */
      if (!defaults || stat(dirs[i], &sb) == 0) s = scan_dir(l, dirs[i], 0, e);
  }
  if (s) {
    path_list_free(l);
    return s;
  }
  qsort(l->v, l->n, sizeof *l->v, cmp_str);
  size_t k = 0; /* the same file named twice counts once */
  for (size_t i = 0; i < l->n; i++) {
    if (k && strcmp(l->v[k - 1], l->v[i]) == 0)
      free(l->v[i]);
    else
      l->v[k++] = l->v[i];
  }
  l->n = k;
  return SYN_OK;
}

/* The whole file, for its hash and for FreeType (so what is hashed is what is
 * rendered). NULL with why set when it cannot be read. */
static unsigned char *file_read(const char *path, size_t *n, char *why, size_t why_n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_n, "cannot open: %s", strerror(errno));
    return NULL;
  }
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? 2 * cap : 1 << 16;
      unsigned char *b = cap > ((size_t)1 << 30) ? NULL : realloc(buf, cap);
      if (!b) {
        snprintf(why, why_n, "too large or out of memory");
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = b;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  bool err = ferror(f);
  fclose(f);
  if (err || len == 0) {
    snprintf(why, why_n, err ? "read error" : "empty file");
    free(buf);
    return NULL;
  }
  *n = len;
  return buf;
}

/* ---- resampling: the ink box [0,w) x [0,h) of a coverage bitmap mapped onto
 * an s x s image, longer side filling it, centred; each output pixel is the
 * area-weighted mean of the source pixels it covers ---- */

/* Weights of source cells [i, i+1) for output pixel o along one axis: the
 * overlap of the cell with [(o - off) / k, (o + 1 - off) / k), times k. */
static void axis_weights(int src, int out, double k, double off, double *w /* out x src */) {
  for (int o = 0; o < out; o++) {
    const double lo = (o - off) / k, hi = (o + 1 - off) / k;
    for (int i = 0; i < src; i++) {
      double a = lo > i ? lo : i, b = hi < i + 1 ? hi : i + 1;
      w[(size_t)o * src + i] = b > a ? (b - a) * k : 0.0;
    }
  }
}

static syn_status letters_resample(const unsigned char *src, int w, int h, int pitch, int size,
                                   unsigned char *out, syn_err *e) {
  const double k = (double)size / (w > h ? w : h);
  const double ox = (size - w * k) / 2, oy = (size - h * k) / 2;
  double *wx = malloc((size_t)size * w * sizeof *wx), *wy = malloc((size_t)size * h * sizeof *wy);
  double *tmp = malloc((size_t)h * size * sizeof *tmp);
  syn_status s = SYN_OK;
  if (!wx || !wy || !tmp) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory rendering a glyph");
    goto done;
  }
  axis_weights(w, size, k, ox, wx);
  axis_weights(h, size, k, oy, wy);
  for (int y = 0; y < h; y++) /* rows first: tmp[y][x] */
    for (int x = 0; x < size; x++) {
      double acc = 0;
      const double *wr = wx + (size_t)x * w;
      for (int i = 0; i < w; i++) acc += wr[i] * src[(size_t)y * pitch + i];
      tmp[(size_t)y * size + x] = acc;
    }
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      double acc = 0;
      const double *wc = wy + (size_t)y * h;
      for (int j = 0; j < h; j++) acc += wc[j] * tmp[(size_t)j * size + x];
      double v = acc + 0.5;
      out[(size_t)y * size + x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
done:
  free(wx);
  free(wy);
  free(tmp);
  return s;
}

/* Outlines are rendered at this many pixels per em: well above 28 so that the
 * resampler, not FreeType's rasteriser, decides the small image. */
#define RENDER_PPEM 256

/* Renders the ten letters of one face into img (10 x size x size). false with
 * why set when the face cannot give them all. */
static bool face_render(FT_Face face, int size, unsigned char *img, char *why, size_t why_n,
                        syn_err *e, syn_status *s) {
  if (!FT_IS_SCALABLE(face)) {
    snprintf(why, why_n, "not a scalable (outline) font");
    return false;
  }
  if (FT_Set_Pixel_Sizes(face, 0, RENDER_PPEM)) {
    snprintf(why, why_n, "cannot set a %d-pixel size", RENDER_PPEM);
    return false;
  }
  for (int c = 0; c < LETTERS_CLASSES; c++) {
    const char ch = (char)('A' + c);
    FT_UInt gi = FT_Get_Char_Index(face, (FT_ULong)ch);
    if (gi == 0) {
      snprintf(why, why_n, "no glyph for '%c'", ch);
      return false;
    }
    /* unhinted: hinting depends on the FreeType version's interpreter */
    if (FT_Load_Glyph(face, gi, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) ||
        FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL)) {
      snprintf(why, why_n, "cannot render '%c'", ch);
      return false;
    }
    const FT_Bitmap *bm = &face->glyph->bitmap;
    if (bm->pixel_mode != FT_PIXEL_MODE_GRAY || bm->num_grays != 256) {
      snprintf(why, why_n, "'%c' did not render as 8-bit grey", ch);
      return false;
    }
    /* the ink box: rows and columns holding a non-zero pixel */
    int x0 = (int)bm->width, x1 = -1, y0 = (int)bm->rows, y1 = -1;
    for (int y = 0; y < (int)bm->rows; y++) {
      const unsigned char *row = bm->buffer + (ptrdiff_t)y * bm->pitch;
      for (int x = 0; x < (int)bm->width; x++)
        if (row[x]) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    }
    if (x1 < 0) {
      snprintf(why, why_n, "'%c' has no ink", ch);
      return false;
    }
    const unsigned char *origin = bm->buffer + (ptrdiff_t)y0 * bm->pitch + x0;
    *s = letters_resample(origin, x1 - x0 + 1, y1 - y0 + 1, bm->pitch, size,
                          img + (size_t)c * size * size, e);
    if (*s) return false;
  }
  return true;
}

/* Tries every face of one file; appends a letters_font per face to r and
 * the images of usable, new faces to *imgs. */
typedef struct img_store {
  unsigned char *v; /* n faces x 10 x size x size */
  uint64_t *hash;   /* per face */
  size_t n, cap;
} img_store;

static syn_status font_slot(letters_result *r, size_t *cap, const char *path, int face,
                            letters_font **out, syn_err *e) {
  if (r->n_fonts == *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    letters_font *f = realloc(r->fonts, nc * sizeof *f);
    if (!f) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the font list");
    r->fonts = f;
    *cap = nc;
  }
  letters_font *f = &r->fonts[r->n_fonts];
  memset(f, 0, sizeof *f);
  if (!(f->path = strdup(path))) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  f->face = face;
  r->n_fonts++;
  *out = f;
  return SYN_OK;
}

static syn_status store_reserve(img_store *st, size_t per, syn_err *e) {
  if (st->n < st->cap) return SYN_OK;
  size_t nc = st->cap ? 2 * st->cap : 64;
  unsigned char *v = realloc(st->v, nc * per);
  if (v) st->v = v;
  uint64_t *h = v ? realloc(st->hash, nc * sizeof *h) : NULL;
  if (!h) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the images");
  st->hash = h;
  st->cap = nc;
  return SYN_OK;
}

static syn_status render_file(FT_Library lib, const char *path, int size, letters_result *r,
                              size_t *fcap, img_store *st, size_t *owner_cap, size_t **owner,
                              syn_err *e) {
  const size_t per = (size_t)LETTERS_CLASSES * size * size;
  letters_font *f;
  syn_status s = font_slot(r, fcap, path, 0, &f, e);
  if (s) return s;
  size_t len = 0;
  unsigned char *buf = file_read(path, &len, f->why, sizeof f->why);
  if (!buf) return SYN_OK;
  f->file_fnv1a64 = core_fnv1a64(buf, len, CORE_FNV_INIT);
  const uint64_t file_hash = f->file_fnv1a64;
  long n_faces = 1;
  for (long fi = 0; fi < n_faces; fi++) {
    if (fi > 0) {
      if ((s = font_slot(r, fcap, path, (int)fi, &f, e))) break;
      f->file_fnv1a64 = file_hash;
    }
    FT_Face face;
    FT_Error fe = FT_New_Memory_Face(lib, buf, (FT_Long)len, (FT_Long)fi, &face);
    if (fe) {
      snprintf(f->why, sizeof f->why, "FreeType cannot load it (error 0x%02x)", (unsigned)fe);
      break; /* the other faces of a broken file are not tried */
    }
    if (fi == 0) n_faces = face->num_faces > 0 && face->num_faces < 1000 ? face->num_faces : 1;
    snprintf(f->family, sizeof f->family, "%s", face->family_name ? face->family_name : "");
    snprintf(f->style, sizeof f->style, "%s", face->style_name ? face->style_name : "");
    if ((s = store_reserve(st, per, e))) {
      FT_Done_Face(face);
      break;
    }
    unsigned char *img = st->v + st->n * per;
    bool ok = face_render(face, size, img, f->why, sizeof f->why, e, &s);
    FT_Done_Face(face);
    if (s) break;
    if (!ok) continue;
    /* a face drawing exactly the same ten images as an earlier one (a
     * TrueType and an OpenType file of one design) would put one sample in
     * both sets */
    const uint64_t h = core_fnv1a64(img, per, CORE_FNV_INIT);
    for (size_t j = 0; j < st->n && ok; j++)
      if (st->hash[j] == h && memcmp(st->v + j * per, img, per) == 0) {
        const letters_font *o = &r->fonts[(*owner)[j]];
        snprintf(f->why, sizeof f->why, "the same images as %.150s face %d", o->path, o->face);
        ok = false;
      }
    if (!ok) continue;
    if (st->n == *owner_cap) {
      size_t nc = *owner_cap ? 2 * *owner_cap : 64;
      size_t *o = realloc(*owner, nc * sizeof *o);
      if (!o) {
        s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
        break;
      }
      *owner = o;
      *owner_cap = nc;
    }
    (*owner)[st->n] = r->n_fonts - 1;
    st->hash[st->n++] = h;
    f->used = true;
  }
  free(buf);
  return s;
}

/* Rows of the faces listed in ids (face j owns rows 10j..10j+9 of st), in an
 * order shuffled by rng: an IDX image array and its label array. */
static syn_status build_set(const img_store *st, const uint32_t *ids, size_t n_ids, int size,
                            rng_t *rng, idx_array *images, idx_array *labels, size_t *per_class,
                            syn_err *e) {
  const size_t px = (size_t)size * size, rows = n_ids * LETTERS_CLASSES;
  uint32_t *order = malloc((rows + 1) * sizeof *order);
  images->data = core_alloc(rows * px + 1);
  labels->data = core_alloc(rows + 1);
  if (!order || !images->data || !labels->data) {
    free(order);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu images", rows);
  }
  for (size_t i = 0; i < rows; i++) order[i] = (uint32_t)i;
  rng_shuffle_u32(rng, order, rows);
  for (size_t i = 0; i < rows; i++) {
    const size_t face = ids[order[i] / LETTERS_CLASSES], c = order[i] % LETTERS_CLASSES;
    memcpy(images->data + i * px, st->v + (face * LETTERS_CLASSES + c) * px, px);
    labels->data[i] = (uint8_t)c;
    per_class[c]++;
  }
  free(order);
  images->ndim = 3;
  images->dims[0] = (uint32_t)rows;
  images->dims[1] = images->dims[2] = (uint32_t)size;
  images->count = rows * px;
  labels->ndim = 1;
  labels->dims[0] = (uint32_t)rows;
  labels->count = rows;
  return SYN_OK;
}

syn_status letters_make(const letters_config *c, letters_result *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  if (c->size < 8 || c->size > 256)
    return syn_err_set(e, SYN_ERR_ARG, "size: %d is not in [8, 256]", c->size);
  if (!(c->test_frac > 0 && c->test_frac < 1))
    return syn_err_set(e, SYN_ERR_ARG, "test-frac: %g is not in (0, 1)", c->test_frac);
  path_list files;
  syn_status s = collect(c, &files, e);
  if (s) return s;
  FT_Library lib;
  if (FT_Init_FreeType(&lib)) {
    path_list_free(&files);
    return syn_err_set(e, SYN_ERR_UNSUPPORTED, "FreeType failed to start");
  }
  FT_Int ma, mi, pa;
  FT_Library_Version(lib, &ma, &mi, &pa);
  snprintf(r->freetype_version, sizeof r->freetype_version, "%d.%d.%d", ma, mi, pa);
  img_store st = {0};
  size_t fcap = 0, ocap = 0, *owner = NULL;
  for (size_t i = 0; !s && i < files.n; i++)
    s = render_file(lib, files.v[i], c->size, r, &fcap, &st, &ocap, &owner, e);
  FT_Done_FreeType(lib);
  path_list_free(&files);
  r->n_used = st.n;
  r->n_skipped = r->n_fonts - st.n;
  if (!s && st.n < 2) {
    const letters_font *bad = NULL; /* the first reason, since r is freed */
    for (size_t i = 0; i < r->n_fonts && !bad; i++)
      if (!r->fonts[i].used) bad = &r->fonts[i];
    s = syn_err_set(e, SYN_ERR_ARG,
                    "%zu usable font faces of %zu tried: at least 2 are needed "
                    "(one per set)%s%s%.200s%s%.150s",
                    st.n, r->n_fonts,
                    c->fonts || c->dirs ? "" : "; install the set with scripts/setup.sh",
                    bad ? "; e.g. " : r->n_fonts ? "" : "; no .ttf/.otf/.ttc/.otc file found",
                    bad ? bad->path : "", bad ? ": " : "",
                    bad ? bad->why : "");
  }
  uint32_t *ids = NULL;
  if (!s && !(ids = malloc(st.n * sizeof *ids)))
    s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  if (!s) {
    /* whole faces to one set: the test set measures unseen typefaces */
    size_t n_test = (size_t)(c->test_frac * (double)st.n + 0.5);
    if (n_test < 1) n_test = 1;
    if (n_test > st.n - 1) n_test = st.n - 1;
    r->n_test_fonts = n_test;
    for (size_t i = 0; i < st.n; i++) ids[i] = (uint32_t)i;
    rng_t rng;
    rng_seed(&rng, c->seed, 0x1e77e25);
    rng_shuffle_u32(&rng, ids, st.n);
    for (size_t i = 0; i < n_test; i++) r->fonts[owner[ids[i]]].test = true;
    /* each set's faces in file order before its rows are shuffled, so that
     * the row order depends on the seed only through the two shuffles */
    qsort(ids, n_test, sizeof *ids, cmp_u32);
    qsort(ids + n_test, st.n - n_test, sizeof *ids, cmp_u32);
    s = build_set(&st, ids + n_test, st.n - n_test, c->size, &rng, &r->train_images,
                  &r->train_labels, r->train_per_class, e);
    if (!s)
      s = build_set(&st, ids, n_test, c->size, &rng, &r->test_images, &r->test_labels,
                    r->test_per_class, e);
  }
  free(ids);
  free(owner);
  free(st.v);
  free(st.hash);
  if (s) letters_result_free(r);
  return s;
}
#else
syn_status letters_make(const letters_config *c, letters_result *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  (void)c;
  return syn_err_set(e, SYN_ERR_UNSUPPORTED,
                     "this synrl was built without FreeType: apt-get install "
                     "libfreetype-dev (or run scripts/setup.sh), then configure and build again");
}
#endif

/* ---- writing ---- */
static syn_status text_write(const char *path, const char *text, syn_err *e) {
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return syn_err_set(e, SYN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  bool ok = fputs(text, f) >= 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return syn_err_set(e, SYN_ERR_IO, "%s: write failed", path);
  }
  return SYN_OK;
}

static void add_counts(cJSON *o, const char *name, const idx_array *labels, const size_t *pc,
                       size_t n_fonts) {
  cJSON *set = cJSON_AddObjectToObject(o, name);
  cJSON_AddNumberToObject(set, "images", (double)labels->count);
  cJSON_AddNumberToObject(set, "fonts", (double)n_fonts);
  cJSON *a = cJSON_AddArrayToObject(set, "per_class");
  for (int k = 0; k < LETTERS_CLASSES; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)pc[k]));
}

static void hex64(char *out, uint64_t v) { snprintf(out, 17, "%016llx", (unsigned long long)v); }

static char *manifest_text(const letters_result *r, const letters_config *c) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  char h[17];
  cJSON_AddStringToObject(o, "generator", "synrl data letters");
  cJSON_AddStringToObject(o, "synrl_version", core_version());
  cJSON_AddStringToObject(o, "freetype_version", r->freetype_version);
  cJSON_AddStringToObject(o, "letters", "ABCDEFGHIJ");
  hex64(h, c->seed);
  cJSON_AddNumberToObject(o, "seed", (double)c->seed);
  cJSON_AddStringToObject(o, "seed_hex", h);
  cJSON_AddNumberToObject(o, "size", c->size);
  cJSON_AddNumberToObject(o, "test_frac", c->test_frac);
  add_counts(o, "train", &r->train_labels, r->train_per_class, r->n_used - r->n_test_fonts);
  add_counts(o, "test", &r->test_labels, r->test_per_class, r->n_test_fonts);
  hex64(h, core_fnv1a64(r->train_images.data, r->train_images.count, CORE_FNV_INIT));
  cJSON_AddStringToObject(o, "train_images_fnv1a64", h);
  hex64(h, core_fnv1a64(r->test_images.data, r->test_images.count, CORE_FNV_INIT));
  cJSON_AddStringToObject(o, "test_images_fnv1a64", h);
  cJSON *used = cJSON_AddArrayToObject(o, "fonts");
  cJSON *skipped = cJSON_AddArrayToObject(o, "skipped");
  for (size_t i = 0; i < r->n_fonts; i++) {
    const letters_font *f = &r->fonts[i];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "file", f->path);
    cJSON_AddNumberToObject(j, "face", f->face);
    hex64(h, f->file_fnv1a64);
    cJSON_AddStringToObject(j, "file_fnv1a64", h);
    if (f->used) {
      cJSON_AddStringToObject(j, "family", f->family);
      cJSON_AddStringToObject(j, "style", f->style);
      cJSON_AddStringToObject(j, "set", f->test ? "test" : "train");
      cJSON_AddItemToArray(used, j);
    } else {
      cJSON_AddStringToObject(j, "why", f->why);
      cJSON_AddItemToArray(skipped, j);
    }
  }
  char *text = cJSON_Print(o);
  cJSON_Delete(o);
  return text;
}

syn_status letters_write(const letters_result *r, const letters_config *c, const char *dir,
                         bool gz, syn_err *e) {
  const idx_array *arrays[4] = {&r->train_images, &r->train_labels, &r->test_images,
                                &r->test_labels};
  static const char *const stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  char path[4200];
  syn_status s;
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s%s", dir, stems[i], gz ? ".gz" : "");
    if ((s = idx_save_u8(arrays[i], path, e))) return s;
    /* the other form left by an earlier run would be read first (idx_find) */
    snprintf(path, sizeof path, "%s/%s%s", dir, stems[i], gz ? "" : ".gz");
    remove(path);
  }
  char *text = manifest_text(r, c);
  if (!text) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the manifest");
  snprintf(path, sizeof path, "%s/letters.json", dir);
  size_t n = strlen(text);
  char *t2 = realloc(text, n + 2);
  if (t2) {
    text = t2;
    memcpy(text + n, "\n", 2);
  }
  s = text_write(path, text, e);
  free(text);
  return s;
}
