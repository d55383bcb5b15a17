"""Coagent agents from Python: a built-in environment gives the CLI's bits;
a pure-Python CartPole (Gymnasium protocol) is learned by Weight Max;
errors in a Python environment come back as its exception."""
import json
import os
import sys

import numpy as np
import pytest

import synrl

sys.path.insert(0, os.path.dirname(__file__))
from cartpole import CartPole  # noqa: E402


@pytest.mark.parametrize("method", ["weightmax", "reinforce"])
def test_builtin_equals_cli(cli_run, method):
    d = cli_run("rl-" + method, "--method", method, "--episodes", "30", "--hidden", "16,8",
                "--critic-hidden", "16,8", "--seed", "3", "--eval-episodes", "5", sub="rl")
    with open(d / "summary.json") as f:
        s = json.load(f)
    r = synrl.train_agent("cartpole", method=method, episodes=30, hidden=[16, 8],
                          critic_hidden=[16, 8], seed=3, eval_episodes=5)
    assert r.results["actor_fnv1a64"] == s["actor_fnv1a64"]
    assert r.results["eval_return"] == s["eval_return"]
    assert synrl.fnv1a64(r.actor) == s["actor_fnv1a64"]
    assert r.actor_widths == [4, 16, 8, 2]


def test_python_cartpole_learned_by_weightmax():
    r = synrl.train_agent(CartPole, preset="cartpole-weightmax", episodes=400, seed=1,
                          eval_episodes=10, log_every=1)
    ret = r.metrics["return"]
    assert len(ret) == 400
    assert ret[-100:].mean() > 400, ret[-100:].mean()
    # the same seed, the same run
    r2 = synrl.train_agent(CartPole, preset="cartpole-weightmax", episodes=20, seed=1,
                           eval_episodes=2)
    r3 = synrl.train_agent(CartPole, preset="cartpole-weightmax", episodes=20, seed=1,
                           eval_episodes=2)
    assert r2.results["actor_fnv1a64"] == r3.results["actor_fnv1a64"]


class Broken(CartPole):
    def step(self, action):
        if self.t == 5:
            raise KeyError("the pole fell off")
        return super().step(action)


class BadObs(CartPole):
    def reset(self, seed=None, options=None):
        return np.array([np.nan, 0.0, 0.0, 0.0]), {}


def test_python_env_errors_raise():
    with pytest.raises(KeyError, match="pole fell off"):
        synrl.train_agent(Broken, episodes=3, eval_episodes=0)
    with pytest.raises(ValueError, match="observation"):
        synrl.train_agent(BadObs, episodes=3, eval_episodes=0)


def test_agent_library_errors():
    with pytest.raises(synrl.SynrlError, match="preset"):
        synrl.train_agent("cartpole", preset="cartpole-adam")
    with pytest.raises(ValueError, match="not a setting"):
        synrl.train_agent("cartpole", episodes=1, colour="red")
