"""load_run on run folders the command line wrote."""
import subprocess

import numpy as np
import pytest

import synrl


def test_train_run(cli_run):
    d = cli_run("t", "--iterations", "200", "--seed", "2", "--hidden", "8")
    run = synrl.load_run(d)
    assert run.kind == "train"
    assert run.settings["hidden"] == "8" and run.settings["seed"] == "2"
    assert run.net.widths == [2, 8, 1] and run.net.acts == ["tanh", "tanh"]
    assert synrl.fnv1a64(run.net.params) == run.summary["params_fnv1a64"]
    assert run.q.shape == (243,)
    assert list(run.metrics)[:2] == ["step", "seconds"]
    assert np.array_equal(run.metrics["step"], [100, 200])
    assert run.metrics["train_acc"][-1] == run.summary["train_acc"]


def test_exported_safetensors(cli_run, synrl_bin, tmp_path):
    d = cli_run("x", "--iterations", "100", "--seed", "4", "--hidden", "5")
    subprocess.run([synrl_bin, "export", str(d), str(d / "net.safetensors")], check=True,
                   capture_output=True)
    run = synrl.load_run(d)
    t = run.tensors["net.safetensors"]
    assert np.array_equal(t["layers.0.weight"], run.net.weights[0].T)
    assert np.array_equal(t["layers.1.bias"], run.net.biases[1])


def test_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="summary.json"):
        synrl.load_run(tmp_path)
