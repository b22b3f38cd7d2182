"""Accessibility of every kind of screen, checked by axe-core in French and in Dutch.

axe-core comes from npm (pinned in package.json, installed by `make test` into
node_modules/) and is injected from that local file: nothing is fetched from outside.
The page's CSP forbids inline scripts, so axe goes in as an init script, which the
browser runs outside the page's policy. A test fails on any violation whose impact is
serious or critical, and prints each one with the elements concerned; lesser findings
are printed too, to be looked at.
"""
import pytest

from .conftest import LOCALE, ROOT, TIMEOUT_MS, PageWatch, sign_in

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
LANGUAGES = ("fr", "nl")

# Every kind of screen, by name; `screen_url` says where each one is in the demo data.
LISTS = ("requests", "briefings", "providers", "lots", "reports", "users", "audit")
CREATE_FORMS = ("requests", "briefings", "providers", "lots")
EDIT_FORMS = ("requests", "briefings", "providers", "lots", "users")
DETAILS = ("requests", "briefings", "providers", "lots", "users")
SCREENS = (
    ["login", "home"]
    + [f"list-{name}" for name in LISTS]
    + [f"create-{name}" for name in CREATE_FORMS]
    + [f"edit-{name}" for name in EDIT_FORMS]
    + [f"details-{name}" for name in DETAILS]
    + ["details-briefing-with-offers", "details-request-to-withdraw", "briefing-print", "error-404", "form-with-errors"]
)


def _one(store, collection, query=None):
    doc = store.find_one(collection, query or {}, sort=[("_id", 1)])
    assert doc is not None, f"the seeds hold no {collection} matching {query}"
    return str(doc["_id"])


def screen_url(name, store, email):
    """The address of a screen, picked from the demo data."""
    if name == "login":
        return "/login"
    if name == "home":
        return "/admin/"
    if name == "error-404":
        return "/admin/no-such-page/"
    if name == "form-with-errors":
        return "/admin/requests/new/"
    if name == "briefing-print":
        return f"/admin/briefings/print/?id={_one(store, 'briefings', {'status': 'offers_received'})}"
    if name == "details-briefing-with-offers":
        # Invitations to propose, responses to record and the award form: every panel at once.
        return f"/admin/briefings/details/?id={_one(store, 'briefings', {'status': 'offers_received'})}"
    if name == "details-request-to-withdraw":
        # Sent to providers: its open briefing blocks the plain withdrawal, so the combined one is offered with its form.
        return f"/admin/requests/details/?id={_one(store, 'requests', {'status': 'sent'})}"
    kind, collection = name.split("-", 1)
    if kind == "list":
        return f"/admin/{collection}/"
    if kind == "create":
        return f"/admin/{collection}/new/"
    # A request under review shows the eligibility form and the status buttons.
    query = {"requests": {"status": "under_review"}, "users": {"email": email}}.get(collection)
    return f"/admin/{collection}/{'edit' if kind == 'edit' else 'details'}/?id={_one(store, collection, query)}"


class AxeBrowser:
    """One signed-in administrator per language, whose pages all carry axe-core."""

    def __init__(self, browser, base_url, make_user):
        self.browser = browser
        self.base_url = base_url
        self.make_user = make_user
        self.contexts = {}

    def new_context(self, **kwargs):
        context = self.browser.new_context(locale=LOCALE, base_url=self.base_url, viewport={"width": 1366, "height": 900}, **kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(path=str(AXE))
        watch = PageWatch(self.base_url)
        context.route(lambda url: not watch.is_local(url), watch.block)
        return context, watch

    def page(self, language, signed_in=True):
        """The (reused) page of this language's administrator, or of an anonymous visitor."""
        key = (language, signed_in)
        if key not in self.contexts:
            context, watch = self.new_context()
            page = context.new_page()
            page.on("request", watch.on_request)
            page.on("pageerror", watch.on_pageerror)
            page.on("console", watch.on_console)
            email = f"axe.{language}@perspective.example"
            if signed_in:
                self.make_user("admin", email, name=f"Axe {language.upper()}", language=language)
                sign_in(page, email)
            self.contexts[key] = (context, page, watch, email)
        return self.contexts[key]

    def close(self):
        for context, *_rest in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def axe_browser(browser, base_url, make_user):
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `make test` (or `npm ci`) to install axe-core.", pytrace=False)
    pool = AxeBrowser(browser, base_url, make_user)
    yield pool
    pool.close()


def run_axe(page):
    """axe-core's violations on the page as it is now."""
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe(violations):
    """One line per rule, then each distinct failure with how many elements and an example of them."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)")
        failures = {}
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            failures.setdefault(summary, []).append((" ".join(map(str, node["target"])), node.get("html", "")))
        for summary, nodes in failures.items():
            target, html = nodes[0]
            lines.append(f"    {len(nodes)} x e.g. {target} {html[:160]}: {summary[:300]}")
    return "\n".join(lines)


def submit_a_request_with_a_wrong_enterprise_number(page):
    """Fill the new request form, but for an enterprise number whose check digits are wrong, and save."""
    page.locator("#received_on").fill("2026-03-02")
    page.locator("#organisation-name").fill("ASBL Axe")
    page.locator("#organisation-type").select_option(index=1)
    page.locator("#organisation-enterprise_number").fill("0123.456.748")
    page.locator("#municipality").select_option(index=1)
    page.locator("#contact-name").fill("Camille Fictive")
    page.locator("#contact-email").fill("camille@axe.example")
    page.locator("#project_title").fill("Accessibilité")
    with page.expect_navigation():
        page.locator("form.admin-form input[type=submit].btn-primary").click()
    assert page.locator(".is-invalid").count() == 1, "the form should come back with the number marked wrong"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_has_no_serious_accessibility_violation(axe_browser, store, screen, language):
    context, page, watch, email = axe_browser.page(language, signed_in=screen != "login")
    watch.clear()
    url = screen_url(screen, store, email)
    if screen == "login":
        url += f"?lang={language}"
    response = page.goto(url)
    expected_status = 404 if screen == "error-404" else 200
    assert response.status == expected_status, f"{url} answered {response.status}"
    if screen == "form-with-errors":
        submit_a_request_with_a_wrong_enterprise_number(page)
    if screen != "briefing-print":  # the printed briefing is in the briefing's own language
        assert page.locator("html").get_attribute("lang") == language

    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    others = [v for v in violations if v["impact"] not in BLOCKING]
    if others:
        print(f"{screen} ({language}), below serious:\n{describe(others)}")
    assert not watch.problems(), "\n".join(watch.problems())
    assert not blocking, f"{screen} ({language}) {url}:\n{describe(blocking)}"
