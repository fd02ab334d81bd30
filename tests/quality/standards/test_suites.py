"""The suites: one expectation per standard, severities as declared, and nothing lost
when a suite is saved and loaded again (GX drops unknown custom expectations silently)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from quality.standards.catalog import STANDARDS, TABLES, Severity, standards_of
from quality.standards.checks import Rows
from quality.standards.expectations import CUSTOM_EXPECTATIONS
from quality.standards.suites import add_suites, build_suite, quiet_context, suite_name


def test_standards_are_named_once_and_say_what_they_mean() -> None:
    names = Counter(s.name for s in STANDARDS)
    assert [n for n, count in names.items() if count > 1] == []
    for standard in STANDARDS:
        assert standard.name.startswith(f"{standard.table}.")
        assert standard.table in TABLES and standard.meaning
        assert standard.severity in (Severity.ERROR, Severity.WARNING)


def test_every_expectation_is_a_standard_with_its_severity() -> None:
    quiet_context()  # GX binds a new suite's expectations to the current context
    seen = []
    for table in TABLES:
        for expectation in build_suite(table).expectations:
            standard = next(s for s in STANDARDS if s.name == expectation.meta["standard"])
            assert standard.table == table
            assert expectation.meta["severity"] == standard.severity.value
            critical = expectation.severity.value == "critical"
            assert critical == (standard.severity is Severity.ERROR)
            seen.append(standard.name)
    assert sorted(seen) == sorted(s.name for s in STANDARDS)
    # every custom expectation class is used by some standard
    used = {type(e) for t in TABLES for e in build_suite(t).expectations}
    assert set(CUSTOM_EXPECTATIONS) <= used


def test_suites_keep_every_expectation_when_saved_and_reloaded(tmp_path: Path) -> None:
    import great_expectations as gx

    add_suites(gx.get_context(mode="file", project_root_dir=str(tmp_path)))
    reloaded = gx.get_context(mode="file", project_root_dir=str(tmp_path))
    for table in TABLES:
        suite = reloaded.suites.get(suite_name(table))
        assert len(suite.expectations) == len(standards_of(table)), table
        assert [e.meta["standard"] for e in suite.expectations] == [
            s.name for s in standards_of(table)
        ]
        custom = [e for e in suite.expectations if type(e) in CUSTOM_EXPECTATIONS]
        for expectation in custom:
            assert expectation.unexpected_rows_query.startswith("SELECT b.source_system")


def test_without_the_custom_classes_a_reloaded_suite_loses_expectations(tmp_path: Path) -> None:
    """Why the count above matters: GX drops unknown expectation types without an error."""
    import os
    import subprocess
    import sys

    import great_expectations as gx

    add_suites(gx.get_context(mode="file", project_root_dir=str(tmp_path)))
    code = (
        "import great_expectations as gx, sys\n"
        f"context = gx.get_context(mode='file', project_root_dir={str(tmp_path)!r})\n"
        f"print('COUNT', len(context.suites.get({suite_name('orders')!r}).expectations))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # GX alone: nothing here imports quality.standards.expectations
        env={**os.environ, "GX_ANALYTICS_ENABLED": "False", "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    custom = sum(isinstance(s.check, Rows) for s in standards_of("orders"))
    assert custom > 0
    counts = [line for line in done.stdout.splitlines() if line.startswith("COUNT")]
    assert counts == [f"COUNT {len(standards_of('orders')) - custom}"]
