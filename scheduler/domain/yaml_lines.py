"""YAML loading that remembers line numbers, so config errors can say where they are."""

from __future__ import annotations

import gc
import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scheduler.domain.errors import ConfigError, LocatedError

_INT_TAG = "tag:yaml.org,2002:int"
_CLOCK_TIME = re.compile(r"[0-9]{1,2}:[0-5][0-9]")


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of `key` when present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML that knows its own line and each item's line (1-based)."""

    line: int = 0
    item_lines: list[int]


def unknown_keys(mapping: LineDict, known: Collection[str]) -> list[str]:
    """The keys of `mapping` its reader does not know, in file order.

    A misspelt key must be reported, never silently ignored: every YAML reader asks this.
    """
    return [key for key in mapping if key not in known]


def unknown_key_message(key: str, what: str, known: Iterable[str]) -> str:
    """The readers' usual words for an unknown key, naming the keys they do know."""
    return f"unknown key {key!r} in {what} (expected one of: {', '.join(known)})"


# libyaml's parser when PyYAML was built with it: several times faster on a large plan, and
# its nodes carry the same line marks. Its error messages are worded differently, so a text
# it refuses is parsed again by the pure-Python parser to say what is wrong.
_STR_TAG = "tag:yaml.org,2002:str"
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct(node: Node, source: str, scalars: SafeConstructor) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        mapping = LineDict()
        mapping.line = line
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, source, scalars)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise LocatedError(source, key_node.start_mark.line + 1, "a key must be plain text")
            key_text = str(key)
            if key_text in mapping:
                raise LocatedError(
                    source, key_node.start_mark.line + 1, f"key {key_text!r} appears twice"
                )
            mapping[key_text] = _construct(value_node, source, scalars)
            mapping.key_lines[key_text] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, SequenceNode):
        items = LineList(_construct(child, source, scalars) for child in node.value)
        items.line = line
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items
    assert isinstance(node, ScalarNode)
    if node.tag == _STR_TAG:  # most of a plan: text is its own value
        return node.value
    if node.tag == _INT_TAG and not node.style and _CLOCK_TIME.fullmatch(node.value):
        # YAML 1.1 reads a bare 10:00 as the base-60 number 600; everyone means a time. (A
        # plain scalar's style is None from the pure parser and "" from libyaml's.)
        return node.value
    try:  # resolve the scalar as safe_load would (int, date, bool, str)
        return scalars.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:
        raise LocatedError(source, line, f"unreadable value: {exc}") from None


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text; mappings become LineDict and sequences LineList.

    Raises LocatedError(source, line, ...) for syntax errors and duplicate keys.
    """
    with _collector_paused():
        try:
            node = _compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            raise LocatedError(source, line, f"YAML syntax error: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise LocatedError(source, None, f"YAML error: {exc}") from None
        if node is None:
            return None
        value = _construct(node, source, SafeConstructor())
        del node  # freed now, so the collector, running again, never walks the nodes
        return value


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a tree is built: a large plan is hundreds of
    thousands of nodes, in no cycle, and the collector would walk the growing heap again and
    again (most of the time the load took). Refcounting frees the nodes as ever."""
    was_running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_running:
            gc.enable()


def _compose(text: str) -> Node | None:
    """The text's node tree; a YAMLError as the pure-Python parser words it."""
    try:
        node: Node | None = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # raises, with its wording
    return node


def load_config_yaml(text: str, source: str) -> Any:
    """load_yaml, with its syntax errors reported as configuration errors."""
    try:
        return load_yaml(text, source)
    except LocatedError as error:
        raise ConfigError(error.source, error.line, error.message) from None
