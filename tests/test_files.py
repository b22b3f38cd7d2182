"""Files on record: uploads checked by their content, listed, downloaded as attachments, audited, backed up."""
import io
import os
import re
import uuid
from html import unescape

import openpyxl
import pytest

from backoffice import create_app, files
from backoffice.store import app as store_app
from backoffice.store.app import get_store
from conftest import TEST_SECRET_KEY, csrf_token

AGORA = "0123456749"
FILE_ACTIONS = ["file_upload", "file_download", "file_delete"]
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(50_000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2_000)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + os.urandom(4_000)


def xlsx():
    book = openpyxl.Workbook()
    book.active.append(["Poste", "Montant"])
    book.active.append(["Animation", 1200])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@pytest.fixture
def records(make):
    make.lot()
    make.provider()
    request = make.request()
    briefing = make.briefing(request=request["reference"], invitations=[{"provider": AGORA, "lot": "L1"}])
    return {"requests": request, "briefings": briefing}


def details(client, view, doc):
    return client.get(f"/admin/{view}/details/?id={doc['_id']}").get_data(as_text=True)


def upload(client, view, doc, name, content, **fields):
    """Post a file as the details page's form does; return the page the browser lands on."""
    token = csrf_token(details(client, view, doc))
    data = {"id": str(doc["_id"]), "csrf_token": token, "file": (io.BytesIO(content), name), **fields}
    return client.post(f"/admin/{view}/files/upload/", data=data, content_type="multipart/form-data", follow_redirects=True)


def listed(html):
    """The files a details page lists: (name, size, who) per row."""
    start = html.find('id="files-title"')
    table = html[start: html.find("</table>", start)] if "<table" in html[start: html.find("</section>", start)] else ""
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[-1], re.S) if table else []
    return [tuple(" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S))[:4]
            for row in rows]


def stored_nothing(store, app):
    assert store.count(files.COLLECTION, {}) == 0
    assert store.count("blobs.files", {}) == 0
    folder = files.folder(app)
    assert not folder.exists() or not any(path.is_file() for path in folder.rglob("*"))


@pytest.mark.parametrize("view", ["requests", "briefings"])
def test_staff_files_a_document_and_every_role_downloads_it_as_an_attachment(app, client, client_as, store, records, view):
    doc = records[view]

    page = upload(client, view, doc, "../../Offre signée (v2).PDF", PDF).get_data(as_text=True)

    assert "Offre_signee_v2.pdf was added." in unescape(page)
    [(name, *rest)] = listed(page)
    assert name == "Offre_signee_v2.pdf"
    assert "49 kB" in rest or "50 kB" in rest
    assert "staff@perspective.example" in rest
    manager = client_as("manager", "manager@centrale.example")
    link = re.search(r'href="([^"]*/files/download/[^"]*)"', details(manager, view, doc)).group(1).replace("&amp;", "&")
    response = manager.get(link)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=Offre_signee_v2.pdf"
    assert response.mimetype == "application/pdf"
    actions = [(entry["action"], entry["actor"]) for entry in store.find("audit", {"action": {"$in": FILE_ACTIONS}})]
    assert actions == [("file_upload", "staff@perspective.example"), ("file_download", "manager@centrale.example")]
    history = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", details(manager, view, doc))))
    assert "manager@centrale.example File downloaded Offre_signee_v2.pdf" in history
    assert "staff@perspective.example File added Offre_signee_v2.pdf" in history


def test_a_file_is_filed_under_an_invitation_of_the_briefing(client, store, records):
    page = upload(client, "briefings", records["briefings"], "offre.xlsx", xlsx(), invitation=f"{AGORA}|L1").get_data(as_text=True)

    [entry] = store.find(files.COLLECTION, {})
    assert entry["invitation"] == {"provider": AGORA, "lot": "L1"}
    assert entry["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "Agora Participation scrl — L1" in unescape(page)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("offre.pdf", EXECUTABLE, "offre.pdf was not added: its content is not a PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG file, whatever its name says."),
    ("gros.pdf", PDF[:9] + b"0" * (21 * 1024 * 1024), "gros.pdf is larger than 20 MB: nothing was added."),
    ("juste-trop.pdf", PDF[:9] + b"0" * (20 * 1024 * 1024 - 8), "juste-trop.pdf is larger than 20 MB: nothing was added."),
    ("vide.pdf", b"", "vide.pdf is empty: nothing was added."),
], ids=["renamed-executable", "21-MB", "20-MB-and-a-byte", "empty"])
def test_a_refused_file_says_why_and_stores_nothing(app, client, store, records, name, content, message):
    page = upload(client, "requests", records["requests"], name, content).get_data(as_text=True)

    if name == "gros.pdf":  # refused on the announced length, before the file is read
        message = "The file is larger than 20 MB: nothing was added."
    assert message in unescape(page)
    assert listed(page) == []
    stored_nothing(store, app)
    assert store.count("audit", {"action": "file_upload"}) == 0


def test_a_manager_downloads_but_cannot_upload_or_delete(app, client, client_as, store, records):
    upload(client, "requests", records["requests"], "photo.png", PNG)
    [entry] = store.find(files.COLLECTION, {})
    manager = client_as("manager", "manager@centrale.example")
    page = details(manager, "requests", records["requests"])
    assert "upload-file" not in page and "files/delete" not in page

    refused_upload = manager.post("/admin/requests/files/upload/", data={
        "id": str(records["requests"]["_id"]), "csrf_token": csrf_token(page), "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data")
    refused_delete = manager.post("/admin/requests/files/delete/", data={
        "id": str(records["requests"]["_id"]), "file": str(entry["_id"]), "csrf_token": csrf_token(page)})

    assert refused_upload.status_code == 403 and refused_delete.status_code == 403
    assert [doc["filename"] for doc in store.find(files.COLLECTION, {})] == ["photo.png"]
    assert manager.get(f"/admin/requests/files/download/?id={entry['_id']}").data == PNG


def test_staff_deletes_a_file_and_its_content_goes(app, client, store, records):
    upload(client, "requests", records["requests"], "photo.png", PNG)
    [entry] = store.find(files.COLLECTION, {})
    page = details(client, "requests", records["requests"])

    after = client.post("/admin/requests/files/delete/", data={
        "id": str(records["requests"]["_id"]), "file": str(entry["_id"]), "csrf_token": csrf_token(page)}, follow_redirects=True)

    assert "photo.png was deleted." in after.get_data(as_text=True)
    stored_nothing(store, app)
    assert [entry["action"] for entry in store.find("audit", {"action": {"$in": FILE_ACTIONS}})] == ["file_upload", "file_delete"]
    assert client.get(f"/admin/requests/files/download/?id={entry['_id']}").status_code == 404
    assert client.get("/admin/requests/files/download/?id=nonsense").status_code == 404


def test_backup_and_restore_bring_the_files_back_byte_for_byte(app, engine, client, store, records, runner, tmp_path):
    upload(client, "requests", records["requests"], "offre.pdf", PDF)
    upload(client, "briefings", records["briefings"], "tableau.xlsx", xlsx())
    with app.app_context():
        originals = {entry["filename"]: files.content(get_store(app), entry) for entry in store.find(files.COLLECTION, {})}
    path = tmp_path / "backup.json"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0

    assert restored_files(engine, path, tmp_path / "other") == originals
    assert originals["offre.pdf"] == PDF


def engine_config(engine):
    """The configuration of an app on `engine` (on MongoDB, a throw-away database of the server under test)."""
    if engine == "mongodb":
        return {"STORE_ENGINE": engine, "MONGO_URI": os.environ["MONGO_URI"], "MONGO_DBNAME": f"backoffice_test_{uuid.uuid4().hex[:12]}"}
    return {"STORE_ENGINE": engine}


def restored_files(engine, path, folder):
    """The files an app on `engine`, restoring the backup at `path` into an empty store, gives back: {name: bytes}."""
    other = create_app({"TESTING": True, "BACKOFFICE_DATA_DIR": str(folder), "SECRET_KEY": TEST_SECRET_KEY}
                       | engine_config(engine))
    try:
        result = other.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        restored = get_store(other)
        with other.app_context():
            return {entry["filename"]: files.content(restored, entry) for entry in restored.find(files.COLLECTION, {})}
    finally:
        if engine == "mongodb":
            get_store(other).db.client.drop_database(other.config["MONGO_DBNAME"])
        store_app.close(other)


# The other engine of each: MongoDB keeps contents in GridFS, the embedded store in a folder.
OTHER_ENGINE = {"mongomock": "sqlite", "mongodb": "sqlite", "sqlite": "mongomock"}


def test_a_backup_carries_the_files_to_the_other_engine(app, engine, client, store, records, runner, tmp_path):
    upload(client, "requests", records["requests"], "offre.pdf", PDF)
    upload(client, "briefings", records["briefings"], "tableau.xlsx", xlsx())
    with app.app_context():
        originals = {entry["filename"]: files.content(store, entry) for entry in store.find(files.COLLECTION, {})}
    path = tmp_path / "backup.json"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0

    assert restored_files(OTHER_ENGINE[engine], path, tmp_path / "other") == originals
