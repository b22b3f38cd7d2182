"""List filters over MongoDB documents: by value, by referenced record, by date range.

Values come from the URL, so each filter turns them into plain strings or dates
before they touch a query: no input can become a query operator.
"""
import datetime as dt
import re

from flask import has_request_context

from flask_admin.babel import lazy_gettext as admin_lazy_gettext  # its "between" reads well in French and Dutch
from flask_admin.contrib.pymongo.filters import BasePyMongoFilter
from flask_admin.model import filters

from backoffice.i18n import _l
from backoffice.references import label_cache
from schemas.fields import parse_day


# Flask-Admin's French reads "vaut" (is worth) for "equals": "Statut vaut Reçue". Ours says "est".


class ChoiceEqual(BasePyMongoFilter):
    """Records whose field (or list field) holds the chosen value."""

    def __init__(self, column, name, choices):
        super().__init__(column, name)
        self.choices = choices

    def get_options(self, view):
        """The closed list, labelled in the current language."""
        return [(key, str(label)) for key, label in self.choices.items()]

    def validate(self, value):
        return value in self.choices

    def apply(self, query, value):
        query.append({self.column: str(value)})
        return query

    def operation(self):
        return _l("equals")


class RefEqual(BasePyMongoFilter):
    """Records that refer to the chosen record of another collection."""

    def __init__(self, column, name, collection):
        super().__init__(column, name)
        self.collection = collection

    def get_options(self, view):
        """The records of the (small) referenced collection, read for each page."""
        if not has_request_context():
            # Views are built at start-up, when the database may not be reachable yet.
            return [("", "")]
        return label_cache(view.store).choices(self.collection, everything=True)

    def apply(self, query, value):
        query.append({self.column: str(value)})
        return query

    def operation(self):
        return _l("equals")


def _midnight(day):
    return dt.datetime(day.year, day.month, day.day)


# The picker writes a range as "01/03/2027 – 15/03/2027"; links and older URLs say "2027-03-01 to 2027-03-15".
RANGE_SEPARATOR = re.compile(r"\s+(?:–|to)\s+")


class TypedDay:
    """Mixin for date filters: the day read as dd/mm/yyyy (the picker's) or yyyy-mm-dd, never guessed."""

    def clean(self, value):
        return parse_day(value)


class DateFrom(TypedDay, BasePyMongoFilter, filters.BaseDateFilter):
    """On or after a day."""

    def __init__(self, column, name):
        filters.BaseDateFilter.__init__(self, name)
        self.column = column

    def apply(self, query, value):
        query.append({self.column: {"$gte": _midnight(value)}})
        return query

    def operation(self):
        return _l("from")


class DateUntil(TypedDay, BasePyMongoFilter, filters.BaseDateFilter):
    """On or before a day (the whole day included)."""

    def __init__(self, column, name):
        filters.BaseDateFilter.__init__(self, name)
        self.column = column

    def apply(self, query, value):
        query.append({self.column: {"$lt": _midnight(value) + dt.timedelta(days=1)}})
        return query

    def operation(self):
        return _l("until")


class DateBetween(BasePyMongoFilter, filters.BaseDateBetweenFilter):
    """Between two days, both included."""

    def __init__(self, column, name):
        filters.BaseDateBetweenFilter.__init__(self, name, data_type="daterangepicker")
        self.column = column

    def clean(self, value):
        return [parse_day(day) for day in RANGE_SEPARATOR.split(value.strip())]

    def validate(self, value):
        """Two days, the first not after the second."""
        try:
            days = self.clean(value)
        except ValueError:
            return False
        return len(days) == 2 and days[0] <= days[1]

    def apply(self, query, value):
        start, end = value
        query.append({self.column: {"$gte": _midnight(start), "$lt": _midnight(end) + dt.timedelta(days=1)}})
        return query

    def operation(self):
        return admin_lazy_gettext("between")


def date_filters(column, name):
    """The three ways to narrow a list by a date: from, until, between."""
    return [DateFrom(column, name), DateUntil(column, name), DateBetween(column, name)]


class TranslatedFilters:
    """For list views: the filters offered on each list page are built for that page (`translated_filter_groups`)."""

    def render(self, template, **kwargs):
        """Render as usual, with the page's filter groups in the page's language."""
        if kwargs.get("filter_groups") is not None:
            kwargs["filter_groups"] = translated_filter_groups(self)
        return super().render(template, **kwargs)


def translated_filter_groups(view):
    """A view's filters as its list page offers them, built for each page so they follow the database and the language.

    Flask-Admin builds them once, when the view is made, outside any request: in no language.
    """
    known = view.get_filters()
    if not known:
        return None
    groups = {}
    for index, flt in enumerate(known):
        options = flt.get_options(view)
        groups.setdefault(str(flt.name), []).append(
            {
                "index": index,
                "arg": view.get_filter_arg(index, flt),
                "operation": str(flt.operation()),
                "options": [(key, str(label)) for key, label in options] if options else None,
                "type": flt.data_type,
            }
        )
    return groups
