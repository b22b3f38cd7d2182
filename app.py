"""The WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
from backoffice import create_app

app = create_app()
