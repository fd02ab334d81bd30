"""The quality stage: installed by entry point between sync and report, and its task
fails without retry when an error-severity standard fails for the pipeline's source."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderhub.warehouse.engine import create_warehouse_engine, migrate
from tests.airflow.conftest import write_config
from tests.quality.standards.conftest import break_standards
from tests.quality.standards.data import load_clean


def test_the_quality_stage_is_installed_and_builds_an_unretried_task(tmp_path: Path) -> None:
    from orderhub.airflow import factory
    from orderhub.airflow.quality import OrderhubQualityOperator

    (stage,) = [s for s in factory.installed_stages() if s.name == "quality"]
    assert stage.order == 20
    dags = factory.build_dags(config=write_config(tmp_path, "pipelines:\n  s: {source: shopify}\n"))
    task = dags["orderhub_s"].task_dict["quality"]
    assert isinstance(task, OrderhubQualityOperator)
    assert task.retries == 0 and task.source == "shopify"
    assert dags["orderhub_s"].task_dict["quality"].downstream_task_ids == {"report"}


def test_the_task_fails_for_a_broken_source_and_passes_a_clean_one(tmp_path: Path) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from orderhub.airflow.quality import OrderhubQualityOperator

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    migrate(engine)
    load_clean(engine)
    break_standards(engine, "sap")
    engine.dispose()
    config = str(write_config(tmp_path, f"warehouse: {url}\npipelines: {{}}\n"))

    def task(source: str) -> OrderhubQualityOperator:
        return OrderhubQualityOperator(
            task_id=f"quality_{source}", pipeline=source, source=source, config_path=config
        )

    with pytest.raises(AirflowFailException, match=r"publication blocked.*sap"):
        task("sap").execute({})  # type: ignore[arg-type]
    done = task("shopify").execute({})  # type: ignore[arg-type]
    assert done["blocked"] is False
    assert set(done["sources"]) == {"shopify"}
    assert (Path(done["reports"]) / "failing_records.csv").is_file()


def test_a_source_with_nothing_loaded_yet_passes(tmp_path: Path) -> None:
    from orderhub.airflow.quality import OrderhubQualityOperator

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    migrate(engine)
    load_clean(engine, ("shopify",), orders=1)
    engine.dispose()
    config = str(write_config(tmp_path, f"warehouse: {url}\npipelines: {{}}\n"))
    task = OrderhubQualityOperator(task_id="q", pipeline="p", source="sap", config_path=config)
    assert task.execute({}) == {"blocked": False, "reports": None, "sources": {}}  # type: ignore[arg-type]
