"""Send path against a bare smtplib loop: 2,000 pre-rendered messages over one connection each,
to the same aiosmtpd sink on loopback. Target: SmtpTransport at most 1.3x the bare loop.

    .venv/bin/python bench/bench_send.py [--count 2000] [--rounds 3]

`start_sink()` and `run_bare()` are importable for benchmarks of longer paths.
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.interleave import MIN_ROUNDS, interleaved  # noqa: E402
from scheduler.adapters.mail_transport import SmtpSettings, SmtpTransport  # noqa: E402
from scheduler.domain.plan.model import Milestone  # noqa: E402
from scheduler.domain.replies.progress import Status  # noqa: E402
from scheduler.domain.schedule.meeting import Meeting  # noqa: E402
from scheduler.domain.schedule.notification import Notification, NotificationKind  # noqa: E402
from scheduler.services.compose import (  # noqa: E402
    ActionLine,
    EmailContext,
    compose_message,
    new_message_id,
    new_token,
)

HOST = "127.0.0.1"


@dataclass
class _Counter:
    received: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.received += 1
        return "250 OK"


@dataclass
class Sink:
    """A loopback SMTP server that accepts and discards, counting what it took."""

    host: str
    port: int
    _controller: Controller
    _counter: _Counter

    @property
    def received(self) -> int:
        with self._counter.lock:
            return self._counter.received

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sink() -> Sink:
    """Start the discarding sink on a free loopback port."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = int(probe.getsockname()[1])
    counter = _Counter()
    controller = Controller(counter, hostname=HOST, port=port, server_hostname="localhost")
    controller.start()
    return Sink(HOST, port, controller, counter)


def run_bare(messages: Sequence[EmailMessage], host: str, port: int) -> float:
    """Seconds for smtplib alone: one connection, send_message for each message."""
    start = time.perf_counter()
    with smtplib.SMTP(host, port, local_hostname="localhost", timeout=30) as smtp:
        for msg in messages:
            smtp.send_message(msg)
    return time.perf_counter() - start


def run_transport(messages: Sequence[EmailMessage], host: str, port: int) -> float:
    """Seconds for the same messages through SmtpTransport as one batch."""
    settings = SmtpSettings(
        host=host, port=port, security="none", timeout=30, local_hostname="localhost"
    )
    start = time.perf_counter()
    with SmtpTransport(settings) as transport:
        for msg in messages:
            transport.send(msg)
    return time.perf_counter() - start


def build_messages(count: int) -> list[EmailMessage]:
    """Update requests like the daemon's: three actions each, meeting calendar attached."""
    london = ZoneInfo("Europe/London")
    meeting = Meeting(date(2011, 6, 21), clock_time(10, 0), "Lancaster Town Hall", "CSP meeting")
    actions = tuple(
        ActionLine(
            ref=f"3.1.{n}",
            action="Develop a multi-agency approach to high-risk victims of domestic abuse",
            timescale="Sept 2011",
            milestones=(Milestone("MARAC Review", date(2011, 9, 30)),),
            last_status=Status.AMBER,
            last_commentary="Mapping finished, review on schedule",
            last_update=date(2011, 3, 12),
        )
        for n in range(1, 4)
    )
    messages = []
    for n in range(count):
        notification = Notification(
            key=f"update_request:2011-06-21:lead{n}",
            kind=NotificationKind.UPDATE_REQUEST,
            send_at=datetime(2011, 5, 24, 9, 0, tzinfo=london),
            to=(f"lead{n}@example.org",),
            lead_name=f"Lead {n}",
            meeting=meeting.date,
        )
        ctx = EmailContext(
            notification=notification,
            lead_name=f"Lead {n}",
            partnership="Lancaster CSP",
            timezone="Europe/London",
            coordinator_name="Sam Green",
            coordinator_email="coordinator@example.org",
            actions=actions,
            meeting=meeting,
        )
        messages.append(
            compose_message(
                ctx,
                token=new_token(),
                message_id=new_message_id("example.org"),
                from_address="csp-updates@example.org",
                reply_to="csp-updates@example.org",
                templates_dir=ROOT / "templates",
                now=datetime(2011, 5, 24, 8, 0, tzinfo=UTC),
            )
        )
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    args = parser.parse_args()

    start = time.perf_counter()
    messages = build_messages(args.count)
    composed = time.perf_counter() - start
    size = sum(len(msg.as_bytes()) for msg in messages) / len(messages)
    print(
        f"composed {len(messages)} messages in {composed:.2f} s "
        f"({composed / len(messages) * 1000:.2f} ms each, {size / 1024:.1f} KiB average)"
    )

    with start_sink() as sink:
        run_bare(messages[:50], sink.host, sink.port)  # warm up both paths
        run_transport(messages[:50], sink.host, sink.port)
        comparison = interleaved(
            lambda: run_transport(messages, sink.host, sink.port),
            lambda: run_bare(messages, sink.host, sink.port),
            args.rounds,
        )
        expected = 100 + 2 * args.rounds * len(messages)
        assert sink.received == expected, f"sink took {sink.received}, expected {expected}"
    print(comparison.line("SmtpTransport against the bare smtplib loop"))
    met = "met" if comparison.ratio <= 1.3 else "MISSED"
    print(f"ratio (median): {comparison.ratio:.3f}x  (target <= 1.3x: {met})")


if __name__ == "__main__":
    main()
