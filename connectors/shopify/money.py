"""Money arithmetic for the simulator: exact decimals, MoneyBags and order totals.

Shopify sends amounts as decimal strings in major units, once in the shop currency and once
in the presentment (customer-facing) currency.  An order carries two sets of amounts, as on
the real Admin API: *before returns* (``subtotalPriceSet``, ``cartDiscountAmountSet``,
``totalDiscountsSet``, ``totalTaxSet``, ``totalPriceSet``; ``originalTotalPriceSet`` is the
total at creation, the same here because the simulator has no order edits) and *after
returns* (the ``current*`` sets), plus ``totalRefundedSet``, the sum of the successful refund
transactions.  Downstream reconciliation checks rely on the identities below holding
*exactly*, in both currencies, so every component is rounded once and totals are sums of
rounded parts (``quantity`` before returns, ``currentQuantity`` after):

* line discounted total = (originalUnitPrice - per-unit line discount) x quantity
* subtotal        = sum of line discounted totals
* total           = subtotal + totalShipping + tax - cart discount
* total discounts = line discounts + cart discount
* totalRefunded   = totalPrice - currentTotalPrice

The subtotal holds no order-level discount (Shopify's documented meaning of the current
subtotal; the cart discount is ``cartDiscountAmountSet`` / ``currentCartDiscountAmountSet``),
while the ``*TotalDiscountsSet`` include line and order-level discounts, as on Shopify.
Shipping is never refunded by the simulator, so the identities also hold after refunds.
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
    "refunded",
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


def _side_totals(order: dict[str, Any], side: str, quantity: str) -> dict[str, Decimal]:
    """Order amounts in one currency, for the lines' ``quantity`` or ``currentQuantity``."""
    suffix = "shop" if side == "shopMoney" else "presentment"
    subtotal = line_discounts = Decimal(0)
    for line in order["_lines"]:
        unit = line[f"_unit_{suffix}"] - line[f"_unit_discount_{suffix}"]
        subtotal += unit * line[quantity]
        line_discounts += line[f"_unit_discount_{suffix}"] * line[quantity]
    subtotal = q2(subtotal)
    discount = q2(subtotal * order["_discount_rate"])
    tax = q2((subtotal - discount) * order["_tax_rate"])
    shipping = order[f"_shipping_{suffix}"]
    return {
        "subtotal": subtotal,
        "discount": discount,
        "all_discounts": q2(line_discounts) + discount,
        "tax": tax,
        "shipping": shipping,
        "total": subtotal + shipping + tax - discount,
    }


def refunded(order: dict[str, Any]) -> dict[str, Any]:
    """``totalRefundedSet``: the sum of the order's successful REFUND transactions."""
    done = [
        t
        for t in order.get("transactions", [])
        if t["kind"] == "REFUND" and t["status"] == "SUCCESS"
    ]
    shop = sum((bag_amount(t["amountSet"]) for t in done), Decimal(0))
    pres = sum((bag_amount(t["amountSet"], "presentmentMoney") for t in done), Decimal(0))
    return bag(shop, pres, order["currencyCode"], order["presentmentCurrencyCode"])


def _set_ordered_totals(order: dict[str, Any]) -> None:
    """The before-returns MoneyBags: fixed by the ordered quantities, whatever was refunded."""
    shop = _side_totals(order, "shopMoney", "quantity")
    pres = _side_totals(order, "presentmentMoney", "quantity")

    def pair(key: str) -> dict:
        return bag(shop[key], pres[key], order["currencyCode"], order["presentmentCurrencyCode"])

    order["subtotalPriceSet"] = pair("subtotal")
    order["cartDiscountAmountSet"] = pair("discount")
    order["totalDiscountsSet"] = pair("all_discounts")
    order["totalTaxSet"] = pair("tax")
    order["totalPriceSet"] = pair("total")
    order["originalTotalPriceSet"] = pair("total")


def recompute_totals(order: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """Refresh the ``current*`` MoneyBags from line quantities.

    Returns how much ``currentTotal`` dropped (shop, presentment): the amount a refund
    transaction must carry.  The before-returns sets are rewritten from the ordered
    quantities, so they never move; ``totalRefundedSet`` is re-summed from the transactions
    (the caller adds the refund transaction, then calls :func:`refunded`).
    """
    shop_ccy = order["currencyCode"]
    pres_ccy = order["presentmentCurrencyCode"]
    shop = _side_totals(order, "shopMoney", "currentQuantity")
    pres = _side_totals(order, "presentmentMoney", "currentQuantity")

    previous = order.get("currentTotalPriceSet")
    drop_shop = bag_amount(previous) - shop["total"] if previous else Decimal(0)
    drop_pres = bag_amount(previous, "presentmentMoney") - pres["total"] if previous else Decimal(0)

    def pair(key: str) -> dict:
        return bag(shop[key], pres[key], shop_ccy, pres_ccy)

    order["currentSubtotalPriceSet"] = pair("subtotal")
    order["currentCartDiscountAmountSet"] = pair("discount")
    order["currentTotalDiscountsSet"] = pair("all_discounts")
    order["currentTotalTaxSet"] = pair("tax")
    order["totalShippingPriceSet"] = pair("shipping")
    order["currentTotalPriceSet"] = pair("total")
    _set_ordered_totals(order)
    order["totalRefundedSet"] = refunded(order)

    for line in order["_lines"]:
        qty = line["quantity"]
        unit_s, unit_p = line["_unit_shop"], line["_unit_presentment"]
        disc_s, disc_p = line["_unit_discount_shop"], line["_unit_discount_presentment"]
        line["originalUnitPriceSet"] = bag(unit_s, unit_p, shop_ccy, pres_ccy)
        line["discountedUnitPriceSet"] = bag(unit_s - disc_s, unit_p - disc_p, shop_ccy, pres_ccy)
        line["originalTotalSet"] = bag(unit_s * qty, unit_p * qty, shop_ccy, pres_ccy)
        line["totalDiscountSet"] = bag(disc_s * qty, disc_p * qty, shop_ccy, pres_ccy)
    return q2(drop_shop), q2(drop_pres)
