"""The U8 seed command the compose stack runs: tap-u8 reads what it seeds, through ODBC."""

from __future__ import annotations

import json
import random

import pytest
import sqlalchemy as sa

from connectors.u8.sim_seed import main, seed
from connectors.u8.simulator import mariadb_odbc, odbc_url
from tests.connectors.u8.conftest import sync


def test_seeds_once_with_keep_and_tap_u8_reads_it(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random()
    database = f"UFDATA_{rng.randint(100, 999)}_{rng.randint(2100, 2999)}"
    admin = sa.create_engine(odbc_url(mariadb_odbc()), isolation_level="AUTOCOMMIT")
    try:
        main(["--database", database, "--orders", "7", "--keep"])
        shown = json.loads(capsys.readouterr().out)
        assert shown["database"] == database and shown["odbc_dialect"] == "mysql"
        assert "PWD=***" in shown["odbc_connection_string"]
        settings = seed(mariadb_odbc(), database, orders=1, seed=7, keep=True)
        assert len(sync(settings).records("orders")) == 7
        main(["--database", database, "--orders", "3", "--keep"])
        capsys.readouterr()
        assert len(sync(settings).records("orders")) == 7, "--keep must not reseed"
        main(["--database", database, "--orders", "3"])
        capsys.readouterr()
        assert len(sync(settings).records("orders")) == 3, "without --keep it starts over"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{database}`")
        admin.dispose()


def test_refuses_a_name_u8_would_not_use() -> None:
    with pytest.raises(SystemExit, match="UFDATA_<account>_<year>"):
        main(["--database", "orders"])
