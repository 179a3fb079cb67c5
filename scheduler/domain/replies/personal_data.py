"""Commentary that looks like personal data, held out of packs until a person releases it.

Only the kinds found are reported, never the values: the flag goes to the
coordinator and into logs, where the data itself must not follow. The patterns
are deliberately narrow (postcodes written in one case, upper-case NI numbers,
UK phone number shapes) so that ordinary commentary such as "3.1.4", "31 May 11"
or "£40,000" is not flagged.
"""

from __future__ import annotations

import re

POSTCODE = "postcode"
PHONE_NUMBER = "phone number"
DATE_OF_BIRTH = "date of birth"
NATIONAL_INSURANCE_NUMBER = "National Insurance number"

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA"
    r"|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# In lower case "a1 2nd" or "b1 1st" is an ordinal far more often than a postcode.
_ORDINAL_ENDING = frozenset({"st", "nd", "rd", "th"})
_PHONE = re.compile(
    r"(?<![\w£$€.,/])(?:\+44\s?\(0\)\s?|\+44\s?|\(?0)\d(?:[\s\-)]{0,2}\d){8,9}(?![\w.,/]?\d)"
)
_DATE_OF_BIRTH = re.compile(
    r"\bD\.?O\.?B\b"
    r"|(?i:\bdate\s+of\s+birth\b|\bborn\s+on\b|\bbirth\s*date\b|\bbirthday\s+is\b)"
    r"|(?i:\bborn\s+(?:\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}|\d{1,2}/\d{1,2}/\d{2,4}))"
)
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])"
)


def _has_postcode(text: str) -> bool:
    """A postcode in capitals ("LA1 1PJ") or all in lower case ("la1 1pj"), not mixed."""
    for match in _POSTCODE.finditer(text):
        found = match.group(0)
        if found.isupper():
            return True
        if found.islower() and found[-2:] not in _ORDINAL_ENDING:
            return True
    return False


_CHECKS = (
    (POSTCODE, _has_postcode),
    (PHONE_NUMBER, _PHONE.search),
    (DATE_OF_BIRTH, _DATE_OF_BIRTH.search),
    (NATIONAL_INSURANCE_NUMBER, _NI_NUMBER.search),
)


def find_personal_data(text: str) -> tuple[str, ...]:
    """The kinds of personal data the text seems to hold, in a fixed order; empty if none."""
    return tuple(kind for kind, found_in in _CHECKS if found_in(text))
