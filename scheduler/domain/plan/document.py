"""Importing a Community Safety Plan from its document, whatever the document's format.

A reader turns the document into layout blocks (headings, paragraphs, tables); this module
interprets them: the priorities with their Lead lines and outcomes, each action table's
columns by meaning, each action's timescale as milestones. It goes through the whole
document and keeps every problem with its place: an action whose timescale cannot be read is
kept with a `timescale_unresolved` note (which `plan validate` reports until it is fixed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from scheduler.domain.errors import PlanError, TimescaleError
from scheduler.domain.plan.action_table import TableRow
from scheduler.domain.plan.layout import Heading, Layout, Paragraph, Table
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.plan.plan_period import derive_name, infer_period, period_of
from scheduler.domain.plan.priority_blocks import PriorityBlock, Walk, walk_layout
from scheduler.domain.plan.review import UNRESOLVED_TIMESCALE
from scheduler.domain.plan.text_layout import read_text_layout
from scheduler.domain.plan.timescale import parse_timescale


@dataclass(frozen=True)
class DocumentImport:
    """The plan read from a document, with warnings to review and problems left unresolved.

    Each warning and problem starts with its place ("plan.txt:41: ..." or "plan.docx (table 2,
    row 4): ..."). A problem is something the YAML does not hold rightly until a person fixes
    it; a warning is a reading the coordinator should check.
    """

    plan: Plan
    warnings: tuple[str, ...]
    problems: tuple[str, ...] = ()


def _number_blocks(walk: Walk, source: str) -> list[PriorityBlock]:
    """Give unnumbered priorities the next free number, and merge a priority found twice."""
    taken = {block.ref for block in walk.blocks if block.ref is not None}
    counter = 0
    merged: dict[str, PriorityBlock] = {}
    for block in walk.blocks:
        if block.ref is None:
            counter += 1
            while str(counter) in taken:
                counter += 1
            block.ref = str(counter)
        first = merged.get(block.ref)
        if first is None:
            merged[block.ref] = block
            continue
        walk.warnings.append(
            f"{block.place.of(source)}: priority {block.ref} appears again (first at"
            f" {first.place.parts() or f'line {first.place.line}'}): its actions are added to it"
        )
        first.rows.extend(block.rows)
        first.outcomes.extend(o for o in block.outcomes if o not in first.outcomes)
        first.lead = first.lead or block.lead
    return list(merged.values())


def _refs(block: PriorityBlock) -> list[str]:
    """Each row's ref: its Ref column when those number the priority's actions ("3.1.2"
    under 3.1) once each, else the rows in order; a Ref that is not used is kept as a note."""
    given = [row.text("ref").strip() for row in block.rows]
    pattern = re.compile(rf"{re.escape(block.ref or '')}\.[0-9]+")
    if all(pattern.fullmatch(ref) for ref in given) and len(set(given)) == len(given):
        return given
    for row, ref in zip(block.rows, given, strict=True):
        if ref:
            row.notes.insert(0, f"Ref: {ref}")
    return [f"{block.ref}.{number}" for number in range(1, len(block.rows) + 1)]


class _Actions:
    """Turns table rows into actions, collecting warnings and problems."""

    def __init__(self, walk: Walk, source: str, period: tuple[date, date]) -> None:
        self.walk = walk
        self.source = source
        self.period = period

    def action(self, row: TableRow, ref: str) -> Action:
        where = f"{row.place.of(self.source)}: action {ref}"
        timescale = row.text("timescale")
        notes: list[str] = []
        milestones: tuple[Milestone, ...] = ()
        try:
            reading = parse_timescale(
                timescale, period_start=self.period[0], period_end=self.period[1]
            )
        except TimescaleError as exc:
            self.walk.problems.append(f"{where}: {exc}: no milestone (marked unresolved)")
            notes.append(f"{UNRESOLVED_TIMESCALE}: {exc}")
        else:
            milestones = reading.milestones
            self.walk.warnings.extend(f"{where}: {warning}" for warning in reading.warnings)
        for milestone in milestones:
            if not self.period[0] <= milestone.due <= self.period[1]:
                self.walk.warnings.append(
                    f"{where}: milestone {milestone.label!r} due {milestone.due} is outside the"
                    f" plan period {self.period[0]} to {self.period[1]}"
                )
        for marker in row.markers:
            note = self.walk.footnotes.get(marker)
            if note is None:
                self.walk.warnings.append(f"{where}: footnote {marker} has no text in the document")
            else:
                notes.append(note)
        return Action(
            ref=ref,
            action=row.text("action"),
            activity=row.text("activity"),
            resources=row.text("resources"),
            timescale=timescale,
            lead_agency=row.text("lead_agency"),
            targets=row.text("targets"),
            group=row.group,
            milestones=tuple(Milestone(m.label, m.due) for m in milestones),
            notes=tuple(notes + row.notes),
        )

    def priority(self, block: PriorityBlock) -> Priority:
        assert block.ref is not None
        where = block.place.of(self.source)
        if block.lead is None:
            self.walk.problems.append(
                f"{where}: priority {block.ref} has no 'Lead:' line: its lead is left empty"
            )
        if not block.rows:
            self.walk.warnings.append(f"{where}: priority {block.ref} has no actions")
        return Priority(
            ref=block.ref,
            title=block.title,
            lead=block.lead or Lead(name=""),
            outcomes=tuple(block.outcomes),
            actions=tuple(
                self.action(row, ref) for row, ref in zip(block.rows, _refs(block), strict=True)
            ),
        )


def _text_lines(layout: Layout) -> list[str]:
    return [b.text for b in layout.blocks if isinstance(b, Heading | Paragraph)]


def _all_lines(layout: Layout) -> list[str]:
    lines: list[str] = []
    for block in layout.blocks:
        if isinstance(block, Table):
            lines.extend("\t".join(row.cells) for row in block.rows)
        else:
            lines.append(block.text)
    return lines


def interpret_layout(
    layout: Layout,
    source: str,
    *,
    period_start: date | None = None,
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> DocumentImport:
    """Read the plan in a document's layout; `source` names it in warnings and problems.

    The period is the year from period_start, else the April-March financial year holding
    most milestones (or named in the title). The name is `name`, else a title line, else
    derived from the partnership the text names and the period. `columns` maps a normalised
    header to the field it holds, over what the header's words say. Raises PlanError only
    when nothing can be written: no action plan, or no period.
    """
    walk = walk_layout(layout, source, columns or {})
    if not walk.blocks:
        raise PlanError(
            source,
            None,
            "no action plan found: expected priority headings (e.g. '3.1 Reduce Domestic"
            " Violence') each followed by a table of actions with a header such as 'Action,"
            " Lead, Timescale' (or a bulleted list of actions with 'Lead:' and 'By when:')",
        )
    blocks = _number_blocks(walk, source)
    timescales = [row.text("timescale") for block in blocks for row in block.rows]
    period = (
        period_of(period_start)
        if period_start
        else infer_period(timescales, _text_lines(layout), source)
    )
    actions = _Actions(walk, source, period)
    priorities = tuple(actions.priority(block) for block in blocks)
    plan = Plan(
        name=name or derive_name(_text_lines(layout), _all_lines(layout), *period),
        period_start=period[0],
        period_end=period[1],
        priorities=priorities,
    )
    return DocumentImport(plan=plan, warnings=tuple(walk.warnings), problems=tuple(walk.problems))


def parse_plan_document(
    text: str,
    source: str,
    *,
    period_start: date | None = None,
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> DocumentImport:
    """Read the plan in a text or markdown document (see interpret_layout)."""
    return interpret_layout(
        read_text_layout(text, source),
        source,
        period_start=period_start,
        name=name,
        columns=columns,
    )
