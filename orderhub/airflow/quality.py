"""The quality stage of a pipeline's DAG: the field standards after each sync.

Declared under the ``orderhub.airflow_stages`` entry point group (order 20: after sync
and dedupe, before report). The task checks the pipeline's source in the warehouse with
``quality.standards`` and fails, without retry, when an error-severity standard fails,
so the report task (publication) does not run; warnings are only logged. Great
Expectations is imported inside ``execute``: DAG parsing stays light.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from orderhub.airflow.factory import Stage
from orderhub.airflow.plan import PipelinePlan

if TYPE_CHECKING:
    from airflow.sdk import Context


class OrderhubQualityOperator(BaseOperator):
    """Runs the field standards on one source's rows; error-severity failures fail it."""

    def __init__(self, *, pipeline: str, source: str, config_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pipeline = pipeline
        self.source = source
        self.config_path = config_path

    def reports_dir(self) -> Path:
        """``<project>/.orderhub/reports/quality/<pipeline>/<UTC time>/``."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        root = Path(self.config_path).resolve().parent / ".orderhub" / "reports" / "quality"
        return root / self.pipeline / stamp

    def execute(self, context: Context) -> dict[str, Any]:
        from orderhub.runner.settings import load_settings
        from quality.standards.run import EmptyWarehouseError, run_standards

        settings = load_settings(Path(self.config_path))
        try:
            result = run_standards(
                settings.warehouse, self.reports_dir(), source=self.source, progress=self.log.info
            )
        except EmptyWarehouseError as empty:
            # A sync that loaded nothing yet is not a quality failure: the report still runs.
            self.log.info("nothing to check: %s", empty)
            return {"blocked": False, "reports": None, "sources": {}}
        for outcome in result.failed():
            self.log.log(
                40 if outcome.standard.severity.value == "error" else 30,
                "%s %s: %s (%s record(s)): %s%s",
                outcome.standard.severity.value,
                outcome.source,
                outcome.standard.name,
                outcome.unexpected,
                outcome.standard.meaning,
                f" (could not run: {outcome.error})" if outcome.error else "",
            )
        self.log.info("quality report: %s", result.reports_dir)
        if result.blocked:
            raise AirflowFailException(
                f"publication blocked: error-severity quality standards failed for "
                f"{self.source}; failing records: {result.reports_dir / 'failing_records.csv'}"
            )
        summary = result.as_json()
        return {
            "blocked": False,
            "reports": str(result.reports_dir),
            "sources": summary["sources"],
        }


def build_quality_task(plan: PipelinePlan, config_path: str) -> BaseOperator:
    """The pipeline's quality task: not retried (the same data fails the same way)."""
    return OrderhubQualityOperator(
        task_id="quality",
        pipeline=plan.pipeline,
        source=plan.source,
        config_path=config_path,
        retries=0,
    )


QUALITY_STAGE = Stage(name="quality", order=20, build=build_quality_task)
