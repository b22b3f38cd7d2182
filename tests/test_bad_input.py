"""Bad input from the address bar or a hand-made form: a 4xx page in the user's language, never a 500.

Each case below gave a 500 (or leaked an exception's text) before; the hypothesis test
feeds generated query strings to every page of the admin a GET reaches.
"""
import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD, csrf_token

INTERNALS = ("Traceback", "NoneType", "Error:", "object has no attribute", "pymongo", "sqlite")
NOT_FOUND = {"en": "This page does not exist.", "fr": "Cette page n'existe pas.", "nl": "Deze pagina bestaat niet."}


def text(html):
    """What a person reads on a page."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def assert_no_internals(response):
    if not response.mimetype.startswith("text/"):
        return  # a workbook or a PDF: no page to read
    body = response.get_data(as_text=True)
    for internal in INTERNALS:
        assert internal not in body, f"{internal!r} shown to the user"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/requests/?page=99999999999999999999999",
        "/admin/briefings/?page=-3",
        "/admin/audit/?page=-5&page_size=-5",
        "/admin/audit/?page=99999999999999999999999",
        "/admin/reports/?year=0",
        "/admin/reports/?year=-5",
        "/admin/reports/?year=9999",
        "/admin/reports/?year=99999",
        "/admin/reports/?from=0001-01-01&to=9999-12-31",
        "/admin/reports/providers.csv?year=9999",
        "/admin/reports/by_lot.csv?from=0001-01-01&to=9999-12-31",
        "/admin/requests/?endpoint=x",
        "/admin/requests/export/csv/?export_type=x&page=-1",
        "/admin/reports/?endpoint=x&report=y",
        "/login?endpoint=x",
    ],
)
def test_bad_url_arguments_give_a_page_not_a_500(client_as, make, url):
    make.lot()
    make.request()
    client = client_as("admin")

    # A download with a wrong argument leads back to the reports page, which names the field.
    response = client.get(url, follow_redirects=True)

    assert response.status_code == 200
    assert_no_internals(response)


def test_url_arguments_never_reach_url_for_as_its_options(client_as):
    """`?_external=1&_scheme=javascript` once turned the language links into javascript: links."""
    client = client_as("admin")

    response = client.get("/admin/requests/?_external=1&_scheme=javascript&_anchor=x", follow_redirects=True)
    html = response.get_data(as_text=True)

    # The list's URL without the arguments no list reads.
    assert response.request.path == "/admin/requests/" and not response.request.args

    assert "javascript://" not in html and "http://localhost" not in html
    links = re.findall(r'hreflang="nl"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*hreflang="nl"', html)
    assert links
    href = unescape(next(filter(None, links[0])))
    assert href.startswith("/admin/requests/?") and "lang=nl" in href


@pytest.mark.parametrize("page", ["details", "edit"])
@pytest.mark.parametrize("record_id", ["507f1f77bcf86cd799439011", "zzz", ""])
@pytest.mark.parametrize("language", ["fr", "nl"])
def test_an_unknown_record_is_a_404_page_in_the_users_language(client, page, record_id, language):
    client.get(f"/admin/?lang={language}")

    response = client.get(f"/admin/requests/{page}/?id={record_id}")

    assert response.status_code == 404
    assert NOT_FOUND[language] in text(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "body",
    [{"email": 5, "password": None}, [1, 2], "text", {"email": ["a"], "password": {"a": 1}}],
)
def test_a_json_body_to_the_sign_in_signs_nobody_in(anonymous, make_user, body):
    make_user("staff")
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))
    if isinstance(body, dict):
        body = dict(body, csrf_token=token)

    response = anonymous.post("/login", json=body, headers={"X-CSRFToken": token})

    assert response.status_code in (200, 400)
    assert_no_internals(response)
    assert anonymous.get("/admin/").status_code == 302


def test_a_bulk_delete_of_an_unknown_id_says_so_plainly(client, make, store):
    lot = make.lot()
    token = csrf_token(client.get("/admin/lots/").get_data(as_text=True))

    response = client.post(
        "/admin/lots/action/",
        data={"action": "delete", "rowid": ["zzz", str(lot["_id"])], "csrf_token": token},
        follow_redirects=True,
    )

    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "This record does not exist (any more)." in page
    assert "NoneType" not in page
    # The real record in the same selection is still deleted.
    assert store.count("lots", {}) == 0


def test_a_score_that_is_no_number_is_refused_by_name(client, make, store):
    make.lot()
    make.provider()
    request = make.request(status="briefing")
    briefing = make.briefing(
        request=request["reference"], status="sent", objectives="Associer les riverains.",
        target_audiences="Riverains", deliverables="Un rapport.", award_route="mini_competition",
        award_criteria=[{"name": "Prix", "weight": 40}, {"name": "Méthodologie", "weight": 60}],
        offer_deadline="2099-01-01T12:00",
        invitations=[{"provider": "0123456749", "lot": "L1", "sent_on": "2026-11-03", "response": "pending"}],
    )
    page = client.get(f"/admin/briefings/details/?id={briefing['_id']}").get_data(as_text=True)

    response = client.post(
        "/admin/briefings/respond/",
        data={"id": str(briefing["_id"]), "version": str(briefing["version"]), "csrf_token": csrf_token(page),
              "index": "0", "response": "offer", "offer_amount": "18000", "score-0": "abc", "score-1": "91"},
        follow_redirects=True,
    )

    assert response.status_code == 200
    shown = text(response.get_data(as_text=True))
    assert "Score out of 100" in shown
    assert store.find_one("briefings", {"_id": briefing["_id"]})["invitations"][0]["response"] == "pending"


# Generated query strings -------------------------------------------------------------------

def get_urls(app):
    """Every page of the admin a GET reaches: lists, forms, details, exports, reports, the outbox, files, print and PDF."""
    from backoffice.views.reports import REPORTS

    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/admin/") or rule.endpoint == "admin.static":
            continue
        if not rule.arguments:
            urls.append(rule.rule)
        elif rule.arguments == {"export_type"}:
            urls.append(rule.rule.replace("<export_type>", "csv"))
        elif rule.arguments == {"report", "kind"}:
            urls += [f"/admin/reports/{name}.{kind}" for name in REPORTS for kind in ("csv", "xlsx")]
    return sorted(urls)


KNOWN_KEYS = [
    "page", "page_size", "sort", "desc", "search", "flt0_0", "flt1_3", "flt2_12", "flt0_99", "from", "to", "year",
    "sep", "lang", "id", "url", "endpoint", "export_type", "report", "_external", "_scheme", "_anchor", "_method",
]
NUMBERS = st.one_of(st.integers(min_value=-(10**25), max_value=10**25).map(str), st.sampled_from(["0", "-0", "1e9", "nan", "٣"]))
DATES = st.one_of(st.dates().map(str), st.sampled_from(["0000-00-00", "2026-02-30", "9999-12-31", "0001-01-01", "2026-13-01"]))
# Pages echo the query string in their links, so generated text must not spell a marker itself.
def plain_text(**size):
    """Generated text that contains none of the INTERNALS markers (in any case)."""
    return st.text(**size).filter(lambda value: not any(word.lower() in value.lower() for word in INTERNALS))


VALUES = st.one_of(NUMBERS, DATES, plain_text(max_size=30))


@pytest.fixture
def admin_client(client_as, make):
    make.lot()
    record = make.request()
    client = client_as("admin")
    client.urls = get_urls(client.application)
    client.record_id = str(record["_id"])
    return client


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_query_strings_never_give_a_500(admin_client, data):
    url = data.draw(st.sampled_from(admin_client.urls), label="url")
    # Sometimes the id of a real record, so that the pages behind it are reached too.
    query = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from(KNOWN_KEYS), plain_text(min_size=1, max_size=8)),
                                         st.one_of(VALUES, st.just(admin_client.record_id))), max_size=6), label="query")
    # Closed as a WSGI server closes it: a workbook or a file is streamed from a temporary file.
    with admin_client.get(url, query_string=query) as response:
        assert response.status_code < 500, (url, query)
        assert_no_internals(response)


@pytest.mark.parametrize(("asked", "shown"), [
    ("?page=-3&search=jeunes", "?page=0&search=jeunes"),
    ("?page=99999999999999999999999", "?page=1000000"),
    ("?page=abc&flt0_0=x", "?page=0&flt0_0=x"),
    ("?endpoint=x&sort=1&_external=1", "?sort=1"),
])
def test_a_list_url_is_cleaned_into_the_page_it_shows(client, asked, shown):
    response = client.get(f"/admin/requests/{asked}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/requests/{shown}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_clean_list_url_is_served_as_it_is(client):
    assert client.get("/admin/requests/?page=0&search=jeunes&lang=fr").status_code == 200


@pytest.mark.parametrize("url", [
    "/admin/audit/details/?url=%0A",
    "/admin/requests/details/?url=%0D%0ASet-Cookie:x=1",
    "/admin/briefings/edit/?id=zzz&url=%09",
])
def test_a_return_address_with_a_line_break_is_a_400_page_not_a_500(client_as, url):
    """Found by the generated query strings: `?url=%0A` became a redirect's Location header."""
    response = client_as("admin").get(url)

    assert response.status_code == 400
    assert "Set-Cookie" not in str(response.headers.get("Location", ""))
    assert_no_internals(response)


def test_a_posted_return_address_with_a_line_break_is_refused_before_anything_is_done(client, make):
    lot = make.lot()
    response = client.form_post("/admin/lots/delete/", {"id": str(lot["_id"]), "url": "/admin/lots/\r\nX: y"},
                                form_url="/admin/lots/")

    assert response.status_code == 400
    assert client.application.extensions["backoffice_store"].get("lots", lot["_id"]) is not None
