"""In a real browser (Debian's chromium, driven by Playwright; nothing downloaded): a lead
opens the link from a real update request and submits on a phone-sized window, and axe-core
finds no serious or critical accessibility problem on the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from scheduler.services.app import Services
from scheduler.web.app import create_app
from tests.browser_harness import PHONE, browser_page, free_port, serious_violations, served
from tests.service_harness import SetClock
from tests.web_harness import FORM_TIME, HELENE, link_path, request_to, web_services

pytestmark = pytest.mark.slow


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    return web_services(database_url, tmp_path)


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    """The app under waitress, on a free loopback port."""
    with served(create_app(services, SetClock(FORM_TIME)), free_port()) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with browser_page(viewport=PHONE, is_mobile=True, has_touch=True) as page:
        yield page


def test_a_lead_submits_the_form_from_the_link_on_a_phone(
    services: Services, server: str, page: Any
) -> None:
    request = request_to(services, HELENE)
    page.goto(server + link_path(request))
    assert "Helene Cooper" in page.content()
    assert serious_violations(page) == []
    first = request.refs[0]
    page.locator(f"input[name='status-{first}'][value='Amber']").check()
    page.locator(f"textarea[name='commentary-{first}']").fill("Start delayed to May")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the form scrolls sideways on a phone"
    page.get_by_role("button", name="Send update").click()
    page.wait_for_selector("h1.govuk-panel__title")
    assert "Update received" in page.content()
    assert serious_violations(page) == []
    with services.uow_factory() as uow:
        recorded = [(u.ref, u.status, u.text) for u in uow.updates.all()]
    assert recorded == [(first, "Amber", "Start delayed to May")]


def test_the_sign_in_page_has_no_serious_accessibility_problem(server: str, page: Any) -> None:
    page.goto(server + "/sign-in")
    assert serious_violations(page) == []


def test_the_coordinators_pages_have_no_serious_accessibility_problem(
    services: Services, server: str, page: Any
) -> None:
    page.goto(server + "/sign-in")
    page.fill("#email", "community.safety@example.org")
    page.get_by_role("button", name="Email me a link").click()
    with services.uow_factory() as uow:
        (email,) = [m for m in uow.outbox.all() if m.kind == "sign_in_link"]
    path = email.body_text.split("http://desk.test", 1)[1].split()[0]
    page.goto(server + path)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=The year at a glance")
    for address in (
        "/", "/review", "/held", "/updates", "/outbox", "/updates/new", "/priorities",
        "/priorities/3.1", "/packs", "/configuration",
    ):  # fmt: skip
        page.goto(server + address)
        assert serious_violations(page) == [], address
