"""outbox facts: a message may be stored as its template and facts, rendered when sent

Receiving stock can write thousands of update emails in one transaction; storing what each
says (a few lines of JSON) instead of rendering two bodies per email keeps that bulk work
bulk. The bodies are rendered by the worker that sends the message.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch_op.alter_column("text_body", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("html_body", existing_type=sa.Text(), nullable=True)
        batch_op.create_check_constraint(
            op.f("ck_outbox_messages_bodies_or_facts"),
            "(text_body IS NOT NULL AND html_body IS NOT NULL)"
            " OR (template IS NOT NULL AND facts IS NOT NULL)",
        )


def downgrade():
    # Messages still waiting as facts are rendered before the columns go: none is lost.
    from storefront.notify.outbox import render_stored

    connection = op.get_bind()
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("template", sa.String),
        sa.column("facts", sa.JSON),
        sa.column("text_body", sa.Text),
        sa.column("html_body", sa.Text),
    )
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.template, outbox.c.facts).where(
            outbox.c.text_body.is_(None)
        )
    ).all()
    for row in rows:
        text, html = render_stored(row.template, row.facts)
        connection.execute(
            outbox.update().where(outbox.c.id == row.id).values(text_body=text, html_body=html)
        )
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_messages_bodies_or_facts"), type_="check")
        batch_op.alter_column("text_body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("html_body", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("facts")
        batch_op.drop_column("template")
