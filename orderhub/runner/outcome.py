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
# The prefix of a singer-sdk log line ("2024-05-01 10:00:00,000 | ERROR | tap-x | "):
# the reason is what follows it.
_LOG_PREFIX = re.compile(r"^.*?\|\s*(?:ERROR|CRITICAL)\s*\|[^|]*\|\s*")
# The lines of a Python traceback other than its final exception line: the header, the
# indented frames and carets, and the "above exception" links between chained errors.
_FRAME = re.compile(
    r"^(?:Traceback \(most recent call last\):|\s+\S|\s*$|File \"|The above exception|"
    r"During handling of the above exception)"
)
_FULL_LOG = re.compile(r"^\(full log: (?P<path>.+)\)$", re.MULTILINE)
_HIDDEN = "(traceback left out: rerun with --debug to print it)"


def describe_bookmarks(state: dict[str, Any] | None) -> str:
    """The committed bookmarks in words: ``orders at 2024-05-01T..., customers at ...``."""
    bookmarks = (state or {}).get("bookmarks") or {}
    parts = []
    for stream, bookmark in sorted(bookmarks.items()):
        value = bookmark.get("replication_key_value") if isinstance(bookmark, dict) else None
        parts.append(f"{stream} at {value}" if value is not None else f"{stream} (partitioned)")
    return ", ".join(parts) if parts else "nothing yet (the next sync starts from the beginning)"


def _rerun(pipeline: str, options: str) -> str:
    """The command that runs the same sync again (a window's carries its options)."""
    return f"orderhub sync {pipeline}{' ' + options if options else ''}"


def cancelled(
    signal_name: str, pipeline: str, state: dict[str, Any] | None, options: str = ""
) -> str:
    """The message of a run stopped by a signal."""
    return (
        f"stopped by {signal_name}; committed up to {describe_bookmarks(state)}; "
        f"rerun `{_rerun(pipeline, options)}` to resume."
    )


def tap_said(log: Path) -> str:
    """The tap's own words about its failure: its last error, else its last line.

    A tool often logs the specific reason and then a generic one ("... is not of type
    'string'", then "Config validation failed"): adjacent error lines are one error, its
    first line first.
    """
    tail = _tail(log, 200)
    blocks: list[list[str]] = []
    previous_was_error = False
    for line in tail:
        is_error = bool(_ERROR_LINE.search(line))
        if is_error and previous_was_error:
            blocks[-1].append(line)
        elif is_error:
            blocks.append([line])
        previous_was_error = is_error
    if not blocks:
        return tail[-1].strip() if tail else "(the tap wrote nothing)"
    return "; ".join(_LOG_PREFIX.sub("", line).strip() for line in blocks[-1])


def log_lines(log: Path, lines: int = 12) -> str:
    """The last lines of a process log without Python traceback frames (they are for
    whoever debugs the tap, not for who runs the sync: ``--debug`` prints them)."""
    tail = _tail(log, 400)
    kept = [line for line in tail if not _FRAME.match(line)]
    shown = "\n".join(kept[-lines:])
    traceback = any(line.startswith("Traceback ") for line in tail)
    return f"{shown}\n{_HIDDEN}" if traceback else shown


def _tail(log: Path, lines: int) -> list[str]:
    # Unlike log_tail this keeps the first line's indentation: a frame stays a frame.
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return text.rstrip().splitlines()[-lines:]


def logs_named_in(message: str) -> list[Path]:
    """The process logs a failure message points to (its ``(full log: ...)`` lines)."""
    return [Path(found["path"]) for found in _FULL_LOG.finditer(message)]


def last_traceback(log: Path) -> str | None:
    """A process log from its first Python traceback on (what ``--debug`` adds)."""
    tail = _tail(log, 400)
    start = next((i for i, line in enumerate(tail) if line.startswith("Traceback ")), None)
    return None if start is None else "\n".join(tail[start:])


def tap_could_not_start(
    tap: str, pipeline: str, exit_code: int, log: Path, settings: list[str], options: str = ""
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
        f"Nothing was loaded; {check}, then run `{_rerun(pipeline, options)}` again.\n"
        f"{log_lines(log)}\n(full log: {log})"
    )


def tap_failed(tap: str, pipeline: str, exit_code: int, log: Path, options: str = "") -> str:
    """A tap that failed after sending records: what it sent is committed."""
    return (
        f"{tap} failed (exit {exit_code}): {tap_said(log)}\nWhat it sent before failing is "
        f"committed; rerun `{_rerun(pipeline, options)}` to resume.\n"
        f"{log_lines(log)}\n(full log: {log})"
    )


def target_failed(pipeline: str, exit_code: int, log: Path, options: str = "") -> str:
    """The target failed: committed data and state are kept."""
    return (
        f"target-orderhub failed (exit {exit_code}); committed data and state are kept, "
        f"rerun `{_rerun(pipeline, options)}` after fixing the cause.\n"
        f"{log_lines(log)}\n(full log: {log})"
    )


def invalid_input(count: int) -> str:
    """A run that loaded everything it could but received lines that were not Singer."""
    return (
        f"{count} input line(s) were not Singer messages; they are in dead_letters "
        "(rule not_singer_message): see `orderhub deadletters list` and fix the tap."
    )
