"""The Flask-Admin instance of an app: the home page and one view per collection."""
from flask import current_app, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import format_decimal
from flask_login import current_user

from backoffice import dashboard, fragments
from backoffice.auth import READERS
from backoffice.formatting import day, moment, money
from backoffice.i18n import _l
from backoffice.security import csp_nonce
from backoffice.store.app import get_store
from backoffice.views.audit import AuditView
from backoffice.views.briefings import BriefingView
from backoffice.views.lots import LotView
from backoffice.views.outbox import OutboxView
from backoffice.views.providers import ProviderView
from backoffice.views.reports import ReportsView
from backoffice.views.requests import RequestView
from backoffice.views.users import UserView
from backoffice.views.access import RoleGuard


# The view of each collection that has a list, for the command line's exports and imports.
COLLECTION_VIEWS = {"requests": RequestView, "briefings": BriefingView, "providers": ProviderView, "lots": LotView}


class HomeView(RoleGuard, AdminIndexView):
    """The dashboard: requests by status, lot and municipality; what needs attention; lots against ceilings."""

    read_roles = READERS

    requests_view = None  # the requests list, whose filters the dashboard links into (set by init_app)

    @expose("/")
    def index(self):
        requests_view = self.requests_view
        return self.render(
            "admin/home.html",
            data=dashboard.summary(get_store()),
            queue=dashboard.work_queue(get_store(), current_user.email if current_user.is_authenticated else None),
            filter_url=lambda column, value: _filter_url(requests_view, column, value),
            money=money,
            number=format_decimal,
            moment=moment,
            day=day,
        )


def _filter_url(view, column, value):
    """The requests list narrowed to one value of a column, through the list's own filter."""
    for index, flt in enumerate(view.get_filters() or []):
        if getattr(flt, "column", None) == column and not getattr(flt, "data_type", None):
            return url_for(f"{view.endpoint}.index_view", **{f"flt0_{view.get_filter_arg(index, flt)}": value})
    return url_for(f"{view.endpoint}.index_view")


def admin_static_url(filename, v=None):
    """The URL of one of Flask-Admin's static files, built once per app: every page links a dozen."""
    known = current_app.extensions.setdefault("backoffice_static_urls", {})
    key = (request.script_root, filename, v)
    if key not in known:
        known[key] = url_for("admin.static", filename=filename, **({"v": v} if v else {}))
    return known[key]


def init_app(app):
    """Build a fresh Admin for this app (never a module-level one: the factory may run twice)."""
    app.jinja_env.globals["admin_static_url"] = admin_static_url
    fragments.init_app(app)
    home = HomeView(name=_l("Home"), url="/admin")
    admin = Admin(
        app,
        name=_l("Participation purchasing centre"),
        index_view=home,
        theme=Bootstrap4Theme(base_template="admin/backoffice_master.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    # The home page links into the requests list through that list's own filters.
    home.requests_view = RequestView(_l("Requests"), "requests")
    admin.add_view(home.requests_view)
    admin.add_view(BriefingView(_l("Briefings"), "briefings"))
    admin.add_view(ProviderView(_l("Providers"), "providers"))
    admin.add_view(LotView(_l("Lots"), "lots"))
    admin.add_view(ReportsView(name=_l("Reports"), endpoint="reports", url="reports"))
    admin.add_view(OutboxView(name=_l("Outbox"), endpoint="outbox", url="outbox"))
    admin.add_view(UserView(_l("Users"), "users", category=_l("Administration")))
    admin.add_view(AuditView(_l("Audit trail"), endpoint="audit", url="audit", category=_l("Administration")))
    return admin
