"""The plan's pages on the desk: priorities with RAG and each action's updates by quarter,
packs (build, preview, download, addendum), the configuration with its problems, and the
workbook with neutralised cells."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
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


def _reply(services: Services, body: str, message_id: str = "<p-1@example.org>") -> None:
    request = request_to(services, HELENE)
    email = EmailMessage()
    email["From"] = HELENE
    email["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    email["Subject"] = "Re: update"
    email["Message-ID"] = message_id
    email.set_content(body)
    ingest_raw(services, email.as_bytes(), FORM_TIME)


def test_a_priority_shows_its_rag_and_each_actions_update_for_the_meeting(
    services: Services, client: FlaskClient
) -> None:
    _reply(services, "3.1.1 Red: stalled\n")
    overview = client.get("/priorities").get_data(as_text=True)
    assert 'href="/priorities/3.1"' in overview
    page = client.get("/priorities/3.1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert MEETING.strftime("%-d %b %Y") in html  # a column for the meeting
    assert ">Red<span" in html and "stalled" in html
    assert client.get("/priorities/99").status_code == 404


def test_the_pack_is_built_previewed_and_downloaded_and_the_build_audited(
    services: Services, client: FlaskClient
) -> None:
    page = client.get("/packs").get_data(as_text=True)
    assert "No pack built yet." in page
    answer = client.post(f"/packs/{MEETING}/build", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 302
    preview = client.get(f"/packs/{MEETING}/pack.html")
    assert preview.status_code == 200 and "<html" in preview.get_data(as_text=True)
    assert preview.headers["Content-Security-Policy"].startswith("sandbox")
    pdf = client.get(f"/packs/{MEETING}/pack.pdf")
    assert pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]
    (built,) = audit_rows(services, "pack_built")
    assert built.detail["by"] == COORDINATOR
    assert f"built by {COORDINATOR}" in client.get("/packs").get_data(as_text=True)


def test_an_addendum_before_the_pack_was_emailed_is_refused(
    services: Services, client: FlaskClient
) -> None:
    token = csrf_of(client.get("/packs").get_data(as_text=True))
    answer = client.post(f"/packs/{MEETING}/build", data={"csrf_token": token, "addendum": "yes"})
    assert answer.status_code == 302
    assert "not been emailed yet" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/packs/{MEETING}/addendum.pdf").status_code == 404


def test_a_pack_file_outside_the_four_kinds_is_refused(client: FlaskClient) -> None:
    assert client.get(f"/packs/{MEETING}/..%2Fsecret.pdf").status_code == 404
    assert client.get(f"/packs/{MEETING}/pack.txt").status_code == 404
    assert client.get("/packs/not-a-date/pack.pdf").status_code == 404


def test_the_configuration_page_shows_what_the_service_reads_and_its_problems(
    services: Services, client: FlaskClient
) -> None:
    meetings = services.settings.config_dir / "meetings.yaml"
    meetings.write_text(meetings.read_text() + "\n  - date: not-a-date\n")
    html = client.get("/configuration").get_data(as_text=True)
    assert "in people.yaml" in html
    assert "Lancaster" in html  # the plan in force
    assert "meetings.yaml" in html and "Error" in html


def test_the_workbook_holds_updates_and_rag_by_quarter_with_formulas_neutralised(
    services: Services, client: FlaskClient
) -> None:
    _reply(services, '3.1.1 Green: =HYPERLINK("http://evil.example","x")\n')
    answer = client.get("/updates.xlsx")
    assert "attachment" in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    rows = list(book["Updates"].iter_rows(values_only=True))
    assert rows[1][4].startswith("'=HYPERLINK")
    assert all(cell is None or not str(cell).startswith("=") for row in rows for cell in row)
    rag = list(book["RAG by quarter"].iter_rows(values_only=True))
    header = rag[0]
    (row,) = [r for r in rag if r[0] == MEETING.isoformat() and r[1] == "3.1"]
    assert row[header.index("Green")] == 1
