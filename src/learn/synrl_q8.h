/* Internal: the 8-bit-input paths of synaptic RL.
 *
 * With inputs x = p / 255 (p a byte; the bias input is p = 255) and first-layer
 * weights w = base + unit * k, the canonical first-layer pre-activation is
 *     z = z0 + (unit / 255) * A,   z0 = [1 x] . base,   A = P . K  (integers)
 * A is computed exactly: from scratch by a double-precision GEMM (every
 * intermediate is an integer below 2^53), or incrementally A += P . D with the
 * ternary step matrix D of the iteration (AVX-512 VNNI, or portable C). The
 * integers are identical, so both give the same losses bit for bit. */
#ifndef SYNRL_LEARN_Q8_H
#define SYNRL_LEARN_Q8_H

#include "synrl/learn.h"

syn_status synrl_q8_create(synrl_trainer *t, size_t max_batch, syn_err *e);
void synrl_q8_destroy(synrl_trainer *t);
/* New batch: pads the bytes, recomputes z0 and A from the current steps. */
syn_status synrl_q8_set_batch(synrl_trainer *t, syn_err *e);
/* Loss on the batch after this iteration's actions (t->delta, t->steps). */
syn_status synrl_q8_loss(synrl_trainer *t, double *loss, syn_err *e);
/* alpha_s halved: steps doubled, so A doubles too. */
void synrl_q8_double(synrl_trainer *t);

#endif
