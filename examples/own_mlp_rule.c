/* A supervised learning rule written outside synrl: weight perturbation.
 * Each step moves every weight by a small random amount and keeps the move
 * only if the loss on the batch fell (reward +1), else undoes it (-1). Any
 * learn_rule like this one is trained by the library's MLP loop (run_train):
 * minibatches, evaluation, metrics and early stopping come with it.
 *
 * Trained here on a small 2D decision-boundary task prepared by the library
 * (mlp_task_prepare); built and run by ctest (example_own_mlp_rule); exits
 * non-zero if the rule did not learn (training accuracy not above chance). */
#include "synrl/synrl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct perturb_rule {
  learn_rule rule; /* first member: a perturb_rule is a learn_rule */
  double sigma;    /* size of a move: U[-sigma, sigma] per weight */
  rng_t rng;
  const nn_batch *batch;
  nn_ws ws;
  double *saved;   /* the weights before the move */
  double loss;     /* loss of the current weights on the batch */
} perturb_rule;

static double batch_loss(perturb_rule *p) {
  return nn_mlp_loss(p->rule.net, p->batch, &p->ws, p->rule.loss, NN_ACC_SIGN, NULL);
}

static syn_status perturb_set_batch(learn_rule *r, const nn_batch *b, syn_err *e) {
  (void)e;
  perturb_rule *p = (perturb_rule *)r;
  p->batch = b;
  p->loss = batch_loss(p);
  return SYN_OK;
}

static syn_status perturb_step(learn_rule *r, long iter, learn_step_info *info, syn_err *e) {
  (void)iter;
  (void)e;
  perturb_rule *p = (perturb_rule *)r;
  nn_mlp *net = r->net;
  memcpy(p->saved, net->params, net->n_params * sizeof *p->saved);
  for (size_t i = 0; i < net->n_params; i++)
    net->params[i] += p->sigma * (2.0 * rng_uniform(&p->rng) - 1.0);
  double loss = batch_loss(p);
  if (loss < p->loss) {
    p->loss = loss;
    info->reward = 1;
  } else {
    memcpy(net->params, p->saved, net->n_params * sizeof *p->saved);
    info->reward = -1;
  }
  info->loss = p->loss;
  return SYN_OK;
}

static void perturb_destroy(learn_rule *r) {
  perturb_rule *p = (perturb_rule *)r;
  nn_ws_destroy(&p->ws);
  free(p->saved);
  free(p);
}

static syn_status perturb_create(learn_rule **out, nn_mlp *net, nn_loss loss, double sigma,
                                 uint64_t seed, size_t max_batch, syn_err *e) {
  perturb_rule *p = calloc(1, sizeof *p);
  if (!p) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  p->rule.name = "weight-perturbation";
  p->rule.net = net;
  p->rule.loss = loss;
  p->rule.set_batch = perturb_set_batch;
  p->rule.step = perturb_step;
  p->rule.destroy = perturb_destroy; /* no save/load: runs cannot be checkpointed */
  p->sigma = sigma;
  rng_seed(&p->rng, seed, 0x7e57);
  p->saved = malloc(net->n_params * sizeof *p->saved);
  syn_status s = p->saved ? nn_ws_create(&p->ws, net, max_batch, e)
                          : syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  if (s) {
    free(p->saved);
    free(p);
    return s;
  }
  *out = &p->rule;
  return SYN_OK;
}

int main(void) {
  syn_err e = {0};
  /* the paper's 2D task, smaller: 300 points of a random 2-100-1 tanh
   * boundary; the trainee is 2-16-1 tanh */
  mlp_task_config tc;
  mlp_task_config_default(&tc);
  tc.hidden = "16";
  tc.points = 300;
  tc.valid_points = 300;
  mlp_task task;
  if (mlp_task_prepare(&task, &tc, 5, &e)) {
    fprintf(stderr, "own_mlp_rule: %s\n", e.msg);
    return 1;
  }
  /* chance: always answering the more common sign */
  size_t pos = 0;
  for (size_t i = 0; i < task.train.n; i++) pos += task.train.targets[i] > 0;
  const double chance = fmax((double)pos, (double)(task.train.n - pos)) / (double)task.train.n;

  nn_mlp net;
  learn_rule *rule = NULL;
  if (nn_mlp_create(&net, task.n_layers, task.widths, task.act, &e)) {
    fprintf(stderr, "own_mlp_rule: %s\n", e.msg);
    mlp_task_free(&task);
    return 1;
  }
  rng_t init;
  rng_seed(&init, 5, 1);
  nn_mlp_init_uniform(&net, 1.0, &init);
  double loss0, acc0;
  run_evaluate(&net, &task.train, task.loss, task.acc, &loss0, &acc0);

  run_config rc;
  run_config_default(&rc);
  rc.iterations = 3000;
  rc.eval_every = 500;
  rc.seed = 5;
  rc.acc = task.acc;
  run_result res;
  syn_status s = perturb_create(&rule, &net, task.loss, 0.02, 5, task.train.n, &e);
  if (!s) s = run_train(rule, &task.train, &task.valid, NULL, &rc, &res, &e);
  learn_rule_destroy(rule);
  nn_mlp_destroy(&net);
  mlp_task_free(&task);
  if (s) {
    fprintf(stderr, "own_mlp_rule: %s\n", e.msg);
    return 1;
  }
  printf("weight perturbation, %ld iterations: train accuracy %.2f%% (from %.2f%%; chance %.2f%%), "
         "valid %.2f%%, loss %.5g (from %.5g)\n",
         res.iterations, 100 * res.train_acc, 100 * acc0, 100 * chance, 100 * res.valid_acc,
         res.train_loss, loss0);
  if (!(res.train_loss < loss0) || !(res.train_acc > chance + 0.05)) {
    fprintf(stderr, "own_mlp_rule: the rule did not learn\n");
    return 1;
  }
  return 0;
}
