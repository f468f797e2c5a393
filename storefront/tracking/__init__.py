"""Tracking blueprint: order lookup, the live tracking page and the customer's own changes."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
