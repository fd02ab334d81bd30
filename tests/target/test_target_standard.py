"""singer-sdk's standard target tests for target-orderhub.

One standard test is replaced on purpose: singer-sdk expects a record without its key
property to abort the sync (MissingKeyPropertiesError); orderhub dead-letters it with the
rule ``missing_key`` and goes on, because one bad record must not stop a sync.
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
