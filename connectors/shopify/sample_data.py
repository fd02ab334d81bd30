"""Deterministic seed data and incremental changes for the Shopify simulator.

``seed_store`` builds a shop whose orders were created over the ~30 days before ``start`` and
then lived through a realistic history (payments, shipments, refunds, cancellations) replayed
with :mod:`connectors.shopify.lifecycle`.  ``advance_store`` applies the same moves "now".
Everything is driven by one ``random.Random(seed)``, so identical seeds and identical call
sequences give identical shops (only the wall-clock timestamps of advances differ).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.shopify import lifecycle
from connectors.shopify.money import convert, q2, recompute_totals
from connectors.shopify.people import format_phone, make_address, make_person
from connectors.shopify.store import Store, gid, iso

__all__ = ["advance_store", "edit_customer", "new_customer", "new_order", "seed_store"]

#: (title, variant titles, vendor, sku prefix or None, price in USD)
PRODUCTS: list[tuple[str, list[str | None], str, str | None, str]] = [
    ("Jasmine Green Tea 茉莉花茶", ["250g", "500g"], "Tea Garden", "TEA-JAS", "12.50"),
    ("Organic Cotton T-Shirt", ["S / White", "M / Black", "L / Navy"], "Northwind", "TSH", "24.00"),
    ("Ceramic Pour-Over Set", [None], "Kiln & Co", "CER-POS", "58.00"),
    ("Silk Scarf 真丝围巾", ["Red", "Blue"], "Hangzhou Silk", "SLK-SCF", "45.90"),
    ("Wireless Earbuds", ["Black", "White"], "SoundWave", "AUD-WEB", "79.99"),
    ("Bamboo Cutting Board", ["Large"], "GreenHome", "KIT-BCB", "18.75"),
    ("Running Shoes", ["EU 40", "EU 42", "EU 44"], "Stride", "SHO-RUN", "89.00"),
    ("Stainless Water Bottle", ["500ml", "750ml"], "HydraCo", "BOT-SWB", "21.00"),
    ("Leather Wallet 真皮钱包", [None], "Atelier Cuir", "ACC-LWA", "39.50"),
    ("Yoga Mat", ["Purple", "Grey"], "ZenFit", "FIT-YGM", "32.00"),
    ("Scented Candle", ["Lavender", "Cedar"], "Glow", "HOM-SCD", "16.40"),
    ("Mechanical Keyboard", ["Red switches", "Brown switches"], "Keyforge", "ELE-MKB", "119.00"),
    ("Gift Card", ["$25"], "orderhub demo", None, "25.00"),
    ("Frozen Dumplings 速冻水饺", ["Pork & Cabbage 猪肉白菜"], "Auntie Wu", "FOOD-DMP", "9.80"),
]
LOCAL_CURRENCY = {"CN": "CNY", "DE": "EUR", "FR": "EUR", "GB": "GBP", "US": "USD"}
TAX_RATES = {"US": "0.0725", "CN": "0.13", "DE": "0.19", "FR": "0.20", "GB": "0.20"}
FREE_SHIPPING_USD = Decimal("50")
SHIPPING_USD = Decimal("5.99")


def new_customer(store: Store, created: datetime) -> dict[str, Any]:
    """A customer account with a default address (Shopify stores its phone as E.164)."""
    rng = store.rng
    person = make_person(rng)
    numeric = store.new_id("Customer")
    address_id = gid("MailingAddress", store.new_id("MailingAddress"), "CustomerAddress")
    customer: dict[str, Any] = {
        "id": gid("Customer", numeric),
        "_numeric_id": numeric,
        "_person": person,
        "_order_ids": [],
        "legacyResourceId": str(numeric),
        "email": person.email,
        "phone": format_phone(person.phone_digits, person.country, "e164")
        if rng.random() < 0.6
        else None,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "displayName": person.display_name,
        "state": rng.choices(["ENABLED", "DISABLED", "INVITED", "DECLINED"], [70, 25, 4, 1])[0],
        "verifiedEmail": person.email is not None and rng.random() < 0.9,
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "tags": rng.choice([[], [], ["newsletter"], ["VIP"], ["wholesale", "VIP"]]),
        "note": rng.choice([None, None, None, "Prefers WeChat contact", "Allergic to nuts"]),
        "numberOfOrders": "0",
        "amountSpent": {"amount": "0.00", "currencyCode": store.shop_currency},
        "defaultAddress": make_address(rng, person, address_id),
    }
    store.customers[numeric] = customer
    return customer


def _shop_price(usd: str, currency: str) -> Decimal:
    price = convert(Decimal(usd), "USD", currency)
    return q2(price.quantize(Decimal(1))) if currency == "CNY" else price


def _line(store: Store, product: tuple, shop_ccy: str, pres_ccy: str) -> dict[str, Any]:
    rng = store.rng
    title, variants, vendor, sku, usd = product
    variant = rng.choice(variants)
    unit_shop = _shop_price(usd, shop_ccy)
    unit_pres = convert(unit_shop, shop_ccy, pres_ccy)
    rate = Decimal(rng.choices(["0", "0.10", "0.15"], [80, 12, 8])[0])
    quantity = rng.choice([1, 1, 1, 2, 2, 3])
    numeric = store.new_id("LineItem")
    return {
        "id": gid("LineItem", numeric),
        "_numeric_id": numeric,
        "name": f"{title} - {variant}" if variant else title,
        "title": title,
        "sku": f"{sku}-{variants.index(variant) + 1:02d}" if sku else None,
        "quantity": quantity,
        "currentQuantity": quantity,
        "variantTitle": variant,
        "vendor": vendor,
        "_unit_shop": unit_shop,
        "_unit_presentment": unit_pres,
        "_unit_discount_shop": q2(unit_shop * rate),
        "_unit_discount_presentment": q2(unit_pres * rate),
    }


def new_order(store: Store, at: datetime, customer: dict[str, Any] | None) -> dict[str, Any]:
    """Place an order at ``at``: priced, taxed, and paid/authorized/pending."""
    rng = store.rng
    person = customer["_person"] if customer else make_person(rng)
    home = customer["defaultAddress"] if customer else None
    country = home["countryCodeV2"] if home else person.country
    ship_id = gid("MailingAddress", store.new_id("MailingAddress"), "Address")
    if home is not None and rng.random() < 0.85:
        shipping = {**home, "id": ship_id}
    else:
        shipping = make_address(rng, person, ship_id, country=country)
    bill_id = gid("MailingAddress", store.new_id("MailingAddress"), "Address")
    billing = (
        {**shipping, "id": bill_id} if rng.random() < 0.8 else make_address(rng, person, bill_id)
    )
    shop_ccy = store.shop_currency
    pres_ccy = LOCAL_CURRENCY[country] if rng.random() < 0.6 else shop_ccy
    products = rng.sample(PRODUCTS, rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
    lines = [_line(store, product, shop_ccy, pres_ccy) for product in products]
    gross = sum((ln["_unit_shop"] * ln["quantity"] for ln in lines), Decimal(0))
    free = convert(gross, shop_ccy, "USD") >= FREE_SHIPPING_USD
    shipping_shop = Decimal(0) if free else convert(SHIPPING_USD, "USD", shop_ccy)
    test = rng.random() < 0.03
    numeric = store.new_id("Order")
    number = store.next_order_number
    store.next_order_number += 1
    financial = rng.choices(["PENDING", "AUTHORIZED", "PAID"], [10, 15, 75])[0]
    gateway = "bogus" if test else rng.choice(["shopify_payments"] * 3 + ["paypal"])
    if country == "CN" and not test and rng.random() < 0.5:
        gateway = rng.choice(["alipay", "wechat_pay"])
    order: dict[str, Any] = {
        "id": gid("Order", numeric),
        "_numeric_id": numeric,
        "_lines": lines,
        "_gateway": "manual" if financial == "PENDING" else gateway,
        "_discount_rate": Decimal(rng.choices(["0", "0.05", "0.10"], [75, 15, 10])[0]),
        "_tax_rate": Decimal(TAX_RATES[country]),
        "_shipping_shop": shipping_shop,
        "_shipping_presentment": convert(shipping_shop, shop_ccy, pres_ccy),
        "legacyResourceId": str(numeric),
        "name": f"#{number}",
        "number": number - 1000,
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "processedAt": iso(at),
        "cancelledAt": None,
        "cancelReason": None,
        "closed": False,
        "closedAt": None,
        "confirmed": financial != "PENDING" or rng.random() < 0.5,
        "test": test,
        "currencyCode": shop_ccy,
        "presentmentCurrencyCode": pres_ccy,
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": person.email,
        "phone": customer["phone"] if customer and rng.random() < 0.5 else None,
        "note": rng.choice([None] * 6 + ["请尽快发货", "Leave at the front door"]),
        "tags": rng.choice([[], [], [], ["gift"], ["wholesale"], ["小红书"]]),
        "customer": customer,
        "billingAddress": billing,
        "shippingAddress": shipping,
        "transactions": [],
        "fulfillments": [],
    }
    recompute_totals(order)
    total = lifecycle.total(order)
    if financial == "AUTHORIZED" or (financial == "PAID" and rng.random() < 0.3):
        lifecycle.add_transaction(store, order, "AUTHORIZATION", "SUCCESS", total, at)
        if financial == "PAID":
            lifecycle.add_transaction(store, order, "CAPTURE", "SUCCESS", total, at)
    elif financial == "PAID":
        if rng.random() < 0.08:
            lifecycle.add_transaction(store, order, "SALE", "FAILURE", total, at)
        lifecycle.add_transaction(store, order, "SALE", "SUCCESS", total, at)
    store.orders[numeric] = order
    if customer is not None:
        customer["_order_ids"].append(numeric)
        lifecycle.refresh_customer(store, customer, at)
    return order


def edit_customer(store: Store, customer: dict[str, Any], at: datetime) -> None:
    """The shopper changes their email or phone; only ``customer.updatedAt`` moves."""
    rng = store.rng
    person = customer["_person"]
    if rng.random() < 0.5 or customer["email"] is None:
        local = f"{person.last_name}.{person.first_name}".encode("ascii", "ignore").decode()
        local = local.strip(".").lower() or f"user{customer['_numeric_id'] % 10_000}"
        customer["email"] = f"{local}{rng.randint(100, 999)}@{rng.choice(['gmail.com', 'qq.com'])}"
        customer["verifiedEmail"] = False
    else:
        digits = make_person(rng).phone_digits if person.country != "CN" else None
        fresh = digits or f"139{rng.randint(0, 99_999_999):08d}"
        country = person.country if digits else "CN"
        customer["phone"] = format_phone(fresh, country, "e164")
    customer["updatedAt"] = max(customer["updatedAt"], iso(at))


def _history(store: Store, order: dict[str, Any], created: datetime, start: datetime) -> None:
    """Replay what happened to an order between its creation and ``start``."""
    rng = store.rng
    moment = created

    def step(low_hours: float, high_hours: float, move: Callable[[datetime], bool]) -> bool:
        nonlocal moment
        candidate = moment + timedelta(hours=rng.uniform(low_hours, high_hours))
        if candidate >= start:
            return False
        if move(candidate):
            moment = candidate
            return True
        return False

    status = order["displayFinancialStatus"]
    roll = rng.random()
    if status == "PENDING":
        if roll < 0.5:
            step(12, 72, lambda t: lifecycle.pay(store, order, t))
        elif roll < 0.8:
            reason = rng.choice(["CUSTOMER", "DECLINED", "INVENTORY"])
            step(24, 96, lambda t: lifecycle.cancel(store, order, t, reason))
    elif status == "AUTHORIZED":
        if roll < 0.7:
            step(2, 24, lambda t: lifecycle.pay(store, order, t))
        elif roll < 0.85:
            step(170, 190, lambda t: lifecycle.expire_authorization(order, t))
        else:
            step(6, 48, lambda t: lifecycle.cancel(store, order, t, "FRAUD"))
    if order["displayFinancialStatus"] == "PAID" and rng.random() < 0.9:
        if rng.random() < 0.03:
            order["displayFulfillmentStatus"] = "ON_HOLD"
            return
        if step(4, 48, lambda t: lifecycle.fulfill(store, order, t)):
            if order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED":
                step(12, 48, lambda t: lifecycle.fulfill(store, order, t))
            while step(6, 30, lambda t: lifecycle.progress_shipment(store, order, t)):
                pass
    roll = rng.random()
    if roll < 0.08:
        step(24, 120, lambda t: lifecycle.refund(store, order, t))
    elif roll < 0.12:
        step(24, 120, lambda t: lifecycle.refund(store, order, t, full=True))
    if rng.random() < 0.4:
        step(24, 96, lambda t: lifecycle.close(order, t))
    if rng.random() < 0.1:
        step(1, 200, lambda t: lifecycle.tag(store, order, t))


def seed_store(*, seed: int, orders: int, customers: int, currency: str, start: datetime) -> Store:
    """Build the initial shop: customers, then orders over the 30 days before ``start``."""
    store = Store(rng=random.Random(seed), shop_currency=currency)
    rng = store.rng
    window = timedelta(days=30).total_seconds()
    for _ in range(customers):
        back = rng.uniform(30, 150) if rng.random() < 0.8 else rng.uniform(1, 30)
        new_customer(store, start - timedelta(days=back))
    created = sorted(
        (start - timedelta(seconds=rng.uniform(60, window))).replace(microsecond=0)
        for _ in range(orders)
    )
    pool = list(store.customers.values())
    for at in created:
        eligible = [c for c in pool if c["createdAt"] <= iso(at)]
        customer = rng.choice(eligible) if eligible and rng.random() < 0.9 else None
        order = new_order(store, at, customer)
        _history(store, order, at, start)
        lifecycle.refresh_customer(store, customer, at)
    return store


_MOVES: list[tuple[str, int]] = [
    ("pay", 3), ("fulfill", 4), ("ship", 5), ("refund", 1), ("refund_full", 1),
    ("cancel", 1), ("close", 1), ("tag", 1),
]  # fmt: skip


def _apply(store: Store, move: str, order: dict[str, Any], now: datetime) -> bool:
    if move == "pay":
        return lifecycle.pay(store, order, now)
    if move == "fulfill":
        return lifecycle.fulfill(store, order, now)
    if move == "ship":
        return lifecycle.progress_shipment(store, order, now)
    if move in {"refund", "refund_full"}:
        return lifecycle.refund(store, order, now, full=move == "refund_full")
    if move == "cancel":
        reason = store.rng.choice(["CUSTOMER", "INVENTORY", "DECLINED"])
        return lifecycle.cancel(store, order, now, reason)
    if move == "close":
        return lifecycle.close(order, now)
    return lifecycle.tag(store, order, now)


def advance_store(store: Store, now: datetime, changes: int) -> list[str]:
    """Apply ``changes`` lifecycle moves, customer edits and new orders at ``now``.

    Returns the GIDs of every order whose ``updatedAt`` moved (new orders included).
    """
    if changes <= 0:
        return []
    rng = store.rng
    new_orders = max(1, changes // 8)
    customer_edits = changes // 10
    changed: list[str] = []
    names, weights = zip(*_MOVES, strict=True)
    all_orders = list(store.orders.values())
    for _ in range(changes - new_orders - customer_edits):
        move = rng.choices(names, weights)[0]
        for _attempt in range(12):
            order = rng.choice(all_orders)
            if _apply(store, move, order, now):
                changed.append(order["id"])
                break
        else:
            order = rng.choice(all_orders)
            if lifecycle.tag(store, order, now):
                changed.append(order["id"])
    customers = list(store.customers.values())
    for _ in range(customer_edits):
        edit_customer(store, rng.choice(customers), now)
    for _ in range(new_orders):
        customer = new_customer(store, now) if rng.random() < 0.3 else rng.choice(customers)
        changed.append(new_order(store, now, customer)["id"])
    return list(dict.fromkeys(changed))
