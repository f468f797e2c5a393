"""Cart blueprint: the cart, the checkout and the order confirmation."""

from flask import Blueprint

bp = Blueprint("cart", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
