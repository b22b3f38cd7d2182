"""One SQLite connection kept per thread for the embedded store, instead of one per call.

tinymongo opens a SQLite connection for every read and write and closes it after. The
first statement on a new connection makes SQLite parse the whole schema again (every
collection and its indexes): about 0.8 ms of the 1 ms a `find_one` by `_id` costs, paid
three or four times per page (the signed-in user, the record, the lots, its history).
Kept open, the same call costs about 0.2 ms.

A connection is lent for one operation and comes back when tinymongo closes it, with any
transaction it left open rolled back, exactly as a real close would have discarded it. A
thread keeps at most one idle connection; an operation that opens a second one while the
first is lent (nested calls) gets a fresh connection that is really closed afterwards, so
two operations never share a transaction. Outside a transaction SQLite (WAL) gives every
statement the latest committed data, so a kept connection sees other processes' writes
as a new one would. Connections are never used across a fork: a child process (gunicorn's
workers) starts with an empty pool.

This leans on tinymongo's SQLite backend (`_connect`, `_read_connect`), whose version
is pinned in pyproject.toml.
"""
import os
import sqlite3
import threading

try:  # The embedded engine is optional where MONGO_URI points at a real MongoDB.
    from tinymongo.table_backends import SQLiteTableBackend
except ImportError:  # pragma: no cover - tinymongo is a dependency of the app
    SQLiteTableBackend = None


def install(database):
    """Make the embedded database keep its connections; anything else is left alone."""
    engine = getattr(database, "engine", None)
    if SQLiteTableBackend is None or not isinstance(engine, SQLiteTableBackend):
        return None
    pool = getattr(engine, "_backoffice_pool", None)
    if pool is None:
        pool = engine._backoffice_pool = Pool(engine)
        engine._connect = pool.connect  # shadows the method on this engine only
    return pool


def close(database):
    """Close the calling thread's idle connection (other threads' go with their threads)."""
    pool = getattr(getattr(database, "engine", None), "_backoffice_pool", None)
    if pool is not None:
        pool.close_idle()


class Pool:
    """At most one idle connection per thread, per process."""

    def __init__(self, engine):
        self._engine = engine
        self._pid = os.getpid()
        self._local = threading.local()

    def connect(self):
        self._leave_parent_connections()
        idle = getattr(self._local, "idle", None)
        if idle is not None:
            self._local.idle = None
            return Lent(idle, self)
        self._engine._ensure_sqlite_initialized()
        # Not tied to its thread by sqlite3, so that closing the pool from another thread works;
        # the pool itself never lends one connection to two threads.
        return Lent(self._engine._read_connect(check_same_thread=False), self)

    def give_back(self, conn):
        if conn.in_transaction:
            conn.rollback()
        if os.getpid() == self._pid and getattr(self._local, "idle", None) is None:
            self._local.idle = conn
        else:
            conn.close()

    def close_idle(self):
        idle = getattr(self._local, "idle", None)
        self._local.idle = None
        if idle is not None and os.getpid() == self._pid:
            idle.close()

    def _leave_parent_connections(self):
        # A connection opened before a fork belongs to the parent: the child forgets it unused.
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._local = threading.local()


class Lent:
    """The connection as tinymongo sees it for one operation: `close` gives it back."""

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
