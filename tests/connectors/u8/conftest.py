"""Fixtures for tap-u8: emulated U8 databases on MariaDB, read through pyodbc."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.u8.simulator import U8Database, simulate
from connectors.u8.tap import TapU8
from orderhub.connector_kit.run import TapOutput, run_tap


@pytest.fixture
def u8() -> Iterator[U8Database]:
    """A small seeded U8 account-year database (every order stage occurs)."""
    with simulate(seed=5, orders=14) as database:
        yield database


def sync(config: dict[str, Any], state: dict[str, Any] | None = None, **kwargs: Any) -> TapOutput:
    """One in-process run of tap-u8."""
    return run_tap(TapU8, config, state=state, **kwargs)


def keys(output: TapOutput, stream: str) -> list[str]:
    names = {"orders": "ID", "shipments": "DLID", "customers": "cCusCode"}
    return [str(r[names[stream]]) for r in output.records(stream)]
