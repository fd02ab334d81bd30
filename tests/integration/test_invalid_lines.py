"""Input lines that are not Singer messages are recorded, counted, and never fatal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from orderhub.exceptions import ConfigurationError
from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from tests.integration.test_target_load import count
from tests.shopify_records import order, schema_message, state_message

BAD_LINES = [
    "",  # blank
    '{"type": "RECORD", "stream": "orders", "record": {"id": ',  # broken JSON
    "NaN",
    '{"type": "RECORD", "stream": "orders", "record": NaN}',
    '{"type": "NOT_A_TYPE", "stream": "orders"}',
    '{"stream": "orders", "record": {}}',  # no type
    "[1, 2]",
    '{"type": "RECORD", "stream": "never_declared", "record": {"id": "1"}}',
    '{"type": "RECORD", "stream": "orders"}',  # no record
    '{"type": "SCHEMA", "stream": "orders", "schema": "not an object"}',
    '{"type": "STATE"}',
    "nul \x00 in the text",
    '{"type": "STATE", "value": {"bookmark": "a\\u0000b"}}',  # unstorable state
    '{"type": "SCHEMA", "stream": "orders", "schema": {"properties": {}}, '
    '"key_properties": [["id"]]}',
    # A state the tap could not resume from would break every later sync.
    '{"type": "STATE", "value": [1]}',
    '{"type": "STATE", "value": "x"}',
    '{"type": "STATE", "value": {"bookmarks": [1]}}',
    # A BATCH whose manifest names a file that is not there.
    '{"type": "BATCH", "stream": "orders", "encoding": {"format": "jsonl"}, '
    '"manifest": ["file:///nonexistent/orderhub-batch.jsonl"]}',
]


def run_lines(url: str, text: str, **config: object) -> TargetOrderhub:
    target = TargetOrderhub(
        config={"warehouse_url": url, "source_system": "shopify", **config}, validate_config=True
    )
    target.listen(io.StringIO(text))
    return target


def test_every_invalid_line_is_dead_lettered_with_its_number(
    warehouse: Engine, warehouse_url: str
) -> None:
    head = [
        json.dumps(schema_message()),
        json.dumps({"type": "RECORD", "stream": "orders", "record": order(1)}),
    ]
    tail = [
        json.dumps({"type": "RECORD", "stream": "orders", "record": order(2)}),
        json.dumps(state_message({"orders": "2024-05-01T10:02:00Z"})),
    ]
    text = "\n".join([*head, *BAD_LINES, *tail]) + "\n"
    target = run_lines(warehouse_url, text)
    assert count(warehouse, schema.orders) == 2
    with warehouse.connect() as connection:
        letters = connection.execute(select(schema.dead_letters)).all()
        run = connection.execute(select(schema.sync_runs)).one()
    by_key = {row.record_key: row for row in letters}
    expected = {f"line:{n}" for n in range(3, 3 + len(BAD_LINES))}
    assert set(by_key) == expected
    assert all(row.rule == "not_singer_message" for row in letters)
    for number, line in enumerate(BAD_LINES, start=3):
        payload = by_key[f"line:{number}"].payload
        kept = (
            json.loads(payload["_orderhub_unstorable_json"])
            if "_orderhub_unstorable_json" in payload
            else payload
        )
        assert kept == {"line": number, "text": line}
    assert "never_declared" in by_key["line:10"].reason
    assert by_key["line:10"].stream == "never_declared"
    assert target.invalid_messages == len(BAD_LINES)
    assert run.invalid_messages == len(BAD_LINES)
    assert run.status == "succeeded_with_errors"


def test_a_clean_input_ends_succeeded(warehouse: Engine, warehouse_url: str) -> None:
    text = "\n".join(
        json.dumps(m)
        for m in [schema_message(), {"type": "RECORD", "stream": "orders", "record": order(1)}]
    )
    run_lines(warehouse_url, text + "\n")
    with warehouse.connect() as connection:
        run = connection.execute(select(schema.sync_runs)).one()
    assert (run.status, run.invalid_messages) == ("succeeded", 0)


def test_the_count_is_committed_with_the_data_of_a_run_the_target_does_not_own(
    warehouse: Engine, warehouse_url: str
) -> None:
    """`orderhub sync` owns its run: the target only commits the count into sync_runs."""
    run_id = "00000000-0000-0000-0000-000000000001"
    text = "\n".join(
        [json.dumps(schema_message()), "garbage", json.dumps(state_message({"orders": "x"}))]
    )
    run_lines(warehouse_url, text + "\n", run_id=run_id)
    with warehouse.connect() as connection:
        run = connection.execute(select(schema.sync_runs)).one()
    assert (run.run_id, run.invalid_messages, run.status) == (run_id, 1, "running")


def test_names_longer_than_their_columns_are_a_configuration_error(sqlite_url: str) -> None:
    with pytest.raises(ConfigurationError, match="source_system is 65 characters long"):
        run_lines(sqlite_url, "", source_system="s" * 65)


def test_a_batch_that_cannot_be_read_costs_one_line(
    warehouse: Engine, warehouse_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(order(2)) + "\n")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(order(3)) + "\n{not json\n")
    not_gzip = tmp_path / "plain.jsonl"
    not_gzip.write_text(json.dumps(order(4)) + "\n")

    def batch(path: Path, **encoding: str) -> str:
        message = {
            "type": "BATCH",
            "stream": "orders",
            "encoding": {"format": "jsonl", **encoding},
            "manifest": [path.as_uri()],
        }
        return json.dumps(message)

    lines = [
        json.dumps(schema_message()),
        json.dumps({"type": "RECORD", "stream": "orders", "record": order(1)}),
        batch(good),
        batch(broken),
        batch(not_gzip, compression="gzip"),
        json.dumps({"type": "RECORD", "stream": "orders", "record": order(5)}),
        json.dumps(state_message({"orders": "2024-05-01T10:05:00Z"})),
    ]
    target = run_lines(warehouse_url, "\n".join(lines) + "\n")
    with warehouse.connect() as connection:
        ids = set(connection.execute(select(schema.orders.c.source_id)).scalars())
        letters = {r.record_key: r.reason for r in connection.execute(select(schema.dead_letters))}
        run = connection.execute(select(schema.sync_runs)).one()
    assert {"1", "2", "5"} <= ids and "4" not in ids
    assert set(letters) == {"line:4", "line:5"}
    assert all("BATCH manifest could not be read" in reason for reason in letters.values())
    assert target.invalid_messages == 2 and run.status == "succeeded_with_errors"
