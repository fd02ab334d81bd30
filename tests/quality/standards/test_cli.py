"""``orderhub quality run``: exit codes, summary, report files, no unmasked PII."""

from __future__ import annotations

from pathlib import Path

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
        app, ["quality", "run", "-w", _warehouse(tmp_path, loaded=False), "--reports", "r"]
    )
    assert empty.exit_code == 1
    assert "orderhub sync" in empty.output


def test_standards_are_listed() -> None:
    listed = runner.invoke(app, ["quality", "standards", "--json"])
    assert listed.exit_code == 0
    assert '"orders.total_reconciles"' in listed.output
