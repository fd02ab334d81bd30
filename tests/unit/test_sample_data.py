"""A connector's sample_data.yml decides what its simulator's orders hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub.connector_kit.sample_orders import DEFAULT_SAMPLE, SampleData, SampleOrderStore
from orderhub.exceptions import ConfigurationError

U8_LIKE = """
currency: CNY
lifecycle:
  "0": ["1", "9"]
  "1": ["2"]
  "2": []
  "9": []
seeded_statuses: ["0", "1"]
products:
  - {sku: "A-1", name: 螺丝, unit_price: "0.35"}
first_names: [伟]
last_names: [王, 李]
phone_prefix: "+86 139"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sample_data.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_store_speaks_the_sources_vocabulary(tmp_path: Path) -> None:
    sample = SampleData.load(write(tmp_path, U8_LIKE))
    store = SampleOrderStore(seed=3, count=30, sample=sample)
    orders = list(store.orders.values())
    assert {o["status"] for o in orders} <= {"0", "1"}
    assert {o["currency"] for o in orders} == {"CNY"}
    assert {line["sku"] for o in orders for line in o["lines"]} == {"A-1"}
    assert all(o["customer"]["phone"].startswith("+86 139") for o in orders)
    assert all(o["customer"]["name"].split()[0] == "伟" for o in orders)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=60))
def test_changes_follow_the_declared_lifecycle(seed: int, changes: int) -> None:
    store = SampleOrderStore(seed=seed, count=20)
    before = {key: o["status"] for key, o in store.orders.items()}
    changed = store.change(changes)
    assert len(changed) == changes
    for key in changed:
        status = store.orders[key]["status"]
        if key in before:
            assert status in DEFAULT_SAMPLE.lifecycle[before[key]]
        else:  # a new order starts in the lifecycle's first code
            assert status == DEFAULT_SAMPLE.status_codes[0]


def test_an_undeclared_code_is_named_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, U8_LIKE.replace('"1": ["2"]', '"1": ["2", "3"]'))
    with pytest.raises(ConfigurationError) as error:
        SampleData.load(path)
    assert str(path) in str(error.value) and "['3']" in str(error.value)


def test_a_bad_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, U8_LIKE.replace("currency: CNY", "currency: yuan"))
    with pytest.raises(ConfigurationError, match=r"currency: String should match"):
        SampleData.load(path)
