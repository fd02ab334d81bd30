"""GX Data Docs opened in headless Chromium with the network off: styled, working, masked."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from quality.report import make_offline
from quality.report.offline import MANIFEST, STATIC
from tests.quality.browser import Visit, offline_chromium, visit_offline
from tests.quality.datadocs_site import RAW_PII, build_site, expectation_pages, validation_pages

# A bootstrap-styled element and what Chromium computes for it with and without bootstrap.
_NAVBAR_DISPLAY = "getComputedStyle(document.querySelector('nav.navbar')).display"
# Webfonts load when a glyph needs them: ask for the solid face (the ✗/✓ icons) outright.
_FONT_AWESOME_LOADED = """async () => {
  const faces = await document.fonts.load('900 16px "Font Awesome 6 Free"', '\\uf00d');
  return faces.length > 0 && faces.every(face => face.status === 'loaded');
}"""


@pytest.fixture(scope="module")
def raw_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site exactly as GX builds it."""
    return build_site(tmp_path_factory.mktemp("gx"))


@pytest.fixture(scope="module")
def site(raw_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the site after make_offline."""
    copy = tmp_path_factory.mktemp("offline") / "site"
    shutil.copytree(raw_site, copy)
    make_offline(copy)
    return copy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with offline_chromium() as chromium:
        yield chromium


def _pages(site: Path) -> list[Path]:
    pages = [site / "index.html", *validation_pages(site), *expectation_pages(site)]
    assert len(pages) == 3, f"expected an index, one validation and one suite page: {pages}"
    return pages


def _assert_rendered_offline(visit: Visit, name: str) -> None:
    assert visit.blocked == [], f"{name} asked the network for {visit.blocked}"
    assert visit.failed == [], f"{name} could not load local files: {visit.failed}"
    assert visit.errors == [], f"{name} raised in the browser: {visit.errors}"
    page = visit.page
    assert page.evaluate(_NAVBAR_DISPLAY) == "flex", f"{name}: bootstrap's CSS is not applied"
    assert page.evaluate(_FONT_AWESOME_LOADED), f"{name}: font-awesome's webfont did not load"
    assert visit.failed == [], f"{name} could not load local files: {visit.failed}"
    for library in ("jQuery", "Popper", "vega", "vegaLite", "vegaEmbed"):
        assert page.evaluate(f"typeof window.{library}") != "undefined", f"{name}: no {library}"
    assert page.evaluate("typeof jQuery.fn.bootstrapTable") == "function", name
    assert page.evaluate("typeof jQuery.fn.datepicker") == "function", name


def test_gx_pages_need_the_network_before_make_offline(raw_site: Path, browser: Browser) -> None:
    """The harness sees what a steward offline sees: requests refused, an unstyled page."""
    with visit_offline(browser, validation_pages(raw_site)[0]) as visit:
        assert any("bootstrap" in url for url in visit.blocked), visit.blocked
        assert any("amazonaws.com" in url for url in visit.blocked), "the logo beacon"
        assert visit.page.evaluate(_NAVBAR_DISPLAY) == "block"
        assert visit.page.evaluate("typeof window.jQuery") == "undefined"


def test_every_page_renders_offline_with_its_styles_and_scripts(
    site: Path, browser: Browser, tmp_path: Path
) -> None:
    for path in _pages(site):
        name = path.relative_to(site).as_posix()
        with visit_offline(browser, path) as visit:
            _assert_rendered_offline(visit, name)
            # bootstrap-table turns GX's tables into searchable ones: its toolbar and rows exist.
            tables = visit.page.locator("div.bootstrap-table")
            assert tables.count() > 0, f"{name}: bootstrap-table built no table"
            rows = visit.page.locator("div.bootstrap-table tbody tr")
            assert rows.count() > 0, f"{name}: the tables have no rows"
            visit.page.screenshot(path=tmp_path / f"{path.stem}.png", full_page=True)


def test_the_index_lists_the_run_and_a_click_opens_it_offline(site: Path, browser: Browser) -> None:
    """The index's table is built by bootstrap-table from JS data: rows, and rows link."""
    with visit_offline(browser, site / "index.html") as visit:
        rows = visit.page.locator("table.ge-index-page-validation-results-table tbody tr")
        assert rows.count() == 1
        assert "orderhub.customers" in rows.first.inner_text()
        assert rows.first.locator("i.fa-times.ge-failed-icon").count() == 1  # the run failed
        rows.first.locator("td").nth(1).click()  # the run time cell: the row's own link
        visit.page.wait_for_url("**/validations/**")
        visit.page.wait_for_load_state("load")
        _assert_rendered_offline(visit, visit.page.url)
        assert "Expectation Validation Result" in visit.page.evaluate("document.body.innerText")


def test_vega_charts_render_offline_from_masked_specs(site: Path, browser: Browser) -> None:
    """GX draws distributions with vega-lite from a spec inlined in JS, values and all."""
    with visit_offline(browser, validation_pages(site)[0]) as visit:
        _assert_rendered_offline(visit, "the validation page")
        page = visit.page
        page.wait_for_function(
            "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length > 0"
        )
        charts = page.evaluate(
            "[...document.querySelectorAll('.vega-embed')]"
            ".map(e => e.querySelectorAll('canvas, svg').length)"
        )
        assert charts and all(charts), f"a chart did not draw: {charts}"
        spec = page.evaluate("JSON.stringify(window.vlSpec)")
        assert "j***@e***.com" in spec and "john.smith@example.com" not in spec


def test_no_raw_pii_in_what_the_steward_sees(site: Path, browser: Browser) -> None:
    seen_masked: set[str] = set()
    for path in _pages(site):
        with visit_offline(browser, path) as visit:
            text = visit.page.evaluate("document.body.innerText")
            html = visit.page.content()
        for raw, masked in RAW_PII.items():
            assert raw not in text, f"{path.name} shows {raw}"
            assert raw not in html, f"{path.name}'s DOM holds {raw}"
            if masked in text:
                seen_masked.add(masked)
    assert seen_masked == set(RAW_PII.values()), "each failing value must still be listed, masked"


def test_no_raw_pii_in_any_file_of_the_site(raw_site: Path, site: Path) -> None:
    before = "".join(p.read_text("utf-8") for p in validation_pages(raw_site))
    assert all(raw in before for raw in RAW_PII), (
        "GX must list the PII for this test to mean anything"
    )
    vendor = site / "static" / "vendor"
    for path in site.rglob("*"):
        if path.suffix in {".html", ".json", ".js", ".css"} and not path.is_relative_to(vendor):
            text = path.read_text("utf-8")
            for raw in RAW_PII:
                assert raw not in text, f"{path.relative_to(site)} holds {raw}"


def test_no_network_reference_is_left_in_an_asset_position(site: Path) -> None:
    for path in _pages(site):
        page = path.read_text("utf-8")
        for marker in (
            "cdn.jsdelivr",
            "unpkg.com",
            "cdnjs",
            "bootstrapcdn",
            "jquery.com",
            "amazonaws",
        ):
            assert marker not in page, f"{path.name} still names {marker}"
        assert "integrity=" not in page and "crossorigin" not in page


def test_vendored_assets_are_copied_unchanged_and_never_masked(site: Path) -> None:
    shipped = STATIC / "vendor"
    files = [p for p in shipped.rglob("*") if p.is_file()]
    assert len(files) > 20
    for source in files:
        copy = site / "static" / "vendor" / source.relative_to(shipped)
        assert copy.read_bytes() == source.read_bytes(), copy


def _snapshot(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def test_running_twice_changes_nothing(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    make_offline(copy)
    assert _snapshot(copy) == _snapshot(site)


def test_a_rebuilt_page_is_processed_again_and_old_ones_are_not(
    raw_site: Path, tmp_path: Path
) -> None:
    """GX rewrites the index on every run: the new index is masked, masked pages stay."""
    copy = tmp_path / "site"
    shutil.copytree(raw_site, copy)
    make_offline(copy)
    validation = validation_pages(copy)[0]
    processed = validation.read_bytes()
    shutil.copy(raw_site / "index.html", copy / "index.html")
    (copy / "index.html").write_text(
        (copy / "index.html")
        .read_text("utf-8")
        .replace("</body>", "<p>john.smith@example.com</p></body>"),
        "utf-8",
    )
    make_offline(copy)
    index = (copy / "index.html").read_text("utf-8")
    assert "john.smith@example.com" not in index and "j***@e***.com" in index
    assert "cdn.jsdelivr" not in index
    assert validation.read_bytes() == processed
    assert MANIFEST in {p.name for p in copy.iterdir()}
