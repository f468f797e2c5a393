"""Catalog blueprint: the product grid and the product pages."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from . import alerts, views  # noqa: E402,F401  (routes register on bp)
