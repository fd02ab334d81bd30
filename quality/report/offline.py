"""Turn a freshly built GX Data Docs site into one a steward can open offline and share.

``orderhub quality run`` calls :func:`make_offline` after GX (re)builds the site: the
vendored CSS/JS/fonts are copied in, every page's CDN references are pointed at them,
and every page and JSON/JS document GX wrote is masked. GX rebuilds only what changed
(the index and the new validation pages), so a manifest of what was already processed
keeps a second run from masking masked text again (masking is not idempotent:
``j***@e***.com`` would lose its domain's first letter).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from quality.report.assets import (
    VENDOR_DIR,
    OfflineAssetError,
    external_css_fetches,
    external_fetches,
    localise,
)
from quality.report.masking import mask_html, mask_json, mask_script

STATIC = Path(__file__).resolve().parent / "static"
#: Which files (relative path -> sha256 after processing) are already offline and masked.
MANIFEST = ".orderhub-offline.json"
_TEXT_SUFFIXES = {".html", ".htm", ".json", ".js", ".css"}


def make_offline(site_dir: Path) -> None:
    """Make the Data Docs site under site_dir render without network, and mask PII.

    Raises :class:`FileNotFoundError` when there is no site there and
    :class:`OfflineAssetError` (naming the page and URL) when a page fetches an
    external asset that has no vendored copy: GX was upgraded past what was vendored.
    """
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(
            f"no Data Docs site at {site_dir} (index.html is missing): build the docs first "
            "(a checkpoint with an UpdateDataDocsAction, or context.build_data_docs())"
        )
    vendor = site_dir / VENDOR_DIR
    shutil.copytree(STATIC / "vendor", vendor, dirs_exist_ok=True)
    manifest_path = site_dir / MANIFEST
    done: dict[str, str] = _read_manifest(manifest_path)
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in _TEXT_SUFFIXES:
            continue
        if path.is_relative_to(vendor) or path == manifest_path:
            continue
        relative = path.relative_to(site_dir).as_posix()
        if done.get(relative) == _digest(path.read_bytes()):
            continue
        processed = _process(path, site_dir).encode("utf-8")
        _replace(path, processed)
        done[relative] = _digest(processed)
        # Recorded file by file: after an interruption, no masked page is masked twice.
        _replace(manifest_path, json.dumps(done, indent=2, sort_keys=True).encode("utf-8"))
    if not manifest_path.exists():
        _replace(manifest_path, json.dumps(done, indent=2, sort_keys=True).encode("utf-8"))


def _replace(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: a reader never sees half a page."""
    temporary = path.with_name(f".{path.name}.orderhub-tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _process(path: Path, site_dir: Path) -> str:
    relative = path.relative_to(site_dir).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{relative} under the Data Docs site is not UTF-8 text ({error.reason} at byte "
            f"{error.start}): it cannot be masked safely; delete it or rebuild the docs"
        ) from None
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        page = localise(text, path, site_dir)
        _refuse_external(relative, external_fetches(page))
        return mask_html(page)
    if suffix == ".css":  # GX's own styles: rewritten, never masked (CSS holds no data)
        css = localise(text, path, site_dir)
        _refuse_external(relative, external_css_fetches(css))
        return css
    if suffix == ".json":
        try:
            return mask_json(text)
        except ValueError as error:
            raise ValueError(
                f"{relative} under the Data Docs site is not valid JSON ({error}): it cannot "
                "be masked safely; delete it or rebuild the docs"
            ) from None
    return mask_script(text)


def _refuse_external(relative: str, urls: list[str]) -> None:
    if urls:
        listed = ", ".join(sorted(set(urls)))
        raise OfflineAssetError(
            f"{relative} fetches {listed} from the network and orderhub has no local copy: "
            "vendor it with scripts/vendor-data-docs-assets.sh and add it to CDN_ASSETS in "
            "quality/report/assets.py"
        )


def _read_manifest(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}  # a damaged manifest: process everything again (masks twice, never leaks)
    return (
        {str(key): str(value) for key, value in loaded.items()} if isinstance(loaded, dict) else {}
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
