"""What every command shares: settings and, on demand, the database and the services."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.adapters.database import make_engine, require_current_schema, session_factory
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.domain.errors import ConfigError
from scheduler.settings import Settings, load_settings

if TYPE_CHECKING:
    from scheduler.services.app import Services


class CliContext:
    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def database_url(self) -> str:
        """CSP_DATABASE_URL, checked only by the commands that need a database."""
        url = self.settings.database_url
        try:
            make_url(url).get_dialect()
        except NoSuchModuleError:
            scheme = url.partition(":")[0]
            message = (
                f"CSP_DATABASE_URL: unknown database kind {scheme!r} (sqlite, postgresql+psycopg)"
            )
            raise ConfigError("environment", None, message) from None
        except ArgumentError:
            message = "CSP_DATABASE_URL is not a database URL (e.g. sqlite:///data/csp.sqlite3)"
            raise ConfigError("environment", None, message) from None
        return url

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        require_current_schema(self.engine)
        return session_factory(self.engine)

    @cached_property
    def services(self) -> Services:
        """The service layer wired as the daemon wires it; refuses an out-of-date schema."""
        from scheduler.services.app import build_services

        return build_services(replace(self.settings, database_url=self.database_url))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)
