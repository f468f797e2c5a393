"""parcels shipped to customers, with carrier and tracking number

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:18:22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=80), nullable=False),
    sa.Column('tracking_number', sa.String(length=120), nullable=False),
    sa.Column('parcel_key', sa.String(length=80), nullable=True),
    sa.Column('shipped_by_id', sa.Integer(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_parcels_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipped_by_id'], ['staff_users.id'], name=op.f('fk_parcels_shipped_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcels')),
    sa.UniqueConstraint('parcel_key', name=op.f('uq_parcels_parcel_key'))
    )
    op.create_index(op.f('ix_parcels_order_id'), 'parcels', ['order_id'], unique=False)
    op.create_table('parcel_items',
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.CheckConstraint('units > 0', name=op.f('ck_parcel_items_units_positive')),
    sa.ForeignKeyConstraint(['line_id'], ['order_lines.id'], name=op.f('fk_parcel_items_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_parcel_items_parcel_id_parcels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('parcel_id', 'line_id', name=op.f('pk_parcel_items'))
    )


def downgrade():
    op.drop_table('parcel_items')
    op.drop_index(op.f('ix_parcels_order_id'), table_name='parcels')
    op.drop_table('parcels')
