"""train_mlp on NumPy arrays against `synrl train` with the same seed: the
same weights bit for bit (params_fnv1a64 of summary.json)."""
import json

import numpy as np
import pytest

import synrl


def summary(d):
    with open(d / "summary.json") as f:
        return json.load(f)


def test_adaptive_equals_cli(cli_run):
    d = cli_run("a", "--iterations", "300", "--seed", "5")
    xt, yt, xv, yv = synrl.boundary2d(seed=5)
    r = synrl.train_mlp(xt, yt, x_valid=xv, y_valid=yv, iterations=300, seed=5)
    s = summary(d)
    assert r.params_fnv1a64 == s["params_fnv1a64"]
    assert r.results["train_acc"] == s["train_acc"]
    assert r.results["valid_acc"] == s["valid_acc"]
    # the Q table learned by the run is the one it saved
    assert np.array_equal(r.q, synrl.read_policy(d / "policy.txt"))
    # metrics.csv's columns, one row per evaluation
    assert list(r.metrics)[:3] == ["step", "seconds", "batch_loss"]
    assert r.metrics["step"][-1] == 300
    m = synrl.load_run(d).metrics
    assert np.array_equal(m["train_acc"], r.metrics["train_acc"], equal_nan=True)


def test_static_authors_table_equals_cli(cli_run, root):
    table = synrl.authors_policy_path()
    d = cli_run("s", "--preset", "2d-static", "--policy", table, "--iterations", "200",
                "--seed", "3", "--hidden", "16")
    xt, yt, xv, yv = synrl.boundary2d(seed=3)
    r = synrl.train_mlp(xt, yt, x_valid=xv, y_valid=yv, hidden=[16], policy="authors",
                        policy_mode="static", iterations=200, seed=3)
    assert r.params_fnv1a64 == summary(d)["params_fnv1a64"]
    # a static table is not changed
    assert np.array_equal(r.q, synrl.read_policy(table))


def test_gd_minibatch_equals_cli(cli_run):
    d = cli_run("g", "--method", "gd", "--iterations", "50", "--batch", "100", "--lr", "0.05",
                "--seed", "7", "--points", "500", "--valid-points", "0")
    xt, yt, _, _ = synrl.boundary2d(seed=7, points=500, valid_points=0)
    r = synrl.train_mlp(xt, yt, method="gd", iterations=50, batch=100, lr=0.05, seed=7)
    assert r.params_fnv1a64 == summary(d)["params_fnv1a64"]
    assert r.q is None


def test_classification_learns_and_predicts():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + 2 * (x[:, 2] > 0)
    r = synrl.train_mlp(x, y, hidden=[16], act="relu", method="gd", lr=0.5, iterations=300,
                        init_range=0.3, seed=2)
    assert r.widths == [4, 16, 4]
    assert r.weights[0].shape == (4, 16) and r.biases[1].shape == (4,)
    acc = np.mean(np.argmax(r.predict(x), axis=1) == y)
    assert acc == pytest.approx(r.results["train_acc"], abs=1e-12)
    assert acc > 0.8
    # synaptic RL on the same data runs too (adaptive, zero start)
    r2 = synrl.train_mlp(x, y, hidden=[8], iterations=50, init_range=0.3, seed=2)
    assert r2.q.shape == (243,) and np.any(r2.q != 0)


def test_uint8_inputs_are_pixels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(300, 10), dtype=np.uint8)
    y = (x[:, 0] > 127).astype(np.int32)
    a = synrl.train_mlp(x, y, hidden=[], method="synrl", policy="authors", policy_mode="static",
                        iterations=20, epsilon=0.1, alpha_s=1e-4, init_range=0.1, seed=4)
    b = synrl.train_mlp(x, y, hidden=[], method="synrl", policy="authors", policy_mode="static",
                        iterations=20, epsilon=0.1, alpha_s=1e-4, init_range=0.1, seed=4,
                        path="general")
    # the 8-bit path and the general one give the same bits
    assert a.params_fnv1a64 == b.params_fnv1a64
