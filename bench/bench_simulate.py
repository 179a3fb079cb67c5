"""`csp simulate` for a year of a large plan, the whole command against the rules alone.

    .venv/bin/python bench/bench_simulate.py [--actions 1500 3000 6000] [--rounds 5]

For each size, a plan of that many actions (`large_plan.py`: 20 actions per lead) in a
configuration folder of its own. Each round runs, in turn:

- the whole command, `csp simulate --from 2011-04-01 --to 2012-03-31 --json`, in a process
  of its own (start-up, reading and checking the YAML, the rules, every subject line from
  the real templates, the JSON);
- the rules alone (the baseline): `simulate` over the same year on the plan already read,
  its cached schedule cleared first, as the command builds it once.

It prints min / median / max of each, their ratio, the milliseconds per action (flat when
the cost is linear in actions) and the load average before and after.
Target: under 10 s for 6,000 actions, linear in actions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from large_plan import write_large_config  # noqa: E402

from scheduler.domain.schedule import due  # noqa: E402
from scheduler.domain.schedule.simulation import simulate  # noqa: E402
from scheduler.services.configuration import read_configuration  # noqa: E402

LONDON = ZoneInfo("Europe/London")
START = datetime(2011, 4, 1, tzinfo=LONDON)
END = datetime(2012, 3, 31, 23, 59, 59, tzinfo=LONDON)
COORDINATOR = "community.safety@example.org"


def whole_command(config: Path, data: Path) -> Callable[[], int]:
    """Runs the command in a process of its own; the number of bytes of JSON it printed."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CSP_CONFIG_DIR": str(config),
        "CSP_DATA_DIR": str(data),
        "CSP_COORDINATOR_EMAIL": COORDINATOR,
    }
    argv = [sys.executable, "-m", "scheduler.cli.main", "simulate"]
    argv += ["--from", "2011-04-01", "--to", "2012-03-31", "--json"]

    def run() -> int:
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True)
        return len(done.stdout)

    return run


def rules_alone(config: Path) -> Callable[[], int]:
    """The domain's simulation on the plan as read; the number of emails."""
    configuration = read_configuration(config)
    plan = configuration.plans[0][1]

    def run() -> int:
        due._schedule.cache_clear()  # the command builds the schedule once, so must this
        emails = simulate(
            plan,
            configuration.meetings,
            configuration.policy,
            start=START,
            end=END,
            coordinator_email=COORDINATOR,
        )
        return len(emails)

    return run


def timed(run: Callable[[], int]) -> tuple[float, int]:
    begin = time.perf_counter()
    size = run()
    return time.perf_counter() - begin, size


def spread(times: list[float]) -> str:
    return f"{min(times):7.2f} {statistics.median(times):7.2f} {max(times):7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, nargs="+", default=[1500, 3000, 6000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    lines = []
    with tempfile.TemporaryDirectory(prefix="csp-bench-simulate-") as folder:
        for actions in args.actions:
            config = write_large_config(Path(folder) / str(actions), actions)
            command = whole_command(config, Path(folder) / "data")
            rules = rules_alone(config)
            whole_s: list[float] = []
            rules_s: list[float] = []
            emails = 0
            for _ in range(args.rounds):  # in turn, so a busy machine weighs on both alike
                seconds, _ = timed(command)
                whole_s.append(seconds)
                seconds, emails = timed(rules)
                rules_s.append(seconds)
            median = statistics.median(whole_s)
            lines.append(
                f"{actions:>7} {emails:>7}  {spread(whole_s)}  {spread(rules_s)}  "
                f"{median / statistics.median(rules_s):5.1f}x  {median / actions * 1000:6.2f}"
            )
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.rounds} rounds, whole command and rules in turn; seconds min / median / max")
    print(
        f"{'actions':>7} {'emails':>7}  {'whole command':^23}  {'rules alone':^23}  "
        "ratio  ms/action"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
