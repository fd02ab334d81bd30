"""The EBS simulator's command line, as the compose stack's seed step runs it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from connectors.oracle_ebs.schema import OE_ORDER_HEADERS_ALL
from connectors.oracle_ebs.simulator import main
from orderhub.connector_kit.sql_source import database_exists, database_url, drop_database

pytestmark = pytest.mark.postgres


def orders(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(OE_ORDER_HEADERS_ALL)
            ).scalar_one()
    finally:
        engine.dispose()


def test_keep_seeds_a_new_database_once_and_leaves_it_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = f"orderhub_ebs_cli_{uuid.uuid4().hex[:8]}"
    try:
        main(["--database", name, "--orders", "5", "--keep"])
        shown = capsys.readouterr().out.strip()
        url = database_url(name)
        assert shown == sa.make_url(url).render_as_string(hide_password=True)
        assert orders(url) == 5
        assert not database_exists(f"{name}_seeding"), "the staging name must be renamed away"
        main(["--database", name, "--orders", "9", "--keep"])
        assert capsys.readouterr().out.strip() == shown
        assert orders(url) == 5, "--keep must not reseed an existing database"
        main(["--database", name, "--orders", "9"])
        assert orders(url) == 9, "without --keep it starts over"
    finally:
        drop_database(name)
        drop_database(f"{name}_seeding")
