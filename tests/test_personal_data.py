"""Personal data in commentary is flagged by kind; ordinary commentary is not."""

from __future__ import annotations

import pytest

from scheduler.domain.replies.personal_data import (
    DATE_OF_BIRTH,
    NATIONAL_INSURANCE_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
    find_personal_data,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("victim moved to LA1 4XQ last week", POSTCODE),
        ("refuge at LA14XQ", POSTCODE),
        ("office in SW1A 1AA", POSTCODE),
        ("call me on 07700 900123", PHONE_NUMBER),
        ("ring 01524 582000 for the panel", PHONE_NUMBER),
        ("contact +44 7700 900123", PHONE_NUMBER),
        ("or +44 (0)20 7946 0000", PHONE_NUMBER),
        ("mobile 07700-900-123", PHONE_NUMBER),
        ("perpetrator DOB 12/03/1985", DATE_OF_BIRTH),
        ("D.O.B. given to MARAC", DATE_OF_BIRTH),
        ("date of birth withheld", DATE_OF_BIRTH),
        ("child born on 3 May 2009", DATE_OF_BIRTH),
        ("born 14th February 1990", DATE_OF_BIRTH),
        ("NI number AB123456C on file", NATIONAL_INSURANCE_NUMBER),
        ("NINO JG 10 37 21 D", NATIONAL_INSURANCE_NUMBER),
    ],
)
def test_flags_the_kind_of_personal_data_found(text: str, kind: str) -> None:
    assert find_personal_data(text) == (kind,)


@pytest.mark.parametrize(
    "text",
    [
        "3.1.4 Green Mapping finished, review on track",
        "Milestone MARAC review 31 May 11, funding £40,000 agreed",
        "Budget £1,250,000 for 2011/12; 0.5% underspend",
        "Junction M6 J34 works delayed to 01/06/2011",
        "Tel ext 4812 is the duty desk",
        "Report ref 2011-0412-337 sent to 12 partners",
        "The A6 corridor and the A1 2nd phase",
        "born out of the 2010 review",
        "GB 12 34 56 A is not a valid NI prefix",
        "ISBN 0 7506 2014 1 and 1234567890123",
    ],
)
def test_ordinary_commentary_is_not_flagged(text: str) -> None:
    assert find_personal_data(text) == ()


@pytest.mark.parametrize(
    "text", ["victim moved to la1 1pj last week", "refuge at la14xq", "office in sw1a 1aa"]
)
def test_a_postcode_typed_in_lower_case_is_flagged_like_an_upper_case_one(text: str) -> None:
    assert find_personal_data(text) == (POSTCODE,)


@pytest.mark.parametrize(
    "text",
    [
        "the a1 2nd phase and the m6 3rd lane",
        "ks2 4th year pupils, b1 1st floor",
        "mp3 player, sha256 sums, covid19 b2b",
    ],
)
def test_lower_case_words_shaped_like_a_postcode_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == ()


def test_reports_kinds_in_a_fixed_order_and_never_the_values() -> None:
    text = "DOB 1/2/80, tel 07700 900123, lives LA1 1PJ, NI AB 12 34 56 C"
    found = find_personal_data(text)
    assert found == (POSTCODE, PHONE_NUMBER, DATE_OF_BIRTH, NATIONAL_INSURANCE_NUMBER)
    assert not any(value in " ".join(found) for value in ("07700", "LA1", "AB 12"))
