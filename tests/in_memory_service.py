"""The service layer wired on fakes: the shipped configuration, an in-memory database and a
mail transport that keeps what it is given. No database, no server: a test of the reply and
reminder rules runs in milliseconds and calls the same service functions as the daemon."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scheduler.services.app import Services
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.unit_of_work import UnitOfWork
from scheduler.settings import Settings, settings_from_env
from tests.fakes import InMemoryDatabase, RecordingTransport, SentEmail, fake_uow_factory
from tests.service_harness import copy_example_config, lancaster_env


@dataclass(frozen=True)
class InMemoryService:
    """The services, with the database and the mail they use, for the test to look into."""

    services: Services
    database: InMemoryDatabase
    transport: RecordingTransport

    @property
    def sent(self) -> list[SentEmail]:
        return self.transport.sent


def shipped_configuration(folder: Path) -> ConfigurationSource:
    """The shipped Lancaster configuration, copied into `folder` and read; tests that do not
    edit it may share one (reading it is most of a fast test's cost)."""
    config_dir = copy_example_config(folder)
    return ConfigurationSource(config_dir, default_timezone=_settings(config_dir, folder).timezone)


def in_memory_service(
    config: ConfigurationSource, data_dir: Path, *, worker: str = "worker-1"
) -> InMemoryService:
    """Services over `config` with an empty in-memory database and a recording transport."""
    settings = _settings(config.config_dir, data_dir)
    database = InMemoryDatabase()
    transport = RecordingTransport()
    uow_factory: Callable[[], UnitOfWork] = fake_uow_factory(database)
    services = Services(
        settings=settings,
        uow_factory=uow_factory,
        config=config,
        open_transport=lambda: transport,
        worker=worker,
        database_label="in memory",
        transport_label="recording",
    )
    return InMemoryService(services, database, transport)


def _settings(config_dir: Path, data_dir: Path) -> Settings:
    return settings_from_env(lancaster_env(config_dir, data_dir))
