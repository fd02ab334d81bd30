"""The words a finished, failed or stopped sync ends with: what happened, what to do next.

Messages are built here and redacted by the caller, once, before they reach the console
or ``sync_runs.message``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orderhub.redaction import setting_names_in
from orderhub.runner.process import log_tail

# A Python exception line ("singer_sdk.exceptions.FatalAPIError: ...") or a log line of
# level ERROR/CRITICAL: what the tap itself said went wrong.
_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Exit)\b.*:|\|\s*(ERROR|CRITICAL)\s*\|")


def describe_bookmarks(state: dict[str, Any] | None) -> str:
    """The committed bookmarks in words: ``orders at 2024-05-01T..., customers at ...``."""
    bookmarks = (state or {}).get("bookmarks") or {}
    parts = []
    for stream, bookmark in sorted(bookmarks.items()):
        value = bookmark.get("replication_key_value") if isinstance(bookmark, dict) else None
        parts.append(f"{stream} at {value}" if value is not None else f"{stream} (partitioned)")
    return ", ".join(parts) if parts else "nothing yet (the next sync starts from the beginning)"


def cancelled(signal_name: str, pipeline: str, state: dict[str, Any] | None) -> str:
    """The message of a run stopped by a signal."""
    return (
        f"stopped by {signal_name}; committed up to {describe_bookmarks(state)}; "
        f"rerun `orderhub sync {pipeline}` to resume."
    )


def tap_said(log: Path) -> str:
    """The tap's own words about its failure: its last error line, else its last line."""
    tail = log_tail(log, lines=200).splitlines()
    errors = [line for line in tail if _ERROR_LINE.search(line)]
    chosen = errors[-1] if errors else (tail[-1] if tail else "(the tap wrote nothing)")
    return chosen.strip()


def tap_could_not_start(
    tap: str, pipeline: str, exit_code: int, log: Path, settings: list[str]
) -> str:
    """A tap that failed before sending any record: its configuration or credentials.

    Its own message comes first; there is nothing to resume, so no "rerun to resume".
    """
    said = tap_said(log)
    named = setting_names_in(said, settings) or setting_names_in(log_tail(log), settings)
    check = (
        f"check the setting(s) {', '.join(named)} of pipeline {pipeline} in orderhub.yml"
        if named
        else f"check the config of pipeline {pipeline} in orderhub.yml and the source"
    )
    return (
        f"{tap} failed before sending any record (exit {exit_code}): {said}\n"
        f"Nothing was loaded; {check}, then run `orderhub sync {pipeline}` again.\n"
        f"{log_tail(log)}\n(full log: {log})"
    )


def tap_failed(tap: str, pipeline: str, exit_code: int, log: Path) -> str:
    """A tap that failed after sending records: what it sent is committed."""
    return (
        f"{tap} failed (exit {exit_code}): {tap_said(log)}\nWhat it sent before failing is "
        f"committed; rerun `orderhub sync {pipeline}` to resume.\n"
        f"{log_tail(log)}\n(full log: {log})"
    )


def target_failed(pipeline: str, exit_code: int, log: Path) -> str:
    """The target failed: committed data and state are kept."""
    return (
        f"target-orderhub failed (exit {exit_code}); committed data and state are kept, "
        f"rerun `orderhub sync {pipeline}` after fixing the cause.\n"
        f"{log_tail(log)}\n(full log: {log})"
    )


def invalid_input(count: int) -> str:
    """A run that loaded everything it could but received lines that were not Singer."""
    return (
        f"{count} input line(s) were not Singer messages; they are in dead_letters "
        "(rule not_singer_message): see `orderhub deadletters list` and fix the tap."
    )
