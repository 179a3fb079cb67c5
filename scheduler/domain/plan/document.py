"""Importing a Community Safety Plan from the text of its published document.

The document is prose around an action plan section: numbered priority headings ("3.1 Reduce
Domestic Violence"), each with a Lead line, outcomes and a tab-separated action table whose
cells may be plain text or <p> HTML. Everything else (legislation, landscape, appendix) is
skipped. The result is a Plan plus warnings a coordinator should read before trusting it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from scheduler.domain.errors import PlanError, TimescaleError
from scheduler.domain.plan.action_table import (
    FOOTNOTE_LINE,
    TableRow,
    footnote_number,
    header_cells,
    header_fields,
    read_row,
)
from scheduler.domain.plan.lead_line import parse_lead
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.plan.timescale import parse_timescale

_SECTION = re.compile(r"^\s*(?P<number>[0-9]+)\.?\s+(?P<title>[A-Za-z].*?)\s*$")
_APPENDIX = re.compile(r"^\s*Appendix\b", re.IGNORECASE)
_SUBHEADING = re.compile(r"^\s*(?P<ref>[0-9]+(?:\.[0-9]+)+)\.?\s+(?P<title>\S.*?)\s*$")
_LEAD = re.compile(
    r"^\s*(?:priority\s+)?lead(?:\s+officer)?s?(?:\s*\(s\))?\s*:\s*(?P<text>.*?)\s*$",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?(?:outcomes?\s*:\s*)?(?P<text>.*?)\s*$", re.IGNORECASE
)
_PLACE = re.compile(r"((?:[A-Z][A-Za-z'\u2019-]*\s+){1,4})(?:CSP|Community Safety Partnership)\b")
_TITLE_LINE = re.compile(r"\b(?:Community Safety|Action) Plan\b")
_NOT_A_PLACE = frozenset({"the", "a", "an", "this", "our", "each", "every", "all"})
_MAX_HEADING_WORDS = 12


@dataclass(frozen=True)
class DocumentImport:
    """The plan read from a document, with warnings ("source:line: ...") to review."""

    plan: Plan
    warnings: tuple[str, ...]


@dataclass
class _Block:
    ref: str
    title: str
    line: int
    lead: Lead | None = None
    outcomes: list[str] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    has_table: bool = False


@dataclass(frozen=True)
class _Line:
    number: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def has_tab(self) -> bool:
        return "\t" in self.text


def _clean(text: str) -> str:
    return " ".join(text.replace("**", "").replace("__", "").split())


def _is_heading(line: _Line, pattern: re.Pattern[str]) -> re.Match[str] | None:
    if line.has_tab:
        return None
    match = pattern.match(line.text)
    if match is None:
        return None
    title = match["title"]
    if len(title.split()) > _MAX_HEADING_WORDS or title.endswith((".", ":", ";", ",")):
        return None
    return match


class _Reader:
    """Walks the document's lines once, collecting priority blocks and footnotes."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = [_Line(n, t) for n, t in enumerate(text.lstrip("\ufeff").splitlines(), 1)]
        self.warnings: list[str] = []
        self.footnotes: dict[str, str] = {}
        for line in self.lines:
            match = FOOTNOTE_LINE.match(line.text)
            if match and not line.has_tab:
                self.footnotes.setdefault(footnote_number(match["marker"]), match["text"])

    def scope(self) -> tuple[list[_Line], bool]:
        """The action plan section when the document names one, else the whole text."""
        start: int | None = None
        for index, line in enumerate(self.lines):
            match = _is_heading(line, _SECTION)
            ends_section = match is not None or _APPENDIX.match(line.text) is not None
            if start is not None and ends_section:
                return self.lines[start:index], True
            if match and "action plan" in match["title"].lower():
                start = index + 1
        if start is not None:
            return self.lines[start:], True
        return self.lines, False

    def blocks(self) -> list[_Block]:
        lines, explicit = self.scope()
        blocks: list[_Block] = []
        current: list[_Line] = []
        heading: re.Match[str] | None = None
        heading_line = 0
        for line in [*lines, None]:
            match = _is_heading(line, _SUBHEADING) if line is not None else None
            if line is not None and match is None:
                current.append(line)
                continue
            if heading is not None:
                block = self.block(heading, heading_line, current, strict=explicit)
                if block.has_table or explicit:
                    blocks.append(block)
            if line is not None:
                heading, heading_line, current = match, line.number, []
        return blocks

    def block(
        self, heading: re.Match[str], line_number: int, lines: list[_Line], *, strict: bool
    ) -> _Block:
        """One priority; outside a named action plan section, tables of other kinds are skipped."""
        block = _Block(ref=heading["ref"], title=_clean(heading["title"]), line=line_number)
        fields: list[str] | None = None
        in_table = False
        group: str | None = None
        for line in lines:
            if line.blank or (FOOTNOTE_LINE.match(line.text) and not line.has_tab):
                continue
            header = header_cells(line.text) if line.has_tab else None
            if header is not None:
                fields = header_fields(header, line.number, self.source, self.warnings)
                block.has_table = in_table = True
                group = None
                continue
            if line.has_tab:
                if fields is None and not strict:
                    continue
                if fields is None or not in_table:
                    raise PlanError(
                        self.source,
                        line.number,
                        "table row outside an action table (no 'Action<TAB>Activity...' header)",
                    )
                group = read_row(block.rows, fields, line.number, line.text, group, self.source)
                continue
            if in_table or block.rows:
                in_table = False
                continue
            self.intro_line(block, line)
        return block

    def intro_line(self, block: _Block, line: _Line) -> None:
        lead = _LEAD.match(line.text)
        if lead:
            if block.lead is not None:
                self.warnings.append(
                    f"{self.source}:{line.number}: priority {block.ref} has a second Lead line;"
                    " the first is used"
                )
            else:
                block.lead = parse_lead(_clean(lead["text"]))
            return
        outcome = _OUTCOME.match(line.text)
        text = _clean(outcome["text"]) if outcome else ""
        if block.lead is None and not re.match(r"\s*outcome", line.text, re.IGNORECASE):
            self.warnings.append(
                f"{self.source}:{line.number}: ignored text before the Lead line of priority"
                f" {block.ref}: {_clean(line.text)[:60]!r}"
            )
        elif text:
            block.outcomes.append(text)


def _period_of(start: date) -> tuple[date, date]:
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:
        next_start = date(start.year + 1, 3, 1)
    return start, next_start - timedelta(days=1)


def _financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _infer_period(blocks: list[_Block], source: str) -> tuple[date, date]:
    dues: list[date] = []
    for block in blocks:
        for row in block.rows:
            try:
                reading = parse_timescale("\n".join(row.cells["timescale"]))
            except TimescaleError:
                continue
            dues.extend(m.due for m in reading.milestones)
    if not dues:
        raise PlanError(
            source, None, "cannot infer the plan period: no timescale has a date; give its start"
        )
    counts = Counter(_financial_year_of(due) for due in dues)
    year = min(counts, key=lambda y: (-counts[y], y))
    return date(year, 4, 1), date(year + 1, 3, 31)


def _period_label(start: date, end: date) -> str:
    if end.year == start.year + 1:
        return f"{start.year}/{end.year % 100:02d}"
    return str(start.year) if end.year == start.year else f"{start.year}-{end.year}"


def _derive_name(reader: _Reader, start: date, end: date) -> str:
    for line in reader.lines:
        if _is_heading(line, _SECTION) or _is_heading(line, _SUBHEADING):
            break
        words = line.text.split()
        is_short = 0 < len(words) <= _MAX_HEADING_WORDS and not line.text.rstrip().endswith(".")
        if is_short and _TITLE_LINE.search(line.text):
            return _clean(line.text)
    for line in reader.lines:
        for match in _PLACE.finditer(line.text):
            words = match[1].split()
            while words and words[0].lower() in _NOT_A_PLACE:
                words.pop(0)
            if words:
                return f"{' '.join(words)} Community Safety Plan {_period_label(start, end)}"
    return f"Community Safety Plan {_period_label(start, end)}"


def _action(
    row: TableRow,
    ref: str,
    reader: _Reader,
    period: tuple[date, date],
) -> Action:
    source = reader.source
    timescale = "\n".join(row.cells["timescale"])
    try:
        reading = parse_timescale(timescale, period_end=period[1])
    except TimescaleError as exc:
        raise PlanError(source, row.line, f"action {ref}: {exc}") from None
    where = f"{source}:{row.line}: action {ref}"
    reader.warnings.extend(f"{where}: {warning}" for warning in reading.warnings)
    for milestone in reading.milestones:
        if not period[0] <= milestone.due <= period[1]:
            reader.warnings.append(
                f"{where}: milestone {milestone.label!r} due {milestone.due} is outside the"
                f" plan period {period[0]} to {period[1]}"
            )
    notes: list[str] = []
    for marker in row.markers:
        note = reader.footnotes.get(marker)
        if note is None:
            reader.warnings.append(f"{where}: footnote {marker} has no text in the document")
        else:
            notes.append(note)
    return Action(
        ref=ref,
        action="\n".join(row.cells["action"]),
        activity="\n".join(row.cells["activity"]),
        resources="\n".join(row.cells["resources"]),
        timescale=timescale,
        lead_agency="\n".join(row.cells["lead_agency"]),
        targets="\n".join(row.cells["targets"]),
        group=row.group,
        milestones=tuple(Milestone(m.label, m.due) for m in reading.milestones),
        notes=tuple(notes),
    )


def parse_plan_document(
    text: str,
    source: str,
    *,
    period_start: date | None = None,
    name: str | None = None,
) -> DocumentImport:
    """Read the plan in a document's text; `source` names it in errors and warnings.

    The period is the year from period_start, else the April-March financial year holding
    most milestones. The name is `name`, else a title line, else derived from the partnership
    the text names and the period. Raises PlanError when no action plan is found, a table row
    is malformed or a timescale cannot be read.
    """
    reader = _Reader(text, source)
    blocks = reader.blocks()
    if not any(block.has_table for block in blocks):
        raise PlanError(
            source,
            None,
            "no action plan found: expected numbered priority headings (e.g. '3.1 Reduce"
            " Domestic Violence') each followed by a table headed 'Action<TAB>Activity...'",
        )
    seen: dict[str, int] = {}
    for block in blocks:
        if block.ref in seen:
            raise PlanError(
                source,
                block.line,
                f"priority {block.ref} appears twice (first at line {seen[block.ref]})",
            )
        seen[block.ref] = block.line

    period = _period_of(period_start) if period_start else _infer_period(blocks, source)
    priorities: list[Priority] = []
    for block in blocks:
        if block.lead is None:
            reader.warnings.append(
                f"{source}:{block.line}: priority {block.ref} has no 'Lead:' line"
            )
        if not block.rows:
            reader.warnings.append(f"{source}:{block.line}: priority {block.ref} has no actions")
        actions = tuple(
            _action(row, f"{block.ref}.{number}", reader, period)
            for number, row in enumerate(block.rows, 1)
        )
        priorities.append(
            Priority(
                ref=block.ref,
                title=block.title,
                lead=block.lead or Lead(name=""),
                outcomes=tuple(block.outcomes),
                actions=actions,
            )
        )
    plan = Plan(
        name=name or _derive_name(reader, *period),
        period_start=period[0],
        period_end=period[1],
        priorities=tuple(priorities),
    )
    return DocumentImport(plan=plan, warnings=tuple(reader.warnings))
