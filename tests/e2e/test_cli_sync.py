"""`orderhub sync` as a user runs it: whole tables when piped, --json, tap errors readable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from connectors.shopify.simulator import ShopifySimulator
from tests.e2e.conftest import TOKEN

BIN = Path(sys.executable).parent


def project(tmp_path: Path, api_url: str, access_token: object = TOKEN) -> Path:
    """An orderhub.yml with one pipeline `shop` and its own SQLite warehouse."""
    config = {
        "api_url": api_url,
        "access_token": access_token,
        "start_date": "2000-01-01T00:00:00Z",
        "page_size": 25,
        "backoff_factor": 0.01,
    }
    settings = {
        "warehouse": f"sqlite:///{tmp_path / 'warehouse.db'}",
        "pipelines": {
            "shop": {"source": "shopify", "config": config, "streams": ["orders", "customers"]}
        },
    }
    (tmp_path / "orderhub.yml").write_text(yaml.safe_dump(settings))
    return tmp_path


def orderhub(*args: str, cwd: Path, columns: int = 30) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ORDERHUB_CONFIG", "ORDERHUB_DEBUG")}
    return subprocess.run(
        [str(BIN / "orderhub"), *args],
        cwd=cwd,
        env={**env, "COLUMNS": str(columns)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_piped_sync_summary_is_whole_and_json_is_the_run(
    shop: ShopifySimulator, tmp_path: Path
) -> None:
    root = project(tmp_path, shop.url)
    done = orderhub("sync", "shop", "--full-refresh", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    orders = next(line for line in done.stdout.splitlines() if "│ orders" in line)
    assert [cell.strip() for cell in orders.split("│")[1:-1]][:2] == ["orders", "80"]
    for header in ("unchanged", "dead-lettered", "refused status"):
        assert header in done.stdout

    done = orderhub("sync", "shop", "--full-refresh", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    newest = json.loads(orderhub("runs", "--json", cwd=root).stdout)[0]
    assert result["run_id"] == newest["run_id"] and result["status"] == newest["status"]
    assert result["pipeline"] == "shop" and result["status"] == "succeeded"
    assert result["streams"]["orders"]["records_in"] == 80
    assert result["streams"]["orders"]["unchanged"] == 80  # the second full sync
    assert result["totals"]["records_in"] == newest["records_in"]


def test_a_wrong_setting_type_names_the_reason_first(tmp_path: Path) -> None:
    root = project(tmp_path, f"http://127.0.0.1:{closed_port()}", access_token=55501234)
    done = orderhub("sync", "shop", cwd=root, columns=200)
    assert done.returncode == 1
    first = done.stderr.strip().splitlines()[0]
    assert "is not of type 'string' in config['access_token']" in first, done.stderr
    assert first.index("not of type") < first.index("Config validation failed")
    assert "55501234" not in done.stderr + done.stdout


def test_a_connection_failure_shows_the_traceback_only_with_debug(tmp_path: Path) -> None:
    root = project(tmp_path, f"http://127.0.0.1:{closed_port()}")
    done = orderhub("sync", "shop", cwd=root, columns=200)
    assert done.returncode == 1
    assert "FatalAPIError" in done.stderr.splitlines()[0], done.stderr
    assert "Traceback" not in done.stderr and '  File "' not in done.stderr
    assert "rerun with --debug" in done.stderr and "full log:" in done.stderr
    debug = orderhub("--debug", "sync", "shop", cwd=root, columns=200)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert '  File "' in debug.stderr and TOKEN not in debug.stderr
