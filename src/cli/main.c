/* synrl: the command-line tool. Only this layer prints and exits. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/mpi.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f) {
  fprintf(f,
      "synrl %s: neural networks trained by reward-driven, synapse-level learning rules\n\n"
      "usage: synrl COMMAND [options]\n\n"
      "commands:\n"
      "  train         train an MLP by synaptic RL or gradient descent (with no options: the\n"
      "                paper's 2D experiment, adaptive policy);\n"
      "                under mpirun, data-parallel over the processes\n"
      "  sweep         run a grid of train/classify/rl/policy-learn runs (--jobs N, or MPI ranks)\n"
      "  eval          measure a run folder again (or a saved network on a task)\n"
      "  policy show   print a policy's greedy action per state\n"
      "  policy import convert the authors' published table to a synrl policy file\n"
      "  policy learn  learn a static policy over a stream of tasks (transfer-scored)\n"
      "  policy compare apply frozen tables to the same held-out tasks\n"
      "  export        write a run's (or a file's) network(s) as safetensors\n"
      "  plot          draw PNG figures: 2D decision boundaries, training curves, run groups\n"
      "  rl            train a coagent network on an RL task (Weight Max, MAP prop, ...)\n"
      "  classify      DeepAGREL (BrainProp) or backprop on a dense/conv/loccon image network\n"
      "  data letters  render a notMNIST-like set (A-J from fonts) as IDX files\n\n"
      "Run 'synrl COMMAND --help' for a command's options and defaults.\n",
      core_version());
}


static int dispatch(int argc, char **argv) {
  if (argc < 2) { /* no command: say what there is, start nothing */
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "train") == 0) return cli_train(argc - 2, argv + 2);
  if (strcmp(cmd, "sweep") == 0) return cli_sweep(argc - 2, argv + 2);
  if (strcmp(cmd, "eval") == 0) return cli_eval(argc - 2, argv + 2);
  if (strcmp(cmd, "policy") == 0) return cli_policy(argc - 2, argv + 2);
  if (strcmp(cmd, "export") == 0) return cli_export(argc - 2, argv + 2);
  if (strcmp(cmd, "plot") == 0) return cli_plot(argc - 2, argv + 2);
  if (strcmp(cmd, "rl") == 0) return cli_rl(argc - 2, argv + 2);
  if (strcmp(cmd, "classify") == 0) return cli_classify(argc - 2, argv + 2);
  if (strcmp(cmd, "data") == 0) return cli_data(argc - 2, argv + 2);
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("synrl %s (MPI: %s)\n", core_version(), cli_mpi_available() ? "yes" : "no");
    return 0;
  }
  fprintf(stderr, "synrl: unknown command '%s' (see synrl --help)\n", cmd);
  return 2;
}

/* Output that was asked for and could not be written (a full device, a
 * closed descriptor) is a failure, not a success. */
static int check_stdout(int rc) {
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout)) return rc;
  /* a reader that went away on purpose (`| head -1`) is not a failure */
  if (errno == EPIPE) return rc;
  fprintf(stderr, "synrl: standard output: %s\n", errno ? strerror(errno) : "write error");
  return rc ? rc : 1;
}

/* OpenMP threads that wait by spinning make a run 3-4x slower when another
 * process holds one of the cores (docs/performance.md, "Threads on a shared
 * machine"). libgomp reads OMP_WAIT_POLICY when it loads, before main, so an
 * unset policy becomes "passive" through one re-exec of this program; a user
 * who wants spinning sets OMP_WAIT_POLICY=active. */
static void wait_policy_passive(char **argv) {
  if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("OMP_WAIT_POLICY"); /* no /proc: carry on as before */
}

int main(int argc, char **argv) {
  wait_policy_passive(argv);
  /* A reader that went away (`synrl train | head -1`) must not kill a run:
   * writes then fail with EPIPE, progress is dropped, training goes on. */
  signal(SIGPIPE, SIG_IGN);
  blas_init();
  if (cli_mpi_init(&argc, &argv)) return 2;
  int rc = check_stdout(dispatch(argc, argv));
  cli_mpi_finish(rc);
  return rc;
}
