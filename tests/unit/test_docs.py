"""The docs say what the code does."""

from __future__ import annotations

from orderhub.mapping.transforms import REGISTRY
from tests.conftest import ROOT


def test_every_transform_is_documented() -> None:
    reference = (ROOT / "docs" / "mapping-spec.md").read_text()
    missing = [name for name in REGISTRY if f"| `{name}` |" not in reference]
    assert not missing, f"document these transforms in docs/mapping-spec.md: {missing}"


def test_readme_quick_start_is_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in quick_start.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


def test_mapping_reference_pages_are_current() -> None:
    from orderhub.mapping.catalog import MappingCatalog
    from orderhub.mapping.lineage import reference_pages

    folder = ROOT / "docs" / "mapping-reference"
    for name, text in reference_pages(MappingCatalog.load()).items():
        page = folder / name
        assert page.exists() and page.read_text() == text, (
            f"{page} is stale: run `orderhub mappings doc --format md --output {folder}`"
        )


def test_meltano_yml_is_current() -> None:
    from orderhub.connector_kit.meltano import render

    assert (ROOT / "meltano.yml").read_text() == render(ROOT), (
        "meltano.yml is stale: run `python -m orderhub.connector_kit.meltano --write`"
    )
