"""What the simulator seeds from (sample_data.yml) and how it writes rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

SAMPLE: dict[str, Any] = yaml.safe_load(Path(__file__).with_name("sample_data.yml").read_text())


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows in batches; a column a row leaves out is NULL (executemany needs one shape)."""
    names = [c.name for c in table.columns]
    for start in range(0, len(rows), 5000):
        batch = [{name: row.get(name) for name in names} for row in rows[start : start + 5000]]
        connection.execute(table.insert(), batch)
