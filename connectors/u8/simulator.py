"""An emulated U8 account-year database, seeded and changed like a real one.

The tables are the real ones (:mod:`connectors.u8.schema`), the rowversion is emulated
with a database-wide counter and triggers (:mod:`connectors.u8.rowversion`), and every
change is plain SQL through its own connection, as U8's client would make it: the tap
sees only what the database shows. Tests run it on MariaDB through the MariaDB ODBC
driver (``mysql+pyodbc``), the real pyodbc path; the demo runs it on a SQLite file.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

import sqlalchemy as sa

from connectors.u8 import rowversion, sample
from connectors.u8.schema import (
    Customer,
    DispatchList,
    DispatchLists,
    SO_SODetails,
    SO_SOMain,
    metadata,
)

ACCOUNT, YEAR = "999", "2024"
ACCOUNT_YEAR = f"{ACCOUNT}_{YEAR}"
#: ODBC connection string of the MariaDB server the tests create scratch databases on.
MARIADB_ODBC_VARIABLE = "ORDERHUB_TEST_MARIADB_ODBC"
MARIADB_ODBC = "DRIVER={MariaDB Unicode};SERVER=127.0.0.1;PORT=3306;UID=root;PWD=;CHARSET=utf8mb4"


def mariadb_odbc(database: str | None = None) -> str:
    """The ODBC connection string of the test MariaDB server (and a database on it)."""
    base = os.environ.get(MARIADB_ODBC_VARIABLE, MARIADB_ODBC)
    return base + (f";DATABASE={database}" if database else "")


def odbc_url(odbc: str) -> str:
    """``mysql+pyodbc`` URL over an ODBC connection string: SQLAlchemy -> pyodbc -> driver."""
    return "mysql+pyodbc:///?odbc_connect=" + quote_plus(odbc)


class U8Database:
    """A seeded U8 account-year database; the kit's SimulatedSource for tap-u8."""

    retry_after_seconds = 0.0

    def __init__(
        self, url: str, *, seed: int = 7, orders: int = 40, config: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        self.engine = sa.create_engine(url)
        self.random = random.Random(seed)
        self.config = config or {"sqlalchemy_url": url}
        self.now = datetime(2024, 3, 1, 9, 0, 0)
        self.next_id = {"order": 1000, "line": 5000, "dispatch": 8000, "dispatch_line": 9000}
        with self.engine.begin() as connection:
            metadata.create_all(connection)
            rowversion.install(connection)
            self._seed(connection, orders)

    # -- seeding ------------------------------------------------------------------------

    def tick(self) -> datetime:
        """U8's clock: server-local, naive, a few minutes on per document event."""
        self.now += timedelta(
            minutes=self.random.randint(1, 30), seconds=self.random.randint(0, 59)
        )
        return self.now

    def _take(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind]

    def _seed(self, connection: sa.Connection, orders: int) -> None:
        connection.execute(
            Customer.insert(),
            [
                {
                    "cCusCode": f"C{index:04d}",
                    "cCusName": name,
                    "cCusAbbName": short,
                    "cCusAddress": address,
                    "cCusPostCode": f"{100000 + index * 1111}",
                    "cCusPhone": f"010-6{index:03d}88{index:02d}",
                    "cCusHand": f"1381000{index:04d}",
                    "cCusPerson": person,
                    "cCusEmail": f"buyer{index}@example.cn",
                    "dCusDevDate": datetime(2020, 1, index + 1, 10, 0),
                    "dModifyDate": datetime(2024, 1, 2),
                }
                for index, (name, short, address, person) in enumerate(sample.CUSTOMERS)
            ],
        )
        for number in range(orders):
            self.add_order(connection, number)

    def add_order(self, connection: sa.Connection, number: int, **overrides: Any) -> int:
        """One sales order in a life stage picked by ``number`` (so every stage occurs)."""
        stage = ("new", "verified", "partial", "full", "closed", "return", "line_closed")[
            number % 7
        ]
        order_id = self._take("order")
        created = self.tick()
        currency, rate = self.random.choice(sample.CURRENCIES)
        customer = self.random.randrange(len(sample.CUSTOMERS))
        verified = stage != "new"
        head = {
            "ID": order_id,
            "cSOCode": f"SO{YEAR}{order_id:06d}",
            "dDate": created.replace(hour=0, minute=0, second=0),
            "cBusType": "普通销售",
            "cSTCode": "01",
            "cCusCode": f"C{customer:04d}",
            "cCusName": sample.CUSTOMERS[customer][0],
            "cDepCode": "03",
            "cPersonCode": "0012",
            "cSCCode": "01",
            "cCusOAddress": self.random.choice(sample.CUSTOMERS)[2],
            "cexch_name": currency,
            "iExchRate": rate,
            "iTaxRate": sample.TAX_RATE,
            "iMoney": Decimal(0),
            "cMemo": "请于周五前发货（加急）",
            "iStatus": 1,
            "bReturnFlag": 1 if stage == "return" else 0,
            "cMaker": self.random.choice(sample.PEOPLE),
            "cVerifier": self.random.choice(sample.PEOPLE) if verified else None,
            "dcreatesystime": created,
            "dverifysystime": created + timedelta(hours=1) if verified else None,
            "cCloser": "王五" if stage == "closed" else None,
            "dclosesystime": created + timedelta(days=3) if stage == "closed" else None,
        }
        head.update(overrides)
        sign = -1 if stage == "return" else 1
        lines = []
        for row in range(1, self.random.randint(1, 3) + 1):
            code, name, price = self.random.choice(sample.PRODUCTS)
            quantity = Decimal(sign * self.random.randint(1, 20))
            dispatched = {
                "partial": quantity // 2 if row == 1 else 0,
                "full": quantity,
                "closed": quantity,
            }
            line_id = self._take("line")
            lines.append(
                {
                    "AutoID": line_id,
                    "iSOsID": line_id,
                    "ID": order_id,
                    "cSOCode": head["cSOCode"],
                    "iRowNo": row,
                    "cInvCode": code,
                    "cInvName": name,
                    **sample.line_amounts(quantity, price, rate),
                    "iFHQuantity": Decimal(dispatched.get(stage, 0)),
                    "dPreDate": created + timedelta(days=7),
                    "cSCloser": "赵六" if stage == "line_closed" else None,
                }
            )
        connection.execute(SO_SOMain.insert(), [head])
        connection.execute(SO_SODetails.insert(), lines)
        if any(line["iFHQuantity"] for line in lines):
            self.add_dispatch(connection, head, lines)
        return order_id

    def add_dispatch(
        self, connection: sa.Connection, head: dict[str, Any], lines: list[dict[str, Any]]
    ) -> int:
        """A verified dispatch note (发货单) for the dispatched part of ``lines``."""
        dispatch_id = self._take("dispatch")
        when = self.tick()
        connection.execute(
            DispatchList.insert(),
            [
                {
                    "DLID": dispatch_id,
                    "cDLCode": f"DL{YEAR}{dispatch_id:06d}",
                    "cVouchType": "05",
                    "dDate": when.replace(hour=0, minute=0, second=0),
                    "cSOCode": head["cSOCode"],
                    "cCusCode": head["cCusCode"],
                    "cSCCode": "01",
                    "cShipAddress": head["cCusOAddress"],
                    "cexch_name": head["cexch_name"],
                    "iExchRate": head["iExchRate"],
                    "bReturnFlag": head["bReturnFlag"],
                    "cVerifier": "李四",
                    "dverifysystime": when,
                    "dcreatesystime": when,
                }
            ],
        )
        connection.execute(
            DispatchLists.insert(),
            [
                {
                    "iDLsID": self._take("dispatch_line"),
                    "DLID": dispatch_id,
                    "iSOsID": line["iSOsID"],
                    "cordercode": head["cSOCode"],
                    "iRowNo": index,
                    "cInvCode": line["cInvCode"],
                    "cInvName": line["cInvName"],
                    "iQuantity": line["iFHQuantity"],
                    "iTaxUnitPrice": line["iTaxUnitPrice"],
                    "iSum": sample.money(line["iFHQuantity"] * line["iTaxUnitPrice"]),
                    "iNatSum": sample.money(
                        line["iFHQuantity"] * line["iTaxUnitPrice"] * head["iExchRate"]
                    ),
                }
                for index, line in enumerate((x for x in lines if x["iFHQuantity"]), start=1)
            ],
        )
        return dispatch_id

    # -- the connector kit's SimulatedSource ---------------------------------------------

    def tap_config(self) -> dict[str, Any]:
        return {**self.config, "account": ACCOUNT, "year": YEAR, "page_size": 7}

    def current(self, stream: str) -> dict[str, Any]:
        """Every key with its replication value, straight from the database."""
        with self.engine.connect() as connection:
            if stream == "customers":
                rows = connection.execute(sa.select(Customer.c.cCusCode, Customer.c.pubufts))
                return {f"{ACCOUNT}|{code}": int(v) for code, v in rows}
            head, lines, key = (
                (SO_SOMain, SO_SODetails, "ID")
                if stream == "orders"
                else (DispatchList, DispatchLists, "DLID")
            )
            newest: dict[str, int] = {}
            for table in (head, lines):
                for doc, value in connection.execute(sa.select(table.c[key], table.c.ufts)):
                    name = f"{ACCOUNT_YEAR}|{doc}"
                    newest[name] = max(newest.get(name, 0), int(value))
            heads = {
                f"{ACCOUNT_YEAR}|{d}" for d in connection.execute(sa.select(head.c[key])).scalars()
            }
            return {k: v for k, v in newest.items() if k in heads}

    def change(self, count: int) -> dict[str, set[str]]:
        """Change ``count`` orders as U8 users would: edit a header, edit a line only,
        verify, dispatch; and one customer. Returns the changed keys per stream."""
        changed: dict[str, set[str]] = {"orders": set(), "customers": set(), "shipments": set()}
        with self.engine.begin() as connection:
            ids = list(
                connection.execute(sa.select(SO_SOMain.c.ID).order_by(SO_SOMain.c.ID)).scalars()
            )
            for order_id in self.random.sample(ids, min(count, len(ids))):
                shipped = self._change_order(connection, order_id)
                changed["orders"].add(f"{ACCOUNT_YEAR}|{order_id}")
                if shipped is not None:
                    changed["shipments"].add(f"{ACCOUNT_YEAR}|{shipped}")
            code = f"C{self.random.randrange(len(sample.CUSTOMERS)):04d}"
            connection.execute(
                Customer.update()
                .where(Customer.c.cCusCode == code)
                .values(
                    cCusPhone=f"021-{self.random.randint(10000000, 99999999)}",
                    dModifyDate=self.tick(),
                )
            )
            changed["customers"].add(f"{ACCOUNT}|{code}")
        return changed

    def _change_order(self, connection: sa.Connection, order_id: int) -> int | None:
        head = (
            connection.execute(sa.select(SO_SOMain).where(SO_SOMain.c["ID"] == order_id))
            .mappings()
            .one()
        )
        lines = [
            dict(row)
            for row in connection.execute(
                sa.select(SO_SODetails)
                .where(SO_SODetails.c["ID"] == order_id)
                .order_by(SO_SODetails.c.iRowNo)
            ).mappings()
        ]
        if head["cVerifier"] is None:
            connection.execute(
                SO_SOMain.update()
                .where(SO_SOMain.c["ID"] == order_id)
                .values(cVerifier="张三", dverifysystime=self.tick())
            )
            return None
        # A line closed by a line closer (cSCloser) is never dispatched any more in U8.
        open_lines = [
            x
            for x in lines
            if (x["iFHQuantity"] or 0) < abs(x["iQuantity"])
            and x["iQuantity"] > 0
            and x["cSCloser"] is None
        ]
        if head["cCloser"] is None and open_lines and self.random.random() < 0.5:
            # Dispatch the rest: the order's lines' iFHQuantity move (their ufts only).
            for line in open_lines:
                line["iFHQuantity"] = line["iQuantity"]
                connection.execute(
                    SO_SODetails.update()
                    .where(SO_SODetails.c.AutoID == line["AutoID"])
                    .values(iFHQuantity=line["iQuantity"])
                )
            return self.add_dispatch(connection, dict(head), open_lines)
        # Edit one line only: the header's ufts stays where it was.
        line = self.random.choice(lines)
        connection.execute(
            SO_SODetails.update()
            .where(SO_SODetails.c.AutoID == line["AutoID"])
            .values(dPreDate=self.tick(), cInvName=line["cInvName"])
        )
        return None

    def inject(self, fault: Any, count: int) -> None:
        raise NotImplementedError("a database source has no HTTP faults")

    def delete(self, count: int) -> dict[str, set[str]]:
        raise NotImplementedError("U8 has no deletes log: tap-u8 does not detect deletes")

    def change_late(self, count: int, before: timedelta) -> dict[str, set[str]]:
        raise NotImplementedError("rowversions are exact: tap-u8 needs no lookback")


@contextmanager
def mariadb_database(prefix: str = "u8test", name: str | None = None) -> Iterator[str]:
    """A scratch utf8mb4 MariaDB database; yields its name, drops it afterwards."""
    name = name or f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(odbc_url(mariadb_odbc()), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        try:
            yield name
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()


@contextmanager
def simulate(seed: int = 7, orders: int = 40) -> Iterator[U8Database]:
    """A fresh, seeded U8 database on MariaDB, read through the MariaDB ODBC driver."""
    with mariadb_database() as name:
        database = U8Database(odbc_url(mariadb_odbc(name)), seed=seed, orders=orders)
        try:
            yield database
        finally:
            database.engine.dispose()


@contextmanager
def simulate_sqlite(path: str, seed: int = 7, orders: int = 40) -> Iterator[U8Database]:
    """A seeded U8 database in a SQLite file (no ODBC needed: the demo)."""
    database = U8Database(f"sqlite:///{path}", seed=seed, orders=orders)
    try:
        yield database
    finally:
        database.engine.dispose()
