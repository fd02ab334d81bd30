"""Order lifecycle moves: the only ways simulated orders change after creation.

The seed generator replays these moves to give orders a believable history, and
``ShopifySimulator.advance()`` applies them "now" to produce incremental changes.  Keeping one
implementation guarantees that seeded and advanced orders obey the same invariants:
transactions match ``displayFinancialStatus``, fulfillments and their events match
``displayFulfillmentStatus``, and totals reconcile (see :mod:`connectors.shopify.money`).

Every move returns ``True`` when it changed something, and then bumps ``updatedAt`` of the
order (and of the fulfillment / customer it touched) to the given moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.shopify.money import bag, bag_amount, recompute_totals, refunded
from connectors.shopify.store import Store, gid, iso

__all__ = [
    "PAID_STATES",
    "add_transaction",
    "cancel",
    "close",
    "expire_authorization",
    "fulfill",
    "pay",
    "progress_shipment",
    "refresh_customer",
    "refund",
    "tag",
    "total",
]

PAID_STATES = {"PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "REFUNDED"}

#: Carrier per destination country: (company, tracking-number template, URL prefix).
CARRIERS: dict[str, list[tuple[str, str, str]]] = {
    "US": [
        ("UPS", "1Z{a6}{d10}", "https://www.ups.com/track?tracknum="),
        ("USPS", "9400{d18}", "https://tools.usps.com/go/TrackConfirmAction?tLabels="),
    ],
    "CN": [
        ("SF Express", "SF{d13}", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/"),
        ("China Post", "LX{d9}CN", "https://www.17track.net/en/track?nums="),
    ],
    "DE": [("DHL", "00340434{d12}", "https://www.dhl.de/de/privatkunden.html?piececode=")],
    "FR": [("Colissimo", "6A{d11}", "https://www.laposte.fr/outils/suivre-vos-envois?code=")],
    "GB": [("Royal Mail", "{A2}{d9}GB", "https://www.royalmail.com/track-your-item#/")],
}
#: Where parcels leave from, for in-transit events.
WAREHOUSE = {"city": "Reno", "province": "Nevada", "country": "United States", "zip": "89502"}


def _touch(order: dict[str, Any], at: datetime) -> None:
    order["updatedAt"] = max(order["updatedAt"], iso(at))


def add_transaction(
    store: Store,
    order: dict[str, Any],
    kind: str,
    status: str,
    amounts: tuple[Decimal, Decimal],
    at: datetime,
    gateway: str | None = None,
) -> dict[str, Any]:
    numeric = store.new_id("OrderTransaction")
    transaction = {
        "id": gid("OrderTransaction", numeric),
        "kind": kind,
        "status": status,
        "gateway": gateway or order["_gateway"],
        "amountSet": bag(*amounts, order["currencyCode"], order["presentmentCurrencyCode"]),
        "createdAt": iso(at),
        "processedAt": iso(at) if status == "SUCCESS" else None,
        "test": order["test"],
    }
    order["transactions"].append(transaction)
    return transaction


def total(order: dict[str, Any]) -> tuple[Decimal, Decimal]:
    money_bag = order["currentTotalPriceSet"]
    return bag_amount(money_bag), bag_amount(money_bag, "presentmentMoney")


def refresh_customer(store: Store, customer: dict[str, Any] | None, at: datetime) -> None:
    """Recompute order count and amount spent, bumping the customer's ``updatedAt``."""
    if customer is None:
        return
    orders = [store.orders[n] for n in customer["_order_ids"] if n in store.orders]
    spent = sum(
        (
            bag_amount(o["currentTotalPriceSet"])
            for o in orders
            if o["displayFinancialStatus"] in PAID_STATES and not o["test"]
        ),
        Decimal(0),
    )
    customer["numberOfOrders"] = str(len(orders))
    customer["amountSpent"] = {"amount": f"{spent:.2f}", "currencyCode": store.shop_currency}
    customer["updatedAt"] = max(customer["updatedAt"], iso(at))


def pay(store: Store, order: dict[str, Any], at: datetime) -> bool:
    """PENDING -> PAID (manual payment received) or AUTHORIZED -> PAID (capture)."""
    status = order["displayFinancialStatus"]
    if order["cancelledAt"] or status not in {"PENDING", "AUTHORIZED"}:
        return False
    if status == "AUTHORIZED":
        add_transaction(store, order, "CAPTURE", "SUCCESS", total(order), at)
    else:
        add_transaction(store, order, "SALE", "SUCCESS", total(order), at, gateway="manual")
    order["displayFinancialStatus"] = "PAID"
    order["confirmed"] = True
    _touch(order, at)
    refresh_customer(store, order["customer"], at)
    return True


def expire_authorization(order: dict[str, Any], at: datetime) -> bool:
    """AUTHORIZED -> EXPIRED once the payment provider's hold lapses (about 7 days)."""
    if order["displayFinancialStatus"] != "AUTHORIZED" or order["cancelledAt"]:
        return False
    order["displayFinancialStatus"] = "EXPIRED"
    _touch(order, at)
    return True


def _tracking_number(store: Store, template: str) -> str:
    rng = store.rng
    out = template
    for token, alphabet in (("{a6}", "A0B1C2D3E4F5"), ("{A2}", "ABCDEFGHJKLMNPRSTUVWXYZ")):
        if token in out:
            count = int(token[2:-1])
            out = out.replace(token, "".join(rng.choice(alphabet) for _ in range(count)))
    for count in (18, 13, 12, 11, 10, 9):
        token = f"{{d{count}}}"
        if token in out:
            out = out.replace(token, "".join(rng.choice("0123456789") for _ in range(count)))
    return out


def _add_event(store: Store, fulfillment: dict[str, Any], status: str, at: datetime) -> None:
    destination = fulfillment["_destination"]
    place = WAREHOUSE if status in {"CONFIRMED", "IN_TRANSIT", "LABEL_PURCHASED"} else destination
    messages = {
        "LABEL_PURCHASED": "Shipping label purchased",
        "CONFIRMED": "Carrier has been notified",
        "IN_TRANSIT": "Departed facility",
        "DELAYED": "Shipment delayed due to weather",
        "OUT_FOR_DELIVERY": "Out for delivery",
        "ATTEMPTED_DELIVERY": "Delivery attempted - nobody home",
        "DELIVERED": "Delivered",
    }
    numeric = store.new_id("FulfillmentEvent")
    fulfillment["_events"].append(
        {
            "id": gid("FulfillmentEvent", numeric),
            "_numeric_id": numeric,
            "status": status,
            "happenedAt": iso(at),
            "message": messages.get(status),
            "city": place.get("city"),
            "province": place.get("province"),
            "country": place.get("country"),
            "zip": place.get("zip"),
        }
    )
    display = {"DELAYED": "IN_TRANSIT", "LABEL_PURCHASED": "LABEL_PURCHASED"}.get(status, status)
    fulfillment["displayStatus"] = display
    fulfillment["updatedAt"] = iso(at)
    if status == "IN_TRANSIT" and fulfillment["inTransitAt"] is None:
        fulfillment["inTransitAt"] = iso(at)
    if status == "DELIVERED":
        fulfillment["deliveredAt"] = iso(at)


def fulfill(store: Store, order: dict[str, Any], at: datetime) -> bool:
    """UNFULFILLED -> (PARTIALLY_)FULFILLED: ship with tracking and a first carrier event."""
    status = order["displayFulfillmentStatus"]
    if order["cancelledAt"] or order["displayFinancialStatus"] != "PAID":
        return False
    if status not in {"UNFULFILLED", "PARTIALLY_FULFILLED"}:
        return False
    shipping = order["shippingAddress"] or {}
    country = shipping.get("countryCodeV2") or "US"
    company, template, url = store.rng.choice(CARRIERS.get(country, CARRIERS["US"]))
    number = _tracking_number(store, template)
    numeric = store.new_id("Fulfillment")
    fulfillment: dict[str, Any] = {
        "id": gid("Fulfillment", numeric),
        "_numeric_id": numeric,
        "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
        "status": "SUCCESS",
        "displayStatus": "CONFIRMED",
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "deliveredAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": iso(at + timedelta(days=store.rng.randint(3, 7))),
        "trackingInfo": [{"company": company, "number": number, "url": url + number}],
        "_events": [],
        "_destination": {
            "city": shipping.get("city"),
            "province": shipping.get("province"),
            "country": shipping.get("country"),
            "zip": shipping.get("zip"),
        },
    }
    _add_event(store, fulfillment, "CONFIRMED", at)
    order["fulfillments"].append(fulfillment)
    store.fulfillments[numeric] = fulfillment
    partial = status == "UNFULFILLED" and len(order["_lines"]) > 1 and store.rng.random() < 0.15
    order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED" if partial else "FULFILLED"
    _touch(order, at)
    return True


_NEXT_EVENT = {
    "CONFIRMED": ["IN_TRANSIT"],
    "IN_TRANSIT": ["OUT_FOR_DELIVERY", "OUT_FOR_DELIVERY", "DELAYED"],
    "DELAYED": ["IN_TRANSIT", "OUT_FOR_DELIVERY"],
    "OUT_FOR_DELIVERY": ["DELIVERED", "DELIVERED", "DELIVERED", "ATTEMPTED_DELIVERY"],
    "ATTEMPTED_DELIVERY": ["OUT_FOR_DELIVERY", "DELIVERED"],
}


def progress_shipment(store: Store, order: dict[str, Any], at: datetime) -> bool:
    """Append the next carrier event (IN_TRANSIT ... DELIVERED) to an open fulfillment."""
    for fulfillment in order["fulfillments"]:
        last = fulfillment["_events"][-1]["status"] if fulfillment["_events"] else "CONFIRMED"
        if last in _NEXT_EVENT and fulfillment["status"] == "SUCCESS":
            _add_event(store, fulfillment, store.rng.choice(_NEXT_EVENT[last]), at)
            _touch(order, at)
            return True
    return False


def refund(store: Store, order: dict[str, Any], at: datetime, *, full: bool = False) -> bool:
    """Refund one unit (or every unit) of the items, with a REFUND transaction.

    Shipping is not refunded (Shopify's default), so an order with paid shipping stays
    PARTIALLY_REFUNDED even when all items are returned.
    """
    if order["displayFinancialStatus"] not in {"PAID", "PARTIALLY_REFUNDED"}:
        return False
    open_lines = [line for line in order["_lines"] if line["currentQuantity"] > 0]
    if not open_lines:
        return False
    if full:
        for line in open_lines:
            line["currentQuantity"] = 0
    else:
        store.rng.choice(open_lines)["currentQuantity"] -= 1
    drop_shop, drop_pres = recompute_totals(order)
    add_transaction(store, order, "REFUND", "SUCCESS", (drop_shop, drop_pres), at)
    order["totalRefundedSet"] = refunded(order)
    nothing_left = all(line["currentQuantity"] == 0 for line in order["_lines"])
    free_shipping = order["_shipping_shop"] == 0
    order["displayFinancialStatus"] = (
        "REFUNDED" if nothing_left and free_shipping else "PARTIALLY_REFUNDED"
    )
    _touch(order, at)
    refresh_customer(store, order["customer"], at)
    return True


def cancel(store: Store, order: dict[str, Any], at: datetime, reason: str = "CUSTOMER") -> bool:
    """Cancel an unpaid, unfulfilled order; an authorization is voided."""
    if order["cancelledAt"] or order["displayFulfillmentStatus"] != "UNFULFILLED":
        return False
    status = order["displayFinancialStatus"]
    if status not in {"PENDING", "AUTHORIZED", "EXPIRED"}:
        return False
    if status == "AUTHORIZED":
        add_transaction(store, order, "VOID", "SUCCESS", total(order), at)
    order["displayFinancialStatus"] = "VOIDED" if status != "EXPIRED" else "EXPIRED"
    order["cancelledAt"] = iso(at)
    order["cancelReason"] = reason
    order["closed"] = True
    order["closedAt"] = iso(at)
    _touch(order, at)
    return True


def close(order: dict[str, Any], at: datetime) -> bool:
    """Archive a fulfilled, settled order (Shopify's auto-archive)."""
    if order["closed"] or order["displayFulfillmentStatus"] != "FULFILLED":
        return False
    if order["displayFinancialStatus"] not in {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}:
        return False
    order["closed"] = True
    order["closedAt"] = iso(at)
    _touch(order, at)
    return True


_TAGS = ["VIP", "wholesale", "gift", "repeat-buyer", "小红书", "review-requested"]
_NOTES = ["Leave at the front door", "请尽快发货", "Gift wrap please", "Bitte klingeln"]


def tag(store: Store, order: dict[str, Any], at: datetime) -> bool:
    """Staff edit without business meaning: add a tag or a note (updatedAt still moves)."""
    if store.rng.random() < 0.5:
        candidates = [t for t in _TAGS if t not in order["tags"]]
        if not candidates:
            return False
        order["tags"] = sorted([*order["tags"], store.rng.choice(candidates)])
    else:
        order["note"] = store.rng.choice(_NOTES)
    _touch(order, at)
    return True
