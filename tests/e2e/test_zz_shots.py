import pytest
from .conftest import sign_in

@pytest.mark.parametrize("lang", ["fr", "nl"])
@pytest.mark.parametrize("width,height", [(390, 844)])
def test_shots(browser, base_url, make_user, database, lang, width, height):
    email = f"shots2.{lang}.{width}@perspective.example"
    make_user("staff", email, name="Shots Staff", language=lang)
    context = browser.new_context(locale="en-US", base_url=base_url, viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, email)
    req = database["requests"].find_one({"status": "under_review"})
    brf = database["briefings"].find_one({"status": "awarded"})
    prov = database["providers"].find_one({})
    pages = {"dash": "/admin/", "req-details": f"/admin/requests/details/?id={req['_id']}", "brf-details": f"/admin/briefings/details/?id={brf['_id']}",
             "prov-details": f"/admin/providers/details/?id={prov['_id']}", "lots": "/admin/lots/", "reports": "/admin/reports/"}
    for name, url in pages.items():
        page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        print("SHOT", lang, width, name, "scrollWidth", page.evaluate("document.documentElement.scrollWidth"))
        page.screenshot(path=f"/tmp/lang/shots/b-{lang}-{width}-{name}.png", full_page=True)
    context.close()
