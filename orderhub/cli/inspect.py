"""`orderhub state|deadletters|runs`: what the warehouse holds about syncs.

Read-only: these need the warehouse, never a pipeline's secret, and print every id, key
and bookmark whole (or all of it as ``--json``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from orderhub import reports
from orderhub.cli.console import (
    ConfigOption,
    JsonOption,
    WarehouseOption,
    confirm,
    console,
    guarded,
    listing,
    print_json,
    print_listing,
    settings_for,
    warehouse_engine,
)
from orderhub.exceptions import ConfigurationError

state_app = typer.Typer(help="Show or reset committed bookmarks.", no_args_is_help=True)
deadletters_app = typer.Typer(help="Records that broke a rule.", no_args_is_help=True)


@state_app.command("show")
@guarded
def state_show(
    pipeline: Annotated[str | None, typer.Argument(help="Pipeline (default: all)")] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The committed bookmark of each stream: the next sync resumes from here."""
    engine = warehouse_engine(config, warehouse)
    rows = reports.states(engine, pipeline)
    if pipeline is not None and not rows:
        _no_state(pipeline, reports.states(engine), settings_for(config, warehouse).pipelines)
    if as_json:
        keys = ("pipeline", "run_id", "updated_at", "state")
        print_json([{key: row[key] for key in keys} for row in rows])
        return
    table = listing("committed state", ("pipeline", "stream", "bookmark", "committed at", "run"))
    for row in rows:
        bookmarks = row["state"].get("bookmarks", {}) or {"(none)": {}}
        for stream, mark in sorted(bookmarks.items()):
            value = mark.get("replication_key_value", json.dumps(mark) if mark else "")
            table.add_row(
                row["pipeline"], stream, str(value), str(row["updated_at"]), row["run_id"]
            )
    print_listing(table)


def _no_state(pipeline: str, states: list[dict[str, Any]], configured: dict[str, Any]) -> None:
    """A pipeline with no committed state: fine if orderhub.yml has it, else a typo."""
    if pipeline in configured:
        return
    have = sorted({row["pipeline"] for row in states} | set(configured)) or ["none"]
    raise ConfigurationError(
        f"unknown pipeline {pipeline!r}: neither orderhub.yml nor the warehouse has it "
        f"(pipelines: {', '.join(have)})"
    )


@state_app.command("reset")
@guarded
def state_reset(
    pipeline: Annotated[str, typer.Argument(help="Pipeline to reset")],
    stream: Annotated[str | None, typer.Option(help="Only this stream's bookmark")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Forget bookmarks: the next sync re-reads from the start date (loads stay idempotent).

    A name that is neither configured nor committed fails before any question is asked.
    """
    what = f"{pipeline}/{stream}" if stream else pipeline
    engine = warehouse_engine(config, warehouse)
    if not _has_bookmark(engine, pipeline, stream, settings_for(config, warehouse).pipelines):
        console.print(f"[yellow]no committed state for {what}[/]: nothing to reset")
        return
    if not yes:
        confirm(f"Reset the bookmark of {what}?")
    if reports.reset_state(engine, pipeline, stream):
        console.print(f"reset {what}: the next `orderhub sync {pipeline}` starts over")
    else:  # a concurrent reset won the race
        console.print(f"[yellow]no committed state for {what}[/]")


def _has_bookmark(
    engine: Engine, pipeline: str, stream: str | None, configured: dict[str, Any]
) -> bool:
    """Whether there is a bookmark to reset; an unknown pipeline or stream is a typo."""
    rows = reports.states(engine, pipeline)
    if not rows:
        _no_state(pipeline, reports.states(engine), configured)
        return False
    if stream is None:
        return True
    bookmarks = rows[0]["state"].get("bookmarks") or {}
    if stream in bookmarks:
        return True
    listed = configured[pipeline].streams if pipeline in configured else []
    if stream in listed:
        return False
    have = sorted(set(bookmarks) | set(listed)) or ["none"]
    raise ConfigurationError(
        f"unknown stream {stream!r} of pipeline {pipeline!r}: it has bookmarks of {', '.join(have)}"
    )


@deadletters_app.command("list")
@guarded
def deadletters_list(
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    stream: Annotated[str | None, typer.Option("--stream")] = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include resolved ones")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many")] = 50,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Dead letters with the rule and field each broke (PII masked in every column)."""
    engine = warehouse_engine(config, warehouse)
    if source is not None:
        known = reports.known_sources(engine)
        if known and source not in known:
            raise ConfigurationError(
                f"unknown source {source!r}: the warehouse has records of {', '.join(known)}"
            )
    rows = reports.dead_letters(
        engine, source=source, stream=stream, include_resolved=include_resolved, limit=limit
    )
    if as_json:
        print_json(rows)
        return
    table = listing(
        f"dead letters ({len(rows)} shown)",
        ("id", "source/stream", "record", "rule", "field"),
        ("reason", "seen", "resolved"),
    )
    for row in rows:
        table.add_row(*_deadletter_cells(row))
    print_listing(table)
    if rows:
        console.print("Fix the source record or the mapping spec, then sync (or `orderhub remap`).")


def _deadletter_cells(row: dict[str, Any]) -> tuple[str, ...]:
    return (
        str(row["id"]),
        f"{row['source_system']}/{row['stream']}",
        row["record_key"] or "(no key)",
        row["rule"],
        row["field"] or "",
        row["reason"],
        f"{row['attempts']}x, last {row['last_seen_at']:%Y-%m-%d %H:%M}",
        "yes" if row["resolved_at"] else "",
    )


@guarded
def runs(
    limit: Annotated[int, typer.Option(min=1, help="At most this many")] = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Recent sync runs and what each committed."""
    rows = reports.recent_runs(warehouse_engine(config, warehouse), limit)
    if as_json:
        print_json(rows)
        return
    counts = ("records_in", "upserted", "unchanged", "dead_lettered")
    table = listing(
        "sync runs",
        ("started", "pipeline", "status", "in", "upserted", "unchanged", "dead", "run"),
        ("message",),
    )
    for row in rows:
        table.add_row(
            f"{row['started_at']:%Y-%m-%d %H:%M:%S}",
            row["pipeline"],
            row["status"],
            *(str(row[k]) for k in counts),
            row["run_id"],
            row["message"] or "",
        )
    print_listing(table)
