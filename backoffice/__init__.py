"""The back-office of the Brussels participation purchasing centre."""
from flask import Flask, jsonify, redirect, url_for

from backoffice import admin, auth, cli, config, errors, i18n, outbox, security
from backoffice.store import app as store_app


def create_app(test_config=None):
    """Build the app: configuration, languages, database, admin views, commands. Wiring only."""
    app = Flask(__name__, instance_path=str(config.ROOT / "instance"))
    app.config.update(config.load(test_config))
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    store_app.init_app(app)
    outbox.init_app(app)
    auth.init_app(app)
    admin.init_app(app)
    cli.init_app(app)
    configure_routes(app)
    return app


def configure_routes(app):
    """The few routes outside the admin: the root and the health check."""

    @app.get("/")
    def root():
        return redirect(url_for("admin.index"))

    @app.get("/healthz")
    def healthz():
        if store_app.get_store(app).ping():
            return jsonify(status="ok")
        return jsonify(status="unavailable"), 503
