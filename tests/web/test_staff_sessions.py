"""A staff session ends at sign-out, at a new password and after idle time: a copy of its
cookie kept from before opens nothing."""

import time

import pytest
from flask import g

from storefront.extensions import db
from storefront.staff.sessions import LAST_SEEN


def sign_in(client):
    response = client.post(
        "/staff/login", data={"email": "staff@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get("/staff/restock").status_code == 200


def restock_opens(client) -> bool:
    # Test requests share the test's app context, where Flask-Login keeps the user it
    # loaded; a real request starts without one and asks the user loader.
    g.pop("_login_user", None)
    response = client.get("/staff/restock")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def signed_in(client, staff_user):
    sign_in(client)
    return client


def test_a_cookie_copied_before_signing_out_opens_nothing_after(signed_in):
    copied = signed_in.get_cookie("session").value
    signed_in.post("/staff/logout")
    assert not restock_opens(signed_in)
    signed_in.set_cookie("session", copied)  # replayed, as someone who copied it would
    assert not restock_opens(signed_in)


def test_signing_out_ends_the_other_sessions_of_that_account(app, signed_in):
    other_browser = app.test_client()
    sign_in(other_browser)
    signed_in.post("/staff/logout")
    assert not restock_opens(other_browser)


def test_signing_in_again_after_signing_out_works(signed_in):
    signed_in.post("/staff/logout")
    sign_in(signed_in)
    assert restock_opens(signed_in)


def test_a_new_password_ends_every_session(app, runner, signed_in):
    result = runner.invoke(
        args=["create-staff", "staff@example.com", "--password", "a brand new passphrase"]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()  # the command ran in its own session; a request starts afresh
    assert not restock_opens(signed_in)


def test_a_session_left_idle_is_signed_out(app, signed_in):
    app.config["STAFF_IDLE_MINUTES"] = 30
    with signed_in.session_transaction() as session:
        session[LAST_SEEN] = int(time.time()) - 29 * 60
    assert restock_opens(signed_in)  # 29 minutes: still signed in, and the clock moves on
    with signed_in.session_transaction() as session:
        assert session[LAST_SEEN] >= int(time.time()) - 5
        session[LAST_SEEN] = int(time.time()) - 31 * 60
    g.pop("_login_user", None)
    response = signed_in.get("/staff/restock", follow_redirects=True)
    assert "signed out after 30 minutes without activity" in response.get_data(as_text=True)
    assert not restock_opens(signed_in)


def test_a_session_cookie_without_the_accounts_token_opens_nothing(signed_in, staff_user):
    with signed_in.session_transaction() as session:
        session["_user_id"] = str(staff_user.id)  # the form every session had before
    assert not restock_opens(signed_in)
