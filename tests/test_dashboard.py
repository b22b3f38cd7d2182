"""The home page: the pipeline at a glance, checked against the demo data counted independently."""
import datetime as dt
import json
import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from backoffice import seeding
from backoffice.store.app import get_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_file(name):
    return json.loads((SEEDS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def seeded(app, store):
    report = seeding.seed(get_store(app), app.config["SEEDS_DIR"])
    assert not report.errors
    return store


def table_after(html, title):
    """The rows (label, number) of the 'numbers' table that follows a chart title."""
    start = html.index(f">{title}</h2>")
    table = html[html.index("<tbody>", start): html.index("</tbody>", start)]
    rows = re.findall(r"<tr><td>(.*?)</td><td[^>]*>(\d+)</td></tr>", table, re.S)
    return {" ".join(unescape(re.sub(r"<[^>]+>", " ", label)).split()): int(count) for label, count in rows}


@pytest.mark.parametrize("engine", ["mongomock"], indirect=True)
def test_requests_by_status_and_lot_match_the_demo_data(client, seeded):
    page = client.get("/admin/?lang=en").get_data(as_text=True)

    statuses = Counter(item["status"] for item in seed_file("requests"))
    by_status = table_after(page, "Requests by status")
    assert by_status["Received"] == statuses["received"]
    assert by_status["Under review"] == statuses["under_review"]
    assert by_status["Closed"] == statuses["closed"]
    assert sum(by_status.values()) == len(seed_file("requests"))

    lots = Counter(code for item in seed_file("requests") for code in item.get("lots", []))
    by_lot = table_after(page, "Requests by lot")
    names = {lot["code"]: lot["name_nl"] for lot in seed_file("lots")}  # English shows the Dutch title
    assert {label.split(" — ")[0]: count for label, count in by_lot.items()} == {code: lots[code] for code in names}


@pytest.mark.parametrize("engine", ["mongomock"], indirect=True)
def test_requests_by_municipality_use_the_interface_language(client, seeded):
    page = client.get("/admin/?lang=fr").get_data(as_text=True)
    title = re.search(r'id="by-municipality-title">(.*?)</h2>', page).group(1)

    by_municipality = table_after(page, title)

    expected = Counter(item["municipality"] for item in seed_file("requests"))
    assert by_municipality["Ixelles"] == expected["21009"]
    assert by_municipality["Bruxelles"] == expected["21004"]
    assert sum(by_municipality.values()) == len(seed_file("requests"))


@pytest.mark.parametrize("engine", ["mongomock"], indirect=True)
def test_each_number_links_to_the_filtered_list(client, seeded):
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Under review</a>', page).group(1)

    listed = client.get(unescape(link)).get_data(as_text=True)

    expected = sum(1 for item in seed_file("requests") if item["status"] == "under_review")
    assert f"({expected})" in listed


def test_items_needing_attention(client, make):
    make.lot()
    make.provider()
    long_ago = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    recent = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    slow = make.request(project_title="Slow review", status="under_review", received_on=long_ago)
    make.request(project_title="Fresh review", status="under_review", received_on=recent)
    overdue = make.briefing(request=slow["reference"], status="offers_received", offer_deadline="2026-01-10T12:00",
                            invitations=[{"provider": "0123456749", "lot": "L1", "sent_on": "2026-01-02", "response": "offer", "offer_amount": "100"}])
    silent = make.briefing(request=slow["reference"], status="sent", offer_deadline="2099-01-10T12:00",
                           invitations=[{"provider": "0123456749", "lot": "L1", "sent_on": "2026-01-02"}])

    page = client.get("/admin/?lang=en").get_data(as_text=True)

    def listed(title):
        start = page.index(title)
        return page[start: page.index("</ul>", start)]

    assert overdue["reference"] in listed("Offer deadline passed, not awarded (1)")
    assert "Slow review" in listed("Under review for more than 30 days (1)")
    assert "Fresh review" not in listed("Under review for more than 30 days")
    assert silent["reference"] in listed("Sent, no response yet (1)")


def test_the_dashboard_needs_a_sign_in(anonymous):
    response = anonymous.get("/admin/")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
