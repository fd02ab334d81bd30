"""Shared console, option types and error handling of the CLI.

Every command finds orderhub.yml the same way (:func:`settings_for`), opens the warehouse
the same way (:func:`warehouse_engine`), prints listings whole (:func:`print_listing`,
:func:`print_json`) and turns errors into one line (:func:`guarded`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import click
import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from orderhub import jsonutil
from orderhub.exceptions import ConfigurationError, OrderhubError
from orderhub.runner.settings import ConfigNotFoundError, Settings, find_config, load_settings
from orderhub.warehouse.engine import connect_warehouse, mask_url, migrate

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one error, one line: never hard-wrapped
T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="orderhub.yml to use (default: $ORDERHUB_CONFIG, else the first orderhub.yml "
        "in this folder or above)",
    ),
]
WarehouseOption = Annotated[
    str | None,
    typer.Option("--warehouse", "-w", help="Warehouse URL (overrides orderhub.yml)"),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Machine-readable JSON (complete, stable keys)")
]


class CliState:
    """Global options of one invocation (set by the app's callback)."""

    debug: bool = False


def settings_for(
    config: Path | None, warehouse: str | None = None, *, require_file: bool = False
) -> Settings:
    """The project's orderhub.yml (see :func:`find_config`), ``--warehouse`` overriding it.

    Only a command given ``--warehouse`` (and not ``require_file``) runs without an
    orderhub.yml: anything else would silently mean a different warehouse in every
    working directory.
    """
    try:
        path = find_config(config)
    except ConfigNotFoundError:
        if warehouse is None or require_file:
            raise
        return Settings(warehouse=warehouse)
    return load_settings(path, warehouse=warehouse)


def checked_settings(config: Path | None, warehouse: str | None = None) -> Settings:
    """Settings to run a pipeline with: from an orderhub.yml (the pipelines live there),
    and with the warehouse proven to answer before a sync starts processes that would
    each fail on it with a traceback."""
    settings = settings_for(config, warehouse, require_file=True)
    connect_warehouse(settings.warehouse).dispose()
    return settings


def warehouse_engine(config: Path | None, warehouse: str | None, *, write: bool = False) -> Engine:
    """The migrated warehouse engine of the given settings.

    A read-only command (``write=False``) never creates a warehouse: a missing SQLite
    file is reported instead of silently becoming an empty one.
    """
    engine = connect_warehouse(settings_for(config, warehouse).warehouse, must_exist=not write)
    migrate(engine)
    return engine


def listing(
    title: str,
    whole: tuple[str, ...],
    wrapped: tuple[str, ...] = (),
    *,
    numbers: tuple[str, ...] = (),
) -> Table:
    """A table whose ``whole`` columns never wrap or shorten (ids, keys, bookmarks) and
    whose ``wrapped`` columns (free text) fold onto more lines instead of being cut.

    ``numbers`` (after ``whole``) are whole too, right-aligned: a count cut to ``1…`` is
    worse than a line that wraps in the terminal.
    """
    table = Table(title=title, title_justify="left")
    for column in whole:
        table.add_column(column, no_wrap=True, overflow="ignore")
    for column in numbers:
        table.add_column(column, no_wrap=True, overflow="ignore", justify="right")
    for column in wrapped:
        table.add_column(column, overflow="fold", min_width=16)
    return table


def print_listing(table: Table) -> None:
    """Print ``table`` at least as wide as its unwrappable columns (ids, keys, bookmarks).

    Rich would otherwise cut them to fit a narrow terminal or the 80 columns of a pipe;
    a too-wide line wraps in the terminal but keeps every character.
    """
    needed = _unwrapped_width(table)
    if needed <= console.width:
        console.print(table)
        return
    wide = Console(
        file=console.file,
        width=needed,
        force_terminal=console.is_terminal,
        color_system=console.color_system,  # type: ignore[arg-type]
        no_color=console.no_color,
    )
    wide.print(table)


def _unwrapped_width(table: Table) -> int:
    # Rich's own minimum measurement leaves out cell padding, so it is computed here:
    # whole columns at their longest cell, wrapped ones at their min_width, plus padding
    # and the vertical borders.
    padding = table.padding[1] + table.padding[3]  # rich keeps (top, right, bottom, left)
    width = len(table.columns) + 1
    for column in table.columns:
        if column.no_wrap:
            longest = max((cell_len(str(c)) for c in column.cells), default=0)
            width += max(longest, cell_len(str(column.header))) + padding
        else:
            width += (column.min_width or 1) + padding
    return width


def confirm(question: str) -> None:
    """Ask ``question``; a "no" exits 1.

    Without a terminal on stdin there is nobody to answer, and click's bare ``Abort``
    would look like a crash: say to pass ``--yes`` instead.
    """
    try:
        agreed = typer.confirm(question)
    except (typer.Abort, click.Abort):
        errors.print()  # end the unanswered prompt's line
        raise ConfigurationError(
            f"no answer to {question!r} (stdin is not a terminal, or it was closed): "
            "pass --yes to go ahead without asking"
        ) from None
    if not agreed:
        raise typer.Exit(1)


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, never wrapped or styled (dates ISO 8601, exact decimals)."""
    typer.echo(jsonutil.dumps(data))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors into one readable line and exit code 1; a traceback only with --debug."""
    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.Abort, click.ClickException):
        raise
    except BrokenPipeError:
        # The reader stopped reading (`orderhub ... | head`): typer exits 1 quietly,
        # as for any command; it is no error to report.
        raise
    except OrderhubError as exc:
        _error(str(exc))
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        _error(
            f"the warehouse failed: {mask_url(first)}; check the warehouse URL in orderhub.yml "
            "or --warehouse (rerun with --debug for the traceback)"
        )
    except Exception as exc:
        _error(
            f"unexpected {type(exc).__name__}: {mask_url(str(exc))} "
            "(rerun with --debug for the traceback, and report it)"
        )


def _error(message: str) -> NoReturn:
    # Called inside the `except` block: print_exception shows the error being handled.
    if CliState.debug:
        errors.print_exception()
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    raise typer.Exit(1)


def guarded(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a command so errors exit 1 with a message, not a traceback."""

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> T:
        with user_errors():
            return function(*args, **kwargs)

    return wrapper
