/* synrl: the whole library. Each folder of src/ has one public header:
 * core (errors, random streams, BLAS, files, checkpoints) -> nn (MLPs, layered
 * networks, losses, safetensors) -> learn (the learning rules) | data (files,
 * data sets, tasks) | env (RL environments) -> train (training loops,
 * presets, run files). */
#ifndef SYNRL_H
#define SYNRL_H

#include "synrl/core.h"
#include "synrl/nn.h"
#include "synrl/learn.h"
#include "synrl/data.h"
#include "synrl/env.h"
#include "synrl/train.h"

#endif
