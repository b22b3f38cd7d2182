"""Size and flooding: bodies, e-mails, comments and report arguments are bounded before they are stored."""
import re
from html import unescape

import pytest

from backoffice import auth
from conftest import PASSWORD, csrf_token
from test_workflow_requests import details_page, post_action, stored

TOO_LARGE = "What was sent is too large; nothing was saved. Send less at a time."


def text(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


BOUNDARY = "----flood"


def multipart(fields, filename, content):
    """A multipart body as a browser sends it (built here: the test client would spool it to an unclosed file)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_a_two_megabyte_field_is_refused_before_it_is_read(anonymous, store):
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))
    entries = store.count("audit", {})

    response = anonymous.post("/login", data={"email": "x" * 2_000_000, "password": "p", "csrf_token": token})

    assert response.status_code == 413
    assert TOO_LARGE in text(response.get_data(as_text=True))
    assert store.count("audit", {}) == entries


def test_a_three_megabyte_upload_to_the_sign_in_is_refused(anonymous):
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))

    body = multipart({"email": "a@b.be", "password": "p", "csrf_token": token}, "big.bin", b"\0" * 3_000_000)

    response = anonymous.post("/login", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 413


def test_a_view_that_takes_files_has_its_own_larger_limit(app):
    received = {}

    def upload_file_view():
        from flask import request

        received["size"] = len(request.files["file"].read())
        return "kept"

    app.add_url_rule("/test-upload/", endpoint="test.upload_file_view", view_func=upload_file_view, methods=["POST"])
    anonymous = app.test_client()
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))

    body = multipart({"csrf_token": token}, "offer.pdf", b"%PDF" + b"\0" * 3_000_000)

    response = anonymous.post("/test-upload/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")

    assert response.status_code == 200
    assert received["size"] == 3_000_004


def test_an_e_mail_longer_than_254_characters_is_not_recorded(anonymous, store, make_user):
    make_user("staff")
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))
    entries = store.count("audit", {})

    response = anonymous.post("/login", data={"email": "a" * 250 + "@b.be", "password": PASSWORD, "csrf_token": token})

    assert "The e-mail address or the password is wrong." in text(response.get_data(as_text=True))
    assert store.count("audit", {}) == entries


def test_throttled_attempts_add_one_entry_to_the_audit_not_one_each(anonymous, store, make_user, monkeypatch):
    make_user("staff")
    moment = auth.now()
    monkeypatch.setattr(auth, "now", lambda: moment)  # every attempt within the same wait
    token = csrf_token(anonymous.get("/login").get_data(as_text=True))
    statuses = [
        anonymous.post("/login", data={"email": "staff@perspective.example", "password": f"wrong {n}", "csrf_token": token}).status_code
        for n in range(12)
    ]

    assert statuses.count(429) == 8
    throttled = len([entry for entry in store.find("audit", {"action": "sign_in_failed"})
                     if (entry.get("details") or {}).get("reason") == "throttled"])
    assert throttled == 1


def test_a_huge_status_comment_is_refused_by_its_limit(client, store, make):
    make.lot()
    request = make.request()
    before = stored(store, "requests", request)

    outcome = post_action(client, "requests", "move", request, to="withdrawn", comment="x" * 400_000)

    assert outcome.errors == ["Comment: At most 1000 characters."]
    after = stored(store, "requests", request)
    assert (after["status"], after.get("status_history")) == (before["status"], before.get("status_history"))


def test_report_downloads_keep_only_the_known_arguments_in_the_audit(client_as, store):
    manager = client_as("manager")

    manager.get("/admin/reports/by_lot.csv?from=2026-01-01&to=2026-12-31&junk=" + "j" * 5000 + "&year=2026x")

    [entry] = [entry for entry in store.find("audit", {"action": "export"}) if entry["details"].get("report") == "by_lot"]
    assert entry["details"]["args"] == {"from": "2026-01-01", "to": "2026-12-31", "year": "2026x"}
