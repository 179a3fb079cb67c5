"""`csp check`: every problem in the configuration folder and the environment."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_obj
def check(ctx: CliContext, as_json: bool, strict: bool) -> None:
    """Check config/ and the environment by the rules `run`, `simulate` and `pack build` use.

    One line per problem (`file:line: what`): an error means the daemon cannot do its job
    (`csp run` refuses to start), a warning that it can, with something missing. Exits 1 on
    any error, 0 with warnings only (1 with --strict).
    """
    from scheduler.clock import SystemClock
    from scheduler.services.config_check import check_configuration

    settings = ctx.settings
    today = SystemClock().now().astimezone(ZoneInfo(settings.timezone)).date()
    report = check_configuration(settings, today)
    if as_json:
        echo_json(report.as_json())
    else:
        for finding in report.findings:
            click.echo(f"{finding.level}: {finding}")
        errors, warnings = len(report.errors), len(report.warnings)
        click.echo(
            f"{errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'}"
            + ("" if errors else ": csp run will start")
        )
    if report.errors or (strict and report.warnings):
        raise click.exceptions.Exit(1)


COMMANDS = [check]
