"""The coordinator signs in with a one-time emailed link (or the reverse proxy's header)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from scheduler.services.app import Services
from scheduler.services.coordinator_sign_in import send_sign_in_link, use_sign_in_link
from scheduler.web.app import refuse
from scheduler.web.guard import start_session

sign_in = Blueprint("sign_in", __name__)


def _services() -> Services:
    services: Services = current_app.config["CSP_SERVICES"]
    return services


@sign_in.get("/sign-in")
def ask() -> Any:
    return render_template("sign_in.html", error=None)


@sign_in.post("/sign-in")
def send() -> Any:
    address = request.form.get("email", "").strip()
    if "@" not in address or len(address) > 320:
        return render_template("sign_in.html", error="Enter your email address"), 400
    now = current_app.config["CSP_CLOCK"].now()
    send_sign_in_link(_services(), address, now)
    return render_template("sign_in_sent.html", address=address)


@sign_in.get("/sign-in/<token>")
def confirm(token: str) -> Any:
    # A button, not a sign-in on opening: mail scanners open links, and the link works once.
    return render_template("sign_in_confirm.html")


@sign_in.post("/sign-in/<token>")
def use(token: str) -> Any:
    now = current_app.config["CSP_CLOCK"].now()
    address = use_sign_in_link(_services(), token, now)
    if address is None:
        refuse(403, "This sign-in link has been used or has expired. Ask for a new one.")
    assert address is not None
    start_session(address)
    return redirect(url_for("desk.year"))


@sign_in.post("/sign-out")
def sign_out() -> Any:
    session.clear()
    return redirect(url_for("sign_in.ask"))
