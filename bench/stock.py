"""Stock Flask-Admin over the same requests: the yardstick of the page benchmark.

A plain `flask_admin.contrib.pymongo.ModelView` with a hand-written WTForms form (the
pymongo view scaffolds none), the same list columns, default sort, filters and
searchable fields as ours, on its own `Admin` at /stock, without sign-in.
"""
from flask_admin import Admin, AdminIndexView
from flask_admin.contrib.pymongo import ModelView
from flask_admin.contrib.pymongo.filters import FilterEqual
from wtforms import Form, SelectField, StringField, TextAreaField

from backoffice.views.requests import RequestView
from schemas.choices import MUNICIPALITIES, REQUEST_STATUSES
from schemas.request import RequestSchema

URL = "/stock"
ENDPOINT = "stock_requests"


class StockRequestForm(Form):
    """The fields a stock form edits; all are stored as the strings the form posts."""

    reference = StringField("Reference")
    project_title = StringField("Project title")
    municipality = SelectField("Municipality", choices=list(MUNICIPALITIES))
    status = SelectField("Status", choices=list(REQUEST_STATUSES))
    assigned_to = StringField("Assigned to")
    description = TextAreaField("Description")
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
    column_details_list = [path for path in RequestView.column_list] + ["description", "contact.name", "contact.email", "notes"]
    column_export_list = RequestSchema.export_columns
    column_formatters = {path: _nested(path) for path in column_list if "." in path}
    column_formatters_detail = {path: _nested(path) for path in column_details_list if "." in path}
    column_formatters_export = {path: _nested(path) for path in column_export_list if "." in path}


def add_stock_views(app, db):
    """Register the stock view on `app`, at /stock/stock_requests/."""
    admin = Admin(app, name="Stock", url=URL, endpoint="stock", index_view=AdminIndexView(url=URL, endpoint="stock"))
    view = StockRequestView(db["requests"], "Stock requests", endpoint=ENDPOINT, url=ENDPOINT)
    admin.add_view(view)
    return view
