"""List arguments from the URL: kept within what a list can show, and read for its exports."""
from typing import NamedTuple
from urllib.parse import urlencode

from flask import redirect, request

# No list has a millionth page; a bigger number only overflows the engines' 64-bit skip.
MAX_PAGE = 1_000_000
# What a list page reads from its URL (its filters are the `flt…` arguments). Flask-Admin carries any
# other argument into its links through url_for's keywords, where `?endpoint=x` clashed (a 500) and
# `?_external=1` rewrote them: such arguments are dropped before it sees them.
LIST_ARGUMENTS = ("page", "page_size", "sort", "desc", "search", "lang")


class BoundedListArguments:
    """For list views: a list URL with arguments no list reads, or a `?page=` out of range, is redirected.

    `?page=` below 0 reads as the first page, beyond MAX_PAGE as MAX_PAGE; the redirect shows the
    person the URL of the page they see.
    """

    def create_blueprint(self, admin):
        """Flask-Admin's blueprint for the view, which first cleans a list's arguments."""
        blueprint = super().create_blueprint(admin)
        blueprint.before_request(self.clean_list_arguments)
        return blueprint

    def clean_list_arguments(self):
        """A redirect to the list's URL with its arguments cleaned, or None when they are clean (or not a list)."""
        if request.endpoint != f"{self.endpoint}.index_view":
            return None
        cleaned = [(key, _bounded(key, value)) for key, value in request.args.items(multi=True)
                   if key in LIST_ARGUMENTS or key.startswith("flt")]
        if cleaned == list(request.args.items(multi=True)):
            return None
        return redirect(request.path + ("?" + urlencode(cleaned) if cleaned else ""))

    def list_arguments(self):
        """The list's search, filters and sort from the URL, as the list page reads them (for its exports).

        Filters are (index, name, value) for each `flt<position>_<filter>` argument whose value the
        filter accepts, in position order, as Flask-Admin reads them.
        """
        known = {self.get_filter_arg(index, flt): (index, flt) for index, flt in enumerate(self.get_filters() or [])}
        filters = []
        for key, value in request.args.items(multi=True):
            position, _, name = key[3:].partition("_")
            if key.startswith("flt") and name in known and known[name][1].validate(value):
                index, flt = known[name]
                filters.append((position, (index, str(flt.name), value)))
        return ListArguments(
            search=request.args.get("search"),
            filters=[item for _position, item in sorted(filters, key=lambda pair: pair[0])],
            sort=request.args.get("sort", None, type=int),
            sort_desc=request.args.get("desc", None, type=int),
        )


class ListArguments(NamedTuple):
    """A list's search, filters and sort, read from its URL."""

    search: str | None
    filters: list
    sort: int | None
    sort_desc: int | None


def _bounded(key, value):
    if key != "page":
        return value
    try:
        page = int(value)
    except ValueError:
        return "0"
    return str(min(max(page, 0), MAX_PAGE))

