"""The plan's pages on the coordinator's desk: priorities and each action's updates by
quarter, the agenda packs (preview, download, build), the configuration, and the workbook."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from scheduler.domain.errors import UserError
from scheduler.services.configuration_view import configuration_view
from scheduler.services.pack_desk import PackVariant, build_pack, meeting_packs, pack_file
from scheduler.services.priorities import priorities_overview, priority_history
from scheduler.services.workbook import updates_workbook
from scheduler.web.guard import coordinator_required
from scheduler.web.request_context import now, services, who

plan = Blueprint("plan", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A built pack is shown as it is: its own inline styles and embedded images, no script, in a
# sandbox of its own (no cookies, forms or navigation of this site).
_PACK_PREVIEW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
)


@plan.get("/priorities")
@coordinator_required
def priorities() -> Any:
    plan_name, rags = priorities_overview(services(), now())
    return render_template("desk_priorities.html", plan_name=plan_name, rags=rags)


@plan.get("/priorities/<ref>")
@coordinator_required
def priority(ref: str) -> Any:
    try:
        history = priority_history(services(), ref, now())
    except UserError as problem:
        abort(404, str(problem))
    return render_template("desk_priority.html", h=history)


@plan.get("/updates.xlsx")
@coordinator_required
def workbook() -> Any:
    return Response(
        updates_workbook(services(), now()),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=updates.xlsx"},
    )


@plan.get("/packs")
@coordinator_required
def packs() -> Any:
    return render_template(
        "desk_packs.html", meetings=meeting_packs(services()), error=request.args.get("error")
    )


def _meeting(given: str) -> date:
    try:
        return date.fromisoformat(given)
    except ValueError:
        abort(404, f"no meeting on {given}")


def _variant(stem: str) -> PackVariant:
    kind, _, private = stem.partition("-")
    if kind not in ("pack", "addendum") or private not in ("", "private"):
        abort(404, f"no pack called {stem}")
    return PackVariant(addendum=kind == "addendum", private=private == "private")


@plan.get("/packs/<meeting>/<stem>.<suffix>")
@coordinator_required
def pack_download(meeting: str, stem: str, suffix: str) -> Any:
    try:
        path = pack_file(services(), _meeting(meeting), _variant(stem), suffix)
    except UserError as problem:
        abort(404, str(problem))
    if suffix == "pdf":
        return Response(
            path.read_bytes(),
            mimetype="application/pdf",
            headers={"Content-Disposition": f"attachment; filename={stem}-{meeting}.pdf"},
        )
    response = Response(path.read_bytes(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = _PACK_PREVIEW_POLICY
    return response


@plan.post("/packs/<meeting>/build")
@coordinator_required
def pack_build(meeting: str) -> Any:
    variant = PackVariant(
        addendum=request.form.get("addendum") == "yes", private=request.form.get("private") == "yes"
    )
    day = _meeting(meeting)
    try:
        files = build_pack(services(), day, variant, now(), who())
    except UserError as problem:
        return redirect(url_for("plan.packs", error=str(problem)))
    flash(f"{variant.label} for {day:%-d %B %Y} built: {files.page_count} pages.")
    return redirect(url_for("plan.packs"))


@plan.get("/configuration")
@coordinator_required
def configuration() -> Any:
    return render_template("desk_configuration.html", view=configuration_view(services(), now()))
