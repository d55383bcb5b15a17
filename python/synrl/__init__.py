"""synrl from Python: the synrl C library (libsynrl.so) through ctypes, with
NumPy arrays in and out. docs/python.md describes it."""
from ._lib import SynrlError, data_dir, library_path
from .mlp import (MLPResult, authors_policy_path, boundary2d, fnv1a64, read_policy, train_mlp)
from .run import MLPNet, Run, load_run, read_safetensors
from .agent import AgentResult, train_agent


def version():
    """The library's version ("0.2.0")."""
    from ._lib import lib
    return lib().core_version().decode()


__all__ = ["SynrlError", "MLPResult", "MLPNet", "Run", "train_mlp", "boundary2d", "fnv1a64",
           "read_policy", "authors_policy_path", "load_run", "read_safetensors", "version",
           "library_path", "data_dir", "train_agent", "AgentResult"]
