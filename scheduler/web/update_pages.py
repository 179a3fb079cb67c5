"""Entering an update the coordinator was given, correcting one, an update's history, and
releasing a held update with its personal data edited out."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from scheduler.domain.errors import UserError
from scheduler.domain.replies.progress import Status
from scheduler.services.update_entry import UpdateEntry, correct_update, enter_update
from scheduler.services.updates import release_edited, update_history
from scheduler.web.guard import coordinator_required
from scheduler.web.request_context import now, services, who

update_desk = Blueprint("updates", __name__)

STATUSES = tuple(s.value for s in Status)


def _status(errors: dict[str, str]) -> Status | None:
    given = request.form.get("status", "")
    if given not in STATUSES:
        errors["status"] = "Choose a status"
        return None
    return Status(given)


def _meetings() -> list[date]:
    return sorted(m.date for m in services().config.current().meetings)


def _next_meeting(meetings: list[date]) -> date | None:
    today = now().date()
    return next((m for m in meetings if m >= today), meetings[-1] if meetings else None)


@update_desk.get("/updates/new")
@coordinator_required
def new() -> Any:
    meetings = _meetings()
    chosen = {"ref": request.args.get("ref", ""), "meeting": _next_meeting(meetings)}
    return render_template("desk_update_new.html", meetings=meetings, chosen=chosen, errors={})


@update_desk.post("/updates/new")
@coordinator_required
def enter() -> Any:
    errors: dict[str, str] = {}
    status = _status(errors)
    meetings = _meetings()
    try:
        meeting: date | None = date.fromisoformat(request.form.get("meeting", ""))
    except ValueError:
        meeting = None
        errors["meeting"] = "Choose a meeting"
    ref = request.form.get("ref", "").strip()
    if not ref:
        errors["ref"] = "Give the action's reference, like 3.1.1"
    if not errors and status is not None and meeting is not None:
        entry = UpdateEntry(
            ref=ref,
            meeting=meeting,
            status=status,
            commentary=request.form.get("commentary", ""),
            reason=request.form.get("reason", ""),
            private=request.form.get("private") == "yes",
        )
        try:
            recorded = enter_update(services(), entry, who(), now())
        except UserError as problem:
            errors[""] = str(problem)
        else:
            flash(f"Update {recorded.id} on {recorded.ref} recorded.")
            return redirect(url_for("updates.show", update_id=recorded.id))
    chosen = {**request.form, "meeting": meeting}
    return (
        render_template("desk_update_new.html", meetings=meetings, chosen=chosen, errors=errors),
        400,
    )


@update_desk.get("/updates/<int:update_id>")
@coordinator_required
def show(update_id: int) -> Any:
    return _show(update_id, errors={})


def _show(update_id: int, errors: dict[str, str], code: int = 200) -> Any:
    try:
        update, history = update_history(services(), update_id)
    except UserError as problem:
        abort(404, str(problem))
    page = render_template(
        "desk_update.html", u=update, history=history, errors=errors, statuses=STATUSES
    )
    return page, code


@update_desk.post("/updates/<int:update_id>/correct")
@coordinator_required
def correct(update_id: int) -> Any:
    errors: dict[str, str] = {}
    status = _status(errors)
    if status is not None:
        try:
            recorded = correct_update(
                services(),
                update_id,
                status,
                request.form.get("commentary", ""),
                request.form.get("reason", ""),
                who(),
                now(),
                private=request.form.get("private") == "yes",
            )
        except UserError as problem:
            errors["reason"] = str(problem)
        else:
            flash(f"Update {update_id} corrected by update {recorded.id}.")
            return redirect(url_for("updates.show", update_id=recorded.id))
    return _show(update_id, errors, 400)


@update_desk.get("/held/<int:update_id>/edit")
@coordinator_required
def edit_held(update_id: int) -> Any:
    return _edit_page(update_id, None, {})


def _edit_page(update_id: int, text: str | None, errors: dict[str, str], code: int = 200) -> Any:
    try:
        update, _ = update_history(services(), update_id)
    except UserError as problem:
        abort(404, str(problem))
    if not update.held:
        abort(404, f"update {update_id} is not held for review")
    page = render_template(
        "desk_held_edit.html", u=update, text=update.text if text is None else text, errors=errors
    )
    return page, code


@update_desk.post("/held/<int:update_id>/edit")
@coordinator_required
def release_after_edit(update_id: int) -> Any:
    text = request.form.get("commentary", "")
    try:
        release_edited(services(), update_id, text, now(), by=who())
    except UserError as problem:
        return _edit_page(update_id, text, {"commentary": str(problem)}, 400)
    flash(f"Update {update_id} edited and released into packs.")
    return redirect(url_for("desk.held"))
