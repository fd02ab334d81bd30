"""Changes to a seeded EBS database, touching only the rows EBS itself would touch.

Advancing a line writes OE_ORDER_LINES_ALL (and the shipping tables), not the header;
applying or releasing a hold writes only OE_ORDER_HOLDS_ALL: the tap must track each
table. Deletes are hard deletes, as EBS does for an order that was never booked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from connectors.oracle_ebs.queries import lenient_columns
from connectors.oracle_ebs.schema import (
    DA,
    DD,
    DEL,
    HOLD,
    HZ_CONTACT_POINTS,
    HZ_CUST_ACCOUNTS,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_DELIVERY_ASSIGNMENTS,
    WSH_DELIVERY_DETAILS,
    WSH_NEW_DELIVERIES,
    H,
    L,
)
from connectors.oracle_ebs.sim_data import NEXT_LINE_STATUS, SHIPPING_STATE, EbsData
from connectors.oracle_ebs.sim_rows import insert_rows

Changed = dict[str, set[str]]


def _number(value: Any) -> Decimal | None:
    """A quantity as Decimal; None for what a legacy text column may hold instead."""
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


class EbsChanges:
    """What happens at an EBS site between two syncs."""

    def __init__(self, data: EbsData) -> None:
        self.data = data
        self.random = data.random

    def _load_ids(self, connection: sa.Connection) -> None:
        ids = self.data.ids
        for name, column in (
            ("header", H.HEADER_ID),
            ("line", L.LINE_ID),
            ("hold", HOLD.ORDER_HOLD_ID),
            ("detail", DD.DELIVERY_DETAIL_ID),
            ("delivery", DEL.DELIVERY_ID),
            ("assignment", DA.DELIVERY_ASSIGNMENT_ID),
        ):
            top = connection.execute(sa.select(sa.func.max(column))).scalar()
            setattr(ids, name, max(getattr(ids, name), int(top or 0)))

    def _pick(self, connection: sa.Connection, count: int, *statuses: str) -> list[dict]:
        query = sa.select(OE_ORDER_HEADERS_ALL).order_by(H.HEADER_ID)
        if statuses:
            query = query.where(H.FLOW_STATUS_CODE.in_(statuses))
        rows = [dict(r) for r in connection.execute(query).mappings()]
        return self.random.sample(rows, min(count, len(rows)))

    def change(self, count: int) -> Changed:
        """Move ``count`` orders on: bookings, line progress, holds, header edits."""
        changed: Changed = {"orders": set(), "shipments": set(), "customers": set()}
        now = self.data.now()
        with self.data.engine.begin() as connection:
            self._load_ids(connection)
            picked = self._pick(connection, count, "ENTERED", "BOOKED")
            if len(picked) < count:
                taken = {h["HEADER_ID"] for h in picked}
                others = [
                    h for h in self._pick(connection, count * 3) if h["HEADER_ID"] not in taken
                ]
                picked += others[: count - len(picked)]
            for index, header in enumerate(picked):
                changed["orders"].add(str(header["HEADER_ID"]))
                if header["FLOW_STATUS_CODE"] == "ENTERED":
                    self._book(connection, header, now, changed)
                elif header["FLOW_STATUS_CODE"] == "BOOKED" and index % 3 == 0:
                    if not self._advance_line(connection, header, now, changed):
                        self._edit_header(connection, header, now)
                elif header["FLOW_STATUS_CODE"] == "BOOKED" and index % 3 == 1:
                    self._toggle_hold(connection, header, now)
                else:
                    self._edit_header(connection, header, now)
            accounts = connection.execute(
                sa.select(HZ_CUST_ACCOUNTS.c.CUST_ACCOUNT_ID, HZ_CUST_ACCOUNTS.c.PARTY_ID)
            ).all()
            for account_id, party_id in self.random.sample(
                accounts, min(len(accounts), max(1, count // 5))
            ):
                connection.execute(
                    HZ_CONTACT_POINTS.update()
                    .where(
                        party_id == HZ_CONTACT_POINTS.c.OWNER_TABLE_ID,
                        HZ_CONTACT_POINTS.c.CONTACT_POINT_TYPE == "PHONE",
                    )
                    .values(
                        PHONE_NUMBER=f"555-{self.random.randrange(10000):04d}", LAST_UPDATE_DATE=now
                    )
                )
                changed["customers"].add(str(account_id))
        return {stream: keys for stream, keys in changed.items() if keys}

    def _edit_header(self, connection: sa.Connection, header: dict, when: datetime) -> None:
        connection.execute(
            OE_ORDER_HEADERS_ALL.update()
            .where(header["HEADER_ID"] == H.HEADER_ID)
            .values(CUST_PO_NUMBER=f"PO-{self.random.randrange(10**6):06d}", LAST_UPDATE_DATE=when)
        )

    def _book(
        self, connection: sa.Connection, header: dict, now: datetime, changed: Changed
    ) -> None:
        connection.execute(
            OE_ORDER_HEADERS_ALL.update()
            .where(header["HEADER_ID"] == H.HEADER_ID)
            .values(
                FLOW_STATUS_CODE="BOOKED",
                BOOKED_FLAG="Y",
                ORDERED_DATE=now,
                BOOKED_DATE=now,
                LAST_UPDATE_DATE=now,
            )
        )
        lines = connection.execute(
            sa.select(*lenient_columns(OE_ORDER_LINES_ALL)).where(
                header["HEADER_ID"] == L.HEADER_ID
            )
        ).mappings()
        for line in list(lines):
            status = (
                "AWAITING_SHIPPING" if line["LINE_CATEGORY_CODE"] == "ORDER" else "AWAITING_RETURN"
            )
            self._set_line(connection, line, status, now, changed)

    def _advance_line(
        self, connection: sa.Connection, header: dict, now: datetime, changed: Changed
    ) -> bool:
        lines = connection.execute(
            sa.select(*lenient_columns(OE_ORDER_LINES_ALL))
            .where(header["HEADER_ID"] == L.HEADER_ID)
            .order_by(L.LINE_NUMBER)
        ).mappings()
        for line in list(lines):
            following = NEXT_LINE_STATUS.get(line["FLOW_STATUS_CODE"])
            if line["FLOW_STATUS_CODE"] == "AWAITING_RETURN":
                following = "RETURNED"
            if following is not None:
                self._set_line(connection, line, following, now, changed)
                return True
        return False

    def _set_line(
        self, connection: sa.Connection, line: Any, status: str, now: datetime, changed: Changed
    ) -> None:
        connection.execute(
            OE_ORDER_LINES_ALL.update()
            .where(line["LINE_ID"] == L.LINE_ID)
            .values(
                FLOW_STATUS_CODE=status,
                OPEN_FLAG="N" if status == "CLOSED" else "Y",
                SHIPPED_QUANTITY=_number(line["ORDERED_QUANTITY"])
                if status == "SHIPPED"
                else _number(line["SHIPPED_QUANTITY"]),
                ACTUAL_SHIPMENT_DATE=now if status == "SHIPPED" else line["ACTUAL_SHIPMENT_DATE"],
                LAST_UPDATE_DATE=now,
            )
        )
        if line["LINE_CATEGORY_CODE"] == "ORDER" and status in SHIPPING_STATE:
            self._ship(connection, line, status, now, changed)

    def _ship(
        self, connection: sa.Connection, line: Any, status: str, now: datetime, changed: Changed
    ) -> None:
        released, delivery_status = SHIPPING_STATE[status]
        detail = connection.execute(
            sa.select(DD.DELIVERY_DETAIL_ID, DA.DELIVERY_ID)
            .select_from(
                WSH_DELIVERY_DETAILS.join(
                    WSH_DELIVERY_ASSIGNMENTS, DA.DELIVERY_DETAIL_ID == DD.DELIVERY_DETAIL_ID
                )
            )
            .where(line["LINE_ID"] == DD.SOURCE_LINE_ID)
        ).first()
        who = {"CREATION_DATE": now, "LAST_UPDATE_DATE": now, "CREATED_BY": 0, "LAST_UPDATED_BY": 0}
        if detail is None:
            rows: dict[sa.Table, list[dict[str, Any]]] = {}
            item = {"inventory_item_id": line["INVENTORY_ITEM_ID"]}
            self.data._shipping(
                rows,
                line["HEADER_ID"],
                line["LINE_ID"],
                line["ORG_ID"],
                item,
                _number(line["ORDERED_QUANTITY"]) or Decimal(0),
                status,
                who,
            )
            for table, values in rows.items():
                insert_rows(connection, table, values)
            changed["shipments"].add(str(rows[WSH_DELIVERY_DETAILS][0]["DELIVERY_DETAIL_ID"]))
            return
        detail_id, delivery_id = detail
        connection.execute(
            WSH_DELIVERY_DETAILS.update()
            .where(detail_id == DD.DELIVERY_DETAIL_ID)
            .values(
                RELEASED_STATUS=released,
                SHIPPED_QUANTITY=_number(line["ORDERED_QUANTITY"]) if released == "C" else None,
                LAST_UPDATE_DATE=now,
            )
        )
        if delivery_status is not None and delivery_id is None:
            delivery_id = self.data.ids.next("delivery")
            connection.execute(
                WSH_NEW_DELIVERIES.insert(),
                {
                    "DELIVERY_ID": delivery_id,
                    "NAME": str(delivery_id),
                    "STATUS_CODE": delivery_status,
                    **who,
                },
            )
            connection.execute(
                WSH_DELIVERY_ASSIGNMENTS.update()
                .where(detail_id == DA.DELIVERY_DETAIL_ID)
                .values(DELIVERY_ID=delivery_id, LAST_UPDATE_DATE=now)
            )
        elif delivery_id is not None and delivery_status is not None:
            connection.execute(
                WSH_NEW_DELIVERIES.update()
                .where(delivery_id == DEL.DELIVERY_ID)
                .values(
                    STATUS_CODE=delivery_status,
                    WAYBILL=f"1Z{delivery_id:010d}" if released == "C" else None,
                    INITIAL_PICKUP_DATE=now if released == "C" else None,
                    LAST_UPDATE_DATE=now,
                )
            )
        changed["shipments"].add(str(detail_id))

    def _toggle_hold(self, connection: sa.Connection, header: dict, now: datetime) -> None:
        active = connection.execute(
            sa.select(HOLD.ORDER_HOLD_ID).where(
                header["HEADER_ID"] == HOLD.HEADER_ID, HOLD.RELEASED_FLAG == "N"
            )
        ).first()
        if active is not None:
            connection.execute(
                OE_ORDER_HOLDS_ALL.update()
                .where(active[0] == HOLD.ORDER_HOLD_ID)
                .values(RELEASED_FLAG="Y", HOLD_RELEASE_ID=1, LAST_UPDATE_DATE=now)
            )
            return
        connection.execute(
            OE_ORDER_HOLDS_ALL.insert(),
            {
                "ORDER_HOLD_ID": self.data.ids.next("hold"),
                "HEADER_ID": header["HEADER_ID"],
                "HOLD_SOURCE_ID": 1,
                "RELEASED_FLAG": "N",
                "ORG_ID": header["ORG_ID"],
                "CREATION_DATE": now,
                "LAST_UPDATE_DATE": now,
            },
        )

    def change_late(self, count: int, before: timedelta) -> Changed:
        """Header edits stamped ``before`` ago, as a transaction committing late would."""
        when = self.data.now() - before
        with self.data.engine.begin() as connection:
            picked = self._pick(connection, count)
            for header in picked:
                self._edit_header(connection, header, when)
        return {"orders": {str(h["HEADER_ID"]) for h in picked}}

    def delete(self, count: int) -> Changed:
        """Hard-delete ``count`` orders (unbooked first, as EBS allows) with their rows."""
        with self.data.engine.begin() as connection:
            picked = self._pick(connection, count, "ENTERED")
            if len(picked) < count:
                picked += self._pick(connection, count - len(picked), "CANCELLED")
            ids = [h["HEADER_ID"] for h in picked]
            details = [
                r[0]
                for r in connection.execute(
                    sa.select(DD.DELIVERY_DETAIL_ID).where(DD.SOURCE_HEADER_ID.in_(ids))
                )
            ]
            connection.execute(
                WSH_DELIVERY_ASSIGNMENTS.delete().where(DA.DELIVERY_DETAIL_ID.in_(details))
            )
            connection.execute(
                WSH_DELIVERY_DETAILS.delete().where(DD.DELIVERY_DETAIL_ID.in_(details))
            )
            connection.execute(OE_ORDER_HOLDS_ALL.delete().where(HOLD.HEADER_ID.in_(ids)))
            connection.execute(OE_ORDER_LINES_ALL.delete().where(L.HEADER_ID.in_(ids)))
            connection.execute(OE_ORDER_HEADERS_ALL.delete().where(H.HEADER_ID.in_(ids)))
        deleted = {"orders": {str(i) for i in ids}}
        if details:
            deleted["shipments"] = {str(d) for d in details}
        return deleted
