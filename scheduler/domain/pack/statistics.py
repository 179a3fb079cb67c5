"""Indicator figures for the pack: reading the statistics CSV and judging each indicator.

The plan asks the partnership to review "the direction of statistics against the key
priorities". Figures are compared with the same quarter a year earlier (crime is seasonal),
judged against a target, and counts below a small-number threshold are never shown exactly,
because ward-level counts of domestic abuse can identify people.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduler.domain.errors import ConfigError

COLUMNS = ("indicator", "priority_ref", "period", "value", "lower_is_better")
UNITS = ("count", "rate", "percent")

_PERIOD = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
_TRUE = {"yes", "true", "y", "1"}
_FALSE = {"no", "false", "n", "0"}


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year (April to March): Q1 is April to June."""

    year: int  # the calendar year the financial year starts in: 2011 for 2011/12
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """'2011/12 Q2' as a Quarter, or None when it is not written that way."""
        match = _PERIOD.match(text.strip())
        if match is None:
            return None
        start, end, number = int(match[1]), int(match[2]), int(match[3])
        if (start + 1) % 100 != end:
            return None
        return cls(start, number)

    @property
    def label(self) -> str:
        return f"Q{self.number} {self.year}/{(self.year + 1) % 100:02d}"

    def last_day(self) -> date:
        """The quarter's last day: 30 June, 30 September, 31 December or 31 March."""
        ends = {1: (0, 6, 30), 2: (0, 9, 30), 3: (0, 12, 31), 4: (1, 3, 31)}
        offset, month, day = ends[self.number]
        return date(self.year + offset, month, day)

    def year_earlier(self) -> Quarter:
        return Quarter(self.year - 1, self.number)


@dataclass(frozen=True)
class Observation:
    """One figure of an indicator for one quarter."""

    quarter: Quarter
    value: float
    target: float | None = None


@dataclass(frozen=True)
class Indicator:
    """A measure the partnership watches for a key priority, with its figures in order."""

    name: str
    priority_ref: str
    lower_is_better: bool
    observations: tuple[Observation, ...]
    unit: str = "count"
    source: str = ""

    @property
    def illustrative(self) -> bool:
        """True when the figures are examples, not real data (source says 'Illustrative')."""
        return self.source.strip().lower().startswith("illustrative")

    def value_in(self, quarter: Quarter) -> Observation | None:
        for observation in self.observations:
            if observation.quarter == quarter:
                return observation
        return None

    def latest_by(self, day: date) -> Observation | None:
        """The latest figure for a quarter that had ended by `day`."""
        ended = [o for o in self.observations if o.quarter.last_day() <= day]
        return ended[-1] if ended else None


class Direction(StrEnum):
    """Which way an indicator moved, judged by whether lower is better."""

    BETTER = "better"
    WORSE = "worse"
    SAME = "no change"
    UNKNOWN = "not known"


class Rag(StrEnum):
    """How a figure stands against its target."""

    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    NONE = "No target"


@dataclass(frozen=True)
class IndicatorAssessment:
    """An indicator as the pack reports it for one meeting."""

    indicator: Indicator
    current: Observation | None
    year_earlier: Observation | None
    change_percent: float | None
    direction: Direction
    rising: bool | None  # the figure went up (True), down (False), or unknown (None)
    rag: Rag
    current_suppressed: bool
    year_earlier_suppressed: bool


def parse_statistics_csv(text: str, source: str) -> tuple[Indicator, ...]:
    """Indicators from CSV text, in order of first appearance; lines starting '#' are notes.

    Raises ConfigError(source, line, ...) for a missing column, an unreadable value or period,
    a period given twice, or an indicator whose lower_is_better or unit changes between rows.
    """
    numbered = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise ConfigError(source, None, "no header row")
    header_line, header = numbered[0]
    columns = [c.strip().lower() for c in next(csv.reader([header]))]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ConfigError(source, header_line, f"missing column(s): {', '.join(missing)}")
    builders: dict[str, _IndicatorRows] = {}
    for line_number, line in numbered[1:]:
        cells = next(csv.reader(io.StringIO(line)))
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(columns)}
        _add_row(builders, row, source, line_number)
    return tuple(rows.indicator() for rows in builders.values())


@dataclass
class _IndicatorRows:
    name: str
    priority_ref: str
    lower_is_better: bool
    unit: str
    source: str
    observations: list[Observation]

    def indicator(self) -> Indicator:
        return Indicator(
            name=self.name,
            priority_ref=self.priority_ref,
            lower_is_better=self.lower_is_better,
            observations=tuple(sorted(self.observations, key=lambda o: o.quarter)),
            unit=self.unit,
            source=self.source,
        )


def _add_row(
    builders: dict[str, _IndicatorRows], row: dict[str, str], source: str, line: int
) -> None:
    name = row["indicator"]
    if not name:
        raise ConfigError(source, line, "the indicator name is empty")
    if not row["priority_ref"]:
        raise ConfigError(source, line, f"indicator {name!r} has no priority_ref")
    quarter = Quarter.parse(row["period"])
    if quarter is None:
        raise ConfigError(
            source, line, f"period {row['period']!r} is not a quarter like '2011/12 Q1'"
        )
    value = _number(row["value"], "value", source, line)
    if value is None:
        raise ConfigError(source, line, f"indicator {name!r} has no value for {quarter.label}")
    target = _number(row.get("target", ""), "target", source, line)
    lower_is_better = _flag(row["lower_is_better"], source, line)
    unit = (row.get("unit") or "count").lower()
    if unit not in UNITS:
        raise ConfigError(source, line, f"unit {unit!r} is not one of {', '.join(UNITS)}")
    rows = builders.get(name)
    if rows is None:
        builders[name] = _IndicatorRows(
            name, row["priority_ref"], lower_is_better, unit, row.get("source", ""), []
        )
        rows = builders[name]
    elif rows.lower_is_better != lower_is_better or rows.unit != unit:
        raise ConfigError(
            source, line, f"indicator {name!r} changes lower_is_better or unit between rows"
        )
    if any(o.quarter == quarter for o in rows.observations):
        raise ConfigError(source, line, f"indicator {name!r} has {quarter.label} twice")
    rows.observations.append(Observation(quarter, value, target))


def _number(text: str, column: str, source: str, line: int) -> float | None:
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise ConfigError(source, line, f"{column} {text!r} is not a number") from None


def _flag(text: str, source: str, line: int) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(source, line, f"lower_is_better {text!r} is not yes or no")


def change_percent(current: float, earlier: float) -> float | None:
    """The change from `earlier` to `current` in percent; None when earlier is zero."""
    if earlier == 0:
        return None
    return (current - earlier) / abs(earlier) * 100.0


def direction_of(current: float, earlier: float, lower_is_better: bool) -> Direction:
    """Better or worse, respecting whether a fall is good news for this indicator."""
    if current == earlier:
        return Direction.SAME
    fell = current < earlier
    return Direction.BETTER if fell == lower_is_better else Direction.WORSE


def rag_against_target(
    value: float, target: float | None, lower_is_better: bool, amber_within_percent: float
) -> Rag:
    """Green on or better than target; Amber worse by up to the threshold; Red beyond it."""
    if target is None:
        return Rag.NONE
    shortfall = value - target if lower_is_better else target - value
    if shortfall <= 0:
        return Rag.GREEN
    if target == 0:
        return Rag.RED
    return Rag.AMBER if shortfall / abs(target) * 100.0 <= amber_within_percent else Rag.RED


def is_suppressed(value: float, unit: str, small_number_threshold: int) -> bool:
    """Counts below the threshold are not shown; rates and percentages are not counts."""
    return unit == "count" and value < small_number_threshold


def assess(
    indicator: Indicator, as_at: date, amber_within_percent: float, small_number_threshold: int
) -> IndicatorAssessment:
    """The indicator's latest quarter ended by `as_at`, compared with a year earlier.

    When either figure is a suppressed small number the change in percent is withheld too,
    since it would let a reader work the small number out.
    """
    current = indicator.latest_by(as_at)
    earlier = indicator.value_in(current.quarter.year_earlier()) if current else None
    current_hidden = current is not None and is_suppressed(
        current.value, indicator.unit, small_number_threshold
    )
    earlier_hidden = earlier is not None and is_suppressed(
        earlier.value, indicator.unit, small_number_threshold
    )
    change: float | None = None
    direction = Direction.UNKNOWN
    rising: bool | None = None
    if current is not None and earlier is not None:
        direction = direction_of(current.value, earlier.value, indicator.lower_is_better)
        rising = None if current.value == earlier.value else current.value > earlier.value
        if not (current_hidden or earlier_hidden):
            change = change_percent(current.value, earlier.value)
    rag = (
        rag_against_target(
            current.value, current.target, indicator.lower_is_better, amber_within_percent
        )
        if current is not None
        else Rag.NONE
    )
    return IndicatorAssessment(
        indicator=indicator,
        current=current,
        year_earlier=earlier,
        change_percent=change,
        direction=direction,
        rising=rising,
        rag=rag,
        current_suppressed=current_hidden,
        year_earlier_suppressed=earlier_hidden,
    )
