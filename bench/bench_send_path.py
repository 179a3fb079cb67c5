"""The whole send path (claim, send, mark sent) against a bare smtplib loop.

2,000 pre-rendered messages sit in the outbox as pending rows; `deliver_pending` is called
until it sends nothing more, over SmtpTransport to an aiosmtpd sink on loopback. The bare
loop sends the same messages over one connection to the same sink. Target: at most 1.3x.

    .venv/bin/python bench/bench_send_path.py [--messages 2000] [--rounds 3]
        [--batch-size 200 2000] [--profile]

SQLite always; PostgreSQL too when CSP_BENCH_DATABASE_URL names a database (each round
works in a private schema, dropped afterwards). `fresh_database` is importable.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_send import build_messages, run_bare, start_sink  # noqa: E402

from bench.interleave import MIN_ROUNDS, interleaved  # noqa: E402
from scheduler.adapters.database import make_engine, session_factory, upgrade_schema  # noqa: E402
from scheduler.adapters.mail_transport import SmtpSettings, SmtpTransport  # noqa: E402
from scheduler.adapters.orm import OutboxRow  # noqa: E402
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from scheduler.clock import ElapsedClock  # noqa: E402
from scheduler.domain.schedule.outbox import OutboxStatus  # noqa: E402
from scheduler.domain.schedule.policy import Policy  # noqa: E402
from scheduler.services.delivery import DeliveryReport, deliver_pending  # noqa: E402
from tests.databases import private_postgres_schema  # noqa: E402

NOW = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)
POSTGRES_ENV = "CSP_BENCH_DATABASE_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """An empty database URL: a temp SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="csp-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'csp.sqlite3'}"
        return
    with private_postgres_schema(os.environ[POSTGRES_ENV], prefix="bench") as url:
        yield url


def fill_outbox(engine: Engine, messages: Sequence[EmailMessage]) -> None:
    """One pending row per message, stored as the daemon stores them: rendered bytes."""
    with session_factory(engine)() as session:
        for n, msg in enumerate(messages):
            session.add(
                OutboxRow(
                    key=f"bench/{n}",
                    kind="update_request",
                    status=OutboxStatus.PENDING.value,
                    to_addresses=[str(msg["To"].addresses[0].addr_spec)],
                    subject=str(msg["Subject"]),
                    message_id=str(msg["Message-ID"]),
                    raw=msg.as_bytes(),
                    created_at=NOW,
                    scheduled_for=NOW,
                    send_after=NOW,
                )
            )
        session.commit()


def run_path(engine: Engine, host: str, port: int, batch_size: int) -> tuple[float, int]:
    """Seconds to empty the outbox through deliver_pending, and how many were sent."""
    sessions = session_factory(engine)
    settings = SmtpSettings(
        host=host, port=port, security="none", timeout=30, local_hostname="localhost"
    )
    sent, start = 0, time.perf_counter()
    while True:
        report = deliver_pending(
            lambda: SqlAlchemyUnitOfWork(sessions),
            lambda: SmtpTransport(settings),
            ElapsedClock(NOW),
            "bench-worker",
            meeting_starts={},
            policy=Policy(),
            batch_size=batch_size,
        )
        sent += report.sent
        if report == DeliveryReport():
            return time.perf_counter() - start, sent


def one_round(
    backend: str,
    messages: Sequence[EmailMessage],
    host: str,
    port: int,
    batch_size: int,
    profile: cProfile.Profile | None = None,
) -> float:
    with fresh_database(backend) as url:
        engine = make_engine(url)
        upgrade_schema(engine)
        fill_outbox(engine, messages)
        if profile is not None:
            profile.enable()
        elapsed, sent = run_path(engine, host, port, batch_size)
        if profile is not None:
            profile.disable()
        engine.dispose()
    assert sent == len(messages), f"sent {sent} of {len(messages)}"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--profile", action="store_true", help="cProfile one extra round")
    args = parser.parse_args()

    messages = build_messages(args.messages)
    count = len(messages)
    print(
        f"{count} messages, {sum(len(m.as_bytes()) for m in messages) / count / 1024:.1f} "
        f"KiB average; backends: {', '.join(backends())}; {args.rounds} rounds, each the "
        "bare smtplib loop then deliver_pending"
    )
    verdicts: list[str] = []
    with start_sink() as sink:
        run_bare(messages[:50], sink.host, sink.port)  # warm up connection and parser
        for backend in backends():
            for batch in args.batch_size:
                comparison = interleaved(
                    lambda: one_round(backend, messages, sink.host, sink.port, batch),  # noqa: B023
                    lambda: run_bare(messages, sink.host, sink.port),
                    args.rounds,
                )
                label = f"deliver_pending {backend} b={batch}"
                print(comparison.line(label))
                met = "met" if comparison.ratio <= 1.3 else "MISSED"
                verdicts.append(f"{label}: {comparison.ratio:.2f}x bare ({met} <= 1.3x)")
        if args.profile:
            profile = cProfile.Profile()
            one_round(backends()[-1], messages, sink.host, sink.port, args.batch_size[0], profile)
    print("\n".join(verdicts))
    if args.profile:
        print(f"\nprofile of one {backends()[-1]} round, b={args.batch_size[0]}:")
        print_breakdown(pstats.Stats(profile), PARTS, count)


# Where deliver_pending's time goes: (label, file suffix, function name), cumulative.
PARTS = [
    ("deliver_pending (all)", "services/delivery.py", "deliver_pending"),
    ("  claim (select + update)", "adapters/outbox_repository.py", "claim"),
    ("  _parse raw -> EmailMessage", "services/delivery.py", "_parse"),
    ("  SmtpTransport.send_raw", "adapters/mail_transport.py", "send_raw"),
    ("    flatten (generator)", "email/generator.py", "flatten"),
    ("  _mark_sent (own commit)", "services/delivery.py", "_mark_sent"),
    ("    of which commit", "adapters/unit_of_work.py", "commit"),
    ("    of which get (SELECT by id)", "adapters/outbox_repository.py", "get"),
]


def print_breakdown(stats: pstats.Stats, parts: list[tuple[str, str, str]], count: int) -> None:
    """Cumulative seconds of each (label, file suffix, function); the first is the whole."""
    table = stats.stats  # type: ignore[attr-defined]

    def seconds(suffix: str, name: str) -> float:
        return float(
            sum(
                ct
                for (f, _, n), (_, _, _, ct, _) in table.items()
                if n == name and f.endswith(suffix)
            )
        )

    total = seconds(*parts[0][1:]) or 1.0
    print(f"{'':<34} {'s':>7} {'ms/msg':>7} {'share':>6}")
    for label, suffix, name in parts:
        spent = seconds(suffix, name)
        print(f"{label:<34} {spent:7.3f} {spent / count * 1000:7.3f} {spent / total:6.0%}")


if __name__ == "__main__":
    main()
