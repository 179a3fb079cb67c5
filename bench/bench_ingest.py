"""Ingestion of leads' replies: `ingest_all` (read, store raw, match, check sender, parse
updates, record them, queue the acknowledgement) for 1,000 distinct replies, taken in polls
of `INGEST_BATCH` as the mailbox poll takes them. Target: at least 300 messages per second.

    .venv/bin/python bench/bench_ingest.py [--messages 1000] [--rounds 3] [--profile]

Each round starts from a fresh database with the shipped configuration, runs the reminder
tick of 21 Feb 2012 09:00 (the five update requests go out, to a folder), then ingests
replies from the five leads: Outlook top-posted, Gmail "On ... wrote:" (text and HTML) and
HTML-only, one to four action lines each. SQLite always; PostgreSQL too when
CSP_BENCH_DATABASE_URL names a database.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import compat32
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_send_path import backends, fresh_database, print_breakdown  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.interleave import MIN_ROUNDS, interleaved  # noqa: E402
from scheduler.adapters.database import make_engine, upgrade_schema  # noqa: E402
from scheduler.domain.schedule.outbox import OutboxMessage  # noqa: E402
from scheduler.services.app import Services, build_services  # noqa: E402
from scheduler.services.inbox import ingest_all  # noqa: E402
from scheduler.services.mailbox import INGEST_BATCH  # noqa: E402
from scheduler.services.reminders import run_tick  # noqa: E402
from scheduler.settings import settings_from_env  # noqa: E402

LONDON = ZoneInfo("Europe/London")
REQUEST_TIME = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)
REPLY_TIME = datetime(2012, 2, 23, 14, 0, tzinfo=LONDON)
STATUSES = ("Green", "Amber", "Red", "Complete")
NOTES = (
    "on track, partners meeting monthly",
    "slipping to May, awaiting funding decision",
    "stalled: no lead officer since January",
    "finished, report to the next board",
    "review under way with the police and the council",
    "bid submitted, decision expected in April",
)
SEPARATORS = (" ", " - ", ": ", " \u2013 ")


def services_for(url: str, folder: Path) -> Services:
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    shutil.copytree(ROOT / "config", folder / "config")
    env = {
        "CSP_DATABASE_URL": url,
        "CSP_CONFIG_DIR": str(folder / "config"),
        "CSP_DATA_DIR": str(folder / "data"),
        "CSP_COORDINATOR_EMAIL": "coordinator@example.org",
        "CSP_FROM_ADDRESS": "csp-updates@lancaster.example.org",
        "CSP_REPLY_TO": "csp-updates@lancaster.example.org",
    }
    return build_services(settings_from_env(env))


def update_requests(services: Services) -> list[OutboxMessage]:
    with services.uow_factory() as uow:
        rows = [r for r in uow.outbox.all() if r.kind == "update_request" and r.token]
    assert len(rows) == 5, f"expected 5 update requests with tokens, found {len(rows)}"
    return rows


def reply(request: OutboxMessage, n: int, rng: random.Random) -> tuple[bytes, int]:
    """Reply number `n` to `request` in one of three client styles, and its action lines."""
    lead = request.lead_name or "Lead"
    address = request.to[0]
    refs = rng.sample(request.refs, rng.randint(1, min(4, len(request.refs))))
    lines = [
        f"{ref}{rng.choice(SEPARATORS)}{rng.choice(STATUSES)}{rng.choice(SEPARATORS)}"
        f"{rng.choice(NOTES)} (ref {n})"
        for ref in refs
    ]
    sent = format_datetime(REPLY_TIME + timedelta(seconds=n))
    msg = EmailMessage()
    msg["From"] = f"{lead} <{address}>"
    msg["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    msg["Date"] = sent
    msg["Message-ID"] = f"<reply-{n}.{rng.getrandbits(48):x}@mail.example.org>"
    msg["In-Reply-To"] = request.message_id or ""
    msg["References"] = request.message_id or ""
    quoted = request.body_text
    body = "\n".join(lines)
    style = n % 3
    if style == 0:  # Outlook: top-posted above a header block and the request as sent
        msg["Subject"] = f"RE: {request.subject}"
        msg.set_content(
            f"{body}\n\nKind regards,\n{lead.split()[0]}\n\n"
            "From: Lancaster District Community Safety Partnership\n"
            f"Sent: 21 February 2012 09:00\nTo: {lead}\nSubject: {request.subject}\n\n{quoted}\n"
        )
    elif style == 1:  # Gmail: "On ... wrote:" then ">" quoting, text and HTML alternatives
        msg["Subject"] = f"Re: {request.subject}"
        attribution = (
            "On Tue, 21 Feb 2012 at 09:00, Lancaster District Community Safety Partnership "
            "<csp-updates@lancaster.example.org> wrote:"
        )
        gt = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
        msg.set_content(f"{body}\n\nThanks\n{lead.split()[0]}\n\n{attribution}\n\n{gt}\n")
        divs = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
        msg.add_alternative(
            f'<div dir="ltr">{divs}<div><br></div><div>Thanks</div></div><br>'
            f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f"{html.escape(attribution)}<br></div>"
            f'<blockquote class="gmail_quote">{_html_lines(quoted)}</blockquote></div>',
            subtype="html",
        )
    else:  # HTML only, as some webmail and mobile clients send
        msg["Subject"] = f"RE: {request.subject}"
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        msg.set_content(
            f"<html><body>{paragraphs}<p>Regards,<br>{html.escape(lead)}</p>"
            '<hr><div id="divRplyFwdMsg"><b>From:</b> Lancaster District Community Safety '
            f"Partnership<br><b>Sent:</b> 21 February 2012 09:00<br><b>To:</b> "
            f"{html.escape(lead)}<br><b>Subject:</b> {html.escape(request.subject)}</div>"
            f"<div>{_html_lines(quoted)}</div></body></html>",
            subtype="html",
        )
    return msg.as_bytes(), len(lines)


def _html_lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def baseline_round(backend: str, count: int, seed: int) -> float:
    """The floor under any ingester on the same database: the standard library's parse of
    each reply and one plain INSERT of its bytes, a batch per transaction as ours."""
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        services = services_for(url, Path(folder))
        run_tick(services, REQUEST_TIME)
        requests = update_requests(services)
        rng = random.Random(seed)
        raws = [reply(requests[n % len(requests)], n, rng)[0] for n in range(count)]
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE bare (id INTEGER PRIMARY KEY, raw BYTEA)"))
        start = time.perf_counter()
        for first in range(0, count, INGEST_BATCH):
            batch = raws[first : first + INGEST_BATCH]
            rows = []
            for n, raw in enumerate(batch):
                parsed = message_from_bytes(raw, policy=compat32)
                rows.append({"id": first + n, "raw": raw, "subject": parsed["Subject"]})
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO bare (id, raw) VALUES (:id, :raw)"), rows)
        elapsed = time.perf_counter() - start
        engine.dispose()
        return elapsed


def one_round(
    backend: str, count: int, seed: int, profile: cProfile.Profile | None = None
) -> tuple[float, int, int, int, float, float]:
    """Seconds to ingest `count` replies; processed, updates recorded, action lines sent,
    and the rates (msg/s) of the first and the last batch."""
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        services = services_for(url, Path(folder))
        run_tick(services, REQUEST_TIME)
        requests = update_requests(services)
        rng = random.Random(seed)
        replies = [reply(requests[n % len(requests)], n, rng) for n in range(count)]
        if profile is not None:
            profile.enable()
        stamps, results = [time.perf_counter()], []
        for start in range(0, count, INGEST_BATCH):
            batch = [raw for raw, _ in replies[start : start + INGEST_BATCH]]
            results += ingest_all(services, batch, REPLY_TIME)
            stamps.append(time.perf_counter())
        if profile is not None:
            profile.disable()
    processed = sum(1 for r in results if r.status == "processed")
    sizes = [len(replies[start : start + INGEST_BATCH]) for start in range(0, count, INGEST_BATCH)]
    first, last = sizes[0] / (stamps[1] - stamps[0]), sizes[-1] / (stamps[-1] - stamps[-2])
    updates, lines = sum(r.updates for r in results), sum(n for _, n in replies)
    return stamps[-1] - stamps[0], processed, updates, lines, first, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--profile", action="store_true", help="cProfile one extra round")
    args = parser.parse_args()

    print(
        f"{args.messages} replies per round, {args.rounds} rounds; fresh database each; "
        f"baseline: standard-library parse and one plain INSERT per reply"
    )
    verdicts = []
    for backend in backends():
        rounds: list[tuple[float, int, int, int, float, float]] = []

        def ours(backend: str = backend, rounds: list[Any] = rounds) -> float:
            rounds.append(one_round(backend, args.messages, len(rounds)))
            return float(rounds[-1][0])

        comparison = interleaved(
            ours,
            lambda backend=backend: baseline_round(backend, args.messages, 0),  # type: ignore[misc]
            args.rounds,
        )
        print(comparison.line(f"ingest_all {backend}"))
        _, processed, updates, lines, first, last = rounds[-1]
        rate = args.messages / statistics.median(comparison.project)
        print(
            f"  {rate:.0f} msg/s median (best {args.messages / min(comparison.project):.0f}); "
            f"processed {processed}, updates {updates} of {lines} action lines; "
            f"first/last batch: {first:.0f}/{last:.0f} msg/s"
        )
        met = "met" if rate >= 300 else "MISSED"
        verdicts.append(f"{backend}: {rate:.0f} msg/s median ({met} >= 300 msg/s)")
    print("\n".join(verdicts))
    if args.profile:
        profile = cProfile.Profile()
        one_round(backends()[-1], args.messages, 99, profile)
        print(f"\nprofile of one {backends()[-1]} round:")
        print_breakdown(pstats.Stats(profile), PARTS, args.messages)


# Where ingest_raw's time goes: (label, file suffix, function name), cumulative.
PARTS = [
    ("ingest_all (all)", "services/inbox.py", "ingest_all"),
    ("  read_message", "domain/replies/inbound.py", "read_message"),
    ("  _store_all", "services/inbox.py", "_store_all"),
    ("  Requests (token, thread lookups)", "services/reply_recording.py", "__init__"),
    ("  understand_read (split, parse)", "domain/replies/reading.py", "understand_read"),
    ("  record_message (all rules)", "services/reply_recording.py", "record_message"),
    ("  _acknowledgement", "services/reply_recording.py", "_acknowledgement"),
    ("  Recording.write", "services/reply_recording.py", "write"),
    ("  commit", "adapters/unit_of_work.py", "commit"),
]


if __name__ == "__main__":
    main()
