"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when
CSP_TEST_DATABASE_URL names one (each test gets a schema of its own there); the shipped
configuration, read once, for the fast tests on the in-memory service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine

from scheduler.adapters.database import make_engine, session_factory, upgrade_schema
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.services.configuration import ConfigurationSource
from tests.databases import private_postgres_schema
from tests.in_memory_service import shipped_configuration

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

BACKENDS = ["sqlite", "postgresql"]


def _postgres_base_url() -> str | None:
    return os.environ.get("CSP_TEST_DATABASE_URL") or None


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database URL; PostgreSQL ones point at a fresh schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'csp.sqlite3'}"
        return
    base = _postgres_base_url()
    if base is None:
        pytest.skip("CSP_TEST_DATABASE_URL is not set; PostgreSQL variant not run")
    with private_postgres_schema(base) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine):  # type: ignore[no-untyped-def]
    sessions = session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)


@pytest.fixture(scope="session")
def shipped_config(tmp_path_factory: pytest.TempPathFactory) -> ConfigurationSource:
    """The shipped configuration, copied and read once for the tests that leave it as it is."""
    return shipped_configuration(tmp_path_factory.mktemp("shipped"))


def quoted(value: str) -> str:
    return quote(value, safe="")


# The private dovecot server's fixtures, for every test module that talks IMAP.
from tests.dovecot import (  # noqa: E402, F401
    dovecot,
    dovecot_session,
    short_lived_dovecot,
    untrusted_certificate,
)
from tests.oauth_fixtures import (  # noqa: E402, F401
    oauth_dovecot,
    oauth_dovecot_session,
    oauth_server,
    oauth_server_session,
    oauth_settings,
)
