"""staff session token: signing out or a new password ends every earlier session

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-22 09:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    staff_users = sa.table('staff_users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(staff_users.c.id)).all():
        connection.execute(
            staff_users.update()
            .where(staff_users.c.id == user_id)
            .values(session_token=secrets.token_hex(16))
        )
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.drop_column('session_token')
