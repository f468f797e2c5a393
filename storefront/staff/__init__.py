"""Staff blueprint: sign-in, restocking, product settings and reports, all behind one login."""

from flask import Blueprint

from ..extensions import db, login_manager
from ..models import StaffUser

bp = Blueprint("staff", __name__, url_prefix="/staff")

login_manager.login_view = "staff.login"
login_manager.login_message = "Please sign in to see the staff pages."
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_staff(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


from . import orders, outbox, products, reports, shipments, suppliers, views  # noqa: E402,F401  (routes register on bp)
