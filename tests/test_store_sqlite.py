"""What only the SQLite store has to show: its file as another SQLite client sees it, and schema changes.

The behaviour every engine shares is in tests/test_store_contract.py.
"""
import contextlib
import dataclasses
import sqlite3
import threading

import pytest

from backoffice.store import Conflict
from backoffice.store.catalogue import CATALOGUE
from backoffice.store.sqlite import SQLiteStore


def test_the_file_is_in_wal_mode_with_real_unique_indexes(tmp_path):
    path = tmp_path / "store.sqlite3"
    store = SQLiteStore(path)
    first = store.insert("requests", {"reference": "REQ-2026-0001", "version": 1})
    store.insert("requests", {"reference": "REQ-2026-0002", "version": 1})
    store.close()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        unique = {
            name for _seq, name, is_unique, _origin, _partial in conn.execute('PRAGMA index_list("requests")') if is_unique
        }
        columns = {name: [row[2] for row in conn.execute(f'PRAGMA index_info("{name}")')] for name in unique}
        assert ["k:reference"] in columns.values() and ["id"] in columns.values()
        # SQLite itself refuses a second row with the same key, whoever writes it.
        try:
            conn.execute('UPDATE requests SET "k:reference" = (SELECT "k:reference" FROM requests WHERE rid = 1) WHERE rid = 2')
        except sqlite3.IntegrityError as error:
            assert "UNIQUE constraint failed" in str(error)
        else:
            raise AssertionError("the unique index let a duplicate in")
        plan = " ".join(row[3] for row in conn.execute(
            'EXPLAIN QUERY PLAN SELECT body FROM requests AS d WHERE 1 ORDER BY d."k:received_on" DESC, d.id DESC LIMIT 20'
        ))
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    reopened = SQLiteStore(path, timeout=2)
    assert reopened.get("requests", first["_id"])["reference"] == "REQ-2026-0001"
    reopened.close()


def test_a_field_added_to_a_schema_becomes_filterable_on_stored_documents(tmp_path):
    path = tmp_path / "store.sqlite3"
    requests = CATALOGUE["requests"]
    older = dataclasses.replace(
        requests, fields={path: field for path, field in requests.fields.items() if path not in ("assigned_to", "themes")},
        search_fields=("reference",),
    )
    store = SQLiteStore(path, catalogue=CATALOGUE | {"requests": older})
    for n, (person, themes) in enumerate([("zoe@x.be", ["culture"]), (None, ["mobility"]), ("ann@x.be", [])]):
        store.insert("requests", {"reference": f"R{n}", "assigned_to": person, "themes": themes, "project_title": f"Projet {n}"})
    store.close()

    store = SQLiteStore(path)  # today's catalogue: two more fields, one more searched field
    assert [doc["reference"] for doc in store.find("requests", sort=[("assigned_to", 1)])] == ["R1", "R2", "R0"]
    assert [doc["reference"] for doc in store.find("requests", {"themes": "mobility"})] == ["R1"]
    assert [doc["reference"] for doc in store.find("requests", search=["projet", "2"])] == ["R2"]
    store.close()


def test_a_writer_kept_waiting_too_long_gets_a_conflict_and_writes_nothing(tmp_path):
    path = tmp_path / "store.sqlite3"
    patient = SQLiteStore(path)
    doc = patient.insert("requests", {"reference": "R1", "status": "received", "version": 1})
    impatient = SQLiteStore(path, timeout=0.3)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with patient.transaction():
            patient.update_if_version("requests", doc["_id"], 1, {"status": "under_review"})
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(10)
    try:
        with pytest.raises(Conflict):
            impatient.insert("requests", {"reference": "R2", "version": 1})
        # Readers never wait for the writer (WAL): they see the last committed version.
        assert impatient.get("requests", doc["_id"])["status"] == "received"
    finally:
        release.set()
        holder.join(10)
    assert impatient.get("requests", doc["_id"])["status"] == "under_review"
    assert impatient.find_one("requests", {"reference": "R2"}) is None
    impatient.insert("requests", {"reference": "R2", "version": 1})
    assert patient.count("requests") == 2
    patient.close()
    impatient.close()
