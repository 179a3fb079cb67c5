"""Microsoft Graph as the mail provider, against a local HTTPS server implementing the few
Graph endpoints used, with bodies shaped as Microsoft's Graph documentation shows (see
tests/graph_server.py): Graph itself cannot run here. Tokens come through msal from the
local token endpoint; waits for Retry-After and token expiry go by an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.adapters.graph_mail import GraphClient, GraphMailbox, GraphTransport
from scheduler.adapters.imap_mailbox import MailboxUnavailable
from scheduler.adapters.mail_transport import TemporaryFailure
from scheduler.adapters.oauth_tokens import MsalTokenSource
from scheduler.domain.replies.records import InboundStatus
from scheduler.mail_settings import GRAPH_SCOPE, GraphSettings, OAuthSettings
from scheduler.services.app import Services, mail_wiring
from scheduler.services.mailbox import poll_mailbox
from scheduler.services.reminders import run_tick
from tests.fakes import FixedClock
from tests.graph_server import GraphTestServer
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, TENANT, OAuthTestServer
from tests.service_harness import copy_example_config, make_services
from tests.test_inbox_service import HELENE, REPLY_TIME, _request_to, outlook_reply
from tests.test_sending_exactly_once import NINE, REQUESTS

MAILBOX = "csp-updates@lancaster.example.org"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reply(number: int) -> bytes:
    return (
        f"From: Lead {number} <lead{number}@council.example>\r\nTo: {MAILBOX}\r\n"
        f"Subject: RE: update {number}\r\nMessage-ID: <r{number}@council.example>\r\n"
        f"\r\n3.1.{number} Green\r\n"
    ).encode()


@dataclass
class Waits:
    """Stands in for time.sleep: records each wait and moves the clock on by it."""

    clock: FixedClock
    seconds: list[float] = field(default_factory=list)

    def __call__(self, delay: float) -> None:
        self.seconds.append(delay)
        self.clock.advance(timedelta(seconds=delay))


@pytest.fixture
def graph(oauth_server: OAuthTestServer) -> Iterator[GraphTestServer]:
    oauth_server.grant_to(MAILBOX, roles=("Mail.ReadWrite", "Mail.Send"))
    with GraphTestServer(oauth_server, MAILBOX) as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def waits(clock: FixedClock) -> Waits:
    return Waits(clock)


@pytest.fixture
def client(
    graph: GraphTestServer, oauth_settings: OAuthSettings, clock: FixedClock, waits: Waits
) -> GraphClient:
    oauth_server = graph.oauth
    settings = GraphSettings(
        mailbox=MAILBOX, base_url=graph.base_url, ca_file=str(oauth_server.ca.ca_cert), timeout=5
    )
    tokens = MsalTokenSource(
        OAuthSettings(**{**oauth_settings.__dict__, "scope": GRAPH_SCOPE}), clock
    )
    return GraphClient(settings, tokens, wait=waits)


def test_send_mail_carries_the_stored_message_byte_for_byte(
    graph: GraphTestServer, client: GraphClient
) -> None:
    raw = b"From: a@x\r\nTo: b@y\r\nMessage-ID: <1.abc@x>\r\nSubject: [CSP:tok] hi\r\n\r\nbody\r\n"
    with GraphTransport(client) as transport:
        transport.send_raw("a@x", ["b@y"], raw, "<1.abc@x>")
    assert graph.state.sent == [raw]


def test_pages_are_followed_and_messages_fetched_whole_in_order(
    graph: GraphTestServer, client: GraphClient
) -> None:
    for number in range(1, 6):  # three pages of two
        graph.deliver(reply(number))
    with GraphMailbox(client) as mailbox:
        fetched = mailbox.fetch_new()
    assert [m.raw for m in fetched] == [reply(n) for n in range(1, 6)]


def test_throttling_is_waited_out_for_its_retry_after(
    graph: GraphTestServer, client: GraphClient, waits: Waits
) -> None:
    graph.deliver(reply(1))
    graph.state.throttle = [(429, "7"), (503, "3")]
    with GraphMailbox(client) as mailbox:
        assert len(mailbox.fetch_new()) == 1
    assert waits.seconds == [7.0, 3.0]


def test_throttling_for_too_long_is_left_for_later(
    graph: GraphTestServer, client: GraphClient, waits: Waits
) -> None:
    graph.state.throttle = [(429, "3600")]
    with pytest.raises(TemporaryFailure, match="busy"), GraphTransport(client) as transport:
        transport.send_raw("a@x", ["b@y"], b"Subject: x\r\n\r\nbody\r\n", None)
    assert waits.seconds == [] and graph.state.sent == []


def test_the_folders_are_created_when_missing_and_found_after(
    graph: GraphTestServer, client: GraphClient
) -> None:
    with GraphMailbox(client) as mailbox:
        assert mailbox.folders()[1:] == [("Processed", False), ("Needs review", False)]
        mailbox.ensure_folders()
        mailbox.ensure_folders()
    with GraphMailbox(client) as mailbox:
        assert mailbox.folders() == [("inbox", True), ("Processed", True), ("Needs review", True)]
    assert sorted(graph.state.folders.values()) == ["Inbox", "Needs review", "Processed"]


def test_a_token_expiring_mid_poll_is_renewed_before_graph_refuses_it(
    graph: GraphTestServer, client: GraphClient, clock: FixedClock
) -> None:
    for number in range(1, 5):
        graph.deliver(reply(number))
    first_token: list[str] = []

    def slow_fetch(_message_id: str) -> None:
        # each message takes 20 minutes; the server drops the first token at its hour
        first_token[:] = first_token or graph.oauth.tokens[:1]
        clock.advance(timedelta(minutes=20))
        if clock.now() - START >= timedelta(hours=1):
            graph.oauth.expire(first_token[0])

    graph.state.on_fetch = slow_fetch
    with GraphMailbox(client) as mailbox:
        fetched = mailbox.fetch_new()
    assert len(fetched) == 4
    assert graph.state.unauthorized == 0 and graph.oauth.issued == 2


def test_a_token_revoked_mid_poll_is_replaced_and_the_poll_goes_on(
    graph: GraphTestServer, client: GraphClient
) -> None:
    for number in range(1, 3):
        graph.deliver(reply(number))

    def revoke_once(_message_id: str) -> None:
        if graph.oauth.issued == 1:
            graph.oauth.revoke(graph.oauth.tokens[0])

    graph.state.on_fetch = revoke_once
    with GraphMailbox(client) as mailbox:
        assert len(mailbox.fetch_new()) == 2
    assert graph.state.unauthorized == 1 and graph.oauth.issued == 2


def test_a_mailbox_not_granted_says_what_to_fix(
    graph: GraphTestServer, client: GraphClient
) -> None:
    graph.oauth.grant_to("someone-else@lancaster.example.org")
    with pytest.raises(MailboxUnavailable) as refused, GraphMailbox(client) as mailbox:
        mailbox.fetch_new()
    assert "ErrorAccessDenied" in refused.value.reason
    assert "Add-MailboxPermission" in refused.value.reason


# --- the service through Graph ----------------------------------------------------------------


def graph_env(graph: GraphTestServer) -> dict[str, str]:
    """The settings that send and read through the local Graph, signed in at its token server."""
    return {
        "CSP_MAIL_PROVIDER": "graph",
        "CSP_MAILBOX": MAILBOX,
        "CSP_GRAPH_URL": graph.base_url,
        "CSP_GRAPH_CA_FILE": str(graph.oauth.ca.ca_cert),
        "CSP_OAUTH_TENANT_ID": TENANT,
        "CSP_OAUTH_CLIENT_ID": CLIENT_ID,
        "CSP_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "CSP_OAUTH_TOKEN_URL": graph.oauth.token_url,
        "CSP_OAUTH_CA_FILE": str(graph.oauth.ca.ca_cert),
    }


@pytest.fixture
def services(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    graph: GraphTestServer,
    clock: FixedClock,
    waits: Waits,
) -> Services:
    services = make_services(
        database_url, copy_example_config(tmp_path), tmp_path / "data", extra_env=graph_env(graph)
    )
    mail = mail_wiring(services.settings, clock, waits)
    services.open_transport, services.open_mailbox = mail.open_transport, mail.open_mailbox
    services.tokens = mail.tokens  # one token source, as build_services wires it
    return services


def test_the_service_sends_and_collects_through_graph(
    services: Services, graph: GraphTestServer
) -> None:
    run_tick(services, NINE)
    assert len(graph.state.sent) == REQUESTS
    graph.deliver(outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    report = poll_mailbox(services, REPLY_TIME)
    assert (report.fetched, report.processed, report.error) == (1, 1, None)
    assert len(graph.in_folder("Processed")) == 1 and graph.in_folder("inbox") == []


def test_a_move_failing_after_our_commit_leaves_the_reply_to_be_filed_next_poll_once(
    services: Services, graph: GraphTestServer
) -> None:
    run_tick(services, NINE)
    graph.deliver(outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    graph.state.failing_moves = 1
    first = poll_mailbox(services, REPLY_TIME)
    assert first.error is not None and "generalException" in first.error
    assert len(graph.in_folder("inbox")) == 1  # stored, but not moved
    poll_mailbox(services, REPLY_TIME + timedelta(minutes=5))
    assert graph.in_folder("inbox") == [] and len(graph.in_folder("Processed")) == 1
    with services.uow_factory() as uow:
        updates = [(u.ref, u.status) for u in uow.updates.all()]
        inbound = len(uow.inbound.with_status(*InboundStatus))
    assert updates == [("3.1.2", "Green")] and inbound == 1
