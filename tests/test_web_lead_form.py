"""A lead's update by link: the link in a real update request opens the form, and the form
records through the reply path (acknowledgement, held personal data, "lead replied")."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.domain.replies.records import InboundStatus
from scheduler.services.app import Services
from scheduler.services.lead_links import link_token
from tests.service_harness import SetClock
from tests.web_harness import (
    FORM_TIME,
    HELENE,
    SECRET,
    csrf_of,
    link_path,
    request_to,
    web_client,
    web_services,
)


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    return web_services(database_url, tmp_path)


def _updates(services: Services) -> list[tuple[str, str | None, str, bool]]:
    with services.uow_factory() as uow:
        return [(u.ref, u.status, u.text, u.held) for u in uow.updates.all()]


def _open(services: Services, path: str):  # type: ignore[no-untyped-def]
    _, client = web_client(services, SetClock(FORM_TIME))
    page = client.get(path)
    return client, page


def test_the_link_in_a_real_update_request_opens_the_leads_form(services: Services) -> None:
    request = request_to(services, HELENE)
    _, page = _open(services, link_path(request))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Helene Cooper" in text
    for ref in request.refs:
        assert f'name="status-{ref}"' in text
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_submission_is_recorded_acknowledged_and_stops_the_chasers(services: Services) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    client, page = _open(services, path)
    first, second = request.refs[0], request.refs[1]
    answer = client.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            f"status-{first}": "Amber",
            f"commentary-{first}": "Funding agreed\u202e, start delayed to May",
            f"status-{second}": "Red",
            f"commentary-{second}": "Call me on 07700 900123",
        },
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "Update received" in answer.get_data(as_text=True)
    updates = _updates(services)
    assert (first, "Amber", "Funding agreed, start delayed to May", False) in updates
    assert (second, "Red", "Call me on 07700 900123", True) in updates  # held: a phone number
    with services.uow_factory() as uow:
        assert ("2012-03-20", HELENE) in uow.updates.replied()
        acks = [m for m in uow.outbox.all() if m.kind == "acknowledgement"]
        web_messages = [m for m in uow.inbound.with_status(InboundStatus.PROCESSED)]
    assert [a.to for a in acks] == [(HELENE,)]
    assert len(web_messages) == 1


def test_a_later_submission_supersedes_the_earlier_one(services: Services) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    client, page = _open(services, path)
    ref = request.refs[0]
    token = csrf_of(page.get_data(as_text=True))
    client.post(path, data={"csrf_token": token, f"status-{ref}": "Red", f"commentary-{ref}": "a"})
    client.post(
        path, data={"csrf_token": token, f"status-{ref}": "Green", f"commentary-{ref}": "b"}
    )
    with services.uow_factory() as uow:
        latest = {u.ref: u for u in uow.updates.all()}  # oldest first: the last one wins
    assert latest[ref].status == "Green"
    assert latest[ref].text == "b"


def test_another_leads_action_is_refused_and_nothing_recorded(services: Services) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    client, page = _open(services, path)
    with services.uow_factory() as uow:
        other_refs = {
            ref
            for m in uow.outbox.all()
            if m.kind == "update_request" and m.to != (HELENE,) and m.meeting == request.meeting
            for ref in m.refs
        } - set(request.refs)
    foreign = sorted(other_refs)[0]
    answer = client.post(
        path,
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            f"status-{request.refs[0]}": "Green",
            f"status-{foreign}": "Complete",
        },
    )
    assert answer.status_code == 403
    assert _updates(services) == []


def test_a_form_without_its_csrf_token_is_refused_and_nothing_recorded(
    services: Services,
) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    client, _ = _open(services, path)
    answer = client.post(path, data={f"status-{request.refs[0]}": "Green"})
    assert answer.status_code == 400
    assert _updates(services) == []


def test_an_edited_link_is_refused(services: Services) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    payload, signature = path.removeprefix("/update/").split(".")
    forged = link_token("another secret entirely, thirty-two+ chars", "Helene Cooper",
                        request.meeting, 7)  # fmt: skip
    for edited in (
        f"/update/{payload[:-2]}xx.{signature}",
        f"/update/{forged}",
        f"/update/{payload}",
    ):
        _, page = _open(services, edited)
        assert page.status_code == 403, edited


def test_another_lead_cannot_be_named_by_editing_the_payload(services: Services) -> None:
    request = request_to(services, HELENE)
    path = link_path(request)
    _, signature = path.removeprefix("/update/").split(".")
    other = link_token(SECRET, "Tracie O'Gara", request.meeting, 7).split(".")[0]
    _, page = _open(services, f"/update/{other}.{signature}")
    assert page.status_code == 403


def test_an_expired_link_is_refused_and_nothing_recorded(services: Services) -> None:
    from datetime import timedelta

    request = request_to(services, HELENE)
    path = link_path(request)
    _, client = web_client(services, SetClock(FORM_TIME))
    token = csrf_of(client.get(path).get_data(as_text=True))
    _, late_client = web_client(services, SetClock(FORM_TIME + timedelta(days=40)))
    with late_client.session_transaction() as session:
        session["csrf"] = token
    answer = late_client.post(path, data={"csrf_token": token, f"status-{request.refs[0]}": "Red"})
    assert answer.status_code == 403
    assert "stopped working" in answer.get_data(as_text=True)
    assert _updates(services) == []
