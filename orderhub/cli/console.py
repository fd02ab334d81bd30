"""Shared console, option types and error handling of the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from orderhub.exceptions import OrderhubError
from orderhub.runner.settings import DEFAULT_WAREHOUSE, Settings, load_settings
from orderhub.warehouse.engine import create_warehouse_engine, migrate

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="orderhub.yml to use (default: ./orderhub.yml)"),
]
WarehouseOption = Annotated[
    str | None,
    typer.Option("--warehouse", "-w", help="Warehouse URL (overrides orderhub.yml)"),
]


def settings_for(config: Path | None, warehouse: str | None = None) -> Settings:
    """orderhub.yml if there is one (a missing default file means defaults)."""
    if config is None and not Path("orderhub.yml").exists():
        settings = Settings()
    else:
        settings = load_settings(config)
    if warehouse:
        settings = settings.model_copy(update={"warehouse": warehouse})
    return settings


def warehouse_engine(config: Path | None, warehouse: str | None) -> Engine:
    """The migrated warehouse engine of the given settings."""
    engine = create_warehouse_engine(settings_for(config, warehouse).warehouse or DEFAULT_WAREHOUSE)
    migrate(engine)
    return engine


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn orderhub's errors into a readable message and exit code 1 (no traceback)."""
    try:
        yield
    except OrderhubError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(1) from None


def guarded(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a command so orderhub errors exit 1 with a message, not a traceback."""
    import functools

    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> T:
        with user_errors():
            return function(*args, **kwargs)

    return wrapper
