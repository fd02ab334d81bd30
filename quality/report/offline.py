"""Make a Data Docs site safe to hand out (placeholder until the offline-site work lands).

This version only masks PII in the site's HTML and JSON files with
:func:`orderhub.reports.mask_pii`; the full version also makes the pages render
without network.
"""

from __future__ import annotations

from pathlib import Path

from orderhub.reports import mask_pii


def make_offline(site_dir: Path) -> None:
    """Mask PII in every .html and .json file under ``site_dir``."""
    for path in site_dir.rglob("*"):
        if path.suffix in (".html", ".json") and path.is_file():
            original = path.read_text(encoding="utf-8")
            masked = mask_pii(original)
            if masked != original:
                path.write_text(masked, encoding="utf-8")
