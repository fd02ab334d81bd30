"""The OData v2 query options the simulator understands, answered as SAP Gateway does.

``$filter`` is parsed into a small expression tree (``eq ne gt ge lt le``, ``and``,
``or``, ``not``, parentheses) and *type-checked against $metadata*: comparing an
``Edm.DateTimeOffset`` property with a ``datetime'...'`` literal (or a string) is the
"Invalid parametertype" error SAP answers, not a silent mismatch. Values are rendered as
OData v2 JSON: ``/Date(ms+0000)/``, decimals as strings with the property's scale,
``""`` for empty codes, ``__metadata`` on every entity and ``__deferred`` for every
navigation that was not expanded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from connectors.sap.edm import EPOCH, EdmProperty, EntityType

_TOKEN = re.compile(
    r"(?P<lit>(?:datetimeoffset|datetime|time|guid)'[^']*'|'(?:[^']|'')*')"
    r"|(?P<num>-?\d+(?:\.\d+)?[mMdDlLfF]?)"
    r"|(?P<lp>\()|(?P<rp>\))"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_/]*)"
    r"|(?P<ws>\s+)"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
#: The literal kind each property type accepts in a comparison.
_LITERAL_FOR = {
    "Edm.DateTimeOffset": "datetimeoffset",
    "Edm.DateTime": "datetime",
    "Edm.Time": "time",
    "Edm.String": "string",
    "Edm.Decimal": "number",
    "Edm.Double": "number",
    "Edm.Int32": "number",
    "Edm.Int64": "number",
    "Edm.Boolean": "boolean",
}


class QueryError(ValueError):
    """A query SAP would refuse; ``code`` and the message go into the error body."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.status = code, status


@dataclass(frozen=True)
class Literal:
    kind: str
    value: Any


Node = tuple[Any, ...]


def _literal(token: str) -> Literal:
    if token.startswith("'"):
        return Literal("string", token[1:-1].replace("''", "'"))
    prefix, _, rest = token.partition("'")
    text = rest[:-1]
    if prefix == "datetimeoffset":
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(text)
        return Literal("datetimeoffset", moment.astimezone(UTC))
    if prefix == "datetime":
        return Literal("datetime", datetime.fromisoformat(text).replace(tzinfo=UTC))
    return Literal(prefix, text)


def parse_filter(text: str, entity: EntityType) -> Node:
    """The expression tree of a ``$filter``; raises :class:`QueryError` like SAP."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid token at position {position}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group(), position))
        position = match.end()
    index = 0

    def peek() -> tuple[str, str, int] | None:
        return tokens[index] if index < len(tokens) else None

    def take() -> tuple[str, str, int]:
        nonlocal index
        if index >= len(tokens):
            raise QueryError("/IWBEP/CM_MGW_RT/004", "Unexpected end of $filter")
        index += 1
        return tokens[index - 1]

    def comparison() -> Node:
        kind, word, at = take()
        if kind == "lp":
            node = disjunction()
            if take()[0] != "rp":
                raise QueryError("/IWBEP/CM_MGW_RT/004", f"Missing ')' (Position: {at})")
            return node
        if kind == "word" and word == "not":
            return ("not", comparison())
        if kind != "word" or word not in entity.properties:
            raise QueryError(
                "/IWBEP/CM_MGW_RT/022",
                f"Property {word} not found in type {entity.name}",
            )
        prop = entity.properties[word]
        _, op, op_at = take()
        if op not in COMPARISONS:
            raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid operator {op!r} (Position: {op_at})")
        lit_kind, token, _ = take()
        if lit_kind == "lit":
            try:
                literal = _literal(token)
            except ValueError:
                raise QueryError(
                    "/IWBEP/CM_MGW_RT/004", f"Invalid literal {token} (Position: {op_at})"
                ) from None
        elif lit_kind == "num":
            literal = Literal("number", Decimal(token.rstrip("mMdDlLfF")))
        elif token in {"true", "false"}:
            literal = Literal("boolean", token == "true")
        elif token == "null":
            literal = Literal("null", None)
        else:
            raise QueryError("/IWBEP/CM_MGW_RT/004", f"Invalid literal {token}")
        if literal.kind not in {"null", _LITERAL_FOR.get(prop.type, "string")}:
            raise QueryError(
                "/IWBEP/CM_MGW_RT/022",
                f"Invalid parametertype used at function '{op}' (Position: {op_at})",
            )
        return ("cmp", op, prop, literal)

    def conjunction() -> Node:
        node = comparison()
        while (nxt := peek()) and nxt[1] == "and":
            take()
            node = ("and", node, comparison())
        return node

    def disjunction() -> Node:
        node = conjunction()
        while (nxt := peek()) and nxt[1] == "or":
            take()
            node = ("or", node, conjunction())
        return node

    tree = disjunction()
    if peek() is not None:
        raise QueryError("/IWBEP/CM_MGW_RT/004", f"Unexpected token at position {peek()[2]}")  # type: ignore[index]
    return tree


def _comparable(prop: EdmProperty, value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    if prop.type == "Edm.String":
        return "" if value is None else str(value)
    return value


def matches(node: Node, row: dict[str, Any]) -> bool:
    """Whether ``row`` (Python values) satisfies the filter tree."""
    if node[0] == "and":
        return matches(node[1], row) and matches(node[2], row)
    if node[0] == "or":
        return matches(node[1], row) or matches(node[2], row)
    if node[0] == "not":
        return not matches(node[1], row)
    _, op, prop, literal = node
    value = _comparable(prop, row.get(prop.name))
    other = literal.value
    if prop.type == "Edm.String" and other is None:
        other = ""
    if value is None or other is None:
        return (op == "eq") == (value is None and other is None) if op in {"eq", "ne"} else False
    return {
        "eq": value == other,
        "ne": value != other,
        "gt": value > other,
        "ge": value >= other,
        "lt": value < other,
        "le": value <= other,
    }[op]


def sort_key(orderby: str, entity: EntityType) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A sort key for ``$orderby`` (ascending; nulls first, as HANA sorts them)."""
    names = [part.strip().split()[0] for part in orderby.split(",") if part.strip()]
    for part in orderby.split(","):
        if len(part.split()) > 1 and part.split()[1] != "asc":
            raise QueryError("/IWBEP/CM_MGW_RT/004", "the simulator sorts ascending only")
    for name in names:
        if name not in entity.properties:
            raise QueryError(
                "/IWBEP/CM_MGW_RT/022", f"Property {name} not found in type {entity.name}"
            )

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for name in names:
            value = _comparable(entity.properties[name], row.get(name))
            values.append((value is not None, value if value is not None else 0))
        return tuple(values)

    return key


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // (EPOCH.resolution * 1000)


def render_value(prop: EdmProperty, value: Any) -> Any:
    """A Python value as OData v2 JSON sends it for the property's Edm type."""
    if prop.type == "Edm.String":
        return "" if value is None else str(value)
    if prop.type == "Edm.Decimal":
        if isinstance(value, str):
            return value  # a deliberately malformed value (bad input injection)
        number = Decimal(value if value is not None else 0)
        return str(number.quantize(Decimal(1).scaleb(-(prop.scale or 0))))
    if prop.type == "Edm.Boolean":
        return bool(value)
    if prop.type in {"Edm.DateTimeOffset", "Edm.DateTime"}:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if not isinstance(value, datetime):
            value = datetime.combine(value, time(), tzinfo=UTC)
        ms = _ms(value)
        return f"/Date({ms}+0000)/" if prop.type == "Edm.DateTimeOffset" else f"/Date({ms})/"
    if prop.type == "Edm.Time":
        at = value or time()
        return f"PT{at.hour:02d}H{at.minute:02d}M{at.second:02d}S"
    return value


def parse_expand(text: str | None) -> dict[str, Any]:
    """``a,a/b,c`` as a tree ``{"a": {"b": {}}, "c": {}}``."""
    tree: dict[str, Any] = {}
    for path in (text or "").split(","):
        node = tree
        for part in filter(None, path.strip().split("/")):
            node = node.setdefault(part, {})
    return tree
