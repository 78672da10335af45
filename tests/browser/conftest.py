"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module. Playwright's sync API keeps an event loop in this thread,
    which Django's ORM would refuse to run beside; the ORM calls of these tests are
    synchronous and safe, so the guard is lifted for the browser modules only."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import _unavailable

    if not os.path.exists("/usr/bin/chromium"):
        _unavailable("needs Debian's chromium (apt-get install chromium)")  # a failure in CI, a skip on a laptop
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Every journey runs at a desktop and at a phone width: the width of the run in
# progress, read by new_context() and by the screenshots' names.
WIDTHS = {"desktop": 1280, "phone": 390}
_current = {"width": WIDTHS["desktop"]}
# Every page any context of the test loads reports itself here if it is wider than the screen,
# or if axe (run in the page once it has loaded) finds a violation.
_overflows: list[str] = []
REPORT_OVERFLOW = """
window.addEventListener("load", () => {
  // Against the layout viewport (clientWidth), not innerWidth: a phone's browser widens its
  // window to a page wider than the screen, so innerWidth grows with the overflow.
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) { window.__portalOverflow(location.pathname, root.scrollWidth, root.clientWidth); }
  if (window.axe && document.contentType === "text/html") {
    {
      window.axe.run(document, {resultTypes: ["violations"]}).then((result) => {
        for (const v of result.violations) {
          window.__portalOverflow(location.pathname + " axe " + v.id, v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", "), "");
        }
      }).catch(() => {}).finally(() => { document.documentElement.dataset.axeChecked = "1"; });
    }
  }
});
"""


@pytest.fixture(autouse=True, params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    _current["width"] = WIDTHS[request.param]
    _overflows.clear()
    yield _current["width"]
    _current["width"] = WIDTHS["desktop"]
    found, _overflows[:] = list(_overflows), []
    assert not found, f"pages wider than the screen at {WIDTHS[request.param]} px: {found}"


def new_context(browser):
    """A Korean browser context at the run's width (a phone is a touch device). Every page it
    loads is checked for horizontal overflow (reported through a binding, asserted when the
    test ends), not only the pages a test passes to assert_accessible."""
    if _current["width"] < 600:
        context = browser.new_context(locale="ko-KR", viewport={"width": _current["width"], "height": 844}, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(locale="ko-KR", viewport={"width": _current["width"], "height": 900})
    context.expose_binding("__portalOverflow", lambda _source, path, scroll, inner: _overflows.append(f"{path} ({scroll} > {inner})"))
    context.add_init_script(AXE_SOURCE + "\n" + REPORT_OVERFLOW)  # an init script is not subject to the pages' CSP
    return context


@pytest.fixture
def page(browser, live_server):
    context = new_context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{_current['width']}.png"), full_page=True)


def assert_accessible(page) -> None:
    """No axe violation, and nothing wider than the screen: the page never scrolls sideways."""
    from axe_playwright_python.sync_playwright import Axe

    # The load-event run (REPORT_OVERFLOW) may still be going: axe refuses a second run while one
    # is in progress ("Axe is already running"). Its end is waited on by a selector, not a
    # script (the pages' CSP forbids evaluating strings); a page that loaded before the init
    # script could listen never sets it, so the wait is short and the run is tried again once
    # the first run's mark appears.
    done = page.locator("html[data-axe-checked='1']")
    try:
        done.wait_for(state="attached", timeout=5_000)
    except PlaywrightTimeout:
        pass
    try:
        results = Axe().run(page)
    except PlaywrightError as exc:
        if "already running" not in str(exc):
            raise
        done.wait_for(state="attached")
        results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert_fits(page)


def assert_fits(page) -> None:
    widths = page.evaluate("""() => {
        const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
        return {scroll: document.documentElement.scrollWidth, inner: document.documentElement.clientWidth, wide};
    }""")
    assert widths["scroll"] <= widths["inner"], f"{page.url} overflows at {widths['inner']} px: {widths}"



def open_menu(page) -> None:
    """Below 640 px the header menu folds behind "메뉴" (templates/includes/header.html): open
    it to reach its links. Nothing to do on a wider screen, where it is always open."""
    button = page.locator("summary.menu-button")
    if button.is_visible() and not page.locator("details.menu-fold[open]").count():
        button.click()


def open_filters(page) -> None:
    """Below 640 px the filters fold behind "검색 조건": open them to use them."""
    button = page.locator("details.filter-panel > summary")
    if button.is_visible() and not page.locator("details.filter-panel[open]").count():
        button.click()
