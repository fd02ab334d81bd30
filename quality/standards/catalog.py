"""The field standards: every expectation orderhub runs, its table, severity and meaning.

Severity decides what a failure does: an ``error`` blocks publication of the run (the
CLI exits 1, the Airflow quality task fails and the report task does not run); a
``warning`` is reported and nothing stops. The steward guide is written from
:data:`STANDARDS` (``orderhub quality standards`` prints it); a test checks every
expectation in the suites is one of them.

Why these severities: a value the rest of orderhub computes with (status, currency,
money, keys, references, time) is an error, because reports built on it would be wrong;
a value only a person uses to reach the buyer (phone validity, email, country) or the
work of a later stage (golden IDs) is a warning: the order itself is still right.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pycountry

from orderhub.model.status import OrderStatus, TrackingStatus
from quality.standards.checks import AtLeast, Check, InSet, Matches, NotNull, Rows, Unique
from quality.standards.expectations import (
    ExpectAmountsNotNegative,
    ExpectKeysToResolve,
    ExpectLineTotalsToReconcile,
    ExpectOrderTotalsToReconcile,
    ExpectPhoneE164OrFlaggedMasked,
    ExpectTimestampsNotInFuture,
)


class Severity(StrEnum):
    """What a failure does to the run's publication."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Standard:
    """One field standard: a named check on one table."""

    name: str
    table: str
    severity: Severity
    meaning: str
    check: Check

    @property
    def field(self) -> str:
        """The column a steward looks at for a failing record."""
        return getattr(self.check, "shown", None) or self.check.column


# "[@]" and "[.]", not "@" and "\.": written plainly, the pattern reads as an email to the
# PII masker and comes out of Data Docs as "^[^@\s]+***@[***]+...".
EMAIL_REGEX = r"^[^@\s]+[@][^@\s]+[.][^@\s]+$"
COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
ORDER_STATUSES = frozenset(s.value for s in OrderStatus)
TRACKING_STATUSES = frozenset(s.value for s in TrackingStatus)
E, W = Severity.ERROR, Severity.WARNING

KEY_COLUMNS = {
    "customers": "customer_key",
    "orders": "order_key",
    "order_lines": "line_key",
    "payments": "payment_key",
    "shipments": "shipment_key",
    "tracking_events": "event_key",
}


def _keys(table: str) -> list[Standard]:
    """Every table: its warehouse key and its natural key identify one row."""
    return [
        Standard(
            f"{table}.key_unique",
            table,
            E,
            f"{KEY_COLUMNS[table]} identifies one row",
            Unique((KEY_COLUMNS[table],), table),
        ),
        Standard(
            f"{table}.source_id_unique",
            table,
            E,
            "one row per (source_system, source_id)",
            Unique(("source_system", "source_id"), table),
        ),
    ]


def _phone(table: str) -> list[Standard]:
    return [
        Standard(
            f"{table}.phone_flagged",
            table,
            E,
            "phone is E.164, or a masked number flagged masked (never used as a key)",
            Rows(ExpectPhoneE164OrFlaggedMasked, "phone_raw"),
        ),
        Standard(
            f"{table}.phone_valid",
            table,
            W,
            "a given phone could be read as a valid number (status e164 or masked)",
            InSet("phone_status", frozenset({"e164", "masked"}), shown="phone_raw"),
        ),
        Standard(
            f"{table}.email_format",
            table,
            W,
            "email looks like name@domain.tld",
            Matches("email", EMAIL_REGEX),
        ),
    ]


def _future(table: str, *columns: str) -> Standard:
    return Standard(
        f"{table}.not_in_future",
        table,
        E,
        f"{', '.join(columns)} not after now (a time zone or unit bug at the source)",
        Rows(ExpectTimestampsNotInFuture, columns[0], {"timestamp_columns": list(columns)}),
    )


def _resolves(table: str, column: str, parent: str, severity: Severity) -> Standard:
    return Standard(
        f"{table}.{column}_resolves",
        table,
        severity,
        f"{column} points to an existing {parent} row",
        Rows(
            ExpectKeysToResolve,
            column,
            {"column": column, "parent_table": parent, "parent_key": KEY_COLUMNS[parent]},
        ),
    )


def _currency(table: str) -> Standard:
    return Standard(
        f"{table}.currency_iso4217",
        table,
        E,
        "currency is an ISO 4217 code",
        InSet("currency", CURRENCIES),
    )


STANDARDS: tuple[Standard, ...] = (
    # customers
    *_keys("customers"),
    *_phone("customers"),
    Standard(
        "customers.country_iso3166",
        "customers",
        W,
        "default address country is an ISO 3166-1 alpha-2 code",
        InSet("address_country", COUNTRIES),
    ),
    Standard(
        "customers.golden_id_present",
        "customers",
        W,
        "customer has a golden customer ID (missing: dedupe has not run since it loaded)",
        NotNull("golden_customer_id"),
    ),
    _future("customers", "source_updated_at", "created_at"),
    # orders
    *_keys("orders"),
    *_phone("orders"),
    Standard(
        "orders.status_canonical",
        "orders",
        E,
        "status is one of the canonical order statuses",
        InSet("status", ORDER_STATUSES),
    ),
    _currency("orders"),
    Standard(
        "orders.shipping_country_iso3166",
        "orders",
        W,
        "shipping address country is an ISO 3166-1 alpha-2 code",
        InSet("shipping_country", COUNTRIES),
    ),
    Standard(
        "orders.billing_country_iso3166",
        "orders",
        W,
        "billing address country is an ISO 3166-1 alpha-2 code",
        InSet("billing_country", COUNTRIES),
    ),
    Standard(
        "orders.amounts_not_negative",
        "orders",
        E,
        "no negative amount, unless the order is a return negative throughout (U8 red ink)",
        Rows(
            ExpectAmountsNotNegative,
            "total_amount",
            {
                "amount_columns": [
                    "subtotal_amount",
                    "discount_amount",
                    "shipping_amount",
                    "tax_amount",
                    "total_amount",
                ]
            },
        ),
    ),
    Standard(
        "orders.refunded_not_negative",
        "orders",
        E,
        "refunded amount is not negative",
        AtLeast("refunded_amount"),
    ),
    Standard(
        "orders.total_reconciles",
        "orders",
        E,
        "total = lines' subtotal - discount + shipping + tax, within one minor unit",
        Rows(ExpectOrderTotalsToReconcile, "total_amount"),
    ),
    _future("orders", "ordered_at", "source_updated_at"),
    _resolves("orders", "customer_key", "customers", W),
    # order lines
    *_keys("order_lines"),
    _currency("order_lines"),
    Standard(
        "order_lines.quantities_not_negative",
        "order_lines",
        E,
        "quantity and line total not negative, unless both are (a return line)",
        Rows(ExpectAmountsNotNegative, "quantity", {"amount_columns": ["quantity", "line_total"]}),
    ),
    Standard(
        "order_lines.unit_price_not_negative",
        "order_lines",
        E,
        "unit price is not negative",
        AtLeast("unit_price"),
    ),
    Standard(
        "order_lines.total_reconciles",
        "order_lines",
        E,
        "line total = quantity x unit price (after line discounts), within one minor unit",
        Rows(ExpectLineTotalsToReconcile, "line_total"),
    ),
    _resolves("order_lines", "order_key", "orders", E),
    # payments
    *_keys("payments"),
    _currency("payments"),
    Standard(
        "payments.amount_not_negative",
        "payments",
        E,
        "payment amount is not negative (refunds are kind refund, positive)",
        AtLeast("amount"),
    ),
    _future("payments", "processed_at", "source_updated_at"),
    _resolves("payments", "order_key", "orders", E),
    # shipments
    *_keys("shipments"),
    Standard(
        "shipments.status_canonical",
        "shipments",
        E,
        "status is one of the canonical tracking statuses",
        InSet("status", TRACKING_STATUSES),
    ),
    _future("shipments", "shipped_at", "source_updated_at"),
    _resolves("shipments", "order_key", "orders", E),
    # tracking events
    *_keys("tracking_events"),
    Standard(
        "tracking_events.status_canonical",
        "tracking_events",
        E,
        "status is one of the canonical tracking statuses",
        InSet("status", TRACKING_STATUSES),
    ),
    Standard(
        "tracking_events.occurred_at_present",
        "tracking_events",
        E,
        "the scan has a time",
        NotNull("occurred_at"),
    ),
    _future("tracking_events", "occurred_at", "source_updated_at"),
    _resolves("tracking_events", "shipment_key", "shipments", E),
)
TABLES: tuple[str, ...] = tuple(KEY_COLUMNS)


def standards_of(table: str) -> list[Standard]:
    """The standards of one table, in catalog order."""
    return [s for s in STANDARDS if s.table == table]
