"""Files as Excel, Word and Notepad save them: UTF-8 with a byte-order mark and UTF-16 are read
like plain UTF-8; any other encoding is one line saying how to save the file; a bare 10:00 in
YAML is the time it says, in every command."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from plan_documents import MARKDOWN

from scheduler.cli.main import main
from scheduler.domain.errors import ConfigError
from scheduler.services.configuration import read_configuration, read_statistics
from tests.service_harness import copy_example_config

SAVE_HINT = "save it as CSV UTF-8 (or UTF-8 text)"


def _resave(path: Path, encoding: str, *, mark: bytes = b"") -> None:
    path.write_bytes(mark + path.read_text(encoding="utf-8").encode(encoding))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_example_config(tmp_path)


def test_statistics_saved_as_excel_csv_utf8_keep_their_indicator_column(
    config_dir: Path,
) -> None:
    # Given the statistics saved by Excel as "CSV UTF-8": a byte-order mark, then the header
    csv_path = next((config_dir / "statistics").glob("*.csv"))
    before = read_statistics(config_dir)
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    without_notes = "".join(line for line in lines if not line.startswith("#"))
    csv_path.write_bytes(codecs.BOM_UTF8 + without_notes.encode("utf-8"))
    # Then every indicator is read as before
    assert read_statistics(config_dir) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_yaml_and_csv_saved_as_utf16_with_a_mark_are_read(config_dir: Path, encoding: str) -> None:
    expected = read_configuration(config_dir)
    mark = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    for path in [config_dir / "people.yaml", *(config_dir / "plans").glob("*.yaml")]:
        _resave(path, encoding, mark=mark[encoding])
    csv_path = next((config_dir / "statistics").glob("*.csv"))
    statistics = read_statistics(config_dir)
    _resave(csv_path, encoding, mark=mark[encoding])

    assert read_configuration(config_dir).plans == expected.plans
    assert read_configuration(config_dir).people == expected.people
    assert read_statistics(config_dir) == statistics


def test_a_windows_1252_file_is_one_line_saying_how_to_save_it(config_dir: Path) -> None:
    people = config_dir / "people.yaml"
    text = people.read_text(encoding="utf-8").replace("Kyran Ronson", "Kyran Rons\u00f3n")
    people.write_bytes(text.encode("cp1252"))

    with pytest.raises(ConfigError) as raised:
        read_configuration(config_dir)

    line = next(n for n, row in enumerate(text.splitlines(), 1) if "Rons\u00f3n" in row)
    assert str(raised.value) == f"{people}:{line}: not UTF-8 text: {SAVE_HINT}"


def test_a_statistics_csv_in_excels_default_encoding_is_one_line(config_dir: Path) -> None:
    csv_path = next((config_dir / "statistics").glob("*.csv"))
    csv_path.write_bytes("indicator,period\nCaf\u00e9 visits,2011/12 Q1\n".encode("cp1252"))

    with pytest.raises(ConfigError, match="not UTF-8 text: save it as CSV UTF-8"):
        read_statistics(config_dir)


def test_a_plan_document_saved_as_unicode_text_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "plan.txt"
    document.write_bytes(MARKDOWN.encode("utf-16"))
    monkeypatch.chdir(tmp_path)

    code = main(["plan", "import", str(document), "--out", str(tmp_path / "plan.yaml")])

    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "wrote" in out and "from markdown" in out
    assert "priorities" in out and not out.startswith("wrote 0")


def test_an_unquoted_meeting_time_is_read_the_same_by_simulate_and_the_configuration(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    meetings = config_dir / "meetings.yaml"
    meetings.write_text(meetings.read_text(encoding="utf-8").replace('"10:00"', "10:00"))
    for key in [k for k in os.environ if k.startswith("CSP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CSP_CONFIG_DIR", str(config_dir))

    code = main(["simulate", "--from", "2011-04-01", "--to", "2012-03-31"])

    assert code == 0
    assert capsys.readouterr().out.rstrip().endswith("83 emails")
    assert {m.time.isoformat() for m in read_configuration(config_dir).meetings} == {"10:00:00"}
