"""``orderhub remap``: apply the current mapping specs to history from raw_records.

Nothing is fetched from the source. Records whose raw payload was already mapped by the
current version of their spec are skipped, so a remap after a spec edit touches only
what the edit can change, and running it twice does nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from orderhub.loading import StreamLoader
from orderhub.warehouse import schema
from orderhub.warehouse.loader import LoadTransaction
from orderhub.warehouse.records import LoadCounts, new_run_id


def landed_streams(engine: Engine, source: str) -> list[str]:
    """The streams of a source that have raw records."""
    table = schema.raw_records
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(table.c.stream).where(table.c.source_system == source).distinct()
            ).scalars()
        )


def remap(
    engine: Engine,
    source: str,
    *,
    streams: list[str] | None = None,
    mappings_dir: Path | None = None,
    batch_size: int = 5000,
    on_batch: Callable[[str, int], None] | None = None,
) -> dict[str, LoadCounts]:
    """Re-map a source's raw records through the current specs; commits per batch."""
    run_id = new_run_id()
    transaction = LoadTransaction(engine, run_id=run_id, rederive=True)
    table = schema.raw_records
    try:
        transaction.connection.execute(
            insert(schema.sync_runs).values(
                run_id=run_id,
                pipeline=f"remap/{source}",
                source_system=source,
                status="running",
                started_at=datetime.now(UTC),
            )
        )
        loader = StreamLoader(source, transaction, mappings_dir)
        for stream in streams or landed_streams(engine, source):
            last_id = 0
            while True:
                rows = transaction.connection.execute(
                    select(table.c.id, table.c.record_key, table.c.payload)
                    .where(
                        table.c.source_system == source,
                        table.c.stream == stream,
                        table.c.id > last_id,
                    )
                    .order_by(table.c.id)
                    .limit(batch_size)
                ).all()
                if not rows:
                    break
                last_id = rows[-1].id
                loader.load_landed(stream, [(row.record_key, row.payload) for row in rows])
                transaction.save_counts(loader.counts)
                transaction.commit()
                if on_batch:
                    on_batch(stream, len(rows))
        transaction.connection.execute(
            update(schema.sync_runs)
            .where(schema.sync_runs.c.run_id == run_id)
            .values(status="succeeded", finished_at=datetime.now(UTC))
        )
        transaction.commit()
        return loader.counts
    finally:
        transaction.close()
