"""CDC across the night clocks go back, through the client and the simulator: a change
after the bookmark is never missed, whichever pass of the repeated hour either is in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sap.ecc.client import EccClient
from connectors.sap.ecc.sim_store import stamp_fields
from connectors.sap.ecc.simulator import EccSimulator, simulate
from connectors.sap.ecc.stamps import to_wall, zone

#: Berlin, 27 Oct 2024: 02:00-03:00 local happens at 00:00-01:00Z and again at 01:00-02:00Z.
FALL_BACK = datetime(2024, 10, 27, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def night() -> Iterator[tuple[EccSimulator, dict[str, datetime]]]:
    """24 orders changed every 10 minutes from 2 h before the change to 2 h after."""
    with simulate(seed=2, count=24, timezone="Europe/Berlin") as service:
        truth: dict[str, datetime] = {}
        for index, (number, order) in enumerate(sorted(service.store.orders.items())):
            moment = FALL_BACK - timedelta(hours=2) + timedelta(minutes=10 * index)
            order["header"].update(stamp_fields(to_wall(moment, zone("Europe/Berlin"))))
            truth[number] = moment
        yield service, truth


@settings(max_examples=40)
@given(st.integers(min_value=-150 * 60, max_value=150 * 60))
def test_no_change_after_the_bookmark_is_missed(
    night: tuple[EccSimulator, dict[str, datetime]], offset: int
) -> None:
    service, truth = night
    bookmark = FALL_BACK + timedelta(seconds=offset)
    read = list(EccClient(service.tap_config() | {"page_size": 5}).orders(bookmark))
    keys = {o["SalesOrder"] for o in read}
    assert {n for n, moment in truth.items() if moment >= bookmark} <= keys
    # At most the repeated hour is read again, never more.
    assert all(truth[k] >= bookmark - timedelta(hours=1) for k in keys)
    stamps = [datetime.fromisoformat(o["LastChangeDateTime"]) for o in read]
    assert stamps == sorted(stamps), "sorted by LastChangeDateTime"
    for order, stamp in zip(read, stamps, strict=True):
        # The earlier reading of a repeated wall time: never later than the truth.
        assert (
            truth[order["SalesOrder"]] - timedelta(hours=1) <= stamp <= truth[order["SalesOrder"]]
        )
