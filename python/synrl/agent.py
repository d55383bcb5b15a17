"""Coagent agents (the rules of `synrl rl`) trained by the library's whole
rl run (agent_setup_run) on a built-in environment or on any Python object
with Gymnasium's reset()/step() protocol, plugged in as an env_def whose
callbacks call Python."""
import ctypes
import os
import tempfile
import traceback
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char_p, c_double, c_int,
                    c_long, c_size_t, c_uint64, c_void_p)

import numpy as np

from ._lib import SynrlError, check, lib, rng_t, syn_err
from .mlp import _read_metrics

COA_MAX_LAYERS = 4
_SYN_ERR_ARG = 1


class env_space(Structure):
    _fields_ = [("kind", c_int), ("n", c_int), ("low", POINTER(c_double)),
                ("high", POINTER(c_double))]


class env_config(Structure):
    _fields_ = [("seed", c_uint64), ("max_steps", c_int), ("mux_bits", c_int), ("reg_in", c_int),
                ("reg_hidden", c_int), ("user", c_void_p)]


class env_result(Structure):
    _fields_ = [("reward", c_double), ("terminated", c_bool), ("truncated", c_bool)]


class env(Structure):
    _fields_ = [("def", c_void_p), ("cfg", env_config), ("obs", env_space), ("act", env_space),
                ("max_steps", c_int), ("t", c_long), ("done", c_bool), ("rng", rng_t),
                ("state", c_void_p)]


_CREATE = CFUNCTYPE(c_int, POINTER(env), POINTER(env_config), POINTER(syn_err))
_DESTROY = CFUNCTYPE(None, POINTER(env))
_RESET = CFUNCTYPE(c_int, POINTER(env), POINTER(c_double), POINTER(syn_err))
_STEP = CFUNCTYPE(c_int, POINTER(env), c_int, POINTER(c_double), POINTER(c_double),
                  POINTER(env_result), POINTER(syn_err))


class env_def(Structure):
    _fields_ = [("name", c_char_p), ("alias", c_char_p), ("summary", c_char_p),
                ("data", c_void_p), ("max_steps", c_int), ("create", _CREATE),
                ("destroy", _DESTROY), ("reset", _RESET), ("step", _STEP), ("save", c_void_p),
                ("load", c_void_p)]


_D4 = c_double * COA_MAX_LAYERS
_I4 = c_int * COA_MAX_LAYERS


class agent_setup(Structure):
    _fields_ = [("preset", c_char_p), ("env", c_char_p), ("env_def", POINTER(env_def)),
                ("method", c_char_p), ("rule", c_void_p), ("episodes", c_long), ("batch", c_int),
                ("n_hidden", c_int), ("hidden", _I4), ("lr", _D4), ("lr_end", _D4),
                ("end_t", c_long), ("lambda", c_double), ("gamma", c_double), ("temp", c_double),
                ("hidden_temp", c_double), ("var", _D4), ("map_steps", c_int), ("critic", c_bool),
                ("critic_n_hidden", c_int), ("critic_hidden", _I4), ("critic_map", c_bool),
                ("critic_var", _D4), ("critic_lr", _D4), ("critic_lr_end", _D4),
                ("critic_lambda", c_double), ("fixed_last_logit", c_bool),
                ("adam_correct_until", c_long), ("adam_eps", c_double), ("init_bias", c_double),
                ("action_scale", c_double), ("action_shift", c_double),
                ("reward_clip", c_double), ("max_steps", c_int), ("log_every", c_long),
                ("seed", c_uint64), ("eval_episodes", c_long), ("out_dir", c_char_p),
                ("resume", c_bool), ("ckpt_every", c_long), ("ckpt_every_s", c_double),
                ("stop", c_void_p), ("on_progress", c_void_p), ("user", c_void_p),
                ("progress_every", c_double), ("argc", c_int), ("argv", c_void_p)]


class agent_result(Structure):
    _fields_ = [("episodes", c_long), ("steps", c_long), ("avg_return", c_double),
                ("recent_return", c_double), ("seconds", c_double), ("cpu_seconds", c_double),
                ("interrupted", c_bool), ("resumed_at", c_long), ("checkpoints", c_long),
                ("ckpt_seconds", c_double), ("ckpt_bytes", c_size_t)]


class coa_layer(Structure):
    _fields_ = [("in", c_int), ("out", c_int), ("unit", c_int), ("var", c_double),
                ("temp", c_double), ("w", POINTER(c_double)), ("b", POINTER(c_double))]


class coa_net(Structure):
    _fields_ = [("n_layers", c_int), ("widths", c_int * (COA_MAX_LAYERS + 1)),
                ("layer", coa_layer * COA_MAX_LAYERS), ("params", POINTER(c_double)),
                ("n_params", c_size_t), ("offset", c_size_t * COA_MAX_LAYERS)]


class agent_outcome(Structure):
    _fields_ = [("train", agent_result), ("eval_return", c_double), ("eval_episodes", c_long),
                ("actor_fnv1a64", c_uint64), ("actor", coa_net), ("critic", coa_net),
                ("has_critic", c_bool)]


_SIGS = {
    "agent_setup_default": (None, [POINTER(agent_setup)]),
    "agent_preset": (c_int, [POINTER(agent_setup), c_char_p, POINTER(syn_err)]),
    "agent_setup_run": (c_int, [POINTER(agent_setup), POINTER(agent_outcome), POINTER(syn_err)]),
    "agent_outcome_free": (None, [POINTER(agent_outcome)]),
    "env_space_box": (c_int, [POINTER(env_space), c_int, c_double, c_double, POINTER(syn_err)]),
    "env_space_discrete": (None, [POINTER(env_space), c_int]),
    "rng_next_u64": (c_uint64, [POINTER(rng_t)]),
    "agent_task_known": (c_bool, [c_char_p]),
    "agent_task_apply": (c_int, [POINTER(agent_setup), c_char_p, c_char_p, POINTER(syn_err)]),
}


def _L():
    L = lib()
    if not getattr(L, "_synrl_agent_sigs", False):
        for name, (res, args) in _SIGS.items():
            f = getattr(L, name)
            f.restype, f.argtypes = res, args
        L._synrl_agent_sigs = True
    return L


def _fail(e, ex):
    msg = "python environment: %s: %s" % (type(ex).__name__, ex)
    e.contents.code = _SYN_ERR_ARG
    e.contents.msg = msg.encode("utf-8", "replace")[:511]
    return _SYN_ERR_ARG


class _PyEnvDef:
    """An env_def over Python environments made by make_env(), one per
    environment the run creates (batch rows, evaluation)."""

    def __init__(self, make_env, name, max_steps):
        self.make_env = make_env
        self.envs = {}
        self.next_id = 1
        self.error = None
        probe = make_env()
        self.obs_dim = int(np.prod(probe.observation_space.shape))
        space = probe.action_space
        self.discrete = hasattr(space, "n") and not hasattr(space, "low")
        if self.discrete:
            self.n_actions = int(space.n)
        else:
            self.low = np.asarray(space.low, dtype=np.float64).reshape(-1)
            self.high = np.asarray(space.high, dtype=np.float64).reshape(-1)
        if hasattr(probe, "close"):
            probe.close()
        self.name = name.encode()
        self.c_create, self.c_destroy = _CREATE(self._create), _DESTROY(self._destroy)
        self.c_reset, self.c_step = _RESET(self._reset), _STEP(self._step)
        self.d = env_def(self.name, None, b"a Python environment (Gymnasium protocol)", None,
                         max_steps, self.c_create, self.c_destroy, self.c_reset, self.c_step,
                         None, None)

    def _guard(self, e, f):
        try:
            return f()
        except BaseException as ex:  # a callback must not let it through C
            if self.error is None:
                self.error = ex
                self.error_tb = traceback.format_exc()
            return _fail(e, ex)

    def _create(self, v, c, e):
        def go():
            L = _L()
            ident = self.next_id
            self.next_id += 1
            self.envs[ident] = self.make_env()
            v.contents.state = ident
            if self.discrete:
                L.env_space_discrete(byref(v.contents.act), self.n_actions)
            else:
                st = L.env_space_box(byref(v.contents.act), len(self.low), 0.0, 0.0, e)
                if st:
                    return st
                for i in range(len(self.low)):
                    v.contents.act.low[i] = self.low[i]
                    v.contents.act.high[i] = self.high[i]
            return L.env_space_box(byref(v.contents.obs), self.obs_dim, -np.inf, np.inf, e)
        return self._guard(e, go)

    def _destroy(self, v):
        pyenv = self.envs.pop(v.contents.state, None)
        if pyenv is not None and hasattr(pyenv, "close"):
            try:
                pyenv.close()
            except Exception:
                pass

    def _put_obs(self, obs, out):
        o = np.asarray(obs, dtype=np.float64).reshape(-1)
        if o.shape[0] != self.obs_dim or not np.isfinite(o).all():
            raise ValueError("observation: expected %d finite values, got %r" % (self.obs_dim, obs))
        ctypes.memmove(out, o.ctypes.data, o.nbytes)

    def _reset(self, v, obs, e):
        def go():
            # the environment's seed comes from the run's random stream: the
            # same run seed gives the same episodes
            seed = int(_L().rng_next_u64(byref(v.contents.rng)) >> 33)
            r = self.envs[v.contents.state].reset(seed=seed)
            self._put_obs(r[0] if isinstance(r, tuple) else r, obs)
            return 0
        return self._guard(e, go)

    def _step(self, v, action, action_vec, obs, res, e):
        def go():
            a = action if self.discrete else np.ctypeslib.as_array(
                action_vec, shape=(len(self.low),)).copy()
            o, reward, terminated, truncated, _ = self.envs[v.contents.state].step(a)
            self._put_obs(o, obs)
            res.contents.reward = float(reward)
            res.contents.terminated = bool(terminated)
            if truncated:
                res.contents.truncated = True
            return 0
        return self._guard(e, go)


class AgentResult:
    """A finished rl run: results (summary.json's names: episodes, steps,
    avg_return, recent_return, eval_return, actor_fnv1a64, ...), the actor's
    (and critic's) parameters as flat float64 arrays, metrics (metrics.csv:
    step = episode, return, running_mean)."""

    def __init__(self, o, metrics):
        self.results = {k: getattr(o.train, k) for k, _ in agent_result._fields_}
        self.results["eval_return"] = o.eval_return
        self.results["eval_episodes"] = o.eval_episodes
        self.results["actor_fnv1a64"] = "%016x" % o.actor_fnv1a64
        self.actor = np.ctypeslib.as_array(o.actor.params, shape=(o.actor.n_params,)).copy()
        self.critic = (np.ctypeslib.as_array(o.critic.params, shape=(o.critic.n_params,)).copy()
                       if o.has_critic else None)
        self.actor_widths = [o.actor.widths[i] for i in range(o.actor.n_layers + 1)]
        self.metrics = metrics


def _set(s, name, value):
    if name not in dict(agent_setup._fields_) or name in ("env_def", "rule", "out_dir", "stop",
                                                          "on_progress", "user", "argc", "argv"):
        raise ValueError("%s: not a setting of synrl rl" % name)
    cur = getattr(s, name)
    if isinstance(cur, ctypes.Array):
        vals = list(value) if np.iterable(value) else [value]
        if len(vals) > len(cur):
            raise ValueError("%s: at most %d values" % (name, len(cur)))
        for i, x in enumerate(vals):
            cur[i] = x
        if name in ("hidden", "critic_hidden"):
            setattr(s, "n_hidden" if name == "hidden" else "critic_n_hidden", len(vals))
    elif isinstance(cur, bytes) or cur is None and name in ("preset", "env", "method"):
        raise ValueError("%s: give it as the argument of train_agent" % name)
    else:
        setattr(s, name, value)


def train_agent(env="cartpole", *, preset=None, method=None, episodes=None, seed=1,
                out_dir=None, name="python-env", **settings):
    """Trains a coagent agent as `synrl rl` does and returns an AgentResult.

    env: a built-in environment's name ("cartpole", ...) or a callable
    returning a new Python environment with Gymnasium's protocol
    (reset(seed=) -> (obs, info); step(a) -> (obs, reward, terminated,
    truncated, info); observation_space.shape; action_space.n or .low/.high).
    preset: "TASK-METHOD" (e.g. "cartpole-weightmax") for the published
    settings; method: reinforce|weightmax|weightmax-traces|mapprop|backprop|ste.
    Other keywords are `synrl rl`'s settings with '_' for '-' (hidden=[64, 32],
    lr=[...], batch=, eval_episodes=, max_steps=, critic=, ...)."""
    L = _L()
    s = agent_setup()
    L.agent_setup_default(byref(s))
    e = syn_err()
    keep = []
    if preset is not None:
        keep.append(preset.encode())
        check(L.agent_preset(byref(s), keep[-1], byref(e)), e)
    pydef = None
    if callable(env):
        pydef = _PyEnvDef(env, name, int(settings.pop("env_max_steps", 0)))
        s.env_def = ctypes.pointer(pydef.d)
        s.env = pydef.name
    elif isinstance(env, str):
        if preset is None or env != "cartpole":
            keep.append(env.encode())
            s.env = keep[-1]
    else:
        raise ValueError("env: a built-in environment's name or a callable making one")
    if method is not None:
        keep.append(method.encode())
        s.method = keep[-1]
    # as `synrl rl` without --preset: a known task's settings for the method
    # (the library keeps the pointers it is given: kept alive in keep)
    if preset is None and isinstance(env, str) and L.agent_task_known(s.env):
        keep += [s.env, s.method]
        check(L.agent_task_apply(byref(s), keep[-2], keep[-1], byref(e)), e)
    if episodes is not None:
        s.episodes = episodes
    s.seed = seed
    for k, v in settings.items():
        _set(s, k, v)
    o = agent_outcome()
    with tempfile.TemporaryDirectory(prefix="synrl-py-") as tmp:
        folder = out_dir if out_dir is not None else tmp
        keep.append(os.fsencode(folder))
        s.out_dir = keep[-1]
        st = L.agent_setup_run(byref(s), byref(o), byref(e))
        if pydef is not None and pydef.error is not None:
            if not st:
                L.agent_outcome_free(byref(o))
            raise pydef.error
        check(st, e)
        try:
            mpath = os.path.join(folder, "metrics.csv")
            metrics = _read_metrics(mpath) if os.path.exists(mpath) else {}
            return AgentResult(o, metrics)
        finally:
            L.agent_outcome_free(byref(o))
