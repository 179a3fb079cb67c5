"""What the service layer needs, wired once per process from the settings."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from scheduler.adapters.database import make_engine, require_current_schema, session_factory
from scheduler.adapters.mail_transport import MailTransport, transport_for
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.clock import Clock, SystemClock
from scheduler.domain.schedule.coordinator_digest import DayRecords
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.delivery import SenderState
from scheduler.services.unit_of_work import UnitOfWork
from scheduler.settings import ImapSettings, Settings

if TYPE_CHECKING:
    from scheduler.adapters.imap_mailbox import Mailbox
    from scheduler.adapters.oauth_tokens import MsalTokenSource


@dataclass
class Services:
    settings: Settings
    uow_factory: Callable[[], UnitOfWork]
    config: ConfigurationSource
    open_transport: Callable[[], MailTransport]
    # Unique per process and wiring: a worker takes back its own claims without waiting.
    worker: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    )
    database_label: str = ""
    transport_label: str = ""
    loaded_config_version: int = 0
    plan_ids: dict[str, int] = field(default_factory=dict)  # plan name -> database id
    sender: SenderState = field(default_factory=SenderState)
    # The replies mailbox (None: none configured, nothing is polled).
    open_mailbox: Callable[[], Mailbox] | None = None
    # The OAuth token source shared by SMTP, IMAP and Graph (None: password sign-in).
    tokens: MsalTokenSource | None = None
    # The local day the daemon last said the plan year is over (once a day, not per email).
    year_over_said_on: date | None = None
    # What was read for today's coordinator's digest, so each tick does not read it again.
    digest_records: DayRecords | None = None


@dataclass(frozen=True)
class MailWiring:
    """How this process sends and reads mail, as the settings say."""

    open_transport: Callable[[], MailTransport]
    transport_label: str
    open_mailbox: Callable[[], Mailbox] | None
    tokens: MsalTokenSource | None


def mail_wiring(
    settings: Settings, clock: Clock | None = None, wait: Callable[[float], None] = time.sleep
) -> MailWiring:
    """SMTP and IMAP (by password or OAuth), or Microsoft Graph; without SMTP, the embedded
    default: .eml files in the outbox folder. One token source serves every connection;
    `wait` sits out Graph's Retry-After."""
    oauth = settings.mail.oauth
    tokens = None
    if oauth is not None:  # msal (and requests) are loaded only where OAuth is set up
        from scheduler.adapters.oauth_tokens import MsalTokenSource

        tokens = MsalTokenSource(oauth, clock or SystemClock())
    graph = settings.mail.graph
    if graph is not None and tokens is not None:
        from scheduler.adapters.graph_mail import GraphClient, GraphMailbox, GraphTransport

        client = GraphClient(graph, tokens, wait=wait)
        return MailWiring(
            open_transport=lambda: GraphTransport(client),
            transport_label=f"graph:{graph.mailbox}",
            open_mailbox=lambda: GraphMailbox(client),
            tokens=tokens,
        )
    smtp, folder, imap = settings.smtp, settings.outbox_dir, settings.imap
    label = f"smtp:{smtp.host}:{smtp.port}" if smtp else f"folder:{folder}"
    if smtp is not None and smtp.auth == "oauth2":
        label += " (oauth2)"
    return MailWiring(
        open_transport=lambda: transport_for(smtp, folder, tokens),
        transport_label=label,
        open_mailbox=(lambda: _imap_mailbox(imap, tokens)) if imap is not None else None,
        tokens=tokens,
    )


def _imap_mailbox(imap: ImapSettings, tokens: MsalTokenSource | None) -> Mailbox:
    """The IMAP client library is loaded by the first poll, not by a daemon without IMAP."""
    from scheduler.adapters.imap_mailbox import ImapMailbox

    return ImapMailbox(imap, tokens)


def build_services(
    settings: Settings, *, check_schema: bool = True, clock: Clock | None = None
) -> Services:
    """Wire the database, configuration and mail; refuses an out-of-date schema."""
    engine = make_engine(settings.database_url)
    if check_schema:
        require_current_schema(engine)
    sessions = session_factory(engine)
    mail = mail_wiring(settings, clock)
    return Services(
        settings=settings,
        uow_factory=lambda: SqlAlchemyUnitOfWork(sessions),
        config=ConfigurationSource(settings.config_dir, default_timezone=settings.timezone),
        open_transport=mail.open_transport,
        database_label=engine.url.render_as_string(hide_password=True),
        transport_label=mail.transport_label,
        open_mailbox=mail.open_mailbox,
        tokens=mail.tokens,
    )
