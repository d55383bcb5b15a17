/* synrl train: flags into an mlp_config (train/mlp_*.c), the run, and what
 * it prints. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/mpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The flags: the library's settings, then how to run. */
typedef struct train_opts {
  mlp_config cfg;
  const char *out, *resume;
  long shards, ckpt_every;
  double ckpt_secs;
  int threads;
  bool quiet, overwrite;
} train_opts;

typedef struct progress_ctx {
  bool tty;
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

static void print_help(const opt_spec *specs) {
  opts_help("usage: synrl train [options]\n\n"
            "Trains a network. With no options: the paper's 2D decision-boundary experiment\n"
            "(2-100-1 tanh, 2000 points, adaptive policy, 10,000 iterations).",
            specs);
  printf("\nPresets (--preset NAME; other flags override it wherever they stand):\n");
  for (int i = 0; i < mlp_preset_count(); i++)
    printf("  %-12s %s\n", mlp_preset_name(i), mlp_preset_about(i));
}

/* A flag given on the command line that the chosen method does not use (a
 * synrl setting with --method gd, or gd's --lr with synrl) would be ignored
 * without a word: refused. The settings' help texts say whose they are. */
static int check_method_flags(const char *prog, const opt_spec *specs, const char *method) {
  const bool gd = strcmp(method, "gd") == 0;
  for (const opt_spec *sp = specs; sp->name; sp++) {
    if (!sp->set || !sp->help) continue;
    const bool synrl_only = strncmp(sp->help, "synrl:", 6) == 0 || strncmp(sp->name, "policy", 6) == 0;
    const bool gd_only = strncmp(sp->help, "gd:", 3) == 0;
    if ((gd && synrl_only) || (!gd && gd_only)) {
      fprintf(stderr, "%s: --%s: not used by --method %s; leave it out\n", prog, sp->name, method);
      return 2;
    }
  }
  return 0;
}

/* Fills o from argv: the preset first, so that flags override it. Returns
 * -1 to go on, else the exit status (help printed, or a bad flag). */
static int parse_flags(train_opts *o, opt_spec *specs, int argc, char **argv) {
  const char *prog = "synrl train";
  memset(o, 0, sizeof *o);
  mlp_config_default(&o->cfg);
  o->ckpt_secs = 60;
  int n = cli_mlp_specs(&o->cfg, specs, 0);
  opt_spec run_specs[] = {
      {"threads", OPT_INT, &o->threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"shards", OPT_LONG, &o->shards, 0, 1 << 20, NULL,
       "under mpirun: split each batch into S shards over the processes (0: one per process); "
       "results do not depend on it"},
      {"out", OPT_STR, &o->out, 0, 0, NULL, "output directory (default runs/PRESET-METHOD-sSEED)"},
      {"quiet", OPT_FLAG, &o->quiet, 0, 0, NULL, "no progress line"},
      {"overwrite", OPT_FLAG, &o->overwrite, 0, 0, NULL,
       "replace a finished run in the output directory (kept until this one is complete)"},
      {"checkpoint-every", OPT_LONG, &o->ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N iterations (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &o->ckpt_secs, 0, 1e9, NULL,
       "... and whenever this many seconds passed since the last (0: not by time); "
       "SIGINT/SIGTERM always write one"},
      {"resume", OPT_STR, &o->resume, 0, 0, NULL,
       "continue the interrupted run in DIR (give the same flags); ends bit-identical"},
  };
  for (size_t i = 0; i < sizeof run_specs / sizeof *run_specs; i++) specs[n++] = run_specs[i];
  specs[n].name = NULL;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      print_help(specs);
      return 0;
    }
  syn_err e = {0};
  for (int i = 0; i < argc; i++) {
    const char *v = strcmp(argv[i], "--preset") == 0 && i + 1 < argc ? argv[i + 1]
                    : strncmp(argv[i], "--preset=", 9) == 0          ? argv[i] + 9
                                                                     : NULL;
    if (v && mlp_preset_apply(v, &o->cfg, &e)) return cli_fail(prog, specs, &e);
  }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  /* without --preset the label says what ran: the default experiment or "custom" */
  const mlp_config *c = &o->cfg;
  if (!opts_find(specs, "preset")->set &&
      !(strcmp(c->task.task, "boundary2d") == 0 && strcmp(c->method, "synrl") == 0 &&
        strcmp(c->policy_mode, "adaptive") == 0))
    o->cfg.preset = "custom";
  if (o->out && !*o->out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    return 2;
  }
  /* a resume is held to the checkpoint's settings, which name the method */
  if (!o->resume && check_method_flags(prog, specs, c->method)) return 2;
  return cli_check_resume_dir(prog, o->resume, o->out) ? 2 : -1;
}

/* The presets' table is named relative to the repository; from another
 * directory, look beside the binary (build/synrl -> data/policies/). */
static void find_preset_policy(mlp_config *c, bool given, char *buf, size_t n) {
  if (!c->policy || given || access(c->policy, R_OK) == 0) return;
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return;
  exe[len] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash) *slash = '\0';
  snprintf(buf, n, "%s/../%s", exe, c->policy);
  if (access(buf, R_OK) == 0) c->policy = buf;
}

static void print_setup(const mlp_run *r, const core_shard *sh) {
  const mlp_config *c = &r->cfg;
  const mlp_task *t = &r->task;
  char shape[256];
  nn_mlp_describe(&r->net, shape, sizeof shape);
  if (strcmp(c->task.task, "images") == 0 && t->test.n == 0)
    fprintf(stderr, "synrl: note: no t10k-*-ubyte[.gz] files in %s: no test set\n", c->task.data_dir);
  fprintf(stderr, "synrl: %s, %s on %s (%zu train, %zu valid, %zu test), network %s, %zu params, %d threads\n",
          c->preset, c->method, c->task.task, t->train.n, t->valid.n, t->test.n, shape,
          r->net.n_params, core_threads());
  if (sh->size > 1)
    fprintf(stderr, "synrl: data-parallel over %d processes, %d shards%s\n", sh->size, sh->shards,
            r->synrl ? "" : " (gd: evaluation only; each process computes every gradient)");
  if (!r->rule->save || !r->rule->load)
    fprintf(stderr, "synrl: note: rule %s has no checkpoint support: an interrupted run cannot resume\n",
            r->rule->name);
}

static void print_after(const mlp_run *r, const char *ckpt_dir) {
  const run_result *res = &r->result;
  if (res->resumed_at)
    fprintf(stderr, "synrl: resumed at iteration %ld from %s/checkpoint.bin\n", res->resumed_at, ckpt_dir);
  if (res->checkpoints)
    fprintf(stderr, "synrl: %ld checkpoint(s) of %zu bytes written to %s/checkpoint.bin, %.3f s in all\n",
            res->checkpoints, res->ckpt_bytes, ckpt_dir, res->ckpt_seconds);
  const synrl_trainer *st = r->synrl;
  if (st && (st->path_used == SYNRL_PATH_Q8_REF || st->path_used == SYNRL_PATH_Q8_FAST))
    fprintf(stderr, "synrl: 8-bit %s path, kernel %s%s, %s loss tail\n",
            st->path_used == SYNRL_PATH_Q8_FAST ? "fast" : "reference", synrl_q8_kernel_name(st),
            core_cpu_has_vnni() || r->cfg.portable ? "" : " (this CPU lacks AVX-512 VNNI)",
            synrl_q8_fused_tail(st) ? "fused" : "general (slower: the fused tail covers softmax-ce with at most one relu/identity hidden layer)");
}

static void print_result(const mlp_run *r, const char *outdir) {
  const run_result *res = &r->result;
  const mlp_config *c = &r->cfg;
  printf("%s %s: %ld iterations in %.1f s%s\n", c->preset, c->method, res->iterations, res->seconds,
         res->aborted ? " (aborted by the abort rule)" : res->stopped_early ? " (stopped: plateau)" : "");
  printf("  train: loss %.6g  accuracy %.2f%%\n", res->train_loss, 100 * res->train_acc);
  if (!isnan(res->valid_acc))
    printf("  valid: loss %.6g  accuracy %.2f%%\n", res->valid_loss, 100 * res->valid_acc);
  if (!isnan(res->test_acc))
    printf("  test:  loss %.6g  accuracy %.2f%%\n", res->test_loss, 100 * res->test_acc);
  if (r->synrl) printf("  path: %s\n", synrl_path_name(r->synrl->path_used));
  printf("  output: %s/{metrics.csv,net.bin%s%s,summary.json}\n", outdir, r->synrl ? ",policy.txt" : "",
         r->task.has_target ? ",target.bin" : "");
}

int cli_train(int argc, char **argv) { return cli_train_ex(argc, argv, true); }

int cli_train_ex(int argc, char **argv, bool data_parallel) {
  const char *prog = "synrl train";
  train_opts o;
  opt_spec specs[96];
  int rc = parse_flags(&o, specs, argc, argv);
  if (rc >= 0) return rc;
  core_set_threads(o.threads);
  char policy_buf[8192];
  find_preset_policy(&o.cfg, opts_find(specs, "policy")->set, policy_buf, sizeof policy_buf);
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
  if (shard.rank != 0) o.quiet = true;
  syn_err e = {0};
  mlp_run run;
  if (mlp_run_prepare(&run, &o.cfg, &e)) return cli_fail(prog, specs, &e);
  char outdir[4096];
  if (o.resume || o.out)
    snprintf(outdir, sizeof outdir, "%s", o.resume ? o.resume : o.out);
  else
    snprintf(outdir, sizeof outdir, "runs/%s-%s-s%llu", o.cfg.preset, o.cfg.method,
             (unsigned long long)o.cfg.seed);
  mlp_run_opts ro;
  mlp_run_opts_default(&ro);
  ro.out_dir = outdir;
  ro.resume = o.resume != NULL;
  ro.ckpt_every = o.ckpt_every;
  ro.ckpt_every_s = o.ckpt_secs;
  ro.shard = &shard;
  /* the command line as typed: "synrl train" and the flags */
  char **cmd = malloc(((size_t)argc + 2) * sizeof *cmd);
  if (cmd) {
    cmd[0] = (char *)"synrl";
    cmd[1] = (char *)"train";
    memcpy(cmd + 2, argv, (size_t)argc * sizeof *cmd);
    ro.argc = argc + 2;
    ro.argv = cmd;
  }
  progress_ctx pc = {.tty = isatty(2)};
  const bool writer = shard.rank == 0;
  if (writer && (rc = cli_claim_dir(prog, outdir, o.overwrite, o.resume != NULL, ro.argc, ro.argv))) {
    mlp_run_free(&run);
    free(cmd);
    return rc;
  }
  if (mlp_run_open(&run, &ro, &e)) {
    rc = cli_fail(prog, specs, &e);
    if (writer) cli_release_dir(outdir, false);
    mlp_run_free(&run);
    free(cmd);
    return rc;
  }
  if (!o.quiet) {
    ro.progress = on_progress;
    ro.progress_user = &pc;
    ro.progress_every_s = pc.tty ? 0.25 : 10.0;
    print_setup(&run, &shard);
  }
  ro.stop = cli_stop_catch();
  syn_status s = mlp_run_train(&run, &ro, &e);
  cli_stop_release();
  if (!s && run.result.interrupted) {
    fprintf(stderr, "%s: interrupted at iteration %ld of %ld; state saved in %s/checkpoint.bin; ", prog,
            run.result.iterations, o.cfg.iterations, outdir);
    cli_print_resume_cmd("train", argc, argv, outdir);
    if (writer) cli_release_dir(outdir, false);
    mlp_run_free(&run);
    free(cmd);
    return 3;
  }
  if (!s && !o.quiet) print_after(&run, outdir);
  if (!s) s = mlp_run_write(&run, &ro, &e);
  if (writer) cli_release_dir(outdir, !s);
  rc = s ? cli_fail(prog, specs, &e) : 0;
  if (!s && shard.rank == 0) print_result(&run, outdir);
  mlp_run_free(&run);
  free(cmd);
  return rc;
}
