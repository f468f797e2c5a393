"""Staff sessions: each names its account's current session token and ends after idle time.

Sessions live in the signed cookie, so ending one means making its cookie worthless: a
sign-out or a new password gives the account a new token (every earlier cookie names the
old one), and a cookie not used for `STAFF_IDLE_MINUTES` is no longer accepted.
"""

import hmac
import time

from flask import current_app, flash, session

from ..extensions import db, login_manager
from ..models import StaffUser

LAST_SEEN = "staff_seen"
# The cookie is rewritten at most this often to move the idle clock on.
LAST_SEEN_RESOLUTION_SECONDS = 60


@login_manager.user_loader
def load_staff(session_id: str) -> StaffUser | None:
    user_id, _, token = session_id.partition(":")
    if not (user_id.isdigit() and token) or _idle_too_long():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    mark_active()
    return user


def mark_active() -> None:
    now = int(time.time())
    if now - session.get(LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN] = now


def _idle_too_long() -> bool:
    last_seen = session.get(LAST_SEEN)
    idle_minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if isinstance(last_seen, int) and time.time() - last_seen <= idle_minutes * 60:
        return False
    session.pop("_user_id", None)
    session.pop(LAST_SEEN, None)
    flash(f"You were signed out after {idle_minutes} minutes without activity.", "info")
    return True
