"""No message, however mangled, crashes the reply pipeline or is lost: each is stored, and what
cannot be understood lands in review with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.adapters.database import make_engine, upgrade_schema
from scheduler.domain.replies.records import InboundStatus
from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import run_tick
from tests.service_harness import COORDINATOR, copy_example_config, make_services

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2012, 2, 23, 14, 0, tzinfo=LONDON)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, str]]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'csp.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    services = make_services(url, copy_example_config(folder), folder / "data")
    run_tick(services, datetime(2012, 2, 21, 9, 0, tzinfo=LONDON))
    with services.uow_factory() as uow:
        token = next(r.token for r in uow.outbox.all() if r.token)
    yield services, token
    engine.dispose()


CHARSETS = st.sampled_from(["utf-8", "latin-1", "windows-1252", "utf-16", "x-unknown", "koi8-r"])
HEADER_NAMES = st.sampled_from(
    [
        "Subject",
        "From",
        "To",
        "Content-Type",
        "Message-ID",
        "In-Reply-To",
        "Auto-Submitted",
        "Content-Transfer-Encoding",
        "MIME-Version",
        "References",
        "Precedence",
    ]
)


@st.composite
def mangled_messages(draw: st.DrawFn, token: str) -> bytes:
    text = draw(st.text(max_size=300))
    charset = draw(CHARSETS)
    subject = draw(
        st.sampled_from(
            [
                "",
                f"RE: Update [CSP:{token}]",
                "Automatic reply: x",
                "Undeliverable: x",
                draw(st.text(max_size=40)),
            ]
        )
    )
    to = draw(
        st.sampled_from(
            [
                f"csp-updates+{token}@lancaster.example.org",
                "csp-updates@lancaster.example.org",
                "",
                "<<>>",
            ]
        )
    )
    sender = draw(st.sampled_from(["helene.cooper@example.org", "", "x@y", "\udcff@bad"]))
    boundary = draw(st.sampled_from(["b1", "", '"unterminated']))
    body = text.encode(charset if charset not in ("x-unknown",) else "utf-8", "replace")
    kind = draw(st.sampled_from(["plain", "multipart", "truncated", "report", "garbage"]))
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{draw(st.integers(0, 10**9))}@fuzz>\r\n"
    ).encode("utf-8", "replace")
    extra = b"".join(
        f"{name}: {draw(st.text(max_size=30))}\r\n".encode("utf-8", "replace")
        for name in draw(st.lists(HEADER_NAMES, max_size=3))
    )
    if kind == "plain":
        return head + extra + f"Content-Type: text/plain; charset={charset}\r\n\r\n".encode() + body
    if kind == "garbage":
        return draw(st.binary(max_size=400))
    parts = (
        f"--{boundary}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode()
        + body
        + f"\r\n--{boundary}\r\nContent-Type: text/html\r\n\r\n<p>".encode()
        + body
    )
    if kind == "truncated":
        parts = parts[: len(parts) // 2]
    else:
        parts += f"\r\n--{boundary}--\r\n".encode()
    content_type = (
        "multipart/report; report-type=delivery-status"
        if kind == "report"
        else "multipart/alternative"
    )
    return (
        head
        + extra
        + f'Content-Type: {content_type}; boundary="{boundary}"\r\n\r\n'.encode()
        + parts
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_message_crashes_the_pipeline_and_every_failure_says_why(
    services: tuple[Services, str], data: st.DataObject
) -> None:
    service, token = services
    raw = data.draw(mangled_messages(token))
    result = ingest_raw(service, raw, NOW, source="fuzz")
    assert result.status in (InboundStatus.PROCESSED, InboundStatus.REVIEW)
    if result.status == InboundStatus.REVIEW:
        assert result.reason
    with service.uow_factory() as uow:
        assert uow.inbound.get(result.inbound_id) is not None
        assert uow.inbound.raw_of(result.inbound_id) is not None


@pytest.mark.slow  # renders the pack and its addendum
def test_a_reply_after_the_pack_was_sent_is_recorded_and_brings_an_addendum(
    services: tuple[Services, str], tmp_path: Path
) -> None:
    service, _ = services
    run_tick(service, datetime(2012, 3, 13, 9, 0, tzinfo=LONDON))  # the pack goes out
    with service.uow_factory() as uow:
        request = next(
            r
            for r in uow.outbox.all()
            if r.kind == "update_request" and r.token and r.to == ("kyran.ronson@example.org",)
        )
        token, request_id = request.token, request.message_id
    late = EmailMessage()
    late["From"] = "kyran.ronson@example.org"
    late["To"] = f"csp-updates+{token}@lancaster.example.org"
    late["Subject"] = "RE: update"
    late["Message-ID"] = "<late-reply@example.org>"
    late["In-Reply-To"] = request_id or ""
    late.set_content("3.3.1 Green all schools visited")
    result = ingest_raw(service, late.as_bytes(), datetime(2012, 3, 14, 10, 0, tzinfo=LONDON))
    assert result.status == InboundStatus.PROCESSED
    run_tick(service, datetime(2012, 3, 19, 9, 0, tzinfo=LONDON))  # the working day before
    with service.uow_factory() as uow:
        addenda = [
            (r.kind, r.status, r.to)
            for r in uow.outbox.all()
            if r.kind == "agenda_addendum" and r.meeting.isoformat() == "2012-03-20"
        ]
    assert addenda == [("agenda_addendum", "sent", (COORDINATOR,))]
    assert list((service.settings.data_dir / "packs" / "2012-03-20" / "addendum").glob("*.pdf"))
