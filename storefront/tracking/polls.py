"""Unchanged polls, answered before Flask.

A tracking page asks every 5 seconds whether its order changed (DESIGN.md, the htmx
protocol); nearly always it has not, and the answer, `204 No Content`, needs only the
order's version. This WSGI layer recognises exactly that request, `GET
/orders/<token>/status?v=<n>`, reads the version and, when it is still n, answers 204 with
the headers and the log line Flask's answer has. Anything else (another path or query, a
changed or unknown order, a read that failed) goes on to Flask untouched, which answers it
as it always did.
"""

import re
import time
from collections.abc import Callable, Iterable

from flask import Flask

from ..database import QuickReadFailed
from ..logs import REDACTED, log_request, request_id_from
from ..queries.orders import order_version
from ..web import SECURITY_HEADERS, STRICT_TRANSPORT
from .views import NEVER_STORED, READ_VERSION, TOKEN

POLL_PATH = re.compile(rf"/orders/({TOKEN.pattern})/status")
POLL_QUERY = re.compile(r"v=([0-9]{1,18})")
LOGGED_PATH = f"/orders/{REDACTED}/status"
# What Flask's 204 carries (a test holds the two equal), the request id aside.
HEADERS = [("Content-Type", "text/html; charset=utf-8"), *NEVER_STORED, *SECURITY_HEADERS]


class UnchangedPolls:
    """WSGI middleware in front of the shop's Flask app (`wsgi_app`)."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            path = POLL_PATH.fullmatch(environ.get("PATH_INFO", ""))
            query = POLL_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
            if path and query:
                started = time.perf_counter()
                try:
                    version = order_version(path[1], app=self.app)
                except QuickReadFailed:
                    pass  # Flask reads it again, through connections it tests first
                else:
                    if version is not None and version == int(query[1]):
                        return self._no_content(environ, start_response, started)
                    environ[READ_VERSION] = version  # Flask need not read it again
        return self.wsgi_app(environ, start_response)

    def _no_content(
        self, environ: dict, start_response: Callable, started: float
    ) -> Iterable[bytes]:
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = [*HEADERS, ("X-Request-ID", request_id)]
        if environ.get("wsgi.url_scheme") == "https":
            headers.append(STRICT_TRANSPORT)
        start_response("204 NO CONTENT", headers)
        log_request("GET", LOGGED_PATH, 204, started, request_id)
        return []


def init_app(app: Flask) -> None:
    # Flask's documented way to wrap the WSGI app; mypy sees a method being replaced.
    app.wsgi_app = UnchangedPolls(app, app.wsgi_app)  # type: ignore[method-assign]
