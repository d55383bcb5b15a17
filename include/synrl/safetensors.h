/* synrl nn: export of MLPs in the safetensors format (8-byte little-endian
 * header length, a JSON header, then the raw little-endian tensor data), so
 * that PyTorch, NumPy or any safetensors reader can load synrl networks.
 *
 * Tensor naming (docs/formats.md): for layer l (0-based)
 *   layers.l.weight  [out, in]  (the nn.Linear convention: row j holds the
 *                                weights into output unit j)
 *   layers.l.bias    [out]
 * in that order, layer by layer. "__metadata__" carries the widths and
 * activations as strings. */
#ifndef SYNRL_SAFETENSORS_H
#define SYNRL_SAFETENSORS_H

#include "synrl/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { NN_ST_F64 = 0, NN_ST_F32 } nn_st_dtype;

/* Writes m to path under a temporary name, then renames it into place.
 * NN_ST_F64 keeps the stored values exactly; NN_ST_F32 rounds each to
 * nearest float32. */
syn_status nn_mlp_save_safetensors(const nn_mlp *m, const char *path, nn_st_dtype dtype,
                                   syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
