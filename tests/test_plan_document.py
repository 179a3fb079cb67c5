"""Importing the plan from its document: the Lancaster 2011/12 plan exactly, and bad documents."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from domain_examples import END_OF_PLAN, lancaster_plan

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.document import parse_plan_document
from scheduler.domain.plan.model import Lead, Milestone, Plan

SEED = Path(__file__).resolve().parent / "fixtures" / "plans" / "lancaster-2011-12.txt"
SOURCE = "lancaster-2011-12.txt"
HEADER = (
    "Action\tActivity\tResources Required\tTimescale\tLead Agency and others responsible\tTargets"
)


@pytest.fixture(scope="module")
def lancaster() -> Plan:
    return parse_plan_document(SEED.read_text(encoding="utf-8"), SOURCE).plan


def document(*rows: str, lead: str = "Lead: Jo Bloggs, Somewhere Council") -> str:
    return "\n".join(
        [
            "3. Community Safety Action Plan",
            "",
            "3.1 Reduce Things",
            "",
            lead,
            "",
            "Outcome: Fewer things",
            "",
            HEADER,
            *rows,
            "",
            "4. Monitoring",
            "",
        ]
    )


def test_seed_yields_five_priorities_with_their_action_counts(lancaster: Plan) -> None:
    assert [(p.ref, len(p.actions)) for p in lancaster.priorities] == [
        ("3.1", 4),
        ("3.2", 3),
        ("3.3", 2),
        ("3.4", 3),
        ("3.5", 3),
    ]


def test_seed_name_and_period_are_inferred(lancaster: Plan) -> None:
    assert lancaster.name == "Lancaster District Community Safety Plan 2011/12"
    assert (lancaster.period_start, lancaster.period_end) == (date(2011, 4, 1), END_OF_PLAN)


def test_seed_priorities_titles_leads_and_outcomes_are_the_published_ones(lancaster: Plan) -> None:
    published = lancaster_plan()

    assert [(p.ref, p.title, p.lead, p.outcomes) for p in lancaster.priorities] == [
        (p.ref, p.title, replace(p.lead, email=None), p.outcomes) for p in published.priorities
    ]


def test_seed_actions_refs_groups_timescales_and_milestones_are_the_published_ones(
    lancaster: Plan,
) -> None:
    def outline(plan: Plan) -> list[tuple[str, str | None, str, tuple[Milestone, ...]]]:
        return [(a.ref, a.group, a.timescale, a.milestones) for _, a in plan.actions()]

    assert outline(lancaster) == outline(lancaster_plan())


def test_seed_plain_table_cells_are_kept_whole(lancaster: Plan) -> None:
    action = lancaster.action("3.1.1")

    assert action is not None
    assert action.action == "Maintain existing service provision i.e. IDVA and MARAC"
    assert (
        action.activity == "Support Lancashire-wide IDVA bid Support additional Lancaster IDVA bid"
    )
    assert action.resources == "Match-funding for IDVA & MARAC service"
    assert action.lead_agency == "Probation All"
    assert action.targets == ""


def test_seed_html_cells_become_one_line_per_paragraph(lancaster: Plan) -> None:
    action = lancaster.action("3.2.1")

    assert action is not None
    assert action.action == (
        "Devise an Alcohol Campaign that addresses\n"
        "1/ The pre loading aspect with young people and include new residents entering the"
        " district ie new students.\n"
        "2/ address violent crime where alcohol is a factor in the crime."
    )
    assert action.resources == (
        "Funding for promotional materials Lanpac funding for promotional DVD."
    )
    assert action.lead_agency == "Police Students Union CBM Licensing PCT"
    assert action.targets == (
        "Reduction in the number of students involved in alcohol related crime and incidents."
    )


def test_seed_footnote_marker_is_dropped_and_its_text_kept_as_a_note(lancaster: Plan) -> None:
    action = lancaster.action("3.5.1")

    assert action is not None
    assert action.action == (
        "To establish and promote recovery pathways for those misusing drugs and alcohol."
    )
    assert action.notes == (
        "This activity has resulted from the findings and recommendations of the Breaking"
        " Through report (baseline research 2010).",
    )
    assert action.lead_agency == "LDAAT N Lancs Joint Commissioning Group TEG"
    assert action.targets == "Reduction in repeat referrals to substance misuse services."


def test_seed_apostrophes_and_money_survive(lancaster: Plan) -> None:
    burglary = lancaster.action("3.5.3")
    street_pride = lancaster.action("3.4.1")

    assert burglary is not None and street_pride is not None
    assert burglary.action == "Improvements to the CSP's response to burglary"
    assert street_pride.resources == "£1000 budget. PCSO assistance"


def test_seed_appendix_headings_are_not_priorities(lancaster: Plan) -> None:
    assert "Domestic Violence/Abuse" not in [p.title for p in lancaster.priorities]


def test_seed_empty_timescale_is_the_only_warning() -> None:
    result = parse_plan_document(SEED.read_text(encoding="utf-8"), SOURCE)

    assert result.warnings == (
        "lancaster-2011-12.txt:40: action 3.1.3: no timescale given: no milestone",
    )


def test_given_name_and_period_start_override_inference() -> None:
    result = parse_plan_document(
        SEED.read_text(encoding="utf-8"), SOURCE, period_start=date(2011, 1, 1), name="CSP 2011"
    )

    assert result.plan.name == "CSP 2011"
    assert (result.plan.period_start, result.plan.period_end) == (
        date(2011, 1, 1),
        date(2011, 12, 31),
    )
    assert any(
        "action 3.2.1: milestone 'Deadline' due 2012-03-31 is outside" in w for w in result.warnings
    )


@pytest.mark.parametrize(
    ("line", "lead"),
    [
        (
            "Lead: Chief Inspector Tracie O'Gara, Lancashire Constabulary",
            Lead("Tracie O'Gara", "Chief Inspector", "Lancashire Constabulary"),
        ),
        (
            "Lead: DCI Sam Hill, Lancashire Constabulary",
            Lead("Sam Hill", "DCI", "Lancashire Constabulary"),
        ),
        (
            "Lead: Cllr. Ann Lee, Lancaster City Council",
            Lead("Ann Lee", "Cllr", "Lancaster City Council"),
        ),
        (
            "Lead: Jo Bloggs, Community Safety Manager, Lancaster City Council",
            Lead("Jo Bloggs", "Community Safety Manager", "Lancaster City Council"),
        ),
        (
            "Lead: Gemma Burton (DV Group Chair), Probation",
            Lead("Gemma Burton", "DV Group Chair", "Probation"),
        ),
        ("Lead: Tracie O\u2019Gara", Lead("Tracie O'Gara")),
    ],
)
def test_lead_lines_split_into_name_title_and_organisation(line: str, lead: Lead) -> None:
    row = "Do it\tHow\t\tMarch 2012\tPolice\t"

    plan = parse_plan_document(document(row, lead=line), "doc.txt").plan

    assert plan.priorities[0].lead == lead


def test_html_entities_and_line_breaks_in_cells_are_unescaped() -> None:
    row = "<p>Tom &amp; Jerry&#8217;s plan</p>\t<p>one<br/>two</p>\t\t<p>March 2012</p>\t\t"

    action = parse_plan_document(document(row), "doc.txt").plan.priorities[0].actions[0]

    assert action.action == "Tom & Jerry\u2019s plan"
    assert action.activity == "one\ntwo"


def test_a_row_with_an_empty_action_cell_continues_the_previous_row() -> None:
    rows = ("Do it\tFirst step\t\tMarch 2012\tPolice\t", "\tSecond step\t\t\t\t")

    actions = parse_plan_document(document(*rows), "doc.txt").plan.priorities[0].actions

    assert len(actions) == 1
    assert actions[0].activity == "First step\nSecond step"


def test_ongoing_timescale_is_open_ended_not_a_deadline() -> None:
    rows = ("Do it\t\t\tMarch 2012\tPolice\t", "Keep doing it\t\t\tOngoing\tPolice\t")

    result = parse_plan_document(document(*rows), "doc.txt")

    assert result.plan.priorities[0].actions[1].milestones == ()
    assert result.warnings == (
        "doc.txt:11: action 3.1.2: 'Ongoing' is open-ended (ongoing), not a deadline: no milestone",
    )


def test_name_falls_back_to_a_title_line() -> None:
    text = "Northshire Community Safety Plan 2012-13\n\n" + document("Do it\t\t\tMarch 2013\t\t")

    plan = parse_plan_document(text, "doc.txt").plan

    assert plan.name == "Northshire Community Safety Plan 2012-13"
    assert (plan.period_start, plan.period_end) == (date(2012, 4, 1), date(2013, 3, 31))


def test_plan_without_a_section_heading_is_found_by_its_tables() -> None:
    text = "\n".join(["1.1 Notes", "Some prose.", "2.1 Reduce Things", "Lead: Jo Bloggs", HEADER])
    text += "\nDo it\t\t\tMarch 2012\t\t\n"

    plan = parse_plan_document(text, "doc.txt").plan

    assert [p.ref for p in plan.priorities] == ["2.1"]


def test_other_tables_outside_an_action_plan_section_are_skipped() -> None:
    text = "\n".join(["1.1 Crime Figures", "Crime\t2010\t2011", "Burglary\t10\t8", "", ""])
    text += "\n".join(["2.1 Reduce Things", "Lead: Jo Bloggs", HEADER, "Do it\t\t\tMay 2011\t\t"])

    plan = parse_plan_document(text, "doc.txt").plan

    assert [(p.ref, len(p.actions)) for p in plan.priorities] == [("2.1", 1)]


def test_table_row_after_the_action_table_has_ended_is_listed_and_the_rest_kept() -> None:
    rows = ("Do it\t\t\tMarch 2012\tPolice\t", "", "Some prose.", "Stray\t\t\tMay 2011\t\t")

    result = parse_plan_document(document(*rows), "doc.txt")

    assert [a.action for _, a in result.plan.actions()] == ["Do it"]
    assert len(result.problems) == 1
    assert result.problems[0].startswith("doc.txt:13: table row outside an action table")


def test_document_without_an_action_plan_is_refused() -> None:
    with pytest.raises(PlanError) as raised:
        parse_plan_document("1. Legislation\n\nSome prose about the law.\n", "notes.txt")

    assert raised.value.source == "notes.txt"
    assert raised.value.line is None
    assert raised.value.message.startswith("no action plan found")


def test_row_with_too_few_cells_is_kept_and_listed_with_its_line() -> None:
    result = parse_plan_document(
        document("Do it\tHow\tMarch 2012"), "doc.txt", name="P", period_start=date(2011, 4, 1)
    )

    assert result.problems == (
        "doc.txt:10: table row has 3 cells but the header has 6: the cells are read from the left",
    )
    action = result.plan.priorities[0].actions[0]
    assert (action.action, action.activity, action.resources) == ("Do it", "How", "March 2012")


def test_every_unreadable_timescale_is_listed_and_marked_and_the_rest_kept() -> None:
    rows = (
        "Do it\t\t\tMarch 2012\t\t",
        "Check it\t\t\t31 Febtember 2011\t\t",
        "Mend it\t\t\tby the 31st\t\t",
    )

    result = parse_plan_document(document(*rows), "doc.txt")

    actions = result.plan.priorities[0].actions
    assert [(a.action, a.milestones, a.notes) for a in actions] == [
        ("Do it", (Milestone("Deadline", END_OF_PLAN),), ()),
        (
            "Check it",
            (),
            (
                "timescale_unresolved: cannot read timescale '31 Febtember 2011': 'Febtember' is"
                " not a month name",
            ),
        ),
        (
            "Mend it",
            (),
            (
                "timescale_unresolved: cannot read timescale 'by the 31st': '31st' is a day"
                " without a month and year",
            ),
        ),
    ]
    assert [p.split(": cannot")[0] for p in result.problems] == [
        "doc.txt:11: action 3.1.2",
        "doc.txt:12: action 3.1.3",
    ]


def test_plan_without_any_date_needs_a_period_start() -> None:
    with pytest.raises(PlanError, match="cannot infer the plan period"):
        parse_plan_document(document("Do it\t\t\tAs required\t\t"), "doc.txt")

    plan = parse_plan_document(
        document("Do it\t\t\tAs required\t\t"), "doc.txt", period_start=date(2011, 4, 1)
    ).plan
    assert plan.period_end == END_OF_PLAN


def test_a_priority_heading_found_twice_gathers_its_actions_with_a_warning() -> None:
    text = document("Do it\t\t\tMarch 2012\t\t").replace(
        "4. Monitoring", "3.1 Reduce Things\n\nLead: A B\n\n" + HEADER + "\nX\t\t\tMay 2011\t\t\n"
    )

    result = parse_plan_document(text, "doc.txt")

    assert [(p.ref, [a.action for a in p.actions]) for p in result.plan.priorities] == [
        ("3.1", ["Do it", "X"])
    ]
    assert result.warnings[0] == (
        "doc.txt:12: priority 3.1 appears again (first at line 3): its actions are added to it"
    )
