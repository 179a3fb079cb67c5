"""Copies of a SQLite database made with SQLite's online backup API, and put back with it.

The backup API copies a consistent snapshot page by page while the daemon keeps working (a
plain file copy of a database in WAL mode can miss what the log still holds, or tear).
Restoring goes the same way in reverse, into the database file in place, so the file keeps
its owner and permissions. PostgreSQL has `pg_dump` for this (see the README).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from scheduler.domain.errors import UserError

PAGES_PER_STEP = 1024  # a step holds the database's lock for this many pages at most


class BackupError(UserError):
    """A backup or restore that cannot be done as asked, said in one line."""


def sqlite_path(database_url: str) -> Path:
    """The file behind a sqlite:/// URL; a one-line error for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"csp backup and restore copy SQLite databases; CSP_DATABASE_URL is "
            f"{url.get_backend_name()}: use pg_dump and pg_restore (README, 'Backups')"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("CSP_DATABASE_URL names no database file")
    return Path(url.database)


def backup_sqlite(database: Path, target: Path, *, overwrite: bool = False) -> int:
    """Copy `database` into a new file `target`; returns the number of pages copied."""
    if not database.is_file():
        raise BackupError(f"{database}: no database file to back up")
    if target.exists() and not overwrite:
        raise BackupError(f"{target}: already exists; choose a new name or give --force")
    if target.resolve() == database.resolve():
        raise BackupError(f"{target}: is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(_open(database, "ro")) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy, pages=PAGES_PER_STEP)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    partial.replace(target)  # a backup file is whole or absent
    return pages


def restore_sqlite(backup: Path, database: Path) -> str | None:
    """Replace the contents of `database` with `backup`'s; the schema revision restored."""
    if not backup.is_file():
        raise BackupError(f"{backup}: no such backup file")
    with closing(_open(backup, "ro")) as source:
        try:
            problem = source.execute("PRAGMA quick_check").fetchone()[0]
            revision = _revision(source)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup}: not a SQLite database ({error})") from None
        if problem != "ok":
            raise BackupError(f"{backup}: the backup is damaged ({problem})")
        if revision is None:
            raise BackupError(f"{backup}: not a csp-scheduler database (no schema revision)")
        database.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(database, timeout=30)) as live:
            source.backup(live, pages=PAGES_PER_STEP)
    return revision


def _open(path: Path, mode: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=30)


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None
