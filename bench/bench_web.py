"""Every coordinator page through the test client with 300 leads and 6,000 actions on
PostgreSQL: p95 per page against the 200 ms target, and the two downloads (the CSV export and
the workbook) timed to their first piece and to their last.

The plan is generated (300 priorities, each with its own lead and 20 actions), the update
requests go out for the March meeting, and each action has an update for each of the year's
four meetings (24,000 updates, 1 in 100 held for personal data); 50 messages wait for review
and 20 emails have failed; the tables are then analysed, as autovacuum would have done on a
database in service. Pages are requested in turn, round after round, so each sees the same
machine; each is timed until its whole body is read (the CSV export is streamed).

    PYTHONPATH=$PWD python bench/bench_web.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import yaml
from flask.testing import FlaskClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleave import MIN_ROUNDS, load_average  # noqa: E402

from scheduler.adapters.database import make_engine, upgrade_schema  # noqa: E402
from scheduler.domain.replies.progress import Status  # noqa: E402
from scheduler.domain.replies.records import RecordedUpdate  # noqa: E402
from scheduler.services.app import Services  # noqa: E402
from scheduler.services.inbox import ingest_raw  # noqa: E402
from scheduler.services.reminders import run_tick  # noqa: E402
from tests.databases import private_postgres_schema  # noqa: E402
from tests.service_harness import SetClock, copy_example_config, make_services  # noqa: E402
from tests.web_harness import BASE_URL, FORM_TIME, REQUEST_TIME, SECRET, signed_in  # noqa: E402

LEADS = 300
ACTIONS_PER_PRIORITY = 20
TARGET_MS = 200.0
DOWNLOADS = ("/updates.csv", "/updates.xlsx")  # timed, with the first piece; no target
MEETINGS = (date(2011, 6, 21), date(2011, 9, 20), date(2011, 12, 13), date(2012, 3, 20))
STATUSES = (Status.GREEN, Status.AMBER, Status.RED, Status.COMPLETE)


def large_config(into: Path) -> Path:
    """The example configuration with a generated plan of LEADS priorities and people."""
    config_dir = copy_example_config(into)
    for old in (config_dir / "plans").glob("*.yaml"):
        old.unlink()
    priorities = []
    people: dict[str, dict[str, str]] = {}
    for p in range(1, LEADS + 1):
        lead = f"Lead {p:03d}"
        people[lead] = {"email": f"lead{p:03d}@example.org"}
        actions = [
            {
                "ref": f"{p}.{a}",
                "action": f"Action {a} of priority {p}: keep the partnership's work going",
                "timescale": "March 2012",
                "milestones": [{"label": "Deadline", "due": date(2012, 3, 31)}],
            }
            for a in range(1, ACTIONS_PER_PRIORITY + 1)
        ]
        priorities.append(
            {"ref": str(p), "title": f"Priority {p}", "lead": {"name": lead}, "actions": actions}
        )
    plan = {
        "name": "Large plan 2011/12",
        "period": {"start": date(2011, 4, 1), "end": date(2012, 3, 31)},
        "priorities": priorities,
    }
    (config_dir / "plans" / "large-2011-12.yaml").write_text(yaml.safe_dump(plan))
    coordinator = {"name": "Community Safety Coordinator", "email": "community.safety@example.org"}
    (config_dir / "people.yaml").write_text(
        yaml.safe_dump({"coordinator": coordinator, "people": people})
    )
    return config_dir


def seed(services: Services) -> None:
    """Requests out, four quarters of updates, messages in review, failed emails."""
    run_tick(services, REQUEST_TIME)
    config = services.config.current()
    plan = config.plan_for(MEETINGS[-1])
    with services.uow_factory() as uow:
        plan_id = uow.plans.id_of(plan.name)
        updates = []
        n = 0
        for quarter, meeting in enumerate(MEETINGS):
            received = datetime.combine(meeting - timedelta(days=10), datetime.min.time())
            for priority, action in plan.actions():
                n += 1
                held = n % 100 == 0
                text_ = "ring 07700 900123" if held else f"Quarter {quarter + 1}: on track"
                updates.append(
                    RecordedUpdate(
                        ref=action.ref,
                        status=STATUSES[n % 4],
                        text=text_,
                        received_at=received.replace(tzinfo=FORM_TIME.tzinfo),
                        sender=f"{priority.lead.name.lower().replace(' ', '')}@example.org",
                        lead_name=priority.lead.name,
                        meeting=meeting,
                        plan_id=plan_id,
                        held_for_review=held,
                        personal_data_kinds=("phone number",) if held else (),
                    )
                )
        uow.updates.add_all(updates)
        uow.session.execute(  # type: ignore[attr-defined]
            text(
                "UPDATE outbox SET status='failed', last_error='550 mailbox unavailable' "
                "WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 20)"
            )
        )
        uow.commit()
    for i in range(50):
        email = EmailMessage()
        email["From"] = f"someone{i}@example.net"
        email["To"] = "csp-updates@lancaster.example.org"
        email["Subject"] = f"an update, number {i}"
        email["Message-ID"] = f"<review-{i}@example.net>"
        email.set_content("1.1 Green: on track\n")
        ingest_raw(services, email.as_bytes(), FORM_TIME)


def pages(services: Services) -> list[str]:
    with services.uow_factory() as uow:
        updates = uow.updates.all()
    held = next(u for u in updates if u.held)
    return [
        "/",
        "/priorities",
        "/priorities/150",
        "/review",
        "/held",
        f"/held/{held.id}/edit",
        "/updates",
        f"/updates/{updates[len(updates) // 2].id}",
        "/updates/new",
        "/outbox",
        "/packs",
        "/configuration",
        *DOWNLOADS,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", required=True)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--per-round", type=int, default=4, help="requests per page per round")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-web-") as tmp,
        private_postgres_schema(args.postgres_url, "bench_web") as url,
    ):
        upgrade_schema(make_engine(url))
        folder = Path(tmp)
        env = {"CSP_BASE_URL": BASE_URL, "CSP_WEB_SECRET": SECRET}
        services = make_services(url, large_config(folder), folder / "data", extra_env=env)
        started = time.perf_counter()
        seed(services)
        with make_engine(url).begin() as connection:  # statistics, as autovacuum keeps them
            connection.execute(text("ANALYZE"))
        print(f"seeded in {time.perf_counter() - started:.1f}s", flush=True)
        client = signed_in(services, SetClock(FORM_TIME))
        paths = pages(services)
        timings: dict[str, list[float]] = {p: [] for p in paths}
        first_piece: dict[str, list[float]] = {p: [] for p in DOWNLOADS}
        for path in paths:  # warm the caches once, untimed
            assert client.get(path).status_code == 200, path
        load_before = load_average()
        for _ in range(max(args.rounds, MIN_ROUNDS)):
            for _ in range(args.per_round):
                for path in paths:
                    first, whole = timed_get(client, path)
                    timings[path].append(whole)
                    if path in first_piece:
                        first_piece[path].append(first)
        load_after = load_average()
    print(f"{LEADS} leads, {LEADS * ACTIONS_PER_PRIORITY} actions, PostgreSQL")
    for path, ms in timings.items():
        p95 = statistics.quantiles(ms, n=20)[-1]
        spread = f"p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  max {max(ms):7.1f} ms"
        if path in first_piece:  # a download, not a page: no target
            first = statistics.median(first_piece[path])
            print(f"{path:28s} {spread}  first piece p50 {first:6.1f} ms  n={len(ms)}")
        else:
            verdict = "ok" if p95 <= TARGET_MS else "OVER"
            print(f"{path:28s} {spread}  target {TARGET_MS:.0f} ms {verdict}  n={len(ms)}")
    print(f"rounds={max(args.rounds, MIN_ROUNDS)} load={load_before:.2f}->{load_after:.2f}")


def timed_get(client: FlaskClient, path: str) -> tuple[float, float]:
    """Milliseconds until the first piece of the answer's body and until the whole of it (a
    streamed download is made as it is read)."""
    begun = time.perf_counter()
    answer = client.get(path)
    pieces = iter(answer.response)
    next(pieces, b"")
    first = time.perf_counter() - begun
    for _ in pieces:
        pass
    whole = time.perf_counter() - begun
    answer.close()
    assert answer.status_code == 200, path
    return first * 1000, whole * 1000


if __name__ == "__main__":
    main()
