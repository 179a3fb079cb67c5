"""`csp health`, `csp backup`, `csp restore`: running the service, not what it does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json
from scheduler.clock import SystemClock


@click.command()
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="How old the last tick may be (default: 5 ticks, at least 300 s).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def health(ctx: CliContext, max_age: int | None, as_json: bool) -> None:
    """Exit 0 when the daemon ticked recently and its database answers, else 1 with one line
    per problem; for a container's HEALTHCHECK or a monitor."""
    from scheduler.services.health import default_max_age, health_report

    settings = ctx.settings
    bound = timedelta(seconds=max_age) if max_age else default_max_age(settings)
    report = health_report(settings, SystemClock().now(), bound)
    if as_json:
        echo_json(report.as_json())
    elif report.healthy:
        assert report.last_tick is not None
        age = round((report.now - report.last_tick).total_seconds())
        click.echo(f"ok: last tick {age} s ago, database answers")
    else:
        for problem in report.problems:
            click.echo(f"unhealthy: {problem}", err=True)
    if not report.healthy:
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.pass_obj
def backup(ctx: CliContext, out: Path, force: bool) -> None:
    """Copy the SQLite database to OUT while the daemon runs (SQLite's online backup).
    For PostgreSQL use pg_dump (README, "Backups")."""
    from scheduler.adapters.sqlite_backup import backup_sqlite, sqlite_path

    database = sqlite_path(ctx.database_url)
    pages = backup_sqlite(database, out, overwrite=force)
    click.echo(f"backed up {database} to {out} ({pages} pages)")


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the daemon ticked just now.")
@click.pass_obj
def restore(ctx: CliContext, backup_file: Path, force: bool) -> None:
    """Replace the SQLite database with a backup made by `csp backup`. Stop the daemon first."""
    from scheduler.adapters.database import head_revision
    from scheduler.adapters.heartbeat import TickHeartbeat
    from scheduler.adapters.sqlite_backup import BackupError, restore_sqlite, sqlite_path

    settings = ctx.settings
    database = sqlite_path(ctx.database_url)
    last = TickHeartbeat(settings.data_dir).last()
    recently = timedelta(seconds=2 * settings.tick_seconds + 5)
    if last is not None and SystemClock().now() - last < recently and not force:
        raise BackupError(
            f"the daemon ticked {last.isoformat(timespec='seconds')}: stop it first "
            "(systemctl stop csp), or give --force"
        )
    revision = restore_sqlite(backup_file, database)
    click.echo(f"restored {database} from {backup_file} (schema revision {revision})")
    if revision != head_revision():
        click.echo("the backup's schema is older than this version's: run `csp db upgrade`")


COMMANDS = (health, backup, restore)
