"""The reader never stops on a line: each one is a message or an invalid line."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from orderhub.target.reader import InvalidLine, OrderhubReader

LINE = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30).map(
        lambda t: t.replace("\n", " ").replace("\r", " ")
    ),
    st.sampled_from(["", "NaN", "null", "[]", "{}", '{"type": 5}', '{"type": "RECORD"}']),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["RECORD", "SCHEMA", "STATE", "BOGUS"])},
        optional={
            "stream": st.one_of(st.text(max_size=3), st.none(), st.integers()),
            "record": st.one_of(st.none(), st.integers(), st.dictionaries(st.text(), st.text())),
            "schema": st.one_of(st.none(), st.just({"properties": {}})),
            "value": st.integers(),
        },
    ).map(json.dumps),
)


@given(st.lists(LINE, max_size=12))
def test_every_line_is_a_message_or_an_invalid_line(lines: list[str]) -> None:
    reader = OrderhubReader()
    invalid: list[InvalidLine] = []
    reader.on_invalid = invalid.append
    handled: list[dict[str, Any]] = []
    callbacks = {kind: handled.append for kind in ("RECORD", "SCHEMA", "STATE")}
    callbacks |= {"ACTIVATE_VERSION": handled.append, "BATCH": handled.append}
    stats = reader.process_lines(io.StringIO("".join(f"{line}\n" for line in lines)), callbacks)
    assert len(handled) + len(invalid) == len(lines) == sum(stats.values())
    assert [line.number for line in invalid] == sorted({line.number for line in invalid})
    for line in invalid:
        assert line.text == lines[line.number - 1]
