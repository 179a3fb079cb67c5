"""A configuration folder with a large plan, for the benchmarks that measure how cost grows.

`write_large_config(folder, actions)` copies the shipped configuration and replaces its plan
and people with generated ones: priorities of 20 actions, each priority led by its own
person with an address in people.yaml, one or two milestones per action spread over the
Lancaster year (2011/12), and the shipped four meetings. 6,000 actions give 300 leads, so
an update request moment (21 February 2012 09:00) sends 300 emails.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONS_PER_PRIORITY = 20
YEAR_START = date(2011, 4, 1)
YEAR_DAYS = 365


def write_large_config(folder: Path, actions: int, *, seed: int = 15) -> Path:
    """A copy of the shipped config/ whose plan has `actions` actions; its path."""
    config = folder / "config"
    if config.exists():
        shutil.rmtree(config)
    shutil.copytree(ROOT / "config", config)
    for old in (config / "plans").glob("*.yaml"):
        old.unlink()
    priorities = max(1, actions // ACTIONS_PER_PRIORITY)
    rng = random.Random(seed)
    (config / "plans" / "large-2011-12.yaml").write_text(
        _plan_yaml(priorities, actions, rng), encoding="utf-8"
    )
    (config / "people.yaml").write_text(_people_yaml(priorities), encoding="utf-8")
    return config


def lead_name(n: int) -> str:
    return f"Lead Person {n:04d}"


def lead_address(n: int) -> str:
    return f"lead.{n:04d}@example.org"


def _people_yaml(priorities: int) -> str:
    lines = [
        "coordinator:",
        "  name: Community Safety Coordinator",
        "  email: community.safety@example.org",
        "people:",
    ]
    for n in range(1, priorities + 1):
        lines += [f"  {lead_name(n)}:", f"    email: {lead_address(n)}"]
    return "\n".join(lines) + "\n"


def _plan_yaml(priorities: int, actions: int, rng: random.Random) -> str:
    lines = [
        "name: Large Community Safety Plan 2011/12",
        "period:",
        "  start: 2011-04-01",
        "  end: 2012-03-31",
        "priorities:",
    ]
    made = 0
    for p in range(1, priorities + 1):
        lines += [
            f"  - ref: '{p}'",
            f"    title: Priority {p} of the partnership",
            "    lead:",
            f"      name: {lead_name(p)}",
            "      title: ''",
            "      organisation: Lancashire County Council",
            "    outcomes:",
            f"      - Outcome of priority {p}",
            "    actions:",
        ]
        count = ACTIONS_PER_PRIORITY if p < priorities else actions - made
        for a in range(1, count + 1):
            made += 1
            lines += _action_lines(f"{p}.{a}", rng)
    return "\n".join(lines) + "\n"


def _action_lines(ref: str, rng: random.Random) -> list[str]:
    dues = sorted(
        {
            YEAR_START + timedelta(days=rng.randrange(14, YEAR_DAYS))
            for _ in range(rng.randint(1, 2))
        }
    )
    lines = [
        f"      - ref: '{ref}'",
        f"        action: Deliver the work of action {ref} with the partners",
        "        activity: Meet the partners, agree the plan and report progress",
        "        resources: Officer time",
        f"        timescale: {dues[-1]:%d %B %Y}",
        "        milestones:",
    ]
    for n, due in enumerate(dues, 1):
        lines += [f"          - label: Milestone {n}", f"            due: {due.isoformat()}"]
    lines += ["        lead_agency: Lancaster City Council", "        targets: ''"]
    return lines
