"""Entering an update given by phone, correcting one, and releasing a held update with its
personal data edited out: recorded by the reply rules, audited, the original kept."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.recipients import lead_email_key
from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
from scheduler.services.packs import build_meeting_pack
from tests.service_harness import SetClock
from tests.web_harness import (
    COORDINATOR,
    FORM_TIME,
    HELENE,
    MEETING,
    audit_rows,
    csrf_of,
    request_to,
    signed_in,
    web_services,
)


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    return web_services(database_url, tmp_path)


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return signed_in(services, SetClock(FORM_TIME))


def _token(client: FlaskClient, path: str) -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def _updates(services: Services) -> list[RecordedUpdate]:
    with services.uow_factory() as uow:
        return uow.updates.all()


def _reply_from_helene(services: Services, line: str, message_id: str) -> RecordedUpdate:
    request = request_to(services, HELENE)
    email = EmailMessage()
    email["From"] = HELENE
    email["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    email["Subject"] = "Re: update"
    email["Message-ID"] = message_id
    email.set_content(f"{request.refs[0]} {line}\n")
    ingest_raw(services, email.as_bytes(), FORM_TIME)
    return _updates(services)[-1]


def _enter(client: FlaskClient, **form: str) -> int:
    fields = {"ref": "3.1.1", "meeting": MEETING.isoformat(), "status": "Amber", **form}
    answer = client.post(
        "/updates/new", data={"csrf_token": _token(client, "/updates/new"), **fields}
    )
    return answer.status_code


def test_an_update_given_by_phone_is_recorded_as_the_leads_and_marked_as_entered(
    services: Services, client: FlaskClient
) -> None:
    status = _enter(client, commentary="Started the survey", reason="given by phone")
    assert status == 302
    (update,) = _updates(services)
    assert (update.ref, update.status, update.text) == ("3.1.1", Status.AMBER, "Started the survey")
    assert update.lead_name == "Helene Cooper" and update.meeting == MEETING
    assert (update.entered_by, update.entry_reason) == (COORDINATOR, "given by phone")
    with services.uow_factory() as uow:  # the lead has replied: no chaser goes
        assert (MEETING.isoformat(), lead_email_key(HELENE)) in uow.updates.replied()
    (entered,) = audit_rows(services, "update_entered")
    assert entered.subject == str(update.id)
    assert entered.detail["by"] == COORDINATOR and entered.detail["reason"] == "given by phone"


def test_an_entry_without_a_reason_or_for_an_unknown_action_records_nothing(
    services: Services, client: FlaskClient
) -> None:
    assert _enter(client, commentary="x", reason=" ") == 400
    assert _enter(client, ref="99.9", reason="by phone") == 400
    assert _enter(client, status="Purple", reason="by phone") == 400
    assert _updates(services) == []
    assert audit_rows(services, "update_entered") == []


def test_an_entry_that_looks_like_personal_data_is_held_as_a_reply_would_be(
    services: Services, client: FlaskClient
) -> None:
    _enter(client, commentary="Call Mrs X on 07700 900123", reason="at the meeting")
    (update,) = _updates(services)
    assert update.held and update.personal_data_kinds
    assert client.get("/held").get_data(as_text=True).count(f"Update {update.id}:") == 1


def test_a_correction_supersedes_the_update_and_keeps_the_original(
    services: Services, client: FlaskClient
) -> None:
    original = _reply_from_helene(services, "Green: on track", "<c-1@example.org>")
    page = f"/updates/{original.id}"
    answer = client.post(
        f"{page}/correct",
        data={
            "csrf_token": _token(client, page),
            "status": "Red",
            "commentary": "on track, but the funding fell through",
            "reason": "status misread",
        },
    )
    assert answer.status_code == 302
    kept, correction = _updates(services)
    assert (kept.id, kept.status, kept.text) == (original.id, Status.GREEN, original.text)
    assert correction.status is Status.RED and correction.supersedes_id == original.id
    assert correction.entered_by == COORDINATOR and correction.entry_reason == "status misread"
    with services.uow_factory() as uow:
        assert (
            uow.updates.latest_by_ref(services.config.current().plan_for(MEETING).name)[
                original.ref
            ].id
            == correction.id
        )
    history = client.get(page).get_data(as_text=True)
    assert "Corrected" in history and f"update {correction.id}" in history
    assert COORDINATOR in history and "status misread" in history


def test_a_correction_without_a_status_is_refused(services: Services, client: FlaskClient) -> None:
    original = _reply_from_helene(services, "Green: on track", "<c-2@example.org>")
    page = f"/updates/{original.id}"
    answer = client.post(
        f"{page}/correct", data={"csrf_token": _token(client, page), "reason": "why not"}
    )
    assert answer.status_code == 400 and "Choose a status" in answer.get_data(as_text=True)
    assert len(_updates(services)) == 1


def test_a_held_update_is_released_with_the_personal_data_edited_out(
    services: Services, client: FlaskClient, tmp_path: Path
) -> None:
    held = _reply_from_helene(services, "Amber: ring Mrs X on 07700 900123", "<h-1@example.org>")
    assert held.held
    page = f"/held/{held.id}/edit"
    token = _token(client, page)
    still = client.post(page, data={"csrf_token": token, "commentary": "ring 07700 900123"})
    assert still.status_code == 400 and "still looks like personal data" in still.get_data(
        as_text=True
    )
    client.post(page, data={"csrf_token": token, "commentary": "ring the family [removed]"})
    (released,) = _updates(services)
    assert not released.held and released.text == "ring the family [removed]"
    (edited,) = audit_rows(services, "update_edited")
    assert edited.detail["original"] == held.text and edited.detail["by"] == COORDINATOR
    config = services.config.current()
    files = build_meeting_pack(services, config, MEETING, FORM_TIME, out_dir=tmp_path / "pack")
    html = files.html_path.read_text()
    assert "ring the family [removed]" in html and "07700 900123" not in html
    history = client.get(f"/updates/{held.id}").get_data(as_text=True)
    assert "Personal data edited out, then released" in history
    assert "07700 900123" not in history.split("History", 1)[1].split("Correct this", 1)[0]
