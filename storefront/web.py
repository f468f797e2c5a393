"""What every page shares: security headers, formatting filters, error pages."""

from flask import Flask, render_template, request

from .formatting import human_date, money
from .services.orders import MAX_LINE_QUANTITY

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


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.add_template_filter(money)
    app.add_template_filter(human_date)
    app.add_template_filter(ordinal)
    app.add_template_global(MAX_LINE_QUANTITY, "MAX_LINE_QUANTITY")

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
