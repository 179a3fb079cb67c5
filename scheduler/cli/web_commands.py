"""`csp web`: serve the coordinator's desk and the leads' update form."""

from __future__ import annotations

import click

from scheduler.cli.context import CliContext


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=int, help="Requests at once.")
@click.pass_obj
def web(ctx: CliContext, host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress): the coordinator's desk and the leads' update form.

    Run it beside `csp run`, behind a reverse proxy that terminates HTTPS; CSP_BASE_URL is
    the address people reach it at, CSP_WEB_SECRET signs its links and cookies.
    """
    from waitress import serve

    from scheduler.clock import SystemClock
    from scheduler.web.app import create_app

    app = create_app(ctx.services, SystemClock())
    click.echo(f"csp web: serving on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    serve(app, host=host, port=port, threads=threads, ident="csp")
