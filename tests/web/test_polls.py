"""Unchanged polls answered in front of Flask (storefront/tracking/polls.py): the same
answer Flask gives, and everything else left to Flask."""

import json
import logging
import os

import pytest
from sqlalchemy import create_engine, text

from storefront.extensions import db
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from storefront.tracking.polls import UnchangedPolls
from tests.conftest import counted_queries


@pytest.fixture
def order(make_product):
    product = make_product(name="Kettle", on_hand=0)
    contact = Contact("a@example.com", "Ann", "1 Main St", "Town", "12345", "US")
    return place_order(contact, [Item(product.id, 1)])


@pytest.fixture
def flask_calls(app):
    """How many requests went past the poll layer on to Flask."""
    polls = app.wsgi_app
    assert isinstance(polls, UnchangedPolls)
    calls = []
    inner = polls.wsgi_app

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    polls.wsgi_app = counted
    yield calls
    polls.wsgi_app = inner


def poll_url(order, version=None) -> str:
    return f"/orders/{order.token}/status?v={order.version if version is None else version}"


def test_an_unchanged_poll_is_answered_without_flask_in_one_statement(client, order, flask_calls):
    url = poll_url(order)
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 204 and response.data == b""
    assert flask_calls == [] and len(statements) == 1


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_answer_carries_the_headers_flask_gives_it(app, client, order, scheme):
    base_url = f"{scheme}://shop.example"
    ours = client.get(poll_url(order), base_url=base_url, headers={"X-Request-ID": "req-12345678"})
    polls = app.wsgi_app
    app.wsgi_app = polls.wsgi_app  # Flask alone
    try:
        flasks = client.get(
            poll_url(order), base_url=base_url, headers={"X-Request-ID": "req-12345678"}
        )
    finally:
        app.wsgi_app = polls
    assert ours.status_code == flasks.status_code == 204
    assert sorted(ours.headers.items()) == sorted(flasks.headers.items())
    assert ours.headers["X-Request-ID"] == "req-12345678"
    assert ("Strict-Transport-Security" in ours.headers) == (scheme == "https")


def test_the_answer_is_logged_like_any_request_without_the_token(client, order, caplog):
    caplog.set_level(logging.INFO, logger="storefront.request")
    client.get(poll_url(order), headers={"X-Request-ID": "not an id!"})
    [record] = [r for r in caplog.records if r.name == "storefront.request"]
    fields = record.fields
    assert fields["path"] == "/orders/[token]/status" and fields["status"] == 204
    assert fields["method"] == "GET" and len(fields["request_id"]) == 32
    assert order.token not in json.dumps(fields)


def test_a_changed_order_goes_on_to_flask_and_gets_its_fragment(client, order, flask_calls):
    seen = order.version
    receive_stock(order.lines[0].product_id, 1)
    url = poll_url(order, seen)
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200 and 'id="order-status"' in response.get_data(as_text=True)
    assert len(flask_calls) == 1
    # The version read in front of Flask is not read a second time.
    assert sum(s.startswith("SELECT orders.version \nFROM") for s in statements) == 1


@pytest.mark.parametrize(
    "ask",
    [
        lambda o: (f"/orders/{'A' * 22}/status?v=1", "GET", 404),  # no such order
        lambda o: (f"/orders/{o.token}/status?v={o.version}&x=1", "GET", 204),  # more query
        lambda o: (f"/orders/{o.token}/status?v=1e3", "GET", 200),  # not a whole number
        lambda o: (f"/orders/{o.token}/status?v={'9' * 40}", "GET", 200),  # too long
        lambda o: (f"/orders/{o.token}/status?v={o.version}", "HEAD", 204),
        lambda o: (f"/orders/{o.token}/status?v={o.version}", "POST", 405),
        lambda o: (f"/orders/{o.token}%00/status?v={o.version}", "GET", 400),  # a NUL
    ],
)
def test_anything_but_an_exact_unchanged_poll_is_flasks_to_answer(client, order, flask_calls, ask):
    url, method, status = ask(order)
    assert client.open(url, method=method).status_code == status
    assert len(flask_calls) == 1


def test_when_the_quick_read_fails_flask_answers_through_its_own_connections(
    app, client, order, flask_calls, tmp_path
):
    broken = create_engine(f"sqlite:///{tmp_path}/no-such-folder/shop.sqlite3")
    app.extensions["reads_engine"] = (os.getpid(), broken)
    response = client.get(poll_url(order))
    assert response.status_code == 204
    assert len(flask_calls) == 1


def test_pages_keyed_by_a_quick_read_are_served_when_it_fails(app, client, order, tmp_path, caplog):
    broken = create_engine(f"sqlite:///{tmp_path}/no-such-folder/shop.sqlite3")
    app.extensions["reads_engine"] = (os.getpid(), broken)
    for url in ("/", f"/orders/{order.token}"):
        assert client.get(url).status_code == 200, url
    assert "quick read failed, reading through the session" in caplog.text


def test_after_the_database_drops_its_connections_reads_recover(app, client, order, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("dropping a server's connections is PostgreSQL's; a SQLite file has none")
    url = poll_url(order)
    assert client.get(url).status_code == 204  # the quick-read connection is open now
    # Under a server each request ends its session; the test's outlives its requests.
    db.session.remove()
    with db.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert client.get(url).status_code == 204  # answered by Flask
    assert "quick read failed" in caplog.text
    assert client.get("/").status_code == 200
    assert client.get(url).status_code == 204  # a new quick-read connection
