"""Headless Chromium with the network off: what a steward sees opening a report offline.

Playwright drives Debian's chromium (its own browser download needs a network this
project's CI does not have). Every request that is not file:// is aborted and recorded,
and DNS and the proxy point nowhere in case anything slips past the route, so a page
that still needs a CDN shows up as a recorded request and an unstyled page, not as a
silently downloaded stylesheet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

CHROMIUM = Path(os.environ.get("ORDERHUB_CHROMIUM", "/usr/bin/chromium"))
_NO_NETWORK = [
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",  # the discard port: nothing answers
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass
class Visit:
    """One page opened offline, with everything that went wrong while it rendered."""

    page: Page
    blocked: list[str] = field(default_factory=list)  # requests that wanted the network
    failed: list[str] = field(default_factory=list)  # local requests that failed (missing file)
    errors: list[str] = field(default_factory=list)  # uncaught JS errors, console errors


@contextmanager
def offline_chromium() -> Iterator[Browser]:
    """Debian's Chromium under playwright; fails (never skips) when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the Data Docs tests need Debian's chromium; run "
            "scripts/ensure-system-packages.sh (make install does) or set ORDERHUB_CHROMIUM"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=_NO_NETWORK)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def visit_offline(browser: Browser, page_path: Path) -> Iterator[Visit]:
    """Open ``page_path`` in a fresh context, let its scripts run, and record requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(page)

    def route(route: Route) -> None:
        if route.request.url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            visit.blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def failed(request: Request) -> None:
        if request.url.startswith("file://"):
            visit.failed.append(f"{request.url}: {request.failure}")

    context.route("**/*", route)
    page.on("requestfailed", failed)
    page.on("pageerror", lambda error: visit.errors.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            visit.errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    try:
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        yield visit
    finally:
        context.close()
