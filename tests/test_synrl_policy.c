/* The shared synaptic Q table: indexing, greedy choice, the Q-learning update,
 * the synrl policy file and the import of the authors' table. */
#include "testutil.h"

#include "synrl/learn.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- indexing ---------------- */

/* Julia column-major Q[a, a2, a1, r2, r1] with 0-based codes. */
static int authors_flat(int a, int a2, int a1, int r2, int r1) {
  return a + 3 * (a2 + 3 * (a1 + 3 * (r2 + 3 * r1)));
}

static void test_state_index_by_hand(void **state) {
  (void)state;
  assert_int_equal(synrl_state_index(0, 0, 0, 0), 0);
  assert_int_equal(synrl_state_index(1, 0, 0, 0), 1);
  assert_int_equal(synrl_state_index(0, 1, 0, 0), 3);
  assert_int_equal(synrl_state_index(0, 0, 1, 0), 9);
  assert_int_equal(synrl_state_index(0, 0, 0, 1), 27);
  /* start state: a2 = a1 = null, r2 = r1 = none: 1 + 3 + 9 + 27 */
  assert_int_equal(synrl_state_index(SYNRL_NULL, SYNRL_NULL, SYNRL_R_NONE, SYNRL_R_NONE), 40);
  assert_int_equal(synrl_state_index(2, 2, 2, 2), 80);
  assert_int_equal(synrl_state_index(2, 0, 1, 2), 2 + 0 + 9 + 54);
  /* flat Q index a + 3s is the authors' column-major index, for every entry */
  int seen[SYNRL_N_Q] = {0};
  for (int r1 = 0; r1 < 3; r1++)
    for (int r2 = 0; r2 < 3; r2++)
      for (int a1 = 0; a1 < 3; a1++)
        for (int a2 = 0; a2 < 3; a2++)
          for (int a = 0; a < 3; a++) {
            int s = synrl_state_index(a2, a1, r2, r1);
            assert_in_range(s, 0, SYNRL_N_STATES - 1);
            int flat = a + 3 * s;
            assert_int_equal(flat, authors_flat(a, a2, a1, r2, r1));
            assert_int_equal(flat, a + 3 * a2 + 9 * a1 + 27 * r2 + 81 * r1);
            seen[flat]++;
          }
  for (int i = 0; i < SYNRL_N_Q; i++) assert_int_equal(seen[i], 1);
  /* by hand: Q[+, 0, -, +, ?] (1-based 3 2 1 3 2) = 2 + 3*1 + 9*0 + 27*2 + 81*1 = 140 */
  assert_int_equal(2 + 3 * synrl_state_index(1, 0, 2, 1), 140);
}

/* ---------------- greedy ---------------- */

static int greedy_of(double qm, double q0, double qp) {
  synrl_policy p;
  memset(&p, 0, sizeof p);
  const int s = 17;
  p.q[3 * s] = qm;
  p.q[3 * s + 1] = q0;
  p.q[3 * s + 2] = qp;
  return synrl_policy_greedy(&p, s);
}

static void test_greedy_ties(void **state) {
  (void)state;
  assert_int_equal(greedy_of(0, 0, 0), SYNRL_DEC);       /* all equal -> decrease */
  assert_int_equal(greedy_of(-1, 2, 2), SYNRL_NULL);     /* null = increase -> null */
  assert_int_equal(greedy_of(2, -1, 2), SYNRL_DEC);      /* decrease = increase -> decrease */
  assert_int_equal(greedy_of(2, 2, -1), SYNRL_DEC);      /* decrease = null -> decrease */
  assert_int_equal(greedy_of(0, 0, 1e-300), SYNRL_INC);  /* strictly larger wins */
  assert_int_equal(greedy_of(0, 1, 0.5), SYNRL_NULL);
  assert_int_equal(greedy_of(3, 1, 0.5), SYNRL_DEC);
  assert_int_equal(greedy_of(-3, -2, -1), SYNRL_INC);
  assert_int_equal(greedy_of(-0.0, 0.0, -0.0), SYNRL_DEC); /* -0 == +0: a tie */
  /* greedy looks only at its own state's three entries */
  synrl_policy p;
  for (int i = 0; i < SYNRL_N_Q; i++) p.q[i] = (double)i; /* increase everywhere */
  for (int s = 0; s < SYNRL_N_STATES; s++) assert_int_equal(synrl_policy_greedy(&p, s), SYNRL_INC);
  for (int i = 0; i < SYNRL_N_Q; i++) p.q[i] = -(double)i; /* decrease everywhere */
  for (int s = 0; s < SYNRL_N_STATES; s++) assert_int_equal(synrl_policy_greedy(&p, s), SYNRL_DEC);
}

/* ---------------- Q update ---------------- */

static void test_q_update_by_hand(void **state) {
  (void)state;
  synrl_policy p;
  memset(&p, 0, sizeof p);
  const int s = synrl_state_index(1, 2, 0, 2), a = SYNRL_INC;
  const int sn = synrl_state_index(2, 2, 2, 2);
  p.q[a + 3 * s] = 0.5;
  p.q[0 + 3 * sn] = -7.0;
  p.q[1 + 3 * sn] = 2.0; /* max Q[s'] = 2 */
  p.q[2 + 3 * sn] = 1.5;
  synrl_policy before = p;
  synrl_policy_update(&p, s, a, +1.0, sn, 0.01, 0.9);
  /* 0.5 + 0.01 * (1 + 0.9*2 - 0.5) = 0.523 */
  assert_true(fabs(p.q[a + 3 * s] - 0.523) <= 1e-15);
  assert_true(p.q[a + 3 * s] == 0.5 + 0.01 * (1.0 + 0.9 * 2.0 - 0.5));
  /* nothing else moved */
  for (int i = 0; i < SYNRL_N_Q; i++)
    if (i != a + 3 * s) assert_true(p.q[i] == before.q[i]);

  /* reward -1, next state all negative (max = -0.25), gamma 0.5, alpha 0.1 */
  memset(&p, 0, sizeof p);
  p.q[3 * 5 + 0] = -1.0;
  p.q[3 * 5 + 1] = -0.25;
  p.q[3 * 5 + 2] = -4.0;
  p.q[3 * 7 + 1] = 0.2;
  synrl_policy_update(&p, 7, 1, -1.0, 5, 0.1, 0.5);
  /* 0.2 + 0.1 * (-1 - 0.125 - 0.2) = 0.0675 */
  assert_true(fabs(p.q[3 * 7 + 1] - 0.0675) <= 1e-15);

  /* s' == s: max is read before the write */
  memset(&p, 0, sizeof p);
  p.q[3 * 3 + 0] = 1.0;
  p.q[3 * 3 + 2] = 3.0;
  synrl_policy_update(&p, 3, 2, 1.0, 3, 0.5, 1.0);
  assert_true(fabs(p.q[3 * 3 + 2] - (3.0 + 0.5 * (1.0 + 3.0 - 3.0))) <= 1e-15);

  /* alpha_q = 0 leaves the entry alone; alpha_q = 1, gamma = 0 sets it to R */
  memset(&p, 0, sizeof p);
  p.q[10] = 0.75;
  synrl_policy_update(&p, 3, 1, 1.0, 0, 0.0, 0.9);
  assert_true(p.q[10] == 0.75);
  synrl_policy_update(&p, 3, 1, -1.0, 0, 1.0, 0.0);
  assert_true(p.q[10] == -1.0);
}

/* ---------------- files ---------------- */

static void fill_random(synrl_policy *p, uint64_t seed) {
  rng_t r;
  rng_seed(&r, seed, 1);
  for (int i = 0; i < SYNRL_N_Q; i++) p->q[i] = rng_uniform_range(&r, -3.0, 3.0);
  /* awkward values: shortest round trip needs 17 digits, signs, extremes */
  p->q[0] = 0.1;
  p->q[1] = -0.0;
  p->q[2] = 1.0 / 3.0;
  p->q[3] = DBL_MAX;
  p->q[4] = -DBL_MAX;
  p->q[5] = DBL_MIN;
  p->q[6] = 1e-300;
  p->q[7] = 123456789.123456789;
  p->q[8] = nextafter(1.0, 2.0);
  p->q[9] = 4.9406564584124654e-324; /* smallest subnormal */
  p->q[10] = -2.5e-310;              /* a subnormal */
}

static void test_save_load_roundtrip(void **state) {
  (void)state;
  synrl_policy p, q;
  fill_random(&p, 7);
  char path[512];
  tu_path(path, sizeof path, "roundtrip.policy");
  syn_err e = {0};
  assert_int_equal(synrl_policy_save(&p, path, "test comment", &e), SYN_OK);
  memset(&q, 0x55, sizeof q);
  syn_status s = synrl_policy_load(&q, path, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
  assert_memory_equal(&p, &q, sizeof p); /* bit-identical, -0.0 included */
  /* read() sees the header and loads the same */
  memset(&q, 0, sizeof q);
  assert_int_equal(synrl_policy_read(&q, path, &e), SYN_OK);
  assert_memory_equal(&p, &q, sizeof p);
  /* a second save of the loaded table is byte-identical to the first */
  char path2[512];
  tu_path(path2, sizeof path2, "roundtrip2.policy");
  assert_int_equal(synrl_policy_save(&q, path2, "test comment", &e), SYN_OK);
  FILE *f1 = fopen(path, "rb"), *f2 = fopen(path2, "rb");
  assert_non_null(f1);
  assert_non_null(f2);
  int c1, c2;
  do {
    c1 = fgetc(f1);
    c2 = fgetc(f2);
    assert_int_equal(c1, c2);
  } while (c1 != EOF);
  fclose(f1);
  fclose(f2);
  /* the file is what docs describe: header, then 81 state lines with a greedy column */
  FILE *f = fopen(path, "r");
  char line[1024];
  assert_non_null(fgets(line, sizeof line, f));
  assert_int_equal(strncmp(line, "synrl-policy 1", 14), 0);
  int states = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char a2[4], a1[4], r2[4], r1[4], g[4];
    double qm, q0, qp;
    assert_int_equal(sscanf(line, "%3s %3s %3s %3s %lg %lg %lg %3s", a2, a1, r2, r1, &qm, &q0, &qp, g), 8);
    if (states == 40) { /* start state (0, 0, ?, ?) */
      assert_string_equal(a2, "0");
      assert_string_equal(a1, "0");
      assert_string_equal(r2, "?");
      assert_string_equal(r1, "?");
    }
    states++;
  }
  fclose(f);
  assert_int_equal(states, SYNRL_N_STATES);
  remove(path);
  remove(path2);
}

static void test_save_zero_table(void **state) {
  (void)state;
  synrl_policy p, q;
  memset(&p, 0, sizeof p);
  char path[512];
  tu_path(path, sizeof path, "zero.policy");
  syn_err e = {0};
  assert_int_equal(synrl_policy_save(&p, path, NULL, &e), SYN_OK);
  memset(&q, 0x7f, sizeof q);
  assert_int_equal(synrl_policy_load(&q, path, &e), SYN_OK);
  assert_memory_equal(&p, &q, sizeof p);
  remove(path);
}

static void golden_path(char *buf, size_t n) {
  snprintf(buf, n, "%s/data/policies/authors-golden.tsv", tu_source_dir());
}

/* The Q value on the line of the authors' file whose 1-based codes are given. */
static double golden_line_value(const char *path, int a, int a2, int a1, int r2, int r1) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[256];
  double found = NAN;
  int hits = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    int c[5];
    double v;
    if (sscanf(line, "%d %d %d %d %d %lg", &c[0], &c[1], &c[2], &c[3], &c[4], &v) != 6) continue;
    if (c[0] == a && c[1] == a2 && c[2] == a1 && c[3] == r2 && c[4] == r1) {
      found = v;
      hits++;
    }
  }
  fclose(f);
  assert_int_equal(hits, 1);
  return found;
}

static void test_import_authors(void **state) {
  (void)state;
  char path[1024];
  golden_path(path, sizeof path);
  synrl_policy p;
  syn_err e = {0};
  syn_status s = synrl_policy_import_authors(&p, path, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
  /* first data line "1 1 1 1 1 0.6472902913874333" is q[0] */
  assert_true(p.q[0] == 0.6472902913874333);
  /* "2 1 1 1 1 0.8276021887378383" and "3 1 1 1 1 1.921622021892632" */
  assert_true(p.q[1] == 0.8276021887378383);
  assert_true(p.q[2] == 1.921622021892632);
  /* "1 2 1 1 1 1.491375061714125": a2 = 0 (code 2) -> index 3 */
  assert_true(p.q[3] == 1.491375061714125);
  /* "1 2 1 3 3 1.7265015922244935": a=-, a2=0, a1=-, r2=+, r1=+ */
  int s1 = synrl_state_index(SYNRL_NULL, SYNRL_DEC, SYNRL_R_POS, SYNRL_R_POS);
  assert_int_equal(0 + 3 * s1, 219);
  assert_true(p.q[0 + 3 * s1] == 1.7265015922244935);
  assert_true(p.q[1 + 3 * s1] == 1.7497319105462241); /* "2 2 1 3 3 ..." */
  assert_true(p.q[242] == 1.3443822460760024);        /* "3 3 3 3 3 ..." last line */
  /* "1 1 1 2 1 0.0": a state never visited (r2 = none after a real reward) */
  assert_true(p.q[authors_flat(0, 0, 0, 1, 0)] == 0.0);
  /* every entry equals its line in the file */
  for (int a = 0; a < 3; a++)
    for (int a2 = 0; a2 < 3; a2++)
      for (int a1 = 0; a1 < 3; a1++)
        for (int r2 = 0; r2 < 3; r2++)
          for (int r1 = 0; r1 < 3; r1++) {
            if ((a + a2 + a1 + r2 + r1) % 4) continue; /* a sample, to keep it quick */
            double v = golden_line_value(path, a + 1, a2 + 1, a1 + 1, r2 + 1, r1 + 1);
            assert_true(p.q[a + 3 * synrl_state_index(a2, a1, r2, r1)] == v);
          }
  /* read() recognises the authors' format by its first line */
  synrl_policy q;
  memset(&q, 0, sizeof q);
  assert_int_equal(synrl_policy_read(&q, path, &e), SYN_OK);
  assert_memory_equal(&p, &q, sizeof p);
  /* and saving it as a synrl policy and reading that back gives the same table */
  char out[512];
  tu_path(out, sizeof out, "golden.policy");
  assert_int_equal(synrl_policy_save(&p, out, "authors' golden_pol2cy", &e), SYN_OK);
  memset(&q, 0, sizeof q);
  assert_int_equal(synrl_policy_read(&q, out, &e), SYN_OK);
  assert_memory_equal(&p, &q, sizeof p);
  /* the synrl loader refuses the authors' file and vice versa */
  e.msg[0] = 0;
  assert_int_equal(synrl_policy_load(&q, path, &e), SYN_ERR_FORMAT);
  assert_non_null(strstr(e.msg, path));
  e.msg[0] = 0;
  assert_int_equal(synrl_policy_import_authors(&q, out, &e), SYN_ERR_FORMAT);
  assert_non_null(strstr(e.msg, out));
  remove(out);
}

static void test_missing_file(void **state) {
  (void)state;
  synrl_policy p;
  syn_err e = {0};
  char path[512];
  tu_path(path, sizeof path, "does-not-exist.policy");
  assert_int_equal(synrl_policy_load(&p, path, &e), SYN_ERR_IO);
  assert_non_null(strstr(e.msg, path));
  assert_int_equal(synrl_policy_import_authors(&p, path, &e), SYN_ERR_IO);
  assert_int_equal(synrl_policy_read(&p, path, &e), SYN_ERR_IO);
  assert_non_null(strstr(e.msg, path));
}

/* ---------------- corrupt files ---------------- */

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static const char ACTS[3] = {'-', '0', '+'};
static const char REWS[3] = {'-', '?', '+'};

/* A valid synrl policy text; `edit(state, buf)` may replace a state line
 * (return 0 to drop the line). */
typedef int (*line_edit)(int s, char *line, size_t n);

static void make_policy_text(char *buf, size_t n, const char *header, line_edit edit) {
  size_t used = (size_t)snprintf(buf, n, "%s\n# comment\n\n", header);
  for (int s = 0; s < SYNRL_N_STATES; s++) {
    char line[256];
    snprintf(line, sizeof line, "%c %c %c %c %.17g %.17g %.17g -\n", ACTS[s % 3], ACTS[s / 3 % 3],
             REWS[s / 9 % 3], REWS[s / 27], 0.5 * s, -0.25 * s, 1.0 / (s + 1));
    if (edit && !edit(s, line, sizeof line)) continue;
    used += (size_t)snprintf(buf + used, n - used, "%s", line);
    assert_true(used < n);
  }
}

static int edit_none(int s, char *l, size_t n) { return 1; }
static int edit_drop_last(int s, char *l, size_t n) { return s != 80; }
static int edit_drop_40(int s, char *l, size_t n) { return s != 40; }
static int edit_dup(int s, char *l, size_t n) {
  if (s == 12) snprintf(l, n, "%c %c %c %c 1 2 3 +\n", ACTS[11 % 3], ACTS[11 / 3 % 3], REWS[1], REWS[0]);
  return 1;
}
static int edit_nonnum(int s, char *l, size_t n) {
  if (s == 5) snprintf(l, n, "+ 0 - - 0.1 abc 0.3\n");
  return 1;
}
static int edit_trailing(int s, char *l, size_t n) {
  if (s == 5) snprintf(l, n, "+ 0 - - 0.1 0.2x 0.3\n");
  return 1;
}
static int edit_nan(int s, char *l, size_t n) {
  if (s == 33) snprintf(l, n, "%c %c %c %c nan 0 0\n", ACTS[0], ACTS[2], REWS[0], REWS[1]);
  return 1;
}
static int edit_inf(int s, char *l, size_t n) {
  if (s == 33) snprintf(l, n, "%c %c %c %c 0 -inf 0\n", ACTS[0], ACTS[2], REWS[0], REWS[1]);
  return 1;
}
static int edit_overflow(int s, char *l, size_t n) {
  if (s == 33) snprintf(l, n, "%c %c %c %c 0 0 1e400\n", ACTS[0], ACTS[2], REWS[0], REWS[1]);
  return 1;
}
static int edit_underflow(int s, char *l, size_t n) {
  if (s == 33) snprintf(l, n, "%c %c %c %c 0 1e-400 0\n", ACTS[0], ACTS[2], REWS[0], REWS[1]);
  return 1;
}
static int edit_badsym(int s, char *l, size_t n) {
  if (s == 0) snprintf(l, n, "x - - - 0 0 0\n");
  return 1;
}
static int edit_badsym2(int s, char *l, size_t n) {
  if (s == 0) snprintf(l, n, "- - 0 - 0 0 0\n"); /* '0' is not a reward symbol */
  return 1;
}
static int edit_badsym3(int s, char *l, size_t n) {
  if (s == 0) snprintf(l, n, "-- - - - 0 0 0\n");
  return 1;
}
static int edit_toomany(int s, char *l, size_t n) {
  if (s == 70) snprintf(l, n, "%c %c %c %c 0 0 0 - extra\n", ACTS[70 % 3], ACTS[70 / 3 % 3], REWS[70 / 9 % 3], REWS[70 / 27]);
  return 1;
}
static int edit_toofew(int s, char *l, size_t n) {
  if (s == 70) snprintf(l, n, "%c %c %c %c 0 0\n", ACTS[70 % 3], ACTS[70 / 3 % 3], REWS[70 / 9 % 3], REWS[70 / 27]);
  return 1;
}

static void expect_format_error(const char *path, const char *why) {
  synrl_policy p;
  for (int i = 0; i < SYNRL_N_Q; i++) p.q[i] = 42.0;
  syn_err e;
  memset(&e, 0, sizeof e);
  syn_status s = synrl_policy_read(&p, path, &e);
  if (s != SYN_ERR_FORMAT) fprintf(stderr, "case '%s': status %d (%s)\n", why, (int)s, e.msg);
  assert_int_equal(s, SYN_ERR_FORMAT);
  if (!strstr(e.msg, path)) fprintf(stderr, "case '%s': message '%s' does not name the file\n", why, e.msg);
  assert_non_null(strstr(e.msg, path));
  /* the output is untouched on failure */
  for (int i = 0; i < SYNRL_N_Q; i++) assert_true(p.q[i] == 42.0);
}

static void test_corrupt_policy_files(void **state) {
  (void)state;
  static char buf[32768];
  char path[512];
  tu_path(path, sizeof path, "corrupt.policy");
  syn_err e;

  /* the generator itself makes a valid file */
  make_policy_text(buf, sizeof buf, "synrl-policy 1", edit_none);
  write_text(path, buf);
  synrl_policy p;
  assert_int_equal(synrl_policy_read(&p, path, &e), SYN_OK);
  assert_true(p.q[3 * 7 + 0] == 3.5);
  assert_true(p.q[3 * 7 + 1] == -1.75);
  assert_true(p.q[3 * 7 + 2] == 1.0 / 8);

  struct {
    line_edit edit;
    const char *why;
  } cases[] = {
      {edit_drop_last, "missing last state"}, {edit_drop_40, "missing start state"},
      {edit_dup, "duplicate state"},          {edit_nonnum, "non-numeric Q"},
      {edit_trailing, "trailing garbage"},    {edit_nan, "NaN"},
      {edit_inf, "-inf"},                     {edit_overflow, "1e400"},
      {edit_underflow, "1e-400 (underflows to 0)"},
      {edit_badsym, "bad action symbol"},     {edit_badsym2, "bad reward symbol"},
      {edit_badsym3, "two-character symbol"}, {edit_toomany, "too many fields"},
      {edit_toofew, "too few fields"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    make_policy_text(buf, sizeof buf, "synrl-policy 1", cases[i].edit);
    write_text(path, buf);
    expect_format_error(path, cases[i].why);
    /* load() directly says the same */
    memset(&e, 0, sizeof e);
    assert_int_equal(synrl_policy_load(&p, path, &e), SYN_ERR_FORMAT);
  }
  /* wrong header: read() falls back to the authors' format, which rejects it;
   * load() rejects it at the header */
  make_policy_text(buf, sizeof buf, "synrl-policy-x", edit_none);
  write_text(path, buf);
  expect_format_error(path, "wrong header");
  memset(&e, 0, sizeof e);
  assert_int_equal(synrl_policy_load(&p, path, &e), SYN_ERR_FORMAT);
  assert_non_null(strstr(e.msg, path));
  make_policy_text(buf, sizeof buf, "policy 1", edit_none);
  write_text(path, buf);
  expect_format_error(path, "other header");
  /* no header at all: the state lines alone */
  make_policy_text(buf, sizeof buf, "# no header", edit_none);
  write_text(path, buf);
  expect_format_error(path, "no header");
  /* header only / empty file */
  write_text(path, "synrl-policy 1\n");
  expect_format_error(path, "header only");
  write_text(path, "");
  expect_format_error(path, "empty file");
  remove(path);
}

/* The authors' file, line by line, with edits. */
static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  b[n] = 0;
  fclose(f);
  return b;
}

/* Writes the golden file to `out` with data line `k` (0-based among data lines)
 * replaced by `repl` (NULL: dropped; "DUP": a copy of data line 0). */
static void write_golden_edit(const char *golden, const char *out, int k, const char *repl) {
  char *all = read_all(golden);
  FILE *f = fopen(out, "w");
  assert_non_null(f);
  char *save = NULL, first[256] = "";
  int data = 0;
  for (char *l = strtok_r(all, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    if (l[0] == '#') {
      fprintf(f, "%s\n", l);
      continue;
    }
    if (data == 0) snprintf(first, sizeof first, "%s", l);
    if (data == k) {
      if (repl && strcmp(repl, "DUP") == 0)
        fprintf(f, "%s\n", first);
      else if (repl)
        fprintf(f, "%s\n", repl);
    } else {
      fprintf(f, "%s\n", l);
    }
    data++;
  }
  assert_int_equal(data, SYNRL_N_Q);
  fclose(f);
  free(all);
}

static void test_corrupt_authors_files(void **state) {
  (void)state;
  char golden[1024], path[512];
  golden_path(golden, sizeof golden);
  tu_path(path, sizeof path, "corrupt.tsv");
  synrl_policy p;
  syn_err e;
  /* unedited copy is fine */
  write_golden_edit(golden, path, -1, NULL);
  assert_int_equal(synrl_policy_read(&p, path, &e), SYN_OK);
  struct {
    int line;
    const char *repl;
    const char *why;
  } cases[] = {
      {100, NULL, "242 lines"},
      {242, NULL, "242 lines (last dropped)"},
      {5, "4 1 1 1 1 0.5", "action code 4"},
      {5, "1 1 1 1 4 0.5", "reward code 4"},
      {5, "0 1 1 1 1 0.5", "code 0"},
      {5, "1 1 1 1 1.5 0.5", "non-integer code"},
      {5, "1 x 1 1 1 0.5", "non-numeric code"},
      {7, "2 3 1 1 1 abc", "non-numeric Q"},
      {7, "2 3 1 1 1 nan", "NaN"},
      {7, "2 3 1 1 1 inf", "inf"},
      {7, "2 3 1 1 1 1e999", "overflow"},
      {7, "2 3 1 1 1 0.5 0.6", "7 fields"},
      {7, "2 3 1 1 1", "5 fields"},
      {9, "DUP", "duplicate entry (and one missing)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_golden_edit(golden, path, cases[i].line, cases[i].repl);
    expect_format_error(path, cases[i].why);
    memset(&e, 0, sizeof e);
    assert_int_equal(synrl_policy_import_authors(&p, path, &e), SYN_ERR_FORMAT);
    assert_non_null(strstr(e.msg, path));
  }
  /* 244 entries: one extra (duplicate) line appended */
  char *all = read_all(golden);
  FILE *f = fopen(path, "w");
  fputs(all, f);
  fputs("1 1 1 1 1 0.6472902913874333\n", f);
  fclose(f);
  free(all);
  expect_format_error(path, "244 lines");
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_index_by_hand),
      cmocka_unit_test(test_greedy_ties),
      cmocka_unit_test(test_q_update_by_hand),
      cmocka_unit_test(test_save_load_roundtrip),
      cmocka_unit_test(test_save_zero_table),
      cmocka_unit_test(test_import_authors),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_corrupt_policy_files),
      cmocka_unit_test(test_corrupt_authors_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
