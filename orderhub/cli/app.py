"""orderhub commands: sync, remap, demo, state, deadletters, runs, mappings, migrate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.console import (
    CliState,
    ConfigOption,
    WarehouseOption,
    checked_settings,
    console,
    errors,
    guarded,
    settings_for,
    warehouse_engine,
)
from orderhub.cli.inspect import deadletters_app, runs, state_app
from orderhub.cli.mappings import mappings_app
from orderhub.cli.views import run_sync
from orderhub.exceptions import SyncCancelled
from orderhub.remap import remap as remap_source
from orderhub.runner.signals import catch_early
from orderhub.runner.sync import SyncRunner

app = typer.Typer(
    name="orderhub",
    help="Integration hub for order data: sync sources into one unified order model.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="ORDERHUB_DEBUG", help="Show the full traceback of an error"
        ),
    ] = False,
) -> None:
    """Integration hub for order data: sync sources into one unified order model."""
    CliState.debug = debug


app.add_typer(state_app, name="state")
app.add_typer(deadletters_app, name="deadletters")
app.add_typer(mappings_app, name="mappings")
app.command("runs")(runs)


@app.command()
@guarded
def sync(
    pipeline: Annotated[str, typer.Argument(help="Pipeline name from orderhub.yml")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Ignore the committed bookmark")
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="If another sync of the pipeline runs, wait this long for it (default: refuse)",
        ),
    ] = 0.0,
) -> None:
    """Run one pipeline: its tap piped into target-orderhub, resuming from the bookmark.

    SIGTERM or Ctrl-C stops it at a committed point (exit 143 / 130); a second one kills.
    """
    catch_early()  # a stop while settings load and the warehouse migrates is caught too
    runner = SyncRunner(checked_settings(config, warehouse))
    try:
        result = run_sync(runner, pipeline, full_refresh=full_refresh, wait_seconds=wait)
    except SyncCancelled as stopped:
        errors.print(f"[bold yellow]cancelled:[/] {stopped}", highlight=False)
        raise typer.Exit(stopped.exit_code) from None
    if result.message:
        console.print(f"[yellow]{result.status}:[/] {result.message}", highlight=False)
    if result.dead_lettered:
        console.print(
            f"[yellow]{result.dead_lettered} record(s) dead-lettered:[/] "
            "see `orderhub deadletters list`"
        )


@app.command()
@guarded
def remap(
    source: Annotated[str, typer.Option("--source", "-s", help="Source system to re-map")],
    stream: Annotated[list[str] | None, typer.Option("--stream", help="Only these streams")] = None,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    everything: Annotated[
        bool,
        typer.Option(
            "--all", help="Re-derive every record, also those the current specs mapped already"
        ),
    ] = False,
) -> None:
    """Re-derive the warehouse from raw_records under the current mapping specs.

    The source is not touched; afterwards the re-mapped orders, their statuses and status
    history are what a fresh sync under these specs would give.
    """
    settings = settings_for(config, warehouse)
    engine = warehouse_engine(config, warehouse)
    mappings_dir = Path(settings.mappings_dir) if settings.mappings_dir else None
    with console.status(f"re-mapping {source}") as status:
        done: dict[str, int] = {}

        def on_batch(name: str, size: int) -> None:
            done[name] = done.get(name, 0) + size
            status.update(f"re-mapping {source}/{name}: {done[name]:,} records")

        counts = remap_source(
            engine,
            source,
            streams=stream or None,
            mappings_dir=mappings_dir,
            on_batch=on_batch,
            everything=everything,
        )
    table = Table(title=f"remap {source}")
    for column in (
        "stream",
        "records",
        "re-mapped",
        "already current",
        "dead-lettered",
        "refused status",
    ):
        table.add_column(column)
    for name, c in sorted(counts.items()):
        numbers = (c.records_in, c.upserted, c.unchanged, c.dead_lettered, c.rejected_transitions)
        table.add_row(name, *map(str, numbers))
    console.print(table)


@app.command("new-connector")
@guarded
def new_connector(
    name: Annotated[str, typer.Argument(help="Source name, e.g. acme_erp")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="rest, graphql, sql or soap")],
    root: Annotated[Path, typer.Option(help="Project folder")] = Path("."),
) -> None:
    """Scaffold connectors/NAME, mappings/NAME, docs and tests: runnable and tested as is."""
    from orderhub.connector_kit.scaffold import scaffold

    done = scaffold(name, kind, root.resolve())
    for path in done.files:
        console.print(f"  created {path.relative_to(root.resolve())}")
    console.print(
        f"[green]connector {name} ({kind}) scaffolded.[/] Next:\n"
        f"  .venv/bin/pytest tests/connectors/{name}   # the kit's tests against the simulator\n"
        "  then map and sync it: docs/adding-a-connector.md"
    )


@app.command()
@guarded
def migrate(config: ConfigOption = None, warehouse: WarehouseOption = None) -> None:
    """Create or upgrade the warehouse schema."""
    engine = warehouse_engine(config, warehouse, write=True)
    console.print(f"warehouse schema is current: {engine.url.render_as_string(hide_password=True)}")


@app.command()
@guarded
def demo(
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse",
            "-w",
            help="Warehouse URL: a new one, or one an earlier demo made (default: its own file)",
        ),
    ] = None,
    orders: Annotated[int, typer.Option(help="Orders the simulator starts with")] = 200,
) -> None:
    """Simulated Shopify -> SQLite warehouse: a full sync, source changes, an incremental sync.

    It only ever writes to a warehouse it created, and refuses any other.
    """
    from orderhub.cli.demo import DEMO_WAREHOUSE, run_demo

    run_demo(warehouse or DEMO_WAREHOUSE, orders=orders)


def main() -> None:
    """Console script entry point."""
    app()
