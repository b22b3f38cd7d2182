"""Gunicorn settings for production (`docker compose up`); bench/load.py runs the app with them too."""
import multiprocessing
import os
import sys

# Loopback unless told otherwise (GUNICORN_BIND): the app is meant to sit behind an HTTPS reverse proxy.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Two threads per worker make it a gthread worker: a long CSV download keeps one thread busy,
# not the whole worker, and the worker's heartbeat goes on meanwhile.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# The database gives up first (MONGO_TIMEOUT_MS, 3 s by default, to select a server or connect,
# five times that on a socket: backoffice/db.py), so a slow database gives the user an error page
# rather than a killed worker: twice the socket timeout, 30 s by default.
_database_timeout_s = int(os.environ.get("MONGO_TIMEOUT_MS", "3000")) * 5 / 1000
timeout = int(os.environ.get("GUNICORN_TIMEOUT", max(30, 2 * _database_timeout_s)))
graceful_timeout = timeout
keepalive = 5
# The heartbeat files on a memory file system: a slow disk cannot make a worker look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# Each worker opens its own MongoDB client after the fork (the client is created with connect=False).
preload_app = False

# Sessions and CSRF tokens are signed with SECRET_KEY. Without one, each worker would make its
# own and refuse what the others signed: several workers need the one key.
if workers > 1 and not os.environ.get("SECRET_KEY"):
    sys.exit("gunicorn: set SECRET_KEY (the same for every worker) to run several workers.")
