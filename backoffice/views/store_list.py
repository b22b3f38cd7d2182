"""Flask-Admin's pymongo ModelView over the store: the collection it holds and how its lists are read.

Flask-Admin's `ModelView` keeps a pymongo collection as `self.coll` and touches it only in
`get_list`, `get_one`, `create_model`, `update_model` and `delete_model`. Our views override
those, so they hold a `StoreCollection` instead (a name and the app's store) and read every
list page with one `store.page` call: the filters' clauses as `filter`, the typed search as
prefixes, the sort made stable by the store.
"""
from bson import ObjectId
from bson.errors import InvalidId

from backoffice import search
from backoffice.paths import value_at
from backoffice.store import prefixes
from backoffice.store.app import get_store


class StoreCollection:
    """What a ModelView holds as `coll`: the collection's name; the store is the current app's."""

    def __init__(self, name):
        self.name = name

    @property
    def store(self):
        """The store of the current app."""
        return get_store()


class StoreListMixin:
    """List pages and records of a ModelView read through the store (see the module's docstring)."""

    @property
    def store(self):
        """The app's store: what every read and write of the view goes through."""
        return get_store()

    def list_filter(self, search_term, filters):
        """The filters' clauses (and the view's base query) as one store filter.

        A search with nothing searchable in it ("(", "%") finds nothing rather than everything;
        the words themselves are searched as prefixes (`list_search`).
        """
        clauses = []
        known = self.get_filters() if filters else []
        for index, _name, value in filters or []:
            flt = known[index]
            clauses = flt.apply(clauses, flt.clean(value))
        if search_term and search_term.strip() and not prefixes(search_term):
            clauses.append(search.NOTHING)
        base = self.get_query()
        if base:
            clauses.insert(0, base)
        if not clauses:
            return {}
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def list_search(self, search_term):
        """The words a typed search looks for (none for a blank one), a lot's title matching its key."""
        found = prefixes(search_term or "")
        return search.words(self.store, found) if found else []

    def list_sort(self, sort_column, sort_desc):
        """The page's order as [(field, 1 | -1)]: the column clicked, else the view's default."""
        order = [(sort_column, sort_desc)] if self.sortable(sort_column) else default_order(self)
        return [(column, -1 if desc else 1) for column, desc in order]

    def sortable(self, column):
        """True when the list may be sorted on `column` (a column the URL names may not be one)."""
        return bool(column) and column in self.get_sortable_columns()

    def list_projection(self):
        """The fields a list page reads (None: whole documents)."""
        return None

    def get_list(self, page, sort_column, sort_desc, search_term, filters, execute=True, page_size=None):
        """One page of records and how many match: (count, [documents])."""
        page_size = self.page_size if page_size is None else page_size
        skip = page * page_size if page and page_size else 0
        found = self.store.page(
            self.coll.name, self.list_filter(search_term, filters), search=self.list_search(search_term),
            sort=self.list_sort(sort_column, sort_desc), skip=skip, limit=page_size or 0,
            projection=self.list_projection(),
        )
        return found.count, [Record(doc) for doc in found.documents]

    def get_one(self, id):
        """The record with this id, or None (a malformed id is simply not found)."""
        key = object_id(id)
        doc = None if key is None else self.store.get(self.coll.name, key)
        return None if doc is None else Record(doc)


class Record(dict):
    """A record as the views hold it: `get("organisation.type")` reads the dotted path.

    Flask-Admin's pymongo views read a column's value with `model.get(column)`, and our
    list and details columns name fields inside sub-documents by their dotted paths.
    """

    def get(self, name, default=None):
        """The value of a field, or at a dotted path (None when a step is missing)."""
        if isinstance(name, str) and "." in name:
            return value_at(self, name)
        return super().get(name, default)


def default_order(view):
    """A view's `column_default_sort` as [(column, descending?)]."""
    order = view.column_default_sort
    if not order:
        return []
    if isinstance(order, list):
        return order
    return [order] if isinstance(order, tuple) else [(order, False)]


def object_id(text):
    """The ObjectId written in `text`, or None when it is not one."""
    try:
        return ObjectId(text)
    except (InvalidId, TypeError):
        return None
