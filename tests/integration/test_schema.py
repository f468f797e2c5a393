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
