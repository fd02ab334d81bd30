"""The small summary a sync task logs and pushes to XCom: counts and CDC lag per stream.

Plain data (no Airflow import), so the CLI, the tests and the report task read it alike.
The counts are the ones the target committed (sync_runs); the lag is how far each
stream's committed bookmark is behind now, when the bookmark is a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the runner imports the warehouse: too heavy for parse time
    from orderhub.runner.sync import SyncResult

#: The counts a summary carries per stream and in total.
COUNT_KEYS = ("records_in", "upserted", "unchanged", "dead_lettered", "rejected_transitions")


def cdc_lag_seconds(bookmark: Any, now: datetime) -> float | None:
    """Seconds between a stream's bookmark and ``now``; None if it is not a time."""
    if not isinstance(bookmark, str):
        return None
    try:
        moment = datetime.fromisoformat(bookmark.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(max((now - moment).total_seconds(), 0.0), 3)


def _bookmarks(state: dict[str, Any] | None) -> dict[str, Any]:
    found = (state or {}).get("bookmarks") or {}
    return {
        stream: bookmark.get("replication_key_value") if isinstance(bookmark, dict) else None
        for stream, bookmark in found.items()
    }


def sync_summary(
    result: SyncResult, state: dict[str, Any] | None, now: datetime | None = None
) -> dict[str, Any]:
    """A JSON-ready summary of a finished sync: run, status, totals, per-stream counts,
    bookmark and CDC lag. Small on purpose: XCom is no place for data."""
    now = now or datetime.now(UTC)
    bookmarks = _bookmarks(state)
    streams: dict[str, dict[str, Any]] = {}
    for stream in sorted(set(result.stream_counts) | set(bookmarks)):
        counts = result.stream_counts.get(stream, {})
        streams[stream] = {key: int(counts.get(key, 0)) for key in COUNT_KEYS}
        streams[stream]["bookmark"] = bookmarks.get(stream)
        # A backfill window's bookmark is history by design: no lag to speak of.
        lag = None if result.window else cdc_lag_seconds(bookmarks.get(stream), now)
        streams[stream]["cdc_lag_seconds"] = lag
    return {
        "run_id": result.run_id,
        "pipeline": result.pipeline,
        # what runs, state show and the lock call it: pipeline@window for a backfill window
        "run_name": result.name,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "totals": {key: sum(s[key] for s in streams.values()) for key in COUNT_KEYS},
        "streams": streams,
        "message": result.message,
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as log lines: one for the run, one per stream."""
    totals = summary["totals"]
    lines = [
        f"{summary['run_name']} run {summary['run_id']}: {summary['status']} in "
        f"{summary['seconds']:.1f}s; " + ", ".join(f"{key}={totals[key]}" for key in COUNT_KEYS)
    ]
    for stream, counts in summary["streams"].items():
        lag = counts["cdc_lag_seconds"]
        lag_text = f"{lag:.0f}s" if lag is not None else "n/a"
        lines.append(
            f"  {stream}: "
            + ", ".join(f"{key}={counts[key]}" for key in COUNT_KEYS)
            + f", bookmark={counts['bookmark']}, cdc_lag={lag_text}"
        )
    if summary.get("message"):
        lines.append(f"  note: {summary['message']}")
    return lines
