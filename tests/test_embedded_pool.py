"""The embedded store keeps one SQLite connection per thread, and stays correct doing so."""
import sqlite3
import threading

import pytest
from tinymongo import TinyMongoClient

from backoffice import embedded_pool


@pytest.fixture()
def store(tmp_path):
    client = TinyMongoClient(str(tmp_path), backend="sqlite")
    database = client["backoffice"]
    pool = embedded_pool.install(database)
    yield database, pool
    embedded_pool.close(database)
    client.close()


def opened(pool):
    """Count the connections the pool really opens from now on."""
    calls = []
    engine = pool._engine
    real = engine._read_connect

    def counting(**options):
        calls.append(threading.get_ident())
        return real(**options)

    engine._read_connect = counting
    return calls


def test_reads_and_writes_of_one_thread_share_one_connection(store):
    database, pool = store
    database.requests.insert_one({"reference": "R-1"})
    calls = opened(pool)
    for number in range(2, 6):
        database.requests.insert_one({"reference": f"R-{number}"})
        assert database.requests.find_one({"reference": f"R-{number}"})["reference"] == f"R-{number}"
    assert database.requests.count_documents({}) == 5
    assert len(calls) == 0


def test_installing_twice_keeps_one_pool(store):
    database, pool = store
    assert embedded_pool.install(database) is pool


def test_other_engines_are_left_alone():
    import mongomock

    assert embedded_pool.install(mongomock.MongoClient()["backoffice"]) is None


def test_a_kept_connection_sees_what_another_client_wrote(store, tmp_path):
    database, _pool = store
    assert database.requests.find_one({"reference": "R-9"}) is None
    other = TinyMongoClient(str(tmp_path), backend="sqlite")
    try:
        other["backoffice"].requests.insert_one({"reference": "R-9", "status": "received"})
        other["backoffice"].requests.update_one({"reference": "R-9"}, {"$set": {"status": "eligible"}})
    finally:
        other.close()
    assert database.requests.find_one({"reference": "R-9"})["status"] == "eligible"


def deleting_everything(pool):
    """A lent connection in the middle of a transaction that deleted every request."""
    lent = pool.connect()
    lent.execute("BEGIN IMMEDIATE")
    lent.execute("DELETE FROM requests")
    return lent


def test_a_nested_operation_gets_its_own_connection_and_transaction(store):
    database, pool = store
    database.requests.insert_one({"reference": "R-1"})
    outer = deleting_everything(pool)
    inner = pool.connect()
    assert inner._conn is not outer._conn
    # The inner connection does not see the outer one's uncommitted delete, and giving it back
    # does not end the outer transaction.
    assert inner.execute("SELECT count(*) FROM requests").fetchone() == (1,)
    inner.close()
    assert outer.in_transaction
    outer.close()  # rolled back: the delete never happened
    assert database.requests.count_documents({}) == 1


def test_a_transaction_left_open_is_rolled_back_when_the_connection_comes_back(store):
    database, pool = store
    database.requests.insert_one({"reference": "R-1"})
    deleting_everything(pool).close()
    again = pool.connect()
    assert not again.in_transaction
    again.close()
    assert database.requests.find_one({"reference": "R-1"}) is not None


def test_a_connection_given_back_cannot_be_used_again_through_the_old_handle(store):
    _database, pool = store
    lent = pool.connect()
    lent.close()
    lent.close()  # twice is harmless, as for a real connection
    with pytest.raises(sqlite3.ProgrammingError):
        lent.execute("SELECT 1")


def test_each_thread_has_its_own_connection(store):
    database, pool = store
    database.requests.insert_many([{"reference": f"R-{n}"} for n in range(20)])
    calls = opened(pool)
    counts, errors = [], []
    together = threading.Barrier(4)  # all four alive at once, so no thread id is reused

    def read():
        try:
            together.wait(timeout=10)
            for _ in range(10):
                counts.append(database.requests.count_documents({}))
        except Exception as error:  # reported below, with the counts
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counts == [20] * 40
    assert len(calls) == 4 and len(set(calls)) == 4  # one connection per thread, kept for its ten reads


def test_a_forked_child_does_not_use_the_parents_connection(store, monkeypatch):
    database, pool = store
    database.requests.insert_one({"reference": "R-1"})
    parents = pool._local.idle
    assert parents is not None
    # What the child of a fork sees: the same pool object, under another process id.
    monkeypatch.setattr(embedded_pool.os, "getpid", lambda: pool._pid + 1)
    lent = pool.connect()
    assert lent._conn is not parents
    lent.close()
    assert database.requests.count_documents({}) == 1
