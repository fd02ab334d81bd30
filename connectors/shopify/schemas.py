"""JSON schemas of the records emitted by tap-shopify.

Field names and shapes mirror the GraphQL selection in :mod:`connectors.shopify.streams`
(Shopify's camelCase names), except that nested connections are flattened to plain lists:
``lineItems`` and each fulfillment's ``events`` are arrays of nodes.  Money amounts stay
decimal *strings* as Shopify sends them so no precision is lost on the way to the warehouse;
``legacyResourceId`` and ``numberOfOrders`` are Shopify ``UnsignedInt64`` values, also strings.
"""

from __future__ import annotations

from singer_sdk import typing as th

__all__ = ["CUSTOMER_SCHEMA", "ORDER_SCHEMA"]


def _str(name: str, *, required: bool = False) -> th.Property:
    return th.Property(name, th.StringType, required=required)


def _dt(name: str, *, required: bool = False) -> th.Property:
    return th.Property(name, th.DateTimeType, required=required)


def _bool(name: str) -> th.Property:
    return th.Property(name, th.BooleanType)


MONEY = th.ObjectType(
    th.Property("amount", th.StringType, description="Decimal string in major units"),
    th.Property("currencyCode", th.StringType),
)
MONEY_BAG = th.ObjectType(
    th.Property("shopMoney", MONEY),
    th.Property("presentmentMoney", MONEY),
)


def _bag(name: str) -> th.Property:
    return th.Property(name, MONEY_BAG)


MAILING_ADDRESS = th.ObjectType(
    *(
        _str(name)
        for name in (
            "id",
            "firstName",
            "lastName",
            "name",
            "company",
            "address1",
            "address2",
            "city",
            "province",
            "provinceCode",
            "zip",
            "country",
            "countryCodeV2",
            "phone",
        )
    )
)

_CUSTOMER_PROPERTIES = [
    _str("id", required=True),
    _str("legacyResourceId"),
    _str("email"),
    _str("phone"),
    _str("firstName"),
    _str("lastName"),
    _str("displayName"),
    _str("state"),
    _bool("verifiedEmail"),
    _dt("createdAt"),
    _dt("updatedAt", required=True),
    th.Property("tags", th.ArrayType(th.StringType)),
    _str("note"),
    _str("numberOfOrders"),
    th.Property("amountSpent", MONEY),
    th.Property("defaultAddress", MAILING_ADDRESS),
]

CUSTOMER_SCHEMA = th.PropertiesList(*_CUSTOMER_PROPERTIES).to_dict()

LINE_ITEM = th.ObjectType(
    _str("id"),
    _str("name"),
    _str("title"),
    _str("sku"),
    th.Property("quantity", th.IntegerType),
    th.Property("currentQuantity", th.IntegerType),
    _str("variantTitle"),
    _str("vendor"),
    _bag("originalUnitPriceSet"),
    _bag("discountedUnitPriceSet"),
    _bag("originalTotalSet"),
    _bag("totalDiscountSet"),
)

TRANSACTION = th.ObjectType(
    _str("id"),
    _str("kind"),
    _str("status"),
    _str("gateway"),
    _bag("amountSet"),
    _dt("createdAt"),
    _dt("processedAt"),
    _bool("test"),
)

FULFILLMENT_EVENT = th.ObjectType(
    _str("id"),
    _str("status"),
    _dt("happenedAt"),
    _str("message"),
    _str("city"),
    _str("province"),
    _str("country"),
    _str("zip"),
)

FULFILLMENT = th.ObjectType(
    _str("id"),
    _str("name"),
    _str("status"),
    _str("displayStatus"),
    _dt("createdAt"),
    _dt("updatedAt"),
    _dt("deliveredAt"),
    _dt("inTransitAt"),
    _dt("estimatedDeliveryAt"),
    th.Property(
        "trackingInfo",
        th.ArrayType(th.ObjectType(_str("company"), _str("number"), _str("url"))),
    ),
    th.Property("events", th.ArrayType(FULFILLMENT_EVENT)),
)

ORDER_SCHEMA = th.PropertiesList(
    _str("id", required=True),
    _str("legacyResourceId"),
    _str("name"),
    _dt("createdAt"),
    _dt("updatedAt", required=True),
    _dt("processedAt"),
    _dt("cancelledAt"),
    _str("cancelReason"),
    _bool("closed"),
    _dt("closedAt"),
    _bool("confirmed"),
    _bool("test"),
    _str("currencyCode"),
    _str("presentmentCurrencyCode"),
    _str("displayFinancialStatus"),
    _str("displayFulfillmentStatus"),
    _str("email"),
    _str("phone"),
    _str("note"),
    th.Property("tags", th.ArrayType(th.StringType)),
    th.Property("customer", th.ObjectType(*_CUSTOMER_PROPERTIES)),
    th.Property("billingAddress", MAILING_ADDRESS),
    th.Property("shippingAddress", MAILING_ADDRESS),
    _bag("currentSubtotalPriceSet"),
    _bag("currentTotalPriceSet"),
    _bag("currentTotalTaxSet"),
    _bag("currentTotalDiscountsSet"),
    _bag("totalShippingPriceSet"),
    _bag("subtotalPriceSet"),
    _bag("cartDiscountAmountSet"),
    _bag("totalTaxSet"),
    _bag("totalPriceSet"),
    _bag("totalRefundedSet"),
    th.Property("lineItems", th.ArrayType(LINE_ITEM)),
    th.Property("transactions", th.ArrayType(TRANSACTION)),
    th.Property("fulfillments", th.ArrayType(FULFILLMENT)),
).to_dict()
