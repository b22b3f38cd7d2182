"""The main menu, rendered once and kept, still follows the user's role, the language and the page."""
import re
from html import unescape


def _menu(page):
    """The main menu's entries as a person reads them, the current one marked with a star."""
    menu = page.split('<ul class="nav navbar-nav mr-auto">', 1)[1].split("</ul>\n", 1)[0]
    entries = []
    for item in re.findall(r"<li( class=\"[^\"]*\")?>\s*<a[^>]*>(.*?)</a>", menu, re.S):
        marked, text = item
        entries.append(("*" if "active" in marked else "") + " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()))
    return entries


def test_the_menu_follows_the_role_the_language_and_the_page(client_as):
    staff, admin, manager = client_as("staff"), client_as("admin"), client_as("manager")

    first = _menu(staff.get("/admin/requests/").get_data(as_text=True))
    # Same view, same language, other roles: the menu kept for staff is not theirs.
    for_admin = _menu(admin.get("/admin/requests/").get_data(as_text=True))
    for_manager = _menu(manager.get("/admin/requests/").get_data(as_text=True))
    again = _menu(staff.get("/admin/requests/").get_data(as_text=True))
    in_dutch = _menu(staff.get("/admin/requests/?lang=nl").get_data(as_text=True))
    on_lots = _menu(staff.get("/admin/lots/?lang=en").get_data(as_text=True))

    assert "*Requests" in first and "Lots" in first
    assert not any("Audit trail" in entry or "Users" in entry for entry in first)
    assert any("Audit trail" in entry for entry in for_admin)
    assert not any("Audit trail" in entry for entry in for_manager)
    assert again == first
    assert "*Aanvragen" in in_dutch and "Requests" not in " ".join(in_dutch)
    assert "*Lots" in on_lots and "Requests" in on_lots


def _labels(page):
    """The field labels of a details page, top to bottom."""
    table = page.split('<table class="table table-hover table-bordered searchable">', 1)[1].split("</table>", 1)[0]
    return [unescape(label) for label in re.findall(r"<b>(.*?)</b>", table)]


def test_details_labels_kept_per_language_follow_the_language_and_the_view(client, make):
    make.lot(code="L1")
    request = make.request()
    provider = make.provider()

    french = _labels(client.get(f"/admin/requests/details/?id={request['_id']}&lang=fr").get_data(as_text=True))
    dutch = _labels(client.get(f"/admin/requests/details/?id={request['_id']}&lang=nl").get_data(as_text=True))
    french_again = _labels(client.get(f"/admin/requests/details/?id={request['_id']}&lang=fr").get_data(as_text=True))
    of_provider = _labels(client.get(f"/admin/providers/details/?id={provider['_id']}&lang=fr").get_data(as_text=True))

    assert "Type d'organisation" in french and "Soort organisatie" in dutch
    assert "Type d'organisation" not in dutch and len(dutch) == len(french)
    assert french_again == french
    assert of_provider != french and "Numéro d'entreprise (BCE)" in of_provider


def _frame(page):
    """What the kept frame carries: the body's texts for the page's scripts, and the style sheets and scripts loaded."""
    body = re.search(r"<body ([^>]*)>", page).group(1)
    texts = {name: unescape(value) for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', body)}
    return texts, re.findall(r'<link href="([^"]+)" rel="stylesheet">', page), re.findall(r'<script src="([^"]+)"', page)


def test_the_frame_kept_per_view_follows_the_language_and_where_the_app_is_served(client):
    french, french_styles, french_scripts = _frame(client.get("/admin/requests/?lang=fr").get_data(as_text=True))
    dutch, _styles, _scripts = _frame(client.get("/admin/requests/?lang=nl").get_data(as_text=True))
    _texts, mounted_styles, mounted_scripts = _frame(
        client.get("/admin/requests/", environ_overrides={"SCRIPT_NAME": "/backoffice"}).get_data(as_text=True))
    again, again_styles, again_scripts = _frame(client.get("/admin/requests/?lang=fr").get_data(as_text=True))

    assert (french["remove-label"], dutch["remove-label"]) == ("Retirer", "Verwijderen")
    assert '"applyLabel": "Appliquer"' in french["date-picker"] and '"applyLabel": "Toepassen"' in dutch["date-picker"]
    # A range's ends, not a status history's "Statut précédent" / "Nieuwe status" (the same English words).
    assert '"fromLabel": "Du"' in french["date-picker"] and '"toLabel": "Au"' in french["date-picker"]
    assert '"fromLabel": "Van"' in dutch["date-picker"] and '"toLabel": "Tot"' in dutch["date-picker"]
    assert "caractères" in french["counter-template"] and "tekens" in dutch["counter-template"]
    assert french_scripts and all(url.startswith("/admin/static/") or url.startswith("/static/") for url in french_scripts)
    assert mounted_scripts and all(url.startswith("/backoffice/") for url in mounted_scripts + mounted_styles)
    assert (again, again_styles, again_scripts) == (french, french_styles, french_scripts)
