"""The agenda pack's settings (config/pack.yaml): partnership, marking, agenda, thresholds.

The coordinator edits this file, so every mistake is reported with its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scheduler.domain.errors import ConfigError
from scheduler.domain.yaml_lines import LineDict, LineList, load_config_yaml, unknown_keys


class AgendaSection(StrEnum):
    """A part of the pack an agenda item introduces (and whose page it refers to)."""

    DASHBOARD = "dashboard"
    PRIORITIES = "priorities"  # expands to one agenda item per key priority
    MILESTONES = "milestones"
    STATISTICS = "statistics"
    NEXT_MEETING = "next_meeting"


@dataclass(frozen=True)
class AgendaItemConfig:
    """A standard agenda item; private ones appear only in the private pack."""

    title: str
    section: AgendaSection | None = None
    description: str = ""
    private: bool = False


DEFAULT_AGENDA: tuple[AgendaItemConfig, ...] = (
    AgendaItemConfig("Welcome and apologies"),
    AgendaItemConfig("Minutes of the last meeting and matters arising"),
    AgendaItemConfig("Progress against the action plan: summary", AgendaSection.DASHBOARD),
    AgendaItemConfig("Key priorities", AgendaSection.PRIORITIES),
    AgendaItemConfig("Milestones", AgendaSection.MILESTONES),
    AgendaItemConfig("Statistics", AgendaSection.STATISTICS),
    AgendaItemConfig("Any other business"),
    AgendaItemConfig("Date of next meeting", AgendaSection.NEXT_MEETING),
)

DEFAULT_PRIVATE_NOTICE = (
    "Not for publication: this pack contains exempt information (Local Government Act 1972, "
    "Schedule 12A)."
)


@dataclass(frozen=True)
class PackConfig:
    """What every pack of this partnership shares."""

    partnership: str
    protective_marking: str = "OFFICIAL"
    private_marking: str = "OFFICIAL-SENSITIVE"
    private_notice: str = DEFAULT_PRIVATE_NOTICE
    agenda: tuple[AgendaItemConfig, ...] = DEFAULT_AGENDA
    amber_within_percent: float = 5.0
    small_number_threshold: int = 5
    chart_quarters: int = 8


_TOP_KEYS = {"partnership", "protective_marking", "private_pack", "agenda", "statistics"}
_ITEM_KEYS = {"title", "section", "description", "private"}
_PRIVATE_KEYS = {"marking", "notice"}
_STATISTICS_KEYS = {"amber_within_percent", "small_number_threshold", "chart_quarters"}


def load_pack_config(text: str, source: str) -> PackConfig:
    """PackConfig from the text of config/pack.yaml; ConfigError(source, line, ...) if wrong."""
    root = load_config_yaml(text, source)
    if not isinstance(root, LineDict):
        raise ConfigError(source, None, "expected a mapping with 'partnership' at the top")
    _reject_unknown(root, _TOP_KEYS, source, "")
    partnership = _text(root, "partnership", source, required=True)
    private = _mapping(root, "private_pack", source)
    statistics = _mapping(root, "statistics", source)
    _reject_unknown(private, _PRIVATE_KEYS, source, "private_pack.")
    _reject_unknown(statistics, _STATISTICS_KEYS, source, "statistics.")
    defaults = PackConfig(partnership=partnership)
    agenda = _agenda(root, source) if "agenda" in root else defaults.agenda
    return PackConfig(
        partnership=partnership,
        protective_marking=_text(root, "protective_marking", source) or defaults.protective_marking,
        private_marking=_text(private, "marking", source) or defaults.private_marking,
        private_notice=_text(private, "notice", source) or defaults.private_notice,
        agenda=agenda,
        amber_within_percent=_number(
            statistics, "amber_within_percent", defaults.amber_within_percent, source
        ),
        small_number_threshold=int(
            _number(statistics, "small_number_threshold", defaults.small_number_threshold, source)
        ),
        chart_quarters=int(_number(statistics, "chart_quarters", defaults.chart_quarters, source)),
    )


def _agenda(root: LineDict, source: str) -> tuple[AgendaItemConfig, ...]:
    items = root["agenda"]
    if not isinstance(items, LineList) or not items:
        raise ConfigError(source, root.line_of("agenda"), "agenda must be a list of items")
    result = []
    for index, item in enumerate(items):
        line = items.item_lines[index]
        if isinstance(item, str):
            result.append(AgendaItemConfig(item.strip()))
            continue
        if not isinstance(item, LineDict):
            raise ConfigError(source, line, "an agenda item is a title or a mapping with title")
        _reject_unknown(item, _ITEM_KEYS, source, "agenda item key ")
        result.append(_agenda_item(item, source))
    return tuple(result)


def _agenda_item(item: LineDict, source: str) -> AgendaItemConfig:
    section: AgendaSection | None = None
    if "section" in item:
        names = ", ".join(s.value for s in AgendaSection)
        try:
            section = AgendaSection(str(item["section"]))
        except ValueError:
            raise ConfigError(
                source,
                item.line_of("section"),
                f"section {item['section']!r} is not one of {names}",
            ) from None
    title = _text(item, "title", source, required=section is not AgendaSection.PRIORITIES)
    private = item.get("private", False)
    if not isinstance(private, bool):
        raise ConfigError(source, item.line_of("private"), "private must be true or false")
    return AgendaItemConfig(
        title=title or "Key priorities",
        section=section,
        description=_text(item, "description", source),
        private=private,
    )


def _mapping(root: LineDict, key: str, source: str) -> LineDict:
    value = root.get(key)
    if value is None:
        empty = LineDict()
        empty.line = root.line_of(key)
        empty.key_lines = {}
        return empty
    if not isinstance(value, LineDict):
        raise ConfigError(source, root.line_of(key), f"{key} must be a mapping")
    return value


def _text(mapping: LineDict, key: str, source: str, required: bool = False) -> str:
    value: Any = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(source, mapping.line_of(key), f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise ConfigError(source, mapping.line_of(key), f"{key} must be text")
    return value.strip()


def _number(mapping: LineDict, key: str, default: float, source: str) -> float:
    value: Any = mapping.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(source, mapping.line_of(key), f"{key} must be a number, 0 or more")
    return float(value)


def _reject_unknown(mapping: LineDict, allowed: set[str], source: str, prefix: str) -> None:
    unknown = unknown_keys(mapping, allowed)
    if unknown:
        key, known = unknown[0], ", ".join(sorted(allowed))
        raise ConfigError(
            source, mapping.line_of(key), f"unknown {prefix}{key!r} (expected one of {known})"
        )
