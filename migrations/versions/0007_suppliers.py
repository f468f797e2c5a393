"""suppliers on products and shipments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier', sa.String(length=80), server_default='', nullable=False))

    with op.batch_alter_table('inbound_shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier', sa.String(length=80), server_default='', nullable=False))
        batch_op.create_index('ix_inbound_shipments_supplier_received', ['supplier', 'received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_shipments_supplier_received')
        batch_op.drop_column('supplier')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('supplier')
