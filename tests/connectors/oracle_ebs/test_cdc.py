"""Change capture against the simulated EBS: child tables, operating units, deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from connectors.oracle_ebs.schema import (
    HZ_LOCATIONS,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_NEW_DELIVERIES,
)
from connectors.oracle_ebs.simulator import EbsDatabase
from tests.connectors.oracle_ebs.conftest import keys, sync

H, L = OE_ORDER_HEADERS_ALL.c, OE_ORDER_LINES_ALL.c


def one(database: EbsDatabase, query: sa.Select) -> sa.Row:
    with database.engine.connect() as connection:
        return connection.execute(query).one()


def test_a_changed_line_re_emits_its_whole_order(ebs: EbsDatabase) -> None:
    first = sync(ebs)
    line = one(
        ebs,
        sa.select(L.LINE_ID, L.HEADER_ID)
        .where(L.FLOW_STATUS_CODE == "AWAITING_SHIPPING")
        .order_by(L.LINE_ID)
        .limit(1),
    )
    header_before = one(ebs, sa.select(H.LAST_UPDATE_DATE).where(H.HEADER_ID == line.HEADER_ID))
    written = ebs.data.now()
    with ebs.engine.begin() as connection:  # as EBS does: the header row is not touched
        connection.execute(
            OE_ORDER_LINES_ALL.update()
            .where(L.LINE_ID == line.LINE_ID)
            .values(FLOW_STATUS_CODE="PICKED", LAST_UPDATE_DATE=written)
        )
    second = sync(ebs, state=first.final_state)
    assert line.HEADER_ID in keys(second, "orders")
    order = next(r for r in second.records("orders") if r["HEADER_ID"] == line.HEADER_ID)
    assert (
        one(ebs, sa.select(H.LAST_UPDATE_DATE).where(H.HEADER_ID == line.HEADER_ID))
        == header_before
    )
    all_lines = one(ebs, sa.select(sa.func.count()).where(L.HEADER_ID == line.HEADER_ID))[0]
    assert len(order["lines"]) == all_lines  # the whole order, not the one line
    changed = next(x for x in order["lines"] if x["LINE_ID"] == line.LINE_ID)
    assert changed["FLOW_STATUS_CODE"] == "PICKED"
    # the order's version is its newest row, converted from Los Angeles wall time
    assert order["LAST_UPDATE_DATE"] == ebs.clock.to_utc(written).isoformat()
    assert len(keys(second, "orders")) < len(keys(first, "orders")) // 2


def test_a_hold_applied_or_released_re_emits_the_order_on_hold(ebs: EbsDatabase) -> None:
    first = sync(ebs)
    header = one(
        ebs,
        sa.select(H.HEADER_ID, H.ORG_ID)
        .where(H.FLOW_STATUS_CODE == "BOOKED", H.ORDER_CATEGORY_CODE == "ORDER")
        .where(~H.HEADER_ID.in_(sa.select(OE_ORDER_HOLDS_ALL.c.HEADER_ID)))
        .order_by(H.HEADER_ID)
        .limit(1),
    )
    now = ebs.data.now()
    with ebs.engine.begin() as connection:
        connection.execute(
            OE_ORDER_HOLDS_ALL.insert(),
            {
                "ORDER_HOLD_ID": 99_001,
                "HEADER_ID": header.HEADER_ID,
                "RELEASED_FLAG": "N",
                "ORG_ID": header.ORG_ID,
                "CREATION_DATE": now,
                "LAST_UPDATE_DATE": now,
            },
        )
    held = sync(ebs, state=first.final_state)
    record = next(r for r in held.records("orders") if r["HEADER_ID"] == header.HEADER_ID)
    assert record["HOLD_ACTIVE_FLAG"] == "Y"
    with ebs.engine.begin() as connection:
        connection.execute(
            OE_ORDER_HOLDS_ALL.update()
            .where(OE_ORDER_HOLDS_ALL.c.ORDER_HOLD_ID == 99_001)
            .values(RELEASED_FLAG="Y", LAST_UPDATE_DATE=now + timedelta(seconds=5))
        )
    released = sync(ebs, state=held.final_state)
    record = next(r for r in released.records("orders") if r["HEADER_ID"] == header.HEADER_ID)
    assert record["HOLD_ACTIVE_FLAG"] == "N"


def test_child_tables_of_customers_and_shipments_are_tracked(ebs: EbsDatabase) -> None:
    first = sync(ebs)
    now = ebs.data.now()
    with ebs.engine.begin() as connection:
        location = connection.execute(sa.select(sa.func.min(HZ_LOCATIONS.c.LOCATION_ID))).scalar()
        connection.execute(
            HZ_LOCATIONS.update()
            .where(location == HZ_LOCATIONS.c.LOCATION_ID)
            .values(CITY="Oakland", LAST_UPDATE_DATE=now)
        )
        delivery = connection.execute(
            sa.select(sa.func.min(WSH_NEW_DELIVERIES.c.DELIVERY_ID))
        ).scalar()
        connection.execute(
            WSH_NEW_DELIVERIES.update()
            .where(delivery == WSH_NEW_DELIVERIES.c.DELIVERY_ID)
            .values(STATUS_CODE="CL", LAST_UPDATE_DATE=now)
        )
    second = sync(ebs, state=first.final_state)
    cities = [
        site["CITY"]
        for r in second.records("customers")
        for site in r["sites"]
        if site["LOCATION_ID"] == location
    ]
    assert cities and set(cities) == {"Oakland"}
    statuses = {
        r["DELIVERY_STATUS_CODE"]
        for r in second.records("shipments")
        if r["DELIVERY_ID"] == delivery
    }
    assert statuses == {"CL"}


def test_org_ids_limit_every_stream_to_those_operating_units(ebs: EbsDatabase) -> None:
    everything = sync(ebs)
    only = sync(ebs, org_ids=[204])
    orgs = {r["ORG_ID"] for r in everything.records("orders")}
    assert orgs == {204, 458}
    assert {r["ORG_ID"] for r in only.records("orders")} == {204}
    assert keys(only, "orders") == {
        r["HEADER_ID"] for r in everything.records("orders") if r["ORG_ID"] == 204
    }
    assert {r["ORG_ID"] for r in only.records("shipments")} == {204}
    assert {s["ORG_ID"] for r in only.records("customers") for s in r["sites"]} == {204}
    # an incremental run with the filter still reads only its operating units
    ebs.change(12)
    again = sync(ebs, state=only.final_state, org_ids=[204])
    assert {r["ORG_ID"] for r in again.records("orders")} == {204}


def test_deletes_wait_for_the_reconciliation_schedule(ebs: EbsDatabase) -> None:
    first = sync(ebs, reconcile_deletes_hours=24)
    deleted = ebs.delete(2)
    soon = sync(ebs, state=first.final_state, reconcile_deletes_hours=24)
    assert keys(soon, "orders", tombstones=True) == set()  # not due: no key scan
    state = soon.final_state
    for bookmark in state["bookmarks"].values():
        bookmark["reconciled_at"] = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    due = sync(ebs, state=state, reconcile_deletes_hours=24)
    assert keys(due, "orders", tombstones=True) == {int(k) for k in deleted["orders"]}
    tombstone = next(r for r in due.records("orders") if r.get("_sdc_deleted_at"))
    assert set(tombstone) == {"HEADER_ID", "LAST_UPDATE_DATE", "_sdc_deleted_at"}
    # the bookmark does not jump to the time the delete was found
    assert datetime.fromisoformat(due.bookmark("orders")) < datetime.fromisoformat(
        tombstone["_sdc_deleted_at"]
    )
    after = sync(ebs, state=due.final_state, reconcile_deletes_hours=0)
    assert keys(after, "orders", tombstones=True) == set()  # each delete is reported once


def test_an_order_created_and_deleted_between_reconciliations_gets_a_tombstone(
    ebs: EbsDatabase,
) -> None:
    first = sync(ebs, reconcile_deletes_hours=1000)
    ebs.change(4)  # books ENTERED orders among others
    with ebs.engine.begin() as connection:
        new_id = 200_000
        template = dict(
            connection.execute(sa.select(OE_ORDER_HEADERS_ALL).limit(1)).mappings().one()
        )
        template.update(HEADER_ID=new_id, ORDER_NUMBER=99_999, LAST_UPDATE_DATE=ebs.data.now())
        connection.execute(OE_ORDER_HEADERS_ALL.insert(), template)
    second = sync(ebs, state=first.final_state, reconcile_deletes_hours=1000)
    assert new_id in keys(second, "orders")
    with ebs.engine.begin() as connection:
        connection.execute(OE_ORDER_HEADERS_ALL.delete().where(new_id == H.HEADER_ID))
    third = sync(ebs, state=second.final_state, reconcile_deletes_hours=0)
    assert keys(third, "orders", tombstones=True) == {new_id}


def test_a_changed_operating_unit_filter_does_not_turn_into_deletes(ebs: EbsDatabase) -> None:
    both = sync(ebs, reconcile_deletes_hours=0)
    one_unit = sync(ebs, state=both.final_state, reconcile_deletes_hours=0, org_ids=[458])
    assert keys(one_unit, "orders", tombstones=True) == set()


def test_dates_are_emitted_in_utc_from_the_server_zone(ebs: EbsDatabase) -> None:
    output = sync(ebs)
    record = output.records("orders")[0]
    local = one(ebs, sa.select(H.CREATION_DATE).where(record["HEADER_ID"] == H.HEADER_ID))[0]
    emitted = datetime.fromisoformat(record["CREATION_DATE"])
    assert emitted.utcoffset() == timedelta(0)
    assert emitted.astimezone(ebs.clock.zone).replace(tzinfo=None) == local


def test_the_schema_setting_prefixes_every_table(ebs: EbsDatabase) -> None:
    """EBS tables are reached as APPS.<table> (or a read-only schema's synonyms)."""
    from sqlalchemy.dialects.oracle import oracledb as oracle_oracledb

    from connectors.oracle_ebs.queries import EbsQueries

    qualified = sync(ebs, schema="public")  # PostgreSQL's name for where they are here
    assert len(qualified.records("orders")) == len(ebs.current("orders"))
    sql = str(
        EbsQueries()
        .order_headers()
        .compile(
            dialect=oracle_oracledb.dialect(),
            schema_translate_map={None: "APPS"},
            render_schema_translate=True,
        )
    )
    assert 'FROM "APPS"."OE_ORDER_HEADERS_ALL"' in sql
