"""MLPs on the user's NumPy arrays trained by synaptic RL or gradient
descent: the library's run_train, with the network initialised and the rule
configured exactly as `synrl train` does, so the same data, settings and
seed give the same weights bit for bit."""
import csv
import ctypes
import os
import tempfile
from ctypes import byref, c_int, c_void_p

import numpy as np

from . import _arrays
from ._lib import (NN_MAX_LAYERS, SYNRL_N_Q, boundary2d_config, check, data_dir, data_set,
                   gd_config, learn_rule, lib, nn_mlp, rng_t, run_config, run_result, syn_err,
                   synrl_config, synrl_policy)

ACTS = {"identity": 0, "tanh": 1, "relu": 2, "sigmoid": 3}
LOSSES = {"euclid": 0, "mse": 1, "softmax-ce": 2}
PATHS = {"auto": 0, "general": 1, "q8-ref": 2, "q8-fast": 3, "small": 4}
_INIT_STREAM = 0x1417  # the stream mlp_run_prepare seeds the initial weights from


def fnv1a64(params):
    """FNV-1a 64 of a float64 array's bytes, as the hex text summary.json
    records (params_fnv1a64)."""
    a = np.ascontiguousarray(params, dtype=np.float64)
    h = lib().core_fnv1a64(a.ctypes.data_as(c_void_p), a.nbytes, 0xcbf29ce484222325)
    return "%016x" % h


def authors_policy_path():
    """The authors' published Q table (data/policies/authors-golden.tsv)."""
    return os.path.join(data_dir(), "policies", "authors-golden.tsv")


def read_policy(path):
    """A Q table file (synrl's format or the authors' TSV) as a (243,) array,
    q[a + 3*s] (learn.h)."""
    p = synrl_policy()
    e = syn_err()
    check(lib().synrl_policy_read(byref(p), os.fsencode(path), byref(e)), e)
    return np.array(p.q[:], dtype=np.float64)


def _policy(policy):
    p = synrl_policy()
    if policy is None:
        return p
    if isinstance(policy, str) and policy == "authors":
        policy = authors_policy_path()
    if isinstance(policy, (str, bytes, os.PathLike)):
        p.q[:] = read_policy(policy).tolist()
        return p
    q = np.asarray(policy)
    if q.dtype != np.float64 or q.shape != (SYNRL_N_Q,):
        raise ValueError("policy: expected 'authors', a file or a float64 array of shape (243,)")
    if not np.isfinite(q).all():
        raise ValueError("policy: contains NaN or infinite values")
    p.q[:] = q.tolist()
    return p


class _Set:
    """A data_set over the caller's arrays (kept alive with it)."""

    def __init__(self, name, x, y, classes):
        x64, xu8 = _arrays.inputs("x_" + name, x)
        kind, yy = _arrays.outputs("y_" + name, y, x.shape[0])
        self.keep = (x64, xu8, yy)
        d = data_set()
        d.n = x.shape[0]
        d.in_dim = x.shape[1]
        d.x = x64.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        if xu8 is not None:
            d.x_u8 = xu8.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))
        self.kind = kind
        if kind == "labels":
            if classes is not None and yy.max() >= classes:
                raise ValueError("y_%s: label %d is not below classes=%d" % (name, yy.max(), classes))
            d.labels = yy.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))
            d.out_dim = classes if classes is not None else int(yy.max()) + 1
        else:
            d.targets = yy.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
            d.out_dim = yy.shape[1]
        self.d = d


def _read_metrics(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    head, body = rows[0], rows[1:]
    return {name: np.array([float(r[i]) if r[i] not in ("", "nan") else np.nan for r in body],
                           dtype=np.float64) for i, name in enumerate(head)}


def split_layers(widths, params):
    """Views of the flat params per layer l: weights (widths[l],
    widths[l+1]) and biases (widths[l+1],) -- row 0 of the library's
    (in+1) x out matrix is the bias."""
    weights, biases = [], []
    off = 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        w = params[off:off + (n_in + 1) * n_out].reshape(n_in + 1, n_out)
        biases.append(w[0])
        weights.append(w[1:])
        off += (n_in + 1) * n_out
    return weights, biases


class MLPResult:
    """A trained MLP: params (flat float64, the library's layout), weights
    and biases per layer, the Q table (synaptic RL), metrics (metrics.csv's
    columns as arrays) and the run's results (summary.json's names)."""

    def __init__(self, widths, acts, params, q, metrics, results):
        self.widths = list(widths)
        self.acts = list(acts)
        self.params = params
        self.q = q
        self.metrics = metrics
        self.results = results
        self.weights, self.biases = split_layers(widths, params)

    @property
    def params_fnv1a64(self):
        return fnv1a64(self.params)

    def predict(self, x):
        """The network's outputs on x (n, features) in NumPy (float64)."""
        x = np.asarray(x, dtype=np.float64)
        if x.dtype == np.uint8:
            x = x / 255.0
        h = x
        f = {"identity": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
             "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}
        for w, b, a in zip(self.weights, self.biases, self.acts):
            h = f[a](h @ w + b)
        return h


def train_mlp(x_train, y_train, *, x_valid=None, y_valid=None, x_test=None, y_test=None,
              hidden=(100,), act="tanh", out_act="auto", loss="auto", classes=None,
              method="synrl", policy=None, policy_mode="adaptive", epsilon=0.25, alpha_s=1e-3,
              alpha_q=0.01, gamma=0.9, halve_at=0, bias_step=1, path="auto", portable=False,
              lr=0.1, iterations=10000, batch=0, batch_every=1, eval_every=100, abort_after=0,
              abort_below=0.0, patience=0, init_range=1.0, seed=1, out_dir=None):
    """Trains an MLP on (x_train, y_train) and returns an MLPResult.

    y: integer labels (classification: argmax accuracy, default loss
    softmax-ce and identity output) or float64 targets (regression: sign
    accuracy, default loss euclid and tanh output, as the paper's 2D task).
    method "synrl" (policy None: zeros; "authors": the authors' table; a
    file; a (243,) array; policy_mode "adaptive" learns it, "static" keeps it)
    or "gd" (lr). The other settings are `synrl train`'s flags of the same
    names. out_dir: where metrics.csv is written (None: a temporary folder)."""
    if method not in ("synrl", "gd"):
        raise ValueError("method: '%s' is not synrl or gd" % method)
    if policy_mode not in ("adaptive", "static"):
        raise ValueError("policy_mode: '%s' is not adaptive or static" % policy_mode)
    if path not in PATHS:
        raise ValueError("path: '%s' is not one of %s" % (path, "|".join(PATHS)))
    train = _Set("train", x_train, y_train, classes)
    regression = train.kind == "targets"
    if classes is None and not regression:
        classes = train.d.out_dim
    sets = [train]
    valid = test = None
    for nm, xs, ys in (("valid", x_valid, y_valid), ("test", x_test, y_test)):
        if (xs is None) != (ys is None):
            raise ValueError("x_%s and y_%s: give both or neither" % (nm, nm))
        if xs is None:
            sets.append(None)
            continue
        s = _Set(nm, xs, ys, classes)
        if s.kind != train.kind or s.d.in_dim != train.d.in_dim or s.d.out_dim != train.d.out_dim:
            raise ValueError("x_%s, y_%s: shape or kind differs from the training set" % (nm, nm))
        sets.append(s)
    _, valid, test = sets
    loss = loss if loss != "auto" else ("euclid" if regression else "softmax-ce")
    out_act = out_act if out_act != "auto" else ("tanh" if regression else "identity")
    for nm, v, table in (("act", act, ACTS), ("out_act", out_act, ACTS), ("loss", loss, LOSSES)):
        if v not in table:
            raise ValueError("%s: '%s' is not one of %s" % (nm, v, "|".join(table)))
    if (loss == "softmax-ce") == regression:
        raise ValueError("loss: %s does not fit %s" % (loss, "regression targets" if regression
                                                        else "class labels"))
    hidden = [int(h) for h in hidden]
    if len(hidden) > NN_MAX_LAYERS - 1 or any(h < 1 for h in hidden):
        raise ValueError("hidden: at most %d widths, each at least 1" % (NN_MAX_LAYERS - 1))
    if batch < 0 or batch > train.d.n:
        raise ValueError("batch: %d is not in [0, %d]" % (batch, train.d.n))

    L = lib()
    widths = [train.d.in_dim] + hidden + [train.d.out_dim]
    acts = [act] * len(hidden) + [out_act]
    cw = (c_int * len(widths))(*widths)
    ca = (c_int * len(acts))(*[ACTS[a] for a in acts])
    e = syn_err()
    net = nn_mlp()
    check(L.nn_mlp_create(byref(net), len(acts), cw, ca, byref(e)), e)
    rule = c_void_p()
    pol = _policy(policy) if method == "synrl" else synrl_policy()
    try:
        rng = rng_t()
        L.rng_seed(byref(rng), seed, _INIT_STREAM)
        L.nn_mlp_init_uniform(byref(net), init_range, byref(rng))
        max_batch = batch if batch > 0 else train.d.n
        if method == "synrl":
            sc = synrl_config()
            L.synrl_config_default(byref(sc))
            sc.epsilon, sc.alpha_s, sc.alpha_q, sc.gamma = epsilon, alpha_s, alpha_q, gamma
            sc.adaptive = policy_mode == "adaptive"
            sc.bias_step, sc.halve_at, sc.seed = bias_step, halve_at, seed
            sc.path, sc.portable = PATHS[path], portable
            check(L.synrl_trainer_create(byref(rule), byref(net), LOSSES[loss], byref(pol),
                                         byref(sc), max_batch, byref(e)), e)
        else:
            gc = gd_config(lr)
            check(L.gd_create(byref(rule), byref(net), LOSSES[loss], byref(gc), max_batch,
                              byref(e)), e)
        with tempfile.TemporaryDirectory(prefix="synrl-py-") as tmp:
            folder = out_dir if out_dir is not None else tmp
            os.makedirs(folder, exist_ok=True)
            rc = run_config()
            L.run_config_default(byref(rc))
            rc.iterations, rc.batch_size, rc.batch_every = iterations, batch, batch_every
            rc.eval_every, rc.abort_after, rc.abort_below = eval_every, abort_after, abort_below
            rc.patience, rc.seed = patience, seed
            rc.acc = 0 if regression else 1
            rc.out_dir = os.fsencode(folder)
            res = run_result()
            check(L.run_train(rule, byref(train.d),
                              byref(valid.d) if valid else None,
                              byref(test.d) if test else None, byref(rc), byref(res), byref(e)), e)
            mpath = os.path.join(folder, "metrics.csv")
            metrics = _read_metrics(mpath) if os.path.exists(mpath) else {}
        params = np.ctypeslib.as_array(net.params, shape=(net.n_params,)).copy()
        q = np.array(pol.q[:], dtype=np.float64) if method == "synrl" else None
        results = {k: getattr(res, k) for k, _ in run_result._fields_}
        return MLPResult(widths, acts, params, q, metrics, results)
    finally:
        if rule:
            r = ctypes.cast(rule, ctypes.POINTER(learn_rule)).contents
            if r.destroy:
                r.destroy(rule)
        L.nn_mlp_destroy(byref(net))


def boundary2d(seed=1, points=2000, valid_points=2000):
    """The paper's 2D task as `synrl train --task boundary2d --seed S` makes
    it: (x_train, y_train, x_valid, y_valid), float64, targets (n, 1)."""
    L = lib()
    c = boundary2d_config()
    L.boundary2d_config_default(byref(c))
    c.seed, c.n_train, c.n_valid = seed, points, valid_points
    target, tr, va = nn_mlp(), data_set(), data_set()
    e = syn_err()
    check(L.boundary2d_make(byref(c), byref(target), byref(tr), byref(va), byref(e)), e)
    try:
        def arrays(d):
            if d.n == 0:
                return None, None
            x = np.ctypeslib.as_array(d.x, shape=(d.n, d.in_dim)).copy()
            y = np.ctypeslib.as_array(d.targets, shape=(d.n, d.out_dim)).copy()
            return x, y
        xt, yt = arrays(tr)
        xv, yv = arrays(va)
        return xt, yt, xv, yv
    finally:
        L.data_set_free(byref(tr))
        L.data_set_free(byref(va))
        L.nn_mlp_destroy(byref(target))
