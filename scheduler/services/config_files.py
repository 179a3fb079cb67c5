"""Reading the configuration folder's files, apart from what they configure: `csp inbox parse`
needs the plans' action refs and nothing of the schedule, packs or people, whose modules it
then does not load (about 70 ms of its start-up)."""

from __future__ import annotations

from pathlib import Path

from scheduler.domain.errors import ConfigError
from scheduler.domain.plan.yaml_file import load_plan_yaml
from scheduler.domain.text_encoding import decode_text_file


def read_text(path: Path) -> str:
    """A configuration file's text: UTF-8 (with or without a byte-order mark) or UTF-16."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found") from None
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc.strerror}") from None
    return decode_text_file(content, str(path))


def plan_files(config_dir: Path) -> list[Path]:
    return sorted((config_dir / "plans").glob("*.yaml")) + sorted(
        (config_dir / "plans").glob("*.yml")
    )


def action_refs(config_dir: Path) -> frozenset[str]:
    """Every action ref of the plans in the folder: all that reading a reply needs of the
    configuration (`csp inbox parse`), without people, meetings or the holiday calendar."""
    refs: set[str] = set()
    for path in plan_files(config_dir):
        plan = load_plan_yaml(read_text(path), str(path)).plan
        refs.update(action.ref for _, action in plan.actions())
    return frozenset(refs)
