"""`csp`: one command, with subcommands over the service layer."""

from __future__ import annotations

import sys

import click

from scheduler.cli.context import CliContext
from scheduler.domain.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """csp-scheduler: action-plan reminders, reply collection and agenda packs for a
    Community Safety Partnership. Settings come from the environment and `.env`."""
    ctx.obj = CliContext()


def _register() -> None:
    from scheduler.cli import (
        daemon_commands,
        db_commands,
        inbox_commands,
        pack_commands,
        plan_commands,
    )

    cli.add_command(db_commands.db)
    cli.add_command(plan_commands.plan)
    for command in daemon_commands.COMMANDS:
        cli.add_command(command)
    cli.add_command(inbox_commands.inbox)
    cli.add_command(inbox_commands.updates)
    cli.add_command(pack_commands.pack)


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
    except click.exceptions.Abort:
        click.echo("csp: aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
