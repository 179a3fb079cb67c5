"""What loading a plan into the database changed, for the log and the coordinator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanLoadSummary:
    plan_name: str
    created: bool
    actions_added: tuple[str, ...]
    actions_updated: tuple[str, ...]
    actions_archived: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(
            self.created or self.actions_added or self.actions_updated or self.actions_archived
        )
