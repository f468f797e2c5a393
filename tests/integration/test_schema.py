"""The migrations build exactly the tables the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from storefront.extensions import db
from storefront.services.orders import Contact, Item, place_order
from storefront.services.receiving import receive_stock


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_going_back_before_outbox_facts_renders_the_waiting_messages(app, make_product):
    product = make_product(name="Lamp", on_hand=0)
    contact = Contact("a@example.com", "Ann", "1 St", "Town", "1", "US")
    place_order(contact, [Item(product.id, 1)])
    receive_stock(product.id, 1)  # its update email waits as facts
    db.session.remove()
    directory = str(app.extensions["migrate"].directory)
    try:
        downgrade(directory=directory, revision="0010")
        with db.engine.connect() as connection:
            bodies = connection.execute(
                text("SELECT text_body, html_body FROM outbox_messages ORDER BY id")
            ).all()
    finally:
        upgrade(directory=directory)
    assert len(bodies) == 2 and all(text_body and html_body for text_body, html_body in bodies)
    assert "1 × Lamp reserved from new stock: ready to ship." in bodies[1].text_body
    assert "<li>1 × Lamp reserved from new stock: ready to ship.</li>" in bodies[1].html_body


CATALOG_TRIGGERS = {"products_version"} | {
    f"{table}_{event}_version"
    for table in ("inbound_shipments", "substitutes")
    for event in ("insert", "update", "delete")
}


def test_every_catalog_version_trigger_survives_the_migrations(app):
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            names = connection.scalars(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).all()
        else:
            names = connection.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
    assert {name.lower() for name in names} == CATALOG_TRIGGERS


def test_the_database_raises_a_products_version_whatever_writes_it(app, make_product):
    lamp = make_product(name="Lamp", supplier="Acme")
    shade = make_product(name="Shade", supplier="Acme")
    other = make_product(name="Desk")

    def versions():
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, version FROM products")).all()
        return dict(rows)

    writes = [
        ("UPDATE products SET price_cents = price_cents + 1 WHERE id = :lamp", {lamp.id}),
        (
            "INSERT INTO inbound_shipments (product_id, quantity, expected_on, status,"
            " reference, supplier, created_at) VALUES (:desk, 5, '2030-01-01', 'scheduled',"
            " '', '', '2026-01-01 00:00:00')",
            {other.id},
        ),
        (
            "UPDATE inbound_shipments SET supplier = 'Acme' WHERE product_id = :desk",
            {other.id, lamp.id, shade.id},  # the supplier's lateness pads all its products
        ),
        ("DELETE FROM inbound_shipments", {other.id, lamp.id, shade.id}),
        (
            "INSERT INTO substitutes (product_id, substitute_id, rank) VALUES (:lamp, :desk, 1)",
            {lamp.id},
        ),
        ("DELETE FROM substitutes", {lamp.id}),
    ]
    for statement, raised in writes:
        before = versions()
        with db.engine.begin() as connection:
            connection.execute(text(statement), {"lamp": lamp.id, "desk": other.id})
        after = versions()
        assert {id_ for id_ in after if after[id_] > before[id_]} == raised, statement
