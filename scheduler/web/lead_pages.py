"""The lead's update form, reached by the personal link in their update request or chaser."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from scheduler.domain.replies.progress import Status
from scheduler.services.app import Services
from scheduler.services.form_replies import (
    FormAnswer,
    FormRefused,
    NothingChosen,
    lead_form,
    submit_form,
)
from scheduler.services.lead_links import LeadLink, LinkRefused, read_link
from scheduler.web.app import refuse

lead = Blueprint("lead", __name__)

STATUSES = [status.value for status in Status]


def _services() -> Services:
    services: Services = current_app.config["CSP_SERVICES"]
    return services


def _link(token: str) -> LeadLink:
    services = _services()
    secret = services.settings.web.secret
    assert secret is not None
    now = current_app.config["CSP_CLOCK"].now()
    try:
        return read_link(secret, token, now, services.settings.timezone)
    except LinkRefused as refused:
        refuse(403, str(refused))
        raise  # unreachable: refuse raises


@lead.get("/update/<token>")
def form(token: str) -> Any:
    link = _link(token)
    try:
        shown = lead_form(_services(), link)
    except FormRefused as refused:
        refuse(404, str(refused))
    return render_template("lead_form.html", form=shown, statuses=STATUSES, errors={})


@lead.post("/update/<token>")
def submit(token: str) -> Any:
    link = _link(token)
    services = _services()
    answers: list[FormAnswer] = []
    errors: dict[str, str] = {}
    for key, value in request.form.items():
        if not key.startswith("status-"):
            continue
        ref = key.removeprefix("status-")
        if value and value not in STATUSES:
            errors[ref] = f"Choose Green, Amber, Red or Complete for {ref}"
            continue
        answers.append(
            FormAnswer(
                ref=ref,
                status=Status(value) if value else None,
                commentary=request.form.get(f"commentary-{ref}", ""),
                private=request.form.get(f"private-{ref}") == "yes",
            )
        )
    try:
        shown = lead_form(services, link)
        if errors:
            return render_template(
                "lead_form.html", form=shown, statuses=STATUSES, errors=errors
            ), 400
        now = current_app.config["CSP_CLOCK"].now()
        result = submit_form(services, link, answers, now)
    except NothingChosen as nothing:
        errors = {"": str(nothing)}
        return render_template("lead_form.html", form=shown, statuses=STATUSES, errors=errors), 400
    except FormRefused as refused:
        refuse(403, str(refused))
    return render_template("lead_done.html", form=shown, result=result)
