"""Startup benchmark: what `make install`'s compiled bytecode saves each command.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/startup_bench.py [--accounts 1000000]

Builds a fresh virtual environment from this checkout (``uv venv`` + ``uv pip install .``, the
project's locked dependencies, no bytecode), then times, as new processes with
PYTHONDONTWRITEBYTECODE=1 (as on servers where Python may not write next to the code, and as the
environment this was measured in sets it):

1. without bytecode: ``arrears --help``, importing the web app, the batch run and the scoring, and
   ``arrears batch run`` over a synthetic book of ``--accounts`` accounts: every one compiles what it
   imports, every time;
2. the same after ``python -m compileall`` of the environment (what ``make install`` now does with
   ``uv sync --compile-bytecode`` and ``compileall`` of the project).

The ratio is per command, measured in the same run; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="arrears-startup-"))
    try:
        venv = work / "venv"
        uv = _uv()
        env = {**os.environ, "VIRTUAL_ENV": str(venv), "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
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
        for wanted in (["-r", str(locked)], ["--no-deps", str(ROOT)]):
            subprocess.run([uv, "pip", "install", "--quiet", "--no-compile", *wanted], env=env, check=True)
        python, arrears = str(venv / "bin" / "python"), str(venv / "bin" / "arrears")
        book, model = work / "book.parquet", work / "model"
        subprocess.run([arrears, "synth", "portfolio", "--accounts", str(args.accounts), "--out", str(book),
                        "--as-of", "2026-12-01"], env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        sample = work / "sample.csv"
        lines = (ROOT / "src/arrears/data/uci_credit_card/train.csv").read_text("utf-8").splitlines()[:3_001]
        sample.write_text("\n".join(lines) + "\n", "utf-8")
        subprocess.run([arrears, "model", "train", "--data", str(sample), "--out", str(model)], env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        commands = {
            "arrears --help": [arrears, "--help"],
            "import the web app, the batch run and the scoring": [python, "-c", IMPORTS],
            f"arrears batch run, {args.accounts:,} accounts": [
                arrears, "batch", "run", "--accounts", str(book), "--model", str(model),
                "--date", "2026-12-01", "--out", str(work / "out"),
            ],
        }  # fmt: skip
        before = {name: _timed(command, env) for name, command in commands.items()}
        started = time.perf_counter()
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", str(venv)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        compiling = time.perf_counter() - started
        after = {name: _timed(command, env) for name, command in commands.items()}
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; compiling the environment took "
              f"{compiling:.1f} s once")  # fmt: skip
        print(f"{'command':52} {'no bytecode':>12} {'compiled':>9} {'saved':>7}")
        for name in commands:
            saved = before[name] - after[name]
            print(f"{name:52} {before[name]:10.2f} s {after[name]:7.2f} s {saved:5.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
