"""Staff blueprint: sign-in, restocking, product settings and reports, all behind one login."""

from flask import Blueprint

from ..extensions import login_manager

bp = Blueprint("staff", __name__, url_prefix="/staff")

login_manager.login_view = "staff.login"
login_manager.login_message = "Please sign in to see the staff pages."
login_manager.session_protection = "strong"


from . import orders, outbox, products, reports, sessions, shipments, suppliers, views  # noqa: E402,F401  (the user loader and the routes register)
