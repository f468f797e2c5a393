"""What every page shares: security headers, error pages, and every template filter and global."""

from flask import Flask, render_template, request

from . import engine
from .engine.availability import availability_of
from .engine.limits import MAX_LINE_QUANTITY
from .engine.pricing import substitute_unit_price
from .formatting import human_date, iso_instant, money, shop_time

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


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Tracking links carry a secret token; never leak it to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def hue_bucket(sku: str) -> int:
    """One of 12 hues for a product's placeholder picture, stable for its sku."""
    return sum(sku.encode()) * 7 % 12


def initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    for template_filter in (money, human_date, ordinal, shop_time, iso_instant):
        app.add_template_filter(template_filter)
    for function in (hue_bucket, initials, substitute_unit_price):
        app.add_template_global(function)
    app.add_template_global(availability_of, "availability")
    app.add_template_global(engine.refusal_message, "refusal_message")
    app.add_template_global(MAX_LINE_QUANTITY, "MAX_LINE_QUANTITY")

    from .cart.views import cart_count

    app.context_processor(lambda: {"cart_count": cart_count()})

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
