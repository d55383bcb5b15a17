"""A run folder read back: summary.json, metrics.csv and the networks."""
import json
import os
import struct
from ctypes import byref

import numpy as np

from ._lib import check, lib, nn_mlp, syn_err
from .mlp import _read_metrics, read_policy, split_layers

_ACT_NAMES = ["identity", "tanh", "relu", "sigmoid"]
_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "I32": np.int32, "I64": np.int64,
              "U8": np.uint8}


def read_safetensors(path):
    """A safetensors file (what `synrl export` writes) as (dict of arrays,
    metadata dict), in file order."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d runs past the end" % (path, n))
    head = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = head.pop("__metadata__", {}) or {}
    body = raw[8 + n:]
    out = {}
    for name, t in sorted(head.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if t["dtype"] not in _ST_DTYPES:
            raise ValueError("%s: tensor %s: dtype %s not supported" % (path, name, t["dtype"]))
        lo, hi = t["data_offsets"]
        dt = np.dtype(_ST_DTYPES[t["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(body[lo:hi], dtype=dt).reshape(t["shape"]).copy()
    return out, meta


class MLPNet:
    """An MLP file (net.bin, format SYNRLNET) read by the library."""

    def __init__(self, path):
        L = lib()
        m, e = nn_mlp(), syn_err()
        check(L.nn_mlp_load(byref(m), os.fsencode(path), byref(e)), e)
        try:
            self.widths = [m.widths[i] for i in range(m.n_layers + 1)]
            self.acts = [_ACT_NAMES[m.act[i]] for i in range(m.n_layers)]
            self.params = np.ctypeslib.as_array(m.params, shape=(m.n_params,)).copy()
        finally:
            L.nn_mlp_destroy(byref(m))
        self.weights, self.biases = split_layers(self.widths, self.params)


class Run:
    """A run folder: kind, summary (summary.json as a dict), settings (its
    "settings" object), metrics (metrics.csv's columns as float64 arrays, in
    file order), and what networks it holds: net (train: an MLPNet), q (train
    with synaptic RL: the final Q table, (243,)), tensors (any *.safetensors
    exports, by file name)."""

    def __init__(self, path):
        self.path = path
        spath = os.path.join(path, "summary.json")
        if not os.path.exists(spath):
            raise FileNotFoundError("%s: no summary.json (not a finished run folder)" % path)
        with open(spath) as f:
            self.summary = json.load(f)
        self.kind = self.summary.get("kind")
        self.settings = self.summary.get("settings", {})
        mpath = os.path.join(path, "metrics.csv")
        self.metrics = _read_metrics(mpath) if os.path.exists(mpath) else {}
        self.net = None
        self.q = None
        if self.kind == "train" and os.path.exists(os.path.join(path, "net.bin")):
            self.net = MLPNet(os.path.join(path, "net.bin"))
            if os.path.exists(os.path.join(path, "policy.txt")):
                self.q = read_policy(os.path.join(path, "policy.txt"))
        self.tensors = {}
        for name in sorted(os.listdir(path)):
            if name.endswith(".safetensors"):
                self.tensors[name] = read_safetensors(os.path.join(path, name))[0]

    def __repr__(self):
        return "synrl.Run(%r, kind=%r)" % (self.path, self.kind)


def load_run(path):
    """The run folder at path (any kind) as a Run."""
    return Run(os.fspath(path))
