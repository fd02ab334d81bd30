"""The simulated S/4HANA's data: sales orders that move through SD's statuses, and the
business partners who buy them.

An order's header statuses are totalled from its items, as SD does (VBUK from VBUP): an
item is open (A), partly processed (B: delivered, not yet billed) or complete (C); a
rejected item (``SalesDocumentRjcnReason`` set) is complete. Every change, also one made
to an item only, stamps the header's ``LastChangeDateTime``: S/4HANA saves a sales order
as one document, header and items together (an assumption the docs state).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

SAMPLE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).with_name("sample_data.yml")).read_text(encoding="utf-8")
)
#: Amount decimals per currency (TCURX): JPY has none.
CURRENCIES: dict[str, int] = SAMPLE["currencies"]
PRODUCTS = tuple((p["material"], p["text"], Decimal(p["price"])) for p in SAMPLE["products"])
CUSTOMERS: list[dict[str, str]] = SAMPLE["customers"]
#: Partner function codes: internal (what the API sends) and English external forms.
PARTNER_CODES = {k: tuple(v) for k, v in SAMPLE["partner_codes"].items()}
DELIVERY_BLOCKS = tuple(SAMPLE["delivery_blocks"])
BILLING_BLOCKS = tuple(SAMPLE["billing_blocks"])
#: Item rejection reasons (TVAG): 01 delivery date too late, 02 poor quality ...
REJECTION_REASONS = tuple(SAMPLE["rejection_reasons"])


def _now() -> datetime:
    return datetime.now(UTC)


def total(codes: list[str]) -> str:
    """A header status from item statuses: blanks ignored, all A -> A, all C -> C, else B."""
    relevant = {c for c in codes if c}
    if not relevant:
        return ""
    return relevant.pop() if len(relevant) == 1 else "B"


@dataclass
class Partner:
    """A business partner that is a customer, with one address, phone and e-mail."""

    number: str
    name: str
    country: str
    city: str
    postal_code: str
    street: str
    house: str
    region: str
    phone: str
    international_phone: str
    phone_country: str
    email: str
    created: datetime
    changed: datetime | None = None


@dataclass
class Item:
    number: str
    material: str
    text: str
    quantity: Decimal
    net_amount: Decimal
    order_related_billing: bool
    delivered: bool = False
    billed: bool = False
    rejection: str = ""

    @property
    def process(self) -> str:
        if self.rejection:
            return "C"
        if self.order_related_billing:
            return "C" if self.billed else "A"
        if self.delivered:
            return "C" if self.billed else "B"
        return "A"

    @property
    def delivery(self) -> str:
        if self.order_related_billing:
            return ""  # a service item is not relevant for delivery
        return "C" if self.delivered else "A"

    @property
    def billing(self) -> str:
        if not self.order_related_billing:
            return ""  # billed per delivery: order-related billing does not apply
        return "C" if self.billed else "A"


@dataclass
class Order:
    number: str
    currency: str
    sold_to: str
    ship_to: str
    created: datetime
    changed: datetime
    items: list[Item]
    purchase_order: str
    credit: str = "A"
    delivery_block: str = ""
    billing_block: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def net_amount(self) -> Decimal:
        return sum((i.net_amount for i in self.items if not i.rejection), Decimal(0))

    def header(self) -> dict[str, Any]:
        """The A_SalesOrder properties as Python values (the serializer formats them)."""
        rejection = total(["C" if i.rejection else "A" for i in self.items])
        return {
            "SalesOrder": self.number,
            "SalesOrderType": "OR",
            "SalesOrganization": "1010",
            "DistributionChannel": "10",
            "OrganizationDivision": "00",
            "SoldToParty": self.sold_to,
            "CreationDate": self.created.date(),
            "CreatedByUser": "CB9980000123",
            "LastChangeDate": self.changed.date(),
            "LastChangeDateTime": self.changed,
            "PurchaseOrderByCustomer": self.purchase_order,
            "SalesOrderDate": self.created.date(),
            "TotalNetAmount": self.net_amount,
            "TransactionCurrency": self.currency,
            "RequestedDeliveryDate": (self.created + timedelta(days=7)).date(),
            "OverallSDProcessStatus": total([i.process for i in self.items]),
            "TotalCreditCheckStatus": self.credit,
            "OverallTotalDeliveryStatus": total([i.delivery for i in self.items]),
            "OverallSDDocumentRejectionSts": rejection,
            "HeaderBillingBlockReason": self.billing_block,
            "DeliveryBlockReason": self.delivery_block,
            "IncotermsClassification": "EXW",
            "CustomerPaymentTerms": "0001",
            **self.extra,
        }

    def item_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "SalesOrder": self.number,
                "SalesOrderItem": i.number,
                "SalesOrderItemCategory": "TAD" if i.order_related_billing else "TAN",
                "Material": i.material,
                "SalesOrderItemText": i.text,
                "RequestedQuantity": i.quantity,
                "RequestedQuantityUnit": "EA",
                "RequestedQuantitySAPUnit": "ST",
                "RequestedQuantityISOUnit": "EA",
                "TransactionCurrency": self.currency,
                "NetAmount": i.net_amount,
                "ProductionPlant": "1010",
                "ShippingPoint": "" if i.order_related_billing else "1010",
                "SDProcessStatus": i.process,
                "DeliveryStatus": i.delivery,
                "OrderRelatedBillingStatus": i.billing,
                "SalesDocumentRjcnReason": i.rejection,
            }
            for i in self.items
        ]

    def partner_rows(self, codes: tuple[str, ...]) -> list[dict[str, Any]]:
        sold_to, ship_to, bill_to, payer = codes
        parties = (
            (sold_to, self.sold_to),
            (ship_to, self.ship_to),
            (bill_to, self.sold_to),
            (payer, self.sold_to),
        )
        return [
            {"SalesOrder": self.number, "PartnerFunction": function, "Customer": customer}
            for function, customer in parties
        ]


class SapStore:
    """Orders and partners of one simulated client, seeded and changed reproducibly."""

    def __init__(self, *, seed: int = 7, count: int = 40, customers: int = 12) -> None:
        self.random = random.Random(seed)
        self.lock = threading.RLock()
        self.partners: dict[str, Partner] = {}
        self.orders: dict[str, Order] = {}
        start = _now() - timedelta(days=30)
        for n in range(customers):
            self._add_partner(n, start + timedelta(hours=n))
        numbers = sorted(self.partners)
        # Orders spread over the past month however many there are: a change time in the
        # future would be refused by the target (implausible_version).
        step = min(timedelta(minutes=37), timedelta(days=27) / max(count, 1))
        for n in range(count):
            created = (
                start + timedelta(days=1, microseconds=self.random.randrange(10**6)) + step * n
            )
            order = self._new_order(f"{10000 + n:010d}", created, numbers)
            for _ in range(self.random.randrange(0, 4)):
                self.advance(order, order.changed)
            self.orders[order.number] = order

    def _add_partner(self, n: int, created: datetime) -> None:
        sample: dict[str, Any] = dict(CUSTOMERS[n % len(CUSTOMERS)])
        if n >= len(CUSTOMERS):
            sample["name"] = f"{sample['name']} ({n // len(CUSTOMERS) + 1})"
        number = f"{17100001 + n:010d}"
        self.partners[number] = Partner(
            number=number, created=created.replace(microsecond=0), **sample
        )

    def _new_order(self, number: str, created: datetime, customers: list[str]) -> Order:
        rnd = self.random
        sold_to = rnd.choice(customers)
        ship_to = sold_to if rnd.random() < 0.7 else rnd.choice(customers)
        currency = rnd.choice(list(CURRENCIES))
        items = []
        for index in range(rnd.randrange(1, 4)):
            material, text, price = rnd.choice(PRODUCTS)
            quantity = Decimal(rnd.randrange(1, 20))
            unit = price * (150 if currency == "JPY" else 1)
            amount = (quantity * unit).quantize(Decimal(1).scaleb(-CURRENCIES[currency]))
            items.append(
                Item(
                    f"{(index + 1) * 10:06d}",
                    material,
                    text,
                    quantity,
                    amount,
                    order_related_billing=material.startswith("SRV"),
                )
            )
        order = Order(
            number,
            currency,
            sold_to,
            ship_to,
            created,
            created,
            items,
            purchase_order=f"PO-{rnd.randrange(10**5, 10**6)}",
        )
        roll = rnd.random()
        if roll < 0.1:
            order.credit = "B"  # blocked by the credit check until released
        elif roll < 0.15:
            order.delivery_block = rnd.choice(DELIVERY_BLOCKS)
        elif roll < 0.2:
            order.billing_block = rnd.choice(BILLING_BLOCKS)
        return order

    def advance(self, order: Order, at: datetime) -> None:
        """One business step: release a block, deliver, bill, or reject an item."""
        rnd = self.random
        if order.credit == "B":
            order.credit = "D"  # released by the credit representative
        elif order.delivery_block:
            order.delivery_block = ""
        elif order.billing_block and all(
            i.delivered for i in order.items if not i.order_related_billing
        ):
            order.billing_block = ""
        else:
            open_items = [i for i in order.items if i.process != "C"]
            if not open_items:
                item = rnd.choice(order.items)
                item.quantity += 1  # an item-only change on a completed order
            else:
                item = rnd.choice(open_items)
                if rnd.random() < 0.08 and not item.delivered:
                    item.rejection = rnd.choice(REJECTION_REASONS)
                elif not item.delivered and not item.order_related_billing:
                    item.delivered = True
                elif not order.billing_block:
                    item.billed = True
                else:
                    item.quantity += 1
        order.changed = max(at, order.changed + timedelta(microseconds=1))

    def change_orders(self, count: int, at: datetime | None = None) -> set[str]:
        with self.lock:
            chosen = self.random.sample(sorted(self.orders), min(count, len(self.orders)))
            moment = at or _now()
            for number in chosen:
                order = self.orders[number]
                if at is not None:
                    order.changed = at - timedelta(microseconds=1)
                self.advance(order, moment)
            return set(chosen)

    def change_item_only(self, number: str) -> None:
        """Change only an item's quantity; the header is stamped as SAP does."""
        with self.lock:
            order = self.orders[number]
            order.items[0].quantity += 1
            order.changed = max(_now(), order.changed + timedelta(microseconds=1))

    def change_partners(self, count: int, at: datetime | None = None) -> set[str]:
        with self.lock:
            chosen = self.random.sample(sorted(self.partners), min(count, len(self.partners)))
            moment = (at or _now()).replace(microsecond=0)
            for number in chosen:
                partner = self.partners[number]
                partner.street = f"{partner.street.split(' #')[0]} #{self.random.randrange(100)}"
                partner.changed = moment
            return set(chosen)

    def order_versions(self) -> dict[str, str]:
        """SalesOrder -> LastChangeDateTime as the API shows it (milliseconds)."""
        with self.lock:
            return {n: _ms(o.changed).isoformat() for n, o in self.orders.items()}

    def partner_versions(self) -> dict[str, str]:
        with self.lock:
            return {p.number: (p.changed or p.created).isoformat() for p in self.partners.values()}


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def as_date_time(day: date) -> datetime:
    """A calendar date as SAP carries it: its UTC midnight."""
    return datetime.combine(day, time(), tzinfo=UTC)
