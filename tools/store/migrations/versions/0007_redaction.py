"""quarantine rows that point at a case (redaction refused at triage time)

Revision ID: 0007_redaction
Revises: 0009_memory_queue
Create Date: 2026-12-03

A message is redacted in the graph, after ingest stored it as a case. When its redaction cannot
complete (a pattern timed out, a recognizer failed, over its time or size budget) the case is set to
`quarantined` and a quarantine row names it in `case_id`: the raw message stays in `raw_messages`
(under its retention rule) instead of being copied into the quarantine payload (issue 19).
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_redaction"
down_revision = "0009_memory_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_quarantine_case", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_case")
        batch_op.drop_column("case_id")
