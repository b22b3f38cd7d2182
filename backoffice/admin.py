"""The Flask-Admin instance of an app: the home page and one view per collection."""
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme

from backoffice.auth import READERS, allowed, require
from backoffice.db import get_db
from backoffice.security import csp_nonce
from backoffice.i18n import _l
from backoffice.views.audit import AuditView
from backoffice.views.briefings import BriefingView
from backoffice.views.lots import LotView
from backoffice.views.providers import ProviderView
from backoffice.views.reports import ReportsView
from backoffice.views.requests import RequestView
from backoffice.views.users import UserView
from schemas.choices import REQUEST_STATUSES


class HomeView(AdminIndexView):
    """The landing page: how many records of each kind, and requests by status."""

    def _handle_view(self, name, **kwargs):
        return require(READERS)

    def is_accessible(self):
        return allowed(READERS)

    @expose("/")
    def index(self):
        db = get_db()
        counts = {name: db[name].count_documents({}) for name in ("requests", "briefings", "providers", "lots")}
        by_status = {status: db["requests"].count_documents({"status": status}) for status in REQUEST_STATUSES}
        return self.render("admin/home.html", counts=counts, by_status=by_status, statuses=REQUEST_STATUSES)


def init_app(app):
    """Build a fresh Admin for this app (never a module-level one: the factory may run twice)."""
    admin = Admin(
        app,
        name=_l("Participation purchasing centre"),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/backoffice_master.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    db = get_db(app)
    admin.add_view(RequestView(db, _l("Requests"), "requests"))
    admin.add_view(BriefingView(db, _l("Briefings"), "briefings"))
    admin.add_view(ProviderView(db, _l("Providers"), "providers"))
    admin.add_view(LotView(db, _l("Lots"), "lots"))
    admin.add_view(ReportsView(name=_l("Reports"), endpoint="reports", url="reports"))
    admin.add_view(UserView(db, _l("Users"), "users", category=_l("Administration")))
    admin.add_view(AuditView(db["audit"], _l("Audit trail"), endpoint="audit", url="audit", category=_l("Administration")))
    return admin
