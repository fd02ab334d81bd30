"""Seeds and changes an EBS-shaped database the way EBS itself writes it.

Everything lives in the database (no shadow copy), so the same code drives the test
simulator (PostgreSQL), the demo (SQLite) and the benchmark. Times are naive server-local
wall times truncated to the second, as Oracle DATE columns hold them; a change touches
only the rows EBS would touch (advancing a line does not touch its header).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.schema import (
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_DELIVERY_ASSIGNMENTS,
    WSH_DELIVERY_DETAILS,
    WSH_NEW_DELIVERIES,
)
from connectors.oracle_ebs.sim_customers import seed_customer
from connectors.oracle_ebs.sim_rows import SAMPLE, insert_rows

#: How a seeded or changed ORDER line moves on (line FLOW_STATUS_CODE).
NEXT_LINE_STATUS = {
    "AWAITING_SHIPPING": "PICKED",
    "PICKED": "SHIPPED",
    "SHIPPED": "FULFILLED",
    "FULFILLED": "INVOICED",
    "INVOICED": "CLOSED",
}
#: Delivery detail RELEASED_STATUS and delivery STATUS_CODE per line status.
SHIPPING_STATE = {
    "AWAITING_SHIPPING": ("R", None),
    "PICKED": ("Y", "OP"),
    "SHIPPED": ("C", "IT"),
    "FULFILLED": ("C", "IT"),
    "INVOICED": ("C", "CL"),
    "CLOSED": ("C", "CL"),
}
#: Seeded header status -> the line statuses its lines may be in.
SEEDED = (
    ("ENTERED", ("ENTERED",)),
    ("BOOKED", ("AWAITING_SHIPPING",)),
    ("BOOKED", ("AWAITING_SHIPPING", "PICKED")),
    ("BOOKED", ("PICKED",)),
    ("BOOKED", ("SHIPPED", "FULFILLED")),
    ("BOOKED", ("INVOICED",)),
    ("CLOSED", ("CLOSED",)),
    ("CANCELLED", ("CANCELLED",)),
)


@dataclass
class Ids:
    """The simulated sequences (EBS: OE_ORDER_HEADERS_S, OE_ORDER_LINES_S ...)."""

    header: int = 100_000
    line: int = 500_000
    hold: int = 9_000
    detail: int = 700_000
    delivery: int = 40_000
    assignment: int = 800_000
    order_number: int = 66_000

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


class EbsData:
    """Writes EBS rows into ``engine``: a seed, then changes, deletes and late commits."""

    def __init__(self, engine: sa.Engine, clock: ServerClock, seed: int = 7) -> None:
        self.engine = engine
        self.clock = clock
        self.random = random.Random(seed)
        self.ids = Ids()
        self.accounts: list[dict[str, Any]] = []

    def now(self) -> datetime:
        """The server's wall clock now, to the second (what SYSDATE returns)."""
        return self.clock.to_local(ServerClock.now())

    # -- seeding ----------------------------------------------------------------------------

    def seed(self, orders: int, *, customers: int | None = None) -> None:
        """Customers, then ``orders`` orders spread over 30 days up to two minutes ago."""
        now = self.now()
        with self.engine.begin() as connection:
            for index in range(customers or max(3, orders // 4)):
                when = now - timedelta(days=40) + timedelta(minutes=index)
                self.accounts.append(seed_customer(connection, self.random, index, when))
            rows: dict[sa.Table, list[dict[str, Any]]] = {}
            span = timedelta(days=30).total_seconds()
            for index in range(orders):
                age = timedelta(seconds=span * (orders - index) / orders + 120)
                self._order(rows, index, now - age)
            for table, values in rows.items():
                insert_rows(connection, table, values)

    def _order(
        self, rows: dict[sa.Table, list[dict[str, Any]]], index: int, when: datetime
    ) -> None:
        account = self.accounts[index % len(self.accounts)]
        org = SAMPLE["operating_units"][self.random.randrange(len(SAMPLE["operating_units"]))]
        header_status, line_statuses = SEEDED[index % len(SEEDED)]
        category = "ORDER"
        if index % 17 == 5:
            category, header_status, line_statuses = "RETURN", "BOOKED", ("AWAITING_RETURN",)
        elif index % 13 == 4:
            category = "MIXED"
        header_id = self.ids.next("header")
        who = {
            "CREATION_DATE": when,
            "LAST_UPDATE_DATE": when,
            "CREATED_BY": 0,
            "LAST_UPDATED_BY": 0,
        }
        booked = header_status not in ("ENTERED",)
        rows.setdefault(OE_ORDER_HEADERS_ALL, []).append(
            {
                "HEADER_ID": header_id,
                "ORG_ID": org,
                "ORDER_NUMBER": self.ids.next("order_number"),
                "ORDER_TYPE_ID": 1430 if category != "RETURN" else 1436,
                "ORDER_CATEGORY_CODE": category,
                "ORDER_SOURCE_ID": 0,
                "CUST_PO_NUMBER": f"PO-{index:05d}",
                "SOLD_TO_ORG_ID": account["CUST_ACCOUNT_ID"],
                "SHIP_TO_ORG_ID": account["uses"][org]["SHIP_TO"],
                "INVOICE_TO_ORG_ID": account["uses"][org]["BILL_TO"],
                "TRANSACTIONAL_CURR_CODE": SAMPLE["currency"],
                "FLOW_STATUS_CODE": header_status,
                "OPEN_FLAG": "N" if header_status in ("CLOSED", "CANCELLED") else "Y",
                "BOOKED_FLAG": "Y" if booked else "N",
                "CANCELLED_FLAG": "Y" if header_status == "CANCELLED" else "N",
                "ORDERED_DATE": when if booked else None,
                "BOOKED_DATE": when if booked else None,
                "REQUEST_DATE": when + timedelta(days=7),
                **who,
            }
        )
        count = 1 + self.random.randrange(3)
        for number in range(1, count + 1):
            status = self.random.choice(line_statuses)
            line_category = "RETURN" if category == "RETURN" else "ORDER"
            if category == "MIXED" and number == count:
                line_category, status = "RETURN", "AWAITING_RETURN"
            self._line(rows, header_id, org, number, status, line_category, who)
        if header_status == "BOOKED" and index % 11 == 3:
            rows.setdefault(OE_ORDER_HOLDS_ALL, []).append(
                {
                    "ORDER_HOLD_ID": self.ids.next("hold"),
                    "HEADER_ID": header_id,
                    "HOLD_SOURCE_ID": 1,
                    "RELEASED_FLAG": "N",
                    "ORG_ID": org,
                    **who,
                }
            )

    def _line(
        self,
        rows: dict[sa.Table, list[dict[str, Any]]],
        header_id: int,
        org: int,
        number: int,
        status: str,
        category: str,
        who: dict[str, Any],
    ) -> None:
        item = self.random.choice(SAMPLE["items"])
        quantity = Decimal(1 + self.random.randrange(5))
        line_id = self.ids.next("line")
        cancelled = status == "CANCELLED"
        rows.setdefault(OE_ORDER_LINES_ALL, []).append(
            {
                "LINE_ID": line_id,
                "HEADER_ID": header_id,
                "ORG_ID": org,
                "LINE_NUMBER": number,
                "SHIPMENT_NUMBER": 1,
                "LINE_CATEGORY_CODE": category,
                "INVENTORY_ITEM_ID": item["inventory_item_id"],
                "ORDERED_ITEM": item["ordered_item"],
                "ORDER_QUANTITY_UOM": "Ea",
                # EBS zeroes ORDERED_QUANTITY of a cancelled line (the rest is cancelled).
                "ORDERED_QUANTITY": Decimal(0) if cancelled else quantity,
                "CANCELLED_QUANTITY": quantity if cancelled else Decimal(0),
                "SHIPPED_QUANTITY": quantity
                if SHIPPING_STATE.get(status, ("",))[0] == "C"
                else None,
                "UNIT_LIST_PRICE": Decimal(item["unit_selling_price"]),
                "UNIT_SELLING_PRICE": Decimal(item["unit_selling_price"]),
                "FLOW_STATUS_CODE": status,
                "OPEN_FLAG": "N" if status in ("CLOSED", "CANCELLED") else "Y",
                "CANCELLED_FLAG": "Y" if cancelled else "N",
                "SCHEDULE_SHIP_DATE": who["CREATION_DATE"] + timedelta(days=3),
                **who,
            }
        )
        if category == "ORDER" and status in SHIPPING_STATE:
            self._shipping(rows, header_id, line_id, org, item, quantity, status, who)

    def _shipping(
        self,
        rows: dict[sa.Table, list[dict[str, Any]]],
        header_id: int,
        line_id: int,
        org: int,
        item: dict[str, Any],
        quantity: Decimal,
        status: str,
        who: dict[str, Any],
    ) -> None:
        released, delivery_status = SHIPPING_STATE[status]
        detail_id = self.ids.next("detail")
        method = self.random.choice(SAMPLE["ship_methods"])
        delivery_id = None
        if delivery_status is not None:
            delivery_id = self.ids.next("delivery")
            rows.setdefault(WSH_NEW_DELIVERIES, []).append(
                {
                    "DELIVERY_ID": delivery_id,
                    "NAME": str(delivery_id),
                    "STATUS_CODE": delivery_status,
                    "WAYBILL": f"1Z{delivery_id:010d}" if released == "C" else None,
                    "SHIP_METHOD_CODE": method,
                    "ORGANIZATION_ID": SAMPLE["organizations"][0],
                    "INITIAL_PICKUP_DATE": who["CREATION_DATE"] if released == "C" else None,
                    "CONFIRM_DATE": who["CREATION_DATE"] if released == "C" else None,
                    **who,
                }
            )
        rows.setdefault(WSH_DELIVERY_DETAILS, []).append(
            {
                "DELIVERY_DETAIL_ID": detail_id,
                "SOURCE_CODE": "OE",
                "SOURCE_HEADER_ID": header_id,
                "SOURCE_LINE_ID": line_id,
                "ORG_ID": org,
                "ORGANIZATION_ID": SAMPLE["organizations"][0],
                "INVENTORY_ITEM_ID": item["inventory_item_id"],
                "REQUESTED_QUANTITY": quantity,
                "SHIPPED_QUANTITY": quantity if released == "C" else None,
                "REQUESTED_QUANTITY_UOM": "Ea",
                "RELEASED_STATUS": released,
                "SHIP_METHOD_CODE": method,
                **who,
            }
        )
        rows.setdefault(WSH_DELIVERY_ASSIGNMENTS, []).append(
            {
                "DELIVERY_ASSIGNMENT_ID": self.ids.next("assignment"),
                "DELIVERY_ID": delivery_id,
                "DELIVERY_DETAIL_ID": detail_id,
                **who,
            }
        )
