"""The managers' reports page: tables on screen, the same tables as CSV."""
import datetime as dt

from flask import Response, abort, request
from flask_admin import BaseView, expose
from flask_babel import format_decimal

from backoffice import audit, exports, reports
from backoffice.auth import READERS, allowed, current_actor, require
from backoffice.db import get_db
from backoffice.formatting import money

REPORTS = ("by_lot", "by_municipality", "providers", "ceilings")


def _day(name):
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _year():
    try:
        return int(request.args.get("year", ""))
    except ValueError:
        return dt.date.today().year


class ReportsView(BaseView):
    """Requests per lot / municipality and status for a period, yearly provider totals, lot ceilings."""

    def _handle_view(self, name, **kwargs):
        return require(READERS)

    def is_accessible(self):
        return allowed(READERS)

    def _table(self, name):
        db = get_db()
        if name == "by_lot":
            return reports.requests_by(db, "lot", _day("from"), _day("to"))
        if name == "by_municipality":
            return reports.requests_by(db, "municipality", _day("from"), _day("to"))
        if name == "providers":
            return reports.provider_year(db, _year())
        return reports.lot_ceilings(db)

    @expose("/")
    def index(self):
        tables = {name: self._table(name) for name in REPORTS}
        return self.render(
            "admin/reports.html",
            tables=tables,
            money=money,
            number=format_decimal,
            start=request.args.get("from", ""),
            end=request.args.get("to", ""),
            year=_year(),
        )

    @expose("/<report>.csv")
    def download(self, report):
        """One report as a CSV file for Excel."""
        if report not in REPORTS:
            abort(404)
        table = self._table(report)
        audit.record(get_db(), "export", current_actor(), details={"report": report, "args": dict(request.args)})
        return Response(
            exports.table_csv(table),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{exports.file_name("report-" + report.replace("_", "-"))}"',
                "Cache-Control": "no-store",
            },
        )
