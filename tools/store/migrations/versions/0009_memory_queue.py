"""reviewed cases waiting to join the vector memory

Revision ID: 0009_memory_queue
Revises: 0002_queue_indexes
Create Date: 2026-12-03

A decision queues the reviewed case here instead of embedding it in the reviewer's request; the
processes that have the embedding model loaded add the queued cases to the memory.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_memory_queue"
down_revision = "0002_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_queue",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("approved", sa.JSON(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("memory_queue")
