"""Health endpoints, request ids, and logs that say what happened without a secret in them."""

import json
import re
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import Order, OrderLine
from storefront.services.shipping import ship_order
from tests.conftest import counted_queries, require
from tests.web.test_cart import ADDRESS, add, checkout_form
from tests.web.test_staff import receipt_key, sign_in
from tests.web.test_tracking import REDIS_URL, _redis_reachable

# Nothing listens on port 1: a Redis that is down.
REDIS_DOWN = "redis://127.0.0.1:1/0"


def log_lines(captured: str) -> list[dict]:
    """The JSON log lines among what the app wrote to stderr."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


# ---------- Health ----------


def test_healthz_answers_without_touching_the_database(client):
    with counted_queries() as statements:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert statements == []


def test_readyz_checks_the_database_and_its_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not used"}


def test_readyz_is_not_ready_while_migrations_are_behind(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite3",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="0001")
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["database"] == "migrations not at head"
        upgrade(directory=app.extensions["migrate"].directory)
        assert app.test_client().get("/readyz").status_code == 200
        db.engine.dispose()


def test_readyz_says_when_the_database_is_unreachable(tmp_path, capsys):
    missing = tmp_path / "no-such-folder" / "shop.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert app.test_client().get("/healthz").status_code == 200  # the process is still alive
    assert "no-such-folder" not in capsys.readouterr().err


def test_readyz_checks_the_rate_limit_redis(app_config):
    down = create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS_DOWN})
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}
    require(_redis_reachable(), f"Redis is not reachable at TEST_REDIS_URL={REDIS_URL!r}")
    up = create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL})
    assert up.test_client().get("/readyz").json["redis"] == "ok"


# ---------- Rate limits when their Redis is down ----------


def test_a_redis_outage_falls_back_to_per_process_limits_and_says_so(
    sqlite_template, tmp_path, capsys
):
    # The database plays no part, so SQLite only: the limiter is one object per process and
    # says "falling back" once, when it first finds its storage down.
    shop = tmp_path / "shop.sqlite3"
    shutil.copy(sqlite_template, shop)
    config = {"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False}
    app = create_app(
        {
            **config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{shop}",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS_DOWN,
        }
    )
    client = app.test_client()
    form = {"number": "1001", "email": "nobody@example.com"}
    with app.app_context():
        lookups = [client.post("/track", data=form).status_code for _ in range(11)]
        logins = {
            client.post(
                "/staff/login", data={"email": "a@example.com", "password": "x"}
            ).status_code
            for _ in range(3)
        }
        db.session.remove()
    assert lookups == [400] * 10 + [429]  # still limited, by this process alone
    assert logins == {200}
    err = capsys.readouterr().err
    warnings = [e for e in log_lines(err) if e["logger"] == "flask-limiter"]
    assert any("falling back to in-memory storage" in e["event"] for e in warnings)


# ---------- Request ids and the request log ----------


def test_every_response_carries_a_request_id(client):
    generated = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert (
        client.get("/", headers={"X-Request-ID": "lb-7f3a9c2e"}).headers["X-Request-ID"]
        == "lb-7f3a9c2e"
    )
    for hostile in ["short", "x" * 500, "evil\u0000id-123456", "<script>alert(1)</script>"]:
        answered = client.get("/healthz", headers={"X-Request-ID": hostile}).headers
        assert re.fullmatch(r"[0-9a-f]{32}", answered["X-Request-ID"])


def test_one_log_line_per_request_without_the_tracking_token(client, capsys):
    token = "Abcdefghijklmnopqrstuv"
    client.get(f"/orders/{token}", headers={"X-Request-ID": "req-0001-abcd"})
    client.put(f"/orders/{token}/lines/1/cancel")  # no route for PUT: 405
    client.get(f"/checkout/confirmation/{token}?v=1")
    requests = [e for e in log_lines(capsys.readouterr().err) if e["event"] == "request"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("GET", "/orders/[token]", 404),
        ("PUT", "/orders/[token]/lines/1/cancel", 405),
        ("GET", "/checkout/confirmation/[token]", 404),
    ]
    assert requests[0]["request_id"] == "req-0001-abcd"
    assert all(isinstance(e["duration_ms"], float) for e in requests)
    assert all(e["level"] == "info" and e["logger"] == "storefront.request" for e in requests)


# ---------- A whole journey leaves no secret in the log ----------


def walk_shop_journey(client, make_product) -> dict:
    """Place, look up, track, cancel, receive and ship; returns what must never be logged."""
    waiting = make_product(name="Grinder", on_hand=0)
    ready = make_product(name="Kettle", on_hand=5)
    add(client, waiting, 3)
    add(client, ready, 1)
    assert client.post("/checkout", data=checkout_form(client)).status_code == 303
    order = db.session.scalar(select(Order))
    number, token = order.number, order.token
    lookup = client.post("/track", data={"number": str(number), "email": ADDRESS["email"]})
    assert lookup.status_code == 303
    assert client.get(f"/orders/{token}").status_code == 200
    line = db.session.scalar(select(OrderLine).where(OrderLine.product_id == waiting.id))
    cancel = f"/orders/{token}/lines/{line.id}/cancel"
    assert client.post(cancel, data={"units": 1, "confirm": "yes"}).status_code == 303
    assert sign_in(client).status_code == 302
    receive = {
        "receive-product_id": waiting.id,
        "receive-quantity": 2,
        "receive-shipment_id": 0,
        "receive-receipt_key": receipt_key(client, waiting.sku),
    }
    assert client.post("/staff/restock/receive", data=receive).status_code == 302
    ship_order(order.id)
    return {
        "number": number,
        "secrets": [
            token,
            ADDRESS["email"],
            "correct horse battery",
            "test-secret",
            receive["receive-receipt_key"],
        ],
    }


def test_the_log_of_a_whole_journey_names_no_token_email_or_password(
    client, make_product, staff_user, capsys
):
    shop_journey = walk_shop_journey(client, make_product)
    written = capsys.readouterr().err
    for secret in shop_journey["secrets"]:
        assert secret not in written
    assert "Ada Shopper" not in written and "Main St" not in written
    actions = {e["event"]: e for e in log_lines(written) if e["logger"] == "storefront.action"}
    number = shop_journey["number"]
    assert actions["order placed"] | {"duration_ms": 0} == {
        **actions["order placed"],
        "order": number,
        "result": "ok",
        "duration_ms": 0,
    }
    assert actions["units cancelled"]["waiting"] == 1
    assert actions["units cancelled"]["by"] == "customer"
    assert actions["stock received"]["orders_filled"] == 1
    assert actions["stock received"]["quantity"] == 2
    assert actions["order shipped"]["order"] == number
    assert all(e["result"] == "ok" for e in actions.values())
    requests = [e for e in log_lines(written) if e["event"] == "request"]
    assert {"/orders/[token]", "/track", "/staff/restock/receive"} <= {e["path"] for e in requests}


def test_a_refused_action_is_logged_with_its_reason(client, capsys):
    from storefront.services import ServiceError

    with pytest.raises(ServiceError):
        ship_order(12345)
    refused = [e for e in log_lines(capsys.readouterr().err) if e["event"] == "order shipped"]
    assert [(e["result"], e["reason"]) for e in refused] == [("refused", "NotFound")]


def test_an_error_on_an_order_page_is_logged_without_the_token_or_the_values(app_config, capsys):
    from sqlalchemy import text

    app = create_app({**app_config, "TESTING": False})
    token = "Zyxwvutsrqponmlkjihgfe"

    def failing(token: str):
        db.session.execute(text("SELECT * FROM no_such_table WHERE email = :e"), {"e": token})

    app.add_url_rule("/orders/<token>/failing", "failing", failing)
    response = app.test_client().get(f"/orders/{token}/failing")
    assert response.status_code == 500
    errors = [e for e in log_lines(capsys.readouterr().err) if e["level"] == "error"]
    assert errors and errors[0]["event"] == "Exception on /orders/[token]/failing [GET]"
    assert "no_such_table" in errors[0]["error"]  # the error is there, the token is not
    assert token not in json.dumps(errors)
