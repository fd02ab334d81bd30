"""An unreachable database or rejected credentials: a clear error naming the setting to
fix, and the password nowhere in what the tap says."""

from __future__ import annotations

import logging
import uuid

import psycopg
import pytest

from connectors.oracle_ebs.tap import TapOracleEbs
from orderhub.connector_kit.run import run_tap
from orderhub.connector_kit.sql_source import DEFAULT_ADMIN_URL
from orderhub.exceptions import ConfigurationError

PASSWORD = "Sup3r-S3cret-" + uuid.uuid4().hex[:8]


def fail(config: dict, caplog: pytest.LogCaptureFixture) -> str:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as error:
        run_tap(TapOracleEbs, {"timezone": "America/Los_Angeles", **config})
    message = str(error.value)
    assert PASSWORD not in message
    assert PASSWORD not in caplog.text
    return message


def test_a_closed_port_names_the_url_setting(caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://orderhub:{PASSWORD}@127.0.0.1:9/ebs"
    message = fail({"sqlalchemy_url": url}, caplog)
    assert "cannot reach the EBS database" in message
    assert "check the setting(s) sqlalchemy_url" in message
    assert "127.0.0.1:9" in message  # where it tried, password masked


def test_credentials_the_server_refuses_name_the_url_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # This PostgreSQL trusts every local connection, so it refuses a user that does not
    # exist rather than a wrong password; both are the credentials to fix.
    url = f"postgresql+psycopg://no_such_ebs_user:{PASSWORD}@127.0.0.1:5432/test"
    message = fail({"sqlalchemy_url": url}, caplog)
    assert "rejected the credentials" in message
    assert "check the setting(s) sqlalchemy_url" in message


def test_a_user_without_login_is_refused_with_advice(caplog: pytest.LogCaptureFixture) -> None:
    role = f"ebs_nologin_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DEFAULT_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} NOLOGIN PASSWORD '{PASSWORD}'")
    try:
        url = f"postgresql+psycopg://{role}:{PASSWORD}@127.0.0.1:5432/test"
        message = fail({"sqlalchemy_url": url}, caplog)
        assert "rejected the credentials" in message
    finally:
        with psycopg.connect(DEFAULT_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_separate_settings_reach_oracle_through_oracledb_thin_mode(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real driver (python-oracledb, thin) against a closed listener port."""
    message = fail(
        {
            "host": "127.0.0.1",
            "port": 9,
            "service_name": "EBSDB",
            "user": "APPS_RO",
            "password": PASSWORD,
        },
        caplog,
    )
    assert "oracle+oracledb://APPS_RO:***@127.0.0.1:9?service_name=EBSDB" in message
    assert "check the setting(s) host, port, service_name" in message


def test_settings_are_checked_before_connecting() -> None:
    with pytest.raises(Exception, match="timezone"):
        TapOracleEbs(config={"sqlalchemy_url": "sqlite://", "timezone": "Nowhere/Else"})
    with pytest.raises(Exception, match="page_size"):
        TapOracleEbs(config={"sqlalchemy_url": "sqlite://", "page_size": 5000})
    with pytest.raises(Exception, match="sqlalchemy_url, or host"):
        TapOracleEbs(config={"timezone": "UTC"})
