"""Importing one plan written the ways other councils write theirs: markdown tables, bullet
lists, text copied out of Word with wrapped cells, CSV. Each gives the same plan in full, with
every problem listed with its place and nothing else lost."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_documents import (
    BULLETS,
    CSV_ROWS,
    EXPECTED,
    FEBTEMBER,
    MARKDOWN,
    NAME,
    PERIOD,
    QUARTERLY,
    SUMMER,
    WRAPPED_TEXT,
    outline,
)

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.columns import ColumnsError, parse_column_overrides
from scheduler.domain.plan.document import interpret_layout, parse_plan_document
from scheduler.domain.plan.layout import Layout, Paragraph, Place, Row, Table
from scheduler.domain.plan.sheet_layout import read_csv_layout
from scheduler.domain.plan.text_layout import read_text_layout

RAG = (
    "column 'RAG' is not a field the plan keeps: its cells are kept as notes (or say what it"
    " is: --columns 'RAG=FIELD')"
)


def test_markdown_pipe_tables_under_priority_headings_import_in_full() -> None:
    result = parse_plan_document(MARKDOWN, "plan.md")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    assert outline(result.plan) == EXPECTED
    assert result.warnings == (
        f"plan.md:22: {RAG}",
        f"plan.md:24: action 2.1: {SUMMER}",
        f"plan.md:25: action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.md:26: action 2.3: {FEBTEMBER}",)


def test_bullet_lists_with_labelled_fields_import_in_full() -> None:
    result = parse_plan_document(BULLETS, "plan.txt")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    assert outline(result.plan) == EXPECTED
    assert result.warnings == (
        f"plan.txt:21: action 2.1: {SUMMER}",
        f"plan.txt:25: action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.txt:26: action 2.3: {FEBTEMBER}",)


def test_text_copied_from_word_with_wrapped_cells_and_other_column_names_imports_in_full() -> None:
    result = parse_plan_document(WRAPPED_TEXT, "plan.txt")

    assert result.plan.name == NAME
    assert outline(result.plan) == EXPECTED
    assert result.warnings == (
        f"plan.txt:14: {RAG}",
        f"plan.txt:15: action 2.1: {SUMMER}",
        f"plan.txt:16: action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.txt:17: action 2.3: {FEBTEMBER}",)


def test_a_wrapped_row_becomes_one_row_whose_cells_join_their_lines() -> None:
    layout = read_text_layout("A\tB\tC\none\ttwo\nlines\tthree\n", "t.txt")

    assert layout.blocks == (
        Table(
            (
                Row(("A", "B", "C"), Place(line=1)),
                Row(("one", "two lines", "three"), Place(line=2)),
            ),
            Place(line=1),
        ),
    )
    assert layout.problems == ()


def test_a_row_that_stays_short_is_kept_and_named() -> None:
    layout = read_text_layout("A\tB\tC\none\ttwo\n\nprose\n", "t.txt")

    assert layout.blocks == (
        Table(
            (Row(("A", "B", "C"), Place(line=1)), Row(("one", "two", ""), Place(line=2))),
            Place(line=1),
        ),
        Paragraph("prose", Place(line=4)),
    )
    assert layout.problems == (
        "t.txt:2: table row has 2 cells but the header has 3: the cells are read from the left",
    )


def test_csv_with_priority_and_lead_rows_imports_in_full() -> None:
    result = interpret_layout(read_csv_layout(CSV_ROWS, "plan.csv"), "plan.csv")

    assert (result.plan.name, (result.plan.period_start, result.plan.period_end)) == (NAME, PERIOD)
    assert outline(result.plan) == EXPECTED
    assert result.warnings == (
        f"plan.csv:6: {RAG}",
        f"plan.csv:11: action 2.1: {SUMMER}",
        f"plan.csv:12: action 2.2: {QUARTERLY}",
    )
    assert result.problems == (f"plan.csv:13: action 2.3: {FEBTEMBER}",)


def test_one_long_table_with_a_priority_column_groups_its_rows() -> None:
    text = (
        "Priority,Action,Lead agency,Deadline\n"
        "1. Reduce domestic abuse,Run a campaign,Police,Mar-13\n"
        ",Review MARAC,Probation,June 2012\n"
        "Reduce antisocial behaviour,Street Pride,Council,2012-13\n"
    )

    result = interpret_layout(read_csv_layout(text, "p.csv"), "p.csv", name="Plan")

    assert [
        (p.ref, p.title, [(a.ref, a.action) for a in p.actions]) for p in result.plan.priorities
    ] == [
        ("1", "Reduce domestic abuse", [("1.1", "Run a campaign"), ("1.2", "Review MARAC")]),
        ("2", "Reduce antisocial behaviour", [("2.1", "Street Pride")]),
    ]
    assert result.problems == (
        "p.csv:2: priority 1 has no 'Lead:' line: its lead is left empty",
        "p.csv:4: priority 2 has no 'Lead:' line: its lead is left empty",
    )


def test_target_date_is_a_timescale_never_the_targets() -> None:
    text = "3.1 Reduce X\nLead: A B\nAction\tTarget date\tTarget\nDo it\tMar-13\tTen\n"

    action = parse_plan_document(text, "p.txt").plan.priorities[0].actions[0]

    assert (action.timescale, action.targets, [m.due.isoformat() for m in action.milestones]) == (
        "Mar-13",
        "Ten",
        ["2013-03-31"],
    )


def test_columns_option_says_what_a_column_holds() -> None:
    text = "3.1 Reduce X\nLead: A B\nTask\tWhen done\tChampion\nDo it\tMar-13\tPolice\n"
    overrides = parse_column_overrides("When done=timescale, Champion=lead")

    action = parse_plan_document(text, "p.txt", columns=overrides).plan.priorities[0].actions[0]

    assert (action.action, action.timescale, action.lead_agency) == ("Do it", "Mar-13", "Police")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Target date", "--columns: 'Target date' is not HEADER=FIELD"),
        ("Target date=when", "--columns: 'when' is not a field; use one of"),
    ],
)
def test_a_columns_option_that_cannot_be_read_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ColumnsError) as raised:
        parse_column_overrides(text)

    assert str(raised.value).startswith(message)


def test_a_table_with_a_ref_column_keeps_refs_that_number_its_priority() -> None:
    layout = Layout(
        (
            Paragraph("Priority 4: Reduce Y", Place(line=1)),
            Paragraph("Lead: A B", Place(line=2)),
            Table(
                (
                    Row(("Ref", "Action", "Owner", "Due"), Place(line=3)),
                    Row(("4.2", "Second", "Police", "May 2012"), Place(line=4)),
                    Row(("4.7", "Seventh", "Police", "May 2012"), Place(line=5)),
                ),
                Place(line=3),
            ),
        )
    )

    plan = interpret_layout(layout, "p").plan

    assert [(a.ref, a.action, a.notes) for a in plan.priorities[0].actions] == [
        ("4.2", "Second", ()),
        ("4.7", "Seventh", ()),
    ]


_PIECES = st.sampled_from(
    [
        "3.1 Reduce X",
        "Priority 2: Y",
        "# Action plan",
        "Lead: A B, C",
        "Outcome: Z",
        "Action\tTimescale\tLead",
        "| Action | By when | Owner |",
        "|---|---|---|",
        "| Do it | Mar-13 | Police |",
        "Do it\tSummer 2012\tPolice",
        "\tmore",
        "wrapped text",
        "- Action: X",
        "  - Lead: Police",
        "- Target date: 31 Febtember 2012",
        "Ref,Action,Due",
        "1,Do,Q4 2012",
        "",
        "\u00b9 a footnote",
    ]
)


@settings(deadline=None)
@given(st.lists(_PIECES, max_size=14).map("\n".join))
def test_no_document_crashes_the_importer(text: str) -> None:
    for reader in (read_text_layout, read_csv_layout):
        try:
            result = interpret_layout(reader(text, "p"), "p")
        except PlanError as error:
            assert error.source == "p"
        else:
            assert result.plan.priorities


@settings(deadline=None)
@given(st.text())
def test_no_text_at_all_crashes_the_importer(text: str) -> None:
    try:
        parse_plan_document(text, "p", period_start=date(2012, 4, 1))
    except PlanError as error:
        assert error.source == "p"
