"""The demand report: figures against hand-computed data, the CSV, the chart, query counts."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, insert, select

from storefront.extensions import db
from storefront.models import InboundShipment, Order, OrderLine, Product, StockAlert
from storefront.models.types import utcnow
from storefront.queries.demand import DEMAND_COLUMNS
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock
from storefront.services.shipments import cancel_shipment, schedule_shipment
from tests.conftest import counted_queries, days
from tests.web.test_staff import sign_in


@pytest.fixture
def signed_in(client, staff_user):
    assert sign_in(client).status_code == 302
    return client


def contact(n: int) -> Contact:
    return Contact(f"buyer{n}@example.com", f"Buyer {n}", "1 Main St", "Town", "12345", "US")


@pytest.fixture
def shop(make_product):
    """Five products whose report lines are worked out by hand below."""
    anvil = make_product(sku="ANVIL", name="Anvil", on_hand=0, low_stock_threshold=5)
    bellows = make_product(sku="BELLOWS", name="Bellows", on_hand=0, low_stock_threshold=2)
    make_product(sku="CHISEL", name="Chisel", on_hand=3, low_stock_threshold=5)
    make_product(sku="DRILL", name="=Drill", on_hand=50, low_stock_threshold=5)
    easel = make_product(sku="EASEL", name="Easel", on_hand=0, low_stock_threshold=0)
    db.session.add_all(
        [StockAlert(product_id=easel.id, email=f"fan{n}@example.com") for n in range(2)]
    )
    db.session.commit()
    schedule_shipment(anvil.id, 2, days(5))
    schedule_shipment(bellows.id, 10, days(9))
    cancel_shipment(schedule_shipment(bellows.id, 7, days(3)).id)  # cancelled: not supply
    place_order(contact(1), [Item(anvil.id, 3)])
    place_order(contact(2), [Item(anvil.id, 2), Item(bellows.id, 4)])
    # Received supply is on hand or in orders, not expected: a received shipment counts for
    # nothing in the report (and its units went to the oldest waiting line).
    receive_stock(anvil.id, 1, schedule_shipment(anvil.id, 1, days(1)).id)
    db.session.expire_all()
    oldest = db.session.scalar(
        select(func.min(OrderLine.placed_at)).where(OrderLine.product_id == anvil.id)
    )
    return {"oldest_anvil": oldest.date().isoformat()}


# sku: on hand, waiting units, orders, covered, not covered, threshold, suggested reorder,
# back-in-stock subscribers.
# ANVIL: 5 ordered, 1 received -> 4 waiting in 2 orders; 2 scheduled cover 2, 2 uncovered;
#        reorder 2 + 5 - 0 = 7.
# BELLOWS: 4 waiting, 10 scheduled (the cancelled 7 do not count) cover all 4; reorder 0+2-0 = 2.
# CHISEL: nobody waits, 3 on hand under a threshold of 5: reorder 2.
# DRILL: nothing waits and stock is not under the threshold: only with "all".
# EASEL: nothing waits, but 2 shoppers asked to be told when it can be ordered: demand.
EXPECTED = {
    "ANVIL": (0, 4, 2, 2, 2, 5, 7, 0),
    "BELLOWS": (0, 4, 1, 4, 0, 2, 2, 0),
    "CHISEL": (3, 0, 0, 0, 0, 5, 2, 0),
    "EASEL": (0, 0, 0, 0, 0, 0, 0, 2),
}
EXPECTED_ALL = {
    sku: EXPECTED.get(sku, (50, 0, 0, 0, 0, 5, 0, 0))
    for sku in ("ANVIL", "BELLOWS", "CHISEL", "DRILL", "EASEL")  # "=Drill" sorts first
}
NUMBERS = ("on_hand", "waiting_units", "waiting_orders", "covered_units", "uncovered_units")
NUMBERS += ("low_stock_threshold", "suggested_reorder", "alert_subscribers")


class TableReader(HTMLParser):
    """The report table's body rows as lists of cell texts, plus each row's <time> value."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.times: list[str | None] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
            self.times.append(None)
        elif self._in_body and tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")
        elif self._in_body and tag == "time":
            self.times[-1] = dict(attrs)["datetime"]

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data


def table_of(html: str) -> dict[str, dict]:
    """Each row of the page's table by sku, as the CSV names its columns."""
    reader = TableReader()
    reader.feed(html)
    table = {}
    for cells, time in zip(reader.rows, reader.times, strict=True):
        name, sku = cells[0].strip().rsplit(" ", 1)
        numbers = [int(cell.strip()) for cell in cells[1:4] + cells[5:]]
        table[sku] = {"sku": sku, "name": name, "oldest_waiting_since": time or ""} | dict(
            zip(NUMBERS, numbers, strict=True)
        )
    return table


def csv_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_report_needs_a_login(client, shop):
    for url in ("/staff/reports/demand", "/staff/reports/demand.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize(("every", "expected"), [(False, EXPECTED), (True, EXPECTED_ALL)])
def test_figures_match_the_hand_computed_ones(signed_in, shop, every, expected):
    query = {"all": "1"} if every else {}
    html = signed_in.get("/staff/reports/demand", query_string=query).get_data(as_text=True)
    table = table_of(html)
    assert list(table) == list(expected)  # most uncovered first, then most waiting
    for sku, figures in expected.items():
        assert tuple(table[sku][n] for n in NUMBERS) == figures, sku
    assert table["ANVIL"]["oldest_waiting_since"] == shop["oldest_anvil"]
    assert table["CHISEL"]["oldest_waiting_since"] == ""
    assert f"{len(expected)} products" in html
    assert 'href="/staff/products/ANVIL">Anvil</a>' in html


@pytest.mark.parametrize("every", [False, True])
def test_the_csv_equals_the_table(signed_in, shop, every):
    query = {"all": "1"} if every else {}
    table = table_of(signed_in.get("/staff/reports/demand", query_string=query).get_data(True))
    response = signed_in.get("/staff/reports/demand.csv", query_string=query)
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="demand-\d{4}-\d\d-\d\d\.csv"',
        response.headers["Content-Disposition"],
    )
    rows = csv_of(response)
    assert list(rows[0]) == list(DEMAND_COLUMNS)
    as_table = {
        row["sku"]: row | {n: int(row[n]) for n in NUMBERS} | {"name": row["name"]} for row in rows
    }
    if every:
        # The one cell a spreadsheet would read as a formula is quoted in the file only.
        assert as_table["DRILL"]["name"] == "'=Drill"
        as_table["DRILL"]["name"] = "=Drill"
    assert as_table == table


def test_the_chart_draws_waiting_and_covered_units_with_words(signed_in, shop):
    html = signed_in.get("/staff/reports/demand").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="demand-chart-title demand-chart-desc"' in svg
    assert "Anvil: 4 waiting, 2 covered; Bellows: 4 waiting, 4 covered." in svg
    # Readable without colour: each bar has its number and word beside it, the covered
    # bars a hatch pattern, and the legend says which is which.
    assert svg.count(">4 waiting</text>") == 2
    assert ">2 covered</text>" in svg and ">4 covered</text>" in svg
    assert svg.count('fill="url(#covered-hatch)"') == 3  # the legend and two bars
    assert "Chisel" not in svg  # nobody waits for it


def test_an_empty_shop_says_so(signed_in):
    html = signed_in.get("/staff/reports/demand").get_data(as_text=True)
    assert "No customer is waiting for any product." in html
    assert "0 products" in html
    assert csv_of(signed_in.get("/staff/reports/demand.csv")) == []


@pytest.mark.parametrize("page", ["0", "2", "99999999999999999999", "x"])
def test_a_page_that_does_not_exist_is_not_found(signed_in, shop, page):
    response = signed_in.get("/staff/reports/demand", query_string={"page": page})
    assert response.status_code == (200 if page == "x" else 404)  # "x" reads as page 1


def bulk_shop(products: int, prefix: str = "BULK") -> None:
    """`products` products, a third with a waiting line and a scheduled shipment, inserted in
    bulk (the report's query count must not depend on how they were made)."""
    db.session.execute(
        insert(Product),
        [
            {
                "sku": f"{prefix}-{n:05d}",
                "slug": f"{prefix.lower()}-{n:05d}",
                "name": f"Bulk product {n}",
                "price_cents": 1000,
                "on_hand": 0 if n % 3 == 0 else 10,
                "waiting_units": 2 if n % 3 == 0 else 0,
            }
            for n in range(products)
        ],
    )
    ids = db.session.scalars(
        select(Product.id).where(Product.waiting_units > 0, Product.sku.startswith(prefix + "-"))
    ).all()
    contact = {"email": "b@example.com", "name": "B", "address_line1": "1 St", "city": "T"}
    contact |= {"postcode": "1", "country": "US"}
    order_ids = db.session.scalars(
        insert(Order).returning(Order.id, sort_by_parameter_order=True), [contact] * len(ids)
    ).all()
    now = utcnow()
    db.session.execute(
        insert(OrderLine),
        [
            {"order_id": order_id, "product_id": product_id, "quantity": 2, "waiting": 2}
            | {"unit_price_cents": 1000, "placed_at": now}
            for order_id, product_id in zip(order_ids, ids, strict=True)
        ],
    )
    db.session.execute(
        insert(InboundShipment),
        [{"product_id": product_id, "quantity": 1, "expected_on": days(5)} for product_id in ids],
    )
    db.session.commit()


@pytest.mark.parametrize("url", ["/staff/reports/demand", "/staff/reports/demand.csv"])
def test_the_report_runs_the_same_queries_for_24_and_5000_products(signed_in, url):
    counts = []
    for products, prefix in ((24, "FEW"), (5_000 - 24, "MANY")):
        bulk_shop(products, prefix)
        with counted_queries() as statements:
            response = signed_in.get(url, query_string={"all": "1"})
            body = response.get_data(as_text=True)
        assert response.status_code == 200
        counts.append(len(statements))
    if url.endswith(".csv"):
        assert body.count("\n") == 1 + 5_000
    else:
        assert "5,000 products, page 1 of 100" in body
    assert counts[0] == counts[1], counts


def test_the_csv_streams_in_chunks(signed_in, app):
    bulk_shop(1_200)
    response = signed_in.get("/staff/reports/demand.csv?all=1", buffered=False)
    assert response.is_streamed
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) >= 6  # 1,200 rows, 200 a chunk: never the whole file at once
    text = b"".join(chunks).decode()
    assert text.count("\n") == 1 + 1_200
