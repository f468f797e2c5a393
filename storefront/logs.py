"""Structured logs: one JSON line per request and per shop action, never a secret in them."""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request

# Loggers whose records are written as JSON lines: ours and the rate limiter's (it says
# when its Redis is unreachable and it falls back to counting in each process).
LOGGERS = ("storefront", "flask-limiter")
request_log = logging.getLogger("storefront.request")

# An incoming X-Request-ID (from a load balancer) is kept if it looks like an id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Path parts that are secrets (a tracking token opens an order) are logged as this.
REDACTED = "[token]"
SECRET_ARGUMENT = "token"
QUIET_ENDPOINTS = ("health.alive", "health.ready", "static")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (servers and test runners replace it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, event and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _without_token(record.getMessage()),
            **getattr(record, "fields", {}),
        }
        request_id = _current_request_id()
        if request_id and "request_id" not in entry:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["error"] = _without_token(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def _without_token(text: str) -> str:
    """Flask's own "Exception on <path>" names the raw path: hide the token there too."""
    if not has_request_context():
        return text
    return text.replace(request.path, redacted_path())


def _current_request_id() -> str | None:
    try:
        return g.get("request_id")
    except RuntimeError:  # outside a request or app context
        return None


def configure_logging(app: Flask) -> None:
    """Send our loggers to stderr as JSON lines, once per process, at LOG_LEVEL."""
    level = app.config["LOG_LEVEL"]
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        # The JSON line is the one output: no second, plain copy through the root logger.
        logger.propagate = False
        if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
            handler = StderrHandler()
            handler.setFormatter(JsonLines())
            logger.addHandler(handler)


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_log_request)


def request_id_from(incoming: str) -> str:
    """The load balancer's X-Request-ID if it looks like an id, else a new one."""
    return incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))


def _log_request(response):
    if "request_id" not in g:  # a request that failed before before_request ran
        _start_request()
    response.headers["X-Request-ID"] = g.request_id
    quiet = request.endpoint in QUIET_ENDPOINTS
    log_request(
        request.method, redacted_path(), response.status_code, g.started, g.request_id, quiet
    )
    return response


def log_request(
    method: str, path: str, status: int, started: float, request_id: str, quiet: bool = False
) -> None:
    """The request's one JSON line; `path` with its secrets already hidden."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "request_id": request_id,
    }
    request_log.log(logging.DEBUG if quiet else logging.INFO, "request", extra={"fields": fields})


def redacted_path() -> str:
    """The request's path (no query string), its secret part replaced.

    Matched by the routes' prefixes rather than the matched route, so a token in a path
    that found no route (404, 405) is hidden too.
    """
    path = request.path
    for prefix in _secret_prefixes(current_app):
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            tail = rest[rest.index("/") :] if "/" in rest else ""
            return prefix + REDACTED + tail
    return path


def _secret_prefixes(app: Flask) -> tuple[str, ...]:
    """What comes before `<token>` in every route that has one, longest first."""
    prefixes = app.extensions.get("secret_path_prefixes")
    if prefixes is None:
        found = {
            rule.rule.split(f"<{SECRET_ARGUMENT}>")[0]
            for rule in app.url_map.iter_rules()
            if SECRET_ARGUMENT in rule.arguments
        }
        prefixes = app.extensions["secret_path_prefixes"] = tuple(sorted(found, key=len)[::-1])
    return prefixes


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields) -> None:
    """Log `event` with its fields as one JSON line."""
    logger.log(level, event, extra={"fields": fields})
