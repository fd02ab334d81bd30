"""Throughput of orderhub's data path, as ratios to a plain PostgreSQL COPY in the same run.

Measures, on generated Shopify-shaped orders (about 3 lines each):
  1. mapping alone (spec compiled to callables + pydantic validation), records/s;
  2. a Singer pipe into PostgreSQL: a replay tap process writing the orders as Singer
     messages | target-orderhub process, order lines/s end to end;
  3. the floor: COPY of the same order lines as flat rows into a keyed table.

Usage: python benchmarks/throughput.py [--orders 20000] [--pg postgresql://...]
Prints a table; nothing is asserted (speed is reported, not tested).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generated_orders import generate  # noqa: E402
from orderhub.mapping.catalog import MappingCatalog  # noqa: E402


def bench_mapping(records: list[dict]) -> float:
    mapping = MappingCatalog.load().get("shopify", "orders")
    started = time.perf_counter()
    for record in records:
        mapping.map(record)
    return len(records) / (time.perf_counter() - started)


def fresh_database(admin_url: str) -> str:
    name = f"orderhub_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_copy(records: list[dict], url: str) -> tuple[int, float]:
    """COPY the order lines as flat rows into a table keyed like order_lines."""
    rows = [
        (
            str(uuid.uuid5(uuid.NAMESPACE_URL, item["id"])),
            "shopify",
            item["id"].rsplit("/", 1)[1],
            record["id"].rsplit("/", 1)[1],
            item["sku"],
            item["name"],
            Decimal(item["quantity"]),
            Decimal(item["discountedUnitPriceSet"]["shopMoney"]["amount"]),
            "USD",
            record["updatedAt"],
        )
        for record in records
        for item in record["lineItems"]
    ]
    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE copy_lines (line_key uuid PRIMARY KEY, source_system text, "
            "source_id text, order_source_id text, sku text, product_name text, "
            "quantity numeric(20,4), unit_price numeric(20,4), currency text, "
            "source_updated_at timestamptz, UNIQUE (source_system, source_id))"
        )
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy("COPY copy_lines FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return len(rows), time.perf_counter() - started


def bench_pipe(count: int, url: str, batch_size: int) -> tuple[int, float]:
    """replay tap (singer-sdk, msgspec) | target-orderhub, two processes, into PostgreSQL."""
    with tempfile.TemporaryDirectory() as folder:
        tap_config = Path(folder) / "tap.json"
        tap_config.write_text(json.dumps({"orders": count}))
        config = Path(folder) / "target.json"
        config.write_text(
            json.dumps(
                {
                    "warehouse_url": url,
                    "source_system": "shopify",
                    "batch_size": batch_size,
                    "commit_every": batch_size * 4,
                }
            )
        )
        target = str(Path(sys.executable).parent / "target-orderhub")
        # Migrate first so schema creation is not timed.
        subprocess.run(
            [target, "--config", str(config)], input=b"", check=True, capture_output=True
        )
        tap_command = [sys.executable, str(Path(__file__).with_name("replay_tap.py"))]
        started = time.perf_counter()
        tap = subprocess.Popen(
            [*tap_command, "--config", str(tap_config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        done = subprocess.run(
            [target, "--config", str(config)], stdin=tap.stdout, capture_output=True
        )
        tap.wait()
        elapsed = time.perf_counter() - started
        if done.returncode or tap.returncode:
            raise SystemExit(done.stderr.decode()[-2000:])
    lines = sum(len(r["lineItems"]) for r in generate(count))
    return lines, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--pg",
        default=os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    records = generate(args.orders)
    base = args.pg.rsplit("/", 1)[0]
    mapping_rate = bench_mapping(records)
    database = fresh_database(args.pg)
    try:
        copy_lines, copy_seconds = bench_copy(records, f"{base}/{database}")
        pipe_lines, pipe_seconds = bench_pipe(args.orders, f"{base}/{database}", args.batch_size)
    finally:
        drop_database(args.pg, database)
    copy_rate, pipe_rate = copy_lines / copy_seconds, pipe_lines / pipe_seconds
    print(f"{args.orders:,} orders, {copy_lines:,} order lines")
    print(f"{'path':<44}{'lines/s':>12}{'x COPY':>10}")
    print(f"{'PostgreSQL COPY of the lines (floor)':<44}{copy_rate:>12,.0f}{1:>10.2f}")
    lines_per_order = copy_lines / args.orders
    print(
        f"{'mapping only (in process)':<44}{mapping_rate * lines_per_order:>12,.0f}"
        f"{mapping_rate * lines_per_order / copy_rate:>10.3f}"
    )
    print(
        f"{'replay tap | target-orderhub -> PostgreSQL':<44}{pipe_rate:>12,.0f}"
        f"{pipe_rate / copy_rate:>10.3f}"
    )


if __name__ == "__main__":
    main()
