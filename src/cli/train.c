#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/mpi.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct train_opts {
  task_opts task;
  const char *preset, *method, *policy, *policy_mode, *out, *path, *resume;
  long iterations, batch, batch_every, eval_every, halve_at, abort_after, patience, shards, ckpt_every;
  double epsilon, alpha_s, alpha_q, gamma, lr, abort_below, ckpt_secs;
  int bias_step, threads;
  uint64_t seed;
  bool quiet, portable;
} train_opts;

static void train_defaults(train_opts *o) {
  memset(o, 0, sizeof *o);
  task_opts_default(&o->task);
  o->preset = "2d-adaptive";
  o->method = "synrl";
  o->policy_mode = "adaptive";
  o->path = "auto";
  o->iterations = 10000;
  o->batch = 0;
  o->batch_every = 1;
  o->eval_every = 100;
  o->epsilon = 0.25;
  o->alpha_s = 1e-3;
  o->alpha_q = 0.01;
  o->gamma = 0.9;
  o->lr = 0.1;
  o->bias_step = 1;
  o->seed = 1;
  o->ckpt_secs = 60;
}

/* Presets: the paper's settings (reference/synrl-authors-code.md). Flags given
 * on the command line override them. */
static int apply_preset(train_opts *o, const char *name) {
  if (strcmp(name, "2d-adaptive") == 0) return 0; /* the defaults */
  if (strcmp(name, "2d-static") == 0) {
    o->policy_mode = "static";
    return 0;
  }
  bool gd = strcmp(name, "gd-ocr-0hu") == 0 || strcmp(name, "gd-ocr-32hu") == 0;
  if (!gd && strcmp(name, "ocr-0hu") != 0 && strcmp(name, "ocr-32hu") != 0) return -1;
  bool ocr0 = strstr(name, "ocr-0hu") != NULL, ocr32 = !ocr0;
  o->task.task = "images";
  o->task.hidden = ocr32 ? "32" : "0";
  o->task.act = "relu";
  o->task.init_range = 0.1;
  o->eval_every = 1000;
  if (gd) {
    o->method = "gd";
    o->lr = 0.1;
    o->batch = 0;
    o->eval_every = 10;
    o->iterations = ocr32 ? 500 : 5000;
    if (ocr0) o->task.init_range = 1.0; /* the authors' 0 HU notebook */
    return 0;
  }
  o->method = "synrl";
  o->policy_mode = "static";
  o->policy = "data/policies/authors-golden.tsv";
  o->batch = 5000;
  o->batch_every = 5000;
  o->alpha_s = 1e-4;
  o->epsilon = 0.1;
  o->iterations = ocr32 ? 500000 : 200000;
  o->halve_at = ocr32 ? 60000 : 0;
  return 0;
}

int cli_make_dirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  return 0;
}

typedef struct progress_ctx {
  bool tty;
  int n_printed;
} progress_ctx;

static void fmt_pct(char *b, size_t n, double v) {
  if (isnan(v))
    snprintf(b, n, "  -   ");
  else
    snprintf(b, n, "%6.2f%%", 100 * v);
}

static void on_progress(void *user, const run_progress *p) {
  progress_ctx *c = user;
  char tr[16], va[16];
  fmt_pct(tr, sizeof tr, p->train_acc);
  fmt_pct(va, sizeof va, p->valid_acc);
  fprintf(stderr, "%siter %ld/%ld  loss %.6g  train %s  valid %s  %.0f it/s  %s %.0fs%s",
          c->tty ? "\r\033[K" : "", p->iter, p->iterations, p->batch_loss, tr, va, p->iters_per_sec,
          p->final ? "took" : "eta", p->final ? p->elapsed : p->eta,
          c->tty && !p->final ? "" : "\n");
  fflush(stderr);
}

/* A JSON string literal (quotes, backslashes and control characters escaped). */
static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static int write_summary(const char *dir, const train_opts *o, const task_data *td,
                         const nn_mlp *net, const run_result *r, const char *path_used,
                         const synrl_trainer *st, const core_shard *sh) {
  char p[4200], tmp[4300];
  snprintf(p, sizeof p, "%s/summary.json", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", p);
  FILE *f = fopen(tmp, "w");
  if (!f) return -1;
  char shape[256];
  nn_mlp_describe(net, shape, sizeof shape);
  fprintf(f, "{\n  \"synrl_version\": \"%s\",\n  \"preset\": ", core_version());
  json_str(f, o->preset);
  fprintf(f, ",\n  \"task\": \"%s\",\n", o->task.task);
  fprintf(f, "  \"method\": \"%s\",\n  \"network\": \"%s\",\n  \"params\": %zu,\n", o->method,
          shape, net->n_params);
  fprintf(f, "  \"seed\": %llu,\n  \"threads\": %d,\n  \"iterations\": %ld,\n",
          (unsigned long long)o->seed, core_threads(), r->iterations);
  fprintf(f, "  \"processes\": %d,\n  \"shards\": %d,\n  \"bytes_sent_per_iteration\": %.1f,\n",
          sh->size, sh->shards,
          r->iterations > 0 ? (double)sh->bytes_sent / (double)r->iterations : 0.0);
  fprintf(f, "  \"train_examples\": %zu,\n  \"valid_examples\": %zu,\n  \"test_examples\": %zu,\n",
          td->train.n, td->valid.n, td->test.n);
  if (strcmp(o->method, "synrl") == 0) {
    fprintf(f, "  \"policy_mode\": \"%s\",\n  \"policy\": ", o->policy_mode);
    json_str(f, o->policy ? o->policy : "");
    fprintf(f, ",\n  \"path\": \"%s\",\n", path_used);
    fprintf(f, "  \"epsilon\": %.17g,\n  \"alpha_s\": %.17g,\n  \"alpha_q\": %.17g,\n  \"gamma\": %.17g,\n",
            o->epsilon, o->alpha_s, o->alpha_q, o->gamma);
    fprintf(f, "  \"halve_at\": %ld,\n  \"batch\": %ld,\n  \"batch_every\": %ld,\n  \"bias_step\": %d,\n",
            o->halve_at, o->batch, o->batch_every, o->bias_step);
    fprintf(f, "  \"positive_reward_fraction\": %.6f,\n",
            st->iter ? (double)st->n_pos / (double)st->iter : 0.0);
  } else {
    fprintf(f, "  \"lr\": %.17g,\n  \"batch\": %ld,\n", o->lr, o->batch);
  }
  const char *names[] = {"batch_loss", "train_loss", "train_acc", "valid_loss", "valid_acc",
                         "test_loss", "test_acc"};
  double vals[] = {r->batch_loss, r->train_loss, r->train_acc, r->valid_loss, r->valid_acc,
                   r->test_loss, r->test_acc};
  for (int i = 0; i < 7; i++) {
    if (isnan(vals[i]))
      fprintf(f, "  \"%s\": null,\n", names[i]);
    else
      fprintf(f, "  \"%s\": %.10g,\n", names[i], vals[i]);
  }
  fprintf(f, "  \"aborted\": %s,\n  \"stopped_early\": %s,\n  \"seconds\": %.3f,\n  \"cpu_seconds\": %.3f,\n",
          r->aborted ? "true" : "false", r->stopped_early ? "true" : "false", r->seconds,
          r->cpu_seconds);
  fprintf(f, "  \"params_fnv1a64\": \"%016llx\"\n}\n",
          (unsigned long long)core_fnv1a64(net->params, net->n_params * sizeof(double),
                                           CORE_FNV_INIT));
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, p) != 0) {
    remove(tmp);
    return -1;
  }
  return 0;
}

/* Options that do not change the results: left out of a checkpoint's settings. */
static const char *const result_neutral[] = {"threads",         "quiet",  "out", "checkpoint-every",
                                             "checkpoint-secs", "resume", NULL};

/* The settings that fix a run (cli_settings_text), and checksums of the
 * starting policy and of the data, so that a checkpoint is resumed only by
 * the run that wrote it. */
static char *config_text(const opt_spec *specs, const synrl_policy *policy, const task_data *td) {
  char extra[1024];
  snprintf(extra, sizeof extra, "policy_fnv1a64=%016llx\n",
           (unsigned long long)core_fnv1a64(policy->q, sizeof policy->q, CORE_FNV_INIT));
  const data_set *sets[3] = {&td->train, &td->valid, &td->test};
  for (int i = 0; i < 3; i++) cli_settings_data(extra, sizeof extra, i, sets[i]);
  return cli_settings_text(specs, result_neutral, extra);
}

/* The command line to resume with: the same arguments, --resume DIR last. */
static void print_resume_hint(const char *prog, int argc, char **argv, const char *dir, long it,
                              long iterations) {
  fprintf(stderr, "%s: interrupted at iteration %ld of %ld; state saved in %s/checkpoint.bin; ", prog, it,
          iterations, dir);
  cli_print_resume_cmd("train", argc, argv, dir);
}

int cli_train(int argc, char **argv) { return cli_train_ex(argc, argv, true); }

int cli_train_ex(int argc, char **argv, bool data_parallel) {
  const char *prog = "synrl train";
  train_opts o;
  train_defaults(&o);
  /* the preset is applied first so that flags override it */
  for (int i = 0; i < argc; i++) {
    const char *v = NULL;
    if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) v = argv[i + 1];
    if (strncmp(argv[i], "--preset=", 9) == 0) v = argv[i] + 9;
    if (v) {
      if (apply_preset(&o, v)) {
        fprintf(stderr,
                "%s: --preset: '%s' is not one of 2d-adaptive|2d-static|ocr-0hu|ocr-32hu|gd-ocr-0hu|gd-ocr-32hu\n",
                prog, v);
        return 2;
      }
      o.preset = v;
    }
  }
  opt_spec specs[64] = {
      {"preset", OPT_STR, &o.preset, 0, 0, NULL,
       "2d-adaptive|2d-static|ocr-0hu|ocr-32hu|gd-ocr-0hu|gd-ocr-32hu (flags override it)"},
      {"method", OPT_CHOICE, &o.method, 0, 0, "synrl|gd", "learning rule"},
      {"iterations", OPT_LONG, &o.iterations, 0, 1e12, NULL, "iterations (GD: full-batch epochs)"},
      {"batch", OPT_LONG, &o.batch, 0, 1e9, NULL, "minibatch size (0: the whole training set)"},
      {"batch-every", OPT_LONG, &o.batch_every, 1, 1e12, NULL, "draw a new minibatch every K iterations"},
      {"eval-every", OPT_LONG, &o.eval_every, 1, 1e12, NULL, "evaluate on the full sets every N iterations"},
      {"policy", OPT_STR, &o.policy, 0, 0, NULL,
       "policy file (synrl format or the authors' TSV); adaptive runs start from zero without it"},
      {"policy-mode", OPT_CHOICE, &o.policy_mode, 0, 0, "adaptive|static",
       "adaptive: learn the Q table while training; static: apply it frozen"},
      {"epsilon", OPT_DOUBLE, &o.epsilon, 0, 1, NULL, "synrl: exploration probability"},
      {"alpha-s", OPT_DOUBLE, &o.alpha_s, 1e-300, 1e6, NULL, "synrl: synaptic step"},
      {"alpha-q", OPT_DOUBLE, &o.alpha_q, 0, 1, NULL, "synrl: Q-learning rate"},
      {"gamma", OPT_DOUBLE, &o.gamma, 0, 1, NULL, "synrl: discount"},
      {"halve-at", OPT_LONG, &o.halve_at, 0, 1e12, NULL, "synrl: halve alpha-s from this iteration (0: never)"},
      {"bias-step", OPT_INT, &o.bias_step, 1, 2, NULL,
       "synrl: bias synapses step by this many alpha-s (the authors' code: 2)"},
      {"path", OPT_CHOICE, &o.path, 0, 0, "auto|general|q8-ref|q8-fast|small",
       "synrl: computation path (auto: q8-fast for 8-bit inputs, else general; small: 2D-sized "
       "regression nets without BLAS, own tanh)"},
      {"portable", OPT_FLAG, &o.portable, 0, 0, NULL,
       "synrl: portable kernels even where AVX-512 VNNI is present (same results)"},
      {"lr", OPT_DOUBLE, &o.lr, 1e-300, 1e6, NULL, "gd: learning rate"},
      {"abort-after", OPT_LONG, &o.abort_after, 0, 1e12, NULL, "the authors' abort rule: check at this iteration"},
      {"abort-below", OPT_DOUBLE, &o.abort_below, 0, 1, NULL, "... stop if training accuracy is below this (0: off)"},
      {"patience", OPT_LONG, &o.patience, 0, 1e12, NULL,
       "stop when validation accuracy has not improved for N evaluations (0: off)"},
      {"seed", OPT_U64, &o.seed, 0, 0, NULL, "seed: fixes the whole run"},
      {"threads", OPT_INT, &o.threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"shards", OPT_LONG, &o.shards, 0, 1 << 20, NULL,
       "under mpirun: split each batch into S shards over the processes (0: one per process); "
       "results do not depend on it"},
      {"out", OPT_STR, &o.out, 0, 0, NULL, "output directory (default runs/PRESET-METHOD-sSEED)"},
      {"quiet", OPT_FLAG, &o.quiet, 0, 0, NULL, "no progress line"},
      {"checkpoint-every", OPT_LONG, &o.ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N iterations (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &o.ckpt_secs, 0, 1e9, NULL,
       "... and whenever this many seconds passed since the last (0: not by time); "
       "SIGINT/SIGTERM always write one"},
      {"resume", OPT_STR, &o.resume, 0, 0, NULL,
       "continue the interrupted run in DIR (give the same flags); ends bit-identical"},
  };
  int n = 0;
  while (specs[n].name) n++;
  n = task_opts_specs(&o.task, specs, n);
  specs[n].name = NULL;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl train [options]\n\n"
                "Trains a network. With no options: the paper's 2D decision-boundary experiment\n"
                "(2-100-1 tanh, 2000 points, adaptive policy, 10,000 iterations).",
                specs);
      return 0;
    }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  /* without --preset the label says what ran: the default experiment or "custom" */
  if (!opts_find(specs, "preset")->set &&
      !(strcmp(o.task.task, "boundary2d") == 0 && strcmp(o.method, "synrl") == 0 &&
        strcmp(o.policy_mode, "adaptive") == 0))
    o.preset = "custom";
  if (o.out && !*o.out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    return 2;
  }
  if (o.abort_below > 0 && (o.abort_after < 1 || o.abort_after > o.iterations)) {
    fprintf(stderr, "%s: --abort-below needs --abort-after between 1 and --iterations (%ld)\n",
            prog, o.iterations);
    return 2;
  }
  if (strcmp(o.method, "synrl") == 0 && o.iterations > 2000000000L) {
    /* a synapse's int32 step counter must not overflow */
    fprintf(stderr, "%s: --iterations: at most 2,000,000,000 for synaptic RL\n", prog);
    return 2;
  }
  if (strcmp(o.method, "synrl") == 0 && strcmp(o.policy_mode, "static") == 0 && !o.policy) {
    fprintf(stderr, "%s: --policy-mode static needs --policy FILE\n", prog);
    return 2;
  }
  core_set_threads(o.threads);
  /* The presets' table is named relative to the repository; from another
   * directory, look beside the binary (build/synrl -> data/policies/). */
  char policy_buf[8192];
  if (o.policy && !opts_find(specs, "policy")->set && access(o.policy, R_OK) != 0) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      exe[n] = '\0';
      char *slash = strrchr(exe, '/');
      if (slash) *slash = '\0';
      snprintf(policy_buf, sizeof policy_buf, "%s/../%s", exe, o.policy);
      if (access(policy_buf, R_OK) == 0) o.policy = policy_buf;
    }
  }
  /* Under mpirun every process runs the same flags and seed, so all draw the
   * same steps and keep the same weights; they exchange only partial losses.
   * Rank 0 alone writes. */
  core_shard shard;
  if (data_parallel) {
    if (cli_mpi_shard(&shard, o.shards, prog)) return 2;
  } else {
    memset(&shard, 0, sizeof shard);
    shard.size = shard.shards = 1;
  }
  const bool writer = shard.rank == 0;
  if (!writer) o.quiet = true;

  /* policy first: a bad file should fail before minutes of data loading */
  synrl_policy policy;
  memset(&policy, 0, sizeof policy);
  syn_err e = {0};
  if (strcmp(o.method, "synrl") == 0 && o.policy && synrl_policy_read(&policy, o.policy, &e)) {
    fprintf(stderr, "%s: --policy: %s\n", prog, e.msg);
    return 1;
  }
  task_data td;
  int rc = task_prepare(prog, &o.task, o.seed, &td);
  if (rc) return rc;
  if (o.batch > 0 && (size_t)o.batch > td.train.n) {
    fprintf(stderr, "%s: --batch %ld exceeds the %zu training examples\n", prog, o.batch, td.train.n);
    task_free(&td);
    return 2;
  }

  if (cli_check_resume_dir(prog, o.resume, o.out)) {
    task_free(&td);
    return 2;
  }
  char *config = config_text(specs, &policy, &td);
  if (!config) {
    fprintf(stderr, "%s: out of memory\n", prog);
    task_free(&td);
    return 1;
  }
  char outdir[4096], ckpt_path[4200];
  if (o.resume)
    snprintf(outdir, sizeof outdir, "%s", o.resume);
  else if (o.out)
    snprintf(outdir, sizeof outdir, "%s", o.out);
  else
    snprintf(outdir, sizeof outdir, "runs/%s-%s-s%llu", o.preset, o.method, (unsigned long long)o.seed);
  snprintf(ckpt_path, sizeof ckpt_path, "%s/checkpoint.bin", outdir);
  if (o.resume && run_checkpoint_check(ckpt_path, config, &e)) {
    fprintf(stderr, "%s: --resume: %s\n", prog, e.msg);
    free(config);
    task_free(&td);
    return e.code == SYN_ERR_IO ? 1 : 2;
  }
  if (writer && cli_make_dirs(outdir)) {
    fprintf(stderr, "%s: --out %s: cannot create directory: %s\n", prog, outdir, strerror(errno));
    free(config);
    task_free(&td);
    return 1;
  }
  /* summary.json marks a finished run: drop one left by an earlier run in
   * this directory, whose other files this run replaces */
  const char *outputs[] = {"summary.json", "metrics.csv", "net.bin", "policy.txt", "target.bin",
                           "checkpoint.bin"};
  /* and the temporary files of a run that was killed while writing (rank 0
   * alone: another rank would delete the files rank 0 is writing) */
  const size_t n_out = sizeof outputs / sizeof *outputs;
  if (writer) cli_clear_outputs(outdir, outputs, n_out, n_out - (o.resume != NULL));

  nn_mlp net;
  if (nn_mlp_create(&net, td.n_layers, td.widths, td.act, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    task_free(&td);
    free(config);
    return 1;
  }
  rng_t init_rng;
  rng_seed(&init_rng, o.seed, 0x1417);
  nn_mlp_init_uniform(&net, o.task.init_range, &init_rng);

  size_t max_batch = o.batch > 0 ? (size_t)o.batch : td.train.n;
  learn_rule *rule = NULL;
  synrl_trainer *st = NULL;
  if (strcmp(o.method, "synrl") == 0) {
    synrl_config sc;
    synrl_config_default(&sc);
    sc.epsilon = o.epsilon;
    sc.alpha_s = o.alpha_s;
    sc.alpha_q = o.alpha_q;
    sc.gamma = o.gamma;
    sc.adaptive = strcmp(o.policy_mode, "adaptive") == 0;
    sc.bias_step = o.bias_step;
    sc.halve_at = o.halve_at;
    sc.seed = o.seed;
    sc.portable = o.portable;
    sc.shard = &shard;
    sc.path = strcmp(o.path, "general") == 0   ? SYNRL_PATH_GENERAL
              : strcmp(o.path, "q8-ref") == 0  ? SYNRL_PATH_Q8_REF
              : strcmp(o.path, "q8-fast") == 0 ? SYNRL_PATH_Q8_FAST
              : strcmp(o.path, "small") == 0   ? SYNRL_PATH_SMALL
                                               : SYNRL_PATH_AUTO;
    if (sc.path == SYNRL_PATH_SMALL && td.loss == NN_LOSS_SOFTMAX_CE) {
      fprintf(stderr, "%s: --path small trains regression networks (--task boundary2d)\n", prog);
      nn_mlp_destroy(&net);
      task_free(&td);
      return 2;
    }
    if ((sc.path == SYNRL_PATH_Q8_REF || sc.path == SYNRL_PATH_Q8_FAST) && !td.train.x_u8) {
      fprintf(stderr, "%s: --path %s needs 8-bit inputs (--task images)\n", prog, o.path);
      nn_mlp_destroy(&net);
      task_free(&td);
      free(config);
      return 2;
    }
    if (synrl_trainer_create(&st, &net, td.loss, &policy, &sc, max_batch, &e) == SYN_OK)
      rule = &st->rule;
  } else {
    gd_config gc = {.lr = o.lr};
    gd_create(&rule, &net, td.loss, &gc, max_batch, &e);
  }
  if (!rule) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    nn_mlp_destroy(&net);
    task_free(&td);
    free(config);
    return 1;
  }

  run_config rc_;
  run_config_default(&rc_);
  rc_.iterations = o.iterations;
  rc_.batch_size = (size_t)o.batch;
  rc_.batch_every = o.batch_every;
  rc_.eval_every = o.eval_every;
  rc_.abort_after = o.abort_after;
  rc_.abort_below = o.abort_below;
  rc_.patience = o.patience;
  rc_.seed = o.seed;
  rc_.acc = td.acc;
  rc_.out_dir = writer ? outdir : NULL;
  rc_.shard = &shard;
  /* rank 0 alone writes checkpoints; every rank resumes from them */
  rc_.ckpt_path = writer ? ckpt_path : NULL;
  rc_.ckpt_every = o.ckpt_every;
  rc_.ckpt_every_s = o.ckpt_secs;
  rc_.ckpt_config = config;
  rc_.resume_path = o.resume ? ckpt_path : NULL;
  progress_ctx pc = {.tty = isatty(2)};
  if (!o.quiet) {
    rc_.progress = on_progress;
    rc_.progress_user = &pc;
    rc_.progress_every_s = pc.tty ? 0.25 : 10.0;
  }
  char shape[256];
  nn_mlp_describe(&net, shape, sizeof shape);
  if (!o.quiet && strcmp(o.task.task, "images") == 0 && td.test.n == 0)
    fprintf(stderr, "synrl: note: no t10k-*-ubyte[.gz] files in %s: no test set\n", o.task.data_dir);
  if (!o.quiet)
    fprintf(stderr, "synrl: %s, %s on %s (%zu train, %zu valid, %zu test), network %s, %zu params, %d threads\n",
            o.preset, o.method, o.task.task, td.train.n, td.valid.n, td.test.n, shape, net.n_params,
            core_threads());
  if (!o.quiet && shard.size > 1)
    fprintf(stderr, "synrl: data-parallel over %d processes, %d shards%s\n", shard.size, shard.shards,
            strcmp(o.method, "synrl") ? " (gd: evaluation only; each process computes every gradient)" : "");
  if (!o.quiet && (!rule->save || !rule->load))
    fprintf(stderr, "synrl: note: rule %s has no checkpoint support: an interrupted run cannot resume\n",
            rule->name);
  run_result res;
  rc_.stop = cli_stop_catch();
  syn_status s = run_train(rule, &td.train, &td.valid, &td.test, &rc_, &res, &e);
  cli_stop_release();
  free(config);
  if (!s && res.interrupted) {
    print_resume_hint(prog, argc, argv, outdir, res.iterations, o.iterations);
    learn_rule_destroy(rule);
    nn_mlp_destroy(&net);
    task_free(&td);
    return 3;
  }
  if (!s && !o.quiet && res.resumed_at)
    fprintf(stderr, "synrl: resumed at iteration %ld from %s\n", res.resumed_at, ckpt_path);
  if (!s && !o.quiet && res.checkpoints)
    fprintf(stderr, "synrl: %ld checkpoint(s) of %zu bytes written to %s, %.3f s in all\n",
            res.checkpoints, res.ckpt_bytes, ckpt_path, res.ckpt_seconds);
  const char *path_used = st ? synrl_path_name(st->path_used) : "n/a";
  if (st && !o.quiet && (st->path_used == SYNRL_PATH_Q8_REF || st->path_used == SYNRL_PATH_Q8_FAST))
    fprintf(stderr, "synrl: 8-bit %s path, kernel %s%s, %s loss tail\n",
            st->path_used == SYNRL_PATH_Q8_FAST ? "fast" : "reference", synrl_q8_kernel_name(st),
            core_cpu_has_vnni() || o.portable ? "" : " (this CPU lacks AVX-512 VNNI)",
            synrl_q8_fused_tail(st) ? "fused" : "general (slower: the fused tail covers softmax-ce with at most one relu/identity hidden layer)");
  int ret = 0;
  if (s) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    ret = 1;
  } else if (writer) {
    char p[4200];
    snprintf(p, sizeof p, "%s/net.bin", outdir);
    if (nn_mlp_save(&net, p, &e)) {
      fprintf(stderr, "%s: %s\n", prog, e.msg);
      ret = 1;
    }
    if (!ret && st) {
      snprintf(p, sizeof p, "%s/policy.txt", outdir);
      char comment[256];
      snprintf(comment, sizeof comment, "%s policy after %ld iterations, preset %s, seed %llu",
               st->cfg.adaptive ? "adaptive" : "static", st->iter, o.preset,
               (unsigned long long)o.seed);
      if (synrl_policy_save(&policy, p, comment, &e)) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        ret = 1;
      }
    }
    if (!ret && td.has_target) {
      snprintf(p, sizeof p, "%s/target.bin", outdir);
      if (nn_mlp_save(&td.target, p, &e)) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        ret = 1;
      }
    }
    if (!ret && write_summary(outdir, &o, &td, &net, &res, path_used, st, &shard)) {
      fprintf(stderr, "%s: %s/summary.json: write failed\n", prog, outdir);
      ret = 1;
    }
    if (!ret) unlink(ckpt_path); /* the run is complete: nothing to resume */
    if (!ret) {
      printf("%s %s: %ld iterations in %.1f s%s\n", o.preset, o.method, res.iterations, res.seconds,
             res.aborted ? " (aborted by the abort rule)" : res.stopped_early ? " (stopped: plateau)" : "");
      printf("  train: loss %.6g  accuracy %.2f%%\n", res.train_loss, 100 * res.train_acc);
      if (!isnan(res.valid_acc))
        printf("  valid: loss %.6g  accuracy %.2f%%\n", res.valid_loss, 100 * res.valid_acc);
      if (!isnan(res.test_acc))
        printf("  test:  loss %.6g  accuracy %.2f%%\n", res.test_loss, 100 * res.test_acc);
      if (st) printf("  path: %s\n", path_used);
      printf("  output: %s/{metrics.csv,net.bin%s%s,summary.json}\n", outdir, st ? ",policy.txt" : "",
             td.has_target ? ",target.bin" : "");
    }
  }
  if (ret && writer) {
    /* a failed run leaves no metrics that look like a finished run's */
    char metrics_path[4200];
    snprintf(metrics_path, sizeof metrics_path, "%s/metrics.csv", outdir);
    unlink(metrics_path);
  }
  learn_rule_destroy(rule);
  nn_mlp_destroy(&net);
  task_free(&td);
  return ret;
}
