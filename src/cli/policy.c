#include "cli/cli.h"
#include "core/fileio.h"

#include <stdio.h>
#include <string.h>

static const char *ACT = "-0+";
static const char *REW = "-?+";

/* The greedy action per state: one row per reward history, one column per
 * action history. */
static void print_greedy(const synrl_policy *p, bool with_q) {
  printf("greedy action per state: rows r(t-2) r(t-1), columns a(t-2) a(t-1)\n");
  printf("actions: - decrease, 0 null, + increase; rewards: - (-1), ? (none yet), + (+1)\n\n");
  printf("r2 r1 |");
  for (int a1 = 0; a1 < 3; a1++)
    for (int a2 = 0; a2 < 3; a2++) printf("  %c%c", ACT[a2], ACT[a1]);
  printf("\n------+------------------------------------\n");
  for (int r1 = 0; r1 < 3; r1++)
    for (int r2 = 0; r2 < 3; r2++) {
      printf(" %c  %c |", REW[r2], REW[r1]);
      for (int a1 = 0; a1 < 3; a1++)
        for (int a2 = 0; a2 < 3; a2++)
          printf("   %c", ACT[synrl_policy_greedy(p, synrl_state_index(a2, a1, r2, r1))]);
      printf("\n");
    }
  if (with_q) {
    printf("\na2 a1 r2 r1 %12s %12s %12s\n", "Q(-)", "Q(0)", "Q(+)");
    for (int s = 0; s < SYNRL_N_STATES; s++)
      printf(" %c  %c  %c  %c %12.6g %12.6g %12.6g\n", ACT[s % 3], ACT[s / 3 % 3], REW[s / 9 % 3],
             REW[s / 27], p->q[3 * s], p->q[3 * s + 1], p->q[3 * s + 2]);
  }
}

int cli_policy(int argc, char **argv) {
  const char *prog = "synrl policy";
  if (argc < 1) {
    fprintf(stderr, "%s: missing subcommand: show, import, learn or compare (see synrl policy --help)\n", prog);
    return 2;
  }
  if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    printf("usage: synrl policy show FILE [--q]\n"
           "       synrl policy import AUTHORS.tsv OUT.txt\n"
           "       synrl policy learn [options]\n"
           "       synrl policy compare [options] [LABEL=]FILE ...\n\n"
           "show    prints the greedy action per state (--q: also every Q value).\n"
           "        FILE is a synrl policy file or the authors' TSV table.\n"
           "import  converts the authors' published table to the synrl policy format.\n"
           "learn   learns one static table over a stream of tasks, keeping the snapshot that\n"
           "        transfers best to held-out tasks (see synrl policy learn --help).\n"
           "compare applies tables frozen to the same held-out tasks and tabulates the results.\n");
    return 0;
  }
  syn_err e = {0};
  synrl_policy p;
  if (strcmp(argv[0], "show") == 0) {
    bool with_q = false;
    const char *pos[1];
    int npos;
    opt_spec specs[] = {{"q", OPT_FLAG, &with_q, 0, 0, NULL, "also print the Q values"}, {0}};
    for (int i = 1; i < argc; i++)
      if (strcmp(argv[i], "--help") == 0) {
        opts_help("usage: synrl policy show FILE [--q]", specs);
        return 0;
      }
    if (opts_parse("synrl policy show", specs, argc - 1, argv + 1, pos, 1, &npos)) return 2;
    if (npos != 1) {
      fprintf(stderr, "synrl policy show: give one policy FILE\n");
      return 2;
    }
    if (synrl_policy_read(&p, pos[0], &e)) {
      fprintf(stderr, "synrl policy show: %s\n", e.msg);
      return 1;
    }
    print_greedy(&p, with_q);
    return 0;
  }
  if (strcmp(argv[0], "import") == 0) {
    static const char usage[] = "usage: synrl policy import AUTHORS.tsv OUT.txt";
    for (int i = 1; i < argc; i++)
      if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
        printf("%s\n\nConverts the authors' published table (243 lines \"a a2 a1 r2 r1 Q\", 1-based\n"
               "codes) to the synrl policy format, written atomically.\n", usage);
        return 0;
      }
    if (argc != 3) {
      fprintf(stderr, "synrl policy import: %s\n", usage);
      return 2;
    }
    /* a link, FIFO or device is not replaced by a file; nor is the input */
    if (fio_output_check(argv[2], argv[1], &e)) {
      fprintf(stderr, "synrl policy import: %s\n", e.msg);
      return 2;
    }
    if (synrl_policy_import_authors(&p, argv[1], &e) || synrl_policy_save(&p, argv[2], "imported from the authors' table", &e)) {
      fprintf(stderr, "synrl policy import: %s\n", e.msg);
      return 1;
    }
    return 0;
  }
  if (strcmp(argv[0], "learn") == 0) return cli_policy_learn(argc - 1, argv + 1);
  if (strcmp(argv[0], "compare") == 0) return cli_policy_compare(argc - 1, argv + 1);
  fprintf(stderr, "%s: unknown subcommand '%s' (show, import, learn or compare)\n", prog, argv[0]);
  return 2;
}
