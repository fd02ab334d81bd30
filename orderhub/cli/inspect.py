"""`orderhub state|deadletters|runs`: what the warehouse holds about syncs."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from orderhub import reports
from orderhub.cli.console import ConfigOption, WarehouseOption, console, guarded, warehouse_engine

state_app = typer.Typer(help="Show or reset committed bookmarks.", no_args_is_help=True)
deadletters_app = typer.Typer(help="Records that broke a rule.", no_args_is_help=True)


@state_app.command("show")
@guarded
def state_show(
    pipeline: Annotated[str | None, typer.Argument(help="Pipeline (default: all)")] = None,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The committed bookmark of each stream: the next sync resumes from here."""
    table = Table(title="committed state")
    for column in ("pipeline", "stream", "bookmark", "committed at", "run"):
        table.add_column(column)
    for row in reports.states(warehouse_engine(config, warehouse), pipeline):
        bookmarks = row["state"].get("bookmarks", {}) or {"(none)": {}}
        for stream, mark in sorted(bookmarks.items()):
            value = mark.get("replication_key_value", json.dumps(mark) if mark else "")
            table.add_row(
                row["pipeline"], stream, str(value), str(row["updated_at"]), row["run_id"]
            )
    console.print(table)


@state_app.command("reset")
@guarded
def state_reset(
    pipeline: Annotated[str, typer.Argument(help="Pipeline to reset")],
    stream: Annotated[str | None, typer.Option(help="Only this stream's bookmark")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Forget bookmarks: the next sync re-reads from the start date (loads stay idempotent)."""
    what = f"{pipeline}/{stream}" if stream else pipeline
    if not yes and not typer.confirm(f"Reset the bookmark of {what}?"):
        raise typer.Exit(1)
    if reports.reset_state(warehouse_engine(config, warehouse), pipeline, stream):
        console.print(f"reset {what}: the next `orderhub sync {pipeline}` starts over")
    else:
        console.print(f"[yellow]no committed state for {what}[/]")


@deadletters_app.command("list")
@guarded
def deadletters_list(
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    stream: Annotated[str | None, typer.Option("--stream")] = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include resolved ones")] = False,
    limit: Annotated[int, typer.Option(help="At most this many")] = 50,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Dead letters with the rule and field each broke (PII masked)."""
    rows = reports.dead_letters(
        warehouse_engine(config, warehouse),
        source=source,
        stream=stream,
        include_resolved=include_resolved,
        limit=limit,
    )
    table = Table(title=f"dead letters ({len(rows)} shown)")
    for column in ("id", "source/stream", "record", "rule", "field", "reason", "seen", "resolved"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['source_system']}/{row['stream']}",
            row["record_key"] or "(no key)",
            row["rule"],
            row["field"] or "",
            row["reason"],
            f"{row['attempts']}x, last {row['last_seen_at']:%Y-%m-%d %H:%M}",
            "yes" if row["resolved_at"] else "",
        )
    console.print(table)
    if rows:
        console.print("Fix the source record or the mapping spec, then sync (or `orderhub remap`).")


@guarded
def runs(
    limit: Annotated[int, typer.Option(help="At most this many")] = 20,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Recent sync runs and what each committed."""
    table = Table(title="sync runs")
    for column in ("started", "pipeline", "status", "in", "upserted", "unchanged", "dead", "run"):
        table.add_column(column)
    for row in reports.recent_runs(warehouse_engine(config, warehouse), limit):
        table.add_row(
            f"{row['started_at']:%Y-%m-%d %H:%M:%S}",
            row["pipeline"],
            row["status"],
            *(str(row[k]) for k in ("records_in", "upserted", "unchanged", "dead_lettered")),
            row["run_id"],
        )
    console.print(table)
