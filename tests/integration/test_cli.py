"""The orderhub command line on a real warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from orderhub.cli import app
from orderhub.warehouse import schema
from orderhub.warehouse.engine import create_warehouse_engine
from tests.conftest import ROOT
from tests.integration.test_target_load import run_target
from tests.shopify_records import messages, order, variant

cli = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def settings_file(tmp_path: Path, warehouse: str, mappings: Path | None = None) -> Path:
    path = tmp_path / "orderhub.yml"
    content: dict[str, object] = {"warehouse": warehouse, "pipelines": {}}
    if mappings:
        content["mappings_dir"] = str(mappings)
    path.write_text(yaml.safe_dump(content))
    return path


def test_mappings_check_and_doc() -> None:
    code, output = invoke("mappings", "check")
    specs = [p for p in (ROOT / "mappings").glob("*/*.yml") if p.name != "code_tables.yml"]
    assert code == 0 and "shopify/orders" in output and f"{len(specs)} spec(s) valid" in output
    code, output = invoke("mappings", "doc", "--format", "md", "--source", "shopify")
    assert code == 0
    assert "## shopify / orders" in output
    assert "| order_line | quantity | `lineItems[].quantity` |" in output
    assert "| tracking_event | shipment_source_id | `fulfillments[].id` | gid_to_id |" in output


def test_a_broken_spec_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", mappings)
    spec = mappings / "shopify" / "orders.yml"
    spec.write_text(spec.read_text().replace("order_number: name", "order_nmber: name"))
    code, output = invoke("mappings", "check", "--dir", str(mappings))
    assert code == 1
    assert "orders.yml:" in output and "order has no field 'order_nmber'" in output
    assert "Traceback" not in output


def test_deadletters_state_and_runs(sqlite_url: str, tmp_path: Path) -> None:
    bad = variant(order(2), currencyCode="XYZ", email="wei.zhang@example.com")
    run_target(sqlite_url, messages([order(1), bad]), pipeline="shop")
    config = str(settings_file(tmp_path, sqlite_url))

    code, output = invoke("deadletters", "list", "--config", config)
    assert code == 0 and "iso4217" in output and "order.currency" in output
    assert "gid://shopify/Order/2" in output

    code, output = invoke("state", "show", "--config", config)
    assert code == 0 and "shop" in output and "orders" in output

    code, output = invoke("runs", "--config", config)
    assert code == 0 and "succeeded" in output

    code, output = invoke(
        "state", "reset", "shop", "--stream", "orders", "--yes", "--config", config
    )
    assert code == 0 and "reset shop/orders" in output
    code, output = invoke("state", "show", "shop", "--config", config)
    assert "(none)" in output


def test_remap_applies_an_edited_spec_to_history(sqlite_url: str, tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", mappings)
    run_target(sqlite_url, messages([order(1), order(2)]), mappings_dir=str(mappings))
    spec = mappings / "shopify" / "orders.yml"
    spec.write_text(
        spec.read_text().replace("order_number: name", "order_number: legacyResourceId")
    )
    config = str(settings_file(tmp_path, sqlite_url, mappings))

    code, output = invoke("remap", "--source", "shopify", "--config", config)
    assert code == 0, output
    engine = create_warehouse_engine(sqlite_url)
    with engine.connect() as connection:
        numbers = connection.execute(select(schema.orders.c.order_number)).scalars().all()
        versions = set(connection.execute(select(schema.orders.c.mapping_version)).scalars())
    assert sorted(numbers) == ["1", "2"]
    assert len(versions) == 1 and versions != {"shopify/orders@v1"}

    code, output = invoke("remap", "--source", "shopify", "--stream", "orders", "--config", config)
    assert code == 0
    with engine.connect() as connection:
        runs = connection.execute(
            select(schema.sync_runs.c.pipeline, schema.sync_runs.c.upserted)
            .where(schema.sync_runs.c.pipeline == "remap/shopify")
            .order_by(schema.sync_runs.c.started_at)
        ).all()
    assert [upserted for _, upserted in runs] == [2, 0]  # the second remap had nothing to do


def test_unknown_pipeline_is_a_readable_error(sqlite_url: str, tmp_path: Path) -> None:
    code, output = invoke("sync", "nope", "--config", str(settings_file(tmp_path, sqlite_url)))
    assert code == 1 and "no pipeline 'nope'" in output and "Traceback" not in output
