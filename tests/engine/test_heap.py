"""The heap setting: taken once per process by glibc, refused when the environment says so."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.paths import REPO_ROOT

PROBE = "from model.engine import heap; print(heap.keep_freed_memory(), heap.keep_freed_memory())"


def probe(environment: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env={**os.environ, **environment},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_setting_once_per_process():
    assert probe({}) == "True False"


def test_the_environment_can_turn_it_off():
    assert probe({"POVERTY_SIM_KEEP_FREED_MEMORY": "0"}) == "False False"
