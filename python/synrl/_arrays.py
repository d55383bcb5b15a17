"""Checks on the user's arrays, made before anything reaches C: a bad array
raises ValueError naming the argument."""
import numpy as np


def _check_common(name, a):
    if not isinstance(a, np.ndarray):
        raise ValueError("%s: expected a NumPy array, got %s" % (name, type(a).__name__))
    if not a.flags["C_CONTIGUOUS"]:
        raise ValueError("%s: array is not C-contiguous (use np.ascontiguousarray)" % name)
    if a.size == 0:
        raise ValueError("%s: array is empty" % name)


def inputs(name, x):
    """x: (n, features) float64 or uint8 (pixels: x / 255 exactly as the
    library's 8-bit paths compute it). Returns (x float64, x_u8 or None)."""
    _check_common(name, x)
    if x.ndim != 2:
        raise ValueError("%s: expected shape (n, features), got %s" % (name, x.shape))
    if x.dtype == np.uint8:
        return x.astype(np.float64) / 255.0, x
    if x.dtype != np.float64:
        raise ValueError("%s: dtype %s: expected float64 (or uint8 pixels)" % (name, x.dtype))
    if not np.isfinite(x).all():
        raise ValueError("%s: contains NaN or infinite values" % name)
    return x, None


def outputs(name, y, n):
    """y: integer class labels (n,) or float64 regression targets (n,) or
    (n, outputs). Returns ("labels", int32 array) or ("targets", 2-D float64)."""
    _check_common(name, y)
    if y.shape[0] != n:
        raise ValueError("%s: %d rows, but the inputs have %d" % (name, y.shape[0], n))
    if np.issubdtype(y.dtype, np.integer):
        if y.ndim != 1:
            raise ValueError("%s: labels must have shape (n,), got %s" % (name, y.shape))
        if y.min() < 0 or y.max() >= 2**31 - 1:
            raise ValueError("%s: labels must lie in [0, classes)" % name)
        return "labels", np.ascontiguousarray(y, dtype=np.int32)
    if y.dtype != np.float64:
        raise ValueError("%s: dtype %s: expected integer labels or float64 targets"
                         % (name, y.dtype))
    if y.ndim not in (1, 2):
        raise ValueError("%s: targets must have shape (n,) or (n, outputs), got %s"
                         % (name, y.shape))
    if not np.isfinite(y).all():
        raise ValueError("%s: contains NaN or infinite values" % name)
    return "targets", y.reshape(n, -1)
