/* synrl export: a saved network in a format other tools read. */
#include "cli/cli.h"
#include "synrl/nn.h"

#include <stdio.h>
#include <string.h>

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
      opts_help("usage: synrl export [--format safetensors] [--dtype f64|f32] NET.bin OUT\n\n"
                "Writes a network saved by synrl train as safetensors: for each layer l,\n"
                "layers.l.weight [out, in] and layers.l.bias [out] (docs/formats.md).",
                specs);
      return 0;
    }
  const char *pos[2];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 2, &npos)) return 2;
  if (npos != 2) {
    fprintf(stderr, "%s: expected NET.bin and OUT (see synrl export --help)\n", prog);
    return 2;
  }
  syn_err e = {0};
  nn_mlp net;
  if (nn_mlp_load(&net, pos[0], &e)) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  syn_status s = nn_mlp_save_safetensors(&net, pos[1], strcmp(dtype, "f32") == 0 ? NN_ST_F32 : NN_ST_F64, &e);
  nn_mlp_destroy(&net);
  if (s) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  return 0;
}
