"""What every page shares: security headers, error pages, and every template filter and global."""

import gzip
from functools import lru_cache

from flask import Flask, current_app, render_template, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from . import engine
from .engine.availability import availability_of
from .engine.limits import MAX_LINE_QUANTITY
from .engine.pricing import substitute_unit_price
from .formatting import human_date, iso_instant, money, shop_time
from .forms import shopper_form_token

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # Tracking links carry a secret token; never leak it to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# Only over https: a browser ignores it on plain http.
STRICT_TRANSPORT = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def set_security_headers(response):
    """Each security header a view did not set itself (one pass over the headers, where
    `setdefault` would scan them once per header)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure and STRICT_TRANSPORT[0].lower() not in present:
        headers.add(*STRICT_TRANSPORT)
    return response


# Pages and fragments worth compressing; smaller bodies gain less than the gzip header costs.
COMPRESSED_TYPES = {"text/html", "text/css", "text/plain", "application/json", "image/svg+xml"}
MIN_COMPRESSED_BYTES = 500
# Measured on the 9.8 KB catalog page: level 1 takes 71 µs for 2.4 KB, level 6 140 µs for
# 2.2 KB. Pages are made per request, so the faster level; static files are packed once, at 9.
GZIP_LEVEL = 1


def accepts_gzip() -> bool:
    """Whether the client takes gzip (`gzip;q=0` says it does not)."""
    return _takes_gzip(request.headers.get("Accept-Encoding", ""))


@lru_cache(maxsize=64)
def _takes_gzip(accept_encoding: str) -> bool:
    """Parsed once per distinct header: browsers send a handful of them."""
    return parse_accept_header(accept_encoding)["gzip"] > 0


def compress(response):
    """Gzip a page for a client that takes it. Files sent as they are read (static files,
    streamed CSV downloads) and bodies already encoded pass untouched."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code in (204, 206, 304)
        or response.status_code < 200
        or response.mimetype not in COMPRESSED_TYPES
        or "Content-Encoding" in response.headers
        or request.method == "HEAD"
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip():
        return response
    body = response.get_data()
    if len(body) < MIN_COMPRESSED_BYTES:
        return response
    return send_gzipped(response, gzip.compress(body, GZIP_LEVEL, mtime=0))


def send_gzipped(response, packed: bytes):
    """`response` with its body replaced by the same body, gzipped."""
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:  # the same page in other bytes: only weakly the same
        response.set_etag(etag, weak=True)
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Signed-cookie sessions that a response any cache may keep never sets or varies on."""

    def save_session(self, app, session, response):
        # (The header is looked at before it is parsed: nearly every answer is not public.)
        if "public" in response.headers.get("Cache-Control", "") and response.cache_control.public:
            return  # a shared cache would hand one shopper's cookie to the next
        super().save_session(app, session, response)


def hue_bucket(sku: str) -> int:
    """One of 12 hues for a product's placeholder picture, stable for its sku."""
    return sum(sku.encode()) * 7 % 12


def initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


class Endpoints:
    """The app's endpoints, for templates: `{% if 'staff.orders' in endpoints %}`, or
    `endpoints.at('/staff/shipments')`, so a link shows only once its page exists."""

    def __contains__(self, endpoint: str) -> bool:
        return endpoint in current_app.view_functions

    def at(self, path: str) -> str | None:
        """The endpoint serving GET `path`, or None."""
        try:
            endpoint, _args = current_app.url_map.bind("localhost").match(path, "GET")
        except HTTPException:
            return None
        return endpoint


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.after_request(set_security_headers)
    app.after_request(compress)
    for template_filter in (money, human_date, ordinal, shop_time, iso_instant):
        app.add_template_filter(template_filter)
    for function in (hue_bucket, initials, substitute_unit_price, shopper_form_token):
        app.add_template_global(function)
    app.add_template_global(availability_of, "availability")
    app.add_template_global(engine.refusal_message, "refusal_message")
    app.jinja_env.globals["MAX_LINE_QUANTITY"] = MAX_LINE_QUANTITY
    app.jinja_env.globals["endpoints"] = Endpoints()

    from .cart.views import cart_count

    app.context_processor(
        lambda: {"cart_count": cart_count(), "payment_terms": app.config["PAYMENT_TERMS"]}
    )

    for code, title in [
        (400, "Bad request"),
        (404, "Not found"),
        (413, "Too large"),
        (429, "Too many requests"),
        (500, "Something went wrong"),
    ]:
        app.register_error_handler(code, _error_page(code, title))


def _error_page(code: int, title: str):
    def handler(error):
        description = (
            getattr(error, "description", "")
            if code != 500
            else ("The shop could not finish that. Nothing was changed; please try again.")
        )
        return render_template("error.html", code=code, title=title, description=description), code

    return handler
