"""tap-u8's change capture: rowversions read exactly, line changes re-emit their order,
one bookmark per account-year database."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.mssql import pyodbc as mssql_pyodbc

from connectors.u8 import queries
from connectors.u8.client import U8Client
from connectors.u8.schema import SO_SODetails, SO_SOMain
from connectors.u8.simulator import U8Database, mariadb_database, mariadb_odbc, odbc_url
from tests.connectors.u8.conftest import keys, sync

MSSQL = mssql_pyodbc.dialect()


def bookmark(state: dict[str, Any], stream: str) -> tuple[dict[str, Any], Any]:
    (partition,) = state["bookmarks"][stream]["partitions"]
    return partition["context"], partition["replication_key_value"]


def test_a_line_change_re_emits_its_whole_order(u8: U8Database) -> None:
    first = sync(u8.tap_config())
    with u8.engine.begin() as connection:
        order_id, header_ufts = connection.execute(
            sa.select(SO_SOMain.c.ID, SO_SOMain.c.ufts).order_by(SO_SOMain.c.ID).limit(1)
        ).one()
        line_id = connection.execute(
            sa.select(SO_SODetails.c.AutoID).where(SO_SODetails.c["ID"] == order_id).limit(1)
        ).scalar_one()
        # Any writer, plain SQL: the line's rowversion moves, the header's does not.
        connection.execute(
            SO_SODetails.update()
            .where(SO_SODetails.c.AutoID == line_id)
            .values(cInvName="改名的商品（新）")
        )
        assert (
            connection.execute(
                sa.select(SO_SOMain.c.ufts).where(SO_SOMain.c["ID"] == order_id)
            ).scalar_one()
            == header_ufts
        )
    second = sync(u8.tap_config(), state=first.final_state)
    assert keys(second, "orders") == [str(order_id)]
    (record,) = second.records("orders")
    assert record["ufts"] == header_ufts
    assert record["row_version"] > header_ufts
    names = {line["AutoID"]: line["cInvName"] for line in record["SO_SODetails"]}
    assert names[line_id] == "改名的商品（新）"
    # The whole order came again, every line of it.
    before = next(r for r in first.records("orders") if r["ID"] == order_id)
    assert set(names) == {line["AutoID"] for line in before["SO_SODetails"]}
    assert keys(second, "customers") == [] and keys(second, "shipments") == []


def test_rowversions_are_exact_a_change_during_a_sync_is_caught_once(u8: U8Database) -> None:
    changed: dict[str, set[str]] = {}

    def change_mid_orders(tap: Any) -> None:
        stream = tap.streams["orders"]
        original = stream.get_records

        def get_records(context: Any) -> Any:
            for index, record in enumerate(original(context)):
                if index == 3:
                    changed.update(u8.change(4))
                yield record

        stream.get_records = get_records

    config = {**u8.tap_config(), "page_size": 3}
    first = sync(config, tap_hook=change_mid_orders)
    emitted = first.records("orders")
    versions = [r["row_version"] for r in emitted]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert bookmark(first.final_state, "orders")[1] == max(versions)
    second = sync(config, state=first.final_state)
    current = u8.current("orders")
    latest = {**{f"999_2024|{r['ID']}": r["row_version"] for r in emitted}}
    latest.update({f"999_2024|{r['ID']}": r["row_version"] for r in second.records("orders")})
    for key in changed["orders"]:
        assert latest[key] == current[key], f"{key}: its newest version was lost"
    # Nothing the first sync had already emitted at its newest version comes again.
    again = {f"999_2024|{r['ID']}" for r in second.records("orders")}
    assert again <= changed["orders"]
    third = sync(config, state=second.final_state)
    assert third.records("orders") == [] and third.records("shipments") == []
    assert third.records("customers") == []


def test_each_account_year_database_keeps_its_own_bookmark() -> None:
    with mariadb_database() as old_name, mariadb_database() as new_name:
        old = U8Database(odbc_url(mariadb_odbc(old_name)), seed=1, orders=5)
        new = U8Database(odbc_url(mariadb_odbc(new_name)), seed=2, orders=3)
        try:
            old_config = {"sqlalchemy_url": old.url, "account": "999", "year": "2024"}
            new_config = {"sqlalchemy_url": new.url, "account": "999", "year": "2025"}
            first = sync(old_config)
            old_bookmark = bookmark(first.final_state, "orders")[1]
            # The fiscal year rolls over: the pipeline is pointed at the new database.
            rolled = sync(new_config, state=copy.deepcopy(first.final_state))
            assert len(rolled.records("orders")) == 3, "the new year starts from its own start"
            assert {r["account_year"] for r in rolled.records("orders")} == {"999_2025"}
            partitions = rolled.final_state["bookmarks"]["orders"]["partitions"]
            by_database = {p["context"]["database"]: p["replication_key_value"] for p in partitions}
            assert set(by_database) == {old_name, new_name}
            assert by_database[old_name] == old_bookmark
            # Back on last year's database (late corrections): from its own bookmark.
            old.change(1)
            back = sync(old_config, state=copy.deepcopy(rolled.final_state))
            assert len(back.records("orders")) == 1
            # IDs repeat across years; the keys the mapping builds do not.
            first_keys = {(r["account_year"], r["ID"]) for r in first.records("orders")}
            rolled_keys = {(r["account_year"], r["ID"]) for r in rolled.records("orders")}
            assert {i for _, i in first_keys} & {i for _, i in rolled_keys}
            assert not first_keys & rolled_keys
        finally:
            old.engine.dispose()
            new.engine.dispose()


def test_rows_at_or_above_the_upper_bound_wait_for_the_next_sync(
    u8: U8Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What MIN_ACTIVE_ROWVERSION() guards: rows an open transaction may still commit."""
    with u8.engine.connect() as connection:
        rows = [
            (doc, int(v))
            for table in (SO_SOMain, SO_SODetails)
            for doc, v in connection.execute(sa.select(table.c["ID"], table.c.ufts))
        ]
    values = sorted(v for _, v in rows)
    bound = values[len(values) // 2]
    monkeypatch.setattr(U8Client, "upper_bound", lambda self, connection: bound)
    first = sync(u8.tap_config())
    below = {doc for doc, v in rows if v < bound}
    assert {r["ID"] for r in first.records("orders")} == below
    assert all(r["row_version"] < bound for r in first.records("orders"))
    monkeypatch.undo()  # the transaction committed: no bound any more
    second = sync(u8.tap_config(), state=first.final_state)
    assert {r["ID"] for r in second.records("orders")} == {doc for doc, v in rows if v >= bound}
    latest = {f"999_2024|{r['ID']}": r["row_version"] for r in first.records("orders")}
    latest.update({f"999_2024|{r['ID']}": r["row_version"] for r in second.records("orders")})
    assert latest == u8.current("orders")


def test_every_statement_the_tap_runs_is_one_the_sql_server_test_checks(u8: U8Database) -> None:
    checked = {
        str(statement.compile(dialect=MSSQL))
        for below in (None, 1)
        for statement in queries.every_statement(below=below).values()
    }
    ran: list[str] = []

    def record(connection: Any, clause: Any, *args: Any) -> None:
        if connection.engine is not u8.engine:  # the tap's, not the simulated U8 users'
            ran.append(str(clause.compile(dialect=MSSQL)))

    sa.event.listen(sa.engine.Engine, "before_execute", record)
    try:
        first = sync(u8.tap_config())
        u8.change(3)
        sync(u8.tap_config(), state=first.final_state)
    finally:
        sa.event.remove(sa.engine.Engine, "before_execute", record)
    assert len(ran) >= 6
    unknown = [text for text in ran if text not in checked]
    assert not unknown, unknown[:2]


def test_following_new_years_reads_the_next_year_database_when_it_appears() -> None:
    account = f"{random.randrange(100, 1000)}"
    names = {year: f"UFDATA_{account}_{year}" for year in (2023, 2024, 2025)}
    with mariadb_database(name=names[2023]), mariadb_database(name=names[2024]):
        older = U8Database(odbc_url(mariadb_odbc(names[2023])), seed=4, orders=2)
        current = U8Database(odbc_url(mariadb_odbc(names[2024])), seed=1, orders=5)
        config = {"sqlalchemy_url": current.url, "follow_new_years": True}
        try:
            first = sync(config)
            assert {r["database"] for r in first.records("orders")} == {names[2024]}
            assert len(first.records("orders")) == 5, "an earlier year is never read"
            with mariadb_database(name=names[2025]):
                # Year-end: U8 opens the new year's database; no config change needed.
                new = U8Database(odbc_url(mariadb_odbc(names[2025])), seed=2, orders=3)
                try:
                    second = sync(config, state=copy.deepcopy(first.final_state))
                finally:
                    new.engine.dispose()
            orders = second.records("orders")
            assert {r["account_year"] for r in orders} == {f"{account}_2025"}
            assert len(orders) == 3
            partitions = second.final_state["bookmarks"]["orders"]["partitions"]
            assert [p["context"]["database"] for p in partitions] == [names[2024], names[2025]]
        finally:
            older.engine.dispose()
            current.engine.dispose()


def test_an_open_transaction_holding_a_lower_rowversion_is_not_skipped(
    u8: U8Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real concurrent writers: why the read stops below MIN_ACTIVE_ROWVERSION()."""
    first = sync(u8.tap_config())
    with u8.engine.connect() as connection:
        slow_id, fast_id = connection.execute(
            sa.select(SO_SOMain.c.ID).order_by(SO_SOMain.c.ID).limit(2)
        ).scalars()
    slow = u8.engine.connect()
    transaction = slow.begin()
    try:
        slow.execute(SO_SOMain.update().where(SO_SOMain.c["ID"] == slow_id).values(cMemo="慢事务"))
        held = slow.execute(
            sa.select(SO_SOMain.c.ufts).where(SO_SOMain.c["ID"] == slow_id)
        ).scalar_one()
        with u8.engine.begin() as fast:  # a later rowversion, committed first
            fast.execute(
                SO_SOMain.update().where(SO_SOMain.c["ID"] == fast_id).values(cMemo="快事务")
            )
        unbounded = sync(u8.tap_config(), state=copy.deepcopy(first.final_state))
        assert [r["ID"] for r in unbounded.records("orders")] == [fast_id]
        assert bookmark(unbounded.final_state, "orders")[1] > held
        # On SQL Server MIN_ACTIVE_ROWVERSION() is the open transaction's rowversion now.
        monkeypatch.setattr(U8Client, "upper_bound", lambda self, connection: held)
        bounded = sync(u8.tap_config(), state=copy.deepcopy(first.final_state))
        assert bounded.records("orders") == []
        transaction.commit()
    finally:
        slow.close()
    monkeypatch.undo()  # committed: MIN_ACTIVE_ROWVERSION() moves past both
    after = sync(u8.tap_config(), state=bounded.final_state)
    assert sorted(r["ID"] for r in after.records("orders")) == sorted([slow_id, fast_id])
    # Without the bound the slow transaction's order would have been lost for good.
    lost = sync(u8.tap_config(), state=unbounded.final_state)
    assert slow_id not in [r["ID"] for r in lost.records("orders")]
