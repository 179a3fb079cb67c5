"""Plan use cases: import a plan document to YAML, validate, load into the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from scheduler.domain.errors import LocatedError, WriteConflict
from scheduler.domain.plan.loading import PlanLoadSummary
from scheduler.domain.plan.model import Plan
from scheduler.domain.plan.people import People
from scheduler.domain.plan.review import PlanChanges, plan_changes
from scheduler.domain.plan.yaml_file import load_plan_yaml, plan_to_yaml
from scheduler.services.app import Services
from scheduler.services.configuration import (
    Configuration,
    Finding,
    error_finding,
    inspect_plans,
    read_people,
    read_text,
)
from scheduler.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote and what it could not resolve (see DocumentImport)."""

    plan: Plan
    out_path: Path
    document_format: str
    warnings: tuple[str, ...]
    problems: tuple[str, ...]


def import_document(
    document: Path,
    out_path: Path,
    *,
    period_start: date | None = None,
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> ImportResult:
    """Read a plan document (Word, Excel, PDF, CSV, markdown or text) and write its canonical
    YAML with what it understood; nothing is half-written. Problems are listed, not raised."""
    from scheduler.domain.plan.document import interpret_layout  # only `plan import` uses
    from scheduler.importing.documents import read_document  # these two

    document_format, layout = read_document(document)
    result = interpret_layout(
        layout, str(document), period_start=period_start, name=name, columns=columns
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_suffix(out_path.suffix + ".tmp")
    temporary.write_text(plan_to_yaml(result.plan), encoding="utf-8")
    temporary.replace(out_path)
    return ImportResult(
        result.plan, out_path, document_format, tuple(result.warnings), tuple(result.problems)
    )


def _people_for_plan(config_dir: Path) -> tuple[People | None, tuple[str, ...]]:
    """The folder's people.yaml, or None with a note saying emails are not checked.

    `plan show` and `plan validate` both read leads' emails through this, so they agree,
    whether or not they run in the project folder.
    """
    path = config_dir / "people.yaml"
    if not path.exists():
        return None, (f"{path}: not found, so leads' email addresses are not checked",)
    return read_people(config_dir), ()


def read_plan_file(path: Path, config_dir: Path) -> tuple[Plan, tuple[str, ...]]:
    """A plan YAML file with its leads' emails from the folder's people.yaml."""
    people, notes = _people_for_plan(config_dir)
    loaded = load_plan_yaml(read_text(path), str(path), people)
    return loaded.plan, notes + tuple(loaded.warnings)


def validate_plan_files(
    paths: list[Path], config_dir: Path
) -> tuple[list[Finding], tuple[str, ...]]:
    """Every problem in these plan files (empty when valid), and the warnings `plan show`
    gives: the plan-only part of `csp check`, plans of the same year included."""
    try:
        people, notes = _people_for_plan(config_dir)
    except LocatedError as exc:
        return [error_finding(exc)], ()
    _, findings, _ = inspect_plans(paths, people)
    errors = [finding for finding in findings if finding.level == "error"]
    return errors, notes + tuple(str(f) for f in findings if f.level == "warning")


def plan_file_changes(old: Path, new: Path) -> PlanChanges:
    """What loading the plan in `new` over the one in `old` would change."""
    before = load_plan_yaml(read_text(old), str(old), unresolved_ok=True).plan
    after = load_plan_yaml(read_text(new), str(new), unresolved_ok=True).plan
    return plan_changes(before, after)


def load_plan(
    uow_factory: Callable[[], UnitOfWork], plan: Plan, source: str, now: datetime
) -> PlanLoadSummary:
    """Load or reload a plan in one transaction; same refs update, removed ones are archived."""
    with uow_factory() as uow:
        summary = uow.plans.save(plan, source, now)
        uow.audit.record(
            now,
            "plan_loaded",
            plan.name,
            source=source,
            added=list(summary.actions_added),
            updated=list(summary.actions_updated),
            archived=list(summary.actions_archived),
        )
        uow.commit()
    return summary


def sync_configuration(services: Services, config: Configuration, now: datetime) -> None:
    """Load the configuration's plans and meetings into the database when they changed."""
    version = services.config.version
    if services.loaded_config_version == version:
        return
    for attempt in range(3):
        try:
            _save_configuration(services, config, now)
            break
        except WriteConflict:  # another daemon loaded the same plan at the same moment
            if attempt == 2:
                raise
    services.loaded_config_version = version


def _save_configuration(services: Services, config: Configuration, now: datetime) -> None:
    from scheduler.events import log_event

    with services.uow_factory() as uow:
        for source, plan in config.plans:
            summary = uow.plans.save(plan, source, now)
            if summary.changed:
                uow.audit.record(now, "plan_loaded", plan.name, source=source)
                log_event(
                    "plan_loaded",
                    plan=plan.name,
                    added=len(summary.actions_added),
                    updated=len(summary.actions_updated),
                    archived=len(summary.actions_archived),
                )
        uow.plans.save_meetings(config.meetings)
        uow.commit()
