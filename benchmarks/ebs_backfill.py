"""Oracle EBS backfill and incremental sync through the real pipeline, against COPY.

Builds an EBS-shaped PostgreSQL source (OE_ORDER_HEADERS_ALL with 4 lines per order in
OE_ORDER_LINES_ALL, DATEs in America/Los_Angeles wall time), then, in the same run:
  1. backfills it with `orderhub sync` (SyncRunner: tap-oracle-ebs | target-orderhub, two
     processes) into a PostgreSQL warehouse, reporting lines/s and the peak RSS of each;
  2. copies the same lines with a plain `COPY (SELECT ... lines JOIN headers) TO STDOUT`
     -> `COPY ... FROM STDIN` into a scratch table of the warehouse database (the floor);
  3. changes 1,000 lines (a line change does not touch its header, as in EBS) and times
     the incremental sync.
Steps 1-3 run at a tenth of --lines and at --lines, so the incremental's cost can be
compared across table sizes: it should follow the changes, not the table.

Usage: python benchmarks/ebs_backfill.py [--lines 1000000] [--changes 1000] [--pg URL]
Prints a table; nothing is asserted (speed is reported, not tested).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.oracle_ebs.clock import ServerClock  # noqa: E402
from connectors.oracle_ebs.schema import metadata  # noqa: E402
from orderhub.runner.settings import PipelineSettings, Settings  # noqa: E402
from orderhub.runner.sync import SyncRunner  # noqa: E402
from orderhub.warehouse.engine import create_warehouse_engine, migrate  # noqa: E402

ZONE = "America/Los_Angeles"
LINES_PER_ORDER = 4

SEED_HEADERS = """
INSERT INTO "OE_ORDER_HEADERS_ALL" ("HEADER_ID", "ORG_ID", "ORDER_NUMBER", "ORDER_TYPE_ID",
  "ORDER_CATEGORY_CODE", "ORDER_SOURCE_ID", "CUST_PO_NUMBER", "SOLD_TO_ORG_ID",
  "TRANSACTIONAL_CURR_CODE", "FLOW_STATUS_CODE", "OPEN_FLAG", "BOOKED_FLAG", "CANCELLED_FLAG",
  "ORDERED_DATE", "BOOKED_DATE", "CREATION_DATE", "CREATED_BY", "LAST_UPDATE_DATE",
  "LAST_UPDATED_BY")
SELECT 100000 + g, CASE WHEN g %% 2 = 0 THEN 204 ELSE 458 END, 60000 + g, 1430, 'ORDER', 0,
  'PO-' || g, 3000 + g %% 500, 'USD', 'BOOKED', 'Y', 'Y', 'N', t, t, t, 0, t, 0
FROM generate_series(1, %(orders)s) AS g,
  LATERAL (SELECT %(start)s::timestamp + g * interval '2 seconds' AS t) AS times
"""
SEED_LINES = """
INSERT INTO "OE_ORDER_LINES_ALL" ("LINE_ID", "HEADER_ID", "ORG_ID", "LINE_NUMBER",
  "SHIPMENT_NUMBER", "LINE_CATEGORY_CODE", "INVENTORY_ITEM_ID", "ORDERED_ITEM",
  "ORDER_QUANTITY_UOM", "ORDERED_QUANTITY", "CANCELLED_QUANTITY", "UNIT_LIST_PRICE",
  "UNIT_SELLING_PRICE", "FLOW_STATUS_CODE", "OPEN_FLAG", "CANCELLED_FLAG", "CREATION_DATE",
  "CREATED_BY", "LAST_UPDATE_DATE", "LAST_UPDATED_BY")
SELECT 500000 + g, 100000 + (g - 1) / 4 + 1, CASE WHEN ((g - 1) / 4 + 1) %% 2 = 0 THEN 204
  ELSE 458 END, (g - 1) %% 4 + 1, 1, 'ORDER', 2155 + g %% 7, 'AS' || (54888 + g %% 7), 'Ea',
  1 + g %% 5, 0, 12.5, 12.5, 'AWAITING_SHIPPING', 'Y', 'N', t, 0, t, 0
FROM generate_series(1, %(lines)s) AS g,
  LATERAL (SELECT %(start)s::timestamp + ((g - 1) / 4 + 1) * interval '2 seconds' AS t) AS x
"""
COPY_OUT = """
COPY (SELECT l."LINE_ID", l."HEADER_ID", h."ORDER_NUMBER", h."FLOW_STATUS_CODE",
  l."LINE_NUMBER", l."ORDERED_ITEM", l."ORDERED_QUANTITY", l."UNIT_SELLING_PRICE",
  l."FLOW_STATUS_CODE", h."TRANSACTIONAL_CURR_CODE", l."LAST_UPDATE_DATE"
  FROM "OE_ORDER_LINES_ALL" l JOIN "OE_ORDER_HEADERS_ALL" h ON h."HEADER_ID" = l."HEADER_ID")
TO STDOUT
"""
COPY_TABLE = """
CREATE TABLE copy_lines (line_id bigint PRIMARY KEY, header_id bigint, order_number bigint,
  header_status text, line_number numeric, item text, quantity numeric(20,4),
  unit_price numeric(20,4), line_status text, currency text, last_update_date timestamp)
"""


class PeakMemory:
    """Peak RSS (VmHWM) of every child process, by program, polled from /proc."""

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.1):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    fields = dict(
                        line.split(":", 1)
                        for line in status.read_text().splitlines()
                        if ":" in line
                    )
                    if fields.get("PPid", "").strip() != me:
                        continue
                    command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except (OSError, ValueError):
                    continue
                name = "tap" if "oracle" in command else "target" if "target" in command else None
                if name and "VmHWM" in fields:
                    peak = int(fields["VmHWM"].split()[0]) // 1024
                    self.peaks[name] = max(self.peaks.get(name, 0), peak)


@dataclass
class Result:
    lines: int
    backfill_seconds: float
    copy_seconds: float
    idle_seconds: float
    idle_records: int
    incremental_seconds: float
    incremental_records: int
    peaks: dict[str, int]


def database(admin: str, prefix: str) -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin.rsplit('/', 1)[0]}/{name}"


def drop(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, lines: int) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    metadata.create_all(engine)
    engine.dispose()
    clock = ServerClock(ZONE)
    orders = lines // LINES_PER_ORDER
    start = clock.to_local(ServerClock.now()) - timedelta(seconds=2 * (orders + 600))
    with psycopg.connect(url) as connection:
        connection.execute(SEED_HEADERS, {"orders": orders, "start": start})
        connection.execute(SEED_LINES, {"lines": orders * LINES_PER_ORDER, "start": start})
        connection.commit()
        connection.execute("ANALYZE")


def copy_floor(source: str, warehouse: str) -> float:
    with psycopg.connect(warehouse) as target:
        target.execute(COPY_TABLE)
        target.commit()
        started = time.perf_counter()
        with (
            psycopg.connect(source) as origin,
            origin.cursor().copy(COPY_OUT) as out,
            target.cursor().copy("COPY copy_lines FROM STDIN") as into,
        ):
            for block in out:
                into.write(block)
        target.commit()
        return time.perf_counter() - started


def change(url: str, count: int) -> None:
    """``count`` lines move to PICKED now; their headers are not touched (as in EBS)."""
    now = ServerClock(ZONE).to_local(ServerClock.now())
    with psycopg.connect(url) as connection:
        connection.execute(
            'UPDATE "OE_ORDER_LINES_ALL" SET "FLOW_STATUS_CODE" = \'PICKED\', '
            '"LAST_UPDATE_DATE" = %(now)s WHERE "LINE_ID" IN (SELECT "LINE_ID" FROM '
            '"OE_ORDER_LINES_ALL" ORDER BY random() LIMIT %(count)s)',
            {"now": now, "count": count},
        )
        connection.commit()


def run(admin: str, lines: int, changes: int, batch_size: int) -> Result:
    source_name, source = database(admin, "orderhub_ebs_bench_source")
    warehouse_name, warehouse = database(admin, "orderhub_ebs_bench_warehouse")
    try:
        seed(source, lines)
        config = {
            "sqlalchemy_url": source.replace("postgresql://", "postgresql+psycopg://", 1),
            "timezone": ZONE,
            "page_size": 1000,
            "lookback_minutes": 10,
            "reconcile_deletes_hours": 24,
        }
        pipeline = PipelineSettings(
            source="oracle_ebs", config=config, streams=["orders"], batch_size=batch_size
        )
        settings = Settings(warehouse=warehouse, pipelines={"ebs": pipeline})
        migrated = create_warehouse_engine(warehouse)
        migrate(migrated)  # schema creation is not part of the backfill's time
        migrated.dispose()
        with tempfile.TemporaryDirectory() as work:
            runner = SyncRunner(settings, work_dir=Path(work))
            with PeakMemory() as memory:
                started = time.perf_counter()
                backfill = runner.run("ebs")
                backfill_seconds = time.perf_counter() - started
            if backfill.status != "succeeded":
                raise SystemExit(f"backfill {backfill.status}: {backfill.message}")
            copy_seconds = copy_floor(source, warehouse)
            started = time.perf_counter()
            idle = runner.run("ebs")  # nothing changed: process start-ups, feeds, lookback
            idle_seconds = time.perf_counter() - started
            change(source, changes)
            started = time.perf_counter()
            incremental = runner.run("ebs")
            incremental_seconds = time.perf_counter() - started
            runner.engine.dispose()
        return Result(
            lines,
            backfill_seconds,
            copy_seconds,
            idle_seconds,
            idle.records_in,
            incremental_seconds,
            incremental.records_in,
            memory.peaks,
        )
    finally:
        drop(admin, source_name)
        drop(admin, warehouse_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--pg",
        default=os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    results = [
        run(args.pg, size, args.changes, args.batch_size)
        for size in (max(args.lines // 10, args.changes * LINES_PER_ORDER), args.lines)
    ]
    print(
        f"{'lines':>10}{'sync l/s':>11}{'COPY l/s':>11}{'x COPY':>8}{'tap MB':>8}"
        f"{'target MB':>10}{'idle s':>8}{'idle recs':>10}{'incr s':>8}{'incr recs':>10}"
    )
    for r in results:
        sync_rate, copy_rate = r.lines / r.backfill_seconds, r.lines / r.copy_seconds
        print(
            f"{r.lines:>10,}{sync_rate:>11,.0f}{copy_rate:>11,.0f}{sync_rate / copy_rate:>8.3f}"
            f"{r.peaks.get('tap', 0):>8}{r.peaks.get('target', 0):>10}"
            f"{r.idle_seconds:>8.2f}{r.idle_records:>10,}"
            f"{r.incremental_seconds:>8.2f}{r.incremental_records:>10,}"
        )
    small, large = results
    small_cost = small.incremental_seconds - small.idle_seconds
    large_cost = large.incremental_seconds - large.idle_seconds
    print(
        f"{args.changes:,} changed lines cost {small_cost:.2f} s over an idle sync at "
        f"{small.lines:,} lines and {large_cost:.2f} s at {large.lines:,} lines "
        f"(table x{large.lines / small.lines:.0f}); idle syncs {small.idle_seconds:.2f} s "
        f"and {large.idle_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
