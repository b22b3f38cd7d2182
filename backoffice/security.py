"""HTTP hardening: security headers with a per-request script nonce, and cookies Secure over HTTPS."""
import secrets

from flask import abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from backoffice.links import with_query


def csp_nonce():
    """This request's nonce for the few inline scripts Flask-Admin writes."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def add_headers(response):
    """Every answer: no framing, no sniffing, a strict CSP; pages and exports are never cached."""
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        # No inline style: the stylesheets are files; the few <style> blocks carry the nonce.
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith(("/static/", "/admin/static/")):
        # Pages and exports hold personal data: no copy in any cache.
        response.headers["Cache-Control"] = "no-store"
    return response


# The views that take a file: their body may reach MAX_UPLOAD_LENGTH instead of MAX_CONTENT_LENGTH.
UPLOAD_VIEWS = {"upload_file_view", "import_view"}


def allow_uploads():
    """Raise this request's body limit when it goes to a view that takes a file."""
    if request.endpoint and request.endpoint.rsplit(".", 1)[-1] in UPLOAD_VIEWS:
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]


def refuse_broken_return_addresses():
    """A 400 page for a return address (`url`, where Flask-Admin goes back after an action) with a control character.

    It would become the Location header of the redirect, which must never carry a line break.
    """
    for value in request.args.getlist("url") + (request.form.getlist("url") if request.method == "POST" else []):
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            abort(400)


def init_app(app):
    """Install the headers, the session cookie rule, the body limits and the trusted proxies."""
    # Before any other hook: CSRFProtect reads the form, and the limit must apply by then.
    app.before_request(allow_uploads)
    app.before_request(refuse_broken_return_addresses)
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        # Only then is X-Forwarded-For believed (as the address sign-in throttling counts), and only that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.session_interface = SessionInterface()
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["with_query"] = with_query
