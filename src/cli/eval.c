#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
      opts_help("usage: synrl eval --net FILE [task options]\n\n"
                "Loss and accuracy of a saved network on each split of a task. Give the same\n"
                "task options and seed as the training run to see the same data.",
                specs);
      return 0;
    }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  if (!net_path) {
    fprintf(stderr, "%s: --net FILE is required\n", prog);
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
