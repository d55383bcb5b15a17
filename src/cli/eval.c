/* synrl eval: measure a finished run again from its folder (the settings its
 * summary.json records), or a bare MLP file on a task given by flags. */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void print_figure(const char *name, double v) {
  if (!isnan(v)) printf("%s,%.10g\n", name, v);
}

/* synrl eval RUNDIR: 0 when the measured figure equals the recorded one, 1
 * (one line on stderr) when it differs or cannot be measured. */
static int eval_run_dir(const char *prog, const char *dir) {
  char path[4200];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  run_summary *s = NULL;
  syn_err e = {0};
  if (run_summary_load(&s, path, &e)) {
    if (strstr(e.msg, "\"kind\""))
      fprintf(stderr,
              "%s: %s: summary.json names no kind of run (a run made before synrl 0.2.0); "
              "evaluate its net.bin with --net FILE and the run's task flags\n",
              prog, dir);
    else
      fprintf(stderr, "%s: %s: %s\n", prog, dir, e.msg);
    return 1;
  }
  run_kind kind = run_summary_kind(s);
  run_eval r = {0};
  r.recorded = r.train_acc = r.valid_acc = r.test_acc = NAN;
  syn_status st;
  switch (kind) {
    case RUN_KIND_TRAIN: st = mlp_eval_dir(s, dir, &r, &e); break;
    case RUN_KIND_CLASSIFY: st = cls_eval_dir(s, dir, &r, &e); break;
    case RUN_KIND_RL: st = agent_eval_dir(s, dir, &r, &e); break;
    default:
      fprintf(stderr, "%s: %s: a %s run has no network to evaluate\n", prog, dir, run_kind_name(kind));
      run_summary_free(s);
      return 1;
  }
  run_summary_free(s);
  if (st) {
    fprintf(stderr, "%s: %s: %s%s\n", prog, dir, st == SYN_ERR_UNSUPPORTED ? "unsupported: " : "",
            e.msg);
    return 1;
  }
  const char *metric = r.metric ? r.metric : "value";
  printf("run,%s\nkind,%s\n", dir, run_kind_name(kind));
  print_figure("train_acc", r.train_acc);
  print_figure("valid_acc", r.valid_acc);
  print_figure("test_acc", r.test_acc);
  if (r.episodes) printf("episodes,%ld\n", r.episodes);
  printf("%s measured,%.10g\n%s recorded,%.10g\n", metric, r.value, metric, r.recorded);
  if (isnan(r.recorded)) {
    fprintf(stderr, "%s: %s: the run recorded no %s to compare with\n", prog, dir, metric);
    return 0;
  }
  if (r.value != r.recorded) {
    fprintf(stderr, "%s: %s: measured %s %.10g differs from the run's recorded %.10g\n", prog, dir,
            metric, r.value, r.recorded);
    return 1;
  }
  return 0;
}

int cli_eval(int argc, char **argv) {
  const char *prog = "synrl eval";
  task_opts t;
  task_opts_default(&t);
  const char *net_path = NULL;
  uint64_t seed = 1;
  opt_spec specs[32] = {
      {"net", OPT_STR, &net_path, 0, 0, NULL, "network file written by synrl train (net.bin)"},
      {"seed", OPT_U64, &seed, 0, 0, NULL, "the training run's seed (picks the boundary / split)"},
  };
  int n = task_opts_specs(&t, specs, 2);
  specs[n].name = NULL;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl eval RUNDIR\n"
                "       synrl eval --net FILE [task options]\n\n"
                "RUNDIR: measures a finished train, classify or rl run again from the settings\n"
                "its summary.json records and prints the figure beside the run's own; exit 1\n"
                "when they differ. --net: loss and accuracy of a saved MLP on each split of a\n"
                "task given by the options below (the training run's task options and seed).",
                specs);
      return 0;
    }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 1, &npos)) return 2;
  if (npos == 1) {
    /* the run fixes its task, network and seed: a flag could only contradict it */
    for (int i = 0; i < n; i++)
      if (specs[i].set) {
        fprintf(stderr, "%s: --%s: RUNDIR's summary.json fixes the run; give RUNDIR alone\n", prog,
                specs[i].name);
        return 2;
      }
    return eval_run_dir(prog, pos[0]);
  }
  if (!net_path) {
    fprintf(stderr, "%s: give RUNDIR, or --net FILE with the task's options\n", prog);
    return 2;
  }
  syn_err e = {0};
  nn_mlp net;
  if (nn_mlp_load(&net, net_path, &e)) {
    fprintf(stderr, "%s: --net: %s\n", prog, e.msg);
    return 1;
  }
  task_data td;
  int rc = task_prepare(prog, &t, seed, &td);
  if (rc) {
    nn_mlp_destroy(&net);
    return rc;
  }
  if (net.widths[0] != td.train.in_dim || net.widths[net.n_layers] != td.train.out_dim) {
    fprintf(stderr, "%s: --net %s: network takes %d inputs and gives %d outputs; the task has %d and %d\n",
            prog, net_path, net.widths[0], net.widths[net.n_layers], td.train.in_dim, td.train.out_dim);
    nn_mlp_destroy(&net);
    task_free(&td);
    return 1;
  }
  const data_set *sets[3] = {&td.train, &td.valid, &td.test};
  const char *names[3] = {"train", "valid", "test"};
  printf("split,examples,loss,accuracy\n");
  for (int i = 0; i < 3; i++) {
    if (!sets[i]->n) continue;
    double loss, acc;
    run_evaluate(&net, sets[i], td.loss, td.acc, &loss, &acc);
    printf("%s,%zu,%.10g,%.6f\n", names[i], sets[i]->n, loss, acc);
  }
  nn_mlp_destroy(&net);
  task_free(&td);
  return 0;
}
