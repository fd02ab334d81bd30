"""Golden ID upkeep at scale: `orderhub dedupe run` over a large customers table.

For each size (people; the labelled generator, quality.dedupe.generator, records about
2.1 customers per person) a child process fills a fresh warehouse (PostgreSQL by
default, or SQLite) and times, phase by phase, with the child's peak RSS after each:
  1. the first run (every customer gets an ID: all rows written back, one event each);
  2. a rerun (nothing changes: nothing written, no events);
  3. a run after 1% more customers arrive (only they get IDs; pair evidence moves with
     the population's value counts, so most pair rows are rewritten).
The run uses the shipped linker (its columnar path). Baselines from the same child:
the linker alone on the same customers (normalise, block, score: the floor a run
cannot go below) and the first run; each run is printed as a ratio to both.
Nothing is asserted: the machine is shared, timings are noisy.

    python benchmarks/golden_ids.py --people 5000,50000,480000 [--sqlite]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
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

from sqlalchemy import Engine  # noqa: E402

from orderhub.warehouse.engine import create_warehouse_engine, migrate  # noqa: E402
from orderhub.warehouse.schema import customers  # noqa: E402
from quality.dedupe.generator import SourceCustomer, generate  # noqa: E402
from quality.dedupe.run import RunSummary, run_dedupe  # noqa: E402
from quality.dedupe.store import insert_rows  # noqa: E402
from tests.conftest import scratch_pg_database  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Progress messages of run_dedupe by first word, as phase names in the table.
PHASES = {
    "reading": "read",
    "linking": "link",
    "clustering": "cluster",
    "assigning": "assign",
    "writing": "write_ids",
    "storing": "pairs",
    "recording": "events",
}


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
        insert_rows(connection, customers, rows)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("COMMIT")
            connection.exec_driver_sql("ANALYZE customers")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_run(engine: Engine) -> tuple[RunSummary, float, list[tuple[str, float]]]:
    phases: list[tuple[str, float]] = []
    last = time.perf_counter()
    started = last

    def step(message: str) -> None:
        nonlocal last
        now = time.perf_counter()
        if phases:
            phases[-1] = (phases[-1][0], now - last)
        first = message.split(" ")[0]
        phases.append((PHASES.get(first, first), 0.0))
        last = now

    summary = run_dedupe(engine, progress=step)
    now = time.perf_counter()
    phases[-1] = (phases[-1][0], now - last)  # the last phase runs until the commit
    return summary, now - started, phases


def _linker_alone(records: Sequence[SourceCustomer]) -> float:
    from quality.dedupe.columns import to_columns
    from quality.dedupe.linker import link_columns

    started = time.perf_counter()
    link_columns(to_columns(records))
    return time.perf_counter() - started


def child(people: int, sqlite: bool) -> None:
    import scipy.sparse.csgraph  # noqa: F401  (a cold import is seconds: not the run's)

    records = generate(people, seed=7)
    extra = generate(max(1, people // 100), seed=8)
    with tempfile.TemporaryDirectory() as folder, scratch_pg_database() as pg_url:
        url = f"sqlite:///{folder}/warehouse.db" if sqlite else pg_url
        engine = create_warehouse_engine(url)
        migrate(engine)
        _load(engine, _rows(records))
        print(f"\n{engine.dialect.name}: {len(records):,} customers of {people:,} people")
        print(
            f"{'run':<8} {'customers':>9} {'golden':>9} {'written':>9} {'events':>9} "
            f"{'pairs':>9} {'time':>7} {'/first':>6} {'/linker':>7} {'peak RSS':>9}  phases"
        )
        results = []
        for label in ("first", "rerun", "+1%"):
            if label == "+1%":
                _load(engine, _rows(extra, suffix="-new"))
            summary, seconds, phases = _timed_run(engine)
            results.append((label, summary, seconds, phases, _peak_mb()))
        engine.dispose()
    floor = _linker_alone(records)
    first = results[0][2]
    for label, summary, seconds, phases, peak in results:
        events = summary.created + summary.merges + summary.splits + summary.retired
        detail = " ".join(f"{name}={value:.1f}" for name, value in phases)
        print(
            f"{label:<8} {summary.customers:>9,} {summary.golden_ids:>9,} {summary.changed:>9,} "
            f"{events:>9,} {summary.match_pairs + summary.review_pairs:>9,} {seconds:>6.1f}s "
            f"{seconds / first:>6.2f} {seconds / floor:>7.2f} {peak:>6.0f} MB  {detail}",
            flush=True,
        )
    print(f"linker alone on the same customers: {floor:.1f}s (the floor)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="5000,50000", help="comma-separated sizes, in people")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) for size in args.people.split(",")]
    if args.child:
        child(sizes[0], args.sqlite)
        return
    for size in sizes:  # one child each: its peak RSS is that size's alone
        command = [sys.executable, __file__, "--child", "--people", str(size)]
        subprocess.run(command + (["--sqlite"] if args.sqlite else []), check=True)


if __name__ == "__main__":
    main()
