"""What every command shares: settings and, on demand, the database and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from scheduler.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from scheduler.services.app import Services
    from scheduler.services.unit_of_work import UnitOfWork


class CliContext:
    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def database_url(self) -> str:
        """CSP_DATABASE_URL, checked only by the commands that need a database."""
        from scheduler.adapters.database import check_database_url
        from scheduler.services.configuration import missing_configuration_folder

        url = check_database_url(self.settings.database_url)
        problem = missing_configuration_folder(self.settings.config_dir)
        if problem is not None and url.startswith("sqlite"):  # it would create data/ here
            raise problem
        return url

    @cached_property
    def engine(self) -> Engine:
        from scheduler.adapters.database import make_engine

        return make_engine(self.database_url)

    @cached_property
    def _units_of_work(self) -> Callable[[], UnitOfWork]:
        from scheduler.adapters.unit_of_work import unit_of_work_factory

        return unit_of_work_factory(self.database_url)

    @cached_property
    def services(self) -> Services:
        """The service layer wired as the daemon wires it; refuses an out-of-date schema."""
        from scheduler.services.app import build_services

        return build_services(replace(self.settings, database_url=self.database_url))

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work on the database; refuses an out-of-date schema."""
        return self._units_of_work()
