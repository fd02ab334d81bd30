"""``orderhub remap``: apply the current mapping specs to history from raw_records.

Nothing is fetched from the source. raw_records holds the latest payload of every
record, which is what a fresh full sync would read now, so remap re-derives: each
record it re-maps leaves the warehouse as a fresh load of that payload would (statuses
and status history included; see :class:`orderhub.warehouse.order_status.OrderStatusKeeper`).
A correction is never a source transition.

By default records already mapped by the current version of their spec are skipped, so
a remap after a spec edit touches only what the edit can change, and running it twice
does nothing the second time. ``everything=True`` re-derives every record, e.g. after
syncs ran under a new spec before its remap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update

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


def _forget_mapped_versions(connection: Connection, source: str, streams: list[str]) -> None:
    """Mark every record of the streams as not mapped yet, so the remap takes them all.

    Committed with the first batch: a remap that dies half way leaves the rest marked,
    and the next remap (with or without ``everything``) finishes them.
    """
    table = schema.raw_records
    connection.execute(
        update(table)
        .where(table.c.source_system == source, table.c.stream.in_(streams))
        .values(mapped_version=None)
    )


def remap(
    engine: Engine,
    source: str,
    *,
    streams: list[str] | None = None,
    mappings_dir: Path | None = None,
    batch_size: int = 5000,
    on_batch: Callable[[str, int], None] | None = None,
    everything: bool = False,
) -> dict[str, LoadCounts]:
    """Re-derive a source's raw records through the current specs; commits per batch.

    The run is recorded in sync_runs as pipeline ``remap/<source>`` with the same counts
    as a sync, refused status transitions included. A remap stopped half way keeps what
    it committed and its run says so (cancelled or failed); running it again finishes.
    """
    run_id = new_run_id()
    transaction = LoadTransaction(engine, run_id=run_id, rederive=True)
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
        transaction.commit()
        loader = StreamLoader(source, transaction, mappings_dir)
        chosen = streams or landed_streams(engine, source)
        if everything:
            _forget_mapped_versions(transaction.connection, source, chosen)
        for stream in chosen:
            _remap_stream(loader, stream, batch_size, on_batch)
    except BaseException as exc:
        transaction.close()  # roll back the unfinished batch before the run row is closed
        stopped = isinstance(exc, KeyboardInterrupt | SystemExit)
        _close_run(engine, run_id, "cancelled" if stopped else "failed", _stop_message(exc))
        raise
    transaction.close()
    _close_run(engine, run_id, "succeeded", None)
    return loader.counts


def _remap_stream(
    loader: StreamLoader,
    stream: str,
    batch_size: int,
    on_batch: Callable[[str, int], None] | None,
) -> None:
    """Re-derive one stream's raw records in batches of ``batch_size``, each committed."""
    transaction, table = loader.transaction, schema.raw_records
    last_id = 0
    while True:
        rows = transaction.connection.execute(
            select(table.c.id, table.c.record_key, table.c.payload)
            .where(
                table.c.source_system == loader.source,
                table.c.stream == stream,
                table.c.id > last_id,
            )
            .order_by(table.c.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        loader.load_landed(stream, [(row.record_key, row.payload) for row in rows])
        transaction.save_counts(loader.counts)
        transaction.commit()
        if on_batch:
            on_batch(stream, len(rows))


def _stop_message(exc: BaseException) -> str:
    """Why the remap stopped, without the exception's text (it may quote payloads)."""
    return (
        f"remap stopped ({type(exc).__name__}); what it committed stays. "
        "Run `orderhub remap` again to finish."
    )


def _close_run(engine: Engine, run_id: str, status: str, message: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(schema.sync_runs)
            .where(schema.sync_runs.c.run_id == run_id)
            .values(status=status, message=message, finished_at=datetime.now(UTC))
        )
