"""Value rules of the unified model: money, currency, time, phone and keys.

Each function raises :class:`~orderhub.exceptions.RecordError` naming the rule it
enforces, so a bad value dead-letters its record with a reason a person can act on.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache

import phonenumbers
import pycountry

from orderhub.exceptions import RecordError

#: Namespace of every deterministic key: the same source record always gets the same key,
#: so reruns, replays and remaps agree without a lookup.
KEY_NAMESPACE = uuid.UUID("5b0f7f9e-6c8e-4d7a-9a52-3f1d2a6c0b11")

#: ISO 4217 currencies whose minor unit is not 1/100 (the rest use two decimals).
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_MINOR_UNIT_EXCEPTIONS = {
    **dict.fromkeys(_ZERO_DECIMALS.split(), 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
#: Money columns hold 4 decimals: enough for every currency's minor unit.
MONEY_SCALE = 4
#: Unit prices hold 8: ERPs keep prices without tax to 6 decimals or more (U8's iUnitPrice,
#: EBS UNIT_SELLING_PRICE), and rounding them would make lines disagree with the source.
UNIT_PRICE_SCALE = 8
MONEY_MAX = Decimal("1e14")

_MASK = re.compile(r"[*＊•xX]{2,}")
_EXTENSION = re.compile(r"^(?P<number>\+?\d{7,15})(?:[-#,]|转|ext\.?)(?P<ext>\d{1,6})$")


@lru_cache(maxsize=1 << 16)
def deterministic_key(kind: str, source_system: str, source_id: str) -> uuid.UUID:
    """The stable key of a unified entity: uuid5 over its kind and natural key."""
    return uuid.uuid5(KEY_NAMESPACE, f"{kind}\x1f{source_system}\x1f{source_id}")


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def currency_code(value: object) -> str:
    """An ISO 4217 alphabetic code, upper-cased; anything else is a record error."""
    code = str(value).strip().upper() if value is not None else ""
    if code not in _known_currencies():
        raise RecordError(f"{value!r} is not an ISO 4217 currency code", rule="iso4217")
    return code


def minor_unit(currency: str) -> int:
    """Number of decimals of a currency's minor unit (2 for most, 0 for JPY, 3 for KWD)."""
    return _MINOR_UNIT_EXCEPTIONS.get(currency, 2)


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from a number or a decimal string; floats go through repr."""
    if isinstance(value, bool) or value is None:
        raise RecordError(f"{value!r} is not a number", rule="decimal")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(f"{value!r} is not a number", rule="decimal") from None
    if not number.is_finite():
        raise RecordError(f"{value!r} is not a finite number", rule="decimal")
    return number


def money_amount(value: object, *, allow_negative: bool = False) -> Decimal:
    """A money amount in major units, exact, within the warehouse's precision."""
    amount = to_decimal(value)
    if not allow_negative and amount < 0:
        raise RecordError(f"{amount} is negative", rule="non_negative_money")
    if abs(amount) >= MONEY_MAX:
        raise RecordError(f"{amount} is too large for a money column", rule="money_range")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MONEY_SCALE:
        raise RecordError(f"{amount} has more than {MONEY_SCALE} decimals", rule="money_precision")
    return amount


def minor_to_major(value: object, currency: str) -> Decimal:
    """Integer minor units (fen, cents) to an exact amount in major units."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise RecordError(f"{value!r} is not a whole number of minor units", rule="minor_units")
    return money_amount(number.scaleb(-minor_unit(currency)), allow_negative=True)


def utc_datetime(value: datetime) -> datetime:
    """A timezone-aware datetime converted to UTC; a naive one is a record error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise RecordError(f"{value.isoformat()} has no time zone", rule="tz_aware")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is a year-0 time in UTC
        raise RecordError(
            f"{value.isoformat()} is outside the years 1 to 9999 in UTC", rule="out_of_range"
        ) from None


def is_masked_phone(raw: str) -> bool:
    """True for platform-masked numbers such as ``138****1234`` or ``1********35``."""
    return bool(_MASK.search(raw))


class PhoneStatus(StrEnum):
    """How far a phone could be standardised."""

    E164 = "e164"
    MASKED = "masked"
    INVALID = "invalid"


def phone_e164(raw: object, region: str | None = None) -> tuple[str | None, PhoneStatus]:
    """Normalise a phone to E.164; return ``(phone, status)``.

    Masked platform numbers are kept as given and flagged: parsing them would produce a
    wrong, short number. Extensions (``13812345678-1234``) are split off before parsing,
    as privacy numbers carry them. An unparseable or invalid number does not reject the
    record (the customer is still real); it yields ``(None, INVALID)`` and the raw value
    stays beside it for the quality report.
    """
    text = str(raw).strip()
    if is_masked_phone(text):
        return text, PhoneStatus.MASKED
    extension = _EXTENSION.match(text)
    if extension:
        text = extension.group("number")
    number = _parsed_phone(text, region)
    if number is None and text.startswith("00"):
        # 00 is the international prefix almost everywhere (ITU E.164 recommends it), and
        # ERPs store it as typed (SAP: "001 212 5550174" for a US customer, whose own
        # prefix is 011): read it as +.
        number = _parsed_phone("+" + text[2:], None)
    if number is None:
        return None, PhoneStatus.INVALID
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), PhoneStatus.E164


def _parsed_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """A valid number, or None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
