"""Bad arrays raise ValueError before reaching C; the library's errors
raise SynrlError with its message."""
import numpy as np
import pytest

import synrl

X = np.random.default_rng(0).normal(size=(50, 3))
Y = (X[:, 0] > 0).astype(np.int32)


@pytest.mark.parametrize("x, y, what", [
    (X.astype(np.float32), Y, "dtype"),
    (X.astype(np.int64), Y, "dtype"),
    (X[:, :2].T.copy().T, Y, "contiguous"),
    (X[::2], Y[::2].copy(), "contiguous"),
    (X.reshape(-1), Y, "shape"),
    (X, Y[:10], "rows"),
    (np.where(np.arange(150).reshape(50, 3) == 7, np.nan, X), Y, "NaN"),
    (np.where(np.arange(150).reshape(50, 3) == 7, np.inf, X), Y, "NaN"),
    (X, Y.astype(np.float32), "dtype"),
    (X, np.where(np.arange(50) == 3, np.nan, Y.astype(np.float64)), "NaN"),
    (X, -Y - 1, "labels"),
    (X[:0], Y[:0], "empty"),
    ([[1.0, 2.0]], [1], "NumPy array"),
])
def test_bad_arrays(x, y, what):
    with pytest.raises(ValueError, match=what):
        synrl.train_mlp(x, y, iterations=1)


def test_bad_settings():
    with pytest.raises(ValueError, match="method"):
        synrl.train_mlp(X, Y, method="adam")
    with pytest.raises(ValueError, match="loss"):
        synrl.train_mlp(X, Y, loss="euclid")
    with pytest.raises(ValueError, match="batch"):
        synrl.train_mlp(X, Y, batch=51)
    with pytest.raises(ValueError, match="y_valid"):
        synrl.train_mlp(X, Y, x_valid=X)
    with pytest.raises(ValueError, match="policy"):
        synrl.train_mlp(X, Y, policy=np.zeros(10))


def test_library_errors_carry_the_message(tmp_path):
    with pytest.raises(synrl.SynrlError) as ex:
        synrl.train_mlp(X, Y, policy=str(tmp_path / "missing.txt"), iterations=1)
    assert "missing.txt" in str(ex.value) and ex.value.status
    bad = tmp_path / "bad.txt"
    bad.write_text("not a policy\n")
    with pytest.raises(synrl.SynrlError, match="bad.txt"):
        synrl.read_policy(bad)
    # the library's own checks: the small path trains regression networks only
    with pytest.raises(synrl.SynrlError, match="small"):
        synrl.train_mlp(X, Y, path="small", iterations=1)
    with pytest.raises(synrl.SynrlError, match="net.bin"):
        synrl.MLPNet(str(tmp_path / "net.bin"))
