"""pytest set-up: the package from the source tree's python/ and the synrl
binary (SYNRL_BIN, else build/synrl) for runs to compare with."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))


@pytest.fixture(scope="session")
def synrl_bin():
    b = os.environ.get("SYNRL_BIN", os.path.join(ROOT, "build", "synrl"))
    if not os.path.exists(b):
        pytest.skip("no synrl binary (set SYNRL_BIN)")
    return b


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture
def cli_run(synrl_bin, tmp_path):
    """cli_run(name, *flags): runs `synrl train FLAGS --out TMP/name` and
    returns the folder."""
    def go(name, *flags, sub="train"):
        out = tmp_path / name
        subprocess.run([synrl_bin, sub, *flags, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return out
    return go
