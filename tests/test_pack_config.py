"""config/pack.yaml: the pack's partnership, marking, agenda and thresholds."""

from __future__ import annotations

import pytest
from pack_examples import lancaster_config

from scheduler.domain.errors import ConfigError
from scheduler.domain.pack.settings import AgendaSection, load_pack_config


def test_the_shipped_config_names_the_partnership_marking_and_thresholds() -> None:
    config = lancaster_config()

    assert config.partnership == "Lancaster District Community Safety Partnership"
    assert config.protective_marking == "OFFICIAL"
    assert config.small_number_threshold == 5 and config.amber_within_percent == 5
    assert [i.section for i in config.agenda].count(AgendaSection.PRIORITIES) == 1
    assert config.agenda[0].title == "Welcome and apologies"


def test_defaults_fill_what_the_file_leaves_out() -> None:
    config = load_pack_config("partnership: Example CSP\n", "pack.yaml")

    assert config.protective_marking == "OFFICIAL"
    assert config.agenda[-1].title == "Date of next meeting"
    assert config.small_number_threshold == 5


def test_a_private_agenda_item_is_read() -> None:
    text = "partnership: X\nagenda:\n  - Welcome\n  - title: Case review\n    private: true\n"

    config = load_pack_config(text, "pack.yaml")

    assert [(i.title, i.private) for i in config.agenda] == [
        ("Welcome", False),
        ("Case review", True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("partnership: X\ncolour: blue\n", "pack.yaml:2: unknown 'colour'"),
        ("protective_marking: OFFICIAL\n", "pack.yaml:1: partnership is required"),
        (
            "partnership: X\nagenda:\n  - title: Stats\n    section: graphs\n",
            "pack.yaml:4: section",
        ),
        ("partnership: X\nagenda:\n  - section: statistics\n", "pack.yaml:3: title is required"),
        ("partnership: X\nstatistics:\n  small_number_threshold: lots\n", "pack.yaml:3: small_"),
        ("partnership: [X\n", "pack.yaml:2: YAML syntax error"),
    ],
)
def test_mistakes_are_reported_with_their_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_pack_config(text, "pack.yaml")

    assert str(raised.value).startswith(message)
