"""Startup benchmark: what `make install`'s compiled bytecode saves each command.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/startup_bench.py [--accounts 1000000]

Builds two fresh virtual environments from this checkout (``uv venv`` + ``uv pip install``: uv.lock's
versions and the project, no bytecode) and compiles one, then times, as new processes with
PYTHONDONTWRITEBYTECODE=1 (as on servers where Python may not write next to the code, and as the
environment this was measured in sets it):

1. without bytecode (one environment as installed): ``arrears --help``, importing the web app, the
   batch run and the scoring, and ``arrears batch run`` over a synthetic book of ``--accounts``
   accounts: every one compiles what it imports, every time;
2. the same in a second environment after ``python -m compileall`` (what ``make install`` does with
   ``uv sync --compile-bytecode`` and ``compileall`` of the project).

The two environments run each command in turn, ``--repeats`` times; the medians are printed with the
load average seen.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = "import arrears.web.app, arrears.batch.run_file, arrears.scoring.train"


def _uv() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    if not Path(found).exists():
        sys.exit("uv is needed (make install puts it in ~/.local/bin)")
    return found


def _quiet(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _environment(work: Path, name: str, uv: str, locked: Path) -> tuple[Path, dict[str, str]]:
    venv = work / name
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    for wanted in (["-r", str(locked)], ["--no-deps", str(ROOT)]):
        subprocess.run([uv, "pip", "install", "--quiet", "--no-compile", *wanted], env=env, check=True)
    return venv, env


def _commands(venv: Path, book: Path, model: Path, out: Path, accounts: int) -> dict[str, list[str]]:
    python, arrears = str(venv / "bin" / "python"), str(venv / "bin" / "arrears")
    return {
        "arrears --help": [arrears, "--help"],
        "import the web app, the batch run and the scoring": [python, "-c", IMPORTS],
        f"arrears batch run, {accounts:,} accounts": [
            arrears, "batch", "run", "--accounts", str(book), "--model", str(model),
            "--date", "2026-12-01", "--out", str(out),
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command in each environment")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="arrears-startup-"))
    try:
        uv = _uv()
        locked = work / "requirements.txt"  # uv.lock's versions
        exporting = [
            uv,
            "export",
            "--frozen",
            "--no-hashes",
            "--no-emit-project",
            "--quiet",
            "-o",
            str(locked),
        ]
        subprocess.run(exporting, cwd=ROOT, check=True)
        bare, bare_env = _environment(work, "bare", uv, locked)
        compiled, compiled_env = _environment(work, "compiled", uv, locked)
        started = time.perf_counter()
        subprocess.run([str(compiled / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(compiled)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        compiling = time.perf_counter() - started
        arrears = str(compiled / "bin" / "arrears")
        book, model = work / "book.parquet", work / "model"
        synth = [arrears, "synth", "portfolio", "--accounts", str(args.accounts), "--out", str(book)]
        _quiet([*synth, "--as-of", "2026-12-01"], compiled_env)
        sample = work / "sample.csv"
        lines = (ROOT / "src/arrears/data/uci_credit_card/train.csv").read_text("utf-8").splitlines()[:3_001]
        sample.write_text("\n".join(lines) + "\n", "utf-8")
        _quiet([arrears, "model", "train", "--data", str(sample), "--out", str(model)], compiled_env)
        sides = {
            "no bytecode": (_commands(bare, book, model, work / "out-bare", args.accounts), bare_env),
            "compiled": (
                _commands(compiled, book, model, work / "out-compiled", args.accounts),
                compiled_env,
            ),
        }
        times: dict[tuple[str, str], list[float]] = {}
        loads = []
        for _ in range(args.repeats):  # the two environments in turn, so that a change of load hits both
            for name in sides["compiled"][0]:
                for side, (commands, env) in sides.items():
                    times.setdefault((side, name), []).append(_timed(commands[name], env))
                    loads.append(os.getloadavg()[0])
        load = f"load average {min(loads):.2f} to {max(loads):.2f}"
        print(f"{os.cpu_count()} CPUs, {load}; compiling the environment took {compiling:.1f} s once; "
              f"medians of {args.repeats} runs, alternated")  # fmt: skip
        print(f"{'command':52} {'no bytecode':>12} {'compiled':>9} {'saved':>7}")
        for name in sides["compiled"][0]:
            before = statistics.median(times[("no bytecode", name)])
            after = statistics.median(times[("compiled", name)])
            print(f"{name:52} {before:10.2f} s {after:7.2f} s {before - after:5.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
