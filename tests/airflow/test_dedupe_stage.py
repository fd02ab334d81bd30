"""The dedupe stage: installed through the entry point, placed after sync (and quality),
and running the same dedupe as `orderhub dedupe run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderhub.warehouse.engine import create_warehouse_engine, migrate
from quality.dedupe import pairs
from quality.dedupe.pairs import Band
from tests.airflow.conftest import write_config
from tests.quality.dedupe.warehouse import add_customer, fixed_linker, golden_ids


def test_the_dedupe_stage_is_installed_and_runs_before_the_report(tmp_path: Path) -> None:
    from orderhub.airflow import factory
    from orderhub.airflow.dedupe import OrderhubDedupeOperator

    (stage,) = [s for s in factory.installed_stages() if s.name == "dedupe"]
    assert stage.order == 10
    config = write_config(tmp_path, "pipelines:\n  s: {source: shopify}\n")
    tasks = factory.build_dags(config=config)["orderhub_s"].task_dict
    dedupe = tasks["dedupe"]
    assert isinstance(dedupe, OrderhubDedupeOperator)
    assert dedupe.config_path == str(config)
    # right after the sync: quality (20) then checks every customer has its golden ID
    assert dedupe.upstream_task_ids == {"sync"}
    (after,) = dedupe.downstream_task_ids
    assert after in {"quality", "report"}


def test_the_operator_writes_golden_ids_like_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderhub.airflow.dedupe import OrderhubDedupeOperator

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    migrate(engine)
    a = add_customer(engine, "a", name="Zhang Wei")
    b = add_customer(engine, "b", system="u8", name="张伟")
    c = add_customer(engine, "c", system="sap", name="Li Na")
    monkeypatch.setattr(
        pairs, "link", fixed_linker((a, b, 0.99, Band.MATCH), (a, c, 0.7, Band.REVIEW))
    )
    config = write_config(tmp_path, f"warehouse: {url}\npipelines: {{}}\n")
    summary = OrderhubDedupeOperator(task_id="dedupe", config_path=str(config)).execute({})  # type: ignore[arg-type]
    ids = golden_ids(engine)
    assert ids[a] == ids[b] != ids[c]
    assert summary["customers"] == 3 and summary["golden_ids"] == 2
    assert summary["pending_review"] == 1 and summary["changed"] == 3
    again = OrderhubDedupeOperator(task_id="dedupe", config_path=str(config)).execute({})  # type: ignore[arg-type]
    assert again["changed"] == 0 and golden_ids(engine) == ids
    engine.dispose()
