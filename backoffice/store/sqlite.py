"""The embedded store: one SQLite file through the standard library's `sqlite3`.

Layout, per collection `c` of the catalogue:

* table `c`: `rid` (row id), `id` (the typed key of `_id`, UNIQUE), `body` (the
  document as BSON, so ObjectIds, dates, 64-bit integers and Decimal128 come back as
  they went in) and one column `k:<path>` per one-value field, holding that field's
  typed sort key (`backoffice.store.keys`: bytes that compare as MongoDB compares the
  values, a missing field as null). The columns are derived from the document on every
  write, in the same statement; UNIQUE indexes on them enforce `unique_fields` (a
  missing value counts as null, as on MongoDB), the other indexes end with `id` so a
  sorted page is read straight from an index in either direction;
* table `c:multi` (`rid`, `field`, `key`): one row per value of each list field
  (`lots`, `lots.lot`), indexed by (field, key): `{"lots": "L1"}` is an index lookup;
* table `c:terms` (`term`, `rid`): the search terms, indexed by term, so a prefix is a
  range scan (`term >= 'eco' AND term < 'ecp'`), compared as bytes: no LIKE, no
  pattern, no escaping.

Concurrency: WAL mode (readers never wait for the writer); every write, alone or in
`transaction()`, runs in `BEGIN IMMEDIATE`, which takes the file's write lock before
reading anything, so a check-then-write (a version, a counter) cannot be raced by
another thread or process; waiting for the lock is bounded by `timeout`. Each thread
of each process has its own connection (a forked child opens new ones); outside a
transaction, a read runs in a short read transaction of its own that ends before the
call returns (results are fetched whole), so no reader keeps an old snapshot.
A transaction committed is on disk (WAL, synchronous=NORMAL): killing the process
cannot undo it, and killing it before the commit leaves nothing of it.

When the catalogue changes (a field added to a schema), `open` adds the missing columns
and recomputes every derived column, list row and term from the stored documents.
"""
import contextlib
import hashlib
import os
import sqlite3
import threading

import bson

from backoffice.paths import value_at
from backoffice.store import _ANY, Conflict, DuplicateKey, Page, Store, keys
from backoffice.store.query import project as _project

META = "store:meta"
# How many documents each collection holds, kept with every insert and delete: an unfiltered list's
# count without counting (MongoDB reads it from the collection's metadata too).
COUNTS = "store:counts"


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _column(path):
    return _quote("k:" + path)


class _Local(threading.local):
    conn = None
    pid = None
    depth = 0


class SQLiteStore(Store):
    """The store in one SQLite file (created when missing)."""

    def __init__(self, path, catalogue=None, timeout=30.0):
        super().__init__(catalogue)
        self.path = str(path)
        self.timeout = timeout
        self._local = _Local()
        self._opened = []  # (pid, connection): closed by close()
        self._opened_lock = threading.Lock()
        self._open()

    # Connections and transactions --------------------------------------------------

    def _conn(self):
        local = self._local
        if local.conn is None or local.pid != os.getpid():
            # A connection opened before a fork belongs to the parent: the child leaves it alone.
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            local.conn, local.pid, local.depth = conn, os.getpid(), 0
            with self._opened_lock:
                self._opened.append((os.getpid(), conn))
        return local.conn

    @contextlib.contextmanager
    def _outermost_transaction(self):
        """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` when an exception leaves the block."""
        conn = self._conn()
        local = self._local
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            # The busy timeout ran out: another connection kept the write lock all that time.
            raise Conflict(f"{self.path}: {error}") from None
        local.depth = 1
        try:
            yield self
        except BaseException:
            local.depth = 0
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
                conn.execute("ROLLBACK")
            raise
        local.depth = 0
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def _reading(self):
        """One snapshot for the reads of one call (inside a transaction, the transaction's)."""
        conn = self._conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self):
        """Close this process's connections (every thread's)."""
        with self._opened_lock:
            mine = [conn for pid, conn in self._opened if pid == os.getpid()]
            self._opened = [(pid, conn) for pid, conn in self._opened if pid != os.getpid()]
        for conn in mine:
            conn.close()
        self._local = _Local()

    def _ping(self):
        self._conn().execute("SELECT 1").fetchone()

    # Layout --------------------------------------------------------------------------

    def _open(self):
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        with self.transaction():
            conn.execute(f"CREATE TABLE IF NOT EXISTS {_quote(META)} (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {_quote(COUNTS)} (name TEXT PRIMARY KEY, documents INTEGER NOT NULL)")
            for coll in self.catalogue.values():
                self._prepare_collection(conn, coll)

    def _prepare_collection(self, conn, coll):
        table = _quote(coll.name)
        columns = "".join(f"{_column(f.path)} BLOB NOT NULL, " for f in coll.scalar_fields)
        # The body last: a document of a few kilobytes spills into overflow pages, which a filter
        # or a sort on the key columns before it never has to read.
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (rid INTEGER PRIMARY KEY, id BLOB NOT NULL, {columns}body BLOB NOT NULL)")
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for f in coll.scalar_fields:
            if "k:" + f.path not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {_column(f.path)} BLOB NOT NULL DEFAULT x'01'")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_quote(coll.name + ':multi')} (rid INTEGER NOT NULL, field TEXT NOT NULL, key BLOB NOT NULL)")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {_quote(coll.name + ':terms')} "
            "(term BLOB NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (term, rid)) WITHOUT ROWID"
        )
        wanted = {
            coll.name + ":_id": f"CREATE UNIQUE INDEX {{}} ON {table} (id)",
            coll.name + ":multi:key": f"CREATE INDEX {{}} ON {_quote(coll.name + ':multi')} (field, key, rid)",
            coll.name + ":multi:rid": f"CREATE INDEX {{}} ON {_quote(coll.name + ':multi')} (rid)",
            coll.name + ":terms:rid": f"CREATE INDEX {{}} ON {_quote(coll.name + ':terms')} (rid)",
        }
        for index in coll.indexes:
            if any(coll.field(path) is None or not coll.field(path).sortable for path in index.paths):
                continue  # list fields are served by the `multi` table's index
            name = f"{coll.name}:{'unique' if index.unique else 'index'}:{','.join(index.paths)}"
            cols = ", ".join(_column(path) for path in index.paths) + ("" if index.unique else ", id")
            wanted[name] = f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {{}} ON {table} ({cols})"
        existing = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?", (coll.name + ":%",))
        }
        for name in existing - set(wanted):
            if name.split(":")[0] == coll.name:
                conn.execute(f"DROP INDEX {_quote(name)}")
        fingerprint = _fingerprint(coll)
        row = conn.execute(f"SELECT fingerprint FROM {_quote(META)} WHERE name = ?", (coll.name,)).fetchone()
        if row is not None and row[0] != fingerprint:
            self._rederive(conn, coll)
        conn.execute(f"INSERT OR REPLACE INTO {_quote(META)} (name, fingerprint) VALUES (?, ?)", (coll.name, fingerprint))
        if row is None or row[0] != fingerprint:
            conn.execute(
                f"INSERT OR REPLACE INTO {_quote(COUNTS)} (name, documents) SELECT ?, count(*) FROM {table}", (coll.name,)
            )
        # Indexes last: a UNIQUE index created over rows whose keys were just recomputed checks them all.
        for name, statement in wanted.items():
            if name not in existing:
                conn.execute(statement.format(_quote(name)))

    def _rederive(self, conn, coll):
        """Recompute every derived column, list row and search term from the stored documents."""
        rows = conn.execute(f"SELECT rid, body FROM {_quote(coll.name)}").fetchall()
        for rid, body in rows:
            doc = bson.decode(body)
            if coll.search_fields:
                self._prepare_document(coll, doc)
            self._write(conn, coll, doc, rid)

    # Writing rows --------------------------------------------------------------------

    def _write(self, conn, coll, doc, rid=None):
        """Insert (rid None) or rewrite one document with its derived keys, list rows and terms."""
        table = _quote(coll.name)
        body = bson.encode(doc)
        derived = [keys.key(value_at(doc, f.path)) for f in coll.scalar_fields]
        names = [_column(f.path) for f in coll.scalar_fields]
        try:
            if rid is None:
                cols = ", ".join(["id", "body", *names])
                marks = ", ".join("?" * (2 + len(names)))
                rid = conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", [keys.key(doc["_id"]), body, *derived]).lastrowid
                conn.execute(f"UPDATE {_quote(COUNTS)} SET documents = documents + 1 WHERE name = ?", (coll.name,))
            else:
                sets = ", ".join(f"{name} = ?" for name in ["id", "body", *names])
                conn.execute(f"UPDATE {table} SET {sets} WHERE rid = ?", [keys.key(doc["_id"]), body, *derived, rid])
                conn.execute(f"DELETE FROM {_quote(coll.name + ':multi')} WHERE rid = ?", (rid,))
                conn.execute(f"DELETE FROM {_quote(coll.name + ':terms')} WHERE rid = ?", (rid,))
        except sqlite3.IntegrityError as error:
            raise DuplicateKey(coll.name, _duplicate_fields(coll, error)) from None
        multi = [
            (rid, f.path, value_key)
            for f in coll.many_fields
            for value_key in {keys.key(value) for value in keys.values_at(doc, f.path)}
        ]
        if multi:
            conn.executemany(f"INSERT INTO {_quote(coll.name + ':multi')} (rid, field, key) VALUES (?, ?, ?)", multi)
        terms = doc.get("search_terms") if coll.search_fields else None
        if terms:
            conn.executemany(
                f"INSERT OR IGNORE INTO {_quote(coll.name + ':terms')} (term, rid) VALUES (?, ?)",
                [(str(term).encode("utf-8"), rid) for term in terms],
            )
        return rid

    def _row(self, conn, coll, doc_id):
        return conn.execute(f"SELECT rid, body FROM {_quote(coll.name)} WHERE id = ?", (keys.key(doc_id),)).fetchone()

    def _insert(self, coll, docs):
        with self.transaction():
            conn = self._conn()
            for doc in docs:
                self._write(conn, coll, doc)

    def _modify(self, coll, doc_id, version, compute):
        with self.transaction():
            conn = self._conn()
            row = self._row(conn, coll, doc_id)
            if row is None:
                return None
            previous = bson.decode(row[1])
            if version is not _ANY and previous.get("version") != version:
                return None
            doc = compute(previous)
            self._write(conn, coll, doc, row[0])
            return doc

    def _delete(self, coll, doc_id, version):
        with self.transaction():
            conn = self._conn()
            row = self._row(conn, coll, doc_id)
            if row is None or bson.decode(row[1]).get("version") != version:
                return False
            self._delete_rows(conn, coll, [row[0]])
            return True

    def _delete_rows(self, conn, coll, rids):
        conn.execute(f"UPDATE {_quote(COUNTS)} SET documents = documents - ? WHERE name = ?", (len(rids), coll.name))
        for start in range(0, len(rids), 500):
            chunk = rids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for table in (coll.name, coll.name + ":multi", coll.name + ":terms"):
                conn.execute(f"DELETE FROM {_quote(table)} WHERE rid IN ({marks})", chunk)

    def _delete_where(self, coll, checked):
        with self.transaction():
            conn = self._conn()
            params = []
            where = self._node(coll, checked, params)
            rids = [rid for (rid,) in conn.execute(f"SELECT rid FROM {_quote(coll.name)} AS d WHERE {where}", params)]
            self._delete_rows(conn, coll, rids)
            return len(rids)

    def _sequence(self, name, step, only_raise=False):
        coll = self.collection("counters")
        with self.transaction():
            conn = self._conn()
            row = self._row(conn, coll, name)
            current = bson.decode(row[1]).get("seq", 0) if row else 0
            seq = step(current)
            if seq != current or row is None:
                self._write(conn, coll, {"_id": name, "seq": seq}, row[0] if row else None)
            return seq

    # Reading ---------------------------------------------------------------------------

    def _get(self, coll, doc_id, spec):
        with self._reading() as conn:
            row = self._row(conn, coll, doc_id)
        return None if row is None else _project(bson.decode(row[1]), spec)

    def _select(self, coll, checked, prefixes, sort, params):
        where = self._node(coll, checked, params)
        if prefixes:
            # One range scan of the terms' index per prefix, intersected on row ids: only the
            # documents holding every prefix are then read.
            scans = []
            for word in prefixes:
                low, high = _prefix_range(word.prefix)
                condition = f"term >= ?{' AND term < ?' if high else ''}"
                params.extend([low, high] if high else [low])
                if word.terms:
                    condition = f"({condition}) OR term IN ({', '.join('?' * len(word.terms))})"
                    params.extend(term.encode("utf-8") for term in word.terms)
                scans.append(f"SELECT rid FROM {_quote(coll.name + ':terms')} WHERE {condition}")
            where += f" AND d.rid IN ({' INTERSECT '.join(scans)})"
        order = ", ".join(f"{'d.id' if path == '_id' else 'd.' + _column(path)} {'DESC' if direction < 0 else 'ASC'}" for path, direction in sort)
        return where, order

    def _find(self, coll, checked, prefixes, sort, skip, limit, spec):
        params = []
        where, order = self._select(coll, checked, prefixes, sort, params)
        # Row ids first, then their documents: a sort that no index serves then orders a few bytes
        # per match instead of whole documents, and an indexed one reads the index alone.
        sql = f"SELECT d.rid FROM {_quote(coll.name)} AS d WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"
        with self._reading() as conn:
            rids = [rid for (rid,) in conn.execute(sql, [*params, limit or -1, skip])]
            bodies = {}
            for start in range(0, len(rids), 500):
                chunk = rids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                bodies.update(conn.execute(f"SELECT rid, body FROM {_quote(coll.name)} WHERE rid IN ({marks})", chunk))
        return [_project(bson.decode(bodies[rid]), spec) for rid in rids]

    def _count(self, coll, checked, prefixes):
        if not checked[1] and not prefixes:
            with self._reading() as conn:
                return conn.execute(f"SELECT documents FROM {_quote(COUNTS)} WHERE name = ?", (coll.name,)).fetchone()[0]
        params = []
        where, _order = self._select(coll, checked, prefixes, [("_id", 1)], params)
        with self._reading() as conn:
            return conn.execute(f"SELECT count(*) FROM {_quote(coll.name)} AS d WHERE {where}", params).fetchone()[0]

    def _page(self, coll, checked, prefixes, sort, skip, limit, spec):
        # The page and its count from one snapshot: a save between them cannot make them disagree.
        with self._reading():
            documents = self._find(coll, checked, prefixes, sort, skip, limit, spec)
            count = self._count(coll, checked, prefixes)
        return Page(documents, count)

    def _batch_after(self, coll, checked, last, size, spec):
        params = []
        where = self._node(coll, checked, params)
        if last is not None:
            where += " AND d.id > ?"
            params.append(last)
        sql = f"SELECT id, body FROM {_quote(coll.name)} AS d WHERE {where} ORDER BY d.id LIMIT ?"
        with self._reading() as conn:
            rows = conn.execute(sql, [*params, size]).fetchall()
        return [(id_key, _project(bson.decode(body), spec)) for id_key, body in rows]

    # Filters as SQL ------------------------------------------------------------------

    def _node(self, coll, node, params):
        parts = [self._clause(coll, clause, params) for clause in node[1]]
        return "(" + " AND ".join(parts) + ")" if parts else "1"

    def _clause(self, coll, clause, params):
        if clause[0] == "leaf":
            return self._leaf(coll, clause[1], clause[2], clause[3], params)
        joiner = " AND " if clause[0] == "$and" else " OR "
        return "(" + joiner.join(self._node(coll, node, params) for node in clause[1]) + ")"

    def _leaf(self, coll, field, operator, value, params):
        if field.many:
            inner = f"SELECT 1 FROM {_quote(coll.name + ':multi')} AS m WHERE m.rid = d.rid AND m.field = ? AND "
            params.append(field.path)
            condition = _comparison("m.key", operator, value, params, negate_lists=False)
            if operator in ("$ne", "$nin"):
                return f"NOT EXISTS ({inner}{condition})"
            return f"EXISTS ({inner}{condition})"
        column = "d.id" if field.path == "_id" else "d." + _column(field.path)
        return _comparison(column, operator, value, params, negate_lists=True)


def _comparison(column, operator, value, params, negate_lists):
    """SQL comparing a key column with a value as MongoDB compares (ranges stay within the value's type)."""
    if operator in ("$in", "$nin"):
        if not value:
            return "0" if operator == "$in" or not negate_lists else "1"
        params.extend(keys.key(item) for item in value)
        marks = ", ".join("?" * len(value))
        negated = operator == "$nin" and negate_lists
        return f"{column} {'NOT IN' if negated else 'IN'} ({marks})"
    if operator == "$eq" or (operator == "$ne" and not negate_lists):
        params.append(keys.key(value))
        return f"{column} = ?"
    if operator == "$ne":
        params.append(keys.key(value))
        return f"{column} != ?"
    low, high = keys.type_range(value)
    params.append(keys.key(value))
    sign = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[operator]
    if operator in ("$gt", "$gte"):
        params.append(high)
        return f"({column} {sign} ? AND {column} < ?)"
    params.append(low)
    return f"({column} {sign} ? AND {column} >= ?)"


def _prefix_range(prefix):
    """(low, high) bytes such that a term starts with `prefix` exactly when low <= term < high (high None: no bound)."""
    low = prefix.encode("utf-8")
    high = bytearray(low)
    while high and high[-1] == 0xFF:
        high.pop()
    if not high:
        return low, None
    high[-1] += 1
    return low, bytes(high)


def _fingerprint(coll):
    described = repr((
        [(f.path, f.kind, f.many) for f in coll.scalar_fields],
        [(f.path, f.kind, f.many) for f in coll.many_fields],
        coll.search_fields,
    ))
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def _duplicate_fields(coll, error):
    """The fields of the unique index SQLite names in its message (`UNIQUE constraint failed: t.k:code`)."""
    message = str(error)
    _before, _sep, columns = message.partition("failed:")
    fields = []
    for column in columns.split(","):
        name = column.strip().partition(".")[2]
        if name == "id":
            fields.append("_id")
        elif name.startswith("k:"):
            fields.append(name[2:])
    return fields or list(coll.unique_fields)

