"""The U8 tables the tap reads, with their real names, columns and types.

One definition serves three purposes: the tap's queries (compiled for SQL Server in
production, MariaDB and SQLite in tests and the demo), the emulated U8 databases the tests
and the demo create, and the enumerable list of columns each stream emits. Only the
columns the tap captures are declared; a real U8 table has many more (cDefine1..16, ...),
which a ``SELECT`` of named columns simply leaves alone.

``ufts``/``pubufts`` are SQL Server ``timestamp`` (rowversion) columns. The emulations
store them as BIGINT that triggers bump from one database-wide counter (see
:mod:`connectors.u8.rowversion`); the tap always reads ``CAST(ufts AS BIGINT)``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: Amount and quantity columns: SQL Server money/decimal, yuan (major units).
Amount = sa.Numeric(28, 6)
Code = sa.Unicode

SO_SOMain = sa.Table(
    "SO_SOMain",
    metadata,
    sa.Column("ID", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cSOCode", Code(30)),  # nullable here: a NULL code is a bad record
    sa.Column("dDate", sa.DateTime),
    sa.Column("cBusType", Code(8)),
    sa.Column("cSTCode", Code(2)),
    sa.Column("cCusCode", Code(20)),
    sa.Column("cCusName", Code(98)),
    sa.Column("cDepCode", Code(12)),
    sa.Column("cPersonCode", Code(20)),
    sa.Column("cSCCode", Code(2)),
    sa.Column("cCusOAddress", Code(255)),
    sa.Column("cPayCode", Code(3)),
    sa.Column("cexch_name", Code(8)),
    sa.Column("iExchRate", sa.Numeric(26, 9)),
    sa.Column("iTaxRate", sa.Numeric(18, 6)),
    sa.Column("iMoney", Amount),  # 定金: the deposit, not the order total
    sa.Column("cMemo", Code(255)),
    sa.Column("iStatus", sa.SmallInteger),
    sa.Column("bReturnFlag", sa.SmallInteger),  # bit in SQL Server
    sa.Column("cMaker", Code(20)),
    sa.Column("cVerifier", Code(20)),
    sa.Column("cCloser", Code(20)),
    sa.Column("cmodifier", Code(20)),
    sa.Column("dcreatesystime", sa.DateTime),
    sa.Column("dverifysystime", sa.DateTime),
    sa.Column("dmodifysystime", sa.DateTime),
    sa.Column("dclosesystime", sa.DateTime),
    sa.Column("ufts", sa.BigInteger),
)

SO_SODetails = sa.Table(
    "SO_SODetails",
    metadata,
    sa.Column("AutoID", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("iSOsID", sa.Integer),
    sa.Column("ID", sa.Integer, nullable=False, index=True),
    sa.Column("cSOCode", Code(30)),
    sa.Column("iRowNo", sa.Integer),
    sa.Column("cInvCode", Code(60)),
    sa.Column("cInvName", Code(255)),
    sa.Column("iQuantity", Amount),
    sa.Column("iUnitPrice", Amount),
    sa.Column("iTaxUnitPrice", Amount),
    sa.Column("iMoney", Amount),
    sa.Column("iTax", Amount),
    sa.Column("iSum", Amount),
    sa.Column("iDisCount", Amount),
    sa.Column("iNatUnitPrice", Amount),
    sa.Column("iNatMoney", Amount),
    sa.Column("iNatTax", Amount),
    sa.Column("iNatSum", Amount),
    sa.Column("iNatDisCount", Amount),
    sa.Column("iTaxRate", sa.Numeric(18, 6)),
    sa.Column("iFHQuantity", Amount),  # 累计发货数量: dispatch progress
    sa.Column("iFHMoney", Amount),
    sa.Column("dPreDate", sa.DateTime),
    sa.Column("cSCloser", Code(20)),
    sa.Column("ufts", sa.BigInteger),
)

Customer = sa.Table(
    "Customer",
    metadata,
    sa.Column("cCusCode", Code(20), primary_key=True),
    sa.Column("cCusName", Code(98)),
    sa.Column("cCusAbbName", Code(60)),
    sa.Column("cCusAddress", Code(255)),
    sa.Column("cCusPostCode", Code(30)),
    sa.Column("cCusPhone", Code(100)),
    sa.Column("cCusHand", Code(100)),
    sa.Column("cCusPerson", Code(50)),
    sa.Column("cCusEmail", Code(100)),
    sa.Column("cCusFax", Code(100)),
    sa.Column("dCusDevDate", sa.DateTime),
    sa.Column("dModifyDate", sa.DateTime),
    sa.Column("pubufts", sa.BigInteger),
)

DispatchList = sa.Table(
    "DispatchList",
    metadata,
    sa.Column("DLID", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cDLCode", Code(30)),
    sa.Column("cVouchType", Code(2)),
    sa.Column("dDate", sa.DateTime),
    sa.Column("cSOCode", Code(30)),
    sa.Column("cCusCode", Code(20)),
    sa.Column("cSCCode", Code(2)),
    sa.Column("cShipAddress", Code(255)),
    sa.Column("cexch_name", Code(8)),
    sa.Column("iExchRate", sa.Numeric(26, 9)),
    sa.Column("bReturnFlag", sa.SmallInteger),
    sa.Column("cVerifier", Code(20)),
    sa.Column("dverifysystime", sa.DateTime),
    sa.Column("cCloser", Code(20)),
    sa.Column("dcreatesystime", sa.DateTime),
    sa.Column("ufts", sa.BigInteger),
)

DispatchLists = sa.Table(
    "DispatchLists",
    metadata,
    sa.Column("iDLsID", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("DLID", sa.Integer, nullable=False, index=True),
    sa.Column("iSOsID", sa.Integer),
    sa.Column("cordercode", Code(30)),
    sa.Column("iRowNo", sa.Integer),
    sa.Column("cInvCode", Code(60)),
    sa.Column("cInvName", Code(255)),
    sa.Column("iQuantity", Amount),
    sa.Column("iTaxUnitPrice", Amount),
    sa.Column("iSum", Amount),
    sa.Column("iNatSum", Amount),
    sa.Column("ufts", sa.BigInteger),
)

#: Tables with a rowversion column, and its name.
ROWVERSION_COLUMNS: dict[str, str] = {
    "SO_SOMain": "ufts",
    "SO_SODetails": "ufts",
    "Customer": "pubufts",
    "DispatchList": "ufts",
    "DispatchLists": "ufts",
}
