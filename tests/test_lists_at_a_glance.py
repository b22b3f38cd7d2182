"""Lists read at a glance and details pages that keep what was typed.

Lot codes with their title on hover, statuses as badges with their text, assignees by
name; the CSV export in the list's order; on details pages, multi-line texts keep their
lines, the current status heads the next steps, and Flask-Admin's unexplained "Filter"
box is gone.
"""
import csv
import io
import re
from html import unescape

import pytest

from conftest import cells


def _cell_html(html, column):
    return re.findall(rf'<td class="col-{re.escape(column)}"[^>]*>(.*?)</td>', html, re.S)


@pytest.fixture
def listed(make, make_user):
    make.lot()
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen")
    make_user("staff", "jan.peeters@perspective.example", name="Jan Peeters")
    return make.request(lots=["L1", "L2"], assigned_to="jan.peeters@perspective.example", status="under_review")


def test_a_request_row_shows_lot_codes_a_status_badge_and_the_assignee_by_name(client, listed):
    html = client.get("/admin/requests/?lang=fr").get_data(as_text=True)

    lots = _cell_html(html, "lots")[0]
    assert re.sub(r"<[^>]+>", "", lots).strip() == "L1, L2"
    assert '<abbr title="L2 — Conception de processus participatifs">L2</abbr>' in lots
    assert cells(html, "status") == ["En cours d'examen"]
    assert 'class="badge status-badge status-under_review"' in _cell_html(html, "status")[0]
    assert cells(html, "assigned_to") == ["Jan Peeters"]
    assert 'title="jan.peeters@perspective.example"' in _cell_html(html, "assigned_to")[0]


@pytest.mark.parametrize("lang, expected", [("fr", "L1\u00a0(rang 2), L2\u00a0(rang 1)"),
                                            ("nl", "L1\u00a0(rang 2), L2\u00a0(rang 1)"),
                                            ("en", "L1\u00a0(rank 2), L2\u00a0(rank 1)")])
def test_a_provider_row_shows_its_lots_by_code_and_rank_on_one_line(client, make, lang, expected):
    make.lot()
    make.lot(code="L2", name_fr="Conception de processus participatifs", name_nl="Ontwerp van participatieprocessen")
    make.provider(lots=[{"lot": "L1", "rank": 2}, {"lot": "L2", "rank": 1}])

    html = client.get(f"/admin/providers/?lang={lang}").get_data(as_text=True)

    lots = _cell_html(html, "lots")[0]
    assert unescape(re.sub(r"<[^>]+>", "", lots)).strip() == expected
    assert "<table" not in lots
    title = {"nl": "L2 — Ontwerp van participatieprocessen"}.get(lang, "L2 — Conception de processus participatifs")
    assert f'<abbr title="{title}">L2</abbr>' in unescape(lots)


def test_a_long_cell_carries_its_whole_text_on_hover(client, make):
    make.lot()
    title = "Réaménagement participatif du parc communal et de ses abords, avec les écoles et les riverains"
    make.request(project_title=title)

    html = client.get("/admin/requests/").get_data(as_text=True)

    assert re.search(rf'<td class="col-project_title" title="{re.escape(title)}">', unescape(html))


def test_the_details_page_keeps_line_breaks_shows_the_status_and_no_filter_box(client, make):
    make.lot()
    request = make.request(description="Première ligne\nDeuxième ligne\n\nAprès un blanc")

    html = client.get(f"/admin/requests/details/?id={request['_id']}&lang=fr").get_data(as_text=True)

    assert '<div class="keep-lines">Première ligne\nDeuxième ligne\n\nAprès un blanc</div>' in unescape(html)
    assert 'id="fa_filter"' not in html and "details_filter.js" not in html
    panel = html[html.index('id="workflow-title"'):]
    assert re.search(r"Statut actuel\u00a0: <span class=\"badge status-badge status-received\">Reçue</span>", panel)


def _csv_column(response, header):
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff")), delimiter=";"))
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize("desc", ["", "&desc=1"])
def test_the_export_follows_the_lists_sort(client, make, desc):
    make.lot()
    for name in ("Bravo asbl", "alpha vzw", "Charlie", "Delta"):
        make.request(organisation={"name": name, "type": "private_organisation"})
    page = client.get("/admin/requests/?lang=en").get_data(as_text=True)
    sort = re.search(r'href="/admin/requests/\?sort=(\d+)[^"]*" title="Sort by Organisation"', page).group(1)

    listed = client.get(f"/admin/requests/?sort={sort}{desc}").get_data(as_text=True)
    exported = client.get(f"/admin/requests/export/csv/?sort={sort}{desc}")

    assert _csv_column(exported, "Reference") == cells(listed, "reference")
    names = cells(listed, "organisation.name")
    assert names == sorted(names, key=str.casefold, reverse=bool(desc)) or names == sorted(names, reverse=bool(desc))
    assert names != sorted(names, reverse=not desc), "the two orders differ, so the test tells them apart"
