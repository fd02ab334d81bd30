"""The steward guide lists every standard as the catalogue defines it."""

from __future__ import annotations

from quality.standards.catalog import STANDARDS
from quality.standards.guide import GUIDE, refreshed


def test_the_steward_guide_lists_the_current_standards() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert refreshed(text) == text, "run `python -m quality.standards.guide` and commit"
    for standard in STANDARDS:
        assert f"`{standard.name}` | {standard.severity.value} |" in text
