"""Status lines turned into updates, problems reported back, and answers typed inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.text import extract_reply_text
from scheduler.domain.replies.updates import (
    InlineAnswer,
    ParsedUpdate,
    parse_updates,
    recover_inline_answers,
)

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail"
SENT = (MAIL / "sent_request_jane.txt").read_text(encoding="utf-8")
KNOWN_REFS = frozenset(
    f"3.{priority}.{action}"
    for priority, count in ((1, 4), (2, 3), (3, 2), (4, 3), (5, 3))
    for action in range(1, count + 1)
)


@pytest.mark.parametrize(
    "line",
    [
        "3.1.4 Green Mapping finished, review on track",
        "3.1.4: Green Mapping finished, review on track",
        "3.1.4 - Green - Mapping finished, review on track",
        "3.1.4 \u2013 Green: Mapping finished, review on track",
        "- 3.1.4 green Mapping finished, review on track",
        "\u2022 Action 3.1.4: GREEN. Mapping finished, review on track",
        "3.1.4 (Green) Mapping finished, review on track",
        "3.1.4 Status: Green - Mapping finished, review on track",
    ],
)
def test_reads_ref_status_and_commentary_in_the_forms_leads_write(line: str) -> None:
    content = parse_updates(line, KNOWN_REFS)
    assert content.updates == (
        ParsedUpdate("3.1.4", Status.GREEN, "Mapping finished, review on track"),
    )
    assert content.problems == ()


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Green", Status.GREEN),
        ("G -", Status.GREEN),
        ("G", Status.GREEN),
        ("on track", Status.GREEN),
        ("Amber", Status.AMBER),
        ("A -", Status.AMBER),
        ("at risk", Status.AMBER),
        ("Slipping", Status.AMBER),
        ("RED", Status.RED),
        ("R", Status.RED),
        ("off track", Status.RED),
        ("behind", Status.RED),
        ("Complete", Status.COMPLETE),
        ("completed", Status.COMPLETE),
        ("Done", Status.COMPLETE),
        ("Blue", Status.COMPLETE),
    ],
)
def test_status_vocabulary_is_case_insensitive(word: str, status: Status) -> None:
    content = parse_updates(f"3.2.1 {word} panel met in May", KNOWN_REFS)
    assert [(u.ref, u.status) for u in content.updates] == [("3.2.1", status)]


def test_a_status_named_mid_line_after_a_dash_is_read() -> None:
    content = parse_updates(
        "3.1.4 DV risk profiling \u2013 Amber \u2013 licence lapsed", KNOWN_REFS
    )
    assert content.updates == (
        ParsedUpdate("3.1.4", Status.AMBER, "DV risk profiling licence lapsed"),
    )


@pytest.mark.parametrize("status", ["Green/Amber", "amber-red", "A/R", "Amber or Red"])
def test_an_ambiguous_status_is_reported_not_guessed(status: str) -> None:
    content = parse_updates(f"3.1.2 {status} two sessions held", KNOWN_REFS)
    assert content.updates == ()
    assert content.problems == (
        f'3.1.2: "{status}" is not one status; give one of Green, Amber, Red or Complete.',
    )


@pytest.mark.parametrize(
    "line", ["3.1.2 two sessions held", "3.1.2 A new trainer starts in July", "3.1.2"]
)
def test_a_line_without_a_status_is_reported(line: str) -> None:
    content = parse_updates(line, KNOWN_REFS)
    assert content.updates == ()
    assert content.problems == (
        "3.1.2: no status found; start the line with Green, Amber, Red or Complete.",
    )


def test_an_unknown_ref_is_reported_and_its_lines_not_given_to_another_action() -> None:
    content = parse_updates("3.1.1 Green fine\n3.1.9 Red not ours\nmore about it", KNOWN_REFS)
    assert content.updates == (ParsedUpdate("3.1.1", Status.GREEN, "fine"),)
    assert content.problems == ("3.1.9 is not an action in the plan; that line was not recorded.",)


def test_the_same_ref_twice_keeps_the_last_and_says_so() -> None:
    content = parse_updates("3.1.1 Amber waiting\n3.1.1 Complete signed off", KNOWN_REFS)
    assert content.updates == (ParsedUpdate("3.1.1", Status.COMPLETE, "signed off"),)
    assert content.problems == ("3.1.1 was given more than once; the last one was recorded.",)


def test_commentary_continues_until_the_next_ref() -> None:
    text = "3.2.2 Amber: kit delayed.\nVolunteers in place.\n\n3.2.3 Complete"
    content = parse_updates(text, KNOWN_REFS)
    assert content.updates == (
        ParsedUpdate("3.2.2", Status.AMBER, "kit delayed.\nVolunteers in place."),
        ParsedUpdate("3.2.3", Status.COMPLETE, ""),
    )


def test_text_without_refs_is_unstructured_commentary() -> None:
    text = "  All on track this quarter, nothing to report.\n"
    content = parse_updates(text, KNOWN_REFS)
    assert content.updates == ()
    assert content.unstructured_text == "All on track this quarter, nothing to report."
    assert content.problems == ()


def test_empty_text_has_no_content() -> None:
    assert parse_updates("", KNOWN_REFS).unstructured_text is None


def test_text_before_the_first_ref_is_kept_without_the_greeting() -> None:
    content = parse_updates("Hi Sarah,\nFunding is uncertain.\n3.1.1 Green", KNOWN_REFS)
    assert content.unstructured_text == "Funding is uncertain."


@pytest.mark.parametrize(
    "line", ["31.05.11 we met the IDVA provider", "3.1 overall fine", "1.6.2011"]
)
def test_dates_and_priority_numbers_are_not_taken_for_action_refs(line: str) -> None:
    content = parse_updates(line, KNOWN_REFS)
    assert content.problems == ()
    assert content.unstructured_text == line


def test_answers_between_quoted_lines_are_attributed_to_the_action_above() -> None:
    # given a Thunderbird reply with answers typed under three quoted actions
    body = read_message((MAIL / "ours" / "inline_answers_quoted.eml").read_bytes()).text_body
    # when the answers are recovered against the request as sent
    answers = recover_inline_answers(body, SENT)
    # then each answer sits under its action, and the signature is not an answer
    assert answers == (
        InlineAnswer("3.1.1", "Green - MARAC review booked for 30 Sept"),
        InlineAnswer("3.1.2", "Amber, two sessions done"),
        InlineAnswer("3.1.4", "Complete. Mapping finished 27 May."),
    )


def test_outlook_answers_typed_into_the_request_are_recovered() -> None:
    # given an Outlook reply: one answer added to an action line, one on a new line
    body = read_message((MAIL / "ours" / "outlook_inline_answers.eml").read_bytes()).text_body
    answers = recover_inline_answers(body, SENT)
    assert answers == (
        InlineAnswer("3.1.3", "RED - still with legal, see Mark's note"),
        InlineAnswer("3.1.4", "[JF] GREEN - mapping done, review on track"),
    )


def test_a_quote_rewrapped_by_the_client_yields_no_answers() -> None:
    # given a reply whose client re-wrapped the quoted request at 40 columns
    words = SENT.split("## Please type your reply above this line ##")[1].split()
    lines, line = [], ""
    for word in words:
        if len(line) + len(word) > 40:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    body = "3.1.1 Green\n\nOn 1 June 2011, CSP wrote:\n" + "\n".join(f"> {x}" for x in lines)
    # then nothing in it is taken for an answer
    assert recover_inline_answers(body, SENT) == ()


def test_a_top_posted_reply_has_no_inline_answers() -> None:
    body = read_message((MAIL / "ours" / "outlook_desktop_top_posted.eml").read_bytes()).text_body
    assert recover_inline_answers(body, SENT) == ()


def test_a_private_mark_keeps_the_update_for_the_private_pack_only() -> None:
    content = parse_updates(
        "3.1.4 Amber Private: review delayed pending a case conference\n3.1.2 Green on track",
        known_refs={"3.1.2", "3.1.4"},
    )
    by_ref = {u.ref: u for u in content.updates}
    assert by_ref["3.1.4"].private and by_ref["3.1.4"].text == (
        "review delayed pending a case conference"
    )
    assert not by_ref["3.1.2"].private and by_ref["3.1.2"].text == "on track"


def test_a_word_merely_starting_with_private_is_not_a_mark() -> None:
    content = parse_updates("3.1.4 Green privately funded sessions held", known_refs={"3.1.4"})
    assert not content.updates[0].private
    assert content.updates[0].text == "privately funded sessions held"


@pytest.mark.parametrize(
    "closing",
    [
        "Any questions give me a shout.",
        "Let me know if you need anything else",
        "Any queries, please let me know.",
        "Hope this helps.",
        "Happy to discuss at the meeting.",
        "Give me a call if you need more detail.",
    ],
)
def test_closing_remarks_and_an_introduction_are_no_actions_commentary(closing: str) -> None:
    # given a reply framed by an introduction and a closing remark
    text = (
        "Updates for 3.2 below.\n\n"
        f"3.2.1 Green panel met in May\n3.2.2 Amber kit delayed\nVolunteers in place.\n\n{closing}"
    )
    # when it is parsed
    content = parse_updates(text, KNOWN_REFS)
    # then the last action's commentary stops before the closing remark,
    # and the introduction is attached to nothing
    assert content.updates == (
        ParsedUpdate("3.2.1", Status.GREEN, "panel met in May"),
        ParsedUpdate("3.2.2", Status.AMBER, "kit delayed\nVolunteers in place."),
    )
    assert content.unstructured_text is None


@pytest.mark.parametrize(
    "line",
    [
        "Let me know if the panel date moves, as training depends on it. Also the venue is booked.",
        "Any questions from the board went to legal.",
    ],
)
def test_commentary_that_only_starts_like_a_closing_remark_is_kept(line: str) -> None:
    content = parse_updates(f"3.2.2 Amber kit delayed\n{line}", KNOWN_REFS)
    assert content.updates == (ParsedUpdate("3.2.2", Status.AMBER, f"kit delayed\n{line}"),)


def test_a_closing_remark_inside_an_email_is_cut_from_the_last_action() -> None:
    # given a whole reply with a sign-off below the closing remark
    body = (
        "Hi Sarah,\n\nUpdates for 3.2 below.\n\n3.2.1 Green panel met in May\n"
        "3.2.2 Amber kit delayed\n\nAny questions give me a shout.\n\nThanks\nMark\n\n"
        "On 1 June 2011, CSP wrote:\n> Dear Mark"
    )
    # when the lead's words are parsed
    content = parse_updates(extract_reply_text(body), KNOWN_REFS)
    # then neither the introduction nor the closing remark is commentary
    assert [(u.ref, u.text) for u in content.updates] == [
        ("3.2.1", "panel met in May"),
        ("3.2.2", "kit delayed"),
    ]
    assert content.unstructured_text is None


@pytest.mark.parametrize(
    ("preamble", "kept"),
    [
        ("Here are my updates:", None),
        ("Please see my updates below.", None),
        ("As requested, please find my update below.", None),
        ("Progress against priority 3.1 as follows:", None),
        ("Progress has been slow this quarter.", "Progress has been slow this quarter."),
        ("Status: funding still uncertain", "Status: funding still uncertain"),
    ],
)
def test_an_introduction_is_dropped_but_text_before_the_first_action_is_kept(
    preamble: str, kept: str | None
) -> None:
    content = parse_updates(f"{preamble}\n3.1.1 Green", KNOWN_REFS)
    assert content.updates == (ParsedUpdate("3.1.1", Status.GREEN, ""),)
    assert content.unstructured_text == kept
