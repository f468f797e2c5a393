"""Tracking: finding an order, its page and live status, and the customer's own changes."""

import os
import re

import pytest

from storefront import create_app
from storefront.extensions import db
from storefront.models import Order, OrderLine, Substitute
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import schedule_shipment
from storefront.services.shipping import ship_order
from tests.conftest import counted_queries, days, require

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def contact(n: int = 1) -> Contact:
    return Contact(f"buyer{n}@example.com", f"Buyer {n}", "1 Main St", "Town", "12345", "US")


def place(*items: tuple, n: int = 1) -> Order:
    """place((product, quantity), ...) for customer n; returns the order, freshly loaded."""
    order = place_order(contact(n), [Item(product.id, quantity) for product, quantity in items])
    return fresh(order)


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def page(client, order: Order) -> str:
    response = client.get(f"/orders/{order.token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def waiting_line(order: Order) -> OrderLine:
    return next(line for line in fresh(order).lines if line.waiting)


def line_text(html: str, name: str) -> str:
    """The text of the items table row for product `name`, tags removed."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">\s*{name}\b.*?</tr>", html, re.S)
    assert row, f"no row for {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())


@pytest.fixture
def kettle(make_product):
    """Out of stock; 2 units arrive in 5 days and 5 more in 10 (plus 2 handling days)."""
    product = make_product(name="Kettle", on_hand=0, price_cents=3000)
    schedule_shipment(product.id, 2, days(5))
    schedule_shipment(product.id, 5, days(10))
    return product


# ---------- The tracking page ----------


def test_page_shows_each_line_with_its_place_in_line_and_date(client, kettle, make_product):
    mug = make_product(name="Mug", on_hand=5, price_cents=800)
    place((kettle, 1), n=1)  # ahead in the kettle queue, covered by the first shipment
    order = place((kettle, 2), (mug, 1), n=2)
    html = page(client, order)
    assert f"Order {order.number}" in html
    assert f'<time datetime="{order.created_at.date().isoformat()}">' in html
    summary = re.search(r'<p class="summary-line">(.*?)</p>', html, re.S).group(1)
    assert summary.startswith("1 item ready to ship, 2 waiting — expected by ")
    assert f'<time datetime="{days(12).isoformat()}">' in summary
    kettle_row = line_text(html, "Kettle")
    assert "2nd in line, ships by" in kettle_row
    assert re.search(rf'datetime="{days(12).isoformat()}"', html)
    assert line_text(html, "Mug").startswith("Mug 1 1 0 0 0 $8.00")
    assert "$68.00" in html  # two kettles at 30.00 and a mug
    assert "$72.95" in html  # with 4.95 shipping


def test_each_line_counts_its_place_among_waiting_lines_only(client, kettle):
    first = place((kettle, 1), n=1)
    second = place((kettle, 1), n=2)
    third = place((kettle, 3), n=3)
    receive_stock(kettle.id, 1)  # fills the first order: it leaves the queue
    assert "1st in line" in line_text(page(client, second), "Kettle")
    assert "2nd in line" in line_text(page(client, third), "Kettle")
    assert "in line" not in line_text(page(client, first), "Kettle")


def test_queue_positions_are_read_in_one_query(client, kettle, make_product):
    from storefront.queries.orders import queue_positions

    fan = make_product(name="Fan", on_hand=0)
    place((kettle, 1), (fan, 1), n=1)
    place((kettle, 1), n=2)
    order = place((kettle, 2), (fan, 1), n=3)
    names = {line.id: line.product.name for line in order.lines}
    with counted_queries() as statements:
        positions = queue_positions(order)
    assert {names[line_id]: place for line_id, place in positions.items()} == {
        "Kettle": 3,
        "Fan": 2,
    }
    assert len(statements) == 1


def test_waiting_without_a_covering_shipment_says_date_to_be_confirmed(client, make_product):
    product = make_product(name="Lamp", on_hand=0)
    html = page(client, place((product, 1)))
    assert "1 item waiting — date to be confirmed." in html
    assert "1st in line, date to be confirmed" in line_text(html, "Lamp")


def test_page_shows_incentives_and_the_discounted_totals(client, make_product):
    product = make_product(
        name="Grill",
        on_hand=0,
        price_cents=10000,
        backorder_discount_pct=10,
        backorder_free_shipping=True,
    )
    html = page(client, place((product, 2)))
    assert "10% off the 2 backordered units" in html
    assert "Free shipping for waiting" in html
    assert "−$20.00" in html
    assert re.search(r"<dt>Shipping</dt><dd>Free</dd>", html)
    assert "$180.00" in html


def test_timeline_is_newest_first_with_utc_instants(client, kettle):
    html = page(client, place((kettle, 1)))
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("on backorder") < timeline.index("Order placed")
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+ UTC</time>', timeline)


def test_page_polls_from_a_live_region_and_is_never_cached(client, kettle):
    order = place((kettle, 1))
    response = client.get(f"/orders/{order.token}")
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r'aria-live="polite">\s*<div id="order-status"', html)
    assert f'hx-get="/orders/{order.token}/status?v={order.version}"' in html
    assert 'hx-trigger="every 5s"' in html
    assert 'hx-swap="outerHTML"' in html
    assert f'<a href="/orders/{order.token}">Refresh</a>' in html


def test_unknown_or_malformed_token_is_not_found(client):
    for path in [
        "/orders/AAAAAAAAAAAAAAAAAAAAAA",
        "/orders/not-a-token",
        "/orders/AAAAAAAAAAAAAAAAAAAAAA/status?v=1",
        "/orders/AAAAAAAAAAAAAAAAAAAAAA/status",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["Cache-Control"] == "no-store"


# ---------- The live status fragment ----------


def test_poll_with_unchanged_version_is_204_in_one_query(client, kettle):
    order = place((kettle, 1))
    url = f"/orders/{order.token}/status?v={order.version}"
    db.session.commit()
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert len(statements) == 1, statements
    assert "version" in statements[0] and "token" in statements[0]


def test_poll_after_stock_arrives_gets_the_new_fragment(client, kettle):
    order = place((kettle, 1))
    seen = order.version
    receive_stock(kettle.id, 1)
    response = client.get(f"/orders/{order.token}/status?v={seen}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert html.lstrip().startswith('<div id="order-status"')
    assert "<html" not in html
    assert fresh(order).version > seen
    assert f"status?v={fresh(order).version}" in html
    assert "1 item ready to ship." in html
    assert 'hx-trigger="every 5s"' in html  # still to ship: keep polling


def test_finished_order_stops_polling(client, make_product):
    product = make_product(on_hand=3)
    order = place((product, 2))
    seen = order.version
    ship_order(order.id)
    fragment = client.get(f"/orders/{order.token}/status?v={seen}").get_data(as_text=True)
    assert "Everything is on its way: 2 items shipped." in fragment
    assert "hx-trigger" not in fragment
    assert "hx-get" not in fragment
    html = page(client, order)
    assert "hx-trigger" not in html
    assert "no longer updates" in html


def test_fully_cancelled_order_says_so_and_stops_polling(client, kettle):
    order = place((kettle, 1))
    line = waiting_line(order)
    client.post(
        f"/orders/{order.token}/lines/{line.id}/cancel", data={"units": 1, "confirm": "yes"}
    )
    html = page(client, order)
    assert "This order was cancelled: 1 item cancelled." in html
    assert "hx-trigger" not in html


# ---------- Finding an order ----------


def test_lookup_page_has_a_labelled_form(client):
    html = client.get("/track").get_data(as_text=True)
    assert '<label for="number">Order number</label>' in html
    assert '<label for="email">' in html
    assert '<button type="submit">Show my order</button>' in html


def test_lookup_with_number_and_email_goes_to_the_tracking_page(client, kettle):
    order = place((kettle, 1), n=7)
    response = client.post(
        "/track", data={"number": f" #{order.number} ", "email": "  Buyer7@Example.COM "}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/orders/{order.token}"


@pytest.fixture
def lookup_answers(client, kettle):
    """The answer to each kind of wrong lookup, with the echoed input taken out."""
    order = place((kettle, 1), n=1)
    place((kettle, 1), n=2)
    tries = {
        "wrong number": (str(order.number + 1), "buyer1@example.com"),
        "wrong email": (str(order.number), "buyer2@example.com"),
        "unknown number": ("999999", "buyer1@example.com"),
        "non-numeric": ("10x2", "buyer1@example.com"),
        "negative": ("-5", "buyer1@example.com"),
        "huge": ("99999999999999999999", "buyer1@example.com"),
    }
    answers = {}
    for name, (number, email) in tries.items():
        db.session.commit()
        with counted_queries() as statements:
            response = client.post("/track", data={"number": number, "email": email})
        body = response.get_data(as_text=True).replace(number, "N").replace(email, "E")
        answers[name] = (response.status_code, body, len(statements))
    return answers


def test_every_wrong_lookup_gets_the_same_answer(lookup_answers):
    status, body, queries = lookup_answers["wrong number"]
    assert status == 400
    assert "We could not find an order with that number and email address." in body
    assert queries == 1
    for name, answer in lookup_answers.items():
        assert answer == (status, body, queries), name


def test_lookup_asks_for_both_fields(client):
    response = client.post("/track", data={"number": "", "email": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="number-error">Enter your order number.' in html
    assert 'id="email-error">Enter the email address you ordered with.' in html


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_lookups_are_rate_limited_per_client(app_config, storage):
    if storage == "redis":
        require(_redis_reachable(), f"Redis is not reachable at TEST_REDIS_URL={REDIS_URL!r}")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL if storage == "redis" else "memory://",
        }
    )
    client = limited.test_client()
    form = {"number": "1001", "email": "nobody@example.com"}
    with limited.app_context():
        answers = [client.post("/track", data=form).status_code for _ in range(11)]
        assert answers == [400] * 10 + [429]
        response = client.post("/track", data=form)
        assert response.status_code == 429
        assert "Too many order lookups" in response.get_data(as_text=True)
        assert "Retry-After" in response.headers
        other = client.post("/track", data=form, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert other.status_code == 400  # the limit is per client
        assert client.get("/track").status_code == 200  # reading the form is not limited
        db.session.remove()
        db.engine.dispose()


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


# ---------- Cancelling waiting units ----------


@pytest.fixture
def queue(client, kettle):
    """Order A waits for 2 kettles (first shipment), order B for 1 behind it (second)."""
    a = place((kettle, 2), n=1)
    b = place((kettle, 1), n=2)
    assert "2nd in line, ships by" in line_text(page(client, b), "Kettle")
    return a, b


def test_cancel_asks_first_then_moves_the_next_order_up(client, queue):
    a, b = queue
    line = waiting_line(a)
    seen = a.version
    url = f"/orders/{a.token}/lines/{line.id}/cancel"
    ask = client.post(url, data={"units": 2})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200
    assert "Cancel 2 waiting × Kettle?" in html
    assert '<button type="submit" name="confirm" value="yes"' in html
    assert "Keep waiting</a>" in html
    assert waiting_line(a).waiting == 2  # asking changes nothing

    done = client.post(url, data={"units": 2, "confirm": "yes"})
    assert done.status_code == 303
    assert done.headers["Location"].startswith(f"/orders/{a.token}?")
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Cancelled 2 waiting × Kettle." in after
    assert line_text(after, "Kettle").startswith("Kettle 2 0 0 0 2")
    assert fresh(a).version > seen
    assert f"1st in line, ships by {days(7):%a}" in line_text(page(client, b), "Kettle")
    assert fresh(b).lines[0].promised_on == days(7)


def test_cancel_some_units_keeps_the_rest_waiting(client, queue):
    a, _ = queue
    line = waiting_line(a)
    client.post(f"/orders/{a.token}/lines/{line.id}/cancel", data={"units": 1, "confirm": "yes"})
    line = fresh(a).lines[0]
    assert (line.waiting, line.cancelled) == (1, 1)


@pytest.mark.parametrize("units", ["3", "0", "", "two"])
def test_cancel_refuses_a_bad_number_and_changes_nothing(client, queue, units):
    a, _ = queue
    line = waiting_line(a)
    seen = a.version
    for confirm in ["", "yes"]:
        response = client.post(
            f"/orders/{a.token}/lines/{line.id}/cancel", data={"units": units, "confirm": confirm}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="order-problem" role="alert"' in html
        assert re.search(rf'id="cancel-units-{line.id}"[^>]*aria-invalid="true"', html)
    assert waiting_line(a).waiting == 2
    assert fresh(a).version == seen


def test_cancel_after_the_units_were_filled_says_so(client, queue):
    a, _ = queue
    line = waiting_line(a)
    receive_stock(line.product_id, 2)
    response = client.post(
        f"/orders/{a.token}/lines/{line.id}/cancel", data={"units": 2, "confirm": "yes"}
    )
    assert response.status_code == 400
    assert "No Kettle units are waiting any more." in response.get_data(as_text=True)
    assert fresh(a).lines[0].allocated == 2


def test_a_refusal_from_the_service_is_shown_and_nothing_changes(client, queue, monkeypatch):
    from storefront.services import InvalidRequest
    from storefront.tracking import views as tracking

    def refuse(*_args, **_kwargs):
        raise InvalidRequest("Only 1 waiting and 0 reserved units can be cancelled.")

    monkeypatch.setattr(tracking, "cancel_units", refuse)
    a, _ = queue
    line = waiting_line(a)
    response = client.post(
        f"/orders/{a.token}/lines/{line.id}/cancel", data={"units": 2, "confirm": "yes"}
    )
    assert response.status_code == 400
    assert 'role="alert">Kettle: Only 1 waiting' in response.get_data(as_text=True)
    assert waiting_line(a).waiting == 2


def test_cannot_change_a_line_of_another_order(client, queue):
    a, b = queue
    other = waiting_line(b)
    cancel = client.post(
        f"/orders/{a.token}/lines/{other.id}/cancel", data={"units": 1, "confirm": "yes"}
    )
    assert cancel.status_code == 404
    assert waiting_line(b).waiting == 1


def test_actions_need_a_csrf_token(app_config, kettle):
    protected = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    order = place((kettle, 1))
    line = waiting_line(order)
    with protected.app_context():
        client = protected.test_client()
        html = client.get(f"/orders/{order.token}").get_data(as_text=True)
        assert 'name="csrf_token"' in html
        response = client.post(
            f"/orders/{order.token}/lines/{line.id}/cancel", data={"units": 1, "confirm": "yes"}
        )
        assert response.status_code == 400
        db.session.remove()
        db.engine.dispose()
    assert waiting_line(order).waiting == 1


# ---------- Switching to a substitute ----------


@pytest.fixture
def substitutes(make_product, kettle):
    """Kettle's substitutes: Teapot (5 in stock), then Samovar (1: too few for 2 waiting)."""
    teapot = make_product(name="Teapot", on_hand=5, price_cents=2500)
    samovar = make_product(name="Samovar", on_hand=1, price_cents=2000)
    db.session.add_all(
        [
            Substitute(product_id=kettle.id, substitute_id=teapot.id, rank=1),
            Substitute(product_id=kettle.id, substitute_id=samovar.id, rank=2),
        ]
    )
    db.session.commit()
    return teapot, samovar


def test_page_offers_in_stock_substitutes_with_price(client, queue, substitutes):
    a, _ = queue
    html = page(client, a)
    assert "Switch 2 × Kettle to Teapot</button>" in html
    assert "$25.00 each, ships now" in html
    assert "Samovar" not in html


def test_switching_to_a_substitute_moves_the_next_order_up(client, queue, substitutes):
    a, b = queue
    teapot, _ = substitutes
    line = waiting_line(a)
    response = client.post(
        f"/orders/{a.token}/lines/{line.id}/substitute",
        data={"substitute_id": teapot.id, "units": 2},
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Switched 2 × Kettle to Teapot, which is ready to ship." in html
    assert line_text(html, "Teapot").startswith("Teapot Instead of waiting for Kettle 2 2 0")
    assert "2 items ready to ship." in html
    assert f"1st in line, ships by {days(7):%a}" in line_text(page(client, b), "Kettle")


def order_waiting_for(make_product, count: int) -> Order:
    """An order of `count` out-of-stock products, each with a substitute in stock."""
    products = [
        make_product(name=f"Wanted {n}", on_hand=0, substitutes=[make_product(on_hand=5)])
        for n in range(count)
    ]
    return place(*[(product, 1) for product in products])


def test_tracking_page_query_count_does_not_grow_with_waiting_lines(client, make_product):
    one, five = order_waiting_for(make_product, 1), order_waiting_for(make_product, 5)
    counts = {}
    for order in (one, five):
        db.session.commit()
        with counted_queries() as statements:
            html = page(client, order)
        counts[len(order.lines)] = len(statements)
        assert html.count("ships now</span>") == len(order.lines)  # every line has its offer
    assert counts[5] == counts[1], counts


def test_a_substitute_is_offered_only_to_lines_it_can_fill(client, make_product):
    teapot = make_product(name="Teapot", on_hand=2)
    kettle = make_product(name="Kettle", on_hand=0, substitutes=[teapot])
    urn = make_product(name="Urn", on_hand=0, substitutes=[teapot])
    html = page(client, place((kettle, 1), (urn, 3)))
    assert "Switch 1 × Kettle to Teapot</button>" in html
    assert "Switch 3 × Urn to Teapot" not in html
    assert "No alternative has 3 in stock right now." in html


@pytest.mark.parametrize("which", ["too few in stock", "not a substitute"])
def test_switching_to_an_unsuitable_product_is_refused(client, queue, substitutes, which):
    a, _ = queue
    line = waiting_line(a)
    seen = a.version
    samovar = substitutes[1]
    target = samovar.id if which == "too few in stock" else line.product_id
    response = client.post(
        f"/orders/{a.token}/lines/{line.id}/substitute",
        data={"substitute_id": target, "units": 2},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    expected = "has only 1 in stock now" if which == "too few in stock" else "not offered"
    assert re.search(rf'id="order-problem" role="alert">Kettle: [^<]*{expected}', html)
    assert waiting_line(a).waiting == 2
    assert len(fresh(a).lines) == 1
    assert fresh(a).version == seen


def test_order_pages_are_kept_out_of_search_engines_but_the_lookup_is_not(client, kettle):
    order = place_order(Contact("s@example.com", "S", "1 St", "T", "1", "US"), [Item(kettle.id, 1)])
    assert client.get(f"/orders/{order.token}").headers["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in client.get("/track").headers
