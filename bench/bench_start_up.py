"""Start-up and idle memory: `csp --help`, `csp inbox parse` of one small reply, and the
resident memory of an idle daemon. Targets: < 0.3 s, < 0.4 s and < 60 MiB.

    .venv/bin/python bench/bench_start_up.py [--rounds 5] [--idle 20]

Each command runs as a fresh process, in turn with its baseline: a bare interpreter that
imports click (for `--help`), and one that parses the same message with the standard library
(for `inbox parse`). The daemon runs `csp run` on a fresh SQLite database with the shipped
configuration and no mail server (emails go to a folder); after --idle seconds its VmRSS and
Pss are read from /proc.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interleave import MIN_ROUNDS, interleaved  # noqa: E402

MESSAGE = ROOT / "tests" / "fixtures" / "mail" / "ours" / "outlook_desktop_top_posted.eml"


def seconds(*command: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def idle_memory(folder: Path, idle: float) -> tuple[float, float]:
    """VmRSS and Pss (MiB) of `csp run` after `idle` seconds."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "PYTHONPATH": str(ROOT),
        "CSP_DATA_DIR": str(folder / "data"),
        "CSP_CONFIG_DIR": str(ROOT / "config"),
        "CSP_DATABASE_URL": f"sqlite:///{folder / 'csp.sqlite3'}",
    }
    csp = [sys.executable, "-m", "scheduler.cli.main"]
    subprocess.run([*csp, "db", "upgrade"], env=env, check=True, capture_output=True)
    daemon = subprocess.Popen(
        [*csp, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        time.sleep(idle)
        status = Path(f"/proc/{daemon.pid}/status").read_text()
        rollup = Path(f"/proc/{daemon.pid}/smaps_rollup").read_text()
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    pss = int(re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return rss / 1024, pss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds before reading memory")
    args = parser.parse_args()
    python = sys.executable
    csp = (python, "-m", "scheduler.cli.main")
    with tempfile.TemporaryDirectory(prefix="csp-start-") as name:
        env = {**os.environ, "CSP_CONFIG_DIR": str(ROOT / "config"), "HOME": name}
        help_ = interleaved(
            lambda: seconds(*csp, "--help", env=env),
            lambda: seconds(python, "-c", "import click", env=env),
            args.rounds,
        )
        parse = interleaved(
            lambda: seconds(*csp, "inbox", "parse", str(MESSAGE), env=env),
            lambda: seconds(
                python,
                "-c",
                "import sys, email; email.message_from_bytes(open(sys.argv[1], 'rb').read())",
                str(MESSAGE),
                env=env,
            ),
            args.rounds,
        )
        rss, pss = idle_memory(Path(name), args.idle)
    print(help_.line("csp --help (baseline: python -c 'import click')"))
    print(parse.line("csp inbox parse (baseline: the standard library's parse)"))
    print(f"idle daemon after {args.idle:.0f} s: VmRSS {rss:.1f} MiB, Pss {pss:.1f} MiB")
    for label, value, target in (
        ("csp --help median s", statistics.median(help_.project), 0.3),
        ("csp inbox parse median s", statistics.median(parse.project), 0.4),
        ("idle daemon VmRSS MiB", rss, 60.0),
    ):
        print(f"{label}: {value:.3f} ({'met' if value < target else 'MISSED'} < {target})")


if __name__ == "__main__":
    main()
