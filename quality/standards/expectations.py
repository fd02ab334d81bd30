"""Custom GX 1.x expectations for the field standards GX has no expectation for.

Each is an :class:`UnexpectedRowsExpectation` subclass whose query is built from a few
parameters (kept in the suite's JSON beside the query). A row it returns is a broken
record: the query selects only ``source_system`` and ``source_id``, never a value, so a
validation result carries no PII. :meth:`condition` is the same SQL condition the
failing-record lists use (``quality.standards.failing``), so GX's verdict and the
steward's list cannot disagree.

The SQL is portable between SQLite and PostgreSQL: money is compared after
``CAST(... AS NUMERIC)`` (SQLite keeps exact decimals as text) and always with a
tolerance of one minor unit, never with float equality.

Import this module before loading a saved suite: GX silently drops expectations whose
class it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pycountry
from great_expectations.compatibility import pydantic
from great_expectations.expectations import UnexpectedRowsExpectation

from orderhub.model.values import minor_unit

#: Tolerance of money identities: one minor unit (1 for JPY-like currencies, else 0.01).
_ZERO_DECIMAL_LIST = ", ".join(
    sorted(f"'{c.alpha_3}'" for c in pycountry.currencies if minor_unit(c.alpha_3) == 0)
)


def _tolerance(currency_column: str) -> str:
    return f"(CASE WHEN {currency_column} IN ({_ZERO_DECIMAL_LIST}) THEN 1 ELSE 0.01 END)"


def _num(expression: str) -> str:
    return f"COALESCE(CAST({expression} AS NUMERIC), 0)"


class _RowRule(UnexpectedRowsExpectation):
    """A rule over the batch aliased ``b``: rows meeting :meth:`condition` are broken."""

    unexpected_rows_query: str = ""

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        """The SQL condition (over alias ``b``) a broken row meets."""
        raise NotImplementedError

    def condition(self) -> str:
        """This expectation's condition, as the failing-record lists run it."""
        return self.condition_of(self.dict())

    @pydantic.root_validator(pre=True)
    def _default_query(cls, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("unexpected_rows_query"):
            values["unexpected_rows_query"] = (
                # GX substitutes ``{batch}`` as "(...) AS subselect": wrapped, it takes our alias.
                "SELECT b.source_system, b.source_id FROM (SELECT * FROM {batch}) b "
                f"WHERE {cls.condition_of(values)}"
            )
        return values


class ExpectOrderTotalsToReconcile(_RowRule):
    """Order total = subtotal - discount + shipping + tax, within one minor unit, and the
    subtotal equals the sum of the order's live lines' ``line_total`` (when it has lines).

    The identity of :class:`orderhub.model.entities.Order` (amounts as ordered).
    Orders with neither lines nor a subtotal have nothing to reconcile against.
    """

    description: str = "order total = lines + shipping + tax - discount (one minor unit)"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        lines = (
            "(SELECT SUM(CAST(l.line_total AS NUMERIC)) FROM order_lines l "
            "WHERE l.order_key = b.order_key AND l.deleted_at IS NULL)"
        )
        subtotal = f"COALESCE({lines}, CAST(b.subtotal_amount AS NUMERIC))"
        expected = (
            f"{subtotal} - {_num('b.discount_amount')} + {_num('b.shipping_amount')} "
            f"+ {_num('b.tax_amount')}"
        )
        tolerance = _tolerance("b.currency")
        return (
            f"{subtotal} IS NOT NULL AND ("
            f"ABS(CAST(b.total_amount AS NUMERIC) - ({expected})) > {tolerance} OR "
            f"(b.subtotal_amount IS NOT NULL AND {lines} IS NOT NULL AND "
            f"ABS(CAST(b.subtotal_amount AS NUMERIC) - {lines}) > {tolerance}))"
        )


class ExpectLineTotalsToReconcile(_RowRule):
    """Line total = quantity x unit price within one minor unit.

    ``unit_price`` is after line discounts (see :class:`orderhub.model.entities.OrderLine`),
    so ``discount_amount`` is not subtracted again.
    """

    description: str = "line total = quantity x unit price (one minor unit)"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        product = "CAST(b.quantity AS NUMERIC) * CAST(b.unit_price AS NUMERIC)"
        return f"ABS(CAST(b.line_total AS NUMERIC) - {product}) > {_tolerance('b.currency')}"


class ExpectPhoneE164OrFlaggedMasked(_RowRule):
    """A stored phone is E.164 (``phone_status`` e164) or a masked number flagged
    ``masked``; a masked raw number never carries another status (parsed, a mask gives a
    wrong short number that dedupe would use as a key)."""

    description: str = "phone is E.164 or flagged masked"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        return (
            "(b.phone_raw LIKE '%**%' AND COALESCE(b.phone_status, '') <> 'masked') OR "
            "(b.phone_status = 'e164' AND (b.phone IS NULL OR b.phone NOT LIKE '+%' "
            "OR LENGTH(b.phone) NOT BETWEEN 8 AND 16 OR b.phone LIKE '%*%')) OR "
            "(b.phone_status = 'masked' AND b.phone IS NULL) OR "
            "(b.phone_status IS NOT NULL AND b.phone_status NOT IN ('e164', 'masked', 'invalid'))"
        )


class ExpectAmountsNotNegative(_RowRule):
    """No negative amount, except a return document that is negative throughout.

    Sources state amounts as their documents do (``model.types.SignRuled``): a Yonyou U8
    red-ink return has every amount negative or zero. A negative amount beside positive
    ones is a broken record.
    """

    amount_columns: list[str]
    description: str = "amounts are not negative (a return is negative throughout)"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        columns = [f"CAST(b.{c} AS NUMERIC)" for c in params["amount_columns"]]
        any_negative = " OR ".join(f"{c} < 0" for c in columns)
        all_not_positive = " AND ".join(f"COALESCE({c}, 0) <= 0" for c in columns)
        return f"({any_negative}) AND NOT ({all_not_positive})"


class ExpectTimestampsNotInFuture(_RowRule):
    """No timestamp after the database's clock (a time-zone or unit bug at the source)."""

    timestamp_columns: list[str]
    description: str = "timestamps are not in the future"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' text, which sorts against its
        # CURRENT_TIMESTAMP ('YYYY-MM-DD HH:MM:SS', UTC); PostgreSQL compares timestamptz.
        return " OR ".join(f"b.{c} > CURRENT_TIMESTAMP" for c in params["timestamp_columns"])


class ExpectKeysToResolve(_RowRule):
    """A set reference (``column``) finds its parent row (``parent_table.parent_key``)."""

    column: str
    parent_table: str
    parent_key: str
    description: str = "references resolve to a parent row"

    @classmethod
    def condition_of(cls, params: Mapping[str, Any]) -> str:
        column, parent, key = params["column"], params["parent_table"], params["parent_key"]
        return (
            f"b.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} p WHERE p.{key} = b.{column})"
        )


CUSTOM_EXPECTATIONS: tuple[type[_RowRule], ...] = (
    ExpectOrderTotalsToReconcile,
    ExpectLineTotalsToReconcile,
    ExpectPhoneE164OrFlaggedMasked,
    ExpectAmountsNotNegative,
    ExpectTimestampsNotInFuture,
    ExpectKeysToResolve,
)
RowRule = _RowRule
