"""catalog version: every product row counts its changes, kept by the database itself

A product's `version` goes up whenever its row changes, and whenever one of its inbound
shipments or substitute links does (a shipment also moves every product of its supplier, as
the supplier's learned lateness pads their dates). The catalog's version is then
`count(*), max(id), sum(version)` over the products: any committed change raises it. The
database keeps it, so a bulk statement, a script or a future service cannot forget to.
On PostgreSQL the related tables use statement triggers (one UPDATE per statement, not per
row), so bulk work stays bulk.

On SQLite, a later migration must not rebuild products, inbound_shipments or substitutes
(Alembic's batch mode "recreate", which SQLite needs to drop or alter a column): the copy
would come without these triggers. Add columns and indexes in place, or create the
triggers again after a rebuild; tests/integration/test_schema.py checks they are all there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 12:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Tables whose rows change what a product's page shows, with how they name the product.
RELATED = ("inbound_shipments", "substitutes")

POSTGRES_UP = """
CREATE FUNCTION catalog_product_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version AND NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER products_version BEFORE UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION catalog_product_changed();

CREATE FUNCTION catalog_shipments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products SET version = version + 1
  WHERE id IN (SELECT product_id FROM changed_rows)
     OR supplier IN (SELECT supplier FROM changed_rows WHERE supplier <> '');
  RETURN NULL;
END $$;

CREATE FUNCTION catalog_substitutes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE products SET version = version + 1
  WHERE id IN (SELECT product_id FROM changed_rows);
  RETURN NULL;
END $$;
"""

POSTGRES_STATEMENT_TRIGGER = """
CREATE TRIGGER {table}_{event}_version AFTER {event} ON {table}
  REFERENCING {side} TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_{short}_changed();
"""

SQLITE_PRODUCT = """
CREATE TRIGGER products_version AFTER UPDATE ON products
FOR EACH ROW WHEN NEW.version = OLD.version
BEGIN
  UPDATE products SET version = OLD.version + 1 WHERE id = NEW.id;
END
"""

SQLITE_RELATED = """
CREATE TRIGGER {table}_{event}_version AFTER {event} ON {table}
FOR EACH ROW
BEGIN
  UPDATE products SET version = version + 1 WHERE {where};
END
"""


def _sqlite_where(table: str, row: str) -> str:
    if table == "inbound_shipments":
        return f"id = {row}.product_id OR ({row}.supplier <> '' AND supplier = {row}.supplier)"
    return f"id = {row}.product_id"


def upgrade():
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.BigInteger(), nullable=False, server_default="1")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_UP)
        for table, short in (("inbound_shipments", "shipments"), ("substitutes", "substitutes")):
            for event, side in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    POSTGRES_STATEMENT_TRIGGER.format(
                        table=table, event=event, side=side, short=short
                    )
                )
    else:
        op.execute(SQLITE_PRODUCT)
        for table in RELATED:
            for event, rows in (
                ("INSERT", ("NEW",)),
                ("UPDATE", ("OLD", "NEW")),
                ("DELETE", ("OLD",)),
            ):
                where = " OR ".join(f"({_sqlite_where(table, row)})" for row in rows)
                op.execute(SQLITE_RELATED.format(table=table, event=event, where=where))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in RELATED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER {table}_{event}_version ON {table}")
        op.execute("DROP TRIGGER products_version ON products")
        for function in ("product", "shipments", "substitutes"):
            op.execute(f"DROP FUNCTION catalog_{function}_changed()")
    else:
        for table in RELATED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER {table}_{event}_version")
        op.execute("DROP TRIGGER products_version")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("version")
