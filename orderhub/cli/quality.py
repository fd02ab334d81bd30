"""``orderhub quality``: run the field standards and write the steward's report.

``run`` validates the warehouse with the Great Expectations suites of
``quality.standards``, builds the Data Docs site and the failing-record lists into a
reports folder, prints a summary per source, and exits 1 when an error-severity
standard failed (publication blocked). ``standards`` lists what is checked.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.console import (
    ConfigOption,
    JsonOption,
    WarehouseOption,
    console,
    errors,
    guarded,
    listing,
    print_json,
    print_listing,
    settings_for,
    warehouse_engine,
)
from orderhub.exceptions import OrderhubError
from orderhub.runner.settings import ConfigNotFoundError, find_config

quality_app = typer.Typer(
    help="Data quality: field standards (Great Expectations) and the steward's report.",
    no_args_is_help=True,
)
LATEST = "latest"


def default_reports_root(config: Path | None) -> Path:
    """``<project>/.orderhub/reports/quality``: beside orderhub.yml, else here."""
    try:
        project = find_config(config).parent
    except ConfigNotFoundError:
        project = Path.cwd()
    return project / ".orderhub" / "reports" / "quality"


def new_run_dir(root: Path) -> Path:
    """A fresh ``root/<UTC time>`` folder, created here and by no other run.

    Two runs started in the same second (a cron and a steward) would otherwise write
    into one folder, each GX rebuild over the other's pages.
    """
    _make_folder(root)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for number in range(1, 1000):
        run_dir = root / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            run_dir.mkdir()
        except FileExistsError:
            continue
        return run_dir
    raise OrderhubError(f"could not create a new report folder in {root}: clean it up and rerun")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OrderhubError(
            f"cannot write the report to {folder}: {error.strerror or error}; pass --reports "
            "a folder you can write to (or remove the file in its way)"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OrderhubError(
            f"cannot write the report to {folder}: permission denied; pass --reports a "
            "folder you can write to"
        )


def point_latest(root: Path, run_dir: Path) -> Path:
    """``root/latest`` -> this run, unless a run started later already took it.

    The link is made beside it and renamed over the old one: a reader (or a run that
    finishes at the same moment) never finds ``latest`` missing or half-written. Run
    folders are named by start time, so the newest start wins whatever finishes last.
    """
    latest = root / LATEST
    try:
        current = Path(os.readlink(latest)).name if latest.is_symlink() else None
    except OSError:
        current = None
    if current is not None and (root / current).is_dir() and current > run_dir.name:
        return latest
    temporary = root / f".{LATEST}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    try:
        temporary.symlink_to(run_dir.name, target_is_directory=True)
    except OSError:  # no symlinks here (some Windows set-ups): a text file naming the run
        temporary.write_text(str(run_dir), encoding="utf-8")
    os.replace(temporary, latest)
    return latest


@quality_app.command("run")
@guarded
def run(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            help="Write the report here (default: <project>/.orderhub/reports/quality/<time>/, "
            "with a `latest` link beside it)",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Only this source system")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the warehouse against the field standards; exit 1 if an error-severity one fails.

    Writes Data Docs (HTML), failing_records.csv/.json (every failing record, values
    masked) and summary.json. Warnings are reported and do not change the exit code.
    """
    from quality.standards.run import run_standards

    settings_for(config, warehouse)  # a missing orderhub.yml without --warehouse says so
    engine = warehouse_engine(config, warehouse)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    root = None
    if reports is None:
        root = default_reports_root(config)
        reports = new_run_dir(root)
        ours = True
    else:
        ours = not reports.exists()  # a folder the user had is theirs to keep
        _make_folder(reports)
    try:
        with console.status("checking the field standards") as status:
            result = run_standards(
                url, reports, source=source, progress=lambda step: status.update(step)
            )
    except BaseException:
        # Ctrl-C or an error mid-run: a half-written report of our own must not look like
        # a finished one (``latest`` still names the last complete run).
        if ours:
            shutil.rmtree(reports, ignore_errors=True)
        raise
    latest = point_latest(root, reports) if root is not None else None
    if as_json:
        print_json({**result.as_json(), "reports": str(reports)})
    else:
        _print_summary(result, reports, latest)
    if result.blocked:
        errors.print(
            "[bold red]publication blocked:[/] error-severity standards failed; fix the "
            f"records in {reports / 'failing_records.csv'} at their source and sync again",
            highlight=False,
        )
        raise typer.Exit(1)


def _print_summary(result: object, reports: Path, latest: Path | None) -> None:
    from quality.standards.run import QualityRun

    assert isinstance(result, QualityRun)
    table = listing("quality by source", ("source",), numbers=("errors", "warnings", "records"))
    for name, counts in result.by_source().items():
        table.add_row(name, str(counts.errors), str(counts.warnings), f"{counts.failing_records:,}")
    print_listing(table)
    for outcome in result.failed():
        colour = "red" if outcome.standard.severity.value == "error" else "yellow"
        count = "?" if outcome.unexpected is None else f"{outcome.unexpected:,}"
        if outcome.error is not None:
            console.print(
                f"  [red]could not run[/] {outcome.source}: {outcome.standard.name}: "
                f"{outcome.error} (rerun; if it persists, report it)",
                highlight=False,
            )
            continue
        console.print(
            f"  [{colour}]{outcome.standard.severity.value}[/] {outcome.source}: "
            f"{outcome.standard.name} ({count} record(s)) - {outcome.standard.meaning}",
            highlight=False,
        )
    console.print(f"report: {reports}", highlight=False)
    if result.docs_index is not None:
        console.print(f"Data Docs: {result.docs_index}", highlight=False)
    if latest is not None:
        console.print(f"latest report: {latest}", highlight=False)
    console.print(f"checked in {result.seconds:.1f} s", highlight=False)


@quality_app.command("standards")
def standards(as_json: JsonOption = False) -> None:
    """The field standards: name, table, severity and meaning."""
    from quality.standards.catalog import STANDARDS

    rows = [
        {"name": s.name, "table": s.table, "severity": s.severity.value, "meaning": s.meaning}
        for s in STANDARDS
    ]
    if as_json:
        print_json(rows)
        return
    table = listing("field standards", ("standard", "severity"), ("meaning",))
    for row in rows:
        table.add_row(row["name"], row["severity"], row["meaning"])
    print_listing(table)
