"""Stock's engine with the connection reuse ours has: one SQLite connection kept per thread.

tinymongo opens a SQLite connection for every read and write and closes it after; the
first statement on a new connection parses the whole schema again (about 0.8 ms of the
1 ms a `find_one` by `_id` costs). Our store keeps its connections, so measured as it
ships stock would pay for connection handling, not for its pages. The benchmark gives
stock's client (and the raw queries asked on it) the same reuse, so the comparison is the
pages.

A connection is lent for one operation and comes back when tinymongo closes it, with any
transaction it left open rolled back, as a real close would have discarded it. A thread
keeps at most one idle connection; a nested operation gets a fresh one, really closed
afterwards. Outside a transaction SQLite (WAL) gives every statement the latest committed
data, so a kept connection sees what another connection wrote.

Benchmark only (stock's engine, tinymongo 1.3.1, is pinned in the `bench` extra of
pyproject.toml): this shadows the SQLite backend's `_connect` on one engine object, a
private method of tinymongo, which the app itself never touches.
"""
import sqlite3
import threading

from tinymongo.table_backends import SQLiteTableBackend


def install(database):
    """Make the tinymongo database `database` keep one SQLite connection per thread; return the pool."""
    engine = database.engine
    if not isinstance(engine, SQLiteTableBackend):
        raise TypeError(f"not tinymongo's SQLite backend: {type(engine).__name__}")
    pool = Pool(engine)
    engine._connect = pool.connect  # shadows the method on this engine object only
    return pool


class Pool:
    """At most one idle connection per thread."""

    def __init__(self, engine):
        self._engine = engine
        self._local = threading.local()

    def connect(self):
        idle = getattr(self._local, "idle", None)
        if idle is not None:
            self._local.idle = None
            return Lent(idle, self)
        self._engine._ensure_sqlite_initialized()
        return Lent(self._engine._read_connect(), self)

    def give_back(self, conn):
        if conn.in_transaction:
            conn.rollback()
        if getattr(self._local, "idle", None) is None:
            self._local.idle = conn
        else:
            conn.close()


class Lent:
    """The connection as tinymongo sees it for one operation: `close` gives it back to the pool."""

    __slots__ = ("_conn", "_pool")

    def __init__(self, conn, pool):
        self._conn = conn
        self._pool = pool

    def __getattr__(self, name):
        if self._conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return getattr(self._conn, name)

    def close(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            self._pool.give_back(conn)
