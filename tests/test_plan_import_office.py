"""Importing the Northshire plan from a Word document and an Excel workbook, each made here
with the library the importer reads it with, through the same entry point as `csp plan
import` (format from content, not name)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from plan_documents import EXPECTED, FEBTEMBER, NAME, PERIOD, QUARTERLY, SUMMER, outline

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.document import interpret_layout
from scheduler.domain.plan.layout import Heading, Paragraph, Place, Row, Table
from scheduler.importing.documents import read_document

RAG = (
    "column 'RAG' is not a field the plan keeps: its cells are kept as notes (or say what it"
    " is: --columns 'RAG=FIELD')"
)


def _word_table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, row in zip(rows, table.rows, strict=True):
        for text, cell in zip(cells, row.cells, strict=True):
            cell.text = text


def northshire_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading(NAME, level=0)
    document.add_paragraph("Northshire Community Safety Partnership agreed this plan.")
    document.add_heading("2. Our action plan", level=1)
    document.add_heading("Priority 1: Reduce domestic abuse", level=2)
    document.add_paragraph("Lead: Jo Bloggs, Community Safety Manager, Northshire Council")
    document.add_paragraph("Outcome: Fewer repeat victims")
    _word_table(
        document,
        [
            ["Ref", "Action", "Responsible officer", "Target date", "Performance measure"],
            ["1.1", "Run a campaign in schools", "Police", "Mar-13", "10 schools reached"],
            ["1.2", "Review the MARAC process", "Probation", "", ""],
        ],
    )
    # A timescale cell of two paragraphs.
    cell = document.tables[0].rows[2].cells[3]
    cell.text = "Phase 1 June 2012,"
    cell.add_paragraph("Phase 2 December 2012")
    # Priority 2's heading and lead are rows across the top of its table.
    _word_table(
        document,
        [
            ["Priority 2: Reduce antisocial behaviour", "", "", "", ""],
            ["Lead: Sam Hill, Northshire Police", "", "", "", ""],
            ["Ref", "Action", "Owner", "By when", "RAG"],
            ["2.1", "Street Pride events", "Council", "Summer 2012", "Green"],
            ["2.2", "Youth diversion", "Youth Service", "Quarterly", ""],
            ["2.3", "Survey residents", "Council", "31 Febtember 2012", ""],
        ],
    )
    table = document.tables[1]
    for row in (0, 1):
        table.cell(row, 0).merge(table.cell(row, 4))
        table.cell(row, 0).text = [
            "Priority 2: Reduce antisocial behaviour",
            "Lead: Sam Hill, Northshire Police",
        ][row]
    document.add_heading("3. Monitoring", level=1)
    document.add_paragraph("Progress is reviewed at each partnership meeting.")
    document.save(path)
    return path


def test_word_document_reads_as_headings_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    kind, layout = read_document(northshire_docx(tmp_path / "plan.docx"))

    assert kind == "docx"
    assert layout.blocks[:6] == (
        Heading(NAME, Place(paragraph=1), 1),
        Paragraph("Northshire Community Safety Partnership agreed this plan.", Place(paragraph=2)),
        Heading("2. Our action plan", Place(paragraph=3), 1),
        Heading("Priority 1: Reduce domestic abuse", Place(paragraph=4), 2),
        Paragraph(
            "Lead: Jo Bloggs, Community Safety Manager, Northshire Council", Place(paragraph=5)
        ),
        Paragraph("Outcome: Fewer repeat victims", Place(paragraph=6)),
    )
    first_table = layout.blocks[6]
    assert isinstance(first_table, Table)
    assert first_table.rows[2] == Row(
        (
            "1.2",
            "Review the MARAC process",
            "Probation",
            "Phase 1 June 2012,\nPhase 2 December 2012",
            "",
        ),
        Place(table=1, row=3),
    )
    second_table = layout.blocks[7]
    assert isinstance(second_table, Table)
    assert second_table.rows[0] == Row(
        ("Priority 2: Reduce antisocial behaviour",), Place(table=2, row=1)
    )


def test_word_document_imports_in_full_with_each_problem_at_its_table_and_row(
    tmp_path: Path,
) -> None:
    path = northshire_docx(tmp_path / "plan.docx")

    result = interpret_layout(read_document(path)[1], "plan.docx")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    assert outline(result.plan) == [
        (
            *EXPECTED[0][:4],
            [
                (*a[:3], a[3].replace(", ", ",\n"), *a[4:]) if a[0] == "1.2" else a
                for a in EXPECTED[0][4]
            ],
        ),
        EXPECTED[1],
    ]
    assert result.warnings == (
        f"plan.docx (table 2, row 3): {RAG}",
        f"plan.docx (table 2, row 4): action 2.1: {SUMMER}",
        f"plan.docx (table 2, row 5): action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.docx (table 2, row 6): action 2.3: {FEBTEMBER}",)


def northshire_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Action plan"
    rows: list[list[object]] = [
        [NAME],
        [],
        ["Priority 1: Reduce domestic abuse"],
        ["Lead: Jo Bloggs, Community Safety Manager, Northshire Council"],
        ["Outcome: Fewer repeat victims"],
        ["Ref", "Action", "Lead", "Target date", "Measure", "RAG"],
        ["1.1", "Run a campaign in schools", "Police", datetime(2013, 3, 1), "10 schools reached"],
        [
            "1.2",
            "Review the MARAC process",
            "Probation",
            "Phase 1 June 2012, Phase 2 December 2012",
        ],
        ["Priority 2: Reduce antisocial behaviour"],
        ["Lead: Sam Hill, Northshire Police"],
        ["2.1", "Street Pride events", "Council", "Summer 2012", None, "Green"],
        ["2.2", "Youth diversion", "Youth Service", "Quarterly"],
        ["2.3", "Survey residents", "Council", "31 Febtember 2012"],
        [],
        ["Approved", None, None, datetime(2012, 3, 20)],
    ]
    for row in rows:
        sheet.append(row)
    sheet["D7"].number_format = "mmm-yy"  # typed as "Mar-13": 1 March 2013 shown without a day
    sheet["D15"].number_format = "dd/mm/yyyy"
    workbook.save(path)
    return path


def test_workbook_cells_read_as_the_sheet_shows_them(tmp_path: Path) -> None:
    kind, layout = read_document(northshire_xlsx(tmp_path / "plan.xlsx"))

    assert kind == "xlsx"
    assert layout.blocks[0] == Paragraph(NAME, Place(sheet="Action plan", row=1))
    table = layout.blocks[4]
    assert isinstance(table, Table)
    assert table.rows[1] == Row(
        ("1.1", "Run a campaign in schools", "Police", "March 2013", "10 schools reached", ""),
        Place(sheet="Action plan", row=7),
    )
    assert layout.blocks[-1] == Table(
        (Row(("Approved", "", "", "2012-03-20"), Place(sheet="Action plan", row=15)),),
        Place(sheet="Action plan", row=15),
        may_continue=False,
    )


def test_workbook_imports_in_full_and_a_month_cell_is_the_months_end(tmp_path: Path) -> None:
    path = northshire_xlsx(tmp_path / "plan.xlsx")

    result = interpret_layout(read_document(path)[1], "plan.xlsx")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    expected_first = [
        (a[0], a[1], a[2], "March 2013", *a[4:]) if a[0] == "1.1" else a for a in EXPECTED[0][4]
    ]
    assert outline(result.plan) == [(*EXPECTED[0][:4], expected_first), EXPECTED[1]]
    where = "plan.xlsx (sheet 'Action plan', row"
    assert result.warnings == (
        f"{where} 6): {RAG}",
        f"{where} 11): action 2.1: {SUMMER}",
        f"{where} 12): action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"{where} 13): action 2.3: {FEBTEMBER}",)


def test_format_comes_from_content_not_the_name(tmp_path: Path) -> None:
    disguised = northshire_xlsx(tmp_path / "plan.txt")

    assert read_document(disguised)[0] == "xlsx"


def test_an_old_binary_word_file_is_one_clear_error(tmp_path: Path) -> None:
    old = tmp_path / "plan.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)

    with pytest.raises(PlanError) as raised:
        read_document(old)

    assert "save it as .docx or .xlsx" in str(raised.value)
