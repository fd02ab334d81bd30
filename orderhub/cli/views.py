"""Rich views shared by the commands: progress, sync results, warehouse summary."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table

from orderhub import reports
from orderhub.cli.console import console, errors, listing, print_listing
from orderhub.model.status import OrderStatus
from orderhub.runner import outcome
from orderhub.runner.process import RelayStats
from orderhub.runner.sync import SyncResult, SyncRunner
from orderhub.runner.window import Window


def progress_table(stats: RelayStats, title: str) -> Table:
    """Records and records/s per stream, as the relay counts them."""
    table = Table(title=title, title_justify="left")
    table.add_column("stream")
    table.add_column("records", justify="right")
    table.add_column("records/s", justify="right")
    for stream, count in sorted(stats.records.items()):
        table.add_row(stream, f"{count:,}", f"{stats.rate(stream):,.0f}")
    if not stats.records:
        table.add_row("(waiting for the tap)", "", "")
    return table


#: The counts of a sync or remap per stream: (key, column header).
COUNTS = (
    ("records_in", "in"),
    ("upserted", "upserted"),
    ("unchanged", "unchanged"),
    ("dead_lettered", "dead-lettered"),
    ("rejected_transitions", "refused status"),
)


def counts_table(title: str, stream_counts: dict[str, dict[str, int]]) -> Table:
    """Counts per stream, printed whole (:func:`print_listing`) however narrow the output."""
    table = listing(title, ("stream",), numbers=tuple(header for _, header in COUNTS))
    for stream, counts in sorted(stream_counts.items()):
        table.add_row(stream, *(f"{counts.get(key, 0):,}" for key, _ in COUNTS))
    return table


def result_table(result: SyncResult) -> Table:
    """What the target committed, per stream."""
    title = f"{result.name}: {result.status} in {result.seconds:.1f}s"
    return counts_table(title, result.stream_counts)


def result_json(
    run_id: str, pipeline: str, status: str, stream_counts: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """The result of a sync or remap for scripts: run id, status, counts per stream."""
    totals = {key: sum(c.get(key, 0) for c in stream_counts.values()) for key, _ in COUNTS}
    streams = {name: {key: c.get(key, 0) for key, _ in COUNTS} for name, c in stream_counts.items()}
    return {
        "run_id": run_id,
        "pipeline": pipeline,
        "status": status,
        "totals": totals,
        "streams": dict(sorted(streams.items())),
    }


def run_sync(
    runner: SyncRunner,
    pipeline: str,
    *,
    full_refresh: bool = False,
    show: bool = True,
    wait_seconds: float = 0.0,
    window: Window | None = None,
) -> SyncResult:
    """Run a sync with a live progress table; returns what was committed."""
    if not show:
        return runner.run(
            pipeline, window=window, full_refresh=full_refresh, wait_seconds=wait_seconds
        )
    title = f"syncing {window.run_name(pipeline) if window else pipeline}"

    def on_wait(text: str) -> None:
        console.print(f"[yellow]{text}[/]", highlight=False)

    with Live(console=console, refresh_per_second=4, transient=True) as live:
        last = 0.0

        def on_progress(stats: RelayStats) -> None:
            nonlocal last
            if time.monotonic() - last >= 0.25:
                last = time.monotonic()
                live.update(progress_table(stats, title))

        result = runner.run(
            pipeline,
            window=window,
            full_refresh=full_refresh,
            on_progress=on_progress,
            wait_seconds=wait_seconds,
            on_wait=on_wait,
        )
    print_listing(result_table(result))
    return result


def print_tracebacks(message: str) -> None:
    """With ``--debug``: the Python tracebacks in the logs a failure message names (the
    message itself shows only the processes' own error lines)."""
    for log in outcome.logs_named_in(message):
        traceback = outcome.last_traceback(log)
        if traceback:
            errors.print(f"{log}:\n{traceback}", markup=False, highlight=False)


#: Row labels of the demo's summary, beside the WarehouseSummary field each shows.
_COUNTS = (
    ("order lines", "lines"),
    ("customers", "customers"),
    ("payments", "payments"),
    ("shipments", "shipments"),
    ("tracking events", "tracking_events"),
    ("open dead letters", "open_dead_letters"),
    ("refused status transitions", "rejected_transitions"),
)


def _summary_rows(summaries: dict[str, reports.WarehouseSummary]) -> list[tuple[str, list[int]]]:
    """(label, count per source): orders by canonical status in the state machine's order
    (then any status beside it), then the other tables."""
    seen = {status for s in summaries.values() for status in s.orders_by_status}
    canonical = [s.value for s in OrderStatus]
    statuses = [s for s in canonical if s in seen] + sorted(seen - set(canonical))
    rows = [
        (f"orders {status}", [s.orders_by_status.get(status, 0) for s in summaries.values()])
        for status in statuses
    ]
    rows += [(label, [getattr(s, field) for s in summaries.values()]) for label, field in _COUNTS]
    return rows


def sources_summary_table(
    summaries: dict[str, reports.WarehouseSummary], title: str
) -> RenderableType:
    """The demo's closing summary: a column per source, or on a terminal too narrow for
    that, one small table per source (a cut label would hide which status a row counts)."""
    rows = _summary_rows(summaries)
    label_width = max(len(label) for label, _ in rows)
    wide = label_width + 4 + sum(max(len(name), 7) + 3 for name in summaries)
    if wide <= console.width or len(summaries) == 1:
        table = Table(title=title, title_justify="left")
        table.add_column("", no_wrap=True)
        for name in summaries:
            table.add_column(name, justify="right")
        for label, counts in rows:
            table.add_row(label, *(f"{n:,}" for n in counts))
        return table
    tables = []
    for index, name in enumerate(summaries):
        table = Table(title=f"{title}: {name}", title_justify="left", show_header=False)
        table.add_column("", no_wrap=True)
        table.add_column("", justify="right")
        for label, counts in rows:
            table.add_row(label, f"{counts[index]:,}")
        tables.append(table)
    return Group(*tables)
