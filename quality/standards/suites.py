"""GX suites of the standards, and the context they run in.

One suite per unified table, built from :data:`~quality.standards.catalog.STANDARDS`:
each expectation carries its standard's name and severity in ``meta`` and GX's own
``severity`` field (error = critical). The context is ephemeral (nothing of GX's is
left behind but the Data Docs site, in the reports folder) with usage analytics
(see ``quality.standards``) and progress bars off: there is no network, and bars
would garble the CLI's output.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx
from great_expectations.core import ExpectationSuite
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity

from quality.standards.catalog import TABLES, Severity, standards_of

SUITE_PREFIX = "orderhub."
DOCS_SITE = "orderhub_quality"
_GX_SEVERITY = {Severity.ERROR: FailureSeverity.CRITICAL, Severity.WARNING: FailureSeverity.WARNING}


def suite_name(table: str) -> str:
    """The suite of one table (``orderhub.orders``)."""
    return f"{SUITE_PREFIX}{table}"


def build_suite(table: str) -> ExpectationSuite:
    """The suite of ``table``: one expectation per standard of it."""
    suite = ExpectationSuite(name=suite_name(table), meta={"table": table})
    for standard in standards_of(table):
        suite.add_expectation(
            standard.check.expectation(
                severity=_GX_SEVERITY[standard.severity],
                # Data Docs show notes beside each expectation: what a steward reads there
                notes=f"{standard.severity.value}: {standard.name} - {standard.meaning}",
                meta={
                    "standard": standard.name,
                    "severity": standard.severity.value,
                    "meaning": standard.meaning,
                },
            )
        )
    return suite


def add_suites(context: AbstractDataContext) -> dict[str, ExpectationSuite]:
    """Every table's suite, saved in ``context``, by table."""
    return {table: context.suites.add(build_suite(table)) for table in TABLES}


def quiet_context(docs_dir: Path | None = None) -> AbstractDataContext:
    """An ephemeral GX context, analytics and progress bars off; with ``docs_dir``, a
    local Data Docs site there."""
    context = gx.get_context(mode="ephemeral")
    context.config.analytics_enabled = False  # the package also sets GX_ANALYTICS_ENABLED
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is not None:
        site: dict[str, Any] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        context.add_data_docs_site(DOCS_SITE, site)  # type: ignore[arg-type]
    return context
