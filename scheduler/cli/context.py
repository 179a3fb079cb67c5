"""What every command shares: settings and, on demand, the database."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduler.adapters.database import make_engine, require_current_schema, session_factory
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.settings import Settings, load_settings


class CliContext:
    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        require_current_schema(self.engine)
        return session_factory(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)
