"""The reminder tick on a large plan with a year of history: quiet, busy, and the pure rules.

    CSP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_tick.py [--actions 6000] [--rounds 5] [--sqlite]

A 6,000-action plan (`large_plan.py`: 300 leads) in a private PostgreSQL schema, whose
outbox holds every email of the year up to 21 February 2012 09:00 as the daemon would have
left it (sent, or skipped with a reason; rendered bytes and body of a realistic size, the
agenda packs with a PDF's weight), with each lead's reply and an update per action for
every meeting that has passed. Then, in turn, each round times:

- rules: `due_notifications` alone, given what is recorded (the baseline: no database);
- quiet tick: `run_tick` at 10:00, when everything due is recorded and nothing is sent;
- busy tick: `run_tick` at 09:00 after the emails of that moment (300 update requests and
  the day's deadline digests) are taken out of the outbox again, so they are rendered,
  queued and delivered (to a folder) once more.

It prints min / median / max of each, the tick's ratio to the rules, the load average
before and after, and one line
`quiet_tick_s=<median> busy_tick_s=<median> rules_s=<median> history_rows=<n>`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from large_plan import write_large_config  # noqa: E402
from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from scheduler.adapters.database import make_engine, session_factory, upgrade_schema  # noqa: E402
from scheduler.adapters.orm import OutboxRow, ReplyRow, UpdateRow  # noqa: E402
from scheduler.domain.schedule.due import (  # noqa: E402
    Recorded,
    due_notifications,
    scheduled_notifications,
)
from scheduler.domain.schedule.notification import Notification, NotificationKind  # noqa: E402
from scheduler.services.app import Services, build_services  # noqa: E402
from scheduler.services.plans import sync_configuration  # noqa: E402
from scheduler.services.reminders import run_tick  # noqa: E402
from scheduler.settings import settings_from_env  # noqa: E402
from tests.databases import private_postgres_schema  # noqa: E402

LONDON = ZoneInfo("Europe/London")
BUSY = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)  # update requests for 20 March 2012
QUIET = BUSY + timedelta(hours=1)
YEAR_START = datetime(2011, 4, 1, tzinfo=LONDON)
POSTGRES_ENV = "CSP_BENCH_DATABASE_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COORDINATOR = "community.safety@example.org"
BODY = "Dear lead,\n\nPlease reply with the status of each of your actions.\n" * 25
RAW = (BODY * 3).encode()  # text, HTML and a calendar: about 6 KiB
PACK_RAW = b"%PDF-1.7 agenda pack\n" * 15_000  # about 300 KiB


@contextmanager
def database(sqlite: bool) -> Iterator[str]:
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="scale-tick-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'csp.sqlite3'}"
        return
    with private_postgres_schema(os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES), "bench") as url:
        yield url


def services_for(url: str, config: Path, data: Path) -> Services:
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    env = {
        "CSP_DATABASE_URL": url,
        "CSP_CONFIG_DIR": str(config),
        "CSP_DATA_DIR": str(data),
        "CSP_COORDINATOR_EMAIL": COORDINATOR,
        "CSP_FROM_ADDRESS": "csp-updates@lancaster.example.org",
        "CSP_REPLY_TO": "csp-updates@lancaster.example.org",
    }
    return build_services(settings_from_env(env))


def year_until(services: Services, until: datetime) -> tuple[list[Notification], list[Any]]:
    """What the daemon would have sent and skipped from the start of the year to `until`."""
    config = services.config.current()
    plan = config.plans[0][1]
    sent: list[Notification] = []
    skipped: list[Any] = []
    keys: set[str] = set()
    schedule = scheduled_notifications(
        plan, config.meetings, config.policy, coordinator_email=COORDINATOR
    )
    moments = sorted({n.send_at for n in schedule if n.send_at <= until})
    for now in moments:
        result = due_notifications(
            plan,
            config.meetings,
            config.policy,
            Recorded(sent_keys=frozenset(keys)),
            now,
            coordinator_email=COORDINATOR,
        )
        sent.extend(result.due)
        skipped.extend(result.skipped)
        keys.update(n.key for n in result.due)
        keys.update(s.notification.key for s in result.skipped)
    return sent, skipped


def _row(n: Notification, status: str, reason: str | None) -> dict[str, Any]:
    pack = n.kind in (NotificationKind.AGENDA_PACK, NotificationKind.AGENDA_ADDENDUM)
    return {
        "key": n.key,
        "kind": n.kind.value,
        "status": status,
        "to_addresses": list(n.to),
        "cc_addresses": list(n.cc),
        "subject": f"{n.kind.value} for {n.lead_name or 'the coordinator'}",
        "lead_name": n.lead_name,
        "meeting": n.meeting,
        "refs": list(n.refs),
        "milestones": [
            {"ref": m.action_ref, "label": m.label, "due": m.due.isoformat()} for m in n.milestones
        ],
        "token": secrets.token_hex(10) if status == "sent" else None,
        "message_id": f"<csp.{secrets.token_hex(16)}@example.org>" if status == "sent" else None,
        "body_text": BODY if status == "sent" else "",
        "raw": (PACK_RAW if pack else RAW) if status == "sent" else None,
        "created_at": n.send_at,
        "scheduled_for": n.send_at,
        "send_after": n.send_at,
        "attempts": 1 if status == "sent" else 0,
        "sent_at": n.send_at if status == "sent" else None,
        "reason": reason,
    }


def earlier_year(row: dict[str, Any], years_ago: int) -> dict[str, Any]:
    """The row as the same email of a year long gone would be (another key and dates); its
    bytes cut short to spare the disk, as no tick reads them."""
    back = timedelta(days=364 * years_ago)  # whole weeks: the same weekdays
    moved = {**row, "key": f"{row['key']}/{years_ago}-years-ago"}
    for column in ("meeting", "created_at", "scheduled_for", "send_after", "sent_at"):
        moved[column] = row[column] - back if row[column] is not None else None
    if row["raw"] is not None:
        moved["raw"] = row["raw"][:500]
    if row["token"] is not None:
        moved["token"] = secrets.token_hex(10)
        moved["message_id"] = f"<csp.{secrets.token_hex(16)}@example.org>"
    return moved


def fill_history(services: Services, years: int = 1) -> int:
    """Write the year up to BUSY into the outbox (and `years` - 1 years before it), and the
    replies and updates of this year's past meetings."""
    config = services.config.current()
    sync_configuration(services, config, YEAR_START)
    sent, skipped = year_until(services, BUSY)
    rows = [_row(n, "sent", None) for n in sent]
    rows += [_row(s.notification, "skipped", s.reason) for s in skipped]
    rows += [earlier_year(row, k) for k in range(1, years) for row in rows]
    plan = config.plans[0][1]
    past = [m.date for m in config.meetings if m.starts_at() < BUSY]
    sessions = session_factory(make_engine(services.settings.database_url))
    with sessions() as session:
        for start in range(0, len(rows), 2000):
            session.execute(insert(OutboxRow), rows[start : start + 2000])
        plan_id = services.plan_ids.get(plan.name)
        replies, updates = [], []
        for meeting in past:
            answered = datetime.combine(meeting - timedelta(days=20), datetime.min.time(), LONDON)
            for priority in plan.priorities:
                replies.append(
                    {
                        "meeting": meeting,
                        "address": priority.lead.email,
                        "first_received_at": answered,
                    }
                )
                updates += [
                    _update(plan_id, action.ref, meeting, answered, priority.lead.email or "")
                    for action in priority.actions
                ]
        session.execute(insert(ReplyRow), replies)
        for start in range(0, len(updates), 2000):
            session.execute(insert(UpdateRow), updates[start : start + 2000])
        session.commit()
        history = int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)
    # A year-old database has its statistics and visibility map: the planner's view of it.
    engine = make_engine(services.settings.database_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return history


def _update(
    plan_id: int | None, ref: str, meeting: date, at: datetime, sender: str
) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "ref": ref,
        "status": "Green",
        "text": "On track with the partners.",
        "received_at": at,
        "sender": sender,
        "meeting": meeting,
        "personal_data_kinds": [],
    }


def timed(run: Callable[[], object]) -> float:
    begin = time.perf_counter()
    run()
    return time.perf_counter() - begin


def spread(label: str, times: list[float], baseline: list[float] | None = None) -> str:
    low, middle, high = min(times), statistics.median(times), max(times)
    line = f"{label:<12} min {low:8.3f}  median {middle:8.3f}  max {high:8.3f} s"
    if baseline:
        line += f"  ({statistics.median(times) / statistics.median(baseline):.1f}x the rules)"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="cProfile a quiet and a busy tick")
    parser.add_argument(
        "--years", type=int, default=1, help="years of sent mail in the outbox (default 1)"
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="scale-tick-bench-") as folder,
        database(args.sqlite) as url,
    ):
        config = write_large_config(Path(folder), args.actions)
        services = services_for(url, config, Path(folder) / "data")
        history = fill_history(services, args.years)
        current = services.config.current()
        plan = current.plans[0][1]
        engine = make_engine(url)
        with engine.connect() as conn:
            recorded = Recorded(sent_keys=frozenset(conn.scalars(select(OutboxRow.key))))

        def rules() -> None:
            due_notifications(
                plan,
                current.meetings,
                current.policy,
                recorded,
                QUIET,
                coordinator_email=COORDINATOR,
            )

        def quiet() -> None:
            report = run_tick(services, QUIET)
            assert report.queued == 0 and report.delivery.sent == 0, report

        def take_out_busy_moment() -> None:
            with engine.begin() as conn:
                conn.execute(delete(OutboxRow).where(OutboxRow.scheduled_for == BUSY))

        busy_sizes: list[int] = []

        def busy() -> None:
            report = run_tick(services, BUSY)
            busy_sizes.append(report.queued)

        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        rules_s, quiet_s, busy_s = [], [], []
        for _ in range(args.rounds):  # in turn, so a busy machine weighs on each alike
            rules_s.append(timed(rules))
            quiet_s.append(timed(quiet))
            take_out_busy_moment()
            busy_s.append(timed(busy))
        if args.profile:
            for label, tick in (("quiet", quiet), ("busy", busy)):
                if tick is busy:
                    take_out_busy_moment()
                profile = cProfile.Profile()
                profile.runcall(tick)
                print(f"\nprofile of a {label} tick:")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        engine.dispose()
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        backend = "sqlite" if args.sqlite else "postgresql"
        print(
            f"{args.actions} actions, {history} outbox rows of history, {backend}; "
            f"busy tick queued {busy_sizes}"
        )
        print(spread("rules", rules_s))
        print(spread("quiet tick", quiet_s, rules_s))
        print(spread("busy tick", busy_s, rules_s))
        print(
            f"quiet_tick_s={statistics.median(quiet_s):.3f} "
            f"busy_tick_s={statistics.median(busy_s):.3f} "
            f"rules_s={statistics.median(rules_s):.3f} history_rows={history}"
        )


if __name__ == "__main__":
    main()
