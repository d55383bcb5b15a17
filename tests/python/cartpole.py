"""CartPole-v1 in pure Python with Gymnasium's protocol (the dynamics of
gymnasium/envs/classic_control/cartpole.py, Euler integration, 500-step
limit), with no Gymnasium needed."""
import math

import numpy as np


class Box:
    def __init__(self, low, high):
        self.low, self.high = np.asarray(low, float), np.asarray(high, float)
        self.shape = self.low.shape


class Discrete:
    def __init__(self, n):
        self.n = n


class CartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_limit, x_limit, max_steps = 12 * 2 * math.pi / 360, 2.4, 500

    def __init__(self):
        hi = np.array([4.8, np.inf, 0.42, np.inf])
        self.observation_space = Box(-hi, hi)
        self.action_space = Discrete(2)
        self.rng = np.random.default_rng()
        self.state = None
        self.t = 0

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=4)
        self.t = 0
        return self.state.copy(), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        cos, sin = math.cos(theta), math.sin(theta)
        total = self.masspole + self.masscart
        pml = self.masspole * self.length
        temp = (force + pml * theta_dot ** 2 * sin) / total
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * cos ** 2 / total))
        x_acc = temp - pml * theta_acc * cos / total
        x += self.tau * x_dot
        x_dot += self.tau * x_acc
        theta += self.tau * theta_dot
        theta_dot += self.tau * theta_acc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.t += 1
        terminated = bool(abs(x) > self.x_limit or abs(theta) > self.theta_limit)
        truncated = self.t >= self.max_steps
        return self.state.copy(), 1.0, terminated, truncated, {}
