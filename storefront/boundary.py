"""Input no part of the shop can store, refused before any view sees it.

PostgreSQL text cannot hold a NUL character (SQLite can), so a NUL that reached a query
would answer 500 on one database and pass on the other. No name, address, search or key
the shop uses has one: a request carrying one anywhere is refused here, alike on both.
"""

from flask import Flask, abort, request

NUL = "\x00"
REFUSED = "The request contains a NUL character (%00), which no page of the shop accepts."


def _has_nul(values) -> bool:
    return any(NUL in key or any(NUL in value for value in values.getlist(key)) for key in values)


def refuse_nul_bytes() -> None:
    # The query string's raw bytes first: a NUL anywhere is refused, nearly always absent.
    raw_query = request.query_string
    if NUL in request.path or b"%00" in raw_query or b"\x00" in raw_query:
        abort(400, REFUSED)
    has_body = request.content_length or request.mimetype  # a body that may hold a form
    if has_body and _has_nul(request.form):
        abort(400, REFUSED)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
