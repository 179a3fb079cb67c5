"""End-to-end tests of the `csp` command line: each test in its own folder with its own settings.

Most run the real entry point (`scheduler.cli.main.main`) in this process; the ones that prove
bad input never shows a traceback run `python -m scheduler.cli.main` as a user would.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import pytest
import yaml

from scheduler.adapters.database import make_engine, session_factory
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.cli.main import cli, main
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.events import LOGGER_NAME
from tests.service_harness import copy_example_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED_CONFIG = PROJECT_ROOT / "config"
SHIPPED_PLAN = SHIPPED_CONFIG / "plans" / "lancaster-2011-12.yaml"
PLAN_DOCUMENT = FIXTURES / "plans" / "lancaster-2011-12.txt"
MAIL = FIXTURES / "mail" / "ours"
LEADS = {"Helene Cooper", "Tracie O'Gara", "Kyran Ronson", "Michelle Emery", "Ian Dawson"}
EMAIL_KINDS = {
    "update_request",
    "update_chaser",
    "agenda_pack",
    "deadline_reminder",
    "overdue_notice",
}


@pytest.fixture(autouse=True)
def _csp_logger_restored() -> Iterator[None]:
    """The CLI points the `csp` logger at this test's stderr; give later tests theirs back."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


Csp = Callable[..., Outcome]


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CSP_")}


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, str]:
    """This test's own settings: a data folder in its tmp dir and the shipped configuration."""
    return {"CSP_DATA_DIR": str(tmp_path / "data"), "CSP_CONFIG_DIR": str(SHIPPED_CONFIG)}


@pytest.fixture
def csp(
    tmp_path: Path,
    settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Csp]:
    """`csp ARGS...` run in this process, from the test's folder, with the test's settings."""
    for key in list(os.environ):
        if key.startswith("CSP_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def run(*args: object) -> Outcome:
        for key, value in settings.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    yield run


@pytest.fixture
def csp_process(tmp_path: Path, settings: dict[str, str]) -> Csp:
    """`csp ARGS...` as a separate process, exactly as a user runs it."""

    def run(*args: object) -> Outcome:
        done = subprocess.run(
            [sys.executable, "-m", "scheduler.cli.main", *[str(arg) for arg in args]],
            cwd=tmp_path,
            env={**_clean_environment(), **settings},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    return run


def _one_clear_error(outcome: Outcome) -> str:
    """Exit 1, a single `csp: ...` line on stderr, no traceback; returns that line."""
    assert outcome.code == 1, outcome
    assert "Traceback" not in outcome.err
    assert len(outcome.err_lines) == 1, outcome.err
    line = outcome.err_lines[0]
    assert line.startswith("csp: ")
    return line


def _flat(text: str) -> str:
    return " ".join(text.split())


def _line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of `path` holding `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _replace_line(source: Path, target: Path, needle: str, replacement: str) -> int:
    """Copy `source` to `target` with the first line holding `needle` replaced; its number."""
    lines = source.read_text(encoding="utf-8").splitlines()
    number = _line_of(source, needle)
    lines[number - 1] = replacement
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


def _tree(folder: Path) -> dict[str, tuple[float, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime, path.stat().st_size)
        for path in sorted(folder.rglob("*"))
    }


# --- 1. help ---------------------------------------------------------------------------------


def _command_paths(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _command_paths(sub, (*path, name))


COMMAND_PATHS = list(_command_paths(cli))


def test_the_command_tree_holds_every_documented_command() -> None:
    names = {" ".join(path) for path, _ in COMMAND_PATHS}

    assert {
        "db upgrade",
        "plan import",
        "plan show",
        "plan validate",
        "plan load",
        "plan diff",
        "run",
        "simulate",
        "status",
        "inbox parse",
        "inbox ingest",
        "inbox poll",
        "pack build",
        "updates list",
        "updates release",
    } <= names


@pytest.mark.parametrize(
    ("path", "command"), COMMAND_PATHS, ids=[" ".join(p) or "csp" for p, _ in COMMAND_PATHS]
)
def test_every_command_explains_itself_with_help(
    csp: Csp, path: tuple[str, ...], command: click.Command
) -> None:
    outcome = csp(*path, "--help")

    assert outcome.code == 0
    assert command.help and command.help.strip(), f"csp {' '.join(path)} has no description"
    first_paragraph = command.help.split("\n\n")[0]
    assert _flat(first_paragraph) in _flat(outcome.out)
    undocumented = [
        p.name for p in command.params if isinstance(p, click.Option) and not (p.help or "")
    ]
    assert not undocumented, f"options without help: {undocumented}"


# --- 2. import and show ----------------------------------------------------------------------


ISSUE_2_PLAN_KEYS = {"name", "period", "priorities"}
ISSUE_2_PRIORITY_KEYS = {"ref", "title", "lead", "outcomes", "actions"}
ISSUE_2_LEAD_KEYS = {"name", "title", "organisation", "email"}
ISSUE_2_ACTION_KEYS = {
    "ref",
    "action",
    "activity",
    "resources",
    "timescale",
    "lead_agency",
    "targets",
    "group",
    "milestones",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def imported_plan(csp: Csp, tmp_path: Path) -> Path:
    out = tmp_path / "imported.yaml"
    outcome = csp("plan", "import", PLAN_DOCUMENT, "--out", out)
    assert outcome.code == 0, outcome
    return out


def test_plan_import_writes_yaml_and_reports_what_it_found(csp: Csp, tmp_path: Path) -> None:
    out = tmp_path / "plans" / "lancaster.yaml"

    outcome = csp("plan", "import", PLAN_DOCUMENT, "--out", out)

    assert outcome.code == 0
    assert "5 priorities, 15 actions" in outcome.out
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [p["ref"] for p in written["priorities"]] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert not list(out.parent.glob("*.tmp"))


def test_plan_show_json_has_the_issue_shape_and_the_seed_plan(
    csp: Csp, imported_plan: Path
) -> None:
    outcome = csp("plan", "show", "--plan", imported_plan, "--json")

    assert outcome.code == 0
    plan = json.loads(outcome.out)
    assert plan.keys() >= ISSUE_2_PLAN_KEYS
    assert isinstance(plan["name"], str) and plan["name"]
    assert plan["period"] == {"start": "2011-04-01", "end": "2012-03-31"}
    priorities = plan["priorities"]
    assert [p["ref"] for p in priorities] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert [len(p["actions"]) for p in priorities] == [4, 3, 2, 3, 3]
    actions = {}
    for priority in priorities:
        assert priority.keys() >= ISSUE_2_PRIORITY_KEYS
        assert priority["lead"].keys() >= ISSUE_2_LEAD_KEYS
        assert priority["lead"]["name"] in LEADS
        assert isinstance(priority["outcomes"], list) and priority["outcomes"]
        for number, action in enumerate(priority["actions"], start=1):
            assert action.keys() >= ISSUE_2_ACTION_KEYS
            assert action["ref"] == f"{priority['ref']}.{number}"
            for milestone in action["milestones"]:
                assert set(milestone) >= {"label", "due"}
                assert ISO_DATE.match(milestone["due"])
            actions[action["ref"]] = action
    assert len(actions) == 15
    assert actions["3.1.4"]["milestones"] == [
        {"label": "Mapping", "due": "2011-05-31"},
        {"label": "MARAC Review", "due": "2011-09-30"},
    ]
    assert actions["3.5.1"]["group"] == "Reducing Reoffending"
    assert actions["3.1.1"]["group"] is None
    assert priorities[0]["lead"]["email"] == "helene.cooper@example.org"


def test_plan_show_table_lists_every_ref(csp: Csp, imported_plan: Path) -> None:
    json_outcome = csp("plan", "show", "--plan", imported_plan, "--json")
    refs = [
        ref
        for p in json.loads(json_outcome.out)["priorities"]
        for ref in [p["ref"], *(a["ref"] for a in p["actions"])]
    ]

    outcome = csp("plan", "show", "--plan", imported_plan)

    assert outcome.code == 0
    shown = {line.split()[0] for line in outcome.out.splitlines() if line.strip()}
    assert set(refs) <= shown
    assert "Reducing Reoffending" in outcome.out


def test_plan_show_without_plan_uses_the_one_in_the_config_folder(csp: Csp) -> None:
    outcome = csp("plan", "show", "--json")

    assert outcome.code == 0
    assert len(json.loads(outcome.out)["priorities"]) == 5


# --- 3. bad input ----------------------------------------------------------------------------


def test_importing_a_missing_document_is_one_clear_line(csp_process: Csp, tmp_path: Path) -> None:
    outcome = csp_process("plan", "import", "no-such-plan.txt", "--out", "plan.yaml")

    line = _one_clear_error(outcome)
    assert "no-such-plan.txt" in line and "not found" in line
    assert not (tmp_path / "plan.yaml").exists()


def test_importing_a_document_with_no_plan_is_one_clear_line(
    csp_process: Csp, tmp_path: Path
) -> None:
    (tmp_path / "minutes.txt").write_text("Minutes of the last meeting\nNothing to report.\n")

    outcome = csp_process("plan", "import", "minutes.txt", "--out", "plan.yaml")

    line = _one_clear_error(outcome)
    assert "minutes.txt" in line and "no action plan" in line
    assert not (tmp_path / "plan.yaml").exists()


def test_a_yaml_syntax_error_names_the_file_and_line(csp_process: Csp, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    line_number = _replace_line(
        SHIPPED_PLAN, broken, "title: Reduce Domestic Violence", "    title: Reduce: Violence"
    )

    outcome = csp_process("plan", "show", "--plan", broken)

    line = _one_clear_error(outcome)
    assert f"broken.yaml:{line_number}:" in line
    assert "YAML" in line


def test_a_duplicate_ref_names_both_lines_and_loads_nothing(
    csp_process: Csp, csp: Csp, tmp_path: Path
) -> None:
    duplicated = tmp_path / "duplicated.yaml"
    first = _line_of(SHIPPED_PLAN, "- ref: 3.1.1")
    second = _replace_line(SHIPPED_PLAN, duplicated, "- ref: 3.1.2", "      - ref: 3.1.1")
    assert csp("db", "upgrade").code == 0

    outcome = csp_process("plan", "load", duplicated)

    line = _one_clear_error(outcome)
    assert f"duplicated.yaml:{second}:" in line
    assert "3.1.1" in line and "twice" in line and f"line {first}" in line
    reloaded = csp("plan", "load", SHIPPED_PLAN)
    assert reloaded.out.startswith("loaded ")  # not "reloaded": nothing was half-written
    assert "15 added" in reloaded.out


def test_validate_lists_one_line_per_problem_and_exits_1(csp_process: Csp, tmp_path: Path) -> None:
    broken = tmp_path / "two-problems.yaml"
    text = SHIPPED_PLAN.read_text(encoding="utf-8")
    text = text.replace("- ref: 3.1.2", "- ref: 3.1.1", 1).replace("- ref: 3.2.3", "- ref: 9.9", 1)
    broken.write_text(text, encoding="utf-8")

    outcome = csp_process("plan", "validate", broken)

    assert outcome.code == 1
    assert "Traceback" not in outcome.err
    problems = [line for line in outcome.out.splitlines() if line.strip()]
    assert len(problems) == 2, outcome.out
    assert all(re.match(rf"^{re.escape(str(broken))}:\d+: ", p) for p in problems)
    assert "3.1.1" in problems[0] and "9.9" in problems[1]


def test_validate_a_yaml_syntax_error_exits_1(csp: Csp, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nperiod:\n  start: [\n", encoding="utf-8")

    outcome = csp("plan", "validate", broken)

    assert outcome.code == 1
    assert outcome.out.startswith(f"{broken}:")


def test_validate_accepts_the_shipped_plan(csp_process: Csp) -> None:
    outcome = csp_process("plan", "validate", SHIPPED_PLAN)

    assert outcome.code == 0, outcome
    assert outcome.out.strip() == "valid"


def test_an_unknown_command_is_a_usage_error_not_a_traceback(csp_process: Csp) -> None:
    outcome = csp_process("plan", "frobnicate")

    assert outcome.code == 2
    assert "Traceback" not in outcome.err
    assert "No such command" in outcome.err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "CSP_DATABASE_URL is not a database URL"),
        ("nosuchdb://localhost/x", "unknown database kind 'nosuchdb'"),
    ],
)
def test_a_bad_database_url_is_one_clear_line(
    csp: Csp, settings: dict[str, str], url: str, expected: str
) -> None:
    settings["CSP_DATABASE_URL"] = url

    line = _one_clear_error(csp("db", "upgrade"))

    assert expected in line


def test_an_unreachable_database_is_one_clear_line(csp: Csp, settings: dict[str, str]) -> None:
    settings["CSP_DATABASE_URL"] = "postgresql+psycopg://csp@127.0.0.1:1/csp"

    line = _one_clear_error(csp("db", "upgrade"))

    assert line.startswith("csp: database (CSP_DATABASE_URL): ")
    assert "127.0.0.1" in line


@pytest.mark.parametrize("command", [("status",), ("run",), ("db", "upgrade")], ids=" ".join)
def test_a_corrupt_database_file_is_one_line_naming_it_and_what_to_do(
    csp_process: Csp, tmp_path: Path, command: tuple[str, ...]
) -> None:
    # Given garbage where the SQLite database should be
    database = tmp_path / "data" / "csp.sqlite3"
    database.parent.mkdir()
    database.write_bytes(bytes(range(256)) * 32)

    # When a command opens it, as a user runs it
    line = _one_clear_error(csp_process(*command))

    # Then one line names the file, says what is wrong and how to recover
    assert line.startswith(f"csp: {database}: the database file is damaged")
    assert "restore it from a backup" in line


def test_a_database_path_that_cannot_be_opened_is_one_line_naming_it(
    csp: Csp, tmp_path: Path
) -> None:
    # Given a folder where the SQLite database file should be
    database = tmp_path / "data" / "csp.sqlite3"
    database.mkdir(parents=True)

    line = _one_clear_error(csp("status"))

    assert line.startswith(f"csp: {database}: the database file cannot be opened")


def test_a_data_folder_that_cannot_be_made_is_one_clear_line(
    csp: Csp, settings: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder\n")
    settings["CSP_DATA_DIR"] = str(tmp_path / "a-file" / "data")

    line = _one_clear_error(csp("db", "upgrade"))

    assert "a-file" in line


def test_an_output_path_that_is_a_folder_is_refused(csp: Csp, tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()

    outcome = csp("plan", "import", PLAN_DOCUMENT, "--out", tmp_path / "plans")

    assert outcome.code == 2
    assert "is a directory" in outcome.err


# --- 4. the database -------------------------------------------------------------------------


def test_plan_load_after_upgrade_loads_and_reloads_idempotently(csp: Csp) -> None:
    upgraded = csp("db", "upgrade")
    assert upgraded.code == 0
    assert "is at revision" in upgraded.out

    first = csp("plan", "load", SHIPPED_PLAN)
    second = csp("plan", "load", SHIPPED_PLAN)

    assert first.code == 0 and first.out.startswith("loaded ")
    assert "15 added, 0 updated, 0 archived" in first.out
    assert second.code == 0 and second.out.startswith("reloaded ")
    assert "0 added, 0 updated, 0 archived" in second.out


def test_an_action_removed_from_the_plan_is_archived_on_reload(csp: Csp, tmp_path: Path) -> None:
    csp("db", "upgrade")
    csp("plan", "load", SHIPPED_PLAN)
    smaller = tmp_path / "without-3.3.2.yaml"
    document = yaml.safe_load(SHIPPED_PLAN.read_text(encoding="utf-8"))
    road_safety = document["priorities"][2]["actions"]
    assert road_safety[-1]["ref"] == "3.3.2"
    road_safety.pop()
    smaller.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    outcome = csp("plan", "load", smaller)

    assert outcome.code == 0, outcome
    assert "0 added, 0 updated, 1 archived" in outcome.out
    assert "0 archived" in csp("plan", "load", smaller).out


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "load", SHIPPED_PLAN),
        ("status",),
        ("pack", "build", "--meeting", "2011-06-21"),
        ("inbox", "ingest", MAIL / "gmail.eml"),
        ("updates", "list"),
        ("updates", "release", "1"),
    ],
    ids=lambda args: " ".join(str(a) for a in args[:2]),
)
def test_commands_that_need_the_database_refuse_an_unupgraded_one(
    csp: Csp, args: tuple[object, ...]
) -> None:
    line = _one_clear_error(csp(*args))

    assert "csp db upgrade" in line


def test_db_current_says_what_is_needed(csp: Csp) -> None:
    before = csp("db", "current")
    csp("db", "upgrade")
    after = csp("db", "current")

    assert before.code == 0 and "current: none" in before.out
    current = after.out.split()[1]
    assert after.out.split() == ["current:", current, "needed:", current]


# --- 5. simulate -----------------------------------------------------------------------------


def test_simulate_json_lists_the_years_emails_in_time_order(csp: Csp, tmp_path: Path) -> None:
    before = _tree(tmp_path)
    config_before = _tree(SHIPPED_CONFIG)

    outcome = csp("simulate", "--from", "2011-04-01", "--to", "2012-03-31", "--json")

    assert outcome.code == 0
    emails = json.loads(outcome.out)
    assert isinstance(emails, list) and len(emails) == 83
    moments = []
    for email in emails:
        assert set(email) == {"at", "kind", "to", "subject", "meeting", "refs"}
        at = datetime.fromisoformat(email["at"])
        assert at.utcoffset() is not None, email["at"]
        assert re.search(r"[+-]\d{2}:\d{2}$", email["at"])
        assert email["kind"] in EMAIL_KINDS
        assert email["to"] and all("@" in address for address in email["to"])
        assert isinstance(email["subject"], str) and email["subject"]
        assert email["meeting"] is None or ISO_DATE.match(email["meeting"])
        assert all(isinstance(ref, str) for ref in email["refs"])
        moments.append(at)
    assert moments == sorted(moments)
    assert date(2011, 4, 1) <= moments[0].date() and moments[-1].date() <= date(2012, 3, 31)
    assert {e["kind"] for e in emails} == EMAIL_KINDS
    assert _tree(tmp_path) == before, "simulate wrote something"
    assert not (tmp_path / "data").exists()
    assert _tree(SHIPPED_CONFIG) == config_before


def test_simulate_text_lists_each_email_and_a_total(csp: Csp, tmp_path: Path) -> None:
    outcome = csp("simulate", "--from", "2011-04-01", "--to", "2012-03-31")

    assert outcome.code == 0
    lines = outcome.out.splitlines()
    assert lines[-1] == "83 emails"
    headers = [
        line for line in lines if re.match(r"^\w{3} \d{2} \w{3} \d{4} 09:00 (BST|GMT) ", line)
    ]
    assert len(headers) == 83
    assert "update_request" in outcome.out
    assert not (tmp_path / "data").exists()


def test_simulate_refuses_an_end_before_the_start(csp: Csp) -> None:
    outcome = csp("simulate", "--from", "2012-03-31", "--to", "2011-04-01")

    assert outcome.code == 2
    assert "before --from" in outcome.err


# --- 6. status -------------------------------------------------------------------------------


def _config_with_meeting_in(days: int, into: Path) -> Path:
    config = copy_example_config(into)
    meeting = date.today() + timedelta(days=days)
    (config / "meetings.yaml").write_text(
        "timezone: Europe/London\n"
        "meetings:\n"
        f"  - date: {meeting.isoformat()}\n"
        '    time: "10:00"\n'
        "    place: Lancaster Town Hall\n"
        "    title: Lancaster District Community Safety Partnership\n",
        encoding="utf-8",
    )
    return config


def test_status_json_has_the_meeting_who_replied_what_is_due_and_what_failed(
    csp: Csp, settings: dict[str, str], tmp_path: Path
) -> None:
    settings["CSP_CONFIG_DIR"] = str(_config_with_meeting_in(20, tmp_path))
    csp("db", "upgrade")

    outcome = csp("status", "--json")

    assert outcome.code == 0, outcome
    report = json.loads(outcome.out)
    assert {"next_meeting", "replied", "not_replied", "due_next_14_days", "failed"} <= set(report)
    assert report["next_meeting"]["date"] == (date.today() + timedelta(days=20)).isoformat()
    assert report["replied"] == []
    assert set(report["not_replied"]) == LEADS
    assert report["failed"] == []


def test_status_text_names_the_next_meeting(
    csp: Csp, settings: dict[str, str], tmp_path: Path
) -> None:
    settings["CSP_CONFIG_DIR"] = str(_config_with_meeting_in(20, tmp_path))
    csp("db", "upgrade")

    outcome = csp("status")

    assert outcome.code == 0
    assert outcome.out.startswith("next meeting: Lancaster District Community Safety Partnership")
    assert "not replied: " in outcome.out and "Helene Cooper" in outcome.out


def test_status_lists_each_update_held_for_personal_data_with_how_to_release_it(
    csp: Csp, settings: dict[str, str], tmp_path: Path
) -> None:
    # Given an update of Helene's held because its commentary has a phone number
    settings["CSP_CONFIG_DIR"] = str(_config_with_meeting_in(20, tmp_path))
    csp("db", "upgrade")
    held = RecordedUpdate(
        ref="3.1.4",
        status=Status.AMBER,
        text="victim now on 01524 582000",
        received_at=datetime(2012, 2, 23, 14, 0, tzinfo=UTC),
        sender="helene.cooper@example.org",
        lead_name="Helene Cooper",
        meeting=date(2012, 3, 20),
        held_for_review=True,
        personal_data_kinds=("phone number",),
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'csp.sqlite3'}")
    with SqlAlchemyUnitOfWork(session_factory(engine)) as uow:
        uow.updates.add_all([held])
        uow.commit()
    engine.dispose()

    # When the coordinator asks where things stand
    text, as_json = csp("status"), csp("status", "--json")

    # Then the held update is listed by its id, with what to run once it has been checked
    assert "held for personal data (check each, then: csp updates release ID):" in text.out
    assert "  update 1  3.1.4  from Helene Cooper: phone number" in text.out
    assert "01524" not in text.out
    assert json.loads(as_json.out)["held_updates"] == [
        {
            "id": 1,
            "ref": "3.1.4",
            "lead": "Helene Cooper",
            "meeting": "2012-03-20",
            "received_at": "2012-02-23T14:00:00+00:00",
            "personal_data": ["phone number"],
        }
    ]


# --- 7. inbox and pack -----------------------------------------------------------------------


def test_inbox_parse_json_has_the_issue_shape_and_reads_each_ref(csp: Csp) -> None:
    outcome = csp("inbox", "parse", MAIL / "outlook_desktop_top_posted.eml", "--json")

    assert outcome.code == 0
    reading = json.loads(outcome.out)
    assert set(reading) == {"classification", "token", "updates", "unstructured_text", "problems"}
    assert reading["classification"] == "reply"
    assert all(set(update) == {"ref", "status", "text"} for update in reading["updates"])
    statuses = {u["ref"]: u["status"].lower() for u in reading["updates"]}
    assert statuses == {"3.1.1": "complete", "3.1.2": "amber", "3.1.3": "red", "3.1.4": "green"}
    assert reading["problems"] == []


def test_inbox_parse_classifies_a_bounce(csp: Csp) -> None:
    outcome = csp("inbox", "parse", MAIL / "dsn_bounce.eml", "--json")

    assert outcome.code == 0
    reading = json.loads(outcome.out)
    assert reading["classification"] == "bounce"
    assert reading["updates"] == []


def test_inbox_parse_of_a_missing_file_is_one_clear_line(csp: Csp) -> None:
    line = _one_clear_error(csp("inbox", "parse", "nowhere.eml"))

    assert "nowhere.eml" in line


def test_inbox_ingest_of_an_unmatched_message_says_it_needs_review(csp: Csp) -> None:
    csp("db", "upgrade")

    first = csp("inbox", "ingest", MAIL / "gmail.eml")
    again = csp("inbox", "ingest", MAIL / "gmail.eml")

    assert first.code == 0
    assert "needs review" in first.out
    assert "Traceback" not in first.err
    assert again.code == 0 and "already recorded" in again.out


@pytest.mark.slow  # renders the whole pack
def test_pack_build_writes_html_and_pdf(csp: Csp, tmp_path: Path) -> None:
    csp("db", "upgrade")
    out = tmp_path / "pack-june"

    outcome = csp("pack", "build", "--meeting", "2011-06-21", "--out", out)

    assert outcome.code == 0, outcome
    assert (out / "pack.pdf").read_bytes().startswith(b"%PDF")
    html = (out / "pack.html").read_text(encoding="utf-8")
    assert "3.1.1" in html and "3.5.3" in html
    assert str(out / "pack.pdf") in outcome.out


def test_pack_build_for_a_day_without_a_meeting_is_one_clear_line(csp: Csp) -> None:
    csp("db", "upgrade")

    line = _one_clear_error(csp("pack", "build", "--meeting", "2011-06-22"))

    assert "2011-06-22" in line and "2011-06-21" in line


# --- the installed console script -------------------------------------------------------------


def test_the_console_script_runs_the_same_cli(tmp_path: Path, settings: dict[str, str]) -> None:
    script = Path(sys.executable).parent / "csp"
    if not script.exists():
        found = shutil.which("csp")
        if found is None:
            pytest.skip("the csp console script is not installed in this environment")
        script = Path(found)

    done = subprocess.run(
        [str(script), "plan", "validate", "missing.yaml"],
        cwd=tmp_path,
        env={**_clean_environment(), **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert done.stdout.strip() == "missing.yaml: file not found"
    assert "Traceback" not in done.stderr
