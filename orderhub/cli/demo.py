"""`orderhub demo`: the Shopify simulator synced into a local warehouse, twice.

The one place besides the CLI that knows a connector: it starts the simulator in this
process, points a pipeline at it, and runs the same `orderhub sync` code path a user runs.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from orderhub import reports
from orderhub.cli.console import console
from orderhub.cli.views import run_sync, summary_table
from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, normalise_url

PIPELINE = "shopify-demo"
#: The demo's own file: never the default warehouse of `orderhub sync`, which it would erase.
DEMO_WAREHOUSE = "sqlite:///.orderhub/demo/warehouse.db"
#: Tables a demo warehouse may hold: orderhub's own and Alembic's bookkeeping.
OWN_TABLES = frozenset(schema.metadata.tables) | {"alembic_version"}
#: Where runs, bookmarks and locks name their pipeline: the demo's mark on a warehouse.
PIPELINE_TABLES = (schema.sync_runs, schema.sync_state, schema.pipeline_locks)


class DemoWarehouse:
    """The warehouse `orderhub demo` runs in: a new one, or one only the demo ever wrote to.

    The demo starts over on every run, so it must never start over in someone else's
    warehouse. Before anything is written, the target is inspected read-only (a SQLite
    file is opened immutable, so not even a journal appears beside it). A warehouse counts
    as the demo's when orderhub's tables are all it holds and its runs, bookmarks and locks
    name the demo pipeline and no other; anything else is refused and left as it was.
    """

    def __init__(self, url: str) -> None:
        try:
            self.url: URL = make_url(normalise_url(url))
        except ArgumentError:
            raise ConfigurationError(
                "warehouse URL is not valid; expected e.g. "
                f"{DEMO_WAREHOUSE} or postgresql://user@host:5432/db"
            ) from None
        self.sqlite = self.url.get_backend_name() == "sqlite"
        if self.sqlite and self.url.database in (None, "", ":memory:"):
            raise ConfigurationError(
                "the demo needs a SQLite file (its sync runs in separate processes); "
                f"drop --warehouse to use {DEMO_WAREHOUSE}"
            )

    @property
    def where(self) -> str:
        """The file or the URL (without its password), for messages."""
        if self.sqlite:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @property
    def path(self) -> Path:
        """The SQLite file, absolute: the runner's processes resolve it from the same folder."""
        return Path(str(self.url.database)).resolve()

    def claim(self) -> None:
        """Make the warehouse empty for the demo, or refuse without touching it."""
        if self.sqlite and not self._files():
            if self.url == make_url(normalise_url(DEMO_WAREHOUSE)):
                self.path.parent.mkdir(parents=True, exist_ok=True)  # the demo's own folder
            return  # a new file: the demo creates it
        reader = self._reader()
        try:
            connection = reader.connect()
        except DBAPIError:
            reader.dispose()
            raise ConfigurationError(
                f"cannot connect to the warehouse {self.where}: check the URL, the "
                "credentials and that the server is running"
            ) from None
        try:
            fresh = self._inspect(connection)
        except DBAPIError:
            raise self._refusal("it is not a database orderhub can read") from None
        finally:
            connection.close()
            reader.dispose()
        if fresh:
            return
        if self.sqlite:
            for path in self._files():
                path.unlink()
        else:
            self._empty_tables()

    def _files(self) -> list[Path]:
        """The SQLite file and its WAL companions that exist."""
        path = self.path
        candidates = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        return [candidate for candidate in candidates if candidate.exists()]

    def _reader(self) -> Engine:
        """A connection that cannot write: SQLite read-only (immutable without a WAL file)."""
        if not self.sqlite:
            return create_engine(self.url)
        path = self.path
        # immutable never creates -wal/-shm files; a WAL left behind must be read, and then
        # its -shm exists already, so plain read-only mode adds nothing either.
        mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
        uri = f"file:{quote(str(path))}?{mode}"
        return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))

    def _inspect(self, connection: Connection) -> bool:
        """True for an empty server database, False for the demo's own; else a refusal."""
        tables = set(inspect(connection).get_table_names())
        if not tables and not self.sqlite:
            return True  # an empty database: nothing in it to lose
        foreign = sorted(tables - OWN_TABLES)
        if foreign:
            listed = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise self._refusal(f"it holds tables orderhub does not own ({listed})")
        if not {t.name for t in PIPELINE_TABLES} <= tables:
            raise self._refusal("it is not an orderhub warehouse the demo created")
        pipelines: set[str] = set()
        for table in PIPELINE_TABLES:
            pipelines.update(connection.execute(select(table.c.pipeline).distinct()).scalars())
        others = sorted(pipelines - {PIPELINE})
        if others:
            raise self._refusal(f"it holds data of other pipelines ({', '.join(others)})")
        if PIPELINE not in pipelines:
            raise self._refusal("no demo has run in it")
        return False

    def _empty_tables(self) -> None:
        """Start over in a server database the demo created: its rows go, its schema stays."""
        engine = create_warehouse_engine(self.url.render_as_string(hide_password=False))
        try:
            with engine.begin() as connection:
                present = set(inspect(connection).get_table_names())
                for table in reversed(schema.metadata.sorted_tables):
                    if table.name in present:
                        connection.execute(table.delete())
        finally:
            engine.dispose()

    def _refusal(self, reason: str) -> ConfigurationError:
        own = self.sqlite and self.path == DemoWarehouse(DEMO_WAREHOUSE).path
        # Only a demo killed between creating its file and recording its first run leaves
        # one there that it cannot recognise; saying so beats a generic hint that loops.
        next_step = (
            f"If an interrupted demo left it, delete {self.path} and run the demo again."
            if own
            else f"Drop --warehouse to use {DEMO_WAREHOUSE}, or give a new SQLite file or "
            "an empty database."
        )
        return ConfigurationError(
            f"the demo did not start: {self.where} is not a warehouse the demo created "
            f"({reason}). The demo starts over on every run, so it only writes to a new "
            f"warehouse or one it made; nothing was written or deleted. {next_step}"
        )


def run_demo(warehouse: str, *, orders: int = 200, changes: int = 25) -> None:
    """Full sync, changes at the source, incremental sync, summary."""
    from connectors.shopify.simulator import ShopifySimulator

    target = DemoWarehouse(warehouse)
    target.claim()
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
    console.print(f"\nwarehouse: [bold]{target.where}[/]")
    console.print("next: `orderhub runs`, `orderhub deadletters list`, `orderhub mappings doc`")
