"""Staff accounts: create one, or give an existing one a new password."""

from sqlalchemy import select

from ..database import retry_on_conflict, write_transaction
from ..models import StaffUser
from .errors import InvalidRequest, NotFound

MIN_PASSWORD_LENGTH = 12


@retry_on_conflict
def set_staff_password(email: str, password: str) -> bool:
    """Create the account or set its new password; True if it was created."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidRequest("Give the staff member's email address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.")
    with write_transaction() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        created = user is None
        if user is None:
            user = StaffUser(email=email)
            session.add(user)
        user.set_password(password)
        user.end_sessions()  # whoever knew the old password is signed out
    return created


@retry_on_conflict
def end_staff_sessions(user_id: int) -> None:
    """Sign the staff member out everywhere: every session signed in so far stops working."""
    with write_transaction() as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            raise NotFound("No such staff account.")
        user.end_sessions()
