"""The ctypes mirrors of the C structs (python/synrl/_lib.py) have the C
compiler's sizes and field offsets, so a changed header fails here, not as
a crash."""
import ctypes
import os
import shutil
import subprocess

import pytest

from synrl import _lib, agent

MIRRORS = {name: _lib for name in
           ["syn_err", "data_set", "nn_mlp", "synrl_policy", "synrl_config", "gd_config",
            "run_config", "run_result", "boundary2d_config", "rng_t", "learn_rule"]}
MIRRORS.update({name: agent for name in
                ["env_space", "env_config", "env_result", "env", "env_def", "agent_setup",
                 "agent_result", "coa_layer", "coa_net", "agent_outcome"]})


def test_struct_layouts(root, tmp_path):
    cc = shutil.which(os.environ.get("CC", "cc"))
    if not cc:
        pytest.skip("no C compiler")
    lines = ['#include "synrl/synrl.h"', "#include <stddef.h>", "#include <stdio.h>",
             "int main(void) {"]
    for name in MIRRORS:
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (name, name))
        for field, _ in getattr(MIRRORS[name], name)._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (name, field, name, field))
    lines += ["return 0;", "}"]
    src = tmp_path / "abi.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "abi"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(root, "include"), str(src), "-o", str(exe)],
                   check=True)
    got = dict(l.split() for l in subprocess.run([str(exe)], check=True, capture_output=True,
                                                 text=True).stdout.splitlines())
    for name in MIRRORS:
        cls = getattr(MIRRORS[name], name)
        assert int(got[name]) == ctypes.sizeof(cls), name
        for field, _ in cls._fields_:
            assert int(got["%s.%s" % (name, field)]) == getattr(cls, field).offset, \
                "%s.%s" % (name, field)
