"""What the pack says: built from plain values for the Lancaster December 2011 meeting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pack_examples import (
    ACTION_REFS,
    COMMENTARY_TEXT,
    HELD_TEXT,
    PRIVATE_TEXT,
    at,
    december_input,
    lancaster_config,
)

from scheduler.domain.pack.appendices import appendix_letter
from scheduler.domain.pack.content import PackContent, PackInput, build_pack_content
from scheduler.domain.pack.not_replied import NO_ADDRESS_NOTE
from scheduler.domain.pack.priorities import HELD_NOTE, StatusCounts, UpdateView
from scheduler.domain.pack.settings import AgendaItemConfig

# what a PDF reader found in each attachment of december_input(): 2, -, 3 and 1 pages
PAGES = {0: 2, 2: 3, 3: 1}


def content(pack: PackInput | None = None) -> PackContent:
    return build_pack_content(pack or december_input(), PAGES)


def updates_by_ref(pack: PackContent) -> dict[str, UpdateView]:
    return {row.ref: row.update for p in pack.priorities for row in p.actions}


def test_every_priority_and_all_fifteen_actions_appear() -> None:
    pack = content()

    assert [p.ref for p in pack.priorities] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert tuple(updates_by_ref(pack)) == ACTION_REFS


def test_each_action_shows_its_latest_status_or_no_update() -> None:
    updates = updates_by_ref(content())

    assert updates["3.1.1"].status_label == "Complete"
    assert updates["3.1.4"].status_label == "Amber"
    assert updates["3.5.3"].status_label == "Red"
    assert updates["3.1.3"].status_label == "No update"
    assert updates["3.1.2"].paragraphs == ("Schools programme agreed.", "Six schools booked.")
    assert (updates["3.1.2"].received_text, updates["3.1.2"].sender) == (
        "29 Nov 2011",
        "Helene Cooper",
    )


def test_dashboard_counts_actions_by_status_per_priority() -> None:
    pack = content()

    rows = {row.priority_ref: row for row in pack.dashboard}
    assert rows["3.1"].counts == StatusCounts(green=1, amber=1, complete=1, no_update=1)
    assert rows["3.4"].counts == StatusCounts(no_update=3)
    assert pack.dashboard_totals.total == 15
    assert [r.lead_replied for r in pack.dashboard] == [True, False, True, False, True]


def test_leads_who_have_not_replied_are_listed_with_when_they_return() -> None:
    pack = content()

    listed = [(lead.name, lead.priority_refs, lead.note) for lead in pack.leads_not_replied]
    assert listed == [
        ("Tracie O'Gara", "3.2", "Away until 3 January 2012"),
        ("Michelle Emery", "3.4", ""),
    ]
    assert pack.failed_emails == ("Update request to Michelle Emery, 15 November 2011",)


def test_a_lead_with_no_address_is_listed_as_never_asked() -> None:
    pack = december_input()
    priorities = tuple(
        replace(p, lead=replace(p.lead, email=None)) if p.lead.name == "Michelle Emery" else p
        for p in pack.plan.priorities
    )
    listed = content(replace(pack, plan=replace(pack.plan, priorities=priorities)))

    notes = {lead.name: lead.note for lead in listed.leads_not_replied}
    assert notes == {
        "Tracie O'Gara": "Away until 3 January 2012",
        "Michelle Emery": NO_ADDRESS_NOTE,
    }


def test_an_update_from_before_the_last_meeting_is_marked() -> None:
    updates = updates_by_ref(content())

    assert updates["3.2.1"].earlier_quarter
    assert not updates["3.1.1"].earlier_quarter


def test_commentary_held_for_review_is_left_out_with_a_note() -> None:
    update = updates_by_ref(content())["3.3.2"]

    assert update.status_label == "Amber"
    assert update.paragraphs == () and update.note == HELD_NOTE
    assert HELD_TEXT not in repr(content())


def test_the_public_pack_holds_no_private_update_or_attachment() -> None:
    pack = content()

    update = updates_by_ref(pack)["3.2.2"]
    assert update.status_label == "No update" and update.paragraphs == ()
    assert PRIVATE_TEXT not in repr(pack)
    assert "licensing-exempt.pdf" not in repr(pack)
    assert pack.marking == "OFFICIAL" and not pack.cover.notice


def test_the_private_pack_includes_private_updates_and_attachments() -> None:
    pack = content(december_input(private=True))

    update = updates_by_ref(pack)["3.2.2"]
    assert update.status_label == "Red" and update.private
    assert update.paragraphs == (PRIVATE_TEXT,)
    assert [a.filename for a in pack.appendices][-1] == "licensing-exempt.pdf"
    assert pack.marking == "OFFICIAL-SENSITIVE" and "Not for publication" in pack.cover.notice


def test_a_private_agenda_item_appears_only_in_the_private_pack() -> None:
    config = lancaster_config()
    config = replace(config, agenda=(*config.agenda, AgendaItemConfig("Case review", private=True)))

    public = content(replace(december_input(), config=config))
    private = content(replace(december_input(private=True), config=config))

    assert "Case review" not in [item.title for item in public.agenda]
    assert [(i.title, i.private) for i in private.agenda][-1] == ("Case review", True)


def test_agenda_has_standard_items_and_one_item_per_priority() -> None:
    agenda = content().agenda

    titles = [item.title for item in agenda]
    assert titles[:2] == [
        "Welcome and apologies",
        "Minutes of the last meeting and matters arising",
    ]
    assert titles[3:8] == [
        "3.1 Reduce Domestic Violence",
        "3.2 Reduce Violence Against the Person",
        "3.3 Reduce Road Safety Collisions",
        "3.4 Reduction in incidences of Antisocial Behaviour",
        "3.5 Reduction in Serious Acquisitive Crime",
    ]
    assert [item.number for item in agenda] == [str(n) for n in range(1, 13)]
    assert (
        agenda[-1].detail
        == "Tuesday 20 March 2012 at 10.00 am, Lancaster Town Hall, Committee Room 1"
    )
    assert agenda[3].anchor == "priority-3-1"


def test_unstructured_commentary_belongs_to_its_priority() -> None:
    sections = {p.ref: p for p in content().priorities}

    assert [c.paragraphs for c in sections["3.5"].commentary] == [(COMMENTARY_TEXT,)]
    assert sections["3.1"].commentary == ()


def test_milestones_since_the_last_meeting_are_met_or_missed_and_old_ones_overdue() -> None:
    milestones = content().milestones

    assert milestones is not None
    assert [(m.action_ref, m.label, m.state) for m in milestones.since_last] == [
        ("3.1.4", "MARAC Review", "Missed")
    ]
    assert [(m.label, m.state, m.css) for m in milestones.earlier_overdue] == [
        ("Mapping", "Overdue", "red")
    ]
    assert milestones.before_next == ()


def test_milestones_due_before_the_next_meeting_are_listed() -> None:
    march = replace(
        december_input(), meeting=replace(december_input().meeting, date=date(2012, 3, 20))
    )
    pack = content(replace(march, previous_meeting=december_input().meeting, next_meeting=None))

    assert pack.milestones is not None
    assert {m.action_ref for m in pack.milestones.before_next} == set(ACTION_REFS) - {
        "3.1.1",
        "3.1.3",
        "3.1.4",
    }


def test_statistics_show_small_numbers_as_fewer_than_five() -> None:
    pack = content()

    views = {i.name: i for g in pack.statistics for i in g.indicators}
    child = views["Child pedestrian casualties"]
    assert child.current_text == "fewer than 5" and child.change_text == "Not shown"
    assert child.year_earlier_text == "6"
    assert ">3<" not in child.chart_svg and "<circle" in child.chart_svg
    burglary = views["Burglary in dwellings"]
    assert (burglary.quarter_label, burglary.current_text) == ("Q2 2011/12", "95")
    assert (burglary.change_text, burglary.direction_text, burglary.arrow) == (
        "+8.0%",
        "Worse",
        "\u25b2",
    )
    assert burglary.rag_label == "Red"
    reports = views["Domestic abuse incidents reported to the police"]
    assert (reports.direction_text, reports.rag_label) == ("Better", "Green")
    assert pack.statistics_illustrative


def test_pdf_attachments_become_lettered_appendices_and_others_are_listed() -> None:
    pack = content()

    assert [(a.letter, a.filename, a.page_count) for a in pack.appendices] == [
        ("A", "marac-review.pdf", 2),
        ("B", "street-pride.pdf", 3),
    ]
    assert [a.filename for a in pack.listed_attachments] == ["burglary-figures.xlsx"]
    assert updates_by_ref(pack)["3.1.4"] is not None
    rows = {row.ref: row for p in pack.priorities for row in p.actions}
    assert rows["3.1.4"].appendix_refs == ("Appendix A",)


def test_a_pdf_that_could_not_be_read_is_listed_not_merged() -> None:
    pack = build_pack_content(december_input(), {2: 3})

    assert [a.filename for a in pack.appendices] == ["street-pride.pdf"]
    listed = {a.filename: a.note for a in pack.listed_attachments}
    assert "could not be read" in listed["marac-review.pdf"]


def test_an_addendum_lists_only_updates_received_after_the_pack() -> None:
    pack = content(replace(december_input(), addendum_since=at(30, 11, hour=12)))

    assert pack.is_addendum and pack.milestones is None and pack.statistics == ()
    assert [row.ref for p in pack.priorities for row in p.actions] == ["3.5.1", "3.5.3"]
    assert [a.filename for a in pack.appendices] == ["street-pride.pdf"]
    assert "Addendum" in pack.cover.document


def test_appendices_are_lettered_as_columns_are() -> None:
    assert [appendix_letter(i) for i in (0, 25, 26)] == ["A", "Z", "AA"]
