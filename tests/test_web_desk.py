"""The coordinator's desk: signing in with the emailed link, and the pages that change
things (attach, set aside, release, retry), each audited; refused without a session."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.adapters.mail_transport import PermanentFailure
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import InboundStatus, RecordedUpdate
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.export import HEADER, ROWS_PER_PIECE, neutralised, updates_csv
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import deliver_queued
from tests.fakes import RecordingTransport
from tests.service_harness import SetClock
from tests.web_harness import (
    COORDINATOR,
    FORM_TIME,
    HELENE,
    IAN,
    ask_for_link,
    audit_rows,
    csrf_of,
    request_to,
    sign_in_link,
    signed_in,
    web_client,
    web_services,
)


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    return web_services(database_url, tmp_path)


@pytest.fixture
def clock() -> SetClock:
    return SetClock(FORM_TIME)


def test_the_emailed_link_signs_the_coordinator_in_once(
    services: Services, clock: SetClock
) -> None:
    client = signed_in(services, clock)
    page = client.get("/")
    assert page.status_code == 200
    assert "The year at a glance" in page.get_data(as_text=True)
    cookie = client.get_cookie("csp_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    # the same link a second time, from another browser, is refused
    _, other = web_client(services, clock)
    path = sign_in_link(services)
    confirm = other.get(path)
    again = other.post(path, data={"csrf_token": csrf_of(confirm.get_data(as_text=True))})
    assert again.status_code == 403
    assert [row.subject for row in audit_rows(services, "signed_in")] == [COORDINATOR]


def test_a_link_is_refused_after_15_minutes(services: Services, clock: SetClock) -> None:
    _, client = web_client(services, clock)
    ask_for_link(client)
    path = sign_in_link(services)
    confirm = client.get(path)
    clock.set(FORM_TIME + timedelta(minutes=16))
    answer = client.post(path, data={"csrf_token": csrf_of(confirm.get_data(as_text=True))})
    assert answer.status_code == 403


def test_only_the_coordinator_gets_a_link_and_at_most_three_in_15_minutes(
    services: Services, clock: SetClock
) -> None:
    _, client = web_client(services, clock)
    assert ask_for_link(client, HELENE) == 200  # the page says the same
    for _ in range(5):
        ask_for_link(client)
    with services.uow_factory() as uow:
        links = [m.to for m in uow.outbox.all() if m.kind == "sign_in_link"]
    assert links == [(COORDINATOR,)] * 3


def test_coordinator_pages_without_a_session_are_refused(
    services: Services, clock: SetClock
) -> None:
    _, client = web_client(services, clock)
    for path in (
        "/", "/review", "/review/1", "/held", "/updates", "/updates.csv", "/outbox",
        "/updates/new", "/updates/1", "/held/1/edit", "/priorities", "/priorities/3.1", "/packs",
        "/packs/2012-03-20/pack.pdf", "/configuration", "/updates.xlsx",
    ):  # fmt: skip
        assert client.get(path).status_code == 302, path
    page = client.get("/sign-in")
    token = csrf_of(page.get_data(as_text=True))
    for path in ("/held/1/release", "/updates/new", "/updates/1/correct", "/held/1/edit",
                 "/packs/2012-03-20/build"):  # fmt: skip
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path


def test_the_proxy_header_is_ignored_unless_configured(services: Services, clock: SetClock) -> None:
    _, client = web_client(services, clock)
    answer = client.get("/", headers={"X-Forwarded-Email": COORDINATOR})
    assert answer.status_code == 302


def _fresh_email_from_helene(services: Services, text: str = "3.1.1 Green: on track\n") -> int:
    email = EmailMessage()
    email["From"] = f"Helene Cooper <{HELENE}>"
    email["To"] = "csp-updates@lancaster.example.org"
    email["Subject"] = "my update"
    email["Message-ID"] = "<fresh-1@example.org>"
    email.set_content(text)
    result = ingest_raw(services, email.as_bytes(), FORM_TIME)
    assert result.needs_review
    return result.inbound_id


def test_attaching_a_message_records_it_as_the_leads_reply(
    services: Services, clock: SetClock
) -> None:
    inbound_id = _fresh_email_from_helene(services)
    client = signed_in(services, clock)
    assert "my update" in client.get("/review").get_data(as_text=True)
    page = client.get(f"/review/{inbound_id}")
    request = request_to(services, HELENE)
    answer = client.post(
        f"/review/{inbound_id}/attach",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "request": f"Helene Cooper|{request.meeting}",
        },
    )
    assert answer.status_code == 302
    with services.uow_factory() as uow:
        updates = uow.updates.for_inbound(inbound_id)
        stored = uow.inbound.get(inbound_id)
    assert [(u.ref, u.status) for u in updates] == [("3.1.1", "Green")]
    assert stored is not None and stored.status is InboundStatus.PROCESSED
    assert audit_rows(services, "inbound_attached")[0].detail["by"] == COORDINATOR
    assert (
        f"Message {inbound_id} attached to Helene Cooper's request for 20 March 2012: "
        "1 update recorded." in unescape(client.get("/review").get_data(as_text=True))
    )


def test_attaching_a_message_with_no_update_says_none_was_recorded(
    services: Services, clock: SetClock
) -> None:
    inbound_id = _fresh_email_from_helene(services, "-- \nHelene Cooper\n")  # a signature only
    client = signed_in(services, clock)
    page = client.get(f"/review/{inbound_id}").get_data(as_text=True)
    client.post(
        f"/review/{inbound_id}/attach",
        data={"csrf_token": csrf_of(page), "request": "Helene Cooper|2012-03-20"},
    )
    with services.uow_factory() as uow:
        assert uow.updates.for_inbound(inbound_id) == []
    assert (
        f"Message {inbound_id} attached to Helene Cooper's request for 20 March 2012: "
        "no update could be read from it; it counts as their reply."
        in unescape(client.get("/review").get_data(as_text=True))
    )


def test_setting_a_message_aside_needs_a_reason_and_records_nothing(
    services: Services, clock: SetClock
) -> None:
    inbound_id = _fresh_email_from_helene(services)
    client = signed_in(services, clock)
    token = csrf_of(client.get(f"/review/{inbound_id}").get_data(as_text=True))
    client.post(f"/review/{inbound_id}/set-aside", data={"csrf_token": token, "reason": " "})
    with services.uow_factory() as uow:
        assert uow.inbound.get(inbound_id).status is InboundStatus.REVIEW  # type: ignore[union-attr]
    client.post(f"/review/{inbound_id}/set-aside", data={"csrf_token": token, "reason": "spam"})
    with services.uow_factory() as uow:
        assert uow.inbound.get(inbound_id).status is InboundStatus.PROCESSED  # type: ignore[union-attr]
        assert uow.updates.for_inbound(inbound_id) == []
    (aside,) = audit_rows(services, "inbound_set_aside")
    assert aside.detail == {"by": COORDINATOR, "reason": "spam"}


def test_a_held_update_is_released_by_the_coordinator(services: Services, clock: SetClock) -> None:
    email = EmailMessage()
    request = request_to(services, HELENE)
    email["From"] = HELENE
    email["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    email["Subject"] = "Re: update"
    email["Message-ID"] = "<held-1@example.org>"
    email.set_content(f"{request.refs[0]} Amber: ring 07700 900123\n")
    ingest_raw(services, email.as_bytes(), FORM_TIME)
    with services.uow_factory() as uow:
        (held,) = [u for u in uow.updates.all() if u.held]
    client = signed_in(services, clock)
    page = client.get("/held")
    assert "07700 900123" in page.get_data(as_text=True)
    client.post(
        f"/held/{held.id}/release", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )
    with services.uow_factory() as uow:
        assert not uow.updates.get(held.id).held  # type: ignore[arg-type, union-attr]
    assert audit_rows(services, "update_released")[0].detail["by"] == COORDINATOR


def test_a_failed_email_is_sent_again(services: Services, clock: SetClock) -> None:
    request = request_to(services, HELENE)
    with services.uow_factory() as uow:
        (claimed,) = [
            m
            for m in uow.outbox.claim("w", FORM_TIME, timedelta(minutes=1), 500)
            if m.id == request.id
        ] or [None]
        uow.commit()
    assert claimed is None or claimed.id == request.id
    with services.uow_factory() as uow:
        uow.session.execute(  # type: ignore[attr-defined]
            __import__("sqlalchemy").text(
                "UPDATE outbox SET status='failed', last_error='550 mailbox unavailable' "
                "WHERE id=:id"
            ),
            {"id": request.id},
        )
        uow.commit()
    client = signed_in(services, clock)
    page = client.get("/outbox")
    assert "550 mailbox unavailable" in page.get_data(as_text=True)
    client.post(
        f"/outbox/{request.id}/retry", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )
    with services.uow_factory() as uow:
        again = uow.outbox.get(request.id)  # type: ignore[arg-type]
    assert again is not None and again.status is OutboxStatus.PENDING and again.attempts == 0
    assert f"Sent again by {COORDINATOR}" in client.get("/outbox").get_data(as_text=True)


def test_an_email_sent_again_is_listed_as_sent_not_as_waiting(
    engine: Engine, database_url: str, tmp_path: Path, clock: SetClock
) -> None:
    transport = RecordingTransport()
    transport.refuse(IAN, PermanentFailure("550 5.1.1 mailbox unavailable"))
    services = web_services(database_url, tmp_path, transport=transport)
    request = request_to(services, IAN)
    client = signed_in(services, clock)
    page = client.get("/outbox").get_data(as_text=True)
    client.post(f"/outbox/{request.id}/retry", data={"csrf_token": csrf_of(page)})
    transport.accept(IAN)
    deliver_queued(services, services.config.current(), FORM_TIME)
    assert len(transport.sent_to(IAN)) == 1
    page = client.get("/outbox").get_data(as_text=True)
    assert "Failed (0)" in page and "Waiting (0)" in page
    assert "waiting because" not in page
    assert "last problem: 550 5.1.1 mailbox unavailable" in page


def test_the_csv_export_neutralises_formula_cells(services: Services, clock: SetClock) -> None:
    assert [neutralised(v) for v in ("=1+1", "+44", "-3", "@SUM(A1)", "fine")] == [
        "'=1+1", "'+44", "'-3", "'@SUM(A1)", "fine",
    ]  # fmt: skip
    request = request_to(services, HELENE)
    email = EmailMessage()
    email["From"] = HELENE
    email["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    email["Subject"] = "Re: update"
    email["Message-ID"] = "<csv-1@example.org>"
    email.set_content(f'{request.refs[0]} Green: =HYPERLINK("http://evil.example","x")\n')
    ingest_raw(services, email.as_bytes(), FORM_TIME)
    client = signed_in(services, clock)
    body = client.get("/updates.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body


def test_the_csv_export_comes_in_pieces_with_every_update_once_oldest_first(
    services: Services, clock: SetClock
) -> None:
    # Given more updates than one piece of the export holds
    given = ROWS_PER_PIECE * 2 + 1
    with services.uow_factory() as uow:
        uow.updates.add_all(
            [
                RecordedUpdate(
                    ref="3.1.1",
                    status=Status.GREEN,
                    text=f"-{n} on track",
                    received_at=FORM_TIME,
                    sender=HELENE,
                    lead_name="Helene Cooper",
                    meeting=None,
                )
                for n in range(given)
            ]
        )
        uow.commit()

    # When the export is made
    pieces = list(updates_csv(services))

    # Then it came in several pieces that together hold the header and each update once
    assert len(pieces) == 3  # a thousand rows, a thousand, and the last one
    rows = list(csv.reader(io.StringIO("".join(pieces))))
    assert rows[0] == list(HEADER)
    assert [row[4] for row in rows[1:]] == [f"'-{n} on track" for n in range(given)]
    ids = [int(row[0]) for row in rows[1:]]
    assert ids == sorted(set(ids))
    assert "".join(pieces) == signed_in(services, clock).get("/updates.csv").get_data(as_text=True)
