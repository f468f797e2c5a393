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
    if NUL in request.path or _has_nul(request.args) or _has_nul(request.form):
        abort(400, REFUSED)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
