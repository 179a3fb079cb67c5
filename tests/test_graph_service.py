"""Microsoft Graph as the provider, end to end: `csp mail check` against the local Graph and
token servers (tests/graph_server.py, bodies shaped as Graph's documentation shows), and the
daemon's jobs through an outage of the token endpoint and of Graph itself: every queued email
goes exactly once and a reply is recorded once when they are back."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.cli.main import main
from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.events import LOGGER_NAME
from scheduler.services.app import Services
from scheduler.services.mailbox import poll_mailbox
from scheduler.services.reminders import run_tick
from tests.graph_server import GraphTestServer
from tests.oauth_server import CLIENT_SECRET, OAuthTestServer
from tests.test_graph_mail import MAILBOX, clock, graph, graph_env, services, waits  # noqa: F401
from tests.test_inbox_service import HELENE, REPLY_TIME, _request_to, outlook_reply
from tests.test_sending_exactly_once import NINE, REQUESTS

Run = Callable[..., tuple[int, list[str]]]


# --- csp mail check through Graph -------------------------------------------------------------


@pytest.fixture
def csp(
    graph: GraphTestServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Run]:
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    for key in list(os.environ):
        if key.startswith("CSP_"):
            monkeypatch.delenv(key)
    env = {
        **graph_env(graph),
        "CSP_FROM_ADDRESS": MAILBOX,
        "CSP_DATA_DIR": str(tmp_path / "data"),
    }

    def run(*args: str) -> tuple[int, list[str]]:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(["mail", "check", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and CLIENT_SECRET not in out + err
        return code, out.splitlines()

    yield run
    logger.handlers[:], logger.level, logger.propagate = saved


def test_mail_check_through_graph_passes_and_lists_the_folders(csp: Run) -> None:
    code, lines = csp()
    assert code == 0, lines
    assert [line.split(":")[0] for line in lines] == ["ok   token", "ok   mailbox", "ok   sender"]
    assert "'Processed' (created at the first poll)" in lines[1]
    assert "graph:" in lines[2]


def test_mail_check_sends_its_test_message_through_graph_only_when_asked(
    csp: Run,
    graph: GraphTestServer,  # noqa: F811
) -> None:
    csp()
    assert graph.state.sent == []
    code, lines = csp("--send-test", "it@council.example")
    assert code == 0 and lines[-1].startswith("ok   test message: sent to it@council.example")
    (sent,) = graph.state.sent
    assert b"To: it@council.example" in sent


def test_mail_check_names_a_graph_permission_missing_from_the_token(
    csp: Run,
    oauth_server: OAuthTestServer,
) -> None:
    oauth_server.grant_to(MAILBOX, roles=("Mail.ReadWrite",))
    code, lines = csp()
    assert code == 1
    assert "FAIL permission: the token lacks Mail.Send: add the Microsoft Graph application " in (
        "\n".join(lines)
    )


def test_mail_check_names_a_mailbox_not_granted_to_the_application(
    csp: Run,
    oauth_server: OAuthTestServer,
) -> None:
    oauth_server.grant_to("someone-else@lancaster.example.org")
    code, lines = csp()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert code == 1 and failed and failed[0].startswith("FAIL mailbox: ")
    assert "ErrorAccessDenied" in failed[0]


# --- the daemon's jobs through outages ----------------------------------------------------------


def _sent_kinds(services: Services) -> Counter[str]:  # noqa: F811
    with services.uow_factory() as uow:
        return Counter(m.kind.value for m in uow.outbox.with_status(OutboxStatus.SENT))


def test_a_token_endpoint_down_for_a_while_then_back_sends_each_email_once_through_graph(
    services: Services,  # noqa: F811
    graph: GraphTestServer,  # noqa: F811
    oauth_server: OAuthTestServer,
) -> None:
    # given the token endpoint is down when the requests fall due, and at the first retries
    oauth_server.stop()
    first = run_tick(services, NINE)
    assert graph.state.sent == [] and first.delivery.retried > 0
    run_tick(services, NINE + timedelta(minutes=1))
    assert graph.state.sent == []
    # when it is back
    oauth_server.start()
    for minutes in (5, 10, 20, 40):
        run_tick(services, NINE + timedelta(minutes=minutes))
    # then each request went once, and so did the digest telling the coordinator
    copies = Counter(graph.state.sent)
    assert set(copies.values()) == {1} and len(copies) == REQUESTS + 1
    assert _sent_kinds(services) == Counter(
        {NotificationKind.UPDATE_REQUEST.value: REQUESTS, "coordinator_digest": 1}
    )


def test_graph_unavailable_for_a_while_then_back_loses_nothing_and_repeats_nothing(
    services: Services,  # noqa: F811
    graph: GraphTestServer,  # noqa: F811
) -> None:
    run_tick(services, NINE)
    assert len(graph.state.sent) == REQUESTS
    graph.deliver(outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    # Graph answers 503 with an hour's Retry-After to every request for a while
    graph.state.throttle = [(503, "3600")] * 50
    during = poll_mailbox(services, REPLY_TIME)
    assert during.error is not None and during.processed == 0
    assert len(graph.in_folder("inbox")) == 1
    # when it is back, the reply is collected once and filed, and polls after find nothing
    graph.state.throttle = []
    after = poll_mailbox(services, REPLY_TIME + timedelta(minutes=5))
    again = poll_mailbox(services, REPLY_TIME + timedelta(minutes=10))
    assert (after.processed, again.fetched) == (1, 0)
    assert graph.in_folder("inbox") == [] and len(graph.in_folder("Processed")) == 1
    with services.uow_factory() as uow:
        updates = [(u.ref, u.status) for u in uow.updates.all()]
        stored = len(uow.inbound.with_status(*InboundStatus))
    assert updates == [("3.1.2", "Green")] and stored == 1
    # and its acknowledgement, queued with it, goes once when the tick runs
    graph.state.throttle = [(503, "3600")] * 5
    run_tick(services, REPLY_TIME + timedelta(minutes=11))
    graph.state.throttle = []
    for minutes in (15, 30, 60):
        run_tick(services, REPLY_TIME + timedelta(minutes=minutes))
    assert set(Counter(graph.state.sent).values()) == {1}
    assert _sent_kinds(services)[NotificationKind.ACKNOWLEDGEMENT.value] == 1
