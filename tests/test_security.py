"""Sign-in, roles and hardening: who may open which page, and what an attacker cannot do."""
import datetime as dt
import re
import time
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from markupsafe import escape

from backoffice import create_app
from backoffice.store import app as store_app
from conftest import PASSWORD, TEST_SECRET_KEY, REQUEST_FORM, cells, csrf_token

SNAPSHOT_COLLECTIONS = ("lots", "providers", "requests", "briefings", "users")
CSRF_MESSAGE = "This form has expired or did not come from this site; nothing was saved."
FORBIDDEN_MESSAGE = "You do not have the right to see this page or do this action."
WRONG_PASSWORD_MESSAGE = "The e-mail address or the password is wrong."
DATABASE_DOWN_MESSAGE = "The database cannot be reached right now. Please try again in a few minutes."


def snapshot(store):
    """Every document of the five business collections, in a stable order, for before/after comparisons."""
    return {
        name: sorted(store.find(name, {}), key=lambda doc: str(doc["_id"]))
        for name in SNAPSHOT_COLLECTIONS
    }


def without_session_versions(saved):
    """A snapshot without the users' session versions (which only sign-in and sign-out move)."""
    return dict(saved, users=[{key: value for key, value in doc.items() if key != "session_version"} for doc in saved["users"]])


def restore(store, saved):
    """Put the collections back as they were (after a write that was allowed to happen)."""
    with store.transaction():
        for name, docs in saved.items():
            store.delete_where(name, {})
            store.insert_many(name, [dict(doc) for doc in docs])


def english(client, signed_in=True):
    """Read the pages in English, so the checks do not depend on the French and Dutch catalogues."""
    client.get("/admin/?lang=en" if signed_in else "/login?lang=en")
    return client


def token_of(client, url="/admin/"):
    """A valid CSRF token for `client`, taken from a page it can see."""
    return csrf_token(client.get(url).get_data(as_text=True))


def is_login_redirect(response):
    location = response.headers.get("Location", "")
    return response.status_code == 302 and urlsplit(location).path == "/login" and "next=" in location


# Role matrix --------------------------------------------------------------

WRITE_FUNCS = {"create_view", "edit_view", "delete_view", "action_view", "ajax_update"}
# Pages a person opens and must see in full (status 200) when their role lets them read.
PAGES = {"index_view", "details_view", "export"}


def _expected(role, endpoint, method):
    """What `role` should get: "login", 403, a status, or "allowed" (any answer but a refusal)."""
    if endpoint == "root":
        return 302
    if endpoint == "healthz":
        return 200
    if endpoint == "auth.login":
        return 200
    if endpoint == "auth.logout":
        return "signed_out"
    if role == "anonymous":
        return "login"
    if endpoint == "admin.index":
        return 200
    view, func = endpoint.split(".")
    if view == "reports":
        return 200
    if view in ("users", "audit"):
        if role != "admin":
            return 403
        if view == "users" and (func in PAGES - {"export"} or (func == "edit_view" and method == "GET")):
            return 200
        if view == "audit" and func == "index_view":
            return 200
        return "allowed"
    # Imports write: managers are refused; only providers, requests and lots have them.
    if func in ("import_view", "import_confirm_view"):
        if role == "manager":
            return 403
        if view not in ("providers", "requests", "lots"):
            return 404
        return 200 if method == "GET" else "allowed"
    # Every POST to a collection view changes data (workflow actions too); so do the create and edit forms.
    if method == "POST" or func in WRITE_FUNCS:
        if role == "manager":
            return 403
        if method == "GET":
            return 200
        return "allowed"
    if func in PAGES:
        return 200
    return "allowed"


# Values for the variable parts of URLs: the CSV export and one report.
URL_ARGUMENTS = {"export_type": "csv", "report": "by_lot", "kind": "csv"}


def _request_for(rule, method, ids, token):
    """The URL and form of one request of the matrix, aimed at an existing record."""
    endpoint = rule.endpoint
    url = rule.rule
    for argument in sorted(rule.arguments):
        assert argument in URL_ARGUMENTS, f"{rule.rule}: say which value the matrix puts in <{argument}>"
        url = re.sub(rf"<(?:[a-z]+:)?{argument}>", URL_ARGUMENTS[argument], url)
    func = endpoint.split(".")[-1]
    view = endpoint.split(".")[0]
    record_id = ids.get(view)
    # Record pages and actions name their record in the URL, as their links do.
    if func not in ("index_view", "export", "create_view", "ajax_lookup", "ajax_update", "action_view", "delete_view", "download") and record_id:
        url += f"?id={record_id}"
    if func == "ajax_lookup":
        url += "?name=lots&query=L"
    data = {"csrf_token": token}
    if method == "POST":
        if func == "action_view":
            data.update(action="delete", rowid=record_id)
        elif func == "ajax_update":
            data.update(list_form_pk=record_id, status="closed")
        elif endpoint == "auth.login":
            data.update(email="nobody@perspective.example", password="not the password")
        elif record_id:
            data["id"] = record_id
    return url, data


def test_every_url_answers_each_role_as_its_rights_say(app, store, make, client_as, anonymous):
    lot = make.lot()
    provider = make.provider()
    request = make.request()
    briefing = make.briefing(request=request["reference"])
    clients = {
        "anonymous": english(anonymous, signed_in=False),
        "manager": english(client_as("manager")),
        "staff": english(client_as("staff")),
        "admin": english(client_as("admin")),
    }
    manager = store.find_one("users", {"role": "manager"})
    ids = {
        "requests": str(request["_id"]),
        "briefings": str(briefing["_id"]),
        "providers": str(provider["_id"]),
        "lots": str(lot["_id"]),
        "users": str(manager["_id"]),
        "audit": str(store.find_one("audit", {})["_id"]),
    }
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in ("static", "admin.static")]
    # Signing out last: it ends the session the other requests rely on.
    rules.sort(key=lambda rule: rule.endpoint == "auth.logout")
    checked, failures = 0, []

    for role, test_client in clients.items():
        token = token_of(test_client, "/login" if role == "anonymous" else "/admin/")
        for rule in rules:
            for method in sorted(rule.methods & {"GET", "POST"}):
                url, data = _request_for(rule, method, ids, token)
                before = snapshot(store)
                audit_before = list(store.find("audit", {}))
                if method == "GET":
                    response = test_client.get(url)
                else:
                    response = test_client.post(url, data=data)
                checked += 1
                expected = _expected(role, rule.endpoint, method)
                status = response.status_code
                where = f"{role} {method} {url}"

                if expected == "login":
                    ok = is_login_redirect(response)
                    if ok and method == "GET":
                        # After signing in, the person lands on the page they asked for.
                        ok = parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [url]
                elif expected == "signed_out":
                    ok = status == 302 and urlsplit(response.headers["Location"]).path == "/login"
                elif expected == "allowed":
                    ok = status not in (401, 403) and status < 500 and not is_login_redirect(response)
                else:
                    ok = status == expected
                if expected == 403 and ok:
                    ok = FORBIDDEN_MESSAGE in response.get_data(as_text=True)
                if not ok:
                    failures.append(f"{where}: expected {expected}, got {status} {response.headers.get('Location', '')}")

                # Refusals, reads, the audit trail, sign-in and the user views that are switched off write nothing.
                read_only = expected in ("login", 403) or method == "GET" or rule.endpoint.startswith(("audit.", "auth."))
                read_only = read_only or (rule.endpoint.startswith("users.") and rule.endpoint != "users.edit_view")
                if read_only:
                    # Signing out writes one thing: the user's session version, which ends every copy of the cookie.
                    if without_session_versions(snapshot(store)) != without_session_versions(before):
                        failures.append(f"{where}: the data changed although the request was refused or only read")
                    audit_after = list(store.find("audit", {}))
                    if any(entry not in audit_after for entry in audit_before):
                        failures.append(f"{where}: an audit entry was changed or removed")
                else:
                    restore(store, before)

    print(f"\nrole matrix: {len(rules)} rules x {len(clients)} roles -> {checked} requests")
    # At least the 59 rules of the admin, the sign-in and the health check, each for four roles.
    assert len(rules) >= 59
    assert checked == 4 * sum(len(rule.methods & {"GET", "POST"}) for rule in rules)
    assert not failures, "\n".join(failures)


def test_a_manager_sees_no_buttons_to_change_records(client_as, make):
    make.lot()
    manager = english(client_as("manager"))

    page = manager.get("/admin/lots/").get_data(as_text=True)

    assert cells(page, "code") == ["L1"]
    assert "/admin/lots/new/" not in page
    assert "/admin/lots/edit/" not in page
    assert "/admin/lots/delete/" not in page


def test_the_administration_menu_is_shown_to_admins_only(client_as):
    staff = english(client_as("staff"))
    admin = english(client_as("admin"))

    assert "/admin/users/" not in staff.get("/admin/").get_data(as_text=True)
    assert "/admin/audit/" not in staff.get("/admin/").get_data(as_text=True)
    assert "/admin/users/" in admin.get("/admin/").get_data(as_text=True)
    assert "/admin/audit/" in admin.get("/admin/").get_data(as_text=True)


# CSRF ---------------------------------------------------------------------



def _csrf_forms(request_id):
    return {
        "login": ("/login", {"email": "staff@perspective.example", "password": PASSWORD}),
        "create": ("/admin/requests/new/", REQUEST_FORM),
        "edit": (f"/admin/requests/edit/?id={request_id}", dict(REQUEST_FORM, project_title="Changed", version="1")),
        "delete": ("/admin/requests/delete/", {"id": request_id}),
        "bulk action": ("/admin/requests/action/", {"action": "delete", "rowid": request_id}),
        "sign-out": ("/logout", {}),
    }


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no token", "wrong token"])
@pytest.mark.parametrize("form", ["login", "create", "edit", "delete", "bulk action", "sign-out"])
def test_a_form_without_a_valid_token_writes_nothing_and_says_why(app, store, make, client_as, anonymous, form, token):
    make.lot()
    request = make.request()
    staff = english(client_as("staff"))
    # Signing in is tried by someone not signed in yet; the rest by a signed-in member of staff.
    test_client = english(anonymous, signed_in=False) if form == "login" else staff
    url, data = _csrf_forms(str(request["_id"]))[form]
    data = dict(data)
    if token:
        data["csrf_token"] = token
    before = snapshot(store)
    audit_before = store.count("audit", {})

    response = test_client.post(url, data=data)

    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert snapshot(store) == before
    assert store.count("audit", {}) == audit_before
    if form == "login":
        assert is_login_redirect(test_client.get("/admin/"))
    else:
        # The member of staff is still signed in (a forged sign-out does nothing).
        assert test_client.get("/admin/requests/").status_code == 200


# XSS ----------------------------------------------------------------------

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
DANGEROUS = ("<script>alert(1)</script>", "<img src=x onerror=", 'href="javascript:alert')


def assert_shown_escaped(page, payload):
    for raw in DANGEROUS:
        assert raw not in page
    # The text is there, for a person to read, only made harmless.
    assert str(escape(payload)) in page or payload in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_in_request_texts_is_shown_as_text(client, store, make, payload):
    make.lot()
    english(client)
    form = dict(
        REQUEST_FORM,
        **{
            "organisation-name": payload,
            "contact-name": payload,
            "project_title": payload,
            "description": payload,
            "notes": payload,
            "eligibility-reason": payload,
        },
    )

    created = client.form_post("/admin/requests/new/", form)

    assert created.status_code == 302
    stored = store.find_one("requests", {})
    assert stored["project_title"] == payload and stored["notes"] == payload
    # The flash after saving, and the list.
    assert_shown_escaped(client.get(created.headers["Location"]).get_data(as_text=True), payload)
    list_page = client.get("/admin/requests/").get_data(as_text=True)
    assert_shown_escaped(list_page, payload)
    assert cells(list_page, "project_title") == [payload]
    # The details page (with the history that repeats the values) and the edit form.
    details = client.get(f"/admin/requests/details/?id={stored['_id']}").get_data(as_text=True)
    assert_shown_escaped(details, payload)
    edit = client.get(f"/admin/requests/edit/?id={stored['_id']}").get_data(as_text=True)
    assert_shown_escaped(edit, payload)
    # A briefing form offers the request by its title.
    assert_shown_escaped(client.get("/admin/briefings/new/").get_data(as_text=True), payload)
    # A refused save shows the typed values again.
    refused = client.form_post(
        f"/admin/requests/edit/?id={stored['_id']}", dict(form, version="1", received_on="not a date")
    )
    assert refused.status_code == 200
    assert_shown_escaped(refused.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_in_provider_texts_is_shown_as_text(client, store, make, payload):
    make.lot()
    english(client)
    form = {
        "name": payload,
        "enterprise_number": "0123.456.749",
        "address-street": payload,
        "address-postcode": "1000",
        "address-city": payload,
        "website": "https://agora.example",
        "contact-name": payload,
        "contact-email": "lea@agora.example",
        "languages": ["fr"],
        "lots-0-lot": "L1",
        "lots-0-rank": "1",
        "status": "active",
        "notes": payload,
    }

    created = client.form_post("/admin/providers/new/", form)

    assert created.status_code == 302
    stored = store.find_one("providers", {})
    assert stored["name"] == payload and stored["address"]["city"] == payload
    assert_shown_escaped(client.get(created.headers["Location"]).get_data(as_text=True), payload)
    assert_shown_escaped(client.get("/admin/providers/").get_data(as_text=True), payload)
    assert_shown_escaped(client.get(f"/admin/providers/details/?id={stored['_id']}").get_data(as_text=True), payload)
    assert_shown_escaped(client.get(f"/admin/providers/edit/?id={stored['_id']}").get_data(as_text=True), payload)
    # The lot cannot be deleted while the provider refers to it: the message names the provider.
    lot = store.find_one("lots", {})
    refused = client.form_post("/admin/lots/delete/", {"id": str(lot["_id"])}, form_url="/admin/lots/")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted" in page
    assert_shown_escaped(page, payload)


def test_a_javascript_website_is_refused(client, store, make):
    make.lot()
    english(client)
    form = {
        "name": "Agora",
        "enterprise_number": "0123.456.749",
        "website": "javascript:alert(1)",
        "contact-name": "Léa",
        "contact-email": "lea@agora.example",
        "languages": ["fr"],
        "status": "active",
    }

    response = client.form_post("/admin/providers/new/", form)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not a valid web address (it starts with https://)." in page
    assert 'href="javascript:alert' not in page
    assert store.count("providers", {}) == 0


# Two editors --------------------------------------------------------------


def _version_on(page):
    return _hidden_value(page, "version")


def test_the_second_of_two_editors_is_told_and_the_first_save_stays(client_as, store, make):
    make.lot()
    request = make.request(project_title="Original")
    url = f"/admin/requests/edit/?id={request['_id']}"
    first = english(client_as("staff", "first@perspective.example"))
    second = english(client_as("staff", "second@perspective.example"))
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)
    assert _version_on(first_page) == _version_on(second_page) == "1"

    saved = first.post(url, data=dict(REQUEST_FORM, project_title="First editor", version="1", csrf_token=csrf_token(first_page)))
    refused = second.post(url, data=dict(REQUEST_FORM, project_title="Second editor", version="1", csrf_token=csrf_token(second_page)))

    assert saved.status_code == 302
    page = refused.get_data(as_text=True)
    assert "Someone else changed this record" in page
    reload_link = re.search(r'<a href="([^"]+)">Reload the current version</a>', page)
    assert reload_link and unescape(reload_link.group(1)) == url
    stored = store.find_one("requests", {"_id": request["_id"]})
    assert stored["project_title"] == "First editor"
    assert stored["version"] == 2
    assert stored["updated_by"] == "first@perspective.example"
    # Following the link shows the first editor's text, at the new version.
    reloaded = second.get(unescape(reload_link.group(1))).get_data(as_text=True)
    assert "First editor" in reloaded and _version_on(reloaded) == "2"


# Database down ------------------------------------------------------------


@pytest.fixture
def unreachable_app():
    """An app whose MongoDB does not answer (nothing listens on port 9)."""
    app = create_app(
        {
            "TESTING": True,
            "STORE_ENGINE": "mongodb",
            "MONGO_URI": "mongodb://127.0.0.1:9/backoffice",
            "MONGO_TIMEOUT_MS": 500,
            "CREATE_INDEXES": False,
            "SECRET_KEY": TEST_SECRET_KEY,
        }
    )
    yield app
    store_app.close(app)


def test_health_check_says_unavailable_quickly(unreachable_app):
    started = time.monotonic()
    response = unreachable_app.test_client().get("/healthz")

    assert response.status_code == 503
    assert time.monotonic() - started < 4


def test_sign_in_without_database_shows_a_plain_error_page_quickly(unreachable_app):
    test_client = unreachable_app.test_client()
    login_page = test_client.get("/login?lang=en")
    assert login_page.status_code == 200
    assert 'name="password"' in login_page.get_data(as_text=True)

    started = time.monotonic()
    response = test_client.post(
        "/login",
        data={"email": "staff@perspective.example", "password": PASSWORD, "csrf_token": csrf_token(login_page.get_data(as_text=True))},
    )

    assert time.monotonic() - started < 4
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert DATABASE_DOWN_MESSAGE in body
    for internal in ("127.0.0.1", "Traceback", "ServerSelectionTimeoutError", "pymongo"):
        assert internal not in body


# Sign-in (throttling: tests/test_throttling.py) ----------------------------


def _sign_in(test_client, email, password, **kwargs):
    return test_client.form_post("/login", {"email": email, "password": password}, **kwargs)


# Session ------------------------------------------------------------------


def test_the_session_cookie_is_http_only_and_same_site_lax(anonymous, make_user):
    user = make_user("staff")

    response = _sign_in(anonymous, user["email"], PASSWORD)

    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in the tests; Secure over https (below)


def test_the_session_cookie_is_secure_over_https(app, make_user):
    user = make_user("staff")
    test_client = app.test_client()
    page = test_client.get("/login", base_url="https://localhost")
    response = test_client.post(
        "/login",
        data={"email": user["email"], "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))},
        base_url="https://localhost",
        # Over HTTPS the CSRF check also wants the page the form came from, as browsers send it.
        headers={"Referer": "https://localhost/login"},
    )

    assert response.status_code == 302

    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Secure" in cookie


def test_sign_in_renews_the_session(anonymous, make_user):
    user = make_user("staff")
    anonymous.get("/login")
    with anonymous.session_transaction() as session:
        session["planted"] = "x"

    assert _sign_in(anonymous, user["email"], PASSWORD).status_code == 302

    with anonymous.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent


def test_sessions_expire(app):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    lifetime = lifetime if isinstance(lifetime, dt.timedelta) else dt.timedelta(seconds=lifetime)

    assert dt.timedelta(0) < lifetime <= dt.timedelta(hours=12)


def test_the_cookie_after_sign_in_has_an_expiry(anonymous, make_user):
    user = make_user("staff")

    response = _sign_in(anonymous, user["email"], PASSWORD)

    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Expires=" in cookie


def test_sign_out_is_a_post_and_ends_access(client):
    english(client)

    refused = client.get("/logout")
    assert refused.status_code == 405
    assert "This action is not possible here." in refused.get_data(as_text=True)
    assert client.get("/admin/requests/").status_code == 200

    response = client.form_post("/logout", {}, form_url="/admin/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "You are signed out." in client.get("/login").get_data(as_text=True)
    assert is_login_redirect(client.get("/admin/requests/"))


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, store):
    assert client.get("/admin/requests/").status_code == 200

    store.update("users", store.find_one("users", {"email": "staff@perspective.example"})["_id"], {"active": False})

    assert is_login_redirect(client.get("/admin/requests/"))


def test_a_role_taken_away_applies_at_the_next_request(client_as, store):
    admin = client_as("admin")
    assert admin.get("/admin/users/").status_code == 200

    store.update("users", store.find_one("users", {"email": "admin@perspective.example"})["_id"], {"role": "manager"})

    assert admin.get("/admin/users/").status_code == 403


# Open redirect ------------------------------------------------------------


def _hidden_value(page, name):
    """The value a hidden field of the page will send back."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"the page has no {name} field"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "  //evil.example"],
)
def test_sign_in_never_leads_to_another_site(anonymous, make_user, target):
    user = make_user("staff")
    page = anonymous.get(f"/login?next={quote(target, safe='')}").get_data(as_text=True)
    carried = _hidden_value(page, "next")

    response = anonymous.post(
        "/login",
        data={"email": user["email"], "password": PASSWORD, "next": carried, "csrf_token": csrf_token(page)},
    )

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/admin/"


def test_sign_in_goes_back_to_the_page_asked_for(anonymous, make_user):
    user = make_user("staff")
    asked = anonymous.get("/admin/lots/")
    assert is_login_redirect(asked)
    login_url = asked.headers["Location"]
    page = anonymous.get(login_url).get_data(as_text=True)
    assert 'value="/admin/lots/"' in page

    response = anonymous.post(
        "/login",
        data={"email": user["email"], "password": PASSWORD, "next": "/admin/lots/", "csrf_token": csrf_token(page)},
    )

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/lots/"
    assert anonymous.get(response.headers["Location"]).status_code == 200


# Headers ------------------------------------------------------------------


def _directive(policy, name):
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return None


def test_pages_carry_a_strict_content_security_policy(client, make):
    make.lot()

    response = client.get("/admin/lots/")

    policy = response.headers["Content-Security-Policy"]
    script_src = _directive(policy, "script-src")
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src and "*" not in script_src
    nonces = [word[len("'nonce-"):-1] for word in script_src if word.startswith("'nonce-")]
    assert len(nonces) == 1
    page = response.get_data(as_text=True)
    tags = re.findall(r"<script\b[^>]*>", page)
    assert any(f'nonce="{nonces[0]}"' in tag for tag in tags), "the page's scripts carry the nonce"
    for tag in tags:
        # An inline script runs only with this answer's nonce; no script carries another one.
        if "src=" not in tag or "nonce=" in tag:
            assert f'nonce="{nonces[0]}"' in tag, tag
    assert _directive(policy, "frame-ancestors") == ["'none'"]
    assert _directive(policy, "object-src") == ["'none'"]
    # Styles too: no inline style runs but a <style> with this answer's nonce (tests/e2e/test_csp.py renders the pages).
    assert _directive(policy, "style-src") == ["'self'", f"'nonce-{nonces[0]}'"]
    # A new nonce for every answer.
    again = client.get("/admin/lots/").headers["Content-Security-Policy"]
    assert again != policy


@pytest.mark.parametrize("url", ["/login", "/admin/", "/admin/requests/", "/healthz", "/nowhere"])
def test_every_answer_forbids_framing_sniffing_and_caching(client, url):
    response = client.get(url)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer", "strict-origin")
    assert "no-store" in response.headers["Cache-Control"]
    assert "Content-Security-Policy" in response.headers
    assert "Strict-Transport-Security" not in response.headers


def test_https_answers_ask_browsers_to_stay_on_https(anonymous):
    response = anonymous.get("/login", base_url="https://localhost")

    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600


def test_error_pages_show_no_internals(client, monkeypatch):
    from backoffice.views import base

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail at db.internal.example:27017")

    monkeypatch.setattr(base.CollectionView, "get_list", broken)
    english(client)

    response = client.get("/admin/requests/")

    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "secret internal detail" not in body and "Traceback" not in body and "db.internal.example" not in body


# No query operators from input --------------------------------------------


def test_search_and_filters_take_operators_as_plain_text(client, make):
    make.lot()
    make.request(project_title="Alpha", status="under_review")
    make.request(project_title="Bravo")
    everything = cells(client.get("/admin/requests/").get_data(as_text=True), "project_title")
    assert sorted(everything) == ["Alpha", "Bravo"]

    for query in (
        "search=%7B%22%24ne%22%3Anull%7D",
        "search=%7B%22%24where%22%3A%22sleep(100)%22%7D",
        "search=%7B%22%24regex%22%3A%22.%22%7D",
    ):
        response = client.get(f"/admin/requests/?{query}")
        assert response.status_code == 200, query
        assert cells(response.get_data(as_text=True), "project_title") == [], query

    narrowed = cells(client.get("/admin/requests/?flt0_0=under_review").get_data(as_text=True), "project_title")
    assert narrowed == ["Alpha"]
    for query in (
        "search[$ne]=x",
        "flt0_0[$ne]=x",
        "flt0_0=%7B%22%24ne%22%3Anull%7D",
        "flt0_0=under_review&flt1_0[$ne]=x",
        "flt0_0=under_review&flt1_0=%7B%22%24ne%22%3A%22x%22%7D",
        "flt0_2=%7B%22%24ne%22%3A%22L9%22%7D",
        "flt0_5=%7B%22%24gt%22%3A%22%22%7D",
    ):
        # An argument no list reads (search[$ne]) is dropped by a redirect to the list's clean URL.
        response = client.get(f"/admin/requests/?{query}", follow_redirects=True)
        assert response.status_code == 200, query
        rows = cells(response.get_data(as_text=True), "project_title")
        assert set(rows) <= set(everything), query
        if "under_review" in query:
            assert rows == ["Alpha"], query
