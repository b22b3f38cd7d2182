"""Error pages in the user's language, with no internals: no stack trace, host name or exception text."""
import logging

from flask import render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from backoffice.i18n import _
from backoffice.store import UNAVAILABLE, Conflict, DuplicateKey
from backoffice.system_records import RecordRefused

log = logging.getLogger(__name__)
csrf = CSRFProtect()

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have the right to see this page or do this action."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not possible here."),
    413: lambda: _("What was sent is too large; nothing was saved. Send less at a time."),
    429: lambda: _("Too many attempts. Please wait a few minutes and try again."),
    500: lambda: _("Something went wrong on our side. The team has been told; please try again later."),
    503: lambda: _("The database cannot be reached right now. Please try again in a few minutes."),
}


def error_page(status, message=None):
    """Render the error page for `status` with a message a person can act on."""
    text = message or MESSAGES.get(status, MESSAGES[500])()
    return render_template("error.html", status=status, message=text), status


def init_app(app):
    """CSRF protection on every POST, and readable error pages for every failure."""
    csrf.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, _("This form has expired or did not come from this site; nothing was saved. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return error_page(error.code if error.code in MESSAGES else 500 if error.code >= 500 else error.code)

    @app.errorhandler(Conflict)
    def conflict(error):
        # The write could not take its turn and nothing of it was written: the person tries again.
        log.warning("write conflict: %s", error)
        return error_page(409, _("Someone else was saving at the same moment; nothing was saved. Please try again."))

    @app.errorhandler(DuplicateKey)
    def duplicate(error):
        # The forms name the field themselves; this is the safety net for any other write.
        log.warning("duplicate key: %s", error)
        return error_page(409, _("Another record already has this value; nothing was saved."))

    @app.errorhandler(RecordRefused)
    def refused_by_schema(error):
        # A document our code built (an audit entry, an e-mail) was refused: nothing of the action was written.
        log.error("%s", error)
        return error_page(422, error.text())

    for failure in UNAVAILABLE:
        @app.errorhandler(failure)
        def database_error(error):
            log.exception("database error")
            return error_page(503)

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unexpected error")
        return error_page(500)
