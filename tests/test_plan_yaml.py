"""The plan's YAML form: written readably, read back exactly, and every mistake located."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.document import parse_plan_document
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.plan.people import load_people
from scheduler.domain.plan.yaml_file import load_plan_yaml, plan_to_yaml, validate_plan_yaml

SEED = Path(__file__).resolve().parent / "fixtures" / "plans" / "lancaster-2011-12.txt"

PLAN_YAML = """\
name: Test Plan 2011/12
period:
  start: 2011-04-01
  end: 2012-03-31
priorities:
  - ref: '3.1'
    title: Reduce Things
    lead:
      name: Jo Bloggs
      title: Inspector
      organisation: Police
    outcomes:
      - Fewer things
    actions:
      - ref: 3.1.1
        action: Do it
        timescale: Mapping 31 May 11
        milestones:
          - label: Mapping
            due: 2011-05-31
      - ref: 3.1.2
        action: Check it
"""


def errors_of(text: str) -> list[str]:
    return [str(error) for error in validate_plan_yaml(text, "plan.yaml")]


def test_seed_import_dumps_to_yaml_that_loads_back_unchanged() -> None:
    imported = parse_plan_document(SEED.read_text(encoding="utf-8"), "seed.txt").plan

    text = plan_to_yaml(imported)
    loaded = load_plan_yaml(text, "lancaster-2011-12.yaml")

    assert loaded.plan == imported
    assert loaded.warnings == ()
    assert validate_plan_yaml(text, "lancaster-2011-12.yaml") == []


def test_dump_is_commented_block_yaml_with_iso_dates_and_quoted_refs() -> None:
    imported = parse_plan_document(SEED.read_text(encoding="utf-8"), "seed.txt").plan

    text = plan_to_yaml(imported)

    assert text.startswith("# Community Safety Plan")
    assert "people.yaml" in text.split("\nname:")[0]
    assert "  start: 2011-04-01\n  end: 2012-03-31\n" in text
    assert "  - ref: '3.1'\n" in text
    assert "        timescale: Mapping 31 May 11 MARAC Review 30 Sept 11\n" in text
    assert "          - label: MARAC Review\n            due: 2011-09-30\n" in text
    assert "        group: Reducing Reoffending\n" in text
    assert "        action: |-\n          Devise an Alcohol Campaign that addresses\n" in text
    assert "email" not in text.split("\nname:")[1]
    assert "{" not in text


def test_round_trip_keeps_plan_notes_action_notes_and_empty_fields() -> None:
    plan = Plan(
        name="Plan",
        period_start=date(2011, 4, 1),
        period_end=date(2012, 3, 31),
        notes=("Reviewed quarterly",),
        priorities=(
            Priority(
                ref="1",
                title="One: two",
                lead=Lead("A O'B", email="a@example.org"),
                actions=(
                    Action(ref="1.1", action="yes", group="", notes=("note", "12")),
                    Action(ref="1.2", action="3.5", milestones=(Milestone("x", date(2011, 5, 1)),)),
                ),
            ),
        ),
    )

    loaded = load_plan_yaml(plan_to_yaml(plan), "plan.yaml").plan

    assert loaded == Plan(
        name=plan.name,
        period_start=plan.period_start,
        period_end=plan.period_end,
        notes=plan.notes,
        priorities=(
            Priority(
                ref="1", title="One: two", lead=Lead("A O'B"), actions=plan.priorities[0].actions
            ),
        ),
    )


def test_lead_email_comes_from_people_yaml_by_name() -> None:
    people = load_people("people:\n  jo bloggs: jo@example.org\n", "people.yaml")

    loaded = load_plan_yaml(PLAN_YAML, "plan.yaml", people)

    assert loaded.plan.priorities[0].lead.email == "jo@example.org"
    assert loaded.warnings == ()


def test_lead_missing_from_people_yaml_is_a_warning() -> None:
    people = load_people("people:\n  Someone Else: se@example.org\n", "people.yaml")

    loaded = load_plan_yaml(PLAN_YAML, "plan.yaml", people)

    assert loaded.plan.priorities[0].lead.email is None
    assert loaded.warnings == (
        "plan.yaml:9: lead Jo Bloggs has no email in people.yaml: no update requests or"
        " reminders go to them (the other leads' emails are sent)",
    )


def test_a_lead_misspelt_in_people_yaml_is_named_with_the_likely_spelling() -> None:
    people = load_people("people:\n  Jo Blogs: jo@example.org\n", "people.yaml")

    loaded = load_plan_yaml(PLAN_YAML, "plan.yaml", people)

    assert len(loaded.warnings) == 1
    assert "lead Jo Bloggs has no email" in loaded.warnings[0]
    assert "people.yaml has 'Jo Blogs': is one misspelt?" in loaded.warnings[0]


def test_milestone_a_little_outside_the_period_is_a_warning() -> None:
    text = PLAN_YAML.replace("due: 2011-05-31", "due: 2012-05-31")

    loaded = load_plan_yaml(text, "plan.yaml")

    assert loaded.warnings == (
        "plan.yaml:20: action 3.1.1 milestone 'Mapping' due 2012-05-31 is outside the plan"
        " period 2011-04-01 to 2012-03-31",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: Test Plan 2011/12\n", "", "plan.yaml:1: the plan has no name"),
        (
            "  start: 2011-04-01",
            "  start: 1 April 2011",
            "plan.yaml:3: period start must be a date YYYY-MM-DD, not '1 April 2011'",
        ),
        (
            "  end: 2012-03-31",
            "  end: 2011-03-31",
            "plan.yaml:4: period ends (2011-03-31) before it starts (2011-04-01)",
        ),
        (
            "  end: 2012-03-31",
            "  end: 2012-02-30",
            "plan.yaml:4: unreadable value: day is out of range for month",
        ),
        (
            "  - ref: '3.1'",
            "  - ref: 3.1",
            "plan.yaml:6: priority ref must be text: write it in quotes, '3.1'",
        ),
        (
            "    title: Reduce Things",
            "    title: [Reduce, Things]",
            "plan.yaml:7: priority 3.1 title must be text",
        ),
        (
            "      organisation: Police",
            "      email: jo@example.org",
            "plan.yaml:11: lead emails belong in people.yaml, not the plan",
        ),
        ("      name: Jo Bloggs\n", "", "plan.yaml:9: priority 3.1 lead has no name"),
        (
            "      - ref: 3.1.2",
            "      - ref: 3.2.1",
            "plan.yaml:21: action ref 3.2.1 is not under its priority 3.1 (expected 3.1.<n>)",
        ),
        (
            "      - ref: 3.1.2",
            "      - ref: 3.1.1",
            "plan.yaml:21: action ref 3.1.1 appears twice (first at line 15)",
        ),
        (
            "        action: Check it",
            "        acton: Check it",
            "plan.yaml:21: action 3.1.2 has no action",
        ),
        (
            "            due: 2011-05-31",
            "            due: 2021-05-31",
            "plan.yaml:20: action 3.1.1 milestone 'Mapping' due 2021-05-31 is more than a year",
        ),
        ("            due: 2011-05-31\n", "", "plan.yaml:19: action 3.1.1 milestone has no due"),
        (
            "    outcomes:\n      - Fewer things",
            "    outcomes: Fewer things",
            "plan.yaml:12: priority 3.1 outcomes must be a list",
        ),
        ("priorities:", "priorities: []\nunused:", "plan.yaml:5: the plan has no priorities"),
        ("  end: 2012-03-31", "  end: [2012", "plan.yaml:5: YAML syntax error"),
    ],
)
def test_mistakes_are_plan_errors_with_file_and_line(old: str, new: str, message: str) -> None:
    text = PLAN_YAML.replace(old, new, 1)
    assert text != PLAN_YAML

    with pytest.raises(PlanError) as raised:
        load_plan_yaml(text, "plan.yaml")

    assert str(raised.value).startswith(message)


def test_duplicate_priority_ref_is_an_error() -> None:
    second = PLAN_YAML.split("priorities:\n")[1].replace("3.1.", "3.1.9")

    errors = errors_of(PLAN_YAML + second)

    assert errors == ["plan.yaml:23: priority ref 3.1 appears twice (first at line 6)"]


def test_validate_collects_every_problem_in_file_order() -> None:
    text = (
        PLAN_YAML.replace("  start: 2011-04-01", "  start: soon")
        .replace("    title: Reduce Things", "    titel: Reduce Things")
        .replace("      - ref: 3.1.2", "      - ref: '4.1'")
    )

    assert errors_of(text) == [
        "plan.yaml:3: period start must be a date YYYY-MM-DD, not 'soon'",
        "plan.yaml:6: priority 3.1 has no title",
        "plan.yaml:7: unknown key 'titel' in priority 3.1 (expected one of: ref, title, lead,"
        " outcomes, actions)",
        "plan.yaml:21: action ref 4.1 is not under its priority 3.1 (expected 3.1.<n>)",
    ]


def test_empty_file_is_an_error() -> None:
    assert errors_of("") == [
        "plan.yaml:1: the plan must be a mapping with keys name, period, priorities"
    ]
