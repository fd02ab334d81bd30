"""Mask PII in Data Docs pages without breaking their HTML, JavaScript or JSON.

GX shows data, not only verdicts: partial unexpected lists, value counts and sample
tables carry the very emails and phones that failed an expectation. A steward's report
must not (``orderhub.reports.mask_pii``), but masking a page as one string would also
rewrite markup and code, so each format is masked where text lives: HTML text nodes,
attribute values and script string literals; JSON string values (and numbers where GX
puts data values).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from orderhub.reports import mask_pii as _mask_pii

# What any email or phone mask_pii masks must contain: one of its ways of writing "@",
# or seven digits. Most attribute values and text nodes have neither, and skipping
# them makes masking a page about ten times faster (GX pages hold hundreds of ids).
_MAY_HOLD_PII = re.compile(r"@|＠|%40|\\u0040|[(\[]\s*at\s*[)\]]|(?:\d\D*){7}", re.IGNORECASE)


def mask_pii(text: str) -> str:
    """``orderhub.reports.mask_pii``, skipping text that cannot hold what it masks."""
    return _mask_pii(text) if _MAY_HOLD_PII.search(text) else text


# A tag with its attributes (a quoted value may hold ">"), a comment, a doctype, and the
# raw-text elements whose content is code, not text.
_HTML_TOKEN = re.compile(
    r"""(?P<comment><!--.*?-->)"""
    r"""|(?P<raw><(?P<rawtag>script|style)\b(?:"[^"]*"|'[^']*'|[^'">])*>)(?P<code>.*?)(?P<rawend></(?P=rawtag)\s*>)"""
    r"""|(?P<tag></?[A-Za-z!?](?:"[^"]*"|'[^']*'|[^'">])*>)""",
    re.IGNORECASE | re.DOTALL,
)
_ATTR_VALUE = re.compile(
    r"""(?P<lead>=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))"""
)
# String literals of the small scripts GX inlines (no regex literals there).
_JS_STRING = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>(?:[^'\\\n]|\\.)*)'|`(?P<bt>(?:[^`\\]|\\.)*)`""",
    re.DOTALL,
)
#: Keys under which GX's validation results hold values from the data itself: numbers
#: there (a phone stored as an integer) are masked too; elsewhere they are counts.
DATA_KEYS = frozenset(
    {
        "partial_unexpected_list",
        "unexpected_list",
        "partial_unexpected_counts",
        "partial_unexpected_index_list",
        "unexpected_index_list",
        "unexpected_rows",
        "observed_value",
        "details",
        "value",
    }
)


def mask_html(page: str) -> str:
    """Mask text nodes, attribute values and script strings; leave markup and CSS alone."""
    out: list[str] = []
    position = 0
    for token in _HTML_TOKEN.finditer(page):
        out.append(_mask_text(page[position : token.start()]))
        if token["comment"]:
            out.append(mask_pii(token["comment"]))
        elif token["raw"]:
            code = token["code"]
            if token["rawtag"].lower() == "script":
                code = mask_script(code)
            out.append(_mask_tag(token["raw"]) + code + token["rawend"])
        else:
            out.append(_mask_tag(token["tag"]))
        position = token.end()
    out.append(_mask_text(page[position:]))
    return "".join(out)


def _mask_text(text: str) -> str:
    """Mask a text node, seeing through entities (john&#64;example.com is an email)."""
    if not text.strip():
        return text
    masked = mask_pii(text)
    decoded = html.unescape(text)
    if "&" not in text or html.unescape(masked) == mask_pii(decoded):
        return masked
    return html.escape(mask_pii(decoded), quote=False)


def _mask_tag(tag: str) -> str:
    def value(match: re.Match[str]) -> str:
        raw = match["dq"] if match["dq"] is not None else match["sq"]
        raw = raw if raw is not None else match["bare"]
        masked = _mask_text(raw)
        if masked == raw:
            return match[0]
        quoted = html.escape(html.unescape(masked), quote=True)
        return f'{match["lead"]}"{quoted}"'

    return _ATTR_VALUE.sub(value, tag)


def mask_script(code: str) -> str:
    """Mask the contents of a script's string literals (never its code or comments' syntax)."""

    def literal(match: re.Match[str]) -> str:
        if match["dq"] is not None:
            try:
                decoded = json.loads(f'"{match["dq"]}"')
            except ValueError:  # a JS-only escape (\x41, \'): mask the source text
                return f'"{_escape_quote(mask_pii(match["dq"]), chr(34))}"'
            masked = mask_pii(decoded)
            return match[0] if masked == decoded else json.dumps(masked, ensure_ascii=False)
        if match["sq"] is not None:
            return f"'{mask_pii(match['sq'])}'"
        if match["bt"] is not None:
            return f"`{mask_pii(match['bt'])}`"
        return mask_pii(match[0])  # a comment

    return _JS_STRING.sub(literal, code)


def _escape_quote(text: str, quote: str) -> str:
    return re.sub(rf"(?<!\\){re.escape(quote)}", "\\" + quote, text)


def mask_json(text: str) -> str:
    """Mask every string (keys too) of a JSON document, and data values that are numbers."""
    document = json.loads(text)
    return json.dumps(_mask_value(document, in_data=False), ensure_ascii=False, indent=2)


def _mask_value(value: Any, *, in_data: bool) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if not in_data:
            return value
        masked = mask_pii(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, list):
        return [_mask_value(item, in_data=in_data) for item in value]
    if isinstance(value, dict):
        return {
            mask_pii(str(key)): _mask_value(item, in_data=in_data or key in DATA_KEYS)
            for key, item in value.items()
        }
    return value
