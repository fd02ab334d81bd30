"""The ECC tables behind the simulator: VBAK/VBUK, VBAP/VBUP, VBPA, KNA1/ADRC, as rows.

Rows hold ABAP values the way the function module hands them to the SOAP runtime
(internal formats: VBELN/KUNNR with leading zeros, MATNR 18 characters for numeric
materials, blank codes, DATS ``YYYY-MM-DD``), and each document carries its change stamp
(CDHDR UDATE/UTIME) as a naive wall time of the server's time zone. Orders move through
realistic SD status combinations (A/B/C/blank, credit and delivery blocks, billing
blocks, rejections) in several sales organisations and currencies.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sap.ecc import records
from connectors.sap.ecc.stamps import to_utc, to_wall


@dataclass(frozen=True)
class Org:
    """A sales organisation: its country, currency and how its customers look."""

    vkorg: str
    country: str
    currency: str
    cities: tuple[tuple[str, str, str, str], ...]  # city, postal code, region, street
    phone: str  # TELF1 pattern; {n} = a customer-specific number
    names: tuple[str, ...]


ORGS = (
    Org(
        "1000",
        "DE",
        "EUR",
        (
            ("Berlin", "10115", "11", "Invalidenstr. 12"),
            ("Hamburg", "20095", "02", "Mönckebergstr. 7"),
        ),
        "0049 30 {n}",
        ("Müller Maschinenbau GmbH", "Schmidt & Söhne KG"),
    ),
    Org(
        "1010",
        "DE",
        "EUR",
        (("München", "80331", "09", "Sendlinger Str. 3"),),
        "089 {n}",  # national form: the mapping adds +49 from LAND1
        ("Bayerische Pumpenwerke AG",),
    ),
    Org(
        "3000",
        "US",
        "USD",
        (("New York", "10001", "NY", "350 5th Ave"), ("Chicago", "60601", "IL", "233 S Wacker Dr")),
        "001 212 {n}",
        ("Acme Industrial Supply Inc.", "Great Lakes Hydraulics LLC"),
    ),
    Org(
        "2200",
        "GB",
        "GBP",
        (("London", "EC1A 1BB", "", "1 Aldersgate St"),),
        "0044 20 7{n}",
        ("Thames Valley Fluids Ltd",),
    ),
    Org(
        "5000",
        "JP",
        "JPY",
        (("Tokyo", "100-0005", "13", "1-1 Marunouchi"),),
        "0081 3 6{n}",
        ("株式会社 東京ポンプ",),
    ),
)
#: MATNR (internal: numeric ones 18 digits), text, sales unit, unit price per currency.
PRODUCTS = (
    ("000000000000100234", "Pump housing PH-200", "PC", Decimal("149.90")),
    ("000000000000100877", "Seal kit SK-12", "PC", Decimal("12.45")),
    ("TG-1100", "Trading good, coupling", "PC", Decimal("33.00")),
    ("000000000000200011", "Hydraulic oil HLP 46", "L", Decimal("4.125")),
    ("FERT-7002", "Control unit CU-7", "PC", Decimal("1299.00")),
)
RATES = {"EUR": Decimal(1), "USD": Decimal("1.08"), "GBP": Decimal("0.86"), "JPY": Decimal(160)}

#: SD status combinations: VBUK GBSTK, LFGSK, FKSAK, ABSTK, CMGST and VBAK LIFSK, FAKSK.
STATES: dict[str, dict[str, str]] = {
    "open": dict(GBSTK="A", LFGSK="A", FKSAK="", ABSTK="A", CMGST="A", LIFSK="", FAKSK=""),
    "credit_hold": dict(GBSTK="A", LFGSK="A", FKSAK="", ABSTK="A", CMGST="B", LIFSK="", FAKSK=""),
    "delivery_block": dict(
        GBSTK="A", LFGSK="A", FKSAK="", ABSTK="A", CMGST="A", LIFSK="01", FAKSK=""
    ),
    "partly_delivered": dict(
        GBSTK="B", LFGSK="B", FKSAK="", ABSTK="A", CMGST="A", LIFSK="", FAKSK=""
    ),
    "delivered": dict(GBSTK="B", LFGSK="C", FKSAK="", ABSTK="A", CMGST="D", LIFSK="", FAKSK=""),
    "billing_block": dict(
        GBSTK="B", LFGSK="C", FKSAK="", ABSTK="A", CMGST="A", LIFSK="", FAKSK="02"
    ),
    "partly_rejected": dict(
        GBSTK="C", LFGSK="C", FKSAK="", ABSTK="B", CMGST="A", LIFSK="", FAKSK=""
    ),
    "completed": dict(GBSTK="C", LFGSK="C", FKSAK="", ABSTK="A", CMGST="A", LIFSK="", FAKSK=""),
    "rejected": dict(GBSTK="C", LFGSK="", FKSAK="", ABSTK="C", CMGST="", LIFSK="", FAKSK=""),
    # Order-related billing (e.g. a service order): FKSAK is relevant, LFGSK is not.
    "service_open": dict(GBSTK="A", LFGSK="", FKSAK="A", ABSTK="A", CMGST="A", LIFSK="", FAKSK=""),
    "service_billed": dict(
        GBSTK="C", LFGSK="", FKSAK="C", ABSTK="A", CMGST="A", LIFSK="", FAKSK=""
    ),
}
LIFECYCLE: dict[str, tuple[str, ...]] = {
    "open": ("credit_hold", "delivery_block", "partly_delivered", "delivered", "rejected"),
    "credit_hold": ("open", "rejected"),
    "delivery_block": ("open",),
    "partly_delivered": ("delivered", "partly_rejected"),
    "delivered": ("completed", "billing_block"),
    "billing_block": ("completed",),
    "partly_rejected": (),
    "completed": (),
    "rejected": (),
    "service_open": ("service_billed",),
    "service_billed": (),
}


def stamp_fields(wall: datetime) -> dict[str, str]:
    """UDATE/UTIME of a wall time."""
    return {"UDATE": wall.date().isoformat(), "UTIME": wall.time().isoformat("seconds")}


@dataclass
class EccStore:
    """Seeded SD documents and customers, changed like a live ECC system."""

    tz: ZoneInfo
    seed: int = 7
    count: int = 40
    #: Orders whose AUDAT is a date ABAP holds but the calendar does not (bad input).
    invalid_dates: int = 0
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _last: datetime = datetime.min

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        start = datetime.now(UTC) - timedelta(days=30)
        for number in range(1, max(3, self.count // 3) + 1):
            self._add_customer(number, to_wall(start + timedelta(hours=number), self.tz))
        for number in range(1, self.count + 1):
            moment = start + timedelta(days=29 * number / self.count, minutes=7)
            order = self._add_order(to_wall(moment, self.tz))
            service = order["header"]["AUART"] == "SO"
            states = [s for s in STATES if s.startswith("service") == service]
            order["state"] = self.rng.choice(states)
            self._apply_state(order)
        for order in list(self.orders.values())[: self.invalid_dates]:
            order["header"]["AUDAT"] = "2023-02-30"

    # -- seeding ----------------------------------------------------------------------------

    def _add_customer(self, number: int, wall: datetime) -> dict[str, Any]:
        org = ORGS[number % len(ORGS)]
        city, postal, region, street = org.cities[number % len(org.cities)]
        kunnr = f"{100000 + number:010d}"
        row = {
            "KUNNR": kunnr,
            "NAME1": f"{org.names[number % len(org.names)]} ({number})",
            "LAND1": org.country,
            "ORT01": city,
            "PSTLZ": postal,
            "STRAS": street,
            "REGIO": region,
            "TELF1": org.phone.format(n=f"{5550100 + number * 37}"),
            "SMTP_ADDR": f"orders{number}@customer{number}.example.com" if number % 4 else "",
            "ERDAT": wall.date().isoformat(),
            "VKORG": org.vkorg,  # simulator only: which org sells to it
            **stamp_fields(wall),
        }
        self.customers[kunnr] = row
        return row

    def _add_order(self, wall: datetime) -> dict[str, Any]:
        rng = self.rng
        number = len(self.orders) + 1
        customer = rng.choice(list(self.customers.values()))
        org = next(o for o in ORGS if o.vkorg == customer["VKORG"])
        service = rng.random() < 0.15
        vbeln = f"{number:010d}"
        created = wall - timedelta(minutes=rng.randint(0, 600))
        items = []
        for index in range(1, rng.randint(1, 4) + 1):
            matnr, text, unit, price = rng.choice(PRODUCTS)
            quantity = Decimal(rng.randint(1, 40)) if unit == "PC" else Decimal("12.5")
            net = price * RATES[org.currency] * quantity
            net = net.quantize(Decimal(1) if org.currency == "JPY" else Decimal("0.01"))
            items.append(
                {"VBELN": vbeln, "POSNR": f"{index * 10:06d}", "MATNR": matnr, "ARKTX": text}
                | {"KWMENG": quantity, "VRKME": unit, "NETWR": net, "WAERK": org.currency}
                | {"ABGRU": "", "GBSTA": "A", "LFSTA": "A", "FKSAA": ""}
            )
        partners = [
            {"VBELN": vbeln, "POSNR": "000000", "PARVW": "AG", "KUNNR": customer["KUNNR"]},
            {"VBELN": vbeln, "POSNR": "000000", "PARVW": "WE", "KUNNR": customer["KUNNR"]},
        ]
        header = {
            "VBELN": vbeln,
            "AUART": "SO" if service else "OR",
            "VKORG": org.vkorg,
            "VTWEG": "10",
            "SPART": "00",
            "KUNNR": customer["KUNNR"],
            "BSTNK": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.8 else "",
            "AUDAT": created.date().isoformat(),
            "ERDAT": created.date().isoformat(),
            "ERZET": created.time().isoformat("seconds"),
            "AEDAT": "0000-00-00",
            "VDATU": (created + timedelta(days=rng.randint(2, 21))).date().isoformat(),
            "WAERK": org.currency,
            **stamp_fields(wall),
        }
        order = {"header": header, "items": items, "partners": partners}
        order["state"] = "service_open" if service else "open"
        self.orders[vbeln] = order
        self._apply_state(order)
        return order

    def _apply_state(self, order: dict[str, Any]) -> None:
        """Statuses of header and items for the order's state; NETWR without rejections."""
        state = order["state"]
        header = order["header"] | STATES[state]
        items = order["items"]
        for index, item in enumerate(items):
            rejected = state == "rejected" or (state == "partly_rejected" and index == 0)
            item["ABGRU"] = ("02" if state == "rejected" else "01") if rejected else ""
            item["GBSTA"] = "C" if rejected else header["GBSTK"]
            item["LFSTA"] = "" if rejected else header["LFGSK"]
            item["FKSAA"] = "" if rejected else header["FKSAK"]
        header["NETWR"] = sum((i["NETWR"] for i in items if not i["ABGRU"]), Decimal(0))
        order["header"] = header

    # -- clock ------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The server's wall clock to the second, never going back (stamps are unique per
        instant only to the second: several documents can share one)."""
        wall = to_wall(datetime.now(UTC), self.tz)
        self._last = max(self._last, wall)
        return self._last

    # -- what tests and the kit do to the source ------------------------------------------

    def change(self, count: int) -> dict[str, set[str]]:
        """Move ``count`` orders one lifecycle step (or create orders) and change one
        customer per five orders; returns the keys (as tap-sap emits them) per stream."""
        with self.lock:
            wall = self.now()
            changed: set[str] = set()
            movable = [o for o in self.orders.values() if LIFECYCLE[o["state"]]]
            for order in self.rng.sample(movable, min(count, len(movable))):
                order["state"] = self.rng.choice(LIFECYCLE[order["state"]])
                self._apply_state(order)
                self._stamp(order, wall)
                changed.add(order["header"]["VBELN"])
            while len(changed) < count:
                changed.add(self._add_order(wall)["header"]["VBELN"])
            customers = set()
            for row in self.rng.sample(list(self.customers.values()), max(1, count // 5)):
                row["STRAS"] = row["STRAS"].rstrip("abcdefgh") + self.rng.choice("abcdefgh")
                row.update(stamp_fields(wall))
                customers.add(row["KUNNR"])
            return {"orders": _keys(changed), "customers": _keys(customers)}

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        """Change orders with a stamp ``before`` in the past: a late-committing update."""
        with self.lock:
            wall = to_wall(datetime.now(UTC) - before, self.tz)
            changed = set()
            for order in self.rng.sample(list(self.orders.values()), min(count, len(self.orders))):
                order["header"]["BSTNK"] = f"PO-{self.rng.randint(10000, 99999)}"
                self._stamp(order, wall)
                changed.add(order["header"]["VBELN"])
            return {"orders": _keys(changed)}

    def _stamp(self, order: dict[str, Any], wall: datetime) -> None:
        order["header"].update(stamp_fields(wall), AEDAT=wall.date().isoformat())

    def current(self, stream: str) -> dict[str, str]:
        """Every key of a stream with its LastChangeDateTime as tap-sap emits it."""
        with self.lock:
            rows = (
                [o["header"] for o in self.orders.values()]
                if stream == "orders"
                else list(self.customers.values())
            )
            key = "VBELN" if stream == "orders" else "KUNNR"
            return {
                str(records.alpha(row[key], 10)): records.utc_text(
                    to_utc(datetime.fromisoformat(f"{row['UDATE']}T{row['UTIME']}"), self.tz)
                )
                for row in rows
            }


def _keys(numbers: set[str]) -> set[str]:
    return {str(records.alpha(n, 10)) for n in numbers}
