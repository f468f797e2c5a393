"""Generated query strings to every page and generated posts to every form: never a 5xx,
and a refused post changes nothing. Routes come from the URL map; values are Hypothesis's."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.routes import (
    database_digest,
    demo_shop,
    fill_cart,
    form_for,
    path_for,
    shop_rules,
    sign_in_staff,
)

EXAMPLES_PER_ROUTE = 25
FUZZ = settings(
    max_examples=EXAMPLES_PER_ROUTE,
    deadline=None,
    database=None,  # nothing written under the worktree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "²",
    "٣",
    str(10**23),
    str(2**31),
    str(-(2**63)),
    "9" * 40,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "wait",
    "drop",
    "sub:1",
    "sub:99999999999",
    "yes",
    "2000-01-01",
    "9999-12-31",
    "x" * 300,
    "\u202e\ufeff",
    "a\x00b",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
QUERY_NAMES = ["q", "category", "page", "available", "quantity", "v", "next"]


@pytest.fixture
def shop(app, client):
    shop = demo_shop()
    sign_in_staff(client)
    fill_cart(client, shop)
    return shop


def fuzz_page(client, path: str) -> None:
    names = st.one_of(st.sampled_from(QUERY_NAMES), st.text(min_size=1, max_size=10))

    @FUZZ
    @given(query=st.dictionaries(names, values, max_size=4))
    def get_page(query):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)

    get_page()


def fuzz_form(client, path: str, form: dict[str, str]) -> None:
    fields = st.sampled_from([*form, "x"])

    @FUZZ
    @given(changes=st.dictionaries(fields, values, max_size=4), dropped=st.sets(fields))
    def post_form(changes, dropped):
        data = {k: v for k, v in {**form, **changes}.items() if k not in dropped - set(changes)}
        before = database_digest()
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, data)
        if response.status_code >= 400:
            assert database_digest() == before, (path, data, response.status_code)

    post_form()


def test_generated_query_strings_never_get_a_5xx(app, client, shop):
    for rule in shop_rules(app, "GET"):
        fuzz_page(client, path_for(app, rule, shop))


def test_generated_posts_never_get_a_5xx_and_a_refusal_changes_nothing(app, client, shop):
    # Signing out always succeeds and would end the staff session for the other routes;
    # the CSRF and NUL tests post to it.
    for rule in shop_rules(app, "POST"):
        if rule.endpoint != "staff.logout":
            fuzz_form(client, path_for(app, rule, shop), form_for(shop, rule.endpoint))
