"""The dedupe stage of the pipeline DAGs: after each sync, the same run as
``orderhub dedupe run`` (stable golden IDs written back, evidence and history kept).

Declared under the ``orderhub.airflow_stages`` entry point group (pyproject.toml), so
the factory places it without knowing it. Parsing imports only this module: the
linker and the warehouse load inside ``execute``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from orderhub.airflow.factory import Stage
from orderhub.airflow.plan import PipelinePlan

if TYPE_CHECKING:
    from airflow.sdk import Context


class OrderhubDedupeOperator(BaseOperator):
    """Runs dedupe over the whole customers table of the warehouse in ``config_path``.

    Every pipeline's DAG runs it after its sync, since any source may bring a customer
    that joins or splits a cluster; runs over one PostgreSQL warehouse take turns (an
    advisory lock), and a rerun that finds nothing new writes nothing. Its XCom is the
    run summary (counts only, no PII).
    """

    ui_color = "#e8dcff"

    def __init__(self, *, config_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path

    def execute(self, context: Context) -> dict[str, object]:
        from orderhub.runner.settings import load_settings
        from orderhub.warehouse.engine import connect_warehouse, migrate
        from quality.dedupe.run import run_dedupe

        engine = connect_warehouse(load_settings(Path(self.config_path)).warehouse)
        try:
            migrate(engine)
            summary = run_dedupe(engine, progress=lambda step: self.log.info("dedupe: %s", step))
        finally:
            engine.dispose()
        self.log.info(
            "dedupe run %s: %d customer(s), %d golden ID(s); %d new, %d merge(s), %d split(s), "
            "%d retired; %d customer(s) changed ID; %d pair(s) wait for review",
            summary.run_id,
            summary.customers,
            summary.golden_ids,
            summary.created,
            summary.merges,
            summary.splits,
            summary.retired,
            summary.changed,
            summary.pending_review,
        )
        if summary.pending_review:
            self.log.warning("stewards: see `orderhub dedupe review`")
        return summary.as_dict()


def build(plan: PipelinePlan, config_path: str) -> BaseOperator:
    """The dedupe task of ``plan``'s DAG."""
    return OrderhubDedupeOperator(task_id="dedupe", config_path=config_path)


DEDUPE_STAGE = Stage(name="dedupe", order=10, build=build)
