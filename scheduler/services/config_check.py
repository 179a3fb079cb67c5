"""`csp check`: the whole configuration folder and the environment, by the rules `run`,
`simulate` and `pack build` use, as a list of errors (the daemon cannot do its job) and
warnings (it can, with something missing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scheduler.domain.errors import LocatedError
from scheduler.services.configuration import (
    Configuration,
    Finding,
    Graded,
    error_finding,
    inspect_configuration,
    read_statistics,
)
from scheduler.services.year_end import plan_year_over
from scheduler.settings import Settings


@dataclass(frozen=True)
class CheckReport(Graded):
    findings: tuple[Finding, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [finding.as_json() for finding in self.findings],
        }


def check_configuration(settings: Settings, today: date) -> CheckReport:
    """Every problem in config/ and the environment; `today` is the local date."""
    return checked_configuration(settings, today)[0]


def checked_configuration(
    settings: Settings, today: date
) -> tuple[CheckReport, Configuration | None]:
    """The check's report, and the configuration it read (None where it could not)."""
    inspection = inspect_configuration(settings.config_dir, default_timezone=settings.timezone)
    if not settings.config_dir.is_dir():
        return CheckReport(inspection.findings), None
    findings = list(inspection.findings)
    findings.extend(_files_read_later(settings))
    if inspection.configuration is not None:
        findings.extend(_coordinator(inspection.configuration, settings))
        over = plan_year_over(inspection.configuration, today)
        if over is not None:
            findings.append(Finding("warning", over[0], None, over[1]))
    findings.extend(_mail(settings))
    return CheckReport(tuple(findings)), inspection.configuration


def _files_read_later(settings: Settings) -> list[Finding]:
    """Files read when a pack is built or an email rendered, checked now."""
    from scheduler.services.compose import check_templates

    found: list[Finding] = []
    for check in (
        lambda: read_statistics(settings.config_dir),
        lambda: check_templates(settings.templates_dir),
    ):
        try:
            check()
        except LocatedError as exc:
            found.append(error_finding(exc))
    return found


def _coordinator(config: Configuration, settings: Settings) -> list[Finding]:
    """people.yaml names the coordinator; the environment may only agree with it."""
    people_path = str(settings.config_dir / "people.yaml")
    coordinator = config.people.coordinator
    listed = coordinator.email if coordinator else None
    from_environment = settings.coordinator_email
    if listed and from_environment and listed.casefold() != from_environment.casefold():
        return [
            Finding(
                "error",
                "environment",
                None,
                f"CSP_COORDINATOR_EMAIL {from_environment} disagrees with the coordinator in"
                f" {people_path} ({listed}): people.yaml is the source; remove"
                " CSP_COORDINATOR_EMAIL from .env (or make them agree)",
            )
        ]
    if not (listed or from_environment):
        return [
            Finding(
                "error",
                people_path,
                None,
                "no coordinator: add `coordinator:` with a name and email; agenda packs go"
                " to them and overdue notices copy them",
            )
        ]
    return []


def _mail(settings: Settings) -> list[Finding]:
    graph = settings.mail.graph is not None
    found: list[Finding] = []
    if settings.smtp is None and not graph:
        found.append(
            Finding(
                "warning",
                "environment",
                None,
                f"CSP_SMTP_HOST is not set: emails are written as .eml files into"
                f" {settings.outbox_dir}, not sent",
            )
        )
    if settings.imap is None and not graph:
        found.append(
            Finding(
                "warning",
                "environment",
                None,
                "CSP_IMAP_HOST is not set: replies are not collected",
            )
        )
    return found
