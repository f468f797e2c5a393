"""Gunicorn settings for the shop (the Procfile's `web`): `gunicorn -c gunicorn.conf.py`.

Every process is stateless: sessions live in signed cookies, rate-limit counters in Redis,
everything else in PostgreSQL, so any number of these may run on any number of hosts.
"""

import gc
import multiprocessing
import os

wsgi_app = "storefront:create_app()"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
# Build the app once before forking: a refused production setting stops the server at
# once with its message, instead of every worker failing to boot in turn.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# The shop writes one JSON line per request itself (with its request id, without
# tracking tokens); gunicorn's access log would repeat it with the token in the path.
accesslog = None
errorlog = "-"
# Restart workers now and then, so a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200


def pre_fork(server, worker):
    # What the master built (the app, its modules and templates) lives as long as the
    # worker: frozen, the garbage collector never walks it again, and a request that makes
    # many objects (receiving stock for thousands of orders) is not slowed by rescans.
    gc.freeze()
