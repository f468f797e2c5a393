"""Every POST route refuses a missing or wrong CSRF token and changes nothing.

The routes come from the URL map, so a route added later is checked without being listed.
"""

import re

import pytest
from markupsafe import escape

from storefront.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from storefront.forms import SAME_ORIGIN_REFUSED
from tests.web.routes import database_digest, demo_shop, form_for, path_for, shop_rules

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Exempt on purpose, each with its reason; anything else must carry the token.
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers post with no session or token; the
    # signed link is the authority (tests/web/test_alerts.py checks a forged one is refused).
    "catalog.unsubscribe_now",
}
# A first visit's product page forms carry no token: without one, the post must show it
# came from the shop's own page (storefront/forms.py), which these posts do not.
SHOPPER_FORMS = {"cart.add", "catalog.alert_signup"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def shop(app, client):
    shop = demo_shop()
    # Signed in with a real token, so the staff routes are reached as staff would reach them.
    token = CSRF_INPUT.search(client.get("/staff/login").get_data(as_text=True)).group(1)
    signed_in = client.post(
        "/staff/login",
        data={"email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    return shop


@pytest.mark.parametrize(
    ("token", "message"),
    [(None, "The CSRF token is missing."), ("forged-token", "The CSRF token is invalid.")],
    ids=["missing token", "wrong token"],
)
def test_every_post_route_refuses_a_missing_or_wrong_token(app, client, shop, token, message):
    rules = [rule for rule in shop_rules(app, "POST") if rule.endpoint not in EXEMPT]
    assert {"cart.add", "cart.checkout", "staff.receive", "tracking.cancel"} <= {
        rule.endpoint for rule in rules
    }
    before = database_digest()
    for rule in rules:
        form = form_for(shop, rule.endpoint)
        if token is not None:
            form["csrf_token"] = token
            form["receive-csrf_token"] = form["schedule-csrf_token"] = token
        response = client.post(path_for(app, rule, shop), data=form)
        assert response.status_code == 400, (rule.rule, response.status_code)
        expected = (
            SAME_ORIGIN_REFUSED if token is None and rule.endpoint in SHOPPER_FORMS else message
        )
        assert escape(expected) in response.get_data(as_text=True), rule.rule
    assert database_digest() == before
    assert client.get("/staff/restock").status_code == 200  # sign-out was refused too
