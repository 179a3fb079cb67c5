"""Who the plan's leads are by email: config/people.yaml.

Plan documents name leads but never give addresses, so addresses live here, keyed by name:

    coordinator:
      name: Sam Smith
      email: community.safety@example.org
    people:
      Helene Cooper:
        email: helene.cooper@example.org
        delegates: [dv.coordinator@example.org]
        title: Community Safety Manager
        organisation: Lancashire County Council
      Kyran Ronson: kyran.ronson@example.org

A name with only an address may be written as `Name: address`. Names match regardless of
case, spacing and curly apostrophes; addresses regardless of case.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import yaml

from scheduler.domain.errors import ConfigError, LocatedError
from scheduler.domain.yaml_lines import (
    LineDict,
    LineList,
    load_yaml,
    unknown_key_message,
    unknown_keys,
)

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_PERSON_KEYS = ("email", "delegates", "title", "organisation")
_TOP_KEYS = ("people", "coordinator")
_COORDINATOR_KEYS = ("name", "email")


def is_email(text: str) -> bool:
    """A plain syntax check (local@domain.tld), enough to catch typos in config."""
    return bool(_EMAIL.match(text))


def name_key(name: str) -> str:
    """The form names are compared in: case, runs of spaces and curly apostrophes ignored."""
    return " ".join(name.replace("\u2019", "'").split()).casefold()


@dataclass(frozen=True)
class Person:
    """Someone the scheduler may write to about a priority."""

    name: str
    email: str | None = None
    delegates: tuple[str, ...] = ()
    title: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class People:
    """The people.yaml directory: leads by name, and the partnership's coordinator."""

    people: tuple[Person, ...] = ()
    coordinator: Person | None = None

    def person(self, name: str) -> Person | None:
        """The person with this name, or None."""
        key = name_key(name)
        return next((p for p in self.people if name_key(p.name) == key), None)

    def close_names(self, name: str) -> tuple[str, ...]:
        """Names listed here that look like `name` misspelt (closest first)."""
        by_key = {name_key(p.name): p.name for p in self.people}
        close = difflib.get_close_matches(name_key(name), list(by_key), n=3, cutoff=0.8)
        return tuple(by_key[key] for key in close if key != name_key(name))

    def email_for(self, name: str) -> str | None:
        """The person's own address, or None when unknown or not given."""
        person = self.person(name)
        return person.email if person else None

    def delegates_for(self, name: str) -> tuple[str, ...]:
        """Addresses that may answer for this person (copied on reminders)."""
        person = self.person(name)
        return person.delegates if person else ()

    def all_addresses_of(self, name: str) -> tuple[str, ...]:
        """The person's own address (when given) followed by their delegates'."""
        person = self.person(name)
        if person is None:
            return ()
        own = (person.email,) if person.email else ()
        return own + person.delegates

    def _owners_and_delegators(self, address: str) -> tuple[list[str], list[str]]:
        wanted = (parseaddr(address)[1] or address).strip().casefold()
        owners = [p.name for p in self.people if p.email and p.email.casefold() == wanted]
        delegators = [
            p.name
            for p in self.people
            if p.name not in owners and any(d.casefold() == wanted for d in p.delegates)
        ]
        return owners, delegators

    def names_for_email(self, address: str) -> tuple[str, ...]:
        """Everyone this address speaks for: its owner first, then those who delegated to it."""
        owners, delegators = self._owners_and_delegators(address)
        return tuple(owners + delegators)

    def name_for_email(self, address: str) -> str | None:
        """Whose address this is (case-insensitive; "Name <addr>" accepted).

        A delegate's address names the person it answers for only when it answers for one.
        """
        owners, delegators = self._owners_and_delegators(address)
        if owners:
            return owners[0]
        return delegators[0] if len(delegators) == 1 else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[ConfigError] = []

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(ConfigError(self.source, line, message))

    def unknown_keys(self, mapping: LineDict, allowed: tuple[str, ...], what: str) -> None:
        for key in unknown_keys(mapping, allowed):
            self.error(mapping.line_of(key), unknown_key_message(key, what, allowed))

    def text(self, mapping: LineDict, key: str, what: str) -> str:
        value = mapping.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(mapping.line_of(key), f"{what} {key} must be text")
            return ""
        return value.strip()

    def email(self, value: Any, line: int, what: str) -> str | None:
        if not isinstance(value, str) or not is_email(value.strip()):
            self.error(line, f"{what} is not an email address: {value!r}")
            return None
        return value.strip()

    def person(self, name: str, value: Any, line: int) -> Person:
        if value is None:
            return Person(name=name)
        if isinstance(value, str):
            return Person(name=name, email=self.email(value, line, f"{name}'s email"))
        if not isinstance(value, LineDict):
            self.error(line, f"{name} must be an email address or a mapping of {_PERSON_KEYS}")
            return Person(name=name)
        self.unknown_keys(value, _PERSON_KEYS, name)
        email = None
        if value.get("email") is not None:
            email = self.email(value["email"], value.line_of("email"), f"{name}'s email")
        delegates: list[str] = []
        raw = value.get("delegates")
        if isinstance(raw, LineList):
            for item, item_line in zip(raw, raw.item_lines, strict=True):
                address = self.email(item, item_line, f"{name}'s delegate")
                if address:
                    delegates.append(address)
        elif raw is not None:
            self.error(value.line_of("delegates"), f"{name}'s delegates must be a list")
        return Person(
            name=name,
            email=email,
            delegates=tuple(delegates),
            title=self.text(value, "title", name),
            organisation=self.text(value, "organisation", name),
        )

    def coordinator(self, value: Any, line: int) -> Person | None:
        if not isinstance(value, LineDict):
            self.error(line, "coordinator must be a mapping with name and email")
            return None
        self.unknown_keys(value, _COORDINATOR_KEYS, "coordinator")
        name = self.text(value, "name", "coordinator")
        if not name:
            self.error(value.line, "coordinator needs a name")
        if "email" not in value:
            self.error(value.line, "coordinator needs an email")
            return None
        email = self.email(value["email"], value.line_of("email"), "coordinator's email")
        return Person(name=name, email=email)

    def read(self, text: str) -> People:
        try:
            root = load_yaml(text, self.source)
        except LocatedError as exc:
            self.error(exc.line, exc.message)
            return People()
        except (ValueError, yaml.YAMLError) as exc:
            self.error(None, f"unreadable value: {exc}")
            return People()
        if root is None:
            return People()
        if not isinstance(root, LineDict):
            self.error(getattr(root, "line", 1), "people.yaml must be a mapping with 'people:'")
            return People()
        self.unknown_keys(root, _TOP_KEYS, "people.yaml")
        people: list[Person] = []
        entries = root.get("people")
        if isinstance(entries, LineDict):
            people = self.people(entries)
        elif entries is not None:
            self.error(root.line_of("people"), "people must be a mapping of name to details")
        coordinator = None
        if "coordinator" in root:
            coordinator = self.coordinator(root["coordinator"], root.line_of("coordinator"))
        return People(people=tuple(people), coordinator=coordinator)

    def people(self, entries: LineDict) -> list[Person]:
        people: list[Person] = []
        names: dict[str, int] = {}
        owners: dict[str, str] = {}
        for name, value in entries.items():
            line = entries.line_of(name)
            clean = " ".join(name.split())
            if name_key(clean) in names:
                self.error(
                    line, f"{clean} is listed twice (first at line {names[name_key(clean)]})"
                )
                continue
            names[name_key(clean)] = line
            person = self.person(clean, value, line)
            if person.email:
                owner = owners.setdefault(person.email.casefold(), clean)
                if owner != clean:
                    self.error(line, f"{person.email} is the address of both {owner} and {clean}")
            people.append(person)
        return people


def check_people(text: str, source: str) -> tuple[People, list[ConfigError]]:
    """The people in a people.yaml text and every problem in file order, in one reading."""
    reader = _Reader(source)
    people = reader.read(text)
    return people, sorted(reader.errors, key=lambda error: error.line or 0)


def validate_people(text: str, source: str) -> list[ConfigError]:
    """Every problem in a people.yaml text, in file order (empty when valid)."""
    reader = _Reader(source)
    reader.read(text)
    return sorted(reader.errors, key=lambda error: error.line or 0)


def load_people(text: str, source: str) -> People:
    """Read people.yaml text; raises its first ConfigError in file order (validate_people: all)."""
    reader = _Reader(source)
    people = reader.read(text)
    if reader.errors:
        raise min(reader.errors, key=lambda error: error.line or 0)
    return people


def no_email_warning(name: str, people: People) -> str:
    """A lead without an address: what that means, and the likely misspelling in people.yaml."""
    message = (
        f"lead {name} has no email in people.yaml: no update requests or reminders go to them"
        " (the other leads' emails are sent)"
    )
    close = people.close_names(name)
    return message + (f"; people.yaml has {close[0]!r}: is one misspelt?" if close else "")
