"""orderhub commands: sync, remap, demo, state, deadletters, runs, mappings, airflow,
quality, dedupe, migrate."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from orderhub import reports
from orderhub.cli.airflow import airflow_app
from orderhub.cli.console import (
    CliState,
    ConfigOption,
    JsonOption,
    WarehouseOption,
    checked_settings,
    console,
    errors,
    guarded,
    print_json,
    print_listing,
    settings_for,
    warehouse_engine,
)
from orderhub.cli.dedupe import dedupe_app
from orderhub.cli.inspect import deadletters_app, runs, state_app
from orderhub.cli.mappings import mappings_app
from orderhub.cli.quality import quality_app
from orderhub.cli.views import counts_table, print_tracebacks, result_json, run_sync
from orderhub.exceptions import ConfigurationError, SyncCancelled, SyncError
from orderhub.remap import landed_streams
from orderhub.remap import remap as remap_source
from orderhub.runner.signals import catch_early
from orderhub.runner.sync import SyncRunner
from orderhub.runner.window import Window, parse_moment

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
app.add_typer(airflow_app, name="airflow")
app.add_typer(quality_app, name="quality")
app.add_typer(dedupe_app, name="dedupe")
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
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Backfill window start (inclusive): 2024-01-01 or 2024-01-01T06:00:00, "
            "UTC unless it has an offset; needs --until",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="WHEN",
            help="Backfill window end (exclusive), as --since; needs --since",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run one pipeline: its tap piped into target-orderhub, resuming from the bookmark.

    With --since and --until it loads one window: only records whose replication key
    (e.g. updatedAt) is in [since, until). A window keeps its own bookmark and lock, named
    PIPELINE@SINCE..UNTIL: the pipeline's bookmark does not move, windows may run beside
    each other and the incremental sync, and rerunning a window resumes it (a finished one
    loads nothing new). Streams without a date-time replication key are loaded whole.

    SIGTERM or Ctrl-C stops it at a committed point (exit 143 / 130); a second one kills.
    """
    catch_early()  # a stop while settings load and the warehouse migrates is caught too
    window = _window_option(since, until)
    runner = SyncRunner(checked_settings(config, warehouse))
    try:
        result = run_sync(
            runner,
            pipeline,
            full_refresh=full_refresh,
            wait_seconds=wait,
            show=not as_json,
            window=window,
        )
    except SyncCancelled as stopped:
        errors.print(f"[bold yellow]cancelled:[/] {stopped}", highlight=False)
        raise typer.Exit(stopped.exit_code) from None
    except SyncError as failed:
        if CliState.debug:
            print_tracebacks(str(failed))
        raise
    if as_json:
        summary = result_json(result.run_id, pipeline, result.status, result.stream_counts)
        if window:
            summary["window"] = {"since": window.start_text, "until": window.end_text}
            summary["outside_window"] = result.outside_window
        print_json({**summary, "seconds": result.seconds, "message": result.message})
        return
    if result.message:
        console.print(f"[yellow]{result.status}:[/] {result.message}", highlight=False)
    if result.outside_window:
        console.print(
            f"{result.outside_window:,} record(s) read outside the window were left out",
            highlight=False,
        )
    if result.dead_lettered:
        console.print(
            f"[yellow]{result.dead_lettered} record(s) dead-lettered:[/] "
            "see `orderhub deadletters list`"
        )


def _window_option(since: str | None, until: str | None) -> Window | None:
    """The window --since/--until name, or None when neither is given."""
    if since is None and until is None:
        return None
    if since is None or until is None:
        given, missing = ("--since", "--until") if until is None else ("--until", "--since")
        raise ConfigurationError(
            f"{given} needs {missing} too: a window has a start and an end "
            "(e.g. --since 2024-01-01 --until 2024-02-01)"
        )
    return Window(parse_moment(since, "--since"), parse_moment(until, "--until"))


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
    as_json: JsonOption = False,
) -> None:
    """Re-derive the warehouse from raw_records under the current mapping specs.

    The source is not touched; afterwards the re-mapped orders, their statuses and status
    history are what a fresh sync under these specs would give.
    """
    settings = settings_for(config, warehouse)
    engine = warehouse_engine(config, warehouse)
    _check_remap_names(engine, source, stream or [])
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
    stream_counts = {name: asdict(c) for name, c in counts.items()}
    if as_json:
        pipeline = f"remap/{source}"
        run = reports.last_run(engine, pipeline) or {}  # remap() wrote it and returned
        print_json(result_json(str(run["run_id"]), pipeline, str(run["status"]), stream_counts))
        return
    print_listing(counts_table(f"remap {source}", stream_counts))


def _check_remap_names(engine: Engine, source: str, streams: list[str]) -> None:
    """Refuse a source or stream without raw records before a run row is written:
    a typo would otherwise "succeed" with nothing re-mapped."""
    sources = reports.landed_sources(engine)
    if source not in sources:
        raise ConfigurationError(
            f"unknown source {source!r}: the warehouse has raw records of "
            f"{', '.join(sources) or 'no source yet (sync one first)'}"
        )
    landed = sorted(landed_streams(engine, source))
    unknown = [name for name in streams if name not in landed]
    if unknown:
        raise ConfigurationError(
            f"unknown stream(s) {', '.join(map(repr, unknown))} of source {source!r}: "
            f"the warehouse has raw records of {', '.join(landed)}"
        )


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
    orders: Annotated[int, typer.Option(help="Orders each source starts with", min=1)] = 200,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="Only this source (repeat for several)"),
    ] = None,
) -> None:
    """Simulated sources -> SQLite warehouse: full syncs, source changes, incremental syncs.

    Every source runs: Shopify's simulator, Oracle EBS and Yonyou U8 tables seeded into
    SQLite files, SAP's OData simulator. It only ever writes to a warehouse it created,
    and refuses any other.
    """
    from orderhub.cli.demo import DEMO_WAREHOUSE, run_demo

    catch_early()
    try:
        run_demo(warehouse or DEMO_WAREHOUSE, orders=orders, sources=source or ())
    except SyncCancelled as stopped:
        # The demo's sources live only while it runs: resuming one sync cannot work, and
        # the demo starts over anyway.
        errors.print(
            f"[bold yellow]cancelled:[/] {stopped.reason}; run `orderhub demo` again "
            "(it starts over)",
            highlight=False,
        )
        raise typer.Exit(stopped.exit_code) from None


def main() -> None:
    """Console script entry point."""
    app()
