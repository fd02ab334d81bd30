"""Annotated field types that carry the model's value rules into pydantic.

A broken rule surfaces as a pydantic error whose ``type`` is the rule name (``iso4217``,
``non_negative_money`` ...), so dead letters name the field and the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar, get_args

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from orderhub.exceptions import RecordError
from orderhub.model import values

T = TypeVar("T")


def _as_pydantic_error(rule: Callable[[Any], T]) -> Callable[[Any], T]:
    def check(value: Any) -> T:
        try:
            return rule(value)
        except RecordError as exc:
            raise PydanticCustomError(exc.rule, str(exc)) from None

    return check


class SignRuled:
    """Marks an amount or quantity whose sign the mapping spec decides.

    The sign convention of the model: amounts and quantities are **as the source
    document states them**. Most sources never send a negative one, and there a negative
    value is a broken record (dead letter ``non_negative``). Some do on purpose: Yonyou
    U8 writes a red-ink return (红字) as an order with negative quantities and amounts.
    A blanket rule would refuse those or let every other source's errors through, so the
    mapping spec of each source stream decides per field (``signed: true``), and the
    compiled mapping enforces it. The model itself only bounds scale and size.
    """

    def __repr__(self) -> str:
        return "SIGN_RULED"


SIGN_RULED = SignRuled()

# Money is checked by pydantic-core itself (no Python call per value): finite, within the
# warehouse's NUMERIC(20, 4). Its sign is the mapping spec's to decide (SignRuled).
# RULE_NAMES gives its errors the rule names the rest of orderhub uses.
_MONEY_DIGITS = 20
Money = Annotated[
    Decimal,
    Field(max_digits=_MONEY_DIGITS, decimal_places=values.MONEY_SCALE, allow_inf_nan=False),
    SIGN_RULED,
]


@dataclass(frozen=True)
class NumericColumn:
    """The NUMERIC(precision, scale) a decimal field is stored in (default NUMERIC(20, 4))."""

    precision: int
    scale: int


_UNIT_PRICE_DIGITS = 28
UnitPrice = Annotated[
    Decimal,
    Field(
        max_digits=_UNIT_PRICE_DIGITS,
        decimal_places=values.UNIT_PRICE_SCALE,
        allow_inf_nan=False,
    ),
    SIGN_RULED,
    NumericColumn(_UNIT_PRICE_DIGITS, values.UNIT_PRICE_SCALE),
]
Quantity = Annotated[
    Decimal,
    Field(max_digits=_MONEY_DIGITS, decimal_places=values.MONEY_SCALE, allow_inf_nan=False),
    SIGN_RULED,
]


def is_sign_ruled(field: FieldInfo) -> bool:
    """Whether a model field is an amount or quantity (``Money``, ``Quantity``, optional or not)."""
    if any(isinstance(item, SignRuled) for item in field.metadata):
        return True
    return any(
        isinstance(item, SignRuled)
        for arg in get_args(field.annotation)
        for item in getattr(arg, "__metadata__", ())
    )


RULE_NAMES = {
    "greater_than_equal": "non_negative_money",
    "decimal_max_places": "money_precision",
    "decimal_max_digits": "money_range",
    "decimal_whole_digits": "money_range",
    "decimal_parsing": "decimal",
    "decimal_type": "decimal",
    "finite_number": "decimal",
    "missing": "required",
    "timezone_aware": "tz_aware",
    "enum": "canonical_code",
}
Currency = Annotated[str, BeforeValidator(_as_pydantic_error(values.currency_code))]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_pydantic_error(values.utc_datetime))]

__all__ = [
    "RULE_NAMES",
    "SIGN_RULED",
    "Currency",
    "Money",
    "Quantity",
    "SignRuled",
    "UtcDatetime",
    "is_sign_ruled",
]
