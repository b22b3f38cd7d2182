"""The audit trail, for administrators: read-only, filterable."""
from flask import url_for
from flask_admin.contrib.pymongo import ModelView
from flask_admin.contrib.pymongo.filters import FilterEqual
from flask_wtf import FlaskForm
from markupsafe import Markup

from backoffice import audit
from backoffice.auth import ADMINS
from backoffice.formatting import moment
from backoffice.i18n import _l
from backoffice.references import COLLECTION_NAMES
from backoffice.views.arguments import BoundedListArguments
from backoffice.views.store_list import StoreCollection, StoreListMixin
from backoffice.views.links import LINKED
from backoffice.views.filters import ChoiceEqual, TranslatedFilters, date_filters
from backoffice.views.access import RoleGuard


def _record(view, context, model, name):
    """The record's key, as a link to its details page while it exists in a collection with one."""
    collection, key = model.get("collection"), model.get("key")
    if collection not in LINKED or not model.get("record") or model.get("action") == "delete":
        return key or ""
    return Markup('<a href="{}">{}</a>').format(url_for(f"{collection}.details_view", id=str(model["record"])), key or "")


def _changes(view, context, model, name):
    return "; ".join(audit.field_label(model.get("collection"), change["field"]) for change in model.get("changes", []))


class AuditView(RoleGuard, TranslatedFilters, StoreListMixin, BoundedListArguments, ModelView):
    """Who did what, when, to which record; nothing here can be changed (read through the store)."""

    read_roles = ADMINS

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    page_size = 50
    form = FlaskForm
    column_list = ("at", "actor", "action", "collection", "key", "changes")
    column_labels = {
        "at": _l("When"),
        "actor": _l("Who"),
        "action": _l("What"),
        "collection": _l("Kind of record"),
        "key": _l("Record"),
        "changes": _l("Fields changed"),
    }
    column_sortable_list = ("at", "actor", "action")
    column_default_sort = ("at", True)
    column_formatters = {
        "at": lambda view, context, model, name: moment(model.get("at")),
        "action": lambda view, context, model, name: audit.action_label(model.get("action")),
        "collection": lambda view, context, model, name: str(COLLECTION_NAMES.get(model.get("collection"), model.get("collection") or "")),
        "changes": _changes,
        "key": _record,
    }
    column_filters = [
        ChoiceEqual("action", _l("What"), audit.ACTIONS),
        ChoiceEqual("collection", _l("Kind of record"), COLLECTION_NAMES),
        FilterEqual("actor", _l("Who")),
        FilterEqual("key", _l("Record")),
        *date_filters("at", _l("When")),
    ]

    def __init__(self, name, **kwargs):
        super().__init__(StoreCollection(audit.COLLECTION), name, **kwargs)
