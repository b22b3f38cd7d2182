"""Stock Flask-Admin over the same requests: the yardstick of the page benchmark.

A plain `flask_admin.contrib.pymongo.ModelView` with a hand-written WTForms form (the
pymongo view scaffolds none) that edits the same fields as ours, with the same choices
(labels in French, as ours are measured), the same list columns, default sort, filters and
searchable fields, and the same fields on its details page.

It runs as stock runs: in a Flask app of its own with Flask-Babel, Flask-Admin's own
templates (ours override several) and a plain `TinyMongoClient` (tinymongo 1.3.1, the `bench`
extra: stock's pymongo view needs a pymongo-like engine) on a copy of the same documents, given
the connection reuse ours has (one SQLite connection kept per thread, `bench/tinymongo_pool.py`:
tinymongo as shipped opens one per call), so that the comparison is the pages; no sign-in,
no CSRF, no security headers. What stock leaves out is what ours adds: roles,
the audit trail and history, names for references, validation through the schema.
"""
from flask import Flask
from flask_admin import Admin, AdminIndexView
from flask_babel import Babel
from flask_admin.contrib.pymongo import ModelView
from flask_admin.contrib.pymongo.filters import FilterEqual
from wtforms import DateTimeField, Form, FormField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField

from backoffice.views.base import AUDIT_COLUMNS, _flatten_fields
from backoffice.views.requests import RequestView
from schemas.choices import (
    ELIGIBILITY_DECISIONS, LANGUAGES, MUNICIPALITIES, ORGANISATION_TYPES, REQUEST_STATUSES, THEMES,
)
from schemas.request import RequestSchema

URL = "/stock"
ENDPOINT = "stock_requests"


def _options(labels):
    return list(labels.items())


class StockOrganisationForm(Form):
    name = StringField("Organisation")
    type = SelectField("Organisation type", choices=_options(ORGANISATION_TYPES))
    enterprise_number = StringField("Organisation enterprise number")


class StockContactForm(Form):
    name = StringField("Contact name")
    email = StringField("Contact e-mail")
    phone = StringField("Contact phone")
    language = SelectField("Contact language", choices=_options(LANGUAGES))


class StockEligibilityForm(Form):
    decision = SelectField("Eligibility", choices=_options(ELIGIBILITY_DECISIONS))
    reason = TextAreaField("Eligibility reason")


class StockRequestForm(Form):
    """Every field our request form edits; stored as the form gives them (dates and cents of the types ours stores)."""

    reference = StringField("Reference")
    received_on = DateTimeField("Received on")
    organisation = FormField(StockOrganisationForm, "Organisation")
    municipality = SelectField("Municipality", choices=_options(MUNICIPALITIES))
    contact = FormField(StockContactForm, "Contact")
    project_title = StringField("Project title")
    description = TextAreaField("Description")
    themes = SelectMultipleField("Themes", choices=_options(THEMES))
    lots = SelectMultipleField("Lots requested")  # choices: the lots' codes, read once (see add_stock_views)
    estimated_budget = IntegerField("Estimated budget (cents)")
    expected_start = DateTimeField("Expected start")
    expected_end = DateTimeField("Expected end")
    status = SelectField("Status", choices=_options(REQUEST_STATUSES))
    assigned_to = StringField("Assigned to")
    eligibility = FormField(StockEligibilityForm, "Eligibility")
    notes = TextAreaField("Notes")


def _nested(path):
    # The stock pymongo view reads `model.get(name)`: a dotted column needs a formatter.
    outer, inner = path.split(".")
    return lambda view, context, model, name: (model.get(outer) or {}).get(inner)


class StockRequestView(ModelView):
    """Requests through stock Flask-Admin: same columns, sort, filters and searchable fields as ours."""

    can_view_details = True
    can_export = True
    export_types = ["csv"]
    export_max_rows = 0  # everything, as ours does
    page_size = RequestView.page_size
    form = StockRequestForm
    column_list = RequestView.column_list
    column_sortable_list = RequestView.column_sortable_list
    column_default_sort = RequestView.column_default_sort
    column_searchable_list = RequestSchema.search_fields
    column_filters = [
        FilterEqual("status", "Status", options=[(key, key) for key in REQUEST_STATUSES]),
        FilterEqual("municipality", "Municipality", options=[(key, key) for key in MUNICIPALITIES]),
        FilterEqual("lots", "Lot"),
        FilterEqual("organisation.type", "Organisation type"),
    ]
    # The same fields as our details page: every field of the form, and who changed it when.
    column_details_list = list(_flatten_fields(RequestSchema())) + list(AUDIT_COLUMNS)
    column_export_list = RequestSchema.export_columns
    column_formatters = {path: _nested(path) for path in column_list if "." in path}
    column_formatters_detail = {path: _nested(path) for path in column_details_list if "." in path}
    column_formatters_export = {path: _nested(path) for path in column_export_list if "." in path}


def make_stock_app(data_dir):
    """(app, view, database): stock Flask-Admin over the tinymongo copy in `data_dir` (bench/data.py), in French."""
    from backoffice.config import ROOT
    from bench.data import stock_database

    app = Flask("stock")
    app.config.update(SECRET_KEY="x", TESTING=True, BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"))
    Babel(app, locale_selector=lambda: "fr")
    _client, db = stock_database(data_dir)
    return app, add_stock_views(app, db), db


def add_stock_views(app, db):
    """Register the stock view on `app`, at /stock/stock_requests/."""
    admin = Admin(app, name="Stock", url=URL, endpoint="stock", index_view=AdminIndexView(url=URL, endpoint="stock"))
    StockRequestForm.lots.kwargs["choices"] = [(lot["code"], lot["code"]) for lot in db["lots"].find({}, {"code": 1})]
    view = StockRequestView(db["requests"], "Stock requests", endpoint=ENDPOINT, url=ENDPOINT)
    admin.add_view(view)
    return view
