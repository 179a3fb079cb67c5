"""`csp mail check`: the mail settings tried for real, one line per check."""

from __future__ import annotations

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json
from scheduler.clock import SystemClock


@click.group()
def mail() -> None:
    """The mail connections: check the sign-in, the mailbox and the sender."""


@mail.command()
@click.option(
    "--send-test",
    "send_test_to",
    metavar="ADDRESS",
    help="Also send one test message to ADDRESS.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
def check(ctx: CliContext, send_test_to: str | None, as_json: bool) -> None:
    """Get a token (with OAuth), sign in to the mailbox and list its folders, sign in to send.
    Each failure is one line saying what to fix; exits 0 only when everything works."""
    from scheduler.services.app import mail_wiring
    from scheduler.services.mail_check import check_mail

    clock = SystemClock()
    settings = ctx.settings
    checks = check_mail(settings, mail_wiring(settings, clock), clock.now(), send_test_to)
    if as_json:
        echo_json({"ok": all(c.ok for c in checks), "checks": [c.as_json() for c in checks]})
    else:
        for item in checks:
            click.echo(f"{'ok' if item.ok else 'FAIL':4} {item.what}: {item.detail}")
    if not all(c.ok for c in checks):
        raise click.exceptions.Exit(1)
