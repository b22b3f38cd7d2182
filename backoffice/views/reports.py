"""The managers' reports page: tables on screen, the same tables as CSV and XLSX files."""
import datetime as dt

from flask import Response, abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import format_decimal
from marshmallow import EXCLUDE, Schema, ValidationError, validates_schema

from backoffice import audit, exports, records, reports, workbooks
from backoffice.auth import READERS, current_actor
from backoffice.formatting import money
from backoffice.links import with_query
from backoffice.i18n import _, _l
from backoffice.store.app import get_store
from backoffice.views.access import RoleGuard
from schemas import fields as sf

REPORTS = ("by_lot", "by_municipality", "providers", "ceilings")
# Which form fields each report reads: a wrong one hides only the reports that need it.
TITLES = {
    "by_lot": _l("Requests per lot and status"),
    "by_municipality": _l("Requests per municipality and status"),
    "providers": _l("Yearly totals per provider"),
    "ceilings": _l("Awarded amounts per lot against the ceiling"),
}
ARGUMENTS = {"by_lot": ("from", "to"), "by_municipality": ("from", "to"), "providers": ("year",), "ceilings": ()}


class ReportArguments(Schema):
    """The reports form: a period of reception (both ends optional) and the year of the provider totals."""

    class Meta:
        unknown = EXCLUDE  # the language switch and the CSV separator travel in the same query string

    start = sf.Date(_l("Received from"), data_key="from")
    end = sf.Date(_l("to"), data_key="to")
    year = sf.Integer(_l("Year of the provider totals"), minimum=2000, maximum=2100)

    @validates_schema(skip_on_field_errors=True)
    def _end_after_start(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError({"to": [str(_l("The end date comes before the start date."))]})


def report_arguments(args):
    """(values, errors) of the query string: empty fields are left out, errors are by form field name."""
    given = {name: args[name].strip() for name in ("from", "to", "year") if args.get(name, "").strip()}
    errors = {}
    try:
        values = ReportArguments().load(given)
    except ValidationError as error:
        # The fields that were right still serve the reports that need only them.
        values, errors = dict(error.valid_data or {}), records.plain_messages(error.messages)
    values.setdefault("year", dt.date.today().year)
    return values, errors


def period_text(name, values):
    """What a report covers, as a person reads it (the title line of a download, the workbook's first sheet)."""
    if name == "providers":
        return _("Year %(year)s", year=values["year"])
    if name == "ceilings":
        return _("On %(day)s", day=dt.date.today().isoformat())
    start, end = values.get("start"), values.get("end")
    if start and end:
        return _("Received from %(start)s to %(end)s", start=start.date().isoformat(), end=end.date().isoformat())
    if start:
        return _("Received from %(start)s", start=start.date().isoformat())
    if end:
        return _("Received until %(end)s", end=end.date().isoformat())
    return _("Every request received")


def period_slug(name, values):
    """The period in a file name: `2025`, `2025-01-01_2025-12-31`, or today's date."""
    if name == "providers":
        return str(values["year"])
    ends = [values[key].date().isoformat() for key in ("start", "end") if values.get(key)]
    return "_".join(ends) if ends and name != "ceilings" else dt.date.today().isoformat()


def build_table(name, values):
    """One report over the store for the checked arguments."""
    store = get_store()
    if name == "by_lot":
        table = reports.requests_by(store, "lot", values.get("start"), values.get("end"))
    elif name == "by_municipality":
        table = reports.requests_by(store, "municipality", values.get("start"), values.get("end"))
    elif name == "providers":
        table = reports.provider_year(store, values["year"])
    else:
        table = reports.lot_ceilings(store)
    return reports.finish(name, table, period_text(name, values))


# The report arguments an export records in the audit trail, each cut to the length of a real one.
AUDITED_ARGUMENTS = ("from", "to", "year", "sep")


def audited_arguments(args):
    """The known report arguments of a query string, short: the audit keeps nothing a visitor invents."""
    return {name: args[name][:10] for name in AUDITED_ARGUMENTS if name in args}


class ReportsView(RoleGuard, BaseView):
    """Requests per lot / municipality and status for a period, yearly provider totals, lot ceilings."""

    read_roles = READERS

    @expose("/")
    def index(self):
        values, errors = report_arguments(request.args)
        tables = {
            name: build_table(name, values) if not set(ARGUMENTS[name]) & set(errors) else None
            for name in REPORTS
        }
        return self.render(
            "admin/reports.html",
            tables=tables,
            titles=TITLES,
            errors=errors,
            money=money,
            number=format_decimal,
            start=request.args.get("from", ""),
            end=request.args.get("to", ""),
            year=request.args.get("year", "") if "year" in errors else values.get("year", ""),
            download_args={name: value for name, value in request.args.items() if name != "lang"},
        )

    @expose("/<report>.<kind>")
    def download(self, report, kind):
        """One report as a file (CSV for any spreadsheet, `?sep=,` for commas; XLSX a workbook)."""
        if report not in REPORTS or kind not in ("csv", "xlsx"):
            abort(404)
        values, errors = report_arguments(request.args)
        if set(ARGUMENTS[report]) & set(errors):
            # The page shows each message by its field; a file would only hide the mistake.
            return redirect(with_query(url_for(".index"), request.args))
        table = build_table(report, values)
        audit.record(get_store(), "export", current_actor(), details={"report": report, "format": kind, "args": audited_arguments(request.args)})
        if kind == "xlsx":
            info = workbooks.export_info(table.title, [(_("Period"), table.period)], current_actor())
            name = exports.report_file_name(report, period_slug(report, values), extension="xlsx")
            return workbooks.xlsx_response(lambda target: workbooks.write_table(target, table, info, TITLES[report]), name)
        delimiter = "," if request.args.get("sep") == "," else ";"
        return Response(
            exports.table_csv(table, delimiter=delimiter),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{exports.report_file_name(report, period_slug(report, values))}"',
                "Cache-Control": "no-store",
            },
        )
