"""Engine, sessions and schema migrations (Alembic) for SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.errors import ConfigError, UserError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class SchemaOutOfDate(UserError):
    """The database schema is behind the code: run `csp db upgrade`."""


class DatabaseFileError(UserError):
    """The SQLite file is damaged, is not a database, or cannot be opened or written."""


# SQLite's primary result codes (the low byte of an extended code) that mean the file itself
# is at fault, not the statement or a passing lock.
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_INACCESSIBLE = frozenset(
    {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR}
)


def sqlite_file_problem(path: Path, error: BaseException) -> DatabaseFileError | None:
    """A one-line error naming `path` and what to do, if `error` says the file itself is
    damaged or out of reach; None for any other error."""
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
    if code is None:
        return None
    primary = code & 0xFF
    if primary in _DAMAGED:
        return DatabaseFileError(
            f"{path}: the database file is damaged or is not a SQLite database ({error}); "
            "restore it from a backup, or move it aside and run `csp db upgrade` to start "
            "an empty one"
        )
    if primary in _INACCESSIBLE:
        return DatabaseFileError(
            f"{path}: the database file cannot be opened or written ({error}); check that it "
            "is a file the service's user may read and write, in a folder it may write to"
        )
    return None


def check_database_url(url: str) -> str:
    """`url` if SQLAlchemy can use it; else a one-line error naming CSP_DATABASE_URL."""
    try:
        make_url(url).get_dialect()
    except NoSuchModuleError:
        scheme = url.partition(":")[0]
        message = f"CSP_DATABASE_URL: unknown database kind {scheme!r} (sqlite, postgresql+psycopg)"
        raise ConfigError("environment", None, message) from None
    except ArgumentError:
        message = "CSP_DATABASE_URL is not a database URL (e.g. sqlite:///data/csp.sqlite3)"
        raise ConfigError("environment", None, message) from None
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its folder created, foreign keys and a busy timeout,
    and a damaged or unreachable file raises `DatabaseFileError` naming it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database).absolute()
            path.parent.mkdir(parents=True, exist_ok=True)

            @event.listens_for(engine, "handle_error")
            def _sqlite_file_error(context: ExceptionContext) -> None:
                problem = sqlite_file_problem(path, context.original_exception)
                if problem is not None:
                    raise problem from context.original_exception

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling breaks SAVEPOINT (a RELEASE would commit):
            # switch it off and begin transactions ourselves, as SQLAlchemy documents. They
            # begin IMMEDIATE: a writer waits for another (busy timeout) instead of failing
            # when its read snapshot went stale, so two processes on one file stay correct.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic only for upgrades: the daemon never needs it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; returns the revision now in force."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """The revision Alembic recorded in the database (None: no schema yet)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration: the one no other migration follows. Read from the files, so
    starting the daemon does not import Alembic (a `csp db` test checks it against Alembic)."""
    revisions, followed = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION.finditer(path.read_text()))
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision"):
                followed.add(found["down_revision"])
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a schema older (or newer) than this code expects."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        if current is None:
            raise SchemaOutOfDate(f"{where}: the database has no schema yet; run `csp db upgrade`")
        raise SchemaOutOfDate(
            f"{where}: the database schema is at {current}, this version needs {head}; "
            "run `csp db upgrade`"
        )
