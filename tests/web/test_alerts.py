"""Back-in-stock alerts: sign up on a sold-out product, one email when it returns, unsubscribe."""

import pytest
from sqlalchemy import func, select

from storefront.catalog_csv import CatalogRow
from storefront.extensions import db
from storefront.models import OutboxMessage, StockAlert
from storefront.notify.delivery import deliver_due
from storefront.services.alerts import unsubscribe_token
from storefront.services.importing import import_catalog
from storefront.services.products import update_product_settings
from storefront.services.receiving import receive_stock
from tests.conftest import html_part, text_part


@pytest.fixture
def app_config(app_config, smtp_sink):
    return app_config | {
        "PUBLIC_URL": "https://shop.example",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
    }


@pytest.fixture
def sold_out(make_product):
    return make_product(name="Chef's Knife", slug="knife", on_hand=0, allow_backorders=False)


def sign_up(client, email: str, slug: str = "knife"):
    return client.post(f"/products/{slug}/alert", data={"email": email})


def test_a_sold_out_product_offers_the_alert_form(client, sold_out, make_product):
    page = client.get("/products/knife").get_data(as_text=True)
    assert "Email me when it's available</button>" in page and 'type="email"' in page
    make_product(slug="kettle", on_hand=4)
    assert "Email me when it" not in client.get("/products/kettle").get_data(as_text=True)


def test_subscribers_are_mailed_once_oldest_first_when_stock_arrives(client, sold_out, smtp_sink):
    for email in ("first@example.com", "second@example.com", "FIRST@example.com"):
        assert sign_up(client, email).status_code == 303
    page = client.get("/products/knife").get_data(as_text=True)
    assert "We will email FIRST@example.com once, when Chef&#39;s Knife can be ordered" in page
    assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 2

    receive_stock(sold_out.id, 5)
    receive_stock(sold_out.id, 5)
    deliver_due()

    assert [m["To"] for m in smtp_sink.messages] == ["first@example.com", "second@example.com"]
    mail = smtp_sink.messages[0]
    assert mail["Subject"] == "Chef's Knife is available again"
    assert "https://shop.example/products/knife" in text_part(mail)
    unsubscribe = (
        f"https://shop.example/alerts/unsubscribe/{unsubscribe_token('first@example.com')}"
    )
    assert mail["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{unsubscribe}"' in html_part(mail) and unsubscribe in text_part(mail)
    assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 0


def test_no_alert_after_unsubscribing_with_one_click(client, make_product, smtp_sink):
    knife = make_product(slug="knife", on_hand=0, allow_backorders=False)
    board = make_product(slug="board", on_hand=0, allow_backorders=False)
    sign_up(client, "cook@example.com", "knife")
    sign_up(client, "cook@example.com", "board")
    receive_stock(knife.id, 1)
    deliver_due()
    [mail] = smtp_sink.messages
    path = mail["List-Unsubscribe"].strip("<>").removeprefix("https://shop.example")

    # What a mail provider sends for RFC 8058: no session, no CSRF token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200

    receive_stock(board.id, 1)
    deliver_due()
    assert len(smtp_sink.messages) == 1


def test_the_unsubscribe_link_asks_before_it_unsubscribes(app, client, sold_out):
    sign_up(client, "cook@example.com")
    path = f"/alerts/unsubscribe/{unsubscribe_token('cook@example.com')}"
    page = client.get(path).get_data(as_text=True)
    assert "Unsubscribe cook@example.com" in page
    assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 1
    done = client.post(path).get_data(as_text=True)
    assert "gets no more back-in-stock emails" in done
    assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 0
    assert client.get("/alerts/unsubscribe/forged.token").status_code == 404
    assert client.post("/alerts/unsubscribe/" + "x" * 5000).status_code == 404
    assert client.post("/alerts/unsubscribe/forged.token").status_code == 404


def test_a_catalog_import_that_restocks_mails_the_subscribers(client, sold_out, smtp_sink):
    sign_up(client, "cook@example.com")
    row = CatalogRow(line=2, sku=sold_out.sku, name="Chef's Knife", price_cents=1000, stock=3)
    import_catalog([row])
    deliver_due()
    assert [m["To"] for m in smtp_sink.messages] == ["cook@example.com"]


def test_turning_backorders_on_mails_the_subscribers_once(client, sold_out, smtp_sink):
    from tests.integration.test_product_settings import settings_of

    sign_up(client, "cook@example.com")
    update_product_settings(sold_out.sku, settings_of(sold_out, backorder_limit=5))
    deliver_due()
    assert smtp_sink.messages == []  # still no backorders: nothing to tell
    update_product_settings(sold_out.sku, settings_of(sold_out, allow_backorders=True))
    update_product_settings(sold_out.sku, settings_of(sold_out, backorder_limit=6))
    deliver_due()
    assert [m["To"] for m in smtp_sink.messages] == ["cook@example.com"]


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("", "Enter your email address."),
        ("a" * 300, "too long"),
    ],
)
def test_a_bad_address_is_refused_with_a_message(client, sold_out, email, problem):
    response = sign_up(client, email)
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StockAlert)) == 0


def test_signing_up_for_an_orderable_product_says_to_order_now(client, make_product):
    make_product(name="Kettle", slug="kettle", on_hand=2)
    page = client.post(
        "/products/kettle/alert", data={"email": "a@example.com"}, follow_redirects=True
    )
    assert "Kettle can be ordered now" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_staff_see_the_subscribers_per_product_on_the_restock_page(client, sold_out, staff_user):
    from tests.web.test_staff import sign_in

    sign_up(client, "one@example.com")
    sign_up(client, "two@example.com")
    sign_in(client)
    page = client.get("/staff/restock").get_data(as_text=True)
    assert '<th scope="col">Alert subscribers</th>' in page
    row = page[page.index("Chef&#39;s Knife</a>") :].split("</tr>")[0]
    assert row.rstrip().endswith("<td>2</td>")
