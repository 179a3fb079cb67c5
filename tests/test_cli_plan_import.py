"""`csp plan import`, `plan validate`, `plan show` and `plan diff` end to end: what a
coordinator sees when a plan has something the importer could not resolve."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from plan_documents import MARKDOWN

from scheduler.cli.main import main

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PLAN = PROJECT_ROOT / "config" / "plans" / "lancaster-2011-12.yaml"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


Csp = Callable[..., Outcome]


@pytest.fixture
def csp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Csp:
    """`csp ARGS...` from an empty folder: no config/, as when run outside the project."""
    for key in [k for k in os.environ if k.startswith("CSP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CSP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)

    def run(*args: object) -> Outcome:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return run


def test_import_writes_what_it_understood_lists_the_rest_and_exits_1(
    csp: Csp, tmp_path: Path
) -> None:
    (tmp_path / "plan.md").write_text(MARKDOWN, encoding="utf-8")

    outcome = csp("plan", "import", "plan.md", "--out", "plan.yaml")

    assert outcome.code == 1
    assert outcome.out.splitlines() == [
        "wrote plan.yaml from markdown: 2 priorities, 5 actions, 4 milestones, 2 leads,"
        " 1 unresolved",
        "leads: Jo Bloggs, Sam Hill",
        "1 unresolved: fix them in the document and import again, or in plan.yaml"
        " (`csp plan validate plan.yaml` lists what is left)",
    ]
    assert [line for line in outcome.err.splitlines() if line.startswith("unresolved:")] == [
        "unresolved: plan.md:26: action 2.3: cannot read timescale '31 Febtember 2012':"
        " 'Febtember' is not a month name: no milestone (marked unresolved)"
    ]
    assert "timescale_unresolved" in (tmp_path / "plan.yaml").read_text(encoding="utf-8")


def test_validate_reports_an_unresolved_timescale_until_it_is_fixed(
    csp: Csp, tmp_path: Path
) -> None:
    (tmp_path / "plan.md").write_text(MARKDOWN, encoding="utf-8")
    csp("plan", "import", "plan.md", "--out", "plan.yaml")

    outcome = csp("plan", "validate", "plan.yaml")

    assert outcome.code == 1
    assert len(outcome.out.splitlines()) == 1
    assert outcome.out.startswith("plan.yaml:")
    assert "action 2.3: timescale_unresolved: cannot read timescale '31 Febtember 2012'" in (
        outcome.out
    )


def test_show_and_validate_agree_about_lead_emails_outside_the_project(csp: Csp) -> None:
    shown = csp("plan", "show", "--plan", SHIPPED_PLAN)
    validated = csp("plan", "validate", SHIPPED_PLAN)

    note = "warning: config/people.yaml: not found, so leads' email addresses are not checked"
    assert (shown.code, validated.code) == (0, 0)
    assert shown.err.splitlines() == [note]
    assert validated.err.splitlines() == [note]
    assert "has no email" not in shown.err + validated.err


def test_diff_shows_what_a_revised_plan_changes(csp: Csp, tmp_path: Path) -> None:
    revised = tmp_path / "revised.yaml"
    text = SHIPPED_PLAN.read_text(encoding="utf-8")
    text = text.replace("name: Helene Cooper", "name: Jo Bloggs", 1)
    text = text.replace("due: 2011-05-31", "due: 2011-06-30", 1)
    start = text.index("      - ref: 3.5.3")
    revised.write_text(text[:start], encoding="utf-8")

    outcome = csp("plan", "diff", SHIPPED_PLAN, revised)

    assert outcome.code == 1
    assert outcome.out.splitlines() == [
        "~ priority 3.1 lead 'Helene Cooper' -> 'Jo Bloggs'",
        "- 3.5.3 archived (not in the new plan)",
        "~ 3.1.4: dates Mapping 2011-05-31, MARAC Review 2011-09-30 -> Mapping 2011-06-30,"
        " MARAC Review 2011-09-30",
        "0 added, 1 archived, 1 changed, 1 leads changed",
    ]


def test_diff_of_a_plan_with_itself_is_no_changes(csp: Csp) -> None:
    outcome = csp("plan", "diff", SHIPPED_PLAN, SHIPPED_PLAN)

    assert (outcome.code, outcome.out) == (0, "no changes\n")


def test_a_columns_option_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(MARKDOWN, encoding="utf-8")

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler.cli.main",
            "plan",
            "import",
            "plan.md",
            "--out",
            "p.yaml",
            "--columns",
            "Owner=boss",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
    )

    assert done.returncode == 1
    assert done.stderr.startswith("csp: --columns: 'boss' is not a field; use one of")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "p.yaml").exists()
