"""Kill the target with SIGKILL in the middle of a sync; the rerun loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from sqlalchemy import func, select

from connectors.shopify.simulator import ShopifySimulator
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.e2e.conftest import TOKEN

ORDERHUB = str(Path(sys.executable).parent / "orderhub")


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def write_settings(folder: Path, shop: ShopifySimulator, warehouse: str) -> Path:
    path = folder / "orderhub.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "warehouse": warehouse,
                "pipelines": {
                    "shop": {
                        "source": "shopify",
                        "config": {
                            "api_url": shop.url,
                            "access_token": "${SHOP_TOKEN}",
                            "start_date": "2000-01-01T00:00:00Z",
                            "page_size": 10,
                        },
                        "streams": ["orders", "customers"],
                        "batch_size": 10,
                        "commit_every": 10,
                    }
                },
            }
        )
    )
    return path


def sync(config: Path, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHOP_TOKEN": TOKEN, "COLUMNS": "120"}
    return subprocess.Popen(
        [ORDERHUB, "sync", "shop", "--config", str(config)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def committed_orders(engine: object) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(schema.orders)).scalar())


def test_sigkill_of_the_target_then_rerun_is_exactly_once(
    warehouse_url: str, tmp_path: Path
) -> None:
    with ShopifySimulator(
        seed=5,
        orders=150,
        customers=30,
        access_token=TOKEN,
        bucket_size=50_000,
        restore_rate=50_000,
    ) as shop:
        shop.set_faults({"slow_seconds": 0.15})  # every page takes a while: room to kill
        engine = create_warehouse_engine(warehouse_url)
        config = write_settings(tmp_path, shop, warehouse_url)
        first = sync(config, tmp_path)
        deadline = time.monotonic() + 60
        target_pid = None
        while time.monotonic() < deadline and target_pid is None:
            targets = [p for p in children(first.pid) if "target-orderhub" in process_name(p)]
            try:
                ready = targets and committed_orders(engine) > 0
            except Exception:  # the target has not created the schema yet
                ready = False
            if ready:
                target_pid = targets[0]
            time.sleep(0.05)
        assert target_pid is not None, "the target never committed a first batch"
        os.kill(target_pid, signal.SIGKILL)
        output = first.communicate(timeout=60)[0].decode()
        assert first.returncode == 1, output
        assert "target-orderhub failed" in output
        partial = committed_orders(engine)
        assert 0 < partial < len(shop.store.orders)

        shop.set_faults({"slow_seconds": 0})
        second = sync(config, tmp_path)
        output = second.communicate(timeout=120)[0].decode()
        assert second.returncode == 0, output

        with engine.connect() as connection:
            ids = connection.execute(select(schema.orders.c.source_id)).scalars().all()
            lines = connection.execute(
                select(func.count()).select_from(schema.order_lines)
            ).scalar()
            raw = connection.execute(
                select(func.count())
                .select_from(schema.raw_records)
                .where(schema.raw_records.c.stream == "orders")
            ).scalar()
            state = connection.execute(select(schema.sync_state.c.state)).scalar_one()
            newest = connection.execute(
                select(func.max(schema.orders.c.source_updated_at))
            ).scalar()
        expected = {o["id"].rsplit("/", 1)[1] for o in shop.store.orders.values()}
        assert sorted(ids) == sorted(expected)  # every order, each exactly once
        assert raw == len(expected)
        assert lines == sum(len(o["_lines"]) for o in shop.store.orders.values())
        bookmark = state["bookmarks"]["orders"]["replication_key_value"]
        assert bookmark == newest.strftime("%Y-%m-%dT%H:%M:%SZ")
