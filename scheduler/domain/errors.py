"""Errors a user can fix: each says where (file, line) and what."""

from __future__ import annotations


class UserError(Exception):
    """An error the user can fix; the CLI prints it as one line and exits 1."""


class LocatedError(UserError):
    """A problem at a place in a file the user edits: source, line (when known) and what."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class PlanError(LocatedError):
    """A problem in a plan document or a plan YAML file."""


class ConfigError(LocatedError):
    """A problem in configuration (meetings, policy, people, pack settings, environment)."""


class TimescaleError(ValueError):
    """A Timescale cell holds something date-like that cannot be read as a date."""

    def __init__(self, text: str, detail: str) -> None:
        self.text = text
        self.detail = detail
        super().__init__(f"cannot read timescale {text!r}: {detail}")


class WriteConflict(Exception):
    """Another process wrote the same unique thing at the same moment; trying again is safe."""
