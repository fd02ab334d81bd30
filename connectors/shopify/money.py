"""Money arithmetic for the simulator: exact decimals, MoneyBags and order totals.

Shopify sends amounts as decimal strings in major units, once in the shop currency and once
in the presentment (customer-facing) currency.  Downstream reconciliation checks rely on the
identities below holding *exactly*, in both currencies, so every component is rounded once and
totals are sums of rounded parts:

* line discounted total = (originalUnitPrice - per-unit discount) x currentQuantity
* currentSubtotal  = sum of line discounted totals
* currentTotal     = currentSubtotal + totalShipping + currentTotalTax - currentTotalDiscounts

``currentTotalDiscounts`` holds the order-level (code) discount only; line-level discounts are
already inside the discounted unit prices.  Shipping is never refunded by the simulator, so the
identity also holds after refunds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "RATES_PER_USD",
    "bag",
    "bag_amount",
    "convert",
    "money",
    "q2",
    "recompute_totals",
]

CENT = Decimal("0.01")

#: Fixed exchange rates (units of currency per USD) so that data is deterministic.
RATES_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "CNY": Decimal("7.20"),
    "GBP": Decimal("0.79"),
}


def q2(value: Decimal | int | str) -> Decimal:
    """Round half-up to cents, the way shops display prices."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def convert(amount: Decimal, source: str, target: str) -> Decimal:
    """Convert between the fixed-rate currencies, rounded to cents."""
    if source == target:
        return q2(amount)
    return q2(amount / RATES_PER_USD[source] * RATES_PER_USD[target])


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """A MoneyV2 value: decimal string with two places plus currency code."""
    return {"amount": f"{q2(amount):.2f}", "currencyCode": currency}


def bag(shop: Decimal, presentment: Decimal, shop_ccy: str, presentment_ccy: str) -> dict:
    """A MoneyBag with the same amount expressed in shop and presentment currencies."""
    return {
        "shopMoney": money(shop, shop_ccy),
        "presentmentMoney": money(presentment, presentment_ccy),
    }


def bag_amount(money_bag: dict[str, Any], side: str = "shopMoney") -> Decimal:
    """Read one side of a MoneyBag back as a Decimal."""
    return Decimal(money_bag[side]["amount"])


def _side_totals(order: dict[str, Any], side: str) -> dict[str, Decimal]:
    suffix = "shop" if side == "shopMoney" else "presentment"
    subtotal = Decimal(0)
    for line in order["_lines"]:
        unit = line[f"_unit_{suffix}"] - line[f"_unit_discount_{suffix}"]
        subtotal += unit * line["currentQuantity"]
    subtotal = q2(subtotal)
    discount = q2(subtotal * order["_discount_rate"])
    tax = q2((subtotal - discount) * order["_tax_rate"])
    shipping = order[f"_shipping_{suffix}"]
    return {
        "subtotal": subtotal,
        "discount": discount,
        "tax": tax,
        "shipping": shipping,
        "total": subtotal + shipping + tax - discount,
    }


def recompute_totals(order: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """Refresh the ``current*`` MoneyBags from line quantities.

    Returns how much ``currentTotal`` dropped (shop, presentment): the amount a refund
    transaction must carry.  The first call (at creation) also fixes ``totalPriceSet``.
    """
    shop_ccy = order["currencyCode"]
    pres_ccy = order["presentmentCurrencyCode"]
    shop = _side_totals(order, "shopMoney")
    pres = _side_totals(order, "presentmentMoney")

    previous = order.get("currentTotalPriceSet")
    drop_shop = bag_amount(previous) - shop["total"] if previous else Decimal(0)
    drop_pres = bag_amount(previous, "presentmentMoney") - pres["total"] if previous else Decimal(0)

    def pair(key: str) -> dict:
        return bag(shop[key], pres[key], shop_ccy, pres_ccy)

    order["currentSubtotalPriceSet"] = pair("subtotal")
    order["currentTotalDiscountsSet"] = pair("discount")
    order["currentTotalTaxSet"] = pair("tax")
    order["totalShippingPriceSet"] = pair("shipping")
    order["currentTotalPriceSet"] = pair("total")
    order.setdefault("totalPriceSet", pair("total"))

    for line in order["_lines"]:
        qty = line["quantity"]
        unit_s, unit_p = line["_unit_shop"], line["_unit_presentment"]
        disc_s, disc_p = line["_unit_discount_shop"], line["_unit_discount_presentment"]
        line["originalUnitPriceSet"] = bag(unit_s, unit_p, shop_ccy, pres_ccy)
        line["discountedUnitPriceSet"] = bag(unit_s - disc_s, unit_p - disc_p, shop_ccy, pres_ccy)
        line["originalTotalSet"] = bag(unit_s * qty, unit_p * qty, shop_ccy, pres_ccy)
        line["totalDiscountSet"] = bag(disc_s * qty, disc_p * qty, shop_ccy, pres_ccy)
    return q2(drop_shop), q2(drop_pres)
