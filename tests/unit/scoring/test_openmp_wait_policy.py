"""Importing arrears makes OpenMP's waiting threads sleep unless the operator chose otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = "import arrears, os; print(os.environ.get('OMP_WAIT_POLICY'))"


def _policy(**given: str) -> str:
    env = {name: value for name, value in os.environ.items() if name != "OMP_WAIT_POLICY"} | given
    shown = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True)
    return shown.stdout


def test_waiting_threads_sleep_by_default() -> None:
    assert _policy().strip() == "PASSIVE"


def test_an_operators_own_policy_is_kept() -> None:
    assert _policy(OMP_WAIT_POLICY="ACTIVE").strip() == "ACTIVE"
