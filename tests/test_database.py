"""The schema is managed by migrations and the code refuses an out-of-date one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from scheduler.adapters.database import (
    DatabaseFileError,
    SchemaOutOfDate,
    current_revision,
    head_revision,
    make_engine,
    require_current_schema,
    session_factory,
    upgrade_schema,
)
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork


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


def test_a_sqlite_file_damaged_past_its_header_is_named_when_read(tmp_path: Path) -> None:
    # Given a SQLite database whose pages after the first were overwritten
    path = tmp_path / "csp.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (body TEXT)"))
        conn.execute(text("INSERT INTO note VALUES (:body)"), [{"body": "x" * 500}] * 100)
    engine.dispose()
    content = bytearray(path.read_bytes())
    page_size = 4096
    content[page_size:] = b"\xff" * (len(content) - page_size)
    path.write_bytes(bytes(content))

    # When it is read, Then the error names the file and says what to do
    engine = make_engine(f"sqlite:///{path}")
    with (
        pytest.raises(DatabaseFileError, match="restore it from a backup") as raised,
        engine.connect() as conn,
    ):
        conn.execute(text("SELECT count(*) FROM note")).scalar()
    assert str(raised.value).startswith(f"{path}: the database file is damaged")
    engine.dispose()


def test_the_head_read_from_the_migration_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from scheduler.adapters.database import MIGRATIONS_DIR

    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head_revision() is not None


def test_marks_sent_do_not_wait_for_the_disk_and_the_pool_gets_its_connection_back_as_it_was(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's commits are set by its pragmas, not per connection")
    sessions = session_factory(engine)
    with SqlAlchemyUnitOfWork(sessions) as uow, uow.statements_that_commit() as marks:
        inside = marks.session.execute(text("SHOW synchronous_commit")).scalar()
    with engine.connect() as connection:  # pooled connections are all back as they were
        after = connection.execute(text("SHOW synchronous_commit")).scalar()
    assert (inside, after) == ("off", "on")
