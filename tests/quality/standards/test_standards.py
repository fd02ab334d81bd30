"""Each standard broken on purpose for one sap record fails for that record and source
only; the clean sources pass every standard (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import pytest

from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.schema import ENTITY_TABLES
from quality.standards.catalog import STANDARDS, Severity
from quality.standards.failing import add_sqlite_regexp, failing_records
from quality.standards.run import QualityRun, batch_name, run_standards
from tests.quality.standards.conftest import EXPECTED
from tests.quality.standards.data import PII_EMAIL, PII_PHONE, SOURCES, load_clean


@pytest.fixture(scope="module")
def run(broken_url: str, reports_root: Path) -> QualityRun:
    name = broken_url.split(":", 1)[0]
    return run_standards(broken_url, reports_root / name)


def test_every_broken_standard_fails_for_its_record_and_source_only(run: QualityRun) -> None:
    failed = {(o.standard.name, o.source) for o in run.outcomes if not o.success}
    assert failed == {(name, "sap") for name in EXPECTED}
    listed: dict[str, set[str]] = defaultdict(set)
    for record in run.failing:
        assert record.source_system == "sap", record
        listed[record.rule].add(record.source_id)
    assert dict(listed) == EXPECTED


def test_clean_sources_pass_every_standard(run: QualityRun) -> None:
    clean = [o for o in run.outcomes if o.source != "sap"]
    assert {o.source for o in clean} == set(SOURCES) - {"sap"}
    assert len(clean) == 2 * len(STANDARDS)  # every standard ran on both
    assert all(o.success for o in clean), [o.standard.name for o in clean if not o.success]


def test_gx_counts_agree_with_the_failing_lists(run: QualityRun) -> None:
    for outcome in run.failed():
        assert outcome.unexpected == len(EXPECTED[outcome.standard.name]), outcome


def test_errors_block_publication_and_summary_is_per_source(run: QualityRun) -> None:
    assert run.blocked
    by_source = run.by_source()
    errors = {n for n in EXPECTED if Severity.ERROR is _severity(n)}
    assert by_source["sap"].errors == len(errors)
    assert by_source["sap"].warnings == len(EXPECTED) - len(errors)
    assert by_source["sap"].failing_records == sum(len(ids) for ids in EXPECTED.values())
    assert by_source["shopify"].errors == by_source["u8"].errors == 0


def test_reports_are_written_without_unmasked_pii(run: QualityRun) -> None:
    assert run.docs_index is not None and run.docs_index.is_file()
    names = {p.name for p in run.reports_dir.iterdir()}
    assert {"failing_records.csv", "failing_records.json", "summary.json"} <= names
    csv_lines = (run.reports_dir / "failing_records.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 1 + len(run.failing)
    written = [p for p in run.reports_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in written)
    for path in written:
        body = path.read_text(encoding="utf-8", errors="replace")
        assert PII_PHONE not in body and PII_EMAIL not in body, path
        assert "13812345678" not in body, path


def test_data_docs_name_each_source_and_every_index_link_opens_its_page(run: QualityRun) -> None:
    """Masking the site must not take asset names for emails (``orders@sap`` once did:
    every validation link in the index became ``v***@s***.html``)."""
    assert run.docs_index is not None
    index = run.docs_index.read_text(encoding="utf-8")
    links = re.findall(r"_table_row_link_path': '([^']*)'", index)
    validations = [link for link in links if link.startswith("validations/")]
    pages = list((run.docs_index.parent / "validations").rglob("*.html"))
    assert (
        len(validations) == len(pages) == len({(o.standard.table, o.source) for o in run.outcomes})
    )
    for link in validations:
        assert (run.docs_index.parent / unquote(link)).is_file(), link
    for table, source in {(o.standard.table, o.source) for o in run.outcomes}:
        assert f"{table}.{source}" in index, (table, source)
    assert "***" not in "".join(links)


def test_each_failing_record_names_its_row_by_warehouse_key(
    run: QualityRun, broken_url: str
) -> None:
    """Beside the source id, the warehouse key finds the row whatever the id looks like."""
    import uuid

    from sqlalchemy import select

    from orderhub.warehouse.engine import create_warehouse_engine
    from quality.standards.catalog import KEY_COLUMNS
    from tests.quality.standards.data import TABLE_OF

    engine = create_warehouse_engine(broken_url)
    try:
        with engine.connect() as connection:
            for record in run.failing:
                table = TABLE_OF[record.table]
                key = connection.execute(
                    select(table.c[KEY_COLUMNS[record.table]]).where(
                        table.c.source_system == record.source_system,
                        table.c.source_id == record.source_id,
                    )
                ).scalar_one()
                assert record.record_key == str(uuid.UUID(str(key))), record
    finally:
        engine.dispose()
    header = (run.reports_dir / "failing_records.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",record_key")


def test_a_rule_over_several_columns_shows_them_all(run: QualityRun) -> None:
    """c0 was created in 2999: the list must show created_at, not only the first column
    of the rule (source_updated_at, which is fine)."""
    (record,) = [r for r in run.failing if r.rule == "customers.not_in_future"]
    assert record.field == "source_updated_at, created_at"
    assert record.value is not None and "created_at=2999-01-01" in record.value
    (amounts,) = [r for r in run.failing if r.rule == "orders.amounts_not_negative"]
    assert amounts.value is not None and "shipping_amount=-10" in amounts.value


def test_batch_names_are_safe_and_distinct() -> None:
    taken: set[str] = set()
    assert batch_name("orders", "shopify", taken) == "orders.shopify"
    assert batch_name("orders", "o'brien 🚀", taken) == "orders.o_brien"
    assert batch_name("orders", "o brien", taken) == "orders.o_brien_2"
    assert batch_name("orders", "a@b.com/../x", taken) == "orders.a_b_com_x"


def _severity(name: str) -> Severity:
    return next(s.severity for s in STANDARDS if s.name == name)


def test_a_check_gx_cannot_run_counts_as_failed_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderhub.warehouse.engine import create_warehouse_engine, migrate
    from quality.standards.expectations import ExpectLineTotalsToReconcile
    from tests.quality.standards.data import load_clean

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    migrate(engine)
    load_clean(engine, ("shopify",), orders=1)
    engine.dispose()
    broken_sql = classmethod(lambda cls, params: "b.no_such_column > 0")
    monkeypatch.setattr(ExpectLineTotalsToReconcile, "condition_of", broken_sql)
    result = run_standards(url, tmp_path / "reports", docs=False)
    (failed,) = result.failed()
    assert failed.standard.name == "order_lines.total_reconciles"
    assert failed.error is not None and "no_such_column" in failed.error
    assert result.blocked and result.failing == []


def test_duplicate_keys_fail_where_the_schema_does_not_prevent_them(
    pg_url: str, tmp_path: Path
) -> None:
    """The warehouse's constraints keep keys unique; the standards still catch duplicates
    in a warehouse without them (here: PostgreSQL with the constraints dropped)."""
    import uuid

    from sqlalchemy import select

    from orderhub.warehouse.engine import create_warehouse_engine, migrate
    from tests.quality.standards.data import TABLE_OF, load_clean

    engine = create_warehouse_engine(pg_url)
    migrate(engine)
    load_clean(engine, ("shopify", "sap"), orders=2)
    customers = TABLE_OF["customers"]
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE customers DROP CONSTRAINT pk_customers")
        connection.exec_driver_sql(
            "ALTER TABLE customers DROP CONSTRAINT uq_customers_source_system_source_id"
        )
        rows = {
            r.source_id: dict(r._mapping)
            for r in connection.execute(select(customers).where(customers.c.source_system == "sap"))
        }
        same_source_id = {**rows["c0"], "customer_key": uuid.uuid4()}
        same_key = {**rows["c1"], "source_id": "c1-dup"}
        connection.execute(customers.insert(), [same_source_id, same_key])
    engine.dispose()
    result = run_standards(pg_url, tmp_path / "reports", docs=False)
    failed = {(o.standard.name, o.source) for o in result.failed()}
    assert failed == {("customers.source_id_unique", "sap"), ("customers.key_unique", "sap")}
    listed = sorted((r.rule, r.source_id) for r in result.failing)
    assert listed == [
        ("customers.key_unique", "c1"),
        ("customers.key_unique", "c1-dup"),
        ("customers.source_id_unique", "c0"),
        ("customers.source_id_unique", "c0"),
    ]


def test_failing_lists_keep_ids_a_steward_can_find(tmp_path: Path) -> None:
    """A numeric id (SAP's, Shopify's) keeps its digits; an email used as an id is masked."""
    engine = create_warehouse_engine(f"sqlite:///{tmp_path / 'w.db'}")
    migrate(engine)
    load_clean(engine)
    customers = ENTITY_TABLES["customer"]
    with engine.begin() as connection:
        for old, new in (("c0", "1000123456"), ("c1", "zhang.wei@example.com")):
            connection.execute(
                customers.update()
                .where(customers.c.source_system == "sap", customers.c.source_id == old)
                .values(source_id=new, email="not an email")
            )
    standard = next(s for s in STANDARDS if s.name == "customers.email_format")
    add_sqlite_regexp(engine)
    found = {record.source_id for record in failing_records(engine, standard, "sap")}
    engine.dispose()
    assert found == {"1000123456", "z***@e***.com"}
