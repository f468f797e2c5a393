"""Importing catalog and inbound CSV files through the CLI, on every database."""

import pytest
from sqlalchemy import func, select

from storefront.catalog_csv import CsvError, parse_catalog
from storefront.extensions import db
from storefront.models import (
    EventKind,
    InboundShipment,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ShipmentStatus,
)
from storefront.services.importing import import_catalog
from storefront.services.orders import Contact, Item, place_order
from tests.conftest import days


def contact(n: int = 1) -> Contact:
    return Contact(f"buyer{n}@example.com", f"Buyer {n}", "1 Main St", "Town", "12345", "US")


def waiting_order(product: Product, quantity: int, n: int = 1) -> Order:
    return place_order(contact(n), [Item(product.id, quantity)])


def line_of(order: Order) -> OrderLine:
    db.session.expire_all()
    return db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()


def product(sku: str) -> Product:
    db.session.expire_all()
    return db.session.scalars(select(Product).where(Product.sku == sku)).one()


def product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "file.csv") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


# Catalog -----------------------------------------------------------------------------------


def test_import_creates_and_updates_products(runner, make_product, csv_file):
    make_product(sku="MUG-1", name="Blue mug", price_cents=1000, on_hand=5, category="Kitchen")
    path = csv_file(
        "sku,name,price,stock,category,backorders,backorder_discount_pct,substitutes\n"
        "MUG-1,Blue mug (large),12.50,5,,deny,,\n"
        "TEA-1,Crème Green Tea,4,20,Tea,allow,10,MUG-1\n"
    )
    result = runner.invoke(args=["import-catalog", path])
    assert result.exit_code == 0, result.output
    assert "Imported 2 products (1 created, 1 updated)." in result.output

    mug = product("MUG-1")
    assert (mug.name, mug.price_cents, mug.on_hand) == ("Blue mug (large)", 1250, 5)
    assert mug.category == "Kitchen"  # empty cell: unchanged
    assert mug.allow_backorders is False
    assert mug.slug == "mug-1"  # an existing product keeps its address
    tea = product("TEA-1")
    assert (tea.slug, tea.price_cents, tea.on_hand, tea.category) == (
        "creme-green-tea",
        400,
        20,
        "Tea",
    )
    assert (tea.backorder_discount_pct, tea.waiting_units, tea.next_promise_on) == (10, 0, None)
    assert tea.low_stock_threshold == 5  # the default for a new product
    assert [sub.sku for sub in tea.substitutes] == ["MUG-1"]


def test_new_products_get_unique_slugs(runner, make_product, csv_file):
    make_product(sku="OLD", name="Old", slug="blue-mug")
    path = csv_file("sku,name,price,stock\nA,Blue Mug,5,1\nB,blue mug!,5,1\nC,日本茶,5,1\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert [product(sku).slug for sku in "ABC"] == ["blue-mug-2", "blue-mug-3", "c"]


def test_substitutes_are_replaced_by_the_listed_ranking(runner, make_product, csv_file):
    first, second = make_product(sku="S-1"), make_product(sku="S-2")
    make_product(sku="MAIN", substitutes=[first, second])
    path = csv_file("sku,name,price,stock,substitutes\nMAIN,Main,5,1,S-2;NEW\nNEW,New,5,1,\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert [sub.sku for sub in product("MAIN").substitutes] == ["S-2", "NEW"]

    path = csv_file("sku,name,price,stock\nMAIN,Main,5,1\n")  # no column: kept
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert [sub.sku for sub in product("MAIN").substitutes] == ["S-2", "NEW"]

    path = csv_file("sku,name,price,stock,substitutes\nMAIN,Main,5,1,\n")  # empty: none
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert product("MAIN").substitutes == []


def test_backorder_limit_is_kept_without_its_column_and_cleared_by_an_empty_cell(
    runner, make_product, csv_file
):
    make_product(sku="LIM", backorder_limit=4)
    path = csv_file("sku,name,price,stock\nLIM,L,5,0\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert product("LIM").backorder_limit == 4
    path = csv_file("sku,name,price,stock,backorder_limit\nLIM,L,5,0,\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert product("LIM").backorder_limit is None


def test_a_bad_row_in_the_middle_rejects_the_whole_file(runner, make_product, csv_file):
    make_product(sku="MUG-1", name="Blue mug", price_cents=1000, on_hand=5)
    path = csv_file(
        "sku,name,price,stock\n"
        "MUG-1,Renamed,20,50\n"
        "NEW-1,New one,5,1\n"
        "NEW-2,New two,12.5.0,1\n"
        "NEW-3,New three,5,1\n"
    )
    result = runner.invoke(args=["import-catalog", path])
    assert result.exit_code == 1
    assert "line 4: price must be a number like 12.50" in result.stderr
    assert "Nothing was imported." in result.stderr
    mug = product("MUG-1")
    assert (mug.name, mug.price_cents, mug.on_hand) == ("Blue mug", 1000, 5)
    assert product_count() == 1


def test_an_unknown_substitute_rejects_the_file_with_its_line(runner, make_product, csv_file):
    make_product(sku="MUG-1", name="Blue mug", on_hand=5)
    path = csv_file(
        "sku,name,price,stock,substitutes\n"
        "MUG-1,Renamed,20,6,NEW-1\n"  # later in the file: fine
        "NEW-1,New one,5,1,MUG-1\n"  # in the database: fine
        "NEW-2,New two,5,1,NOPE\n"
    )
    result = runner.invoke(args=["import-catalog", path])
    assert result.exit_code == 1
    assert "line 4: substitute 'NOPE' is not in this file or the catalog" in result.stderr
    assert (product("MUG-1").name, product_count()) == ("Blue mug", 1)


def test_an_error_raised_while_writing_rolls_everything_back(make_product):
    make_product(sku="MUG-1", name="Blue mug", on_hand=5)
    rows = parse_catalog(
        ["sku,name,price,stock,substitutes\n", "MUG-1,Renamed,20,9,\n", "NEW,New,1,1,GONE\n"]
    )
    with pytest.raises(CsvError) as caught:
        import_catalog(rows)
    assert caught.value.line == 3
    assert (product("MUG-1").name, product("MUG-1").on_hand, product_count()) == ("Blue mug", 5, 1)


def test_more_stock_fills_waiting_orders_first_come_first_served(runner, make_product, csv_file):
    item = make_product(sku="KETTLE", on_hand=0, allow_backorders=True)
    first, second = waiting_order(item, 2, n=1), waiting_order(item, 3, n=2)
    assert product("KETTLE").waiting_units == 5

    path = csv_file("sku,name,price,stock\nKETTLE,Kettle,30,4\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0

    assert (line_of(first).allocated, line_of(first).waiting) == (2, 0)
    assert (line_of(second).allocated, line_of(second).waiting) == (2, 1)
    kettle = product("KETTLE")
    assert (kettle.on_hand, kettle.waiting_units) == (0, 1)
    told = db.session.scalars(
        select(OrderEvent.order_id).where(OrderEvent.kind == EventKind.ALLOCATED)
    ).all()
    assert sorted(told) == sorted([first.id, second.id])


def test_stock_beyond_the_waiting_orders_goes_on_hand(runner, make_product, csv_file):
    item = make_product(sku="KETTLE", on_hand=0)
    order = waiting_order(item, 2)
    path = csv_file("sku,name,price,stock\nKETTLE,K,3,10\n")
    assert runner.invoke(args=["import-catalog", path]).exit_code == 0
    assert line_of(order).waiting == 0
    assert product("KETTLE").on_hand == 8


def test_less_stock_lowers_on_hand_and_shows_the_next_shipment(runner, make_product, csv_file):
    make_product(sku="A", on_hand=10)
    make_product(sku="B", on_hand=10)
    path = csv_file(f"sku,quantity,expected_on\nB,5,{days(10).isoformat()}\n", "in.csv")
    assert runner.invoke(args=["import-inbound", path]).exit_code == 0
    assert product("B").next_promise_on is None  # units on hand: nothing to promise

    result = runner.invoke(
        args=["import-catalog", csv_file("sku,name,price,stock\nA,A,1,4\nB,B,1,0\n")]
    )
    assert result.exit_code == 0, result.output
    assert product("A").on_hand == 4
    assert (product("B").on_hand, product("B").next_promise_on) == (0, days(12))


def test_a_large_file_is_imported_in_one_go(runner, csv_file):
    body = "".join(f"SKU-{n:05d},Item {n % 40},{n % 90}.99,{n % 7}\n" for n in range(1_500))
    result = runner.invoke(args=["import-catalog", csv_file("sku,name,price,stock\n" + body)])
    assert result.exit_code == 0, result.output
    assert "Imported 1500 products (1500 created, 0 updated)." in result.stdout
    assert "Reading file.csv" in result.stderr  # the progress bar's label
    assert product_count() == 1_500
    assert product("SKU-00041").slug == "item-1-2"


def test_a_non_utf8_file_is_rejected(runner, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("sku,name,price,stock\nA,Crème,5,1\n".encode("latin-1"))
    result = runner.invoke(args=["import-catalog", str(path)])
    assert result.exit_code == 1
    assert "line 2:" in result.stderr and "UTF-8" in result.stderr
    assert product_count() == 0


# Inbound -----------------------------------------------------------------------------------


def test_inbound_import_schedules_shipments_and_dates_waiting_lines(runner, make_product, csv_file):
    kettle = make_product(sku="KETTLE", on_hand=0)
    make_product(sku="TOASTER", on_hand=3)
    order = waiting_order(kettle, 2)
    assert line_of(order).promised_on is None  # date to be confirmed

    path = csv_file(
        "sku,quantity,expected_on,reference\n"
        f"KETTLE,5,{days(10).isoformat()},PO-1\n"
        f"TOASTER,7,{days(3).isoformat()},\n"
    )
    result = runner.invoke(args=["import-inbound", path])
    assert result.exit_code == 0, result.output
    assert "Scheduled 2 shipments." in result.output

    shipments = db.session.scalars(select(InboundShipment).order_by(InboundShipment.id)).all()
    assert [(s.product.sku, s.quantity, s.expected_on, s.reference) for s in shipments] == [
        ("KETTLE", 5, days(10), "PO-1"),
        ("TOASTER", 7, days(3), ""),
    ]
    assert all(s.status is ShipmentStatus.SCHEDULED for s in shipments)
    assert line_of(order).promised_on == days(12)  # expected date plus two handling days
    assert product("KETTLE").next_promise_on == days(12)
    dated = db.session.scalars(
        select(OrderEvent).where(OrderEvent.kind == EventKind.DATE_CHANGED)
    ).one()
    assert (dated.order_id, dated.promised_on) == (order.id, days(12))


def test_inbound_with_an_unknown_sku_schedules_nothing(runner, make_product, csv_file):
    make_product(sku="KETTLE")
    path = csv_file(
        "sku,quantity,expected_on\n"
        f"KETTLE,5,{days(10).isoformat()}\n"
        "\n"
        f"NOPE,5,{days(10).isoformat()}\n"
        f"ALSO-NOPE,5,{days(10).isoformat()}\n"
    )
    result = runner.invoke(args=["import-inbound", path])
    assert result.exit_code == 1
    assert "line 4: no product has sku 'NOPE'" in result.stderr
    assert "Nothing was imported." in result.stderr
    assert db.session.scalar(select(func.count()).select_from(InboundShipment)) == 0


def test_inbound_with_a_bad_date_schedules_nothing(runner, make_product, csv_file):
    make_product(sku="KETTLE")
    path = csv_file(
        f"sku,quantity,expected_on\nKETTLE,5,{days(10).isoformat()}\nKETTLE,5,31/01/2031\n"
    )
    result = runner.invoke(args=["import-inbound", path])
    assert result.exit_code == 1
    assert "line 3: expected_on must be a date like" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(InboundShipment)) == 0


def test_the_supplier_column_names_who_delivers_a_product(runner, make_product, csv_file):
    make_product(sku="MUG-1", supplier="Acme")
    path = csv_file("sku,name,price,stock,supplier\nMUG-1,Mug,5,1,\nTEA-1,Tea,4,2,Leaf & Co\n")
    result = runner.invoke(args=["import-catalog", path])
    assert result.exit_code == 0, result.output
    assert product("MUG-1").supplier == "Acme"  # empty cell: unchanged
    assert product("TEA-1").supplier == "Leaf & Co"
    too_long = csv_file(f"sku,name,price,stock,supplier\nTEA-1,Tea,4,2,{'x' * 81}\n", "long.csv")
    result = runner.invoke(args=["import-catalog", too_long])
    assert result.exit_code == 1
    assert "supplier must be at most 80 characters" in result.output
    assert product("TEA-1").supplier == "Leaf & Co"
