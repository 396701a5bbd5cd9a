"""queue and dashboard indexes

Revision ID: 0002_queue_indexes
Revises: 0001
Create Date: 2026-11-22

The review queue filters on SLA breach per status, the dashboard groups cases and decisions by time,
and the case view reads a case's approvals and outbox rows: each of those gets an index so the pages
stay fast with 10,000+ open cases.
"""
from alembic import op

revision = "0002_queue_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_sla", ["status", "sla_due"], unique=False)
        batch_op.create_index("ix_cases_created", ["created_at"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_at", ["event", "at"], unique=False)
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index("ix_approvals_case", ["case_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_case", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_case")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_approvals_case")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_created")
        batch_op.drop_index("ix_cases_sla")
