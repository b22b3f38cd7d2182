"""List arguments from the URL kept within what a list can show, and unknown records as 404 pages."""
from bson import ObjectId
from bson.errors import InvalidId
from flask import abort

# No list has a millionth page; a bigger number only overflows the engines' 64-bit skip.
MAX_PAGE = 1_000_000


class BoundedListArguments:
    """For list views: `?page=` below 0 reads as the first page, beyond MAX_PAGE as MAX_PAGE.

    Flask-Admin carries every other argument into its links through url_for's keywords,
    where `?endpoint=x` clashed (a 500) and `?_external=1` rewrote them. No list of ours
    reads such arguments, so none is carried.
    """

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        # Set in place: ViewArgs.clone() turns an empty filter list into None, which the pymongo view cannot iterate.
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        args.extra_args = {}
        return args


def found_or_404(store, collection, record_id):
    """Stop with a 404 page unless `collection` holds a record with this id (a malformed id is none)."""
    try:
        key = ObjectId(record_id)
    except (InvalidId, TypeError):
        abort(404)
    if store.get(collection, key, {"_id": 1}) is None:
        abort(404)
