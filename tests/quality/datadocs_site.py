"""A real GX Data Docs site built from a small suite that fails on PII.

The unexpected values GX lists are customers' emails and phones: exactly what the
steward's report must not show unmasked.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no network here, and no tracking

import great_expectations as gx

#: Values that fail the suite, so GX prints them in its unexpected-value tables.
RAW_PII = {
    "john.smith@example.com": "j***@e***.com",
    "wang.fang@example.cn": "w***@e***.cn",
    "13812345678": "*******5678",
    "+86 139 8765 4321": "+** *** **** 4321",
}
ROWS = [
    (1, "john.smith@example.com", "13812345678", "John Smith"),
    (2, "john.smith@example.com", "13812345678", "John Smith"),
    (3, "wang.fang@example.cn", "+86 139 8765 4321", "王芳"),
    (4, "not-an-email", "+8613900001111", "Li Wei"),
]
#: A dotted suite name: GX nests its pages one folder deeper per dot.
SUITE = "orderhub.customers"


def build_site(root: Path) -> Path:
    """Validate a SQLite customers table and build Data Docs; return the site's folder."""
    root.mkdir(parents=True, exist_ok=True)
    database = root / "warehouse.db"
    with sqlite3.connect(database) as connection:
        connection.execute("create table customers (id integer, email text, phone text, name text)")
        connection.executemany("insert into customers values (?, ?, ?, ?)", ROWS)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    source = context.data_sources.add_sqlite(
        name="warehouse", connection_string=f"sqlite:///{database}"
    )
    batch = source.add_table_asset(
        name="customers", table_name="customers"
    ).add_batch_definition_whole_table("all")
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeUnique(column="email"))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToMatchRegex(column="email", regex=r"@orderhub\.test$")
    )
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToMatchRegex(column="phone", regex=r"^\+86\d{11}$")
    )
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="name"))
    # Rendered as a vega-lite chart whose spec (with the column's values) is inline JS.
    suite.add_expectation(
        gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
            column="email",
            partition_object={
                "values": ["john.smith@example.com", "a@orderhub.test"],
                "weights": [0.5, 0.5],
            },
            threshold=0.1,
        )
    )
    # A custom SQL check over failing rows: GX 1.24's page shows only their count, but a
    # GX that lists the rows (every column of them) is then covered by the PII tests.
    suite.add_expectation(
        gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query="SELECT id, email, phone FROM {batch} WHERE phone LIKE '138%'",
            description="phones must not be test numbers",
        )
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="customers", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="customers",
            validation_definitions=[validation],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            # The ids of failing rows next to their values: a second kind of table.
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["id"]},
        )
    )
    result = checkpoint.run()
    assert not result.success, "the suite must fail: its unexpected values are the PII under test"
    site = root / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert (site / "index.html").is_file(), f"GX built no Data Docs under {site}"
    return site


def validation_pages(site: Path) -> list[Path]:
    return sorted((site / "validations").rglob("*.html"))


def expectation_pages(site: Path) -> list[Path]:
    return sorted((site / "expectations").rglob("*.html"))
