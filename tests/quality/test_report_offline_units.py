"""make_offline's parts without a browser: what is vendored, rewritten and masked, and how."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import great_expectations
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderhub import reports
from quality.report import OfflineAssetError, make_offline
from quality.report.assets import CDN_ASSETS, external_css_fetches, external_fetches, localise
from quality.report.masking import mask_html, mask_json, mask_pii, mask_script
from quality.report.offline import STATIC

GX_VIEW = Path(great_expectations.__file__).parent / "render" / "view"


def test_every_asset_gx_templates_fetch_has_a_vendored_copy() -> None:
    fetched: set[str] = set()
    for template in (GX_VIEW / "templates").glob("*.j2"):
        fetched.update(url.split("?")[0] for url in external_fetches(template.read_text("utf-8")))
    for stylesheet in (GX_VIEW / "static" / "styles").glob("*.css"):
        fetched.update(external_css_fetches(stylesheet.read_text("utf-8")))
    assert len(fetched) >= 15, fetched  # the scan finds GX's CDN references at all
    assert fetched - CDN_ASSETS.keys() == set()
    for target in CDN_ASSETS.values():
        if target.startswith("static/vendor/"):
            assert (STATIC.parent / target).is_file(), target


def test_vendored_files_are_the_ones_gx_pins_by_subresource_integrity() -> None:
    imports = (GX_VIEW / "templates" / "js_script_imports.j2").read_text("utf-8")
    pinned = re.findall(r'src="([^"]+)" integrity="sha384-([^"]+)"', imports)
    assert len(pinned) == 2
    for url, digest in pinned:
        vendored = (STATIC.parent / CDN_ASSETS[url]).read_bytes()
        assert base64.b64encode(hashlib.sha384(vendored).digest()).decode() == digest, url


def test_fonts_and_images_the_vendored_css_names_are_there() -> None:
    stylesheets = list((STATIC / "vendor").rglob("*.css"))
    assert stylesheets
    for stylesheet in stylesheets:
        for url in re.findall(r"url\(\s*[\"']?([^\"')]+)", stylesheet.read_text("utf-8")):
            if url.startswith("data:"):
                continue
            assert (stylesheet.parent / url.split("?")[0].split("#")[0]).is_file(), (
                stylesheet,
                url,
            )
    for package in (STATIC / "vendor").iterdir():
        assert list(package.glob("LICENSE*")), f"{package.name} has no licence file"


def test_urls_are_relative_to_each_page_depth(tmp_path: Path) -> None:
    page = '<link rel="stylesheet" href="https://code.jquery.com/jquery-3.7.1.min.js">'
    deep = tmp_path / "validations" / "a" / "b" / "c" / "d" / "page.html"
    assert "../../../../../static/vendor/jquery-3.7.1/jquery.min.js" in localise(
        page, deep, tmp_path
    )
    assert 'href="static/vendor/jquery-3.7.1/' in localise(page, tmp_path / "index.html", tmp_path)


def test_sri_is_dropped_only_where_the_copy_is_local(tmp_path: Path) -> None:
    page = (
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>'
        '<script src="https://example.org/other.js" integrity="sha384-y" crossorigin></script>'
    )
    rewritten = localise(page, tmp_path / "index.html", tmp_path)
    assert rewritten.count("integrity") == 1 and 'integrity="sha384-y" crossorigin>' in rewritten


def test_text_links_are_not_asset_fetches() -> None:
    page = (
        '<a href="https://greatexpectations.io">GX</a><link rel="canonical" href="https://x.org/">'
        '<img src="https://cdn.example/pixel.gif">'
        '<div style="background: url(//cdn.example/a.png)">'
        "<style>@import 'https://fonts.example/f.css';</style>"
    )
    assert sorted(external_fetches(page)) == [
        "//cdn.example/a.png",
        "https://cdn.example/pixel.gif",
        "https://fonts.example/f.css",
    ]


def test_html_masks_text_attributes_and_scripts_but_not_markup_or_css() -> None:
    page = (
        '<html><head><style>.a{width:13812345678px}</style></head><body class="x">'
        "<td>john.smith@example.com</td><td>john&#46;smith&#64;example&#46;com &amp; co</td>"
        '<a href="mailto:john.smith@example.com" title="call 13812345678">mail</a>'
        "<!-- 13812345678 -->"
        "<script>var rows = [{'phone': '13812345678'}]; var e = \"john.smith\\u0040example.com\";"
        " // john.smith@example.com\n</script></body></html>"
    )
    masked = mask_html(page)
    assert "13812345678" not in masked.replace(".a{width:13812345678px}", "")
    assert ".a{width:13812345678px}" in masked  # CSS is code, not data
    assert "john" not in masked
    assert "<td>j***@e***.com</td>" in masked
    assert "j***@e***.com &amp; co</td>" in masked  # entities seen through, markup kept
    assert 'href="mailto:j***@e***.com" title="call *******5678"' in masked
    assert "[{'phone': '*******5678'}]" in masked and 'var e = "j***@e***.com";' in masked
    assert masked.startswith("<html><head><style>") and '<body class="x">' in masked


def test_script_strings_stay_valid_javascript() -> None:
    code = 'x = "\\"john\\"@example.com"; y = \'a\\\'b 13812345678\'; z = `t ${1} 13812345678`;'
    masked = mask_script(code)
    assert (
        masked == 'x = "\\"***\\"@e***.com"; y = \'a\\\'b *******5678\'; z = `t ${1} *******5678`;'
    )


def test_json_masks_strings_and_data_values_but_not_counts() -> None:
    document = {
        "result": {
            "element_count": 12345678,
            "partial_unexpected_list": ["john.smith@example.com", 13812345678],
            "partial_unexpected_counts": [{"value": 13812345678, "count": 2}],
        },
        "john.smith@example.com": "key",
    }
    masked = json.loads(mask_json(json.dumps(document)))
    assert masked["result"]["element_count"] == 12345678
    assert masked["result"]["partial_unexpected_list"] == ["j***@e***.com", "*******5678"]
    assert masked["result"]["partial_unexpected_counts"] == [{"value": "*******5678", "count": 2}]
    assert "j***@e***.com" in masked


def _site(tmp_path: Path, body: str) -> Path:
    (tmp_path / "validations" / "s").mkdir(parents=True)
    (tmp_path / "index.html").write_text(f"<html><body>{body}</body></html>", "utf-8")
    return tmp_path


def test_an_unvendored_external_asset_is_an_error_naming_page_and_url(tmp_path: Path) -> None:
    site = _site(tmp_path, "ok")
    (site / "validations" / "s" / "p.html").write_text(
        '<script src="https://cdn.example.com/new-lib@2/x.js"></script>', "utf-8"
    )
    with pytest.raises(
        OfflineAssetError,
        match=r"validations/s/p\.html fetches https://cdn\.example\.com/new-lib@2/x\.js.*vendor-data-docs-assets\.sh",
    ):
        make_offline(site)


def test_json_and_js_files_of_the_site_are_masked(tmp_path: Path) -> None:
    site = _site(tmp_path, "13812345678")
    (site / "validations" / "s" / "r.json").write_text(
        '{"partial_unexpected_list": ["john.smith@example.com"]}'
    )
    (site / "validations" / "s" / "r.js").write_text("var p = '13812345678';")
    make_offline(site)
    assert "*******5678" in (site / "index.html").read_text("utf-8")
    assert "j***@e***.com" in (site / "validations" / "s" / "r.json").read_text("utf-8")
    assert (site / "validations" / "s" / "r.js").read_text("utf-8") == "var p = '*******5678';"


def test_invalid_json_is_refused_with_the_file_named(tmp_path: Path) -> None:
    site = _site(tmp_path, "")
    (site / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"broken\.json .*not valid JSON"):
        make_offline(site)


def test_no_site_says_to_build_the_docs_first(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build the docs first"):
        make_offline(tmp_path / "nowhere")


def test_a_page_that_is_not_utf8_is_refused_with_the_file_named(tmp_path: Path) -> None:
    site = _site(tmp_path, "")
    (site / "validations" / "s" / "latin1.html").write_bytes("café 13812345678".encode("latin-1"))
    with pytest.raises(ValueError, match=r"validations/s/latin1\.html .*not UTF-8"):
        make_offline(site)


@given(
    st.text(alphabet=st.sampled_from(list("0123456789０１ -+()@＠%4u\\atATdo.[]xj\n")), max_size=40)
)
def test_skipping_text_without_pii_markers_never_changes_the_mask(text: str) -> None:
    assert mask_pii(text) == reports.mask_pii(text)
