"""stock receipts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:44:51.037411

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('orders_filled', sa.Integer(), nullable=False),
    sa.Column('to_on_hand', sa.Integer(), nullable=False),
    sa.Column('receipt_key', sa.String(length=64), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_receipts_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_receipts_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_id'], ['staff_users.id'], name=op.f('fk_stock_receipts_received_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shipment_id'], ['inbound_shipments.id'], name=op.f('fk_stock_receipts_shipment_id_inbound_shipments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_receipts')),
    sa.UniqueConstraint('receipt_key', name=op.f('uq_stock_receipts_receipt_key'))
    )


def downgrade():
    op.drop_table('stock_receipts')
