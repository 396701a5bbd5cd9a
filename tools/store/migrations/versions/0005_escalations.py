"""escalations: SLA reconciliation records and the escalated columns on cases

Revision ID: 0005_escalations
Revises: 0003_api
Create Date: 2026-12-03

`triage reconcile` (and the worker's periodic run) records each escalation once per (case, rule,
window): the unique (case_id, rule, seq) makes two racing reconcilers write one row. The case keeps
its newest escalation (rule, time) and the role it was assigned to, for the queue and the dashboard.
Also the Health section's tables: worker heartbeats and webhook rejects (reason and time only).
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_escalations"
down_revision = "0003_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalation_rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("assigned_role", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_cases_escalated", ["escalated_at"], unique=False)
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=True),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "rule", "seq", name="uq_escalation_case_rule_seq"),
    )
    op.create_index("ix_escalations_at", "escalations", ["at"], unique=False)
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=128), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_table(
        "webhook_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_rejects_at", "webhook_rejects", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webhook_rejects_at", table_name="webhook_rejects")
    op.drop_table("webhook_rejects")
    op.drop_table("worker_heartbeats")
    op.drop_index("ix_escalations_at", table_name="escalations")
    op.drop_table("escalations")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_escalated")
        batch_op.drop_column("assigned_role")
        batch_op.drop_column("escalation_rule")
        batch_op.drop_column("escalated_at")
