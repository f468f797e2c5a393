"""Cart blueprint: the cart, the checkout and the order confirmation."""

from flask import Blueprint

bp = Blueprint("cart", __name__)


@bp.after_request
def never_store(response):
    # The cart, the checkout (with the shopper's address) and the confirmation are one
    # shopper's: no browser or proxy cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


from . import views  # noqa: E402,F401  (routes register on bp)
