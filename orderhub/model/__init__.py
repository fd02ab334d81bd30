"""The unified order semantic model (see docs/architecture.md)."""

from orderhub.model.entities import (
    ENTITY_TYPES,
    Address,
    Customer,
    Order,
    OrderLine,
    OrderStatusEvent,
    Payment,
    Shipment,
    TrackingEvent,
    UnifiedEntity,
)
from orderhub.model.status import OrderStatus, TrackingStatus, decide, is_allowed
from orderhub.model.values import PhoneStatus, deterministic_key

__all__ = [
    "ENTITY_TYPES",
    "Address",
    "Customer",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusEvent",
    "Payment",
    "PhoneStatus",
    "Shipment",
    "TrackingEvent",
    "TrackingStatus",
    "UnifiedEntity",
    "decide",
    "deterministic_key",
    "is_allowed",
]
