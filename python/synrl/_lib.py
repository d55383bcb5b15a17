"""Loading libsynrl.so and the ctypes mirrors of the public C structs that
the Python side uses (include/synrl/*.h). tests/python/test_abi.py checks
every mirror's size and field offsets against the C compiler."""
import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_bool, c_char, c_char_p, c_double, c_int, c_int32,
                    c_long, c_size_t, c_uint8, c_uint64, c_void_p)

_HERE = os.path.dirname(os.path.abspath(__file__))

NN_MAX_LAYERS = 8
SYNRL_N_Q = 243


class SynrlError(RuntimeError):
    """A failure reported by the library: .status is its syn_status name
    ("arg", "io", ...), str() the library's one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class syn_err(Structure):
    _fields_ = [("code", c_int), ("msg", c_char * 512)]


class data_set(Structure):
    _fields_ = [("n", c_size_t), ("in_dim", c_int), ("out_dim", c_int),
                ("x", POINTER(c_double)), ("x_u8", POINTER(c_uint8)),
                ("labels", POINTER(c_int32)), ("targets", POINTER(c_double))]


class nn_mlp(Structure):
    _fields_ = [("n_layers", c_int), ("widths", c_int * (NN_MAX_LAYERS + 1)),
                ("act", c_int * NN_MAX_LAYERS), ("n_params", c_size_t),
                ("params", POINTER(c_double)), ("w", POINTER(c_double) * NN_MAX_LAYERS),
                ("offset", c_size_t * NN_MAX_LAYERS)]


class synrl_policy(Structure):
    _fields_ = [("q", c_double * SYNRL_N_Q)]


class synrl_config(Structure):
    _fields_ = [("epsilon", c_double), ("alpha_s", c_double), ("alpha_q", c_double),
                ("gamma", c_double), ("adaptive", c_bool), ("bias_step", c_int),
                ("halve_at", c_long), ("seed", c_uint64), ("path", c_int),
                ("portable", c_bool), ("shard", c_void_p)]


class gd_config(Structure):
    _fields_ = [("lr", c_double)]


class run_config(Structure):
    _fields_ = [("iterations", c_long), ("batch_size", c_size_t), ("batch_every", c_long),
                ("eval_every", c_long), ("abort_after", c_long), ("abort_below", c_double),
                ("patience", c_long), ("seed", c_uint64), ("acc", c_int),
                ("out_dir", c_char_p), ("shard", c_void_p), ("progress", c_void_p),
                ("progress_user", c_void_p), ("progress_every_s", c_double),
                ("ckpt_path", c_char_p), ("ckpt_every", c_long), ("ckpt_every_s", c_double),
                ("ckpt_config", c_char_p), ("resume_path", c_char_p), ("stop", c_void_p)]


class run_result(Structure):
    _fields_ = [("iterations", c_long), ("batch_loss", c_double), ("train_loss", c_double),
                ("train_acc", c_double), ("valid_loss", c_double), ("valid_acc", c_double),
                ("test_loss", c_double), ("test_acc", c_double), ("seconds", c_double),
                ("cpu_seconds", c_double), ("aborted", c_bool), ("stopped_early", c_bool),
                ("best_iter", c_long), ("interrupted", c_bool), ("resumed_at", c_long),
                ("checkpoints", c_long), ("ckpt_seconds", c_double), ("ckpt_bytes", c_size_t)]


class boundary2d_config(Structure):
    _fields_ = [("hidden", c_int), ("weight_range", c_double), ("point_range", c_double),
                ("n_train", c_size_t), ("n_valid", c_size_t), ("seed", c_uint64)]


class rng_t(Structure):
    _fields_ = [("s", c_uint64 * 4)]


_DESTROY = ctypes.CFUNCTYPE(None, c_void_p)


class learn_rule(Structure):
    _fields_ = [("name", c_char_p), ("net", POINTER(nn_mlp)), ("loss", c_int),
                ("set_batch", c_void_p), ("step", c_void_p), ("sync", c_void_p),
                ("destroy", _DESTROY), ("save", c_void_p), ("load", c_void_p)]


# name -> (restype, argtypes)
_SIGNATURES = {
    "core_version": (c_char_p, []),
    "syn_status_name": (c_char_p, [c_int]),
    "core_fnv1a64": (c_uint64, [c_void_p, c_size_t, c_uint64]),
    "rng_seed": (None, [POINTER(rng_t), c_uint64, c_uint64]),
    "nn_mlp_create": (c_int, [POINTER(nn_mlp), c_int, POINTER(c_int), POINTER(c_int),
                              POINTER(syn_err)]),
    "nn_mlp_destroy": (None, [POINTER(nn_mlp)]),
    "nn_mlp_init_uniform": (None, [POINTER(nn_mlp), c_double, POINTER(rng_t)]),
    "nn_mlp_load": (c_int, [POINTER(nn_mlp), c_char_p, POINTER(syn_err)]),
    "nn_mlp_save": (c_int, [POINTER(nn_mlp), c_char_p, POINTER(syn_err)]),
    "synrl_policy_read": (c_int, [POINTER(synrl_policy), c_char_p, POINTER(syn_err)]),
    "synrl_policy_save": (c_int, [POINTER(synrl_policy), c_char_p, c_char_p, POINTER(syn_err)]),
    "synrl_config_default": (None, [POINTER(synrl_config)]),
    "synrl_trainer_create": (c_int, [POINTER(c_void_p), POINTER(nn_mlp), c_int,
                                     POINTER(synrl_policy), POINTER(synrl_config), c_size_t,
                                     POINTER(syn_err)]),
    "gd_create": (c_int, [POINTER(c_void_p), POINTER(nn_mlp), c_int, POINTER(gd_config),
                          c_size_t, POINTER(syn_err)]),
    "run_config_default": (None, [POINTER(run_config)]),
    "run_train": (c_int, [c_void_p, POINTER(data_set), POINTER(data_set), POINTER(data_set),
                          POINTER(run_config), POINTER(run_result), POINTER(syn_err)]),
    "boundary2d_config_default": (None, [POINTER(boundary2d_config)]),
    "boundary2d_make": (c_int, [POINTER(boundary2d_config), POINTER(nn_mlp), POINTER(data_set),
                                POINTER(data_set), POINTER(syn_err)]),
    "data_set_free": (None, [POINTER(data_set)]),
}


def _candidates():
    env = os.environ.get("SYNRL_LIBRARY")
    if env:
        return [env]
    out = []
    for d in (_HERE, os.path.join(_HERE, "..", "..", "build"), os.path.join(_HERE, "..", "build")):
        for name in ("libsynrl.so", "libsynrl.so.0"):
            out.append(os.path.join(d, name))
    for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep):
        if d:
            out.append(os.path.join(d, "libsynrl.so.0"))
    found = ctypes.util.find_library("synrl")
    if found:
        out.append(found)
    for d in ("/usr/local/lib", "/usr/local/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
              "/usr/lib"):
        out.append(os.path.join(d, "libsynrl.so.0"))
    return out


_lib = None
_lib_path = None


def lib():
    """The loaded library (SYNRL_LIBRARY, else next to the package, the
    source tree's build/, then the system's library path)."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.environ.get("SYNRL_LIBRARY") is None and not os.path.isabs(path) \
                and os.sep not in path:
            pass  # a bare soname from find_library: let the loader search
        elif not os.path.exists(path):
            tried.append(path)
            continue
        try:
            handle = ctypes.CDLL(path)
        except OSError as ex:
            tried.append("%s (%s)" % (path, ex))
            continue
        for name, (res, args) in _SIGNATURES.items():
            f = getattr(handle, name)
            f.restype = res
            f.argtypes = args
        _lib, _lib_path = handle, path
        return _lib
    raise ImportError("synrl: libsynrl.so not found (set SYNRL_LIBRARY to its path); tried: "
                      + ", ".join(tried))


def library_path():
    """The file of the loaded library (a bare soname is looked up in the
    process's memory map)."""
    lib()
    if os.path.exists(_lib_path):
        return os.path.realpath(_lib_path)
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "/libsynrl.so" in p:
                    return p
    except OSError:
        pass
    return _lib_path


def check(status, err):
    """Raises SynrlError with the library's message when status is not SYN_OK."""
    if status:
        name = lib().syn_status_name(status).decode()
        msg = err.msg.decode("utf-8", "replace") or name
        raise SynrlError(name, msg)


def data_dir():
    """Where the authors' table and other data lie: SYNRL_DATA_DIR, the
    source tree's data/, or PREFIX/share/synrl beside the installed library."""
    env = os.environ.get("SYNRL_DATA_DIR")
    cands = [env] if env else []
    cands.append(os.path.join(_HERE, "..", "..", "data"))
    cands.append(os.path.join(_HERE, "data"))
    try:
        libdir = os.path.dirname(library_path())
        cands += [os.path.join(libdir, "..", "share", "synrl"),
                  os.path.join(libdir, "..", "..", "share", "synrl")]
    except ImportError:
        pass
    cands += ["/usr/local/share/synrl", "/usr/share/synrl"]
    for c in cands:
        if c and os.path.exists(os.path.join(c, "policies", "authors-golden.tsv")):
            return os.path.normpath(c)
    raise FileNotFoundError("synrl: policies/authors-golden.tsv not found (set SYNRL_DATA_DIR); "
                            "looked in " + ", ".join(c for c in cands if c))
