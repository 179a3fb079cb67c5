"""What the service layer needs, wired once per process from the settings."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from scheduler.adapters.database import make_engine, require_current_schema, session_factory
from scheduler.adapters.mail_transport import MailTransport, transport_for
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.delivery import SenderState
from scheduler.services.unit_of_work import UnitOfWork
from scheduler.settings import Settings


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


def transport_factory(settings: Settings) -> tuple[Callable[[], MailTransport], str]:
    """SMTP when configured, else the embedded default: .eml files in the outbox folder."""
    smtp, folder = settings.smtp, settings.outbox_dir
    label = f"smtp:{smtp.host}:{smtp.port}" if smtp else f"folder:{folder}"
    return (lambda: transport_for(smtp, folder)), label


def build_services(settings: Settings, *, check_schema: bool = True) -> Services:
    """Wire the database, configuration and transport; refuses an out-of-date schema."""
    engine = make_engine(settings.database_url)
    if check_schema:
        require_current_schema(engine)
    sessions = session_factory(engine)
    open_transport, transport_label = transport_factory(settings)
    return Services(
        settings=settings,
        uow_factory=lambda: SqlAlchemyUnitOfWork(sessions),
        config=ConfigurationSource(settings.config_dir, default_timezone=settings.timezone),
        open_transport=open_transport,
        database_label=engine.url.render_as_string(hide_password=True),
        transport_label=transport_label,
    )
