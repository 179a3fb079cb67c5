"""Who may do what: the CSRF token every form carries, and the coordinator's session."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, g, redirect, request, session, url_for

from scheduler.services.coordinator_sign_in import coordinator_addresses

F = TypeVar("F", bound=Callable[..., Any])

CSRF_FIELD = "csrf_token"


def csrf_token() -> str:
    """This browser's token, made when a page first shows a form."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a form posted without this browser's token (before anything is read or done)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, given):
        abort(
            400,
            "This form has expired or did not come from this site. Go back, reload the "
            "page and try again.",
        )


def signed_in_coordinator() -> str | None:
    """The signed-in coordinator's address: from the session, or from the trusted reverse
    proxy's header when one is configured (CSP_WEB_PROXY_USER_HEADER)."""
    address = session.get("coordinator")
    if isinstance(address, str):
        return address
    header = current_app.config["CSP_SERVICES"].settings.web.proxy_user_header
    if header:
        given = request.headers.get(header, "").strip().casefold()
        config = current_app.config["CSP_SERVICES"].config.current()
        if given and given in coordinator_addresses(config):
            return given
    return None


def coordinator_required(view: F) -> F:
    """The page is the coordinator's: without a session, a page asks them to sign in and a
    form is refused."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        who = signed_in_coordinator()
        if who is None:
            if request.method == "GET":
                return redirect(url_for("sign_in.ask", next=request.path))
            abort(403, "Sign in first.")
        g.coordinator = who
        return view(*args, **kwargs)

    return cast(F, guarded)


def start_session(address: str) -> None:
    """A fresh session for the coordinator (a new CSRF token too: no fixation)."""
    session.clear()
    session.permanent = True
    session["coordinator"] = address
    session["csrf"] = secrets.token_urlsafe(32)
