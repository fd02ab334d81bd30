"""Fixtures for tap-oracle-ebs: a seeded EBS database on the test PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.oracle_ebs.simulator import EbsDatabase, simulate
from connectors.oracle_ebs.tap import TapOracleEbs
from orderhub.connector_kit.run import TapOutput, run_tap

STREAMS = ("orders", "customers", "shipments")


@pytest.fixture
def ebs() -> Iterator[EbsDatabase]:
    """40 orders in America/Los_Angeles server time, two operating units."""
    with simulate(seed=11, count=40) as database:
        yield database


def sync(database: EbsDatabase, state: dict[str, Any] | None = None, **config: Any) -> TapOutput:
    """One in-process run of the tap against ``database`` (settings overridden by ``config``)."""
    return run_tap(TapOracleEbs, {**database.tap_config(), **config}, state=state, streams=STREAMS)


def keys(output: TapOutput, stream: str, *, tombstones: bool = False) -> set[int]:
    """Keys of the records (or only the tombstones) a run emitted for ``stream``."""
    key = output.tap.streams[stream].primary_keys[0]
    return {r[key] for r in output.records(stream) if bool(r.get("_sdc_deleted_at")) == tombstones}
