"""Annotated field types that carry the model's value rules into pydantic.

A broken rule surfaces as a pydantic error whose ``type`` is the rule name (``iso4217``,
``non_negative_money`` ...), so dead letters name the field and the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
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


# Money is checked by pydantic-core itself (no Python call per value): finite, within the
# warehouse's NUMERIC(20, 4), non-negative unless signed. RULE_NAMES gives its errors the
# rule names the rest of orderhub uses.
_MONEY_DIGITS = 20
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=_MONEY_DIGITS, decimal_places=values.MONEY_SCALE, allow_inf_nan=False),
]
SignedMoney = Annotated[
    Decimal,
    Field(max_digits=_MONEY_DIGITS, decimal_places=values.MONEY_SCALE, allow_inf_nan=False),
]
Quantity = Annotated[
    Decimal,
    Field(max_digits=_MONEY_DIGITS, decimal_places=values.MONEY_SCALE, allow_inf_nan=False),
]
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

__all__ = ["RULE_NAMES", "Currency", "Money", "Quantity", "SignedMoney", "UtcDatetime"]
