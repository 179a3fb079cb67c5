"""Importing the Northshire plan from a PDF rendered here, its second table running over a
page break with its header repeated."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_documents import EXPECTED, FEBTEMBER, NAME, PERIOD, QUARTERLY, SUMMER, outline
from plan_pdf import northshire_pdf

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.document import interpret_layout
from scheduler.domain.plan.layout import Paragraph, Place, Row, Table
from scheduler.importing.documents import read_document

RAG = (
    "column 'RAG' is not a field the plan keeps: its cells are kept as notes (or say what it"
    " is: --columns 'RAG=FIELD')"
)


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return northshire_pdf(tmp_path_factory.mktemp("pdf") / "plan.pdf")


def test_pdf_reads_as_lines_and_ruled_tables_page_by_page(pdf_path: Path) -> None:
    kind, layout = read_document(pdf_path)

    assert kind == "pdf"
    assert [b.text for b in layout.blocks if isinstance(b, Paragraph)] == [
        NAME,
        "2. Our action plan",
        "Priority 1: Reduce domestic abuse",
        "Lead: Jo Bloggs, Community Safety Manager, Northshire Council",
        "Outcome: Fewer repeat victims",
        "Priority 2: Reduce antisocial behaviour",
        "Lead: Sam Hill, Northshire Police",
        "3. Monitoring",
        "Progress is reviewed at each partnership meeting.",
    ]
    tables = [b for b in layout.blocks if isinstance(b, Table)]
    assert [(t.place.page, len(t.rows)) for t in tables] == [(1, 3), (2, 3), (3, 2)]
    assert tables[0].rows[2] == Row(
        (
            "1.2",
            "Review the MARAC process",
            "Probation",
            "Phase 1 June 2012, Phase 2 December 2012",
            "",
        ),
        Place(page=1, table=1, row=3),
    )
    assert tables[2].rows[0].cells == ("Ref", "Action", "Owner", "By when", "RAG")


def test_pdf_imports_in_full_with_each_problem_at_its_page_table_and_row(pdf_path: Path) -> None:
    result = interpret_layout(read_document(pdf_path)[1], "plan.pdf")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    assert outline(result.plan) == EXPECTED
    assert result.warnings == (
        f"plan.pdf (page 2, table 2, row 1): {RAG}",
        f"plan.pdf (page 2, table 2, row 2): action 2.1: {SUMMER}",
        f"plan.pdf (page 2, table 2, row 3): action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.pdf (page 3, table 3, row 2): action 2.3: {FEBTEMBER}",)


def test_a_pdf_that_is_not_one_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "plan.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really\n")

    with pytest.raises(PlanError) as raised:
        read_document(broken)

    assert str(raised.value).startswith(f"{broken}: ")
