"""`csp check` and the commands around it: every problem in config/ and the environment as
one `file:line` line, errors (the daemon cannot work) apart from warnings (it can, with
something missing); `plan validate` as its plan-only part; safe defaults for a new user."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scheduler.cli.main import main
from scheduler.events import LOGGER_NAME
from tests.service_harness import copy_example_config

PLAN = "plans/lancaster-2011-12.yaml"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    def lines_naming(self, text: str) -> list[str]:
        return [line for line in (self.out + self.err).splitlines() if text in line]


Csp = Callable[..., Outcome]


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """The CLI (and `csp run`, refusing) set up logging; give later tests theirs back."""
    logger, root = logging.getLogger(LOGGER_NAME), logging.getLogger()
    saved = (logger.handlers[:], logger.level, logger.propagate, root.handlers[:], root.level)
    yield
    logger.handlers[:], logger.level, logger.propagate, root.handlers[:], root.level = saved
    logging.captureWarnings(False)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_example_config(tmp_path)


@pytest.fixture
def csp(
    tmp_path: Path,
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Csp:
    """`csp ARGS...` in this process, from the folder that holds the copied config/."""
    for key in [k for k in os.environ if k.startswith("CSP_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def run(*args: object) -> Outcome:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return run


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` (once) in the file; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_the_shipped_configuration_has_warnings_only(csp: Csp) -> None:
    outcome = csp("check")

    assert outcome.code == 0, outcome.out
    assert "0 errors" in outcome.out
    assert outcome.lines_naming("warning: environment: CSP_SMTP_HOST is not set")
    assert outcome.lines_naming("the newest plan's year ended on 2012-03-31")


def test_strict_fails_on_warnings_and_json_lists_each_problem(csp: Csp) -> None:
    assert csp("check", "--strict").code == 1

    outcome = csp("check", "--json")

    report = json.loads(outcome.out)
    assert outcome.code == 0
    assert report["errors"] == 0 and report["warnings"] == len(report["problems"]) > 0
    assert set(report["problems"][0]) == {"level", "file", "line", "message"}


def test_a_lead_without_an_address_is_one_warning_naming_them(csp: Csp, config_dir: Path) -> None:
    _edit(config_dir / "people.yaml", "    email: ian.dawson@example.org\n", "")

    outcome = csp("check")

    assert outcome.code == 0, outcome.out
    (line,) = outcome.lines_naming("Ian Dawson")
    assert line.startswith(f"warning: config/{PLAN}:")
    assert "no update requests or reminders go to them" in line


def test_a_lead_misspelt_in_people_yaml_is_named_with_the_spelling_found(
    csp: Csp, config_dir: Path
) -> None:
    _edit(config_dir / "people.yaml", "  Kyran Ronson:", "  Kyran Ronsen:")

    outcome = csp("check")

    (line,) = outcome.lines_naming("lead Kyran Ronson has no email")
    assert "people.yaml has 'Kyran Ronsen': is one misspelt?" in line


def test_every_broken_file_is_listed_with_its_line_and_exits_1(csp: Csp, config_dir: Path) -> None:
    meetings_line = _edit(config_dir / "meetings.yaml", '    time: "10:00"', "    time: noon")
    pack = config_dir / "pack.yaml"
    pack.write_text(pack.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    statistics = next((config_dir / "statistics").glob("*.csv"))
    statistics.write_text("indicator,period\nburglary,2011/12 Q1\n", encoding="utf-8")

    outcome = csp("check")

    assert outcome.code == 1
    assert outcome.lines_naming(f"error: config/meetings.yaml:{meetings_line}: ")
    assert outcome.lines_naming("error: config/pack.yaml:")
    assert outcome.lines_naming(f"error: config/statistics/{statistics.name}:")
    assert "3 errors" in outcome.out


def test_an_environment_coordinator_that_disagrees_with_people_yaml_is_an_error(
    csp: Csp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSP_COORDINATOR_EMAIL", "someone.else@example.org")

    outcome = csp("check")
    refused = csp("run")

    assert outcome.code == 1
    (line,) = outcome.lines_naming("CSP_COORDINATOR_EMAIL")
    assert "community.safety@example.org" in line and "people.yaml is the source" in line
    assert refused.code == 1
    assert refused.lines_naming("csp: environment: CSP_COORDINATOR_EMAIL")


def test_an_environment_coordinator_that_agrees_is_fine(
    csp: Csp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSP_COORDINATOR_EMAIL", "Community.Safety@example.org")

    assert csp("check").code == 0


def test_two_plans_for_the_same_year_are_an_error_everywhere(csp: Csp, config_dir: Path) -> None:
    plan = config_dir / PLAN
    second = config_dir / "plans" / "lancaster-copy.yaml"
    second.write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")

    checked = csp("check")
    validated = csp("plan", "validate")
    simulated = csp("simulate", "--from", "2011-04-01", "--to", "2012-03-31")

    assert checked.code == validated.code == simulated.code == 1
    copy = "config/plans/lancaster-copy.yaml"
    assert checked.lines_naming(f"error: {copy}: its period 2011-04-01 to 2012-03-31 overlaps")
    assert validated.lines_naming(f"{copy}: its period")
    assert "--plan" not in validated.out + validated.err
    assert simulated.lines_naming("overlaps")


def test_plan_validate_is_the_plan_part_of_check(csp: Csp, config_dir: Path) -> None:
    _edit(config_dir / "meetings.yaml", '    time: "10:00"', "    time: noon")

    assert csp("plan", "validate").code == 0  # meetings are not the plan's
    assert csp("check").code == 1


def test_plan_import_keeps_an_existing_file_unless_forced(csp: Csp, config_dir: Path) -> None:
    from plan_documents import MARKDOWN

    document = config_dir.parent / "plan.md"
    document.write_text(MARKDOWN, encoding="utf-8")
    target = config_dir / PLAN
    edited = target.read_bytes()

    refused = csp("plan", "import", document, "--out", target)

    assert refused.code == 1
    assert refused.err.strip() == (
        f"csp: {target}: already exists (edited by hand?): choose another --out, or add"
        " --force to overwrite it (`csp plan diff` shows what would change)"
    )
    assert target.read_bytes() == edited
    assert csp("plan", "import", document, "--out", target, "--force").code in (0, 1)
    assert target.read_bytes() != edited


@pytest.mark.parametrize("command", [["db", "upgrade"], ["status"], ["updates", "list"], ["check"]])
def test_a_command_run_where_there_is_no_configuration_refuses_and_creates_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    for key in [k for k in os.environ if k.startswith("CSP_")]:
        monkeypatch.delenv(key)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    code = main(command)

    assert code == 1
    output = capsys.readouterr()
    assert "no configuration folder here: run csp in the folder that holds config/" in (
        output.out + output.err
    )
    assert list(elsewhere.iterdir()) == []


def test_version(csp: Csp) -> None:
    outcome = csp("--version")

    assert outcome.code == 0
    assert outcome.out.startswith("csp, version ")
