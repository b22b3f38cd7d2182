"""Gunicorn settings for production (`docker compose up`)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Longer than the database timeouts (3 s to select a server, 15 s per socket), so a slow
# database gives the user an error page rather than a killed worker.
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Each worker opens its own MongoDB client after the fork (the client is created with connect=False).
preload_app = False
