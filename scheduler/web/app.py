"""The Flask application: settings, security headers, CSRF, GOV.UK Frontend's files, and
the pages of the lead's form, the sign-in and the coordinator's desk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, render_template, send_from_directory
from werkzeug.exceptions import HTTPException

from scheduler.clock import Clock
from scheduler.domain.display_text import for_display
from scheduler.domain.errors import ConfigError
from scheduler.services.app import Services
from scheduler.settings import PROJECT_ROOT
from scheduler.web.frontend_assets import without_gds_transport
from scheduler.web.guard import check_csrf, csrf_token, signed_in_coordinator

FRONTEND = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATIC = Path(__file__).resolve().parent / "static"
_FRONTEND_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")

# The pages load nothing from elsewhere and run no inline script.
_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(services: Services, clock: Clock) -> Flask:
    """The app over `services`; `clock` tells it the time (tests pass their own)."""
    web = services.settings.web
    if web.secret is None:
        raise ConfigError("environment", None, "CSP_WEB_SECRET must be set to run csp web")
    if not (FRONTEND / _FRONTEND_FILES[0]).is_file():
        raise ConfigError(
            str(FRONTEND), None, "GOV.UK Frontend is not installed: run scripts/install.sh"
        )
    app = Flask(
        __name__,
        template_folder=str(services.settings.templates_dir / "web"),
        static_folder=None,
    )
    app.config.update(
        SECRET_KEY=web.secret,
        SESSION_COOKIE_NAME="csp_session",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=1024 * 1024,
        CSP_SERVICES=services,
        CSP_CLOCK=clock,
        CSP_STYLESHEET=_stylesheet(web.gds_transport),
    )
    app.jinja_env.filters["display"] = for_display
    app.jinja_env.globals.update(csrf_token=csrf_token, coordinator=signed_in_coordinator)
    app.context_processor(lambda: {"partnership": services.config.current().partnership})
    app.before_request(check_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)
    app.add_url_rule("/assets/<path:filename>", "assets", _asset)
    app.add_url_rule("/static/<path:filename>", "static", _static)

    from scheduler.web.desk_pages import desk
    from scheduler.web.lead_pages import lead
    from scheduler.web.plan_pages import plan
    from scheduler.web.sign_in_pages import sign_in
    from scheduler.web.update_pages import update_desk

    app.register_blueprint(lead)
    app.register_blueprint(sign_in)
    app.register_blueprint(desk)
    app.register_blueprint(update_desk)
    app.register_blueprint(plan)
    return app


def _stylesheet(gds_transport: bool) -> str | None:
    """The stylesheet to serve from memory, or None to serve GOV.UK Frontend's own file."""
    if gds_transport:
        return None
    css = (FRONTEND / _FRONTEND_FILES[0]).read_text(encoding="utf-8")
    return without_gds_transport(css)


def _asset(filename: str) -> Response:
    stylesheet: str | None = current_app.config["CSP_STYLESHEET"]
    if filename == _FRONTEND_FILES[0] and stylesheet is not None:
        response = Response(stylesheet, mimetype="text/css")
        response.cache_control.max_age = 3600
        return response
    if filename in _FRONTEND_FILES:
        return send_from_directory(FRONTEND, filename, max_age=3600)
    if filename.startswith("fonts/") and stylesheet is not None:
        abort(404)
    return send_from_directory(FRONTEND / "assets", filename, max_age=3600)


def _static(filename: str) -> Response:
    return send_from_directory(STATIC, filename, max_age=3600)


def _security_headers(response: Response) -> Response:
    # A page may set a stricter policy of its own (a pack's preview is sandboxed).
    response.headers.setdefault("Content-Security-Policy", _CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Leads' links carry their key in the address: never pass it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(error: HTTPException) -> Any:
    code = error.code or 500
    return render_template("error.html", code=code, message=error.description), code


def refuse(code: int, message: str) -> None:
    """Stop with a page saying `message` (a refused link, a form that cannot be taken)."""
    abort(code, message)
