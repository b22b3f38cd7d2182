"""Real-browser fixtures: the seeded app on a loopback port, Debian's Chromium, a page per test.

The app runs on the embedded store filled from `seeds/`, served by Werkzeug in a
thread for the whole session. A staff member signs in once through the /login form;
each test gets a fresh Belgian-French browser context holding that sign-in, and fails
when the page reaches outside the app or throws a JavaScript error. Screenshots go
to `test-artifacts/` (git-ignored) for a person to look at; with UPDATE_SCREENSHOTS=1 the
main screens shown in the README are written to `docs/screenshots/` instead.
"""
import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from backoffice import create_app, seeding, users
from backoffice.store import app as store_app
from backoffice.store.app import get_store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# The README's screenshots: refreshed only on demand (UPDATE_SCREENSHOTS=1), at one width.
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
DOCS_VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALE = "fr-BE"
TIMEOUT_MS = 10_000
PASSWORD = "e2e correct horse battery staple"
STAFF_EMAIL = "camille.staff@perspective.example"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a fresh embedded store, filled with the demo seeds."""
    app = create_app(
        {
            "STORE_ENGINE": "sqlite",
            "BACKOFFICE_DATA_DIR": str(tmp_path_factory.mktemp("e2e-data")),
            "SECRET_KEY": "e2e-secret",
            "TESTING": True,
        }
    )
    missing = [name for name in seeding.SEED_COLLECTIONS if not (Path(app.config["SEEDS_DIR"]) / f"{name}.json").exists()]
    assert not missing, f"seeds/ lacks {', '.join(missing)}.json: the browser journeys run on the demo data"
    with app.app_context():
        report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors, "the demo seeds do not load:\n" + "\n".join(map(str, report.errors))
    yield app
    store_app.close(app)


@pytest.fixture(scope="session")
def base_url(live_app):
    """The address of the app, served in a daemon thread on a free loopback port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's Chromium, headless; never a browser downloaded by `playwright install`."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
            "Run `make test` (it installs it) or `apt-get install chromium`; never `playwright install`.",
            pytrace=False,
        )
    home = tmp_path_factory.mktemp("chromium-home")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": str(home)},
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def make_user(live_app):
    """Create a user of the live app: `make_user("staff", "a@perspective.example")`; password PASSWORD."""

    def create(role, email, name=None, language="fr"):
        with live_app.app_context():
            return users.create_user(get_store(live_app), email, role, PASSWORD, name=name, language=language, actor="e2e")

    return create


def sign_in(page, email):
    """Sign in through the /login form, as a person does, and land on the home page."""
    page.goto("/login")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form[action$="/login"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/admin/$"))


def watched_page(browser, base_url, viewport=(1366, 900), **options):
    """A page in a new Belgian-French context that may load nothing from outside the app: (context, page, watch)."""
    context = browser.new_context(locale=LOCALE, base_url=base_url,
                                  viewport={"width": viewport[0], "height": viewport[1]}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(base_url)
    context.route(lambda url: not watch.is_local(url), watch.block)
    page = context.new_page()
    page.on("pageerror", watch.on_pageerror)
    return context, page, watch


@pytest.fixture(scope="session")
def staff_session(browser, base_url, make_user, artifacts):
    """The cookies of a staff member who signed in once through the form (reused by each fresh context)."""
    make_user("staff", STAFF_EMAIL, name="Camille Staff")
    context, page, watch = watched_page(browser, base_url)
    page.on("request", watch.on_request)
    page.goto("/login")
    page.screenshot(path=str(artifacts / "e2e-login.png"), full_page=True)
    sign_in(page, STAFF_EMAIL)
    state = context.storage_state()
    context.close()
    assert not watch.problems(), "signing in: " + "\n".join(watch.problems())
    return state


@pytest.fixture
def sign_in_as(page, make_user):
    """Sign the page's browser in as a new user instead: `sign_in_as("staff", "jan@perspective.example")`."""

    def switch(role, email, name=None, language="fr"):
        make_user(role, email, name=name, language=language)
        page.context.clear_cookies()
        sign_in(page, email)

    return switch


class PageWatch:
    """What a page did that a test should not allow: requests leaving the app, JavaScript errors, CSP refusals."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.outside = []
        self.js_errors = []
        self.console_errors = []
        self.csp_refusals = []

    def is_local(self, url):
        return url == self.base_url or url.startswith(self.base_url + "/")

    def on_request(self, request):
        if not self.is_local(request.url):
            self.outside.append(request.url)

    def block(self, route):
        # Nothing outside reaches this machine anyway: failing fast keeps the page from hanging.
        route.abort()

    def on_pageerror(self, error):
        self.js_errors.append(str(error))

    def on_console(self, message):
        # Something the CSP refused (an inline handler, a javascript: link) is a control that silently
        # does nothing: a failure. Other console errors are only shown.
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.csp_refusals.append(message.text)
        elif message.type == "error":
            self.console_errors.append(message.text)

    def clear(self):
        """Forget what was seen (a page reused by several tests)."""
        for seen in (self.outside, self.js_errors, self.console_errors, self.csp_refusals):
            seen.clear()

    def problems(self):
        found = [f"the page requested something outside {self.base_url}: {url}" for url in self.outside]
        found += [f"the page threw a JavaScript error: {message}" for message in self.js_errors]
        found += [f"the CSP refused something on the page: {message}" for message in self.csp_refusals]
        return found


@pytest.fixture
def page(browser, base_url, staff_session, request):
    """A signed-in staff member's page in a fresh Belgian-French context, watched for outside requests and JS errors."""
    context, page, watch = watched_page(browser, base_url, storage_state=staff_session)
    page.on("request", watch.on_request)
    page.on("console", watch.on_console)
    request.node.e2e_watch = watch
    yield page
    context.close()
    if watch.console_errors:
        counts = {}
        for text in watch.console_errors:
            counts[text[:160]] = counts.get(text[:160], 0) + 1
        print("browser console errors:", *(f"{n} x {text}" for text, n in counts.items()), sep="\n  ")


# When the browser moves on while a static file is still downloading, werkzeug's development
# server drops the connection without closing the file it was sending; the file is closed by
# the garbage collector later, with a ResourceWarning, during whichever test runs then. That is
# the test server's doing, not the app's (gunicorn closes it), so it does not fail a test.
DROPPED_STATIC_FILE = (
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/static/[^']*' mode='rb':pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    """Browser tests: a static file the browser stopped downloading is no failure (DROPPED_STATIC_FILE)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.filterwarnings(DROPPED_STATIC_FILE))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail (not error) a browser test whose page reached outside the app or threw a JS error."""
    result = yield
    watch = getattr(item, "e2e_watch", None)
    if watch is not None and watch.problems():
        raise AssertionError("\n".join(watch.problems()))
    return result


@pytest.fixture(scope="session")
def artifacts():
    """The git-ignored folder where screenshots are kept, emptied of the last run's e2e shots."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("e2e-*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.fixture
def screenshot(page, artifacts):
    """`screenshot("requests-list")` saves the whole page as test-artifacts/e2e-requests-list.png.

    `screenshot("requests-list", docs=True)` is one of the README's pictures: the screen
    as a 1280 px wide window shows it (the whole page with `full_page=True`, the window
    scrolled down to a locator with `scroll_to=`), saved to docs/screenshots/requests-list.png
    when UPDATE_SCREENSHOTS=1, else to test-artifacts/.
    """

    def shoot(name, docs=False, full_page=None, scroll_to=None):
        slug = re.sub(r"[^a-z0-9-]+", "-", name.lower())
        if not docs:
            path = artifacts / f"e2e-{slug}.png"
            page.screenshot(path=str(path), full_page=True if full_page is None else full_page)
            return path
        path = DOCS_SCREENSHOTS / f"{slug}.png" if UPDATE_SCREENSHOTS else artifacts / f"e2e-{slug}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size(DOCS_VIEWPORT)
        try:
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            if scroll_to is not None:  # a part further down the page, at the bottom of the window
                scroll_to.evaluate(
                    "element => window.scrollTo(0, element.getBoundingClientRect().bottom + window.scrollY + 16 - window.innerHeight)"
                )
            page.screenshot(path=str(path), full_page=bool(full_page), animations="disabled", caret="hide")
        finally:
            page.set_viewport_size(size)
        return path

    return shoot


@pytest.fixture(scope="session")
def store(live_app):
    """The live app's store, to know what the journeys should show."""
    return get_store(live_app)
