"""The benchmark's server: the shop, and a bare Flask endpoint beside it as the baseline.

Both are served by the same gunicorn processes, so the baseline pays exactly what every shop
page pays for gunicorn, the WSGI call and Flask's dispatch, and nothing of the shop's own
hooks (headers, logging, sessions, the database).
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench import BASELINE_PATH
from storefront import create_app

bare = Flask("baseline")


@bare.get("/")
def hello():
    return "hello"


shop = create_app()
app = DispatcherMiddleware(shop, {BASELINE_PATH: bare})
