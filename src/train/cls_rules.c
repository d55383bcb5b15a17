/* The built-in classification rules: DeepAGREL/BrainProp and error-backprop
 * as instances of cls_rule, found by name for the command line. */
#include "synrl/train.h"

#include <string.h>

static syn_status agrel_rule_step(const cls_rule *rule, const cls_batch *b, agrel_step_info *info,
                                  syn_err *e) {
  (void)rule;
  return agrel_step(b->net, b->ws, &b->config->agrel, b->x, b->labels, b->n, b->lr, b->rng, info,
                    e);
}

static syn_status backprop_rule_step(const cls_rule *rule, const cls_batch *b,
                                     agrel_step_info *info, syn_err *e) {
  (void)rule;
  return netbp_step(b->net, b->ws, b->x, b->labels, b->n, b->lr, b->rng, info, e);
}

const cls_rule cls_rule_agrel = {.name = "agrel", .step = agrel_rule_step};
const cls_rule cls_rule_backprop = {.name = "backprop", .step = backprop_rule_step};

const cls_rule *cls_rule_find(const char *name) {
  const cls_rule *const all[] = {&cls_rule_agrel, &cls_rule_backprop};
  for (size_t i = 0; name && i < sizeof all / sizeof *all; i++)
    if (strcmp(all[i]->name, name) == 0) return all[i];
  return NULL;
}
