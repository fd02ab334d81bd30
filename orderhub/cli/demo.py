"""`orderhub demo`: every source's simulator synced into a local warehouse, twice.

The one place besides the CLI that knows the connectors: it starts each connector's demo
source in this process (a simulator on loopback, or a seeded SQLite copy of an ERP's
tables), points a pipeline at each, and runs the same `orderhub sync` code path a user runs.
"""

from __future__ import annotations

import importlib
import shutil
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from orderhub import reports
from orderhub.cli.console import console
from orderhub.cli.views import run_sync, sources_summary_table
from orderhub.exceptions import ConfigurationError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine, mask_url, normalise_url


@dataclass(frozen=True)
class DemoPipeline:
    """One source of the demo and the pipeline that syncs it."""

    pipeline: str
    source: str
    label: str


#: Every source the demo syncs, in the order it syncs them.
DEMO_PIPELINES = (
    DemoPipeline("shopify-demo", "shopify", "Shopify"),
    DemoPipeline("oracle-ebs-demo", "oracle_ebs", "Oracle EBS"),
    DemoPipeline("u8-demo", "u8", "Yonyou U8"),
    DemoPipeline("sap-demo", "sap", "SAP S/4HANA"),
)
PIPELINES = frozenset(p.pipeline for p in DEMO_PIPELINES)
#: The demo's own file: never the default warehouse of `orderhub sync`, which it would erase.
DEMO_WAREHOUSE = "sqlite:///.orderhub/demo/warehouse.db"
#: Where the demo seeds the ERPs' SQLite source databases (recreated on every run).
DEMO_SOURCES_FOLDER = Path(".orderhub/demo/sources")
#: Where the demo writes its quality report (replaced on every run).
DEMO_REPORTS_FOLDER = Path(".orderhub/demo/reports/quality")
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
            self.url.get_dialect()  # an unknown database kind (bogus://) fails here
        except (ArgumentError, NoSuchModuleError):
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
        others = sorted(pipelines - PIPELINES)
        if others:
            raise self._refusal(f"it holds data of other pipelines ({', '.join(others)})")
        if not pipelines & PIPELINES:
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


class DemoSource(Protocol):
    """What each connector's ``connectors/<source>/demo.py`` yields from ``demo_source``."""

    description: str

    def tap_config(self) -> dict[str, Any]: ...

    def change(self, count: int) -> int: ...


def demo_pipelines(sources: Iterable[str] = ()) -> list[DemoPipeline]:
    """The demo's pipelines, or those of the named sources (an unknown name is refused)."""
    wanted = set(sources)
    known = {p.source for p in DEMO_PIPELINES}
    unknown = sorted(wanted - known)
    if unknown:
        raise ConfigurationError(
            f"the demo has no source {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
        )
    return [p for p in DEMO_PIPELINES if not wanted or p.source in wanted]


def start_source(pipeline: DemoPipeline, folder: Path, orders: int) -> AbstractContextManager[Any]:
    """The connector's demo source (imported here: the core never imports a connector)."""
    module = importlib.import_module(f"connectors.{pipeline.source}.demo")
    source: AbstractContextManager[DemoSource] = module.demo_source(folder, orders)
    return source


def run_demo(
    warehouse: str, *, orders: int = 200, changes: int = 25, sources: Iterable[str] = ()
) -> None:
    """Per source: full sync, changes at the source, incremental sync; then a summary."""
    chosen = demo_pipelines(sources)
    target = DemoWarehouse(warehouse)
    target.claim()
    DEMO_SOURCES_FOLDER.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]orderhub demo")
    with ExitStack() as stack:
        running: dict[str, DemoSource] = {}
        for pipeline in chosen:
            running[pipeline.pipeline] = stack.enter_context(
                start_source(pipeline, DEMO_SOURCES_FOLDER.resolve(), orders)
            )
            console.print(running[pipeline.pipeline].description, highlight=False)
        settings = Settings(
            warehouse=warehouse,
            pipelines={
                p.pipeline: PipelineSettings(source=p.source, config=source.tap_config())
                for p, source in zip(chosen, running.values(), strict=True)
            },
        )
        runner = SyncRunner(settings)
        console.print("\n[bold]1. full sync[/]")
        for pipeline in chosen:
            run_sync(runner, pipeline.pipeline, full_refresh=True)
        changed = sum(source.change(changes) for source in running.values())
        console.print(f"\n[bold]2. {changed} orders changed at the sources; incremental sync[/]")
        second = [run_sync(runner, pipeline.pipeline) for pipeline in chosen]
    summaries = {p.label: reports.summary(runner.engine, p.source) for p in chosen}
    console.print()
    console.print(sources_summary_table(summaries, "warehouse after the demo"))
    console.print(
        f"second sync: {sum(r.records_in for r in second)} records in, "
        f"{sum(r.upserted for r in second)} upserted, "
        f"{sum(r.unchanged for r in second)} unchanged, "
        f"{sum(r.dead_lettered for r in second)} dead-lettered"
    )
    console.print("\n[bold]3. golden customer IDs across sources[/]")
    assign_golden_ids(runner.engine)
    console.print("\n[bold]4. field standards[/]")
    docs = check_standards(runner.engine, DEMO_REPORTS_FOLDER)
    console.print(f"\nwarehouse: [bold]{target.where}[/]")
    console.print(f"quality report (Data Docs): [bold]{docs}[/]", highlight=False)
    where = f"-w {mask_url(warehouse)}"  # no orderhub.yml names the demo's warehouse
    console.print(
        f"next: `orderhub runs {where}`, `orderhub dedupe review {where}`, "
        f"`orderhub quality run {where}` (see docs/steward-guide.md)",
        highlight=False,
    )


def assign_golden_ids(engine: Engine) -> None:
    """Dedupe the demo's customers, as `orderhub dedupe run` does, and say what it found."""
    from quality.dedupe.run import run_dedupe

    with console.status("dedupe") as status:
        found = run_dedupe(engine, progress=lambda step: status.update(f"dedupe: {step}"))
    console.print(
        f"{found.customers:,} customers -> {found.golden_ids:,} golden IDs "
        f"({found.match_pairs:,} matched pairs, {found.pending_review:,} waiting for review)",
        highlight=False,
    )


def check_standards(engine: Engine, folder: Path) -> Path:
    """Run the field standards as `orderhub quality run` does; the Data Docs page's path.

    The demo reports warnings and errors but does not fail on them: its sources carry
    the dirt real ones do, and showing it is the point.
    """
    from quality.standards.run import run_standards

    url = engine.url.render_as_string(hide_password=False)
    shutil.rmtree(folder, ignore_errors=True)  # the demo's own: no stale pages survive
    with console.status("checking the field standards") as status:
        result = run_standards(url, folder.resolve(), progress=status.update)
    for source, counts in result.by_source().items():
        console.print(
            f"{source}: {counts.errors} error(s), {counts.warnings} warning(s), "
            f"{counts.failing_records:,} failing record(s)",
            highlight=False,
        )
    return result.docs_index or result.reports_dir
