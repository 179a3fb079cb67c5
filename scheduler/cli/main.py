"""`csp`: one command, with subcommands over the service layer."""

from __future__ import annotations

import logging
import sys

import click

from scheduler.cli.context import CliContext
from scheduler.domain.errors import UserError
from scheduler.events import LOGGER_NAME, KeyValueFormatter


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csp-scheduler", prog_name="csp")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """csp-scheduler: action-plan reminders, reply collection and agenda packs for a
    Community Safety Partnership. Settings come from the environment and `.env`."""
    ctx.obj = CliContext()
    _log_warnings_to_stderr()


def _log_warnings_to_stderr() -> None:
    """One-shot commands show the service's warnings as `event=...` lines on stderr, not bare
    event names; `csp run` replaces this with its own log on stdout."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def _register() -> None:
    from scheduler.cli import (
        check_commands,
        daemon_commands,
        db_commands,
        inbox_commands,
        mail_commands,
        ops_commands,
        pack_commands,
        plan_commands,
    )

    cli.add_command(db_commands.db)
    cli.add_command(plan_commands.plan)
    for command in check_commands.COMMANDS + daemon_commands.COMMANDS:
        cli.add_command(command)
    cli.add_command(inbox_commands.inbox)
    cli.add_command(inbox_commands.updates)
    cli.add_command(pack_commands.pack)
    cli.add_command(mail_commands.mail)
    for command in ops_commands.COMMANDS:
        cli.add_command(command)
    from scheduler.cli import web_commands  # flask and waitress load only when it runs

    cli.add_command(web_commands.web)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors a user can fix become one line on stderr and exit code 1."""
    try:
        # Outside standalone mode click returns the code of an explicit `Exit(n)` rather than
        # raising it; commands themselves return None.
        result = cli.main(args=argv, prog_name="csp", standalone_mode=False)
    except UserError as exc:
        click.echo(f"csp: {exc}", err=True)
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"csp: {where}{exc.strerror or exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("csp: aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        detail = _database_error(exc)
        if detail is None:
            raise
        click.echo(f"csp: database (CSP_DATABASE_URL): {detail}", err=True)
        return 1
    return result if isinstance(result, int) else 0


def _database_error(exc: Exception) -> str | None:
    """The first line of a database connection error; None for anything else.

    SQLAlchemy is imported only by the commands that use a database: if it is not loaded,
    the error cannot be one of its.
    """
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is None or not isinstance(exc, sqlalchemy_errors.OperationalError):
        return None
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
