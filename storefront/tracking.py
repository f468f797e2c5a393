"""Blueprint for the tracking."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)
