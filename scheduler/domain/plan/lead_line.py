"""A priority's Lead line read as a person: name, rank or job title, and organisation."""

from __future__ import annotations

import re

from scheduler.domain.plan.model import Lead

# Longest first, so "Chief Inspector" is not read as "Inspector" after "Chief".
_TITLES = tuple(
    sorted(
        (
            "Assistant Chief Constable",
            "Deputy Chief Constable",
            "Chief Constable",
            "Detective Chief Superintendent",
            "Chief Superintendent",
            "Detective Superintendent",
            "Superintendent",
            "Detective Chief Inspector",
            "Chief Inspector",
            "Detective Inspector",
            "Inspector",
            "Detective Sergeant",
            "Sergeant",
            "Detective Constable",
            "Police Constable",
            "Area Manager",
            "Group Manager",
            "Station Manager",
            "Watch Manager",
            "Chief Supt",
            "Ch Supt",
            "Supt",
            "Chief Insp",
            "Ch Insp",
            "Insp",
            "Sgt",
            "DCI",
            "DI",
            "DS",
            "DC",
            "PC",
            "PCSO",
            "County Councillor",
            "Councillor",
            "Cllr",
            "Professor",
            "Prof",
            "Dr",
            "Revd",
            "Rev",
            "Mrs",
            "Mr",
            "Ms",
            "Miss",
            "Mx",
        ),
        key=len,
        reverse=True,
    )
)


def parse_lead(text: str) -> Lead:
    """ "Chief Inspector Tracie O'Gara, Lancashire Constabulary" -> name, title, organisation.

    `text` is the Lead line after its label, with runs of spaces and emphasis marks removed.
    """
    text = text.replace("\u2019", "'")
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) == 1 and re.search(r"\s[-\u2013]\s", text):
        parts = [part.strip() for part in re.split(r"\s[-\u2013]\s", text, maxsplit=1)]
    if not parts:
        return Lead(name="")
    name = parts[0]
    organisation = parts[-1] if len(parts) > 1 else ""
    titles = list(parts[1:-1])
    bracketed = re.search(r"\s*\((?P<title>[^)]*)\)\s*$", name)
    if bracketed:
        titles.insert(0, bracketed["title"].strip())
        name = name[: bracketed.start()].strip()
    for title in _TITLES:
        match = re.match(rf"{re.escape(title)}\.?\s+(?=\S)", name)
        if match:
            titles.insert(0, title)
            name = name[match.end() :]
            break
    return Lead(name=name, title=", ".join(t for t in titles if t), organisation=organisation)
