"""The canonical order status state machine, the same for every source.

Sources disagree on how many steps an order goes through (Shopify has no "allocated" or
"packed"; SAP has no "paid"), so any forward skip along the main path is allowed. What is
never allowed is going back along it: such a transition is recorded and reported, not
applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderStatus(StrEnum):
    """Canonical order status."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    ALLOCATED = "allocated"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    RETURNED = "returned"
    ON_HOLD = "on_hold"


class TrackingStatus(StrEnum):
    """Canonical carrier tracking status."""

    INFO_RECEIVED = "info_received"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"


MAIN_PATH: tuple[OrderStatus, ...] = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PAID,
    OrderStatus.ALLOCATED,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)
_RANK = {status: rank for rank, status in enumerate(MAIN_PATH)}
_BEFORE_SHIPPING = frozenset(MAIN_PATH[: _RANK[OrderStatus.SHIPPED]])
_AFTER_PAYMENT = frozenset(MAIN_PATH[_RANK[OrderStatus.PAID] :])
_AFTER_SHIPPING = frozenset(MAIN_PATH[_RANK[OrderStatus.SHIPPED] :])

#: Side exits from the main path, and where each side state may go next.
_SIDE_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # A released hold may resume anywhere ahead: sources skip steps between two syncs
    # (released, delivered and billed in one go), as they do on the main path.
    OrderStatus.ON_HOLD: frozenset({*MAIN_PATH, OrderStatus.CANCELLED, OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.RETURNED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}


def _main_path_targets(current: OrderStatus) -> frozenset[OrderStatus]:
    forward = frozenset(MAIN_PATH[_RANK[current] + 1 :])
    side: set[OrderStatus] = set()
    if current in _BEFORE_SHIPPING:
        side |= {OrderStatus.CANCELLED, OrderStatus.ON_HOLD}
    if current in _AFTER_PAYMENT:
        side.add(OrderStatus.REFUNDED)
    if current in _AFTER_SHIPPING:
        side.add(OrderStatus.RETURNED)
    return forward | side


ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    **{status: _main_path_targets(status) for status in MAIN_PATH},
    **_SIDE_TRANSITIONS,
}
TERMINAL_STATUSES = frozenset(s for s, nxt in ALLOWED_TRANSITIONS.items() if not nxt)


def is_allowed(current: OrderStatus | None, new: OrderStatus) -> bool:
    """True if an order may move from ``current`` to ``new``.

    A first sighting (``current`` is None) may be any status: we may meet an order late in
    its life. Staying in the same status is always allowed (it is not a transition).
    """
    if current is None or current == new:
        return True
    return new in ALLOWED_TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class TransitionDecision:
    """What to do with a status seen at the source for an order we may already hold."""

    previous: OrderStatus | None
    observed: OrderStatus
    accepted: bool

    @property
    def resulting(self) -> OrderStatus:
        """The status the order holds after the decision."""
        if self.accepted or self.previous is None:
            return self.observed
        return self.previous

    @property
    def is_change(self) -> bool:
        """True if this sighting is a transition worth recording in the history."""
        return self.previous != self.observed

    @property
    def reason(self) -> str | None:
        """Why the transition was refused, for the history row and reports."""
        if self.accepted:
            return None
        return f"impossible transition {self.previous} -> {self.observed}"


def decide(previous: OrderStatus | None, observed: OrderStatus) -> TransitionDecision:
    """Decide whether an observed source status is applied to the order."""
    return TransitionDecision(previous, observed, is_allowed(previous, observed))


#: The order status a carrier scan shows an order has reached; None: the scan says
#: nothing about the order (a label was printed, a delivery attempt failed).
ORDER_STATUS_OF_TRACKING: dict[TrackingStatus, OrderStatus | None] = {
    TrackingStatus.INFO_RECEIVED: None,
    TrackingStatus.PICKED_UP: OrderStatus.SHIPPED,
    TrackingStatus.IN_TRANSIT: OrderStatus.SHIPPED,
    TrackingStatus.OUT_FOR_DELIVERY: OrderStatus.SHIPPED,
    TrackingStatus.DELIVERED: OrderStatus.DELIVERED,
    TrackingStatus.EXCEPTION: None,
    TrackingStatus.RETURNED: OrderStatus.RETURNED,
}


def advanced_by_tracking(current: OrderStatus, scanned: TrackingStatus) -> OrderStatus | None:
    """The status a carrier scan moves an order to, or None if it moves nothing.

    A scan only moves an order forward. A scan behind the order's status (an in-transit
    scan loaded after the delivery) is old news, not a transition, and a scan that no
    transition allows (a cancelled order in transit) is left for the quality reports:
    carriers report parcels, the source system owns the order.
    """
    implied = ORDER_STATUS_OF_TRACKING[scanned]
    if implied is None or implied == current or implied not in ALLOWED_TRANSITIONS[current]:
        return None
    return implied


def lags_behind(held: OrderStatus, observed: OrderStatus) -> bool:
    """True if ``observed`` is a status ``held`` could still be reached from.

    When carriers moved an order on (delivered) and its source has not caught up (still
    says shipped), the source's status is behind, not an impossible transition back.
    """
    return observed != held and is_allowed(observed, held)
