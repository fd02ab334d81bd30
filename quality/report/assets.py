"""The CDN assets Great Expectations' Data Docs load, and the local copies that replace them.

GX 1.24's page templates fetch bootstrap, jQuery, font-awesome, bootstrap-table, the
datepicker and vega from CDNs (and its logo from S3, with the data context's id in the
query string: a tracking beacon). Offline, a steward sees an unstyled page with no
tables; on a network, every page view tells third parties that a report was opened.
``scripts/vendor-data-docs-assets.sh`` fetches the files below from npm into
``quality/report/static/vendor``; a page referencing any other external asset is an
error, so that a GX upgrade cannot quietly bring a CDN back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

#: Where the vendored copies live inside a Data Docs site.
VENDOR_DIR = PurePosixPath("static/vendor")

#: CDN URL (without query) -> path relative to the site's root. GX's "vega@5"-style
#: floating URLs are pinned to what they resolved to when vendored.
CDN_ASSETS: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "static/vendor/bootstrap-4.3.1/css/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "static/vendor/bootstrap-4.3.1/js/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "static/vendor/jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "static/vendor/popper.js-1.12.9/umd/popper.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "static/vendor/bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "static/vendor/bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "static/vendor/bootstrap-table-1.19.1/extensions/filter-control/"
        "bootstrap-table-filter-control.min.js"
    ),
    # The expectation and validation pages link the unminified file, the index the
    # minified one: one minified copy serves both.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "static/vendor/bootstrap-table-1.19.0/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "static/vendor/bootstrap-table-1.19.0/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": (
        "static/vendor/bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": (
        "static/vendor/bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": (
        "static/vendor/bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "static/vendor/fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": "static/vendor/vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "static/vendor/vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": (
        "static/vendor/vega-embed-6.29.0/vega-embed.min.js"
    ),
    # GX copies its own logo into static/images; the S3 copy only serves to count views.
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": (
        "static/images/logo-long.png"
    ),
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png": (
        "static/images/logo-long.png"
    ),
}

_URL = re.compile(r"""(?:https?:)?//[^\s"'()<>\\]+""", re.IGNORECASE)
# Tags whose src/href the browser fetches as it renders, with the attribute that names
# the URL. <a href> and <form action> are navigations a reader chooses: links in text.
_FETCHING_TAG = re.compile(
    r"<(?P<tag>script|img|iframe|source|embed|video|audio|link)\b(?P<attrs>[^>]*)>",
    re.IGNORECASE,
)
_FETCHING_ATTR = re.compile(
    r"""\b(?:src|href|srcset|poster|data)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""",
    re.IGNORECASE,
)
_LINK_REL = re.compile(r"""\brel\s*=\s*["']?(?P<rel>[^"'>]*)""", re.IGNORECASE)
# Link relations that are navigation, not a fetch (a <link rel=canonical> loads nothing).
_NAVIGATION_RELS = {"canonical", "alternate", "author", "help", "license", "next", "prev"}
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>[^"')]*)(?P=quote)\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?P<quote>["'])(?P<url>[^"']*)(?P=quote)""")
_STYLE = re.compile(
    r"<style\b[^>]*>(?P<css>.*?)</style\s*>|style\s*=\s*\"(?P<inline>[^\"]*)\"", re.I | re.S
)
# SRI and CORS attributes only make sense for the CDN copy: a file:// page cannot make
# a CORS request, so Chromium would refuse the local script that carries them.
_SRI_ATTRS = re.compile(
    r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""", re.I
)


class OfflineAssetError(RuntimeError):
    """A page fetches an external asset that has no vendored copy."""


def localise(page: str, page_path: Path, site_dir: Path) -> str:
    """Point every vendored CDN URL in ``page`` at its local copy, relative to the page.

    Pages live at different depths (index.html, expectations/<suite>.html,
    validations/<suite>/<run>/<time>/<batch>.html), so each page gets its own ``../``.
    """
    prefix = Path(os.path.relpath(site_dir, page_path.parent)).as_posix()

    def local(match: re.Match[str]) -> str:
        url = match[0]
        target = CDN_ASSETS.get(url.split("?", 1)[0].split("#", 1)[0])
        if target is None:
            return url
        return target if prefix == "." else f"{prefix}/{target}"

    rewritten = _URL.sub(local, page)
    return _FETCHING_TAG.sub(_drop_sri_if_local, rewritten)


def _drop_sri_if_local(match: re.Match[str]) -> str:
    tag = match[0]
    if f"{VENDOR_DIR}/" not in tag:
        return tag
    return _SRI_ATTRS.sub("", tag)


def external_fetches(page: str) -> list[str]:
    """The URLs a browser would fetch from the network to render ``page`` (should be none)."""
    found: list[str] = []
    for tag in _FETCHING_TAG.finditer(page):
        if tag["tag"].lower() == "link":
            rel = _LINK_REL.search(tag["attrs"])
            rels = set((rel["rel"] if rel else "").lower().split())
            if rels and rels <= _NAVIGATION_RELS:
                continue
        for attr in _FETCHING_ATTR.finditer(tag["attrs"]):
            value = attr["dq"] or attr["sq"] or attr["bare"] or ""
            found.extend(url for url in _URL.findall(value) if value.lstrip().startswith(url))
    for style in _STYLE.finditer(page):
        css = style["css"] or style["inline"] or ""
        found.extend(external_css_fetches(css))
    return found


def external_css_fetches(css: str) -> list[str]:
    """The network URLs a stylesheet's ``url()`` and ``@import`` would fetch."""
    urls = [m["url"] for m in _CSS_URL.finditer(css)] + [
        m["url"] for m in _CSS_IMPORT.finditer(css)
    ]
    return [url for url in urls if _URL.fullmatch(url.strip())]
