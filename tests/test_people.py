"""people.yaml: leads' addresses by name, and every mistake located by line."""

from __future__ import annotations

import pytest

from scheduler.domain.errors import ConfigError
from scheduler.domain.plan.people import People, Person, load_people, validate_people

PEOPLE_YAML = """\
coordinator:
  name: Sam Smith
  email: community.safety@example.org
people:
  Helene Cooper:
    email: Helene.Cooper@example.org
    delegates:
      - dv.coordinator@example.org
      - shared.inbox@example.org
    title: Community Safety Manager
    organisation: Lancashire County Council
  Tracie O'Gara:
    email: tracie.ogara@example.org
    delegates: [shared.inbox@example.org]
  Kyran Ronson: kyran.ronson@example.org
  Ian Dawson:
"""


@pytest.fixture
def people() -> People:
    return load_people(PEOPLE_YAML, "people.yaml")


def test_people_and_coordinator_are_read(people: People) -> None:
    assert people.coordinator == Person("Sam Smith", "community.safety@example.org")
    assert people.person("Helene Cooper") == Person(
        name="Helene Cooper",
        email="Helene.Cooper@example.org",
        delegates=("dv.coordinator@example.org", "shared.inbox@example.org"),
        title="Community Safety Manager",
        organisation="Lancashire County Council",
    )
    assert people.email_for("Kyran Ronson") == "kyran.ronson@example.org"


def test_names_match_whatever_the_case_spacing_or_apostrophe(people: People) -> None:
    assert people.email_for("tracie  o\u2019gara") == "tracie.ogara@example.org"


def test_unknown_or_address_less_people_have_no_email(people: People) -> None:
    assert people.email_for("Nobody Known") is None
    assert people.email_for("Ian Dawson") is None
    assert people.all_addresses_of("Ian Dawson") == ()


def test_all_addresses_are_own_then_delegates(people: People) -> None:
    assert people.delegates_for("Helene Cooper") == (
        "dv.coordinator@example.org",
        "shared.inbox@example.org",
    )
    assert people.all_addresses_of("Helene Cooper") == (
        "Helene.Cooper@example.org",
        "dv.coordinator@example.org",
        "shared.inbox@example.org",
    )


def test_name_for_email_ignores_case_and_display_names(people: People) -> None:
    assert people.name_for_email("helene.cooper@EXAMPLE.org") == "Helene Cooper"
    assert people.name_for_email("Helene <HELENE.COOPER@example.org>") == "Helene Cooper"
    assert people.name_for_email("stranger@example.org") is None


def test_a_delegate_speaks_for_its_lead_only_when_unambiguous(people: People) -> None:
    assert people.name_for_email("dv.coordinator@example.org") == "Helene Cooper"
    assert people.name_for_email("shared.inbox@example.org") is None
    assert people.names_for_email("shared.inbox@example.org") == ("Helene Cooper", "Tracie O'Gara")


def test_empty_file_means_nobody() -> None:
    assert load_people("", "people.yaml") == People()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "people:\n  Jo: not-an-address\n",
            "people.yaml:2: Jo's email is not an email address: 'not-an-address'",
        ),
        (
            "people:\n  Jo:\n    email: jo@example\n",
            "people.yaml:3: Jo's email is not an email address: 'jo@example'",
        ),
        (
            "people:\n  Jo:\n    delegates: a@example.org\n",
            "people.yaml:3: Jo's delegates must be a list",
        ),
        (
            "people:\n  Jo:\n    delegates:\n      - a@example.org\n      - b@\n",
            "people.yaml:5: Jo's delegate is not an email address: 'b@'",
        ),
        ("people:\n  Jo:\n    emial: jo@example.org\n", "people.yaml:3: unknown key 'emial' in Jo"),
        ("peeple: {}\n", "people.yaml:1: unknown key 'peeple' in people.yaml"),
        (
            "people:\n  Jo Bloggs: a@example.org\n  jo  bloggs: b@example.org\n",
            "people.yaml:3: jo bloggs is listed twice (first at line 2)",
        ),
        (
            "people:\n  Jo: a@example.org\n  Al: A@example.org\n",
            "people.yaml:3: A@example.org is the address of both Jo and Al",
        ),
        ("coordinator:\n  name: Sam\n", "people.yaml:2: coordinator needs an email"),
        ("- just a list\n", "people.yaml:1: people.yaml must be a mapping"),
        ("people:\n  Jo: [a\n", "people.yaml:3: YAML syntax error"),
    ],
)
def test_mistakes_are_config_errors_with_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_people(text, "people.yaml")

    assert str(raised.value).startswith(message)


def test_validate_reports_every_mistake() -> None:
    text = "people:\n  Jo: nope\n  Al:\n    email: also-nope\n    colour: blue\n"

    errors = validate_people(text, "people.yaml")

    assert [error.line for error in errors] == [2, 4, 5]
    assert validate_people(PEOPLE_YAML, "people.yaml") == []
