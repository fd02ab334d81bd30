"""singer-sdk's standard target tests for target-orderhub.

Three standard tests are replaced on purpose: singer-sdk expects a record without its key
property, an invalid SCHEMA message and a RECORD before its SCHEMA to abort the sync;
orderhub dead-letters them (``missing_key``, ``not_singer_message``) and goes on, because
one bad record or line must not stop a sync.
"""

from __future__ import annotations

import io
import tempfile
from importlib import resources
from pathlib import Path

from singer_sdk.testing import get_target_test_class
from sqlalchemy import select

from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine

WAREHOUSE = f"sqlite:///{Path(tempfile.mkdtemp(prefix='orderhub-sdk-')) / 'warehouse.db'}"
StandardTargetTests = get_target_test_class(
    TargetOrderhub, config={"warehouse_url": WAREHOUSE, "source_system": "sdk_tests"}
)


class TestTargetOrderhub(StandardTargetTests):  # type: ignore[misc,valid-type]
    """The standard suite, with orderhub's missing-key rule."""

    def test_target_record_missing_key_property(self, tmp_path: Path) -> None:
        stream = resources.files("singer_sdk.testing") / "target_test_streams"
        singer = (stream / "record_missing_key_property.singer").read_text()
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        target = TargetOrderhub(config={"warehouse_url": url, "source_system": "sdk_tests"})
        target.listen(io.StringIO(singer))
        with create_warehouse_engine(url).connect() as connection:
            letter = connection.execute(select(schema.dead_letters)).one()
        assert (letter.rule, letter.stream) == ("missing_key", "test_record_missing_key_property")
        assert letter.payload == {"metric": 8214}

    @staticmethod
    def _letters_of(name: str, tmp_path: Path) -> list:
        stream = resources.files("singer_sdk.testing") / "target_test_streams"
        singer = (stream / f"{name}.singer").read_text()
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        target = TargetOrderhub(config={"warehouse_url": url, "source_system": "sdk_tests"})
        target.listen(io.StringIO(singer))
        with create_warehouse_engine(url).connect() as connection:
            return list(connection.execute(select(schema.dead_letters)).all())

    def test_target_invalid_schema(self, tmp_path: Path) -> None:
        letters = self._letters_of("invalid_schema", tmp_path)
        assert [(row.rule, row.record_key) for row in letters] == [("not_singer_message", "line:1")]
        assert "schema" in letters[0].reason

    def test_target_record_before_schema(self, tmp_path: Path) -> None:
        letters = self._letters_of("record_before_schema", tmp_path)
        assert letters and all(row.rule == "not_singer_message" for row in letters)
        assert letters[0].record_key == "line:1"
        assert letters[0].payload["line"] == 1 and '"RECORD"' in letters[0].payload["text"]
