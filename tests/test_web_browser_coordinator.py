"""The coordinator's round of the desk in a real browser (Debian's chromium, driven by
Playwright), on each database: signing in with the link from an email the test SMTP server
caught, attaching an unmatched message, releasing a held update, correcting a status, sending
a failed email again and downloading the pack and the workbook.

Mail goes out over SMTP on loopback as in production, sent by the daemon's tick (which the
test runs at the app's clock's time); axe-core checks every page on the way."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from jobs.reminders import tick
from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
from scheduler.services.packs import build_meeting_pack
from scheduler.web.app import create_app
from tests.browser_harness import DESKTOP, browser_page, free_port, serious_violations, served
from tests.pack_examples import pdf_text
from tests.service_harness import SetClock
from tests.smtp_server import Received, SmtpTestServer
from tests.web_harness import (
    COORDINATOR,
    FORM_TIME,
    IAN,
    MEETING,
    audit_rows,
    request_to,
    web_services,
)

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api").expect

KYRAN = "kyran.ronson@example.org"
REFUSAL = "550 5.1.1 mailbox unavailable"
UNKNOWN_SENDER = "h.cooper@home.example.net"  # Helene Cooper, from her own address
ATTACHED_TEXT = "Refuge places funded to March 2013"
HELD_TEXT = "Ring Dave on 07700 900123 about the home safety visits"
CORRECTED_TEXT = "Refuge funding agreed for one year only; the rest is at risk"
CORRECTION_REASON = "Helene rang: the status was misread from her email"
WHEN = "23 February 2012 14:00"  # the app's clock, in UTC as the desk shows times
# A pack lists the emails not delivered: built before the retry, Ian Dawson's request.
IAN_FAILED = "Update request to Ian Dawson"
# What the year at a glance links to while it waits for the coordinator.
NEEDS_DOING = ("1 message to review", "1 update held for personal data", "1 email failed")
# Playwright's waits, in ms: pages on a busy machine, and WeasyPrint building a pack.
PAGE_TIMEOUT = 15_000
PACK_BUILD_TIMEOUT = 120_000


@dataclass(frozen=True)
class Desk:
    """The app served at `url` over `services`, its clock, and the SMTP server mail goes to."""

    services: Services
    clock: SetClock
    url: str
    smtp: SmtpTestServer

    def daemon_tick(self) -> None:
        """What the daemon does each minute: queue what is due and send the outbox."""
        tick(self.services, self.clock)

    def caught(self, to: str, subject: str = "") -> list[Received]:
        """What the SMTP server took for `to` alone, with `subject` in its subject."""
        return [
            m
            for m in self.smtp.messages
            if m.rcpt_tos == (to,) and subject in str(m.message["Subject"])
        ]


@pytest.fixture
def desk(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Desk]:
    """The update requests for 20 March 2012 gone out over SMTP, Ian Dawson's refused."""
    with SmtpTestServer(refuse={IAN: REFUSAL}) as smtp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"  # in the emailed links, as CSP_BASE_URL says
        services = web_services(database_url, tmp_path, smtp_port=smtp.port, CSP_BASE_URL=url)
        clock = SetClock(FORM_TIME)
        with served(create_app(services, clock), port):
            yield Desk(services, clock, url, smtp)


@pytest.fixture
def page(desk: Desk) -> Iterator[Any]:
    expect.set_options(timeout=PAGE_TIMEOUT)
    with browser_page(viewport=DESKTOP, accept_downloads=True) as page:
        page.set_default_timeout(PAGE_TIMEOUT)
        yield page


def accessible(page: Any) -> None:
    assert serious_violations(page) == [], page.url


def test_the_coordinator_works_through_the_desk(desk: Desk, page: Any) -> None:
    unmatched = _unmatched_message(desk.services)
    held = _held_update(desk.services)
    (failed,) = _failed_emails(desk.services)
    _build_the_pack_before(desk.services)

    _sign_in_with_the_emailed_link(desk, page)
    attached = _attach_the_unmatched_message(desk, page, unmatched)
    _release_the_held_update(desk, page, held)
    _correct_the_status(desk, page, attached)
    _send_the_failed_email_again(desk, page, failed)
    _download_the_pack(desk, page)
    _download_the_workbook(desk, page, attached)

    page.get_by_role("link", name="The year").click()
    expect(page.get_by_role("heading", name="The year at a glance")).to_be_visible()
    for needed in NEEDS_DOING:
        expect(page.get_by_role("link", name=needed)).to_have_count(0)
    accessible(page)


# Given: the state the desk shows, made through the services.


def _unmatched_message(services: Services) -> int:
    """A lead's update from an address the service does not know: it waits for review."""
    email = EmailMessage()
    email["From"] = f"Helene Cooper <{UNKNOWN_SENDER}>"
    email["To"] = "csp-updates@lancaster.example.org"
    email["Subject"] = "Domestic abuse actions for March"
    email["Message-ID"] = "<unmatched-1@home.example.net>"
    email.set_content(f"3.1.1 Green: {ATTACHED_TEXT}\n")
    result = ingest_raw(services, email.as_bytes(), FORM_TIME)
    assert result.needs_review, result
    return result.inbound_id


def _held_update(services: Services) -> int:
    """Kyran Ronson's reply to his request, with a phone number: held out of packs."""
    request = request_to(services, KYRAN)
    email = EmailMessage()
    email["From"] = f"Kyran Ronson <{KYRAN}>"
    email["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    email["Subject"] = f"Re: {request.subject}"
    email["Message-ID"] = "<held-1@example.org>"
    email.set_content(f"3.3.1 Amber: {HELD_TEXT}\n")
    ingest_raw(services, email.as_bytes(), FORM_TIME)
    with services.uow_factory() as uow:
        (update,) = [u for u in uow.updates.all() if u.held]
    assert update.ref == "3.3.1" and update.id is not None
    return update.id


def _failed_emails(services: Services) -> list[int]:
    with services.uow_factory() as uow:
        failed = uow.outbox.with_status(OutboxStatus.FAILED)
    assert [(m.to, m.last_error and REFUSAL in m.last_error) for m in failed] == [((IAN,), True)]
    return [m.id for m in failed if m.id is not None]


def _build_the_pack_before(services: Services) -> None:
    """As `csp pack build` does: it lists Ian Dawson's request among emails not delivered."""
    files = build_meeting_pack(services, services.config.current(), MEETING, FORM_TIME)
    assert IAN_FAILED in pdf_text(files.pdf_path.read_bytes())


# When and then: the coordinator's round, page by page.


def _sign_in_with_the_emailed_link(desk: Desk, page: Any) -> None:
    page.goto(desk.url + "/")  # the desk sends a visitor without a session to sign in
    expect(page.get_by_role("heading", name="Sign in to the coordinator's desk")).to_be_visible()
    accessible(page)
    page.get_by_label("Your email address").fill(COORDINATOR)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    accessible(page)
    assert desk.caught(COORDINATOR, "sign-in link") == []  # queued, for the daemon to send
    desk.daemon_tick()
    (email,) = desk.caught(COORDINATOR, "sign-in link")
    body = email.message.get_body(("plain",))
    assert body is not None
    found = re.search(re.escape(desk.url) + r"/sign-in/\S+", body.get_content())
    assert found, "the email carries no sign-in link"
    page.goto(found.group(0))
    expect(page.get_by_role("heading", name="Sign in to the coordinator's desk")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="The year at a glance")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {COORDINATOR}")).to_be_visible()
    for needed in NEEDS_DOING:
        expect(page.get_by_role("link", name=needed)).to_be_visible()
    accessible(page)
    assert [row.subject for row in audit_rows(desk.services, "signed_in")] == [COORDINATOR]


def _attach_the_unmatched_message(desk: Desk, page: Any, inbound_id: int) -> int:
    """Attach the message to Helene Cooper's request for 20 March; the update recorded."""
    page.get_by_role("link", name="1 message to review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.get_by_text("matches no email we sent")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name=f"Attach or set aside message {inbound_id}").click()
    expect(page.get_by_text(UNKNOWN_SENDER)).to_be_visible()
    accessible(page)
    page.get_by_label("Attach to a lead and meeting").select_option(
        label="Helene Cooper, meeting of 20 March 2012"
    )
    page.get_by_role("button", name="Attach and record").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Message {inbound_id} attached to Helene Cooper's request for 20 March 2012: "
        "1 update recorded."
    )
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    accessible(page)
    with desk.services.uow_factory() as uow:
        updates = uow.updates.for_inbound(inbound_id)
        stored = uow.inbound.get(inbound_id)
    assert [(u.ref, u.status, u.text, u.lead_name) for u in updates] == [
        ("3.1.1", "Green", ATTACHED_TEXT, "Helene Cooper")
    ]
    assert stored is not None and stored.status is InboundStatus.PROCESSED
    assert audit_rows(desk.services, "inbound_attached")[0].detail["by"] == COORDINATOR
    page.get_by_role("link", name="Updates", exact=True).click()
    row = page.get_by_role("row").filter(has_text=ATTACHED_TEXT)
    expect(row).to_contain_text("3.1.1")
    expect(row).to_contain_text("Green")
    expect(row).to_contain_text("Helene Cooper")
    accessible(page)
    attached = updates[0].id
    assert attached is not None
    return attached


def _release_the_held_update(desk: Desk, page: Any, update_id: int) -> None:
    page.get_by_role("link", name="Held updates").click()
    card = page.locator(".govuk-summary-card").filter(has_text=HELD_TEXT)
    expect(card).to_contain_text("Looks like: phone number")
    accessible(page)
    card.get_by_role("button", name=f"Release update {update_id} into packs").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Update {update_id} released into packs.")
    expect(page.get_by_text("No update is held.")).to_be_visible()
    accessible(page)
    with desk.services.uow_factory() as uow:
        released = uow.updates.get(update_id)
    assert released is not None and not released.held and released.released_at == FORM_TIME
    (audited,) = audit_rows(desk.services, "update_released")
    assert (audited.subject, audited.detail["by"]) == (str(update_id), COORDINATOR)


def _correct_the_status(desk: Desk, page: Any, update_id: int) -> None:
    """3.1.1 was Amber, not Green: a correcting update, the original kept, who/when/why shown."""
    page.get_by_role("link", name="Updates", exact=True).click()
    page.get_by_role("link", name=f"3.1.1 (update {update_id})").click()
    expect(page.get_by_role("heading", name=f"Update {update_id}: 3.1.1")).to_be_visible()
    accessible(page)
    page.get_by_label("Amber").check()
    page.get_by_label("Commentary").fill(CORRECTED_TEXT)
    page.get_by_label("Why you are entering it").fill(CORRECTION_REASON)
    page.get_by_role("button", name="Record the correction").click()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text(f"Update {update_id} corrected by update")
    correction = int(re.findall(r"corrected by update (\d+)", banner.inner_text())[0])
    expect(page.get_by_role("heading", name=f"Update {correction}: 3.1.1")).to_be_visible()
    expect(_summary(page, "Status")).to_have_text("Amber")
    expect(_summary(page, "Commentary")).to_have_text(CORRECTED_TEXT)
    expect(_summary(page, "Corrects")).to_have_text(f"update {update_id} (kept as it was)")
    expect(_history(page, "Entered")).to_have_text(
        [WHEN, "Entered", COORDINATOR, CORRECTION_REASON]
    )
    accessible(page)

    page.get_by_role("link", name=f"update {update_id}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Update {update_id}: 3.1.1")).to_be_visible()
    expect(_summary(page, "Status")).to_have_text("Green")
    expect(_summary(page, "Commentary")).to_have_text(ATTACHED_TEXT)
    expect(_history(page, "Corrected")).to_have_text(
        [WHEN, f"Corrected: update {correction}", COORDINATOR, CORRECTION_REASON]
    )
    accessible(page)
    with desk.services.uow_factory() as uow:
        original, corrected = uow.updates.get(update_id), uow.updates.get(correction)
    assert original is not None and (original.status, original.text) == ("Green", ATTACHED_TEXT)
    assert corrected is not None
    assert (corrected.status, corrected.supersedes_id, corrected.entered_by) == (
        "Amber", update_id, COORDINATOR,
    )  # fmt: skip


def _summary(page: Any, key: str) -> Any:
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(f"^{key}$"))
    )
    return row.locator("dd")


def _history(page: Any, what: str) -> Any:
    """The When, What, Who and Why cells of the history's row for `what`."""
    return page.get_by_role("row").filter(has_text=what).get_by_role("cell")


def _send_the_failed_email_again(desk: Desk, page: Any, message_id: int) -> None:
    """The mailbox is put right; sent again, the email goes out once at the next tick."""
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", name="Failed (1)")).to_be_visible()
    failed_row = page.get_by_role("row").filter(has_text=IAN)
    expect(failed_row).to_contain_text(REFUSAL)
    accessible(page)
    desk.smtp.accept(IAN)
    failed_row.get_by_role("button", name=f"Send again email {message_id}").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Email {message_id} will be sent again at the daemon's next tick."
    )
    expect(page.get_by_role("heading", name="Failed (0)")).to_be_visible()
    accessible(page)
    with desk.services.uow_factory() as uow:
        queued = uow.outbox.get(message_id)
    assert queued is not None and queued.status is OutboxStatus.PENDING
    assert desk.caught(IAN) == []

    desk.daemon_tick()
    (sent,) = desk.caught(IAN)
    assert sent.message["Message-ID"] == queued.message_id
    page.reload()
    sent_row = page.get_by_role("row").filter(has_text=IAN)
    expect(sent_row).to_contain_text(f"Sent again by {COORDINATOR}, 23 Feb 2012 14:00 UTC")
    expect(sent_row).to_contain_text(f"last problem: recipients refused: {IAN}: {REFUSAL}")
    expect(page.get_by_role("heading", name="Waiting (0)")).to_be_visible()
    accessible(page)
    desk.daemon_tick()  # a later tick sends nothing more
    assert len(desk.caught(IAN)) == 1
    with desk.services.uow_factory() as uow:
        again = uow.outbox.get(message_id)
    assert again is not None and again.status is OutboxStatus.SENT


def _download_the_pack(desk: Desk, page: Any) -> None:
    """Rebuilt now, the pack carries the released and corrected updates, no failed email."""
    page.get_by_role("link", name="Packs").click()
    accessible(page)
    page.get_by_role("button", name="Rebuild the pack for 20 March 2012").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Pack for 20 March 2012 built:", timeout=PACK_BUILD_TIMEOUT
    )
    accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="download the PDF of the pack for 20 March 2012").click()
    assert download.value.suggested_filename == "pack-2012-03-20.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(pdf_text(pdf).split())
    for expected in ("Agenda", "3.1 Reduce Domestic Violence", "Amber Ring Dave on 07700 900123"):
        assert expected in text, expected
    assert "Amber Refuge funding agreed for one year only" in text
    assert ATTACHED_TEXT not in text  # the correction took its place
    assert IAN_FAILED not in text


def _download_the_workbook(desk: Desk, page: Any, attached: int) -> None:
    page.get_by_role("link", name="Priorities").click()
    accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download updates and RAG by quarter (Excel)").click()
    assert download.value.suggested_filename == "updates.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = [tuple(r) for r in book["Updates"].iter_rows(values_only=True)]
    header = rows[0]
    # Empty cells are left out of the file, so a row may end before the header does.
    updates = [
        dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows[1:]
    ]
    corrected = [r for r in updates if r["supersedes"] == str(attached)]
    assert [(r["ref"], r["status"], r["commentary"], r["entered_by"]) for r in corrected] == [
        ("3.1.1", "Amber", CORRECTED_TEXT, COORDINATOR)
    ]
    rag = [tuple(r) for r in book["RAG by quarter"].iter_rows(values_only=True)]
    march = [dict(zip(rag[0], r, strict=True)) for r in rag if r[:2] == ("2012-03-20", "3.1")]
    assert [{k: v for k, v in r.items() if isinstance(v, int)} for r in march] == [
        {"Green": 0, "Amber": 1, "Red": 0, "Complete": 0, "No update": 3}
    ]
