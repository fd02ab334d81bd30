"""`orderhub demo`: the Shopify simulator synced into a local warehouse, twice.

The one place besides the CLI that knows a connector: it starts the simulator in this
process, points a pipeline at it, and runs the same `orderhub sync` code path a user runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from orderhub import reports
from orderhub.cli.console import console
from orderhub.cli.views import run_sync, summary_table
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse.engine import normalise_url

PIPELINE = "shopify-demo"


def _fresh_sqlite(url: str) -> Path | None:
    """Delete the demo's SQLite file so every demo starts from an empty warehouse."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    path = Path(parsed.database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path.resolve()


def run_demo(warehouse: str, *, orders: int = 200, changes: int = 25) -> None:
    """Full sync, changes at the source, incremental sync, summary."""
    from connectors.shopify.simulator import ShopifySimulator

    database = _fresh_sqlite(warehouse)
    # A Shopify Plus-sized cost bucket: the Standard plan's 100 points/s would make the
    # demo wait on throttling (which the tests cover) for minutes.
    with ShopifySimulator(
        orders=orders, customers=max(10, orders // 3), bucket_size=20_000, restore_rate=2_000
    ) as simulator:
        console.rule("[bold]orderhub demo")
        console.print(f"Shopify simulator serving {orders} orders at {simulator.url}")
        settings = Settings(
            warehouse=warehouse,
            pipelines={
                PIPELINE: PipelineSettings(
                    source="shopify",
                    config={
                        "api_url": simulator.url,
                        "access_token": simulator.access_token,
                        "start_date": (datetime.now(UTC) - timedelta(days=90)).isoformat(),
                        "page_size": 50,
                    },
                    streams=["orders", "customers"],
                )
            },
        )
        runner = SyncRunner(settings)
        console.print("\n[bold]1. full sync[/]")
        run_sync(runner, PIPELINE, full_refresh=True)
        changed = simulator.advance(changes, distinct_second=True)
        console.print(
            f"\n[bold]2. {len(changed)} orders changed at the source; incremental sync[/]"
        )
        second = run_sync(runner, PIPELINE)
    summary = reports.summary(runner.engine, "shopify")
    console.print()
    console.print(summary_table(summary, "warehouse after the demo"))
    console.print(
        f"second sync: {second.records_in} records in, {second.upserted} upserted, "
        f"{second.unchanged} unchanged, {second.dead_lettered} dead-lettered"
    )
    where = str(database) if database else runner.engine.url.render_as_string(hide_password=True)
    console.print(f"\nwarehouse: [bold]{where}[/]")
    console.print("next: `orderhub runs`, `orderhub deadletters list`, `orderhub mappings doc`")
