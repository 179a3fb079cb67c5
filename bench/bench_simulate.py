"""How long the rules take: a simulated Lancaster year, and one daemon tick.

Run: .venv/bin/python bench/bench_simulate.py
Target: `csp simulate` for the Lancaster year under 1 second in all; the rules' share is
what this prints.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the Lancaster plan built as plain values

started = time.perf_counter()
from domain_examples import COORDINATOR, lancaster_plan  # noqa: E402

from scheduler.domain.schedule.due import Recorded, due_notifications  # noqa: E402
from scheduler.domain.schedule.meetings_yaml import parse_meetings  # noqa: E402
from scheduler.domain.schedule.policy_yaml import parse_policy  # noqa: E402
from scheduler.domain.schedule.simulation import notification_to_json, simulate  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - started
LONDON = ZoneInfo("Europe/London")
START = datetime(2011, 4, 1, tzinfo=LONDON)
END = datetime(2012, 4, 30, 23, 59, tzinfo=LONDON)


def timed(run: object, repeat: int) -> list[float]:
    assert callable(run)
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return times


def main() -> None:
    begin = time.perf_counter()
    meetings = parse_meetings((ROOT / "config/meetings.yaml").read_text(), "meetings.yaml")
    policy = parse_policy((ROOT / "config/policy.yaml").read_text(), "policy.yaml")
    config_seconds = time.perf_counter() - begin
    plan = lancaster_plan()

    def year() -> list[dict[str, object]]:
        emails = simulate(
            plan, meetings, policy, start=START, end=END, coordinator_email=COORDINATOR
        )
        return [notification_to_json(n) for n in emails]

    first = timed(year, 1)[0]  # holidays looked up and the schedule built
    warm = timed(year, 50)
    count = len(year())

    def tick() -> None:
        due_notifications(
            plan,
            meetings,
            policy,
            Recorded(),
            datetime(2011, 9, 6, 9, tzinfo=LONDON),
            coordinator_email=COORDINATOR,
        )

    ticks = timed(tick, 200)

    print(f"imports (domain, holidays, yaml):      {IMPORT_SECONDS * 1000:8.1f} ms")
    print(f"read meetings.yaml + policy.yaml:      {config_seconds * 1000:8.1f} ms")
    print(f"simulate Lancaster year, first run:    {first * 1000:8.1f} ms  ({count} emails)")
    print(f"simulate Lancaster year, median of 50: {statistics.median(warm) * 1000:8.1f} ms")
    print(f"one tick (due_notifications), median:  {statistics.median(ticks) * 1000:8.3f} ms")


if __name__ == "__main__":
    main()
