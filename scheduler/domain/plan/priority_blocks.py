"""Walking a document's layout into priorities: each with its lead, outcomes and action rows.

The action plan is the section whose heading names one ("3. Community Safety Action Plan"),
else the whole document. A priority starts at a heading ("3.1 Reduce X", "Priority 2: Y", a
markdown or Word heading followed by a table), at a one-cell table row that reads as one, or
where a table's Priority column changes. Every problem is kept with its place and the walk
goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.domain.plan.action_table import (
    FOOTNOTE_LINE,
    TableRow,
    add_row,
    footnote_number,
    read_cells,
)
from scheduler.domain.plan.bullet_actions import BulletItem, bullet_row
from scheduler.domain.plan.columns import Columns, read_header
from scheduler.domain.plan.headings import (
    APPENDIX,
    LEAD,
    OUTCOME,
    SECTION,
    clean,
    heading_match,
    priority_heading,
    split_numbered,
)
from scheduler.domain.plan.layout import Block, Heading, Layout, Paragraph, Place, Row, Table
from scheduler.domain.plan.lead_line import parse_lead
from scheduler.domain.plan.model import Lead


@dataclass
class PriorityBlock:
    """One priority as found: ref (None until numbered), title, lead, outcomes and rows."""

    ref: str | None
    title: str
    place: Place
    numbered: bool
    level: int | None = None
    lead: Lead | None = None
    outcomes: list[str] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)
    has_table: bool = False


@dataclass
class Walk:
    """What the walk found: priorities, footnotes, warnings and unresolved problems."""

    blocks: list[PriorityBlock]
    footnotes: dict[str, str]
    warnings: list[str]
    problems: list[str]


def _text_of(block: Block) -> str | None:
    return None if isinstance(block, Table) else block.text


class _Walker:
    def __init__(self, layout: Layout, source: str, overrides: Mapping[str, str]) -> None:
        self.layout = layout
        self.source = source
        self.overrides = overrides
        self.warnings: list[str] = []
        self.problems: list[str] = list(layout.problems)
        self.blocks: list[PriorityBlock] = []
        self.current: PriorityBlock | None = None
        self.columns: Columns | None = None
        self.reported: tuple[str, ...] = ()
        self.in_table = False
        self.group: str | None = None
        self.bullets: list[BulletItem] = []
        self.last_heading = ""
        self.footnotes: dict[str, str] = {}
        for block in layout.blocks:
            text = _text_of(block)
            match = FOOTNOTE_LINE.match(text) if text is not None else None
            if match:
                self.footnotes.setdefault(footnote_number(match["marker"]), match["text"])

    def where(self, place: Place) -> str:
        return place.of(self.source)

    def scope(self) -> tuple[list[Block], bool]:
        """The action plan section when the document names one, else the whole document."""
        blocks = list(self.layout.blocks)
        start: int | None = None
        level: int | None = None
        for index, block in enumerate(blocks):
            text = _text_of(block)
            if text is None or (isinstance(block, Paragraph) and block.bullet):
                continue
            section = heading_match(text, SECTION)
            ends = section is not None or APPENDIX.match(text) is not None
            if isinstance(block, Heading) and level is not None and block.level <= level:
                ends = ends or priority_heading(text, sections=False) is None
            if start is not None and ends:
                return blocks[start:index], True
            names_plan = "action plan" in text.lower()
            if start is None and names_plan and (section or isinstance(block, Heading)):
                start = index + 1
                level = block.level if isinstance(block, Heading) else None
        if start is not None:
            return blocks[start:], True
        return blocks, False

    def walk(self) -> Walk:
        blocks, explicit = self.scope()
        self.explicit = explicit
        for block in blocks:
            if isinstance(block, Table):
                self.end_bullets()
                self.table(block)
            elif isinstance(block, Paragraph) and block.bullet and self.current is not None:
                self.bullet(block)
            else:
                self.end_bullets()
                self.text(block)
        self.end_bullets()
        self.close()
        return Walk(self.blocks, self.footnotes, self.warnings, self.problems)

    # --- priorities --------------------------------------------------------------------------

    def open(self, ref: str | None, title: str, place: Place, level: int | None) -> None:
        self.close()
        self.current = PriorityBlock(ref, title, place, numbered=ref is not None, level=level)
        self.in_table = False
        self.group = None

    def close(self) -> None:
        block = self.current
        self.current = None
        if block is None:
            return
        if block.rows or (block.numbered and (block.has_table or self.explicit)):
            self.blocks.append(block)

    def text(self, block: Heading | Paragraph) -> None:
        level = block.level if isinstance(block, Heading) else None
        found = priority_heading(block.text, sections=not self.explicit)
        if found is not None:
            self.open(found[0], found[1], block.place, level)
            return
        if isinstance(block, Heading):
            self.heading(block)
            return
        if self.current is None:
            if isinstance(block, Paragraph):
                self.last_heading = clean(block.text)
            return
        if FOOTNOTE_LINE.match(block.text):
            return
        if self.in_table or self.current.rows:
            self.in_table = False
            return
        self.intro_line(self.current, block.text, block.place)

    def heading(self, block: Heading) -> None:
        """A heading that is not numbered: a priority when a table follows it, unless it is
        a heading inside the priority before it ("Actions" under "3.1 Reduce X")."""
        self.last_heading = clean(block.text)
        current = self.current
        inside = current is not None and (current.level is None or block.level > current.level)
        empty = current is not None and not (
            current.numbered or current.lead or current.outcomes or current.rows
        )
        if not inside or empty:
            self.open(None, clean(block.text), block.place, block.level)

    def intro_line(self, block: PriorityBlock, text: str, place: Place) -> None:
        lead = LEAD.match(text)
        if lead:
            if block.lead is not None:
                self.warnings.append(
                    f"{self.where(place)}: priority {block.ref or block.title} has a second Lead"
                    " line; the first is used"
                )
            else:
                block.lead = parse_lead(clean(lead["text"]))
            return
        outcome = OUTCOME.match(text)
        line = clean(outcome["text"]) if outcome else ""
        if block.lead is None and not text.lstrip().lower().startswith("outcome"):
            self.warnings.append(
                f"{self.where(place)}: ignored text before the Lead line of priority"
                f" {block.ref or block.title}: {clean(text)[:60]!r}"
            )
        elif line:
            block.outcomes.append(line)

    # --- bullet lists -------------------------------------------------------------------------

    def bullet(self, block: Paragraph) -> None:
        if block.depth == 0 or not self.bullets:
            self.end_bullets()
            self.bullets.append(BulletItem(block, []))
        else:
            self.bullets[-1].subitems.append(block)

    def end_bullets(self) -> None:
        items, self.bullets = self.bullets, []
        for item in items:
            assert self.current is not None
            row = bullet_row(item, self.group, self.overrides)
            if row is not None:
                self.current.rows.append(row)
                self.current.has_table = True
                continue
            for paragraph in [item.top, *item.subitems]:
                if not (self.in_table or self.current.rows):
                    self.intro_line(self.current, paragraph.text, paragraph.place)

    # --- tables -------------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        rows = list(table.rows)
        if not (self.in_table and self.columns and table.may_continue):
            rows = self.leading_text_rows(rows)
        if not rows:
            return
        header = read_header(rows[0].cells, self.overrides)
        continues = (
            self.columns is not None
            and table.may_continue
            and self.in_table
            and not header.is_action_table
            and len(rows[0].cells) <= len(self.columns.fields)
        )
        if header.is_action_table:
            self.columns = header
            self.report_columns(header, rows[0].place)
            rows = rows[1:]
        elif not continues:
            self.other_table(table)
            return
        if self.current is None:
            self.open(None, self.last_heading or "Action plan", table.place, None)
        assert self.current is not None
        self.current.has_table = self.in_table = True
        for row in rows:
            self.row(row)
        self.in_table = True

    def leading_text_rows(self, rows: list[Row]) -> list[Row]:
        """Rows of one cell above a table's header (a priority's heading and Lead line in a
        Word table, across the whole width) are read as lines of text."""
        while rows:
            filled = [cell for cell in rows[0].cells if cell.strip()]
            header = read_header(rows[0].cells, self.overrides)
            if len(filled) != 1 or header.is_action_table or len(rows) == 1:
                return rows
            self.end_bullets()
            self.text(Paragraph(filled[0], rows[0].place))
            rows = rows[1:]
        return rows

    def other_table(self, table: Table) -> None:
        """A table that is not an action table: skipped, and named when it may be one."""
        self.in_table = False
        self.columns = None
        if not self.explicit:
            return  # outside a named action plan section, other tables are the document's own
        headers = ", ".join(repr(" ".join(c.split())) for c in table.rows[0].cells if c.strip())
        self.problems.append(
            f"{self.where(table.place)}: table row outside an action table (no header naming"
            f" the action and its timescale or lead; first row: {headers[:80]}): not imported;"
            " name its columns with --columns"
        )

    def report_columns(self, columns: Columns, place: Place) -> None:
        if self.reported == columns.headers:
            return  # the same header repeated on the next page
        self.reported = columns.headers
        for header, name in zip(columns.headers, columns.fields, strict=True):
            if name is None and header:
                self.warnings.append(
                    f"{self.where(place)}: column {header!r} is not a field the plan keeps: its"
                    f" cells are kept as notes (or say what it is: --columns '{header}=FIELD')"
                )

    def row(self, row: Row) -> None:
        assert self.columns is not None and self.current is not None
        filled = [cell for cell in row.cells if cell.strip()]
        if len(filled) == 1 and row.cells[0].strip():
            found = priority_heading(row.cells[0], sections=False)
            if found is not None:
                self.open(found[0], found[1], row.place, None)
                self.current.has_table = self.in_table = True
                return
        header = read_header(row.cells, self.overrides)
        named = sum(name is not None for name in header.fields)
        if header.is_action_table and named >= len(filled) - 1:
            self.columns = header  # a header again: a new page, or the next priority's table
            self.report_columns(header, row.place)
            return
        if len(filled) == 1 and row.cells[0].strip() and not self.current.rows:
            text = row.cells[0]
            if LEAD.match(text) or text.lstrip().lower().startswith("outcome"):
                self.intro_line(self.current, text, row.place)
                return
        width = len(self.columns.fields)
        extra = [cell for cell in row.cells[width:] if cell.strip()]
        if extra:
            self.problems.append(
                f"{self.where(row.place)}: table row has {len(row.cells)} cells but the header"
                f" has {width}: the cells beyond it are kept as notes"
            )
        read = read_cells(self.columns, row.cells[:width] + tuple(extra))
        priority = " ".join(read[0]["priority"])
        if priority and (self.current.title != split_numbered(priority)[1]):
            ref, title = split_numbered(priority)
            self.open(ref, title, row.place, None)
            self.current.has_table = self.in_table = True
        self.group, problem = add_row(self.current.rows, row.place, self.group, read)
        if problem:
            self.problems.append(f"{self.where(row.place)}: {problem}: not imported")


def walk_layout(layout: Layout, source: str, overrides: Mapping[str, str]) -> Walk:
    """The priorities in a document's layout, with its footnotes and everything to report."""
    return _Walker(layout, source, overrides).walk()
