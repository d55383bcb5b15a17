/* synrl: the command-line tool. Only this layer prints and exits. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(void) {
  printf(
      "synrl %s: neural networks trained by reward-driven, synapse-level learning rules\n\n"
      "usage: synrl COMMAND [options]\n\n"
      "commands:\n"
      "  train         train a network (default: the paper's 2D experiment, adaptive policy)\n"
      "  eval          evaluate a saved network on a task\n"
      "  policy show   print a policy's greedy action per state\n"
      "  policy import convert the authors' published table to a synrl policy file\n"
      "  classify      DeepAGREL (BrainProp) or backprop on a dense/conv/loccon image network\n\n"
      "Run 'synrl COMMAND --help' for a command's options and defaults.\n",
      SYNRL_VERSION);
}

int main(int argc, char **argv) {
  blas_init();
  if (argc < 2) return cli_train(0, argv + 1);
  const char *cmd = argv[1];
  if (strcmp(cmd, "train") == 0) return cli_train(argc - 2, argv + 2);
  if (strcmp(cmd, "eval") == 0) return cli_eval(argc - 2, argv + 2);
  if (strcmp(cmd, "policy") == 0) return cli_policy(argc - 2, argv + 2);
  if (strcmp(cmd, "classify") == 0) return cli_classify(argc - 2, argv + 2);
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage();
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("synrl %s\n", SYNRL_VERSION);
    return 0;
  }
  fprintf(stderr, "synrl: unknown command '%s' (see synrl --help)\n", cmd);
  return 2;
}
