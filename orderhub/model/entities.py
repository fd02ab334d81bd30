"""The unified order semantic model: one shape for every source's orders.

Every entity carries its natural key ``(source_system, source_id)`` and the version it
had at the source (``source_updated_at``); its warehouse key is derived from the natural
key, so the same source record always lands on the same row.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from orderhub.model.status import OrderStatus, TrackingStatus
from orderhub.model.types import Currency, Money, Quantity, UnitPrice, UtcDatetime
from orderhub.model.values import PhoneStatus, deterministic_key, phone_e164

#: Enums are kept as their values: rows go to the warehouse as plain text.
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, use_enum_values=True)


class _HasPhone(BaseModel):
    """Standardises ``phone_raw`` into ``phone`` (E.164 or kept masked) and its status."""

    model_config = _STRICT

    phone_raw: str | None = None
    phone: str | None = None
    phone_status: PhoneStatus | None = None
    #: Region used to read numbers without a country prefix; not stored.
    phone_region: str | None = Field(default=None, exclude=True)

    def _default_region(self) -> str | None:
        return self.phone_region

    @model_validator(mode="after")
    def _standardise_phone(self) -> _HasPhone:
        if self.phone_raw and self.phone is None:
            phone, status = phone_e164(self.phone_raw, self._default_region())
            object.__setattr__(self, "phone", phone)
            object.__setattr__(self, "phone_status", status)
        return self


class Address(_HasPhone):
    """A postal address, embedded in orders and customers."""

    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    district: str | None = None
    province: str | None = None
    province_code: str | None = None
    postal_code: str | None = None
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    def _default_region(self) -> str | None:
        return self.phone_region or self.country_code


class UnifiedEntity(BaseModel):
    """What every unified row has: natural key, source version, deterministic key."""

    model_config = _STRICT
    KIND: ClassVar[str]
    KEY_COLUMN: ClassVar[str]

    source_system: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    source_updated_at: UtcDatetime

    @property
    def key(self) -> uuid.UUID:
        """The deterministic warehouse key of this entity."""
        return deterministic_key(self.KIND, self.source_system, self.source_id)


class _BelongsToOrder(UnifiedEntity):
    order_source_id: str = Field(min_length=1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def order_key(self) -> uuid.UUID:
        return deterministic_key(Order.KIND, self.source_system, self.order_source_id)


class Customer(UnifiedEntity, _HasPhone):
    """A buyer as one source knows it; dedupe links customers across sources."""

    KIND = "customer"
    KEY_COLUMN = "customer_key"

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    state: str | None = None
    default_address: Address | None = None
    created_at: UtcDatetime | None = None

    def _default_region(self) -> str | None:
        address = self.default_address
        return self.phone_region or (address.country_code if address else None)

    @model_validator(mode="after")
    def _lower_email(self) -> Customer:
        if self.email:
            object.__setattr__(self, "email", self.email.lower())
        return self


class Order(UnifiedEntity, _HasPhone):
    """An order header. ``status`` is canonical; ``status_raw`` is the source's code.

    Amounts are **as ordered**: ``subtotal_amount`` is the sum of the lines' ``line_total``
    (after line discounts), and ``total_amount = subtotal - discount + shipping + tax``,
    whatever happened to the order later. What refunds and edits took off is kept beside
    them: ``refunded_amount`` (money returned to the buyer so far) and
    ``current_total_amount`` (what the buyer pays now). Lines and orders therefore always
    reconcile, and a refund never rewrites what was sold.
    """

    KIND = "order"
    KEY_COLUMN = "order_key"

    order_number: str | None = None
    customer_source_id: str | None = None
    status: OrderStatus
    status_raw: str
    currency: Currency
    subtotal_amount: Money | None = None
    discount_amount: Money | None = None
    shipping_amount: Money | None = None
    tax_amount: Money | None = None
    total_amount: Money
    refunded_amount: Money | None = None
    current_total_amount: Money | None = None
    ordered_at: UtcDatetime
    cancelled_at: UtcDatetime | None = None
    closed_at: UtcDatetime | None = None
    email: str | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None

    def _default_region(self) -> str | None:
        address = self.shipping_address or self.billing_address
        return self.phone_region or (address.country_code if address else None)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def customer_key(self) -> uuid.UUID | None:
        if self.customer_source_id is None:
            return None
        return deterministic_key(Customer.KIND, self.source_system, self.customer_source_id)


class OrderLine(_BelongsToOrder):
    """One line of an order, as ordered.

    ``quantity``, ``unit_price`` (after line discounts) and ``line_total`` describe what
    was sold; ``current_quantity`` is what is left after refunds, returns and edits.
    Quantities and amounts carry the source's sign: negative only where the mapping spec
    declares the field ``signed`` (U8 red-ink returns); see ``model.types.SignRuled``.
    """

    KIND = "order_line"
    KEY_COLUMN = "line_key"

    line_number: int | None = None
    sku: str | None = None
    product_name: str | None = None
    quantity: Quantity
    unit_price: UnitPrice
    discount_amount: Money | None = None
    line_total: Money
    current_quantity: Quantity | None = None
    currency: Currency


class Payment(_BelongsToOrder):
    """A payment, capture or refund against an order; refunds have kind ``refund``."""

    KIND = "payment"
    KEY_COLUMN = "payment_key"

    kind: str
    status: str
    amount: Money
    currency: Currency
    gateway: str | None = None
    processed_at: UtcDatetime | None = None


class Shipment(_BelongsToOrder):
    """A parcel sent for an order, with its carrier and tracking number."""

    KIND = "shipment"
    KEY_COLUMN = "shipment_key"

    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    status: TrackingStatus | None = None
    status_raw: str | None = None
    shipped_at: UtcDatetime | None = None
    delivered_at: UtcDatetime | None = None


class TrackingEvent(UnifiedEntity):
    """One carrier scan of a shipment."""

    KIND = "tracking_event"
    KEY_COLUMN = "event_key"

    shipment_source_id: str = Field(min_length=1)
    status: TrackingStatus
    status_raw: str
    occurred_at: UtcDatetime
    location: str | None = None
    description: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def shipment_key(self) -> uuid.UUID:
        return deterministic_key(Shipment.KIND, self.source_system, self.shipment_source_id)


class OrderStatusEvent(BaseModel):
    """One status seen for an order, and whether the state machine let it apply.

    Not mapped from sources: the warehouse derives it when an order's status changes.
    """

    model_config = _STRICT

    order_key: uuid.UUID
    source_system: str
    source_id: str
    previous_status: OrderStatus | None
    status: OrderStatus
    status_raw: str | None = None
    occurred_at: UtcDatetime
    accepted: bool
    reason: str | None = None


ENTITY_TYPES: dict[str, type[UnifiedEntity]] = {
    cls.KIND: cls for cls in (Customer, Order, OrderLine, Payment, Shipment, TrackingEvent)
}
