"""Pages answered from the catalog's version instead of re-rendered: the catalog, product
pages, and (with more in their key) tracking pages and the cart.

Everything these pages show comes from the products, their shipments and substitutes (whose
every change raises the catalog's version, kept by the database: migration 0010), the shop's
date, the deployed code and settings (the build id), the request's path and query, and two
things of the shopper's session: the header's cart count and the form token (or, for a
shopper without a form secret, that there is none: forms.py). So a page is exactly
determined by its key,

    build id, catalog version, shop date, path and query, htmx or not, cart count,
    form token or none,

and, for a page about more than the catalog, what else it shows: an order's version (which
changes whenever anything visible on the order does), or the cart's lines,

and a page rendered once under a key is that page for as long as the key holds: a committed
change gives a new catalog version and so a new key, at once, in every process. That is why
each process may keep rendered pages (a small LRU) and why browsers get an ETag to ask with
`If-None-Match` (answered `304 Not Modified`, the ETag also covering the session's form
secret). The form token itself is never kept: it is cut out of the kept page and the
shopper's own is put back in on the way out. A page carrying a flashed message is the
shopper's alone: it is rendered, never kept, and marked `no-store`.
"""

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path
from threading import Lock

from flask import Flask, current_app, g, make_response, request, session
from flask_wtf.csrf import generate_csrf

from .forms import has_form_token
from .models.types import today
from .queries.catalog import catalog_version
from .web import accepts_gzip, send_gzipped

# What a kept page has where the shopper's form token goes.
TOKEN_SLOT = "\x00form-token\x00"
MAX_PAGES = 512
# Settings that change what a page says; the rest (secrets above all) stay out of the id.
PAGE_SETTINGS = (
    "HANDLING_DAYS",
    "PROMISE_BUFFER",
    "SHOP_TIMEZONE",
    "SHIPPING_FEE_CENTS",
    "PAYMENT_TERMS",
    "CURRENCY",
    "LOCALE",
    "CATALOG_PAGE_SIZE",
    "BACKORDERS_RETURNING_CUSTOMERS_ONLY",
)


@dataclass(frozen=True)
class KeptPage:
    html: str
    # Gzipped once when the page holds no form token (a token differs per shopper).
    gzipped: bytes | None


class PageCache:
    """Rendered pages by key, the least recently used dropped first; shared by a process's
    threads."""

    def __init__(self, app: Flask, size: int = MAX_PAGES):
        self.build = build_id(app)
        self.size = size
        self.pages: OrderedDict[str, KeptPage] = OrderedDict()
        self.lock = Lock()
        # Templates that reload from disk (development) would outrun the build id.
        self.enabled = not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"))

    def get(self, key: str) -> "KeptPage | None":
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: str, page: "KeptPage") -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


def build_id(app: Flask) -> str:
    """The deployed code, templates and page settings, as one short digest."""
    code = code_digest(app.root_path, str(app.template_folder or ""))
    digest = hashlib.sha256(code.encode())
    for name in PAGE_SETTINGS:
        digest.update(f"{name}={app.config.get(name)!r}".encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=8)
def code_digest(root: str, template_folder: str) -> str:
    """The package's code and templates (read once per process: they change by a deploy)."""
    digest = hashlib.sha256()
    templates = Path(root, template_folder)
    for path in sorted(Path(root).rglob("*.py")) + sorted(templates.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(path.anchor)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app)


def versioned_page(*more_key, etag: bool = True):
    """Serve a view's page by its key (plus `more_key`: functions of the view's arguments
    giving whatever else the page shows, such as an order's version): a 304 to a browser
    holding it (with `etag`), the kept copy when this process has it, else rendered (and
    kept when it is a plain 200 page)."""

    def decorate(view):
        @wraps(view)
        def answer(*args, **kwargs):
            cache: PageCache = current_app.extensions["page_cache"]
            if "_flashes" in session:  # a message for this shopper only: never kept
                response = make_response(view(*args, **kwargs))
                response.cache_control.no_store = True
                return response
            key = "\n".join([page_key(cache), *(str(part(**kwargs)) for part in more_key)])
            if etag and request.if_none_match.contains_weak(etag_for(key)):
                return _not_modified(etag_for(key))
            page = cache.get(key) if cache.enabled else None
            if page is None:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200 or response.mimetype != "text/html":
                    return response
                cache.put(key, keep(response.get_data(as_text=True)))
            elif page.gzipped is not None and accepts_gzip():
                response = send_gzipped(make_response(page.html), page.gzipped)
            else:
                html = page.html
                if TOKEN_SLOT in html:
                    html = html.replace(TOKEN_SLOT, generate_csrf())
                response = make_response(html)
            if etag:
                # After rendering (the form secret may be new); gzipped bytes: weakly the same.
                packed = "Content-Encoding" in response.headers
                response.set_etag(etag_for(key), weak=packed)
                _revalidated(response)
            return response

        return answer

    return decorate


def keep(rendered: str) -> KeptPage:
    token = g.get("csrf_token")
    if token and token in rendered:
        return KeptPage(rendered.replace(token, TOKEN_SLOT), None)
    return KeptPage(rendered, gzip.compress(rendered.encode(), 6, mtime=0))


def page_key(cache: PageCache) -> str:
    from .cart.views import cart_count  # the cart's views use the product page

    parts = (
        cache.build,
        catalog_version(),
        today().isoformat(),
        request.full_path,
        "htmx" if request.headers.get("HX-Request") else "page",
        str(cart_count()),
        # A shopper without a form secret gets forms without a token (forms.py).
        "token" if has_form_token() else "no token",
    )
    return "\n".join(parts)


def etag_for(key: str) -> str:
    """The page's key and the session's form secret (a kept browser copy holds a token made
    from it), digested: nothing of either can be read back from it."""
    secret = session.get("csrf_token", "")
    return hashlib.sha256(f"{key}\n{secret}".encode()).hexdigest()[:32]


def _not_modified(etag: str):
    response = current_app.response_class(status=304)
    response.set_etag(etag)
    return _revalidated(response)


def _revalidated(response):
    """Kept by the browser only, and asked about (If-None-Match) before each use."""
    response.headers["Cache-Control"] = "private, no-cache"
    return response
