"""catalog, inbound shipments, staff, orders

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 03:53:47.917901

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('checkout_key', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address_line1', sa.String(length=200), nullable=False),
    sa.Column('address_line2', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('postcode', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('subtotal_cents', sa.BigInteger(), nullable=False),
    sa.Column('discount_cents', sa.BigInteger(), nullable=False),
    sa.Column('shipping_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('checkout_key', name=op.f('uq_orders_checkout_key')),
    sa.UniqueConstraint('token', name=op.f('uq_orders_token'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_email'), ['email'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.String(length=160), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('allow_backorders', sa.Boolean(), nullable=False),
    sa.Column('backorder_limit', sa.Integer(), nullable=True),
    sa.Column('backorder_discount_pct', sa.Integer(), nullable=False),
    sa.Column('backorder_free_shipping', sa.Boolean(), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=False),
    sa.Column('waiting_units', sa.Integer(), nullable=False),
    sa.Column('next_promise_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('backorder_discount_pct BETWEEN 0 AND 100', name=op.f('ck_products_discount_is_percentage')),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_products_on_hand_not_negative')),
    sa.CheckConstraint('price_cents >= 0', name=op.f('ck_products_price_not_negative')),
    sa.CheckConstraint('waiting_units >= 0', name=op.f('ck_products_waiting_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku')),
    sa.UniqueConstraint('slug', name=op.f('uq_products_slug'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category'), ['category'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_users_email'))
    )
    op.create_table('inbound_shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'received', 'cancelled', name='shipmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('received_quantity', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_inbound_shipments_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_inbound_shipments_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_shipments'))
    )
    with op.batch_alter_table('inbound_shipments', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_shipments_schedule', ['product_id', 'status', 'expected_on'], unique=False)

    op.create_table('order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('backorder_discount_pct', sa.Integer(), nullable=False),
    sa.Column('backorder_free_shipping', sa.Boolean(), nullable=False),
    sa.Column('backordered_units', sa.Integer(), nullable=False),
    sa.Column('allocated', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('shipped', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('substitute_for_line_id', sa.Integer(), nullable=True),
    sa.Column('substitute_for_product_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('allocated + waiting + shipped + cancelled = quantity', name=op.f('ck_order_lines_units_add_up')),
    sa.CheckConstraint('allocated >= 0 AND waiting >= 0 AND shipped >= 0 AND cancelled >= 0', name=op.f('ck_order_lines_units_not_negative')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products')),
    sa.ForeignKeyConstraint(['substitute_for_line_id'], ['order_lines.id'], name=op.f('fk_order_lines_substitute_for_line_id_order_lines')),
    sa.ForeignKeyConstraint(['substitute_for_product_id'], ['products.id'], name=op.f('fk_order_lines_substitute_for_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_order_lines_queue', ['product_id', 'placed_at', 'id'], unique=False, postgresql_where=sa.text('waiting > 0'), sqlite_where=sa.text('waiting > 0'))

    op.create_table('substitutes',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('substitute_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.CheckConstraint('product_id <> substitute_id', name=op.f('ck_substitutes_not_itself')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_substitutes_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['substitute_id'], ['products.id'], name=op.f('fk_substitutes_substitute_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'substitute_id', name=op.f('pk_substitutes'))
    )
    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('placed', 'backordered', 'date_changed', 'allocated', 'shipped', 'cancelled', 'substituted', name='eventkind', native_enum=False, length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['order_lines.id'], name=op.f('fk_order_events_line_id_order_lines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_timeline', ['order_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_timeline')

    op.drop_table('order_events')
    op.drop_table('substitutes')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_queue', postgresql_where=sa.text('waiting > 0'), sqlite_where=sa.text('waiting > 0'))
        batch_op.drop_index(batch_op.f('ix_order_lines_order_id'))

    op.drop_table('order_lines')
    with op.batch_alter_table('inbound_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_shipments_schedule')

    op.drop_table('inbound_shipments')
    op.drop_table('staff_users')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_category'))

    op.drop_table('products')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_email'))

    op.drop_table('orders')
