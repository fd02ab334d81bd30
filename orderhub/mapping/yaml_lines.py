"""YAML loading that remembers line numbers, so spec errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orderhub.exceptions import MappingSpecError


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence from YAML that knows its line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        # Keys become text: spec fields and source codes are compared as text.
        mapping = LineDict(
            {str(key): value for key, value in super().construct_mapping(node, deep=True).items()}
        )
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        sequence = LineList(super().construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [item.start_mark.line + 1 for item in node.value]
        return sequence


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file into LineDict/LineList; syntax errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingSpecError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise MappingSpecError(f"YAML syntax: {exc.problem}", file=str(path), line=line) from None


def line_of(document: Any, location: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node along ``location`` (a pydantic error ``loc``)."""
    node, line = document, getattr(document, "line", None)
    for step in location:
        if isinstance(node, LineDict) and isinstance(step, str) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
