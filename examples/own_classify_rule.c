/* A classification learning rule written outside the library: signSGD
 * (Bernstein et al. 2018) -- backprop's gradient, but every weight moves by
 * lr times the gradient's sign only. It plugs into the library's epoch loop
 * (cls_train: shuffled minibatches, lr halving, early stopping, metrics) as
 * a cls_rule, beside the built-in DeepAGREL and backprop, and trains a small
 * conv net on an image set this program makes: 12x12 images of 4 classes,
 * each class brighter in its own columns. Prints the accuracies; exits 1 if
 * the rule did not learn. Public headers only. */
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One minibatch: softmax + cross-entropy gradient by backprop, then the
 * sign step on the forward weights and (kept equal) the feedback weights. */
static syn_status signsgd_step(const cls_rule *rule, const cls_batch *b, agrel_step_info *info,
                               syn_err *e) {
  (void)rule;
  nn_net *net = b->net;
  const float *z = nn_net_forward(net, b->ws, b->x, b->n, true, true, b->rng);
  info->loss = netbp_output_grad(z, b->n, nn_net_out_size(net), b->labels, b->ws->g0,
                                 &info->n_correct);
  if (info->loss != info->loss) return syn_err_set(e, SYN_ERR_ARG, "signsgd: loss is NaN");
  nn_net_backward(net, b->ws, b->n, b->ws->g0, net->params);
  for (size_t i = 0; i < net->n_params; i++) {
    const float g = b->ws->grad[i];
    const float d = g > 0 ? b->lr : g < 0 ? -b->lr : 0.0f;
    net->params[i] -= d;
    net->fb[i] -= d;
  }
  return SYN_OK;
}

/* n images of 12x12: class c lights columns c, c+4, c+8 */
static syn_status make_images(data_set *d, size_t n, uint64_t seed, syn_err *e) {
  syn_status s = data_set_alloc(d, n, 144, 4, e);
  rng_t r;
  rng_seed(&r, seed, 0);
  for (size_t i = 0; !s && i < n; i++) {
    const int c = (int)rng_below(&r, 4);
    d->labels[i] = c;
    for (int k = 0; k < 144; k++)
      d->x[i * 144 + k] = 0.85 * rng_uniform(&r) + ((k % 12) % 4 == c ? 0.15 : 0.0);
  }
  return s;
}

int main(void) {
  const cls_rule signsgd = {.name = "signsgd", .step = signsgd_step};
  data_set train, valid, test;
  syn_err e = {0};
  if (make_images(&train, 400, 1, &e) || make_images(&valid, 100, 2, &e) ||
      make_images(&test, 200, 3, &e)) {
    fprintf(stderr, "own_classify_rule: %s\n", e.msg);
    return 1;
  }
  const nn_lspec layers[] = {
      {.kind = NN_L_CONV, .units = 8, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
      {.kind = NN_L_RELU},
      {.kind = NN_L_BNORM},
      {.kind = NN_L_DENSE, .units = 4},
  };
  nn_net net;
  if (nn_net_create(&net, 12, 12, 1, 4, layers, &e)) {
    fprintf(stderr, "own_classify_rule: %s\n", e.msg);
    return 1;
  }
  rng_t init;
  rng_seed(&init, 7, 1);
  nn_net_init_normal(&net, 0.1, &init);

  cls_config c;
  cls_config_preset(&c, "conv", &e); /* the loop's other settings: early stopping, halving */
  c.rule = &signsgd;
  c.lr = 0.002;
  c.batch = 20;
  c.max_epochs = 10;
  c.patience = 0;
  c.bn_momentum = 0.9;
  c.seed = 7;
  cls_result r;
  syn_status s = cls_train(&net, &train, &valid, &test, &c, &r, &e);
  nn_net_destroy(&net);
  data_set_free(&train);
  data_set_free(&valid);
  data_set_free(&test);
  if (s) {
    fprintf(stderr, "own_classify_rule: %s\n", e.msg);
    return 1;
  }
  printf("signsgd: %ld epochs, train %.1f%%, best valid %.1f%% (epoch %ld), test %.1f%% (chance 25%%)\n",
         r.epochs, 100 * r.train_acc, 100 * r.best_valid_acc, r.best_epoch, 100 * r.test_acc);
  return r.test_acc > 0.8 ? 0 : 1;
}
