"""Rows of the EBS tables into the tap's records: values JSON-ready, times in UTC.

A record's ``LAST_UPDATE_DATE`` is the latest LAST_UPDATE_DATE of every row it is built
from (an order's header, lines and holds): the replication value, so a changed line makes
its order newer, as the warehouse's version guard needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs import schema
from connectors.oracle_ebs.clock import ServerClock
from connectors.oracle_ebs.codes import least_advanced

Row = Mapping[Any, Any]


def json_value(value: Any, clock: ServerClock) -> Any:
    """A column value as JSON: DATE to UTC ISO-8601, NUMBER to exact decimal text."""
    if isinstance(value, datetime):
        try:
            return clock.to_utc(value).isoformat()
        except OverflowError:
            # A DATE at Oracle's ends (9999-12-31, 0001-01-01) has no UTC instant in range:
            # passed on as read (no offset), the mapping dead-letters it naming the field.
            return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):  # SQLite, or a driver without exact NUMBER conversion
        return _decimal_text(Decimal(repr(value)))
    return value


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Any) -> Decimal | None:
    """A NUMBER as Decimal; None if it is not one (a legacy text column's garbage)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


#: NUMBER columns that are not ids: read as the driver returns them (queries.lenient_columns),
#: so SQLite hands over a whole one as int; the stream's schema says exact decimal text.
NUMBER_COLUMNS = frozenset(
    column.name
    for table in schema.metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, sa.Numeric)
)


def plain(row: Row, clock: ServerClock, drop: Iterable[str] = ()) -> dict[str, Any]:
    """A row as a JSON-ready dict."""
    skipped = set(drop)
    return {
        k: str(v)
        if k in NUMBER_COLUMNS and isinstance(v, int) and not isinstance(v, bool)
        else json_value(v, clock)
        for k, v in row.items()
        if k not in skipped
    }


def latest(clock: ServerClock, *values: Any) -> str | None:
    """The latest of several naive local DATEs, as UTC ISO-8601."""
    moments = []
    for value in values:
        if isinstance(value, datetime):
            try:
                moments.append(clock.to_utc(value))
            except OverflowError:
                continue  # no instant: never the record's version (see json_value)
    return max(moments).isoformat() if moments else None


def _signed_line(line: dict[str, Any], raw: Row) -> None:
    """Returns are negative: quantity and total carry the sign the model expects.

    EBS stores a return (RMA) line with a positive ORDERED_QUANTITY and
    LINE_CATEGORY_CODE='RETURN'; the unified model states what flows back as negative.
    A value that is not a number is passed on unchanged, so the mapping names it.
    """
    sign = Decimal(-1) if raw.get("LINE_CATEGORY_CODE") == "RETURN" else Decimal(1)
    quantity = _number(raw.get("ORDERED_QUANTITY"))
    price = _number(raw.get("UNIT_SELLING_PRICE"))
    line["SIGNED_ORDERED_QUANTITY"] = (
        _decimal_text(sign * quantity) if quantity is not None else line.get("ORDERED_QUANTITY")
    )
    line["LINE_TOTAL"] = (
        _decimal_text(sign * quantity * price)
        if quantity is not None and price is not None
        else None
    )


def grouped(rows: Iterable[Row], key: str) -> defaultdict[Any, list[Row]]:
    """Child rows by their parent's key, in query order (a missing parent: no rows)."""
    groups: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def order_records(
    headers: Sequence[Row],
    lines: Sequence[Row],
    holds: Sequence[Row],
    addresses: Mapping[int, Row],
    clock: ServerClock,
) -> list[dict[str, Any]]:
    """One record per header: its lines and holds nested, total and status inputs added."""
    lines_of, holds_of = grouped(lines, "HEADER_ID"), grouped(holds, "HEADER_ID")
    records = []
    for header in headers:
        record = plain(header, clock)
        raw_lines, raw_holds = lines_of[header["HEADER_ID"]], holds_of[header["HEADER_ID"]]
        record["lines"] = []
        for raw in raw_lines:
            line = plain(raw, clock, drop=("HEADER_ID",))
            _signed_line(line, raw)
            record["lines"].append(line)
        record["holds"] = [plain(h, clock, drop=("HEADER_ID",)) for h in raw_holds]
        record.update(_order_summary(record["lines"], raw_lines, raw_holds))
        for role, column in (("SHIP_TO", "SHIP_TO_ORG_ID"), ("INVOICE_TO", "INVOICE_TO_ORG_ID")):
            site = addresses.get(header.get(column))  # type: ignore[arg-type]
            record[f"{role}_ADDRESS"] = plain(site, clock) if site else None
        record["LAST_UPDATE_DATE"] = latest(
            clock,
            header["LAST_UPDATE_DATE"],
            *(r["LAST_UPDATE_DATE"] for r in raw_lines),
            *(h["LAST_UPDATE_DATE"] for h in raw_holds),
        )
        record["_sdc_deleted_at"] = None
        records.append(record)
    return records


def _order_summary(
    lines: list[dict[str, Any]], raw_lines: Sequence[Row], holds: Sequence[Row]
) -> dict[str, Any]:
    """What the header does not store: total, active hold, how far the lines are."""
    totals = [line["LINE_TOTAL"] for line in lines]
    total = (
        _decimal_text(sum((Decimal(t) for t in totals), Decimal(0)))
        if all(t is not None for t in totals)
        else None
    )
    selling = [
        str(r["FLOW_STATUS_CODE"])
        for r in raw_lines
        if r.get("LINE_CATEGORY_CODE") != "RETURN" and r.get("FLOW_STATUS_CODE") != "CANCELLED"
    ]
    cancelled = any(r.get("FLOW_STATUS_CODE") == "CANCELLED" for r in raw_lines)
    return {
        "ORDER_TOTAL": total,
        "HOLD_ACTIVE_FLAG": "Y" if any(h.get("RELEASED_FLAG") == "N" for h in holds) else "N",
        "LINES_FLOW_STATUS_CODE": least_advanced(selling) or ("CANCELLED" if cancelled else None),
    }


def _phone(point: Row) -> str | None:
    parts = [point.get("PHONE_AREA_CODE"), point.get("PHONE_NUMBER")]
    number = " ".join(str(p).strip() for p in parts if p)
    if not number:
        return None
    country = point.get("PHONE_COUNTRY_CODE")
    return f"+{str(country).lstrip('+')} {number}" if country else number


def _primary(points: Sequence[Row], kind: str) -> Row | None:
    active = [p for p in points if p.get("CONTACT_POINT_TYPE") == kind and p.get("STATUS") == "A"]
    active.sort(key=lambda p: (p.get("PRIMARY_FLAG") != "Y", p["CONTACT_POINT_ID"]))
    return active[0] if active else None


def customer_records(
    accounts: Sequence[Row],
    points: Sequence[Row],
    sites: Sequence[Row],
    clock: ServerClock,
) -> list[dict[str, Any]]:
    """One record per account: party, phones/e-mails and sites (with uses) nested."""
    points_of, sites_of = grouped(points, "OWNER_TABLE_ID"), grouped(sites, "CUST_ACCOUNT_ID")
    records = []
    for account in accounts:
        record = plain(account, clock)
        own_points, own_sites = points_of[account["PARTY_ID"]], sites_of[account["CUST_ACCOUNT_ID"]]
        record["contact_points"] = [plain(p, clock) for p in own_points]
        email, phone = _primary(own_points, "EMAIL"), _primary(own_points, "PHONE")
        record["PRIMARY_EMAIL"] = (email or {}).get("EMAIL_ADDRESS") or account.get("EMAIL_ADDRESS")
        record["PRIMARY_PHONE"] = _phone(phone) if phone else None
        record["sites"] = [plain(s, clock, drop=("CUST_ACCOUNT_ID",)) for s in own_sites]
        bill_to = sorted(
            (
                s
                for s in own_sites
                if s.get("SITE_USE_CODE") == "BILL_TO" and s.get("STATUS") == "A"
            ),
            key=lambda s: (s.get("PRIMARY_FLAG") != "Y", s["CUST_ACCT_SITE_ID"]),
        )
        record["BILL_TO_ADDRESS"] = plain(bill_to[0], clock) if bill_to else None
        record["LAST_UPDATE_DATE"] = latest(
            clock,
            account["LAST_UPDATE_DATE"],
            account["PARTY_LAST_UPDATE_DATE"],
            *(p["LAST_UPDATE_DATE"] for p in own_points),
            *(
                s[column]
                for s in own_sites
                for column in (
                    "SITE_LAST_UPDATE_DATE",
                    "USE_LAST_UPDATE_DATE",
                    "PARTY_SITE_LAST_UPDATE_DATE",
                    "LOCATION_LAST_UPDATE_DATE",
                )
            ),
        )
        record["_sdc_deleted_at"] = None
        records.append(record)
    return records


def shipment_records(details: Sequence[Row], clock: ServerClock) -> list[dict[str, Any]]:
    """One record per delivery detail, with its delivery's name, status and waybill."""
    records = []
    for detail in details:
        record = plain(detail, clock)
        record["LAST_UPDATE_DATE"] = latest(
            clock,
            detail["LAST_UPDATE_DATE"],
            detail.get("ASSIGNMENT_LAST_UPDATE_DATE"),
            detail.get("DELIVERY_LAST_UPDATE_DATE"),
        )
        record["_sdc_deleted_at"] = None
        records.append(record)
    return records
