"""``orderhub quality run``: exit codes, summary, report files, no unmasked PII."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.cli.app import app
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from tests.quality.standards.conftest import break_standards
from tests.quality.standards.data import PII_EMAIL, PII_PHONE, load_clean

runner = CliRunner()


def _warehouse(folder: Path, *, loaded: bool = True) -> str:
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    migrate(engine)
    if loaded:
        load_clean(engine)
    engine.dispose()
    return url


def test_clean_warehouse_passes_then_broken_one_blocks_publication(tmp_path: Path) -> None:
    url = _warehouse(tmp_path)
    (tmp_path / "orderhub.yml").write_text(f"warehouse: {url}\n", encoding="utf-8")
    config = str(tmp_path / "orderhub.yml")
    clean = runner.invoke(app, ["quality", "run", "--config", config])
    assert clean.exit_code == 0, clean.output
    latest = tmp_path / ".orderhub" / "reports" / "quality" / "latest"
    assert (latest / "data_docs" / "index.html").is_file()
    assert "shopify" in clean.output and "latest report" in clean.output

    engine = create_warehouse_engine(url)
    break_standards(engine, "u8")
    engine.dispose()
    reports = tmp_path / "broken"
    broken = runner.invoke(app, ["quality", "run", "-w", url, "--reports", str(reports)])
    assert broken.exit_code == 1, broken.output
    assert "publication blocked" in broken.output
    assert "orders.total_reconciles" in broken.output and "u8" in broken.output
    for name in ("failing_records.csv", "failing_records.json", "summary.json"):
        assert (reports / name).is_file()
    assert "u8,o1,orders.total_reconciles" in (reports / "failing_records.csv").read_text()
    for path in [*reports.rglob("*"), *latest.resolve().rglob("*")]:
        if path.is_file():
            body = path.read_text(encoding="utf-8", errors="replace")
            assert PII_PHONE not in body and PII_EMAIL not in body, path


def test_missing_or_empty_warehouse_says_what_to_do(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["quality", "run", "-w", f"sqlite:///{tmp_path / 'no.db'}"])
    assert missing.exit_code == 1
    assert "error:" in missing.output
    empty = runner.invoke(
        app,
        [
            "quality",
            "run",
            "-w",
            _warehouse(tmp_path, loaded=False),
            "--reports",
            str(tmp_path / "r"),
        ],
    )
    assert empty.exit_code == 1
    assert "orderhub sync" in empty.output
    assert not (tmp_path / "r").exists()  # no empty report folder left behind


def test_standards_are_listed() -> None:
    listed = runner.invoke(app, ["quality", "standards", "--json"])
    assert listed.exit_code == 0
    assert '"orders.total_reconciles"' in listed.output


def test_reports_in_the_way_or_an_unknown_source_say_what_to_do(tmp_path: Path) -> None:
    url = _warehouse(tmp_path)
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    for reports in (a_file, a_file / "below"):
        result = runner.invoke(app, ["quality", "run", "-w", url, "--reports", str(reports)])
        assert result.exit_code == 1, result.output
        assert "cannot write the report to" in result.output
        assert "--reports" in result.output and "unexpected" not in result.output
    unknown = runner.invoke(
        app, ["quality", "run", "-w", url, "--source", "nosuch", "--reports", str(tmp_path / "r")]
    )
    assert unknown.exit_code == 1
    output = " ".join(unknown.output.split())
    assert "'nosuch'" in output and "shopify" in output and "--source" in output


def test_an_interrupted_run_leaves_no_half_report_and_latest_keeps_the_last_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _warehouse(tmp_path)
    (tmp_path / "orderhub.yml").write_text(f"warehouse: {url}\n", encoding="utf-8")
    config = str(tmp_path / "orderhub.yml")
    root = tmp_path / ".orderhub" / "reports" / "quality"
    first = runner.invoke(app, ["quality", "run", "--config", config])
    assert first.exit_code == 0, first.output
    (finished,) = [p for p in root.iterdir() if p.name != "latest"]

    import quality.standards.run as standards_run

    real_validate = standards_run._validate

    def interrupted(engine: object, sources: object, docs_root: Path, say: object) -> object:
        (docs_root / "data_docs").mkdir()
        (docs_root / "data_docs" / "index.html").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(standards_run, "_validate", interrupted)
    stopped = runner.invoke(app, ["quality", "run", "--config", config])
    assert stopped.exit_code != 0
    assert sorted(p.name for p in root.iterdir()) == sorted([finished.name, "latest"])
    assert (root / "latest").resolve() == finished.resolve()

    monkeypatch.setattr(standards_run, "_validate", real_validate)
    again = runner.invoke(app, ["quality", "run", "--config", config])
    assert again.exit_code == 0, again.output
    runs = sorted(p for p in root.iterdir() if p.name != "latest")
    assert len(runs) == 2 and (root / "latest").resolve() == runs[-1].resolve()


def test_runs_in_the_same_second_get_their_own_folders_and_latest_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderhub.cli import quality as quality_cli

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Frozen:  # type: ignore[override]
            return cls(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    monkeypatch.setattr(quality_cli, "datetime", Frozen)
    root = tmp_path / "quality"
    one, two = quality_cli.new_run_dir(root), quality_cli.new_run_dir(root)
    assert one != two and one.is_dir() and two.is_dir()
    quality_cli.point_latest(root, two)
    quality_cli.point_latest(root, one)  # finished last, started first: latest stays
    assert (root / "latest").resolve() == two.resolve()
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []
