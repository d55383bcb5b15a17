/* synrl export: a saved network -- of a train, classify or rl run, or a bare
 * network file -- in a format other tools read (safetensors). */
#include "cli/cli.h"
#include "synrl/nn.h"
#include "core/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* What a network file holds, by its magic. */
typedef enum { NET_MLP, NET_LAYERED, NET_COAGENT } net_file_kind;

static net_file_kind net_file_sniff(const char *path) {
  char magic[8] = {0};
  FILE *f = fopen(path, "rb");
  if (f) {
    if (fread(magic, 1, sizeof magic, f) != sizeof magic) memset(magic, 0, sizeof magic);
    fclose(f);
  }
  if (!memcmp(magic, "SYNRLLNT", 8)) return NET_LAYERED;
  if (!memcmp(magic, "SYNCOAG", 8)) return NET_COAGENT;
  return NET_MLP; /* its loader names what is wrong with anything else */
}

/* Tensors of one coagent network under "PREFIX.layers.l.": weight [in, out]
 * (pot = x W + b, the stored layout) and bias [out]. */
static void add_coa_net(nn_st_file *f, const char *prefix, const coa_net *n) {
  char name[96], units[256] = "", widths[256] = "", key[64];
  for (int l = 0; l < n->n_layers; l++) {
    const coa_layer *L = &n->layer[l];
    size_t shape[2] = {(size_t)L->in, (size_t)L->out};
    snprintf(name, sizeof name, "%s.layers.%d.weight", prefix, l);
    nn_st_add(f, name, 2, shape, L->w);
    snprintf(name, sizeof name, "%s.layers.%d.bias", prefix, l);
    nn_st_add(f, name, 1, &shape[1], L->b);
    size_t u = strlen(units);
    snprintf(units + u, sizeof units - u, "%s%s", l ? "," : "", coa_unit_name(L->unit));
  }
  for (int l = 0; l <= n->n_layers; l++) {
    size_t w = strlen(widths);
    snprintf(widths + w, sizeof widths - w, "%s%d", l ? "," : "", n->widths[l]);
  }
  snprintf(key, sizeof key, "%s.widths", prefix);
  nn_st_meta(f, key, widths);
  snprintf(key, sizeof key, "%s.units", prefix);
  nn_st_meta(f, key, units);
}

/* nets.bin of an rl run: the actor, and the critic when the run had one. */
static syn_status export_coagent(const char *in, const char *out, nn_st_dtype dt, syn_err *e) {
  coa_net nets[2];
  int count = 2;
  syn_err e2 = {0};
  if (coa_nets_load(nets, 2, in, &e2)) {
    count = 1;
    syn_status s = coa_nets_load(nets, 1, in, e);
    if (s) return s;
  }
  nn_st_file *f;
  syn_status s = nn_st_new(&f, e);
  if (!s) {
    nn_st_meta(f, "format", "synrl-coagent");
    add_coa_net(f, "actor", &nets[0]);
    if (count == 2) add_coa_net(f, "critic", &nets[1]);
    s = nn_st_write(f, out, dt, e);
    nn_st_free(f);
  }
  for (int i = 0; i < count; i++) coa_net_destroy(&nets[i]);
  return s;
}

static syn_status export_file(const char *in, const char *out, nn_st_dtype dt, syn_err *e) {
  syn_status s;
  switch (net_file_sniff(in)) {
    case NET_LAYERED: {
      nn_net net;
      if ((s = nn_net_load(&net, in, e))) return s;
      s = nn_net_save_safetensors(&net, out, dt, e);
      nn_net_destroy(&net);
      return s;
    }
    case NET_COAGENT: return export_coagent(in, out, dt, e);
    case NET_MLP:
    default: {
      nn_mlp net;
      if ((s = nn_mlp_load(&net, in, e))) return s;
      s = nn_mlp_save_safetensors(&net, out, dt, e);
      nn_mlp_destroy(&net);
      return s;
    }
  }
}

/* RUNDIR -> the network file its kind saves (buf); a file is itself. */
static int export_source(const char *prog, const char *arg, char *buf, size_t n) {
  struct stat sb;
  if (stat(arg, &sb) != 0) {
    fprintf(stderr, "%s: %s: %s\n", prog, arg, strerror(errno));
    return 1;
  }
  if (!S_ISDIR(sb.st_mode)) {
    snprintf(buf, n, "%s", arg);
    return 0;
  }
  char sum[4200];
  snprintf(sum, sizeof sum, "%s/summary.json", arg);
  run_summary *s = NULL;
  syn_err e = {0};
  if (run_summary_load(&s, sum, &e)) {
    /* a run older than summary.json's "kind": its network file names it */
    const char *files[] = {"nets.bin", "net.bin"};
    for (int i = 0; i < 2; i++) {
      snprintf(buf, n, "%s/%s", arg, files[i]);
      if (stat(buf, &sb) == 0) return 0;
    }
    fprintf(stderr, "%s: %s: %s\n", prog, arg, e.msg);
    return 1;
  }
  run_kind k = run_summary_kind(s);
  run_summary_free(s);
  if (k == RUN_KIND_POLICY_LEARN) {
    fprintf(stderr, "%s: %s: a policy-learn run has no network (its tables are text files)\n", prog,
            arg);
    return 1;
  }
  snprintf(buf, n, "%s/%s", arg, k == RUN_KIND_RL ? "nets.bin" : "net.bin");
  return 0;
}

int cli_export(int argc, char **argv) {
  const char *prog = "synrl export";
  const char *format = "safetensors", *dtype = "f64";
  opt_spec specs[] = {
      {"format", OPT_CHOICE, &format, 0, 0, "safetensors", "output format"},
      {"dtype", OPT_CHOICE, &dtype, 0, 0, "f64|f32",
       "tensor type: f64 keeps the stored values exactly, f32 rounds to nearest"},
      {0},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl export [--format safetensors] [--dtype f64|f32] RUNDIR|NET OUT\n\n"
                "Writes the network of a run folder (train and classify: net.bin; rl: nets.bin,\n"
                "actor and critic) or a network file as safetensors (tensor names per kind in\n"
                "docs/formats.md). OUT must not be the input, a link or a special file.",
                specs);
      return 0;
    }
  const char *pos[2];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 2, &npos)) return 2;
  if (npos != 2) {
    fprintf(stderr, "%s: expected RUNDIR (or NET.bin) and OUT (see synrl export --help)\n", prog);
    return 2;
  }
  char in[4200];
  if (export_source(prog, pos[0], in, sizeof in)) return 1;
  syn_err e = {0};
  if (fio_output_check(pos[1], in, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 2;
  }
  if (export_file(in, pos[1], strcmp(dtype, "f32") == 0 ? NN_ST_F32 : NN_ST_F64, &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  return 0;
}
