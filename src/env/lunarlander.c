/* LunarLander-v2 through the Box2D shim (lunarlander_box2d.cpp). Without
 * Box2D the name stays in the table and env_create says it is unsupported. */
#include "env_impl.h"

#ifdef SYNRL_HAVE_BOX2D
#include "lunarlander_box2d.h"
#endif

bool env_have_box2d(void) {
#ifdef SYNRL_HAVE_BOX2D
  return true;
#else
  return false;
#endif
}

#ifndef SYNRL_HAVE_BOX2D
static syn_status ll_unsupported(env *v, const env_config *c, syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
static syn_status ll_reset(env *v, double *obs, syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
static syn_status ll_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
const env_def env_def_lunarlander = {
    .name = "lunarlander",
    .alias = "LunarLander-v2",
    .summary = "(unavailable: built without Box2D)",
    .max_steps = 1000,
    .create = ll_unsupported,
    .reset = ll_reset,
    .step = ll_step,
};
#endif
