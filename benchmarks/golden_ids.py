"""Golden ID upkeep at scale: `orderhub dedupe run` over a large customers table.

Fills a fresh warehouse (PostgreSQL by default, or SQLite) with the labelled generator's
customers (quality.dedupe.generator; about 2.1 records per person), then times, phase by
phase, with the peak RSS of this process:
  1. the first run (every customer gets an ID: all rows written back);
  2. a rerun (nothing changes: nothing written, no events);
  3. a run after 1% more customers arrive (only they are written).
The linker is the one installed (quality.dedupe.pairs.link); its own accuracy and speed
are the linker benchmark's business: this measures reading, clustering, ID assignment
and the bulk write-back around it. Prints a table; nothing is asserted.

    python benchmarks/golden_ids.py --people 500000 [--sqlite]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert  # noqa: E402

from orderhub.warehouse.engine import create_warehouse_engine, migrate  # noqa: E402
from orderhub.warehouse.schema import customers  # noqa: E402
from quality.dedupe.generator import SourceCustomer, generate  # noqa: E402
from quality.dedupe.run import run_dedupe  # noqa: E402
from tests.conftest import scratch_pg_database  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(records: Sequence[SourceCustomer], suffix: str = "") -> list[dict[str, Any]]:
    return [
        {
            "customer_key": uuid.uuid4(),
            "source_system": r.source_system,
            "source_id": r.source_id + suffix,
            "source_updated_at": NOW,
            "full_name": r.name,
            "phone_raw": r.phone,
            "email": r.email,
            "default_address": {"city": r.city, "line1": r.address},
            "source_stream": "customers",
            "source_record_key": r.source_id + suffix,
            "mapping_version": "bench",
            "row_hash": "0" * 64,
            "loaded_at": NOW,
        }
        for r in records
    ]


def _load(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(customers), rows[start : start + 20_000])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_run(engine: Engine, label: str) -> None:
    phases: list[tuple[str, float]] = []
    last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        if phases:
            phases[-1] = (phases[-1][0], now - last)
        phases.append((name.split(" ")[0], 0.0))
        last = now

    summary = run_dedupe(engine, progress=step)
    phases[-1] = (phases[-1][0], time.perf_counter() - last)  # writing, until commit
    detail = " ".join(f"{name}={seconds:.1f}s" for name, seconds in phases)
    print(
        f"{label:<14} {summary.customers:>9,} {summary.golden_ids:>9,} {summary.changed:>9,} "
        f"{summary.created + summary.merges + summary.splits + summary.retired:>7,} "
        f"{summary.seconds:>7.1f}s {_peak_mb():>7.0f} MB  {detail}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    records = generate(args.people, seed=7)
    extra = generate(max(1, args.people // 100), seed=8)
    with tempfile.TemporaryDirectory() as folder, scratch_pg_database() as pg_url:
        url = f"sqlite:///{folder}/warehouse.db" if args.sqlite else pg_url
        engine = create_warehouse_engine(url)
        migrate(engine)
        _load(engine, _rows(records))
        print(f"{engine.dialect.name}: {len(records):,} customers of {args.people:,} people")
        print(
            f"{'run':<14} {'customers':>9} {'golden':>9} {'written':>9} {'events':>7} "
            f"{'time':>8} {'peak RSS':>10}  phases"
        )
        _timed_run(engine, "first")
        _timed_run(engine, "rerun")
        _load(engine, _rows(extra, suffix="-new"))
        _timed_run(engine, "+1% customers")
        engine.dispose()


if __name__ == "__main__":
    main()
