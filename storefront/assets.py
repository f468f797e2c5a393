"""Static files under a name that carries their content's hash, kept by browsers for a year.

`url_for('static', filename='css/shop.css')` gives `/static/css/shop.<hash>.css`. A new
release with a changed file gives a new name, so nothing stale is ever served under a name a
browser keeps (`immutable`). The plain name still answers, revalidated on every use (older
pages and emails may hold it); a name with a hash that is not the file's is not found.
Compressible files are gzipped once, at start, and sent so to clients that accept it.
"""

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, request, send_from_directory

from .extensions import unlimited
from .web import accepts_gzip

YEAR = 365 * 24 * 3600
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}


@dataclass(frozen=True)
class Asset:
    name: str  # the plain name, under the static folder
    hashed: str
    body: bytes
    gzipped: bytes | None
    mimetype: str


def hashed_name(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


@lru_cache(maxsize=8)
def load_assets(folder: Path) -> dict[str, Asset]:
    """Every static file by its hashed name (read once per process: they change by a deploy)."""
    assets = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        gzipped = gzip.compress(body, 9, mtime=0) if mimetype in COMPRESSIBLE else None
        if gzipped is not None and len(gzipped) >= len(body):
            gzipped = None
        digest = hashlib.sha256(body).hexdigest()[:12]
        asset = Asset(name, hashed_name(name, digest), body, gzipped, mimetype)
        assets[asset.hashed] = asset
    return assets


def init_app(app: Flask) -> None:
    assets = load_assets(Path(app.static_folder or ""))
    app.extensions["assets"] = assets
    by_name = {asset.name: asset.hashed for asset in assets.values()}
    app.extensions["asset_names"] = frozenset(by_name)

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in by_name:
            values["filename"] = by_name[values["filename"]]

    app.view_functions["static"] = unlimited(serve_static)


def serve_static(filename: str):
    asset = current_app.extensions["assets"].get(filename)
    if asset is None:
        # The plain name (or a file added since start): revalidated on every use.
        if filename in current_app.extensions["asset_names"]:
            response = send_from_directory(current_app.static_folder or "", filename, max_age=0)
            response.cache_control.no_cache = True
            return response
        abort(404, "There is no such file.")
    gzipped = asset.gzipped is not None and accepts_gzip()
    response = current_app.response_class(
        asset.gzipped if gzipped else asset.body, mimetype=asset.mimetype
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    response.set_etag(asset.hashed + ("-gzip" if gzipped else ""))
    return response.make_conditional(request)
