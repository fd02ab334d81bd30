"""The canonical status state machine."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orderhub.model.status import (
    ALLOWED_TRANSITIONS,
    MAIN_PATH,
    ORDER_STATUS_OF_TRACKING,
    TERMINAL_STATUSES,
    OrderStatus,
    TrackingStatus,
    advanced_by_tracking,
    decide,
    is_allowed,
    lags_behind,
)

statuses = st.sampled_from(list(OrderStatus))


def test_every_status_has_a_transition_entry() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)


def test_refunded_is_the_only_terminal_status() -> None:
    assert {OrderStatus.REFUNDED} == TERMINAL_STATUSES


@given(st.integers(0, len(MAIN_PATH) - 1), st.integers(0, len(MAIN_PATH) - 1))
def test_main_path_only_moves_forward(a: int, b: int) -> None:
    assert is_allowed(MAIN_PATH[a], MAIN_PATH[b]) == (b >= a)


def test_delivered_to_pending_payment_is_refused_and_keeps_previous() -> None:
    decision = decide(OrderStatus.DELIVERED, OrderStatus.PENDING_PAYMENT)
    assert not decision.accepted
    assert decision.resulting is OrderStatus.DELIVERED
    assert decision.reason == "impossible transition delivered -> pending_payment"


def test_cancel_only_before_shipping() -> None:
    assert is_allowed(OrderStatus.PAID, OrderStatus.CANCELLED)
    assert is_allowed(OrderStatus.ON_HOLD, OrderStatus.CANCELLED)
    assert not is_allowed(OrderStatus.SHIPPED, OrderStatus.CANCELLED)
    assert not is_allowed(OrderStatus.DELIVERED, OrderStatus.CANCELLED)


def test_returns_only_after_shipping() -> None:
    assert not is_allowed(OrderStatus.PAID, OrderStatus.RETURNED)
    assert is_allowed(OrderStatus.DELIVERED, OrderStatus.RETURNED)
    assert is_allowed(OrderStatus.RETURNED, OrderStatus.REFUNDED)


@given(statuses)
def test_first_sighting_and_repeats_are_always_accepted(status: OrderStatus) -> None:
    assert decide(None, status).accepted
    assert decide(status, status).accepted
    assert not decide(status, status).is_change


@given(st.lists(statuses, min_size=1, max_size=30))
def test_applying_any_sequence_only_ever_holds_reachable_statuses(
    observed: list[OrderStatus],
) -> None:
    """Whatever a source sends, the held status only moves along allowed transitions."""
    held: OrderStatus | None = None
    for status in observed:
        decision = decide(held, status)
        if held is not None and decision.resulting != held:
            assert decision.resulting in ALLOWED_TRANSITIONS[held]
        if not decision.accepted:
            assert decision.resulting == held and decision.reason
        held = decision.resulting


@given(statuses)
def test_nothing_leaves_refunded(status: OrderStatus) -> None:
    assert decide(OrderStatus.REFUNDED, status).resulting is OrderStatus.REFUNDED


scans = st.sampled_from(list(TrackingStatus))


@given(statuses, scans)
def test_a_scan_only_ever_moves_an_order_forward(
    current: OrderStatus, scan: TrackingStatus
) -> None:
    moved = advanced_by_tracking(current, scan)
    if moved is not None:
        assert moved != current and is_allowed(current, moved)
        assert moved == ORDER_STATUS_OF_TRACKING[scan]


def test_scans_move_orders_the_way_parcels_go() -> None:
    assert advanced_by_tracking(OrderStatus.PAID, TrackingStatus.IN_TRANSIT) == "shipped"
    assert advanced_by_tracking(OrderStatus.SHIPPED, TrackingStatus.DELIVERED) == "delivered"
    assert advanced_by_tracking(OrderStatus.DELIVERED, TrackingStatus.RETURNED) == "returned"
    # old news, and what carriers cannot decide
    assert advanced_by_tracking(OrderStatus.DELIVERED, TrackingStatus.IN_TRANSIT) is None
    assert advanced_by_tracking(OrderStatus.CANCELLED, TrackingStatus.IN_TRANSIT) is None
    assert advanced_by_tracking(OrderStatus.SHIPPED, TrackingStatus.EXCEPTION) is None
    assert advanced_by_tracking(OrderStatus.PAID, TrackingStatus.INFO_RECEIVED) is None


@given(statuses, statuses)
def test_a_lagging_status_is_one_that_could_still_reach_the_held_one(
    held: OrderStatus, observed: OrderStatus
) -> None:
    assert lags_behind(held, observed) == (observed != held and is_allowed(observed, held))


@given(st.sampled_from([s for s in ORDER_STATUS_OF_TRACKING.values() if s]), statuses)
def test_a_status_a_scan_set_is_never_behind_what_lags_behind_it(
    held: OrderStatus, observed: OrderStatus
) -> None:
    # No cycle: the source catching up (or going past) is never itself lagging.
    if lags_behind(held, observed):
        assert not lags_behind(observed, held)


def test_a_released_hold_resumes_anywhere_ahead_but_nothing_shipped_goes_on_hold() -> None:
    # released, delivered and billed between two syncs (SAP billing block, EBS hold)
    assert is_allowed(OrderStatus.ON_HOLD, OrderStatus.COMPLETED)
    assert is_allowed(OrderStatus.ON_HOLD, OrderStatus.DELIVERED)
    assert not is_allowed(OrderStatus.SHIPPED, OrderStatus.ON_HOLD)
    assert not is_allowed(OrderStatus.ON_HOLD, OrderStatus.RETURNED)
