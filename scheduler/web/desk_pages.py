"""The coordinator's desk: the year at a glance, the review queue, held updates, the outbox
and the export. Every page needs the coordinator's session; every change is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from scheduler.domain.errors import UserError
from scheduler.services.desk import year_at_a_glance
from scheduler.services.export import updates_csv
from scheduler.services.outbox_desk import outbox_view, retry_failed
from scheduler.services.review_queue import (
    attach_message,
    request_choices,
    review_queue,
    set_aside,
)
from scheduler.services.updates import newest_updates, recorded_updates, release_update
from scheduler.web.guard import coordinator_required
from scheduler.web.request_context import now as _now
from scheduler.web.request_context import services as _services
from scheduler.web.request_context import who as _who

desk = Blueprint("desk", __name__)


@desk.get("/")
@coordinator_required
def year() -> Any:
    return render_template("desk_year.html", year=year_at_a_glance(_services(), _now()))


@desk.get("/review")
@coordinator_required
def review() -> Any:
    return render_template(
        "desk_review.html", messages=review_queue(_services()), error=request.args.get("error")
    )


@desk.get("/review/<int:inbound_id>")
@coordinator_required
def review_message(inbound_id: int) -> Any:
    services = _services()
    message = next((m for m in review_queue(services) if m.id == inbound_id), None)
    if message is None:
        abort(404, f"message {inbound_id} is not waiting for review")
    return render_template(
        "desk_review_message.html",
        m=message,
        choices=request_choices(services),
        error=request.args.get("error"),
    )


@desk.post("/review/<int:inbound_id>/attach")
@coordinator_required
def attach(inbound_id: int) -> Any:
    lead_name, _, meeting = request.form.get("request", "").rpartition("|")
    try:
        day = date.fromisoformat(meeting)
        recorded = attach_message(_services(), inbound_id, lead_name, day, _who(), _now())
    except (UserError, ValueError) as problem:
        return redirect(url_for("desk.review_message", inbound_id=inbound_id, error=str(problem)))
    # Say what came of it: a message with no update the service can read records none.
    if recorded:
        outcome = f"{recorded} update{'s' if recorded != 1 else ''} recorded."
    else:
        outcome = "no update could be read from it; it counts as their reply."
    flash(f"Message {inbound_id} attached to {lead_name}'s request for {day:%-d %B %Y}: {outcome}")
    return redirect(url_for("desk.review"))


@desk.post("/review/<int:inbound_id>/set-aside")
@coordinator_required
def put_aside(inbound_id: int) -> Any:
    try:
        set_aside(_services(), inbound_id, request.form.get("reason", ""), _who(), _now())
    except UserError as problem:
        return redirect(url_for("desk.review_message", inbound_id=inbound_id, error=str(problem)))
    flash(f"Message {inbound_id} set aside.")
    return redirect(url_for("desk.review"))


@desk.get("/held")
@coordinator_required
def held() -> Any:
    return render_template("desk_held.html", held=recorded_updates(_services(), held_only=True))


@desk.post("/held/<int:update_id>/release")
@coordinator_required
def release(update_id: int) -> Any:
    try:
        release_update(_services(), update_id, _now(), by=_who())
    except UserError as problem:
        abort(404, str(problem))
    flash(f"Update {update_id} released into packs.")
    return redirect(url_for("desk.held"))


@desk.get("/updates")
@coordinator_required
def updates() -> Any:
    return render_template("desk_updates.html", updates=newest_updates(_services(), 200))


@desk.get("/updates.csv")
@coordinator_required
def updates_export() -> Any:
    return Response(
        updates_csv(_services()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=updates.csv"},
    )


@desk.get("/outbox")
@coordinator_required
def outbox() -> Any:
    return render_template("desk_outbox.html", outbox=outbox_view(_services()))


@desk.post("/outbox/<int:message_id>/retry")
@coordinator_required
def retry(message_id: int) -> Any:
    try:
        retry_failed(_services(), message_id, _who(), _now())
    except UserError as problem:
        abort(404, str(problem))
    flash(f"Email {message_id} will be sent again at the daemon's next tick.")
    return redirect(url_for("desk.outbox"))
