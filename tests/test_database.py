"""The schema is managed by migrations and the code refuses an out-of-date one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scheduler.adapters.database import (
    SchemaOutOfDate,
    current_revision,
    head_revision,
    make_engine,
    require_current_schema,
    upgrade_schema,
)


def test_a_new_database_is_refused_until_upgraded(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(SchemaOutOfDate, match="csp db upgrade"):
        require_current_schema(engine)
    assert upgrade_schema(engine) == head_revision()
    require_current_schema(engine)
    engine.dispose()


def test_upgrade_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    engine.dispose()


def test_an_older_schema_is_refused_with_its_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old0'"))
    with pytest.raises(SchemaOutOfDate, match="old0"):
        require_current_schema(engine)
    engine.dispose()
